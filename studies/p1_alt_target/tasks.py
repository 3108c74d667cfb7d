"""Tasks of the alternative-target family: how far the coarse-score sampler's law nu_N is from its
N -> infinity limit nu_inf, by a coupled circular Cramer-von Mises / H^-1 distance D^2.

- nu_N: the coarse sampler (:func:`ratesim.samplers.draw_coarse`) driven by
  :class:`ratesim.scores.AdaptiveProjectionScore`, the moving-least-squares projection P_hat
  fitted on N samples (bandwidth h_N, default :func:`ratesim.scores.coarse_bandwidth`), reverse VE
  SDE on a geometric schedule sigma_max -> sigma_min (default h_N / 10), final Tweedie step;
- nu_inf: the SAME sampler (same schedule, steps, Tweedie step and the same random numbers) driven
  by the exact coarse score (P_M(x) - x) / sigma^2 (:class:`ratesim.scores.ExactCoarseScore`).

**On the unit circle nu_inf is exactly uniform.** Let M = S^1 in R^2 and R any rotation. (i)
P_M(x) = x / |x| is equivariant, P_M(R x) = R P_M(x), hence so is the coarse score
s(x, sigma) = (P_M(x) - x) / sigma^2 at every sigma. (ii) The start law N(0, sigma_max^2 I) is
rotation invariant, and so is each Gaussian increment z ~ N(0, I) of the Euler-Maruyama steps.
(iii) One step is x' = x + a_i s(x, sigma_i) + b_i z with deterministic a_i, b_i (the same for
every chain); if Law(x) is R-invariant, then Law(R x') = Law(R x + a_i s(R x, sigma_i) + b_i R z)
= Law(x') because (R x, R z) has the law of (x, z) (independent). By induction every iterate, and
the final Tweedie image P_M(x_final) in S^1, has an R-invariant law: the only rotation-invariant
probability on S^1 is the uniform law. The argument uses neither the data law nor the step sizes,
so it holds for any discretization (x = 0 has probability zero). Hence nu_inf = Unif(S^1) exactly,
while mu_data = von Mises(kappa, mean): the "different target", at the distance
:func:`ratesim.metrics.vonmises_gap2` from mu_data that does not shrink with N.

**The distance** (:mod:`ratesim.metrics`): D^2 = sum_{j >= 1} |c_j(nu_N) - c_j(nu_inf)|^2 / j^2
between the laws of the polar angle, closed over all j. Primary statistic: the coupled U-statistic
:func:`~ratesim.metrics.d2_coupled` on the m pairs (theta_a ~ nu_N, phi_a ~ nu_inf) of chains that
share their start points and increments (synchronous coupling); it is unbiased for D^2 whatever
the coupling, and the coupling lowers its floor (:func:`~ratesim.metrics.d2_coupled_null_sd`) far
below the uncoupled one (:func:`~ratesim.metrics.d2_uniform_null_sd`, ~ 1.04 / m). W1 (exact
circle transport to the uniform law, :func:`ratesim.metrics.wasserstein_circle_uniform`) is
reported next to it with its floor (W1 of the m coupled nu_inf draws, an exact uniform sample).

On a closed star-shaped curve (a Holder curve) nu_inf has no closed form: it is *sampled* by the
coupled chains, and D^2 compares the laws of the direction x / |x| (a chart of the curve).
"""

from __future__ import annotations

import math

import numpy as np

from ratesim._validation import as_generator, check_int, check_positive
from ratesim.densities import VonMises
from ratesim.manifolds import MANIFOLDS
from ratesim.metrics import (
    circle_angles,
    d2_coupled,
    d2_coupled_null_sd,
    d2_two_sample,
    d2_uniform,
    d2_uniform_null_sd,
    vonmises_gap2,
    wasserstein_circle_uniform,
)
from ratesim.samplers import draw_coarse
from ratesim.scores import AdaptiveProjectionScore, ExactCoarseScore, coarse_bandwidth
from ratesim.study import build, task

__all__ = [
    "ALT_METRICS",
    "HOLDER_METRICS",
    "alt_target_circle",
    "alt_target_curve",
    "coupled_cell_circle",
    "coupled_cell_curve",
]

