"""Numba cores of the screened negative-Sobolev distance on flat tori (private: arrays in,
preallocated outputs filled; the public, validated API is ``ratesim.metrics.sobolev_to_law``).

The kernel is the periodized Green's function of (lam^2 - Laplacian) on T^k = R^k / (2 pi Z)^k,

    G(delta) = sum_{n in Z^k} g(|delta + 2 pi n|),
    g(r) = exp(-lam r) / (2 lam)  (k = 1),   K_0(lam r) / (2 pi)  (k = 2),
           exp(-lam r) / (4 pi r)  (k = 3),

evaluated with each coordinate of delta wrapped to [-pi, pi) and the 3^k images n in {-1, 0, 1}^k
(k = 2, 3; the omitted images are at distance >= 3 pi, see ``ratesim.metrics._sobolev``), and in
closed form at k = 1: G(x) = (exp(-lam a) + exp(-lam (2 pi - a))) / (2 lam (1 - exp(-2 pi lam))),
a = |x| wrapped, which is cosh(lam (pi - a)) / (2 lam sinh(lam pi)) without overflow.

Every kernel here compiles without fast-math (``IEEE_MATH``) and sums in a fixed order: the pair
sums are split into ``N_CHUNKS`` interleaved row groups whatever the number of threads, and the
caller adds the group totals in order, so the result has the same bits for any thread count and
for compiled or cache-loaded code. ``error_model="numpy"``: a division by r = 0 (two equal points
at k = 3) gives inf as in IEEE arithmetic instead of raising, and lets the loops vectorize.

The image loops vectorize (AVX-512 on the benchmark machine) because every function they call is
inlined and branch free: ``exp_nonpos`` is a Cody-Waite reduction with a two-constant ln 2 split
and a degree-13 Taylor polynomial on |t| <= ln 2 / 2 (truncation < 4e-18 relative; 0 below
-708), its 2^k scale built by an LLVM bitcast; numba without SVML would call the scalar libm exp,
which costs more than the rest of an image. K_0 (k = 2) is its power series
K_0(x) = -(log(x / 2) + gamma) I_0(x) + sum_j (x^2/4)^j H_j / (j!)^2 for x <= 2, and for x > 2
exp(-x) / sqrt(x) times a 26-term Chebyshev series in 4 / x - 1 of sqrt(x) exp(x) K_0(x)
(coefficients computed for this module with mpmath at 50 digits, Chebyshev-Gauss interpolation on
60 nodes; the last is 1.7e-18). Only the central image can have lam r <= 2 (the others have
lam r >= lam pi > 2 for lam >= 1), so the 8 outer images use the vectorizable branch. Both
functions are tested against mpmath (relative error < 3e-15, tests/test_sobolev_metric.py).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from .._config import IEEE_MATH, NUMBA_CACHE

N_CHUNKS = 64
"""Interleaved row groups of the pair sums (fixed, so that results do not depend on threads)."""
BLOCK = 256
"""Partner points per block of the pair loop (work buffers of this length stay in L1)."""

TWO_PI = 2.0 * math.pi
_INV_TWO_PI = 1.0 / TWO_PI
_INV_FOUR_PI = 1.0 / (4.0 * math.pi)
_EULER_GAMMA = 0.57721566490153286061

_LOG2E = 1.4426950408889634
_LN2_HI = 0.693147180369123816490  # high part of ln 2 (low bits zero, so k * _LN2_HI is exact)
_LN2_LO = 1.90821492927058770002e-10
_EXP_FLOOR = -708.0
_INV_FACT = tuple(1.0 / math.factorial(j) for j in range(14))

# sqrt(x) exp(x) K_0(x) = sum_j _K0_CHEB[j] T_j(4 / x - 1) for x >= 2 (see the module docstring)
_K0_CHEB = (
    1.2201515410329777,
    -0.0314481013119645,
    0.0015698838857300533,
    -0.00012849549581627802,
    1.39498137188765e-05,
    -1.8317555227191195e-06,
    2.766813639445015e-07,
    -4.660489897687948e-08,
    8.574034017414225e-09,
    -1.6975345093890614e-09,
    3.5773972814003283e-10,
    -7.957489244477396e-11,
    1.8559491149549264e-11,
    -4.514597883374519e-12,
    1.1403405882073441e-12,
    -2.9800969231481784e-13,
    8.032890775068375e-14,
    -2.2275133267462965e-14,
    6.340076476276646e-15,
    -1.848593377920907e-15,
    5.5120559994043335e-16,
    -1.6782311257549006e-16,
    5.2103917776435543e-17,
    -1.6475805939842632e-17,
    5.3004337711773354e-18,
    -1.7331712005821001e-18,
)
_K0_N = len(_K0_CHEB)
_K0_ARR = np.array(_K0_CHEB)


@intrinsic
def _bits_to_float(typingctx, bits):
    """The float64 whose IEEE bits are the int64 ``bits`` (an LLVM bitcast, no memory)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, error_model="numpy", inline="always")
