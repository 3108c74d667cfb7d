"""The compiled von Mises-Fisher closed forms (ratesim/exact/_vmf.py): Bessel ratio and log I_nu
against mpmath at 40 digits and against scipy, half-integer closed forms, the fused score and
log-density kernels against their NumPy twins (the previous OracleScore formulas,
tests/naive_vmf.py), thread and batch invariance, and the argument checks."""

import naive_vmf as nv
import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from ratesim.densities import Uniform, VonMises, VonMisesFisher
from ratesim.exact import bessel_ratio, log_ive, vmf_smoothed_log_density, vmf_smoothed_score
from ratesim.exact._vmf import _K_FAST, _PARALLEL_MIN, tables_for
from ratesim.manifolds import Sphere
from ratesim.scores import OracleScore

EPS = np.finfo(float).eps
ORDERS = [0.0, 0.5, 1.0, 1.5, 2.0, 4.5]  # circle, S^2, S^3, S^4, S^5, S^10


def _z_grid(nu):
    """z = 0, 1e-8 ... 1e12 geometrically, and densely around every switch of method: the
    continued fraction / series switch Z1, the fixed-term switch, and the CF depths at z < 20."""
    tab = tables_for(nu)
    rng = np.random.default_rng(int(10 * nu))
    switches = [tab[1, 0], max(tab[1, 0], tab[1, _K_FAST]), tab[3, 0], 1.0, 5.0, 20.0]
    near = [s * (1 + np.array([-1e-12, 0.0, 1e-12])) for s in switches]
    return np.concatenate([[0.0], np.geomspace(1e-8, 1e12, 121), rng.uniform(0, 60, 60), *near])


@pytest.mark.parametrize("nu", ORDERS)
def test_bessel_cores_match_mpmath_to_a_few_ulps(nu):
    """Relative error of A_nu = I_(nu+1) / I_nu and of A_nu / z at most 4 ulps, absolute error of
    log(I_nu e^(-z)) at most 8 eps max(1, |value|), for z in [1e-8, 1e12].

    Derivation: the asymptotic branch sums terms of relative size <= 1.5 |sum| (the table's
    cancellation bound) in Horner form, each step one rounding damped by w = 1/z, and omits terms
    < eps/16: <= 1.5 ulps; the continued fraction's backward steps each round once and damp the
    error of the steps before (by A_mu^2 < 1): <= 2 ulps; one more rounding for / z. Twice that
    (4 ulps) leaves room for mpmath's own rounding to double (0.5 ulp). log adds log1p / log of a
    few-ulp quantity and up to floor(nu) logs of ratios (each ~1 ulp of its size): 8 eps of the
    value's magnitude. Measured: ratio <= 1.5 ulps, log <= 3.8 eps (nu <= 49)."""
    pytest.importorskip("mpmath")
    z = _z_grid(nu)
    ratio, over, logv = bessel_ratio(nu, z), bessel_ratio(nu, z, over_z=True), log_ive(nu, z)
    pos = z > 0
    ref = np.array([nv.mp_bessel(nu, zi) for zi in z[pos]])
    assert np.all(np.abs(ratio[pos] - ref[:, 0]) <= 4 * EPS * ref[:, 0])
    assert np.all(np.abs(over[pos] - ref[:, 1]) <= 4 * EPS * ref[:, 1])
    assert np.all(np.abs(logv[pos] - ref[:, 2]) <= 8 * EPS * np.maximum(1.0, np.abs(ref[:, 2])))
    # z = 0: A_nu(0) = 0, A_nu / z -> 1 / (2 nu + 2), I_0(0) = 1 and I_nu(0) = 0 for nu > 0
    assert ratio[~pos][0] == 0.0
    assert over[~pos][0] == pytest.approx(1.0 / (2 * nu + 2), rel=EPS)
    assert logv[~pos][0] == (0.0 if nu == 0 else -np.inf)


