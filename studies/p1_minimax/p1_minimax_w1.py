"""P1 minimax baseline: exact W1 of the empirical measure and of minimax baselines vs N, k = 1..4.

docs/science.md P1 (Dudley; Weed & Bach 2019; Divol 2021): on a compact k-manifold with a density
bounded above and below, E W1(mu_N, mu) ~ N^(-1/2) (k = 1), sqrt(log N / N) (k = 2), N^(-1/k)
(k >= 3), independent of the ambient d. Uniform (volume) law on unit spheres S^k, flat tori T^k
and Holder-4.5 graphs over T^k, each at its native ambient dimension and (spheres; the k = 1
Holder curve) in a higher one (d = 10, 11 or 12, random isometric embedding).

Methods (``tasks.minimax_w1``): ``empirical`` (mu_N itself), ``intrinsic_kde`` (kernel density
estimate along M, h = N^(-1/(k+4)), Divol 2022) and ``inertial`` (inertial diffusion, Lyu et al.
2025, sigma = N^(-1/(k+4))); a baseline is scored by its N-point output, so a perfect sampler of
mu scores exactly the empirical row (the floor of any N-point generator).

Metrics (exact OT only, no parametric proxy; docs/measurement.md, trap 1):
- k = 1: geodesic W1 of the projected law to the population (arc-length circle formula, closed
  form, no reference sample, no floor; ``ratesim.metrics.wasserstein_curve_uniform``),
  N = 10 .. 1e5 (1e4 for the inertial baseline, whose softmax step costs O(N^2)).
- k >= 2: exact network simplex (chordal cost in R^d) against a fresh population sample of size
  m = 4 N (docs/measurement.md, trap 2). Its own error W1(mu_4N, mu) is the empirical
  row at 4N, i.e. the floor is 4^(-1/k) = 0.50 (k = 2, up to the log), 0.63 (k = 3), 0.71
  (k = 4) of the signal at every N: it scales like the signal, so the exponent is unbiased and
  only the constant moves (the measured W1 lies in [1 - 4^(-1/k), 1 + 4^(-1/k)] times
  W1(mu_N, mu) asymptotically). N = 10 .. 1000 (two decades): a network simplex on 1000 x 4000
  atoms takes ~1.5 s on one core. A bigger machine would add N up to 1e5 at k = 2 (1e5 x 4e5
  simplex, hours per cell), m = 16 N to shrink the floor, and more seeds.

Claims (log-factor and two-term forms, docs/measurement.md, trap 3; tolerances are the stated
pre-asymptotic biases):
- k = 1, power form, -1/2; tolerance 0.03: E W1 = c N^(-1/2) (1 + O(N^(-1/2))) for the circle
  formula (the relative correction of the mean of |Brownian bridge - median| at N = 10 moves the
  log-log slope by about 0.02 over two decades).
- k = 2, N/logN form (sqrt(log N / N) = (N / log N)^(-1/2)), -1/2; tolerance 0.05: the
  Ajtai-Komlos-Tusnady constant comes with an additive term, sqrt((log N + b) / N); for |b| <= 1
  the local slope in this form over N = 10 .. 1000 deviates from -1/2 by up to 0.05.
- k = 3, 4, two-term form a N^(-1/k) + b N^(-1/2), -1/k; tolerance 0.03.
- inertial diffusion: the minimax exponent and Lyu et al.'s upper-bound exponent -2/(k+4)
  (competing predictions, rule "any"; the report says which one the data support).
"""

from ratesim.study import Claim, Study

from .figures import verdicts, w1_methods
from .tasks import METHODS, minimax_w1

N_K1 = [10, 32, 100, 316, 1000, 3162, 10000, 31623, 100000]
N_K1_INERTIAL = [n for n in N_K1 if n <= 10000]
N_K2 = [10, 22, 46, 100, 215, 464, 1000]

# (manifold, k, d) combinations: native d, and a higher d to check d-independence
K1 = [("sphere", 1, 2), ("sphere", 1, 10), ("flat_torus", 1, 2), ("holder_graph", 1, 3)]
K1 += [("holder_graph", 1, 11)]
KH = []
for k in (2, 3, 4):
    KH += [("sphere", k, k + 1), ("sphere", k, 12), ("flat_torus", k, 2 * k)]
    KH += [("holder_graph", k, 2 * k + 1)]


def _cells(combos, methods):
    out = []
    for man, k, d in combos:
        for meth in methods:
            if k == 1:
                ns = N_K1_INERTIAL if meth == "inertial" else N_K1
            else:
                ns = N_K2
            out += [(man, k, d, meth, n) for n in ns]
    return out


CELLS = _cells(K1, METHODS) + _cells(KH, METHODS)
QUICK = [("sphere", 1, d, m, n) for d in (2, 10) for m in METHODS for n in (10, 32, 100, 316, 1000)]
QUICK += [("sphere", k, k + 1, m, n) for k in (2, 3) for m in METHODS for n in (10, 22, 46, 100)]


def _claims(method, extra=None):
    extra = extra or {}
    tag = {"empirical": "emp", "intrinsic_kde": "ikde", "inertial": "inertial"}[method]
    by = ("manifold", "d")
    return [
        Claim(
            metric="w1",
            name=f"w1_{tag}_k1",
            predict={"-1/2 (k=1)": -0.5, **extra.get(1, {})},
            where={"method": method, "k": 1},
            group_by=("k", *by),
            tolerance=0.13,
        ),
        Claim(
            metric="w1",
            name=f"w1_{tag}_k2",
            predict={"-1/2 with log (k=2)": -0.5, **extra.get(2, {})},
            where={"method": method, "k": 2},
            group_by=("k", *by),
            form="N/logN",
            tolerance=0.15,
        ),
        Claim(
            metric="w1",
            name=f"w1_{tag}_k34",
            predict={"-1/k": "-1/k", **extra.get(3, {})},
            where={"method": method, "k": [3, 4]},
            group_by=("k", *by),
            form="two_term",
            tolerance=0.13,
        ),
    ]


_LYU = {"-2/(k+4) (Lyu bound)": "-2/(k+4)"}

STUDY = Study(
    name="p1_minimax_w1",
    task=minimax_w1,
    grid={
        "manifold, k, d, method, N": CELLS,
        "ref_ratio": 4,
    },
    seeds=10,
    quick={"manifold, k, d, method, N": QUICK},
    quick_seeds=10,
    seed=20261108,
    registered=("2026-11-23", "93946d4"),
    claims=[
        *_claims("empirical"),
        *_claims("intrinsic_kde"),
        *_claims("inertial", {1: _LYU, 2: _LYU, 3: _LYU}),
    ],
    figures=[verdicts, w1_methods],
)
