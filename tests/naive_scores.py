"""Plain NumPy twins of the score estimators' numba kernels and closed forms (obviously right,
slow): loops over queries, explicit formulas, no log-sum-exp tricks beyond a max shift."""

from __future__ import annotations

import itertools

import numpy as np


def monomials(q: int, degree: int) -> list[tuple[int, ...]]:
    """All exponent tuples of total degree <= degree, by brute force."""
    out = [e for e in itertools.product(range(degree + 1), repeat=q) if sum(e) <= degree]
    return sorted(out, key=lambda e: (sum(e), [-v for v in e]))


def features(t: np.ndarray, exps) -> np.ndarray:
    return np.array([np.prod([t[a] ** e[a] for a in range(len(e))]) for e in exps])


def local_poly(inputs, targets, log_a, queries, h, degree, ridge=1e-10):
    """Weighted least squares of targets on monomials of (inputs - q)/h, intercept returned."""
    exps = monomials(inputs.shape[1], degree)
    out = np.empty((queries.shape[0], targets.shape[1]))
    for i, q in enumerate(queries):
        lw = log_a - np.sum((inputs - q) ** 2, axis=1) / (2 * h**2)
        w = np.exp(lw - lw.max())
        Phi = np.array([features((y - q) / h, exps) for y in inputs])
        G = Phi.T @ (w[:, None] * Phi)
        B = Phi.T @ (w[:, None] * targets)
        G = G + ridge * np.trace(G) / len(exps) * np.eye(len(exps))
        out[i] = np.linalg.solve(G, B)[0]
    return out


def mls_projection(
    X, queries, h, k, degree, n_iter, n_newton, ridge=1e-10, safeguards=True, ess_per_coef=1.5,
    trust=2.0, log_cut=50.0, trace=None,
):  # fmt: skip
    """Moving-least-squares projection, step by step as documented in ProjectionScore.

    ``safeguards=True`` (the kernel today): per pass, effective sample size n_eff = (sum w)^2 /
    sum w^2 of the weights (those below exp(-log_cut) of the largest dropped); the degree is the
    largest p' <= degree with ess_per_coef * binom(k + p', k) <= n_eff; the weighted mean c if
    n_eff < ess_per_coef (k + 1); Gauss-Newton confined to |t| <= trust * r_fit (r_fit^2 = the
    weighted mean of |t_j|^2); a pass output farther from x than min_j |X_j - x| + h (or not
    finite) is replaced by c. ``safeguards=False``:
    the plain algorithm (the kernel before the safeguards). ``trace``: a list that receives, per
    query and pass, (query index, degree used or -1 for the mean, clamped?, rejected?)."""
    from math import comb

    d = X.shape[1]
    out = np.empty_like(queries)
    for i, x in enumerate(queries):
        y = x.copy()
        dlim = np.sqrt(np.min(np.sum((X - x) ** 2, axis=1))) + h
        for _ in range(n_iter):
            lw = -np.sum((X - y) ** 2, axis=1) / (2 * h**2)
            if not np.all(np.isfinite(lw)):
                y = np.full(d, np.nan)
                break
            w = np.exp(lw - lw.max())
            w[lw - lw.max() < -log_cut] = 0.0
            c = w @ X / w.sum()
            p = degree
            if safeguards:
                ess = w.sum() ** 2 / np.sum(w**2)
                if ess < ess_per_coef * (k + 1):
                    y = c
                    if trace is not None:
                        trace.append((i, -1, False, False))
                    continue
                while p > 0 and ess_per_coef * comb(k + p, k) > ess:
                    p -= 1
            exps = monomials(k, p)
            C = (X - c).T @ (w[:, None] * (X - c))
            _, vecs = np.linalg.eigh(C)
            T, Nf = vecs[:, d - k :], vecs[:, : d - k]
            t = (X - c) @ T / h
            nv = (X - c) @ Nf
            Phi = np.array([features(tt, exps) for tt in t])
            G = Phi.T @ (w[:, None] * Phi)
            G = G + ridge * np.trace(G) / len(exps) * np.eye(len(exps))
            coef = np.linalg.solve(G, Phi.T @ (w[:, None] * nv))
            r_max = trust * np.sqrt(w @ np.sum(t**2, axis=1) / w.sum()) if safeguards else np.inf
            tq = (x - c) @ T / h
            nq = (x - c) @ Nf

            def g(tt, coef=coef, exps=exps):
                return features(tt, exps) @ coef

            def clamp(tt, r_max=r_max):
                r = np.linalg.norm(tt)
                return tt * (r_max / r) if r > r_max else tt

            tt = clamp(tq.copy())
            clamped = not np.array_equal(tt, tq)
            for _ in range(n_newton):
                # analytic Jacobian of the monomials
                J = np.zeros((len(exps), k))
                for f, e in enumerate(exps):
                    for a in range(k):
                        if e[a] > 0:
                            e2 = list(e)
                            e2[a] -= 1
                            J[f, a] = e[a] * np.prod([tt[b] ** e2[b] for b in range(k)])
                Dg = coef.T @ J
                r = g(tt) - nq
                A = h**2 * np.eye(k) + Dg.T @ Dg
                rhs = -(h**2) * (tt - tq) - Dg.T @ r
                t_new = tt + np.linalg.solve(A, rhs)
                tt = clamp(t_new)
                clamped = clamped or not np.array_equal(tt, t_new)
            y = c + T @ (h * tt) + Nf @ g(tt)
            rejected = safeguards and not np.linalg.norm(y - x) <= dlim
            if rejected:
                y = c
            if trace is not None:
                trace.append((i, p, clamped, rejected))
        out[i] = y
    return out