def exp_nonpos(x):
    """exp(x) for x <= 0, vectorizable (module docstring); 0 below -708."""
    under = x < _EXP_FLOOR
    x = max(x, _EXP_FLOOR)
    k = math.floor(x * _LOG2E + 0.5)
    t = x - k * _LN2_HI
    t = t - k * _LN2_LO
    p = _INV_FACT[13]
    p = p * t + _INV_FACT[12]
    p = p * t + _INV_FACT[11]
    p = p * t + _INV_FACT[10]
    p = p * t + _INV_FACT[9]
    p = p * t + _INV_FACT[8]
    p = p * t + _INV_FACT[7]
    p = p * t + _INV_FACT[6]
    p = p * t + _INV_FACT[5]
    p = p * t + _INV_FACT[4]
    p = p * t + _INV_FACT[3]
    p = p * t + _INV_FACT[2]
    p = p * t + 1.0
    p = p * t + 1.0
    scale = _bits_to_float((np.int64(k) + 1023) << 52)
    return 0.0 if under else p * scale


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, error_model="numpy", inline="always")
def _k0_large(x):
    """K_0(x) for x > 2: exp(-x) / sqrt(x) times the Chebyshev series (vectorizable)."""
    t = 4.0 / x - 1.0
    t2 = 2.0 * t
    b1 = 0.0
    b2 = 0.0
    for j in range(_K0_N - 1, 0, -1):  # Clenshaw
        b0 = t2 * b1 - b2 + _K0_ARR[j]
        b2 = b1
        b1 = b0
    p = t * b1 - b2 + _K0_ARR[0]
    return exp_nonpos(-x) / math.sqrt(x) * p


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, error_model="numpy")
def bessel_k0(x):
    """K_0(x) for x >= 0 (inf at 0), relative error ~1e-15 (module docstring)."""
    if x > 2.0:
        return _k0_large(x)
    q = 0.25 * x * x
    term = 1.0
    i0 = 1.0
    s = 0.0
    harmonic = 0.0
    for j in range(1, 22):  # q^21 / (21!)^2 < 2e-40 for q <= 1
        term *= q / (j * j)
        harmonic += 1.0 / j
        i0 += term
        s += term * harmonic
    return -(math.log(0.5 * x) + _EULER_GAMMA) * i0 + s


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, error_model="numpy")
def wrap(d):
    """d reduced to [-pi, pi) (for |d| < 2 pi, exactly d or d -+ 2 pi)."""
    return d - TWO_PI * math.floor(d * _INV_TWO_PI + 0.5)


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, error_model="numpy")
def _green1_block(D, n, lam, out):
    """k = 1, closed form. D (1, >= n) wrapped differences."""
    c = 1.0 / (2.0 * lam * (1.0 - math.exp(-TWO_PI * lam)))
    row = D[0]
    for i in range(n):
        a = abs(row[i])
        out[i] = (exp_nonpos(-lam * a) + exp_nonpos(-lam * (TWO_PI - a))) * c


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, error_model="numpy")
def _green2_block(D, n, lam, out):
    """k = 2, 9 images of K_0(lam r) / (2 pi); the 8 outer ones have lam r >= lam pi > 2."""
    d0 = D[0]
    d1 = D[1]
    for i in range(n):
        a = d0[i]
        b = d1[i]
        out[i] = bessel_k0(lam * math.sqrt(a * a + b * b))
    for i0 in range(3):
        s0 = (i0 - 1) * TWO_PI
        for i1 in range(3):
            if i0 == 1 and i1 == 1:
                continue
            s1 = (i1 - 1) * TWO_PI
            for i in range(n):
                a = d0[i] + s0
                b = d1[i] + s1
                out[i] += _k0_large(lam * math.sqrt(a * a + b * b))
    for i in range(n):
        out[i] *= _INV_TWO_PI


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, error_model="numpy")
def _green3_block(D, n, lam, out):
    """k = 3, 27 images of exp(-lam r) / (4 pi r)."""
    d0 = D[0]
    d1 = D[1]
    d2 = D[2]
    for i in range(n):
        out[i] = 0.0
    for i0 in range(3):
        s0 = (i0 - 1) * TWO_PI
        for i1 in range(3):
            s1 = (i1 - 1) * TWO_PI
            for i2 in range(3):
                s2 = (i2 - 1) * TWO_PI
                for i in range(n):
                    a = d0[i] + s0
                    b = d1[i] + s1
                    c = d2[i] + s2
                    r = math.sqrt(a * a + b * b + c * c)
                    out[i] += exp_nonpos(-lam * r) / r
    for i in range(n):
        out[i] *= _INV_FOUR_PI


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, error_model="numpy")
def _green_block(D, n, lam, out):
    """G at the n wrapped differences D[:, :n] (k = D.shape[0] in {1, 2, 3})."""
    k = D.shape[0]
    if k == 1:
        _green1_block(D, n, lam, out)
    elif k == 2:
        _green2_block(D, n, lam, out)
    else:
        _green3_block(D, n, lam, out)


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, parallel=True, error_model="numpy")
def green_values(deltaT, lam, out):
    """out[i] = G(delta_i) for deltaT (k, n) of any real differences (wrapped here)."""
    k, n = deltaT.shape
    nb = (n + BLOCK - 1) // BLOCK
    for blk in prange(nb):
        start = blk * BLOCK
        cnt = min(BLOCK, n - start)
        D = np.empty((k, BLOCK))
        g = np.empty(BLOCK)
        for j in range(k):
            row = deltaT[j, start : start + cnt]
            Dj = D[j]
            for i in range(cnt):
                Dj[i] = wrap(row[i])
        _green_block(D, cnt, lam, g)
        o = out[start : start + cnt]
        for i in range(cnt):
            o[i] = g[i]


