"""Empirical measure of N uniform points on [0, 1]: exact W1 and W2 to U[0, 1] decay like N^(-1/2).

The k = 1 anchor (Dudley; Weed & Bach 2019): E W_p(mu_N, mu) ~ N^(-1/2), here with exact closed
forms (no two-sample floor; see docs/measurement.md). A textbook rate the pipeline must
reproduce (role "anchor"), not a statement of the papers.
"""

from ratesim.study import Claim, Study

from .tasks import empirical_w_interval

STUDY = Study(
    name="empirical_measure_interval",
    task=empirical_w_interval,
    grid={"manifold": "interval", "k": 1, "density": "uniform", "N": [2**j for j in range(4, 17)]},
    seeds=40,
    quick={"N": [2**j for j in range(4, 13, 2)]},
    quick_seeds=12,
    seed=20261123,
    registered=("2026-11-23", "5d73a9b"),
    claims=[
        Claim(
            metric="w1",
            predict={"N^-1/2 (k=1)": -0.5},
            group_by=("k",),
            tolerance=0.12,
            role="anchor",
        ),
        Claim(
            metric="w2",
            predict={"N^-1/2 (k=1)": -0.5},
            group_by=("k",),
            tolerance=0.12,
            role="anchor",
        ),
    ],
)
