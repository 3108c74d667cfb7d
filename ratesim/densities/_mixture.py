"""Finite mixtures of densities on one manifold."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import logsumexp

from .._validation import RNGLike, as_generator, check_int
from ._base import Density
from ._quadrature import describe, require_manifold

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..manifolds import Manifold


class Mixture(Density):
    r"""p = sum_i w_i p_i, a convex combination of normalized volume densities.

    Parameters
    ----------
    components : sequence
        Densities, or specifications resolved by ``make_density``: a registry name (``"uniform"``),
        a dict ``{"name": "von_mises", "kappa": 4.0}`` or a pair ``("von_mises", {"kappa": 4.0})``.
    weights : sequence of float
        Non-negative weights summing to 1 (to 1e-9), one per component.

    Notes
    -----
    Normalized because every component is (``log_normalizer`` is 0). Bounds: p >= sum_i w_i lb_i
    and p <= sum_i w_i sup_i. Exact sampling: multinomial component counts, each component
    sampled exactly, then a random permutation.
    """

    def __init__(self, components, weights):
        from ._registry import make_density

        if isinstance(components, (Density, str, dict)):
            raise ValueError(
                f"components must be a sequence of densities (got a single {components!r})"
            )
        try:
            comps = list(components)
        except TypeError:
            raise ValueError(f"components must be a sequence (got {components!r})") from None
        if not comps:
            raise ValueError("components must contain at least one density (got none)")
        resolved = []
        for c in comps:
            if isinstance(c, Density):
                resolved.append(c)
            elif isinstance(c, str):
                resolved.append(make_density(c))
            elif isinstance(c, dict) and "name" in c:
                params = {key: v for key, v in c.items() if key != "name"}
                resolved.append(make_density(c["name"], **params))
            elif isinstance(c, (tuple, list)) and len(c) == 2 and isinstance(c[1], dict):
                resolved.append(make_density(c[0], **c[1]))
            else:
                raise ValueError(
                    "each component must be a Density, a registry name, a dict with a 'name' "
                    f"key or a (name, params) pair (got {c!r})"
                )
        try:
            w = np.asarray(weights, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"weights must be a sequence of numbers (got {weights!r})") from None
        if w.ndim != 1 or w.size != len(resolved):
            raise ValueError(
                f"weights must have one entry per component, {len(resolved)} (got {weights!r})"
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"weights must be finite and >= 0 (got {weights!r})")
        if abs(float(w.sum()) - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1 (got sum = {float(w.sum())!r})")
        self.components = tuple(resolved)
        self.weights = tuple(float(x) for x in w)

    def check_manifold(self, manifold: Manifold) -> None:
        require_manifold(self, manifold)
        for i, c in enumerate(self.components):
            try:
                c.check_manifold(manifold)
            except ValueError as err:
                raise ValueError(f"component {i} of {describe(self)}: {err}") from None

    def log_normalizer(self, manifold: Manifold) -> float:
        """0: a convex combination of normalized densities is normalized.

        Parameters
        ----------
        manifold : Manifold

        Returns
        -------
        float
        """
        self.check_manifold(manifold)
        return 0.0

    def _active(self):
        return [(w, c) for w, c in zip(self.weights, self.components, strict=True) if w > 0]

    def log_pdf(self, manifold: Manifold, u: ArrayLike) -> np.ndarray:
        self.check_manifold(manifold)
        terms = [np.log(w) + c.log_pdf(manifold, u) for w, c in self._active()]
        return logsumexp(np.stack(terms, axis=0), axis=0)

    def log_sup(self, manifold: Manifold) -> float:
        return float(logsumexp([np.log(w) + c.log_sup(manifold) for w, c in self._active()]))

    def log_lower_bound(self, manifold: Manifold) -> float:
        return float(
            logsumexp([np.log(w) + c.log_lower_bound(manifold) for w, c in self._active()])
        )

    def lower_bound(self, manifold: Manifold) -> float:
        return float(np.exp(self.log_lower_bound(manifold)))

    def sample_intrinsic(self, manifold: Manifold, n: int, *, rng: RNGLike) -> np.ndarray:
        self.check_manifold(manifold)
        n = check_int(n, "n", low=1)
        rng = as_generator(rng)
        counts = rng.multinomial(n, np.asarray(self.weights))
        parts = [
            c.sample_intrinsic(manifold, int(m), rng=rng)
            for m, c in zip(counts, self.components, strict=True)
            if m > 0
        ]
        u = np.concatenate(parts, axis=0)
        return u[rng.permutation(n)]

    def __repr__(self) -> str:
        comps = ", ".join(describe(c) for c in self.components)
        return f"Mixture(components=[{comps}], weights={self.weights!r})"
