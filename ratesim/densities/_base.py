"""The density contract: probability densities on a manifold w.r.t. its Riemannian volume.

A density is a small immutable object of hyper-parameters; the manifold it is evaluated on is passed
to every call, so one ``VonMises(kappa=4)`` serves the circle, the ellipse and a Holder curve.
Densities are *volume* densities (docs/measurement.md, trap 5): on the ellipse, ``Uniform()`` is
uniform in arc length, not in the angle parameter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from .._validation import RNGLike, as_generator, check_int

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..manifolds import Manifold


class Density(ABC):
    """Base class.

    Subclasses implement ``log_pdf(manifold, u)`` (normalized, w.r.t. volume), ``log_sup(manifold)``
    (an upper bound of log_pdf used by rejection sampling), ``lower_bound(manifold)`` (the stated
    positive lower bound of the density) and ``log_normalizer(manifold)`` (log of the integral
    over M of the unnormalized density against the volume), and may override ``check_manifold``
    and ``sample_intrinsic``.
    """

    def check_manifold(self, manifold: Manifold) -> None:
        """Raise ``ValueError`` naming density and manifold if this density is not defined there.

        Parameters
        ----------
        manifold : Manifold
            The manifold the density would be evaluated or sampled on.

        Raises
        ------
        ValueError
            If the density is not defined on ``manifold`` (wrong family, dimension or mean).
        """
        from ._quadrature import require_manifold

        require_manifold(self, manifold)

    @abstractmethod
    def log_pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        """Log of the normalized density w.r.t. the Riemannian volume.

        Parameters
        ----------
        manifold : Manifold
            The manifold (see :meth:`check_manifold`).
        u : (n, c) array
            Intrinsic coordinates of points of ``manifold``.

        Returns
        -------
        (n,) array
            log p(u).
        """

    @abstractmethod
    def log_sup(self, manifold: Manifold) -> float:
        """An upper bound of ``log_pdf`` on ``manifold`` (used by rejection sampling).

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
            log of a bound >= sup_M p.
        """

    @abstractmethod
    def lower_bound(self, manifold: Manifold) -> float:
        """The stated positive lower bound of the density on ``manifold``.

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
            A bound 0 < b <= inf_M p (may underflow to 0: see :meth:`log_lower_bound`).
        """

    @abstractmethod
    def log_normalizer(self, manifold: Manifold) -> float:
        """log of the integral over M of the unnormalized density against the volume.

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
            log Z.
        """

    def log_lower_bound(self, manifold: Manifold) -> float:
        """log of ``lower_bound``, exact even where the bound underflows (large concentration).

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
            log b, b the lower bound of the density on ``manifold``.
        """
        return float(np.log(self.lower_bound(manifold)))

    def pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        """Normalized density w.r.t. the Riemannian volume at coordinates u.

        Parameters
        ----------
        manifold : Manifold
        u : (n, c) array
            Intrinsic coordinates of points of ``manifold``.

        Returns
        -------
        (n,) array
            p(u) = exp(log_pdf(manifold, u)).
        """
        return np.exp(self.log_pdf(manifold, u))

    def sample_intrinsic(self, manifold: Manifold, n: int, *, rng: RNGLike) -> np.ndarray:
        """n i.i.d. coordinates from this density (default: exact rejection from the uniform
        volume law, acceptance p(u) / sup p).

        Parameters
        ----------
        manifold : Manifold
        n : int
            Number of draws, >= 1.
        rng : Generator, SeedSequence or int
            Source of randomness (required, keyword-only).

        Returns
        -------
        (n, c) array
            Intrinsic coordinates; ``manifold.embed`` maps them to (n, d) points.
        """
        self.check_manifold(manifold)
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        log_sup = self.log_sup(manifold)
        out, have = [], 0
        while have < n:
            m = max(64, int(1.2 * (n - have) * np.exp(log_sup) * manifold.volume) + 16)
            u = manifold._sample_uniform(m, rng)
            logp = self.log_pdf(manifold, u)
            if np.any(logp > log_sup + 1e-9):
                raise RuntimeError(
                    f"{self!r}.log_sup is not an upper bound on {manifold!r}: rejection sampling "
                    "would be biased"
                )
            keep = np.log(rng.uniform(size=m)) < logp - log_sup
            out.append(u[keep])
            have += int(keep.sum())
        return np.concatenate(out)[:n]

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({params})"


class Uniform(Density):
    """The normalized Riemannian volume 1 / vol(M): the maximum-entropy law on M (P2, Thm 5.1)."""

    def log_normalizer(self, manifold: Manifold) -> float:
        """log vol(M): the unnormalized density is 1.

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
        """
        self.check_manifold(manifold)
        return float(np.log(manifold.volume))

    def log_pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        self.check_manifold(manifold)
        u = manifold._check_coords(u)
        return np.full(u.shape[0], -np.log(manifold.volume))

    def log_sup(self, manifold: Manifold) -> float:
        return -float(np.log(manifold.volume))

    def lower_bound(self, manifold: Manifold) -> float:
        return 1.0 / manifold.volume

    def sample_intrinsic(self, manifold: Manifold, n: int, *, rng: RNGLike) -> np.ndarray:
        self.check_manifold(manifold)
        return manifold._sample_uniform(check_int(n, "n", low=1), as_generator(rng))
