"""Numba cores of the Gaussian softmax engine (private: arrays in, preallocated outputs filled).

All kernels compute, for each query q and data points y_i with log-weights l_i, the exponents

    e_i = l_i - |q - y_i|^2 / (2 sigma^2)

and the streaming ("online") log-sum-exp over blocks of data: a running maximum ``mx`` of the
exponents seen so far, the sum ``S = sum_i exp(e_i - mx)`` and weighted sums of values, all rescaled
by ``exp(mx_old - mx_new)`` whenever a block raises the maximum. Nothing overflows (every weight
is <= 1) and the point with the largest exponent keeps weight exactly 1, so S >= 1 never underflows.
Distances are direct differences ``sum_j (q_j - y_ij)^2`` (the expansion
``|q|^2 + |y|^2 - 2 q.y`` loses every digit for far queries at small sigma).

Data are stored coordinate-major so that the inner loops over points are contiguous and vectorize:
``yT`` (d, N) in tree order for the truncated kernels, blocks ``yB`` (nb, d, B) of B = 512
contiguous points for the dense ones, where tiles of 16 queries reuse each block while it is in
cache and four queries share every data load. ``exp`` is a vectorizable Cody-Waite + degree-13
Taylor implementation (relative error < 2e-15 on [-40, 0] where weights matter, < 3e-14 down to
-708 because fast-math reassociation folds the two-constant ln 2 split; tested against
``numpy.exp``): numba without SVML calls the scalar libm ``exp``, which would cost more than all
the rest of a pair.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .._config import FASTMATH, NUMBA_CACHE

QTILE = 16
"""Number of queries sharing each data block in the dense kernels."""
QCHUNK = 32
"""Queries per parallel chunk in the truncated kernels (work buffers allocated once per chunk)."""

_LOG2E = 1.4426950408889634
_LN2_HI = 0.693147180369123816490  # high part of ln 2 (low bits zero, so k * _LN2_HI is exact)
_LN2_LO = 1.90821492927058770002e-10
_EXP_FLOOR = -708.0  # exp(-708) ~ 3e-308 is still normal; below it the result is flushed to 0
_INV_FACT = tuple(1.0 / math.factorial(j) for j in range(14))


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _exp_shifted(e, n, shift, out, kbits):
    """out[:n] = exp(e[:n] - shift), for arguments <= 0 (vectorizable; 0 below -708)."""
    c2 = _INV_FACT[2]
    c3 = _INV_FACT[3]
    c4 = _INV_FACT[4]
    c5 = _INV_FACT[5]
    c6 = _INV_FACT[6]
    c7 = _INV_FACT[7]
    c8 = _INV_FACT[8]
    c9 = _INV_FACT[9]
    c10 = _INV_FACT[10]
    c11 = _INV_FACT[11]
    c12 = _INV_FACT[12]
    c13 = _INV_FACT[13]
    for i in range(n):
        x = e[i] - shift
        under = x < _EXP_FLOOR
        x = max(x, _EXP_FLOOR)
        k = math.floor(x * _LOG2E + 0.5)
        r = x - k * _LN2_HI
        r = r - k * _LN2_LO
        p = c13
        p = p * r + c12
        p = p * r + c11
        p = p * r + c10
        p = p * r + c9
        p = p * r + c8
        p = p * r + c7
        p = p * r + c6
        p = p * r + c5
        p = p * r + c4
        p = p * r + c3
        p = p * r + c2
        p = p * r + 1.0
        p = p * r + 1.0
        kbits[i] = (np.int64(k) + 1023) << 52
        out[i] = 0.0 if under else p
    scale = kbits.view(np.float64)
    for i in range(n):
        out[i] *= scale[i]


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def exp_vec(x, out):
    """Vectorized exp of a 1-D array with entries <= 0 (exposed for the accuracy test)."""
    kbits = np.empty(x.shape[0], dtype=np.int64)
    _exp_shifted(x, x.shape[0], 0.0, out, kbits)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _block_dist(q, yT, start, n, dist):
    """dist[:n] = |q - y_i|^2 for i in [start, start + n) (direct differences)."""
    d = yT.shape[0]
    for i in range(n):
        dist[i] = 0.0
    # Slices (not row[start + i]): a possibly negative index would keep numba's wraparound check
    # in the loop and block vectorization. Four coordinates per sweep: one load/store of dist per
    # four (y - q)^2 (the loop is bound by memory operations at large d; measured 20 % at d = 50).
    d4 = d - d % 4
    for j in range(0, d4, 4):
        a0 = q[j]
        a1 = q[j + 1]
        a2 = q[j + 2]
        a3 = q[j + 3]
        r0 = yT[j, start : start + n]
        r1 = yT[j + 1, start : start + n]
        r2 = yT[j + 2, start : start + n]
        r3 = yT[j + 3, start : start + n]
        for i in range(n):
            t0 = r0[i] - a0
            t1 = r1[i] - a1
            t2 = r2[i] - a2
            t3 = r3[i] - a3
            dist[i] += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3)
    for j in range(d4, d):
        qj = q[j]
        row = yT[j, start : start + n]
        for i in range(n):
            t = row[i] - qj
            dist[i] += t * t


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _block_dist_quad(q0, q1, q2, q3, yT, start, n, D0, D1, D2, D3):
    """_block_dist for four queries at once: each data load serves four (measured 1.4x at
    d = 50 over one query at a time)."""
    d = yT.shape[0]
    for i in range(n):
        D0[i] = 0.0
        D1[i] = 0.0
        D2[i] = 0.0
        D3[i] = 0.0
    d4 = d - d % 4
    for j in range(0, d4, 4):
        r0 = yT[j, start : start + n]
        r1 = yT[j + 1, start : start + n]
        r2 = yT[j + 2, start : start + n]
        r3 = yT[j + 3, start : start + n]
        a0, a1, a2, a3 = q0[j], q0[j + 1], q0[j + 2], q0[j + 3]
        b0, b1, b2, b3 = q1[j], q1[j + 1], q1[j + 2], q1[j + 3]
        c0, c1, c2, c3 = q2[j], q2[j + 1], q2[j + 2], q2[j + 3]
        e0, e1, e2, e3 = q3[j], q3[j + 1], q3[j + 2], q3[j + 3]
        for i in range(n):
            y0 = r0[i]
            y1 = r1[i]
            y2 = r2[i]
            y3 = r3[i]
            t0 = y0 - a0
            t1 = y1 - a1
            t2 = y2 - a2
            t3 = y3 - a3
            D0[i] += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3)
            t0 = y0 - b0
            t1 = y1 - b1
            t2 = y2 - b2
            t3 = y3 - b3
            D1[i] += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3)
            t0 = y0 - c0
            t1 = y1 - c1
            t2 = y2 - c2
            t3 = y3 - c3
            D2[i] += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3)
            t0 = y0 - e0
            t1 = y1 - e1
            t2 = y2 - e2
            t3 = y3 - e3
            D3[i] += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3)
    for j in range(d4, d):
        row = yT[j, start : start + n]
        a = q0[j]
        b = q1[j]
        c = q2[j]
        f = q3[j]
        for i in range(n):
            y = row[i]
            t = y - a
            D0[i] += t * t
            t = y - b
            D1[i] += t * t
            t = y - c
            D2[i] += t * t
            t = y - f
            D3[i] += t * t


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _exponents(lw, start, n, inv2s2, dist, e):
    """e[:n] = l_i - dist * inv2s2; returns max(e[:n])."""
    lwb = lw[start : start + n]
    for i in range(n):
        e[i] = lwb[i] - dist[i] * inv2s2
    return _max4(e, n)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _block_exponents(q, yT, lw, start, n, inv2s2, dist, e):
    """dist[:n] = |q - y_i|^2 and e[:n] = l_i - dist * inv2s2 for i in [start, start + n).

    Returns the block maximum of the exponents.
    """
    _block_dist(q, yT, start, n, dist)
    return _exponents(lw, start, n, inv2s2, dist, e)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _max4(e, n):
    """max(e[:n]) with four independent chains (a max reduction does not vectorize without the
    nnan flag, and a single chain is bound by the latency of vmaxsd)."""
    m0 = -np.inf
    m1 = -np.inf
    m2 = -np.inf
    m3 = -np.inf
    n4 = n - n % 4
    for i in range(0, n4, 4):
        m0 = max(m0, e[i])
        m1 = max(m1, e[i + 1])
        m2 = max(m2, e[i + 2])
        m3 = max(m3, e[i + 3])
    for i in range(n4, n):
        m0 = max(m0, e[i])
    bmax = max(max(m0, m1), max(m2, m3))
    return bmax


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _block_values(VT, start, n, w, acc):
    """acc[j] += sum_i w_i v_ij over the block."""
    p = VT.shape[0]
    for j in range(p):
        row = VT[j, start : start + n]
        t = 0.0
        for i in range(n):
            t += w[i] * row[i]
        acc[j] += t


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _block_values_quad(VT, start, n, W, acc, k0):
    """_block_values for queries k0..k0+3 at once, weights W[k0 + r, :n] (value loads shared)."""
    p = VT.shape[0]
    w0 = W[k0]
    w1 = W[k0 + 1]
    w2 = W[k0 + 2]
    w3 = W[k0 + 3]
    for j in range(p):
        row = VT[j, start : start + n]
        t0 = 0.0
        t1 = 0.0
        t2 = 0.0
        t3 = 0.0
        for i in range(n):
            v = row[i]
            t0 += w0[i] * v
            t1 += w1[i] * v
            t2 += w2[i] * v
            t3 += w3[i] * v
        acc[k0, j] += t0
        acc[k0 + 1, j] += t1
        acc[k0 + 2, j] += t2
        acc[k0 + 3, j] += t3


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _block_weights(lw, start, n, inv2s2, want_msd, dist, e, w, kbits, acc, state):
    """Exponents of the block, rescale of state = [mx, S, msd_sum] and acc if the max rises,
    weights w[:n] = exp(e - mx), and S, msd_sum updated (acc is left to the caller)."""
    bmax = _exponents(lw, start, n, inv2s2, dist, e)
    if bmax > state[0]:
        scale = math.exp(state[0] - bmax)  # state[0] = -inf at first: scale = 0 (sums are 0)
        state[1] *= scale
        state[2] *= scale
        for j in range(acc.shape[0]):
            acc[j] *= scale
        state[0] = bmax
    _exp_shifted(e, n, state[0], w, kbits)
    s = 0.0
    for i in range(n):
        s += w[i]
    state[1] += s
    if want_msd:
        t = 0.0
        for i in range(n):
            t += w[i] * dist[i]
        state[2] += t


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _process_block(q, yT, lw, VT, start, n, inv2s2, want_msd, dist, e, w, kbits, acc, state):
    """One block of the online log-sum-exp: exponents, rescale if the max rises, accumulate."""
    _block_dist(q, yT, start, n, dist)
    _block_weights(lw, start, n, inv2s2, want_msd, dist, e, w, kbits, acc, state)
    _block_values(VT, start, n, w, acc)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _finish(state, acc, qi, out_lse, out_avg, out_msd, want_msd):
    inv = 1.0 / state[1]
    out_lse[qi] = state[0] + math.log(state[1])
    for j in range(acc.shape[0]):
        out_avg[qi, j] = acc[j] * inv
    if want_msd:
        out_msd[qi] = state[2] * inv


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def softmax_dense(yB, lwB, VB, N, Q, inv2s2, want_msd, out_lse, out_avg, out_msd):
    """Dense kernel: every query visits all N points, block by block.

    yB (nb, d, B) data in blocks of B points, each block coordinate-major and contiguous (so a
    block is one contiguous piece of memory that stays in L1/L2 while a tile of queries uses it);
    lwB (nb, B) log-weights, VB (nb, p, B) values (p may be 0); only the first N points count.
    Q (m, d) queries. Fills out_lse (m,), out_avg (m, p) and, if want_msd, out_msd (m,). Queries
    are processed in tiles of ``QTILE`` that share each data block while it is hot in cache.
    """
    m = Q.shape[0]
    nb = yB.shape[0]
    B = yB.shape[2]
    p = VB.shape[1]
    n_tiles = (m + QTILE - 1) // QTILE
    for tile in prange(n_tiles):
        q0 = tile * QTILE
        nq = min(QTILE, m - q0)
        D = np.empty((4, B))
        W = np.empty((4, B))
        e = np.empty(B)
        kbits = np.empty(B, dtype=np.int64)
        acc = np.zeros((nq, p))
        state = np.zeros((nq, 3))
        for k in range(nq):
            state[k, 0] = -np.inf
        for blk in range(nb):
            n = min(B, N - blk * B)
            yb = yB[blk]
            lb = lwB[blk]
            vb = VB[blk]
            k = 0
            while k + 4 <= nq:  # quads of queries share the data loads
                _block_dist_quad(Q[q0 + k], Q[q0 + k + 1], Q[q0 + k + 2], Q[q0 + k + 3], yb, 0, n,
                                 D[0], D[1], D[2], D[3])  # fmt: skip
                for r in range(4):
                    _block_weights(lb, 0, n, inv2s2, want_msd, D[r], e, W[r], kbits, acc[k + r],
                                   state[k + r])  # fmt: skip
                _block_values_quad(vb, 0, n, W, acc[k : k + 4], 0)
                k += 4
            while k < nq:
                _process_block(Q[q0 + k], yb, lb, vb, 0, n, inv2s2, want_msd, D[0], e, W[0],
                               kbits, acc[k], state[k])  # fmt: skip
                k += 1
        for k in range(nq):
            _finish(state[k], acc[k], q0 + k, out_lse, out_avg, out_msd, want_msd)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _block_cov(q, yT, lw, start, n, inv2s2, lse, mean, dist, e, w, kbits, z, C, c1, s0):
    """Add sum_i w_i z_i z_i^T, sum_i w_i z_i and sum_i w_i, z_i = y_i - mean, w_i = exp(e_i - lse).

    ``lse`` (from the first pass) only keeps the weights <= ~1; the result is normalized by the
    sum accumulated here, so it is exact for whichever set of points this pass visits.
    """
    d = yT.shape[0]
    _block_exponents(q, yT, lw, start, n, inv2s2, dist, e)
    _exp_shifted(e, n, lse, w, kbits)
    t = 0.0
    for i in range(n):
        t += w[i]
    s0[0] += t
    for a in range(d):
        row = yT[a, start : start + n]
        ma = mean[a]
        za = z[a]
        t = 0.0
        for i in range(n):
            v = row[i] - ma
            za[i] = v
            t += w[i] * v
        c1[a] += t
    for a in range(d):
        za = z[a]
        for b in range(a + 1):
            zb = z[b]
            t = 0.0
            for i in range(n):
                t += w[i] * za[i] * zb[i]
            C[a, b] += t


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _finish_cov(C, c1, s0, qi, out_cov):
    """cov = C / S - (c1 / S)(c1 / S)^T: two-pass formula with the correction term (c1 ~ 0)."""
    d = C.shape[0]
    inv = 1.0 / s0[0]
    for a in range(d):
        for b in range(a + 1):
            v = C[a, b] * inv - (c1[a] * inv) * (c1[b] * inv)
            out_cov[qi, a, b] = v
            out_cov[qi, b, a] = v


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def covariance_dense(yB, lwB, N, Q, inv2s2, lse, mean, out_cov):
    """Second pass of the covariance (blocked layout as ``softmax_dense``): weights normalized
    by the first pass's ``lse``."""
    m = Q.shape[0]
    nb = yB.shape[0]
    d = yB.shape[1]
    B = yB.shape[2]
    for qi in prange(m):
        dist = np.empty(B)
        e = np.empty(B)
        w = np.empty(B)
        kbits = np.empty(B, dtype=np.int64)
        z = np.empty((d, B))
        C = np.zeros((d, d))
        c1 = np.zeros(d)
        s0 = np.zeros(1)
        q = Q[qi]
        for blk in range(nb):
            n = min(B, N - blk * B)
            _block_cov(q, yB[blk], lwB[blk], 0, n, inv2s2, lse[qi], mean[qi], dist, e, w, kbits,
                       z, C, c1, s0)  # fmt: skip
        _finish_cov(C, c1, s0, qi, out_cov)


