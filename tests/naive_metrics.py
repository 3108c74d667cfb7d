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


# ------------------------------------------------------------------------------------------------
# Screened H^-1 distance on flat tori (ratesim.metrics._sobolev): an image-sum twin, a Fourier
# lattice-sum twin of the kernel, and the estimator written out with explicit loops.


def _free_green(r, lam, k):
    """Free-space Green's function of (lam^2 - Laplacian) in R^k at distance r."""
    from scipy.special import k0

    with np.errstate(divide="ignore"):
        if k == 1:
            return np.exp(-lam * r) / (2 * lam)
        if k == 2:
            return k0(lam * r) / (2 * math.pi)
        return np.exp(-lam * r) / (4 * math.pi * r)


def torus_green_images(delta, lam, L=None):
    """G(delta) = sum_{n in {-L..L}^k} g(|wrap(delta) + 2 pi n|), one image at a time (delta:
    (n, k) differences, each coordinate wrapped to [-pi, pi)). L = None: the implementation's
    images at k = 2, 3 (L = 1); at k = 1, where the implementation is the exact closed form,
    L = 8 (the omitted images are below exp(-17 pi lam) / (2 lam) < 1e-23 for lam >= 1)."""
    import itertools

    d = np.atleast_2d(np.asarray(delta, dtype=float))
    k = d.shape[1]
    if L is None:
        L = 8 if k == 1 else 1
    w = d - 2 * math.pi * np.floor(d / (2 * math.pi) + 0.5)
    out = np.zeros(d.shape[0])
    for n in itertools.product(range(-L, L + 1), repeat=k):
        v = w + 2 * math.pi * np.array(n, dtype=float)
        out += _free_green(np.sqrt(np.sum(v * v, axis=1)), lam, k)
    return out


def _green1_fourier(x, mu):
    """1-D screened kernel (2 pi)^-1 sum_j exp(i j x) / (mu^2 + j^2) by its closed form
    cosh(mu (pi - a)) / (2 mu sinh(mu pi)), a = |x| wrapped, written without overflow."""
    a = np.abs(x - 2 * math.pi * np.floor(x / (2 * math.pi) + 0.5))
    return (np.exp(-mu * a) + np.exp(-mu * (2 * math.pi - a))) / (
        2 * mu * (1 - np.exp(-2 * math.pi * mu))
    )


def torus_green_lattice(delta, lam, L):
    """G(delta) from its Fourier series (2 pi)^-k sum_{xi in Z^k} exp(i xi.delta) /
    (lam^2 + |xi|^2). Returns (values, tail bound on |truncation error|).

    k = 1: Kummer's acceleration 1/(lam^2 + j^2) = 1/j^2 - lam^2/j^4 + lam^4/(j^4 (lam^2 + j^2))
    with the Bernoulli closed forms sum_j cos(j y)/j^2 = pi^2/6 - pi y/2 + y^2/4 and
    sum_j cos(j y)/j^4 = pi^4/90 - pi^2 y^2/12 + pi y^3/12 - y^4/48 (y in [0, 2 pi]); the rest is
    summed to j = L, tail <= (2/(2 pi)) lam^4 sum_{j > L} j^-6 <= lam^4 / (5 pi L^5).
    k = 2, 3: the sum over xi_1 in closed form (the 1-D kernel with mu^2 = lam^2 + |xi'|^2,
    xi' the other coordinates), then xi' summed over |xi'|_inf <= L. Each term is bounded by
    exp(-mu a) / (mu (1 - exp(-2 pi))), a = |wrap(delta_1)|, so with N(n) lattice points at
    |xi'|_inf = n (2 for k = 2, 8 n for k = 3) the tail is <= (2 pi)^-(k-1) sum_{n > L} N(n)
    exp(-n a) / (n (1 - exp(-2 pi))) (returned, summed to n = L + 2000).
    """
    import itertools

    d = np.atleast_2d(np.asarray(delta, dtype=float))
    n_pts, k = d.shape
    if k == 1:
        y = np.mod(d[:, 0], 2 * math.pi)
        b2 = math.pi**2 / 6 - math.pi * y / 2 + y**2 / 4
        b4 = math.pi**4 / 90 - math.pi**2 * y**2 / 12 + math.pi * y**3 / 12 - y**4 / 48
        j = np.arange(1, L + 1, dtype=float)
        rest = np.cos(np.outer(y, j)) @ (lam**4 / (j**4 * (lam**2 + j**2)))
        vals = (1 / lam**2 + 2 * (b2 - lam**2 * b4 + rest)) / (2 * math.pi)
        return vals, lam**4 / (5 * math.pi * L**5)
    a = np.abs(d[:, 0] - 2 * math.pi * np.floor(d[:, 0] / (2 * math.pi) + 0.5))
    vals = np.zeros(n_pts)
    for xi in itertools.product(range(-L, L + 1), repeat=k - 1):
        xi = np.array(xi, dtype=float)
        mu = math.sqrt(lam**2 + float(xi @ xi))
        vals += np.cos(d[:, 1:] @ xi) * _green1_fourier(d[:, 0], mu)
    vals /= (2 * math.pi) ** (k - 1)
    nn = np.arange(L + 1, L + 2001, dtype=float)
    count = 2.0 if k == 2 else 8.0 * nn
    tail = np.array([np.sum(count * np.exp(-nn * ai) / nn) for ai in a]) / (
        (2 * math.pi) ** (k - 1) * (1 - math.exp(-2 * math.pi))
    )
    return vals, tail


