"""Minimax baselines: estimators of mu_data from N samples that can generate samples.

Common interface: ``fit(X)`` then ``sample(n, rng)``. :data:`BASELINES` maps names to classes;
:func:`make_baseline` builds one by name for a given manifold.
"""

import difflib
import inspect

from ._base import Baseline
from ._estimators import (
    EmpiricalMeasure,
    GaussianKDE,
    InertialDiffusion,
    IntrinsicKDE,
    sample_vmf,
)

BASELINES = {
    "empirical": EmpiricalMeasure,
    "ambient_kde": GaussianKDE,
    "intrinsic_kde": IntrinsicKDE,
    "inertial": InertialDiffusion,
}


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
        Other constructor arguments (``bandwidth``, ``sigma``, ...).

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
    if not isinstance(name, str) or name not in BASELINES:
        hint = difflib.get_close_matches(str(name), list(BASELINES), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"unknown baseline {name!r} (known: {', '.join(BASELINES)}){extra}")
    cls = BASELINES[name]
    takes = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for key in params:
        if key not in takes:
            hint = difflib.get_close_matches(key, takes, n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(
                f"invalid parameter {key!r} for baseline {name!r} (valid: "
                f"{', '.join(takes) or 'none'}){extra}"
            )
    kwargs = dict(params)
    if "manifold" in takes:
        if manifold is None:
            raise ValueError(f"baseline {name!r} needs the manifold (manifold=...)")
        kwargs["manifold"] = manifold
    if "k" in takes and "k" not in kwargs and manifold is not None:
        kwargs["k"] = manifold.k
    return cls(**kwargs)


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
