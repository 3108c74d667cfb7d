"""Coarse-score generalization (P1, issue 8 part 3): novelty, fidelity and coverage of samplers
driven by the geometry-only score.

Shen, Hsieh and He (arXiv 2603.23792, "Manifold generalization provably precedes memorization";
SCIENCE.md P1) prove that diffusion sampling with a *coarse* score, accurate only in its leading
Theta(sigma^-2) term s(x, sigma) ~ -(x - P_M x) / sigma^2, reaches a law whose density is
comparable to mu_data's on every neighbourhood of size N^(-beta/(4k)) (one published version) or
N^(-(beta-1)/(4k)) (another), for a C^beta support; the empirical measure resolves only
N^(-1/k). We operationalize this as SCIENCE.md's proxy design:

- the projection P_M is estimated from the N samples by moving least squares
  (:class:`ratesim.scores.ProjectionScore`, degree ceil(beta) - 1 clipped to [1, 4], Aamari and
  Levrard 2019) with bandwidth h_N = a (log N / N)^(1/k) (:func:`coarse_bandwidth`: the
  minimax-manifold-estimation bandwidth, a few data spacings);
- the coarse score (P_hat(x) - x) / sigma^2 drives the reverse VE SDE, the SDE-then-ODE hybrid,
  or the reverse SDE followed by tempered-score (TS) Langevin (P2 Thm 5.1, alpha = 1) at a fixed
  sigma; every sampler ends with the Tweedie step, i.e. on the estimated manifold;
- the coverage scale delta*(c) (SCIENCE.md P1 operationalization, :func:`ratesim.metrics.
  coverage_scale`) of m generated samples relative to mu_data, with c = 2, samples counted at
  their projection onto M; on curves (k = 1) the balls are geodesic arcs and the supremum runs
  over every centre (exact); on surfaces (k = 2) over a grid, with chordal balls on the Holder
  graphs (chordal and geodesic radii agree to O(delta^3), reach >= 1/4);
- fidelity: the distance of the samples to M, median (``fidelity``) and maximum (``precision``,
  the precision half of the Hausdorff distance between the sample and M). The coverage of
  ambient neighbourhoods of M (balls of R^d around points of M) is bounded by the projected
  coverage and by the precision: once delta exceeds ``precision`` both count the same samples,
  so delta*_ambient <= max(delta*, precision). ``precision`` has no Monte-Carlo floor (each
  sample's distance is exact), which makes it the resolvable part of P1's coverage bound.

Measurement trap (SCIENCE.md trap 2): delta* of m samples is bounded below by the Monte-Carlo
floor of m i.i.d. draws from mu_data, about (log m / m)^(1/k) up to a constant depending on c. The
task returns that floor (``delta_floor``, computed on a fresh population sample of the same size
m, with the same grid) next to the generated law's ``delta_star`` and the empirical measure's
``delta_emp`` (the N training points themselves: the memorizing control, ~ (log N / N)^(1/k)).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from .._validation import as_generator, check_int, check_positive
from ..study.tasks import build, task

__all__ = [
    "AdaptiveProjectionScore",
    "coarse_bandwidth",
    "coarse_sigma_min",
    "draw_coarse",
    "spacing",
    "COARSE_SAMPLERS",
    "COARSE_METRICS",
]

COARSE_SAMPLERS = ("reverse_sde", "hybrid", "tempered_langevin")
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


class AdaptiveProjectionScore:
    """Coarse score s(x, sigma) = (P_hat_b(x) - x) / sigma^2, bandwidth b = max(h, scale * sigma),
    with a safeguard for queries where the moving-least-squares projection is undefined.

    P_hat_b is :class:`ratesim.scores.ProjectionScore` (moving least squares of degree
    ceil(beta) - 1, clipped to [1, 4]; one fitted instance per distinct bandwidth, cached).
    ``scale = 0`` (the default) is the plain coarse score of P1's proxy design (b = h at every
    noise level); ``scale > 0`` mimics a score learned by denoising score matching at noise sigma,
    which averages the data over a neighbourhood ~ sigma.

    Safeguard. Near the medial axis of M (e.g. the centre of a closed curve, where the reverse
    SDE starts many chains at sigma ~ diam M) every data point is about equally far from the
    query, the weighted local PCA is degenerate and the MLS fit can return non-finite values (or
    raise inside the numba kernel). Such rows are recomputed one by one, and a row that still
    fails is projected to its nearest training point (the projection is discontinuous there
    anyway). ``n_fallback_`` counts those rows over the estimator's lifetime, ``n_queries_`` all
    projected rows.

    Parameters
    ----------
    h : float > 0
        Bandwidth (:func:`coarse_bandwidth`).
    k : int
        Intrinsic dimension.
    beta : float or None
        Regularity of M (degree of the local fits).
    scale : float >= 0
        b = max(h, scale * sigma).
    n_iter : int
        Re-centring passes of the MLS projection.
    """

    def __init__(self, h: float, k: int, beta=None, scale: float = 0.0, n_iter: int = 2):
        self.h = h
        self.k = k
        self.beta = beta
        self.scale = scale
        self.n_iter = n_iter

    def fit(self, X) -> AdaptiveProjectionScore:
        from ..scores import ProjectionScore

        self.h_ = check_positive(self.h, "h")
        self.scale_ = check_positive(self.scale, "scale", allow_zero=True)
        base = ProjectionScore(h=self.h_, k=self.k, beta=self.beta, n_iter=self.n_iter).fit(X)
        self.X_ = base.X_
        self.n_samples_, self.n_features_in_ = self.X_.shape
        self.tree_ = cKDTree(self.X_)
        self._cache = {self.h_: base}
        self.n_fallback_ = 0
        self.n_queries_ = 0
        return self

    def bandwidth(self, sigma: float) -> float:
        """b(sigma) = max(h, scale * sigma), rounded to 3 significant digits (bounds the cache)."""
        b = max(self.h_, self.scale_ * float(sigma))
        return self.h_ if b == self.h_ else float(f"{b:.3g}")

    def _estimator(self, sigma):
        from ..scores import ProjectionScore

        if not hasattr(self, "_cache"):
            raise ValueError("AdaptiveProjectionScore is not fitted yet: call fit(X) first")
        b = self.bandwidth(sigma)
        if b not in self._cache:
            self._cache[b] = ProjectionScore(h=b, k=self.k, beta=self.beta, n_iter=self.n_iter).fit(
                self.X_
            )
        return self._cache[b]

    def _safe(self, est, x):
        try:
            with np.errstate(all="ignore"):
                out = est.project(x)
            bad = ~np.all(np.isfinite(out), axis=1)
        except (SystemError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError):
            if x.shape[0] == 1:
                out, bad = np.full_like(x, np.nan), np.ones(1, dtype=bool)
            else:
                half = x.shape[0] // 2
                return np.concatenate([self._safe(est, x[:half]), self._safe(est, x[half:])])
        if bad.any():
            _, j = self.tree_.query(x[bad])
            out[bad] = self.X_[j]
            self.n_fallback_ += int(bad.sum())
        return out

    def project(self, x, sigma) -> np.ndarray:
        """P_hat at bandwidth b(sigma), shape (m, d) (with the safeguard)."""
        x = np.ascontiguousarray(np.asarray(x, dtype=float))
        self.n_queries_ += x.shape[0]
        return self._safe(self._estimator(sigma), x)

    def denoise(self, x, sigma) -> np.ndarray:
        return self.project(x, check_positive(sigma, "sigma"))

    def score(self, x, sigma) -> np.ndarray:
        sigma = check_positive(sigma, "sigma")
        x = np.asarray(x, dtype=float)
        return (self.project(x, sigma) - x) / sigma**2


def coarse_bandwidth(n: int, k: int, a: float = 6.0) -> float:
    """Bandwidth h_N = a (log N / N)^(1/k) of the moving-least-squares projection.

    The rate (log N / N)^(1/k) is the bandwidth at which local polynomial fits of degree
    ceil(beta) - 1 reach the minimax Hausdorff rate (log N / N)^(beta/k) for a C^beta manifold
    (Aamari and Levrard 2019, Thm 2); a = 6 puts log N data spacings (k = 1, curve length 2 pi)
    or about sqrt(log N) spacings (k = 2, area 4 pi^2) in one bandwidth, enough points for the
    degree-4 fit.

    Parameters
    ----------
    n : int >= 3
        Sample size N.
    k : int >= 1
        Intrinsic dimension.
    a : float > 0
        Constant.
    """
    n = check_int(n, "N", low=3)
    k = check_int(k, "k", low=1)
    a = check_positive(a, "a")
    return float(a * (math.log(n) / n) ** (1.0 / k))


def coarse_sigma_min(h: float, ratio: float = 0.1) -> float:
    """Final noise level of the coarse samplers, ``ratio * h`` (the Tweedie step then lands on
    the estimated manifold; below h the coarse score is a pure projection, so the exact value
    only fixes how many steps are spent at scales the estimator does not resolve)."""
    return float(check_positive(ratio, "ratio") * check_positive(h, "h"))


def spacing(X) -> float:
    """Median nearest-neighbour distance within the training set X (its data spacing)."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"X must be (N >= 2, d) (got shape {X.shape})")
    dist, _ = cKDTree(X).query(X, k=2)
    return float(np.median(dist[:, 1]))


