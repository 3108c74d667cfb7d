"""Tests of the screened H^-1 distance on flat tori (ratesim.metrics._sobolev and its numba core
ratesim.kernels._sobolev): the kernel against its Fourier lattice sum and the k = 1 closed form,
the image truncation against its stated bound, the pair-sum core and the whole estimator against
the NumPy twins of tests/naive_metrics.py, the coefficients against quadrature, the closed form
between laws against a real-space double integral, the estimator's unbiasedness and spreads by
Monte Carlo, a control that must fail (atoms), and the W1 bound on laws with an exact W1.

Statistical tolerances: a Monte-Carlo mean over R replications is checked as |mean - truth| <=
Z se with se = sd / sqrt(R) and Z = 4 (two-sided 6.3e-5 per assertion under normality; 9 such
assertions in this file, so a family-wise false-alarm rate below 6e-4, Bonferroni). Seeds are
fixed, so the outcomes are reproducible; the Z only says how surprising a failure would be.
"""

from __future__ import annotations

import math

import mpmath
import naive_metrics as naive
import numba
import numpy as np
import pytest
from scipy import special

from ratesim import metrics as M
from ratesim.densities import JumpDensity, PiecewiseConstant, VonMises
from ratesim.kernels import _sobolev as core
from ratesim.manifolds import FlatTorus
from ratesim.metrics._sobolev import _image_bias

Z = 4.0
TWO_PI = 2.0 * math.pi
EPS = np.finfo(float).eps


def _vm(rng, m, k, kappa, mean):
    return np.mod(rng.vonmises(mean, kappa, size=(m, k)), TWO_PI)


def _kde_sample(rng, m, centres, h):
    j = rng.integers(centres.shape[0], size=m)
    return np.mod(centres[j] + h * rng.standard_normal((m, centres.shape[1])), TWO_PI)


# ----------------------------------------------------------------------- special functions


def test_exp_and_k0_match_mpmath():
    """The vectorizable exp is within 1 ulp of exp on [-708, 0] (Cody-Waite + degree-13 Taylor:
    truncation < 4e-18, so rounding only; asserted <= 2 ulp = 4.4e-16) and flushes to 0 below
    -708; K_0 is within 3e-15 relative (power series with cancellation factor <= 12 at x = 2:
    ~ 12 * 22 terms * eps ~ 6e-14 worst case, measured 9e-16; the Chebyshev tail is 1.7e-18)."""
    mpmath.mp.dps = 30
    x = -np.concatenate([np.linspace(0, 40, 401), np.geomspace(40, 708, 200)])
    got = np.array([core.exp_nonpos(v) for v in x])
    ref = np.array([float(mpmath.exp(mpmath.mpf(v))) for v in x])
    assert np.max(np.abs(got / ref - 1)) <= 2 * EPS
    assert core.exp_nonpos(-709.0) == 0.0 and core.exp_nonpos(0.0) == 1.0
    xs = np.concatenate([np.geomspace(1e-10, 2, 150), np.linspace(2, 40, 200), [80, 300, 700]])
    got = np.array([core.bessel_k0(v) for v in xs])
    ref = np.array([float(mpmath.besselk(0, mpmath.mpf(v))) for v in xs])
    assert np.max(np.abs(got / ref - 1)) <= 3e-15
    assert core.bessel_k0(0.0) == np.inf


# ----------------------------------------------------------------------------- the kernel


def _sorted_first(d):
    """Put the coordinate of largest |wrapped| value first (G is symmetric in the coordinates);
    the lattice twin converges like exp(-n |delta_1|)."""
    w = d - TWO_PI * np.floor(d / TWO_PI + 0.5)
    order = np.argsort(-np.abs(w), axis=1)
    return np.take_along_axis(d, order, axis=1)


def test_kernel_k1_is_the_lattice_sum_and_the_cosh_closed_form():
    """k = 1: the implementation (exact closed form) equals the Kummer-accelerated Fourier sum
    within its tail bound lam^4 / (5 pi L^5) (1e-13 at L = 400) plus rounding of the Bernoulli
    terms (|terms| <= 10, 50 eps each: 1.1e-13), and cosh(lam (pi - |x|)) / (2 lam sinh(lam pi))
    to 1e-14 relative (a few roundings)."""
    x = np.concatenate([np.linspace(-7, 7, 57), [0.0, math.pi, -math.pi, 1e-9]])
    for lam in (1.0, 2.0, 5.0):
        G = M.torus_sobolev_kernel(x, lam)
        lat, tail = naive.torus_green_lattice(x[:, None], lam, 400)
        np.testing.assert_allclose(G, lat, rtol=0, atol=tail + 1.1e-13)
        a = np.abs(x - TWO_PI * np.floor(x / TWO_PI + 0.5))
        cosh = np.cosh(lam * (math.pi - a)) / (2 * lam * np.sinh(lam * math.pi))
        # two closed forms of one function: they differ by rounding only (a few ulps, < 1e-14)
        np.testing.assert_allclose(G, cosh, rtol=1e-14)
    # G integrates to 1 / lam^2 (the xi = 0 mode), trapezoid exact to O(h^2 G'') ~ 1e-9 here
    t = np.linspace(0, TWO_PI, 20001)
    g = M.torus_sobolev_kernel(t)
    assert np.sum((g[1:] + g[:-1]) / 2) * (t[1] - t[0]) == pytest.approx(0.25, rel=1e-7)


