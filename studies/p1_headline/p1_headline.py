"""P1 headline, registered: a coarse-score sampler's law against mu_data with c = 2, at every N.

Is the law of a coarse-score sampler comparable to mu_data with a constant stated before the run,
at every N, and does it cover M at a finer scale than the training set does?

P1 (Shen, Hsieh, He, arXiv 2603.23792; docs/science.md) says that coarse scores reach a target
law whose density is comparable to mu_data on small neighbourhoods of M, and that this makes
generalization faster than density estimation. Only the abstract is available, so the family
README states two readings of "coarse score" and of "comparable" side by side; this study tests
the reading under which P1's statement can fail and the data can decide (reading B: learned from
the data at coarse noise, geometry-only below), with reading A (geometry-only at every noise
level) as the negative control that must fail. The design, the readings, both pilots and the power
analysis are in the family README; the claims below were written, with their tolerances and
controls, before this study's first full run.

Grid: von Mises kappa = 1 (density ratio e^2 = 7.4) on the closed Holder curve (k = 1, d = 2,
eps = 0.1) of regularity beta = 2.5 and 6.5 (either side of P1's thresholds 4 and 5); N = 100 ...
10000 in half decades; 10 seeds; m = 10000 generated samples per cell from the reverse VE SDE,
sigma 10 -> h_N / 10 in 100 geometric steps (the pilots' sampler started at sigma = 2 in 20 steps,
and its own discretization error dominated what they measured). Methods: A, B, the exact score of
mu_data through the same sampler (``oracle``: the sampler's own error), the exact empirical score
(memorizes: ends at 1e-3 h_N) and the smoothed score (bandwidth 0.05: leaves M).

Claims (each with a control that must fail):

1. ``comparable_r030`` (paper, B): the comparability constant at radius 0.3, log c(0.3) = max over
   centres of |log nu(B(y, 0.3)) / mu_data(B(y, 0.3))|, is at most log 2 at every N (c = 2 was
   stated before the pilots). Control A (the density-blind law: log c ~ log(I0(1) e) = 1.24).
2. ``comparable_r010`` (paper, B): the same at radius 0.1. Control A.
3. ``finer_than_training_set`` (paper, B): P1's comparison. The coverage scale delta*(2) of the
   generated law (the smallest radius above which every ball is comparable with c = 2) is at most
   that of the N training points (the empirical measure, the minimax object), cover_vs_emp <= 1 at
   every N. Control: the empirical score, whose samples are copies of the training points.
4. ``sampler_error`` (anchor, oracle): the exact score through the same sampler is comparable with
   c = sqrt(2) at radius 0.3 (log c <= log 2 / 2), so that claim 1 measures the score, not the
   sampler. Control A.
5. ``fidelity`` (anchor, B): the 99 % distance of the samples to M decays at least as fast as
   N^(-beta/4) (P1's neighbourhood scale). Under both readings the fine scales are the moving-
   least-squares projection, so this is its reconstruction error (about N^-(p+1)), not P1's
   mechanism: an anchor. Control: the smoothed score (distance ~ bandwidth, flat in N).

Tolerances: the level claims are bounds with tolerance 0 (the comparability constant is the
statement; the simultaneous 95 % intervals carry the seed noise); the fidelity bound has a margin
of 0.1 in the exponent (the O~ factor: log N changes the slope over two decades by about 0.1-0.2
for a power of log N between 1/2 and 1).
"""

import math

from ratesim.study import Claim, Study

from ._claims import (
    BY_BETA,
    QUICK_SAMPLER,
    SAMPLER,
    finer_than_training_set_half,
    level_bound,
    sampler_error,
)
from .figures import comparability
from .tasks import CURVE, generalization

