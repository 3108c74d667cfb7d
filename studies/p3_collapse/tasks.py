"""Tasks of the collapse family: the denoiser's collapse onto M, onto the sample, and the intrinsic
dimension read from scores.

At small sigma the denoiser D_sigma(x) = x + sigma^2 s(x) = E[x0 | x] (Tweedie) collapses onto the
nearest-point projection P_M. The operational statements measured here (docs/science.md, P3):

1. ``D_sigma = P_M + O(sigma^2)`` uniformly on a tube (the score form of Li, Shen, Hsieh, He,
   arXiv 2509.24912, Thm 3.1: sup || sigma^2 s + x - P_M x || = O(sigma^2));
2. ``grad D_sigma = Cov(x0 | x) / sigma^2`` has, at points of M, k eigenvalues 1 + O(sigma^2)
   (tangent) and d - k eigenvalues O(sigma^2) (normal: the posterior spreads along M by sigma, so
   it leaves the tangent plane by curvature x sigma^2, a normal variance O(sigma^4));
3. for a score learned from N samples, the denoiser collapses onto *training points* (rank 0)
   instead of onto M below a noise level sigma_c(N) comparable to the sample spacing, expected
   ~ N^(-1/k) (the memorization scale, Biroli et al. 2024);
4. FLIPD(x, sigma) = d + sigma^2 (tr grad s + |s|^2) (Kamkari et al. 2024) of the empirical
   measure is ~0 below the spacing and plateaus at k above it: the plateau onset scales like
   N^(-1/k); the normal-space SVD (Stanczuk et al. 2024) reads k on the plateau.

The oracle's posterior moments are exact (:func:`ratesim.exact.oracle_posterior_moments`: von
Mises-Fisher closed forms, products of circle posteriors, periodic trapezoid rules); the rank of a
denoiser is :func:`ratesim.metrics.soft_rank` of its Jacobian's eigen- or singular values.
"""

from __future__ import annotations

import math

import numpy as np

from ratesim._validation import as_generator, check_positive
from ratesim.exact import denoiser_jacobian_eigenvalues, oracle_posterior_moments, tube_points
from ratesim.metrics import finite_difference_jacobian, jacobian_singular_values, soft_rank
from ratesim.study import build, task

HOLDER = ("holder_graph", "holder_curve")
MANIFOLDS = ("circle", "sphere", "flat_torus", *HOLDER)


def onset_sigma(sigmas, curve, level: float) -> float | None:
    """The smallest-sigma up-crossing of ``level`` by ``curve`` (log-linear interpolation).

    Scanning sigma upward from the smallest value, the first sigma where curve >= level, its
    position between the two grid points interpolated linearly in log sigma. None when the curve
    is already >= level at the smallest sigma (no collapse in range) or never reaches it.
    """
    s = np.asarray(sigmas, dtype=float)
    c = np.asarray(curve, dtype=float)
    if s.ndim != 1 or s.shape != c.shape or s.size < 2:
        raise ValueError("sigmas and curve must be 1-D of the same length >= 2")
    order = np.argsort(s)
    s, c = s[order], c[order]
    if c[0] >= level:
        return None
    above = np.nonzero(c >= level)[0]
    if above.size == 0:
        return None
    j = int(above[0])
    t = (level - c[j - 1]) / (c[j] - c[j - 1])
    return float(np.exp(np.log(s[j - 1]) + t * (np.log(s[j]) - np.log(s[j - 1]))))


def oracle_collapse_metrics(manifold, density, sigma: float, n_points: int, eps: float, rng):
    """The oracle's collapse at one sigma.

    Returns
    -------
    dict with
        ``denoise_sup``: max over ``n_points`` tube points (distance <= eps) of ||D_sigma - P_M||;
        ``tan_dev``: max over points of M (drawn from the data law) of max_(i <= k) |lambda_i - 1|;
        ``normal_max``: max over those points of lambda_(k+1) (largest normal eigenvalue);
        ``rank_half``: mean number of eigenvalues > 1/2 (k exactly when the collapse holds).
    """
    rng = as_generator(rng)
    k = manifold.k
    x = tube_points(manifold, n_points, eps, rng=rng)
    mean, _ = oracle_posterior_moments(manifold, density, x, sigma)
    dev = np.linalg.norm(mean - manifold.project(x).point, axis=1)
    on = manifold.sample(n_points, density, rng=rng)
    _, cov = oracle_posterior_moments(manifold, density, on, sigma)
    lam = denoiser_jacobian_eigenvalues(cov, sigma)
    return {
        "denoise_sup": float(dev.max()),
        "tan_dev": float(np.max(np.abs(lam[:, :k] - 1.0))),
        "normal_max": float(np.max(lam[:, k])),
        "rank_half": float(np.mean(soft_rank(lam))),
    }


