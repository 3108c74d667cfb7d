"""Input validation shared by the whole package.

Every public function validates before it computes; errors name the parameter, the value received
and what is allowed, so that nothing half-computed or NaN leaves ratesim.
"""

from __future__ import annotations

import numbers

import numpy as np

RNGLike = np.random.Generator | np.random.SeedSequence | int
"""A source of randomness: a ``numpy.random.Generator``, a ``SeedSequence`` or a non-negative int
seed (read by :func:`as_generator`). Every public function or estimator that draws random numbers
takes one as its required keyword argument ``rng``."""


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``."""


def as_points(x, name: str = "x", d: int | None = None, allow_empty: bool = False) -> np.ndarray:
    """Return ``x`` as a C-contiguous float64 array of shape (n, d), checked finite.

    A 1-D input is read as a single point. Float32 input is upcast (all kernels run in float64).
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise ValueError(f"{name} must be a real numeric array (got dtype {arr.dtype})")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d) (got shape {arr.shape})")
    if arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} must contain at least one point (got shape {arr.shape})")
    if d is not None and arr.shape[1] != d:
        raise ValueError(f"{name} must have d = {d} columns to match (got shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr).all(axis=1)))
        raise ValueError(f"{name} must be finite (got {bad} row(s) with NaN or inf)")
    return arr


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number (got {value!r})") from None
    ok = v >= 0 if allow_zero else v > 0
    if not np.isfinite(v) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound} (got {value!r})")
    return v


def check_int(value, name: str, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer (got {value!r})")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}] (got {value})")
    return value


def check_in_range(value, name: str, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as a float in the interval given (open or closed at each end)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number (got {value!r})") from None
    bad = np.isnan(v)
    if low is not None:
        bad |= v <= low if low_open else v < low
    if high is not None:
        bad |= v >= high if high_open else v > high
    if bad:
        lb = "(" if low_open else "["
        hb = ")" if high_open else "]"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be in {lb}{lo}, {hi}{hb} (got {value!r})")
    return v


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Accept a ``numpy.random.Generator``, a ``SeedSequence`` or an integer seed.

    ``None`` is refused: randomness in ratesim is always explicit.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"{name} must be a numpy.random.Generator, a SeedSequence or a non-negative int seed "
        f"(got {rng!r}); randomness is explicit in ratesim"
    )
