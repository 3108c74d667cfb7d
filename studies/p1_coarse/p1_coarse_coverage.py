"""Coarse-score samplers on a Holder curve: precision, novelty and coverage scale against N (k = 1).

Support: the closed Holder-beta curve r = 1 + 0.1 g_beta(theta) in R^2 (k = 1; beta = inf is the
analytic curve), uniform (arc length) data law. Estimator (``adaptive_projection``,
:class:`ratesim.scores.AdaptiveProjectionScore`): the coarse, geometry-only score
(P_hat(x) - x) / sigma^2, P_hat the moving-least-squares projection of degree ceil(beta) - 1
(clipped to [1, 4]) fitted on the N samples, bandwidth h_N = 6 (log N / N)^(1/k) (Aamari-Levrard
rate) at every noise level, with a safeguard near the medial axis (rows where the MLS fit is
undefined go to the nearest training point; their fraction is the metric ``fallback_frac``).
Noise schedule: sigma_max = 2, sigma_min = h_N / 10, 20 geometric steps, final Tweedie step (lands
on the estimated curve). Samplers (:func:`ratesim.samplers.draw_coarse`): reverse SDE (every
beta), the SDE-then-ODE hybrid and reverse SDE + tempered-score Langevin (alpha = 1,
sigma = 0.005, 60 steps of h = 0.1: 0.03 relaxation units, i.e. a local diffusion of about
sqrt(2 * 0.03) = 0.25 rad along M; recorded as ``ts_relax``) at beta = 4.5.

Metrics (task :func:`.coverage_tasks.coarse_coverage`): delta* (c = 2; geodesic arcs, supremum
over every centre, samples counted at their projection onto M) of m generated samples
(``delta_star``), of the N training points (``delta_emp``, the empirical measure = what the exact
empirical score reproduces), and of m fresh draws from mu_data (``delta_floor``: the Monte-Carlo
floor of delta_star, docs/measurement.md); the distance of the generated samples to M, largest
(``precision``) and median (``fidelity``); novelty (median nearest-training distance
``nn_dist``, and its ratio to held-out data's).

Claims. delta* of m samples cannot fall below the floor of m exact draws from mu_data, so
delta*(N) is shown against that floor (coverage_vs_n), not fitted. What has no floor is the
precision: the coverage of ambient neighbourhoods of M satisfies delta*_ambient <=
max(delta*, precision) (a sample within precision of M is counted by both), so P1's coverage
bounds are claimed on it, as upper bounds (Claim(bound=True): the rates of P1 are O~(.)):
- precision ~ N^p decays at least as fast as N^(-beta/(4k)) and N^(-(beta-1)/(4k)) (the two
  published versions) and as the empirical measure's N^(-1/k), per (beta, sampler), rule "all";
  tolerance 0.05 (the log factors of O~ move a two-decade slope by about 0.02-0.05);
- beta = inf (analytic): P1's exponents are unbounded; the claim is faster than -1/k;
- delta_emp ~ (N / log N)^(-1/k) (the coverage radius of the empirical measure; an anchor);
- nn_dist ~ N^(-1/k): generated samples sit at the data spacing from the training set
  (novelty of order N^(-1/k); an anchor, the nearest-neighbour spacing).
Tolerances are the equivalence margins of 2026-12-05 (family README). The precision claims (role
"paper": P1's bounds read on the floor-free part of the coverage) replaced, after a first full run,
the registered claims on delta_star (post hoc, see the claims). Their negative control
(``control={"estimator": "smoothed"}``): the same reverse SDE driven by the score of the kernel
density estimate mu_N * N(0, 0.1^2 I) (:class:`ratesim.scores.SmoothedScore` at its default
bandwidth 0.1, fixed in N), whose samples keep a normal spread 0.1 around M at every N: its
precision does not shrink (pilot, beta = 2.5, m = 1000, 3 training sets: 0.31, 0.36, 0.39 at N =
32, 316, 3162), so it must violate every bound. Its cells (one per beta and N, m = 1000) were added
on 2026-12-05 (their slopes, about +0.05, violate every bound: reports/p1_coarse_coverage); every
claim selects ``estimator = "adaptive_projection"``. The beta crossover is shown by
precision_vs_beta: fitted exponents against beta beside P1's two lines, -1/k and the
approximation order -min(beta, p+1)/k of a noiseless degree-p local polynomial fit (reference,
not claimed: lacunary curves make local slopes oscillate).

Budget (2 cores shared with three other full runs, ~1.5 h single-core): N = 32 .. 3162 (two
decades), 10 seeds, m = 1e4 at beta = 2.5, 3000 at the other beta and for the hybrid, 1000 for
tempered Langevin (whose 60 extra steps dominate); delta* is compared with the floor of the
same m within each group. A bigger machine would add:
m = 1e6 (the floor of delta_star falls like (log m / m)^(1/k)), N = 1e4-1e5, and the tempered
sampler at every beta with more relaxation units. k = 2 is the study p1_coarse_coverage_k2.
"""

