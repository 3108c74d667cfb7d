"""String registry of densities for the CLI and study files."""

from __future__ import annotations

import difflib
import inspect

from ._angular import HolderDensity, PiecewiseConstant
from ._base import Density, Uniform
from ._mixture import Mixture
from ._vonmises import ChartVonMises, VonMises, VonMisesFisher

DENSITIES: dict[str, type[Density]] = {
    "uniform": Uniform,
    "von_mises": VonMises,
    "von_mises_fisher": VonMisesFisher,
    "chart_von_mises": ChartVonMises,
    "holder": HolderDensity,
    "piecewise_constant": PiecewiseConstant,
    "mixture": Mixture,
}


def make_density(name: str, **params) -> Density:
    """Build a density from its registry name and parameters.

    Examples
    --------
    >>> make_density("von_mises", kappa=4.0, mean=3.14)
    VonMises(kappa=4.0, mean=3.14)

    Raises
    ------
    ValueError
        For an unknown name (with the closest registered names) or parameters the density does
        not take.
    """
    if not isinstance(name, str) or name not in DENSITIES:
        close = difflib.get_close_matches(str(name), list(DENSITIES), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"unknown density name {name!r}{hint} (registered: {', '.join(sorted(DENSITIES))})"
        )
    cls = DENSITIES[name]
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"density {name!r} has no parameter(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(allowed) or 'none'})"
        )
    return cls(**params)
