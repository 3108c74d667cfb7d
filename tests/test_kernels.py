"""Tests of the Gaussian softmax engine (ratesim.kernels) against plain NumPy twins.

Accuracy convention (the engine's contract, |.| entrywise):
- lse: |lse - ref| <= 1e-10 max(1, |ref|): an absolute error e in a log is a relative error ~e in
  the sum exp(lse), and for |lse| > 1 it is also a relative error of lse itself;
- normalized averages (mean, softmax_average) are convex combinations of the v_i, so their
  relative error is measured against the scale of the values: |avg - ref| <= 1e-10 max_i |v_i|;
- msd: |msd - ref| <= 1e-10 ref + 1e-300 (it is a positive average; the floor covers both sides
  flushing weights below exp(-708) to zero vs subnormals);
- cov: |cov - ref| <= 1e-10 max|ref| + (8 eps max|y|)^2: the mean is only known to eps max|y|
  (rounding), so a covariance below ~(eps |y|)^2 has no correct digit in any implementation.
"""

from __future__ import annotations

import math

import naive_kernels as nk
import numpy as np
import pytest

from ratesim import kernels as K
from ratesim.kernels import _api, _gauss
from ratesim.kernels._index import _CACHE, get_index

EPS = np.finfo(np.float64).eps


def _sphere(n, rng, d=3):
    x = rng.normal(size=(n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _assert_lse(a, ref):
    assert np.all(np.isfinite(a))
    bound = 1e-10 * np.maximum(1.0, np.abs(ref))
    assert np.all(np.abs(a - ref) <= bound), np.max(np.abs(a - ref) / bound)


def _assert_avg(a, ref, values):
    assert np.all(np.isfinite(a))
    scale = max(1e-300, float(np.max(np.abs(values))))
    assert np.all(np.abs(a - ref) <= 1e-10 * scale), np.max(np.abs(a - ref)) / scale


def _assert_msd(a, ref, trunc=0.0, spread=0.0):
    """``trunc`` > 0: truncated mode, whose stated bound adds tol * max_i |D_i - msd|."""
    assert np.all(np.isfinite(a)) and np.all(a >= 0)
    assert np.all(np.abs(a - ref) <= 1e-10 * ref + trunc * spread + 1e-300)


def _assert_cov(a, ref, data, trunc=0.0, mean=None):
    """``trunc`` > 0: truncated mode, whose stated bound adds 3 tol max_i |y_i - mean|^2."""
    assert np.all(np.isfinite(a))
    floor = (8 * EPS * float(np.max(np.abs(data)))) ** 2
    bound = 1e-10 * float(np.max(np.abs(ref))) + floor
    if trunc:
        r2 = np.max(np.sum((data[None, :, :] - mean[:, None, :]) ** 2, axis=2), axis=1)
        bound = bound + 3 * trunc * r2[:, None, None]
    assert np.all(np.abs(a - ref) <= bound), np.max(np.abs(a - ref) / bound)


def _msd_spread(X, Q, msd):
    d2 = np.sum((Q[:, None, :] - X[None, :, :]) ** 2, axis=2)
    return np.max(np.abs(d2 - msd[:, None]), axis=1)


# ------------------------------------------------------------------------------------------
# the vectorized exp


def test_exp_matches_numpy():
    """Cody-Waite + Taylor exp: <= 2e-15 relative on [-40, 0] (all that matters once weights are
    normalized by the max: e^-40 ~ 4e-18 < eps), <= 5e-14 down to -708, exactly 0 below."""
    for lo, hi, rtol in [(-40.0, 0.0, 2e-15), (-708.0, -40.0, 5e-14)]:
        x = np.linspace(lo, hi, 200_001)
        out = np.empty_like(x)
        _gauss.exp_vec(x, out)
        np.testing.assert_allclose(out, nk.exp_reference(x), rtol=rtol, atol=0)
    x = np.array([0.0, -709.0, -1e4, -1e300])
    out = np.empty_like(x)
    _gauss.exp_vec(x, out)
    assert out[0] == 1.0 and np.all(out[1:] == 0.0)


# ------------------------------------------------------------------------------------------
# dense and truncated modes against the naive twins


def _case(name, rng):
    """(data, queries, sigma, log_weights) for named random and edge cases."""
    if name == "n1":
        return rng.normal(size=(1, 3)), rng.normal(size=(4, 3)), 0.3, None
    if name == "on_point":
        X = rng.normal(size=(200, 3))
        return X, X[:7].copy(), 1e-4, None
    if name == "tiny_sigma":
        return rng.normal(size=(300, 2)), rng.normal(size=(9, 2)), 1e-4, None
    if name == "far":
        X = rng.normal(size=(300, 4))
        Q = rng.normal(size=(6, 4))
        Q[:3] += 1e3
        Q[3:] -= 1e3 * np.array([1.0, -1.0, 0.5, 0.0])
        return X, Q, 1e-4, None
    if name == "far_sigma1":
        X = rng.normal(size=(300, 4))
        return X, rng.normal(size=(5, 4)) + 1e3, 1.0, None
    if name == "huge_sigma":
        return rng.normal(size=(250, 5)), rng.normal(size=(8, 5)), 1e2, None
    if name == "d1":
        return rng.normal(size=(400, 1)), rng.normal(size=(10, 1)), 0.05, None
    if name == "d50":
        return rng.normal(size=(600, 50)), rng.normal(size=(6, 50)), 3.0, None
    if name == "weighted":
        X = rng.normal(size=(500, 3))
        return X, rng.normal(size=(8, 3)), 0.2, 3.0 * rng.normal(size=500)
    if name == "weighted_tiny":
        X = rng.normal(size=(300, 2))
        return X, rng.normal(size=(8, 2)), 1e-3, 50.0 * rng.normal(size=300)
    if name == "sphere":
        X = _sphere(3000, rng)
        Q = _sphere(20, rng) + 0.02 * rng.normal(size=(20, 3))
        return X, Q, 0.03, None
    raise AssertionError(name)


CASES = [
    "n1",
    "on_point",
    "tiny_sigma",
    "far",
    "far_sigma1",
    "huge_sigma",
    "d1",
    "d50",
    "weighted",
    "weighted_tiny",
    "sphere",
]


@pytest.mark.parametrize("mode", ["dense", "truncated"])
@pytest.mark.parametrize("name", CASES)
def test_against_naive(name, mode):
    rng = np.random.default_rng(CASES.index(name))
    X, Q, s, lw = _case(name, rng)
    kw = dict(log_weights=lw, mode=mode)

    _assert_lse(K.log_sum_exp_gauss(X, Q, s, **kw), nk.log_sum_exp_gauss(X, Q, s, lw))

    ref_lse, ref_mean, ref_msd = nk.softmax_moments(X, Q, s, lw)
    mo = K.softmax_moments(X, Q, s, **kw)
    assert isinstance(mo, K.Moments)
    trunc = 1e-12 if mode == "truncated" else 0.0  # the default tol and its stated bound
    _assert_lse(mo.lse, ref_lse)
    _assert_avg(mo.mean, ref_mean, X)
    _assert_msd(mo.msd, ref_msd, trunc, _msd_spread(X, Q, mo.msd))

    _assert_avg(K.softmax_average(X, Q, s, **kw), ref_mean, X)
    V = np.column_stack([np.sin(3 * X[:, 0]), X[:, -1] ** 2, np.ones(len(X))])
    _assert_avg(K.softmax_average(X, Q, s, V, **kw), nk.softmax_average(X, Q, s, V, lw), V)
    v1 = K.softmax_average(X, Q, s, values=V[:, 0], **kw)
    assert v1.shape == (len(Q),)
    _assert_avg(v1, nk.softmax_average(X, Q, s, V[:, 0], lw), V[:, 0])

    mean, cov = K.softmax_covariance(X, Q, s, **kw)
    ref_m, ref_c = nk.softmax_covariance(X, Q, s, lw)
    _assert_avg(mean, ref_m, X)
    _assert_cov(cov, ref_c, X, trunc, mean)
    np.testing.assert_array_equal(cov, np.swapaxes(cov, 1, 2))


def _random_case(seed):
    """Random N, d, sigma log-uniform in [1e-4, 1e2], data scale, query offsets up to 1e3."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 700))
    d = int(rng.choice([1, 2, 3, 5, 10, 50]))
    scale = 10.0 ** rng.uniform(-2, 1)
    X = scale * rng.normal(size=(n, d))
    Q = scale * rng.normal(size=(int(rng.integers(1, 12)), d))
    Q[0] = X[0]
    Q[1:] += 10.0 ** rng.uniform(-3, 3) * rng.normal(size=(len(Q) - 1, d))
    sigma = 10.0 ** rng.uniform(-4, 2)
    lw = rng.normal(size=n) * rng.choice([0.0, 1.0, 30.0]) if rng.random() < 0.5 else None
    return X, Q, sigma, lw


def _check_all(X, Q, s, lw, mode):
    """Dense: 1e-10 against the naive twin. Truncated (default tol 1e-12): the same plus the
    stated truncation bound (lse and averages: tol-level terms, far below 1e-10; msd and cov get
    their explicit terms, which matter when msd or cov are themselves ~tol)."""
    trunc = 1e-12 if mode == "truncated" else 0.0
    _assert_lse(K.log_sum_exp_gauss(X, Q, s, log_weights=lw, mode=mode),
                nk.log_sum_exp_gauss(X, Q, s, lw))  # fmt: skip
    mo = K.softmax_moments(X, Q, s, log_weights=lw, mode=mode)
    ref_lse, ref_mean, ref_msd = nk.softmax_moments(X, Q, s, lw)
    _assert_lse(mo.lse, ref_lse)
    _assert_avg(mo.mean, ref_mean, X)
    _assert_msd(mo.msd, ref_msd, trunc, _msd_spread(X, Q, mo.msd))
    mean, cov = K.softmax_covariance(X, Q, s, log_weights=lw, mode=mode)
    ref_m, ref_c = nk.softmax_covariance(X, Q, s, lw)
    _assert_avg(mean, ref_m, X)
    _assert_cov(cov, ref_c, X, trunc, mean)


@pytest.mark.parametrize("seed", range(12))
def test_random_cases_against_naive(seed):
    X, Q, s, lw = _random_case(seed)
    for mode in ("dense", "truncated"):
        _check_all(X, Q, s, lw, mode)


@pytest.mark.slow
def test_random_cases_against_naive_wide():
    """The same on 400 random configurations (slow)."""
    for seed in range(100, 500):
        X, Q, s, lw = _random_case(seed)
        for mode in ("dense", "truncated"):
            _check_all(X, Q, s, lw, mode)


def test_negative_control_detects_a_wrong_kernel():
    """The tolerance helpers are sharp: a weight error of 1e-8 (a bad exp) is caught."""
    rng = np.random.default_rng(1)
    X, Q, s, lw = _case("weighted", rng)
    ref_lse, ref_mean, _ = nk.softmax_moments(X, Q, s, lw)
    with pytest.raises(AssertionError):
        _assert_lse(ref_lse + 1e-8, ref_lse)
    bad_mean = nk.softmax_average(X, Q, s, log_weights=lw + 1e-8 * rng.normal(size=len(X)))
    with pytest.raises(AssertionError):
        _assert_avg(bad_mean, ref_mean, X)


def test_extreme_inputs_are_finite():
    """sigma 1e-4 .. 1e2 with queries 1e3 away, d = 50 and d = 1: never NaN or inf."""
    rng = np.random.default_rng(2)
    for d in (1, 50):
        X = rng.normal(size=(500, d))
        Q = np.vstack([rng.normal(size=(3, d)) + 1e3, X[:2], rng.normal(size=(3, d))])
        for s in (1e-4, 1e-2, 1.0, 1e2):
            for mode in ("dense", "truncated"):
                mo = K.softmax_moments(X, Q, s, mode=mode)
                mean, cov = K.softmax_covariance(X, Q, s, mode=mode)
                for arr in (*mo, mean, cov):
                    assert np.all(np.isfinite(arr))


# ------------------------------------------------------------------------------------------
# identities: derivatives of lse and of the mean


def test_gradient_identities():
    """grad_q lse = (mean - q) / sigma^2 and d mean / dq = cov / sigma^2 (Tweedie identities).

    Central differences with step h have error h^2/6 |f'''| ; with h = 1e-4 sigma and derivatives
    of order sigma^-k the relative truncation error is ~1e-9, and the rounding error is
    eps |f| / h ~ 1e-12 / 1e-4 = 1e-8 relative; the bound 1e-6 covers both with margin."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    Q = rng.normal(size=(5, 3))
    s = 0.4
    h = 1e-4 * s
    mean, cov = K.softmax_covariance(X, Q, s, mode="dense")
    score = (mean - Q) / s**2
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        fd = (K.log_sum_exp_gauss(X, Q + e, s) - K.log_sum_exp_gauss(X, Q - e, s)) / (2 * h)
        np.testing.assert_allclose(fd, score[:, j], rtol=1e-6, atol=1e-6 * np.abs(score).max())
        fdm = (K.softmax_average(X, Q + e, s) - K.softmax_average(X, Q - e, s)) / (2 * h)
        np.testing.assert_allclose(fdm, cov[:, :, j] / s**2, rtol=0, atol=1e-6 / s**2)


def test_permutation_and_index_invariance():
    rng = np.random.default_rng(4)
    X = _sphere(5000, rng)
    Q = _sphere(30, rng)
    perm = rng.permutation(len(X))
    idx = K.GaussianIndex(X, leaf_size=16)
    for mode in ("dense", "truncated"):
        a = K.softmax_moments(X, Q, 0.05, mode=mode)
        b = K.softmax_moments(X[perm], Q, 0.05, mode=mode)
        c = K.softmax_moments(idx, Q, 0.05, mode=mode)
        for u, v, w in zip(a, b, c, strict=True):
            np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-13)
            np.testing.assert_allclose(u, w, rtol=1e-12, atol=1e-13)


# ------------------------------------------------------------------------------------------
# truncated mode: the stated bound, and a negative control


def _truncation_errors(X, Q, s, tol, lw=None, log_cut=None):
    """Dense vs truncated differences and the bounds of the _api docstring."""
    dense = K.softmax_moments(X, Q, s, log_weights=lw, mode="dense")
    if log_cut is None:
        tr = K.softmax_moments(X, Q, s, log_weights=lw, mode="truncated", tol=tol)
    else:  # call the kernel with a deliberately wrong cut (negative control)
        idx = get_index(np.ascontiguousarray(X))
        lwp = np.zeros(len(X)) if lw is None else np.ascontiguousarray(lw[idx.perm])
        m = len(Q)
        lse, avg, msd, vis = (np.empty(m), np.empty((m, 3)), np.empty(m), np.empty(m, np.int64))
        _gauss.softmax_tree(
            idx.yT, lwp, idx.yT, Q, 1 / (2 * s * s), log_cut, True, idx.start, idx.end,
            idx.left, idx.right, idx.lo, idx.hi, idx.node_lwmax(lwp), idx.leaf_max, lse, avg,
            msd, np.empty(m), vis,
        )  # fmt: skip
        tr = K.Moments(lse, avg, msd)
    d_lse = dense.lse - tr.lse
    spread_mean = np.max(np.abs(X[None, :, :] - tr.mean[:, None, :]), axis=1)  # (m, d)
    d2 = np.sum((Q[:, None, :] - X[None, :, :]) ** 2, axis=2)
    spread_msd = np.max(np.abs(d2 - tr.msd[:, None]), axis=1)
    ok_lse = (d_lse >= -1e-13) & (d_lse <= tol + 1e-13)
    # rounding slack: 1e-13 of the scale, far below the tolerances tested (>= 1e-6)
    ok_mean = np.abs(dense.mean - tr.mean) <= tol * spread_mean + 1e-13
    ok_msd = np.abs(dense.msd - tr.msd) <= tol * spread_msd + 1e-13 * spread_msd
    return d_lse, ok_lse, ok_mean, ok_msd, dense, tr


@pytest.mark.parametrize("tol", [1e-3, 1e-6])
@pytest.mark.parametrize("weighted", [False, True])
def test_truncated_within_stated_bound(tol, weighted):
    rng = np.random.default_rng(5)
    X = _sphere(20_000, rng)
    Q = _sphere(200, rng) + 0.01 * rng.normal(size=(200, 3))
    s = 0.02
    lw = 0.5 * rng.normal(size=len(X)) if weighted else None
    d_lse, ok_lse, ok_mean, ok_msd, dense, tr = _truncation_errors(X, Q, s, tol, lw)
    assert ok_lse.all() and ok_mean.all() and ok_msd.all()
    # the truncation really drops points (else the test would be vacuous) ...
    counts = K.neighbour_counts(X, Q, s, log_weights=lw, tol=tol)
    assert counts.max() < 0.1 * len(X)
    # ... and the dropped mass is visible at tol = 1e-3, far above rounding (~1e-15 on lse ~ 1):
    # the comparison is not trivial. (The bound is loose: N exp(-cut) overestimates the Gaussian
    # tail beyond the cut by the ratio N / (points near the boundary); measured ~1e-8 here.)
    if tol == 1e-3:
        assert d_lse.max() > 1e-11
    mean_t, cov_t = K.softmax_covariance(X, Q, s, log_weights=lw, mode="truncated", tol=tol)
    mean_d, cov_d = K.softmax_covariance(X, Q, s, log_weights=lw, mode="dense")
    np.testing.assert_allclose(mean_t, tr.mean, rtol=0, atol=1e-14)
    r2 = np.max(np.sum((X[None, :, :] - mean_t[:, None, :]) ** 2, axis=2), axis=1)
    assert np.all(np.abs(cov_d - cov_t) <= 3 * tol * r2[:, None, None] + 1e-15)


def test_truncated_negative_control_wrong_radius():
    """Cutting at e* - 2 instead of e* - log(N / tol) drops mass e^-2 per point: the bound check
    must fail, otherwise it could not detect a wrong radius."""
    rng = np.random.default_rng(6)
    X = _sphere(20_000, rng)
    Q = _sphere(50, rng)
    tol = 1e-6
    _, ok_lse, ok_mean, ok_msd, _, _ = _truncation_errors(X, Q, 0.02, tol, log_cut=2.0)
    assert not (ok_lse.all() and ok_mean.all() and ok_msd.all())
    _, ok_lse, ok_mean, ok_msd, _, _ = _truncation_errors(
        X, Q, 0.02, tol, log_cut=math.log(len(X) / tol)
    )
    assert ok_lse.all() and ok_mean.all() and ok_msd.all()


@pytest.mark.parametrize("leaf_size", [1, 2, 3, 7, 64])
def test_index_structure_against_naive(leaf_size):
    """The KD-tree is a partition of the data into leaves of <= leaf_size points, children
    split their parent's range at the median of the widest side, and the node boxes and max
    log-weights equal the naive per-node reductions."""
    rng = np.random.default_rng(10 + leaf_size)
    X = rng.normal(size=(517, 3)) * np.array([3.0, 1.0, 0.2])
    idx = K.GaussianIndex(X, leaf_size=leaf_size)
    np.testing.assert_array_equal(np.sort(idx.perm), np.arange(len(X)))
    np.testing.assert_array_equal(idx.yT, X[idx.perm].T)
    leaf = idx.left < 0
    assert np.all((idx.end - idx.start)[leaf] <= leaf_size)
    assert np.all((idx.end - idx.start)[leaf] >= 1)
    inner = np.flatnonzero(~leaf)
    np.testing.assert_array_equal(idx.start[idx.left[inner]], idx.start[inner])
    np.testing.assert_array_equal(idx.end[idx.left[inner]], idx.start[idx.right[inner]])
    np.testing.assert_array_equal(idx.end[idx.right[inner]], idx.end[inner])
    pts = X[idx.perm]
    for k in inner:  # median split: left side <= right side in the split coordinate
        j = int(np.argmax(idx.hi[k] - idx.lo[k]))
        a, b, c = idx.start[k], idx.start[idx.right[k]], idx.end[k]
        assert pts[a:b, j].max() <= pts[b:c, j].min()
        assert abs((b - a) - (c - b)) <= 1
    lw = rng.normal(size=len(X))
    lo, hi, lwmax = nk.tree_node_boxes(pts, idx.start, idx.end, lw[idx.perm])
    np.testing.assert_array_equal(idx.lo, lo)
    np.testing.assert_array_equal(idx.hi, hi)
    np.testing.assert_array_equal(idx.node_lwmax(np.ascontiguousarray(lw[idx.perm])), lwmax)


def test_duplicate_points_exceed_leaf_size():
    rng = np.random.default_rng(7)
    X = np.vstack([np.tile([[0.3, -0.2]], (500, 1)), rng.normal(size=(300, 2))])
    idx = K.GaussianIndex(X, leaf_size=8)
    assert idx.leaf_max > 8  # leaves of coincident points cannot be split
    Q = np.vstack([[0.3, -0.2], rng.normal(size=(4, 2))])
    _assert_lse(K.log_sum_exp_gauss(idx, Q, 0.01, mode="truncated"),
                nk.log_sum_exp_gauss(X, Q, 0.01))  # fmt: skip


def test_auto_rule_and_cache():
    rng = np.random.default_rng(8)
    X = _sphere(20_000, rng)
    Q = _sphere(400, rng)
    assert _api._prepare(X, Q, 0.01, None, "auto", 1e-12).mode == "truncated"
    assert _api._prepare(X, Q, 1.0, None, "auto", 1e-12).mode == "dense"
    assert _api._prepare(X[:1000], Q, 0.01, None, "auto", 1e-12).mode == "dense"
    # the tree of X is cached and reused; a modified copy gets its own
    i1 = get_index(X)
    assert get_index(X.copy()) is i1
    Y = X.copy()
    Y[0, 0] += 1e-9
    assert get_index(Y) is not i1
    assert len(_CACHE) <= 4
    K.clear_index_cache()
    assert len(_CACHE) == 0
    a = K.softmax_average(X, Q, 0.01)  # auto -> truncated with default tol 1e-12
    b = K.softmax_average(X, Q, 0.01, mode="dense")
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-11)


# ------------------------------------------------------------------------------------------
# input handling


def test_float32_is_upcast():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(300, 3)).astype(np.float32)
    Q = rng.normal(size=(5, 3)).astype(np.float32)
    a = K.softmax_moments(X, Q, np.float32(0.3))
    b = K.softmax_moments(X.astype(np.float64), Q.astype(np.float64), float(np.float32(0.3)))
    for u, v in zip(a, b, strict=True):
        assert u.dtype == np.float64
        np.testing.assert_array_equal(u, v)


def test_single_query_1d_and_integer_input():
    X = np.array([[0, 0], [1, 0], [0, 2]])
    out = K.softmax_average(X, np.array([0.5, 0.5]), 1.0)
    assert out.shape == (1, 2)
    np.testing.assert_allclose(out, nk.softmax_average(X, np.array([[0.5, 0.5]]), 1.0), rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(sigma=0.0), "sigma"),
        (dict(sigma=-1.0), "sigma"),
        (dict(sigma=np.nan), "sigma"),
        (dict(sigma=np.inf), "sigma"),
        (dict(sigma="a"), "sigma"),
        (dict(sigma=1e-160), "sigma"),
        (dict(data=np.empty((0, 3))), "data"),
        (dict(data=np.array([[0.0, np.nan, 1.0]])), "data"),
        (dict(data=np.ones((4, 3), dtype=complex)), "data"),
        (dict(queries=np.ones((2, 2))), "queries"),
        (dict(queries=np.array([[np.inf, 0, 0]])), "queries"),
        (dict(log_weights=np.zeros(3)), "log_weights"),
        (dict(log_weights=np.array([0.0, -np.inf, 0, 0])), "log_weights"),
        (dict(mode="fast"), "mode"),
        (dict(tol=0.0), "tol"),
        (dict(tol=1.0), "tol"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, match):
    args = dict(data=np.ones((4, 3)), queries=np.zeros((2, 3)), sigma=1.0)
    args.update(kwargs)
    extra = {k: args.pop(k) for k in ("log_weights", "mode", "tol") if k in args}
    for fn in (K.log_sum_exp_gauss, K.softmax_moments, K.softmax_covariance):
        with pytest.raises(ValueError, match=match):
            fn(args["data"], args["queries"], args["sigma"], **extra)


def test_bad_values():
    X = np.ones((4, 3))
    with pytest.raises(ValueError, match="values"):
        K.softmax_average(X, X, 1.0, values=np.ones((5, 2)))
    with pytest.raises(ValueError, match="values"):
        K.softmax_average(X, X, 1.0, values=np.array([1.0, np.nan, 0, 0]))
    with pytest.raises(ValueError, match="leaf_size"):
        K.GaussianIndex(X, leaf_size=0)
