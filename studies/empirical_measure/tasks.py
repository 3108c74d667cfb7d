"""Tasks of the empirical-measure anchors: exact Wasserstein distances of N uniform points to
their law, in one dimension (closed forms, no two-sample Monte-Carlo floor)."""

from __future__ import annotations

import numpy as np
from scipy.stats import uniform

from ratesim.metrics import wasserstein_1d_population, wasserstein_circle_uniform
from ratesim.study import task


def _sorted_unit(u) -> np.ndarray:
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 1 or u.size == 0:
        raise ValueError(f"u must be a non-empty 1-D array (got shape {u.shape})")
    if not np.all(np.isfinite(u)) or np.any(u < 0) or np.any(u > 1):
        raise ValueError(f"u must lie in [0, 1] and be finite (got min {u.min()}, max {u.max()})")
    return np.sort(u)


def w1_interval_uniform(u) -> float:
    """Exact W1(mu_N, U[0, 1]) of the empirical measure of points ``u`` (shape (N,)) in [0, 1]."""
    return wasserstein_1d_population(_sorted_unit(u), uniform(), p=1)


def w2_interval_uniform(u) -> float:
    """Exact W2(mu_N, U[0, 1]) of points ``u`` (shape (N,)); E W2^2 = 1/(6N) for uniform u."""
    return wasserstein_1d_population(_sorted_unit(u), uniform(), p=2)


def _check_label(name: str, value, allowed) -> None:
    if value != allowed:
        raise ValueError(f"{name} must be {allowed!r} for this task (got {value!r})")


@task(metrics=("w1", "w2"), choices={"manifold": ("interval",), "density": ("uniform",)})
def empirical_w_interval(
    *,
    N: int,
    rng: np.random.Generator,
    manifold: str = "interval",
    density: str = "uniform",
    k: int = 1,
) -> dict[str, float]:
    """W1 and W2 between the empirical measure of N uniform points on [0, 1] and U[0, 1]."""
    _check_label("k", k, 1)
    u = rng.uniform(size=N)
    return {"w1": w1_interval_uniform(u), "w2": w2_interval_uniform(u)}


@task(metrics=("w1",), choices={"manifold": ("circle",), "density": ("uniform",)})
def empirical_w_circle(
    *,
    N: int,
    rng: np.random.Generator,
    manifold: str = "circle",
    density: str = "uniform",
    k: int = 1,
    d: int = 2,
) -> dict[str, float]:
    """W1 (arc length) between the empirical measure of N uniform angles and the uniform law on
    the unit circle, by the circular closed form W1 = min_c int |F_N - F - c| (Rabin, Delon,
    Gousseau 2011, Thm 1)."""
    _check_label("k", k, 1)
    theta = rng.uniform(0.0, 2 * np.pi, size=N)
    return {"w1": wasserstein_circle_uniform(theta)}