def _manifold(name: str, components, k: int, d: int, beta, graph_eps):
    """The manifold of a cell; the grid's ``graph_eps`` is the Holder amplitude of Holder families
    (the grid's ``eps`` is the tube radius)."""
    opts = dict(components)
    if name in HOLDER and graph_eps is not None:
        opts["manifold__eps"] = float(graph_eps)
    standard = {"k": k, "d": d} if beta is None else {"k": k, "d": d, "beta": beta}
    return build("manifold", name, opts, **standard)


def oracle_density(manifold, kappa: float):
    """The data law of the oracle study: von Mises (circle, mean angle pi) or von Mises-Fisher
    (sphere, mu = -e_1) of concentration ``kappa``, the uniform law elsewhere and when kappa = 0
    (None)."""
    from ratesim.densities import VonMises, VonMisesFisher
    from ratesim.manifolds import Sphere

    kappa = check_positive(kappa, "kappa", allow_zero=True)
    if kappa == 0.0 or not isinstance(manifold, Sphere):
        return None
    if manifold.k == 1:
        return VonMises(kappa=kappa, mean=np.pi)
    mu = np.zeros(manifold.k + 1)
    mu[0] = -1.0
    return VonMisesFisher(kappa=kappa, mu=mu)


@task(
    metrics=("denoise_sup", "tan_dev", "normal_max", "rank_half"),
    choices={"manifold": MANIFOLDS},
)
def collapse_oracle(
    *,
    manifold: str,
    k: int,
    d: int,
    sigma: float,
    n_points: int,
    eps: float,
    rng: np.random.Generator,
    kappa: float = 0.0,
    beta: float | None = None,
    graph_eps: float | None = None,
    **components,
) -> dict[str, float]:
    """Oracle denoiser against P_M on a tube of radius ``eps`` and the spectrum of grad D_sigma at
    points of M (:func:`oracle_collapse_metrics`); data law :func:`oracle_density` (``kappa``)."""
    M = _manifold(manifold, components, k, d, beta, graph_eps)
    p = oracle_density(M, float(kappa))
    return oracle_collapse_metrics(M, p, float(sigma), int(n_points), float(eps), rng)


LEARNED_ESTIMATORS = {
    "empirical": ("empirical", {}),
    "smoothed": ("smoothed", {"bandwidth": None}),
    "nadaraya_watson": ("nadaraya_watson", {"bandwidth": None, "n_noise": 8}),
    "local_linear": ("local_polynomial", {"bandwidth": None, "degree": 1, "n_noise": 8}),
}


def _make_learned(name: str, h: float, rng):
    from ratesim.scores import make_score

    if name not in LEARNED_ESTIMATORS:
        raise ValueError(f"estimator must be one of {sorted(LEARNED_ESTIMATORS)} (got {name!r})")
    reg, kw = LEARNED_ESTIMATORS[name]
    kw = {key: (h if v is None else v) for key, v in kw.items()}
    if reg in ("nadaraya_watson", "local_polynomial"):
        kw["rng"] = int(rng.integers(2**31))
    return make_score(reg, **kw)


def _learned_ranks(est, name, X, Q, sigmas):
    """Mean rank (singular values of grad D > 1/2) at the queries Q, for each sigma."""
    from ratesim.kernels import softmax_covariance

    ranks = []
    for s in sigmas:
        if name == "empirical":
            _, cov = softmax_covariance(X, Q, float(s))
            sv = denoiser_jacobian_eigenvalues(cov, float(s))
        else:
            sv = jacobian_singular_values(finite_difference_jacobian(est.denoise, Q, float(s)))
        ranks.append(float(np.mean(soft_rank(sv))))
    return np.array(ranks)


