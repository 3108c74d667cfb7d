"""Samplers driven by any score estimator (``est.score(x, sigma)``, variance exploding).

Diffusion samplers (geometric sigma schedule from sigma_max to sigma_min, optional final Tweedie
step): ``reverse_sde`` (Euler-Maruyama or exponential integrator), ``probability_flow`` (Heun),
``hybrid`` (SDE then ODE), ``annealed_langevin``, ``predictor_corrector``.

Fixed-sigma Langevin samplers (hat form x <- x + h s_hat + sqrt(2 h sigma^(2-alpha)) xi with the
dimensionless ``step`` h, docs/science.md, P2): ``langevin``, ``tempered_langevin``,
``posterior_langevin``.

Every sampler is vectorized over chains, takes its randomness as the required keyword ``rng``, is
deterministic given it, and returns a ``SamplerResult`` (array-like samples plus optional
snapshots, a trace of a user statistic and the explicit time horizon). Mixing:
``integrated_autocorr_time``, ``two_halves``, ``relaxation_steps``, ``suggest_steps``.

Build by name with ``make_sampler("langevin", step=0.1, steps=200)`` (a ``functools.partial`` of
the sampler function); the registry is ``SAMPLERS``.
"""

from ._coarse import COARSE_SAMPLERS, draw_coarse
from ._common import SamplerResult, geometric_sigmas
from ._diffusion import hybrid, probability_flow, reverse_sde
from ._langevin import (
    annealed_langevin,
    langevin,
    posterior_langevin,
    predictor_corrector,
    tempered_langevin,
)
from ._mixing import (
    TwoHalves,
    integrated_autocorr_time,
    relaxation_steps,
    suggest_steps,
    two_halves,
)
from ._registry import SAMPLERS, make_sampler

__all__ = [
    "COARSE_SAMPLERS",
    "SAMPLERS",
    "SamplerResult",
    "TwoHalves",
    "annealed_langevin",
    "draw_coarse",
    "geometric_sigmas",
    "hybrid",
    "integrated_autocorr_time",
    "langevin",
    "make_sampler",
    "posterior_langevin",
    "predictor_corrector",
    "probability_flow",
    "relaxation_steps",
    "reverse_sde",
    "suggest_steps",
    "tempered_langevin",
    "two_halves",
]