@njit(fastmath=IEEE_MATH, cache=NUMBA_CACHE, parallel=True, error_model="numpy")
def pair_sums(thetaT, lam, hc, sums, rows_direct, rows_chunk):
    """Sums of the centred kernel H_ab = G(theta_a - theta_b) - hc_a - hc_b over pairs a < b.

    thetaT (k, m) angles in [0, 2 pi); hc (m,). Row group c (of ``sums.shape[0]``) takes the rows
    a = c, c + n_groups, ... and fills sums[c] = (sum H, sum H^2) over its pairs (a, b > a),
    rows_direct[a] = sum_{b > a} H_ab, and adds H_ab to rows_chunk[c, b] (zeros on entry), so
    that the row sums are sum_{b != a} H_ab = rows_direct[a] + sum_c rows_chunk[c, a].
    """
    k, m = thetaT.shape
    n_groups = sums.shape[0]
    for c in prange(n_groups):
        D = np.empty((k, BLOCK))
        g = np.empty(BLOCK)
        s1 = 0.0
        s2 = 0.0
        for a in range(c, m, n_groups):
            hca = hc[a]
            ra = 0.0
            for start in range(a + 1, m, BLOCK):
                cnt = min(BLOCK, m - start)
                for j in range(k):
                    ta = thetaT[j, a]
                    row = thetaT[j, start : start + cnt]
                    Dj = D[j]
                    for i in range(cnt):
                        Dj[i] = wrap(ta - row[i])
                _green_block(D, cnt, lam, g)
                hb = hc[start : start + cnt]
                rc = rows_chunk[c, start : start + cnt]
                b1 = 0.0
                b2 = 0.0
                for i in range(cnt):
                    h = g[i] - hca - hb[i]
                    b1 += h
                    b2 += h * h
                    rc[i] += h
                s1 += b1
                s2 += b2
                ra += b1
            rows_direct[a] = ra
        sums[c, 0] = s1
        sums[c, 1] = s2
