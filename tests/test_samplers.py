"""Tests of ratesim.samplers.

Statistical tolerances. Every Monte-Carlo assertion is a z-test |estimate - reference| <= Z * SE
with Z = 4.5 (two-sided p = 6.8e-6 per assertion). The file makes fewer than 120 such assertions
in the default and slow runs together, so by Bonferroni the family-wise false-alarm rate is below
120 * 6.8e-6 = 8e-4. All seeds are fixed, so a passing run is reproducible; the bounds say how
unlikely a failure of a correct implementation is for a fresh seed.

Standard errors used below (n iid chains, X Gaussian with variance V):
  mean:      SE = sqrt(V / n)
  variance:  SE = V sqrt(2 / (n - 1))            (sample variance of Gaussian data)
  std:       SE = std / sqrt(2 (n - 1))           (delta method on the above)
  cross-cov: SE = sqrt(V1 V2 / n)                 (independent coordinates)
  median of a Rayleigh(1) sample: SE = 1 / (2 f(m) sqrt(n)), f(m) = m exp(-m^2/2), m = sqrt(2 ln 2)
Chains that are linear in Gaussian noise (Gaussian data with its exact score) have an exactly
Gaussian law given by a recursion (tests/naive_samplers.gaussian_chain_law): the comparisons with
that law have no discretization term at all.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import naive_samplers as ns
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from statsmodels.tsa.stattools import acf

from ratesim import samplers as S
from ratesim.samplers._kernels import _lincomb2, axpy, lincomb2, lincomb3
from ratesim.samplers._langevin import snr_step

Z = 4.5
ROOT = Path(__file__).resolve().parents[1]

# Gaussian data N(m, diag(s0^2)) in R^2 and its exact VE score.
GM = np.array([1.0, -2.0])
GS = np.array([0.5, 2.0])
GQ = GS**2
SMAX, SMIN = 20.0, 0.01


def gauss():
    return ns.GaussianScore(GM, GS)


def gaussian_x0(n, seed):
    """Exact draws from p_sigma_max = N(m, s0^2 + sigma_max^2): isolates discretization error."""
    rng = np.random.default_rng(seed)
    return GM + np.sqrt(GQ + SMAX**2) * rng.standard_normal((n, 2))


def z_scores(Y, mean, var):
    """z of sample mean, variance (per coordinate) and cross-covariance against a Gaussian law."""
    n = len(Y)
    zm = (Y.mean(0) - mean) / np.sqrt(var / n)
    zv = (Y.var(0, ddof=1) - var) / (var * np.sqrt(2.0 / (n - 1)))
    zc = np.cov(Y.T)[0, 1] / np.sqrt(var[0] * var[1] / n)
    return np.concatenate([zm, zv, [zc]])


def chain_law(sigmas, kind, final_denoise=True, h=None):
    mean, var = [], []
    for j in range(2):
        mu, v = ns.gaussian_chain_law(GQ[j], 0.0, GQ[j] + SMAX**2, sigmas, kind, final_denoise, h)
        mean.append(GM[j] + mu)
        var.append(v)
    return np.array(mean), np.array(var)


def true_output_law():
    """N(m, s0^2) pushed through the Tweedie step at sigma_min: variance q^2 / (q + smin^2)."""
    return GM.copy(), GQ**2 / (GQ + SMIN**2)


# --------------------------------------------------------------------------- kernels vs twins


@pytest.mark.parametrize("n", [1, 7, 300])
def test_kernels_match_naive_twins(n):
    rng = np.random.default_rng(n)
    x, u, v, w = (rng.standard_normal((n, 3)) for _ in range(4))
    out = np.empty_like(x)
    axpy(x, 0.3, u, out)
    assert_allclose(out, ns.axpy(x, 0.3, u), rtol=1e-10, atol=1e-14)
    lincomb2(x, 0.3, u, -1.7, v, out)
    assert_allclose(out, ns.lincomb2(x, 0.3, u, -1.7, v), rtol=1e-10, atol=1e-14)
    lincomb3(x, 0.3, u, -1.7, v, 2.5, w, out)
    assert_allclose(out, ns.lincomb3(x, 0.3, u, -1.7, v, 2.5, w), rtol=1e-10, atol=1e-14)
    flat = np.empty(x.size)  # the compiled core itself, on flat buffers
    _lincomb2(x.ravel(), 0.3, u.ravel(), -1.7, v.ravel(), flat)
    assert_allclose(flat, ns.lincomb2(x, 0.3, u, -1.7, v).ravel(), rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError, match="C-contiguous"):
        lincomb2(x[:, ::2], 0.3, u[:, ::2], -1.7, v[:, ::2], out[:, ::2])
    assert snr_step(u, v, 0.16) == pytest.approx(ns.snr_step(u, v, 0.16), rel=1e-10)
    assert snr_step(0 * u, v, 0.16) == 0.0  # vanishing scores: no corrector move
    # in place (out aliases x), as used by the samplers
    y = x.copy()
    lincomb2(y, 0.3, u, -1.7, v, y)
    assert_allclose(y, ns.lincomb2(x, 0.3, u, -1.7, v), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("method", ["euler", "exponential"])
def test_reverse_sde_matches_naive_twin(method):
    sig = ns.geometric(SMAX, SMIN, 12)
    res = S.reverse_sde(
        gauss(), n=50, sigma_max=SMAX, sigma_min=SMIN, steps=12, rng=3, method=method
    )
    rng = np.random.default_rng(3)
    x0 = SMAX * rng.standard_normal((50, 2))
    ref = ns.reverse_sde(gauss(), x0, sig, rng, method)
    assert_allclose(res.samples, ref, rtol=1e-10, atol=1e-12)
    assert res.n_score_evals == 13 and res.steps == 12
    assert res.time_horizon == pytest.approx(SMAX**2 - SMIN**2, rel=1e-12)


def test_probability_flow_and_hybrid_match_naive_twins():
    x0 = gaussian_x0(40, 1)
    sig = ns.geometric(SMAX, SMIN, 9)
    res = S.probability_flow(gauss(), x0, sigma_max=SMAX, sigma_min=SMIN, steps=9, rng=0)
    assert_allclose(res.samples, ns.heun(gauss(), x0, sig), rtol=1e-10, atol=1e-12)
    assert res.n_score_evals == 19
    hy = S.hybrid(
        gauss(),
        x0,
        sigma_max=SMAX,
        sigma_switch=0.5,
        sigma_min=SMIN,
        sde_steps=7,
        ode_steps=5,
        rng=2,
    )
    rng = np.random.default_rng(2)
    mid = ns.reverse_sde(gauss(), x0, ns.geometric(SMAX, 0.5, 7), rng, "euler", False)
    ref = ns.heun(gauss(), mid, ns.geometric(0.5, SMIN, 5))
    assert_allclose(hy.samples, ref, rtol=1e-10, atol=1e-12)
    assert len(hy.sigmas) == 13 and hy.sigmas[7] == pytest.approx(0.5)


def test_langevin_family_matches_naive_twins():
    sc = ns.CircleVonMisesScore(4.0, np.pi)
    x0 = np.random.default_rng(0).standard_normal((30, 2))
    res = S.tempered_langevin(sc, x0, 0.05, 1.0, 0.3, 25, rng=7)
    ref = ns.tempered(sc, x0, 0.05, 1.0, 0.3, 25, np.random.default_rng(7))
    assert_allclose(res.samples, ref, rtol=1e-10, atol=1e-12)
    assert res.time_horizon == pytest.approx(25 * 0.3 * 0.05, rel=1e-12)
    res0 = S.langevin(sc, x0, 0.05, 0.3, 25, rng=7)
    ref0 = ns.tempered(sc, x0, 0.05, 0.0, 0.3, 25, np.random.default_rng(7))
    assert_allclose(res0.samples, ref0, rtol=1e-10, atol=1e-12)
    assert res0.method == "langevin"

    def grad_v(x):
        return np.stack([-2.0 * np.ones(len(x)), 0.5 * x[:, 1]], axis=1)

    rp = S.posterior_langevin(sc, grad_v, x0, 0.05, 1.5, 0.3, 25, rng=8)
    refp = ns.tempered(sc, x0, 0.05, 1.5, 0.3, 25, np.random.default_rng(8), grad_v=grad_v)
    assert_allclose(rp.samples, refp, rtol=1e-10, atol=1e-12)


def test_predictor_corrector_matches_naive_twin():
    sig = ns.geometric(SMAX, SMIN, 10)
    x0 = gaussian_x0(40, 4)
    res = S.predictor_corrector(
        gauss(), x0, sigma_max=SMAX, sigma_min=SMIN, steps=10, rng=5, corrector_steps=2, snr=0.2
    )
    ref = ns.predictor_corrector_snr(gauss(), x0, sig, np.random.default_rng(5), 0.2, 2)
    assert_allclose(res.samples, ref, rtol=1e-10, atol=1e-12)
    assert res.n_score_evals == 10 * 3 + 1


# --------------------------------------------------------------------------- Gaussian data


@pytest.mark.parametrize("method", ["euler", "exponential"])
@pytest.mark.parametrize("steps", [8, 32])
def test_reverse_sde_follows_exact_discretized_law(method, steps):
    """MC moments equal the exact law of the discretized chain (no discretization slack)."""
    n = 20000
    res = S.reverse_sde(
        gauss(),
        gaussian_x0(n, steps),
        sigma_max=SMAX,
        sigma_min=SMIN,
        steps=steps,
        rng=11,
        method=method,
    )
    mean, var = chain_law(res.sigmas, method)
    z = z_scores(res.samples, mean, var)
    assert np.all(np.abs(z) < Z), z
    # negative control: at these step counts the chain's law is far from the data law, and the
    # same z-test sees it (so agreement above is not a weak test)
    tm, tv = true_output_law()
    assert np.max(np.abs(z_scores(res.samples, tm, tv))) > 2 * Z


@pytest.mark.parametrize(
    "sampler", ["euler", "exponential", "heun", "hybrid", "pc_h", "pc_snr", "annealed"]
)
def test_samplers_reproduce_gaussian_data(sampler):
    """Fine schedules reproduce N(m, s0^2): |z| <= Z + |bias| / SE, bias from the exact recursion.

    pc_snr has no closed-form law (the step depends on |z| / |s|): its slack is the corrector's
    Euler-Langevin variance inflation 1/(1 - snr^2) - 1 ~ snr^2 (derived for a Gaussian level where
    eps / (2 var) = snr^2 |z|^2 / (|s|^2 var) ~ snr^2), plus the predictor's recursion bias.
    annealed: its recursion is written inline (y' = (1 - h v/(q+v)) y + sqrt(2 h v) z per step).
    """
    n = 20000
    x0 = gaussian_x0(n, 99)
    g = gauss()
    kw = dict(sigma_max=SMAX, sigma_min=SMIN)
    slack_rel = np.zeros(2)
    if sampler in ("euler", "exponential"):
        res = S.reverse_sde(g, x0, steps=400, rng=1, method=sampler, **kw)
        law = chain_law(res.sigmas, sampler)
    elif sampler == "heun":
        res = S.probability_flow(g, x0, steps=100, rng=1, **kw)
        law = chain_law(res.sigmas, "heun")
    elif sampler == "hybrid":
        res = S.hybrid(
            g,
            x0,
            sigma_max=SMAX,
            sigma_switch=0.3,
            sigma_min=SMIN,
            sde_steps=300,
            ode_steps=40,
            rng=1,
        )
        law = []
        for j in range(2):
            mu, v = ns.gaussian_chain_law(
                GQ[j], 0.0, GQ[j] + SMAX**2, res.sigmas[:301], "euler", False
            )
            mu, v = ns.gaussian_chain_law(GQ[j], mu, v, res.sigmas[300:], "heun", True)
            law.append((GM[j] + mu, v))
        law = (np.array([a for a, _ in law]), np.array([b for _, b in law]))
    elif sampler == "pc_h":
        res = S.predictor_corrector(g, x0, steps=200, rng=1, step=0.5, **kw)
        law = chain_law(res.sigmas, "pc", h=0.5)
    elif sampler == "pc_snr":
        res = S.predictor_corrector(g, x0, steps=200, rng=1, snr=0.16, **kw)
        law = chain_law(res.sigmas, "euler")
        slack_rel = np.full(2, 0.16**2 / (1 - 0.16**2))
    else:
        res = S.annealed_langevin(g, x0, levels=60, steps_per_level=10, step=0.3, rng=1, **kw)
        mean, var = np.zeros(2), GQ + SMAX**2
        for sig in res.sigmas[1:]:
            a = 1 - 0.3 * sig**2 / (GQ + sig**2)
            mean, var = a * mean, a * a * var + 2 * 0.3 * sig**2
        dn = GQ / (GQ + SMIN**2)
        law = (GM + dn * mean, dn * dn * var)
    tm, tv = true_output_law()
    bias_mean = np.abs(law[0] - tm) / np.sqrt(tv / n)
    bias_var = (np.abs(law[1] - tv) + slack_rel * tv) / (tv * np.sqrt(2.0 / (n - 1)))
    z = z_scores(res.samples, tm, tv)
    assert np.all(np.abs(z[:2]) < Z + bias_mean), (z, bias_mean)
    assert np.all(np.abs(z[2:4]) < Z + bias_var), (z, bias_var)
    assert abs(z[4]) < Z
    if sampler != "pc_snr":  # the exact recursion holds, so also test against it without slack
        assert np.all(np.abs(z_scores(res.samples, *law)) < Z)


def test_probability_flow_order_two_on_its_exact_affine_law():
    """Heun's global error is O(step^2), measured on the implementation's exact output law.

    The ODE sampler is affine in x0 for Gaussian data, so probing it at m and m + e_j gives its
    exact output variance A^2 (s0^2 + sigma_max^2); compared with q^2/(q + smin^2). The recursion
    predicts local slopes -2.05, -2.02, -2.01 between 32..256 steps: accept [-2.15, -1.9].
    """
    errs = []
    steps_list = [32, 64, 128, 256]
    for steps in steps_list:
        probes = np.vstack([GM, GM + np.eye(2)])
        out = S.probability_flow(
            gauss(), probes, sigma_max=SMAX, sigma_min=SMIN, steps=steps, rng=0
        ).samples
        A = np.diag(out[1:] - out[0])
        var = A**2 * (GQ + SMAX**2)
        _, ref = chain_law(ns.geometric(SMAX, SMIN, steps), "heun")
        assert_allclose(var, ref, rtol=1e-9)
        assert_allclose(out[0], GM, atol=1e-12)
        errs.append(np.abs(var / (GQ**2 / (GQ + SMIN**2)) - 1))
    slopes = np.diff(np.log(np.array(errs)), axis=0) / np.log(2)
    assert np.all((slopes > -2.15) & (slopes < -1.9)), slopes


@pytest.mark.parametrize("method,order", [("euler", 1), ("exponential", 1), ("heun", 2)])
def test_discretization_error_shrinks_at_method_order(method, order):
    """Exact law of the discretized chain: log-log slope of the variance error vs steps.

    Local slopes at 128 -> 256 -> 512 steps from the recursion: Euler -1.03, -1.01; exponential
    -0.97, -0.99; Heun -2.01, -2.01. Accept order +- 0.06 (pre-asymptotic term O(1/steps)).
    """
    errs = []
    for steps in [128, 256, 512]:
        _, var = chain_law(ns.geometric(SMAX, SMIN, steps), method)
        errs.append(np.abs(var / (GQ**2 / (GQ + SMIN**2)) - 1))
    slopes = np.diff(np.log(np.array(errs)), axis=0) / np.log(2)
    assert np.all(np.abs(slopes + order) < 0.06), slopes
    # negative control: the other order is rejected
    assert np.all(np.abs(slopes + (3 - order)) > 0.5)


def test_euler_error_order_seen_by_monte_carlo():
    """Enough chains to see the O(1/steps) error of Euler-Maruyama in the samples themselves.

    Relative variance errors at 16 and 64 steps (exact recursion: ~0.66 and ~0.13, slope -1.18);
    each MC relative error has SE sqrt(2/(n-1)) (n = 40000: 0.0071), so the MC slope
    log(e64/e16)/log 4 has SE sqrt((SE/e16)^2 + (SE/e64)^2)/log 4. Assert |slope_mc - slope_rec|
    <= Z SE and slope_mc < -0.9 (error shrinks at least at order ~1).
    """
    n = 40000
    tm, tv = true_output_law()
    rel, rec = [], []
    for steps in (16, 64):
        res = S.reverse_sde(
            gauss(),
            gaussian_x0(n, steps),
            sigma_max=SMAX,
            sigma_min=SMIN,
            steps=steps,
            rng=steps + 1,
        )
        rel.append(res.samples[:, 1].var(ddof=1) / tv[1] - 1)
        rec.append(chain_law(res.sigmas, "euler")[1][1] / tv[1] - 1)
    se = math.sqrt(2 / (n - 1)) * (1 + np.array(rel))
    slope_mc = math.log(rel[1] / rel[0]) / math.log(4)
    slope_rec = math.log(rec[1] / rec[0]) / math.log(4)
    se_slope = math.sqrt((se[0] / rel[0]) ** 2 + (se[1] / rel[1]) ** 2) / math.log(4)
    assert abs(slope_mc - slope_rec) < Z * se_slope, (slope_mc, slope_rec, se_slope)
    assert slope_mc < -0.9


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_posterior_langevin_gaussian_exact_stationary_law(alpha):
    """Gaussian prior N(0, 1) (exact score at sigma), likelihood v = |x - y|^2 / (2 tau^2).

    The chain is linear: stationary mean dt y / tau^2 / (1 - A) and variance 2 dt / (1 - A^2) with
    A = 1 - h sigma^2/(1 + sigma^2) - dt / tau^2 (naive_samplers.langevin_stationary_var). 150
    steps contract the start error by A^150 < 1e-12.
    """
    sigma, h, tau, y = 0.5, 0.5, 1.0, np.array([1.0, -0.5])
    g = ns.GaussianScore([0.0, 0.0], [1.0, 1.0])
    n = 20000
    x0 = np.random.default_rng(0).standard_normal((n, 2))
    res = S.posterior_langevin(g, lambda x: (x - y) / tau**2, x0, sigma, alpha, h, 150, rng=3)
    dt = h * sigma ** (2 - alpha)
    A = 1 - h * sigma**2 / (1 + sigma**2) - dt / tau**2
    mean = dt * y / tau**2 / (1 - A)
    var = np.full(2, ns.langevin_stationary_var(1.0, sigma, alpha, h, lik_prec=1 / tau**2))
    assert np.all(np.abs(z_scores(res.samples, mean, var)) < Z)
    # negative control: forgetting the likelihood term (the prior-only chain) is rejected
    assert np.max(np.abs(z_scores(res.samples, np.zeros(2), var))) > 2 * Z


# --------------------------------------------------------------------------- circle


def test_circle_naive_score_is_oracle_score():
    """The test's exact von Mises score equals ratesim.scores.OracleScore (same closed form)."""
    from ratesim import densities, manifolds, scores

    M = manifolds.Sphere(k=1, d=2, seed=0)
    o = scores.OracleScore(M, densities.VonMises(kappa=4.0, mean=np.pi), rng=0).fit()
    x = np.random.default_rng(0).standard_normal((20, 2))
    for sigma in (1e-6, 1e-4, 1e-2, 0.3):  # 1e-6: the radial-spread test below
        ref = ns.CircleVonMisesScore(4.0, np.pi).score(x @ M.frame, sigma) @ M.frame.T
        assert_allclose(o.score(x, sigma), ref, rtol=1e-10)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 1.5])
