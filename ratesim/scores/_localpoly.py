"""Numba cores for local polynomial regression and the moving-least-squares projection.

Both are Gaussian-weighted least-squares fits, one independent problem per query row (``prange``).
Numba kernel layer: float64 C-contiguous arrays in, preallocated ``out`` filled. The
plain NumPy twins live in tests/naive_scores.py.

Threads. The kernels split the queries into ``nb`` blocks (:func:`n_blocks`: one per numba thread)
and loop over the blocks with ``prange``. A block allocates its scratch (weights, candidate points,
the normal equations, the foot-point iteration) and private copies of the read-only inputs once,
then runs its queries in place: the per-query code neither allocates (allocation inside the
parallel loop cost system time: page faults and arena trimming) nor takes views of arrays that
another thread also uses (every view and every call with array arguments updates the array's
reference count atomically; on a shared array both threads contend for that cache line). Each
query is computed alone, so the results do not depend on the number of blocks or threads.

Arithmetic. The floating-point operations of each query are those of the original kernels (one
query at a time, allocating per query), in the same order: the restructuring (scratch buffers,
exp evaluated only for the kept weights, loops over the nonzero weights only, the candidates'
distance scan reused for the log-weights, the normal equations of curves accumulated in registers)
was checked to give the same bits on the studies' configurations (benchmarks/coarse.md). The
kernels compile without fast-math (``IEEE_MATH``): with reassociation allowed, numba's freshly
compiled and cache-loaded code gave different last bits, which the thresholds below turn into
different decisions.

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
from numba import get_num_threads, njit, prange

from .._config import IEEE_MATH, NUMBA_CACHE

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


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _features(t, exps, phi):
    """phi_f = prod_a t_a^exps[f, a]."""
    F, q = exps.shape
    for f in range(F):
        v = 1.0
        for a in range(q):
            for _ in range(exps[f, a]):
                v *= t[a]
        phi[f] = v


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
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


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _cholesky_solve(A, B, X):
    """Solve A X = B for a symmetric positive definite A (F, F) and B (F, r) by Cholesky, into
    X (F, r); a plain loop (numba compiles it much faster than np.linalg.solve). A is
    overwritten."""
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
    for i in range(F):
        for c in range(r):
            X[i, c] = B[i, c]
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


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _solve_ridge(G, B, ridge, X):
    """X = (G + lambda I)^(-1) B with lambda = ridge * trace(G) / F (ridge if G = 0); G (F, F) is
    overwritten (by its Cholesky factor), X (F, r) receives the solution."""
    F = G.shape[0]
    tr = 0.0
    for f in range(F):
        tr += G[f, f]
    lam = ridge * tr / F if tr > 0 else ridge
    for f in range(F):
        G[f, f] += lam
    _cholesky_solve(G, B, X)


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _local_poly_one(inputs, targets, log_a, x, h, exps, ridge, logw, G, B, t, phi, coef):
    """One query x (q,) of ``_local_poly_kernel``: returns nothing, the intercepts are coef[0].
    Scratch: logw (n,), G (F, F), B (F, r), t (q,), phi (F,), coef (F, r)."""
    n, q = inputs.shape
    r = targets.shape[1]
    F = exps.shape[0]
    inv2h2 = 0.5 / (h * h)
    mx = -np.inf
    for j in range(n):
        s = 0.0
        for a in range(q):
            diff = inputs[j, a] - x[a]
            s += diff * diff
        lw = log_a[j] - s * inv2h2
        logw[j] = lw
        if lw > mx:
            mx = lw
    for f in range(F):
        for g in range(F):
            G[f, g] = 0.0
        for c in range(r):
            B[f, c] = 0.0
    for j in range(n):
        lw = logw[j] - mx
        if lw < -LOG_CUT:
            continue
        w = np.exp(lw)
        for a in range(q):
            t[a] = (inputs[j, a] - x[a]) / h
        _features(t, exps, phi)
        for f in range(F):
            wf = w * phi[f]
            for g in range(F):
                G[f, g] += wf * phi[g]
            for c in range(r):
                B[f, c] += wf * targets[j, c]
    _solve_ridge(G, B, ridge, coef)


def n_blocks(m: int) -> int:
    """Blocks of consecutive queries for the prange loops of this module: one per numba thread,
    at most one per query. Each block owns its scratch buffers and private copies of the
    read-only inputs, so the hot loops neither allocate nor update a reference count that another
    thread also updates; the queries of a call are exchangeable, so equal blocks balance the work.
    The results do not depend on it (every query is computed alone)."""
    return max(1, min(int(m), get_num_threads()))


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, parallel=True)
def _local_poly_kernel(inputs, targets, log_a, queries, h, exps, ridge, out, nb):
    """Local polynomial regression: out[i] = intercept of the weighted least-squares fit of
    ``targets`` on the monomials ``exps`` of (inputs - queries[i]) / h, with weights
    a_j exp(-|inputs_j - queries[i]|^2 / (2 h^2))."""
    m = queries.shape[0]
    n, q = inputs.shape
    r = targets.shape[1]
    F = exps.shape[0]
    for b in prange(nb):
        inp = inputs.copy()
        tg = targets.copy()
        la = log_a.copy()
        ex = exps.copy()
        logw = np.empty(n)
        G = np.empty((F, F))
        B = np.empty((F, r))
        t = np.empty(q)
        phi = np.empty(F)
        coef = np.empty((F, r))
        x = np.empty(q)
        for i in range(b * m // nb, (b + 1) * m // nb):
            for a in range(q):
                x[a] = queries[i, a]
            _local_poly_one(inp, tg, la, x, h, ex, ridge, logw, G, B, t, phi, coef)
            for c in range(r):
                out[i, c] = coef[0, c]


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _gauss_logw(X, y, inv2h2, w):
    """Log-weights w_j = -|X_j - y|^2 / (2 h^2) (inv2h2 = 1 / (2 h^2)); returns their maximum."""
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
    return mx


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _gauss_cut(w, mx, idx):
    """Log-weights w (n,) with maximum mx -> weights exp(w_j - mx), 0 below exp(-LOG_CUT); idx[:nnz]
    receives the indices of the nonzero weights (ascending); returns nnz. exp is evaluated for
    the kept weights only."""
    nnz = 0
    for j in range(w.shape[0]):
        lw = w[j] - mx
        if lw >= -LOG_CUT:
            idx[nnz] = j
            nnz += 1
        else:
            w[j] = 0.0
    for q in range(nnz):
        j = idx[q]
        w[j] = np.exp(w[j] - mx)
    return nnz


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _weighted_mean_cov(X, w, idx, nnz, c, C):
    """Weighted mean c (d,) and covariance C (d, d) of the rows of X with nonzero weight
    (idx[:nnz], ascending; the zero weights add nothing)."""
    d = X.shape[1]
    sw = 0.0
    c[:] = 0.0
    C[:, :] = 0.0
    for q in range(nnz):
        j = idx[q]
        sw += w[j]
        for a in range(d):
            c[a] += w[j] * X[j, a]
    for a in range(d):
        c[a] /= sw
    for q in range(nnz):
        j = idx[q]
        for a in range(d):
            da = X[j, a] - c[a]
            for b in range(a, d):
                C[a, b] += w[j] * da * (X[j, b] - c[b])
    for a in range(d):
        for b in range(a + 1, d):
            C[b, a] = C[a, b]


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
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


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _fit_sums(X, w, idx, nnz, c, T, Nf, h, exps, G, B, t, nv, phi):
    """The normal equations of ``_fit_graph``: G (F, Fp) += w phi phi^T (only the first F columns
    are used: Fp >= F pads each row to a multiple of 8 so that the row update is whole vectors;
    phi (Fp,) must be 0 beyond F) and B (F, d - k) += w phi nv^T over the rows idx[:nnz] of X;
    returns r_fit^2. Scratch: t (k,), nv (d - k,)."""
    k = T.shape[1]
    dn = Nf.shape[1]
    F = exps.shape[0]
    Fp = G.shape[1]
    for f in range(F):
        for g in range(Fp):
            G[f, g] = 0.0
        for a in range(dn):
            B[f, a] = 0.0
    sw = 0.0
    st2 = 0.0
    d = X.shape[1]
    for q in range(nnz):
        j = idx[q]
        # _frame_coords of X[j], written out: a call per sample (and its reference counting of
        # seven array arguments) cost more than the fit itself
        for a in range(k):
            s = 0.0
            for b in range(d):
                s += T[b, a] * (X[j, b] - c[b])
            t[a] = s / h
        for a in range(dn):
            s = 0.0
            for b in range(d):
                s += Nf[b, a] * (X[j, b] - c[b])
            nv[a] = s
        _features(t, exps, phi)
        sw += w[j]
        for a in range(k):
            st2 += w[j] * t[a] * t[a]
        for f in range(F):
            wf = w[j] * phi[f]
            for g in range(Fp):
                G[f, g] += wf * phi[g]
            for a in range(dn):
                B[f, a] += wf * nv[a]
    return st2 / sw


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _fit_sums_k1_deg4(X, w, idx, nnz, c, T, Nf, h, G, B, t, nv):
    """``_fit_sums`` for k = 1 and the 5 monomials 1, t, ..., t^4 (degree 4), with the 25
    entries of G accumulated in registers: the same operations in the same order per entry."""
    k = T.shape[1]
    dn = Nf.shape[1]
    d = X.shape[1]
    for f in range(5):
        for a in range(dn):
            B[f, a] = 0.0
    g00 = 0.0
    g01 = 0.0
    g02 = 0.0
    g03 = 0.0
    g04 = 0.0
    g10 = 0.0
    g11 = 0.0
    g12 = 0.0
    g13 = 0.0
    g14 = 0.0
    g20 = 0.0
    g21 = 0.0
    g22 = 0.0
    g23 = 0.0
    g24 = 0.0
    g30 = 0.0
    g31 = 0.0
    g32 = 0.0
    g33 = 0.0
    g34 = 0.0
    g40 = 0.0
    g41 = 0.0
    g42 = 0.0
    g43 = 0.0
    g44 = 0.0
    sw = 0.0
    st2 = 0.0
    for q in range(nnz):
        j = idx[q]
        for a in range(k):
            s = 0.0
            for b in range(d):
                s += T[b, a] * (X[j, b] - c[b])
            t[a] = s / h
        for a in range(dn):
            s = 0.0
            for b in range(d):
                s += Nf[b, a] * (X[j, b] - c[b])
            nv[a] = s
        sw += w[j]
        for a in range(k):
            st2 += w[j] * t[a] * t[a]
        wj = w[j]
        tt = t[0]
        p0 = 1.0
        p1 = tt
        p2 = tt * tt
        p3 = p2 * tt
        p4 = p2 * p2  # t^4 = (t t)(t t): what the compiled _features computes
        wf = wj * p0
        g00 += wf * p0
        g01 += wf * p1
        g02 += wf * p2
        g03 += wf * p3
        g04 += wf * p4
        for a in range(dn):
            B[0, a] += wf * nv[a]
        wf = wj * p1
        g10 += wf * p0
        g11 += wf * p1
        g12 += wf * p2
        g13 += wf * p3
        g14 += wf * p4
        for a in range(dn):
            B[1, a] += wf * nv[a]
        wf = wj * p2
        g20 += wf * p0
        g21 += wf * p1
        g22 += wf * p2
        g23 += wf * p3
        g24 += wf * p4
        for a in range(dn):
            B[2, a] += wf * nv[a]
        wf = wj * p3
        g30 += wf * p0
        g31 += wf * p1
        g32 += wf * p2
        g33 += wf * p3
        g34 += wf * p4
        for a in range(dn):
            B[3, a] += wf * nv[a]
        wf = wj * p4
        g40 += wf * p0
        g41 += wf * p1
        g42 += wf * p2
        g43 += wf * p3
        g44 += wf * p4
        for a in range(dn):
            B[4, a] += wf * nv[a]
    G[0, 0] = g00
    G[0, 1] = g01
    G[0, 2] = g02
    G[0, 3] = g03
    G[0, 4] = g04
    G[1, 0] = g10
    G[1, 1] = g11
    G[1, 2] = g12
    G[1, 3] = g13
    G[1, 4] = g14
    G[2, 0] = g20
    G[2, 1] = g21
    G[2, 2] = g22
    G[2, 3] = g23
    G[2, 4] = g24
    G[3, 0] = g30
    G[3, 1] = g31
    G[3, 2] = g32
    G[3, 3] = g33
    G[3, 4] = g34
    G[4, 0] = g40
    G[4, 1] = g41
    G[4, 2] = g42
    G[4, 3] = g43
    G[4, 4] = g44
    return st2 / sw


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _is_power_table(exps):
    """True if exps (F, 1) is the k = 1 table 0, 1, ..., F - 1."""
    if exps.shape[1] != 1:
        return False
    for f in range(exps.shape[0]):
        if exps[f, 0] != f:
            return False
    return True


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _fit_graph(X, w, idx, nnz, c, T, Nf, h, exps, ridge, G, B, t, nv, phi, coef):
    """Weighted least squares of the normal coordinates on the monomials of the scaled tangent
    coordinates (rows of X with nonzero weight: idx[:nnz]): the coefficients (F, d - k) into
    coef; returns r_fit^2 = sum_j w_j |t_j|^2 / sum_j w_j (the weighted mean square of the scaled
    tangent coordinates). Scratch: G (F, Fp) with Fp = ``_padded(F)``, B (F, d - k), t (k,),
    nv (d - k,), phi (Fp,). Curves (k = 1) at degree 4 take an unrolled path
    (``_fit_sums_k1_deg4``) that performs the same floating-point operations in the same order
    (degree 2 would gain less than its compilation costs)."""
    F = exps.shape[0]
    if F == 5 and _is_power_table(exps):
        r2 = _fit_sums_k1_deg4(X, w, idx, nnz, c, T, Nf, h, G, B, t, nv)
    else:
        for g in range(F, phi.shape[0]):
            phi[g] = 0.0
        r2 = _fit_sums(X, w, idx, nnz, c, T, Nf, h, exps, G, B, t, nv, phi)
    # the solve needs a contiguous (F, F) matrix: compact the padded rows in place (row f moves
    # down to f F, never over a row still to be read)
    Fp = G.shape[1]
    Gf = G.reshape(F * Fp)
    if Fp != F:
        for f in range(1, F):
            for g in range(F):
                Gf[f * F + g] = Gf[f * Fp + g]
    _solve_ridge(Gf[: F * F].reshape((F, F)), B, ridge, coef)
    return r2


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _padded(F):
    """Row length of the padded normal matrix: F rounded up to a multiple of 8."""
    return (F + 7) // 8 * 8


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _clamp(t, r_max):
    """Radial projection of t onto the ball |t| <= r_max (in place)."""
    s = 0.0
    for a in range(t.shape[0]):
        s += t[a] * t[a]
    if s > r_max * r_max:
        f = r_max / np.sqrt(s)
        for a in range(t.shape[0]):
            t[a] *= f


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _foot_point(x, c, T, Nf, h, exps, coef, n_newton, r_max, y, tq, nq, t, phi, dphi, g, Dg, A,
                rhs, step):  # fmt: skip
    """Nearest point y of the local graph {c + T h t + N g(t)} to x: projected Gauss-Newton on
    E(t) = h^2 |t - tq|^2 + |g(t) - nq|^2 over the trust ball |t| <= r_max, started at the
    scaled tangent coordinates tq of x (clamped to the ball). Scratch: tq, t (k,), nq, g
    (d - k,), phi (F,), dphi (F, k), Dg (d - k, k), A (k, k), rhs and step (k, 1)."""
    d, k = T.shape
    dn = Nf.shape[1]
    F = exps.shape[0]
    _frame_coords(x, c, T, Nf, h, tq, nq)
    for a in range(k):
        t[a] = tq[a]
    _clamp(t, r_max)
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
        _cholesky_solve(A, rhs, step)
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


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _n_features(exps, ess, k):
    """Number of leading (graded) monomials the fit may use at effective sample size ``ess``:
    those of the largest degree p' <= max degree with ESS_PER_COEF * F(p') <= ess; 0 (no fit,
    weighted mean) if ess < ESS_PER_COEF * (k + 1)."""
    F = exps.shape[0]
    if ess < ESS_PER_COEF * (k + 1):
        return 0
    nf = F
    while nf > 1 and ESS_PER_COEF * nf > ess:
        # drop the whole top degree (the rows are graded)
        top = _degree(exps, nf - 1)
        while nf > 1 and _degree(exps, nf - 1) == top:
            nf -= 1
    return nf


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _degree(exps, f):
    """Total degree of monomial f."""
    s = 0
    for a in range(exps.shape[1]):
        s += exps[f, a]
    return s


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _mls_workspace(n, d, k, F):
    """Scratch of one thread's MLS queries on n points in R^d with at most F monomials:
    w (n,) weights, idx (n,) indices of the nonzero weights, c (d,), C (d, d), T (d, k),
    Nf (d, d - k), and ws, the flat vector that ``_mls_pass`` carves into the fit's and the foot
    point's arrays."""
    dn = d - k
    Fp = _padded(F)
    size = 2 * F * dn + F * Fp + Fp + F * k + 5 * k + 3 * dn + dn * k + k * k
    return (
        np.empty(n),
        np.empty(n, dtype=np.int64),
        np.empty(d),
        np.empty((d, d)),
        np.empty((d, k)),
        np.empty((d, dn)),
        np.empty(size),
    )


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _mls_pass(X, x, h, k, exps, ridge, n_newton, dlim, w, idx, c, C, T, Nf, ws, y, mx):
    """One MLS pass centred at y (updated in place): weights, effective sample size, local PCA,
    graph fit of the admissible degree, trust-region foot point, and the distance check
    |y_new - x| <= dlim (else y_new = c). ``dlim < 0`` (first pass, y = x) sets
    dlim = min_j |X_j - x| + h. Returns dlim (safeguards: module docstring). Scratch from
    ``_mls_workspace``; ``mx = NaN``: compute the log-weights here, else w already holds them
    (``_gauss_logw`` of y) and mx is their maximum."""
    n, d = X.shape
    if mx != mx:
        mx = _gauss_logw(X, y, 0.5 / (h * h), w)
    nnz = _gauss_cut(w, mx, idx)
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
    _weighted_mean_cov(X, w, idx, nnz, c, C)
    nf = _n_features(exps, sw * sw / sw2, k)
    if nf == 0:
        y[:] = c
        return dlim
    _, vecs = np.linalg.eigh(C)  # ascending eigenvalues
    for b in range(d):
        for a in range(k):
            T[b, a] = vecs[b, d - k + a]
        for a in range(d - k):
            Nf[b, a] = vecs[b, a]
    # carve the fit's and the foot point's arrays out of ws (sizes: _mls_workspace)
    F = exps.shape[0]
    dn = d - k
    ex = exps[:nf]
    Fp = _padded(nf)
    o = 0
    coef = ws[o : o + nf * dn].reshape((nf, dn))
    o += F * dn
    G = ws[o : o + nf * Fp].reshape((nf, Fp))
    o += F * _padded(F)
    B = ws[o : o + nf * dn].reshape((nf, dn))
    o += F * dn
    phi = ws[o : o + Fp]
    o += _padded(F)
    dphi = ws[o : o + nf * k].reshape((nf, k))
    o += F * k
    t = ws[o : o + k]
    tq = ws[o + k : o + 2 * k]
    tt = ws[o + 2 * k : o + 3 * k]
    rhs = ws[o + 3 * k : o + 4 * k].reshape((k, 1))
    step = ws[o + 4 * k : o + 5 * k].reshape((k, 1))
    o += 5 * k
    nv = ws[o : o + dn]
    nq = ws[o + dn : o + 2 * dn]
    g = ws[o + 2 * dn : o + 3 * dn]
    o += 3 * dn
    Dg = ws[o : o + dn * k].reshape((dn, k))
    o += dn * k
    A = ws[o : o + k * k].reshape((k, k))
    r2 = _fit_graph(X, w, idx, nnz, c, T, Nf, h, ex, ridge, G, B, t, nv, phi, coef)
    _foot_point(x, c, T, Nf, h, ex, coef, n_newton, TRUST_RADIUS * np.sqrt(r2), y, tq, nq, tt,
                phi, dphi, g, Dg, A, rhs, step)  # fmt: skip
    dy2 = 0.0
    for a in range(d):
        dy2 += (y[a] - x[a]) ** 2
    if not dy2 <= dlim * dlim:  # also catches a non-finite y
        y[:] = c
    return dlim


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, inline="always")
def _mls_one(X, x, h, k, exps, ridge, n_iter, n_newton, y, w, idx, c, C, T, Nf, ws):
    """The MLS projection y (d,) of one query x (d,) onto the data X (n, d); scratch from
    ``_mls_workspace(n, d, k, F)``."""
    y[:] = x
    dlim = -1.0
    for _ in range(n_iter):
        dlim = _mls_pass(X, x, h, k, exps, ridge, n_newton, dlim, w, idx, c, C, T, Nf, ws, y,
                         np.nan)  # fmt: skip


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, parallel=True)
def _mls_projection_kernel(X, queries, h, k, exps, ridge, n_iter, n_newton, out, nb):
    """Moving-least-squares projection onto the k-manifold sampled by X (P1's coarse score).

    For each query x: centre y <- x; repeat n_iter times: Gaussian weights w_j of |X_j - y| at
    bandwidth h; weighted mean c and covariance C; tangent frame T = top-k eigenvectors of C,
    normal frame N = the rest; weighted polynomial fit (monomials ``exps`` of the scaled tangent
    coordinates t_j = T^T (X_j - c) / h) of the normal coordinates N^T (X_j - c); then the nearest
    point of the fitted graph {c + T h t + N g(t)} to x by Gauss-Newton, started at the tangent
    coordinates of x; y <- that point. out[i] = the last y. The degree is lowered (down to the
    weighted mean) when few samples carry weight, and the foot point stays in a trust ball
    (module docstring); a non-finite query gives NaN. One block of queries per thread
    (``nb`` of them, :func:`n_blocks`).
    """
    m = queries.shape[0]
    n, d = X.shape
    for b in prange(nb):
        Xp = X.copy()
        ex = exps.copy()
        w, idx, c, C, T, Nf, ws = _mls_workspace(n, d, k, ex.shape[0])
        x = np.empty(d)
        y = np.empty(d)
        for i in range(b * m // nb, (b + 1) * m // nb):
            for a in range(d):
                x[a] = queries[i, a]
            _mls_one(Xp, x, h, k, ex, ridge, n_iter, n_newton, y, w, idx, c, C, T, Nf, ws)
            for a in range(d):
                out[i, a] = y[a]


# ----- KD-tree candidates for the MLS projection ----------------------------------------------
# The tree is the kernel engine's GaussianIndex (median splits, bounding boxes per node); pts are
# its points in tree order. For a query x with nearest-point distance delta, the candidates are
# the points within R = 2 delta + h (1 + sqrt(2 LOG_CUT)) of x. An MLS pass centred at y uses
# exactly the dense kernel's points (those with weight >= exp(-LOG_CUT) of the largest) as long as
# |y - x| + sqrt(cmin^2 + 2 h^2 LOG_CUT) <= R, cmin the candidates' distance to y: then the ball
# that holds all of them lies inside the candidate ball (and so does y's nearest point). This is
# checked at every pass; a query that fails it is recomputed densely.

STACK_SIZE = 128  # depth-first stacks of the tree searches (a median-split tree of N points has
# depth ~log2(N / leaf size); the stack holds at most depth + 1 nodes)
CONTAINED = 1.0 - 1e-9  # a node whose farthest corner is within CONTAINED * r2 holds only points
# within r2 in floating point (each squared distance is within d * 4 eps of its exact value)


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
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


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _box_maxdist2(lo, hi, node, y):
    """Squared distance from y to the farthest corner of the node's bounding box."""
    s = 0.0
    for a in range(y.shape[0]):
        t = max(y[a] - lo[node, a], hi[node, a] - y[a])
        s += t * t
    return s


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _nearest_d2(pts, start, end, left, right, lo, hi, y, stack):
    """Squared distance from y to its nearest point (branch and bound, depth-first); stack:
    int64 scratch of STACK_SIZE."""
    best = np.inf
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


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE)
def _ball(pts, start, end, left, right, lo, hi, y, r2, out, stack, inside):
    """The points within sqrt(r2) of y, copied to the leading rows of out (n, d) in the order of
    a depth-first traversal (right child first, a leaf's points in tree order); returns their
    count. A node whose whole box lies within the ball (CONTAINED) is copied without distance
    tests, the same points in the same order. stack, inside: int64 scratch of STACK_SIZE."""
    d = y.shape[0]
    cnt = 0
    stack[0] = 0
    inside[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        full = inside[top]
        if full == 0:
            if _box_dist2(lo, hi, node, y) > r2:
                continue
            if _box_maxdist2(lo, hi, node, y) <= CONTAINED * r2:
                full = 1
        if left[node] < 0:
            for j in range(start[node], end[node]):
                if full == 0:
                    s = 0.0
                    for a in range(d):
                        t = pts[j, a] - y[a]
                        s += t * t
                    if not s <= r2:
                        continue
                for a in range(d):
                    out[cnt, a] = pts[j, a]
                cnt += 1
        else:
            stack[top] = left[node]
            stack[top + 1] = right[node]
            inside[top] = full
            inside[top + 1] = full
            top += 2
    return cnt


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, inline="always")
def _mls_one_checked(Xc, x, R, h, k, exps, ridge, n_iter, n_newton, y, w, idx, c, C, T, Nf, ws):
    """``_mls_one`` on the candidate points Xc; False if a pass could need a non-candidate. The
    scan for the candidates' distance cmin to y also stores the pass's log-weights: their
    maximum -cmin^2 / (2 h^2) is the largest log-weight (the product with a positive constant is
    monotone in floating point)."""
    n, d = Xc.shape
    inv2h2 = 0.5 / (h * h)
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
            w[j] = -s * inv2h2
            if s < cmin2:
                cmin2 = s
        if np.sqrt(dxy2) + np.sqrt(cmin2 + 2.0 * h * h * LOG_CUT) > R:
            return False
        dlim = _mls_pass(Xc, x, h, k, exps, ridge, n_newton, dlim, w, idx, c, C, T, Nf, ws, y,
                         -cmin2 * inv2h2)  # fmt: skip
    return True


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, parallel=True)
def _mls_projection_tree_kernel(
    pts, start, end, left, right, lo, hi, queries, h, k, exps, ridge, n_iter, n_newton, out, ok, nb
):
    """``_mls_projection_kernel`` restricted to KD-tree candidates (see the comment above);
    ok[i] = False marks the queries the caller must recompute densely. One block of queries per
    thread (``nb`` of them, :func:`n_blocks`), each with private copies of the tree."""
    m = queries.shape[0]
    n, d = pts.shape
    margin = h * (1.0 + np.sqrt(2.0 * LOG_CUT))
    for b in prange(nb):
        P = pts.copy()
        st, en, le, ri = start.copy(), end.copy(), left.copy(), right.copy()
        bl, bh = lo.copy(), hi.copy()
        ex = exps.copy()
        w, idx, c, C, T, Nf, ws = _mls_workspace(n, d, k, ex.shape[0])
        Xc = np.empty((n, d))
        stack = np.empty(STACK_SIZE, dtype=np.int64)
        inside = np.empty(STACK_SIZE, dtype=np.int64)
        x = np.empty(d)
        y = np.empty(d)
        for i in range(b * m // nb, (b + 1) * m // nb):
            for a in range(d):
                x[a] = queries[i, a]
            delta = np.sqrt(_nearest_d2(P, st, en, le, ri, bl, bh, x, stack))
            R = 2.0 * delta + margin
            cnt = _ball(P, st, en, le, ri, bl, bh, x, R * R, Xc, stack, inside)
            ok[i] = _mls_one_checked(Xc[:cnt], x, R, h, k, ex, ridge, n_iter, n_newton, y,
                                     w[:cnt], idx, c, C, T, Nf, ws)  # fmt: skip
            for a in range(d):
                out[i, a] = y[a]
