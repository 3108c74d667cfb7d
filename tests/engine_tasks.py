"""Tasks for the engine's own tests (not studies): a metric with a known rate, and a task that
takes registered components by name."""

import numpy as np

from ratesim.study import build, task


@task(metrics=("value",), choices={"manifold": ("none",)})
def synthetic_power(
    *,
    N: int,
    slope: float,
    rng: np.random.Generator,
    C: float = 1.0,
    noise: float = 0.1,
    k: int = 1,
    manifold: str = "none",
) -> dict[str, float]:
    """``C N^slope exp(noise z)``, z standard normal: a metric with a known rate."""
    return {"value": float(C * N**slope * np.exp(noise * rng.standard_normal()))}


@task(metrics=("mean_norm",))
def component_task(
    *,
    N: int,
    rng: np.random.Generator,
    manifold: str = "sphere",
    density: str = "uniform",
    k: int = 1,
    d: int = 3,
    **components,
) -> dict[str, float]:
    """Mean norm of N samples of a registered manifold and density, built by name."""
    M = build("manifold", manifold, components, k=k, d=d)
    p = build("density", density, components)
    X = M.sample(N, p, rng=rng)
    return {"mean_norm": float(np.linalg.norm(X, axis=1).mean())}
