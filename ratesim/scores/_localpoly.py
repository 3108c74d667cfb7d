"""Numba cores for local polynomial regression and the moving-least-squares projection.

Both are Gaussian-weighted least-squares fits, one independent problem per query row (``prange``).
Layer 3 of STYLE.md section 2: float64 C-contiguous arrays in, preallocated ``out`` filled. The
plain NumPy twins live in tests/naive_scores.py.

Weights below exp(-LOG_CUT) times the largest weight of a query are skipped: each skipped term is
< 2e-22 of the largest one, so the neglected mass is below N * 2e-22 relative (< 1e-15 for N < 1e6).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._config import FASTMATH, NUMBA_CACHE

LOG_CUT = 50.0


def monomial_exponents(q: int, degree: int) -> np.ndarray:
    """Exponents (F, q) of all monomials of total degree <= ``degree`` in q variables, graded,
    the constant first. F = binom(q + degree, degree)."""
    out = [np.zeros(q, dtype=np.int64)]
    for deg in range(1, degree + 1):

        def rec(prefix, remaining, pos):
            if pos == q - 1:
                yield [*prefix, remaining]
                return
            for e in range(remaining, -1, -1):
                yield from rec([*prefix, e], remaining - e, pos + 1)

        if q == 0:
            break
        for e in rec([], deg, 0):
            out.append(np.array(e, dtype=np.int64))
    return np.ascontiguousarray(np.array(out, dtype=np.int64).reshape(len(out), q))


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
def _solve_ridge(G, B, ridge):
    F = G.shape[0]
    tr = 0.0
    for f in range(F):
        tr += G[f, f]
    lam = ridge * tr / F if tr > 0 else ridge
    A = G.copy()
    for f in range(F):
        A[f, f] += lam
    return np.linalg.solve(A, B)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _local_poly_kernel(inputs, targets, log_a, queries, h, exps, ridge, out):
    """Local polynomial regression: out[i] = intercept of the weighted least-squares fit of
    ``targets`` on the monomials ``exps`` of (inputs - queries[i]) / h, with weights
    a_j exp(-|inputs_j - queries[i]|^2 / (2 h^2))."""
    n, q = inputs.shape
    r = targets.shape[1]
    F = exps.shape[0]
    m = queries.shape[0]
    inv2h2 = 0.5 / (h * h)
    for i in prange(m):
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


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def _mls_projection_kernel(X, queries, h, k, exps, ridge, n_iter, n_newton, out):
    """Moving-least-squares projection onto the k-manifold sampled by X (P1 proxy, SCIENCE.md).

    For each query x: centre y <- x; repeat n_iter times: Gaussian weights w_j of |X_j - y| at
    bandwidth h; weighted mean c and covariance C; tangent frame T = top-k eigenvectors of C,
    normal frame N = the rest; weighted polynomial fit (monomials ``exps`` of the scaled tangent
    coordinates t_j = T^T (X_j - c) / h) of the normal coordinates N^T (X_j - c); then the nearest
    point of the fitted graph {c + T h t + N g(t)} to x by Gauss-Newton, started at the tangent
    coordinates of x; y <- that point. out[i] = the last y.
    """
    n, d = X.shape
    m = queries.shape[0]
    F = exps.shape[0]
    dn = d - k
    inv2h2 = 0.5 / (h * h)
    for i in prange(m):
        x = queries[i].copy()
        y = x.copy()
        logw = np.empty(n)
        w = np.empty(n)
        for _it in range(n_iter):
            mx = -np.inf
            for j in range(n):
                s = 0.0
                for a in range(d):
                    diff = X[j, a] - y[a]
                    s += diff * diff
                logw[j] = -s * inv2h2
                if logw[j] > mx:
                    mx = logw[j]
            sw = 0.0
            c = np.zeros(d)
            for j in range(n):
                lw = logw[j] - mx
                w[j] = np.exp(lw) if lw >= -LOG_CUT else 0.0
                if w[j] > 0.0:
                    sw += w[j]
                    for a in range(d):
                        c[a] += w[j] * X[j, a]
            for a in range(d):
                c[a] /= sw
            C = np.zeros((d, d))
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
            _, vecs = np.linalg.eigh(C)  # ascending eigenvalues
            T = np.ascontiguousarray(vecs[:, d - k :])
            Nf = np.ascontiguousarray(vecs[:, : d - k])
            # weighted polynomial fit of normal coordinates over scaled tangent coordinates
            G = np.zeros((F, F))
            Bm = np.zeros((F, dn))
            t = np.empty(k)
            nv = np.empty(dn)
            phi = np.empty(F)
            for j in range(n):
                if w[j] == 0.0:
                    continue
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
                for f in range(F):
                    wf = w[j] * phi[f]
                    for g in range(F):
                        G[f, g] += wf * phi[g]
                    for a in range(dn):
                        Bm[f, a] += wf * nv[a]
            coef = _solve_ridge(G, Bm, ridge)  # (F, dn)
            # coordinates of the query in the local frame (tangent scaled by 1/h)
            tq = np.empty(k)
            nq = np.empty(dn)
            for a in range(k):
                s = 0.0
                for b in range(d):
                    s += T[b, a] * (x[b] - c[b])
                tq[a] = s / h
            for a in range(dn):
                s = 0.0
                for b in range(d):
                    s += Nf[b, a] * (x[b] - c[b])
                nq[a] = s
            # Gauss-Newton on E(t) = h^2 |t - tq|^2 + |g(t) - nq|^2
            t[:] = tq
            dphi = np.empty((F, k))
            g = np.empty(dn)
            Dg = np.empty((dn, k))
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
                A = np.zeros((k, k))
                rhs = np.zeros(k)
                for a in range(k):
                    A[a, a] = h * h
                    rhs[a] = -h * h * (t[a] - tq[a])
                    for b in range(k):
                        for e in range(dn):
                            A[a, b] += Dg[e, a] * Dg[e, b]
                    for e in range(dn):
                        rhs[a] -= Dg[e, a] * g[e]
                step = np.linalg.solve(A, rhs)
                for a in range(k):
                    t[a] += step[a]
            _features(t, exps, phi)
            for b in range(d):
                y[b] = c[b]
                for a in range(k):
                    y[b] += T[b, a] * h * t[a]
            for a in range(dn):
                s = 0.0
                for f in range(F):
                    s += coef[f, a] * phi[f]
                for b in range(d):
                    y[b] += Nf[b, a] * s
        for b in range(d):
            out[i, b] = y[b]
