"""League tier 5: k = 2, the minimax W1 rate in its log form, through a floor-free W1 bound.

At k = 2 the minimax W1 rate is N^(-1/2) up to a logarithm: the empirical measure of N points
of a surface is at W1 distance ~ sqrt(log N / N) from its law, and a kernel estimate of a smooth
density reaches N^(-1/2) only with a bandwidth that shrinks fast enough. A two-sample W1 of m
samples has a floor of the same form, sqrt(log m / m), so this tier measures, as tier 4 does at
k = 3, the screened negative-Sobolev distance D of ``ratesim.metrics.sobolev_to_law`` (unbiased
from m samples, floor ~ m^(-1/2)), which bounds W1 from above: W1 <= C D, C = 2 pi sqrt(1 +
lam^2) = 14.05 at lam = 2. Rates are fitted in the form ``N/logN`` (log metric against
log(N / log N)), so that the logarithm of the minimax rate is not read as a slower exponent.

Data: the flat torus T^2 in R^4 (seed 0), product von Mises(kappa = 1) law (task
``torus_tasks.league_torus_cell``), m = 10 000 samples per cell, 8 training sets per N.
Competitors and bandwidths (``tuning``): ``theory`` h = N^(-1/6) (the L2-optimal KDE bandwidth
N^(-1/(k+4))), ``w1`` h = N^(-1/4) (``tasks.w1_bandwidth``, bias h^2 = N^(-1/2)), ``fixed`` (the
controls):
- the intrinsic KDE (Divol 2022; wrapped Gaussian in the angles), N = 50, 100, 316, 1000, 3162,
  10 000 (2.3 decades), control h = 1.0 at every N; its exact bound ``w1_bound_exact`` (C D from
  its Fourier coefficients, no sampling) and its sampled bound ``w1_bound``;
- the smoothed score (the score of mu_N * N(0, h^2 I) in R^4) through the 400-step reverse SDE,
  N = 25, 63, 160, 400, 1000 (1.6 decades; its sampled bound reaches twice its floor near
  N = 3000, pilot), control h = 0.5 at every N (h = 1.0 smooths the torus away: mean distance to
  M 1.17 in the pilot, so that control would fail for being absurd, not for a bandwidth that does
  not shrink; h = 0.5 leaves 0.57).
The empirical measure and the empirical score are not competitors: their laws have atoms, where
D is infinite (tier 4).

What the closed form predicts (``ratesim.metrics.kde_expected_d2``, before any fit): C sqrt(E D^2)
of the intrinsic KDE over N = 50 ... 10 000 has exponent -0.371 (theory), -0.380 (w1), -0.013
(h = 1.0) in the power form, and -0.441, -0.453, -0.015 in the ``N/logN`` form. The theory
bandwidth's asymptotic exponent is -1/3 (its bias h^2 = N^(-1/3) wins eventually: local exponent
-0.388 at N = 1e6 and rising), so its meeting the minimax bound here is pre-asymptotic; the w1
bandwidth's local exponent falls towards -1/2 (-0.41 at 1e4, -0.43 at 1e6).

Pilot (none of it enters the verdicts). Exact bound, 6 training sets: means 0.402, 0.339, 0.213,
0.141, 0.098, 0.066 (theory), 0.478, 0.403, 0.243, 0.165, 0.109, 0.070 (w1), 0.490 ... 0.459
(h = 1.0); per-set exponents -0.344 +- 0.035, -0.364 +- 0.030, -0.009 +- 0.018 (power) and
-0.410 +- 0.041, -0.434 +- 0.035, -0.011 +- 0.021 (``N/logN``). The mean of D^2 over 20 sets
agrees with the closed form (1.31e-4 +- 0.08e-4 against 1.37e-4 at N = 1000, h = N^(-1/4);
2.01e-5 +- 0.09e-5 against 2.14e-5 at N = 1e4, h = 0.1). Smoothed score (w1, one set): 0.470,
0.327, 0.085 at N = 50, 316, 3162 against floors of 0.040; h = 0.5: 0.412 at N = 50 (m =
16 000). Cost: 5-6 s a KDE cell, 19-35 s a smoothed-score cell: about 4000 cell-seconds.

Claims:
- ``minimax_w1_exact`` (paper, bound): the intrinsic KDE's exact bound decays at least as fast as
  the minimax sqrt(log N / N) up to the O~ allowance of the other tiers (exponent in N / log N at
  most -1/2 + 0.1); control: h = 1.0, which must violate it.
- ``minimax_w1_sampled`` (paper, bound): the same on the sampled bound, for the KDE and the
  smoothed score (floor ``w1_bound_floor``); controls: both fixed bandwidths.
- ``closed_form_theory``, ``closed_form_w1``, ``closed_form_fixed`` (anchors, power form): the
  exact bound's exponent equals the closed form's, -0.371, -0.380, -0.013, within 0.05.
  Tolerance: the CI half-width with 8 training sets, t_7 x 0.035 / sqrt(8) = 0.029 (the pilot's
  largest per-set spread), widened for that spread's own uncertainty (estimated from 6 sets: its
  90 % upper bound is about 1.6 times it, 0.047), plus Jensen's gap between E sqrt(D^2) and
  sqrt(E D^2) (under 0.002 in the exponent: the relative spread of D^2 across sets is about 0.2
  at N = 1e4), rounded to 0.05. A measurement that got the variance wrong by a factor 2 moves the
  w1 exponent by more (about 0.08: the variance dominates from N = 300 on).

Predictions (registered): ``minimax_w1_exact`` consistent for w1 and inconclusive for theory (the
pilot's -0.410 +- 0.041 straddles -0.4), control contradicted; ``minimax_w1_sampled`` consistent
for the KDE (w1) and both smoothed-score tunings, inconclusive for the KDE (theory), both controls
contradicted; the three anchors consistent. In the family summary the KDE and the smoothed score
will read as *matching* the minimax rate at k = 2: a faster W1 rate than N^(-1/2) is impossible
for any estimator (the parametric bar), so at k = 2 no competitor can beat it.
"""

