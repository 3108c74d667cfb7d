"""Densities on manifolds: normalization, bounds, exact sampling, registry and bad input.

Statistical tolerances
----------------------
Goodness-of-fit tests (KS on an angle or on <x, mu>, chi-square on 2-D cells) run with fixed seeds.
The file holds at most ``N_GOF`` such tests (default and slow runs together); each must have
p > ALPHA = ALPHA_FAMILY / N_GOF (Bonferroni), so that with fresh random seeds the chance that any
correct sampler fails somewhere in the file is <= ALPHA_FAMILY = 1e-3. Negative controls must reach
p < ALPHA; their power is derived next to each one from the population KS distance D between the
true and the wrong law: the KS statistic is >= D - K/sqrt(n) with probability >= 1 - 2 exp(-2 K^2),
so D sqrt(n) >= 2 K_alpha (K_alpha = sqrt(log(2/ALPHA)/2) = 2.32) makes the control fail with
probability <= 2 exp(-2 K_alpha^2) = ALPHA.

Normalizing constants are compared with QUADPACK (tests/naive_densities.py, epsrel 1e-13) at
rtol 1e-10, and with closed forms (circle, spheres, flat torus) at rtol 1e-12.
"""

from __future__ import annotations

import math
import pickle

import naive_densities as naive
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from ratesim.densities import (
    DENSITIES,
    ChartVonMises,
    Density,
    HolderDensity,
    Mixture,
    PiecewiseConstant,
    Uniform,
    VonMises,
    VonMisesFisher,
    make_density,
)
from ratesim.densities._angular import abs_sin_power_coefficients
from ratesim.densities._quadrature import (
    TOL,
    angular_fourier_integral,
    constant_volume_element,
    log_integral_smooth,
)
from ratesim.manifolds import Ellipse, FlatTorus, HolderCurve, HolderGraph, Sphere, StandardTorus

ALPHA_FAMILY = 1e-3
N_GOF = 40
ALPHA = ALPHA_FAMILY / N_GOF  # 2.5e-5 per test
K_ALPHA = math.sqrt(math.log(2 / ALPHA) / 2)

CIRCLE = Sphere(k=1, d=3, seed=1)
S2 = Sphere(k=2, d=5, seed=2)
S3 = Sphere(k=3, seed=None)
ELLIPSE = Ellipse(a=1.0, b=2.0, d=3, seed=3)
FLAT2 = FlatTorus(k=2, seed=None)
FLAT3 = FlatTorus(k=3, seed=None)
TORUS = StandardTorus(R=2.0, r=1.0, d=4, seed=4)
CURVE = HolderCurve(beta=2.5, eps=0.3, d=3, seed=5)
GRAPH = HolderGraph(k=2, beta=2.5, eps=0.05, d=6, seed=6)
GRAPH_FEW = HolderGraph(k=2, beta=2.5, eps=0.3, seed=8, n_terms=6)  # max frequency 64


def ellipse_speed(t):
    return math.hypot(1.0 * math.sin(t), 2.0 * math.cos(t))


def ellipse_speed_vec(t):
    return np.hypot(np.sin(t), 2.0 * np.cos(t))


def ks_p(x, cdf) -> float:
    return float(stats.kstest(x, cdf).pvalue)


# ----- normalization ------------------------------------------------------------------------


def test_circle_von_mises_closed_form_equals_vmf_and_quadpack():
    for kappa, mean in [(0.0, 0.0), (4.0, math.pi), (30.0, 1.0)]:
        vm = VonMises(kappa, mean)
        z = math.exp(vm.log_normalizer(CIRCLE))
        assert_allclose(z, 2 * math.pi * float(np.i0(kappa)), rtol=1e-12)
        assert_allclose(z, naive.von_mises_normalizer_curve(lambda t: 1.0, kappa, mean), rtol=1e-10)
        if kappa > 0:
            vmf = VonMisesFisher(kappa, mu=[math.cos(mean), math.sin(mean)])
            u = CIRCLE.quadrature(64)[0]
            assert_allclose(vm.log_pdf(CIRCLE, u), vmf.log_pdf(CIRCLE, u), rtol=0, atol=1e-12)


def test_vmf_normalizer_matches_bessel_and_quadpack_and_uniform_limit():
    for m, kappa in [(2, 3.0), (3, 0.7), (3, 12.0), (4, 5.0), (6, 2.0)]:
        M = Sphere(k=m - 1, seed=None)
        z = math.exp(VonMisesFisher(kappa).log_normalizer(M))
        assert_allclose(z, naive.bessel_vmf_normalizer(kappa, m), rtol=1e-12)
        assert_allclose(z, naive.vmf_normalizer(kappa, m), rtol=1e-10)
    # S^2: closed form 4 pi sinh(kappa) / kappa; kappa -> 0 continuous to the uniform law
    assert_allclose(
        math.exp(VonMisesFisher(3.0).log_normalizer(S2)), 4 * math.pi * math.sinh(3) / 3, rtol=1e-13
    )
    for m in (3, 10, 101):
        M = Sphere(k=m - 1, seed=None)
        small = VonMisesFisher(1e-9).log_normalizer(M)
        assert_allclose(small, VonMisesFisher(0.0).log_normalizer(M), rtol=0, atol=1e-8)
        assert_allclose(VonMisesFisher(0.0).log_normalizer(M), math.log(M.volume), rtol=1e-14)
    # large kappa: no overflow (scaled Bessel), log Z ~ kappa + (m-1)/2 log(2 pi / kappa)
    big = VonMisesFisher(1e4).log_normalizer(S2)
    assert_allclose(big, 1e4 + math.log(2 * math.pi / 1e4), rtol=1e-12)