def test_tempered_langevin_radial_spread(alpha):
    """Normal spread of the hat-form chain: sigma^(1 - alpha/2) (1 - h/2)^(-1/2).

    sigma = 1e-6 keeps the width w <= 0.032 for all alpha, so the curvature correction to the
    radial variance (relative O(w^2) <= 1e-3) is far below the MC error: std of r from n = 20000
    independent chains has relative SE 1/sqrt(2(n-1)) = 0.005. 60 steps of h = 0.5 contract the
    radial start error by (1 - h)^60 ~ 1e-18. Negative control: without the Euler factor
    (1 - h/2)^(-1/2) = 1.155 the same test fails by > 20 SE.
    """
    sigma, h, n = 1e-6, 0.5, 20000
    th = np.random.default_rng(1).uniform(0, 2 * np.pi, n)
    x0 = np.c_[np.cos(th), np.sin(th)]
    res = S.tempered_langevin(ns.CircleVonMisesScore(4.0, np.pi), x0, sigma, alpha, h, 60, rng=2)
    r = np.linalg.norm(res.samples, axis=1)
    sd_hat = r.std(ddof=1)
    pred = sigma ** (1 - alpha / 2) / math.sqrt(1 - h / 2)
    se = 1 / math.sqrt(2 * (n - 1))
    assert abs(sd_hat / pred - 1) < Z * se, sd_hat / pred
    assert abs(sd_hat / (pred * math.sqrt(1 - h / 2)) - 1) > 20 * se


