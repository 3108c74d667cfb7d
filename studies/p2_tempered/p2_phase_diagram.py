"""P2 Thm 5.1-5.2: exact TS-Langevin stationary laws, TV ~ sigma^alpha, (alpha, beta_err) phases.

Li, Shen, Hsieh, He (2026), Thm 5.1: tempered-score Langevin dX = sigma^alpha s dt + sqrt(2) dW has
the stationary law proportional to q^(sigma^alpha) for a gradient score s = grad log q. On the unit
circle with von Mises(kappa = 4, mean pi) data (the family's reference setting) the angular
marginal of that law is integrated exactly (:func:`ratesim.exact.tempered_stationary_law`:
closed-form p_sigma, polar quadrature, 720 equal angle bins for the TV). Regimes (``regime``
column, derived from the parameters in this file):

- ``exact`` (c_err = 0, 0 < alpha < 2): TV ~ C sigma^alpha (C = kappa/pi) and normal width
  sigma^(1 - alpha/2);
- ``plain`` (alpha = 0, exact score): the law is p_sigma itself, TV -> TV(von Mises, uniform);
- corrupted gradient score s - sigma^beta_err grad phi, phi = (|x_1| - 1)^2 (appendix D):
  ``converge`` if alpha + beta_err > 0, TV ~ C1 sigma^alpha + C2 sigma^(alpha + beta_err), whose
  leading term sigma^(alpha + beta_err) dominates only once sigma^beta_err >> C1 / C2: fitted in the
  asymptotic window sigma <= 1e-3 (2 decades); for beta_err = 0 one power sigma^alpha (full
  range); ``plateau`` at alpha = -beta_err (TV -> const); ``collapse`` below: the law concentrates
  on the two minima of phi, where phi ~ t^4 / 4 is *quartic* in the angle t, so the wells have
  width (sigma^(alpha+beta_err))^(-1/4) and 1 - TV ~ sigma^(-(alpha + beta_err)/4) (our
  derivation, not in the paper: the paper only says "collapse"; same window);
- ``rotational`` (Thm 5.2, non-gradient error sigma^beta_err J x): the angle drifts at the constant
  rate F = sigma^(alpha + beta_err); the first Fourier mode of the law is damped by 1/|1 + iF|, so
  TV ~ sigma^alpha / sqrt(1 + F^2) ~ sigma^max(alpha, -beta_err): it converges for every alpha > 0.

Axis: claims are fitted against sigma, so a metric ~ sigma^p has predicted exponent p. sigma spans
0.03 .. 1e-5 (3.5 decades). The quadrature is deterministic (seeds = 1): the CI of a slope
measures only the lack of fit of the power law over the range, i.e. the pre-asymptotic curvature,
which is what the tolerances below bound. The corrupted convergence and collapse claims were
changed after the first full run (marked post hoc, with the registered claims they replace).
Tolerances: exact/rotational 0.03 (relative O((kappa sigma^alpha)^2) correction of
TV(kappa') = kappa'/pi (1 - O(kappa'^2)) at the largest sigma; the slopes of the reference values
are 0.49, 1.00, 1.50); plateau 0.05 (approach to a constant with a relative sigma^alpha
correction); collapse 0.04 (finite well width against the 2 pi circle and the kappa tilt between
the two wells); width 0.02.

2026-12-05 (family README): tolerances re-registered as equivalence margins (each + 0.1, the
registered maximum CI half-width), so a group is consistent only when its whole CI lies inside
p +- margin. Roles: the Thm 5.1 / 5.2 claims and the normal width test P2 (role "paper"); the
collapse exponent is ratesim's derivation, verified against the closed-form Laplace asymptotics
of the reduced law exp(-lambda phi) on the circle in ``test_p2_tempered_stationary.py``
(``test_collapse_exponent_closed_form``), hence an anchor. That check also gives the exact form,
1 - TV ~ lambda^(-1/4) (log lambda)^(1/4) with lambda = sigma^(alpha + beta_err): the fitted
exponents approach -(alpha + beta_err)/4 from below, logarithmically (local exponent in lambda
-0.228 at lambda = 1e2 .. 1e3, -0.238 at 1e7 .. 1e8).
"""

from ratesim.study import Claim, Study

from .figures import phase_diagram_figure
from .tasks import ts_stationary_quadrature