def ball_dfs(pts, start, end, left, right, lo, hi, y, r2) -> list[int]:
    """Tree-order indices of the points within sqrt(r2) of y, in the order of a depth-first
    traversal that pops the right child first and tests every point (the KD-tree ball query of
    the MLS projection, without its shortcut for nodes inside the ball)."""
    out, stack = [], [0]
    while stack:
        node = stack.pop()
        gap = np.maximum(0.0, np.maximum(lo[node] - y, y - hi[node]))
        if np.sum(gap**2) > r2:
            continue
        if left[node] < 0:
            out += [j for j in range(start[node], end[node]) if np.sum((pts[j] - y) ** 2) <= r2]
        else:
            stack += [left[node], right[node]]
    return out


def gauss_cut(lw, mx, log_cut=50.0) -> np.ndarray:
    """Weights exp(lw - mx), 0 below exp(-log_cut), by the formula of the kernel before it
    skipped the exponential of the dropped weights (evaluated elementwise with math.exp)."""
    import math

    return np.array([math.exp(v - mx) if v - mx >= -log_cut else 0.0 for v in lw])


def gaussian_mixture_score(centres, x, sigma):
    """grad log of (1/N) sum_i N(x; c_i, sigma^2 I) from the explicit densities, and the log pdf."""
    N, d = centres.shape
    scores, logp = np.empty_like(x), np.empty(x.shape[0])
    for j, q in enumerate(x):
        dens = np.array(
            [
                np.exp(-np.sum((q - c) ** 2) / (2 * sigma**2)) / (2 * np.pi * sigma**2) ** (d / 2)
                for c in centres
            ]
        )
        p = dens.mean()
        grad = np.mean(dens[:, None] * (centres - q) / sigma**2, axis=0)
        scores[j] = grad / p
        logp[j] = np.log(p)
    return scores, logp


def circle_vm_log_density(x, sigma, kappa, mean_angle, n=20000):
    """log p_sigma on the unit circle in R^2 for von Mises(kappa, mean) data by a plain Riemann sum
    over the angle (spectrally accurate for this periodic integrand)."""
    t = 2 * np.pi * np.arange(n) / n
    pts = np.stack([np.cos(t), np.sin(t)], axis=1)
    from scipy.special import i0

    dens = np.exp(kappa * np.cos(t - mean_angle)) / (2 * np.pi * i0(kappa))
    out = np.empty(x.shape[0])
    for j, q in enumerate(x):
        e = -np.sum((pts - q) ** 2, axis=1) / (2 * sigma**2)
        mx = e.max()
        out[j] = (
            mx
            + np.log(np.sum(dens * np.exp(e - mx)) * 2 * np.pi / n)
            - np.log(2 * np.pi * sigma**2)
        )
    return out
