"""Task of the coarse-score studies: novelty, fidelity and coverage of samplers driven by the
geometry-only score, fitted on N samples of a manifold.

The design (the family README has the science):

- the projection P_M is estimated from the N samples by moving least squares
  (:class:`ratesim.scores.AdaptiveProjectionScore`, degree ceil(beta) - 1 clipped to [1, 4],
  Aamari and Levrard 2019) with bandwidth h_N = a (log N / N)^(1/k)
  (:func:`ratesim.scores.coarse_bandwidth`: the minimax-manifold-estimation bandwidth, a few data
  spacings);
- the coarse score (P_hat(x) - x) / sigma^2 drives the reverse VE SDE, the SDE-then-ODE hybrid,
  or the reverse SDE followed by tempered-score Langevin (alpha = 1) at a fixed sigma
  (:func:`ratesim.samplers.draw_coarse`); every sampler ends with the Tweedie step, i.e. on the
  estimated manifold;
- the coverage scale delta*(c) (:func:`ratesim.metrics.coverage_scale`) of m generated samples
  relative to mu_data, with c = 2, samples counted at their projection onto M; on curves (k = 1)
  the balls are geodesic arcs and the supremum runs over every centre (exact); on surfaces
  (k = 2) over a grid, with chordal balls on the Holder graphs (chordal and geodesic radii agree
  to O(delta^3), reach >= 1/4);
- fidelity: the distance of the samples to M, median (``fidelity``) and maximum (``precision``,
  the precision half of the Hausdorff distance between the sample and M). The coverage of
  ambient neighbourhoods of M (balls of R^d around points of M) is bounded by the projected
  coverage and by the precision: once delta exceeds ``precision`` both count the same samples,
  so delta*_ambient <= max(delta*, precision). ``precision`` has no Monte-Carlo floor (each
  sample's distance is exact), which makes it the resolvable part of P1's coverage bound.

Monte-Carlo floor (docs/measurement.md, trap 2): delta* of m samples is bounded below by the floor
of m i.i.d. draws from mu_data, about (log m / m)^(1/k) up to a constant depending on c. The task
returns that floor (``delta_floor``, computed on a fresh population sample of the same size m,
with the same grid) next to the generated law's ``delta_star`` and the empirical measure's
``delta_emp`` (the N training points themselves: the memorizing control, ~ (log N / N)^(1/k)).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ratesim import metrics
from ratesim._validation import as_generator, check_int, check_positive
from ratesim.samplers import COARSE_SAMPLERS, draw_coarse
from ratesim.scores import AdaptiveProjectionScore
from ratesim.study import build, task

__all__ = ["COARSE_METRICS", "coarse_coverage", "coarse_sigma_min", "spacing"]

COARSE_METRICS = (
    "precision",
    "delta_star",
    "delta_emp",
    "delta_floor",
    "nn_dist",
    "novelty_ratio",
    "memorized_frac",
    "fidelity",
    "fidelity_ratio",
    "ts_relax",
    "fallback_frac",
)


def coarse_sigma_min(h: float, ratio: float = 0.1) -> float:
    """Final noise level of the coarse samplers, ``ratio * h`` (the Tweedie step then lands on
    the estimated manifold; below h the coarse score is a pure projection, so the exact value
    only fixes how many steps are spent at scales the estimator does not resolve)."""
    return float(check_positive(ratio, "ratio") * check_positive(h, "h"))


def spacing(X) -> float:
    """Median nearest-neighbour distance within the training set X (N, d): its data spacing."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"X must be (N >= 2, d) (got shape {X.shape})")
    dist, _ = cKDTree(X).query(X, k=2)
    return float(np.median(dist[:, 1]))