@pytest.mark.parametrize("nu", [0.0, 0.5, 1.0, 1.5])
def test_bessel_cores_give_scipys_digits(nu):
    """Against the NumPy twins (scipy.special.ive, AMOS) for z in [1e-8, 1e5], where scipy is
    accurate: relative 256 ulps (5.7e-14) for the ratio and 256 eps max(1, |value|) for the
    log. The bound is scipy's own error, not ours: against mpmath at 40 digits scipy's ratio errs
    by up to 52 ulps (nu = 3/2, z = 3e-6) and its log by up to 51 eps (nu = 1/2, z = 11), and the
    cores differ from it by up to 61 ulps and 52 eps on a 6000-point grid (the cores themselves
    are within 4 and 8 of mpmath, test above); 256 is 4x that. Negative control: the next order's
    ratio differs by far more (a core evaluating the wrong order fails)."""
    z = np.concatenate([np.geomspace(1e-8, 1e5, 400), np.linspace(0.05, 60, 400)])
    ours, ref_ratio = bessel_ratio(nu, z), nv.bessel_ratio(nu, z)
    assert_allclose(ours, ref_ratio, rtol=256 * EPS, atol=0)
    assert np.max(np.abs(nv.bessel_ratio(nu + 1.0, z) - ours) / ref_ratio) > 1e-3
    ref = nv.log_ive(nu, z)
    assert np.all(np.abs(log_ive(nu, z) - ref) <= 256 * EPS * np.maximum(1.0, np.abs(ref)))


def test_bessel_cores_match_half_integer_closed_forms_beyond_scipy():
    """nu = 1/2 (the sphere S^2): A(z) = coth z - 1/z and I_(1/2)(z) e^(-z) = (1 - e^(-2z)) /
    sqrt(2 pi z), up to z = 1e12 where scipy's ive is NaN (above ~4e9) or inaccurate (above
    ~1e7). Tolerances: the closed forms' own rounding, a few ulps for z >= 1 (coth z - 1/z loses
    |log10 z| digits below, where the series 1/3 - z^2/45 + 2 z^4/945 is used instead)."""
    z = np.array([1e-6, 1e-3, 0.5, 3.0, 50.0, 5e3, 5e4, 1e8, 1e12])
    small = z < 1e-2
    over = np.where(
        small, 1 / 3 - z**2 / 45 + 2 * z**4 / 945, (1 / np.tanh(z) - 1 / z) / np.where(small, 1, z)
    )
    assert_allclose(bessel_ratio(0.5, z, over_z=True), over, rtol=16 * EPS)
    logv = np.log(-np.expm1(-2 * z)) - 0.5 * np.log(2 * np.pi * z)
    assert_allclose(log_ive(0.5, z), logv, rtol=16 * EPS, atol=16 * EPS)
    with np.errstate(invalid="ignore"):
        assert np.isnan(nv.bessel_ratio(0.5, np.array([1e10]))[0])  # why the cores exist


def _spheres():
    return [
        (Sphere(k=1, d=2, seed=None), VonMises(kappa=2.0, mean=0.0)),
        (Sphere(k=1, d=2, seed=0), VonMises(kappa=4.0, mean=1.0)),
        (Sphere(k=1, d=10, seed=3), VonMises(kappa=1.0, mean=-2.0)),
        (Sphere(k=2, d=3, seed=0), VonMisesFisher(kappa=4.0)),
        (Sphere(k=2, d=10, seed=1), Uniform()),
        (Sphere(k=3, d=7, seed=2), VonMisesFisher(kappa=1.0)),
    ]


def _queries(M, p, sigma, rng, n=600):
    X = M.sample(n, p, rng=rng)
    x = X + sigma * rng.uniform(0, 4, (n, 1)) * rng.standard_normal(X.shape)
    x[:3] = [np.zeros(M.d), 3.0 * X[3], 1e-3 * X[4]]  # the centre, far out, near the centre
    return x