from ratesim.study import Claim, Expr, Study

from .coverage_figures import (
    coverage_vs_n_figure,
    exponent_vs_beta_figure,
    precision_vs_beta_figure,
    verdict_summary_figure,
)
from .coverage_tasks import coarse_coverage

N_FULL = [32, 100, 316, 1000, 3162]
BETAS = [2.5, 4.5, 6.5, "inf"]  # regularity of the support; "inf": the analytic curve
# generated samples per cell: 1e4 at beta = 2.5 (the slowest precision decay, the longest
# pre-floor range of delta*), 3000 elsewhere, 1000 for tempered Langevin (60 extra steps)
M_GEN = {2.5: 10_000, 4.5: 3_000, 6.5: 3_000, "inf": 3_000}
COARSE = "adaptive_projection"  # the coarse score of every claim
CONTROL = "smoothed"  # the negative control of the precision bounds (see the docstring)
CELLS = [(b, "reverse_sde", n, M_GEN[b], COARSE) for b in BETAS for n in N_FULL]
CELLS += [(4.5, "hybrid", n, 3_000, COARSE) for n in N_FULL[::2]]
CELLS += [(4.5, "tempered_langevin", n, 1_000, COARSE) for n in N_FULL[::2]]
CELLS += [(b, "reverse_sde", n, 1_000, CONTROL) for b in BETAS for n in N_FULL]  # added 2026-12-05
QUICK = [(b, "reverse_sde", n, 500, COARSE) for b in (2.5, "inf") for n in (32, 100, 316)]
QUICK += [(4.5, s, n, 200, COARSE) for s in ("hybrid", "tempered_langevin") for n in (32, 100, 316)]
K = 1

CONTROL_DATA = (
    "; its control (estimator 'smoothed', bandwidth fixed at 0.1, cells added 2026-12-05) has "
    "precision slope {} and violates every bound"
)
THREE_LEVELS = "the hybrid and tempered samplers were run at N = 32, 316, 3162 only: 3 levels (< 4)"
# expectations on the committed table (full rerun of 2026-12-05 at commit 7e19a91): beta -> Claim
# keywords. Before the control cells had data these bounds read "not discriminating".
EXPECT = {
    2.5: dict(
        expect="consistent",
        evidence="slope -2.40 [-2.73, -2.07], far below every bound"
        + CONTROL_DATA.format("+0.05 [-0.00, +0.10]"),
    ),
    4.5: dict(
        expect={
            "manifold__beta=4.5, sampler=reverse_sde": "consistent",
            "manifold__beta=4.5, sampler=hybrid": "underpowered",
            "manifold__beta=4.5, sampler=tempered_langevin": "underpowered",
        },
        evidence=(
            "reverse SDE: slope -4.98 [-5.35, -4.60], far below every bound"
            + CONTROL_DATA.format("+0.07 [+0.03, +0.10]")
            + "; "
            + THREE_LEVELS
        ),
    ),
    6.5: dict(
        expect="consistent",
        evidence="slope -5.10 [-5.15, -5.04], far below every bound"
        + CONTROL_DATA.format("+0.06 [+0.01, +0.12]"),
    ),
    "inf": dict(
        expect="consistent",
        evidence="slope -4.56 [-4.93, -4.16], far below -1/k"
        + CONTROL_DATA.format("+0.05 [+0.01, +0.10]"),
    ),
}

POSTHOC = (
    "written after a first full run (m = 1000) found delta* on its Monte-Carlo floor from small N "
    "on (fitted exponents ~ 0); the registered claim was delta_star ~ N^p with p in "
    "{-beta/(4k), -(beta-1)/(4k), -1/k} per (beta, sampler) (rule any, tolerance 0.05, max "
    "half-width 0.15; beta = inf: -1/k only)"
)


