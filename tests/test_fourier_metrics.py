"""Tests of the circular Cramer-von Mises / H^-1 distance (ratesim.metrics._fourier): the
closed-form kernel against its Fourier series, the O(m log m) sums against naive NumPy double
sums, the U-statistics against their Fourier forms and the CDF form, and their unbiasedness and
null spreads.

Statistical tolerances: Monte-Carlo means over R repetitions are checked as
|mean - truth| <= z sd / sqrt(R) with z = 4.5 (two-sided 7e-6 per assertion; under a dozen
statistical assertions in this file, so a family-wise false-alarm rate below 1e-4, Bonferroni).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special

from ratesim import metrics as M

Z = 4.5


def _vm_angles(n, kappa, rng, mean=np.pi):
    return np.mod(rng.vonmises(mean - np.pi, kappa, size=n) + np.pi, 2 * np.pi)


def _naive_cross(a, b):
    return M.fourier_kernel(np.asarray(a)[:, None] - np.asarray(b)[None, :]).sum()


def test_fourier_kernel_is_the_series():
    """B(x) = sum_j cos(jx)/j^2; truncation at J leaves at most sum_{j>J} 1/j^2 < 1/J."""
    x = np.linspace(-7.0, 7.0, 29)
    J = 20_000
    j = np.arange(1, J + 1)
    series = (np.cos(np.outer(x, j)) / j**2).sum(1)
    np.testing.assert_allclose(M.fourier_kernel(x), series, atol=1.0 / J)
    assert M.fourier_kernel(0.0) == pytest.approx(math.pi**2 / 6, rel=1e-15)
    assert integrate.quad(lambda t: float(M.fourier_kernel(t)), 0, 2 * np.pi)[0] == pytest.approx(
        0.0, abs=1e-12
    )
    # even, 2 pi periodic, shape preserved
    np.testing.assert_allclose(M.fourier_kernel(-x), M.fourier_kernel(x), atol=1e-12)
    np.testing.assert_allclose(M.fourier_kernel(x + 2 * np.pi), M.fourier_kernel(x), atol=1e-12)
    assert M.fourier_kernel(np.zeros((3, 4))).shape == (3, 4)


def test_cross_sums_and_u_statistics_match_naive_twins():
    """O(m log m) sorted sums == O(m^2) matrices (rtol 1e-10), unequal sizes included, and the
    U-statistic == sum_j (m |c_hat_j|^2 - 1) / ((m - 1) j^2) up to the truncation 2 / J."""
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 2 * np.pi, 157), _vm_angles(211, 2.0, rng)
    naive = _naive_cross(a, b)
    assert M.cross_kernel_sum(a, b) == pytest.approx(naive, rel=1e-10, abs=1e-9)
    # angles outside [0, 2 pi) are reduced mod 2 pi
    assert M.cross_kernel_sum(a - 4 * np.pi, b + 2 * np.pi) == pytest.approx(naive, rel=1e-10)
    m = b.size
    Bm = M.fourier_kernel(b[:, None] - b[None, :])
    assert M.d2_uniform(b) == pytest.approx((Bm.sum() - np.trace(Bm)) / (m * (m - 1)), rel=1e-10)
    J = 4000
    j = np.arange(1, J + 1)
    c = np.exp(1j * np.outer(j, b)).mean(1)
    fourier = np.sum((m * np.abs(c) ** 2 - 1) / ((m - 1) * j**2))
    assert M.d2_uniform(b) == pytest.approx(fourier, abs=2.0 / J)
    t, p = b, np.mod(b + rng.normal(0, 0.3, m), 2 * np.pi)
    K = (
        M.fourier_kernel(t[:, None] - t[None, :])
        + M.fourier_kernel(p[:, None] - p[None, :])
        - M.fourier_kernel(t[:, None] - p[None, :])
        - M.fourier_kernel(p[:, None] - t[None, :])
    )
    assert M.d2_coupled(t, p) == pytest.approx((K.sum() - np.trace(K)) / (m * (m - 1)), rel=1e-9)
    # the coupled statistic of identical draws is exactly 0
    assert M.d2_coupled(t, t) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="pair up"):
        M.d2_coupled(t, p[:-1])
    with pytest.raises(ValueError, match="at least 2"):
        M.d2_uniform([1.0])
    with pytest.raises(ValueError, match="at least 2"):
        M.cross_kernel_sum([0.0, np.nan], b)


def test_v_statistic_is_the_cdf_form():
    """For two empirical measures the V-statistic sum_{a,b} B / (m n) equals the CDF form
    pi int_0^{2 pi} (G - mean G)^2, G = F_t - F_p (piecewise constant, integrated exactly)."""
    rng = np.random.default_rng(11)
    t, p = _vm_angles(37, 1.5, rng), rng.uniform(0, 2 * np.pi, 23)
    m, n = t.size, p.size
    v = (
        M.cross_kernel_sum(t, t) / m**2
        + M.cross_kernel_sum(p, p) / n**2
        - 2 * M.cross_kernel_sum(t, p) / (m * n)
    )
    x = np.sort(np.concatenate(([0.0, 2 * np.pi], t, p)))
    mid = 0.5 * (x[1:] + x[:-1])
    G = (t[None, :] <= mid[:, None]).mean(1) - (p[None, :] <= mid[:, None]).mean(1)
    w = np.diff(x)
    Gbar = np.sum(G * w) / (2 * np.pi)
    cdf_form = math.pi * np.sum((G - Gbar) ** 2 * w)
    assert v == pytest.approx(cdf_form, rel=1e-10)


def test_circle_angles():
    rng = np.random.default_rng(3)
    th = rng.uniform(0, 2 * np.pi, 50)
    r = rng.uniform(0.5, 2.0, 50)
    Y = np.c_[r * np.cos(th), r * np.sin(th)]
    out = M.circle_angles(Y)
    assert out.shape == (50,) and np.all((out >= 0) & (out < 2 * np.pi))
    np.testing.assert_allclose(np.angle(np.exp(1j * (out - th))), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match=r"\(m, 2\)"):
        M.circle_angles(np.zeros((5, 3)))


def test_vonmises_gap_closed_form_and_cdf_form():
    """sum_j (I_j/I_0)^2 / j^2 == pi int (G - mean G)^2, G = F_vm - F_U (quadrature); kappa = 0
    gives 0; the series agrees with the exact Bessel ratio at kappa = 1 (0.2022)."""
    for kappa in (0.5, 1.0, 2.0):
        f = lambda t, k=kappa: np.exp(k * np.cos(t - np.pi)) / (2 * np.pi * special.i0(k))  # noqa: E731
        t = np.linspace(0, 2 * np.pi, 20001)
        F = integrate.cumulative_trapezoid(f(t), t, initial=0.0)
        G = F - t / (2 * np.pi)
        G -= integrate.trapezoid(G, t) / (2 * np.pi)
        cdf_form = math.pi * integrate.trapezoid(G * G, t)
        assert M.vonmises_gap2(kappa) == pytest.approx(cdf_form, rel=1e-6)
    assert M.vonmises_gap2(0.0) == 0.0
    assert M.vonmises_gap2(1.0) == pytest.approx(0.20217, abs=1e-5)
    with pytest.raises(ValueError, match="kappa"):
        M.vonmises_gap2(-1.0)


def test_unbiasedness_and_null_sd():
    """Mean of R = 300 estimates (m = 300): d2_uniform is unbiased for the von Mises gap and for 0
    at the uniform law, with the exact null sd sqrt(pi^4/90/(m(m-1))) (the empirical sd within
    25%: its relative standard error is about sqrt((kurt - 1)/(4 R)) ~ 0.06 for this
    chi-square-like law); d2_coupled is unbiased for D^2(vM, vM * wrapped normal), whose closed
    form is sum_j (I_j/I_0)^2 (1 - exp(-j^2 s^2/2))^2 / j^2, and has a smaller sd than the
    uncoupled estimate (the point of the coupling)."""
    rng = np.random.default_rng(1)
    R, m, kappa, s = 300, 300, 1.0, 0.4
    vm = np.array([M.d2_uniform(_vm_angles(m, kappa, rng)) for _ in range(R)])
    truth = M.vonmises_gap2(kappa)
    assert abs(vm.mean() - truth) <= Z * vm.std(ddof=1) / math.sqrt(R)
    un = np.array([M.d2_uniform(rng.uniform(0, 2 * np.pi, m)) for _ in range(R)])
    sd0 = M.d2_uniform_null_sd(m)
    assert abs(un.mean()) <= Z * sd0 / math.sqrt(R)
    assert 0.75 < un.std(ddof=1) / sd0 < 1.25
    j = np.arange(1, 200)
    r = special.ive(j, kappa) / special.ive(0, kappa)
    truth_c = float(np.sum(r**2 * (1 - np.exp(-(j**2) * s**2 / 2)) ** 2 / j**2))
    cp, pl = [], []
    for _ in range(R):
        t = _vm_angles(m, kappa, rng)
        p = np.mod(t + s * rng.standard_normal(m), 2 * np.pi)
        cp.append(M.d2_coupled(t, p))
        pl.append(
            M.d2_coupled(
                t, np.mod(_vm_angles(m, kappa, rng) + s * rng.standard_normal(m), 2 * np.pi)
            )
        )
    cp, pl = np.array(cp), np.array(pl)
    assert abs(cp.mean() - truth_c) <= Z * cp.std(ddof=1) / math.sqrt(R)
    assert abs(pl.mean() - truth_c) <= Z * pl.std(ddof=1) / math.sqrt(R)
    assert cp.std() < 0.5 * pl.std()
    # the floor estimator of the coupled statistic matches its null spread (same pair law, nu = nu')
    t = rng.uniform(0, 2 * np.pi, m)
    fl = M.d2_coupled_null_sd(t, np.mod(t + 0.1 * rng.standard_normal(m), 2 * np.pi), rng=rng)
    null = []
    for _ in range(R):
        t = rng.uniform(0, 2 * np.pi, m)
        null.append(M.d2_coupled(t, np.mod(t + 0.1 * rng.standard_normal(m), 2 * np.pi)))
    assert 0.75 < np.std(null, ddof=1) / fl < 1.25
    with pytest.raises(ValueError, match="m must be"):
        M.d2_uniform_null_sd(1)


def test_two_sample_statistic_naive_twin_and_unbiased():
    """d2_two_sample == its O(mn) twin (rtol 1e-9); over R = 300 repetitions (m = 200, n = 150)
    its mean is the closed-form von Mises gap (Z standard errors) and 0 between two uniform
    samples, whose null sd is close to sqrt(pi^4/90) (1/m + 1/n) (within 25%)."""
    rng = np.random.default_rng(8)
    t, p = _vm_angles(200, 1.0, rng), rng.uniform(0, 2 * np.pi, 150)
    Bt = M.fourier_kernel(t[:, None] - t[None, :])
    Bp = M.fourier_kernel(p[:, None] - p[None, :])
    naive = (
        (Bt.sum() - np.trace(Bt)) / (200 * 199)
        + (Bp.sum() - np.trace(Bp)) / (150 * 149)
        - 2 * M.fourier_kernel(t[:, None] - p[None, :]).mean()
    )
    assert M.d2_two_sample(t, p) == pytest.approx(naive, rel=1e-9)
    R = 300
    u = lambda n: rng.uniform(0, 2 * np.pi, n)  # noqa: E731
    alt = [M.d2_two_sample(_vm_angles(200, 1.0, rng), u(150)) for _ in range(R)]
    assert abs(np.mean(alt) - M.vonmises_gap2(1.0)) <= Z * np.std(alt, ddof=1) / math.sqrt(R)
    null = [M.d2_two_sample(u(200), u(150)) for _ in range(R)]
    sd0 = math.sqrt(math.pi**4 / 90) * (1 / 200 + 1 / 150)
    assert abs(np.mean(null)) <= Z * sd0 / math.sqrt(R)
    assert 0.75 < np.std(null, ddof=1) / sd0 < 1.25