@pytest.mark.parametrize("case", range(6))
def test_fused_score_equals_the_previous_closed_form(case):
    """OracleScore's closed-form score (fused kernel) against the previous NumPy formula
    s = ((-y + r v) F^T - resid) / sigma^2 (tests/naive_vmf.py) for sigma in 1e-4 ... 3.

    Both compute (r v F^T - x) / sigma^2 where r v and x are O(1) vectors that cancel to the
    distance from M: each side's rounding is a few ulps of |x| + |r v| <= |x| + 1 before the
    division (ratio <= 2 ulps here, <= ~30 ulps for scipy's ive, 4 products and sums), so
    |s_new - s_old| <= 64 eps (|x| + 1) / sigma^2 per query. Measured: <= 5.3 eps."""
    M, p = _spheres()[case]
    rng = np.random.default_rng(100 + case)
    o = OracleScore(M, p, rng=0).fit()
    assert o.method_ == "closed_form"
    for sigma in (1e-4, 3e-3, 0.03, 0.3, 3.0):
        x = _queries(M, p, sigma, rng)
        new = o.score(x, sigma)
        old = nv.vmf_score(x, sigma, o.natural_param_, M.frame)
        bound = 64 * EPS * (np.linalg.norm(x, axis=1) + 1.0) / sigma**2
        assert np.all(np.abs(new - old).max(axis=1) <= bound), (sigma, case)


@pytest.mark.parametrize("case", range(6))
def test_fused_log_density_equals_the_previous_closed_form(case):
    """log p_sigma (fused kernel) against the previous formula, which added z = |v| ~ 1/sigma^2 to
    log I_nu and subtracted it again: its absolute error is ~ eps z on top of a few eps of the
    value and of the input's rounding amplified by the gradient (|x| |s(x)|, up to 4e4 for a
    query 4 sigma from M at sigma = 1e-4). Bound: 16 eps (max(1, |value|) + |x| |s(x)| + z).
    Measured 2e-15 relative at sigma = 3; at sigma = 1e-4 the previous formula is off by 1e-8
    relative (z = 1e8), which the next test checks against mpmath. The previous formula is NaN at
    the centre for the uniform law (0 / 0 in delta); the kernel is finite there."""
    M, p = _spheres()[case]
    rng = np.random.default_rng(200 + case)
    o = OracleScore(M, p, rng=0).fit()
    for sigma in (1e-4, 3e-3, 0.03, 0.3, 3.0):
        x = _queries(M, p, sigma, rng)
        new = o.log_density(x, sigma)
        with np.errstate(invalid="ignore"):
            old = nv.vmf_log_density(x, sigma, o.natural_param_, o.log_c0_, M.frame)
        assert np.all(np.isfinite(new))
        ok = np.isfinite(old)
        assert np.all(ok[1:]) and (ok[0] or not np.any(o.natural_param_))
        z = np.linalg.norm(x @ M.frame / sigma**2 + o.natural_param_, axis=1)
        cond = np.linalg.norm(x, axis=1) * np.linalg.norm(o.score(x, sigma), axis=1)
        bound = 16 * EPS * (np.maximum(1.0, np.abs(old)) + cond + z)
        assert np.all(np.abs(new - old)[ok] <= bound[ok])


