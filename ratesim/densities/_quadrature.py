"""Normalizing constants of densities on manifolds: the quadrature machinery.

All densities in ratesim are densities w.r.t. the Riemannian volume (SCIENCE.md, P2 trap), so their
normalizing constants are integrals against the volume element J(u) = sqrt(det g(u)) of the chart:

    Z = int_M f dvol = int_[0, 2 pi)^k f(u) J(u) du          (angle-coordinate manifolds)

Three situations are handled here.

* The volume element is constant (circle, flat torus): closed forms, any k.
* Densities that depend on the first angle theta = manifold.angle(u) only (Holder cusps,
  piecewise-constant jumps): Z = int_0^{2 pi} f(theta) m(theta) d theta with the *angular marginal
  of the volume* m(theta) = int J(theta, v) dv (k = 2: periodic trapezoid rule in v, spectrally
  accurate). The theta-integral uses composite Gauss rules whose panels end at the density's
  non-smooth points; the panels touching a cusp |theta - a|^s use Gauss-Jacobi rules with that
  weight, so the rule is exact for the singular factor and spectrally accurate for the rest.
  On spheres m(theta) = vol(S^k) / (2 pi) by rotational symmetry.
* Smooth densities on k <= 2 manifolds with a non-constant volume element: the manifold's own
  ``quadrature(n)`` (periodic trapezoid rule), with n doubled until the relative change is below
  ``TOL``.

Constants are cached per manifold in a ``WeakKeyDictionary`` (the cache dies with the manifold and
is never pickled); the cache is a convenience, never a correctness assumption: every entry is a
pure function of (manifold, density parameters).
"""

from __future__ import annotations

import warnings
import weakref
from functools import lru_cache

import numpy as np
from scipy.special import roots_jacobi

from ..manifolds import Manifold, Sphere

TOL = 1e-12
"""Target relative accuracy of the adaptive quadratures (successive-doubling estimate)."""

_GAUSS_NODES = 20
_MAX_EVALS = 2**23  # cap on volume-element evaluations of one adaptive level
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


def log_integral_smooth(manifold, log_f, what: str) -> float:
    """log int_M exp(log_f(u)) dvol for a smooth periodic log_f on a k <= 2 manifold.

    Uses ``manifold.quadrature(n)`` with n = 64, 128, ... until two successive values agree to
    ``TOL`` (relative); log-sum-exp avoids overflow at large concentration.
    """
    if manifold.k > 2:
        raise ValueError(
            f"{what} on {describe(manifold)} needs a quadrature in k = {manifold.k} > 2 "
            "dimensions; only densities that factorize over a constant volume element are "
            "available for k > 2"
        )
    cap = 2**20 if manifold.k == 1 else 2**10
    prev = None
    n = 64
    while True:
        u, w = manifold.quadrature(n)
        lf = log_f(u)
        top = float(np.max(lf))
        val = top + float(np.log(np.sum(w * np.exp(lf - top))))
        if prev is not None and abs(val - prev) <= TOL:
            return val
        if n >= cap:
            warnings.warn(
                f"normalizing constant of {what} on {describe(manifold)} did not converge "
                f"(last relative change {abs(val - prev):.1e} at n = {n})",
                RuntimeWarning,
                stacklevel=3,
            )
            return val
        prev = val
        n *= 2


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


@lru_cache(maxsize=64)
def _jacobi(q: int, alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    x, w = roots_jacobi(q, alpha, beta)
    return x, w


def panel_rule(a: float, b: float, panels: int, s_left: float, s_right: float):
    """Nodes and weights of a composite Gauss rule on [a, b] for the weight
    (theta - a)^s_left (b - theta)^s_right.

    ``panels`` >= 2 equal panels of ``_GAUSS_NODES`` nodes; the first (last) panel uses the
    Gauss-Jacobi rule of the singular end factor, the other factor being smooth there. Exact for
    the weight times polynomials of degree < 2 * _GAUSS_NODES on every panel.
    """
    q = _GAUSS_NODES
    edges = np.linspace(a, b, panels + 1)
    xs, ws = [], []
    xg, wg = _jacobi(q, 0.0, 0.0)
    for i in range(panels):
        lo, hi = edges[i], edges[i + 1]
        h = hi - lo
        if i == 0 and s_left > 0:
            x, w = _jacobi(q, 0.0, float(s_left))
            th = lo + 0.5 * h * (1 + x)
            wt = w * (0.5 * h) ** (s_left + 1) * (b - th) ** s_right
        elif i == panels - 1 and s_right > 0:
            x, w = _jacobi(q, float(s_right), 0.0)
            th = lo + 0.5 * h * (1 + x)
            wt = w * (0.5 * h) ** (s_right + 1) * (th - a) ** s_left
        else:
            th = lo + 0.5 * h * (1 + xg)
            wt = wg * 0.5 * h * (th - a) ** s_left * (b - th) ** s_right
        xs.append(th)
        ws.append(wt)
    return np.concatenate(xs), np.concatenate(ws)


def marginal_nodes(manifold) -> int:
    """Number n_v of trapezoid nodes in the second angle that resolves m(theta) to ``TOL``.

    Found by doubling n_v = 32, 64, ... until m agrees on 64 test angles (relative); 0 when the
    marginal needs no quadrature (k = 1, spheres, constant volume element).
    """

    def compute():
        if marginal_is_constant(manifold) or manifold.k == 1:
            return 0
        theta = 2 * np.pi * (np.arange(64) + 0.5 * (np.sqrt(5) - 1)) / 64
        n_v = 32
        prev = angle_marginal(manifold, theta, n_v)
        while True:
            n_v *= 2
            cur = angle_marginal(manifold, theta, n_v)
            change = float(np.max(np.abs(cur - prev) / np.abs(cur)))
            if change <= TOL:
                return n_v
            if n_v * theta.size >= _MAX_EVALS // 4:
                warnings.warn(
                    f"the angular marginal of the volume of {describe(manifold)} did not "
                    f"converge (last relative change {change:.1e} at n_v = {n_v})",
                    RuntimeWarning,
                    stacklevel=4,
                )
                return n_v
            prev = cur

    return cached(manifold, ("marginal_nodes",), compute)


def angular_integral(manifold, segments, what: str) -> float:
    """sum over segments (a, b, s_left, s_right, F) of
    int_a^b (theta - a)^s_left (b - theta)^s_right F(theta) m(theta) d theta.

    F must be smooth on [a, b] (None means F = 1). The number of panels is doubled until two
    successive values agree to ``TOL`` (relative); the finer value is returned. For k = 2 the
    marginal m uses ``marginal_nodes(manifold)`` trapezoid nodes.
    """
    n_v = marginal_nodes(manifold)
    per_theta = 1 if n_v == 0 else n_v
    panels = 2
    prev = None
    while True:
        total = 0.0
        n_theta = 0
        for a, b, sl, sr, F in segments:
            th, wt = panel_rule(a, b, panels, sl, sr)
            vals = wt if F is None else wt * F(th)
            total += float(np.sum(vals * angle_marginal(manifold, th, n_v)))
            n_theta += th.size
        if prev is not None and abs(total - prev) <= TOL * abs(total):
            return total
        if 2 * n_theta * per_theta > _MAX_EVALS:
            warnings.warn(
                f"normalizing constant of {what} on {describe(manifold)} did not converge "
                f"(last relative change {abs(total - prev) / abs(total):.1e})",
                RuntimeWarning,
                stacklevel=3,
            )
            return total
        prev = total
        panels *= 2
