"""String registry of densities for the CLI and study files."""

from __future__ import annotations

from .._registry import Registry
from ._angular import HolderDensity, JumpDensity, PiecewiseConstant
from ._base import Density, Uniform
from ._mixture import Mixture
from ._vonmises import ChartVonMises, VonMises, VonMisesFisher

DENSITIES: Registry = Registry(
    "density",
    {
        "uniform": Uniform,
        "von_mises": VonMises,
        "von_mises_fisher": VonMisesFisher,
        "chart_von_mises": ChartVonMises,
        "holder": HolderDensity,
        "piecewise_constant": PiecewiseConstant,
        "jump": JumpDensity,
        "mixture": Mixture,
    },
)


def make_density(name: str, /, **params) -> Density:
    """Build the density registered as ``name`` in ``DENSITIES``.

    Parameters
    ----------
    name : str
        A key of ``DENSITIES`` (``"uniform"``, ``"von_mises"``, ...).
    **params
        Constructor arguments of that density (``kappa``, ``mean``, ...).

    Returns
    -------
    Density
        The density.

    Raises
    ------
    ValueError
        For an unknown name or a parameter the density does not take (with a did-you-mean and
        the valid names).

    Examples
    --------
    >>> make_density("von_mises", kappa=4.0, mean=3.14)
    VonMises(kappa=4.0, mean=3.14)
    """
    return DENSITIES.make(name, **params)