def test_pdf_integrates_to_one_on_sphere_quadrature():
    u, w = S2.quadrature(200)  # Gauss-Legendre x trapezoid: smooth integrands to ~1e-14
    for dens in [VonMisesFisher(5.0, mu=[0.6, 0.0, 0.8]), Uniform(), PiecewiseConstant((1, 3))]:
        assert_allclose(np.sum(w * dens.pdf(S2, u)), 1.0, rtol=1e-11)
    u, w = CIRCLE.quadrature(4096)
    for dens in [
        VonMises(8.0, 2.0),
        ChartVonMises(3.0, 1.0),
        Mixture([VonMises(2.0), Uniform()], [0.25, 0.75]),
    ]:
        assert_allclose(np.sum(w * dens.pdf(CIRCLE, u)), 1.0, rtol=1e-12)


@pytest.mark.parametrize("s", [0.3, 0.5, 1.0, 1.7])
def test_holder_normalizer_closed_form_and_cusp_quadrature(s):
    """Closed form on constant-marginal manifolds; the Gauss-Jacobi path agrees to 1e-12."""
    c, t0 = 2.0, 0.7
    hol = HolderDensity(s, c, t0)
    # circle: QUADPACK with break points at the cusps
    z_circle = math.exp(hol.log_normalizer(CIRCLE))
    assert_allclose(z_circle, naive.holder_normalizer_curve(lambda t: 1.0, s, c, t0), rtol=1e-10)
    B = 2 * math.sqrt(math.pi) * math.gamma((s + 1) / 2) / math.gamma(s / 2 + 1)
    z_flat = math.exp(hol.log_normalizer(FLAT2))
    assert_allclose(z_flat, 2 * math.pi * (2 * math.pi + c * B), rtol=1e-12)
    # the Fourier (FFT) path: on the standard torus J varies but m(theta) = 2 pi r R does not
    assert constant_volume_element(TORUS) is None
    z_torus = math.exp(hol.log_normalizer(TORUS))
    assert_allclose(z_torus, 2 * math.pi * TORUS.r * TORUS.R * (2 * math.pi + c * B), rtol=1e-12)
    # S^2: the azimuth marginal of the area is 2 (= 4 pi / 2 pi)
    assert_allclose(math.exp(hol.log_normalizer(S2)), 2 * (2 * math.pi + c * B), rtol=1e-12)


@pytest.mark.parametrize("s", [0.3, 1.0, 1.7])
def test_cusp_fourier_coefficients_match_quadpack(s):
    """a_l = (1 / pi) int_0^pi sin^s(phi) cos(2 l phi) d phi, by QUADPACK (cosine weight)."""
    from scipy import integrate

    a = abs_sin_power_coefficients(s, 40)
    for ell in (0, 1, 2, 7, 40):
        ref, _ = integrate.quad(
            lambda p: math.sin(p) ** s, 0, math.pi, weight="cos", wvar=2 * ell, epsabs=1e-15
        )
        assert_allclose(a[ell], ref / math.pi, rtol=1e-9, atol=1e-14)
    # negative control: the coefficients decay like l^-(1+s), not faster (the cusp is real)
    big = abs_sin_power_coefficients(s, 4000)
    slope = math.log(abs(big[4000]) / abs(big[400])) / math.log(10)
    assert abs(slope + (1 + s)) < 0.01


def test_fourier_integral_reproduces_smooth_integrals():
    """For f = exp(kappa cos(theta - mu)), c_xi(f) = I_xi(kappa) e^{-i xi mu}: the Parseval sum
    equals the trapezoid value of VonMises on the ellipse (two independent code paths)."""
    from scipy.special import iv

    kappa, mu = 3.0, 0.4

    def coef(xi):
        return iv(xi, kappa) * np.exp(-1j * xi * mu)

    z = angular_fourier_integral(ELLIPSE, coef, "test")
    assert_allclose(math.log(z), VonMises(kappa, mu).log_normalizer(ELLIPSE), rtol=1e-13)


def test_flat_torus_closed_form_agrees_with_quadrature_path():
    assert constant_volume_element(FLAT2) == 1.0 and constant_volume_element(FLAT3) == 1.0
    assert constant_volume_element(TORUS) is None and constant_volume_element(ELLIPSE) is None
    vm = VonMises(3.0, (0.5, 2.0))
    closed = vm.log_normalizer(FLAT2)
    assert_allclose(closed, 2 * math.log(2 * math.pi * float(np.i0(3.0))), rtol=1e-13)
    quad = log_integral_smooth(FLAT2, lambda u: vm._log_f(FLAT2, u), "test")
    assert_allclose(quad, closed, rtol=1e-12)
    # k = 3 factorizes: closed form (no quadrature needed)
    assert_allclose(
        VonMises(1.5).log_normalizer(FLAT3),
        3 * math.log(2 * math.pi * float(np.i0(1.5))),
        rtol=1e-13,
    )


def test_ellipse_normalizers_match_quadpack():
    """Curved k = 1: volume densities integrate the volume element |Phi'(t)|."""
    J = ellipse_speed
    for kappa, mean in [(1.0, 0.0), (4.0, 2.5), (0.0, 0.0)]:
        z = math.exp(VonMises(kappa, mean).log_normalizer(ELLIPSE))
        assert_allclose(z, naive.von_mises_normalizer_curve(J, kappa, mean), rtol=1e-10)
    for s, c, t0 in [(0.3, 1.0, 0.0), (1.5, -0.5, 1.0), (0.8, 3.0, 5.0)]:
        z = math.exp(HolderDensity(s, c, t0).log_normalizer(ELLIPSE))
        assert_allclose(z, naive.holder_normalizer_curve(J, s, c, t0), rtol=1e-10)
    for levels, breaks in [((1, 3), (0.0, math.pi)), ((2, 1, 5), (0.3, 1.0, 4.0))]:
        z = math.exp(PiecewiseConstant(levels, breaks).log_normalizer(ELLIPSE))
        assert_allclose(z, naive.piecewise_normalizer_curve(J, levels, breaks), rtol=1e-10)
    # uniform: the perimeter
    assert_allclose(math.exp(Uniform().log_normalizer(ELLIPSE)), naive.quad_circle(J), rtol=1e-10)


