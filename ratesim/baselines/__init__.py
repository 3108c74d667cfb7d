"""Minimax baselines: estimators of mu_data from N samples that can generate samples.

Common interface: ``fit(X)`` then ``sample(n, rng=rng)``. :data:`BASELINES` maps names to classes;
:func:`make_baseline` builds one by name for a given manifold.
"""

from .._registry import Registry
from ._base import Baseline
from ._estimators import (
    EmpiricalMeasure,
    GaussianKDE,
    InertialDiffusion,
    IntrinsicKDE,
    sample_vmf,
)

BASELINES: Registry = Registry(
    "baseline",
    {
        "empirical": EmpiricalMeasure,
        "ambient_kde": GaussianKDE,
        "intrinsic_kde": IntrinsicKDE,
        "inertial": InertialDiffusion,
    },
)


def make_baseline(name: str, manifold=None, **params) -> Baseline:
    """Build the baseline registered as ``name`` in :data:`BASELINES`.

    Parameters
    ----------
    name : str
        ``"empirical"``, ``"ambient_kde"``, ``"intrinsic_kde"`` or ``"inertial"``.
    manifold : Manifold, optional
        The manifold of the data. It is passed to baselines that take one (``intrinsic_kde``),
        and its intrinsic dimension as ``k`` to baselines whose default bandwidth uses k
        (``ambient_kde``, ``inertial``) unless ``params`` gives ``k``.
    **params
        Other constructor arguments (``bandwidth``, ...).

    Returns
    -------
    Baseline
        The unfitted estimator.

    Raises
    ------
    ValueError
        Unknown name or parameter (with a did-you-mean), or a baseline that needs a manifold
        and got none.
    """
    BASELINES.check(name, params)
    takes = BASELINES.parameters(name) or ()
    kwargs = dict(params)
    if "manifold" in takes:
        if manifold is None:
            raise ValueError(f"baseline {name!r} needs the manifold (manifold=...)")
        kwargs["manifold"] = manifold
    if "k" in takes and "k" not in kwargs and manifold is not None:
        kwargs["k"] = manifold.k
    return BASELINES.make(name, **kwargs)


__all__ = [
    "BASELINES",
    "Baseline",
    "EmpiricalMeasure",
    "GaussianKDE",
    "InertialDiffusion",
    "IntrinsicKDE",
    "make_baseline",
    "sample_vmf",
]
