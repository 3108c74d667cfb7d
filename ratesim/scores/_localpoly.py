"""Numba cores for local polynomial regression and the moving-least-squares projection.

Both are Gaussian-weighted least-squares fits, one independent problem per query row (``prange``).
Numba kernel layer: float64 C-contiguous arrays in, preallocated ``out`` filled. The
plain NumPy twins live in tests/naive_scores.py.

Weights below exp(-LOG_CUT) times the largest weight of a query are skipped: each skipped term is
< 2e-22 of the largest one, so the neglected mass is below N * 2e-22 relative (< 1e-15 for N < 1e6).

Safeguards of the moving-least-squares projection (what keeps P_hat finite and local far from M,
e.g. near the medial axis or at the large noise levels where reverse samplers start; without them a
degree-4 fit in k = 2 on a handful of effective points returns wild coefficients, the foot point is
an extrapolation, the chains are thrown to |x| ~ 1e100 and the next pass divides by a zero weight
sum):

- effective sample size n_eff = (sum w)^2 / sum w^2 of each pass's weights. The fit uses the largest
  degree p' <= p with ESS_PER_COEF * F(p') <= n_eff (F(p') = binom(k + p', k) monomials, the leading
  rows of the graded exponent table); when n_eff < ESS_PER_COEF (k + 1) (too few points to fix even
  a tangent k-plane), the pass returns the weighted mean c: the Nadaraya-Watson denoiser at
  bandwidth h. Near M n_eff ~ h^k N (2 pi)^(k/2) / vol(M) > 1.5 F and nothing changes (1.5 rather
  than 2: the committed k = 1 design, h = 6 log N / N, has n_eff down to 8 on M for F = 5 and
  those fits are accurate; 2F would have lowered their degree);
- the Gauss-Newton foot point is confined to |t| <= TRUST_RADIUS * r_fit (r_fit the weighted RMS of
  the data's scaled tangent coordinates, ~sqrt(k) in the bulk): the fitted graph is not
  extrapolated beyond the data that determine it (near M the foot point sits at |t| << r_fit);
- a pass output farther from x than d_min(x) + h (d_min the distance from x to its nearest sample)
  is rejected for c. The projection onto M is never farther than the nearest sample
  (|P_M x - x| = dist(x, M) <= d_min(x)), so an accurate fit (error << h) never trips it; a fit
  that does (local PCA of a patch that is not a graph over its plane, e.g. h comparable to the
  reach) would throw a sampler's chain away from M. Non-finite outputs are rejected the same way,
  and a non-finite centre (all weights zero) yields NaN without dividing by zero (numba's python
  error model would raise ZeroDivisionError).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import FASTMATH, NUMBA_CACHE

LOG_CUT = 50.0
ESS_PER_COEF = 1.5  # effective samples required per fitted coefficient (per normal coordinate)
TRUST_RADIUS = 2.0  # foot points stay within TRUST_RADIUS * r_fit of the weighted mean


def monomial_exponents(q: int, degree: int) -> np.ndarray:
    """Exponents (F, q) of all monomials of total degree <= ``degree`` in q >= 1 variables,
    graded (the constant first), lexicographically decreasing within a degree.
    F = binom(q + degree, degree)."""

    def compositions(total: int, parts: int):
        if parts == 1:
            yield (total,)
            return
        for first in range(total, -1, -1):
            for rest in compositions(total - first, parts - 1):
                yield (first, *rest)

    rows = [e for deg in range(degree + 1) for e in compositions(deg, q)]
    return np.ascontiguousarray(np.array(rows, dtype=np.int64).reshape(len(rows), q))


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _features(t, exps, phi):
    """phi_f = prod_a t_a^exps[f, a]."""
    F, q = exps.shape
    for f in range(F):
        v = 1.0
        for a in range(q):
            for _ in range(exps[f, a]):
                v *= t[a]
        phi[f] = v


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _features_jac(t, exps, dphi):
    """dphi[f, a] = d phi_f / d t_a."""
    F, q = exps.shape
    for f in range(F):
        for a in range(q):
            e = exps[f, a]
            if e == 0:
                dphi[f, a] = 0.0
                continue
            v = float(e)
            for b in range(q):
                p = exps[f, b] - 1 if b == a else exps[f, b]
                for _ in range(p):
                    v *= t[b]
            dphi[f, a] = v


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _cholesky_solve(A, B):
    """Solve A X = B for a symmetric positive definite A (F, F) and B (F, r) by Cholesky;
    a plain loop (numba compiles it much faster than np.linalg.solve). A is overwritten."""
    F = A.shape[0]
    r = B.shape[1]
    for j in range(F):
        s = A[j, j]
        for p in range(j):
            s -= A[j, p] * A[j, p]
        # s > 0 for SPD input; the ridge guarantees it up to rounding
        L = np.sqrt(s) if s > 0.0 else 1e-300
        A[j, j] = L
        for i in range(j + 1, F):
            t = A[i, j]
            for p in range(j):
                t -= A[i, p] * A[j, p]
            A[i, j] = t / L
    X = B.copy()
    for c in range(r):
        for i in range(F):
            t = X[i, c]
            for p in range(i):
                t -= A[i, p] * X[p, c]
            X[i, c] = t / A[i, i]
        for i in range(F - 1, -1, -1):
            t = X[i, c]
            for p in range(i + 1, F):
                t -= A[p, i] * X[p, c]
            X[i, c] = t / A[i, i]
    return X


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _solve_ridge(G, B, ridge):
    """(G + lambda I)^(-1) B with lambda = ridge * trace(G) / F (ridge if G = 0)."""
    F = G.shape[0]
    tr = 0.0
    for f in range(F):
        tr += G[f, f]
    lam = ridge * tr / F if tr > 0 else ridge
    A = G.copy()
    for f in range(F):
        A[f, f] += lam
    return _cholesky_solve(A, B)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _local_poly_kernel(inputs, targets, log_a, queries, h, exps, ridge, out):
    """Local polynomial regression: out[i] = intercept of the weighted least-squares fit of
    ``targets`` on the monomials ``exps`` of (inputs - queries[i]) / h, with weights
    a_j exp(-|inputs_j - queries[i]|^2 / (2 h^2))."""
    for i in prange(queries.shape[0]):
        _local_poly_one(inputs, targets, log_a, queries, h, exps, ridge, out, i)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _local_poly_one(inputs, targets, log_a, queries, h, exps, ridge, out, i):
    """One query row of ``_local_poly_kernel``."""
    n, q = inputs.shape
    r = targets.shape[1]
    F = exps.shape[0]
    inv2h2 = 0.5 / (h * h)
    logw = np.empty(n)
    mx = -np.inf
    for j in range(n):
        s = 0.0
        for a in range(q):
            diff = inputs[j, a] - queries[i, a]
            s += diff * diff
        lw = log_a[j] - s * inv2h2
        logw[j] = lw
        if lw > mx:
            mx = lw
    G = np.zeros((F, F))
    B = np.zeros((F, r))
    t = np.empty(q)
    phi = np.empty(F)
    for j in range(n):
        lw = logw[j] - mx
        if lw < -LOG_CUT:
            continue
        w = np.exp(lw)
        for a in range(q):
            t[a] = (inputs[j, a] - queries[i, a]) / h
        _features(t, exps, phi)
        for f in range(F):
            wf = w * phi[f]
            for g in range(F):
                G[f, g] += wf * phi[g]
            for c in range(r):
                B[f, c] += wf * targets[j, c]
    coef = _solve_ridge(G, B, ridge)
    for c in range(r):
        out[i, c] = coef[0, c]


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _gauss_weights(X, y, inv2h2, w):
    """w_j = exp(-|X_j - y|^2 / (2 h^2)) relative to the largest, 0 below exp(-LOG_CUT); returns
    the largest log-weight -min_j |X_j - y|^2 / (2 h^2)."""
    n, d = X.shape
    mx = -np.inf
    for j in range(n):
        s = 0.0
        for a in range(d):
            diff = X[j, a] - y[a]
            s += diff * diff
        w[j] = -s * inv2h2
        if w[j] > mx:
            mx = w[j]
    for j in range(n):
        lw = w[j] - mx
        w[j] = np.exp(lw) if lw >= -LOG_CUT else 0.0
    return mx


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _weighted_mean_cov(X, w, c, C):
    n, d = X.shape
    sw = 0.0
    c[:] = 0.0
    C[:, :] = 0.0
    for j in range(n):
        if w[j] > 0.0:
            sw += w[j]
            for a in range(d):
                c[a] += w[j] * X[j, a]
    for a in range(d):
        c[a] /= sw
    for j in range(n):
        if w[j] == 0.0:
            continue
        for a in range(d):
            da = X[j, a] - c[a]
            for b in range(a, d):
                C[a, b] += w[j] * da * (X[j, b] - c[b])
    for a in range(d):
        for b in range(a + 1, d):
            C[b, a] = C[a, b]


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _frame_coords(v, c, T, Nf, h, t, nv):
    """Scaled tangent coordinates t = T^T (v - c) / h and normal coordinates nv = N^T (v - c)."""
    d, k = T.shape
    for a in range(k):
        s = 0.0
        for b in range(d):
            s += T[b, a] * (v[b] - c[b])
        t[a] = s / h
    for a in range(Nf.shape[1]):
        s = 0.0
        for b in range(d):
            s += Nf[b, a] * (v[b] - c[b])
        nv[a] = s


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _fit_graph(X, w, c, T, Nf, h, exps, ridge):
    """Weighted least squares of the normal coordinates on the monomials of the scaled tangent
    coordinates; returns the coefficients (F, d - k) and r_fit^2 = sum_j w_j |t_j|^2 / sum_j w_j
    (the weighted mean square of the scaled tangent coordinates)."""
    n = X.shape[0]
    k = T.shape[1]
    dn = Nf.shape[1]
    F = exps.shape[0]
    G = np.zeros((F, F))
    B = np.zeros((F, dn))
    t = np.empty(k)
    nv = np.empty(dn)
    phi = np.empty(F)
    sw = 0.0
    st2 = 0.0
    for j in range(n):
        if w[j] == 0.0:
            continue
        _frame_coords(X[j], c, T, Nf, h, t, nv)
        _features(t, exps, phi)
        sw += w[j]
        for a in range(k):
            st2 += w[j] * t[a] * t[a]
        for f in range(F):
            wf = w[j] * phi[f]
            for g in range(F):
                G[f, g] += wf * phi[g]
            for a in range(dn):
                B[f, a] += wf * nv[a]
    return _solve_ridge(G, B, ridge), st2 / sw


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _clamp(t, r_max):
    """Radial projection of t onto the ball |t| <= r_max (in place)."""
    s = 0.0
    for a in range(t.shape[0]):
        s += t[a] * t[a]
    if s > r_max * r_max:
        f = r_max / np.sqrt(s)
        for a in range(t.shape[0]):
            t[a] *= f


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _foot_point(x, c, T, Nf, h, exps, coef, n_newton, r_max, y):
    """Nearest point y of the local graph {c + T h t + N g(t)} to x: projected Gauss-Newton on
    E(t) = h^2 |t - tq|^2 + |g(t) - nq|^2 over the trust ball |t| <= r_max, started at the
    scaled tangent coordinates tq of x (clamped to the ball)."""
    d, k = T.shape
    dn = Nf.shape[1]
    F = exps.shape[0]
    tq = np.empty(k)
    nq = np.empty(dn)
    _frame_coords(x, c, T, Nf, h, tq, nq)
    t = tq.copy()
    _clamp(t, r_max)
    phi = np.empty(F)
    dphi = np.empty((F, k))
    g = np.empty(dn)
    Dg = np.empty((dn, k))
    A = np.empty((k, k))
    rhs = np.empty((k, 1))
    for _ in range(n_newton):
        _features(t, exps, phi)
        _features_jac(t, exps, dphi)
        for a in range(dn):
            s = 0.0
            for f in range(F):
                s += coef[f, a] * phi[f]
            g[a] = s - nq[a]
            for b in range(k):
                s = 0.0
                for f in range(F):
                    s += coef[f, a] * dphi[f, b]
                Dg[a, b] = s
        for a in range(k):
            rhs[a, 0] = -h * h * (t[a] - tq[a])
            for e in range(dn):
                rhs[a, 0] -= Dg[e, a] * g[e]
            for b in range(k):
                s = h * h if a == b else 0.0
                for e in range(dn):
                    s += Dg[e, a] * Dg[e, b]
                A[a, b] = s
        step = _cholesky_solve(A, rhs)
        for a in range(k):
            t[a] += step[a, 0]
        _clamp(t, r_max)
    _features(t, exps, phi)
    for b in range(d):
        s = c[b]
        for a in range(k):
            s += T[b, a] * h * t[a]
        y[b] = s
    for a in range(dn):
        s = 0.0
        for f in range(F):
            s += coef[f, a] * phi[f]
        for b in range(d):
            y[b] += Nf[b, a] * s


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _n_features(exps, ess, k):
    """Number of leading (graded) monomials the fit may use at effective sample size ``ess``:
    those of the largest degree p' <= max degree with ESS_PER_COEF * F(p') <= ess; 0 (no fit,
    weighted mean) if ess < ESS_PER_COEF * (k + 1)."""
    F = exps.shape[0]
    if ess < ESS_PER_COEF * (k + 1):
        return 0
    deg = np.zeros(F, dtype=np.int64)
    for f in range(F):
        for a in range(exps.shape[1]):
            deg[f] += exps[f, a]
    nf = F
    while nf > 1 and ESS_PER_COEF * nf > ess:
        # drop the whole top degree (the rows are graded)
        top = deg[nf - 1]
        while nf > 1 and deg[nf - 1] == top:
            nf -= 1
    return nf


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _mls_pass(X, x, h, k, exps, ridge, n_newton, dlim, w, c, C, y):
    """One MLS pass centred at y (updated in place): weights, effective sample size, local PCA,
    graph fit of the admissible degree, trust-region foot point, and the distance check
    |y_new - x| <= dlim (else y_new = c). ``dlim < 0`` (first pass, y = x) sets
    dlim = min_j |X_j - x| + h. Returns dlim (safeguards: module docstring)."""
    n, d = X.shape
    mx = _gauss_weights(X, y, 0.5 / (h * h), w)
    if dlim < 0.0:
        dlim = np.sqrt(max(-2.0 * h * h * mx, 0.0)) + h
    sw = 0.0
    sw2 = 0.0
    for j in range(n):
        sw += w[j]
        sw2 += w[j] * w[j]
    if not sw > 0.0:  # a non-finite centre: no weight anywhere
        y[:] = np.nan
        return dlim
    _weighted_mean_cov(X, w, c, C)
    nf = _n_features(exps, sw * sw / sw2, k)
    if nf == 0:
        y[:] = c
        return dlim
    _, vecs = np.linalg.eigh(C)  # ascending eigenvalues
    T = np.ascontiguousarray(vecs[:, d - k :])
    Nf = np.ascontiguousarray(vecs[:, : d - k])
    ex = exps[:nf]
    coef, r2 = _fit_graph(X, w, c, T, Nf, h, ex, ridge)
    _foot_point(x, c, T, Nf, h, ex, coef, n_newton, TRUST_RADIUS * np.sqrt(r2), y)
    dy2 = 0.0
    for a in range(d):
        dy2 += (y[a] - x[a]) ** 2
    if not dy2 <= dlim * dlim:  # also catches a non-finite y
        y[:] = c
    return dlim


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _mls_one(X, x, h, k, exps, ridge, n_iter, n_newton, y):
    n, d = X.shape
    w = np.empty(n)
    c = np.empty(d)
    C = np.empty((d, d))
    y[:] = x
    dlim = -1.0
    for _ in range(n_iter):
        dlim = _mls_pass(X, x, h, k, exps, ridge, n_newton, dlim, w, c, C, y)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _mls_projection_kernel(X, queries, h, k, exps, ridge, n_iter, n_newton, out):
    """Moving-least-squares projection onto the k-manifold sampled by X (P1's coarse score).

    For each query x: centre y <- x; repeat n_iter times: Gaussian weights w_j of |X_j - y| at
    bandwidth h; weighted mean c and covariance C; tangent frame T = top-k eigenvectors of C,
    normal frame N = the rest; weighted polynomial fit (monomials ``exps`` of the scaled tangent
    coordinates t_j = T^T (X_j - c) / h) of the normal coordinates N^T (X_j - c); then the nearest
    point of the fitted graph {c + T h t + N g(t)} to x by Gauss-Newton, started at the tangent
    coordinates of x; y <- that point. out[i] = the last y. The degree is lowered (down to the
    weighted mean) when few samples carry weight, and the foot point stays in a trust ball
    (module docstring); a non-finite query gives NaN.
    """
    for i in prange(queries.shape[0]):
        _mls_one(X, queries[i], h, k, exps, ridge, n_iter, n_newton, out[i])


# ----- KD-tree candidates for the MLS projection ----------------------------------------------
# The tree is the kernel engine's GaussianIndex (median splits, bounding boxes per node); pts are
# its points in tree order. For a query x with nearest-point distance delta, the candidates are
# the points within R = 2 delta + h (1 + sqrt(2 LOG_CUT)) of x. An MLS pass centred at y uses
# exactly the dense kernel's points (those with weight >= exp(-LOG_CUT) of the largest) as long as
# |y - x| + sqrt(cmin^2 + 2 h^2 LOG_CUT) <= R, cmin the candidates' distance to y: then the ball
# that holds all of them lies inside the candidate ball (and so does y's nearest point). This is
# checked at every pass; a query that fails it is recomputed densely.


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _box_dist2(lo, hi, node, y):
    s = 0.0
    for a in range(y.shape[0]):
        if y[a] < lo[node, a]:
            t = lo[node, a] - y[a]
            s += t * t
        elif y[a] > hi[node, a]:
            t = y[a] - hi[node, a]
            s += t * t
    return s


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _nearest_d2(pts, start, end, left, right, lo, hi, y):
    """Squared distance from y to its nearest point (branch and bound, depth-first)."""
    best = np.inf
    stack = np.empty(128, dtype=np.int64)
    top = 0
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        if _box_dist2(lo, hi, node, y) >= best:
            continue
        if left[node] < 0:
            for j in range(start[node], end[node]):
                s = 0.0
                for a in range(y.shape[0]):
                    t = pts[j, a] - y[a]
                    s += t * t
                if s < best:
                    best = s
        else:
            lft, rgt = left[node], right[node]
            # visit the nearer child first (pushed last)
            if _box_dist2(lo, hi, lft, y) <= _box_dist2(lo, hi, rgt, y):
                stack[top] = rgt
                stack[top + 1] = lft
            else:
                stack[top] = lft
                stack[top + 1] = rgt
            top += 2
    return best


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _ball(pts, start, end, left, right, lo, hi, y, r2, buf):
    """Indices (tree order) of the points within sqrt(r2) of y, written to buf; returns count."""
    cnt = 0
    stack = np.empty(128, dtype=np.int64)
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        if _box_dist2(lo, hi, node, y) > r2:
            continue
        if left[node] < 0:
            for j in range(start[node], end[node]):
                s = 0.0
                for a in range(y.shape[0]):
                    t = pts[j, a] - y[a]
                    s += t * t
                if s <= r2:
                    buf[cnt] = j
                    cnt += 1
        else:
            stack[top] = left[node]
            stack[top + 1] = right[node]
            top += 2
    return cnt


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _mls_one_checked(Xc, x, R, h, k, exps, ridge, n_iter, n_newton, y):
    """``_mls_one`` on the candidate points Xc; False if a pass could need a non-candidate."""
    n, d = Xc.shape
    w = np.empty(n)
    c = np.empty(d)
    C = np.empty((d, d))
    y[:] = x
    dlim = -1.0
    for _ in range(n_iter):
        cmin2 = np.inf
        dxy2 = 0.0
        for a in range(d):
            dxy2 += (y[a] - x[a]) ** 2
        for j in range(n):
            s = 0.0
            for a in range(d):
                t = Xc[j, a] - y[a]
                s += t * t
            if s < cmin2:
                cmin2 = s
        if np.sqrt(dxy2) + np.sqrt(cmin2 + 2.0 * h * h * LOG_CUT) > R:
            return False
        dlim = _mls_pass(Xc, x, h, k, exps, ridge, n_newton, dlim, w, c, C, y)
    return True


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _mls_projection_tree_kernel(
    pts, start, end, left, right, lo, hi, queries, h, k, exps, ridge, n_iter, n_newton, out, ok
):
    """``_mls_projection_kernel`` restricted to KD-tree candidates (see the comment above);
    ok[i] = False marks the queries the caller must recompute densely."""
    n, d = pts.shape
    margin = h * (1.0 + np.sqrt(2.0 * LOG_CUT))
    for i in prange(queries.shape[0]):
        x = queries[i]
        delta = np.sqrt(_nearest_d2(pts, start, end, left, right, lo, hi, x))
        R = 2.0 * delta + margin
        buf = np.empty(n, dtype=np.int64)
        cnt = _ball(pts, start, end, left, right, lo, hi, x, R * R, buf)
        Xc = np.empty((cnt, d))
        for j in range(cnt):
            for a in range(d):
                Xc[j, a] = pts[buf[j], a]
        ok[i] = _mls_one_checked(Xc, x, R, h, k, exps, ridge, n_iter, n_newton, out[i])