@pytest.mark.parametrize("k", [2, 3])
def test_kernel_k2_k3_are_the_lattice_sum_up_to_the_image_bias(k):
    """The lattice twin sums xi_1 in closed form and xi' over |xi'|_inf <= L (its tail bound is
    returned: < 1e-30 here since |delta_1| >= 0.55 is enforced). The image sum omits only
    positive terms, so 0 <= lattice - kernel <= eps (= _image_bias) up to rounding: 1e-15
    relative on the ~27 positive terms (asserted 64 eps |G|). This checks the normalizations
    K_0(lam r) / (2 pi) and exp(-lam r) / (4 pi r)."""
    rng = np.random.default_rng(k)
    d = rng.uniform(-9, 9, (60, k))
    d = _sorted_first(d)
    w = d - TWO_PI * np.floor(d / TWO_PI + 0.5)
    d = d[np.abs(w[:, 0]) >= 0.55]
    corners = np.array([[math.pi] * k, [-math.pi + 1e-9] * k, [math.pi, 0.6, 0.0][:k]])
    d = np.vstack([d, corners])
    assert d.shape[0] >= 40
    lam = 2.0
    lat, tail = naive.torus_green_lattice(d, lam, 120 if k == 2 else 110)
    assert np.max(tail) < 1e-25
    G = M.torus_sobolev_kernel(d, lam)
    eps = _image_bias(k, lam)
    diff = lat - G
    rounding = 64 * EPS * np.abs(G) + tail
    assert np.all(diff >= -rounding)
    assert np.all(diff <= eps + rounding)
    # the twin with more images agrees to rounding with the lattice sum (normalizations): its
    # omitted images lie at distance >= 7 pi (g < exp(-14 pi) ~ 1e-19), so only rounding is left
    np.testing.assert_allclose(naive.torus_green_images(d, lam, L=4), lat, rtol=1e-13)


@pytest.mark.parametrize("k", [2, 3])
def test_image_bias_bound_holds_and_is_not_vacuous(k):
    """e = G - G_images in [0, eps] for any difference (omitted images at distance >= pi rho(n),
    g decreasing); measured at random points, at corners (where e is largest) and at 0-ish
    points against the 9^k-image twin (its own omission is below 1e-30). The bound is not
    vacuous: it exceeds the largest e found by 3.6-6.0x at k = 2 and 6.7-12.8x at k = 3 for
    lam = 1-3 (measured), asserted within 20x."""
    rng = np.random.default_rng(10 + k)
    d = np.vstack(
        [
            rng.uniform(-math.pi, math.pi, (300, k)),
            np.full((1, k), math.pi - 1e-12),
            np.full((1, k), -math.pi),
            np.full((1, k), 0.01),
        ]
    )
    for lam in (1.0, 2.0, 3.0):
        ref = naive.torus_green_images(d, lam, L=4)
        e = ref - M.torus_sobolev_kernel(d, lam)
        eps = _image_bias(k, lam)
        assert np.all(e >= -64 * EPS * ref)
        assert np.all(e <= eps + 64 * EPS * ref)
        assert np.max(e) >= eps / 20
    assert _image_bias(k, 2.0) < 2.1e-9 and _image_bias(1, 2.0) == 0.0


# ------------------------------------------------------------------ the core against its twin


