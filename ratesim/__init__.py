"""ratesim: learning rates of score-based generative models on synthetic manifolds.

Submodules are imported lazily (``from ratesim import manifolds`` or ``ratesim.manifolds``) so that
``import ratesim`` stays cheap and does not trigger numba compilation.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "manifolds",
    "densities",
    "kernels",
    "scores",
    "samplers",
    "metrics",
    "baselines",
    "study",
    "rates",
    "report",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"ratesim.{name}")
    raise AttributeError(f"module 'ratesim' has no attribute {name!r}")
