"""Numba cores of the manifold projections (arrays in, preallocated ``out`` filled).

Curves (``_project_curve``): a global search on a grid of the parameter t (the whole circle for
the ellipse, a window around the polar angle for the Holder curve), then safeguarded Newton
(``rtsafe``: Newton on f(t) = <Phi(t) - y, Phi'(t)>, with bisection whenever Newton leaves the
bracket where f goes from - to +). Graphs over the flat torus (``_project_graph``): Newton on
F(u) = |Phi(u) - y|^2 / 2 from the projection onto the flat torus, with Levenberg damping when the
Hessian is not positive definite and backtracking on F for large steps. Each kernel has a plain
NumPy twin in tests/naive_manifolds.py.

Curve kinds: 0 = ellipse (a cos t, b sin t), 1 = radial curve r(t) (cos t, sin t) with
r = 1 + eps sum_j amp_j cos(freq_j t + phase_j).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._config import FASTMATH, NUMBA_CACHE

_MAX_IT = 100
_STEP_TOL = 1e-13


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _curve_eval(kind, t, a, b, eps, amp, freq, phase, out):
    """Fill out (3, 2) with Phi(t), Phi'(t), Phi''(t)."""
    c = math.cos(t)
    s = math.sin(t)
    if kind == 0:
        out[0, 0] = a * c
        out[0, 1] = b * s
        out[1, 0] = -a * s
        out[1, 1] = b * c
        out[2, 0] = -a * c
        out[2, 1] = -b * s
        return
    g = 0.0
    g1 = 0.0
    g2 = 0.0
    for j in range(amp.shape[0]):
        arg = freq[j] * t + phase[j]
        cj = math.cos(arg)
        sj = math.sin(arg)
        g += amp[j] * cj
        g1 -= amp[j] * freq[j] * sj
        g2 -= amp[j] * freq[j] * freq[j] * cj
    r = 1.0 + eps * g
    r1 = eps * g1
    r2 = eps * g2
    out[0, 0] = r * c
    out[0, 1] = r * s
    out[1, 0] = r1 * c - r * s
    out[1, 1] = r1 * s + r * c
    out[2, 0] = r2 * c - 2.0 * r1 * s - r * c
    out[2, 1] = r2 * s + 2.0 * r1 * c - r * s


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _curve_sqdist(kind, t, y0, y1, a, b, eps, amp, freq, phase):
    """|Phi(t) - y|^2 (the grid search needs no derivatives)."""
    c = math.cos(t)
    s = math.sin(t)
    if kind == 0:
        return (a * c - y0) ** 2 + (b * s - y1) ** 2
    r = 1.0
    for j in range(amp.shape[0]):
        r += eps * amp[j] * math.cos(freq[j] * t + phase[j])
    return (r * c - y0) ** 2 + (r * s - y1) ** 2


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _curve_f(kind, t, y0, y1, a, b, eps, amp, freq, phase, buf):
    """f(t) = <Phi - y, Phi'> and f'(t) = |Phi'|^2 + <Phi - y, Phi''>; also |Phi - y|^2."""
    _curve_eval(kind, t, a, b, eps, amp, freq, phase, buf)
    d0 = buf[0, 0] - y0
    d1 = buf[0, 1] - y1
    f = d0 * buf[1, 0] + d1 * buf[1, 1]
    fp = buf[1, 0] ** 2 + buf[1, 1] ** 2 + d0 * buf[2, 0] + d1 * buf[2, 1]
    return f, fp, d0 * d0 + d1 * d1


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _project_curve(y, kind, a, b, eps, amp, freq, phase, polar_center, half_width, n_grid, out):
    """Nearest-point parameter t in [0, 2 pi) of each row of y (n, 2), written to out (n,).

    Grid t_i = c + half_width (2 i / n_grid - 1), i = 0..n_grid, with c = atan2(y1, y0) when
    polar_center else 0; the best grid point is bracketed by its neighbours (widened until f
    changes sign from - to +) and refined by rtsafe to a step below 1e-13.
    """
    two_pi = 2.0 * math.pi
    buf = np.empty((3, 2))
    h = 2.0 * half_width / n_grid
    # a fixed grid (no polar centre) is tabulated once
    gx = np.empty(n_grid + 1)
    gy = np.empty(n_grid + 1)
    if not polar_center:
        for i in range(n_grid + 1):
            _curve_eval(
                kind, half_width * (2.0 * i / n_grid - 1.0), a, b, eps, amp, freq, phase, buf
            )
            gx[i] = buf[0, 0]
            gy[i] = buf[0, 1]
    for p in range(y.shape[0]):
        y0 = y[p, 0]
        y1 = y[p, 1]
        c = math.atan2(y1, y0) if polar_center else 0.0
        best = 0.0
        best_d = np.inf
        for i in range(n_grid + 1):
            t = c + half_width * (2.0 * i / n_grid - 1.0)
            if polar_center:
                dd = _curve_sqdist(kind, t, y0, y1, a, b, eps, amp, freq, phase)
            else:
                dd = (gx[i] - y0) ** 2 + (gy[i] - y1) ** 2
            if dd < best_d:
                best_d = dd
                best = t
        lo = best - h
        hi = best + h
        flo = _curve_f(kind, lo, y0, y1, a, b, eps, amp, freq, phase, buf)[0]
        it = 0
        while flo > 0.0 and it < 4 * n_grid:
            lo -= h
            flo = _curve_f(kind, lo, y0, y1, a, b, eps, amp, freq, phase, buf)[0]
            it += 1
        fhi = _curve_f(kind, hi, y0, y1, a, b, eps, amp, freq, phase, buf)[0]
        it = 0
        while fhi < 0.0 and it < 4 * n_grid:
            hi += h
            fhi = _curve_f(kind, hi, y0, y1, a, b, eps, amp, freq, phase, buf)[0]
            it += 1
        t = best
        if t <= lo or t >= hi:
            t = 0.5 * (lo + hi)
        for _ in range(_MAX_IT):
            f, fp, _dd = _curve_f(kind, t, y0, y1, a, b, eps, amp, freq, phase, buf)
            if f == 0.0:
                break
            if f < 0.0:
                lo = t
            else:
                hi = t
            if fp > 0.0 and abs(f) < _STEP_TOL * fp:
                t -= f / fp  # converged: the last Newton step is below the tolerance
                break
            tn = t - f / fp if fp > 0.0 else 0.5 * (lo + hi)
            if not (lo < tn < hi):
                tn = 0.5 * (lo + hi)
            t = tn
            if hi - lo < _STEP_TOL:
                break
        t = t % two_pi
        if t >= two_pi:
            t = 0.0
        out[p] = t


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _series(u, amp, wave, phase, order, grad, hess):
    """g(u) = sum_j amp_j cos(<wave_j, u> + phase_j); fills grad (k,) if order >= 1 and
    hess (k, k) if order >= 2."""
    k = u.shape[0]
    g = 0.0
    if order >= 1:
        for i in range(k):
            grad[i] = 0.0
    if order >= 2:
        for i in range(k):
            for m in range(k):
                hess[i, m] = 0.0
    for j in range(amp.shape[0]):
        arg = phase[j]
        for i in range(k):
            arg += wave[j, i] * u[i]
        cj = math.cos(arg)
        g += amp[j] * cj
        if order >= 1:
            sj = math.sin(arg)
            for i in range(k):
                grad[i] -= amp[j] * sj * wave[j, i]
        if order >= 2:
            for i in range(k):
                for m in range(k):
                    hess[i, m] -= amp[j] * cj * wave[j, i] * wave[j, m]
    return g


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _graph_objective(u, alpha, rho, yz, eps, amp, wave, phase, grad, hess):
    """F(u) = |Phi(u) - y|^2 / 2 for the graph Phi(u) = (e(u_1), ..., e(u_k), eps g(u)), with
    |e(u_i) - y_i|^2 = (1 - rho_i)^2 + 4 rho_i sin^2((u_i - alpha_i) / 2) (no cancellation)."""
    k = u.shape[0]
    g = _series(u, amp, wave, phase, 0, grad, hess)
    z = eps * g - yz
    F = 0.5 * z * z
    for i in range(k):
        sh = math.sin(0.5 * (u[i] - alpha[i]))
        F += 0.5 * ((1.0 - rho[i]) ** 2 + 4.0 * rho[i] * sh * sh)
    return F


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _cholesky_solve(H, rhs, L, out):
    """Solve H out = rhs by Cholesky; return False if H is not positive definite."""
    k = H.shape[0]
    for i in range(k):
        for m in range(i + 1):
            s = H[i, m]
            for q in range(m):
                s -= L[i, q] * L[m, q]
            if i == m:
                if s <= 0.0:
                    return False
                L[i, i] = math.sqrt(s)
            else:
                L[i, m] = s / L[m, m]
    for i in range(k):
        s = rhs[i]
        for q in range(i):
            s -= L[i, q] * out[q]
        out[i] = s / L[i, i]
    for i in range(k - 1, -1, -1):
        s = out[i]
        for q in range(i + 1, k):
            s -= L[q, i] * out[q]
        out[i] = s / L[i, i]
    return True


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _project_graph(y, eps, amp, wave, phase, out):
    """Nearest-point coordinates u in [0, 2 pi)^k for rows of y (n, 2k + 1), written to out (n, k).

    Start: u_i = polar angle of (y_(2i), y_(2i+1)) (projection onto the flat torus). Newton on F
    with gradient G_i = rho_i sin(u_i - alpha_i) + z eps d_i g and Hessian
    H = diag(rho_i cos(u_i - alpha_i)) + eps^2 grad g grad g^T + z eps hess g, z = eps g - y_z;
    Levenberg shift when H is not positive definite; backtracking on F for steps above 1e-6.
    """
    two_pi = 2.0 * math.pi
    k = out.shape[1]
    u = np.empty(k)
    un = np.empty(k)
    alpha = np.empty(k)
    rho = np.empty(k)
    grad = np.empty(k)
    G = np.empty(k)
    s = np.empty(k)
    hess = np.empty((k, k))
    H = np.empty((k, k))
    Hs = np.empty((k, k))
    L = np.empty((k, k))
    for p in range(y.shape[0]):
        for i in range(k):
            alpha[i] = math.atan2(y[p, 2 * i + 1], y[p, 2 * i])
            rho[i] = math.hypot(y[p, 2 * i], y[p, 2 * i + 1])
            u[i] = alpha[i]
        yz = y[p, 2 * k]
        for _ in range(_MAX_IT):
            g = _series(u, amp, wave, phase, 2, grad, hess)
            z = eps * g - yz
            for i in range(k):
                G[i] = rho[i] * math.sin(u[i] - alpha[i]) + z * eps * grad[i]
                for m in range(k):
                    H[i, m] = eps * eps * grad[i] * grad[m] + z * eps * hess[i, m]
                H[i, i] += rho[i] * math.cos(u[i] - alpha[i])
            for i in range(k):
                G[i] = -G[i]
            mu = 0.0
            for _try in range(60):
                for i in range(k):
                    for m in range(k):
                        Hs[i, m] = H[i, m]
                    Hs[i, i] += mu
                if _cholesky_solve(Hs, G, L, s):
                    break
                mu = 1e-8 if mu == 0.0 else 4.0 * mu
            smax = 0.0
            for i in range(k):
                smax = max(smax, abs(s[i]))
            if smax > 1e-6:
                F0 = _graph_objective(u, alpha, rho, yz, eps, amp, wave, phase, grad, hess)
                slope = 0.0
                for i in range(k):
                    slope -= G[i] * s[i]  # G holds -grad F
                lam = 1.0
                for _ls in range(40):
                    for i in range(k):
                        un[i] = u[i] + lam * s[i]
                    F1 = _graph_objective(un, alpha, rho, yz, eps, amp, wave, phase, grad, hess)
                    if F1 <= F0 + 1e-4 * lam * slope:
                        break
                    lam *= 0.5
                for i in range(k):
                    u[i] = un[i]
                smax *= lam
            else:
                for i in range(k):
                    u[i] += s[i]
            if smax < _STEP_TOL:
                break
        for i in range(k):
            t = u[i] % two_pi
            out[p, i] = 0.0 if t >= two_pi else t
