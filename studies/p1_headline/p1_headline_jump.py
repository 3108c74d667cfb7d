"""P1 headline with a jump density, registered: is the coarse-score law comparable to mu_data with
c = 2 at every N when the density jumps by a factor of 4?

P1 (Shen, Hsieh, He, arXiv 2603.23792; docs/science.md) says that generalization by coarse scores
is especially favourable when the density is irregular. Under reading B of the family README (the
score learned from the data at sigma >= sigma_0 = N^(-1/5), geometry-only below), the target keeps
the density at coarse scales and smooths it below sigma_0; reading A (geometry-only at every noise
level) is density-blind. A jump by a factor R = 4 is the sharpest test of comparability: any law
continuous across the jump has a ratio of at least sqrt(R) = 2 in small balls at one side of it,
so c = 2 is met at radius r only if the law resolves the jump at scales well below r. The design,
its pilot and the predictions are in the family README ("Irregular densities"); the claims below
were written, with their tolerances and controls, before this study's first full run.

Grid: the jump density (registry ``jump``: levels 1 and 4 on the two halves of the angle, max/min
density 4) on the closed Holder curve (k = 1, d = 2, eps = 0.1) of regularity beta = 4.5; N = 316
... 10000 in half decades (N = 100 is left out: its low-density half holds about 20 points, whose
largest gap, about 0.5, leaves a 0.1-ball empty in most training sets); 10 seeds; m = 10000
generated samples per cell from the reverse VE SDE, sigma 10 -> h_N / 10 in 100 geometric steps,
as in p1_headline. Methods: A, B, the exact score of mu_data through the same sampler (oracle)
and the exact empirical score (memorizes).

Claims (each with a control that must fail; level claims at every N, simultaneous 95 % intervals
of the seed mean, a level whose floor doubled reaches the bound left out; tolerance 0):

1. ``comparable_r030`` (paper, B): log c(0.3) <= log 2. Control A (the density-blind law: the
   uniform law's log c is log 2.5 = 0.92 next to the jump).
2. ``comparable_r010`` (paper, B): the same at radius 0.1. Control A.
3. ``finer_than_training_set_half`` (paper, B): delta*(2) of the generated law at most half that
   of the N training points at every N. Control: the empirical score (ratio about 1: memorizes).
4. ``sampler_error`` (anchor, oracle): log c(0.3) <= log 2 / 2, so that claim 1 measures the score,
   not the sampler. Control A.
"""

import math

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

LOG2 = math.log(2)

# the verdicts of the full run (2026-12-05, cells of dd82779) where they are not "consistent"
EXPECT_R030 = dict(
    expect="inconclusive",
    evidence="B's seed means 0.687, 0.583, 0.466, 0.449 at N = 316 ... 1e4: the interval at "
    "N = 316, [0.608, 0.767], straddles log 2; from N = 1000 on every interval lies below it "
    "(upper ends 0.662, 0.507, 0.488), as predicted (the constant falls as sigma_0 = N^(-1/5) "
    "shrinks against r = 0.3); the control A (0.97-1.00) violates the bound at every N",
)
EXPECT_R010 = dict(
    expect="contradicted",
    evidence="B's log c(0.1) is 1.019 [0.665, 1.373], 0.856 [0.805, 0.906], 0.784 [0.750, "
    "0.819], 0.775 [0.736, 0.814] at N = 316 ... 1e4: above log 2 from N = 1000 on, as "
    "predicted (reading B smooths the jump over sigma_0 >= 0.16 > r = 0.1, so next to the jump "
    "its ratio nears (1 + 4) / 2 = 2.5); the control A (1.04-1.11) violates the bound too",
)
EXPECT_TRAINING = dict(
    expect="contradicted",
    evidence="B's ratio is 0.86, 1.29, 2.41 [1.84, 2.98], 5.94 [5.00, 6.89] at N = 316 ... 1e4 "
    "(its delta* 0.30, 0.22, 0.15, 0.14 levels off at the jump's smoothing scale), the memorizing "
    "control's 0.78-1.24: B covers more coarsely than the training set from N = 1000 on, as "
    "predicted. Under the registered floor rule the verdict was floor-limited: the training set's "
    "coverage scale at N = 3162 and 1e4 (0.064, 0.024) nears that of m = 1e4 fresh draws (0.025), "
    "twice the floor ratio (0.81, 2.3) reaches 1/2, and those levels left the verdict. Post hoc "
    "(2026-12-06, after these data): the rule now counts a floored level as a violation when its "
    "interval lies above the bound plus its floor, here 0.5 + 0.41 = 0.91 and 0.5 + 1.16 = 1.66, "
    "both cleared (lower ends 1.84, 5.00), so the verdict is contradicted",
)

STUDY = Study(
    name="p1_headline_jump",
    task=generalization,
    grid={
        **CURVE,
        "density": "jump",
        "density__ratio": 4.0,
        "manifold__beta": 4.5,
        "method, end": [("A", 0.1), ("B", 0.1), ("oracle", 0.1), ("empirical", 1e-3)],
        **SAMPLER,
        "N": [316, 1000, 3162, 10000],
    },
    seeds=10,
    quick={**QUICK_SAMPLER, "N": [316, 1000]},
    quick_seeds=2,
    seed=20261206,
    registered=("2026-12-05", "db7d66d"),
    claims=[
        level_bound(
            "log_c_r030",
            {"c = 2": LOG2},
            "B",
            "A",
            "comparable_r030",
            "paper",
            "P1's comparability with a constant below the density ratio (4): c = 2 = sqrt(4), the "
            "best constant of a law continuous across the jump in balls small against its "
            "smoothing scale; the density-blind law's is 2.5",
            **EXPECT_R030,
        ),
        level_bound(
            "log_c_r010",
            {"c = 2": LOG2},
            "B",
            "A",
            "comparable_r010",
            "paper",
            "the same at a radius below reading B's smoothing scale sigma_0 = N^(-1/5) (0.32 ... "
            "0.16 over the grid)",
            **EXPECT_R010,
        ),
        finer_than_training_set_half(
            "P1's comparison with the empirical measure (the minimax object) at each N, with a "
            "bound that memorization (ratio about 1) must violate",
            **EXPECT_TRAINING,
        ),
        sampler_error(
            LOG2 / 2,
            "c = sqrt 2",
            "the exact score through the same sampler: its deviation from mu_data is the "
            "sampler's; it must stay at half the paper bound so that claim 1 measures the score",
        ),
    ],
    figures=[comparability],
)