@task(
    metrics=COARSE_METRICS,
    choices={
        "manifold": ("holder_curve", "holder_graph", "circle", "flat_torus"),
        "estimator": ("adaptive_projection", "projection", "smoothed", "kernel_smoothed"),
        "sampler": COARSE_SAMPLERS,
        "density": ("uniform", "holder", "piecewise_constant", "von_mises"),
    },
)
def coarse_coverage(
    *,
    N: int,
    m: int,
    manifold: str,
    k: int,
    d: int,
    density: str,
    estimator: str,
    sampler: str,
    sigma_max: float,
    sigma_min: float,
    steps: int,
    rng: np.random.Generator,
    h: float | None = None,
    h_scale: float = 0.0,
    r: float | None = None,
    ts_sigma: float | None = None,
    ts_steps: int = 100,
    c: float = 2.0,
    n_grid: int = 1024,
    **components,
) -> dict[str, float]:
    """Coverage scale, novelty and fidelity of a coarse-score sampler fitted on N samples.

    Parameters
    ----------
    N : int >= 3
        Training sample size, drawn from ``density`` on ``manifold`` (options ``manifold__*``,
        ``density__*``; the MLS degree follows ``manifold__beta``, default inf).
    m : int >= 10
        Generated samples (and the size of the fresh reference sample).
    estimator : str
        ``"adaptive_projection"``: :class:`ratesim.scores.AdaptiveProjectionScore` with bandwidth
        ``h`` and scale ``h_scale`` (b = max(h, h_scale sigma)); another name: the registered
        estimator built with its ``estimator__*`` options.
    sampler : {"reverse_sde", "hybrid", "tempered_langevin"}
        :func:`ratesim.samplers.draw_coarse` with ``sigma_max``, ``sigma_min``, ``steps`` and,
        for the tempered sampler, ``ts_sigma`` and ``ts_steps``.
    r : float, optional
        Descriptive only: the bandwidth in data spacings (h = r 2 pi / N in the phase study).
    c : float
        Coverage constant.
    n_grid : int >= 16
        Coverage grid size.

    Returns
    -------
    dict
        ``delta_star`` (coverage scale of the m generated samples vs mu_data), ``delta_emp``
        (of the N training points: the empirical measure), ``delta_floor`` (of m fresh draws
        from mu_data: the Monte-Carlo floor of delta_star), ``nn_dist`` (median distance of a
        generated sample to its nearest training point), ``novelty_ratio`` (that median over the
        median nearest-training distance of m fresh held-out points: ~1 when generalizing, << 1
        when copying), ``memorized_frac`` (d1/d2 < 1/3), ``fidelity`` (median distance to M),
        ``precision`` (largest distance to M: the precision half of the Hausdorff distance),
        ``fidelity_ratio`` (fidelity over the training spacing), ``ts_relax`` (TS-Langevin
        relaxation units, 0 for the other samplers), ``fallback_frac`` (fraction of projections
        that fell back to a training point).
    """
    rng = as_generator(rng)
    n = check_int(N, "N", low=3)
    m = check_int(m, "m", low=10)
    c = float(c)
    n_grid = check_int(n_grid, "n_grid", low=16)
    M = build("manifold", manifold, components, k=k, d=d)
    p = build("density", density, components, k=k, d=d)
    X = M.sample(n, p, rng=rng)
    if estimator == "adaptive_projection":
        if h is None:
            raise ValueError("estimator 'adaptive_projection' needs the bandwidth h")
        est = AdaptiveProjectionScore(
            bandwidth=float(h),
            k=int(k),
            beta=float(components.get("manifold__beta", "inf")),
            scale=float(h_scale),
        ).fit(X)
    else:
        est = build("estimator", estimator, components, k=k, d=d).fit(X)
    Y, relax = draw_coarse(
        est,
        sampler,
        m,
        sigma_max=float(sigma_max),
        sigma_min=float(sigma_min),
        steps=int(steps),
        rng=rng,
        ts_sigma=ts_sigma,
        ts_steps=int(ts_steps),
    )
    if not np.all(np.isfinite(Y)):
        raise FloatingPointError("the coarse sampler returned non-finite samples")
    ref = M.sample(m, p, rng=rng)  # held-out population sample: floor and novelty reference
    grid_seed = int(rng.integers(2**31))
    cov = dict(c=c, n_grid=n_grid, n_boot=0, rng=grid_seed)
    d_star = metrics.coverage_scale(M, Y, p, **cov).delta
    d_emp = metrics.coverage_scale(M, X, p, **cov).delta
    d_floor = metrics.coverage_scale(M, ref, p, **cov).delta
    mem = metrics.memorization(Y, X, heldout=ref)
    dist = metrics.distance_to_manifold(M, Y, quantiles=(0.5,))
    fid = dist.quantiles[0.5]
    return {
        "precision": float(dist.max),
        "delta_star": float(d_star),
        "delta_emp": float(d_emp),
        "delta_floor": float(d_floor),
        "nn_dist": float(np.median(mem.d1)),
        "novelty_ratio": float(mem.novelty_ratio),
        "memorized_frac": float(mem.memorized_fraction),
        "fidelity": fid,
        "fidelity_ratio": fid / spacing(X),
        "ts_relax": relax,
        "fallback_frac": float(
            getattr(est, "n_fallback_", 0) / max(getattr(est, "n_queries_", 1), 1)
        ),
    }