from dataclasses import replace

from ratesim.study import Claim, Study

from .torus_tasks import TORUS_K2, closed_form_anchor, league_torus_cell

RUN = "full run of 2026-12-06 (264 cells at 1c62502, 8 training sets, 3108 cell-seconds)"
KDE_N = [50, 100, 316, 1000, 3162, 10000]
SCORE_N = [25, 63, 160, 400, 1000]
CELLS = [
    *[("intrinsic_kde", t, n, 1.0) for t in ("theory", "w1", "fixed") for n in KDE_N],
    *[("smoothed", t, n, 0.5) for t in ("theory", "w1", "fixed") for n in SCORE_N],
]
MINIMAX = dict(
    predict={"minimax (N / log N)^-1/2 (bound)": -0.5},
    form="N/logN",
    group_by=("competitor", "tuning"),
    where={"tuning": ["theory", "w1"]},
    tolerance=0.1,
    bound=True,
    control={"tuning": "fixed"},
    role="paper",
    why="the minimax W1 rate at k = 2 (sqrt(log N / N)), as a bound on each competitor and "
    "bandwidth, measured through a W1 upper bound without a two-sample floor; a bandwidth that "
    "does not shrink must violate it",
)


STUDY = Study(
    name="league_k2",
    task=league_torus_cell,
    grid={
        **TORUS_K2,
        "competitor, tuning, N, fixed_bandwidth": CELLS,
        "m": 10000,
        "steps": 400,
    },
    seeds=8,
    quick={
        "competitor, tuning, N, fixed_bandwidth": [
            ("intrinsic_kde", t, n, 1.0) for t in ("w1", "fixed") for n in (100, 316, 1000)
        ],
        "m": 2000,
    },
    quick_seeds=2,
    seed=20261213,
    registered=("2026-12-06", "44b6cab"),
    claims=[
        Claim(
            metric="w1_bound_exact",
            name="minimax_w1_exact",
            expect="consistent",
            evidence=RUN + ": in N / log N, theory -0.466 [-0.502, -0.431], w1 -0.466 [-0.487, "
            "-0.444], control h = 1.0 contradicted (flat: 0.509 ... 0.457); registered "
            "prediction: consistent for w1, inconclusive for theory",
            **{**MINIMAX, "where": {"competitor": "intrinsic_kde", "tuning": ["theory", "w1"]}},
        ),
        Claim(
            metric="w1_bound",
            floor="w1_bound_floor",
            name="minimax_w1_sampled",
            expect={
                "competitor=intrinsic_kde, tuning=theory": "inconclusive",
                "competitor=intrinsic_kde, tuning=w1": "consistent",
                "competitor=smoothed, tuning=theory": "inconclusive",
                "competitor=smoothed, tuning=w1": "inconclusive",
            },
            evidence=RUN + ": in N / log N, KDE theory -0.420 [-0.473, -0.366] and w1 -0.481 "
            "[-0.551, -0.413] over N = 50 ... 3162 (N = 1e4 at the floor), smoothed score "
            "theory -0.447 [-0.547, -0.350] and w1 -0.454 [-0.541, -0.364] over 25 ... 1000; "
            "the KDE control (h = 1.0) violates the bound but the smoothed score's (h = 0.5: "
            "0.516, 0.383, 0.286, 0.240, 0.217) is still falling at N = 1000; registered "
            "prediction: consistent for the KDE (w1) and both smoothed-score tunings, "
            "inconclusive for the KDE (theory), both controls contradicted",
            posthoc="each group now answers to its own competitor's control, a rule of the "
            "claims engine introduced after this tier's data were seen (for tier 8's per-beta "
            "controls). Under the rule in force at registration every group answered to both "
            "controls, and the KDE's w1 group was not discriminating (the smoothed score's "
            "h = 0.5 control does not violate the bound); against the KDE's own control "
            "(h = 1.0, flat) it is consistent. The claim itself is unchanged",
            **MINIMAX,
        ),
        replace(
            closed_form_anchor("theory", -0.371),
            expect="inconclusive",
            evidence=RUN + ": -0.396 [-0.427, -0.366], straddling the band's edge -0.421 (seed "
            "means 0.422 ... 0.052 against the closed form's 0.408 ... 0.057); registered "
            "prediction: consistent",
        ),
        replace(
            closed_form_anchor("w1", -0.380),
            expect="consistent",
            evidence=RUN + ": -0.396 [-0.414, -0.377]",
        ),
        replace(
            closed_form_anchor("fixed", -0.013),
            expect="consistent",
            evidence=RUN + ": -0.009 [-0.030, +0.011]",
        ),
    ],
)
