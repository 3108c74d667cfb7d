"""League tier 1, registered: which score estimators and density estimators reach the parametric
W1 rate on a curve (k = 1)?

On a k-dimensional manifold the minimax rate of density estimation in W1 is N^(-1/k) for k >= 3
and N^(-1/2) (up to logs at k = 2) for k <= 2 (docs/science.md, P1 statement 1): at k = 1 the
empirical measure itself reaches N^(-1/2). This first tier of the league asks which competitors,
trained on the same N points and compared on the same floor-free metric, keep that rate.

Data: von Mises(kappa = 1) on the closed Holder curve in R^2 (beta = 4.5, eps = 0.1, seed 0);
N = 100, 316, 1000, 3162 (1.5 decades) with m = 10 N generated samples per cell, so that the
Monte-Carlo floor of m samples (about a third of the signal, pilot) stays below half the W1 of
every competitor; 10 training sets per N. Metric: ``w1``, W1 of the samples projected onto M to
mu_data, exact on the closed curve with no reference sample (``metrics.wasserstein_curve``). Its
floor ``w1_floor`` is what a perfect competitor of the same kind shows: m fresh draws from mu_data
for the baselines, 0 for the empirical measure (its law is its N points, measured exactly), the
exact score through the same sampler for the score estimators.

Competitors (``tasks.py``; bandwidths by their theoretical rate, h = N^(-1/5), the MISE-optimal
scale of a kernel density estimate in k = 1):

- minimax baselines: ``empirical_measure`` (the N training points), ``intrinsic_kde`` (Divol 2022),
  ``ambient_kde``, ``inertial`` (Lyu et al. 2025);
- score estimators through the reverse VE SDE (sigma 10 -> 0.1 h_N in 400 geometric steps, Tweedie
  end): ``empirical`` (the exact empirical score, run down to 1e-3 h_N: memorizes) and ``smoothed``
  (the score of the KDE mu_N * N(0, h^2 I)). Their floor is the exact score through the same
  sampler with the same m: the sampler's own error, which no score estimator can beat (a pilot
  with the P1 headline family's 100 steps put it at 0.017, 0.031, 0.037 at N = 316, 1000, 3162,
  above the empirical measure's W1; 400 steps halve it);
- control ``intrinsic_kde`` with a bandwidth fixed at 0.5 at every N (``tuning="fixed"``): its
  smoothing bias does not shrink, so its W1 levels off.

Cut, and why (family README, cost analysis): the other score estimators (kernel-smoothed,
Nadaraya-Watson, local linear, kNN, the coarse readings) cost 3-50 times more per cell at m = 10 N
(kernel sums over m x N pairs per noise level), 1-8 hours for this grid on 2 cores; they and the
held-out tuning wait for the next tier.

Claim ``parametric_w1`` (paper: P1's minimax statement at k = 1, read as a bound on each
competitor; per competitor): the W1 exponent is at most -1/2 + 0.1 (the O~ allowance: a log N
factor moves a 1.5-decade slope by about 1 / ln(560) = 0.16 for a full power of log N, by 0.08 for
a square root). Control: the fixed-bandwidth intrinsic KDE, which must violate it. Floor:
``w1_floor`` (levels within twice it leave the fit).

Pilot (2 training sets per N at N = 100, 1000, 3162, m = 10 N, 400 steps; none of it enters the
verdicts): W1 of the empirical measure 0.141-0.153, 0.046-0.069, 0.018-0.026; intrinsic KDE 0.115-
0.130, 0.044-0.058, 0.017-0.023; ambient KDE 0.100-0.156, 0.045-0.058, 0.017-0.023; inertial
0.130-0.215, 0.063-0.102, 0.021-0.037 (local slopes about -0.5 to -0.6, with a training-set spread
of up to 50 %); the fixed-bandwidth control 0.088-0.137, 0.026-0.067, 0.047-0.075 (levelling
off); the empirical score 0.096-0.152, 0.053-0.062, 0.019-0.025 against its floor (the exact score
through the sampler) 0.054, 0.009-0.012, 0.012-0.016. Fresh-draw floors of m = 10 N: 0.02-0.04,
0.010-0.019, 0.004-0.011. Cost: 0.2-1.3 s per baseline cell; 50 s per score cell at N = 3162
(with its exact-score floor).

Predictions (registered): the four baselines *consistent* (exponents near -1/2; the kernel
estimates' W1 bias, O(h^2) = O(N^(-2/5)) for a symmetric kernel on a smooth density, is below
their sampling error over this range, pilot); the control *contradicted* (levels off); the two
score estimators *floor-limited*: at N = 3162 their W1 is within twice the sampler's own error
(0.019-0.025 against 0.012-0.016), leaving 1 decade. What the verdicts will mean: at k = 1 the
minimax baselines keep the parametric W1 rate up to N = 3162, and a score-based sampler with 400
steps cannot show whether its estimator does, because the sampler's discretization error is of
the size of the signal: the next tier needs a more accurate sampler before it compares score
estimators.
"""