RELABEL = (
    "role relabelled paper -> anchor on 2026-12-05, after the results: precision is the "
    "moving-least-squares reconstruction error of M (docs/science.md), which any noise-free "
    "reconstruction of M meets, not P1's coverage rate; the claim, its control and its verdicts "
    "are unchanged"
)


def _precision_claim(beta):
    """precision ~ N^p at one finite beta: P1's two exponents and -1/k, as upper bounds."""
    return Claim(
        metric="precision",
        predict={
            "beta/(4k)": -beta / (4 * K),
            "(beta-1)/(4k)": -(beta - 1) / (4 * K),
            "1/k (empirical)": -1 / K,
        },
        group_by=("manifold__beta", "sampler"),
        where={"manifold__beta": beta, "estimator": COARSE},
        tolerance=0.05,
        bound=True,
        rule="all",
        control={"estimator": CONTROL},
        role="anchor",
        name=f"precision_beta{beta}",
        posthoc=f"{POSTHOC}; {RELABEL}",
        **EXPECT.get(beta, {}),
    )


STUDY = Study(
    name="p1_coarse_coverage",
    task=coarse_coverage,
    grid={
        "manifold": "holder_curve",
        "manifold__eps": 0.1,
        "manifold__seed": 0,
        "k": 1,
        "d": 2,
        "density": "uniform",
        "manifold__beta, sampler, N, m, estimator": CELLS,
        "h": Expr("6*(log(N)/N)^(1/k)"),
        "sigma_max": 2.0,
        "sigma_min": Expr("h/10"),
        "steps": 20,
        "ts_sigma": 0.005,
        "ts_steps": 60,
        "c": 2.0,
    },
    seeds=10,
    quick={"manifold__beta, sampler, N, m, estimator": QUICK},
    quick_seeds=4,
    seed=20261108,
    registered=("2026-11-23", "f2b945e"),
    claims=[
        *[_precision_claim(b) for b in BETAS if b != "inf"],
        Claim(
            metric="precision",
            predict={"1/k (empirical)": -1 / K},
            group_by=("manifold__beta", "sampler"),
            # str in the store, float in CSV
            where={"manifold__beta": ["inf", float("inf")], "estimator": COARSE},
            tolerance=0.05,
            bound=True,
            control={"estimator": CONTROL},
            role="anchor",
            name="precision_analytic",
            posthoc=f"{POSTHOC}; {RELABEL}",
            **EXPECT.get("inf", {}),
        ),
        Claim(
            metric="delta_emp",
            predict={"(logN/N)^(1/k)": "-1/k"},
            group_by=("k", "manifold__beta"),
            where={"sampler": "reverse_sde", "estimator": COARSE},
            form="N/logN",
            tolerance=0.2,
            role="anchor",
            expect={
                "k=1, manifold__beta=4.5": "inconclusive",
                "k=1, manifold__beta=6.5": "inconclusive",
            },
            evidence=(
                "full rerun of 2026-12-05: beta = 4.5 slope -0.91 [-1.02, -0.80] and beta = 6.5 "
                "-0.91 [-1.03, -0.79] straddle the band's edge -0.8 (the coverage radius of N "
                "points jumps with the largest gap, a noisy extreme value; the first table had "
                "beta = 4.5 inside the band and beta = 6.5 at -0.87 [-0.99, -0.76]); beta = 2.5 "
                "and inf give "
                "-0.92 [-1.02, -0.82] and -0.90 [-0.99, -0.81], inside it"
            ),
        ),
        Claim(
            metric="nn_dist",
            predict={"N^(-1/k)": "-1/k"},
            group_by=("k", "manifold__beta", "sampler"),
            where={"estimator": COARSE},
            tolerance=0.2,
            role="anchor",
            expect={
                "k=1, manifold__beta=4.5, sampler=hybrid": "underpowered",
                "k=1, manifold__beta=4.5, sampler=tempered_langevin": "underpowered",
            },
            evidence=THREE_LEVELS,
        ),
    ],
    figures=[
        verdict_summary_figure,
        precision_vs_beta_figure,
        coverage_vs_n_figure,
        exponent_vs_beta_figure,
    ],
)
