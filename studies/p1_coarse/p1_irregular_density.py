"""P1 irregular densities: coarse-score coverage vs density regularity; the KDE's L1 degradation.

P1's "favourable when the density is irregular" (Shen, Hsieh, He, arXiv 2603.23792;
docs/science.md). Science, derivations and the task: :mod:`.irregular_tasks`. Three data
densities with the same amplitude ratio R = p_max / p_min = 2 and different regularity: ``smooth``
(von Mises, kappa = log(2) / 2), ``holder`` (1 + |sin(theta)|^(1/2): C^(1/2) cusps at 0 and pi),
``jump`` (levels 1 and 2 on two half circles). Each cell runs two independent experiments that
share only the cell seed (coupled axis ``N, N_cov``: the two sample-size axes, each claim says
which it is on):

(a) coarse-score coverage at N_cov: the coarse, geometry-only score of p1_coarse_coverage
(:class:`ratesim.scores.AdaptiveProjectionScore`: moving least squares of degree 4,
h = 6 log(N_cov) / N_cov, reverse SDE sigma 2 -> h/10 in 20 steps, Tweedie end) fitted on N_cov
draws from each density on the Holder curve beta = 4.5, eps = 0.1; delta* of m = 2000 generated
samples relative to that density with c = 2R = 4, by the exact arc-length (geodesic-ball) path of
``ratesim.metrics.coverage_scale`` for closed curves (supremum over all centres; mu-CDF on 2^16
quadrature nodes). Why c = 2R: the coarse score ignores the density, so its limit law is a fixed
(about arc-length) law, whose small-ball ratio to any of the three mu_data lies in [1/R, R];
c = 2R keeps a margin of 2 for the sampling fluctuations, the same for the three densities.
Measurement limit and the claims (as in p1_coarse_coverage): delta* cannot fall below the
Monte-Carlo floor of the m samples (``delta_floor_t``), so delta*(N_cov) is shown against its floor
(profiles), not fitted. What has no floor is the precision (largest distance of a generated sample
to M; coverage of ambient neighbourhoods <= max(delta*, precision)). Claims on it (post hoc: they
replaced the registered claims on delta* after the first full run): the paired ratios
precision_holder / precision_smooth and precision_jump / precision_smooth ~ N_cov^0 (same exponent:
the density enters the MLS projection only through a design whose density ratio is bounded by R;
derivation in :mod:`.irregular_tasks`), tolerance 0.35 (0.05: the log factors of O~ cancel in a
paired ratio, 0.05 is what a log factor moves a two-decade slope by; plus the old max half-width
0.3: the largest of m errors is an extreme value, as in p1_coarse_coverage); and per density
precision_t decays at least as fast as P1's -beta/(4k) = -1.125, -(beta-1)/(4k) = -0.875 and the
empirical -1/k = -1 (upper bounds, rule "all", tolerance 0.05, p1_coarse_coverage's precision
claims). The registered claims were ratio_t = delta_star_t / delta_star_smooth ~ N_cov^0 (tolerance
0.05, max half-width 0.15) and delta_star_t ~ N_cov^p with p among P1's exponents (rule "any",
tolerance 0.05, max half-width 0.15). Roles: the ratio and precision claims are "paper" (P1's
density-blindness and coverage bound, read on the precision); the density-estimation claims of (b)
are "anchor" (KDE and empirical-measure rates, with bias constants derived in
:mod:`.irregular_tasks` and checked against closed forms in the family's tests). Negative control
of the precision bounds (``control={"h_a": 600}``, cells added 2026-12-05; slopes -0.04 to +0.05
in the full rerun of that day, violating every bound): the same sampler with a bandwidth
constant 100 times larger, h = 600 log(N_cov) / N_cov
>= 2.8, wider than M (diameter ~ 2.2) at every N_cov of the grid, so the local fits are global and
the projection error does not shrink (pilot, 1-2 training sets, m = 500: precision 0.7-1.9 at N_cov
= 16, 101, 637, 1600); sigma_ratio = 0.001 keeps sigma_min = sigma_ratio h below sigma_max, m = 500
keeps the cost down. Every claim selects h_a = 6.

(b) density estimation at N on the unit circle: L1 = int |p_hat - p| of the intrinsic KDE (von
Mises kernel, h = N^(-1/5), the bandwidth for C^2 densities) by quadrature against the exact
density, split into bias (deterministic) and stochastic parts; derived exponents (module
docstring of :mod:`.irregular_tasks`): smooth -2/5; cusps -(1+s)/5 = -0.3; jumps -1/5.
``l1_holder`` and ``l1_jump`` are fitted as A N^b + C N^(-2/5) (``two_term``: the stochastic part,
exponent -2/5 for every density, is the known subleading term) with competing predictions the
derived b and the smooth value -2/5; so is the cusp density's bias (2 (c/Z) G_s h^(1+s) + O(h^2));
the jump density's bias has no N^(-2/5) term (sqrt(2/pi) h sum|J| (1 + O(h^2))) and is fitted as
a plain power. Tolerances: 0.03 on l1 and its parts (the next corrections are relative
O(h) = O(N^(-1/5)) terms of the variance, which move a four-decade slope by < 0.02 for h <= 0.4,
and O(h^2) kernel-shape terms), 0.02 on the empirical measure's W1 ~ N^(-1/2) (the minimax
reference, exact circle W1 to the population; corrections O(N^(-1/2)) relative). max half-width
0.1. Re-registered on 2026-12-05 as equivalence margins, tolerance + old max half-width: 0.13 on
l1 and l1_stoch, 0.12 on the bias parts and W1 (family README).

Budget (2 shared cores, about 15 min single-core): 6 coupled levels, N = 100 ... 1e6 (4 decades,
0.8 apart) and N_cov = 16 ... 1600 (2 decades, 0.4 apart), 10 seeds. Measured while designing on
a lightly loaded core: about 50 s per seed over the six levels (3-7 s per cell up to N = 1.6e5,
about 30 s at N = 1e6: the three coarse samplers with m = 2000 at small N, the KDE Fourier sums
and the exact W1 at N = 1e6). A bigger machine would add: m = 1e5 generated samples (the floor of
delta* falls like (log m / m)^(1/k), which limits (a) here), N_cov up to 1e4 and beyond, several
s in (0, 1) (the derived -(1+s)/5 line), and N up to 1e8 for (b), where the cusp density's total
L1 would separate -0.3 from -0.4.

Training sets: 30 seeds (design revision of 2026-12-05, written before the run it applies to; the
claims are unchanged; 10 seeds before). Why: the calibration of the verdict rule at this design
(``ratesim calibrate``, resampled residuals of the 10-seed table, 200 replicates) found the
precision claims' seed noise too heavy-tailed for 10 training sets: CI coverage 0.63-0.71 and false
consistency (true exponent two tolerances above the bound) 0.33-0.36 for precision_holder and
precision_jump. The same calibration with each level's residuals tiled (same empirical law, k times
the seeds) gives, for 20 / 30 / 50 seeds: coverage 0.84-0.95 / 0.92-0.96 / 0.96-0.99, false
consistency at most 0.12 / 0.07 / 0.00, and the power of the precision_ratio_holder claim at a true
slope 0: 0.70 / 0.90 / 0.99. 30 is the smallest count with coverage above 0.9 everywhere; its cost
is 3 x 3 270 s = 2.7 CPU-hours (measured on the 10-seed run; 220 s per seed on the claim cells,
127 s on the control cells, most of it the density estimation at N = 1e6). The geometric mean was
tried instead and is worse (coverage 0.33-0.68 on the ratios and precision_jump, false consistency
up to 0.58): the heavy tail is a mixture of training sets, not a multiplicative spread.
"""