def _tempered_tv_check(n, h, steps, seed, kappa_control):
    """Run TS Langevin (kappa = 4, mean pi, sigma = 0.01, alpha = 1) and test the TV to uniform.

    The TV of a B-bin histogram of n iid angles has a positive finite-sample bias (the noise
    floor ~ sqrt(B / n), larger than 0.0127 for B = 720 and n = 1e5). We use B = 4 quadrants:
    the density deviation from uniform changes sign at theta ~ pi/2 and 3 pi/2, so the 4-bin TV of
    the exact law equals its 720-bin TV (0.012729 vs 0.012730), and we compare the observed TV with
    the parametric bootstrap of the estimator under the exact quadrature law (mean E and sd from
    4000 multinomial draws of n): |TV_hat - E| <= Z sd. The floor correction TV_hat - (E - TV_4)
    estimates the population TV itself. Chains start uniform on the circle (TV 0) and run
    ``steps`` steps of dt = h sigma: the initial deviation decays like exp(-steps h sigma).
    """
    sigma, alpha, B = 0.01, 1.0, 4
    th = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
    res = S.tempered_langevin(
        ns.CircleVonMisesScore(4.0, np.pi),
        np.c_[np.cos(th), np.sin(th)],
        sigma,
        alpha,
        h,
        steps,
        rng=seed + 1,
    )
    ang = np.mod(np.arctan2(res.samples[:, 1], res.samples[:, 0]), 2 * np.pi)
    tv_hat = ns.tv_hist(ang, B)
    _, p = ns.tempered_angular_law(4.0, np.pi, sigma, alpha)
    tv720 = ns.binned_tv_to_uniform(p, 720)[0]
    assert abs(tv720 - 0.0127) < 5e-5  # docs/science.md, P2 reference table
    tv4, P4 = ns.binned_tv_to_uniform(p, B)
    brng = np.random.default_rng(12345)
    e, sd = ns.bootstrap_tv(P4, n, B, 4000, brng)
    assert abs(tv_hat - e) < Z * sd, (tv_hat, e, sd)
    corrected = tv_hat - (e - tv4)
    # negative controls: the observed TV rejects a law farther from uniform (kappa_control = 8:
    # twice, 12: three times the TV) and a chain that did not move from its uniform start
    _, p8 = ns.tempered_angular_law(kappa_control, np.pi, sigma, alpha)
    e8, sd8 = ns.bootstrap_tv(ns.binned_tv_to_uniform(p8, B)[1], n, B, 4000, brng)
    e0, sd0 = ns.bootstrap_tv(np.full(B, 1.0 / B), n, B, 4000, brng)
    assert abs(tv_hat - e8) > Z * sd8 and abs(tv_hat - e0) > Z * sd0
    print(
        f"TS TV: n={n} h={h} steps={steps}: TV_4 observed {tv_hat:.5f}, bootstrap mean {e:.5f}"
        f" sd {sd:.5f}; floor-corrected {corrected:.5f} vs quadrature {tv4:.5f} (720: {tv720:.5f})"
    )
    return tv_hat, corrected, e, sd