@pytest.mark.parametrize("k", [1, 2, 3])
def test_pair_core_matches_the_numpy_twin(k):
    """The numba pair sums (sum H, sum H^2, row sums) equal the row-by-row NumPy twin: both add
    the same m (m - 1) / 2 terms in different orders, so they agree to ~ m^2 eps max|H| / sum
    (asserted rtol 1e-11, atol 1e-12 * scale). m = 300 > BLOCK exercises partial blocks and
    the interleaved row groups (64 of them)."""
    rng = np.random.default_rng(20 + k)
    m = 300
    theta = rng.uniform(0, TWO_PI, (m, k))
    hc = rng.uniform(-0.01, 0.01, m)
    sums = np.zeros((core.N_CHUNKS, 2))
    rd = np.zeros(m)
    rc = np.zeros((core.N_CHUNKS, m))
    core.pair_sums(np.ascontiguousarray(theta.T), 2.0, hc, sums, rd, rc)
    s1, s2, rows = naive.sobolev_pair_sums(theta, 2.0, hc)
    scale = float(np.sum(np.abs(rows)))
    # the same m (m - 1) / 2 terms summed in another order (64 interleaved groups against rows):
    # the difference is rounding, about m eps relative to the sum of |terms| (< 1e-12 here)
    assert sums[:, 0].sum() == pytest.approx(s1, rel=1e-11, abs=1e-12 * scale)
    assert sums[:, 1].sum() == pytest.approx(s2, rel=1e-11)
    np.testing.assert_allclose(rd + rc.sum(axis=0), rows, rtol=1e-11, atol=1e-12 * scale / m)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_estimator_is_the_formula_of_the_docstring(k):
    """sobolev_to_law == 1/(m(m-1)) sum_{a != b} G - (2/m) sum h + C computed naively (Fourier
    loops over the lattice for h and C, images for G). The naive form cancels terms of size
    E G ~ (2 pi)^-k / lam^2 + |h|; rounding ~ 1e-15 of those, asserted atol 1e-12."""
    rng = np.random.default_rng(30 + k)
    theta = _vm(rng, 60, k, 1.5, 0.2)
    coef = M.von_mises_torus_coefficients(1.0, 0.5, k, J=6)
    res = M.sobolev_to_law(theta, coef)
    assert res.d2 == pytest.approx(naive.sobolev_d2_to_law(theta, coef, 2.0), rel=1e-9, abs=1e-12)
    assert (res.m, res.k, res.lam) == (60, k, 2.0)
    assert res.value == math.sqrt(max(res.d2, 0.0))
    # angles are read mod 2 pi
    again = M.sobolev_to_law(theta + TWO_PI * rng.integers(-3, 3, theta.shape), coef)
    assert again.d2 == pytest.approx(res.d2, rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("k", [2, 3])
def test_estimator_sums_only_the_support_of_the_coefficients(k):
    """Coefficients that vanish outside a smaller box (a law of the first angle; a law cut to
    |xi_2| <= 1) give the naive formula's value: the h-values sum only that box. Tolerance as
    in the test above."""
    rng = np.random.default_rng(60 + k)
    theta = _vm(rng, 60, k, 1.5, 0.2)
    line = M.piecewise_constant_torus_coefficients((1.0, 3.0, 2.0), (0.0, 2.0, 4.0), k, 7)
    cut = M.von_mises_torus_coefficients(1.0, 0.5, k, J=5)
    cut[:, :4] = 0.0
    cut[:, 7:] = 0.0
    for coef in (line, cut):
        res = M.sobolev_to_law(theta, coef)
        want = naive.sobolev_d2_to_law(theta, coef, 2.0)
        assert res.d2 == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_same_bits_for_any_thread_count():
    """The pair sums are split into 64 fixed row groups, added in order: 1 and 2 threads give
    identical results."""
    rng = np.random.default_rng(40)
    theta = _vm(rng, 700, 3, 1.0, 0.0)
    coef = M.von_mises_torus_coefficients(1.0, 0.3, 3)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = M.sobolev_to_law(theta, coef)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = M.sobolev_to_law(theta, coef)
    finally:
        numba.set_num_threads(before)
    assert one == many


# ---------------------------------------------------------------------------- coefficients


@pytest.mark.parametrize(("kappa", "mean"), [(0.0, 0.0), (1.5, (0.3, -1.0)), (4.0, 2.5)])
def test_von_mises_coefficients_are_those_of_the_density(kappa, mean):
    """c_xi = int exp(-i xi.u) p(u) du with p = exp(VonMises(kappa, mean).log_pdf) on
    FlatTorus(2) (density w.r.t. the volume element 1 = du): the trapezoid rule on a 96^2 grid is
    exact for trigonometric polynomials of degree < 96, so its error is the aliased
    |c_{xi +- 96}| <= I_90(4) / I_0(4) < 1e-100, i.e. rounding only (asserted 1e-13)."""
    Mt = FlatTorus(k=2)
    n = 96
    t = np.arange(n) * TWO_PI / n
    U = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
    p = np.exp(VonMises(kappa, mean).log_pdf(Mt, U))
    J = 5
    coef = M.von_mises_torus_coefficients(kappa, mean, 2, J=J)
    assert coef.shape == (11, 11)
    for x0 in range(-J, J + 1):
        for x1 in range(-J, J + 1):
            quad = np.sum(np.exp(-1j * (U @ np.array([x0, x1]))) * p) * (TWO_PI / n) ** 2
            assert abs(coef[x0 + J, x1 + J] - quad) <= 1e-13
    # automatic J: the first omitted ratio I_{J+1} / I_0 is below 1e-17
    auto = M.von_mises_torus_coefficients(kappa, 0.7, 1)
    Ja = auto.shape[0] // 2
    assert special.ive(Ja + 1, kappa) / special.ive(0, kappa) <= 1e-17


def test_kde_coefficients_match_the_naive_sum():
    """The non-uniform FFT == lattice point by lattice point, to its requested precision."""
    rng = np.random.default_rng(50)
    for k, n, J in ((1, 7, 4), (2, 7, 4), (3, 7, 4), (1, 500, 60), (2, 400, 20), (3, 300, 12)):
        X = rng.uniform(-9.0, 9.0, (n, k))  # angles outside [0, 2 pi) are read mod 2 pi
        got = M.kde_torus_coefficients(X, 0.3, J=J)
        # finufft's error is relative to sum_j |1| = n before the division by n: at most
        # _NUFFT_EPS = 1e-14 per coefficient (measured: <= 1.2e-15), plus rounding
        want = naive.kde_torus_coefficients(np.mod(X, TWO_PI), 0.3, J)
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-14)
    auto = M.kde_torus_coefficients(X, 0.5)
    J = auto.shape[0] // 2
    assert math.exp(-0.5 * (0.5 * (J + 1)) ** 2) <= 1e-17 < math.exp(-0.5 * (0.5 * J) ** 2)


