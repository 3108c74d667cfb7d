"""Three sampling protocols that end on the estimated manifold (final Tweedie step), by name."""

from __future__ import annotations

import math

import numpy as np

from .._validation import RNGLike, as_generator, check_int, check_positive
from ._diffusion import hybrid, reverse_sde
from ._langevin import tempered_langevin

__all__ = ["COARSE_SAMPLERS", "draw_coarse"]

COARSE_SAMPLERS = ("reverse_sde", "hybrid", "tempered_langevin")


def draw_coarse(
    est,
    sampler: str,
    m: int,
    *,
    sigma_max: float,
    sigma_min: float,
    steps: int,
    rng: RNGLike,
    ts_sigma: float | None = None,
    ts_alpha: float = 1.0,
    ts_step: float = 0.1,
    ts_steps: int = 100,
) -> tuple[np.ndarray, float]:
    """Draw m samples with a score estimator by one of three protocols, each ending with the
    Tweedie step (so, for the coarse score, on the estimated manifold).

    Parameters
    ----------
    est : fitted score estimator
        Anything with ``score(x, sigma)``, ``denoise(x, sigma)`` and ``n_features_in_`` (typically
        :class:`ratesim.scores.AdaptiveProjectionScore`).
    sampler : {"reverse_sde", "hybrid", "tempered_langevin"}
        ``reverse_sde``: Euler-Maruyama reverse VE SDE, geometric schedule sigma_max -> sigma_min,
        ``steps`` steps, final Tweedie step. ``hybrid``: the same SDE down to
        sqrt(sigma_max sigma_min) (steps // 2 steps), then the probability-flow ODE
        (steps - steps // 2 steps) to sigma_min, final Tweedie step. ``tempered_langevin``: the
        reverse SDE, then ``ts_steps`` tempered-score Langevin steps (hat form
        x <- x + h s_hat + sqrt(2 h sigma^(2 - alpha)) xi, h = ``ts_step``) at
        sigma = ``ts_sigma``, then the Tweedie step at ``ts_sigma`` (``est.denoise``).
    m : int >= 1
        Number of chains.
    sigma_max, sigma_min : float
        Noise schedule.
    steps : int >= 2
        Steps of the diffusion part.
    rng : numpy Generator, SeedSequence or int seed
        Source of all the noise (required).
    ts_sigma : float > 0, optional
        Noise level of the tempered Langevin phase (required for ``tempered_langevin``).
    ts_alpha, ts_step : float
        Tempering exponent and dimensionless step h of that phase.
    ts_steps : int
        Its number of steps.

    Returns
    -------
    Y : ndarray of shape (m, d)
        The samples.
    relax : float
        Tempered-Langevin relaxation units ts_steps * ts_step * ts_sigma^(2 - alpha) (the first
        angular mode of the unit circle relaxes in about one unit); 0 for the other protocols.
    """
    m = check_int(m, "m", low=1)
    steps = check_int(steps, "steps", low=2)
    rng = as_generator(rng)
    if sampler not in COARSE_SAMPLERS:
        raise ValueError(f"sampler must be one of {COARSE_SAMPLERS} (got {sampler!r})")
    d = est.n_features_in_
    if sampler == "hybrid":
        switch = math.sqrt(sigma_max * sigma_min)
        res = hybrid(
            est,
            n=m,
            d=d,
            sigma_max=sigma_max,
            sigma_switch=switch,
            sigma_min=sigma_min,
            sde_steps=steps // 2,
            ode_steps=steps - steps // 2,
            rng=rng,
        )
        return np.asarray(res.samples), 0.0
    res = reverse_sde(est, n=m, d=d, sigma_max=sigma_max, sigma_min=sigma_min, steps=steps, rng=rng)
    Y = np.asarray(res.samples)
    if sampler == "reverse_sde":
        return Y, 0.0
    ts_sigma = check_positive(ts_sigma, "ts_sigma")
    ts = tempered_langevin(
        est, Y, sigma=ts_sigma, alpha=ts_alpha, step=ts_step, steps=ts_steps, rng=rng
    )
    Y = est.denoise(np.asarray(ts.samples), ts_sigma)
    return np.asarray(Y), float(ts_steps * ts_step * ts_sigma ** (2.0 - ts_alpha))