# ----------------------------------------------------------------------------------------------
# KD-tree (truncated mode). Nodes: contiguous ranges [start, end) of the permuted data, bounding
# boxes lo/hi (n_nodes, d), children left/right (-1 at leaves), max log-weight per node.


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _box_min_dist2(q, lo, hi, node):
    d = q.shape[0]
    s = 0.0
    for j in range(d):
        qj = q[j]
        t = max(lo[node, j] - qj, 0.0, qj - hi[node, j])
        s += t * t
    return s


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _node_ub(q, lo, hi, lwmax, inv2s2, node):
    """Upper bound of the exponents l_i - |q - y_i|^2 / (2 sigma^2) over a node."""
    return lwmax[node] - _box_min_dist2(q, lo, hi, node) * inv2s2


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _range_accumulate(
    q, yT, lw, VT, inv2s2, log_cut, want_msd, start_, end_, left, right, lo, hi, lwmax, stack,
    stack_ub, dist, e, w, kbits, acc, state,
):  # fmt: skip
    """Online log-sum-exp over the leaves that may hold a point with e_i >= log(S) - log_cut.

    S = sum of exp(e_i) over the points visited so far (``state[0] + log(state[1])``). Depth
    first, more promising child first, so the leaf next to the query comes first. A node is skipped
    when its bound is < log(S) - log_cut at the time it is popped; S only grows, so every skipped
    point has exp(e_i) < S_final exp(-log_cut) = S_final tol / N and the skipped mass is
    < tol S_final (the bound of the _api module docstring). Returns the number of points visited.
    """
    visited = 0
    stack[0] = 0
    stack_ub[0] = _node_ub(q, lo, hi, lwmax, inv2s2, 0)
    top = 1
    thresh = -np.inf
    while top > 0:
        top -= 1
        node = stack[top]
        if stack_ub[top] < thresh:
            continue
        lft = left[node]
        if lft < 0:
            s = start_[node]
            n = end_[node] - s
            visited += n
            _process_block(q, yT, lw, VT, s, n, inv2s2, want_msd, dist, e, w, kbits, acc, state)
            thresh = state[0] + math.log(state[1]) - log_cut
        else:
            rgt = right[node]
            ul = _node_ub(q, lo, hi, lwmax, inv2s2, lft)
            ur = _node_ub(q, lo, hi, lwmax, inv2s2, rgt)
            if ul >= ur:  # pushed last = popped first
                stack[top] = rgt
                stack_ub[top] = ur
                stack[top + 1] = lft
                stack_ub[top + 1] = ul
            else:
                stack[top] = lft
                stack_ub[top] = ul
                stack[top + 1] = rgt
                stack_ub[top + 1] = ur
            top += 2
    return visited


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _range_cov(
    q, yT, lw, inv2s2, thresh, lse, mean, start_, end_, left, right, lo, hi, lwmax, stack,
    dist, e, w, kbits, z, C, c1, s0,
):  # fmt: skip
    """Covariance pass over the leaves whose bound is >= thresh = lse - log_cut (fixed; a subset
    of the first pass's leaves, whose thresholds were <= this one)."""
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        if _node_ub(q, lo, hi, lwmax, inv2s2, node) < thresh:
            continue
        lft = left[node]
        if lft < 0:
            s = start_[node]
            n = end_[node] - s
            _block_cov(q, yT, lw, s, n, inv2s2, lse, mean, dist, e, w, kbits, z, C, c1, s0)
        else:
            stack[top] = right[node]
            stack[top + 1] = lft
            top += 2


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def softmax_tree(
    yT, lw, VT, Q, inv2s2, log_cut, want_msd, start_, end_, left, right, lo, hi, lwmax, leaf_max,
    out_lse, out_avg, out_msd, out_max, out_visited,
):  # fmt: skip
    """Truncated kernel (tree order data yT (d, N), lw (N,), values VT (p, N)).

    ``log_cut = log(N / tol)``: every skipped point has exp(e_i) < tol S / N with S the kept mass,
    so the skipped mass is < tol S. Also returns the maximum exponent (out_max) and the number of
    points visited per query.
    """
    m = Q.shape[0]
    p = VT.shape[0]
    n_chunks = (m + QCHUNK - 1) // QCHUNK
    for c in prange(n_chunks):  # work buffers allocated once per chunk of queries
        dist = np.empty(leaf_max)
        e = np.empty(leaf_max)
        w = np.empty(leaf_max)
        kbits = np.empty(leaf_max, dtype=np.int64)
        stack = np.empty(256, dtype=np.int64)
        stack_ub = np.empty(256)
        acc = np.empty(p)
        state = np.empty(3)
        for qi in range(c * QCHUNK, min(m, (c + 1) * QCHUNK)):
            acc[:] = 0.0
            state[0] = -np.inf
            state[1] = 0.0
            state[2] = 0.0
            out_visited[qi] = _range_accumulate(
                Q[qi], yT, lw, VT, inv2s2, log_cut, want_msd, start_, end_, left, right, lo, hi,
                lwmax, stack, stack_ub, dist, e, w, kbits, acc, state,
            )  # fmt: skip
            out_max[qi] = state[0]
            _finish(state, acc, qi, out_lse, out_avg, out_msd, want_msd)


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE, parallel=True)
def covariance_tree(
    yT, lw, Q, inv2s2, log_cut, lse, mean, start_, end_, left, right, lo, hi, lwmax, leaf_max,
    out_cov,
):  # fmt: skip
    """Second (covariance) pass of the truncated mode: leaves with bound >= lse - log_cut (a
    subset of the first pass's leaves; the rest carries < tol of the mass)."""
    m = Q.shape[0]
    d = yT.shape[0]
    for qi in prange(m):
        dist = np.empty(leaf_max)
        e = np.empty(leaf_max)
        w = np.empty(leaf_max)
        kbits = np.empty(leaf_max, dtype=np.int64)
        z = np.empty((d, leaf_max))
        stack = np.empty(256, dtype=np.int64)
        C = np.zeros((d, d))
        c1 = np.zeros(d)
        s0 = np.zeros(1)
        _range_cov(
            Q[qi], yT, lw, inv2s2, lse[qi] - log_cut, lse[qi], mean[qi], start_, end_, left,
            right, lo, hi, lwmax, stack, dist, e, w, kbits, z, C, c1, s0,
        )  # fmt: skip
        _finish_cov(C, c1, s0, qi, out_cov)