def test_standard_torus_normalizers_separate():
    """On the standard torus f(theta) J(phi) separates: Z = int f d theta * int J d phi."""
    R, r = TORUS.R, TORUS.r
    Jphi = naive.quad_circle(lambda p: r * (R + r * math.cos(p)))
    assert_allclose(Jphi, 2 * math.pi * R * r, rtol=1e-12)
    hol = HolderDensity(0.4, 1.5, 2.0)
    z = math.exp(hol.log_normalizer(TORUS))
    assert_allclose(
        z, naive.holder_normalizer_curve(lambda t: 1.0, 0.4, 1.5, 2.0) * Jphi, rtol=1e-10
    )
    pc = PiecewiseConstant((1, 4), (1.0, 2.0))
    assert_allclose(
        math.exp(pc.log_normalizer(TORUS)), (1 * 1.0 + 4 * (2 * math.pi - 1.0)) * Jphi, rtol=1e-10
    )
    vm = VonMises(2.0, (0.3, 2.5))
    z_theta = naive.von_mises_normalizer_curve(lambda t: 1.0, 2.0, 0.3)
    z_phi = naive.quad_circle(
        lambda p: math.exp(2.0 * math.cos(p - 2.5)) * r * (R + r * math.cos(p))
    )
    assert_allclose(math.exp(vm.log_normalizer(TORUS)), z_theta * z_phi, rtol=1e-10)


def test_holder_curve_and_graph_normalizers():
    """Lacunary volume elements (frequencies up to 2^20).

    beta = 6.5: the high terms are below 1e-30 and QUADPACK resolves J. beta = 2.5: brute-force
    trapezoid with N = 300007 nodes: no power 2^j above the Nyquist frequency (18 <= j <= 21) is
    within 10 of a multiple of N, so the lacunary frequencies of J, times low frequencies of the
    density, do not alias onto 0 (N = 2^18 + 1 would alias 2^19 onto -2). The densities' own
    trapezoid error is below 1e-12 at that N (s = 1.5: O(N^-2.5); no jump)."""
    smooth = HolderCurve(beta=6.5, eps=0.3, seed=7)

    def J6(t):
        return float(smooth.volume_element(np.array([[t]]))[0])

    for dens, f, pts in [
        (
            HolderDensity(0.5, 2.0, 1.0),
            lambda t: naive.holder_f(t, 0.5, 2.0, 1.0),
            (1.0, 1 + math.pi),
        ),
        (
            PiecewiseConstant((1, 3), (0.5, 3.0)),
            lambda t: naive.piecewise_f(t, (1, 3), (0.5, 3.0)),
            (0.5, 3.0),
        ),
        (VonMises(2.0, 1.0), lambda t: naive.von_mises_f([t], 2.0, 1.0), ()),
    ]:
        ref = naive.quad_circle(lambda t, f=f: f(t) * J6(t), points=pts, epsrel=1e-12)
        assert_allclose(math.exp(dens.log_normalizer(smooth)), ref, rtol=1e-10)
    n = 300007
    assert all(min(pow(2, j, n), n - pow(2, j, n)) > 10 for j in range(18, 22))
    t = 2 * np.pi * np.arange(n) / n
    J = CURVE.volume_element(t[:, None])
    for dens, f in [
        (HolderDensity(1.5, 2.0, 1.0), 1 + 2.0 * np.abs(np.sin(t - 1.0)) ** 1.5),
        (VonMises(2.0, 1.0), np.exp(2.0 * np.cos(t - 1.0))),
    ]:
        ref = np.sum(f * J) * 2 * np.pi / n
        assert_allclose(math.exp(dens.log_normalizer(CURVE)), ref, rtol=1e-10)
    # graph (k = 2): the volume (computed by the manifold its own way), a trapezoid at another
    # odd N for a smooth density, and the FFT path of the marginal
    assert_allclose(math.exp(Uniform().log_normalizer(GRAPH)), GRAPH.volume, rtol=1e-14)
    vol = angular_fourier_integral(GRAPH, lambda xi: (xi == 0).astype(complex), "volume")
    assert_allclose(vol, GRAPH.volume, rtol=1e-10)
    u, w = GRAPH.quadrature(701)
    ref = np.sum(w * np.exp(2.0 * (np.cos(u[:, 0] - 1.0) + np.cos(u[:, 1] - 3.0))))
    assert_allclose(math.exp(VonMises(2.0, (1.0, 3.0)).log_normalizer(GRAPH)), ref, rtol=1e-10)


def test_holder_graph_cusp_and_jump_normalizers_match_quadpack():
    """k = 2 with cusps and jumps: QUADPACK in theta (break points at the cusps / jumps) of
    f(theta) m(theta), m(theta) = int J(theta, v) dv by a 301-node trapezoid rule in v, exact to
    1e-15 for this 6-term graph (frequencies <= 64 in J, geometric decay beyond)."""
    v = 2 * np.pi * np.arange(301) / 301

    def m(t):
        u = np.stack([np.full(v.size, t), v], axis=1)
        return float(np.mean(GRAPH_FEW.volume_element(u))) * 2 * np.pi

    for dens, f, pts in [
        (
            HolderDensity(0.4, 2.0, 1.0),
            lambda t: naive.holder_f(t, 0.4, 2.0, 1.0),
            (1.0, 1 + math.pi),
        ),
        (
            PiecewiseConstant((1, 3), (0.5, 3.0)),
            lambda t: naive.piecewise_f(t, (1, 3), (0.5, 3.0)),
            (0.5, 3.0),
        ),
    ]:
        ref = naive.quad_circle(lambda t, f=f: f(t) * m(t), points=pts, epsrel=1e-12)
        assert_allclose(math.exp(dens.log_normalizer(GRAPH_FEW)), ref, rtol=1e-10)


