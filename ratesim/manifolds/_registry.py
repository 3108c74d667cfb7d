"""String registry of manifolds for the CLI and study files."""

from __future__ import annotations

from .._registry import Registry
from ._base import Manifold
from ._circle import Circle
from ._ellipse import Ellipse
from ._holder import HolderCurve, HolderGraph
from ._sphere import Sphere
from ._torus import FlatTorus, StandardTorus

MANIFOLDS: Registry = Registry(
    "manifold",
    {
        "sphere": Sphere,
        "circle": Circle,
        "flat_torus": FlatTorus,
        "ellipse": Ellipse,
        "standard_torus": StandardTorus,
        "holder_curve": HolderCurve,
        "holder_graph": HolderGraph,
    },
)


def make_manifold(name: str, /, **params) -> Manifold:
    """Build the manifold registered as ``name`` in ``MANIFOLDS``.

    Parameters
    ----------
    name : str
        A key of ``MANIFOLDS`` (``"sphere"``, ``"circle"``, ``"ellipse"``, ...).
    **params
        Constructor arguments of that family (``k``, ``d``, ``seed``, ``beta``, ...).

    Returns
    -------
    Manifold
        The manifold.

    Raises
    ------
    ValueError
        For an unknown name or a parameter the family does not take (with a did-you-mean and
        the valid names).

    Examples
    --------
    >>> make_manifold("sphere", k=2, d=5, seed=0)
    Sphere(k=2, d=5, seed=0)
    """
    return MANIFOLDS.make(name, **params)
