"""Exact references: closed forms and quadratures of laws the samplers should reach.

Nothing here is estimated from data: these are the truths the measurements are compared with.
"""

from __future__ import annotations

__all__: list[str] = []

# -- stationary laws of tempered-score Langevin (stationary.py) --

# -- tilted families (tilted.py) --