def test_normalization_negative_control():
    """A density normalized on the wrong geometry is detectably wrong: the arc-length von Mises
    and the chart von Mises differ on the ellipse (they agree only where J is constant)."""
    vm, chart = VonMises(1.0), ChartVonMises(1.0)
    u, w = ELLIPSE.quadrature(2048)
    assert_allclose(np.sum(w * vm.pdf(ELLIPSE, u)), 1.0, rtol=1e-12)
    assert_allclose(np.sum(w * chart.pdf(ELLIPSE, u)), 1.0, rtol=1e-12)
    assert np.max(np.abs(vm.log_pdf(ELLIPSE, u) - chart.log_pdf(ELLIPSE, u))) > 0.3
    uc = CIRCLE.quadrature(64)[0]
    assert_allclose(vm.log_pdf(CIRCLE, uc), chart.log_pdf(CIRCLE, uc), atol=1e-13, rtol=0)


# ----- log-density against the naive twins, bounds ------------------------------------------


def test_log_pdf_matches_naive_loops():
    rng = np.random.default_rng(10)
    t = rng.uniform(0, 2 * math.pi, size=(50, 1))
    cases = [
        (HolderDensity(0.5, 2.0, 1.0), lambda th: naive.holder_f(th[0], 0.5, 2.0, 1.0)),
        (
            PiecewiseConstant((2, 1, 5), (0.3, 1.0, 4.0)),
            lambda th: naive.piecewise_f(th[0], (2, 1, 5), (0.3, 1.0, 4.0)),
        ),
        (VonMises(3.0, 1.0), lambda th: naive.von_mises_f(th, 3.0, 1.0)),
    ]
    for dens, f in cases:
        log_z = dens.log_normalizer(ELLIPSE)
        assert_allclose(dens.log_pdf(ELLIPSE, t), naive.log_pdf_loop(f, t, log_z), rtol=1e-10)
    u2 = rng.uniform(0, 2 * math.pi, size=(40, 2))
    vm = VonMises(2.0, (0.3, 2.5))
    expect = naive.log_pdf_loop(
        lambda th: naive.von_mises_f(th, 2.0, (0.3, 2.5)), u2, vm.log_normalizer(TORUS)
    )
    assert_allclose(vm.log_pdf(TORUS, u2), expect, rtol=1e-10)
    # chart von Mises: q(t) / |Phi'(t)|
    chart = ChartVonMises(2.0, 0.5)
    q = [naive.von_mises_f(row, 2.0, 0.5) / (2 * math.pi * float(np.i0(2.0))) for row in t]
    expect = np.log(np.array(q) / ellipse_speed_vec(t[:, 0]))
    assert_allclose(chart.log_pdf(ELLIPSE, t), expect, rtol=1e-10)
    # vMF on S^2 with a general mean direction
    mu = np.array([0.6, 0.0, 0.8])
    x = S2._sample_uniform(30, rng)
    vmf = VonMisesFisher(4.0, mu=mu)
    z = naive.vmf_normalizer(4.0, 3)
    assert_allclose(
        vmf.log_pdf(S2, x), [4.0 * float(xi @ mu) - math.log(z) for xi in x], rtol=1e-10
    )
    # mixture: the weighted sum of the component densities
    comps = [VonMises(2.0, 1.0), HolderDensity(0.5), PiecewiseConstant((1, 3))]
    mix = Mixture(comps, [0.2, 0.3, 0.5])
    pdfs = [c.pdf(ELLIPSE, t) for c in comps]
    assert_allclose(mix.pdf(ELLIPSE, t), naive.mixture_pdf_loop(pdfs, [0.2, 0.3, 0.5]), rtol=1e-12)


ALL_CASES = [
    (CIRCLE, VonMises(4.0, math.pi)),
    (CIRCLE, HolderDensity(0.3, -0.5)),
    (S2, VonMisesFisher(6.0, mu=[0.0, 0.0, 1.0])),
    (S2, HolderDensity(1.2, 2.0, 0.4)),
    (S3, VonMisesFisher(2.0)),
    (ELLIPSE, VonMises(2.0, 1.0)),
    (ELLIPSE, ChartVonMises(2.0, 1.0)),
    (ELLIPSE, PiecewiseConstant((1, 3), (0.0, math.pi))),
    (ELLIPSE, Mixture([VonMises(2.0), HolderDensity(0.5)], [0.4, 0.6])),
    (TORUS, VonMises(1.0, (0.0, 1.0))),
    (TORUS, HolderDensity(0.5, 1.0)),
    (CURVE, HolderDensity(0.3, 1.0, 2.0)),
    (CURVE, ChartVonMises(1.0)),
    (GRAPH_FEW, VonMises(1.0, (0.0, 2.0))),
    (GRAPH_FEW, PiecewiseConstant((1, 3))),
    (FLAT3, VonMises(1.0)),
    (FLAT3, PiecewiseConstant((1, 2, 3))),
]


@pytest.mark.parametrize("manifold,dens", ALL_CASES, ids=lambda x: repr(x)[:40])
def test_bounds_hold_and_samples_are_coordinates(manifold, dens):
    rng = np.random.default_rng(11)
    u = manifold.sample_intrinsic(500, Uniform(), rng=rng)
    logp = dens.log_pdf(manifold, u)
    assert np.all(np.isfinite(logp))
    assert dens.lower_bound(manifold) > 0
    assert_allclose(dens.log_lower_bound(manifold), np.log(dens.lower_bound(manifold)), rtol=1e-12)
    assert np.all(logp >= dens.log_lower_bound(manifold) - 1e-12)
    assert np.all(logp <= dens.log_sup(manifold) + 1e-12)
    x = manifold.sample(200, dens, rng=rng)
    assert x.shape == (200, manifold.d)
    assert np.max(manifold.distance(x)) < 1e-12
    # determinism under a fixed seed
    a = manifold.sample_intrinsic(50, dens, rng=5)
    b = manifold.sample_intrinsic(50, dens, rng=np.random.default_rng(5))
    assert_allclose(a, b, rtol=0, atol=0)


