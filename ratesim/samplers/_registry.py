"""String registry of the samplers (for the CLI and study files)."""

from __future__ import annotations

import functools

from .._registry import Registry
from ._diffusion import hybrid, probability_flow, reverse_sde
from ._langevin import (
    annealed_langevin,
    langevin,
    posterior_langevin,
    predictor_corrector,
    tempered_langevin,
)

SAMPLERS: Registry = Registry(
    "sampler",
    {
        "reverse_sde": reverse_sde,
        "probability_flow": probability_flow,
        "hybrid": hybrid,
        "annealed_langevin": annealed_langevin,
        "predictor_corrector": predictor_corrector,
        "langevin": langevin,
        "tempered_langevin": tempered_langevin,
        "posterior_langevin": posterior_langevin,
    },
    partial=True,
)


def make_sampler(name: str, /, **params) -> functools.partial:
    """The sampler registered as ``name`` in ``SAMPLERS`` with some of its arguments bound.

    Parameters
    ----------
    name : str
        A key of ``SAMPLERS`` (``"reverse_sde"``, ``"langevin"``, ...).
    **params
        Keyword arguments of that sampler function (``steps``, ``sigma_min``, ``step``, ...).

    Returns
    -------
    functools.partial
        ``functools.partial(SAMPLERS[name], **params)``; call it with the remaining arguments
        (the score, the initial points, ``rng``, ...) to get a ``SamplerResult``.

    Raises
    ------
    ValueError
        For an unknown name or a parameter the sampler does not take (with a did-you-mean and
        the valid names).

    Examples
    --------
    >>> run = make_sampler("langevin", step=0.1, steps=200)
    >>> run.keywords
    {'step': 0.1, 'steps': 200}
    """
    return SAMPLERS.make(name, **params)