def test_tempered_langevin_tv_to_uniform_quick():
    """Quick version: n = 6.5e4 chains, h = 1, 400 steps (t = 4 relaxation times: residual
    initial bias e^-4 of the deviation, 2.3e-4 in TV, vs the bootstrap sd ~1.9e-3). The angular
    law of the h = 1 chain differs from the continuous one only through the radial spread
    (w^2 = 0.02), which changes the angular tilt by O(w^2) relative: 2.5e-4 in TV, < 0.15 sd."""
    _tempered_tv_check(65000, 1.0, 400, 0, 12.0)


@pytest.mark.slow
def test_tempered_langevin_tv_to_uniform_paper_step():
    """The paper's step h = 0.1: 5000 steps (5 relaxation times), n = 1e5 chains."""
    _tempered_tv_check(100000, 0.1, 5000, 1, 8.0)


@pytest.mark.slow
def test_posterior_langevin_circle_tempered_prior():
    """P2 Thm 6.1: likelihood v(x) = -lam x_1 (lam = 2) with the tempered von Mises
    prior (kappa = 4, mean pi; alpha = 1.5, sigma = 1e-4) gives exp(-v) times the *uniform* law.

    Reference: E[cos theta] of the continuous stationary law exp(-v) p_sigma^(sigma^alpha) by polar
    quadrature (0.70285; the limit I1(2)/I0(2) = 0.69777 differs by the O(w^2) radial spread).
    Chains start from the limit law (angles by rejection), run 3000 steps of dt = h sigma^(1/2)
    = 0.002 (6 relaxation times). SE of the mean of cos over n = 20000 chains: sd / sqrt(n).
    Euler slack: the radial variance inflation 1/(1 - h/2) changes the cos^2 tilt by
    lam^2 w^2 (h/2)/(1 - h/2)/2 = 2.2e-3, moving E cos by < 1e-3: accept Z SE + 1e-3.
    Negative control: the plug-and-play limit with the prior *not* flattened,
    exp((lam - kappa) cos theta) -> E cos = -I1(2)/I0(2), is rejected.
    """
    from scipy.special import i0e, i1e

    sigma, alpha, h, lam, n = 1e-4, 1.5, 0.2, 2.0, 20000
    rng = np.random.default_rng(0)
    th = rng.uniform(0, 2 * np.pi, 4 * n)
    th = th[np.log(rng.uniform(size=4 * n)) < lam * (np.cos(th) - 1)][:n]
    x0 = np.c_[np.cos(th), np.sin(th)]
    res = S.posterior_langevin(
        ns.CircleVonMisesScore(4.0, np.pi),
        lambda x: np.broadcast_to([-lam, 0.0], x.shape),
        x0,
        sigma,
        alpha,
        h,
        3000,
        rng=1,
    )
    c = res.samples[:, 0] / np.linalg.norm(res.samples, axis=1)
    se = c.std(ddof=1) / math.sqrt(len(c))
    ref = ns.tempered_posterior_mean_cos(4.0, np.pi, sigma, alpha, lam)
    print(f"posterior TS: E cos {c.mean():.5f} +- {se:.5f}, quadrature {ref:.5f}")
    assert abs(c.mean() - ref) < Z * se + 1e-3
    assert abs(c.mean() + i1e(2.0) / i0e(2.0)) > 10 * Z * se