from ratesim.study import Claim, Study

from .exponents import predicted_exponents
from .irregular_figures import (
    CONTROL_H_A,
    exponent_comparison_figure,
    kde_profile_figure,
    plain_verdicts_figure,
    reading_section,
)
from .irregular_tasks import irregular_density

K = 1
BETA = 4.5
S = 0.5
N_KDE = [round(100 * 10 ** (0.8 * j)) for j in range(6)]  # 100 ... 1e6
N_COV = [round(16 * 10 ** (0.4 * j)) for j in range(6)]  # 16 ... 1600
QUICK_KDE = [100, 316, 1000, 3162]
QUICK_COV = [16, 40, 100, 251]
TAGS = ("smooth", "holder", "jump")

P1_PRED = predicted_exponents(BETA, K)  # -beta/(4k), -(beta-1)/(4k), -1/k
SMOOTH = -2 / (K + 4)
DERIVED = {"smooth": SMOOTH, "holder": -(1 + S) / (K + 4), "jump": -1 / (K + 4)}
LABEL = {"smooth": "-2/5 (C^2)", "holder": "-(1+s)/5 (cusps)", "jump": "-1/5 (jumps)"}
POSTHOC = (
    "written after the first full run (2026-11-23) found delta* on its Monte-Carlo floor after "
    "the first N_cov level; the registered claims were "
    "ratio_t = delta_star_t / delta_star_smooth ~ N_cov^0 (tolerance 0.05, max half-width 0.15) "
    "and delta_star_t ~ N_cov^p with p among -beta/(4k), -(beta-1)/(4k), -1/k (rule any, "
    "tolerance 0.05, max half-width 0.15)"
)