@pytest.mark.parametrize("h", [1.0, 0.3, 0.05])
def test_projected_normal_coefficients_are_the_moments_of_its_density(h):
    """phi_j against quadrature of the projected normal density of the angle of (1, 0) + h Z,
    f(t) = e^(-rho^2 / 2) / (2 pi) + a e^(-rho^2 sin^2 t / 2) Phi(a) / sqrt(2 pi), a = rho cos t,
    rho = 1 / h (integrate the polar density over the radius); adaptive quadrature to 1e-13."""
    from scipy import integrate, stats

    rho = 1.0 / h

    def f(t):
        a = rho * math.cos(t)
        return math.exp(-rho * rho / 2) / TWO_PI + a * math.exp(
            -((rho * math.sin(t)) ** 2) / 2
        ) * stats.norm.cdf(a) / math.sqrt(TWO_PI)

    phi = M.projected_normal_coefficients(h, 20)
    assert phi[20] == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_array_equal(phi, phi[::-1])
    for j in (1, 2, 3, 7, 20):
        want = integrate.quad(f, -math.pi, math.pi, weight="cos", wvar=j, epsabs=1e-15)[0]
        assert phi[20 + j] == pytest.approx(want, abs=1e-13)
        # control: the wrapped Gaussian's coefficient (another kernel) misses the quadrature
        # (at j = 20 both are below 1e-14 for h = 1)
        assert abs(math.exp(-h * h * j * j / 2) - want) > 1e-6 or j == 20


def test_projected_kde_coefficients_are_the_ambient_kde_read_as_angles():
    """kernel="projected" is the law of the ambient Gaussian KDE of points of the flat torus
    T^2 in R^4, projected back: the empirical coefficients of n = 200 000 such draws match it at
    every lattice point |xi|_inf <= 3 within Z = 5 standard errors (each coefficient's standard
    error <= 1 / sqrt(n); 49 coefficients, so a false alarm has probability < 49 x 6e-7); the
    wrapped kernel of the same bandwidth is the control and must miss."""
    rng = np.random.default_rng(60)
    torus = FlatTorus(k=2, d=4, seed=None)
    centres = rng.uniform(0, TWO_PI, (5, 2))
    h, n, J = 0.5, 200_000, 3
    draws = torus.embed(centres[rng.integers(0, 5, n)]) + h * rng.standard_normal((n, 4))
    angles = torus.project(draws).u
    emp = naive.kde_torus_coefficients(angles, 0.0, J)  # plain empirical coefficients
    got = M.kde_torus_coefficients(centres, h, J=J, kernel="projected")
    assert np.max(np.abs(emp - got)) <= Z_PROJ / math.sqrt(n)
    wrapped = M.kde_torus_coefficients(centres, h, J=J)
    assert np.max(np.abs(emp - wrapped)) > Z_PROJ / math.sqrt(n)
    auto = M.kde_torus_coefficients(centres, h, kernel="projected")
    Ja = auto.shape[0] // 2
    tail = M.projected_normal_coefficients(h, Ja + 1)
    assert abs(tail[-1]) <= 1e-17 < abs(tail[-2])
    with pytest.raises(ValueError, match="kernel must be one of"):
        M.kde_torus_coefficients(centres, h, kernel="ambient")


Z_PROJ = 5.0


@pytest.mark.parametrize("k, N, h", [(1, 200, 1.0), (2, 100, 0.8)])
def test_kde_expected_d2_of_the_projected_kernel_is_the_mean_over_training_sets(k, N, h):
    """As for the wrapped kernel (below): the mean exact distance over R = 400 training sets lies
    within Z = 4 standard errors of the closed form with kernel="projected"; the wrapped kernel's
    closed form at the same bandwidth is the control and must miss by more (h and N large enough
    that the two kernels' expectations differ by 20-30 %, 13-20 standard errors at the seed
    used)."""
    rng = np.random.default_rng(12)
    mu = M.von_mises_torus_coefficients(1.0, 0.4, k)
    bias2, var = M.kde_expected_d2(mu, h, N, kernel="projected")
    R = 400
    d2 = np.array([
        M.sobolev_between_laws(
            M.kde_torus_coefficients(_vm(rng, N, k, 1.0, 0.4), h, kernel="projected"), mu
        )
        for _ in range(R)
    ])  # fmt: skip
    se = d2.std(ddof=1) / math.sqrt(R)
    assert abs(d2.mean() - (bias2 + var)) <= Z * se
    assert abs(d2.mean() - sum(M.kde_expected_d2(mu, h, N))) > Z * se


