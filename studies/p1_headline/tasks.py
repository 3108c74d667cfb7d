"""Task of the P1 headline family: which reading of P1's coarse score gives a target comparable to
mu_data, and at which scale (the family README has the design).

One cell: N draws from a von Mises density on a closed Holder curve (k = 1, d = 2); a coarse score
fitted on them under one of two readings of P1 (Shen, Hsieh, He, arXiv 2603.23792;
docs/science.md):

- ``A``: geometry-only at every noise level: :class:`ratesim.scores.AdaptiveProjectionScore`
  (moving least squares of degree ceil(beta) - 1 clipped to [1, 4], h_N = 6 log N / N);
- ``B``: learned from the data at sigma >= sigma_0 = N^(-1/5) (a denoising-score-matching
  regression, :class:`ratesim.scores.NadarayaWatsonScore` on 8 noisy copies per point with
  bandwidth sigma_0 / 2) and the same geometry-only score below
  (:class:`ratesim.scores.TwoScaleScore`).

m samples from the reverse VE SDE (sigma 2 -> h_N / 10, 20 geometric steps, Tweedie end) are
compared with mu_data: the coverage scale delta*(c) for c = 2 and 4 (geodesic arcs, exact
supremum over centres), next to its Monte-Carlo floor (m fresh draws from mu_data) and the
empirical measure's (the N training points); and the distance of the samples to M (median,
99 % quantile, maximum).
"""

from __future__ import annotations

import numpy as np

from ratesim import metrics
from ratesim._validation import as_generator, check_int, check_positive
from ratesim.samplers import draw_coarse
from ratesim.scores import (
    AdaptiveProjectionScore,
    EmpiricalScore,
    NadarayaWatsonScore,
    OracleScore,
    SmoothedScore,
    TwoScaleScore,
    coarse_bandwidth,
)
from ratesim.study import build, task

# the data of every study of the family: a von Mises law on the closed Holder curve (k = 1, d = 2);
# each study adds the regularity (``manifold__beta``) and the concentration (``density__kappa``)
CURVE = {
    "manifold": "holder_curve",
    "manifold__eps": 0.1,
    "manifold__seed": 0,
    "k": 1,
    "d": 2,
    "density": "von_mises",
}
READINGS = ("A", "B")
CS = (2.0, 4.0)
HEADLINE_METRICS = tuple(
    f"{what}_c{c:g}" for c in CS for what in ("delta_star", "delta_floor", "delta_emp")
) + ("fid_median", "fid_q99", "fid_max")


def coarse_score(reading: str, N: int, k: int, beta: float, rng) -> AdaptiveProjectionScore:
    """The unfitted coarse score of ``reading`` for N training points (see the module
    docstring)."""
    if reading not in READINGS:
        raise ValueError(f"reading must be one of {READINGS} (got {reading!r})")
    geometry = AdaptiveProjectionScore(bandwidth=coarse_bandwidth(N, k), k=k, beta=beta)
    if reading == "A":
        return geometry
    sigma_0 = N ** (-1.0 / (k + 4))
    learned = NadarayaWatsonScore(bandwidth=sigma_0 / 2, n_noise=8, rng=rng)
    return TwoScaleScore(learned, geometry, sigma_0=sigma_0)


