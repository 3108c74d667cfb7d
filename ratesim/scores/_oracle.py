"""The population score of a known manifold and density (the reference every estimator is
measured against)."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.special import gammaln, ive

from .._validation import RNGLike, as_generator, as_points, check_in_range, check_int
from ._base import ScoreEstimator
from ._engine import gauss_lse, gauss_mean, make_index

_METHODS = ("auto", "closed_form", "quadrature", "reference")
_PROBE = 64
_N_GRIDS = 2  # quadrature grids kept (a k = 2 grid can hold millions of nodes)
_SMALL_Z = 1e-4


def _asym_series(nu: float, z: np.ndarray, n_terms: int = 14) -> np.ndarray:
    """sqrt(2 pi z) I_nu(z) e^(-z) = sum_k (-1)^k a_k(nu) / z^k (Abramowitz-Stegun 9.7.1), used
    for z >= _asym_threshold(nu), where each term is at most (4 nu^2 / 8z)^k / k! <= 0.0125^k / k!:
    14 terms reach rounding. scipy's ``ive`` loses accuracy above z ~ 1e7 and is NaN above ~4e9."""
    mu = 4.0 * nu * nu
    term = np.ones_like(z)
    out = np.ones_like(z)
    for k in range(1, n_terms + 1):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * z)
        out = out + term
    return out


def _asym_threshold(nu: float) -> float:
    return max(1e4, 10.0 * 4.0 * nu * nu)


def _log_ive(nu: float, z: np.ndarray) -> np.ndarray:
    """log(I_nu(z) e^(-z)) for z > 0: scipy ``ive`` below the threshold, the asymptotic series
    above it."""
    out = np.empty_like(z)
    big = z >= _asym_threshold(nu)
    out[~big] = np.log(ive(nu, z[~big]))
    zb = z[big]
    out[big] = np.log(_asym_series(nu, zb)) - 0.5 * np.log(2 * np.pi * zb)
    return out


def _log_sphere_mgf(m: int, z: np.ndarray) -> np.ndarray:
    """log int_{S^(m-1)} exp(<v, u>) du for |v| = z: log((2 pi)^(m/2) I_nu(z) / z^nu), nu = m/2 - 1
    (1 / C_m(z), docs/science.md), with scaled Bessel functions and a series for z < 1e-4."""
    nu = 0.5 * m - 1.0
    out = np.empty_like(z)
    small = z < _SMALL_Z
    zs = z[~small]
    out[~small] = 0.5 * m * np.log(2 * np.pi) + _log_ive(nu, zs) + zs - nu * np.log(zs)
    z2 = z[small] ** 2
    out[small] = (
        0.5 * m * np.log(2 * np.pi)
        - nu * np.log(2.0)
        - gammaln(nu + 1.0)
        + np.log1p(z2 / (4 * (nu + 1)) + z2**2 / (32 * (nu + 1) * (nu + 2)))
    )
    return out


def _bessel_ratio_over_z(m: int, z: np.ndarray) -> np.ndarray:
    """(I_(m/2) / I_(m/2-1))(z) / z, with its series 1/m (1 - z^2 / (m (m + 2))) for z < 1e-4 and
    the ratio of the asymptotic series for large z."""
    nu = 0.5 * m - 1.0
    out = np.empty_like(z)
    small = z < _SMALL_Z
    big = z >= _asym_threshold(nu + 1.0)
    mid = ~small & ~big
    zs = z[mid]
    out[mid] = ive(nu + 1.0, zs) / ive(nu, zs) / zs
    zb = z[big]
    out[big] = _asym_series(nu + 1.0, zb) / _asym_series(nu, zb) / zb
    out[small] = (1.0 - z[small] ** 2 / (m * (m + 2))) / m
    return out