def test_relaxation_time_matches_autocorrelation():
    """The first angular mode relaxes in ~ 1/(h sigma^(2 - alpha)) steps (documented rule).

    Uniform circle (kappa = 0), sigma = 0.01, alpha = 1, h = 1: tau_r = 100 steps, so the IAT of
    cos(theta) is (1 + e^(-1/tau_r)) / (1 - e^(-1/tau_r)) = 200 steps. The angular speed is
    E[1/r^2] ~ 1 + 3 w^2 with w^2 = sigma^(2-alpha) / (1 - h/2) = 0.02 (6 % faster). Estimator
    relative sd ~ sqrt(2 (2M + 1) / (T chains)) with M ~ 5 tau (Sokal): 400 chains x 4500 steps
    after burn-in gives 0.047. Accept |tau_hat / (200 / 1.06) - 1| < 0.25 (> Z sd).
    Negative control: the rule with sigma^2 (alpha = 0) would predict 100x longer.
    """
    from ratesim import densities, manifolds, scores

    M = manifolds.Sphere(k=1, d=2, seed=None)
    o = scores.OracleScore(M, densities.Uniform(), rng=0).fit()
    n = 400
    th = np.random.default_rng(0).uniform(0, 2 * np.pi, n)
    x0 = M.embed(np.c_[np.cos(th), np.sin(th)])
    res = S.tempered_langevin(
        o, x0, 0.01, 1.0, 1.0, 5000, rng=1, trace=lambda x: x[:, 0] / np.linalg.norm(x, axis=1)
    )
    tau_r = S.relaxation_steps(0.01, 1.0, 1.0)
    assert tau_r == pytest.approx(100.0, rel=1e-12)
    tau = S.integrated_autocorr_time(res.trace[500:])
    expected = (1 + math.exp(-1 / tau_r)) / (1 - math.exp(-1 / tau_r)) / 1.06
    assert abs(tau / expected - 1) < 0.25, (tau, expected)
    assert abs(tau / (100 * expected) - 1) > 0.9
    # the result object gives the same number (in steps) and a stationary two-halves check
    assert res.autocorr_time(burn_in=500 / 5001) == pytest.approx(tau, rel=1e-12)
    th2 = res.two_halves(burn_in=0.1)
    assert abs(th2.z) < Z


# --------------------------------------------------------------------------- memorization


def _training_circle(N, seed):
    th = np.random.default_rng(seed).uniform(0, 2 * np.pi, N)
    return np.c_[np.cos(th), np.sin(th)]


