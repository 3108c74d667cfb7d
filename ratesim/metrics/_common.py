"""Validation helpers shared by the metrics (private)."""

from __future__ import annotations

import numpy as np

from .._validation import as_points

ScoreLike = object
"""A fitted score estimator with ``.score(x, sigma)`` or a callable ``score(x, sigma)``."""


def as_weights(a, n: int, name: str) -> np.ndarray:
    """Return probability weights of length n: uniform when ``a`` is None, else ``a`` normalized.

    Refuses wrong length, negative, non-finite or all-zero weights (a measure must have mass).
    """
    if a is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(a, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"{name} must be a 1-D array of length {n} (got shape {w.shape})")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} must be finite (got {int(np.sum(~np.isfinite(w)))} NaN/inf)")
    if np.any(w < 0):
        raise ValueError(f"{name} must be >= 0 (got min {w.min():.3g}): weights are masses")
    s = w.sum()
    if s <= 0:
        raise ValueError(f"{name} must have positive total mass (got sum {s:.3g})")
    return w / s


def as_angles(theta, name: str) -> np.ndarray:
    """Return angles as a finite 1-D float64 array (radians, any real value; read mod 2 pi)."""
    t = np.asarray(theta)
    if t.dtype == object or not (
        np.issubdtype(t.dtype, np.floating) or np.issubdtype(t.dtype, np.integer)
    ):
        raise ValueError(f"{name} must be a real numeric array (got dtype {t.dtype})")
    t = np.asarray(t, dtype=np.float64)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(f"{name} must be 1-D (got shape {t.shape})")
    if t.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one value (got an empty array)")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"{name} must be finite (got {int(np.sum(~np.isfinite(t)))} NaN/inf)")
    return t


def as_pair(X, Y, xname: str = "X", yname: str = "Y") -> tuple[np.ndarray, np.ndarray]:
    """Two point clouds with the same number of columns."""
    X = as_points(X, xname)
    Y = as_points(Y, yname)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"{xname} and {yname} must have the same dimension (got {X.shape[1]} and {Y.shape[1]})"
        )
    return X, Y


def check_p(p) -> float:
    try:
        v = float(p)
    except (TypeError, ValueError):
        raise ValueError(f"p must be a real number >= 1 (got {p!r})") from None
    if not np.isfinite(v) or v < 1:
        raise ValueError(f"p must be finite and >= 1 (got {p!r}): W_p is a metric only for p >= 1")
    return v


def manifold_points(manifold, samples, name: str = "samples") -> np.ndarray:
    """Samples as (n, d) points matching the manifold's ambient dimension."""
    return as_points(samples, name, d=manifold.d)
