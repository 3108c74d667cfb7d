"""League tier 4: k = 3, through an upper bound on W1 that has no two-sample floor.

Here the minimax W1 rate N^(-1/3) is slower than the parametric one.

At k = 1 every converging competitor runs at about N^(-1/2) (tiers 1-3), the parametric bar, so
nobody can beat the minimax rate there. At k = 3 the minimax W1 rate over Lipschitz-smooth laws is
N^(-1/3) (the empirical measure's), and a kernel estimate of a smooth density converges faster
asymptotically: with a second-order kernel and h = N^(-1/(k+2)) its W1 error is O(N^(-2/5))
(``tasks.w1_bandwidth``). A two-sample W1 of m samples cannot show that (floor ~ m^(-1/3)), so this
tier measures the screened negative-Sobolev distance D of ``ratesim.metrics.sobolev_to_law``:
unbiased from m samples with a floor ~ m^(-1/2), and W1 <= C D with C = (2 pi)^(3/2) sqrt(1 +
lam^2) = 35.2 at lam = 2 (Kantorovich-Rubinstein duality). ``w1_bound`` = C D estimated from the
m samples, ``w1_bound_floor`` = C sqrt(2 null_sd) (and, for a score estimator, at least the exact
score's bound through the same sampler); for the intrinsic KDE, whose law is a wrapped Gaussian
mixture, ``w1_bound_exact`` = C D computed from its Fourier coefficients, with no sampling at all.

Data: the flat torus T^3 in R^6 (seed 0), product von Mises(kappa = 1) law (task
``torus_tasks.league_torus_cell``). m = 10 000 samples per cell, 8 training sets per N.
Competitors, each with three bandwidths: ``theory`` h = N^(-1/7) (the L2-optimal KDE bandwidth of
the other tiers), ``w1`` h = N^(-1/5), ``fixed`` h = 0.5 at every N (the control):
- the intrinsic KDE (Divol 2022; wrapped Gaussian in the angles), N = 100, 316, 1000, 3162, 10 000;
- the smoothed score (the score of mu_N * N(0, h^2 I) in R^6) through the 400-step reverse SDE,
  N = 100, 316, 1000, 3162 (its sampling costs O(m N) per step).
The empirical measure and the memorizing empirical score are not competitors: their laws have
atoms, where D is infinite (the metric sees them: the pilot's empirical score stopped on two equal
samples).

What the closed form predicts (before any fit; ``ratesim.metrics.kde_expected_d2``): E D^2 of the
intrinsic KDE is bias^2 + variance, computable exactly. Over N = 100 ... 10 000 the fitted exponent
of C sqrt(E D^2) is -0.325 (theory), -0.326 (w1) and -0.174 (fixed). The asymptotic -2/5 of the w1
bandwidth appears only slowly (local exponents -0.30, -0.32, -0.33, -0.35, -0.36 ... -0.385 at
N = 1e6): the variance sum over frequencies grows faster than 1/h while 1/h is comparable with the
lowest frequencies and the screening. So the measurable statement at feasible N is the minimax
bound, not beating it, and the anchor checks the measurement against the closed form.

Pilot (4 training sets, exact bound, none of it enters the verdicts): means 0.527, 0.349, 0.252,
0.185, 0.118 (theory), 0.675, 0.484, 0.304, 0.206, 0.151 (w1), 0.586, 0.362, 0.295, 0.258, 0.230
(fixed); per-set exponents -0.31 +- 0.025, -0.33 +- 0.019, -0.19 +- 0.009; exponent of the means
within 0.010, 0.008 and 0.018 of the closed form. Sampled bound agrees with the exact one (e.g.
0.130 against 0.131 at N = 10 000). Smoothed score (w1): 0.81, 0.36, 0.25 at N = 100, 1000, 3162
(-0.34); fixed: 0.38 at N = 1000. Floors (m = 10 000): 0.066-0.072 (kernel-smoothed score: 0.18,
so it is not in this tier). Cost: 3.5-8 s a KDE cell, 13-50 s a smoothed-score cell (two jobs
sharing the cores with another run): about 3600 cell-seconds.

Claims:
- ``minimax_w1_exact`` (paper, bound): the intrinsic KDE's exact bound decays at least as fast as
  N^(-1/3) up to the O~ allowance of the other tiers (exponent <= -1/3 + 0.1); control: the fixed
  bandwidth, which must violate it (closed form -0.174).
- ``minimax_w1_sampled`` (paper, bound): the same on the bound estimated from the m samples, for
  the KDE and the smoothed score (floor ``w1_bound_floor``); control: both fixed bandwidths.
- ``closed_form_theory``, ``closed_form_w1``, ``closed_form_fixed`` (anchors): the exact bound's
  exponent equals the closed form's, -0.325, -0.326, -0.174, within 0.05. Tolerance: the CI
  half-width with 8 training sets, t_7 x 0.025 / sqrt(8) = 0.021 from the pilot's spread, plus the
  gap between the mean's exponent and the closed form's (Jensen's gap and the pilot's sampling:
  at most 0.018 in the pilot), 0.039, rounded up to 0.05. A measurement that got the variance or
  the bias wrong by a factor 2 moves the exponent by more (e.g. the fixed bandwidth's -0.174 is
  0.15 away from the others).

Predictions (registered): ``minimax_w1_exact`` consistent for both tunings, control contradicted;
``minimax_w1_sampled`` consistent for the four groups, both controls contradicted; the three
anchors consistent. In the family summary the KDE and the smoothed score will read as *matching*
N^(-1/3), not beating it: at this N the faster asymptotic rate is not measurable.
Post hoc (2026-12-06, after the registered run's intrinsic-KDE cells, before any smoothed-score
verdict; ``POSTHOC`` below has the reasons): N = 50 for every configuration (the registered
smoothed-score levels span 1.49996 decades, under the 1.5 a verdict needs) and the intrinsic KDE
with h = 1.0 fixed as a second control (h = 0.5 did not violate the bound); claims
``minimax_w1_exact_h1``, ``minimax_w1_sampled_from50`` and ``closed_form_fixed_h1``. The
registered claims keep their registered cells.
"""

