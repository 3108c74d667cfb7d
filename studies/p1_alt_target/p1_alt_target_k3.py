"""P1 near-parametric rate toward the target at k = 3, registered: does a score learned at coarse
noise converge to its target law at O~(N^(-1/2)) where the empirical measure only reaches
N^(-1/3)?

P1 (Shen, Hsieh, He, arXiv 2603.23792; docs/science.md) states that coarse scores reach a
near-parametric rate toward a target law other than mu_data. At k = 1 and 2 that bound cannot
fail for any sampler that reproduces the training set (the empirical measure converges in W1 at
N^(-1/2) up to logs there), and the family's other studies test a density-blind target. Here:

- M = the flat torus T^3 in R^6 (k = 3, exact projection), mu_data = product von Mises
  (kappa = 1, mean 0; max/min density e^6), whose noisy score is closed form
  (:class:`ratesim.scores.OracleScore`);
- target nu_inf (reading B of the P1 headline family with the switching scale sigma_0): the
  population score at sigma >= sigma_0, the exact geometry-only score (P_M(x) - x) / sigma^2
  below; it keeps mu_data's density at scales above sigma_0;
- ``B0``: the same, with the population score replaced by the score of the empirical measure
  smoothed at each noise level (the exact minimizer of the denoising score-matching loss), so its
  error is estimation error alone;
- control ``empirical``: the empirical score at every noise level down to sigma_min = 1e-3, far
  below the sample spacing (about 0.13 at N = 1e5): it memorizes (the empirical measure, whose
  W1 rate at k = 3 is N^(-1/3));
- reverse VE SDE, sigma 10 -> 1e-3 in 100 geometric steps, Tweedie end; each method's m = 2000
  chains share every random number with the target's chains (synchronous coupling), and the
  metric is ``coupled`` = mean |Y_N - Y_inf|, an upper bound on W1(nu_N, nu_inf) with no floor of
  the two-sample kind (identical scores give 0); ``coupled_se`` (its error over the m pairs) is
  declared as the floor.

Grid: sigma_0 in {0.5, 0.3, 0.15} (fixed targets) and N^(-1/7) (the scale shrinking with N that the
P1 headline family uses: 0.44 at N = 316, 0.19 at 1e5); N = 316 ... 1e5 in half decades (6
levels, 2.5 decades); 10 training sets per N.

Claim ``near_parametric`` (paper, B0, per sigma_0): ``coupled`` decays at least as fast as
N^(-1/2), read as the upper bound an O~ rate is: the fitted exponent's CI at or below -1/2 + 0.1.
Tolerance 0.1: a (log N)^a factor with a <= 1 changes the slope over N = 316 ... 1e5 by at most
1 / ln(5600) = 0.12 (geometric middle of the range). Control: the memorizing empirical score
(same sigma_0 group, i.e. coupled to the same target), which must violate the bound.

Pilot (3 training sets per N, m = 2000; none of it enters the verdicts; seconds per cell on one
core): B0's coupled distance 0.200, 0.068, 0.022, 0.0122 (sigma_0 = 0.5), 0.335, 0.114, 0.036,
0.0197 (0.3), 0.473, 0.169, 0.053, 0.0296 (0.15) at N = 316, 3162, 31623, 1e5: local slopes -0.45
to -0.52, steepening with N; the empirical control 0.64, 0.32, 0.17, 0.136: -0.30, -0.28, -0.19
(flattening at 1e5); under the shrinking sigma_0 = N^(-1/7), B0 0.221, 0.107, 0.044, 0.0253:
local slopes -0.32, -0.39, -0.47. Cost 0.2 s (N = 316) to 9-15 s (N = 1e5) per cell.

Predictions (registered with the design): ``near_parametric`` *consistent* at sigma_0 = 0.5, 0.3
and 0.15 (pilot fits about -0.49 to -0.50), the control violating the bound in each group (about
-0.26). Under the shrinking sigma_0 = N^(-1/7) the constant grows as sigma_0 shrinks (the pilot's
constants scale about as sigma_0^(-0.8) at N = 1e5), so the exponent is about -1/2 + 0.8/7 = -0.39,
and the pilot's local slopes (-0.32 ... -0.47) average about -0.40: *inconclusive* against -0.4
(contradicted if the CI ends up above it). What the verdicts will mean: consistent at fixed
sigma_0 says the coarse score converges to its (density-aware) target near-parametrically at
k = 3, where the empirical measure cannot (its exponent is the control's); a violation under the
shrinking scale says the rate holds toward a fixed coarse target, not toward one that resolves
finer scales as N grows.
"""

from ratesim.study import Claim, Study

from .torus import SHRINKING, alt_target_torus

STUDY = Study(
    name="p1_alt_target_k3",
    task=alt_target_torus,
    grid={
        "manifold": "flat_torus",
        "manifold__seed": None,
        "k": 3,
        "d": 6,
        "density": "von_mises",
        "density__kappa": 1.0,
        "method": ["B0", "empirical"],
        "sigma_0": [0.5, 0.3, 0.15, SHRINKING],
        "m": 2000,
        "sigma_max": 10.0,
        "sigma_min": 1e-3,
        "steps": 100,
        "N": [316, 1000, 3162, 10000, 31623, 100000],
    },
    seeds=10,
    quick={"N": [316, 1000, 3162], "m": 500, "sigma_0": [0.3, SHRINKING]},
    quick_seeds=2,
    seed=20261207,
    registered=("2026-12-06", "bd23662"),
    claims=[
        Claim(
            metric="coupled",
            predict={"O~(N^-1/2) bound": -0.5},
            group_by=("sigma_0",),
            where={"method": "B0"},
            tolerance=0.1,
            bound=True,
            floor="coupled_se",
            control={"method": "empirical"},
            role="paper",
            name="near_parametric",
            expect={f"sigma_0={SHRINKING}": "inconclusive"},
            evidence="full run of 2026-12-06: under the shrinking sigma_0 = N^(-1/7) the fitted "
            "exponent is -0.397 [-0.418, -0.374], straddling -0.4 (local slopes -0.34 ... -0.45, "
            "steepening with N), as predicted; the fixed sigma_0 = 0.5, 0.3, 0.15 give -0.477 "
            "[-0.490, -0.464], -0.494 [-0.507, -0.481], -0.478 [-0.487, -0.469] (consistent) and "
            "the memorizing control -0.11 ... -0.32 violates the bound in every group",
            why="P1's near-parametric rate toward its target, at k = 3 where the empirical "
            "measure's N^(-1/3) cannot meet it; the memorizing score is the control",
        ),
    ],
)