def test_fused_log_density_matches_mpmath_at_small_sigma():
    """At sigma = 1e-4 (z ~ 1e8) on the circle, the log-density against the same formula at 40
    digits (mpmath) for the same binary x: 16 eps (max(1, |value|) + |x| |s(x)|), the sum of
    seven terms of that size, each within a few ulps, plus the rounding of the native
    coordinates amplified by the gradient |s| ~ dist / sigma^2. Measured: 3.6e-14 absolute on
    |value| 7.9 and |x| |s| up to 4e4 (the previous formula: 1e-7)."""
    mp = pytest.importorskip("mpmath")
    M, p = Sphere(k=1, d=3, seed=5), VonMises(kappa=3.0, mean=0.5)
    o = OracleScore(M, p, rng=0).fit()
    rng = np.random.default_rng(7)
    sigma = 1e-4
    x = _queries(M, p, sigma, rng, n=12)[3:]
    got = o.log_density(x, sigma)
    cond = np.linalg.norm(x, axis=1) * np.linalg.norm(o.score(x, sigma), axis=1)
    with mp.workdps(40):
        F = mp.matrix(M.frame.tolist())
        a = [mp.mpf(float(t)) for t in o.natural_param_]
        s2 = mp.mpf(sigma) ** 2
        for xi, gi, ci in zip(x, got, cond, strict=True):
            xv = [mp.mpf(float(t)) for t in xi]
            y = [mp.fsum(xv[c] * F[c, j] for c in range(3)) for j in range(2)]
            res2 = mp.fsum(
                (xv[c] - mp.fsum(y[j] * F[c, j] for j in range(2))) ** 2 for c in range(3)
            )
            z = mp.sqrt(mp.fsum((y[j] / s2 + a[j]) ** 2 for j in range(2)))
            ny2 = mp.fsum(t**2 for t in y)
            ref = (
                -1.5 * mp.log(2 * mp.pi * s2)
                - (ny2 + 1) / (2 * s2)
                + mp.mpf(float(o.log_c0_))
                + mp.log(2 * mp.pi * mp.besseli(0, z))
                - res2 / (2 * s2)
            )
            assert abs(gi - float(ref)) <= 16 * EPS * (max(1.0, abs(float(ref))) + ci)


def test_kernels_do_not_depend_on_threads_or_batches():
    """Each query is computed on its own: bit-identical results with 1 and 2 threads, above and
    below the parallel threshold, and for a query alone or inside a batch."""
    M, p = Sphere(k=1, d=3, seed=1), VonMises(kappa=2.0, mean=0.3)
    o = OracleScore(M, p, rng=0).fit()
    rng = np.random.default_rng(3)
    x = _queries(M, p, 0.05, rng, n=2 * _PARALLEL_MIN)
    x[10:20] *= 0.02  # small z: the continued fraction branch
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        s1, l1 = o.score(x, 0.05), o.log_density(x, 0.05)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        s2, l2 = o.score(x, 0.05), o.log_density(x, 0.05)
    finally:
        numba.set_num_threads(threads)
    assert_array_equal(s1, s2)
    assert_array_equal(l1, l2)
    assert_array_equal(o.score(x[5:25], 0.05), s1[5:25])
    z = np.linalg.norm(x, axis=1) * 40
    assert_array_equal(bessel_ratio(0.0, z[3:30]), bessel_ratio(0.0, z)[3:30])


def test_public_wrappers_match_the_oracle_and_check_their_arguments():
    M, p = Sphere(k=2, d=5, seed=2), VonMisesFisher(kappa=3.0)
    o = OracleScore(M, p, rng=0).fit()
    x = _queries(M, p, 0.1, np.random.default_rng(4), n=50)
    a, c0 = o.natural_param_, o.log_c0_
    assert_array_equal(vmf_smoothed_score(x, 0.1, a, M.frame), o.score(x, 0.1))
    assert_array_equal(vmf_smoothed_log_density(x, 0.1, a, c0, M.frame), o.log_density(x, 0.1))
    # frame=None is the identity: the canonical sphere
    y = x[:, :3]
    assert_array_equal(vmf_smoothed_score(y, 0.1, a), vmf_smoothed_score(y, 0.1, a, np.eye(3)))
    with pytest.raises(ValueError, match="orthonormal"):
        vmf_smoothed_score(x, 0.1, a, 2 * M.frame)
    with pytest.raises(ValueError, match="shape"):
        vmf_smoothed_score(x, 0.1, a, M.frame.T)
    with pytest.raises(ValueError, match="d = 5 columns"):
        vmf_smoothed_score(x[:, :4], 0.1, a, M.frame)
    with pytest.raises(ValueError, match="sigma"):
        vmf_smoothed_score(x, 0.0, a, M.frame)
    with pytest.raises(ValueError, match="log_c0"):
        vmf_smoothed_log_density(x, 0.1, a, np.nan, M.frame)
    with pytest.raises(ValueError, match="z must be >= 0"):
        bessel_ratio(0.0, [1.0, -1.0])
    with pytest.raises(ValueError, match="z must be >= 0"):
        log_ive(0.0, [np.nan])
    with pytest.raises(ValueError, match="finite"):
        bessel_ratio(0.0, [np.inf])
    with pytest.raises(ValueError, match="nu must be <= 1000"):
        bessel_ratio(1001.0, [1.0])
    with pytest.raises(ValueError, match="nu"):
        log_ive(-0.5, [1.0])
    assert bessel_ratio(1.0, np.ones((2, 3))).shape == (2, 3)