def draw_coarse(
    est,
    sampler: str,
    m: int,
    *,
    sigma_max: float,
    sigma_min: float,
    steps: int,
    rng,
    ts_sigma: float | None = None,
    ts_alpha: float = 1.0,
    ts_h: float = 0.1,
    ts_steps: int = 100,
):
    """Draw m samples with a coarse-score sampler.

    Parameters
    ----------
    est : fitted score estimator
        Typically a fitted :class:`ratesim.scores.ProjectionScore`.
    sampler : {"reverse_sde", "hybrid", "tempered_langevin"}
        ``reverse_sde``: Euler-Maruyama reverse VE SDE, geometric schedule sigma_max -> sigma_min,
        ``steps`` steps, final Tweedie step. ``hybrid``: the same SDE down to
        sqrt(sigma_max sigma_min) (steps // 2 steps), then the probability-flow ODE
        (steps - steps // 2 steps) to sigma_min, final Tweedie step. ``tempered_langevin``: the
        reverse SDE, then ``ts_steps`` TS-Langevin steps (P2 Thm 5.1, hat form
        x <- x + ts_h s_hat + sqrt(2 ts_h sigma^(2 - alpha)) xi) at sigma = ``ts_sigma``, then
        the Tweedie step at ``ts_sigma`` (``est.denoise``).
    m : int
        Number of chains.

    Returns
    -------
    Y : ndarray (m, d)
    relax : float
        TS-Langevin relaxation units ts_steps * ts_h * ts_sigma^(2 - alpha) (P2 appendix D: the
        first angular mode of the unit circle relaxes in about one unit); 0 for the others.
    """
    from .. import samplers

    m = check_int(m, "m", low=1)
    steps = check_int(steps, "steps", low=2)
    rng = as_generator(rng)
    if sampler not in COARSE_SAMPLERS:
        raise ValueError(f"sampler must be one of {COARSE_SAMPLERS} (got {sampler!r})")
    d = est.n_features_in_
    if sampler == "hybrid":
        switch = math.sqrt(sigma_max * sigma_min)
        res = samplers.hybrid(
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
    res = samplers.reverse_sde(
        est, n=m, d=d, sigma_max=sigma_max, sigma_min=sigma_min, steps=steps, rng=rng
    )
    Y = np.asarray(res.samples)
    if sampler == "reverse_sde":
        return Y, 0.0
    ts_sigma = check_positive(ts_sigma, "ts_sigma")
    ts = samplers.tempered_langevin(
        est, Y, sigma=ts_sigma, alpha=ts_alpha, h=ts_h, steps=ts_steps, rng=rng
    )
    Y = est.denoise(np.asarray(ts.samples), ts_sigma)
    return np.asarray(Y), float(ts_steps * ts_h * ts_sigma ** (2.0 - ts_alpha))


@task(
    "p1_coarse_coverage",
    metrics=COARSE_METRICS,
    choices={
        "manifold": ("holder_curve", "holder_graph", "circle", "flat_torus"),
        "estimator": ("adaptive_projection", "projection", "smoothed", "kernel_smoothed"),
        "sampler": COARSE_SAMPLERS,
        "density": ("uniform", "holder", "piecewise_constant", "von_mises"),
    },
)
def _p1_coarse_coverage(params, rng):
    """Coverage scale, novelty and fidelity of a coarse-score sampler fitted on N samples.

    Cell parameters: ``manifold`` (+ ``manifold__*``), ``k``, ``d``, ``beta``, ``density``
    (+ ``density__*``), ``N``, ``estimator`` (+ ``estimator__*``, e.g. ``estimator__h``),
    ``sampler``, ``m`` (generated samples), ``sigma_max``, ``sigma_min``, ``steps``,
    ``ts_sigma`` and ``ts_steps`` (tempered sampler), ``c`` (coverage constant), ``n_grid``
    (coverage grid size).

    Metrics: ``delta_star`` (coverage scale of the m generated samples vs mu_data),
    ``delta_emp`` (of the N training points: the empirical measure), ``delta_floor`` (of m fresh
    draws from mu_data: the Monte-Carlo floor of delta_star), ``nn_dist`` (median distance of a
    generated sample to its nearest training point), ``novelty_ratio`` (that median over the
    median nearest-training distance of m fresh held-out points: ~1 when generalizing, << 1 when
    copying), ``memorized_frac`` (d1/d2 < 1/3), ``fidelity`` (median distance to M),
    ``precision`` (largest distance to M: the precision half of the Hausdorff distance),
    ``fidelity_ratio`` (fidelity over the training spacing), ``ts_relax`` (TS-Langevin relaxation
    units, 0 for the other samplers).
    """
    from .. import metrics

    rng = as_generator(rng)
    n = check_int(params["N"], "N", low=3)
    m = check_int(params["m"], "m", low=10)
    c = float(params.get("c", 2.0))
    n_grid = check_int(params.get("n_grid", 1024), "n_grid", low=16)
    M = build("manifold", params)
    p = build("density", params)
    X = M.sample(n, p, rng=rng)
    if params["estimator"] == "adaptive_projection":
        est = AdaptiveProjectionScore(
            h=float(params["h"]),
            k=int(params["k"]),
            beta=float(params.get("manifold__beta", params.get("beta", "inf"))),
            scale=float(params.get("h_scale", 0.0)),
        ).fit(X)
    else:
        est = build("estimator", params).fit(X)
    Y, relax = draw_coarse(
        est,
        params["sampler"],
        m,
        sigma_max=float(params["sigma_max"]),
        sigma_min=float(params["sigma_min"]),
        steps=int(params["steps"]),
        rng=rng,
        ts_sigma=params.get("ts_sigma"),
        ts_steps=int(params.get("ts_steps", 100)),
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
