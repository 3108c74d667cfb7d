"""P1 phase diagrams at fixed N: where memorization starts and where coverage is lost.

Where P1's "generalization precedes memorization" shows at fixed N (docs/science.md). N = 1000
(and 1e4) uniform samples on the Holder-4.5 curve of ``p1_coarse_coverage`` (k = 1, d = 2). Two
estimators over the bandwidth h = r x spacing (spacing = 2 pi / N, r from 0.1 to 30) and the
final noise level sigma_min (1e-4 .. 1e-1), each sampled with the reverse VE SDE (sigma_max = 2,
20 geometric steps, final Tweedie step):

- ``smoothed``: the score of the kernel density estimate mu_N * N(0, h^2 I) (SmoothedScore; h = 0
  is the exact empirical score, which memorizes: it collapses onto the training points at noise
  ~ the spacing N^(-1/k), docs/science.md). Prediction: memorization when
  sqrt(h^2 + sigma_min^2) is below the spacing; samples leave M (fidelity lost) when h is large
  (normal spread h).
- ``adaptive_projection``: the coarse geometry-only score (P_hat(x) - x) / sigma^2 (MLS degree 4,
  bandwidth h; :class:`ratesim.scores.AdaptiveProjectionScore`). Prediction: novel and on M for
  every sigma_min as long as h spans several spacings; below one spacing the local fits
  degenerate (safeguard: nearest training point), i.e. memorization through the estimator.

Metrics (task :func:`.coverage_tasks.coarse_coverage`): memorized fraction (d1/d2 < 1/3;
held-out data give about 1/3 in 1-D), novelty ratio, delta* (geodesic arcs, exact supremum over
centres, c = 2) of m = 500 samples over the floor of m fresh draws, fidelity over spacing. 3 seeds
per point (heat maps of means, no rate claim). delta* cannot see memorization here: m = 500
copies of N = 1000 training points look like a fresh sample at the resolution of m; the memorized
fraction and the novelty ratio are the memorization detectors. A bigger machine would add
N = 1e5 (the boundaries should move with the spacing N^(-1)), k = 2 and more seeds.

2026-12-05, design revision before its run: N = 1e4 added beside N = 1000 (the item left "for a
bigger machine"; about 10 minutes on 2 cores), same r x spacing and sigma_min grid, so the heat
maps show whether the boundaries move with the spacing N^(-1): in units of the spacing they
should sit at the same r. No claims (unchanged).
"""

from ratesim.study import Expr, Study

from .coverage_figures import phase_figure
from .coverage_tasks import coarse_coverage

STUDY = Study(
    name="p1_coarse_phase",
    task=coarse_coverage,
    grid={
        "manifold": "holder_curve",
        "manifold__beta": 4.5,
        "manifold__eps": 0.1,
        "manifold__seed": 0,
        "k": 1,
        "d": 2,
        "density": "uniform",
        "N": [1000, 10000],
        "estimator": ["smoothed", "adaptive_projection"],
        "r": [0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
        "h": Expr("r*2*pi/N"),
        "estimator__bandwidth": Expr("h"),
        "sampler": "reverse_sde",
        "sigma_max": 2.0,
        "sigma_min": [1e-4, 1e-3, 1e-2, 1e-1],
        "steps": 20,
        "m": 500,
        "c": 2.0,
        "n_grid": 512,
    },
    seeds=3,
    quick={"N": 200, "r": [0.3, 3.0, 30.0], "sigma_min": [1e-3, 1e-1], "m": 100, "n_grid": 128},
    quick_seeds=2,
    seed=20261106,
    registered=("2026-11-23", "de7af39"),
    claims=[],
    figures=[phase_figure],
)