@pytest.mark.parametrize("method", ["exponential", "euler"])
def test_empirical_score_reverse_sde_returns_training_points(method):
    """EmpiricalScore + reverse SDE memorizes: median NN distance ~ c sigma_min.

    Once a chain is captured by a training point x_i (sigma << spacing 2 pi / 40), x - x_i evolves
    linearly: exponential steps keep Var = v exactly (x - x_i ~ sigma_min N(0, I)), Euler steps give
    Var = v / r with r = (sigma_(i+1)/sigma_i)^2 the per-step variance ratio. So the distance is
    sigma_min c Rayleigh, median sigma_min c sqrt(2 ln 2), c = 1 or r^(-1/2). SE of the median
    of n = 1000 Rayleigh draws: 0.849 / sqrt(n) relative to the scale. Fitted log-log slope over
    sigma_min in {1e-2, 1e-3, 1e-4}: each log median has SE 0.849 / sqrt(n) / 1.177 = 0.023, so
    the slope has SE sqrt(2) 0.023 / ln(100) = 0.007: accept |slope - 1| < 0.035 (Z SE).
    Negative control: SmoothedScore(h = 0.05) does not memorize (median >> sigma_min).
    """
    from ratesim import scores

    X = _training_circle(40, 0)
    est = scores.EmpiricalScore().fit(X)
    n, per_decade = 1000, 10
    meds = []
    smins = [1e-2, 1e-3, 1e-4]
    for k, smin in enumerate(smins):
        steps = int(round(per_decade * math.log10(2.0 / smin)))
        res = S.reverse_sde(
            est,
            n=n,
            sigma_max=2.0,
            sigma_min=smin,
            steps=steps,
            rng=k,
            method=method,
            final_denoise=False,
        )
        d = np.min(np.linalg.norm(res.samples[:, None, :] - X[None], axis=2), axis=1)
        r = (res.sigmas[-1] / res.sigmas[-2]) ** 2
        c = 1.0 if method == "exponential" else 1 / math.sqrt(r)
        med = np.median(d) / (smin * c * math.sqrt(2 * math.log(2)))
        assert abs(med - 1) < Z * 0.849 / math.sqrt(n) / math.sqrt(2 * math.log(2)), med
        meds.append(np.median(d))
    slope = np.polyfit(np.log(smins), np.log(meds), 1)[0]
    assert abs(slope - 1) < 0.035, slope
    # with the final Tweedie step the samples ARE training points (to ~ exp(-spacing^2/sigma^2))
    res = S.reverse_sde(est, n=200, sigma_max=2.0, sigma_min=1e-3, steps=40, rng=9, method=method)
    d = np.min(np.linalg.norm(res.samples[:, None, :] - X[None], axis=2), axis=1)
    assert np.median(d) < 1e-8
    # negative control
    sm = scores.SmoothedScore(bandwidth=0.05).fit(X)
    res = S.reverse_sde(
        sm,
        n=300,
        sigma_max=2.0,
        sigma_min=1e-3,
        steps=40,
        rng=9,
        method=method,
        final_denoise=False,
    )
    d = np.min(np.linalg.norm(res.samples[:, None, :] - X[None], axis=2), axis=1)
    assert np.median(d) > 5e-3


# --------------------------------------------------------------------------- determinism


