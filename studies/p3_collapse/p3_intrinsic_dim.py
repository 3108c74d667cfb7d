"""P3 intrinsic dimension from scores: the FLIPD plateau at k starts at sigma ~ N^(-1/k).

FLIPD(x, sigma) = d + sigma^2 (tr grad s + |s|^2) (Kamkari et al., NeurIPS 2024) of the exact
empirical score of N samples equals sum_i w_i |x - x_i|^2 / sigma^2 (docs/science.md, anchors): at
training points it is ~0 while sigma is below the sample spacing (the denoiser has collapsed onto
the sample, ``p3_collapse_learned``), then it plateaus at k, and it decays like sigma^-2 above the
diameter. The plateau onset therefore scales like the spacing, expected ~ N^(-1/k) (Huang et al.,
"Collapse and refine", arXiv 2605.20235, read operationally; docs/science.md, P3).

Per cell: N samples of the uniform law on the circle (k = 1, d = 3), S^2 (k = 2, d = 10), the flat
T^2 (k = 2, d = 10), S^3 (k = 3, d = 10) and a Holder graph (beta = 4.5, k = 1, d = 50); FLIPD on
27 sigmas in 1e-5 ... 3 at 64 training points and 64 held-out points of M:

- ``flipd_onset``: sigma where the median FLIPD at training points first reaches k/2 (bracketing
  grid interval refined by 12 bisection steps in log sigma). Claim: ~ N^(-1/k), N = 64 ... 8192
  (2.1 decades), 10 seeds. Tolerance 0.05: the onset is a scale-free functional of the locally
  Poisson sample; curvature corrections are (spacing / reach)^2 <= 0.03 at N = 64 on S^2, and the
  median of a few-neighbour Gaussian-weight statistic has no log factor in the Poisson limit; a
  slowly varying correction from the number of neighbours within a few sigma was measured below
  0.03 in pilot runs (k = 2: local exponents 0.47 - 0.49). max_halfwidth 0.08. Re-registered
  2026-12-05 under the equivalence rule: tolerance 0.13 = 0.05 + 0.08, mechanically. Role:
  anchor (the onset is the nearest-neighbour spacing of the sample again, read through FLIPD; not
  a test of a paper's statement).
- ``flipd_dim`` (plateau value at held-out points, :func:`ratesim.metrics.flipd_dimension`),
  ``flipd_plateau_lo``, ``svd_dim`` (normal-space SVD of the empirical score, Stanczuk et al. 2024,
  at 3 x onset) and, when scikit-dimension is installed (the optional extra ``skdim``:
  ``pip install scikit-dimension``), ``skdim_twonn`` and ``skdim_mle`` on the same N samples:
  reported in the figure table, no rate claim (they should read k).

Cost: a few minutes on 2 cores; a bigger machine would add k = 4, 5 (T^4, S^5) where N^(-1/k)
needs N ~ 1e5 to span two decades of the onset.
"""

from ratesim.study import Claim, Study

from .figures import intrinsic_figure
from .tasks import intrinsic_dimension

MANIFOLDS = [
    ("circle", 1, 3),
    ("sphere", 2, 10),
    ("flat_torus", 2, 10),
    ("sphere", 3, 10),
    ("holder_graph", 1, 50),
]

STUDY = Study(
    name="p3_intrinsic_dim",
    task=intrinsic_dimension,
    grid={
        "manifold, k, d": MANIFOLDS,
        "manifold__seed": 1,
        "graph_eps": 0.1,
        "beta": 4.5,
        "N": [2**j for j in range(6, 14)],
        "n_query": 64,
        "sigma_lo": 1e-5,
        "sigma_hi": 3.0,
        "n_sigma": 27,
        "refine": 12,
        "skdim": True,
    },
    seeds=10,
    quick={
        "manifold, k, d": [("circle", 1, 3)],
        "N": [64, 256, 1024, 4096],
        "n_query": 16,
        "n_sigma": 14,
        "skdim": False,
    },
    quick_seeds=10,
    seed=2605_20235,
    registered=("2026-11-23", "4568370"),
    claims=[
        Claim(
            metric="flipd_onset",
            predict={"N^(-1/k)": "-1/k"},
            group_by=("manifold", "k", "d"),
            tolerance=0.13,
            role="anchor",
            why=(
                "The FLIPD onset of the exact empirical score is where it stops resolving single "
                "training points: the nearest-neighbour spacing, N^(-1/k) (a known result)."
            ),
        )
    ],
    figures=[intrinsic_figure],
)
