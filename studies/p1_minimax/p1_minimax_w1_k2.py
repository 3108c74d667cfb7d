"""P1 minimax baseline at k = 2: exact W1 of the empirical measure on T^2 and S^2, N = 100 .. 1e5.

docs/science.md P1: on a compact 2-manifold, E W1(mu_N, mu) ~ sqrt(log N / N) (Ajtai-Komlos-
Tusnady; a log factor that a plain power fit misreads, docs/measurement.md, trap 3: the slope of
sqrt(log N / N) is -0.43 at N = 1e3 and -0.46 at 1e6). ``p1_minimax_w1`` covers k = 2 up to
N = 1000 only (dense network simplex against a 4N reference); here the two-sample W1 between N
uniform points and N independent reference points on the flat torus T^2 (geodesic = wrapped
Euclidean distance) and on the unit sphere S^2 (great-circle distance; curved, the k-NN graph is
chordal and the certificate's cell bounds are chordal lower bounds) is computed EXACTLY by
``ratesim.metrics.wasserstein_sparse_exact`` (``tasks.empirical_w1_two_sample_k2``): a k-NN
candidate graph, an eps-scaling auction (optimal for integer costs rint(2^40 d) + 1), dual
potentials from residual shortest paths and a certificate u_i + v_j <= c_ij over all N^2 pairs
with column generation (tests/test_sparse_ot.py: equal to POT ot.emd2 to 1e-9 relative).

By the triangle inequality W1(mu_N, nu_N) lies between |W1(mu_N, mu) - W1(nu_N, mu)| and
W1(mu_N, mu) + W1(nu_N, mu), and E W1(mu_N, nu_N) ~ c' sqrt(log N / N) with another constant
(AKT): a reference of size N (instead of the 4 N of ``p1_minimax_w1``) changes the constant, not
the exponent.

Grid: N = 100 .. 1e5 in half-decade steps (3 decades) on T^2 and N = 100 .. 3.16e4 (2.5 decades)
on S^2, 10 seeds (the T^2 cells keep their ids and seeds from the first, T^2-only run, so they
reproduce it). Timed cells (one core for the auction, two threads for the certificate):
N = 1e4 ~ 3 s, 3.2e4 ~ 14-25 s, 1e5 ~ 125 s alone (15 column-generation rounds; from-scratch
auction, residual shortest paths and the certificate share the time); the T^2-only run took
~19 min on 2 cores (N = 1e5: ~200 s per cell with 2 jobs, up to 580 s when the machine is
shared). S^2 cells cost about the same (N = 1e4: 2.3 s, 3.2e4: 22 s); its N = 1e5 level (another
~35 min on 2 cores) is left to a bigger machine, which (or an incremental dual update instead of
from-scratch solves per round) would also add N = 3.2e5 and 1e6.

Claims (the metric is the seed mean of the exact W1):
- N/logN form, -1/2, tolerance 0.05: sqrt((log N + b) / N) with an additive AKT constant
  |b| <= 1 moves the slope in this form by up to 0.05 over N = 1e2 .. 3e4 (as p1_minimax_w1).
  An anchor (Ajtai, Komlos, Tusnady 1984), not a statement of the papers.
- (registered, deleted 2026-12-05) competing predictions in the plain power form (rule "any"):
  -1/2 (no log factor) and Lyu et al.'s -2/(k+4) = -1/3, tolerance 0.05 (the plain-power local
  slope of sqrt(log N / N) is -0.42 .. -0.45 over this range: a power fit was expected to sit
  between the two). See the family README for why.

2026-12-05: the tolerance was re-registered as an equivalence margin, 0.05 + the registered
maximum CI half-width 0.1 = 0.15 (family README). That margin is wider than the log factor's
effect on the slope, so the claim checks the rate, not the presence of the log factor; the
local slopes and the constant W1 / sqrt(log N / N) in the report are what show the log. The
quick grid gained N = 32 (100 .. 3162 spans 1.4999 decades, below the 1.5 a verdict needs).
"""

from ratesim.study import Claim, Study

from .figures import verdicts, w1_k2_constants
from .tasks import empirical_w1_two_sample_k2

N_GRID = [100, 316, 1000, 3162, 10000, 31623, 100000]
S2_CELLS = [("sphere", n) for n in N_GRID[:-1]]  # N = 1e5 on S^2: a bigger machine

STUDY = Study(
    name="p1_minimax_w1_k2",
    task=empirical_w1_two_sample_k2,
    grid={"k": 2, "manifold, N": [("flat_torus", n) for n in N_GRID] + S2_CELLS},
    seeds=10,
    quick={"manifold, N": [("flat_torus", n) for n in (32, 100, 316, 1000, 3162)]},
    quick_seeds=10,
    seed=20261123,
    registered=("2026-11-23", "eda6b0a"),
    claims=[
        Claim(
            metric="w1",
            name="w1_emp_k2_log",
            predict={"-1/2 with log (k=2)": -0.5},
            group_by=("k", "manifold"),
            form="N/logN",
            tolerance=0.15,
            role="anchor",
            why=(
                "the margin 0.15 (re-registered) exceeds the log factor's effect on the slope "
                "(plain power fits: -0.444 on T^2, -0.441 on S^2): the claim checks the rate, "
                "not the presence of the log"
            ),
        ),
    ],
    figures=[verdicts, w1_k2_constants],
)
