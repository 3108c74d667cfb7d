"""Public, validated wrappers of the Gaussian softmax engine.

For data y_1..y_N in R^d with log-weights l_i (default 0), a query q and a bandwidth sigma, the
weights are w_i = exp(l_i - |q - y_i|^2 / (2 sigma^2)). Everything the score estimators need is a
normalized average under these weights (the empirical score s(x) = (sum_i w_i x_i - x) /
sigma^2 with w = softmax(-|x - x_i|^2 / (2 sigma^2))) or the log of their sum (log p_sigma of the
empirical measure up to the Gaussian normalization). All of it is computed in log-sum-exp form.

Modes
-----
``"dense"`` visits all N points. ``"truncated"`` (for small sigma) walks a KD-tree depth first,
the more promising child first (so the leaf next to the query comes first), and skips every node
whose bound on the exponents e_i = l_i - |q - y_i|^2 / (2 sigma^2) is below log S - log(N / tol),
S being the sum of exp(e_i) over the points visited so far. S only grows, so every skipped point
has exp(e_i) < tol S_in / N with S_in the final kept mass, and the skipped mass S_out satisfies
eps = S_out / (S_in + S_out) <= tol. For uniform weights the visited set contains the ball of
squared radius |q - y_nn|^2 + 2 sigma^2 log(N / tol) (S_in >= the nearest point's weight).
Hence (the bound stated and tested in tests/test_kernels.py):

- ``lse``: 0 <= lse_dense - lse_truncated = log(1 + S_out / S_in) <= tol (absolute);
- every normalized average (``softmax_average``, ``Moments.mean``, ``Moments.msd``):
  |avg - avg_truncated| <= tol * max_i |v_i - avg_truncated| (entrywise), because
  avg - avg_in = sum_out w_i (v_i - avg_in) / S;
- ``softmax_covariance``: |cov - cov_truncated| <= 3 tol max_i |y_i - mean_truncated|^2 (entrywise,
  Euclidean norm inside), from cov = E_w[(y - c)(y - c)^T] - (m - c)(m - c)^T with c = mean_in.

``"auto"`` chooses ``"truncated"`` when all of the following hold, else ``"dense"``:
N >= 4096; m N >= 2^22 or ``data`` is a :class:`GaussianIndex` (below 2^22 pairs the dense pass
takes milliseconds, less than building a tree); the ball radius for a query on the data,
sigma sqrt(2 (log(N / tol) + max l - min l)), is < 1/4 of the largest side of the data's bounding
box; and the truncated kernel, run on up to 16 evenly spaced queries, visits on average < 20 % of
the data (in high dimension the tree prunes little and the dense kernel is faster). The tree built
for the probe is cached and reused. The two modes agree within the bound above, so the choice
only affects speed.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._validation import as_points, check_in_range, check_positive
from . import _gauss
from ._index import GaussianIndex, get_index

_MODES = ("auto", "dense", "truncated")
_AUTO_MIN_N = 4096
_AUTO_MIN_PAIRS = 2**22
_AUTO_RADIUS_FRACTION = 0.25
_AUTO_PROBE = 16
_AUTO_MAX_VISITED = 0.2
_EXPONENT_LIMIT = 1e300


class Moments(NamedTuple):
    """Softmax moments of the data around each query (one pass of the engine).

    Attributes
    ----------
    lse : ndarray (m,)
        log sum_i a_i exp(-|q - y_i|^2 / (2 sigma^2)).
    mean : ndarray (m, d)
        sum_i w_i y_i / sum_i w_i, the posterior mean E[x0 | x = q] of the empirical measure.
    msd : ndarray (m,)
        sum_i w_i |q - y_i|^2 / sum_i w_i, the posterior mean squared distance (FLIPD of the
        empirical measure is msd / sigma^2, Kamkari et al. 2024).
    """

    lse: np.ndarray
    mean: np.ndarray
    msd: np.ndarray


class _Prepared(NamedTuple):
    X: np.ndarray
    Q: np.ndarray
    index: GaussianIndex | None
    lw: np.ndarray | None
    inv2s2: float
    tol: float
    mode: str


def _check_log_weights(log_weights, n: int) -> np.ndarray | None:
    if log_weights is None:
        return None
    lw = np.asarray(log_weights)
    if lw.dtype == object or not (
        np.issubdtype(lw.dtype, np.floating) or np.issubdtype(lw.dtype, np.integer)
    ):
        raise ValueError(f"log_weights must be a real numeric array (got dtype {lw.dtype})")
    lw = np.ascontiguousarray(lw, dtype=np.float64)
    if lw.shape != (n,):
        raise ValueError(
            f"log_weights must have shape ({n},), one per data point (got shape {lw.shape})"
        )
    if not np.all(np.isfinite(lw)) or np.max(np.abs(lw)) > _EXPONENT_LIMIT:
        raise ValueError(
            "log_weights must be finite and at most 1e300 in absolute value "
            "(zero weights: drop the points instead)"
        )
    return lw


def _check_values(values, n: int) -> np.ndarray:
    v = np.asarray(values)
    if v.dtype == object or not (
        np.issubdtype(v.dtype, np.floating) or np.issubdtype(v.dtype, np.integer)
    ):
        raise ValueError(f"values must be a real numeric array (got dtype {v.dtype})")
    v = np.asarray(v, dtype=np.float64)
    if v.ndim not in (1, 2) or v.shape[0] != n:
        raise ValueError(
            f"values must have shape ({n},) or ({n}, p): one row per data point "
            f"(got shape {v.shape})"
        )
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite (got NaN or inf)")
    return v


def _choose_mode(X, Q, index, lw, sigma, tol) -> str:
    n = X.shape[0]
    m = Q.shape[0]
    if n < _AUTO_MIN_N or (m * n < _AUTO_MIN_PAIRS and index is None):
        return "dense"
    spread = 0.0 if lw is None else float(lw.max() - lw.min())
    radius = sigma * math.sqrt(2.0 * (math.log(n / tol) + spread))
    if index is not None:
        extent = index.extent
    else:
        extent = float(np.max(X.max(axis=0) - X.min(axis=0)))
    if radius >= _AUTO_RADIUS_FRACTION * extent:
        return "dense"
    idx = index if index is not None else get_index(X)
    probe = Q[np.unique(np.linspace(0, m - 1, min(m, _AUTO_PROBE)).astype(np.int64))]
    counts = _run_truncated(idx, probe, lw, 1.0 / (2.0 * sigma * sigma), tol, None, False)[3]
    return "truncated" if counts.mean() < _AUTO_MAX_VISITED * n else "dense"


def _prepare(data, queries, sigma, log_weights, mode, tol) -> _Prepared:
    if isinstance(data, GaussianIndex):
        index = data
        X = index.data
    else:
        index = None
        X = as_points(data, "data")
    n, d = X.shape
    Q = as_points(queries, "queries", d=d)
    sigma = check_positive(sigma, "sigma")
    tol = check_in_range(tol, "tol", low=0.0, high=1.0, low_open=True, high_open=True)
    if tol < 1e-300:
        raise ValueError(f"tol must be >= 1e-300 (got {tol!r})")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES} (got {mode!r})")
    lw = _check_log_weights(log_weights, n)
    inv2s2 = 1.0 / (2.0 * sigma * sigma)
    # Every exponent |q - y|^2 / (2 sigma^2) must be finite (else exp underflows everything and
    # the normalized averages become 0/0): bound it by the squared bounding-box diagonal.
    if index is not None:  # the root's bounding box
        xlo, xhi = index.lo[0], index.hi[0]
    else:
        xlo, xhi = X.min(axis=0), X.max(axis=0)
    lo = np.minimum(xlo, Q.min(axis=0))
    hi = np.maximum(xhi, Q.max(axis=0))
    with np.errstate(over="ignore"):
        diag2 = float(np.sum((hi - lo) ** 2))
        worst = diag2 * inv2s2
    if not math.isfinite(inv2s2) or not worst <= _EXPONENT_LIMIT:
        raise ValueError(
            f"sigma = {sigma!r} is too small for the spread of data and queries (squared "
            f"diameter {diag2:.3g}): |q - y|^2 / (2 sigma^2) would overflow float64; rescale "
            "the problem"
        )
    if mode == "auto":
        mode = _choose_mode(X, Q, index, lw, sigma, tol)
    return _Prepared(X, Q, index, lw, inv2s2, tol, mode)


def block_size(d: int) -> int:
    """Points per block of the dense kernels.

    Measured (CPU ns per pair, 1 thread, N = 20 000, this repository's benchmark machine): 512 is
    the best of {64, ..., 1024} at d = 2, 10 and 50 within 7 %; smaller blocks pay the per-block
    overhead (max, rescale, slices), larger ones fall out of L2 at large d.
    """
    return 512


def _blocked(A: np.ndarray, B: int) -> np.ndarray:
    """(N, c) -> (nb, c, B) contiguous blocks of B rows, transposed; zero padded at the end."""
    n, c = A.shape
    nb = -(-n // B)
    pad = np.zeros((nb * B, c))
    pad[:n] = A
    return np.ascontiguousarray(pad.reshape(nb, B, c).transpose(0, 2, 1))


def _dense_arrays(P: _Prepared):
    n, d = P.X.shape
    B = block_size(d)
    yB = _blocked(P.X, B)
    lw = np.zeros(n) if P.lw is None else P.lw
    lwB = _blocked(lw[:, None], B)[:, 0, :].copy()
    return yB, lwB, B


def _run_dense(P: _Prepared, values, want_msd):
    """values: None (lse only), "data" (mean) or an (N, p) array. Returns lse, avg, msd."""
    n, d = P.X.shape
    m = P.Q.shape[0]
    yB, lwB, B = _dense_arrays(P)
    if values is None:
        VB = np.empty((yB.shape[0], 0, B))
    elif isinstance(values, str):
        VB = yB
    else:
        VB = _blocked(values, B)
    p = VB.shape[1]
    lse = np.empty(m)
    avg = np.empty((m, p))
    msd = np.empty(m if want_msd else 0)
    _gauss.softmax_dense(yB, lwB, VB, n, P.Q, P.inv2s2, want_msd, lse, avg, msd)
    return lse, avg, msd


def _run_truncated(idx: GaussianIndex, Q, lw_user, inv2s2, tol, values, want_msd):
    n = idx.n_samples
    m = Q.shape[0]
    if lw_user is None:
        lw = idx.zeros
        lwmax = idx.lwmax0
    else:
        lw = np.ascontiguousarray(lw_user[idx.perm])
        lwmax = idx.node_lwmax(lw)
    if values is None:
        VT = np.empty((0, n))
    elif isinstance(values, str):
        VT = idx.yT
    else:
        VT = np.ascontiguousarray(values[idx.perm].T)
    p = VT.shape[0]
    lse = np.empty(m)
    avg = np.empty((m, p))
    msd = np.empty(m if want_msd else 0)
    visited = np.empty(m, dtype=np.int64)
    emax = np.empty(m)
    log_cut = math.log(n / tol)
    _gauss.softmax_tree(
        idx.yT, lw, VT, Q, inv2s2, log_cut, want_msd, idx.start, idx.end, idx.left, idx.right,
        idx.lo, idx.hi, lwmax, idx.leaf_max, lse, avg, msd, emax, visited,
    )  # fmt: skip
    return lse, avg, msd, visited, emax


def _run(P: _Prepared, values, want_msd):
    if P.mode == "dense":
        return _run_dense(P, values, want_msd)
    idx = P.index if P.index is not None else get_index(P.X)
    return _run_truncated(idx, P.Q, P.lw, P.inv2s2, P.tol, values, want_msd)[:3]


_COMMON_PARAMS = """
    data : array_like (N, d) or GaussianIndex
        Data points y_i (finite; float32 is upcast to float64). A :class:`GaussianIndex` reuses
        its KD-tree (plain arrays are cached by content, too).
    queries : array_like (m, d)
        Query points q (a 1-D array is one query).
    sigma : float
        Gaussian bandwidth, finite and > 0 (tested from 1e-4 to 1e2; smaller is refused only when
        |q - y|^2 / (2 sigma^2) would overflow).
    log_weights : array_like (N,), optional
        Finite log a_i (default: all a_i = 1).
    mode : {"auto", "dense", "truncated"}
        See the module docstring for the truncation bound and the automatic rule.
    tol : float in (0, 1)
        Relative tolerance of the truncated mode (the dense mode is exact up to rounding)."""


def log_sum_exp_gauss(
    data, queries, sigma: float, log_weights=None, mode: str = "auto", tol: float = 1e-12
) -> np.ndarray:
    P = _prepare(data, queries, sigma, log_weights, mode, tol)
    return _run(P, None, False)[0]


def softmax_average(
    data,
    queries,
    sigma: float,
    values=None,
    log_weights=None,
    mode: str = "auto",
    tol: float = 1e-12,
) -> np.ndarray:
    P = _prepare(data, queries, sigma, log_weights, mode, tol)
    if values is None:
        return _run(P, "data", False)[1]
    v = _check_values(values, P.X.shape[0])
    v2 = v.reshape(v.shape[0], -1)
    avg = _run(P, v2, False)[1]
    return avg[:, 0] if v.ndim == 1 else avg


def softmax_moments(
    data, queries, sigma: float, log_weights=None, mode: str = "auto", tol: float = 1e-12
) -> Moments:
    P = _prepare(data, queries, sigma, log_weights, mode, tol)
    lse, mean, msd = _run(P, "data", True)
    return Moments(lse, mean, msd)


def softmax_covariance(
    data, queries, sigma: float, log_weights=None, mode: str = "auto", tol: float = 1e-12
) -> tuple[np.ndarray, np.ndarray]:
    P = _prepare(data, queries, sigma, log_weights, mode, tol)
    m, d = P.Q.shape
    cov = np.empty((m, d, d))
    if P.mode == "dense":
        lse, mean, _ = _run_dense(P, "data", False)
        yB, lwB, _ = _dense_arrays(P)
        _gauss.covariance_dense(yB, lwB, P.X.shape[0], P.Q, P.inv2s2, lse, mean, cov)
        return mean, cov
    idx = P.index if P.index is not None else get_index(P.X)
    lse, mean, _, _, _ = _run_truncated(idx, P.Q, P.lw, P.inv2s2, P.tol, "data", False)
    n = idx.n_samples
    if P.lw is None:
        lw, lwmax = idx.zeros, idx.lwmax0
    else:
        lw = np.ascontiguousarray(P.lw[idx.perm])
        lwmax = idx.node_lwmax(lw)
    _gauss.covariance_tree(
        idx.yT, lw, P.Q, P.inv2s2, math.log(n / P.tol), lse, mean, idx.start, idx.end, idx.left,
        idx.right, idx.lo, idx.hi, lwmax, idx.leaf_max, cov,
    )  # fmt: skip
    return mean, cov


def neighbour_counts(
    data, queries, sigma: float, log_weights=None, tol: float = 1e-12
) -> np.ndarray:
    """Number of data points the truncated mode visits for each query (its cost).

    Parameters
    ----------
    data : array_like (N, d) or GaussianIndex
        Data points y_i (finite). A :class:`GaussianIndex` reuses its KD-tree.
    queries : array_like (m, d)
        Query points q (a 1-D array is one query).
    sigma : float
        Gaussian bandwidth, finite and > 0.
    log_weights : array_like (N,), optional
        Finite log a_i (default: all a_i = 1).
    tol : float in (0, 1)
        Relative tolerance of the truncated mode.

    Returns
    -------
    ndarray (m,)
        Points visited per query, in [1, N] (the dense mode visits N).
    """
    P = _prepare(data, queries, sigma, log_weights, "truncated", tol)
    idx = P.index if P.index is not None else get_index(P.X)
    return _run_truncated(idx, P.Q, P.lw, P.inv2s2, P.tol, None, False)[3]


log_sum_exp_gauss.__doc__ = f"""Stable log sum_i a_i exp(-|q - y_i|^2 / (2 sigma^2)) for each query.

    This is log p_sigma(q) of the (weighted) empirical measure up to the constant
    -log(N) - (d/2) log(2 pi sigma^2) (log-sum-exp: docs/measurement.md, trap 6).

    Parameters
    ----------{_COMMON_PARAMS}

    Returns
    -------
    ndarray (m,)
    """

softmax_average.__doc__ = f"""Softmax average sum_i w_i v_i / sum_i w_i.

    Weights w_i = a_i exp(-|q - y_i|^2 / (2 sigma^2)), a_i = exp(log_weights_i).

    With values = data this is the empirical denoiser E[x0 | x = q] (Tweedie; the empirical score is
    (average - q) / sigma^2).

    Parameters
    ----------{_COMMON_PARAMS}
    values : array_like (N,) or (N, p), optional
        Values v_i to average (default: the data). Passed after ``sigma`` by keyword or position.

    Returns
    -------
    ndarray (m, p), or (m,) for 1-D values
    """

softmax_moments.__doc__ = f"""Log-sum-exp, posterior mean and mean squared distance in one pass.

    Parameters
    ----------{_COMMON_PARAMS}

    Returns
    -------
    Moments
        NamedTuple (lse (m,), mean (m, d), msd (m,)).
    """

softmax_covariance.__doc__ = f"""Mean and covariance Cov(x0 | x = q) of the softmax weights.

    The Jacobian of the empirical denoiser is cov / sigma^2 (its rank: k on the manifold regime, 0
    where the denoiser returns a training point). Computed in two passes (mean first, then
    centered second moments with the correction term sum w (y - mean)), so no cancellation at
    small sigma.

    Parameters
    ----------{_COMMON_PARAMS}

    Returns
    -------
    mean : ndarray (m, d)
    cov : ndarray (m, d, d), symmetric positive semi-definite up to rounding
    """
