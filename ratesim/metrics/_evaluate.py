"""One call for a study cell: every metric group on generated samples, as flat ``{name: value}``.

``evaluate(samples, manifold, density, training=X, rng=seed)`` returns the rows that the study
store keeps (``metrics(Y, manifold, density, X) -> rows (metric, value)``). Groups are
registered in :data:`METRIC_GROUPS` by name; each returns finite floats only (a quantity that does
not apply, e.g. binned angles for k > 2, is left out rather than reported as NaN).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .._validation import RNGLike, as_generator, as_points
from ._geometry import coverage_scale, distance_to_manifold, hausdorff
from ._law import binned_divergence
from ._memorization import memorization
from ._parametric import mmd2, sliced_wasserstein
from ._wasserstein import wasserstein_to_population, wasserstein_to_reference

if TYPE_CHECKING:
    from ..densities import Density
    from ..manifolds import Manifold


def _wasserstein(Y, M, density, training, heldout, rng):
    if M.k <= 2:
        r = wasserstein_to_population(M, Y, density)
        return {"w1": r.value, "w1_resolution": r.resolution}
    r = wasserstein_to_reference(Y, M, density, m=Y.shape[0], rng=rng, floor_reps=2)
    return {"w1": r.value, "w1_floor": r.floor}


def _distance(Y, M, density, training, heldout, rng):
    s = distance_to_manifold(M, Y, quantiles=(0.5, 0.9))
    return {
        "dist_mean": s.mean,
        "dist_q50": s.quantiles[0.5],
        "dist_q90": s.quantiles[0.9],
        "dist_max": s.max,
    }


def _hausdorff(Y, M, density, training, heldout, rng):
    h = hausdorff(M, Y, rng=rng)
    return {"hausdorff_precision": h.precision, "hausdorff_recall": h.recall}


def _coverage(Y, M, density, training, heldout, rng):
    c = coverage_scale(M, Y, density, n_grid=min(2048, max(64, Y.shape[0])), n_boot=10, rng=rng)
    out = {"coverage_scale": c.delta}
    if np.isfinite(c.se):
        out["coverage_scale_se"] = c.se
    return out


def _memorization(Y, M, density, training, heldout, rng):
    if training is None:
        return {}
    X = as_points(training, "training", d=M.d)
    if X.shape[0] < 2:
        return {}
    H = M.sample(X.shape[0], density, rng=rng) if heldout is None else heldout
    r = memorization(Y, X, heldout=H)
    out = {
        "memorized_fraction": r.memorized_fraction,
        "heldout_memorized_fraction": r.heldout_memorized_fraction,
        "nn_distance_median": float(np.median(r.d1)),
    }
    if np.isfinite(r.novelty_ratio):
        out["novelty_ratio"] = r.novelty_ratio
    return out


def _law(Y, M, density, training, heldout, rng):
    if M.k > 2:
        return {}
    b = binned_divergence(M, Y, density, bins=32)
    out = {"tv_angle": b.tv, "tv_angle_corrected": b.tv_corrected}
    if np.isfinite(b.kl):
        out["kl_angle_corrected"] = b.kl_corrected
    return out


def _controls(Y, M, density, training, heldout, rng):
    ref = M.sample(Y.shape[0], density, rng=rng)
    out = {"sliced_w1": sliced_wasserstein(Y, ref, p=1, rng=rng)}
    if Y.shape[0] >= 2:
        out["mmd2"] = mmd2(Y, ref, bandwidth=1.0)
    return out


METRIC_GROUPS = {
    "wasserstein": _wasserstein,
    "distance": _distance,
    "hausdorff": _hausdorff,
    "coverage": _coverage,
    "memorization": _memorization,
    "law": _law,
    "controls": _controls,
}
"""name -> group(Y, manifold, density, training, heldout, rng) -> {metric: value}.

wasserstein: exact W_1 to the population (k <= 2: ``w1``, ``w1_resolution``) or to a fresh
reference of the same size with its floor (``w1``, ``w1_floor``); distance: ``dist_mean``,
``dist_q50``, ``dist_q90``, ``dist_max``; hausdorff: ``hausdorff_precision``,
``hausdorff_recall``; coverage: ``coverage_scale`` (+ ``coverage_scale_se``); memorization (needs
training): ``memorized_fraction``, ``heldout_memorized_fraction``, ``nn_distance_median``,
``novelty_ratio``; law (k <= 2): ``tv_angle``, ``tv_angle_corrected``, ``kl_angle_corrected``;
controls (parametric, docs/measurement.md, trap 1): ``sliced_w1``, ``mmd2`` (bandwidth 1).
"""


def evaluate(
    samples: ArrayLike,
    manifold: Manifold,
    density: Density | None = None,
    training: ArrayLike | None = None,
    heldout: ArrayLike | None = None,
    *,
    groups: tuple[str, ...] | None = None,
    rng: RNGLike,
) -> dict[str, float]:
    """All requested metric groups on ``samples`` from a model of density x vol_M trained on
    ``training``.

    Parameters
    ----------
    samples : (n, d) array
        Generated samples.
    manifold : Manifold
        The manifold M of the data.
    density : Density or None
        Density of the data law w.r.t. volume (None: uniform).
    training : (N, d) array, optional
        Training set (needed by the memorization group).
    heldout : (n', d) array, optional
        Held-out data for the memorization group (default: a fresh population sample).
    groups : tuple of str, optional
        Names of :data:`METRIC_GROUPS` (default: all of them).
    rng : numpy Generator, SeedSequence or int seed
        Source of the reference samples, grids and bootstraps of the groups (required).

    Returns
    -------
    dict of str -> float
        ``{metric: value}``, finite values only (see :data:`METRIC_GROUPS`).
    """
    Y = as_points(samples, "samples", d=manifold.d)
    rng = as_generator(rng)
    if density is not None:
        density.check_manifold(manifold)
    names = tuple(METRIC_GROUPS) if groups is None else tuple(groups)
    unknown = [g for g in names if g not in METRIC_GROUPS]
    if unknown:
        raise ValueError(
            f"groups must be names from {sorted(METRIC_GROUPS)} (got unknown {unknown})"
        )
    out: dict[str, float] = {}
    for g in names:
        for key, val in METRIC_GROUPS[g](Y, manifold, density, training, heldout, rng).items():
            out[key] = float(val)
    return out
