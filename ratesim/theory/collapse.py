"""Collapse of the denoiser onto the manifold, and intrinsic dimension from scores (P3).

Huang, Han, Bai, Zhou, Zhang, Suzuki, Fukumizu, "Collapse and refine" (arXiv 2605.20235; read at
abstract level, SCIENCE.md P3): at small sigma the denoiser D_sigma(x) = x + sigma^2 s(x) =
E[x0 | x] (Tweedie) collapses onto the nearest-point projection P_M. The operational statements
tested here (SCIENCE.md P3 "operational consequences"):

1. ``D_sigma = P_M + O(sigma^2)`` uniformly on a tube (the score form of Li, Shen, Hsieh, He,
   arXiv 2509.24912, Thm 3.1: sup || sigma^2 s + x - P_M x || = O(sigma^2));
2. ``grad D_sigma = Cov(x0 | x) / sigma^2`` (differentiate Tweedie's posterior mean) has, at
   points of M, k eigenvalues 1 + O(sigma^2) (tangent) and d - k eigenvalues O(sigma^2) (normal:
   the posterior spreads along M by sigma, so it leaves the tangent plane by curvature x sigma^2,
   a normal variance O(sigma^4));
3. for a score learned from N samples, the denoiser collapses onto *training points* (rank 0)
   instead of onto M below a noise level sigma_c(N) comparable to the sample spacing, expected
   ~ N^(-1/k) (SCIENCE.md anchors: memorization scale, Biroli et al. 2024);
4. FLIPD(x, sigma) = d + sigma^2 (tr grad s + |s|^2) (Kamkari et al. 2024) of the empirical
   measure is ~0 below the spacing and plateaus at k above it: the plateau onset scales like
   N^(-1/k); the normal-space SVD (Stanczuk et al. 2024) reads k on the plateau.

Exact posterior moments of the oracle (no Monte Carlo):

- sphere S^(m-1) (circle m = 2) with a log-linear density log p(u) = log c0 + <a, u> (von
  Mises(-Fisher), uniform): given x with native component y, the posterior of x0 is von
  Mises-Fisher with natural parameter v = y / sigma^2 + a, K = |v|, nu = v / K, so
  E[x0 | x] = A nu and Cov(x0 | x) = (A / K) (I - nu nu^T) + A'(K) nu nu^T with A = I_(m/2)(K) /
  I_(m/2-1)(K) and A' = 1 - A^2 - (m - 1) A / K (Mardia and Jupp 2000, sec. 9.3.2);
- flat torus T^k with the uniform law: the posterior is the product of k circle posteriors
  (uniform on each factor), so the covariance is block diagonal;
- other manifolds with k <= 2 (Holder graphs): the periodic trapezoid rule on a grid finer than
  sigma / ``grid_ratio`` (``manifold.quadrature``), posterior weights p(u_j) w_j
  N(y; Phi(u_j), sigma^2) in log-sum-exp (:func:`ratesim.kernels.softmax_covariance`).

The oracle's posterior depends on x only through its native component y (the residual
orthogonal to the native subspace only rescales every weight), and x0 lies in the native
subspace: in R^d the covariance is F Cov_native F^T (F the isometry) and the d - native
remaining eigenvalues of grad D are exactly 0. All computations are done in native coordinates.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ive

from .._validation import as_generator, as_points, check_int, check_positive
from ..study.tasks import build, task

__all__ = [
    "vmf_posterior_moments",
    "torus_posterior_moments",
    "quadrature_posterior_moments",
    "posterior_moments",
    "jacobian_eigenvalues",
    "finite_difference_jacobian",
    "jacobian_singular_values",
    "soft_rank",
    "onset_sigma",
    "tube_points",
    "oracle_density",
    "oracle_collapse_metrics",
    "learned_collapse_metrics",
    "intrinsic_dimension_metrics",
    "LEARNED_ESTIMATORS",
]


# ----------------------------------------------------------------------------------------------
# exact posterior moments of the oracle


def _bessel_ratio(m: int, K: np.ndarray) -> np.ndarray:
    """A_m(K) = I_(m/2)(K) / I_(m/2-1)(K) with exponentially scaled Bessel functions."""
    return ive(0.5 * m, K) / ive(0.5 * m - 1.0, K)


def vmf_posterior_moments(y, sigma: float, a=None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of x0 | x for the sphere S^(m-1) with log p(u) = const + <a, u>.

    Parameters
    ----------
    y : array_like, shape (n, m)
        Native coordinates of the queries (``manifold.to_native(x)[0]``).
    sigma : float > 0
        Noise level.
    a : array_like, shape (m,), optional
        Natural parameter kappa mu of the von Mises(-Fisher) law (None: uniform, a = 0).

    Returns
    -------
    mean : (n, m) ndarray, cov : (n, m, m) ndarray
        E[x0 | x] = A(K) nu and Cov = (A / K)(I - nu nu^T) + (1 - A^2 - (m - 1) A / K) nu nu^T,
        v = y / sigma^2 + a, K = |v|, nu = v / K (the posterior is vMF(K, nu); Mardia and Jupp
        2000, sec. 9.3.2).
    """
    y = as_points(y, "y")
    sigma = check_positive(sigma, "sigma")
    n, m = y.shape
    if m < 2:
        raise ValueError(f"y must have native dimension m >= 2 (got {m})")
    a = np.zeros(m) if a is None else np.asarray(a, dtype=float).reshape(m)
    v = y / sigma**2 + a
    K = np.linalg.norm(v, axis=1)
    if np.any(K <= 0):
        raise ValueError("the posterior is undefined where y / sigma^2 + a = 0 (the cut locus)")
    nu = v / K[:, None]
    A = _bessel_ratio(m, K)
    var_t = A / K
    var_n = 1.0 - A**2 - (m - 1) * A / K
    mean = A[:, None] * nu
    outer = nu[:, :, None] * nu[:, None, :]
    cov = var_t[:, None, None] * (np.eye(m) - outer) + var_n[:, None, None] * outer
    return mean, cov