H_A = 6.0  # the MLS bandwidth constant of every claim: h = 6 log(N_cov) / N_cov
H_A_CONTROL = CONTROL_H_A  # control of the precision bounds: h = 600 log N / N >= 2.8 > diam M
MAIN = {"h_a": H_A}


def _l1_claim(metric, tag, tolerance=0.03):
    more = EXPECT.get(metric, {})
    # power form where no N^(-2/5) term exists: the smooth density, and the jump density's bias
    # (constant between the jumps: sqrt(2/pi) h sum|J| (1 + O(h^2)), the correction is N^(-3/5))
    if tag == "smooth" or metric == "l1_bias_jump":
        return Claim(
            metric=metric,
            predict={LABEL[tag]: DERIVED[tag]}
            if tag == "smooth"
            else {LABEL[tag]: DERIVED[tag], "smooth rate -2/5": SMOOTH},
            where=MAIN,
            tolerance=tolerance + 0.1,
            role="anchor",
            **more,
        )
    return Claim(
        metric=metric,
        predict={LABEL[tag]: DERIVED[tag], "smooth rate -2/5": SMOOTH},
        where=MAIN,
        form="two_term",
        subleading=-SMOOTH,
        tolerance=tolerance + 0.1,
        rule="any",
        role="anchor",
        **more,
    )


CONTROL_DATA = (
    "; its control (h_a = 600, cells added 2026-12-05) has precision slope {} and violates every "
    "bound"
)
# expectations on the committed table (metric -> Claim keywords): the 30-seed full run of
# 2026-12-05 (commit 0766909). They were written for that run from the 10-seed table (commit
# 7e19a91) and held, except one prediction: 30 seeds were to give precision_ratio_holder power 0.90
# at a true slope 0 (calibration with the 10-seed residuals tiled), so it was predicted
# "consistent"; it came out "inconclusive" (below), recorded here after the run.
EXPECT = {
    "precision_ratio_holder": dict(
        expect="inconclusive",
        evidence=(
            "30 seeds: slope +0.045 [-0.830, +0.677], centred on 0 but wider than the band "
            "[-0.35, +0.35] (10 seeds: +0.005 [-1.37, +0.81]); the CI narrowed by 1.44, not the "
            "sqrt(3) = 1.73 of light-tailed noise: the ratio of two largest distances is "
            "heavy-tailed. Predicted consistent before the run (power 0.90 by the calibration): "
            "the prediction failed"
        ),
    ),
    "precision_ratio_jump": dict(
        expect="inconclusive",
        evidence=(
            "30 seeds: slope +0.735 [+0.017, +1.297], overlapping the band's upper edge +0.35 "
            "(10 seeds: +1.08 [-2.13, +2.57]): the jump density's ratio grows with N_cov in "
            "the training sets where the MLS degree drops on the low-density half (n_eff < 7.5, "
            "irregular_tasks), an estimator limit, not P1's"
        ),
    ),
    "precision_smooth": dict(
        expect="consistent",
        evidence="slope -4.02 [-4.99, -3.30], far below every bound"
        + CONTROL_DATA.format("-0.04 [-0.12, +0.05]"),
    ),
    "precision_holder": dict(
        expect="consistent",
        evidence="slope -4.26 [-4.73, -3.90], far below every bound"
        + CONTROL_DATA.format("+0.02 [-0.02, +0.05]"),
    ),
    "precision_jump": dict(
        expect="consistent",
        evidence="slope -3.69 [-4.67, -2.96], far below every bound"
        + CONTROL_DATA.format("+0.04 [-0.03, +0.11]"),
    ),
}