def learned_collapse_metrics(
    manifold, density, N: int, name: str, h: float, sigmas, n_query, rng, refine: int = 0
):
    """Collapse of a learned denoiser: its rank against sigma at held-out points of M.

    Returns ``rank_small`` (mean rank at the smallest sigma), ``rank_peak`` (largest mean rank
    over the grid) and, when the rank is below k/2 at the smallest sigma and reaches it above,
    ``collapse_sigma``: the up-crossing of k/2 (:func:`onset_sigma`), the noise level below which
    D_sigma collapses onto training points instead of onto M; with ``refine`` > 0 the crossing is
    refined by that many bisection steps in log sigma inside the bracketing grid interval (the
    mean rank over a fixed query set is a step function of sigma, so this returns the sigma of
    its k/2 step up to (bracket ratio)^(2^-refine)). Also ``spacing``: the median
    nearest-neighbour distance of the training set (the expected scale, ~ N^(-1/k)).
    """
    from scipy.spatial import cKDTree

    rng = as_generator(rng)
    X = manifold.sample(N, density, rng=rng)
    Q = manifold.sample(n_query, density, rng=rng)
    est = _make_learned(name, h, rng).fit(X)
    sig = np.sort(np.asarray(sigmas, dtype=float))
    ranks = _learned_ranks(est, name, X, Q, sig)
    out = {
        "rank_small": float(ranks[0]),
        "rank_peak": float(ranks.max()),
        "spacing": float(np.median(cKDTree(X).query(X, k=2)[0][:, 1])),
    }
    level = 0.5 * manifold.k
    sc = onset_sigma(sig, ranks, level)
    if sc is not None and refine > 0:
        j = int(np.nonzero(ranks >= level)[0][0])
        lo, hi = float(sig[j - 1]), float(sig[j])
        for _ in range(refine):  # bisection in log sigma: the bracket shrinks by 2 per step
            mid = math.sqrt(lo * hi)
            if _learned_ranks(est, name, X, Q, [mid])[0] >= level:
                hi = mid
            else:
                lo = mid
        sc = math.sqrt(lo * hi)
    if sc is not None:
        out["collapse_sigma"] = sc
    return out


@task(
    metrics=("rank_small", "rank_peak", "spacing"),
    optional=("collapse_sigma",),  # only when the denoiser collapses inside the sigma range
    choices={"manifold": MANIFOLDS, "estimator": tuple(LEARNED_ESTIMATORS)},
)
def collapse_learned(
    *,
    manifold: str,
    k: int,
    d: int,
    estimator: str,
    N: int,
    n_query: int,
    sigma_lo: float,
    sigma_hi: float,
    n_sigma: int,
    rng: np.random.Generator,
    h: float = 0.1,
    refine: int = 0,
    beta: float | None = None,
    graph_eps: float | None = None,
    **components,
) -> dict[str, float]:
    """Rank of a learned denoiser against sigma (``n_sigma`` values in [sigma_lo, sigma_hi],
    geometric) from N uniform samples, and its collapse level (:func:`learned_collapse_metrics`).
    """
    M = _manifold(manifold, components, k, d, beta, graph_eps)
    sig = np.geomspace(float(sigma_lo), float(sigma_hi), int(n_sigma))
    return learned_collapse_metrics(
        M, None, int(N), str(estimator), float(h), sig, int(n_query), rng, refine=int(refine)
    )