ALPHAS = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
BETAS = [-1.5, -1.0, -0.5, 0.0]
SIGMAS = [0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4, 3e-5, 1e-5]


def _regime(kind, c, a, b):
    if kind == "rotational":
        return "rotational"
    if c == 0.0:
        return "plain" if a == 0.0 else "exact"
    s = a + b
    return "converge" if s > 1e-12 else ("plateau" if abs(s) <= 1e-12 else "collapse")


def _combos(alphas, betas, rot_alphas, rot_betas):
    out = [("gradient", 0.0, a, 0.0) for a in alphas]
    out += [("gradient", 1.0, a, b) for b in betas for a in alphas]
    out += [("rotational", 1.0, a, b) for b in rot_betas for a in rot_alphas]
    return [(k, c, a, b, _regime(k, c, a, b)) for k, c, a, b in out]


FULL = _combos(ALPHAS, BETAS, [0.5, 1.0, 1.5], [-1.5, -1.0])
# quick: one group per claim (exact, O(1) error, corrupted convergence, plateau, collapse, Thm 5.2)
QUICK = [
    (k, c, a, b, _regime(k, c, a, b))
    for k, c, a, b in [("gradient", 0.0, 0.0, 0.0), ("gradient", 0.0, 1.0, 0.0)]
    + [("gradient", 1.0, 1.0, 0.0), ("gradient", 1.0, 0.5, -1.0), ("gradient", 1.0, 1.0, -1.0)]
    + [("gradient", 1.0, a, -0.5) for a in (0.75, 1.0, 1.25, 1.5, 1.75)]
    + [("rotational", 1.0, 1.0, -1.0)]
]
GROUP = ("kind", "c_err", "alpha", "beta_err")


SMALL = [s for s in SIGMAS if s <= 1e-3]  # asymptotic window of the corrupted regimes


POSTHOC_CONVERGE = (
    "changed after the first full run; the registered claims (one per alpha) fitted the corrupted "
    "convergence over the full sigma range with the two-term form A sigma^(alpha+beta_err) + "
    "c sigma^alpha (leading exponent alpha+beta_err, tolerance 0.03, max CI half-width 0.15); "
    "without replication their CIs were infinite (inconclusive) and one leading exponent was "
    "contradicted (0.19 for alpha = 1.75, beta_err = -1.5, predicted 0.25), because TV is not "
    "additive in the two terms (|f1 + f2| per bin); the heat map of local slopes showed the "
    "asymptotic window sigma <= 1e-3, which this claim uses"
)
POSTHOC_COLLAPSE = (
    "changed after the first full run, with the convergence claim; the registered claim fitted "
    "1 - tv over the full sigma range (same prediction and tolerance); it now uses the asymptotic "
    "window sigma <= 1e-3 seen in the heat map of local slopes"
)


def _converge_claim():
    """Convergence with a corrupted score, fitted in the asymptotic window sigma <= 1e-3."""
    return Claim(
        metric="tv",
        name="tv converge, corrupted (sigma <= 1e-3)",
        predict={"alpha+beta_err (Thm 5.1)": "alpha+beta_err"},
        where={"regime": "converge", "beta_err": [b for b in BETAS if b < 0], "sigma": SMALL},
        group_by=GROUP,
        on="sigma",
        tolerance=0.13,
        role="paper",
        posthoc=POSTHOC_CONVERGE,
        evidence=(
            "the window sigma <= 1e-3 was chosen after seeing the data (posthoc). In it the "
            "group alpha = 1.75, beta_err = -1.5 gives 0.207 [0.193, 0.221] against 0.25: "
            "under the former rule (CI overlapping 0.25 +- 0.03) it passed by 0.001; under the "
            "equivalence rule its CI lies inside 0.25 +- 0.13 = [0.12, 0.38], 0.073 from the "
            "edge, and its point estimate is 0.043 from 0.25 (local slopes 0.224 .. 0.186 from "
            "sigma = 1e-5 to 1e-3, approaching 0.25 as sigma shrinks). The other eight groups "
            "are within 0.04 of alpha + beta_err"
        ),
    )