RELABEL = (
    "role relabelled paper -> anchor on 2026-12-05, after the results: precision is the "
    "moving-least-squares reconstruction error of M (docs/science.md), which any noise-free "
    "reconstruction of M meets, not P1's coverage rate; the claim, its control and its verdicts "
    "are unchanged"
)

CLAIMS = [
    *[
        Claim(
            metric=f"precision_ratio_{t}",
            predict={"same exponent (N^0)": 0.0},
            on="N_cov",
            where=MAIN,
            tolerance=0.35,
            role="anchor",
            posthoc=f"{POSTHOC}; {RELABEL}",
            **EXPECT.get(f"precision_ratio_{t}", {}),
        )
        for t in ("holder", "jump")
    ],
    *[
        Claim(
            metric=f"precision_{t}",
            predict=P1_PRED,
            on="N_cov",
            where=MAIN,
            tolerance=0.05,
            bound=True,
            rule="all",
            control={"h_a": H_A_CONTROL},
            role="anchor",
            posthoc=f"{POSTHOC}; {RELABEL}",
            **EXPECT.get(f"precision_{t}", {}),
        )
        for t in TAGS
    ],
    *[_l1_claim(f"l1_{t}", t) for t in TAGS],
    *[_l1_claim(f"l1_bias_{t}", t, tolerance=0.02) for t in TAGS],
    *[
        Claim(
            metric=f"l1_stoch_{t}",
            predict={"(Nh)^(-1/2)": SMOOTH},
            where=MAIN,
            tolerance=0.13,
            role="anchor",
        )
        for t in TAGS
    ],
    *[
        Claim(
            metric=f"w1emp_{t}",
            predict={"N^(-1/2)": -0.5},
            where=MAIN,
            tolerance=0.12,
            role="anchor",
        )
        for t in TAGS
    ],
]

STUDY = Study(
    name="p1_irregular_density",
    task=irregular_density,
    grid={
        "manifold": "holder_curve",
        "manifold__beta": BETA,
        "manifold__eps": 0.1,
        "manifold__seed": 0,
        "k": K,
        "d": 2,
        "ratio": 2.0,
        "s": S,
        "N, N_cov": list(zip(N_KDE, N_COV, strict=True)),
        # the claims' cells, and the negative control of the precision bounds (added 2026-12-05:
        # a bandwidth constant 100 times larger, sigma_min = sigma_ratio h kept below sigma_max)
        "h_a, sigma_ratio, m": [(H_A, 0.1, 2000), (H_A_CONTROL, 0.001, 500)],
        "c": 4.0,
        "n_quad": 2**16,
        "sigma_max": 2.0,
        "steps": 20,
    },
    seeds=30,  # 10 until 2026-12-05: see "Training sets" in the module docstring
    quick={
        "N, N_cov": list(zip(QUICK_KDE, QUICK_COV, strict=True)),
        "h_a, sigma_ratio, m": [(H_A, 0.1, 150)],
    },
    quick_seeds=3,
    seed=20261123,
    registered=("2026-11-23", "8cc88e5"),
    claims=CLAIMS,
    figures=[
        reading_section,
        plain_verdicts_figure,
        exponent_comparison_figure,
        kde_profile_figure,
    ],
)