def test_log_lower_bound_survives_underflow():
    """kappa = 1000: the lower bound exp(-2000 - log Z) underflows, its log does not."""
    for M, dens, expect in [
        (ELLIPSE, VonMises(1000.0, 1.0), -1000.0),
        (S2, VonMisesFisher(1000.0), -1000.0),
    ]:
        assert dens.lower_bound(M) == 0.0
        lz = dens.log_normalizer(M)
        assert_allclose(dens.log_lower_bound(M), expect - lz, rtol=1e-14)
        assert np.isfinite(lz) and lz > 990
    mix = Mixture([VonMises(1000.0), Uniform()], [0.5, 0.5])
    assert_allclose(mix.log_lower_bound(ELLIPSE), math.log(0.5 / ELLIPSE.volume), rtol=1e-12)


def test_pickle_round_trip_keeps_values():
    for _, dens in ALL_CASES:
        clone = pickle.loads(pickle.dumps(dens))
        assert repr(clone) == repr(dens)
    u = ELLIPSE.quadrature(32)[0]
    d = Mixture([VonMises(2.0), HolderDensity(0.5)], [0.4, 0.6])
    assert_allclose(pickle.loads(pickle.dumps(d)).log_pdf(ELLIPSE, u), d.log_pdf(ELLIPSE, u))


# ----- sampling: goodness of fit --------------------------------------------------------------


def test_gof_circle_von_mises_and_holder_and_mixture():
    rng = np.random.default_rng(20)
    n = 4000
    vm_cdf = lambda x: stats.vonmises.cdf(x, 2.5, loc=1.0) - stats.vonmises.cdf(0, 2.5, loc=1.0)  # noqa: E731
    vmf = VonMisesFisher(2.5, mu=[math.cos(1.0), math.sin(1.0)])  # Wood's algorithm at m = 2
    assert ks_p(CIRCLE.angle(CIRCLE.sample_intrinsic(n, vmf, rng=rng)), vm_cdf) > ALPHA
    t = CIRCLE.angle(CIRCLE.sample_intrinsic(n, VonMises(4.0, math.pi), rng=rng))
    assert (
        ks_p(
            t,
            lambda x: (
                stats.vonmises.cdf(x, 4.0, loc=math.pi) - stats.vonmises.cdf(0, 4.0, loc=math.pi)
            ),
        )
        > ALPHA
    )
    hol = HolderDensity(0.3, 3.0, 1.0)
    t = CIRCLE.angle(CIRCLE.sample_intrinsic(n, hol, rng=rng))
    cdf = naive.angle_cdf(lambda x: 1 + 3.0 * np.abs(np.sin(x - 1.0)) ** 0.3)
    assert ks_p(t, cdf) > ALPHA
    mix = Mixture([VonMises(8.0, 1.0), PiecewiseConstant((1, 3))], [0.3, 0.7])
    t = CIRCLE.angle(CIRCLE.sample_intrinsic(n, mix, rng=rng))
    cdf = naive.angle_cdf(
        lambda x: (
            0.3 * np.exp(8 * np.cos(x - 1.0)) / (2 * np.pi * np.i0(8.0))
            + 0.7 * np.where(x < np.pi, 1.0, 3.0) / (4 * np.pi)
        )
    )
    assert ks_p(t, cdf) > ALPHA


def test_gof_vmf_cosine_law_and_azimuth_on_s2_and_s3():
    """<x, mu> has CDF (e^{kappa w} - e^{-kappa}) / (e^kappa - e^{-kappa}) on S^2; the direction
    orthogonal to mu is uniform (its azimuth in a basis of mu-perp)."""
    rng = np.random.default_rng(21)
    n = 4000
    mu = np.array([0.6, 0.0, 0.8])
    kappa = 3.0
    x = S2.sample_intrinsic(n, VonMisesFisher(kappa, mu=mu), rng=rng)
    w = x @ mu
    cdf = lambda v: (np.exp(kappa * (v - 1)) - np.exp(-2 * kappa)) / (1 - np.exp(-2 * kappa))  # noqa: E731
    assert ks_p(w, cdf) > ALPHA
    e1, e2 = np.array([0.8, 0.0, -0.6]), np.array([0.0, 1.0, 0.0])
    az = np.mod(np.arctan2(x @ e2, x @ e1), 2 * np.pi)
    assert ks_p(az, stats.uniform(0, 2 * np.pi).cdf) > ALPHA
    # S^3 (m = 4): density of w proportional to e^{kappa w} sqrt(1 - w^2)
    x = S3.sample_intrinsic(n, VonMisesFisher(5.0), rng=rng)
    assert ks_p(x[:, 0], naive.vmf_cosine_cdf(5.0, 4)) > ALPHA
    # negative control: a vMF sample with the wrong kappa (4 instead of 3). D = sup |F_3 - F_4|
    # = 0.104 on S^2 (checked below), D sqrt(n) = 6.6 >= 2 K_alpha = 4.75 at n = 4000.
    grid = np.linspace(-1, 1, 20001)
    cdf4 = (np.exp(4 * (grid - 1)) - np.exp(-8)) / (1 - np.exp(-8))
    assert np.max(np.abs(cdf(grid) - cdf4)) * math.sqrt(n) >= 2 * K_ALPHA
    x = S2.sample_intrinsic(n, VonMisesFisher(4.0, mu=mu), rng=rng)
    assert ks_p(x @ mu, cdf) < ALPHA


