"""P1 coarse-score generalization: coverage scale, novelty, fidelity of coarse-score samplers vs N.

Issue 8, part 3 (SCIENCE.md P1; Shen, Hsieh, He, arXiv 2603.23792). Support: the closed Holder-beta
curve r = 1 + 0.1 g_beta(theta) in R^2 (k = 1; beta = inf is the analytic curve), uniform (arc
length) data law. Estimator (``ratesim.theory.coarse.AdaptiveProjectionScore``): the coarse,
geometry-only score (P_hat(x) - x) / sigma^2, P_hat the moving-least-squares projection of degree
ceil(beta) - 1 (clipped to [1, 4]) fitted on the N samples, bandwidth h_N = 6 (log N / N)^(1/k)
(Aamari-Levrard rate) at every noise level, with a safeguard near the medial axis (rows where the
MLS fit is undefined go to the nearest training point; their fraction is the metric
``fallback_frac``, about 1e-5 or less). Noise schedule: sigma_max = 2, sigma_min = h_N / 10,
20 geometric steps, final Tweedie step (lands on the estimated curve). Samplers: reverse SDE
(every beta), the SDE-then-ODE hybrid and reverse SDE + tempered-score Langevin (alpha = 1,
sigma = 0.005, 60 steps of h = 0.1: 0.03 relaxation units, i.e. a local diffusion of about
sqrt(2 * 0.03) = 0.25 rad along M; recorded as ``ts_relax``) at beta = 4.5.

Metrics (``p1_coarse_coverage`` task): delta* (c = 2, CHORDAL balls: the Holder curves have no
closed-form geodesic distance; chordal and geodesic radii differ by O(delta^3)) of m = 1000
generated samples (``delta_star``), of the N training points (``delta_emp``, the empirical measure
= what the exact empirical score reproduces), and of m fresh draws from mu_data (``delta_floor``:
the Monte-Carlo floor of delta_star, SCIENCE.md trap 2); novelty (median nearest-training
distance ``nn_dist``, and its ratio to held-out data's), fidelity (median distance to M, absolute
and over the data spacing).

Claims (competing predictions, rule "any"; the report says which the data support):
- delta_star ~ N^p with p in {-beta/(4k), -(beta-1)/(4k)} (the two published versions) and the
  empirical measure's -1/k, per (beta, sampler), finite beta. Tolerance 0.05: the log factor of
  (log N / N)^(1/k) moves a two-decade slope by about 0.1 / log(N) ~ 0.02-0.05 (trap 3).
  max_halfwidth 0.15.
- beta = inf (analytic): P1's exponents are unbounded; only -1/k is stated.
- delta_emp ~ (N / log N)^(-1/k) (the coverage radius of the empirical measure), tolerance 0.05.
- nn_dist ~ N^(-1/k): generated samples sit at the data spacing from the training set
  (novelty of order N^(-1/k)), tolerance 0.05.

Budget (2 shared cores, ~12 min): N = 32 .. 3162 (two decades), 10 seeds, m = 1000, coverage grid
512 points. A bigger machine would add: m = 1e5 generated samples (the floor of delta_star falls
like (log m / m)^(1/k), which is what limits the measurement here), k = 2 (Holder graphs over
T^2: the degree-4 MLS fit in 2-D needs N >~ 1e3 to be well posed, so two decades mean N up to
1e5), and the tempered sampler at every beta with more relaxation units.
"""

from ratesim.study import Claim, Expr, Study
from ratesim.theory import coarse as _coarse  # noqa: F401  (registers the p1_coarse_coverage task)
from ratesim.theory.coarse_figures import (
    coverage_vs_n_figure,
    exponent_vs_beta_figure,
    verdict_summary_figure,
)

N_FULL = [32, 100, 316, 1000, 3162]
BETAS = [2.5, 4.5, 6.5, "inf"]  # regularity of the support; "inf": the analytic curve
CELLS = [(b, "reverse_sde", n) for b in BETAS for n in N_FULL]
CELLS += [(4.5, s, n) for s in ("hybrid", "tempered_langevin") for n in N_FULL[::2]]
QUICK = [(b, "reverse_sde", n) for b in (4.5, "inf") for n in (32, 100, 316)]
QUICK += [(4.5, s, n) for s in ("hybrid", "tempered_langevin") for n in (32, 100, 316)]
K = 1


def _coverage_claim(beta):
    """delta_star ~ N^p at one finite beta: the two published P1 exponents and -1/k."""
    return Claim(
        metric="delta_star",
        predict={
            "beta/(4k)": -beta / (4 * K),
            "(beta-1)/(4k)": -(beta - 1) / (4 * K),
            "1/k (empirical)": -1 / K,
        },
        group_by=("manifold__beta", "sampler"),
        where={"manifold__beta": beta},
        tolerance=0.05,
        max_halfwidth=0.15,
        rule="any",
        name=f"delta_star_beta{beta}",
    )


STUDY = Study(
    name="p1_coarse_coverage",
    task="p1_coarse_coverage",
    grid={
        "manifold": "holder_curve",
        "manifold__eps": 0.1,
        "manifold__seed": 0,
        "k": 1,
        "d": 2,
        "density": "uniform",
        "estimator": "adaptive_projection",
        "manifold__beta, sampler, N": CELLS,
        "h": Expr("6*(log(N)/N)^(1/k)"),
        "sigma_max": 2.0,
        "sigma_min": Expr("h/10"),
        "steps": 20,
        "ts_sigma": 0.005,
        "ts_steps": 60,
        "m": 1000,
        "c": 2.0,
        "n_grid": 512,
    },
    seeds=10,
    quick={"manifold__beta, sampler, N": QUICK, "m": 200, "n_grid": 256},
    quick_seeds=6,
    seed=20261108,
    claims=[
        *[_coverage_claim(b) for b in BETAS if b != "inf"],
        Claim(
            metric="delta_star",
            predict={"1/k (empirical)": -1 / K},
            group_by=("manifold__beta", "sampler"),
            where={"manifold__beta": ["inf", float("inf")]},  # str in the store, float in CSV
            tolerance=0.05,
            max_halfwidth=0.15,
            name="delta_star_analytic",
        ),
        Claim(
            metric="delta_emp",
            predict={"(logN/N)^(1/k)": "-1/k"},
            group_by=("k", "manifold__beta"),
            where={"sampler": "reverse_sde"},
            form="N/logN",
            tolerance=0.05,
            max_halfwidth=0.15,
        ),
        Claim(
            metric="nn_dist",
            predict={"N^(-1/k)": "-1/k"},
            group_by=("k", "manifold__beta", "sampler"),
            tolerance=0.05,
            max_halfwidth=0.15,
        ),
    ],
    figures=[verdict_summary_figure, exponent_vs_beta_figure, coverage_vs_n_figure],
)
