"""Compiled closed forms of von Mises-Fisher laws on spheres: Bessel ratios, log normalizers, and
the score and log-density of vMF * N(0, sigma^2 I).

On the sphere S^(m-1) (the circle is m = 2) every closed form of the oracle needs the modified
Bessel functions of order nu = m/2 - 1 through two quantities:

- the ratio A_nu(z) = I_(nu+1)(z) / I_nu(z) (score, posterior mean; :func:`bessel_ratio`), and
- log(I_nu(z) e^(-z)) (log-density; :func:`log_ive`).

Numba cores evaluate both per point to a few ulps for every z >= 0 (tests/test_exact_vmf.py:
against mpmath at 40 digits for z in [1e-8, 1e12], at most 1.5 ulps for the ratio and 3.8 eps
max(1, |value|) for the log, nu <= 49; scipy's ``ive`` errs by up to ~50 ulps, loses accuracy
above z ~ 1e7 and is NaN above ~4e9):

- z >= Z1 (20 for nu <= 3; 49 and 222 at nu = 9.5, growing like 5 nu for the ratio and
  2.5 nu^2 for log I): asymptotic series in w = 1/z. For the ratio its own series
  A_nu = sum_n c_n w^n, whose coefficients follow from the Riccati equation
  A' = 1 - A^2 - (2 nu + 1) A / z: c_0 = 1, c_n = ((n - 2 - 2 nu) c_(n-1) -
  sum_(j=1..n-1) c_j c_(n-j)) / 2 (c_1 = -(2 nu + 1) / 2). For log I the Hankel series
  sqrt(2 pi z) I_nu(z) e^(-z) = sum_n a_n w^n, a_n = -a_(n-1) (4 nu^2 - (2n - 1)^2) / (8 n)
  (Abramowitz-Stegun 9.7.1), through log1p. The coefficients are exact rationals (nu = m/2 - 1
  is one) rounded once. A point sums 16 terms where 16 suffice (z >= 31 for nu <= 1: the fixed
  count lets the score kernel batch the points), else the fewest terms whose next two are below
  eps/16 (Horner, smallest first). Z1 is the smallest z from which such a truncation exists
  within 48 terms with sum |terms| <= 1.5 |sum| (no cancellation); both series omit terms of
  relative size e^(-2z), below eps/16 for z >= 20.
- z < Z1: the ratio by the backward recurrence of Gauss' continued fraction
  z A_mu = z^2 / (2 (mu + 1) + z A_(mu+1)), started from 0 at depth 7 sqrt(z) + 8. A backward
  step multiplies the error of its tail by A_mu^2 ~ exp(-2 (mu + 1/2) / z), so the start error is
  damped by about exp(-49); the depth the last bit needs, measured against mpmath, is
  6.0-6.7 sqrt(z) for z >= 5 and at most 12 below. The score needs A_nu(z) / z =
  1 / (2 (nu + 1) + z A_(nu+1)): no division by z, 1/m at z = 0. log I_nu: the base order
  nu0 = nu - floor(nu) in [0, 1) by its power series I_nu0(z) = (z/2)^nu0 sum_k (z^2/4)^k /
  (k! Gamma(nu0 + k + 1)) with e^(-z) folded into the first term (positive terms, z < 20) or its
  Hankel series, times the ratios A_mu, mu = nu0 ... nu - 1, of one backward pass of the
  continued fraction (summed as logs).

The fused kernels compute, per query x in R^d with native coordinates y = x F (F the (d, m)
isometry of the sphere) and v = y / sigma^2 + a (a = kappa mu the natural parameter), z = |v|:

    score        s(x) = ((A_nu(z) / z) v F^T - x) / sigma^2
    log-density  log p_sigma(x) = -d/2 log(2 pi sigma^2) - (|y| - 1)^2 / (2 sigma^2) + delta
                 + log c0 + m/2 log(2 pi) + log(I_nu(z) z^(-nu) e^(-z))
                 - |x - y F^T|^2 / (2 sigma^2)

with delta = z - (|y|^2 + 1) / (2 sigma^2) + (|y| - 1)^2 / (2 sigma^2) = (2 y.a / sigma^2 + |a|^2)
/ (z + |y| / sigma^2) (docs/science.md, the exact references): no term of size z = 1/sigma^2 is
added and subtracted, so the log-density keeps its digits at small sigma (the NumPy formula
before these kernels added and removed z: 1e-8 relative error at sigma = 1e-4). Both are the
formulas of :class:`ratesim.scores.OracleScore` (its ``closed_form`` method), each query on its
own (results do not depend on the batch or the thread count), in parallel over blocks of
queries. Plain NumPy twins: tests/naive_vmf.py.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numba
import numpy as np
from numba import njit, prange

from .._config import FASTMATH, NUMBA_CACHE
from .._validation import as_points, check_positive

__all__ = ["bessel_ratio", "log_ive", "vmf_smoothed_log_density", "vmf_smoothed_score"]

_K_MAX = 48  # terms of the asymptotic series
_K_FAST = 16  # terms used wherever they suffice (z >= 31 for nu <= 1): a fixed count vectorizes
_BLOCK = 256  # points per block of the fused score kernel
_PARALLEL_MIN = 8 * _BLOCK  # fewer queries run on one thread (measured: a 2-thread launch costs
# more than 1000 circle queries, 11 us on one core; and far more on a loaded machine)
_TOL = np.finfo(np.float64).eps / 16  # first omitted terms below this (relative)
_Z_FLOOR = 20.0  # e^(-2 z) < _TOL beyond: the part the asymptotic series omit
_CANCEL = 1.5  # sum of |terms| / |sum| allowed in a truncated series (rounding amplification)
# table rows: coefficients and thresholds of the ratio's series, of the Hankel series of order nu
# and of the base order nu - floor(nu); column 0 of a threshold row is Z1 of that series
_RC, _RT, _LC, _LT, _HC, _HT = 0, 1, 2, 3, 4, 5
_LN2 = math.log(2.0)


def _ratio_coefficients(nu: Fraction) -> list[Fraction]:
    c = [Fraction(1)]
    for n in range(1, _K_MAX + 2):
        s = sum((c[j] * c[n - j] for j in range(1, n)), Fraction(0))
        c.append(((n - 2 - 2 * nu) * c[n - 1] - s) / 2)
    return c


def _hankel_coefficients(nu: Fraction) -> list[Fraction]:
    mu = 4 * nu * nu
    a = [Fraction(1)]
    for n in range(1, _K_MAX + 2):
        a.append(-a[-1] * (mu - (2 * n - 1) ** 2) / (8 * n))
    return a


def _thresholds(coef: np.ndarray) -> np.ndarray:
    """thr[k] (k >= 1): the z from which the terms k and k + 1 are both below _TOL (so terms
    0..k-1 suffice); thr[0]: Z1, the smallest z >= _Z_FLOOR from which every point has such a
    k <= _K_MAX with sum_(j<k) |c_j z^(-j)| <= _CANCEL |sum_(j<k) c_j z^(-j)| (checked on a grid
    1 % apart: at fixed k both conditions only get easier as z grows)."""
    K = _K_MAX
    mag = np.abs(coef)
    with np.errstate(divide="ignore"):
        zk = np.where(mag > 0, (mag / _TOL) ** (1.0 / np.maximum(np.arange(K + 2), 1)), 0.0)
    thr = np.empty(K + 1)
    thr[1:] = np.maximum(zk[1 : K + 1], zk[2 : K + 2])
    grid = _Z_FLOOR * 1.01 ** np.arange(0, 1400)  # 20 .. 2e7
    ok = np.zeros(grid.size, dtype=bool)
    for i, z in enumerate(grid):
        k = int(np.argmax(thr[1:] <= z)) + 1 if np.any(thr[1:] <= z) else 0
        if k:
            terms = coef[:k] * z ** -np.arange(k, dtype=float)
            ok[i] = np.sum(np.abs(terms)) <= _CANCEL * abs(np.sum(terms))
    if not ok[-1]:
        raise ValueError("the asymptotic series need z > 2e7 at this order (internal limit)")
    bad = np.flatnonzero(~ok)
    thr[0] = grid[bad[-1] + 1] if bad.size else _Z_FLOOR
    return thr


@functools.lru_cache(maxsize=64)
def _tables(nu: float) -> np.ndarray:
    """(6, _K_MAX + 1) series coefficients and thresholds (module docstring)."""
    q = Fraction(nu)
    q0 = q - int(q)
    tab = np.empty((6, _K_MAX + 1))
    series = (
        (_RC, _ratio_coefficients(q)),
        (_LC, _hankel_coefficients(q)),
        (_HC, _hankel_coefficients(q0)),
    )
    for row, coefs in series:
        c = np.array([float(x) for x in coefs])
        tab[row] = c[: _K_MAX + 1]
        tab[row + 1] = _thresholds(c)
    if tab[_HT, 0] > 40.0:  # the power series of the base order runs below it
        raise ValueError(
            f"Z1 of the base order {float(q0)} is {tab[_HT, 0]:.3g} (internal limit 40)"
        )
    tab.setflags(write=False)
    return tab


def check_order(nu) -> float:
    """Validate a Bessel order nu >= 0 (the spheres use nu = m/2 - 1)."""
    v = check_positive(nu, "nu", allow_zero=True)
    if v > 1000.0:
        raise ValueError(
            f"nu must be <= 1000 (got {nu!r}): the cores are built for the spheres' orders "
            "m/2 - 1; their cost grows like nu for the ratio and nu^2 for log I"
        )
    return v


def tables_for(nu: float) -> np.ndarray:
    """The read-only table of order ``nu`` passed to the cores (cached per order)."""
    return _tables(float(nu))


# ---------------------------------------------------------------------------------------------
# scalar cores


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _series_tail(tab, rc, z):  # pragma: no cover - compiled
    """sum_(j=1..k-1) c_j z^(-j), c = tab[rc]: k = _K_FAST where that many terms suffice, else the
    fewest terms the thresholds tab[rc + 1] allow (needs z >= tab[rc + 1, 0]). Rows are indexed,
    never sliced: a slice per point costs reference counting, shared between threads."""
    if z >= tab[rc + 1, _K_FAST]:
        k = _K_FAST
    else:
        k = 1
        while z < tab[rc + 1, k]:
            k += 1
    w = 1.0 / z
    s = 0.0
    for j in range(k - 1, 0, -1):
        s = (s + tab[rc, j]) * w
    return s


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _cf_tail(nu, z):  # pragma: no cover - compiled
    """z A_(nu+1)(z) by the backward continued fraction (z < Z1)."""
    z2 = z * z
    t = 0.0
    for j in range(int(7.0 * math.sqrt(z)) + 8, 1, -1):
        t = z2 / (2.0 * (nu + j) + t)
    return t


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _ratio_over_z(nu, z, tab):  # pragma: no cover - compiled
    """A_nu(z) / z = I_(nu+1)(z) / (z I_nu(z)) for z >= 0 (1 / (2 nu + 2) at z = 0)."""
    if z != z:
        return z
    if z >= tab[_RT, 0]:
        return (1.0 + _series_tail(tab, _RC, z)) * (1.0 / z)  # as the score kernel's batch pass
    return 1.0 / (2.0 * (nu + 1.0) + _cf_tail(nu, z))


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _ratio(nu, z, tab):  # pragma: no cover - compiled
    """A_nu(z) = I_(nu+1)(z) / I_nu(z) for z >= 0."""
    if z != z:
        return z
    if z >= tab[_RT, 0]:
        return 1.0 + _series_tail(tab, _RC, z)
    return z / (2.0 * (nu + 1.0) + _cf_tail(nu, z))


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _log_ive_base(nu0, z, tab, znu):  # pragma: no cover - compiled
    """log(I_nu0(z) e^(-z)) (or with z^(-nu0) when znu) for the base order nu0 = nu - floor(nu)
    in [0, 1): the Hankel series (z >= its Z1 = 20) or the power series (< 40 positive terms)."""
    if z >= tab[_HT, 0]:
        r = math.log1p(_series_tail(tab, _HC, z)) - 0.5 * math.log(2.0 * math.pi * z)
        return r - nu0 * math.log(z) if znu else r
    q = 0.25 * z * z
    t = math.exp(-z)
    s = t
    k = 0
    while True:
        k += 1
        f = q / (k * (nu0 + k))
        t *= f
        s += t
        if t <= _TOL * s and f < 0.5:  # the rest is below t (its ratios are < 1/2)
            break
    r = math.log(s) - math.lgamma(nu0 + 1.0)
    if znu:
        return r - nu0 * _LN2
    return r + nu0 * math.log(0.5 * z) if nu0 > 0.0 else r


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _log_ive(nu, z, tab, znu):  # pragma: no cover - compiled
    """log(I_nu(z) e^(-z)) for z >= 0, or log(I_nu(z) z^(-nu) e^(-z)) when znu.

    z >= Z1(nu): the Hankel series of order nu. Below: the base order nu0 = nu - floor(nu) times
    the ratios A_mu = I_(mu+1) / I_mu, mu = nu0, ..., nu - 1, all from one backward pass of the
    continued fraction (A_mu / z = 1 / (2 (mu + 1) + z A_(mu+1))), summed as logs of A_mu / z
    (znu) or of A_mu (no large terms cancel either way).
    """
    if z != z:
        return z
    if z >= tab[_LT, 0]:
        r = math.log1p(_series_tail(tab, _LC, z)) - 0.5 * math.log(2.0 * math.pi * z)
        return r - nu * math.log(z) if znu else r
    n_up = int(nu)
    nu0 = nu - n_up
    if n_up > 0 and z == 0.0 and not znu:
        return -math.inf  # I_nu(0) = 0 for nu >= 1
    r = _log_ive_base(nu0, z, tab, znu)
    z2 = z * z
    t = 0.0
    for j in range(n_up + int(7.0 * math.sqrt(z)) + 8 if n_up > 0 else 0, 0, -1):
        den = 2.0 * (nu0 + j) + t  # 2 (mu + 1) + z A_(mu+1) for mu = nu0 + j - 1
        if j <= n_up:
            r += -math.log(den) if znu else math.log(z / den)
        t = z2 / den
    return r


# ---------------------------------------------------------------------------------------------
# array kernels


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _ratio_kernel(nu, z, tab, over_z, out):  # pragma: no cover - compiled
    """out[i] = A_nu(z[i]) (or A_nu(z[i]) / z[i] when over_z)."""
    for i in prange(z.shape[0]):
        out[i] = _ratio_over_z(nu, z[i], tab) if over_z else _ratio(nu, z[i], tab)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _log_ive_kernel(nu, z, tab, out):  # pragma: no cover - compiled
    """out[i] = log(I_nu(z[i]) e^(-z[i]))."""
    for i in prange(z.shape[0]):
        out[i] = _log_ive(nu, z[i], tab, False)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _score_kernel(x, ft, a, s2, nu, tab, v, zb, rb, out):  # pragma: no cover - compiled
    """out = ((A_nu(z) / z) v F^T - x) / s2 with v = x F / s2 + a, z = |v| (ft = F^T, (m, d)).

    Blocks of _BLOCK points, each in four passes: v and z, A_nu(z) / z by the fixed
    _K_FAST-term series for every point (the arithmetic of :func:`_ratio_over_z` there), the
    points below that range again by :func:`_ratio_over_z`, the output. m = 3 has explicit
    three-component code (loops over m this short cost 2-3x; the circle comes padded with a zero
    row of ft and of a, which adds exact zeros). Scratch: v (n, m), zb and rb (n,).
    """
    n, d = x.shape
    m = ft.shape[0]
    zfast = max(tab[_RT, 0], tab[_RT, _K_FAST])
    for b in prange((n + _BLOCK - 1) // _BLOCK):
        lo = b * _BLOCK
        hi = min(n, lo + _BLOCK)
        if m == 3:
            for i in range(lo, hi):
                y0 = 0.0
                y1 = 0.0
                y2 = 0.0
                for c in range(d):
                    y0 += x[i, c] * ft[0, c]
                    y1 += x[i, c] * ft[1, c]
                    y2 += x[i, c] * ft[2, c]
                v0 = y0 / s2 + a[0]
                v1 = y1 / s2 + a[1]
                v2 = y2 / s2 + a[2]
                v[i, 0] = v0
                v[i, 1] = v1
                v[i, 2] = v2
                zb[i] = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        else:
            for i in range(lo, hi):
                z2 = 0.0
                for j in range(m):
                    yj = 0.0
                    for c in range(d):
                        yj += x[i, c] * ft[j, c]
                    vj = yj / s2 + a[j]
                    v[i, j] = vj
                    z2 += vj * vj
                zb[i] = math.sqrt(z2)
        for i in range(lo, hi):
            w = 1.0 / zb[i]
            t = 0.0
            for j in range(_K_FAST - 1, 0, -1):
                t = (t + tab[_RC, j]) * w
            rb[i] = (1.0 + t) * w
        for i in range(lo, hi):
            if not zb[i] >= zfast:  # also NaN
                rb[i] = _ratio_over_z(nu, zb[i], tab)
        if m == 3:
            for i in range(lo, hi):
                rv0 = rb[i] * v[i, 0]
                rv1 = rb[i] * v[i, 1]
                rv2 = rb[i] * v[i, 2]
                for c in range(d):
                    out[i, c] = (rv0 * ft[0, c] + rv1 * ft[1, c] + rv2 * ft[2, c] - x[i, c]) / s2
        else:
            for i in range(lo, hi):
                for c in range(d):
                    acc = 0.0
                    for j in range(m):
                        acc += v[i, j] * ft[j, c]
                    out[i, c] = (rb[i] * acc - x[i, c]) / s2


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _log_density_kernel(x, frame, a, s2, nu, tab, const, v, out):  # pragma: no cover - compiled
    """out = log p_sigma(x) (module docstring) with the x-independent terms in const (v: scratch
    for the native coordinates y)."""
    n, d = x.shape
    m = frame.shape[1]
    aa = 0.0
    for j in range(m):
        aa += a[j] * a[j]
    for i in prange(n):
        z2 = 0.0
        ny2 = 0.0
        ya = 0.0
        for j in range(m):
            yj = 0.0
            for c in range(d):
                yj += x[i, c] * frame[c, j]
            v[i, j] = yj
            vj = yj / s2 + a[j]
            z2 += vj * vj
            ny2 += yj * yj
            ya += yj * a[j]
        z = math.sqrt(z2)
        ny = math.sqrt(ny2)
        den = z + ny / s2
        delta = (2.0 * ya / s2 + aa) / den if den > 0.0 else 0.0
        res2 = 0.0
        for c in range(d):
            rc = x[i, c]
            for j in range(m):
                rc -= v[i, j] * frame[c, j]
            res2 += rc * rc
        out[i] = (
            const
            - (ny - 1.0) ** 2 / (2.0 * s2)
            + delta
            + _log_ive(nu, z, tab, True)
            - res2 / (2.0 * s2)
        )


# ---------------------------------------------------------------------------------------------
# thin API


def _launch(kernel, n: int, *args) -> None:
    """Run a parallel kernel, on one thread when n < _PARALLEL_MIN."""
    threads = numba.get_num_threads()
    if n >= _PARALLEL_MIN or threads == 1:
        kernel(*args)
        return
    numba.set_num_threads(1)
    try:
        kernel(*args)
    finally:
        numba.set_num_threads(threads)


def _as_z(z) -> tuple[np.ndarray, tuple]:
    arr = np.asarray(z, dtype=np.float64)
    bad = ~(arr >= 0)  # also NaN
    if np.any(bad):
        raise ValueError(f"z must be >= 0 and not NaN (got {arr[bad].ravel()[0]!r})")
    if np.any(np.isinf(arr)):
        raise ValueError("z must be finite (got inf)")
    return np.ascontiguousarray(arr.ravel()), arr.shape


def bessel_ratio(nu: float, z, over_z: bool = False) -> np.ndarray:
    """The ratio A_nu(z) = I_(nu+1)(z) / I_nu(z) of modified Bessel functions (compiled).

    Parameters
    ----------
    nu : float >= 0
        Order (the sphere S^(m-1) uses nu = m/2 - 1).
    z : array_like, any shape
        Arguments >= 0, finite.
    over_z : bool
        Return A_nu(z) / z instead (finite at z = 0, where it is 1 / (2 nu + 2)).

    Returns
    -------
    ndarray, the shape of ``z``
        A_nu(z) (or A_nu(z) / z), to a few ulps (module docstring).
    """
    nu = check_order(nu)
    flat, shape = _as_z(z)
    out = np.empty_like(flat)
    _launch(_ratio_kernel, flat.size, nu, flat, tables_for(nu), bool(over_z), out)
    return out.reshape(shape)


def log_ive(nu: float, z) -> np.ndarray:
    """log(I_nu(z) e^(-z)), the log of ``scipy.special.ive`` without its overflow or its loss of
    accuracy above z ~ 1e7 (compiled).

    Parameters
    ----------
    nu : float >= 0
        Order.
    z : array_like, any shape
        Arguments >= 0, finite (z = 0 gives -inf for nu > 0, 0 for nu = 0).

    Returns
    -------
    ndarray, the shape of ``z``
        log(I_nu(z)) - z, to a few ulps of max(1, |value|).
    """
    nu = check_order(nu)
    flat, shape = _as_z(z)
    out = np.empty_like(flat)
    _launch(_log_ive_kernel, flat.size, nu, flat, tables_for(nu), out)
    return out.reshape(shape)


def _check_vmf(x, sigma, a, frame):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float64).reshape(-1))
    m = a.shape[0]
    if m < 2 or not np.all(np.isfinite(a)):
        raise ValueError(f"a must be a finite vector of length m >= 2 (got {a!r})")
    if frame is None:
        frame = np.eye(m)
    frame = np.ascontiguousarray(np.asarray(frame, dtype=np.float64))
    if frame.ndim != 2 or frame.shape[1] != m or frame.shape[0] < m:
        raise ValueError(
            f"frame must have shape (d, m) with d >= m = {m} (got shape {frame.shape})"
        )
    if not np.allclose(frame.T @ frame, np.eye(m), atol=1e-12):
        raise ValueError("frame must have orthonormal columns (the sphere's isometry)")
    x = as_points(x, "x", d=frame.shape[0])
    sigma = check_positive(sigma, "sigma")
    return x, sigma, a, frame


def sphere_score(x: np.ndarray, ft: np.ndarray, a: np.ndarray, sigma: float) -> np.ndarray:
    """The fused score kernel on validated C-contiguous float64 inputs, ``ft`` = F^T of shape
    (m, d) (no checks: callers validate once; see :func:`vmf_smoothed_score`)."""
    m = ft.shape[0]
    nu = 0.5 * m - 1.0
    if m == 2:  # the kernel's three-component code, with exact zeros
        ft = np.concatenate([ft, np.zeros((1, ft.shape[1]))])
        a = np.append(a, 0.0)
    n = x.shape[0]
    out = np.empty_like(x)
    v, zb, rb = np.empty((n, ft.shape[0])), np.empty(n), np.empty(n)
    _launch(_score_kernel, n, x, ft, a, sigma * sigma, nu, tables_for(nu), v, zb, rb, out)
    return out


def sphere_log_density(
    x: np.ndarray, frame: np.ndarray, a: np.ndarray, log_c0: float, sigma: float
) -> np.ndarray:
    """The fused log-density kernel on validated C-contiguous float64 inputs (no checks; see
    :func:`vmf_smoothed_log_density`)."""
    d, m = frame.shape
    nu = 0.5 * m - 1.0
    s2 = sigma * sigma
    const = -0.5 * d * math.log(2.0 * math.pi * s2) + log_c0 + 0.5 * m * math.log(2.0 * math.pi)
    out = np.empty(x.shape[0])
    v = np.empty((x.shape[0], m))
    _launch(_log_density_kernel, x.shape[0], x, frame, a, s2, nu, tables_for(nu), const, v, out)
    return out


def vmf_smoothed_score(x, sigma: float, a, frame=None) -> np.ndarray:
    """grad log p_sigma for p_sigma = vMF * N(0, sigma^2 I) on the unit sphere S^(m-1) in R^d.

    The data law has log density log c0 + <a, u> w.r.t. the sphere's volume (von Mises(-Fisher)
    with a = kappa mu, uniform with a = 0), and the sphere sits in R^d through ``frame``.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Query points.
    sigma : float > 0
        Noise level.
    a : array_like, shape (m,)
        Natural parameter, m >= 2 (the circle is m = 2).
    frame : array_like, shape (d, m), optional
        Orthonormal columns F, x = y F^T for native coordinates y (``manifold.frame``; None: the
        identity, d = m).

    Returns
    -------
    ndarray, shape (n, d)
        s(x) = ((A_nu(z) / z) v F^T - x) / sigma^2, v = x F / sigma^2 + a, z = |v|,
        nu = m/2 - 1.
    """
    x, sigma, a, frame = _check_vmf(x, sigma, a, frame)
    return sphere_score(x, np.ascontiguousarray(frame.T), a, sigma)


def vmf_smoothed_log_density(x, sigma: float, a, log_c0: float, frame=None) -> np.ndarray:
    """log p_sigma for p_sigma = vMF * N(0, sigma^2 I) on the unit sphere S^(m-1) in R^d.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Query points.
    sigma : float > 0
        Noise level.
    a : array_like, shape (m,)
        Natural parameter (see :func:`vmf_smoothed_score`).
    log_c0 : float
        Log normalizer of the data density, log p(u) = log c0 + <a, u> (w.r.t. the volume).
    frame : array_like, shape (d, m), optional
        Orthonormal columns (None: the identity).

    Returns
    -------
    ndarray, shape (n,)
        log p_sigma(x) (the module docstring's formula: no difference of large terms, so exact
        at small sigma).
    """
    x, sigma, a, frame = _check_vmf(x, sigma, a, frame)
    log_c0 = float(log_c0)
    if not math.isfinite(log_c0):
        raise ValueError(f"log_c0 must be finite (got {log_c0!r})")
    return sphere_log_density(x, frame, a, log_c0, sigma)
