"""P1 headline, second pilot: the comparability constant at fixed radii, and the controls.

Not a claim study: it sizes the registered design (family README). The first pilot
(``p1_headline_pilot``) showed that delta*(c = 2) of reading B flips between its floor and a
large scale from seed to seed (coefficient of variation about 1), which a rate fit cannot use; an
exploration (m = 2e4, 3 seeds, N = 100 and 1000) traced this to B's comparability constant
hovering near c = 2. Here the task :func:`.tasks.generalization` measures that constant directly,
log c(r) = max over centres of |log nu(B(y, r)) / mu(B(y, r))| at r = 0.1 and 0.3, with its floor
(m fresh draws), next to delta*(c = 2) and P1's comparison with the training set.

Grid: von Mises kappa = 1 on the closed Holder curve (eps = 0.1), beta = 2.5 and 6.5; readings A
and B with m = 1e5 generated samples, the controls (the exact empirical score ending at 1e-3
h_N, which memorizes; the smoothed score with bandwidth 0.05, which leaves M) with m = 3e4; N = 100
... 10000 in half decades; 3 seeds. Questions: the seed spread and the N-dependence of log c(r)
under A (predicted flat at log 3.4 = 1.22, the density-blind law's ratio) and B (does it fall
toward its floor, and how fast?); where the floors of log c sit at m = 1e5; the controls'
values for every metric.
"""

from ratesim.study import Study

from .figures import sizing_comparability
from .tasks import CURVE, generalization

METHOD_CELLS = [
    ("A", 0.1, 100_000),
    ("B", 0.1, 100_000),
    ("empirical", 1e-3, 30_000),
    ("smoothed", 0.1, 30_000),
]

STUDY = Study(
    name="p1_headline_sizing",
    task=generalization,
    grid={
        **CURVE,
        "manifold__beta": [2.5, 6.5],
        "density__kappa": 1.0,
        "method, end, m": METHOD_CELLS,
        "bandwidth": 0.05,
        "N": [100, 316, 1000, 3162, 10000],
        "n_grid": 1024,
    },
    seeds=3,
    quick={
        "manifold__beta": 4.5,
        "method, end, m": [(e, end, 500) for e, end, _ in METHOD_CELLS],
        "N": [100, 300],
        "n_grid": 128,
    },
    quick_seeds=2,
    seed=20261206,
    claims=[],
    figures=[sizing_comparability],
)