@task(metrics=HEADLINE_METRICS, choices={"manifold": ("holder_curve",)})
def headline(
    *,
    N: int,
    m: int,
    reading: str,
    manifold: str,
    k: int,
    d: int,
    density: str,
    rng: np.random.Generator,
    sigma_max: float = 2.0,
    steps: int = 20,
    n_grid: int = 1024,
    **components,
) -> dict[str, float]:
    """Coverage scales and distances to M of m samples of a coarse-score sampler (module
    docstring).

    Parameters
    ----------
    N : int >= 3
        Training sample size, drawn from ``density`` (options ``density__*``) on ``manifold``
        (options ``manifold__*``; the MLS degree follows ``manifold__beta``).
    m : int >= 10
        Generated samples, and the size of the fresh sample that gives the floor.
    reading : {"A", "B"}
        The coarse score (:func:`coarse_score`).
    sigma_max, steps : float, int
        Reverse-SDE schedule sigma_max -> h_N / 10 in ``steps`` geometric steps.
    n_grid : int >= 16
        Coverage grid size.

    Returns
    -------
    dict
        ``delta_star_c{c}`` (generated samples), ``delta_floor_c{c}`` (m fresh draws from
        mu_data), ``delta_emp_c{c}`` (the N training points) for c in (2, 4); ``fid_median``,
        ``fid_q99``, ``fid_max``: quantiles of the generated samples' distances to M.
    """
    rng = as_generator(rng)
    n = check_int(N, "N", low=3)
    m = check_int(m, "m", low=10)
    k = check_int(k, "k", low=1)
    M = build("manifold", manifold, components, k=k, d=d)
    p = build("density", density, components, k=k, d=d)
    beta = float(components.get("manifold__beta", "inf"))
    X = M.sample(n, p, rng=rng)
    est = coarse_score(reading, n, k, beta, rng).fit(X)
    h = coarse_bandwidth(n, k)  # the bandwidth of the geometry-only score
    Y, _ = draw_coarse(
        est, "reverse_sde", m, sigma_max=float(sigma_max), sigma_min=h / 10, steps=int(steps),
        rng=rng,
    )  # fmt: skip
    if not np.all(np.isfinite(Y)):
        raise FloatingPointError("the coarse sampler returned non-finite samples")
    ref = M.sample(m, p, rng=rng)
    grid_seed = int(rng.integers(2**31))
    out = {}
    for c in CS:
        cov = dict(c=c, n_grid=check_int(n_grid, "n_grid", low=16), n_boot=0, rng=grid_seed)
        out[f"delta_star_c{c:g}"] = float(metrics.coverage_scale(M, Y, p, **cov).delta)
        out[f"delta_floor_c{c:g}"] = float(metrics.coverage_scale(M, ref, p, **cov).delta)
        out[f"delta_emp_c{c:g}"] = float(metrics.coverage_scale(M, X, p, **cov).delta)
    dist = metrics.distance_to_manifold(M, Y, quantiles=(0.5, 0.99))
    out["fid_median"] = float(dist.quantiles[0.5])
    out["fid_q99"] = float(dist.quantiles[0.99])
    out["fid_max"] = float(dist.max)
    return out


METHODS = READINGS + ("empirical", "smoothed", "oracle")
RADII = {"r010": 0.1, "r030": 0.3}  # fixed geodesic radii of the comparability constant
GENERALIZATION_METRICS = (
    ("delta_star", "delta_floor", "delta_emp", "cover_vs_emp", "cover_vs_emp_floor")
    + ("fid_q99", "fid_max", "memorized_frac", "empty_balls")
    + tuple(f"log_c_{r}{w}" for r in RADII for w in ("", "_floor"))
)