def torus_posterior_moments(y, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance for the flat torus T^k (uniform law), native y (n, 2k).

    The uniform law on T^k is the product of uniform laws on its k circle factors and the
    Gaussian likelihood factorizes over the pairs (y_(2i), y_(2i+1)), so x0 | x has independent
    circle factors, each from :func:`vmf_posterior_moments` with m = 2, a = 0.
    """
    y = as_points(y, "y")
    n, m = y.shape
    if m % 2:
        raise ValueError(f"flat torus native coordinates come in pairs (got dimension {m})")
    mean = np.empty((n, m))
    cov = np.zeros((n, m, m))
    for i in range(m // 2):
        sl = slice(2 * i, 2 * i + 2)
        mi, ci = vmf_posterior_moments(y[:, sl], sigma)
        mean[:, sl] = mi
        cov[:, sl, sl] = ci
    return mean, cov


def quadrature_posterior_moments(
    manifold, density, y, sigma: float, grid_ratio: float = 4.0, max_nodes: int = 2_000_000
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance of x0 | x by the periodic trapezoid rule (k <= 2).

    Nodes u_j of ``manifold.quadrature(n)`` (weights w_j include the volume element), log
    weights log w_j + log p(u_j), Gaussian softmax in the native coordinates at scale sigma.
    n is chosen so that the largest distance between neighbouring nodes is <= sigma /
    ``grid_ratio``: the trapezoid rule on a Gaussian of width sigma then errs by about
    exp(-2 pi^2 grid_ratio^2) (~1e-137 for the default 4).
    """
    from ..kernels import softmax_covariance

    sigma = check_positive(sigma, "sigma")
    y = as_points(y, "y", d=manifold.native_dim)
    k = manifold.k
    if k > 2:
        raise ValueError(f"quadrature posterior needs k <= 2 (got k = {k})")
    # the largest speed |d Phi / d u_i| bounds the node spacing 2 pi speed / n
    u_probe, _ = manifold.quadrature(256 if k == 1 else 64)
    J = manifold._jacobian(u_probe)
    speed = float(np.sqrt(np.max(np.sum(J**2, axis=1))))
    n = max(16, math.ceil(2 * np.pi * speed * grid_ratio / sigma))
    if n**k > max_nodes:
        raise ValueError(
            f"quadrature needs {n}^{k} nodes at sigma = {sigma} (more than max_nodes = "
            f"{max_nodes}); raise sigma or max_nodes"
        )
    u, w = manifold.quadrature(n)
    logw = np.log(w)
    if density is not None:
        logw = logw + np.asarray(density.log_pdf(manifold, u), dtype=float)
    nodes = np.ascontiguousarray(manifold.embed(u) @ manifold.frame)
    return softmax_covariance(nodes, np.ascontiguousarray(y), sigma, log_weights=logw)


def posterior_moments(manifold, density, x, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """E[x0 | x] (n, d) and Cov(x0 | x) (n, d, d) of the oracle, in the ambient coordinates.

    Closed forms on spheres with a log-linear density and on the flat torus with the uniform
    law; the trapezoid quadrature otherwise (k <= 2). See the module docstring.
    """
    from ..densities import Uniform
    from ..manifolds import FlatTorus, Sphere
    from ..scores import exponential_family_params

    x = as_points(x, "x", d=manifold.d)
    sigma = check_positive(sigma, "sigma")
    y, _ = manifold.to_native(x)
    dens = Uniform() if density is None else density
    ef = exponential_family_params(manifold, dens) if isinstance(manifold, Sphere) else None
    if ef is not None:
        mean, cov = vmf_posterior_moments(y, sigma, ef[0])
    elif isinstance(manifold, FlatTorus) and isinstance(dens, Uniform):
        mean, cov = torus_posterior_moments(y, sigma)
    else:
        mean, cov = quadrature_posterior_moments(manifold, dens, y, sigma)
    F = manifold.frame
    return mean @ F.T, np.einsum("ia,nab,jb->nij", F, cov, F)


# ----------------------------------------------------------------------------------------------
# Jacobians of denoisers


def jacobian_eigenvalues(cov, sigma: float) -> np.ndarray:
    """Eigenvalues of grad D_sigma = Cov(x0 | x) / sigma^2 (symmetric), decreasing, (n, d)."""
    cov = np.asarray(cov, dtype=float)
    if cov.ndim != 3 or cov.shape[1] != cov.shape[2]:
        raise ValueError(f"cov must have shape (n, d, d) (got {cov.shape})")
    sigma = check_positive(sigma, "sigma")
    sym = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    return np.linalg.eigvalsh(sym / sigma**2)[:, ::-1]


def finite_difference_jacobian(denoise, x, sigma: float, h: float | None = None) -> np.ndarray:
    """grad D(x) by central differences, J[n, i, j] = d D_i / d x_j, shape (n, d, d).

    ``denoise(x, sigma) -> (n, d)``. Step ``h`` (default 1e-3 x sigma, truncation error
    O((h / scale)^2) relative for a denoiser varying on the scale sigma or larger).
    """
    x = as_points(x, "x")
    sigma = check_positive(sigma, "sigma")
    h = 1e-3 * sigma if h is None else check_positive(h, "h")
    n, d = x.shape
    J = np.empty((n, d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = h
        J[:, :, j] = (np.asarray(denoise(x + e, sigma)) - np.asarray(denoise(x - e, sigma))) / (
            2 * h
        )
    return J


def jacobian_singular_values(J) -> np.ndarray:
    """Singular values (decreasing) of each Jacobian in J (n, d, d)."""
    return np.linalg.svd(np.asarray(J, dtype=float), compute_uv=False)


def soft_rank(values, threshold: float = 0.5) -> np.ndarray:
    """Number of eigen/singular values above ``threshold`` per row (the rank of the denoiser's
    linearization: k on the manifold regime, 0 when it returns a fixed training point)."""
    return np.sum(np.asarray(values) > threshold, axis=-1).astype(float)


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


# ----------------------------------------------------------------------------------------------
# study tasks


def tube_points(manifold, n: int, eps: float, rng) -> np.ndarray:
    """n points x = P + r nu, P uniform (volume) on M, nu a uniform unit normal at P, r = eps U.

    eps must be below the reach (then P_M(x) = P)."""
    n = check_int(n, "n", low=1)
    eps = check_positive(eps, "eps")
    if eps >= manifold.reach:
        raise ValueError(f"eps = {eps} must be below the reach {manifold.reach}")
    rng = as_generator(rng)
    u = manifold.sample_intrinsic(n, None, rng)
    P = manifold.embed(u)
    Nb = manifold.normal_basis(u)
    z = rng.standard_normal((n, Nb.shape[2]))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    r = eps * rng.uniform(size=n)
    return P + r[:, None] * np.einsum("ndj,nj->nd", Nb, z)


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
    x = tube_points(manifold, n_points, eps, rng)
    mean, _ = posterior_moments(manifold, density, x, sigma)
    dev = np.linalg.norm(mean - manifold.project(x).point, axis=1)
    on = manifold.sample(n_points, density, rng)
    _, cov = posterior_moments(manifold, density, on, sigma)
    lam = jacobian_eigenvalues(cov, sigma)
    return {
        "denoise_sup": float(dev.max()),
        "tan_dev": float(np.max(np.abs(lam[:, :k] - 1.0))),
        "normal_max": float(np.max(lam[:, k])),
        "rank_half": float(np.mean(soft_rank(lam))),
    }


def _manifold(params):
    """build("manifold", params) with the Holder amplitude ``graph_eps`` for Holder families (the
    grid's ``eps`` is the tube radius)."""
    over = {}
    if params["manifold"] in ("holder_graph", "holder_curve") and "graph_eps" in params:
        over["eps"] = float(params["graph_eps"])
    return build("manifold", params, **over)


def oracle_density(manifold, kappa: float):
    """The data law of the oracle study: von Mises (circle, mean angle pi) or von Mises-Fisher
    (sphere, mu = -e_1) of concentration ``kappa`` (as in SCIENCE.md's check values), the uniform
    law elsewhere and when kappa = 0 (None)."""
    from ..densities import VonMises, VonMisesFisher
    from ..manifolds import Sphere

    kappa = check_positive(kappa, "kappa", allow_zero=True)
    if kappa == 0.0 or not isinstance(manifold, Sphere):
        return None
    if manifold.k == 1:
        return VonMises(kappa=kappa, mean=np.pi)
    mu = np.zeros(manifold.k + 1)
    mu[0] = -1.0
    return VonMisesFisher(kappa=kappa, mu=mu)


@task(
    "p3_collapse_oracle",
    metrics=("denoise_sup", "tan_dev", "normal_max", "rank_half"),
)
def _p3_collapse_oracle(params, rng):
    """Oracle denoiser vs P_M and the spectrum of grad D_sigma on M (Collapse and refine, P3)."""
    M = _manifold(params)
    p = oracle_density(M, float(params.get("kappa", 0.0)))
    return oracle_collapse_metrics(
        M, p, float(params["sigma"]), int(params["n_points"]), float(params["eps"]), rng
    )


LEARNED_ESTIMATORS = {
    "empirical": ("empirical", {}),
    "smoothed": ("smoothed", {"h": None}),
    "nadaraya_watson": ("nadaraya_watson", {"h": None, "n_noise": 8}),
    "local_linear": ("local_polynomial", {"h": None, "degree": 1, "n_noise": 8}),
}


def _make_learned(name: str, h: float, rng):
    from ..scores import make_score

    if name not in LEARNED_ESTIMATORS:
        raise ValueError(f"estimator must be one of {sorted(LEARNED_ESTIMATORS)} (got {name!r})")
    reg, kw = LEARNED_ESTIMATORS[name]
    kw = {key: (h if v is None else v) for key, v in kw.items()}
    if reg in ("nadaraya_watson", "local_polynomial"):
        kw["rng"] = int(rng.integers(2**31))
    return make_score(reg, **kw)


def _learned_ranks(est, name, X, Q, sigmas):
    """Mean rank (singular values of grad D > 1/2) at the queries Q, for each sigma."""
    from ..kernels import softmax_covariance

    ranks = []
    for s in sigmas:
        if name == "empirical":
            _, cov = softmax_covariance(X, Q, float(s))
            sv = jacobian_eigenvalues(cov, float(s))
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
    X = manifold.sample(N, density, rng)
    Q = manifold.sample(n_query, density, rng)
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


@task("p3_collapse_learned", choices={"estimator": tuple(LEARNED_ESTIMATORS)})
def _p3_collapse_learned(params, rng):
    """Rank of learned denoisers against sigma and the collapse level vs N (P3)."""
    M = _manifold(params)
    p = build("density", params) if "density" in params else None
    sig = np.geomspace(float(params["sigma_lo"]), float(params["sigma_hi"]), int(params["n_sigma"]))
    return learned_collapse_metrics(
        M,
        p,
        int(params["N"]),
        str(params["estimator"]),
        float(params.get("h", 0.1)),
        sig,
        int(params["n_query"]),
        rng,
        refine=int(params.get("refine", 0)),
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
        bracketing grid interval): below the sample spacing FLIPD ~ 0 there (SCIENCE.md
        anchors), so this is where the plateau starts; expected ~ N^(-1/k);
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
    from ..metrics import flipd_dimension, flipd_empirical, svd_dimension
    from ..scores import EmpiricalScore

    rng = as_generator(rng)
    k = manifold.k
    X = manifold.sample(N, density, rng)
    Q = manifold.sample(n_query, density, rng)
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


@task("p3_intrinsic_dim")
def _p3_intrinsic_dim(params, rng):
    """FLIPD / normal-space SVD intrinsic dimension of the empirical score vs N (P3)."""
    M = _manifold(params)
    p = build("density", params) if "density" in params else None
    sig = np.geomspace(float(params["sigma_lo"]), float(params["sigma_hi"]), int(params["n_sigma"]))
    return intrinsic_dimension_metrics(
        M,
        p,
        int(params["N"]),
        sig,
        int(params["n_query"]),
        rng,
        skdim=bool(params.get("skdim", True)),
        refine=int(params.get("refine", 0)),
    )
