"""Plain NumPy twins of the sampler kernels and samplers, exact scores and exact reference laws.

Obviously-right loops, used by tests/test_samplers.py:
- twins of the numba kernels (``lincomb2`` ...) and whole samplers consuming the rng in the same
  order (so results agree to rounding);
- exact scores: Gaussian data (convolved score -(x - m)/(s0^2 + sigma^2)), the circle von Mises
  score (docs/science.md, exact references), and the empirical score (log-sum-exp softmax);
- exact laws of the discretized chains for Gaussian data (linear recursions of mean and variance);
- the quadrature of the tempered stationary law p_sigma^(sigma^alpha) on the circle.
"""

from __future__ import annotations

import numpy as np
from scipy.special import i0e, i1e, logsumexp

# ---------------------------------------------------------------- kernel twins


def axpy(x, a, u):
    return x + a * u


def lincomb2(x, a, u, b, v):
    return x + a * u + b * v


def lincomb3(x, a, u, b, v, c, w):
    return x + a * u + b * v + c * w


def snr_step(s, z, snr):
    gn = np.mean([np.sqrt(np.sum(row**2)) for row in s])
    zn = np.mean([np.sqrt(np.sum(row**2)) for row in z])
    return 0.0 if gn == 0 else 2.0 * (snr * zn / gn) ** 2


# ---------------------------------------------------------------- exact scores


class GaussianScore:
    """Data N(m, diag(s0^2)); exact VE score -(x - m) / (s0^2 + sigma^2)."""

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=float)
        self.var = np.asarray(std, dtype=float) ** 2
        self.n_features_in_ = self.mean.size

    def score(self, x, sigma):
        return -(x - self.mean) / (self.var + sigma**2)

    def denoise(self, x, sigma):
        return x + sigma**2 * self.score(x, sigma)


class CircleVonMisesScore:
    """Exact score of p_sigma for von Mises(kappa, mean angle) on the unit circle in R^2.

    Closed form: v = x/sigma^2 + kappa mu, s = -x/sigma^2 + (I1/I0)(|v|) v / (|v| sigma^2), with
    scaled Bessel functions. Computed in hat form (sigma^2 s) to keep precision at tiny sigma.
    """

    n_features_in_ = 2

    def __init__(self, kappa=4.0, mean_angle=np.pi):
        self.kappa = float(kappa)
        self.mu = np.array([np.cos(mean_angle), np.sin(mean_angle)])

    def hat(self, x, sigma):
        v = x / sigma**2 + self.kappa * self.mu
        z = np.hypot(v[:, 0], v[:, 1])
        small = z < 1e-8
        zs = np.where(small, 1.0, z)
        ratio = np.where(small, 0.5, i1e(zs) / (i0e(zs) * zs))  # (I1/I0)(z) / z -> 1/2 at 0
        return ratio[:, None] * v - x

    def score(self, x, sigma):
        return self.hat(x, sigma) / sigma**2

    def denoise(self, x, sigma):
        return x + self.hat(x, sigma)

    def log_density(self, x, sigma):
        r2 = np.sum(x * x, axis=1)
        v = x / sigma**2 + self.kappa * self.mu
        z = np.sqrt(np.sum(v * v, axis=1))
        return (
            -(r2 + 1.0) / (2 * sigma**2)
            + np.log(i0e(z))
            + z
            - np.log(2 * np.pi * sigma**2)
            - (np.log(i0e(self.kappa)) + self.kappa)
        )


class EmpiricalScoreNaive:
    """Exact score of mu_N * N(0, sigma^2 I): (softmax-weighted mean - x) / sigma^2."""

    def __init__(self, X):
        self.X = np.asarray(X, dtype=float)
        self.n_features_in_ = self.X.shape[1]

    def denoise(self, x, sigma):
        d2 = np.sum((x[:, None, :] - self.X[None, :, :]) ** 2, axis=2)
        logw = -d2 / (2 * sigma**2)
        w = np.exp(logw - logsumexp(logw, axis=1, keepdims=True))
        return w @ self.X

    def score(self, x, sigma):
        return (self.denoise(x, sigma) - x) / sigma**2


