"""The level claims of the P1 headline family: a metric of one method at most a stated value at
every N, with its Monte-Carlo floor and a control method that must violate the bound."""

from ratesim.study import Claim

BY_BETA = ("manifold__beta",)


def level_bound(metric, predict, method, control, name, role, why, **more) -> Claim:
    """``metric`` of ``method`` at most the predicted value at every N (per beta), with its
    floor (``<metric>_floor``, m fresh draws from mu_data) and ``control`` as the method that
    must violate the bound; ``more``: ``expect`` / ``evidence`` as measured by the full run, or
    ``posthoc``."""
    return Claim(
        metric=metric,
        predict=predict,
        form="level",
        bound=True,
        tolerance=0.0,
        group_by=BY_BETA,
        where={"method": method},
        control={"method": control},
        floor=f"{metric}_floor",
        name=name,
        role=role,
        why=why,
        **more,
    )