def intrinsic_dimension_metrics(
    manifold, density, N: int, sigmas, n_query: int, rng, skdim: bool = True, refine: int = 0
):
    """Intrinsic dimension from the empirical score of N samples (FLIPD and normal-space SVD).

    FLIPD of the empirical measure (closed form, :func:`ratesim.metrics.flipd_empirical`) at
    ``n_query`` training points and at ``n_query`` held-out points of M, over ``sigmas``.

    Returns
    -------
    dict with
        ``flipd_onset``: the sigma where the median FLIPD at *training* points first reaches k/2
        from below (:func:`onset_sigma`; ``refine`` bisection steps in log sigma inside the
        bracketing grid interval): below the sample spacing FLIPD ~ 0 there (the denoiser returns
        the training point itself), so this is where the plateau starts; expected ~ N^(-1/k);
        ``flipd_dim``: the plateau value at held-out points
        (:func:`ratesim.metrics.flipd_dimension`, window 4; held-out FLIPD is large below the
        spacing, ~ dist_nn^2 / sigma^2, and decays like sigma^-2 above the diameter);
        ``flipd_plateau_lo``: the lower end of that plateau window;
        ``svd_dim``: mean normal-space SVD dimension (Stanczuk et al. 2024) of the empirical score
        at 32 held-out points, at sigma = 3 x flipd_onset (on the plateau);
        with scikit-dimension installed (an optional extra), ``skdim_twonn`` and ``skdim_mle``:
        the classical TwoNN (Facco et al. 2017) and Levina-Bickel MLE estimators on the same N
        samples.
    """
    from ratesim.metrics import flipd_dimension, flipd_empirical, svd_dimension
    from ratesim.scores import EmpiricalScore

    rng = as_generator(rng)
    k = manifold.k
    X = manifold.sample(N, density, rng=rng)
    Q = manifold.sample(n_query, density, rng=rng)
    sig = np.sort(np.asarray(sigmas, dtype=float))
    T = X[: min(n_query, N)]
    curve = np.array([np.median(flipd_empirical(X, T, s)) for s in sig])
    res = flipd_dimension(X, Q, sig, window=4)
    out = {
        "flipd_dim": float(res.dimension),
        "flipd_plateau_lo": float(res.plateau[0]),
    }
    level = 0.5 * k
    onset = onset_sigma(sig, curve, level)
    if onset is not None and refine > 0:
        j = int(np.nonzero(curve >= level)[0][0])
        lo, hi = float(sig[j - 1]), float(sig[j])
        for _ in range(refine):  # bisection in log sigma
            mid = math.sqrt(lo * hi)
            if np.median(flipd_empirical(X, T, mid)) >= level:
                hi = mid
            else:
                lo = mid
        onset = math.sqrt(lo * hi)
    if onset is not None:
        out["flipd_onset"] = onset
        est = EmpiricalScore().fit(X)
        sv = svd_dimension(est, Q[: min(n_query, 32)], 3.0 * onset, rng=rng)
        out["svd_dim"] = float(np.mean(sv.dimension))
    if skdim:
        try:
            import skdim as _skdim
        except ImportError:
            _skdim = None
        if _skdim is not None:
            out["skdim_twonn"] = float(_skdim.id.TwoNN().fit(X).dimension_)
            out["skdim_mle"] = float(_skdim.id.MLE().fit(X).dimension_)
    return out


@task(
    metrics=("flipd_dim", "flipd_plateau_lo"),
    # the onset and the SVD dimension there only when FLIPD crosses k/2; the skdim estimates only
    # with scikit-dimension installed (an optional extra)
    optional=("flipd_onset", "svd_dim", "skdim_twonn", "skdim_mle"),
    choices={"manifold": MANIFOLDS},
)
def intrinsic_dimension(
    *,
    manifold: str,
    k: int,
    d: int,
    N: int,
    n_query: int,
    sigma_lo: float,
    sigma_hi: float,
    n_sigma: int,
    rng: np.random.Generator,
    skdim: bool = True,
    refine: int = 0,
    beta: float | None = None,
    graph_eps: float | None = None,
    **components,
) -> dict[str, float]:
    """FLIPD plateau onset and dimension estimates of the empirical score of N uniform samples
    (:func:`intrinsic_dimension_metrics`); ``skdim`` adds scikit-dimension's estimators when that
    optional package is installed."""
    M = _manifold(manifold, components, k, d, beta, graph_eps)
    sig = np.geomspace(float(sigma_lo), float(sigma_hi), int(n_sigma))
    return intrinsic_dimension_metrics(
        M,
        None,
        int(N),
        sig,
        int(n_query),
        rng,
        skdim=bool(skdim),
        refine=int(refine),
    )