ALT_METRICS = (
    "d2",
    "d2_floor",
    "d2_res",
    "dist",
    "d2_plain",
    "d2_plain_inf",
    "d2_plain_floor",
    "w1",
    "w1_floor",
    "gap2",
    "gap2_data",
    "coupled_frac",
    "fallback_frac",
)

HOLDER_METRICS = (
    "d2",
    "d2_floor",
    "d2_res",
    "dist",
    "gap2",
    "gap2_floor",
    "coupled_frac",
    "fidelity",
    "fallback_frac",
)

SAMPLERS = ("reverse_sde", "hybrid")


def _schedule(N, m, steps, sigma_max, sampler, h, sigma_min):
    """Validated (N, m, steps, sigma_max, h, sigma_min) of a cell (defaults h_N and h_N / 10)."""
    N = check_int(N, "N", low=3)
    m = check_int(m, "m", low=10)
    steps = check_int(steps, "steps", low=2)
    sigma_max = check_positive(sigma_max, "sigma_max")
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be 'reverse_sde' or 'hybrid' (got {sampler!r})")
    h = coarse_bandwidth(N, 1) if h is None else check_positive(h, "h")
    sigma_min = h / 10.0 if sigma_min is None else check_positive(sigma_min, "sigma_min")
    if not sigma_min < sigma_max:
        raise ValueError(f"need sigma_min < sigma_max (got {sigma_min} and {sigma_max})")
    return N, m, steps, sigma_max, h, sigma_min


def _coupled_draws(est, manifold, sampler, m, rng, sched):
    """m draws of nu_N (fitted ``est``) and of nu_inf (exact coarse score of ``manifold``) from
    the same random numbers (one chain seed drawn from ``rng``)."""
    chain_seed = int(rng.integers(2**63 - 1))
    Yn, _ = draw_coarse(est, sampler, m, rng=np.random.default_rng(chain_seed), **sched)
    Yi, _ = draw_coarse(
        ExactCoarseScore(manifold).fit(), sampler, m, rng=np.random.default_rng(chain_seed), **sched
    )
    if not (np.all(np.isfinite(Yn)) and np.all(np.isfinite(Yi))):
        raise FloatingPointError("a coarse sampler returned non-finite samples")
    return Yn, Yi


def coupled_cell_circle(
    N: int,
    *,
    rng,
    kappa: float = 1.0,
    mean: float = math.pi,
    m: int = 10_000,
    sigma_max: float = 2.0,
    sigma_min: float | None = None,
    steps: int = 20,
    h: float | None = None,
    beta: float = math.inf,
    sampler: str = "reverse_sde",
) -> dict[str, float]:
    """Distance between the coarse-score sampler's law nu_N and its limit nu_inf = Unif(S^1).

    Draws N von Mises(kappa, mean) points on the unit circle in R^2, fits
    :class:`~ratesim.scores.AdaptiveProjectionScore` (bandwidth ``h``, MLS degree from ``beta``)
    and runs :func:`~ratesim.samplers.draw_coarse` twice with the same seed (identical start
    points and increments, same schedule and steps): once with the fitted score (m draws of
    nu_N), once with :class:`~ratesim.scores.ExactCoarseScore` (m draws of nu_inf, exactly
    uniform: module docstring).

    Parameters
    ----------
    N : int >= 3
        Training sample size.
    rng : Generator or seed
    kappa, mean : float
        Data law von Mises(kappa, mean) (w.r.t. arc length).
    m : int >= 10
        Chains (pairs).
    sigma_max, sigma_min, steps : float, float, int
        Geometric schedule (default sigma_min = h / 10).
    h : float > 0, optional
        MLS bandwidth (default 6 (log N / N)).
    beta : float
        Regularity used for the MLS degree (inf: the circle is analytic, degree 4).
    sampler : {"reverse_sde", "hybrid"}
        Coarse sampler (both deterministic functions of the shared random numbers).

    Returns
    -------
    dict
        ``d2`` (coupled unbiased D^2(nu_N, nu_inf)), ``d2_floor`` (its null sd), ``d2_res``
        (max(d2, d2_floor): the estimate where resolved, else the floor, an upper bound up to
        noise; positive, so it can be fitted on the log scale), ``dist`` (sqrt(max(d2, 0))),
        ``d2_plain`` (uncoupled unbiased D^2(nu_N, Unif)), ``d2_plain_inf`` (the same for the
        nu_inf draws: a control, ~ 0), ``d2_plain_floor`` (1.04 / m), ``w1``/``w1_floor``
        (exact W1 to uniform of the nu_N / nu_inf draws), ``gap2`` (D^2(nu_inf, mu_data), closed
        form), ``gap2_data`` (unbiased D^2(mu_data, Unif) from the N training angles: the same
        gap, estimated), ``coupled_frac`` (pairs ending within 1e-3 rad), ``fallback_frac`` (MLS
        safeguard rows).
    """
    kappa = check_positive(kappa, "kappa", allow_zero=True)
    rng = as_generator(rng)
    N, m, steps, sigma_max, h, sigma_min = _schedule(N, m, steps, sigma_max, sampler, h, sigma_min)
    M = MANIFOLDS["circle"](d=2)
    X = M.sample(N, VonMises(kappa, float(mean)), rng=rng)
    est = AdaptiveProjectionScore(bandwidth=h, k=1, beta=beta).fit(X)
    sched = dict(sigma_max=sigma_max, sigma_min=sigma_min, steps=steps)
    Yn, Yi = _coupled_draws(est, M, sampler, m, rng, sched)
    tn, ti = circle_angles(Yn), circle_angles(Yi)
    d2 = d2_coupled(tn, ti)
    floor = d2_coupled_null_sd(tn, ti, rng=rng)
    gap = np.abs(np.angle(np.exp(1j * (tn - ti))))
    return {
        "d2": d2,
        "d2_floor": floor,
        "d2_res": max(d2, floor),
        "dist": math.sqrt(max(d2, 0.0)),
        "d2_plain": d2_uniform(tn),
        "d2_plain_inf": d2_uniform(ti),
        "d2_plain_floor": d2_uniform_null_sd(m),
        "w1": wasserstein_circle_uniform(tn),
        "w1_floor": wasserstein_circle_uniform(ti),
        "gap2": vonmises_gap2(kappa),
        "gap2_data": d2_uniform(circle_angles(X)),
        "coupled_frac": float(np.mean(gap < 1e-3)),
        "fallback_frac": float(est.n_fallback_ / max(est.n_queries_, 1)),
    }