def sobolev_pair_sums(theta, lam, hc):
    """(sum_{a<b} H_ab, sum_{a<b} H_ab^2, row sums sum_{b != a} H_ab), H_ab = G(theta_a -
    theta_b) - hc_a - hc_b, G by :func:`torus_green_images`, one row at a time."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    m = theta.shape[0]
    s1 = s2 = 0.0
    rows = np.zeros(m)
    for a in range(m):
        b = np.arange(a + 1, m)
        if b.size == 0:
            continue
        H = torus_green_images(theta[a] - theta[b], lam) - hc[a] - hc[b]
        s1 += H.sum()
        s2 += (H * H).sum()
        rows[a] += H.sum()
        rows[b] += H
    return s1, s2, rows


def _lattice(J, k):
    import itertools

    return list(itertools.product(range(-J, J + 1), repeat=k))


def sobolev_h_and_c(theta, coef, lam):
    """h(theta_a) = (2 pi)^-k sum_xi c_xi exp(i xi.theta_a) / (lam^2 + |xi|^2) and
    C = (2 pi)^-k sum_xi |c_xi|^2 / (lam^2 + |xi|^2), one lattice point at a time."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    k = theta.shape[1]
    J = coef.shape[0] // 2
    h = np.zeros(theta.shape[0], dtype=complex)
    C = 0.0
    for xi in _lattice(J, k):
        c = coef[tuple(x + J for x in xi)]
        w = 1.0 / (lam**2 + sum(x * x for x in xi)) / (2 * math.pi) ** k
        h += c * w * np.exp(1j * (theta @ np.array(xi, dtype=float)))
        C += abs(c) ** 2 * w
    return h.real, C


def sobolev_d2_to_law(theta, coef, lam):
    """The estimator as written: 1/(m(m-1)) sum_{a != b} G - (2/m) sum_a h(theta_a) + C."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    m = theta.shape[0]
    sG = sum(
        torus_green_images(theta[a] - np.delete(theta, a, axis=0), lam).sum() for a in range(m)
    )
    h, C = sobolev_h_and_c(theta, coef, lam)
    return sG / (m * (m - 1)) - 2 * h.mean() + C


def sobolev_d2_laws(c1, c2, lam):
    """(2 pi)^-k sum_xi |c1_xi - c2_xi|^2 / (lam^2 + |xi|^2), lattice point by lattice point
    (equal shapes)."""
    k = c1.ndim
    J = c1.shape[0] // 2
    tot = 0.0
    for xi in _lattice(J, k):
        idx = tuple(x + J for x in xi)
        tot += abs(c1[idx] - c2[idx]) ** 2 / (lam**2 + sum(x * x for x in xi))
    return tot / (2 * math.pi) ** k


def kde_torus_coefficients(points, h, J):
    """(1/N) sum_j exp(-i xi.x_j) exp(-h^2 |xi|^2 / 2), lattice point by lattice point."""
    X = np.atleast_2d(np.asarray(points, dtype=float))
    k = X.shape[1]
    out = np.zeros((2 * J + 1,) * k, dtype=complex)
    for xi in _lattice(J, k):
        x = np.array(xi, dtype=float)
        damp = math.exp(-h * h * float(x @ x) / 2)
        out[tuple(v + J for v in xi)] = np.mean(np.exp(-1j * (X @ x))) * damp
    return out