from ratesim.study import Claim, Study

from .tasks import CURVE_K1, league_cell

COMPETITORS = [
    ("empirical_measure", "theory"),
    ("intrinsic_kde", "theory"),
    ("ambient_kde", "theory"),
    ("inertial", "theory"),
    ("empirical", "theory"),
    ("smoothed", "theory"),
    ("intrinsic_kde", "fixed"),
]

REGISTERED_N_M = [(100, 1000), (316, 3160), (1000, 10000), (3162, 31620)]
POSTHOC_N50 = (
    "added 2026-12-06 after the registered run, before its verdicts were read: the registered "
    "levels N = 100 ... 3162 span log10(31.62) = 1.49996 decades, just under the 1.5 a rate "
    "verdict needs (found when the first fit said underpowered), so every group of the "
    "registered claim is underpowered; N = 50 (m = 500) extends the range to 1.80 decades, the "
    "claim, bound, tolerance, floor and control otherwise unchanged"
)

# the claim as registered, shared by its post hoc extension to N = 50
BOUND = dict(
    metric="w1",
    predict={"parametric N^-1/2 (bound)": -0.5},
    group_by=("competitor",),
    tolerance=0.1,
    bound=True,
    floor="w1_floor",
    control={"tuning": "fixed"},  # the only fixed-bandwidth cells: intrinsic_kde
    role="paper",
    why="the minimax W1 rate at k = 1 (N^-1/2, the empirical measure's), as a bound on each "
    "competitor; a kernel estimate with a bandwidth that does not shrink must violate it",
)

STUDY = Study(
    name="league_k1",
    task=league_cell,
    grid={
        **CURVE_K1,
        "competitor, tuning": COMPETITORS,
        "steps": 400,
        "N, m": [(50, 500), *REGISTERED_N_M],  # N = 50: added post hoc, see the claims
    },
    seeds=10,
    quick={"N, m": [(100, 500), (316, 1000), (1000, 2000)]},
    quick_seeds=2,
    seed=20261209,
    registered=("2026-12-06", "9769617"),
    claims=[
        Claim(
            **BOUND,
            where={"tuning": "theory", "N": [n for n, _ in REGISTERED_N_M]},
            name="parametric_w1",
            expect="underpowered",
            evidence="the registered levels N = 100 ... 3162 span 1.49996 decades, under the 1.5 "
            "a rate verdict needs; the claim parametric_w1_from50 (post hoc) adds N = 50",
        ),
        Claim(
            **BOUND,
            where={"tuning": "theory"},
            name="parametric_w1_from50",
            posthoc=POSTHOC_N50,
            expect={
                f"competitor={c}": "inconclusive"
                for c in ("ambient_kde", "intrinsic_kde", "inertial", "empirical", "smoothed")
            },
            evidence="full run of 2026-12-06 (N = 50 ... 3162, 10 training sets): only the "
            "empirical measure's CI lies below -0.4 (-0.513 [-0.565, -0.461]); the other "
            "competitors' exponents are -0.46 to -0.52 with CIs straddling -0.4 (intrinsic KDE "
            "-0.468 [-0.660, -0.268], ambient KDE -0.466 [-0.639, -0.297], inertial -0.464 "
            "[-0.529, -0.399], empirical score -0.464 [-0.531, -0.398], smoothed score -0.520 "
            "[-0.711, -0.329]): the training-set spread and the curvature between N = 316 and "
            "3162 (the kernel estimates' local slopes fall to -0.24 ... -0.33 there) leave them "
            "undecided; registered prediction: consistent for the baselines, floor-limited for "
            "the score estimators; the fixed-bandwidth control (0.15 -> 0.067) violates the bound",
        ),
    ],
)