LOG2 = math.log(2)
METHOD_CELLS = [  # (method, end = sigma_min / h_N)
    ("A", 0.1),
    ("B", 0.1),
    ("oracle", 0.1),
    ("empirical", 1e-3),
    ("smoothed", 0.1),
]
# the verdicts of the full run (2026-12-05, cells of 15b4609) where they are not "consistent"
N100 = (
    "at N = 100 one training set in ten (the same draw at both betas) leaves part of the curve "
    "without samples: {worst}, against {others} for the other nine, so the simultaneous interval "
    "at N = 100 straddles log 2 ({n100})"
)
EXPECT_R030 = dict(
    expect="inconclusive",
    evidence=N100.format(
        worst="log c(0.3) = 1.88 at beta = 2.5, an empty 0.3-ball (censored at log m = 9.21) at "
        "beta = 6.5",
        others="0.22-0.77",
        n100="0.565 [0.078, 1.053] and 1.370 [-1.466, 4.206]",
    )
    + "; from N = 316 on every interval lies below log 2 (upper ends 0.50, 0.36, 0.23, 0.28 at "
    "beta = 2.5; 0.44, 0.36, 0.32, 0.27 at beta = 6.5); the control A lies at 1.22-1.29 and "
    "violates the bound at every N",
)
EXPECT_R010 = dict(
    expect="inconclusive",
    evidence=N100.format(
        worst="an empty 0.1-ball at both betas (censored at log m = 9.21)",
        others="0.31-0.80",
        n100="1.394 [-1.431, 4.219] and 1.441 [-1.369, 4.251]",
    )
    + "; at N = 316 one more training set at each beta has a 0.1-ball with 15 and 47 times less "
    "mass than under mu_data "
    "(2.69, 3.84), so that level straddles too (0.842 [0.127, 1.558], 0.774 [-0.339, 1.888]); "
    "from N = 1000 on every interval lies below log 2 (upper ends 0.68, 0.35, 0.36 at beta = "
    "2.5; 0.48, 0.46, 0.43 at beta = 6.5); the control A (1.31-1.45) violates it at every N",
)
EXPECT_TRAINING = dict(
    expect="not discriminating",
    evidence="B's ratio is 0.10-0.34 (beta = 2.5, N = 100 ... 3162) and 0.17-0.20 (beta = 6.5, "
    "N = 100 ... 1000), every interval below 1; but the registered control, the memorizing "
    "empirical score, reproduces the training set's coverage: its ratio is 0.85-1.05 with "
    "intervals straddling 1 (1.16 and 1.74 at N = 1e4, where the floor leaves the verdict), so "
    "the bound is met or nearly met by the control too. The control was ill chosen: "
    "memorization gives a ratio of 1, not above it",
)


STUDY = Study(
    name="p1_headline",
    task=generalization,
    grid={
        **CURVE,
        "manifold__beta": [2.5, 6.5],
        "density__kappa": 1.0,
        "method, end": METHOD_CELLS,
        **SAMPLER,  # m registered 20_000, revised to 10_000 before any B result was seen (README)
        "bandwidth": 0.05,
        "N": [100, 316, 1000, 3162, 10000],
    },
    seeds=10,
    quick={"manifold__beta": 4.5, **QUICK_SAMPLER, "N": [100, 316, 1000]},
    quick_seeds=2,
    seed=20261207,
    registered=("2026-12-05", "5bc9e85"),
    claims=[
        level_bound(
            "log_c_r030",
            {"c = 2": LOG2},
            "B",
            "A",
            "comparable_r030",
            "paper",
            "P1's comparability is a constant, not a rate: a bound on the value at every N "
            "(c = 2 stated before the pilots, below the density ratio e^2 = 7.4 and below the "
            "density-blind law's 3.4, so it discriminates)",
            **EXPECT_R030,
        ),
        level_bound(
            "log_c_r010",
            {"c = 2": LOG2},
            "B",
            "A",
            "comparable_r010",
            "paper",
            "the same at a smaller radius, where the floor (m = 10000) is about 0.3",
            **EXPECT_R010,
        ),
        level_bound(
            "cover_vs_emp",
            {"no coarser than the training set": 1.0},
            "B",
            "empirical",
            "finer_than_training_set",
            "paper",
            "P1's comparison with the empirical measure (the minimax object) at each N: "
            "delta*(2) of the generated law over that of the N training points; the floor is "
            "delta*(2) of m fresh draws over the same, so large N, where the training set's "
            "scale nears the floor of m = 10000 samples, leaves the verdict",
            **EXPECT_TRAINING,
        ),
        finer_than_training_set_half(
            "the comparison with the training set with a bound that memorization must violate: "
            "the memorizing control reproduces the training set's coverage (ratio about 1)",
            posthoc="added on 2026-12-05 after the full run, beside the registered claim "
            "finer_than_training_set (bound 1, kept unchanged), whose memorizing control sat at "
            "the bound (not discriminating); the bound 1/2, half of what memorization gives, was "
            "chosen after B's ratios (0.10-0.34) had been seen",
        ),
        sampler_error(
            LOG2 / 2,
            "c = sqrt 2",
            "the exact score through the same sampler: its deviation from mu_data is the "
            "sampler's (discretization, start); it must stay at half the paper bound so that "
            "claim 1 measures the score",
        ),
        Claim(
            metric="fid_q99",
            predict={"N^(-beta/4)": "-manifold__beta/4"},
            bound=True,
            tolerance=0.1,
            group_by=BY_BETA,
            where={"method": "B"},
            control={"method": "smoothed"},
            name="fidelity",
            role="anchor",
            why="the samples' distance to M is the moving-least-squares reconstruction error "
            "under both readings (an anchor, not P1's mechanism); tolerance 0.1: the O~ factor",
        ),
    ],
    figures=[comparability],
)