@pytest.mark.parametrize(
    "density", [JumpDensity(3.0), PiecewiseConstant((1.0, 2.5, 0.5), (0.3, 2.0, 4.1))]
)
def test_piecewise_constant_coefficients_are_the_law_the_density_samples(density):
    """The closed form against n = 200 000 draws of the density on FlatTorus(3) (theta = u_1):
    every empirical coefficient on |xi|_inf <= 2 (125 of them, each with standard error <= 1 /
    sqrt(n)) within Z = 5.5 standard errors (a false alarm has probability < 125 x 4e-8); the
    coefficients off the first axis are exactly 0, and a sign error (the conjugate) must miss."""
    torus = FlatTorus(k=3, d=6, seed=None)
    n, J = 200_000, 2
    u = torus.sample_intrinsic(n, density, rng=np.random.default_rng(70))
    emp = naive.kde_torus_coefficients(np.mod(u, TWO_PI), 0.0, J)
    got = M.piecewise_constant_torus_coefficients(density.levels, density.breaks, 3, J)
    assert np.max(np.abs(emp - got)) <= 5.5 / math.sqrt(n)
    assert np.count_nonzero(got) == 2 * J + 1
    assert np.max(np.abs(emp - np.conj(got))) > 5.5 / math.sqrt(n)
    with pytest.raises(ValueError, match="levels must be"):
        M.piecewise_constant_torus_coefficients((1.0, -1.0), (0.0, 1.0), 3, J)
    with pytest.raises(ValueError, match="breaks must be"):
        M.piecewise_constant_torus_coefficients((1.0, 2.0), (1.0, 0.5), 3, J)


# --------------------------------------------------------------------- closed forms, laws


def test_between_laws_is_the_real_space_double_integral_at_k1():
    """k = 1: D^2 = int int G(x - y) f(x) f(y) dx dy, f = p_nu - p_mu (von Mises densities),
    by Gauss-Legendre in x and in y on [0, x] and [x, 2 pi] separately (G is smooth on each
    piece, so 200 nodes give ~ 1e-15 relative); vs the Fourier form to 1e-11 relative."""
    k1, m1, k2, m2 = 1.0, 0.0, 3.0, 0.8

    def p(u, kap, mu):
        return np.exp(kap * np.cos(u - mu)) / (TWO_PI * special.i0(kap))

    def f(u):
        return p(u, k1, m1) - p(u, k2, m2)

    xg, wg = np.polynomial.legendre.leggauss(200)
    X = (xg + 1) * math.pi
    WX = wg * math.pi
    total = 0.0
    for x, wx in zip(X, WX, strict=True):
        inner = 0.0
        for lo, hi in ((0.0, x), (x, TWO_PI)):
            y = lo + (xg + 1) * (hi - lo) / 2
            inner += np.sum(wg * (hi - lo) / 2 * naive._green1_fourier(x - y, 2.0) * f(y))
        total += wx * f(x) * inner
    c1 = M.von_mises_torus_coefficients(k1, m1, 1, J=60)
    c2 = M.von_mises_torus_coefficients(k2, m2, 1, J=60)
    assert M.sobolev_between_laws(c1, c2) == pytest.approx(total, rel=1e-11)


def test_between_laws_matches_loops_and_the_circle_h1_limit():
    """Vectorized == lattice loops (k = 2, 3, rounding); unequal lattices are padded with zeros;
    and as lam -> 0, D^2 -> ||f||^2_{Hdot^-1} = vonmises_gap2 / pi (the circle's
    sum_j |c_j|^2 / j^2 is half the two-sided sum, over 2 pi), within lam^2 relative."""
    for k in (2, 3):
        a = M.von_mises_torus_coefficients(1.0, 0.2, k, J=5)
        b = M.von_mises_torus_coefficients(2.5, (0.5, -1.0, 2.0)[:k], k, J=5)
        assert M.sobolev_between_laws(a, b, 1.5) == pytest.approx(
            naive.sobolev_d2_laws(a, b, 1.5), rel=1e-12
        )
    a = M.von_mises_torus_coefficients(1.0, 0.2, 2, J=30)
    b = M.von_mises_torus_coefficients(2.5, 1.0, 2, J=40)
    big_a = np.pad(a, 10)
    assert M.sobolev_between_laws(a, b) == M.sobolev_between_laws(big_a, b)
    unif = np.ones(1)
    for kappa in (0.5, 2.0):
        c = M.von_mises_torus_coefficients(kappa, 1.0, 1)
        lam = 1e-4
        assert M.sobolev_between_laws(c, unif, lam) == pytest.approx(
            M.vonmises_gap2(kappa) / math.pi, rel=lam**2 + 1e-13
        )
    assert M.sobolev_between_laws(c, c) == 0.0


