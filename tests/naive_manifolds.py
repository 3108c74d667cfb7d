"""Plain NumPy / SciPy twins of the numba cores in ratesim/manifolds/_kernels.py.

Written differently on purpose (dense brute-force grids, SciPy root finders, explicit loops), so
that agreement at rtol ~1e-10 checks the kernels, not a copy of them.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, root

TWO_PI = 2.0 * np.pi


def series(u, amp, wave, phase):
    """g, grad g, hess g of sum_j amp_j cos(<wave_j, u> + phase_j) at one point u (k,), by an
    explicit loop over the terms."""
    k = len(u)
    g, grad, hess = 0.0, np.zeros(k), np.zeros((k, k))
    for a, w, p in zip(amp, wave, phase, strict=True):
        arg = float(np.dot(w, u)) + p
        g += a * np.cos(arg)
        grad += -a * np.sin(arg) * w
        hess += -a * np.cos(arg) * np.outer(w, w)
    return g, grad, hess


def curve_eval(kind, t, a, b, eps, amp, freq, phase):
    """Phi, Phi', Phi'' (3, 2) of the ellipse (kind 0) or the radial curve (kind 1), by the
    product rule written out on the radius."""
    e = np.array([np.cos(t), np.sin(t)])
    ep = np.array([-np.sin(t), np.cos(t)])
    if kind == 0:
        D = np.array([a, b])
        return np.stack([D * e, D * ep, -D * e])
    r = 1.0 + eps * np.sum(amp * np.cos(freq * t + phase))
    r1 = -eps * np.sum(amp * freq * np.sin(freq * t + phase))
    r2 = -eps * np.sum(amp * freq**2 * np.cos(freq * t + phase))
    return np.stack([r * e, r1 * e + r * ep, r2 * e + 2 * r1 * ep - r * e])


def project_curve(y, kind, a, b, eps, amp, freq, phase, n_dense=1 << 15):
    """Nearest parameter t in [0, 2 pi) for each row of y (n, 2): brute force on a dense grid of
    the whole circle, then ``scipy.optimize.brentq`` on f(t) = <Phi(t) - y, Phi'(t)> between the
    neighbouring grid points (widened until f changes sign)."""
    t = TWO_PI * np.arange(n_dense) / n_dense
    h = TWO_PI / n_dense
    if kind == 0:
        P = np.stack([a * np.cos(t), b * np.sin(t)], axis=1)
    else:
        r = 1.0 + eps * (np.cos(np.outer(t, freq) + phase) @ amp)
        P = r[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1)

    def f(s, yy):
        v = curve_eval(kind, s, a, b, eps, amp, freq, phase)
        return float(np.dot(v[0] - yy, v[1]))

    out = np.empty(len(y))
    for i, yy in enumerate(y):
        j = int(np.argmin(np.sum((P - yy) ** 2, axis=1)))
        lo, hi = t[j] - h, t[j] + h
        while f(lo, yy) > 0:
            lo -= h
        while f(hi, yy) < 0:
            hi += h
        s = brentq(f, lo, hi, args=(yy,), xtol=1e-15, rtol=1e-15, maxiter=500)
        out[i] = np.mod(s, TWO_PI)
    return out


def project_graph(y, eps, amp, wave, phase, n_dense=96):
    """Nearest coordinates u in [0, 2 pi)^k (k <= 2) of each row of y (n, 2k + 1) for the graph
    (e(u_1), ..., e(u_k), eps g(u)): brute force on a dense grid of T^k, then
    ``scipy.optimize.root`` on grad F(u) = J(u)^T (Phi(u) - y) with its analytic Jacobian."""
    k = wave.shape[1]
    t = TWO_PI * np.arange(n_dense) / n_dense
    U = np.stack(np.meshgrid(*([t] * k), indexing="ij"), axis=-1).reshape(-1, k)
    G = np.cos(U @ wave.T + phase) @ amp

    def phi(u):
        g = series(u, amp, wave, phase)[0]
        return np.concatenate([np.ravel(np.column_stack([np.cos(u), np.sin(u)])), [eps * g]])

    def jac(u):
        _, gr, _ = series(u, amp, wave, phase)
        J = np.zeros((2 * k + 1, k))
        for i in range(k):
            J[2 * i, i] = -np.sin(u[i])
            J[2 * i + 1, i] = np.cos(u[i])
        J[2 * k] = eps * gr
        return J

    def grad_F(u, yy):
        return jac(u).T @ (phi(u) - yy)

    def hess_F(u, yy):
        _, _, he = series(u, amp, wave, phase)
        r = phi(u) - yy
        H = jac(u).T @ jac(u) + eps * r[2 * k] * he
        for i in range(k):
            H[i, i] += -np.cos(u[i]) * r[2 * i] - np.sin(u[i]) * r[2 * i + 1]
        return H

    out = np.empty((len(y), k))
    for i, yy in enumerate(y):
        circ = np.zeros((U.shape[0], 2 * k + 1))
        circ[:, 0 : 2 * k : 2] = np.cos(U)
        circ[:, 1 : 2 * k : 2] = np.sin(U)
        circ[:, 2 * k] = eps * G
        j = int(np.argmin(np.sum((circ - yy) ** 2, axis=1)))
        sol = root(grad_F, U[j], args=(yy,), jac=hess_F, method="hybr", tol=1e-15)
        out[i] = np.mod(sol.x, TWO_PI)
    return out


def volume_curve(r, r1, n=1 << 17):
    """Length int_0^{2 pi} sqrt(r^2 + r'^2) dtheta by the plain periodic trapezoid rule."""
    t = TWO_PI * np.arange(n) / n
    return float(np.sum(np.hypot(r(t), r1(t))) * TWO_PI / n)


def federer_reach(P, T):
    """Federer's reach formula inf_{x != y} |y - x|^2 / (2 |P_N(x) (y - x)|) restricted to the
    sample points P (m, D) of a curve with unit tangents T (m, D): an upper estimate of the reach
    (the infimum over a subset of pairs)."""
    best = np.inf
    for i in range(len(P)):
        v = P - P[i]
        n2 = np.sum(v**2, axis=1)
        tang = v @ T[i]
        normal = np.sqrt(np.maximum(n2 - tang**2, 0.0))
        ok = normal > 0
        best = min(best, float(np.min(n2[ok] / (2 * normal[ok]))))
    return best