def coupled_cell_curve(
    manifold,
    density,
    N: int,
    *,
    rng,
    m: int = 4000,
    sigma_max: float = 2.0,
    sigma_min: float | None = None,
    steps: int = 20,
    h: float | None = None,
    beta: float = math.inf,
    sampler: str = "reverse_sde",
) -> dict[str, float]:
    """Coupled D^2(nu_N, nu_inf) on a closed star-shaped plane curve (e.g. a Holder curve).

    As :func:`coupled_cell_circle`, but nu_inf is not known in closed form: it is *sampled* by the
    exact-projection sampler (:class:`~ratesim.scores.ExactCoarseScore`, ``manifold.project``)
    with the same seed as the fitted one, so the m pairs are synchronously coupled and
    :func:`~ratesim.metrics.d2_coupled` is unbiased for D^2 between the two laws of the polar
    angle x/|x| (a chart of a star-shaped curve r = r(theta) around the origin; for samples off
    M -- nu_N lives on the *estimated* curve -- D^2 compares the laws of their directions, blind
    to radial displacement, which ``fidelity`` reports).

    Parameters
    ----------
    manifold : ratesim manifold with k = 1, d = 2 and an exact ``project``
    density : ratesim density on it
    N, rng, m, sigma_max, sigma_min, steps, h, beta, sampler
        As in :func:`coupled_cell_circle` (``beta``: the MLS degree ceil(beta) - 1).

    Returns
    -------
    dict
        ``d2``, ``d2_floor``, ``d2_res``, ``dist`` as in :func:`coupled_cell_circle`; ``gap2``:
        unbiased two-sample estimate of D^2(nu_inf, mu_data) (:func:`~ratesim.metrics.
        d2_two_sample`, the m nu_inf draws against m fresh draws of mu_data), ``gap2_floor``: its
        null sd sqrt(pi^4/90) (2/m); ``coupled_frac``; ``fidelity``: the median distance to M of
        the nu_N draws; ``fallback_frac``.
    """
    if int(getattr(manifold, "d", 0)) != 2 or int(getattr(manifold, "k", 1)) != 1:
        raise ValueError("alt_target_curve needs a closed curve in R^2 (k = 1, d = 2)")
    rng = as_generator(rng)
    N, m, steps, sigma_max, h, sigma_min = _schedule(N, m, steps, sigma_max, sampler, h, sigma_min)
    X = manifold.sample(N, density, rng=rng)
    est = AdaptiveProjectionScore(bandwidth=h, k=1, beta=beta).fit(X)
    sched = dict(sigma_max=sigma_max, sigma_min=sigma_min, steps=steps)
    Yn, Yi = _coupled_draws(est, manifold, sampler, m, rng, sched)
    tn, ti = circle_angles(Yn), circle_angles(Yi)
    d2 = d2_coupled(tn, ti)
    ref = circle_angles(manifold.sample(m, density, rng=rng))
    gap = np.abs(np.angle(np.exp(1j * (tn - ti))))
    dist_m = np.asarray(manifold.project(Yn).dist, dtype=float)
    floor = d2_coupled_null_sd(tn, ti, rng=rng)
    return {
        "d2": d2,
        "d2_floor": floor,
        "d2_res": max(d2, floor),
        "dist": math.sqrt(max(d2, 0.0)),
        "gap2": d2_two_sample(ti, ref),
        "gap2_floor": math.sqrt(math.pi**4 / 90.0) * 2.0 / m,
        "coupled_frac": float(np.mean(gap < 1e-3)),
        "fidelity": float(np.median(dist_m)),
        "fallback_frac": float(est.n_fallback_ / max(est.n_queries_, 1)),
    }