# --------------------------------------------------------------- the estimator, Monte Carlo


def _replicate(sample, coef, R, m, seed):
    rng = np.random.default_rng(seed)
    res = [M.sobolev_to_law(sample(rng, m), coef) for _ in range(R)]
    return (
        np.array([r.d2 for r in res]),
        np.array([r.null_sd for r in res]),
        np.array([r.sd for r in res]),
    )


def _sd_tolerance(x):
    """Relative standard error of a sample sd: sqrt((b2 - 1) / (4 R)), b2 the sample kurtosis
    (delta method on the variance, whose relative se is sqrt((b2 - 1) / R))."""
    R = x.size
    c = x - x.mean()
    b2 = np.mean(c**4) / np.mean(c**2) ** 2
    return math.sqrt((b2 - 1) / (4 * R))


@pytest.mark.parametrize(
    ("k", "nu"),
    [(3, "von_mises"), (2, "kde"), (1, "von_mises")],
)
def test_estimator_is_unbiased_for_the_closed_form(k, nu):
    """mu = VonMises(1, 0.3) on T^k. nu = VonMises(1.5, 0) or a wrapped Gaussian KDE (5 centres,
    bandwidth 0.4): E d2 = sobolev_between_laws(c_nu, c_mu) - E e with 0 <= E e <= eps
    (< 2.1e-9, negligible: se here >= 1e-6), so |mean - closed form| <= Z se. The plug-in sd
    matches the replications' sd within Z times its relative standard error (+ 2 % for the
    plug-in's own O(1/m) and Jensen biases)."""
    R, m = 200, 200
    coef_mu = M.von_mises_torus_coefficients(1.0, 0.3, k, J=14)
    if nu == "von_mises":
        coef_nu = M.von_mises_torus_coefficients(1.5, 0.0, k, J=14)

        def sample(rng, m):
            return _vm(rng, m, k, 1.5, 0.0)
    else:
        centres = np.random.default_rng(7).uniform(0, TWO_PI, (5, k))
        coef_nu = M.kde_torus_coefficients(centres, 0.4)

        def sample(rng, m):
            return _kde_sample(rng, m, centres, 0.4)

    truth = M.sobolev_between_laws(coef_nu, coef_mu)
    d2, _, sd = _replicate(sample, coef_mu, R, m, seed=60 + k)
    se = d2.std(ddof=1) / math.sqrt(R)
    assert abs(d2.mean() - truth) <= Z * se
    assert truth > 10 * se  # the case resolves nu from mu
    assert abs(sd.mean() / d2.std(ddof=1) - 1) <= Z * _sd_tolerance(d2) + 0.02


@pytest.mark.parametrize("k", [3, 2])
def test_null_mean_is_zero_and_null_sd_is_the_spread(k):
    """nu = mu: E d2 = -E e in [-eps, 0] (|.| < 2.1e-9, far below se), so |mean| <= Z se; the
    reported null_sd (sqrt(2 mean H^2 / (m (m-1))), the exact null variance's plug-in) averages
    to the replications' sd within Z times the sd's relative standard error, + 5 %: the square
    root of the noisy, at k = 3 heavy-tailed, mean of H^2 is biased low (Jensen; below)."""
    R, m = 300, 150
    coef = M.von_mises_torus_coefficients(1.0, 0.3, k, J=14)
    d2, null_sd, sd = _replicate(lambda rng, m: _vm(rng, m, k, 1.0, 0.3), coef, R, m, seed=70)
    se = d2.std(ddof=1) / math.sqrt(R)
    assert abs(d2.mean()) <= Z * se
    assert abs(null_sd.mean() / d2.std(ddof=1) - 1) <= Z * _sd_tolerance(d2) + 0.05
    # the floor is ~ 1/m: null_sd sqrt(m (m-1)) estimates the constant sqrt(2 E H^2). At k = 3
    # H^2 ~ 1/r^2 has infinite variance, so one estimate is heavy tailed (measured: 0.017-0.028
    # at m = 600, 0.012-0.039 at m = 150) and its mean rises with m (Jensen, about 5 % from 150
    # to 600): compare means, 20 replications at m = 600 (se ~ 3 %), within 15 %.
    rng = np.random.default_rng(71)
    big = [M.sobolev_to_law(_vm(rng, 600, k, 1.0, 0.3), coef).null_sd for _ in range(20)]
    assert np.mean(big) * math.sqrt(600 * 599) == pytest.approx(
        null_sd.mean() * math.sqrt(150 * 149), rel=0.15
    )


