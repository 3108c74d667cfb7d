"""P3 collapse (oracle): D_sigma = P_M + O(sigma^2) and grad D_sigma has k eigenvalues near 1.

Huang, Han, Bai, Zhou, Zhang, Suzuki, Fukumizu, "Collapse and refine" (arXiv 2605.20235), read
operationally (docs/science.md, P3): the denoiser D_sigma(x) = x + sigma^2 s(x) = E[x0 | x]
collapses onto the nearest-point projection, sup_tube ||D_sigma - P_M|| = O(sigma^2) (the score
form of Li, Shen, Hsieh, He, arXiv 2509.24912, Thm 3.1), and its Jacobian grad D_sigma =
Cov(x0 | x) / sigma^2 has, at points of M, k tangent eigenvalues 1 + O(sigma^2) and d - k normal
eigenvalues O(sigma^2).

Exact oracle posterior moments (:func:`ratesim.exact.oracle_posterior_moments`, no Monte Carlo):
von Mises-Fisher posteriors on the circle (von Mises kappa = 4, mean angle pi) and S^2 (vMF
kappa = 4, mu = -e_1), a product of circle posteriors on the flat T^2 (uniform), and the periodic
trapezoid rule finer than sigma / 4 on the Holder graph (beta = 4.5, eps = 0.1, k = 1, uniform).
Ambient d in {3, 10, 50} (flat T^2: {4, 10, 50}) by random isometries: for the oracle d only adds
exactly-zero eigenvalues (the posterior of x0 lives in the native subspace), which the study
confirms.

Axis sigma = 0.1 ... 0.001 (2 decades). Each seed draws 128 tube points (feet uniform on M,
distance <= eps = 0.2, below every reach) for ``denoise_sup`` and 128 points of M from the data
law for the spectrum. Predictions as exponents of sigma:

- ``denoise_sup`` ~ sigma^2 (+2), ``tan_dev`` = max |lambda_tangent - 1| ~ sigma^2 (+2),
  ``normal_max`` = largest normal eigenvalue ~ sigma^2 (+2). Tolerance 0.05: the next terms are
  O(sigma^4), a relative correction of order (curvature x sigma)^2 <= 1e-2 x (1 + kappa) at
  sigma = 0.1 on these unit-reach manifolds, so the pre-asymptotic bias of the fitted slope is
  below 0.03. max_halfwidth 0.1. Re-registered 2026-12-05 under the equivalence rule: tolerance
  0.15 = 0.05 + 0.1, mechanically.
- ``rank_half``: number of eigenvalues > 1/2 (k at every sigma; reported in the figure table).

Roles: ``denoise_sup`` tests the score form of Thm 3.1 of Li, Shen, Hsieh, He (sup_tube
||sigma^2 s + x - P_M x|| = O(sigma^2), exactly of order sigma^2 here: curvature and the density
gradient give a non-zero sigma^2 term), which is also P3's collapse of the denoiser onto P_M for the
oracle object (paper). The eigenvalue claims are anchors: the derivative form of that expansion,
whose constants have a closed form on the unit circle (uniform law: 1 - lambda_T = lambda_N =
sigma^2 / 2 + O(sigma^4), Bessel ratios; verified in the family's tests). No learning is involved:
P3's statement about learned scores is not tested by this study.

A competing "O(sigma)" prediction (+1) is declared for ``denoise_sup`` as a built-in negative
control: it must be contradicted while O(sigma^2) holds (rule "any" keeps the claim's verdict that
of the true prediction). The full grid costs well under a minute; a bigger machine would add
S^3, T^3 (k = 3 by Monte-Carlo posterior moments) and Holder graphs over T^2 with rougher beta.
"""

from ratesim.study import Claim, Study

from .figures import oracle_figure
from .tasks import collapse_oracle

MANIFOLDS = [
    ("circle", 1, 3, 4.0),
    ("circle", 1, 10, 4.0),
    ("circle", 1, 50, 4.0),
    ("sphere", 2, 3, 4.0),
    ("sphere", 2, 10, 4.0),
    ("sphere", 2, 50, 4.0),
    ("flat_torus", 2, 4, 0.0),
    ("flat_torus", 2, 10, 0.0),
    ("flat_torus", 2, 50, 0.0),
    ("holder_graph", 1, 3, 0.0),
    ("holder_graph", 1, 10, 0.0),
    ("holder_graph", 1, 50, 0.0),
]
GROUP = ("manifold", "k", "d")


def _claim(metric, predict, **kw):
    return Claim(
        metric=metric,
        predict=predict,
        on="sigma",
        group_by=GROUP,
        tolerance=0.15,
        rule="any",
        **kw,
    )


ANCHOR_WHY = (
    "The derivative form of the oracle's O(sigma^2) collapse (grad D_sigma = Cov(x0 | x) / "
    "sigma^2 tends to the tangent projector): on the unit circle with the uniform law 1 - "
    "lambda_T = lambda_N = sigma^2 / 2 + O(sigma^4) in closed form (the family's tests)."
)


STUDY = Study(
    name="p3_collapse_oracle",
    task=collapse_oracle,
    grid={
        "manifold, k, d, kappa": MANIFOLDS,
        "manifold__seed": 1,
        "graph_eps": 0.1,
        "beta": 4.5,
        "eps": 0.2,
        "n_points": 128,
        "sigma": [0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001],
    },
    seeds=10,
    quick={
        "manifold, k, d, kappa": [("circle", 1, 3, 4.0), ("holder_graph", 1, 10, 0.0)],
        "n_points": 32,
        "sigma": [0.1, 0.03, 0.01, 0.003, 0.001],
    },
    quick_seeds=10,
    seed=2605_20235,
    registered=("2026-11-23", "5984df0"),
    claims=[
        _claim(
            "denoise_sup",
            {"O(sigma^2)": 2.0, "O(sigma) (negative control)": 1.0},
            role="paper",
            why=(
                "Thm 3.1 of Li, Shen, Hsieh, He in its score form, for the exact (oracle) "
                "denoiser; the O(sigma) prediction is a built-in negative control."
            ),
        ),
        _claim("tan_dev", {"O(sigma^2)": 2.0}, role="anchor", why=ANCHOR_WHY),
        _claim("normal_max", {"O(sigma^2)": 2.0}, role="anchor", why=ANCHOR_WHY),
    ],
    figures=[oracle_figure],
)
