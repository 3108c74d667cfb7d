"""Controlled score errors of size c sigma^gamma (Li, Shen, Hsieh, He 2026, "When scores learn
geometry"): a known error field added to a base score."""

from __future__ import annotations

import numpy as np

from .._validation import check_in_range
from ..exact.stationary import double_well, double_well_grad
from ._base import ScoreEstimator, clone

_KINDS = ("gradient", "rotational")
_FD_STEP = 1e-5


class PerturbedScore(ScoreEstimator):
    """A base score plus a controlled error field of size c sigma^gamma (Thm 4.1, 5.1-5.2).

    s_pert(x, sigma) = s_base(x, sigma) + c sigma^gamma e(x) with

    ``kind="gradient"``    e = -grad phi: the score of pi_sigma proportional to
        p_sigma exp(-c sigma^gamma phi) (the paper's family: gamma > -2 concentrates on M, gamma > 0
        recovers mu_data, gamma = 0 tilts it by exp(-c phi), -2 < gamma < 0 collapses onto
        argmin_M phi). Default phi(x) = (|x_1| - 1)^2 (:func:`ratesim.exact.double_well`, the
        paper's appendix D) with its analytic gradient, x_1 the first *ambient* coordinate (the
        paper's setting is the canonical circle, ``Sphere(k=1, seed=None)``; pass your own phi for
        an embedded manifold);
        a user ``phi`` comes with ``grad_phi`` or is differentiated by central differences
        (step 1e-5 max(1, |x|), error O(1e-10) relative for smooth phi).
    ``kind="rotational"``  e = J x with J antisymmetric in the first two coordinates
        ((J x)_1 = -x_2, (J x)_2 = x_1): a non-gradient error (Thm 5.2), no potential.

    Parameters
    ----------
    base : ScoreEstimator
        The unperturbed score; ``fit`` fits a clone of it (``base_``).
    gamma : float
        Exponent of sigma.
    c : float
        Amplitude.
    phi, grad_phi : callables (m, d) -> (m,) and (m, d) -> (m, d), or None
        Potential and its gradient (gradient kind only).
    kind : {"gradient", "rotational"}
        The error field (see above).

    Attributes
    ----------
    base_ : ScoreEstimator
        The fitted clone of ``base``.
    gamma_, c_ : float
        The validated ``gamma`` and ``c``.
    """

    def __init__(self, base=None, gamma: float = 0.0, c: float = 1.0, phi=None, grad_phi=None,
                 kind: str = "gradient"):  # fmt: skip
        self.base = base
        self.gamma = gamma
        self.c = c
        self.phi = phi
        self.grad_phi = grad_phi
        self.kind = kind

    def fit(self, X=None) -> PerturbedScore:
        """Validate the error field and fit a clone of ``base``.

        Parameters
        ----------
        X : (N, d) array, optional
            Training set, passed to ``base.fit`` (None for bases that need no data, e.g. the
            oracle).

        Returns
        -------
        PerturbedScore
            self, fitted (``base_``).
        """
        if not isinstance(self.base, ScoreEstimator):
            raise ValueError(f"base must be a ScoreEstimator (got {self.base!r})")
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS} (got {self.kind!r})")
        self.gamma_ = check_in_range(self.gamma, "gamma")
        self.c_ = check_in_range(self.c, "c")
        for name in ("phi", "grad_phi"):
            f = getattr(self, name)
            if f is not None and not callable(f):
                raise ValueError(f"{name} must be callable or None (got {f!r})")
        if self.kind == "rotational" and (self.phi is not None or self.grad_phi is not None):
            raise ValueError(
                "phi and grad_phi apply to kind='gradient' only (got kind='rotational')"
            )
        if self.grad_phi is not None and self.phi is None:
            raise ValueError("grad_phi needs its potential phi (got phi=None with a grad_phi)")
        self.base_ = clone(self.base).fit(X)
        d = self.base_.n_features_in_
        if self.kind == "rotational" and d < 2:
            raise ValueError(f"kind='rotational' needs d >= 2 (got d = {d})")
        self.n_features_in_ = d
        return self

    # ----- the error field ---------------------------------------------------------------------
    def _phi(self, x):
        f = double_well if self.phi is None else self.phi
        v = np.asarray(f(x), dtype=float).reshape(-1)
        if v.shape != (x.shape[0],) or not np.all(np.isfinite(v)):
            raise ValueError(f"phi must return {x.shape[0]} finite values (got shape {v.shape})")
        return v

    def _grad_phi(self, x):
        if self.phi is None:
            return double_well_grad(x)
        if self.grad_phi is not None:
            g = np.asarray(self.grad_phi(x), dtype=float)
        else:
            m, d = x.shape
            step = _FD_STEP * np.maximum(1.0, np.linalg.norm(x, axis=1))
            g = np.empty_like(x)
            for j in range(d):
                e = np.zeros(d)
                e[j] = 1.0
                g[:, j] = (self._phi(x + step[:, None] * e) - self._phi(x - step[:, None] * e)) / (
                    2 * step
                )
        if g.shape != x.shape or not np.all(np.isfinite(g)):
            raise ValueError(
                f"grad_phi must return finite values of shape {x.shape} (got {g.shape})"
            )
        return g

    def error_field(self, x) -> np.ndarray:
        """The error field e(x), without its factor c sigma^gamma.

        Parameters
        ----------
        x : (m, d) array
            Query points.

        Returns
        -------
        (m, d) array
            e(x) (-grad phi, or J x for the rotational kind).
        """
        self._check_fitted()
        from .._validation import as_points

        x = as_points(x, "x", d=self.n_features_in_)
        return self._field(x)

    def _field(self, x):
        if self.kind == "gradient":
            return -self._grad_phi(x)
        e = np.zeros_like(x)
        e[:, 0] = -x[:, 1]
        e[:, 1] = x[:, 0]
        return e

    def _score(self, x, sigma):
        return self.base_._score(x, sigma) + self.c_ * sigma**self.gamma_ * self._field(x)

    def log_density_unnormalized(self, x, sigma) -> np.ndarray:
        """The log-density of pi_sigma up to its normalizing constant (gradient kind, with a base
        that has ``log_density``).

        Parameters
        ----------
        x : (m, d) array
            Query points.
        sigma : float > 0
            Noise level.

        Returns
        -------
        (m,) array
            log p_sigma(x) - c sigma^gamma phi(x).
        """
        x, sigma = self._check_query(x, sigma)
        if self.kind != "gradient" or not hasattr(self.base_, "log_density"):
            raise ValueError(
                "log_density_unnormalized needs kind='gradient' and a base with log_density "
                f"(got kind={self.kind!r}, base {type(self.base_).__name__})"
            )
        return self.base_.log_density(x, sigma) - self.c_ * sigma**self.gamma_ * self._phi(x)