def test_atoms_are_seen():
    """A control that must fail: nu = 10 atoms with Gaussian jitter s (a KDE law) against the
    uniform law on T^3. D^2 ~ (1/10) (2 pi)^-3 sum_xi exp(-s^2 |xi|^2) / (lam^2 + |xi|^2) +
    O(1) ~ 1 / (40 pi^(3/2) s) for small s, so d2 grows like 1/s: from s = 0.1 to 0.01 by
    ~ 10 (asserted > 3), each far above the smooth law's spread; exact duplicates give inf at
    k = 2, 3 (G(0) = inf) and a finite value at k = 1."""
    rng = np.random.default_rng(80)
    centres = rng.uniform(0, TWO_PI, (10, 3))
    unif = np.ones((1, 1, 1))
    m = 1000
    smooth = M.sobolev_to_law(rng.uniform(0, TWO_PI, (m, 3)), unif)
    assert abs(smooth.d2) <= Z * smooth.null_sd
    vals = []
    for s in (0.3, 0.1, 0.03, 0.01):
        res = M.sobolev_to_law(_kde_sample(rng, m, centres, s), unif)
        assert res.d2 - Z * res.sd > Z * smooth.null_sd + abs(smooth.d2)
        vals.append(res.d2)
    assert all(b > a for a, b in zip(vals, vals[1:], strict=False))
    assert vals[3] > 3 * vals[1]
    dup = rng.uniform(0, TWO_PI, (50, 3))
    dup[7] = dup[3]
    assert M.sobolev_to_law(dup, unif).d2 == math.inf
    assert M.sobolev_to_law(dup[:, :2], np.ones((1, 1))).value == math.inf
    assert math.isfinite(M.sobolev_to_law(dup[:, 0], np.ones(1)).d2)


# ----------------------------------------------------------------------------- the W1 bound


def _circle_w1(p1, p2, n):
    """Exact W1 on the circle between densities p1, p2 sampled at n midpoints: min over c of
    int |F1 - F2 - c| = int |D - median(D)| (the minimizing c is a median of D under the
    uniform measure); midpoint-rule error O(1/n^2) for smooth densities."""
    h = TWO_PI / n
    D = np.cumsum(p1 - p2) * h
    return float(np.sum(np.abs(D - np.median(D))) * h)


def test_w1_bound_holds_on_the_circle_with_exact_w1():
    """nu = VonMises(1, 0), mu = VonMises(3, 0.8) on the circle: W1 by the CDF formula (checked
    against metrics.wasserstein_circle on the discretized laws), and
    W1 <= sqrt(2 pi) sqrt(1 + lam^2) D for several lam, from the closed form and from samples
    (d2 + 4 sd: fails with probability ~3e-5 under normality). Peyre's W2 bound holds too, and
    W1 <= W2 <= 2 sqrt((1 + lam^2)/a) D is weaker than the duality bound, as stated."""
    n = 200_000
    u = (np.arange(n) + 0.5) * TWO_PI / n

    def p(kap, mu):
        return np.exp(kap * np.cos(u - mu)) / (TWO_PI * special.i0(kap))

    w1 = _circle_w1(p(1.0, 0.0), p(3.0, 0.8), n)
    coarse = np.arange(4000) * TWO_PI / 4000
    w1_pot = M.wasserstein_circle(
        coarse, coarse, a=np.exp(np.cos(coarse)), b=np.exp(3 * np.cos(coarse - 0.8))
    )
    assert w1 == pytest.approx(w1_pot, rel=1e-3)  # O(1/4000) discretization of the coarse one
    cn = M.von_mises_torus_coefficients(1.0, 0.0, 1)
    cm = M.von_mises_torus_coefficients(3.0, 0.8, 1)
    for lam in (0.5, 1.0, 2.0, 5.0):
        bound = M.sobolev_w1_constant(1, lam) * math.sqrt(M.sobolev_between_laws(cn, cm, lam))
        assert w1 <= bound
    theta = _vm(np.random.default_rng(90), 2000, 1, 1.0, 0.0)
    res = M.sobolev_to_law(theta, cm)
    assert w1 <= res.w1_bound(z=4.0)
    a = math.exp(-3.0) / (TWO_PI * special.i0(3.0))  # min of mu's density
    assert res.w2_bound(a, z=4.0) > res.w1_bound(z=4.0)


def test_w1_bound_on_t2_dominates_a_marginal_w1():
    """k = 2, product laws: W1(nu, mu) >= W1 of the first marginals (the projection is
    1-Lipschitz for the flat metric), so (2 pi) sqrt(1 + lam^2) D must exceed the marginal W1;
    also the sample version with z = 4."""
    n = 100_000
    u = (np.arange(n) + 0.5) * TWO_PI / n
    w1_marg = _circle_w1(
        np.exp(np.cos(u)) / (TWO_PI * special.i0(1.0)),
        np.exp(3 * np.cos(u - 0.8)) / (TWO_PI * special.i0(3.0)),
        n,
    )
    cn = M.von_mises_torus_coefficients(1.0, 0.0, 2)
    cm = M.von_mises_torus_coefficients(3.0, 0.8, 2)
    assert M.sobolev_w1_constant(2) * math.sqrt(M.sobolev_between_laws(cn, cm)) >= w1_marg
    res = M.sobolev_to_law(_vm(np.random.default_rng(91), 1500, 2, 1.0, 0.0), cm)
    assert res.w1_bound(z=4.0) >= w1_marg
    assert M.sobolev_w1_constant(3, 2.0) == pytest.approx(TWO_PI**1.5 * math.sqrt(5.0))