def test_gof_ellipse_uniform_von_mises_holder_piecewise_and_chart():
    """Samples follow density x arc length: the law of t has density p(t) |Phi'(t)|."""
    rng = np.random.default_rng(22)
    n = 4000
    J = ellipse_speed_vec
    cases = [
        (Uniform(), lambda t: J(t)),
        (VonMises(4.0, 2.5), lambda t: np.exp(4 * np.cos(t - 2.5)) * J(t)),
        (HolderDensity(0.5, 2.0, 0.3), lambda t: (1 + 2 * np.abs(np.sin(t - 0.3)) ** 0.5) * J(t)),
        (PiecewiseConstant((1, 3), (0.0, math.pi)), lambda t: np.where(t < np.pi, 1, 3) * J(t)),
        (ChartVonMises(1.0), lambda t: np.exp(np.cos(t))),
        (
            Mixture([VonMises(4.0, 2.5), Uniform()], [0.5, 0.5]),
            None,
        ),
    ]
    for dens, weight in cases:
        t = ELLIPSE.angle(ELLIPSE.sample_intrinsic(n, dens, rng=rng))
        if weight is None:  # mixture: average of the two normalized laws of t
            c1 = naive.angle_cdf(lambda t: np.exp(4 * np.cos(t - 2.5)) * J(t))
            c2 = naive.angle_cdf(J)
            cdf = lambda x, c1=c1, c2=c2: 0.5 * c1(x) + 0.5 * c2(x)  # noqa: E731
        else:
            cdf = naive.angle_cdf(weight)
        assert ks_p(t, cdf) > ALPHA, dens


def test_gof_negative_control_chart_uniform_on_ellipse():
    """The P2 trap: t uniform in the chart is not uniform in arc length on the ellipse (1, 2).

    D = sup |F_chart - F_arc| = 0.0254 (computed below), so n = 40000 gives D sqrt(n) = 5.08
    >= 2 K_alpha = 4.75: the control fails with probability <= ALPHA."""
    rng = np.random.default_rng(23)
    arc_cdf = naive.angle_cdf(ellipse_speed_vec)
    grid = np.linspace(0, 2 * np.pi, 10001)
    D = np.max(np.abs(arc_cdf(grid) - grid / (2 * np.pi)))
    n = 40000
    assert D * math.sqrt(n) >= 2 * K_ALPHA
    t = ELLIPSE.angle(ELLIPSE.sample_intrinsic(n, ChartVonMises(0.0), rng=rng))
    assert ks_p(t, arc_cdf) < ALPHA
    # and the same n from the volume-uniform law passes
    t = ELLIPSE.angle(ELLIPSE.sample_intrinsic(n, Uniform(), rng=rng))
    assert ks_p(t, arc_cdf) > ALPHA


def _cell_probs_2d(weight, nb=8, sub=48):
    """Probabilities of nb x nb angle cells under the (unnormalized) density weight(th, ph),
    midpoint rule with sub x sub nodes per cell."""
    m = nb * sub
    g = (np.arange(m) + 0.5) * 2 * np.pi / m
    TH, PH = np.meshgrid(g, g, indexing="ij")
    W = weight(TH, PH)
    P = W.reshape(nb, sub, nb, sub).sum(axis=(1, 3))
    return P / P.sum()


def _chi2_p(u, probs):
    nb = probs.shape[0]
    idx = np.floor(np.mod(u, 2 * np.pi) / (2 * np.pi / nb)).astype(int)
    idx = np.minimum(idx, nb - 1)
    counts = np.zeros((nb, nb))
    np.add.at(counts, (idx[:, 0], idx[:, 1]), 1)
    exp = probs * len(u)
    return float(stats.chisquare(counts.ravel(), exp.ravel()).pvalue)


def test_gof_standard_torus_2d_cells():
    """Chi-square on 8 x 8 angle cells (64 cells, expected counts >= 20 at n = 6000)."""
    rng = np.random.default_rng(24)
    n = 6000
    R, r = TORUS.R, TORUS.r
    J = lambda th, ph: r * (R + r * np.cos(ph))  # noqa: E731
    cases = [
        (Uniform(), lambda th, ph: J(th, ph)),
        (
            VonMises(0.7, (0.5, 2.0)),
            lambda th, ph: np.exp(0.7 * (np.cos(th - 0.5) + np.cos(ph - 2.0))) * J(th, ph),
        ),
        (
            HolderDensity(0.5, 3.0, 1.0),
            lambda th, ph: (1 + 3 * np.abs(np.sin(th - 1.0)) ** 0.5) * J(th, ph),
        ),
        (
            PiecewiseConstant((1, 3), (0.0, 2.0)),
            lambda th, ph: np.where(th < 2.0, 1, 3) * J(th, ph),
        ),
    ]
    for dens, weight in cases:
        probs = _cell_probs_2d(weight)
        assert probs.min() * n >= 5
        u = TORUS.sample_intrinsic(n, dens, rng=rng)
        assert _chi2_p(u, probs) > ALPHA, dens
    # negative control: uniform in the angles is not uniform on the standard torus. Non-centrality
    # lambda = n sum (q - p)^2 / p = 6000 * 0.145 = 870 (asserted below) against the 63-dof
    # critical value 119 at ALPHA: the statistic ~ noncentral chi2(63, 870) has sd ~ 60, so it
    # falls below 119 with probability < 1e-30.
    probs = _cell_probs_2d(lambda th, ph: J(th, ph))
    assert n * np.sum((1 / 64 - probs) ** 2 / probs) > 800
    u = rng.uniform(0, 2 * np.pi, size=(n, 2))
    assert _chi2_p(u, probs) < ALPHA


def test_gof_holder_curve():
    rng = np.random.default_rng(26)
    n = 4000

    def J(t):
        return CURVE.volume_element(t[:, None])

    cases = [
        (Uniform(), J),
        (VonMises(3.0, 4.0), lambda t: np.exp(3 * np.cos(t - 4.0)) * J(t)),
        (HolderDensity(0.3, 3.0, 0.5), lambda t: (1 + 3 * np.abs(np.sin(t - 0.5)) ** 0.3) * J(t)),
    ]
    for dens, weight in cases:
        t = CURVE.angle(CURVE.sample_intrinsic(n, dens, rng=rng))
        assert ks_p(t, naive.angle_cdf(weight, n=2**16)) > ALPHA, dens


