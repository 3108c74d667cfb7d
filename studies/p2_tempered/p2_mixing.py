"""P2 appendix D: double-well-corrupted circle: plain Langevin relaxes in exp(c/sigma), TS in O(1).

Li, Shen, Hsieh, He (2026), appendix D: with the corrupted score s - sigma^beta_err grad phi
(beta_err = -1, phi = (|x_1| - 1)^2, von Mises kappa = 4 data on the unit circle), the angle of
(TS) Langevin sees the potential V = -log m, m the exact angular marginal of its stationary law,
with barriers ~ sigma^(alpha + beta_err) between the wells at t = 0 and pi. The relaxation time
t_relax = 1 / lambda_1 of the reduced angle (``relaxation_time`` in this family's tasks: spectral
gap of the detailed-balance discretization, or the exact two-state mean-first-passage limit when
the gap is below double precision) is computed exactly, in the time of the SDE; the hat-form step
count is t_relax / (h sigma^(2 - alpha)), h = 0.1.

Claims (against sigma, 2 decades; deterministic, seeds = 1):
- alpha + beta_err < 0 (plain alpha = 0 and alpha = 0.5): log t_relax ~ sigma^(alpha + beta_err),
  i.e. exponential growth exp(c sigma^-1) for plain Langevin (the paper's Poincare constant
  exp(-c sigma^beta_err)) and exp(c sigma^-1/2) for alpha = 0.5. Tolerance 0.08: log t = barrier
  - O(1) (the von Mises tilt 2 kappa sigma^alpha between the wells and the log of the Kramers
  prefactor), an offset of about 10 % of log t at sigma = 0.01 that biases the local slope by as
  much and fades over the range.
- alpha >= -beta_err (alpha = 1, 1.5): t_relax bounded (slope 0; tolerance 0.02: its sigma^alpha
  corrections, measured local slopes below 0.01).
The step counts still grow like sigma^-(2 - alpha) for TS (time step dt = h sigma^(2-alpha)),
polynomially, against exp(c / sigma) for plain Langevin.

2026-12-05 (family README): margins re-registered as equivalence margins (0.08 + 0.1 = 0.18,
0.02 + 0.1 = 0.12); both claims test P2's appendix D (role "paper").
"""

from ratesim.study import Claim, Study

from .figures import mixing_figure
from .tasks import ts_mixing

STUDY = Study(
    name="p2_mixing",
    task=ts_mixing,
    grid={
        "manifold": "circle",
        "density": "von_mises",
        "density__kappa": 4.0,
        "c_err": 1.0,
        "beta_err": -1.0,
        "h": 0.1,
        "alpha": [0.0, 0.5, 1.0, 1.5],
        "sigma": [0.01, 0.003, 0.001, 3e-4, 1e-4],
    },
    seeds=1,
    quick={"alpha": [0.0, 1.0]},
    quick_seeds=1,
    seed=20261125,
    registered=("2026-11-23", "855687b"),
    claims=[
        Claim(
            metric="log_t_relax",
            name="log relaxation time, barrier regime",
            predict={"alpha+beta_err (Arrhenius)": "alpha+beta_err"},
            where={"alpha": [0.0, 0.5]},
            group_by=("alpha", "beta_err"),
            on="sigma",
            tolerance=0.18,
            role="paper",
        ),
        Claim(
            metric="t_relax",
            name="relaxation time, TS regime (bounded)",
            predict={"bounded": 0.0},
            where={"alpha": [1.0, 1.5]},
            group_by=("alpha", "beta_err"),
            on="sigma",
            tolerance=0.12,
            role="paper",
        ),
    ],
    figures=[mixing_figure],
)
