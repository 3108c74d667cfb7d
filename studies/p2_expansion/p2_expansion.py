"""P2 Thm 3.1: the remainders of the expansions of log p_sigma and of the score are O(sigma^2).

Li, Shen, Hsieh, He, "When scores learn geometry" (arXiv 2509.24912), Theorem 3.1, measured by
exact evaluation (no learning, no sampling): on the unit circle, the ellipse (1, 2), S^2 and S^3,
each in d = k + 1 and d = 10 (random isometry), with von Mises (mean angle pi) / von Mises-Fisher
(mu = -e_1) data of concentration kappa = 4, the exact log p_sigma and score
(:class:`ratesim.scores.OracleScore`: Bessel closed forms on spheres, periodic-trapezoid quadrature
finer than sigma / 4 on the ellipse) are compared with the leading terms of the expansion
(:func:`ratesim.exact.leading_log_density`: the exact curvature term -(1/2) log det(g^-1 H)); task
:func:`tasks.expansion_remainders`.

Fits against sigma = 0.1 ... 3e-4 (2.5 decades); exponents of sigma. Each seed draws 128 random
tube points (feet uniform on M, distance eps * U, eps = 0.2 below the reaches 1 and 1/2) for the
sups and 128 typical points x ~ p_sigma for the score parts, so the seed spread measures how well
128 points find the sup. Predictions:

- ``remainder_sup`` ~ sigma^2 (2) and ``score_rem_sup`` ~ sigma^2 (2): the O(sigma^2) remainder
  for C^2 densities. Tolerance 0.05: the next term is O(sigma^4), a relative correction below 3 %
  at sigma = 0.1, so the only pre-asymptotic bias is < 0.02 in the slope.
- ``lead_err_sup`` = sup |sigma^2 log p_sigma + dist^2 / 2| -> 0 uniformly; its size is
  sigma^2 ((d - k)/2) log(1/(2 pi sigma^2)) + O(sigma^2), whose local slope in sigma is
  2 - 1/log(1/sigma) in 1.85 ... 1.88 over sigma 1e-3 ... 3e-4 and about 1.7 over the whole range:
  prediction 2 with tolerance 0.35 (the log factor), stated, not tuned.
- ``geo_typical`` = mean ||x - P_M x|| / sigma^2 at x ~ p_sigma: Theta(sigma^-1) (-1); tolerance
  0.05 (curvature corrections are O(sigma)).
- ``dens_typical`` = mean ||s + (x - P_M x)/sigma^2||: Theta(1) (0); tolerance 0.05 (O(sigma)
  corrections). A competing prediction 1 (the density part vanishing like sigma) must be
  contradicted: a built-in negative control for this claim.
- ``remainder_ref``: |remainder| at the check point (angle 0.7 on M), to reproduce the check
  values of docs/science.md, 5.09e-2, 4.49e-3, 4.98e-4, 4.48e-5 on the circle (table in the report).

The full grid takes a few seconds of compute: a bigger machine would add more manifolds (tori,
Holder curves with a numerical curvature term) rather than more seeds. Reading of the full run:
reports/p2_expansion/reading.md.

2026-12-05 (family README): tolerances re-registered as equivalence margins (0.05 + 0.1 = 0.15;
lead_err_sup 0.35 + 0.15 = 0.5); the claims test P2 (role "paper"), except the O(sigma)
prediction for dens_typical, registered above as a competing prediction that must be
contradicted, which is now its own claim with role "control" (same prediction and margin). The
quick grid gained sigma = 0.03 (4 levels over 2 decades: the engine needs >= 4 levels for a
verdict); the full grid is unchanged.
"""

from ratesim.study import Claim, Study

from .figures import check_values
from .tasks import expansion_remainders

MANIFOLDS = [
    ("circle", 1, 2),
    ("circle", 1, 10),
    ("ellipse", 1, 2),
    ("ellipse", 1, 10),
    ("sphere", 2, 3),
    ("sphere", 2, 10),
    ("sphere", 3, 4),
    ("sphere", 3, 10),
]
GROUP = ("manifold", "k", "d")

STUDY = Study(
    name="p2_expansion",
    task=expansion_remainders,
    grid={
        "manifold, k, d": MANIFOLDS,
        "kappa": 4.0,
        "manifold__seed": 1,
        "eps": 0.2,
        "n_points": 128,
        "sigma": [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003],
    },
    seeds=12,
    quick={
        "manifold, k, d": [("circle", 1, 2), ("ellipse", 1, 10)],
        "n_points": 32,
        "sigma": [0.1, 0.03, 0.01, 0.001],
    },
    quick_seeds=10,
    seed=2509_24912,
    registered=("2026-11-23", "21084a3"),
    claims=[
        Claim(
            metric="remainder_sup",
            predict={"O(sigma^2)": 2.0},
            on="sigma",
            group_by=GROUP,
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="score_rem_sup",
            predict={"O(sigma^2)": 2.0},
            on="sigma",
            group_by=GROUP,
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="lead_err_sup",
            predict={"sigma^2 log(1/sigma)": 2.0},
            on="sigma",
            group_by=GROUP,
            tolerance=0.5,
            role="paper",
            why=(
                "the log factor lowers the local slope to 1.7 .. 1.9 (d = 10) and cannot be "
                "fitted as N/logN on a sigma axis; the margin 0.5 (0.35 + 0.15, re-registered) "
                "is wide: any exponent in [1.5, 2.5] passes"
            ),
        ),
        Claim(
            metric="geo_typical",
            predict={"sigma^-1": -1.0},
            on="sigma",
            group_by=GROUP,
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="dens_typical",
            predict={"Theta(1)": 0.0},
            on="sigma",
            group_by=GROUP,
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="dens_typical",
            name="dens_typical control O(sigma)",
            predict={"O(sigma) (negative control)": 1.0},
            on="sigma",
            group_by=GROUP,
            tolerance=0.15,
            role="control",
            expect="contradicted",
            evidence=(
                "built to fail: the density part of the score is Theta(1); its slopes are "
                "-0.004 .. +0.005 (CI half-widths <= 0.011) in all 8 groups, far below "
                "1 +- 0.15"
            ),
        ),
    ],
    figures=[check_values],
)