def exponential_family_params(manifold, density, rtol: float = 1e-9):
    """The natural parameters of a log-linear density on a sphere, if it is one.

    A density on the sphere S^(m-1) is log-linear in the native unit vector u when
    log p(u) = log c0 + <a, u> (von Mises, von Mises-Fisher with a = kappa mu, uniform with
    a = 0). The parameters are read off ``log_pdf`` at +-e_j and verified at 16 further fixed
    points (a deterministic check, no randomness).

    Parameters
    ----------
    manifold : Manifold
        Anything; only a :class:`ratesim.manifolds.Sphere` can qualify.
    density : Density
        The density w.r.t. the volume of ``manifold``.
    rtol : float
        Relative tolerance of the verification.

    Returns
    -------
    tuple of ((m,) array, float) or None
        (a, log c0), or None when ``manifold`` is not a sphere or ``density`` is not log-linear.
    """
    from ..manifolds._sphere import Sphere

    if not isinstance(manifold, Sphere):
        return None
    m = manifold.k + 1
    eye = np.eye(m)
    lp = np.asarray(density.log_pdf(manifold, np.concatenate([eye, -eye])), dtype=float)
    if not np.all(np.isfinite(lp)):
        return None
    a = 0.5 * (lp[:m] - lp[m:])
    log_c0 = float(np.mean(0.5 * (lp[:m] + lp[m:])))
    g = np.random.default_rng(12345).standard_normal((16, m))
    u = g / np.linalg.norm(g, axis=1, keepdims=True)
    lpu = np.asarray(density.log_pdf(manifold, u), dtype=float)
    pred = log_c0 + u @ a
    if not np.all(np.abs(lpu - pred) <= rtol * (1.0 + np.abs(log_c0) + np.linalg.norm(a))):
        return None
    return a, log_c0


