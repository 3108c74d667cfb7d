"""Empirical measure of N uniform angles on the circle: exact circular W1 decays like N^(-1/2).

k = 1 on a closed curve (E W1 ~ N^(-1/2), independent of the ambient d), with the exact circular
closed form W1 = min_c int |F_N - F - c| (Rabin, Delon, Gousseau 2011). Two competing predictions
(rule "any": the claim holds if one does): -1/2 (k = 1) and -1/3 (the form N^(-1/k) of k >= 3),
which the data must contradict: a built-in negative control.
"""

from ratesim.study import Claim, Study

from .tasks import empirical_w_circle

STUDY = Study(
    name="empirical_measure_circle",
    task=empirical_w_circle,
    grid={
        "manifold": "circle",
        "k": 1,
        "d": 2,
        "density": "uniform",
        "N": [2**j for j in range(4, 17)],
    },
    seeds=40,
    quick={"N": [2**j for j in range(4, 13, 2)]},
    quick_seeds=12,
    seed=20261123,
    registered=("2026-11-23", "5d73a9b"),
    claims=[
        Claim(
            metric="w1",
            predict={"N^-1/2 (k=1)": "-1/(2*k)", "N^-1/3": -1 / 3},
            group_by=("k",),
            tolerance=0.12,
            rule="any",
        ),
    ],
)
