"""Normalizing constants of densities on manifolds: the quadrature machinery.

All densities in ratesim are densities w.r.t. the Riemannian volume (docs/measurement.md, trap 5),
so their normalizing constants are integrals against the volume element J(u) = sqrt(det g(u)) of
the chart:

    Z = int_M f dvol = int_[0, 2 pi)^k f(u) J(u) du          (angle-coordinate manifolds)

Three situations are handled here.

* The volume element is constant (circle, flat torus): closed forms, any k.
* Smooth densities on k <= 2 manifolds with a non-constant volume element: the manifold's own
  ``quadrature(n)`` (periodic trapezoid rule), n = 65, 131, 263, ... until two successive values
  agree to ``TOL``.
* Densities that depend on the first angle theta = manifold.angle(u) only (Holder cusps,
  piecewise-constant jumps), with the *angular marginal of the volume* m(theta) = int J(theta, v)
  dv: by Parseval, Z = int f m d theta = 2 pi sum_xi c_xi(f) c_{-xi}(m), with the Fourier
  coefficients c_xi(f) of the density in closed form (they decay only algebraically because of
  the cusps and jumps) and those of m from an FFT of m on N equispaced angles (m is smooth, so
  they decay fast). Quadrature rules applied directly to a cusp converge only like N^-(1+s); this
  sum converges as fast as c_xi(m). On spheres m(theta) = vol(S^k) / (2 pi) (rotation invariance).

Odd N on purpose: the Holder families carry lacunary frequencies 2^j, which the trapezoid rule
with N = 2^m nodes aliases exactly onto frequency 0 (an error of the size of their amplitude); an
odd N integrates every pure frequency 2^j exactly.

Constants are cached per manifold in a ``WeakKeyDictionary`` (the cache dies with the manifold and
is never pickled); the cache is a convenience, never a correctness assumption: every entry is a
pure function of (manifold, density parameters).
"""

from __future__ import annotations

import warnings
import weakref

import numpy as np

from ..manifolds import Manifold, Sphere

TOL = 1e-11
"""Stopping rule of the adaptive quadratures: relative change between two successive node counts
(N -> 2N + 1). The reported relative error bound is 1e-10 (measured on the Holder families, whose
aliasing floor is ~1e-11; smooth manifolds reach ~1e-15)."""

WARN_TOL = 1e-7
"""A RuntimeWarning is issued when the node cap is reached with a last relative change above this.
Below it the constant is used silently: reached on the beta ~ 2.5 Holder graphs at large eps for
densities with jumps, whose Fourier series converge like xi^-1 against the lacunary spectrum of
the volume element (relative error ~1e-8 at eps = 0.5, proportional to eps^2)."""

_N0 = 65
_MAX_NODES = {1: 2**22, 2: 2**21}  # cap on nodes (k = 1: N; k = 2: N^2)
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached(manifold, key, compute):
    """Return ``compute()``, memoized per manifold under ``key`` (a hashable parameter tuple)."""
    try:
        store = _CACHE.setdefault(manifold, {})
    except TypeError:  # manifold not hashable or not weak-referenceable: no cache
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def describe(obj) -> str:
    """repr() that never fails (used in error messages)."""
    try:
        return repr(obj)
    except Exception:  # pragma: no cover - defensive, a broken __repr__ must not hide the error
        return f"<{type(obj).__name__}>"


def require_manifold(density, manifold) -> None:
    """ValueError unless ``manifold`` is a ratesim Manifold."""
    if not isinstance(manifold, Manifold):
        raise ValueError(
            f"{describe(density)} is defined on ratesim manifolds; got {describe(manifold)} "
            f"of type {type(manifold).__name__}"
        )


def is_angle_manifold(manifold) -> bool:
    """True for manifolds whose k coordinates are angles in [0, 2 pi)^k (all but spheres)."""
    return (
        isinstance(manifold, Manifold)
        and not isinstance(manifold, Sphere)
        and manifold.coord_dim == manifold.k
    )


def constant_volume_element(manifold) -> float | None:
    """The constant value c of J(u) on an angle-coordinate manifold, or None if J varies.

    J is evaluated on a tensor grid (k <= 2) or 256 seeded random points (k > 2) with irrational
    offsets, and c is accepted only if J is constant there to 1e-12 *and* the volume equals
    c (2 pi)^k to 1e-10: both hold for the flat torus, neither for a curved family. This detection
    only chooses between a closed form and quadrature; for k <= 2 the tests check that both agree.
    """

    def compute():
        k = manifold.k
        if k <= 2:
            t = 2 * np.pi * (np.arange(16) + np.sqrt(2) - 1) / 16
            grids = np.meshgrid(*([t] * k), indexing="ij")
            u = np.stack([g.ravel() for g in grids], axis=1)
        else:
            u = np.random.default_rng(20260101).uniform(0, 2 * np.pi, size=(256, k))
        J = manifold.volume_element(u)
        c = float(np.median(J))
        if not np.all(np.abs(J - c) <= 1e-12 * c):
            return None
        if abs(manifold.volume - c * (2 * np.pi) ** k) > 1e-10 * manifold.volume:
            return None
        return c

    return cached(manifold, ("constant_volume_element",), compute)


def volume_element_range(manifold) -> tuple[float, float]:
    """(J_min, J_max) of the volume element on a fine grid, widened by 5 %.

    A *grid* estimate, not a certificate: callers that use J_max as a rejection bound check every
    proposal against it and restart with a larger bound if it is ever exceeded (still exact).
    """

    def compute():
        c = constant_volume_element(manifold)
        if c is not None:
            return (c, c)
        n = 4096 if manifold.k == 1 else 512
        u, _ = _trapezoid_nodes(manifold.k, n)
        J = manifold.volume_element(u)
        return (float(J.min()) / 1.05, float(J.max()) * 1.05)

    return cached(manifold, ("volume_element_range",), compute)


