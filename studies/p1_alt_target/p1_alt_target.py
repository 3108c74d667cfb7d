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
  it is negative for some training sets once D^2 reaches the floor; the claim fits the log of the
  seed MEAN of d2 (E[d2] = D^2 > 0), which takes those values as they are. The task also returns
  ``d2_res`` = max(d2, d2_floor), which earlier versions fitted; it is no longer fitted (a
  clipped level gets a small spread and so the largest weight). Next to it: ``d2_plain``,
  the uncoupled unbiased U-statistic of the nu_N draws against the uniform law (floor
  sqrt(pi^4/90)/m = 1.04/m), its control on the nu_inf draws ``d2_plain_inf`` (must be ~ 0: an
  empirical check of the uniformity proof), and the exact circle W1 to uniform ``w1`` with its
  floor ``w1_floor`` (W1 of the m nu_inf draws, an exact uniform sample).

Claim (role "paper"): D^2 decays at least as fast as N^p, p = -1 (D ~ N^-1/2, O~(N^-1/2)) or p = -2
(D ~ N^-1, O(N^-1)), the papers' rates read as the upper bounds they are (``bound=True``:
consistent when the whole CI lies at or below p + tolerance), rule "any". Tolerance 0.2 in D^2
units (0.1 on the exponent of D): the "O~" of the first version allows a log factor; a (log N)^1
factor in D^2 moves the two-decade slope by 1 / ln(N) ~ 0.17 at the geometric middle N ~ 316 (log
factors bias two-decade fits; docs/measurement.md); h_N itself carries log N. The claim fits the
raw unbiased ``d2`` (log of the seed mean) with its floor declared (``floor="d2_floor"``): levels
whose mean lies below twice the floor leave the fit. Negative control (``control``): the same
sampler with a bandwidth that does not shrink with N (h = 0.5 at every N, cells told apart by m =
2000, the only m they use): the fitted projection keeps a bias of fixed size, so nu_N tends to a
law other than nu_inf and D^2 levels off (pilot with the control's schedule, sigma_min = 0.05, 2
training sets, m = 1000: 2.8e-3 at N = 32 and 1.4e-3 at N = 1000, a slope of -0.2; with sigma_min =
0.01, 1.5e-3 at N = 3162; floors ~ 1e-4), which must violate both bounds. The exact-exponent claim
of earlier versions (D^2 ~ N^-1 or N^-2 as equalities: a bound read as an equality, which a faster
decay "contradicted") was removed on 2026-12-05 (family README).

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

H_N = Expr("6*(log(N)/N)^(1/k)")  # the coarse bandwidth h_N = 6 log N / N
M_CONTROL = 2000  # m of the negative-control cells (fixed h = 0.5), used by no other cell
M_MAIN = [1000, 4000, 12_000, 24_000]  # m of the claim's own cells (quick and full)

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
        "N, m, h": [
            (32, 4000, H_N),
            (100, 4000, H_N),
            (316, 4000, H_N),
            (1000, 12_000, H_N),
            (3162, 24_000, H_N),
            *[(n, M_CONTROL, 0.5) for n in (32, 100, 316, 1000, 3162)],  # control: fixed h
        ],
        "sigma_max": 2.0,
        "sigma_min": Expr("h/10"),
        "steps": 20,
    },
    seeds=10,
    quick={"N, m, h": [(32, 1000, H_N), (100, 1000, H_N), (316, 1000, H_N)]},
    quick_seeds=3,
    seed=20261123,
    registered=("2026-11-23", "73676b1"),
    claims=[
        Claim(
            metric="d2",
            predict={"O~(N^-1/2) bound (d2: -1)": -1.0, "O(N^-1) bound (d2: -2)": -2.0},
            group_by=("sampler",),
            where={"m": M_MAIN},
            tolerance=0.2,
            bound=True,
            rule="any",
            floor="d2_floor",
            control={"m": M_CONTROL},
            role="paper",
            expect="floor-limited",
            evidence=(
                "the seed mean of d2 at N = 3162 (4.1e-8) lies within twice its floor (3.4e-8), "
                "leaving N = 32-1000, 1.49 decades (< 1.5); a fit on those four levels gives "
                "-2.44 [-3.58, -1.37]. The control cells (fixed h = 0.5) were added 2026-12-05 "
                "and have no data until the full run"
            ),
            name="d2_coupled_bound",
            posthoc=(
                "added after registration (8bb0c1a); m made to grow with N (02480fa) after a "
                "first full run put D^2 at its floor from N = 1000 on; the registered claim "
                "(73676b1) was d2 ~ N^-1 or N^-2 as exact exponents"
            ),
        ),
    ],
    figures=[alt_target_figure],
)