def sampler_score(
    method: str, N: int, k: int, beta: float, bandwidth: float, rng, manifold=None, density=None
):
    """The unfitted score of ``method``: a reading of P1's coarse score (:func:`coarse_score`)
    or a control: ``"empirical"``, the exact empirical score (memorizes: its samples are copies
    of the training points); ``"smoothed"``, the score of the kernel density estimate
    mu_N * N(0, bandwidth^2 I) (its samples leave M by about ``bandwidth``); ``"oracle"``, the
    exact score of mu_data on ``manifold`` (:class:`ratesim.scores.OracleScore`, which ignores
    the data): what the same sampler makes of the true score, i.e. its discretization error."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS} (got {method!r})")
    if method == "oracle":
        if manifold is None or density is None:
            raise ValueError("method 'oracle' needs the manifold and the density")
        return OracleScore(manifold, density, rng=rng)
    if method == "empirical":
        return EmpiricalScore()
    if method == "smoothed":
        return SmoothedScore(bandwidth=bandwidth)
    return coarse_score(method, N, k, beta, rng)


@task(metrics=GENERALIZATION_METRICS, choices={"manifold": ("holder_curve",)})
def generalization(
    *,
    N: int,
    m: int,
    method: str,
    manifold: str,
    k: int,
    d: int,
    density: str,
    rng: np.random.Generator,
    c: float = 2.0,
    bandwidth: float = 0.05,
    sigma_max: float = 2.0,
    end: float = 0.1,
    steps: int = 20,
    n_grid: int = 1024,
    **components,
) -> dict[str, float]:
    """P1's comparison in one cell: the coverage scale of m generated samples against the
    training set's, with the floor, the distance to M and the memorized fraction.

    N draws from ``density`` on ``manifold`` train the score of ``method``
    (:func:`sampler_score`); m samples come from the reverse VE SDE (sigma_max -> ``end`` x h_N,
    h_N = 6 log N / N, ``steps`` geometric steps, final Tweedie step), as in :func:`headline`
    (``end`` = 0.1).

    Parameters
    ----------
    N, m : int
        Training and generated sample sizes (N >= 3, m >= 10).
    method : {"A", "B", "empirical", "smoothed", "oracle"}
        See :func:`sampler_score`.
    c : float > 1
        Comparability constant of the coverage scale.
    bandwidth : float > 0
        Bandwidth of the ``smoothed`` control (ignored otherwise).
    end : float > 0
        The last noise level over h_N (the empirical control memorizes when it ends well below
        the data spacing, ~2 pi / N: ``end`` = 1e-3).

    Returns
    -------
    dict
        ``delta_star`` (generated), ``delta_floor`` (m fresh draws from mu_data), ``delta_emp``
        (the N training points): coverage scales at c (geodesic arcs, exact supremum over
        centres); ``cover_vs_emp`` = delta_star / delta_emp and ``cover_vs_emp_floor`` =
        delta_floor / delta_emp (P1's comparison, and its floor); ``fid_q99``, ``fid_max``:
        distance of the samples to M; ``memorized_frac``: fraction of samples whose nearest
        training point is closer than a third of the second nearest
        (:func:`ratesim.metrics.memorization`); ``log_c_r010``, ``log_c_r030``: the log of the
        smallest comparability constant of the generated law at the fixed radii 0.1 and 0.3,
        max over centres y of |log nu(B(y, r)) / mu(B(y, r))| (the ``worst`` curve of
        :func:`ratesim.metrics.coverage_scale`), and ``..._floor`` the same for m fresh draws.
        A ball holding none of the m samples has ratio 0 (log_c infinite); it is censored at
        log m, the largest value a ball holding one sample can give (mu(B) <= 1), and counted
        in ``empty_balls`` (the number of censored radii, generated and floor).
    """
    rng = as_generator(rng)
    n = check_int(N, "N", low=3)
    m = check_int(m, "m", low=10)
    k = check_int(k, "k", low=1)
    M = build("manifold", manifold, components, k=k, d=d)
    p = build("density", density, components, k=k, d=d)
    beta = float(components.get("manifold__beta", "inf"))
    X = M.sample(n, p, rng=rng)
    est = sampler_score(method, n, k, beta, float(bandwidth), rng, M, p).fit(X)
    h = coarse_bandwidth(n, k)
    Y, _ = draw_coarse(
        est, "reverse_sde", m, sigma_max=float(sigma_max), sigma_min=check_positive(end, "end") * h,
        steps=int(steps), rng=rng,
    )  # fmt: skip
    if not np.all(np.isfinite(Y)):
        raise FloatingPointError(f"the {method} sampler returned non-finite samples")
    ref = M.sample(m, p, rng=rng)
    n_grid = check_int(n_grid, "n_grid", low=16)
    comp = metrics.comparability(
        M, Y, X, ref, p, c=float(c), radii=sorted(RADII.values()), n_grid=n_grid,
        rng=int(rng.integers(2**31)),
    )  # fmt: skip
    dist = metrics.distance_to_manifold(M, Y, quantiles=(0.99,))
    return {
        **{f"log_c_{key}": comp.log_c[r] for key, r in RADII.items()},
        **{f"log_c_{key}_floor": comp.log_c_floor[r] for key, r in RADII.items()},
        "empty_balls": float(comp.empty_balls),
        "delta_star": comp.delta,
        "delta_floor": comp.delta_floor,
        "delta_emp": comp.delta_train,
        "cover_vs_emp": comp.ratio,
        "cover_vs_emp_floor": comp.ratio_floor,
        "fid_q99": float(dist.quantiles[0.99]),
        "fid_max": float(dist.max),
        "memorized_frac": float(metrics.memorization(Y, X).memorized_fraction),
    }
