"""P1: near-parametric convergence of the coarse-score sampler's law nu_N to its limit nu_inf.

A sampler driven by a coarse score reaches a *different* target law at a near-parametric rate,
O~(N^-1/2) in one published version and O(N^-1) in another (Shen, Hsieh, He, arXiv 2603.23792;
docs/science.md, P1). Design (``tasks.alt_target_circle``):

- M = unit circle in R^2, data law von Mises(kappa = 1, mean pi) (w.r.t. arc length);
- nu_N: the coarse sampler: AdaptiveProjectionScore = moving least squares projection P_hat of
  degree 4 (analytic M) fitted on the N samples, bandwidth h_N = 6 (log N / N), reverse VE SDE
  sigma_max = 2 -> sigma_min = h_N / 10 in 20 geometric steps, final Tweedie step (the schedule of
  ``p1_coarse_coverage``);
- nu_inf: the SAME sampler (same schedule, steps, Tweedie step, and the same random numbers) with
  the exact coarse score (P_M(x) - x) / sigma^2. By rotation equivariance of x/|x| and of the
  isotropic Gaussian start and increments, nu_inf is EXACTLY uniform for any discretization
  (proof in the docstring of ``tasks.py``), whereas mu_data is von Mises: the alternative target,
  at the fixed distance D^2(nu_inf, mu_data) = sum_j (I_j(1)/I_0(1))^2 / j^2 = 0.2022 (``gap2``;
  its unbiased estimate from the training angles is ``gap2_data``), which does not shrink with N.
- Distance: D^2 = sum_{j>=1} |c_j(nu_N) - c_j(nu_inf)|^2 / j^2 (c_j the angle law's Fourier
  coefficients; = pi x squared L2 norm of the centred CDF difference: circular Cramer-von Mises /
  H^-1), closed over all j with sum cos(jx)/j^2 = pi^2/6 - pi x/2 + x^2/4 (``ratesim.metrics``).
  A parametric (smooth) metric, which is fine because the predicted rate is itself
  near-parametric (a parametric metric only hides N^-1/k rates; docs/measurement.md). Primary
  estimate ``d2``: the exactly unbiased U-statistic on m synchronously coupled pairs (nu_N, nu_inf
  draws from the same start points and increments); its floor ``d2_floor`` (null sd, from 2e5
  random pairs) is ~ 1e-7 .. 1e-4, 100-1000 times below the uncoupled one. Because d2 is unbiased
  it is negative for some training sets once D^2 reaches the floor, which a log-scale fit cannot
  take: the claims use ``d2_res`` = max(d2, d2_floor) (the estimate where resolved, else the
  floor: an upper bound up to noise, which can only flatten a fitted decay; the figure gives the
  fraction of clipped cells and the local slopes of the unclipped seed means). This clipping was
  introduced after a first full run, so both claims are marked post hoc. Next to it: ``d2_plain``,
  the uncoupled unbiased U-statistic of the nu_N draws against the uniform law (floor
  sqrt(pi^4/90)/m = 1.04/m), its control on the nu_inf draws ``d2_plain_inf`` (must be ~ 0: an
  empirical check of the uniformity proof), and the exact circle W1 to uniform ``w1`` with its
  floor ``w1_floor`` (W1 of the m nu_inf draws, an exact uniform sample).

Claims: (1) D^2 ~ N^p with p = -1 (D ~ N^-1/2) or p = -2 (D ~ N^-1), rule "any" (the report says
which one, if either, is supported); (2) the same exponents read as the papers state them, as upper
bounds O~(N^p) on the rate (``bound=True``: supported when the whole CI lies at or below p +
tolerance, i.e. nu_N converges at least that fast). Tolerance 0.2 in D^2 units (0.1 on the
exponent of D): the "O~" of the first version allows a log factor; a (log N)^1 factor in D^2
moves the two-decade slope by 1 / ln(N) ~ 0.17 at the geometric middle N ~ 316 (log factors
bias two-decade fits; docs/measurement.md); h_N itself carries log N. max_halfwidth 0.3 (D^2
units).

Budget (2 shared cores): N = 32, 100, 316, 1000, 3162 (two decades), 10 training sets per N,
m = 4000 coupled pairs up to N = 316, 12000 at N = 1000 and 24000 at N = 3162 (a first full run
with m = 4000 everywhere put D^2 at its floor from N = 1000 on); the MLS projection costs
50-120 us per query and 21 projections per chain, about 30 min of wall time on the shared
machine. A bigger machine would add: m = 1e5 and more (the floor, not the seeds, limits the
largest N), N up to 1e4-1e5, and the hybrid (SDE-then-ODE) and TS-Langevin samplers. The Holder
curve companion is the study ``p1_alt_target_holder``. Reading of the full run:
reports/p1_alt_target/reading.md.
"""

import math

from ratesim.study import Claim, Expr, Study

from .figures import alt_target_figure
from .tasks import alt_target_circle

STUDY = Study(
    name="p1_alt_target",
    task=alt_target_circle,
    grid={
        "manifold": "circle",
        "k": 1,
        "d": 2,
        "density": "von_mises",
        "density__kappa": 1.0,
        "density__mean": math.pi,
        "estimator": "adaptive_projection",
        "sampler": "reverse_sde",
        "N, m": [(32, 4000), (100, 4000), (316, 4000), (1000, 12_000), (3162, 24_000)],
        "h": Expr("6*(log(N)/N)^(1/k)"),
        "sigma_max": 2.0,
        "sigma_min": Expr("h/10"),
        "steps": 20,
    },
    seeds=10,
    quick={"N, m": [(32, 1000), (100, 1000), (316, 1000)]},
    quick_seeds=3,
    seed=20261123,
    registered=("2026-11-23", "73676b1"),
    claims=[
        Claim(
            metric="d2_res",
            predict={"D ~ N^-1/2 (d2 ~ N^-1)": -1.0, "D ~ N^-1 (d2 ~ N^-2)": -2.0},
            group_by=("sampler",),
            tolerance=0.5,
            rule="any",
            name="d2_coupled",
            posthoc=(
                "fitted on d2_res = max(d2, d2_floor), the unbiased d2 clipped at its floor, "
                "introduced (with m growing with N) after a first full run put D^2 at its floor "
                "from N = 1000 on; the registered claim (73676b1) was the same prediction on d2"
            ),
        ),
        Claim(
            metric="d2_res",
            predict={"O~(N^-1/2) bound (d2: -1)": -1.0, "O(N^-1) bound (d2: -2)": -2.0},
            group_by=("sampler",),
            tolerance=0.2,
            bound=True,
            rule="any",
            name="d2_coupled_bound",
            posthoc=(
                "added after registration (8bb0c1a) and, like the exact-exponent claim, fitted on "
                "d2_res = max(d2, d2_floor), the clipping introduced after a first full run put "
                "D^2 at its floor from N = 1000 on; first written on d2"
            ),
        ),
    ],
    figures=[alt_target_figure],
)