@pytest.mark.parametrize(
    "graph",
    [
        GRAPH_FEW,
        pytest.param(HolderGraph(k=2, beta=2.5, eps=0.5, seed=9), marks=pytest.mark.slow),
    ],
    ids=repr,
)
def test_gof_holder_graph_2d_cells(graph):
    """Chi-square on 8 x 8 cells of (u_1, u_2) on Holder graphs (k = 2, beta = 2.5)."""
    rng = np.random.default_rng(27)
    n = 6000

    def J(th, ph):
        u = np.stack([th.ravel(), ph.ravel()], axis=1)
        return graph.volume_element(u).reshape(th.shape)

    cases = [
        (Uniform(), J),
        (
            VonMises(0.7, (1.0, 4.0)),
            lambda th, ph: np.exp(0.7 * (np.cos(th - 1.0) + np.cos(ph - 4.0))) * J(th, ph),
        ),
        (
            HolderDensity(0.5, 3.0, 2.0),
            lambda th, ph: (1 + 3 * np.abs(np.sin(th - 2.0)) ** 0.5) * J(th, ph),
        ),
        (
            Mixture([PiecewiseConstant((1, 3), (0.0, 2.0)), Uniform()], [0.5, 0.5]),
            lambda th, ph: (
                (0.5 * np.where(th < 2.0, 1, 3) / (2 + 3 * (2 * np.pi - 2)) + 0.5 / (2 * np.pi))
                * J(th, ph)
            ),
        ),
    ]
    for dens, weight in cases:
        probs = _cell_probs_2d(weight)
        assert probs.min() * n >= 5
        u = graph.sample_intrinsic(n, dens, rng=rng)
        assert _chi2_p(u, probs) > ALPHA, dens


@pytest.mark.slow
def test_gof_ellipse_high_power():
    """n = 200000: KS resolves CDF errors of ~ 2.4 / sqrt(n) = 5e-3, so a sampler bias of that
    size (e.g. a mis-normalized arc or a wrong rejection bound) would show. The reference CDFs
    (midpoint rule on 2^18 cells) are exact to ~1e-7."""
    rng = np.random.default_rng(28)
    n = 200000
    J = ellipse_speed_vec
    for dens, weight in [
        (HolderDensity(0.3, 3.0, 0.3), lambda t: (1 + 3 * np.abs(np.sin(t - 0.3)) ** 0.3) * J(t)),
        (PiecewiseConstant((1, 3, 2), (0.5, 2.0, 4.0)), None),
    ]:
        if weight is None:
            weight = lambda t: np.select([t < 0.5, t < 2.0, t < 4.0], [2, 1, 3], 2) * J(t)  # noqa: E731
        t = ELLIPSE.angle(ELLIPSE.sample_intrinsic(n, dens, rng=rng))
        assert ks_p(t, naive.angle_cdf(weight)) > ALPHA, dens


def test_gof_flat_torus_von_mises_factorizes():
    rng = np.random.default_rng(25)
    u = FLAT3.sample_intrinsic(3000, VonMises(2.0, (0.0, 1.0, 2.0)), rng=rng)
    for j, m in enumerate((0.0, 1.0, 2.0)):
        cdf = naive.angle_cdf(lambda t, m=m: np.exp(2.0 * np.cos(t - m)))
        assert ks_p(u[:, j], cdf) > ALPHA


# ----- registry -------------------------------------------------------------------------------


def test_registry_builds_every_density_and_suggests_names():
    assert set(DENSITIES) >= {
        "uniform",
        "von_mises",
        "von_mises_fisher",
        "holder",
        "piecewise_constant",
        "mixture",
    }
    assert isinstance(make_density("von_mises", kappa=4.0, mean=1.0), VonMises)
    assert isinstance(make_density("holder", s=0.5), HolderDensity)
    mix = make_density(
        "mixture",
        components=[{"name": "von_mises", "kappa": 2.0}, "uniform", ("holder", {"s": 0.5})],
        weights=[0.2, 0.3, 0.5],
    )
    assert isinstance(mix.components[2], HolderDensity)
    for name, cls in DENSITIES.items():
        if name != "mixture":
            assert isinstance(make_density(name), cls) and isinstance(cls(), Density)
    with pytest.raises(ValueError, match="did you mean 'von_mises'"):
        make_density("von_mise")
    with pytest.raises(ValueError, match="unknown density 'gaussian'"):
        make_density("gaussian")
    with pytest.raises(ValueError, match="no parameter.*sigma.*available: kappa, mean"):
        make_density("von_mises", sigma=1.0)