# ---------------------------------------------------------------- whole-sampler twins


def geometric(sigma_max, sigma_min, steps):
    return np.exp(np.linspace(np.log(sigma_max), np.log(sigma_min), steps + 1))


def reverse_sde(score, x0, sigmas, rng, method="euler", final_denoise=True):
    x = np.array(x0, dtype=float)
    for i in range(len(sigmas) - 1):
        v, vn = sigmas[i] ** 2, sigmas[i + 1] ** 2
        s = score.score(x, sigmas[i])
        var = (v - vn) if method == "euler" else (v - vn) * vn / v
        z = rng.standard_normal(x.shape)
        x = x + (v - vn) * s + np.sqrt(var) * z
    if final_denoise:
        x = x + sigmas[-1] ** 2 * score.score(x, sigmas[-1])
    return x


def heun(score, x0, sigmas, final_denoise=True):
    x = np.array(x0, dtype=float)
    for i in range(len(sigmas) - 1):
        si, sn = sigmas[i], sigmas[i + 1]
        d1 = -si * score.score(x, si)
        xp = x + (sn - si) * d1
        d2 = -sn * score.score(xp, sn)
        x = x + (sn - si) * 0.5 * (d1 + d2)
    if final_denoise:
        x = x + sigmas[-1] ** 2 * score.score(x, sigmas[-1])
    return x


def tempered(score, x0, sigma, alpha, h, steps, rng, grad_v=None):
    x = np.array(x0, dtype=float)
    dt = h * sigma ** (2 - alpha)
    for _ in range(steps):
        drift = h * sigma**2 * score.score(x, sigma)
        if grad_v is not None:
            drift = drift - dt * grad_v(x)
        x = x + drift + np.sqrt(2 * dt) * rng.standard_normal(x.shape)
    return x


def predictor_corrector_snr(score, x0, sigmas, rng, snr, corrector_steps=1, final_denoise=True):
    x = np.array(x0, dtype=float)
    for i in range(len(sigmas) - 1):
        for _ in range(corrector_steps):
            s = score.score(x, sigmas[i])
            z = rng.standard_normal(x.shape)
            e = snr_step(s, z, snr)
            x = x + e * s + np.sqrt(2.0 * e) * z
        v, vn = sigmas[i] ** 2, sigmas[i + 1] ** 2
        s = score.score(x, sigmas[i])
        x = x + (v - vn) * s + np.sqrt(v - vn) * rng.standard_normal(x.shape)
    if final_denoise:
        x = x + sigmas[-1] ** 2 * score.score(x, sigmas[-1])
    return x


# ---------------------------------------------------------------- exact laws (Gaussian data)


def gaussian_chain_law(q, mean0, var0, sigmas, kind, final_denoise=True, h=None):
    """Exact mean offset (x - m) and variance of one coordinate of a discretized chain.

    Gaussian data with variance q: the score is linear, -(x - m)/(q + sigma^2), so each step is
    y' = A y + B z and the law stays Gaussian: mean' = A mean, var' = A^2 var + B^2.
    kind: "euler", "exponential" (reverse SDE), "heun" (probability flow),
    "pc" (hat-form corrector with step h at sigma_i, then an Euler predictor).
    """
    mu, var = float(mean0), float(var0)
    for i in range(len(sigmas) - 1):
        si, sn = float(sigmas[i]), float(sigmas[i + 1])
        v, vn = si**2, sn**2
        if kind == "pc":
            A = 1.0 - h * v / (q + v)
            mu, var = A * mu, A * A * var + 2.0 * h * v
            kind_step = "euler"
        else:
            kind_step = kind
        if kind_step in ("euler", "exponential"):
            A = 1.0 - (v - vn) / (q + v)
            B2 = (v - vn) if kind_step == "euler" else (v - vn) * vn / v
        else:  # heun
            ds = sn - si
            a1 = 1.0 + ds * si / (q + v)
            A = 1.0 + 0.5 * ds * (si / (q + v) + sn * a1 / (q + vn))
            B2 = 0.0
        mu, var = A * mu, A * A * var + B2
    if final_denoise:
        A = q / (q + float(sigmas[-1]) ** 2)
        mu, var = A * mu, A * A * var
    return mu, var


