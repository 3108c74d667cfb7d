"""Langevin samplers: fixed-sigma (plain, tempered, posterior), annealed, predictor-corrector.

All fixed-sigma samplers use the "hat" discretization of P2 (Li, Shen, Hsieh, He 2026,
Thm 5.1 and their experiments): with s_hat = sigma^2 s (= E[x0 | x] - x, Tweedie) the SDE

    dX = sigma^alpha s(X, sigma) dt + sqrt(2) dW

is stepped with dt = h sigma^(2 - alpha), h = ``step``:

    x <- x + h s_hat(x) + sqrt(2 h sigma^(2 - alpha)) xi.

The step h is dimensionless: the Hessian of -log p_sigma is at most I / sigma^2 for any data law
(it equals (I - Cov(x0 | x) / sigma^2) / sigma^2), so the scheme is stable for 0 < h < 2 whatever
sigma is, and near a manifold Euler-Maruyama inflates the normal variance by 1 / (1 - h/2).
On the unit circle the first angular mode relaxes in about 1 / (h sigma^(2 - alpha)) steps
(``relaxation_steps``): size step counts with ``suggest_steps`` and check them with the trace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from .._validation import RNGLike, as_points, check_in_range, check_int, check_positive
from ._common import (
    ArrayLike,
    SamplerResult,
    ScoreLike,
    TraceFn,
    _check_generator,
    _Recorder,
    _Score,
    _snapshot_indices,
    _start_points,
    geometric_sigmas,
)
from ._diffusion import _sde_coefficients
from ._kernels import lincomb2, lincomb3


def _check_step(step, name="step"):
    h = check_positive(step, name)
    if not h < 2.0:
        raise ValueError(
            f"{name} must be in (0, 2) (got {step!r}): the hat-form Langevin step x + h s_hat is "
            "unstable for h >= 2 (the score's normal stiffness is 1/sigma^2)"
        )
    return h


def _check_alpha(alpha):
    return check_in_range(alpha, "alpha", low=0.0, high=2.0, high_open=True)


def _fixed_sigma_chain(sc, x, sigma, alpha, h, steps, rng, rec, grad_v=None):
    """Core loop of the fixed-sigma samplers; in place on x."""
    dt = h * sigma ** (2.0 - alpha)
    a = h * sigma**2  # x += h s_hat = h sigma^2 s
    b = float(np.sqrt(2.0 * dt))
    noise = np.empty_like(x)
    for i in range(steps):
        s = sc.score(x, sigma)
        rng.standard_normal(out=noise)
        if grad_v is None:
            lincomb2(x, a, s, b, noise, x)
        else:
            g = np.asarray(grad_v(x), dtype=np.float64)
            if g.shape != x.shape or not np.all(np.isfinite(g)):
                raise ValueError(
                    f"grad_v must return finite values of shape {x.shape} (got shape {g.shape}"
                    f"{'' if g.shape != x.shape else ', with non-finite entries'})"
                )
            lincomb3(x, a, s, -dt, np.ascontiguousarray(g), b, noise, x)
        rec(i + 1, x)
    return x, dt


def _fixed_common(score, x0, sigma, alpha, step, steps, rng):
    sigma = check_positive(sigma, "sigma")
    alpha = _check_alpha(alpha)
    h = _check_step(step)
    steps = check_int(steps, "steps", low=1)
    rng = _check_generator(rng)
    sc = _Score(score)
    x = as_points(x0, "x0", d=None if sc.d is None else int(sc.d)).copy()
    return sc, x, sigma, alpha, h, steps, rng


def tempered_langevin(
    score: ScoreLike,
    x0: ArrayLike,
    sigma: float,
    alpha: float,
    step: float,
    steps: int,
    *,
    rng: RNGLike,
    snapshot_steps: Sequence[int] | None = None,
    trace: TraceFn | None = None,
    trace_every: int = 1,
) -> SamplerResult:
    """Tempered-score (TS) Langevin at fixed sigma (P2 Thm 5.1; the modified corrector).

    Integrates dX = sigma^alpha s(X, sigma) dt + sqrt(2) dW in the hat form
    x <- x + h s_hat + sqrt(2 h sigma^(2 - alpha)) xi, s_hat = sigma^2 s (h = ``step``,
    dt = h sigma^(2-alpha)).
    Its stationary law is proportional to p_sigma^(sigma^alpha) (for a gradient score), whose
    normal width is sigma^(1 - alpha/2) (times (1 - h/2)^(-1/2) for this Euler scheme) and whose
    law on M tends to the uniform (volume) law as sigma -> 0 for 0 < alpha < 2. The step never
    follows Song's SNR rule: it would scale dt like 1/|s|^2 and undo the tempering.

    Parameters
    ----------
    score : score estimator or callable (x, sigma) -> (m, d)
    x0 : array (n, d)
        Start points, one per chain.
    sigma : float > 0
        Fixed noise level.
    alpha : float in [0, 2)
        Tempering exponent (0 = plain Langevin on p_sigma).
    step : float in (0, 2)
        Dimensionless step h: dt = h sigma^(2 - alpha).
    steps : int >= 1
        Number of steps; the time horizon is ``steps * h * sigma^(2 - alpha)``. On the unit circle
        mixing needs about ``relaxation_steps(sigma, alpha, step)`` = 1/(h sigma^(2-alpha)) steps.
    rng : numpy Generator, SeedSequence or int seed
        Source of the noise (required).
    snapshot_steps : sequence of int, optional
        Steps in [0, steps] whose states are kept.
    trace : callable x -> (n,) or (n, q), optional
        Statistic recorded every ``trace_every`` steps (e.g. cos and sin of the angle), for
        ``integrated_autocorr_time`` and ``two_halves``.
    trace_every : int >= 1
        Recording stride of ``trace``, in steps.

    Returns
    -------
    SamplerResult
        ``samples`` (n, d), ``sigmas`` (steps + 1,) all equal to sigma,
        ``time_horizon = steps * h * sigma^(2 - alpha)``.
    """
    sc, x, sigma, alpha, h, steps, rng = _fixed_common(score, x0, sigma, alpha, step, steps, rng)
    rec = _Recorder(steps, snapshot_steps, trace, trace_every)
    rec(0, x)
    x, dt = _fixed_sigma_chain(sc, x, sigma, alpha, h, steps, rng, rec)
    params = dict(sigma=sigma, alpha=alpha, step=h, steps=steps, dt=dt)
    return rec.result(
        x, "tempered_langevin", np.full(steps + 1, sigma), steps * dt, sc.n_evals, params
    )


def langevin(
    score: ScoreLike,
    x0: ArrayLike,
    sigma: float,
    step: float,
    steps: int,
    *,
    rng: RNGLike,
    snapshot_steps: Sequence[int] | None = None,
    trace: TraceFn | None = None,
    trace_every: int = 1,
) -> SamplerResult:
    """Plain (unadjusted) Langevin at fixed sigma (the corrector): ``tempered_langevin``, alpha = 0.

    dX = s(X, sigma) dt + sqrt(2) dW targets p_sigma; step dt = h sigma^2 (hat form
    x <- x + h s_hat + sqrt(2 h sigma^2) xi), so ``step`` = h is the same dimensionless step as in
    the tempered sampler. Mixing along a unit circle takes about 1 / (h sigma^2) steps.

    Parameters
    ----------
    score, x0, sigma, step, steps, rng, snapshot_steps, trace, trace_every
        As in ``tempered_langevin``: score estimator or callable, (n, d) start points, fixed
        noise level, dimensionless step, number of steps, Generator or seed (required),
        recording options.

    Returns
    -------
    SamplerResult
        ``samples`` (n, d), ``method = "langevin"``, ``time_horizon = steps * h * sigma^2``.
    """
    res = tempered_langevin(
        score,
        x0,
        sigma,
        0.0,
        step,
        steps,
        rng=rng,
        snapshot_steps=snapshot_steps,
        trace=trace,
        trace_every=trace_every,
    )
    return dataclasses.replace(res, method="langevin")


def posterior_langevin(
    score: ScoreLike,
    grad_v: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    sigma: float,
    alpha: float,
    step: float,
    steps: int,
    *,
    rng: RNGLike,
    snapshot_steps: Sequence[int] | None = None,
    trace: TraceFn | None = None,
    trace_every: int = 1,
) -> SamplerResult:
    """Langevin for a Bayesian inverse problem with a (tempered) score prior (P2 Thm 6.1).

    dx = -grad v(x) dt + sigma^alpha s(x, sigma) dt + sqrt(2) dW: the likelihood potential v is not
    tempered, the prior score is (alpha = 0: the usual plug-and-play posterior exp(-v) p_sigma).
    For 0 < alpha < 2 and sigma -> 0 the stationary law tends to exp(-v(Phi(u))) times the volume
    on M. Hat-form step dt = h sigma^(2 - alpha), h = ``step``:
    x <- x + h s_hat - dt grad v + sqrt(2 dt) xi.

    Parameters
    ----------
    score : score estimator or callable (x, sigma) -> (m, d)
        The prior score.
    grad_v : callable x (n, d) -> (n, d)
        Gradient of the negative log-likelihood v. Its stiffness L must satisfy dt L < 2.
    x0, sigma, alpha, step, steps, rng, snapshot_steps, trace, trace_every
        As in ``tempered_langevin``: (n, d) start points, fixed noise level, tempering exponent
        in [0, 2), dimensionless step, number of steps, Generator or seed (required), recording
        options.

    Returns
    -------
    SamplerResult
        ``samples`` (n, d), ``time_horizon = steps * h * sigma^(2 - alpha)``.
    """
    if not callable(grad_v):
        raise ValueError(
            f"grad_v must be a callable x -> grad v(x) of shape (n, d) (got {grad_v!r})"
        )
    sc, x, sigma, alpha, h, steps, rng = _fixed_common(score, x0, sigma, alpha, step, steps, rng)
    rec = _Recorder(steps, snapshot_steps, trace, trace_every)
    rec(0, x)
    x, dt = _fixed_sigma_chain(sc, x, sigma, alpha, h, steps, rng, rec, grad_v=grad_v)
    params = dict(sigma=sigma, alpha=alpha, step=h, steps=steps, dt=dt)
    return rec.result(
        x, "posterior_langevin", np.full(steps + 1, sigma), steps * dt, sc.n_evals, params
    )


def annealed_langevin(
    score: ScoreLike,
    x0: ArrayLike | None = None,
    *,
    sigma_max: float,
    sigma_min: float,
    levels: int,
    steps_per_level: int,
    step: float,
    rng: RNGLike,
    n: int | None = None,
    d: int | None = None,
    final_denoise: bool = True,
    snapshot_steps: Sequence[int] | None = None,
    trace: TraceFn | None = None,
    trace_every: int = 1,
) -> SamplerResult:
    """Annealed Langevin dynamics (Song & Ermon 2019, Algorithm 1).

    ``levels`` noise levels geometric from sigma_max to sigma_min; at each, ``steps_per_level``
    Langevin steps of size alpha_i = eps sigma_i^2 / sigma_L^2, i.e. the hat form with the fixed
    dimensionless h = ``step`` = eps / sigma_L^2: x <- x + h sigma_i^2 s + sqrt(2 h sigma_i^2) xi.
    ``sigmas`` in the result gives the level of each step (index 0 = start). Optional final Tweedie
    step at sigma_min (Jolicoeur-Martineau et al. 2021). Time horizon: sum of dt = h sigma_i^2.

    Parameters
    ----------
    score : score estimator or callable (x, sigma) -> (m, d)
    x0 : array (n, d), optional
        Start points; default ``n`` draws of sigma_max N(0, I) (``d`` from the estimator).
    sigma_max, sigma_min : float
        Largest and smallest level, 0 < sigma_min < sigma_max.
    levels : int >= 2
        Number of noise levels.
    steps_per_level : int >= 1
    step : float in (0, 2)
        Dimensionless step h (eps / sigma_L^2 in Song & Ermon's notation).
    rng : numpy Generator, SeedSequence or int seed
        Source of the noise (required).
    n, d, final_denoise, snapshot_steps, trace, trace_every
        As in ``reverse_sde`` (step indices run over all levels x steps_per_level steps).

    Returns
    -------
    SamplerResult
    """
    h = _check_step(step)
    levels = check_int(levels, "levels", low=2)
    spl = check_int(steps_per_level, "steps_per_level", low=1)
    lv = geometric_sigmas(sigma_max, sigma_min, levels - 1)
    rng = _check_generator(rng)
    sc = _Score(score)
    x = _start_points(sc, x0, n, d, float(lv[0]), rng)
    total = levels * spl
    sigmas = np.concatenate([[lv[0]], np.repeat(lv, spl)])
    rec = _Recorder(total, _snapshot_indices(sigmas, snapshot_steps, None), trace, trace_every)
    rec(0, x)
    noise = np.empty_like(x)
    for k in range(total):
        sig = float(sigmas[k + 1])
        s = sc.score(x, sig)
        rng.standard_normal(out=noise)
        lincomb2(x, h * sig**2, s, float(np.sqrt(2.0 * h)) * sig, noise, x)
        rec(k + 1, x)
    out = sc.denoise(x, float(lv[-1])) if final_denoise else x
    params = dict(
        sigma_max=float(sigma_max),
        sigma_min=float(sigma_min),
        levels=levels,
        steps_per_level=spl,
        step=h,
        final_denoise=bool(final_denoise),
    )
    horizon = float(np.sum(h * sigmas[1:] ** 2))
    return rec.result(out, "annealed_langevin", sigmas, horizon, sc.n_evals, params)


def snr_step(s: np.ndarray, z: np.ndarray, snr: float) -> float:
    """Song et al. (2021) corrector step 2 (snr mean|z| / mean|s|)^2 (norms per chain, averaged).

    Returns 0 when every score in the batch vanishes (no corrector move).
    """
    gn = float(np.mean(np.sqrt(np.einsum("ij,ij->i", s, s))))
    zn = float(np.mean(np.sqrt(np.einsum("ij,ij->i", z, z))))
    return 0.0 if gn == 0.0 else 2.0 * (snr * zn / gn) ** 2


def predictor_corrector(
    score: ScoreLike,
    x0: ArrayLike | None = None,
    *,
    sigma_max: float,
    sigma_min: float,
    steps: int,
    rng: RNGLike,
    n: int | None = None,
    d: int | None = None,
    corrector_steps: int = 1,
    snr: float = 0.16,
    step: float | None = None,
    method: str = "euler",
    final_denoise: bool = True,
    snapshot_steps: Sequence[int] | None = None,
    snapshot_sigmas: Sequence[float] | None = None,
    trace: TraceFn | None = None,
    trace_every: int = 1,
) -> SamplerResult:
    """Predictor-corrector sampler (Song et al. 2021, Algorithm 2, VE SDE).

    For i = 0..steps-1: ``corrector_steps`` Langevin steps at sigma_i, then one reverse-SDE
    predictor step sigma_i -> sigma_(i+1) (``method`` as in ``reverse_sde``). Corrector step size:

    - ``step is None`` (default): Song's signal-to-noise rule as in the authors' code,
      eps = 2 (snr mean_j |z_j| / mean_j |s_j|)^2 with norms averaged over the chains of the batch,
      x <- x + eps s + sqrt(2 eps) z. The averaging couples chains through this one scalar (a
      per-chain rule eps_j ~ 1/|s_j|^2 has a heavy tail in low dimension: |s_j| can be near 0 and
      the step explode). This rule is allowed here only: with a tempered score it would scale the
      step like 1/|s|^2 and undo the tempering.
    - ``step`` = h given: the hat-form step x <- x + h sigma_i^2 s + sqrt(2 h sigma_i^2) z.

    ``sigmas``/step indices follow the predictor schedule (one index per predictor step; the
    state is recorded after the predictor). Score evaluations: steps (corrector_steps + 1) (+1).

    Parameters
    ----------
    corrector_steps : int >= 0
        Langevin steps per level (0: predictor only, i.e. ``reverse_sde``).
    snr : float > 0
        Signal-to-noise ratio of the SNR rule (Song et al. use 0.16 for CIFAR-10 VE models).
    step : float in (0, 2), optional
        Fixed hat-form corrector step h instead of the SNR rule.
    score, x0, sigma_max, sigma_min, steps, rng, n, d, method, final_denoise, snapshot_steps,
    snapshot_sigmas, trace, trace_every
        As in ``reverse_sde``.

    Returns
    -------
    SamplerResult
        ``time_horizon`` = sigma_max^2 - sigma_min^2 (the predictor's variance clock).
    """
    sigmas = geometric_sigmas(sigma_max, sigma_min, steps)
    from ._diffusion import _check_method

    method = _check_method(method)
    cs = check_int(corrector_steps, "corrector_steps", low=0)
    use_snr = step is None
    h = None
    if use_snr:
        snr = check_positive(snr, "snr")
    else:
        h = _check_step(step)
    rng = _check_generator(rng)
    sc = _Score(score)
    x = _start_points(sc, x0, n, d, float(sigmas[0]), rng)
    rec = _Recorder(
        len(sigmas) - 1,
        _snapshot_indices(sigmas, snapshot_steps, snapshot_sigmas),
        trace,
        trace_every,
    )
    rec(0, x)
    noise = np.empty_like(x)
    horizon = 0.0
    for i in range(len(sigmas) - 1):
        sig = float(sigmas[i])
        for _ in range(cs):
            s = sc.score(x, sig)
            rng.standard_normal(out=noise)
            if use_snr:
                eps = snr_step(s, noise, snr)
                lincomb2(x, eps, s, float(np.sqrt(2.0 * eps)), noise, x)
            else:
                lincomb2(x, h * sig**2, s, float(np.sqrt(2.0 * h)) * sig, noise, x)
        v_i, v_n = sig**2, float(sigmas[i + 1]) ** 2
        s = sc.score(x, sig)
        a, b = _sde_coefficients(v_i, v_n, method)
        rng.standard_normal(out=noise)
        lincomb2(x, a, s, b, noise, x)
        horizon += a
        rec(i + 1, x)
    out = sc.denoise(x, float(sigmas[-1])) if final_denoise else x
    params = dict(
        sigma_max=float(sigma_max),
        sigma_min=float(sigma_min),
        steps=int(steps),
        corrector_steps=cs,
        snr=None if not use_snr else snr,
        step=h,
        method=method,
        final_denoise=bool(final_denoise),
    )
    return rec.result(out, f"predictor_corrector/{method}", sigmas, horizon, sc.n_evals, params)
