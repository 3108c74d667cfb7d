"""Numba cores of the samplers: fused, in-place update steps over all chains.

The updates are memory bound (a few flops per number loaded), so they run serially over the flat
(n * d) buffers: one pass, no temporaries, vectorized by LLVM. Measured on the shared 2-core
machine (benchmarks/samplers.md, best of 7 blocks) the fused loop is 1.0-1.6x faster than the
NumPy expression ``x += a*u + b*v``, and a ``prange`` version lost to thread contention. Either
way the updates take < 0.2 % of a sampler's time, which is spent in the score (the kernel engine
owns the threads). The results do not depend on the thread count. Noise is drawn by NumPy in the
caller. ``out`` may alias ``x``. Plain NumPy twins live in ``tests/naive_samplers.py``.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit

from .._config import FASTMATH, NUMBA_CACHE

# With NUMBA_DISABLE_JIT=1 (the coverage run) the loops below are plain Python: large arrays then
# take the equivalent NumPy expression instead, small ones still run the loop bodies.
_PY_LOOP_LIMIT = 4096 if numba.config.DISABLE_JIT else None


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _axpy(x, a, u, out):  # pragma: no cover - compiled
    """out = x + a u (flat float64 arrays)."""
    for i in range(x.size):
        out[i] = x[i] + a * u[i]


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _lincomb2(x, a, u, b, v, out):  # pragma: no cover - compiled
    """out = x + a u + b v (Euler-Maruyama, exponential and Heun steps; flat arrays)."""
    for i in range(x.size):
        out[i] = x[i] + a * u[i] + b * v[i]


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _lincomb3(x, a, u, b, v, c, w, out):  # pragma: no cover - compiled
    """out = x + a u + b v + c w (posterior Langevin: prior score, likelihood, noise)."""
    for i in range(x.size):
        out[i] = x[i] + a * u[i] + b * v[i] + c * w[i]


def _flat(a: np.ndarray) -> np.ndarray:
    if a.dtype != np.float64 or not a.flags.c_contiguous:
        raise ValueError("sampler kernels need C-contiguous float64 arrays (internal error)")
    return a.reshape(-1)


def _numpy_path(x) -> bool:
    return _PY_LOOP_LIMIT is not None and x.size > _PY_LOOP_LIMIT


def axpy(x, a, u, out) -> None:
    """out = x + a u for (n, d) arrays (``out`` may be ``x``)."""
    if _numpy_path(x):
        out[...] = x + a * u
        return
    _axpy(_flat(x), float(a), _flat(u), _flat(out))


def lincomb2(x, a, u, b, v, out) -> None:
    """out = x + a u + b v for (n, d) arrays (``out`` may be ``x``)."""
    if _numpy_path(x):
        out[...] = x + a * u + b * v
        return
    _lincomb2(_flat(x), float(a), _flat(u), float(b), _flat(v), _flat(out))


def lincomb3(x, a, u, b, v, c, w, out) -> None:
    """out = x + a u + b v + c w for (n, d) arrays (``out`` may be ``x``)."""
    if _numpy_path(x):
        out[...] = x + a * u + b * v + c * w
        return
    _lincomb3(_flat(x), float(a), _flat(u), float(b), _flat(v), float(c), _flat(w), _flat(out))