def langevin_stationary_var(q, sigma, alpha, h, prior_weight=1.0, lik_prec=0.0):
    """Stationary variance of the hat-form chain for Gaussian data (one coordinate).

    y' = (1 - h sigma^2/(q + sigma^2) - dt lik_prec) y + sqrt(2 dt) z, dt = h sigma^(2-alpha):
    var = 2 dt / (1 - A^2).
    """
    dt = h * sigma ** (2 - alpha)
    A = 1.0 - prior_weight * h * sigma**2 / (q + sigma**2) - dt * lik_prec
    return 2 * dt / (1 - A * A)


# ---------------------------------------------------------------- circle quadrature


def tempered_angular_law(kappa, mean_angle, sigma, alpha, n_theta=720, n_r=1201, width=12.0):
    """Angular marginal of p_sigma(x)^(sigma^alpha) on R^2 (polar quadrature), on a theta grid.

    Returns (theta centres, probabilities per cell), cells of width 2 pi / n_theta starting at 0.
    """
    sc = CircleVonMisesScore(kappa, mean_angle)
    w = sigma ** (1 - alpha / 2)
    r = np.linspace(max(1e-6, 1 - width * w), 1 + width * w, n_r)
    theta = (np.arange(n_theta) + 0.5) * 2 * np.pi / n_theta
    R, T = np.meshgrid(r, theta, indexing="ij")
    x = np.stack([R.ravel() * np.cos(T.ravel()), R.ravel() * np.sin(T.ravel())], axis=1)
    logp = sc.log_density(x, sigma).reshape(R.shape) * sigma**alpha + np.log(R)
    lm = logsumexp(logp, axis=0)
    p = np.exp(lm - logsumexp(lm))
    return theta, p


def binned_tv_to_uniform(probs_fine, bins):
    """TV between a fine-grid law (length divisible by bins) aggregated to ``bins`` and uniform."""
    P = probs_fine.reshape(bins, -1).sum(axis=1)
    return 0.5 * np.sum(np.abs(P - 1.0 / bins)), P


def tv_hist(angles, bins):
    counts = np.bincount(
        np.minimum((angles / (2 * np.pi) * bins).astype(int), bins - 1), minlength=bins
    )
    P = counts / counts.sum()
    return 0.5 * np.sum(np.abs(P - 1.0 / bins))


def bootstrap_tv(P, n, bins, reps, rng):
    """Law of the binned-TV estimator from n iid draws of the binned law P: its mean and sd."""
    counts = rng.multinomial(n, P, size=reps)
    tv = 0.5 * np.sum(np.abs(counts / n - 1.0 / bins), axis=1)
    return tv.mean(), tv.std(ddof=1)


def ar1_iat(rho):
    """Integrated autocorrelation time of an AR(1) process: (1 + rho) / (1 - rho)."""
    return (1 + rho) / (1 - rho)


def tempered_posterior_mean_cos(
    kappa, mean_angle, sigma, alpha, lam, n_theta=720, n_r=1201, width=12.0
):
    """E[cos theta] under exp(lam x_1) p_sigma(x)^(sigma^alpha) on R^2 (polar quadrature).

    The stationary law of posterior Langevin with v(x) = -lam x_1 (P2 Thm 6.1).
    """
    sc = CircleVonMisesScore(kappa, mean_angle)
    w = sigma ** (1 - alpha / 2)
    r = np.linspace(max(1e-6, 1 - width * w), 1 + width * w, n_r)
    theta = (np.arange(n_theta) + 0.5) * 2 * np.pi / n_theta
    R, T = np.meshgrid(r, theta, indexing="ij")
    x = np.stack([R.ravel() * np.cos(T.ravel()), R.ravel() * np.sin(T.ravel())], axis=1)
    logp = (
        sc.log_density(x, sigma).reshape(R.shape) * sigma**alpha
        + np.log(R)
        + lam * x[:, 0].reshape(R.shape)
    )
    lm = logsumexp(logp, axis=0)
    p = np.exp(lm - logsumexp(lm))
    return float(np.sum(p * np.cos(theta)))
