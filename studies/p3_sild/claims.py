"""The two claim shapes of the learned-chart SiLD studies: a rate in N per ambient dimension, and
flatness in d per sample size, both with the equivalence margin 0.15 on exponents."""

from ratesim.study import Claim

TOLERANCE = 0.15


def rate_in_n(metric: str, predict, name: str, **more) -> Claim:
    """``metric`` ~ N^p per d, p one of ``predict`` (competing: rule "any")."""
    return Claim(
        metric=metric, predict=predict, group_by=("d",), tolerance=TOLERANCE, rule="any",
        name=name, **more,
    )  # fmt: skip


def flat_in_d(metric: str, name: str, **more) -> Claim:
    """``metric`` ~ d^0 per N: the ambient dimension does not matter."""
    return Claim(
        metric=metric, predict={"d-free": 0.0}, on="d", group_by=("N",), tolerance=TOLERANCE,
        name=name, **more,
    )  # fmt: skip
