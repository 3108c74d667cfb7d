"""What the registered studies of the P1 headline family share: the sampler settings of their
grids, and their level claims (a metric of one method at most a stated value at every N, with its
Monte-Carlo floor and a control method that must violate the bound)."""

from ratesim.study import Claim

BY_BETA = ("manifold__beta",)
# m generated samples from the reverse VE SDE, sigma_max -> h_N / 10 in ``steps`` geometric steps;
# the coverage scale at c on ``n_grid`` points (family README, "Registered design")
SAMPLER = {"m": 10_000, "sigma_max": 10.0, "steps": 100, "c": 2.0, "n_grid": 1024}
QUICK_SAMPLER = {"m": 500, "steps": 20, "n_grid": 128}


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


def finer_than_training_set_half(why: str, **more) -> Claim:
    """B's coverage scale delta*(2) at most half the training set's at every N, the memorizing
    empirical score as the control (ratio about 1)."""
    return level_bound(
        "cover_vs_emp",
        {"at most half the training set's scale": 0.5},
        "B",
        "empirical",
        "finer_than_training_set_half",
        "paper",
        why,
        **more,
    )


def sampler_error(bound: float, label: str, why: str) -> Claim:
    """The exact score through the same sampler (``oracle``) meets ``bound`` on log c(0.3) at
    every N, reading A as the control."""
    return level_bound("log_c_r030", {label: bound}, "oracle", "A", "sampler_error", "anchor", why)