# ----- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build,match",
    [
        (lambda: VonMises(-1.0), r"kappa must be finite and >= 0 \(got -1.0\)"),
        (lambda: VonMises(float("nan")), "kappa must be finite"),
        (lambda: VonMises(1.0, mean=[0.0, float("inf")]), "mean must be a finite angle"),
        (lambda: VonMisesFisher(-0.5), "kappa must be finite and >= 0"),
        (lambda: VonMisesFisher(1.0, mu=[1.0, 1.0]), r"mu must be a unit vector, \|mu\| = 1"),
        (lambda: ChartVonMises(-2.0), "kappa must be finite and >= 0"),
        (lambda: HolderDensity(0.0), r"s must be in \(0.0, 2.0\) \(got 0.0\)"),
        (lambda: HolderDensity(2.0), r"s must be in \(0.0, 2.0\) \(got 2.0\)"),
        (lambda: HolderDensity(-0.5), r"s must be in \(0.0, 2.0\)"),
        (lambda: HolderDensity(0.5, c=-1.0), r"c must be in \(-1.0, inf\] \(got -1.0\)"),
        (lambda: HolderDensity(0.5, c=float("inf")), "c must be finite"),
        (lambda: PiecewiseConstant((1.0, 0.0)), "levels must be finite and > 0"),
        (lambda: PiecewiseConstant((1.0, -2.0)), "levels must be finite and > 0"),
        (lambda: PiecewiseConstant(()), "levels must be a non-empty"),
        (lambda: PiecewiseConstant((1, 2), (0.0,)), "breaks must have one angle per level"),
        (lambda: PiecewiseConstant((1, 2), (2.0, 1.0)), "breaks must be strictly increasing"),
        (
            lambda: PiecewiseConstant((1, 2), (0.0, 7.0)),
            r"breaks must be strictly increasing angles in \[0, 2 pi\)",
        ),
        (
            lambda: Mixture([VonMises(1.0), Uniform()], [0.5, 0.6]),
            r"weights must sum to 1 \(got sum = 1.1",
        ),
        (
            lambda: Mixture([VonMises(1.0), Uniform()], [1.5, -0.5]),
            "weights must be finite and >= 0",
        ),
        (lambda: Mixture([VonMises(1.0)], [0.5, 0.5]), "one entry per component"),
        (lambda: Mixture([], []), "at least one density"),
        (lambda: Mixture([3.0], [1.0]), "each component must be a Density"),
    ],
)
def test_bad_parameters_raise(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_density_on_wrong_manifold_names_both():
    with pytest.raises(ValueError, match=r"VonMises\(kappa=1.0.*Sphere\(k=2.*use VonMisesFisher"):
        S2.sample(10, VonMises(1.0), rng=0)
    with pytest.raises(ValueError, match=r"VonMisesFisher.*spheres only.*Ellipse\(a=1.0"):
        ELLIPSE.sample(10, VonMisesFisher(1.0), rng=0)
    with pytest.raises(ValueError, match=r"mu must be a unit vector of R\^\(k\+1\) = R\^3"):
        VonMisesFisher(1.0, mu=[1.0, 0.0]).log_pdf(S2, S2.quadrature(4)[0])
    with pytest.raises(ValueError, match=r"mean must have one angle per coordinate, k = 2"):
        VonMises(1.0, mean=(0.0, 1.0, 2.0)).log_pdf(TORUS, np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"ChartVonMises.*Sphere\(k=3"):
        ChartVonMises(1.0).lower_bound(S3)
    with pytest.raises(ValueError, match=r"Mixture.*Sphere\(k=2.*use VonMisesFisher"):
        Mixture([VonMises(1.0), Uniform()], [0.5, 0.5]).log_pdf(S2, S2.quadrature(4)[0])
    with pytest.raises(ValueError, match=r"HolderDensity.*ratesim manifolds.*got 'circle'"):
        HolderDensity(0.5).log_normalizer("circle")
    with pytest.raises(ValueError, match=r"n must be an integer in \[1, inf\] \(got 0\)"):
        VonMises(1.0).sample_intrinsic(CIRCLE, 0, rng=0)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        HolderDensity(0.5).sample_intrinsic(CIRCLE, 10, rng=None)
    with pytest.raises(ValueError, match="u must be finite"):
        VonMises(1.0).log_pdf(ELLIPSE, np.array([[np.nan]]))


def test_k_above_two_needs_a_constant_volume_element():
    graph3 = HolderGraph(k=3, beta=4.5, eps=0.05, seed=0)
    for dens in [VonMises(1.0), HolderDensity(0.5), PiecewiseConstant((1, 2))]:
        with pytest.raises(ValueError, match=r"HolderGraph\(k=3.*k = 3 > 2"):
            graph3.sample(5, dens, rng=0)
    # what does work for k = 3: uniform, the chart law (closed form), and the flat torus
    assert graph3.sample(5, Uniform(), rng=0).shape == (5, graph3.d)
    assert graph3.sample(5, ChartVonMises(2.0), rng=0).shape == (5, graph3.d)
    assert np.isfinite(HolderDensity(0.5).log_normalizer(FLAT3))


def test_cache_is_per_manifold_and_dies_with_it():
    import gc

    from ratesim.densities._quadrature import _CACHE

    e1, e2 = Ellipse(1.0, 2.0, seed=None), Ellipse(1.0, 3.0, seed=None)
    d = HolderDensity(0.5)
    z1, z2 = d.log_normalizer(e1), d.log_normalizer(e2)
    assert z1 != z2 and e1 in _CACHE and e2 in _CACHE
    assert HolderDensity(0.5, c=2.0).log_normalizer(e1) != z1  # parameters are part of the key
    n_before = len(_CACHE)
    del e2
    gc.collect()
    assert len(_CACHE) == n_before - 1


def test_quadrature_tolerance_is_the_documented_one():
    assert TOL == 1e-11


def test_jump_density_is_the_two_level_piecewise_density():
    """``jump`` (registry) is PiecewiseConstant((1, ratio), (0, pi)): same log-density on the
    ellipse, max/min = ratio; a bad ratio is refused by name."""
    from ratesim.densities import JumpDensity, make_density

    u = np.linspace(0.0, 2 * math.pi, 50, endpoint=False)[:, None]
    jump = make_density("jump", ratio=4.0)
    ref = PiecewiseConstant((1.0, 4.0), (0.0, math.pi))
    # the same arithmetic on the same nodes: equal to rounding (1e-12 relative)
    assert_allclose(jump.log_pdf(ELLIPSE, u), ref.log_pdf(ELLIPSE, u), rtol=1e-12)
    p = jump.pdf(ELLIPSE, u)
    assert_allclose(p.max() / p.min(), 4.0, rtol=1e-12)
    for bad in (0.0, -1.0, float("nan"), "x"):
        with pytest.raises(ValueError, match="ratio"):
            JumpDensity(bad)
