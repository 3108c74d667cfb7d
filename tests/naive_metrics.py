"""Plain-loop twins of the metrics and baselines (obviously right, slow), for tests only."""

from __future__ import annotations

import math

import numpy as np


def mmd2(X, Y, h, unbiased=True):
    """Gretton et al. (2012) unbiased MMD^2_u or the V-statistic, double loops."""

    def k(x, y):
        return math.exp(-sum((xi - yi) ** 2 for xi, yi in zip(x, y, strict=True)) / (2 * h * h))

    n, m = len(X), len(Y)
    sxx = sum(k(X[i], X[j]) for i in range(n) for j in range(n) if (i != j or not unbiased))
    syy = sum(k(Y[i], Y[j]) for i in range(m) for j in range(m) if (i != j or not unbiased))
    sxy = sum(k(X[i], Y[j]) for i in range(n) for j in range(m))
    if unbiased:
        return sxx / (n * (n - 1)) + syy / (m * (m - 1)) - 2 * sxy / (n * m)
    return sxx / n**2 + syy / m**2 - 2 * sxy / (n * m)


def kuiper_stat(z):
    """V = max_t (F_n(t) - t) + max_t (t - F_n(t)) over t in [0, 1], by scanning both sides of
    every jump of the empirical CDF."""
    z = sorted(z)
    n = len(z)
    dp = dm = 0.0
    for i, zi in enumerate(z):
        dp = max(dp, (i + 1) / n - zi)  # just after the jump
        dm = max(dm, zi - i / n)  # just before the jump
    return dp + dm


def flipd_empirical(X, x, sigma):
    """sum_i w_i |x - x_i|^2 / sigma^2 with explicit log-sum-exp softmax weights."""
    out = []
    for q in x:
        e = [-float(np.sum((q - xi) ** 2)) / (2 * sigma**2) for xi in X]
        mx = max(e)
        w = [math.exp(ei - mx) for ei in e]
        s = sum(w)
        out.append(sum(wi * float(np.sum((q - xi) ** 2)) for wi, xi in zip(w, X, strict=True)))
        out[-1] /= s * sigma**2
    return np.array(out)


def softmax_mean(X, x, sigma):
    """Tweedie denoiser of the empirical measure: sum_i w_i X_i, w = softmax(-|x - X_i|^2/2s^2)."""
    out = np.empty_like(x)
    for r, q in enumerate(x):
        e = np.array([-float(np.sum((q - xi) ** 2)) / (2 * sigma**2) for xi in X])
        w = np.exp(e - e.max())
        out[r] = sum(wi * xi for wi, xi in zip(w, X, strict=True)) / w.sum()
    return out


def w2sq_to_uniform01(x):
    """W_2^2(mu_N, U[0,1]) = sum_i int_{(i-1)/N}^{i/N} (x_(i) - q)^2 dq, termwise antiderivative."""
    xs = sorted(x)
    n = len(xs)
    tot = 0.0
    for i, xi in enumerate(xs):
        a, b = i / n, (i + 1) / n
        tot += ((b - xi) ** 3 - (a - xi) ** 3) / 3.0
    return tot


def cap_fraction(k, delta, n=20001):
    """Normalized geodesic-ball volume on S^k: int_0^delta sin^(k-1) / int_0^pi sin^(k-1),
    Simpson's rule."""
    from scipy.integrate import simpson

    t = np.linspace(0, delta, n)
    T = np.linspace(0, np.pi, n)
    return simpson(np.sin(t) ** (k - 1), x=t) / simpson(np.sin(T) ** (k - 1), x=T)


def ball_masses(dist_row, deltas, weights):
    """nu(B(y, delta)) for each delta by an explicit sum over atoms."""
    return np.array(
        [sum(w for dd, w in zip(dist_row, weights, strict=True) if dd <= de) for de in deltas]
    )


def binned_tv_kl(p_counts, q_probs):
    n = sum(p_counts)
    tv = 0.5 * sum(abs(c / n - q) for c, q in zip(p_counts, q_probs, strict=True))
    kl = sum((c / n) * math.log((c / n) / q) for c, q in zip(p_counts, q_probs, strict=True) if c)
    return tv, kl


def gaussian_kde_logpdf(X, x, h):
    """log (1/N) sum_i N(x; X_i, h^2 I), with scipy's logsumexp."""
    from scipy.special import logsumexp

    d = X.shape[1]
    out = []
    for q in x:
        e = [-float(np.sum((q - xi) ** 2)) / (2 * h * h) for xi in X]
        out.append(logsumexp(e) - math.log(len(X)) - 0.5 * d * math.log(2 * math.pi * h * h))
    return np.array(out)


def sphere_uniform_score(x, sigma):
    """Exact score of Uniform(S^(m-1)) * N(0, sigma^2 I_m) (vMF with kappa -> 0):
    s = -x/sigma^2 + (I_(m/2) / I_(m/2-1))(|v|) v / (|v| sigma^2), v = x / sigma^2."""
    from scipy.special import ive

    x = np.asarray(x, dtype=float)
    m = x.shape[1]
    v = x / sigma**2
    r = np.linalg.norm(v, axis=1, keepdims=True)
    A = ive(m / 2, r) / ive(m / 2 - 1, r)
    return -x / sigma**2 + A * v / (r * sigma**2)
