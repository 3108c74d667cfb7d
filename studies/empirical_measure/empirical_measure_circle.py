"""Empirical measure of N uniform angles on the circle: exact circular W1 decays like N^(-1/2).

k = 1 on a closed curve (E W1 ~ N^(-1/2), independent of the ambient d), with the exact circular
closed form W1 = min_c int |F_N - F - c| (Rabin, Delon, Gousseau 2011). An anchor (a textbook rate
the pipeline must reproduce), not a statement of the papers: -1/2 (k = 1); and a negative control,
the exponent -1/3 of the form N^(-1/k) at k >= 3, which the data must contradict. Both were
registered as one claim with two competing predictions (rule "any") and the control stated in
this docstring; on 2026-12-05 they became two claims (same predictions and tolerance), so that
the control's failure is checked instead of absorbed by the rule "any".
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
            name="w1",
            predict={"N^-1/2 (k=1)": "-1/(2*k)"},
            group_by=("k",),
            tolerance=0.12,
            role="anchor",
        ),
        Claim(
            metric="w1",
            name="w1 control N^-1/3",
            predict={"N^-1/3 (the k >= 3 form at k = 3)": -1 / 3},
            group_by=("k",),
            tolerance=0.12,
            role="control",
            expect="contradicted",
            evidence=(
                "built to fail: the slope -0.497 [-0.509, -0.484] (13 N from 16 to 65536, 40 "
                "seeds) lies below the band -1/3 +- 0.12 = [-0.453, -0.213]"
            ),
        ),
    ],
)