def _torus_reference(x, sigma, M, kappa, mean, n=4000):
    """Plain NumPy twin of the flat-torus closed form: the noisy product law factorizes over the
    circle planes of the native coordinates; per plane a trapezoid rule on n angles (exact to
    rounding for these periodic integrands at n = 4000 and sigma >= 0.15), the off-plane
    directions flat. Returns (score, log density)."""
    y = x @ M.frame
    perp = x - y @ M.frame.T
    th = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    circ = np.stack([np.cos(th), np.sin(th)], axis=1)
    score_native = np.empty_like(y)
    logp = -0.5 * (perp**2).sum(1) / sigma**2 - 0.5 * (M.d - 2 * M.k) * np.log(2 * np.pi * sigma**2)
    for j in range(M.k):
        yj = y[:, 2 * j : 2 * j + 2]
        logw = kappa * np.cos(th - mean[j]) - np.log(2 * np.pi * np.i0(kappa))
        e = logw[None, :] - ((yj[:, None, :] - circ[None]) ** 2).sum(-1) / (2 * sigma**2)
        top = e.max(1, keepdims=True)
        w = np.exp(e - top)
        score_native[:, 2 * j : 2 * j + 2] = ((w @ circ) / w.sum(1, keepdims=True) - yj) / sigma**2
        logp += top[:, 0] + np.log(w.sum(1) * 2 * np.pi / n) - np.log(2 * np.pi * sigma**2)
    return score_native @ M.frame.T - perp / sigma**2, logp


@pytest.mark.parametrize("k, d, seed", [(1, 2, None), (2, 4, None), (3, 6, None), (3, 8, 5)])
def test_flat_torus_product_von_mises_closed_form(k, d, seed):
    """On the flat torus with a product von Mises law the oracle is closed form (sum of circle
    scores, corrected for the off-plane directions each counts): equal to the per-plane NumPy
    quadrature to 1e-10, and to the library's own quadrature oracle at k = 2 (its k <= 2 limit)."""
    from ratesim.manifolds import FlatTorus
    from ratesim.scores._oracle import torus_product_params

    M = FlatTorus(k=k, d=d, seed=seed)
    mean = (0.3, 2.0, -1.0)[:k]
    p = VonMises(kappa=1.5, mean=mean)
    est = OracleScore(M, p, rng=0).fit()
    assert est.method_ == "closed_form"
    rng = np.random.default_rng(7)
    x = M.sample(40, p, rng=rng) + 0.3 * rng.standard_normal((40, d))
    # deterministic: both sides are exact up to rounding (the trapezoid rule on 4000 angles is
    # exact to 1e-14 for these periodic integrands), measured 2e-14; 1e-10 leaves room for the
    # 1 / sigma^2 growth of the score's rounding at sigma = 0.15
    for sigma in (0.15, 0.5, 2.0):
        s_ref, lp_ref = _torus_reference(x, sigma, M, 1.5, mean)
        assert_allclose(est.score(x, sigma), s_ref, atol=1e-10 / sigma**2)
        assert_allclose(est.log_density(x, sigma), lp_ref, atol=1e-10)
        if k == 2:
            quad = OracleScore(M, p, method="quadrature", rng=0).fit()
            assert_allclose(est.score(x, sigma), quad.score(x, sigma), atol=1e-9 / sigma**2)
    a, log_c0 = torus_product_params(M, Uniform())
    assert_allclose(a, 0.0, atol=1e-14)
    assert_allclose(log_c0, -k * np.log(2 * np.pi), rtol=1e-14)
    assert torus_product_params(Sphere(k=2), VonMisesFisher(kappa=1.0)) is None