def _trapezoid_nodes(k: int, n: int) -> tuple[np.ndarray, float]:
    t = 2 * np.pi * np.arange(n) / n
    grids = np.meshgrid(*([t] * k), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1), (2 * np.pi / n) ** k


def _next_n(n: int) -> int:
    return 2 * n + 1


def log_integral_smooth(manifold, log_f, what: str) -> float:
    """log int_M exp(log_f(u)) dvol for a smooth periodic log_f on a k <= 2 manifold.

    Uses ``manifold.quadrature(n)`` with odd n = 65, 131, 263, ... until two successive values
    agree to ``TOL`` (relative); log-sum-exp avoids overflow at large concentration.
    """
    if manifold.k > 2:
        raise ValueError(
            f"{what} on {describe(manifold)} needs a quadrature in k = {manifold.k} > 2 "
            "dimensions; only densities that factorize over a constant volume element are "
            "available for k > 2"
        )
    cap = _MAX_NODES[manifold.k]
    prev = None
    n = _N0
    while True:
        u, w = manifold.quadrature(n)
        lf = log_f(u)
        top = float(np.max(lf))
        val = top + float(np.log(np.sum(w * np.exp(lf - top))))
        if prev is not None and abs(val - prev) <= TOL:
            return val
        if _next_n(n) ** manifold.k > cap:
            if abs(val - prev) <= WARN_TOL:
                return val
            warnings.warn(
                f"normalizing constant of {what} on {describe(manifold)} did not converge "
                f"(last relative change {abs(val - prev):.1e} at n = {n})",
                RuntimeWarning,
                stacklevel=3,
            )
            return val
        prev = val
        n = _next_n(n)


def angle_marginal(manifold, theta: np.ndarray, n_v: int) -> np.ndarray:
    """m(theta) = int J(theta, v) dv: the volume per unit of the first angle.

    Sphere: vol(S^k) / (2 pi) (rotation invariance about the (u_0, u_1)-plane). Angle manifolds:
    J itself (k = 1), the periodic trapezoid rule with n_v nodes in the second angle (k = 2), or
    c (2 pi)^(k-1) when the volume element is a constant c.
    """
    theta = np.asarray(theta, dtype=float)
    if isinstance(manifold, Sphere):
        return np.full(theta.shape, manifold.volume / (2 * np.pi))
    k = manifold.k
    c = constant_volume_element(manifold)
    if c is not None:
        return np.full(theta.shape, c * (2 * np.pi) ** (k - 1))
    th = np.mod(theta, 2 * np.pi)
    if k == 1:
        return manifold.volume_element(th[:, None])
    if k == 2:
        v = 2 * np.pi * np.arange(n_v) / n_v
        out = np.empty(th.size)
        step = max(1, 2**18 // n_v)  # chunks of at most 2^18 volume-element evaluations
        for i in range(0, th.size, step):
            t = th[i : i + step]
            u = np.stack([np.repeat(t, n_v), np.tile(v, t.size)], axis=1)
            J = manifold.volume_element(u).reshape(t.size, n_v)
            out[i : i + step] = J.sum(axis=1) * (2 * np.pi / n_v)
        return out.reshape(theta.shape)
    raise ValueError(
        f"the angular marginal of the volume of {describe(manifold)} needs a "
        f"{k - 1}-dimensional quadrature (k = {k} > 2 with a non-constant volume element)"
    )


def marginal_is_constant(manifold) -> bool:
    """True when m(theta) is constant (spheres and constant volume elements)."""
    return isinstance(manifold, Sphere) or constant_volume_element(manifold) is not None


def angular_fourier_integral(manifold, coefficients, what: str) -> float:
    """Z = int_0^{2 pi} f(theta) m(theta) d theta for a real f given by its Fourier coefficients.

    ``coefficients(xi)`` returns c_xi(f) = (1 / 2 pi) int f(theta) e^{-i xi theta} d theta for the
    integers xi = 0, 1, ..., K (complex array). Then

        Z = 2 pi [c_0(f) c_0(m) + 2 Re sum_{xi=1}^{K} c_xi(f) conj(c_xi(m))],

    with c_xi(m) from the FFT of m at N (odd) equispaced angles, K = (N - 1) / 2, N = 65, 131, ...
    until two successive values agree to ``TOL``. Constant m: Z = 2 pi c_0(f) m exactly.
    """
    if marginal_is_constant(manifold):
        m0 = float(angle_marginal(manifold, np.zeros(1), 0)[0])
        return float(2 * np.pi * np.real(coefficients(np.zeros(1, dtype=int))[0]) * m0)
    cap = _MAX_NODES[min(manifold.k, 2)]
    prev = None
    n = _N0
    while True:
        theta = 2 * np.pi * np.arange(n) / n
        m_hat = np.fft.rfft(angle_marginal(manifold, theta, n)) / n
        c = coefficients(np.arange(m_hat.size))
        total = float(
            2 * np.pi * (np.real(c[0] * m_hat[0]) + 2 * np.sum(np.real(c[1:] * np.conj(m_hat[1:]))))
        )
        if prev is not None and abs(total - prev) <= TOL * abs(total):
            return total
        if _next_n(n) ** min(manifold.k, 2) > cap:
            if abs(total - prev) <= WARN_TOL * abs(total):
                return total
            warnings.warn(
                f"normalizing constant of {what} on {describe(manifold)} did not converge "
                f"(last relative change {abs(total - prev) / abs(total):.1e} at N = {n})",
                RuntimeWarning,
                stacklevel=3,
            )
            return total
        prev = total
        n = _next_n(n)
