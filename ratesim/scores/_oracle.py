"""The population score of a known manifold and density (the reference every estimator is
measured against)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._validation import RNGLike, as_generator, as_points, check_in_range, check_int
from ..exact._vmf import sphere_log_density, sphere_score
from ._base import ScoreEstimator
from ._engine import gauss_lse, gauss_mean, make_index

_METHODS = ("auto", "closed_form", "quadrature", "reference")
_PROBE = 64
_N_GRIDS = 2  # quadrature grids kept (a k = 2 grid can hold millions of nodes)


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


def torus_product_params(manifold, density, rtol: float = 1e-9):
    """The per-circle natural parameters of a product log-linear density on a flat torus.

    On the flat torus (S^1)^k a density is a product of von Mises factors (or uniform) when
    log p(u) = log c0 + sum_j <a_j, (cos u_j, sin u_j)>. The parameters are read off ``log_pdf``
    at angles 0, pi / 2, pi, 3 pi / 2 of each coordinate and verified at 16 further fixed points.

    Parameters
    ----------
    manifold : Manifold
        Anything; only a :class:`ratesim.manifolds.FlatTorus` can qualify.
    density : Density
        The density w.r.t. the volume of ``manifold``.
    rtol : float
        Relative tolerance of the verification.

    Returns
    -------
    tuple of ((k, 2) array, float) or None
        (a, log c0), or None when ``manifold`` is not a flat torus or the density is not such a
        product.
    """
    from ..manifolds._torus import FlatTorus

    if not isinstance(manifold, FlatTorus):
        return None
    k = manifold.k
    u = np.zeros((4 * k + 1, k))
    for j in range(k):
        u[1 + 4 * j : 5 + 4 * j, j] = [0.0, 0.5 * np.pi, np.pi, 1.5 * np.pi]
    lp = np.asarray(density.log_pdf(manifold, u), dtype=float)
    if not np.all(np.isfinite(lp)):
        return None
    q = lp[1:].reshape(k, 4)
    a = 0.5 * np.stack([q[:, 0] - q[:, 2], q[:, 1] - q[:, 3]], axis=1)
    log_c0 = float(lp[0] - a[:, 0].sum())
    t = np.random.default_rng(12345).uniform(0.0, 2 * np.pi, (16, k))
    pred = log_c0 + (np.cos(t) * a[:, 0] + np.sin(t) * a[:, 1]).sum(axis=1)
    lpt = np.asarray(density.log_pdf(manifold, t), dtype=float)
    if not np.all(np.abs(lpt - pred) <= rtol * (1.0 + abs(log_c0) + np.abs(a).sum())):
        return None
    return a, log_c0


class OracleScore(ScoreEstimator):
    """Population score s = grad log p_sigma, mu = density x vol_M, p_sigma = mu * N(0, sigma^2 I).

    Three evaluation methods (``method_`` after ``fit``):

    ``closed_form``  spheres S^(m-1) (the circle is m = 2) with a log-linear density, i.e. von
        Mises / von Mises-Fisher(kappa, mu) or uniform (detected from ``density.log_pdf``), and
        flat tori (S^1)^k with a product of such laws on the circles (product von Mises): with
        v = y / sigma^2 + kappa mu (y the native coordinates of x),
        p_sigma(y) = (2 pi sigma^2)^(-m/2) exp(-(|y|^2 + 1)/(2 sigma^2)) C_m(kappa) / C_m(|v|) and
        s(y) = -y/sigma^2 + (I_(m/2)/I_(m/2-1))(|v|) v / (|v| sigma^2) (docs/science.md, exact
        references). The d - m flat directions of the random isometry contribute N(0, sigma^2)
        factors (score -x_perp / sigma^2). Evaluated by the fused numba kernels of
        ``ratesim.exact._vmf`` (Bessel ratio and log I_nu to a few ulps for every |v|, one
        parallel pass over the queries). On a flat torus the noisy law factorizes over the k
        circle planes (isotropic noise), so the score is the sum of the k circle scores, each of
        which also counts the directions off its own plane as flat, plus (k - 1) x / sigma^2
        (and the log-density likewise, plus (k - 1) (|x|^2 / (2 sigma^2) + d log(2 pi sigma^2)
        / 2)); any k.
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
        tp = torus_product_params(M, density) if method in ("auto", "closed_form") else None
        if method == "closed_form" and ef is None and tp is None:
            raise ValueError(
                f"method='closed_form' needs a sphere with a von Mises(-Fisher) or uniform density "
                f"or a flat torus with a product of them (got {M!r} with {density!r})"
            )
        if ef is not None or tp is not None:
            self.method_ = "closed_form"
            self.natural_param_, self.log_c0_ = ef if ef is not None else tp
            frames = [M.frame] if ef is not None else np.split(M.frame, M.k, axis=1)
            params = [self.natural_param_] if ef is not None else list(self.natural_param_)
            # one (frame, frame^T, a, log c0) per sphere factor; the torus's c0 goes to the first
            self._factors = [
                (
                    np.ascontiguousarray(F, dtype=np.float64),
                    np.ascontiguousarray(F.T, dtype=np.float64),
                    np.ascontiguousarray(a, dtype=np.float64),
                    float(self.log_c0_) if j == 0 else 0.0,
                )
                for j, (F, a) in enumerate(zip(frames, params, strict=True))
            ]
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
        # x is validated (C-contiguous float64, d columns) by _check_query; a product of k sphere
        # factors counts the directions off each factor's plane k times: k - 1 of them removed
        extra = len(self._factors) - 1
        if want_logp:
            out = sum(sphere_log_density(x, F, a, c, sigma) for F, _, a, c in self._factors)
            if extra:
                d = x.shape[1]
                out += extra * (0.5 * np.einsum("ij,ij->i", x, x) / sigma**2)
                out += extra * 0.5 * d * np.log(2 * np.pi * sigma**2)
            return out
        out = sum(sphere_score(x, Ft, a, sigma) for _, Ft, a, _ in self._factors)
        return out + (extra / sigma**2) * x if extra else out

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
