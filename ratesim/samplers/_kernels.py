"""Numba cores of the samplers: fused, in-place update steps over all chains.

The updates are memory bound (a few flops per loaded number), so they run serially: measured on the
2-core machine, a fused serial loop takes 0.36 ms for 1e5 x 2 chains against 3.4 ms for the NumPy
expression (temporaries) and 8.9 ms for a ``prange`` version under load (thread contention); see
benchmarks/samplers.md. The threads go to the score evaluation (the kernel engine). Results thus do
not depend on the thread count. Noise is drawn by NumPy in the wrapper. ``out`` may alias ``x``.
Plain NumPy twins live in ``tests/naive_samplers.py``.
"""

from __future__ import annotations

from numba import njit

from .._config import FASTMATH, NUMBA_CACHE


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _axpy(x, a, u, out):  # pragma: no cover - compiled
    """out = x + a u."""
    n, d = x.shape
    for i in range(n):
        for j in range(d):
            out[i, j] = x[i, j] + a * u[i, j]


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _lincomb2(x, a, u, b, v, out):  # pragma: no cover - compiled
    """out = x + a u + b v (Euler-Maruyama, exponential and Heun steps)."""
    n, d = x.shape
    for i in range(n):
        for j in range(d):
            out[i, j] = x[i, j] + a * u[i, j] + b * v[i, j]


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _lincomb3(x, a, u, b, v, c, w, out):  # pragma: no cover - compiled
    """out = x + a u + b v + c w (posterior Langevin: prior score, likelihood, noise)."""
    n, d = x.shape
    for i in range(n):
        for j in range(d):
            out[i, j] = x[i, j] + a * u[i, j] + b * v[i, j] + c * w[i, j]
