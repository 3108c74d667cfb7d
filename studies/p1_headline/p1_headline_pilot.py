"""P1 headline, pilot: floors, spreads and the A/B contrast that size the registered study.

Not a claim study: its numbers are the power analysis of the P1 headline design (family README).
Grid (task :func:`.tasks.headline`): von Mises kappa = 1 and 4 (max/min density e^2 and e^8) on
the closed Holder curve (eps = 0.1) with beta = 2.5 and 6.5; readings A (geometry-only score) and
B (learned at sigma >= N^(-1/5), geometry-only below); N = 100, 1000, 10000; m = 1e5 generated
samples; 3 seeds. Questions: (1) is delta*(c = 2) of reading A the whole curve under kappa = 4 at
every N, as a density-blind target predicts; (2) how far above its floor (m fresh draws) and
below the empirical measure's is delta* of reading B; (3) the seed spread of the 99 % distance
quantile (the fidelity statistic) for the CI of a two-decade fit.
"""

from ratesim.study import Study

from .figures import pilot_coverage
from .tasks import CURVE, headline

STUDY = Study(
    name="p1_headline_pilot",
    task=headline,
    grid={
        **CURVE,
        "manifold__beta": [2.5, 6.5],
        "density__kappa": [1.0, 4.0],
        "reading": ["A", "B"],
        "N": [100, 1000, 10000],
        "m": 100_000,
        "n_grid": 1024,
    },
    seeds=3,
    quick={
        "manifold__beta": 4.5,
        "density__kappa": 1.0,
        "N": [100, 300],
        "m": 500,
        "n_grid": 128,
    },
    quick_seeds=2,
    seed=20261205,
    claims=[],
    figures=[pilot_coverage],
)