def _check_label(name: str, value, allowed) -> None:
    if value != allowed:
        raise ValueError(f"{name} must be {allowed!r} for this task (got {value!r})")


@task(
    metrics=ALT_METRICS,
    choices={
        "manifold": ("circle",),
        "density": ("von_mises",),
        "estimator": ("adaptive_projection",),
        "sampler": SAMPLERS,
    },
)
def alt_target_circle(
    *,
    N: int,
    m: int,
    h: float,
    sigma_max: float,
    sigma_min: float,
    steps: int,
    rng: np.random.Generator,
    manifold: str = "circle",
    k: int = 1,
    d: int = 2,
    density: str = "von_mises",
    estimator: str = "adaptive_projection",
    sampler: str = "reverse_sde",
    **components,
) -> dict[str, float]:
    """Coupled D^2(nu_N, nu_inf) of the coarse-score sampler on the unit circle in R^2
    (:func:`coupled_cell_circle`), data law von Mises(``density__kappa``, ``density__mean``;
    default mean pi). The circle is analytic: MLS degree 4 (beta = inf)."""
    _check_label("k", k, 1)
    _check_label("d", d, 2)
    p = build("density", density, components)
    return coupled_cell_circle(
        int(N),
        rng=rng,
        kappa=float(p.kappa),
        mean=float(components.get("density__mean", math.pi)),
        m=int(m),
        sigma_max=float(sigma_max),
        sigma_min=float(sigma_min),
        steps=int(steps),
        h=float(h),
        beta=math.inf,
        sampler=str(sampler),
    )


@task(
    metrics=HOLDER_METRICS,
    choices={
        "manifold": ("holder_curve", "circle"),
        "density": ("von_mises", "uniform"),
        "estimator": ("adaptive_projection",),
        "sampler": SAMPLERS,
    },
)
def alt_target_curve(
    *,
    manifold: str,
    density: str,
    N: int,
    m: int,
    h: float,
    sigma_max: float,
    sigma_min: float,
    steps: int,
    rng: np.random.Generator,
    k: int = 1,
    d: int = 2,
    estimator: str = "adaptive_projection",
    sampler: str = "reverse_sde",
    **components,
) -> dict[str, float]:
    """Coupled D^2(nu_N, nu_inf) on a closed plane curve (:func:`coupled_cell_curve`), e.g. a
    Holder curve (``manifold__beta``, ``manifold__eps``, ``manifold__seed``). The MLS degree
    follows ``manifold__beta`` (absent: an analytic curve, beta = inf, degree 4)."""
    M = build("manifold", manifold, components, k=k, d=d)
    return coupled_cell_curve(
        M,
        build("density", density, components),
        int(N),
        rng=rng,
        m=int(m),
        sigma_max=float(sigma_max),
        sigma_min=float(sigma_min),
        steps=int(steps),
        h=float(h),
        beta=float(components.get("manifold__beta", math.inf)),
        sampler=str(sampler),
    )