# ---------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c3: M.sobolev_to_law(np.zeros((2, 2, 2)), c3), "theta must have shape"),
        (lambda c3: M.sobolev_to_law([[0.0, 1.0, np.nan]] * 3, c3), "theta must be finite"),
        (lambda c3: M.sobolev_to_law(np.zeros((1, 3)), c3), "theta must hold at least 2"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 4)), c3), "columns k of theta"),
        (lambda c3: M.sobolev_to_law(np.array([["a"] * 3] * 3), c3), "theta must be a real"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 3)), c3, lam=0.5), r"lam must be in \[1"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 3)), c3, lam=np.nan), "lam must be"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 2)), c3), "coefficients must have k = 2"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 1)), np.ones(4)), r"shape \(2J\+1,\)\*k"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 3)), 2 * c3), "at xi = 0"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 1)), [0.5j, 1, 0.5j]), "conj"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 1)), [2, 1, 2]), r"\|c_xi\| <= 1"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 1)), [np.nan, 1, np.nan]), "finite"),
        (lambda c3: M.sobolev_to_law(np.zeros((5, 1)), ["x"]), "numeric"),
        (lambda c3: M.sobolev_between_laws(c3, np.ones((1, 1))), "c2 must have k = 3"),
        (lambda c3: M.sobolev_between_laws(c3, c3, lam=0.0), "lam must be"),
        (lambda c3: M.von_mises_torus_coefficients(-1.0, 0.0, 2), "kappa must be"),
        (lambda c3: M.von_mises_torus_coefficients(1.0, (0.0, 1.0), 3), "mean must be one"),
        (lambda c3: M.von_mises_torus_coefficients(1.0, 0.0, 4), "k must be 1, 2 or 3"),
        (lambda c3: M.von_mises_torus_coefficients(1.0, 0.0, 2, J=-1), "J must be an integer"),
        (lambda c3: M.von_mises_torus_coefficients(1.0, 0.0, 3, J=200), "more than"),
        (lambda c3: M.kde_torus_coefficients(np.zeros((3, 2)), 0.0), "bandwidth must be"),
        (lambda c3: M.torus_sobolev_kernel([[np.inf, 0.0]]), "delta must be finite"),
        (lambda c3: M.torus_sobolev_kernel([[0.0, 0.0]], lam=60), "lam must be"),
        (lambda c3: M.sobolev_w1_constant(4), "k must be 1, 2 or 3"),
    ],
)
def test_bad_inputs_are_refused_with_the_parameter_named(call, match):
    c3 = M.von_mises_torus_coefficients(1.0, 0.0, 3, J=2)
    with pytest.raises(ValueError, match=match):
        call(c3)


def test_bad_bound_arguments_are_refused():
    res = M.sobolev_to_law(np.random.default_rng(0).uniform(0, TWO_PI, (20, 2)), np.ones((1, 1)))
    with pytest.raises(ValueError, match="density_min must be <= 1 / \\(2 pi\\)\\^k"):
        res.w2_bound(0.1)
    with pytest.raises(ValueError, match="z must be"):
        res.w1_bound(z=-1.0)
    with pytest.raises(ValueError, match="density_min must be"):
        res.w2_bound(0.0)


@pytest.mark.parametrize("k, N, h", [(1, 20, 0.3), (3, 30, 0.6)])
def test_kde_expected_d2_is_the_mean_over_training_sets(k, N, h):
    """kde_expected_d2 is E D^2(mu_N * K_h, mu) over training sets: the mean of the exact
    distance (sobolev_between_laws of kde_torus_coefficients) over R = 400 training sets lies
    within Z = 4 standard errors of bias2 + variance; a control with the wrong N (2 N: half the
    variance) must miss by more than Z se, so the check can fail."""
    rng = np.random.default_rng(11)
    mu = M.von_mises_torus_coefficients(1.0, 0.4, k)
    bias2, var = M.kde_expected_d2(mu, h, N)
    R = 400
    d2 = np.array([
        M.sobolev_between_laws(M.kde_torus_coefficients(_vm(rng, N, k, 1.0, 0.4), h), mu)
        for _ in range(R)
    ])  # fmt: skip
    se = d2.std(ddof=1) / math.sqrt(R)
    assert abs(d2.mean() - (bias2 + var)) <= Z * se
    wrong = bias2 + sum(M.kde_expected_d2(mu, h, 2 * N)[1:])
    assert abs(d2.mean() - wrong) > Z * se
    assert bias2 > 0 and var > 0
    with pytest.raises(ValueError, match="bandwidth"):
        M.kde_expected_d2(mu, 0.0, N)
    with pytest.raises(ValueError, match="N"):
        M.kde_expected_d2(mu, h, 0)