from dataclasses import replace

from ratesim.study import Claim, Study

from .torus_tasks import TORUS_K3, closed_form_anchor, league_torus_cell

TUNINGS = ("theory", "w1", "fixed")
KDE_N = [100, 316, 1000, 3162, 10000]
SCORE_N = [100, 316, 1000, 3162]
CELLS = [
    *[("intrinsic_kde", t, n, 0.5) for t in TUNINGS for n in [50, *KDE_N]],
    *[("smoothed", t, n, 0.5) for t in TUNINGS for n in [50, *SCORE_N]],
    *[("intrinsic_kde", "fixed", n, 1.0) for n in [50, *KDE_N]],
]  # N = 50 and the h = 1.0 control: added post hoc (POSTHOC below)
RUN = "full run of 2026-12-06 (312 cells at 76639ef, 8 training sets, 5037 cell-seconds)"
REGISTERED = {"N": KDE_N, "fixed_bandwidth": 0.5}  # the registered claims' cells
POSTHOC = (
    "added 2026-12-06 after the registered run's intrinsic-KDE cells were computed and the fits "
    "of its exact bound read (the smoothed-score cells were not finished; that run was stopped "
    "and the study recomputed at one commit): (1) the smoothed score's registered levels, "
    "N = 100 ... 3162, span log10(31.62) = 1.49996 decades, under the 1.5 a rate verdict needs, "
    "so its groups of minimax_w1_sampled are underpowered by design, and the KDE's sampled bound "
    "at N = 10 000 lies within 2x its floor, which leaves it 100 ... 3162 too: N = 50 is added "
    "for every configuration; (2) the fixed bandwidth h = 0.5 did not violate the bound (its "
    "exact-bound exponent over 100 ... 1e4 was -0.141 [-0.265, -0.016], the power fit of a "
    "curve that flattens from N = 1000 on), so minimax_w1_exact could not be discriminating; a "
    "fixed h = 1.0, whose closed-form exponent over 50 ... 1e4 is -0.013 (bias 0.66 against a "
    "fluctuation of 0.19 at N = 100), is added as a second control, with its anchor; the "
    "registered claims are kept unchanged on their registered cells"
)
MINIMAX = dict(
    predict={"minimax N^-1/3 (bound)": -1 / 3},
    group_by=("competitor", "tuning"),
    tolerance=0.1,
    bound=True,
    control={"tuning": "fixed"},
    role="paper",
    why="the minimax W1 rate at k = 3 (N^-1/3), as a bound on each competitor and bandwidth, "
    "measured through a W1 upper bound without a two-sample floor; a bandwidth that does not "
    "shrink must violate it",
)