class OracleScore(ScoreEstimator):
    """Population score s = grad log p_sigma, mu = density x vol_M, p_sigma = mu * N(0, sigma^2 I).

    Three evaluation methods (``method_`` after ``fit``):

    ``closed_form``  spheres S^(m-1) (the circle is m = 2) with a log-linear density, i.e. von
        Mises / von Mises-Fisher(kappa, mu) or uniform (detected from ``density.log_pdf``): with
        v = y / sigma^2 + kappa mu (y the native coordinates of x),
        p_sigma(y) = (2 pi sigma^2)^(-m/2) exp(-(|y|^2 + 1)/(2 sigma^2)) C_m(kappa) / C_m(|v|) and
        s(y) = -y/sigma^2 + (I_(m/2)/I_(m/2-1))(|v|) v / (|v| sigma^2) (docs/science.md, exact
        references; scaled Bessel functions ``scipy.special.ive``). The d - m flat directions of
        the random isometry contribute N(0, sigma^2) factors (score -x_perp / sigma^2).
    ``quadrature``  any manifold with k <= 2: log p_sigma(x) = log sum_j p(u_j) w_j
        N(x; Phi(u_j), sigma^2 I) over ``manifold.quadrature(n)`` (log-sum-exp, kernel engine) and
        s(x) = (E[Phi(u) | x] - x) / sigma^2 (P2, proof of Thm 3.1). The grid
        must be much finer than sigma: n is chosen per call so that the largest spacing between
        neighbouring nodes in R^d is at most sigma / ``grid_ratio`` (the periodic trapezoid rule on
        a Gaussian of width sigma then errs by about exp(-2 pi^2 grid_ratio^2), and the grid
        resolves queries up to a distance ~ grid_ratio^2 reach of M); when that needs more than
        ``max_nodes`` nodes the call is refused with a ValueError. A fixed ``n_quad`` that is too
        coarse gives a RuntimeWarning.
    ``reference``  otherwise (k > 2, or no quadrature): the exact score of mu_R * N(0, sigma^2 I)
        for a reference sample of size ``n_reference`` drawn in ``fit``; ``approximate_ = True``
        (it memorizes below the reference spacing R^(-1/k)).

    Parameters
    ----------
    manifold : ratesim.manifolds.Manifold
        The manifold M of the data law.
    density : ratesim.densities.Density or None
        Its density w.r.t. the volume of M (None: uniform).
    method : {"auto", "closed_form", "quadrature", "reference"}
        Evaluation method (``"auto"``: the first of the three that applies).
    n_quad : int or None
        Nodes per coordinate of the quadrature; None chooses it from sigma.
    grid_ratio : float >= 1
        Required sigma / node spacing.
    max_nodes : int
        Largest quadrature grid accepted.
    n_reference : int
        Size of the reference sample (``reference`` method).
    rng : numpy Generator, SeedSequence or int seed
        Source of the reference sample (required; drawn in ``fit``, used by the ``reference``
        method only: the closed-form and quadrature oracles draw nothing).

    Attributes
    ----------
    method_ : str
        The method used.
    approximate_ : bool
        True for the ``reference`` method (a Monte-Carlo reference, not the exact score).
    density_ : Density
        The density (``Uniform()`` when None was given).
    n_features_in_ : int
        The ambient dimension ``manifold.d``.
    reference_ : (n_reference, d) array
        The reference sample (``reference`` method only).
    """

    def __init__(
        self,
        manifold=None,
        density=None,
        method: str = "auto",
        n_quad: int | None = None,
        grid_ratio: float = 4.0,
        max_nodes: int = 4_000_000,
        n_reference: int = 200_000,
        *,
        rng: RNGLike,
    ):
        self.manifold = manifold
        self.density = density
        self.method = method
        self.n_quad = n_quad
        self.grid_ratio = grid_ratio
        self.max_nodes = max_nodes
        self.n_reference = n_reference
        self.rng = rng

    # ----- fit ---------------------------------------------------------------------------------
    def fit(self, X=None) -> OracleScore:
        """Choose the method and prepare the population score (draws the reference sample from
        ``rng`` for the ``reference`` method only).

        Parameters
        ----------
        X : (N, d) array, optional
            Only checked to live in R^d (the population score does not use data).

        Returns
        -------
        OracleScore
            self, fitted.
        """
        M = self.manifold
        if M is None or not all(hasattr(M, a) for a in ("k", "d", "embed", "project")):
            raise ValueError(f"manifold must be a ratesim Manifold (got {M!r})")
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS} (got {self.method!r})")
        self.grid_ratio_ = check_in_range(self.grid_ratio, "grid_ratio", low=1.0)
        self.max_nodes_ = check_int(self.max_nodes, "max_nodes", low=16)
        if self.n_quad is not None:
            check_int(self.n_quad, "n_quad", low=4)
        density = self.density
        if density is None:
            from ..densities import Uniform

            density = Uniform()
        density.check_manifold(M)
        self.density_ = density
        if X is not None:
            as_points(X, "X", d=M.d)
        self.n_features_in_ = int(M.d)
        self._grids = {}
        self.approximate_ = False
        method = self.method
        ef = exponential_family_params(M, density) if method in ("auto", "closed_form") else None
        if method == "closed_form" and ef is None:
            raise ValueError(
                f"method='closed_form' needs a sphere with a von Mises(-Fisher) or uniform density "
                f"(got {M!r} with {density!r})"
            )
        if ef is not None:
            self.method_ = "closed_form"
            self.natural_param_, self.log_c0_ = ef
            return self
        if method in ("auto", "quadrature") and M.k <= 2:
            try:
                u, _ = M.quadrature(_PROBE)
            except (ValueError, AttributeError, NotImplementedError):
                if method == "quadrature":
                    raise
            else:
                self.method_ = "quadrature"
                self.spacing_const_ = self._spacing(u, _PROBE) * _PROBE
                return self
        if method == "quadrature":
            raise ValueError(f"method='quadrature' needs k <= 2 (got k = {M.k})")
        n_ref = check_int(self.n_reference, "n_reference", low=1)
        self.method_ = "reference"
        self.approximate_ = True
        self.reference_ = M.sample(n_ref, density, rng=as_generator(self.rng, "rng"))
        self.reference_index_ = make_index(self.reference_)
        return self

    def _spacing(self, u, n) -> float:
        """Largest distance in R^d between neighbouring nodes of an n^k tensor grid."""
        P = self.manifold.embed(u)
        k = self.manifold.k
        if P.shape[0] == n**k:
            P = P.reshape((n,) * k + (P.shape[1],))
            return float(max(np.linalg.norm(np.diff(P, axis=a), axis=-1).max() for a in range(k)))
        from scipy.spatial import cKDTree

        dist, _ = cKDTree(P).query(P, k=k + 2)
        return float(dist[:, 1:].max())

    # ----- quadrature --------------------------------------------------------------------------
    def n_nodes_for(self, sigma: float) -> int:
        """Quadrature nodes per coordinate used at a noise level (quadrature method).

        Parameters
        ----------
        sigma : float > 0
            Noise level.

        Returns
        -------
        int
            ``n_quad`` if given, else the smallest even node count on the ladder 16 2^(j/4) whose
            spacing is at most sigma / ``grid_ratio``.

        Raises
        ------
        ValueError
            Not the quadrature method, or more than ``max_nodes`` nodes needed.
        """
        self._check_fitted()
        if self.method_ != "quadrature":
            raise ValueError(f"n_nodes_for applies to the quadrature method (got {self.method_})")
        need = int(math.ceil(self.spacing_const_ * self.grid_ratio_ / sigma))
        # round up on the ladder 16 * 2^(j/4) (even), so nearby sigmas share a cached grid
        j = max(0, math.ceil(4 * math.log2(max(need, 16) / 16) - 1e-9))
        need = max(int(math.ceil(16 * 2 ** (j / 4))), need)
        need += need % 2
        if self.n_quad is not None:
            n = int(self.n_quad)
            if n < need:
                warnings.warn(
                    f"n_quad = {n} is too coarse for sigma = {sigma:g}: node spacing "
                    f"{self.spacing_const_ / n:.3g} > sigma / grid_ratio = "
                    f"{sigma / self.grid_ratio_:.3g}; the oracle score may be inaccurate",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return n
        k = self.manifold.k
        if need**k > self.max_nodes_:
            raise ValueError(
                f"sigma = {sigma:g} is too small for the quadrature oracle on {self.manifold!r}: "
                f"a grid finer than sigma / {self.grid_ratio_:g} needs {need}^{k} = {need**k} "
                f"nodes > max_nodes = {self.max_nodes_}; raise max_nodes or use a larger sigma"
            )
        return need

    def _grid(self, n: int):
        if n not in self._grids:
            M = self.manifold
            u, w = M.quadrature(n)
            logp = np.asarray(self.density_.log_pdf(M, u), dtype=float) + np.log(w)
            keep = np.isfinite(logp)
            nodes = make_index(M.embed(u[keep]))
            self._grids[n] = (nodes, np.ascontiguousarray(logp[keep]))
            while len(self._grids) > _N_GRIDS:  # least recently built first
                self._grids.pop(next(iter(self._grids)))
        return self._grids[n]

    # ----- closed form -------------------------------------------------------------------------
    def _closed(self, x, sigma, want_logp: bool):
        M = self.manifold
        m = M.k + 1
        y, resid = M.to_native(x)
        a = self.natural_param_
        s2 = sigma**2
        v = y / s2 + a
        z = np.linalg.norm(v, axis=1)
        if want_logp:
            ny = np.linalg.norm(y, axis=1)
            # z - (|y|^2 + 1) / (2 s2) = delta - (|y| - 1)^2 / (2 s2), without cancellation
            delta = (2.0 * (y @ a) / s2 + a @ a) / (z + ny / s2)
            lmgf = _log_sphere_mgf(m, z) - z  # log of the integral without its e^z
            return (
                -0.5 * M.d * np.log(2 * np.pi * s2)
                - (ny - 1.0) ** 2 / (2 * s2)
                + delta
                + self.log_c0_
                + lmgf
                - np.sum(resid**2, axis=1) / (2 * s2)
            )
        r = _bessel_ratio_over_z(m, z)
        s_native = (-y + r[:, None] * v) / s2
        return s_native @ M.frame.T - resid / s2

    # ----- public ------------------------------------------------------------------------------
    def _score(self, x, sigma):
        if self.method_ == "closed_form":
            return self._closed(x, sigma, want_logp=False)
        if self.method_ == "quadrature":
            nodes, logw = self._grid(self.n_nodes_for(sigma))
            return (gauss_mean(nodes, x, sigma, log_weights=logw) - x) / sigma**2
        return (gauss_mean(self.reference_index_, x, sigma) - x) / sigma**2

    def log_density(self, x, sigma) -> np.ndarray:
        """The log-density of p_sigma = mu * N(0, sigma^2 I).

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m,) array
            log p_sigma(x) (closed form, quadrature, or the reference-sample mixture).
        """
        x, sigma = self._check_query(x, sigma)
        d = self.n_features_in_
        if self.method_ == "closed_form":
            return self._closed(x, sigma, want_logp=True)
        if self.method_ == "quadrature":
            nodes, logw = self._grid(self.n_nodes_for(sigma))
            lse = gauss_lse(nodes, x, sigma, log_weights=logw)
        else:
            lse = gauss_lse(self.reference_index_, x, sigma) - np.log(self.reference_.shape[0])
        return lse - 0.5 * d * np.log(2 * np.pi * sigma**2)