STUDY = Study(
    name="p2_phase_diagram",
    task=ts_stationary_quadrature,
    # the quadrature's moments m1, m2 depend on the number of numba threads in their last
    # digits (measured: 1e-16 of each metric's scale between 2 threads and 1; 5.8e-12 relative
    # on single values near 0)
    recompute_rtol=1e-9,
    grid={
        "manifold": "circle",
        "density": "von_mises",
        "density__kappa": 4.0,
        "kind, c_err, alpha, beta_err, regime": FULL,
        "sigma": SIGMAS,
        "quad_sub": 16,  # midpoint nodes per angle bin
        "quad_nr": 96,  # Gauss-Legendre nodes in r
    },
    seeds=1,
    quick={
        "kind, c_err, alpha, beta_err, regime": QUICK,
        "sigma": [0.01, 1e-3, 1e-4, 1e-5],
        "quad_sub": 4,
        "quad_nr": 48,
    },
    quick_seeds=1,
    seed=20261123,
    registered=("2026-11-23", "e7aa3b1"),
    claims=[
        Claim(
            metric="tv",
            name="tv exact score",
            predict={"alpha (Thm 5.1)": "alpha"},
            where={"regime": "exact"},
            group_by=GROUP,
            on="sigma",
            tolerance=0.13,
            role="paper",
        ),
        Claim(
            metric="tv",
            name="tv O(1) gradient error (beta_err = 0)",
            predict={"alpha (Thm 5.1)": "alpha"},
            where={"regime": "converge", "beta_err": 0.0},
            group_by=GROUP,
            on="sigma",
            tolerance=0.13,
            role="paper",
        ),
        _converge_claim(),
        Claim(
            metric="tv",
            name="tv plateau / plain Langevin",
            predict={"constant": 0.0},
            where={"regime": ["plateau", "plain"]},
            group_by=GROUP,
            on="sigma",
            tolerance=0.15,
            role="paper",
            expect={"kind=gradient, c_err=1, alpha=0.5, beta_err=-0.5": "inconclusive"},
            evidence=(
                "alpha = 0.5, beta_err = -0.5: slope 0.106 [0.033, 0.179] straddles the upper "
                "edge of 0 +- 0.15. Pre-asymptotic: the local slopes are 0.37, 0.33, 0.13 at "
                "sigma = 0.03 .. 1e-3 and 0.020 .. 0.001 below, i.e. the TV reaches its plateau "
                "only from sigma ~ 1e-3 on, and this claim fits the full range 0.03 .. 1e-5 as "
                "registered (the window of the corrupted claims is not applied here)"
            ),
        ),
        Claim(
            metric="one_minus_tv",
            name="1 - tv collapse (sigma <= 1e-3)",
            predict={"quartic wells -(alpha+beta_err)/4": "-(alpha+beta_err)/4"},
            where={"regime": "collapse", "sigma": SMALL},
            group_by=GROUP,
            on="sigma",
            tolerance=0.14,
            role="anchor",
            posthoc=POSTHOC_COLLAPSE,
            why=(
                "ratesim's derivation (quartic wells), verified against the closed-form Laplace "
                "asymptotics of the reduced law exp(-lambda phi), lambda = sigma^(alpha + "
                "beta_err), and against the library quadrature (test_collapse_exponent_closed_"
                "form): 1 - TV ~ lambda^(-1/4) (log lambda)^(1/4), so the fitted exponents sit "
                "below -(alpha + beta_err)/4, here by 0.005 .. 0.040; the reduced law with its "
                "tilt 4 sigma^alpha reproduces each of the 12 fitted slopes to 0.003"
            ),
            evidence=(
                "all 12 groups consistent; where |alpha + beta_err| = 0.25 (alpha = 0.25, "
                "beta_err = -0.5; alpha = 1.25, beta_err = -1.5) the band 0.0625 +- 0.14 also "
                "contains 0, so there the claim would pass without any collapse; the data give "
                "0.027 [-0.006, 0.060] (contains 0) and 0.057 [0.056, 0.057] (does not)"
            ),
        ),
        Claim(
            metric="tv",
            name="tv rotational error (Thm 5.2)",
            predict={"max(alpha, -beta_err)": "max(alpha, -beta_err)"},
            where={"regime": "rotational"},
            group_by=GROUP,
            on="sigma",
            tolerance=0.13,
            role="paper",
        ),
        Claim(
            metric="width",
            name="normal width",
            predict={"1 - alpha/2": "1 - alpha/2"},
            where={"regime": ["exact", "plain"]},
            group_by=GROUP,
            on="sigma",
            tolerance=0.12,
            role="paper",
        ),
    ],
    figures=[phase_diagram_figure],
)