STUDY = Study(
    name="league_k3",
    task=league_torus_cell,
    grid={
        **TORUS_K3,
        "competitor, tuning, N, fixed_bandwidth": CELLS,
        "m": 10000,
        "steps": 400,
    },
    seeds=8,
    quick={
        "competitor, tuning, N, fixed_bandwidth": [
            ("intrinsic_kde", t, n, 0.5) for t in ("theory", "fixed") for n in (100, 316, 1000)
        ],
        "m": 2000,
    },
    quick_seeds=2,
    seed=20261212,
    registered=("2026-12-06", "38c3ae6"),
    claims=[
        Claim(
            metric="w1_bound_exact",
            where={"competitor": "intrinsic_kde", "tuning": ["theory", "w1"], **REGISTERED},
            name="minimax_w1_exact",
            expect="not discriminating",
            evidence=RUN
            + ": both tunings meet the bound (theory -0.332 [-0.359, -0.307], w1 -0.330 "
            "[-0.344, -0.315]) but the control h = 0.5 does not violate it (-0.141 [-0.265, "
            "-0.016]: exact bound 0.580, 0.359, 0.266, 0.260, 0.243, flat only from N = 1000); "
            "registered prediction: consistent, control contradicted",
            **MINIMAX,
        ),
        Claim(
            metric="w1_bound",
            where={"tuning": ["theory", "w1"], **REGISTERED},
            floor="w1_bound_floor",
            name="minimax_w1_sampled",
            expect={
                "competitor=smoothed, tuning=theory": "underpowered",
                "competitor=smoothed, tuning=w1": "underpowered",
                "competitor=intrinsic_kde, tuning=theory": "floor-limited",
                "competitor=intrinsic_kde, tuning=w1": "floor-limited",
            },
            evidence="by design, found before any smoothed-score verdict: its registered levels "
            "N = 100 ... 3162 span 1.49996 decades, under the 1.5 a verdict needs "
            "(minimax_w1_sampled_from50 adds N = 50, post hoc); "
            + RUN
            + ": the KDE's sampled bound "
            "at N = 10 000 (0.125, 0.136) lies within 2x its floor (0.071, 0.072), which leaves "
            "the same 1.49996 decades; registered prediction: consistent",
            **MINIMAX,
        ),
        closed_form_anchor("theory", -0.325, where=REGISTERED),
        closed_form_anchor("w1", -0.326, where=REGISTERED),
        replace(
            closed_form_anchor("fixed", -0.174, where=REGISTERED),
            expect="inconclusive",
            evidence=RUN
            + ": -0.141 [-0.265, -0.016], a CI wider than the band [-0.224, -0.124]: the power "
            "fit of a curve that flattens (local exponents -0.42, -0.26, -0.02, -0.06 against the "
            "closed form's -0.35, -0.22, -0.10, -0.04); registered prediction: consistent",
        ),
        # post hoc (POSTHOC): N = 50 added, and a fixed bandwidth whose bias shows from N = 50
        Claim(
            metric="w1_bound_exact",
            where={
                "competitor": "intrinsic_kde",
                "tuning": ["theory", "w1"],
                "fixed_bandwidth": [0.5, 1.0],
            },
            name="minimax_w1_exact_h1",
            posthoc=POSTHOC,
            **{**MINIMAX, "control": {"tuning": "fixed", "fixed_bandwidth": 1.0}},
        ),
        Claim(
            metric="w1_bound",
            where={"tuning": ["theory", "w1"], "fixed_bandwidth": 0.5},
            floor="w1_bound_floor",
            name="minimax_w1_sampled_from50",
            posthoc=POSTHOC,
            expect="not discriminating",
            evidence=RUN + ": all four groups meet the bound (KDE theory -0.315 [-0.343, -0.286], "
            "w1 -0.325 [-0.342, -0.307]; smoothed score theory -0.317 [-0.342, -0.291], w1 "
            "-0.307 [-0.345, -0.268]; the KDE's N = 10 000 at its floor) but neither h = 0.5 "
            "control violates it (KDE -0.213 [-0.301, -0.125], smoothed score -0.197 [-0.294, "
            "-0.100])",
            **MINIMAX,
        ),
        closed_form_anchor(
            "fixed", -0.013, where={"fixed_bandwidth": 1.0}, suffix="_h1", posthoc=POSTHOC
        ),
    ],
)
