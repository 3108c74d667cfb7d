"""P1 headline with a cusp density, registered: is the coarse-score law comparable to mu_data,
with constants between the floor and the density-blind law, when the density has Holder-1/2
cusps?

The companion of p1_headline_jump (same task, sampler, methods and N; family README, "Irregular
densities"): the density 1 + 3 |sin theta|^(1/2) (max/min 4, cusps at its minima theta = 0, pi) on
the closed Holder curve (k = 1, d = 2, eps = 0.1, beta = 4.5). A cusp is irregular only at scales
where balls resolve it: the uniform (density-blind) law's exact log c is 0.448 at r = 0.3 and 0.696
at r = 0.1 (arc-length quadrature, 2^16 nodes), far below log 4. The constants are therefore set by
a rule stated with the design, half-way between twice the Monte-Carlo floor of m = 10000 fresh
draws (about 0.18 at r = 0.3 and 0.44 at r = 0.1, the pilot) and the density-blind value:
log c <= 0.31 (c = 1.37) at r = 0.3 and log c <= 0.57 (c = 1.77) at r = 0.1.

Claims (each with a control that must fail; level claims at every N, simultaneous 95 % intervals
of the seed mean, a level whose floor doubled reaches the bound left out; tolerance 0):

1. ``comparable_r030`` (paper, B): log c(0.3) <= 0.31. Control A (0.448 for the uniform law).
2. ``comparable_r010`` (paper, B): log c(0.1) <= 0.57. Control A (0.696 for the uniform law).
3. ``finer_than_training_set_half`` (paper, B): delta*(2) of the generated law at most half that
   of the N training points at every N. Control: the empirical score (ratio about 1: memorizes).
4. ``sampler_error`` (anchor, oracle): log c(0.3) <= 0.31, the paper bound itself (half of it,
   0.155, is below twice the floor, 0.18, so the level would leave the verdict). Control A.
"""

from ratesim.study import Study

from ._claims import (
    QUICK_SAMPLER,
    SAMPLER,
    finer_than_training_set_half,
    level_bound,
    sampler_error,
)
from .figures import comparability
from .tasks import CURVE, generalization

LOG_C_R030 = 0.31  # (2 x floor 0.18 + density-blind 0.448) / 2, module docstring
LOG_C_R010 = 0.57  # (2 x floor 0.44 + density-blind 0.696) / 2

# the verdicts of the full run (2026-12-05, cells of dd82779) where they are not "consistent"
EXPECT_R030 = dict(
    expect="inconclusive",
    evidence="B's seed means 0.343 [0.279, 0.408] and 0.267 [0.213, 0.322] at N = 316 and 1000 "
    "straddle 0.31; 0.203 [0.157, 0.250] and 0.165 [0.144, 0.186] at N = 3162 and 1e4 lie below "
    "it; the control A (0.47-0.48) violates the bound at every N",
)
EXPECT_R010 = dict(
    expect="inconclusive",
    evidence="B's seed means 0.585 [0.498, 0.673] and 0.523 [0.455, 0.591] at N = 316 and 1000 "
    "straddle 0.57; 0.437 [0.405, 0.468] and 0.380 [0.346, 0.415] at N = 3162 and 1e4 lie below "
    "it; the control A (0.74-0.76) violates the bound at every N",
)
EXPECT_TRAINING = dict(
    expect="floor-limited",
    evidence="the training set's coverage scale at N = 3162 and 1e4 (0.044, 0.015) nears that of "
    "m = 1e4 fresh draws (0.015-0.018), so twice the floor ratio (0.71, 2.3) reaches 1/2 and "
    "those levels leave the verdict, leaving 2 (a level claim needs 3). B's ratio is 0.26, 0.52, "
    "0.75, 1.66 (delta* 0.067, 0.049, 0.032, 0.024 against the training set's 0.28, 0.10, 0.044, "
    "0.015), the memorizing control's 0.89-1.39",
)

STUDY = Study(
    name="p1_headline_cusp",
    task=generalization,
    grid={
        **CURVE,
        "density": "holder",
        "density__s": 0.5,
        "density__c": 3.0,
        "manifold__beta": 4.5,
        "method, end": [("A", 0.1), ("B", 0.1), ("oracle", 0.1), ("empirical", 1e-3)],
        **SAMPLER,
        "N": [316, 1000, 3162, 10000],
    },
    seeds=10,
    quick={**QUICK_SAMPLER, "N": [316, 1000]},
    quick_seeds=2,
    seed=20261208,
    registered=("2026-12-05", "db7d66d"),
    claims=[
        level_bound(
            "log_c_r030",
            {"c = 1.37": LOG_C_R030},
            "B",
            "A",
            "comparable_r030",
            "paper",
            "P1's comparability with a constant half-way between twice the floor and the "
            "density-blind law's (0.448): a bound the data can miss on either side",
            **EXPECT_R030,
        ),
        level_bound(
            "log_c_r010",
            {"c = 1.77": LOG_C_R010},
            "B",
            "A",
            "comparable_r010",
            "paper",
            "the same at a radius below reading B's smoothing scale sigma_0 = N^(-1/5) (0.32 ... "
            "0.16 over the grid); density-blind 0.696",
            **EXPECT_R010,
        ),
        finer_than_training_set_half(
            "P1's comparison with the empirical measure (the minimax object) at each N, with a "
            "bound that memorization (ratio about 1) must violate",
            **EXPECT_TRAINING,
        ),
        sampler_error(
            LOG_C_R030,
            "c = 1.37",
            "the exact score through the same sampler: its deviation from mu_data is the "
            "sampler's; it must meet the paper bound (half of it is below twice the floor, 0.18)",
        ),
    ],
    figures=[comparability],
)