def _digest(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def test_same_seed_same_samples_different_seed_different_samples():
    from ratesim import scores

    est = scores.EmpiricalScore().fit(_training_circle(100, 1))
    kw = dict(n=300, sigma_max=2.0, sigma_min=1e-3, steps=30, final_denoise=False)
    a = S.reverse_sde(est, rng=5, **kw).samples
    b = S.reverse_sde(est, rng=np.random.default_rng(5), **kw).samples
    c = S.reverse_sde(est, rng=6, **kw).samples
    assert_array_equal(a, b)
    assert not np.any(np.all(a == c, axis=1))
    x0 = _training_circle(300, 2)
    t1 = S.tempered_langevin(est, x0, 0.05, 1.0, 0.2, 20, rng=3).samples
    t2 = S.tempered_langevin(est, x0, 0.05, 1.0, 0.2, 20, rng=3).samples
    t3 = S.tempered_langevin(est, x0, 0.05, 1.0, 0.2, 20, rng=4).samples
    assert_array_equal(t1, t2)
    assert not np.any(np.all(t1 == t3, axis=1))
    p1 = S.probability_flow(est, x0, sigma_max=0.5, sigma_min=1e-2, steps=10, rng=0).samples
    p2 = S.probability_flow(est, x0, sigma_max=0.5, sigma_min=1e-2, steps=10, rng=0).samples
    assert_array_equal(p1, p2)


_THREAD_CODE = """
import hashlib, numpy as np
from ratesim import samplers as S, scores
th = np.random.default_rng(1).uniform(0, 2 * np.pi, 600)
X = np.c_[np.cos(th), np.sin(th)]
est = scores.EmpiricalScore().fit(X)
a = S.reverse_sde(est, n=500, sigma_max=2.0, sigma_min=1e-3, steps=15, rng=5).samples
b = S.tempered_langevin(est, X[:400], 0.05, 1.0, 0.2, 10, rng=3).samples
DIGEST = hashlib.sha256(a.tobytes() + b.tobytes()).hexdigest()
"""


def test_bit_identical_across_thread_counts():
    """Same samples with 1 and 2 numba threads (the kernel engine parallelizes over queries).

    A subprocess with NUMBA_NUM_THREADS=1 against this process with 2 threads, and in-process
    ``numba.set_num_threads(1)`` against 2 (a second subprocess with 2 threads when this process
    has fewer).
    """
    import numba

    def in_subprocess(threads):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        out = subprocess.run(
            [sys.executable, "-c", _THREAD_CODE + "print(DIGEST)\n"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    digests = [in_subprocess("1")]
    if numba.config.NUMBA_NUM_THREADS >= 2:
        old = numba.get_num_threads()
        try:
            for threads in (2, 1):
                numba.set_num_threads(threads)
                ns_ = {}
                exec(_THREAD_CODE, ns_)
                digests.append(ns_["DIGEST"])
        finally:
            numba.set_num_threads(old)
    else:
        digests.append(in_subprocess("2"))
    assert len(set(digests)) == 1 and len(digests[0]) == 64, digests


# --------------------------------------------------------------------------- results, snapshots


def test_snapshots_trace_and_array_protocol():
    g = gauss()
    x0 = gaussian_x0(50, 0)
    res = S.reverse_sde(
        g,
        x0,
        sigma_max=SMAX,
        sigma_min=SMIN,
        steps=20,
        rng=0,
        snapshot_steps=[0, 5, 20],
        snapshot_sigmas=[1.0],
        trace=lambda x: x[:, 0],
        trace_every=5,
    )
    assert res.snapshots.shape == (4, 50, 2)
    assert_array_equal(res.snapshots[0], x0)
    i1 = int(np.argmin(np.abs(np.log(res.sigmas) - np.log(1.0))))
    assert list(res.snapshot_steps) == sorted({0, 5, 20, i1})
    assert_allclose(res.snapshot_sigmas, res.sigmas[res.snapshot_steps])
    # the last snapshot is the state before the final Tweedie step
    assert_allclose(res.samples, g.denoise(res.snapshots[-1], SMIN), rtol=1e-12)
    assert res.trace.shape == (5, 50) and list(res.trace_steps) == [0, 5, 10, 15, 20]
    assert_array_equal(res.trace[0], x0[:, 0])
    assert np.asarray(res) is res.samples and len(res) == 50 and res.shape == (50, 2)
    assert "reverse_sde/euler" in repr(res)
    lv = S.tempered_langevin(
        g, x0, 0.5, 1.0, 0.5, 10, rng=1, snapshot_steps=[10], trace=lambda x: x, trace_every=2
    )
    assert_array_equal(lv.snapshots[0], lv.samples)
    assert lv.trace.shape == (6, 50, 2)
    assert S.geometric_sigmas(2.0, 0.02, 2) == pytest.approx([2.0, 0.2, 0.02])


def test_default_start_uses_estimator_dimension_and_sigma_max():
    res = S.reverse_sde(
        gauss(), n=4000, sigma_max=SMAX, sigma_min=SMIN, steps=3, rng=0, snapshot_steps=[0]
    )
    x0 = res.snapshots[0]
    # sigma_max N(0, I): std of each coordinate within Z SE (relative SE 1/sqrt(2(n-1)))
    assert np.all(np.abs(x0.std(0, ddof=1) / SMAX - 1) < Z / math.sqrt(2 * 3999))
    with pytest.raises(ValueError, match="d is needed"):
        S.reverse_sde(lambda x, s: -x / s**2, n=5, sigma_max=1, sigma_min=0.1, steps=2, rng=0)
    r2 = S.reverse_sde(
        lambda x, s: -x / (1 + s**2), n=5, d=3, sigma_max=1, sigma_min=0.1, steps=2, rng=0
    )
    assert r2.shape == (5, 3)
    r3 = S.reverse_sde(gauss(), 4000, sigma_max=SMAX, sigma_min=SMIN, steps=3, rng=0)
    assert_array_equal(r3.samples, res.samples)  # an integer x0 is the number of chains
    with pytest.raises(ValueError, match="either x0 or n"):
        S.reverse_sde(gauss(), 5, n=5, sigma_max=1, sigma_min=0.1, steps=2, rng=0)


# --------------------------------------------------------------------------- mixing diagnostics


def _ar1(T, chains, rho, seed):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((T, chains))
    x = np.empty((T, chains))
    x[0] = e[0] / math.sqrt(1 - rho**2)
    for t in range(1, T):
        x[t] = rho * x[t - 1] + e[t]
    return x


def _naive_iat(trace, c=5.0):
    """Plain-loop twin: chain-averaged acf (direct sums), Sokal window."""
    T, m = trace.shape
    rho = np.zeros(T)
    for j in range(m):
        y = trace[:, j] - trace[:, j].mean()
        c0 = np.dot(y, y)
        rho += np.array([np.dot(y[: T - k], y[k:]) / c0 for k in range(T)])
    rho /= m
    tau = 1.0
    for M in range(1, T):
        tau += 2 * rho[M]
        if M >= c * tau:
            return tau
    return tau


def test_integrated_autocorr_time_ar1_and_naive_twin():
    """AR(1), rho = 0.9: tau = 19. 40 chains x 3000: relative sd sqrt(2 (2M+1) / (T m)) with
    M ~ 5 tau = 95: 0.08; bias of the unadjusted acf ~ -2 rho / ((1 - rho)^2 T) = -0.06 (0.3 %).
    Accept |tau_hat / 19 - 1| < Z 0.08 = 0.36; negative control rho = 0.5 (tau = 3) is far."""
    tr = _ar1(3000, 40, 0.9, 0)
    tau = S.integrated_autocorr_time(tr)
    assert abs(tau / ns.ar1_iat(0.9) - 1) < 0.36
    small = tr[:400, :3]
    assert S.integrated_autocorr_time(small) == pytest.approx(_naive_iat(small), rel=1e-10)
    assert_allclose(acf(small[:, 0], nlags=10, fft=True)[1], 0.9, atol=0.15)
    tau5 = S.integrated_autocorr_time(_ar1(3000, 40, 0.5, 1))
    assert abs(tau5 / 3 - 1) < 0.36 and abs(tau5 / 19 - 1) > 0.5
    # (T, chains, q) gives one tau per statistic
    both = np.stack([tr, _ar1(3000, 40, 0.5, 1)], axis=2)
    taus = S.integrated_autocorr_time(both)
    assert taus.shape == (2,) and taus[0] == pytest.approx(tau) and taus[1] == pytest.approx(tau5)
    with pytest.warns(RuntimeWarning, match="shorter than"):  # T = 200 < 20 tau = 380
        S.integrated_autocorr_time(_ar1(200, 40, 0.9, 2))


def test_two_halves_detects_nonstationarity():
    tr = _ar1(2000, 50, 0.8, 3)
    th = S.two_halves(tr)
    assert abs(th.z) < Z and 0 <= th.p_value <= 1
    # a run still relaxing from its start (burn-in not discarded): halves differ by ~0.9
    drift = tr - 6.0 * np.exp(-np.arange(2000) / 300)[:, None]
    assert S.two_halves(drift).z > 2 * Z
    long = _ar1(20000, 1, 0.8, 4)[:, 0]
    single = S.two_halves(long)  # one chain: SE from the autocorrelation time
    # SE = sqrt(2 tau var / half) = sqrt(2 * 9 * 2.78 / 1e4) = 0.071
    assert abs(single.z) < Z and single.se == pytest.approx(0.071, rel=0.25)
    # transient 6 exp(-t / 1000): the first-half mean is lower by 6 * 1000 / 1e4 = 0.6 ~ 8 SE
    assert S.two_halves(long - 6.0 * np.exp(-np.arange(20000) / 1000)).z > Z
    assert "first=" in th.summary()


def test_suggest_steps_rule():
    assert S.relaxation_steps(0.01, 1.0, 0.1) == pytest.approx(1e3, rel=1e-12)
    assert S.relaxation_steps(0.01, 0.0, 0.1) == pytest.approx(1e5, rel=1e-12)
    assert S.relaxation_steps(0.01, 1.0, 0.1, radius=2.0) == pytest.approx(4e3, rel=1e-12)
    assert S.suggest_steps(0.01, 1.0, 0.1) == 10000
    assert S.suggest_steps(0.01, 1.0, 0.1, n_relax=2.5) == 2500


# --------------------------------------------------------------------------- bad inputs


def _bad_cases():
    g = gauss()
    x0 = np.zeros((3, 2))
    kw = dict(sigma_max=1.0, sigma_min=0.1, steps=3, rng=0)
    nan_x0 = x0.copy()
    nan_x0[1, 0] = np.nan
    return [
        (lambda: S.tempered_langevin(g, x0, 0.1, 2.0, 0.1, 5, rng=0), "alpha"),
        (lambda: S.tempered_langevin(g, x0, 0.1, -0.1, 0.1, 5, rng=0), "alpha"),
        (lambda: S.tempered_langevin(g, x0, 0.1, 1.0, 0.0, 5, rng=0), "step"),
        (lambda: S.tempered_langevin(g, x0, 0.1, 1.0, -1.0, 5, rng=0), "step"),
        (lambda: S.tempered_langevin(g, x0, 0.1, 1.0, 2.0, 5, rng=0), "step"),
        (lambda: S.tempered_langevin(g, x0, 0.0, 1.0, 0.1, 5, rng=0), "sigma"),
        (lambda: S.tempered_langevin(g, x0, 0.1, 1.0, 0.1, 0, rng=0), "steps"),
        (lambda: S.tempered_langevin(g, nan_x0, 0.1, 1.0, 0.1, 5, rng=0), "x0"),
        (lambda: S.tempered_langevin(g, x0, 0.1, 1.0, 0.1, 5, rng=None), "rng"),
        (lambda: S.tempered_langevin(g, np.zeros((3, 5)), 0.1, 1.0, 0.1, 5, rng=0), "x0"),
        (lambda: S.langevin(g, x0, 0.1, 3.0, 5, rng=0), "step"),
        (lambda: S.posterior_langevin(g, None, x0, 0.1, 1.0, 0.1, 5, rng=0), "grad_v"),
        (
            lambda: S.posterior_langevin(g, lambda x: x[:, :1], x0, 0.1, 1.0, 0.1, 5, rng=0),
            "grad_v",
        ),
        (lambda: S.reverse_sde(g, x0, sigma_max=0.1, sigma_min=1.0, steps=3, rng=0), "sigma_min"),
        (lambda: S.reverse_sde(g, x0, sigma_max=1.0, sigma_min=1.0, steps=3, rng=0), "sigma_min"),
        (lambda: S.reverse_sde(g, x0, sigma_max=1.0, sigma_min=0.0, steps=3, rng=0), "sigma_min"),
        (lambda: S.reverse_sde(g, x0, sigma_max=1.0, sigma_min=0.1, steps=0, rng=0), "steps"),
        (lambda: S.reverse_sde(g, nan_x0, **kw), "x0"),
        (lambda: S.reverse_sde(g, x0, method="heun", **kw), "method"),
        (lambda: S.reverse_sde(g, x0, n=3, **kw), "either x0 or n"),
        (lambda: S.reverse_sde(g, None, **kw), "x0"),
        (lambda: S.reverse_sde(g, x0, snapshot_steps=[7], **kw), "snapshot_steps"),
        (lambda: S.reverse_sde(g, x0, snapshot_steps=[1.5], **kw), "snapshot_steps"),
        (lambda: S.reverse_sde(g, x0, snapshot_sigmas=[5.0], **kw), "snapshot_sigmas"),
        (lambda: S.reverse_sde(g, x0, trace=3, **kw), "trace"),
        (lambda: S.reverse_sde(g, x0, trace=lambda x: x[:1], **kw), "trace"),
        (lambda: S.reverse_sde(g, x0, trace=lambda x: x[:, 0], trace_every=0, **kw), "trace_every"),
        (lambda: S.reverse_sde("not a score", x0, **kw), "score"),
        (lambda: S.reverse_sde(lambda x, s: x[:, :1], x0, **kw), "shape"),
        (lambda: S.reverse_sde(lambda x, s: x * np.nan, x0, **kw), "non-finite"),
        (
            lambda: S.probability_flow(
                g, None, n=3, sigma_max=1.0, sigma_min=0.1, steps=3, rng=None
            ),
            "rng",
        ),
        (lambda: S.probability_flow(g, x0, sigma_max=1.0, sigma_min=0.1, steps=-1, rng=0), "steps"),
        (
            lambda: S.hybrid(
                g,
                x0,
                sigma_max=1.0,
                sigma_switch=0.05,
                sigma_min=0.1,
                sde_steps=2,
                ode_steps=2,
                rng=0,
            ),
            "sigma_switch",
        ),
        (
            lambda: S.hybrid(
                g,
                x0,
                sigma_max=1.0,
                sigma_switch=0.5,
                sigma_min=0.1,
                sde_steps=0,
                ode_steps=2,
                rng=0,
            ),
            "sde_steps",
        ),
        (
            lambda: S.hybrid(
                g,
                x0,
                sigma_max=1.0,
                sigma_switch=0.5,
                sigma_min=0.1,
                sde_steps=2,
                ode_steps=0,
                rng=0,
            ),
            "ode_steps",
        ),
        (
            lambda: S.annealed_langevin(
                g, x0, sigma_max=1.0, sigma_min=0.1, levels=1, steps_per_level=2, step=0.1, rng=0
            ),
            "levels",
        ),
        (
            lambda: S.annealed_langevin(
                g, x0, sigma_max=1.0, sigma_min=0.1, levels=3, steps_per_level=2, step=5.0, rng=0
            ),
            "step",
        ),
        (lambda: S.predictor_corrector(g, x0, snr=0.0, **kw), "snr"),
        (lambda: S.predictor_corrector(g, x0, corrector_steps=-1, **kw), "corrector_steps"),
        (lambda: S.integrated_autocorr_time(np.zeros((2, 3))), "trace"),
        (lambda: S.integrated_autocorr_time(np.ones((50, 2))), "constant"),
        (lambda: S.integrated_autocorr_time(np.full(50, np.nan)), "finite"),
        (lambda: S.two_halves(np.zeros((5, 2, 2, 2))), "trace"),
        (lambda: S.suggest_steps(0.01, 2.5, 0.1), "alpha"),
        (lambda: S.relaxation_steps(0.01, 1.0, 0.0), "step"),
        (lambda: S.relaxation_steps(-1.0, 1.0, 0.1), "sigma"),
    ]


@pytest.mark.parametrize("case", range(len(_bad_cases())))
def test_bad_inputs_raise_value_error_naming_the_parameter(case):
    fn, match = _bad_cases()[case]
    with pytest.raises(ValueError, match=match):
        fn()


def test_diverging_chain_is_reported_not_silent():
    """A step far beyond stability makes the chain overflow: the sampler raises, never NaN."""

    def unstable(x, sigma):
        return 1e200 * x

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="non-finite"):
            S.tempered_langevin(unstable, np.ones((4, 2)), 1.0, 0.0, 1.0, 10, rng=0)
