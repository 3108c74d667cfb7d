"""Score-induced latent diffusion (SiLD): a two-stage pipeline whose rate depends on k, not on d.

Huang, Han, Bai, Zhou, Zhang, Suzuki, Fukumizu, "Collapse and refine" (arXiv 2605.20235;
docs/science.md, P3): stage 1 learns the manifold from the small-sigma denoiser D_sigma = x +
sigma^2 s (which collapses onto P_M) and turns it into an encoder onto M; stage 2 learns the
k-dimensional latent law by a diffusion in the latent space; samples are decoded back. The
paper's claim: the sample complexity depends on k, not on d. Our operational version for closed
curves (k = 1):

- **stage 1** (:func:`learn_chart`, :class:`CurveChart`): the training points are denoised by the
  learned empirical score at a small sigma_enc (``ratesim.scores.EmpiricalScore.denoise``); a chart
  is learned from the denoised points: their top-2 principal plane (PCA), a least-squares (Kasa)
  circle fit in that plane, and the angle around the fitted centre as the latent coordinate. The
  encoder is E(x) = angle(D_sigma_enc(x)). The decoder is the Nadaraya-Watson regression of the
  training points on their latent angles with a periodic (von Mises) kernel of bandwidth b
  (:meth:`CurveChart.decode`): learned from the data, not from the known manifold.
- **stage 2**: the latent law is estimated by the smoothed (kernel) score of the latent codes with
  bandwidth h = N^(-1/(k+4)): the law of a latent diffusion run to the end with the smoothed score
  of bandwidth h is exactly the KDE of the codes (the smoothed score *is* the score of the KDE
  diffused; here with the circle's von Mises kernel), so we evaluate that law directly on a fine
  angle grid (:func:`latent_kde_weights`), with no sampler error and no sampling floor.

Competitors with the same score family (Gaussian-smoothed empirical score):

- **ambient diffusion**: the same smoothed score in R^d with the ambient bandwidth rule
  h = N^(-1/(d+4)) (the kernel score estimation rate N^(-2/(d+4)), docs/science.md); its exact
  law is mu_N * N(0, h^2 I_d), sampled directly (``n_gen`` draws);
- **empirical baseline**: mu_N itself (the exact empirical score run to sigma = 0 memorizes).

Metric (:func:`manifold_w1`): for a law nu, w1 = E_nu dist(Y, M) + W1_geo(P_M # nu, mu) with the
geodesic circle W1 against the population law (``ratesim.metrics`` quadrature, 2^14 angles). It
sandwiches the ambient W1: W1(nu, mu) <= w1 (move Y to P_M Y, then along M), and W1(nu, mu) >=
E dist(Y, M) (every coupling moves Y to a point of M). No two-sample Monte-Carlo floor
(docs/measurement.md) for the SiLD and empirical laws; the ambient law is sampled (n_gen points),
its angular part has a floor ~ n_gen^-1/2, negligible against its distance term.

Predictions (k = 1, von Mises density, smooth): the latent KDE has W1 bias ~ h^2 |p'|_1 / 2 and
variance ~ N^-1/2, so SiLD reaches N^(-2/(k+4)) = N^-0.4 (the bias with h = N^-1/5; the same rate
as inertial diffusion, Lyu et al. 2025) at every d; the empirical baseline N^-1/2 at every d; the
ambient smoothed score is dominated by its off-manifold spread E dist ~ h sqrt(d - 1), i.e.
N^(-1/(d+4)): a d-dependent rate.
"""

from __future__ import annotations

import numpy as np

from ratesim._validation import as_generator, as_points, check_int, check_positive
from ratesim.study import task

_TWO_PI = 2.0 * np.pi


class CurveChart:
    """A learned angular chart of a closed curve: PCA plane, fitted centre, angle around it.

    Attributes
    ----------
    mean_ : array (d,)
    basis_ : array (d, 2)
        Orthonormal top-2 principal directions.
    center_ : array (2,)
        Centre of the least-squares circle fit in plane coordinates.
    radius_ : float
    """

    def __init__(self, mean, basis, center, radius):
        self.mean_ = mean
        self.basis_ = basis
        self.center_ = center
        self.radius_ = radius
        self.angles_ = None
        self.points_ = None
        self.bandwidth_ = None

    def encode(self, z):
        """Latent angle in [-pi, pi) of points z (already denoised), shape (m,)."""
        z = as_points(z, "z", d=self.mean_.shape[0])
        c = (z - self.mean_) @ self.basis_ - self.center_
        return np.arctan2(c[:, 1], c[:, 0])

    def fit_decoder(self, z, bandwidth):
        """Learn the decoder: Nadaraya-Watson regression of the points z on their angles."""
        z = as_points(z, "z", d=self.mean_.shape[0])
        self.bandwidth_ = check_positive(bandwidth, "bandwidth")
        self.points_ = z
        self.angles_ = self.encode(z)
        return self

    def decode(self, theta, chunk=512):
        """x_hat(theta) = sum_i K_b(theta - theta_i) z_i / sum_i K_b(theta - theta_i), (m, d).

        Periodic (von Mises) kernel K_b(a) = exp((cos a - 1) / b^2), a Gaussian of width b for
        small a; the exponent is a matrix product of (cos, sin) features (no angle wrapping).
        """
        if self.points_ is None:
            raise RuntimeError("CurveChart decoder is not fitted yet: call fit_decoder first")
        theta = np.atleast_1d(np.asarray(theta, dtype=float))
        out = np.empty((theta.shape[0], self.points_.shape[1]))
        cs = np.column_stack([np.cos(self.angles_), np.sin(self.angles_)])
        for s in range(0, theta.shape[0], chunk):
            t = theta[s : s + chunk]
            logw = (np.column_stack([np.cos(t), np.sin(t)]) @ cs.T - 1.0) / self.bandwidth_**2
            logw -= logw.max(axis=1, keepdims=True)
            w = np.exp(logw)
            w /= w.sum(axis=1, keepdims=True)
            out[s : s + chunk] = w @ self.points_
        return out


def learn_chart(z):
    """Learn a :class:`CurveChart` from points z (N, d) near a closed planar-like curve.

    PCA (top-2 right singular vectors of the centred points), then the Kasa algebraic circle fit
    2 c . a + b0 = |c|^2 in plane coordinates c (centre a, radius sqrt(b0 + |a|^2)).
    """
    z = as_points(z, "z")
    if z.shape[0] < 3 or z.shape[1] < 2:
        raise ValueError(f"learn_chart needs >= 3 points in d >= 2 (got {z.shape})")
    mean = z.mean(axis=0)
    _, _, vt = np.linalg.svd(z - mean, full_matrices=False)
    basis = vt[:2].T
    c = (z - mean) @ basis
    A = np.column_stack([2.0 * c, np.ones(len(c))])
    sol = np.linalg.lstsq(A, np.sum(c * c, axis=1), rcond=None)[0]
    center = sol[:2]
    radius = float(np.sqrt(sol[2] + center @ center))
    return CurveChart(mean, basis, center, radius)


def latent_kde_weights(codes, h, grid):
    """Probabilities of the von Mises KDE of the codes (bandwidth h) on an angle grid.

    The kernel exp((cos(theta - c_i) - 1) / h^2) is the circle's analogue of a Gaussian of width h
    (its heat-kernel approximation, exact to O(h^2) relative in the bulk).

    Parameters
    ----------
    codes : array (N,)
        Latent angles.
    h : float > 0
    grid : array (G,)
        Equispaced angles covering the circle (the cell masses are density x spacing).

    Returns
    -------
    array (G,)
        Normalized weights (sum 1).
    """
    codes = np.asarray(codes, dtype=float).ravel()
    h = check_positive(h, "h")
    grid = np.asarray(grid, dtype=float).ravel()
    g = np.column_stack([np.cos(grid), np.sin(grid)])
    dens = np.zeros(grid.shape[0])
    for s in range(0, codes.shape[0], 2048):
        c = codes[s : s + 2048]
        dens += np.exp((g @ np.vstack([np.cos(c), np.sin(c)]) - 1.0) / h**2).sum(axis=1)
    return dens / dens.sum()


def manifold_w1(manifold, density, points, weights=None, n_quad=1 << 14):
    """w1 = E dist(Y, M) + W1_geo(P_M # nu, mu) for nu = sum_j weights_j delta_{points_j}.

    An upper bound of the ambient W1(nu, mu) (and >= its lower bound E dist(Y, M)); see the
    module docstring. The circle part uses the exact circle formula against the population law on
    ``n_quad`` angles (``ratesim.metrics.population_quadrature``; resolution pi / n_quad).

    Returns
    -------
    dict
        ``w1``, ``dist`` (E dist), ``w1_geo`` (the angular part).
    """
    from ratesim.metrics import population_quadrature, wasserstein_circle

    points = as_points(points, "points", d=manifold.d)
    w = np.full(len(points), 1.0 / len(points)) if weights is None else np.asarray(weights, float)
    w = w / w.sum()
    pr = manifold.project(points)
    dist = float(w @ pr.dist)
    u, _, pw = population_quadrature(manifold, density, check_int(n_quad, "n_quad", low=4))
    g = wasserstein_circle(manifold.angle(pr.u), manifold.angle(u), p=1, a=w, b=pw)
    return {"w1": dist + float(g), "dist": dist, "w1_geo": float(g)}


def sild_law(X, *, sigma_enc, h, b_dec, n_grid=2048, score=None):
    """The SiLD output law: atoms decode(theta_g) with the latent KDE weights.

    Parameters
    ----------
    X : array (N, d)
        Training points.
    sigma_enc : float > 0
        Noise level of the learned denoiser used by the encoder.
    score : fitted score estimator, optional
        Stage 1's learned score (its ``denoise(x, sigma)``); default the empirical score of X.
    h : float > 0
        Latent bandwidth (stage 2).
    b_dec : float > 0
        Decoder bandwidth.
    n_grid : int
        Angle grid of the latent law.

    Returns
    -------
    points : array (n_grid, d), weights : array (n_grid,), chart : CurveChart
    """
    from ratesim.scores import EmpiricalScore

    X = as_points(X, "X")
    sigma_enc = check_positive(sigma_enc, "sigma_enc")
    score = EmpiricalScore().fit(X) if score is None else score
    Z = score.denoise(X, sigma_enc)  # stage 1: collapse onto the data manifold
    chart = learn_chart(Z).fit_decoder(Z, b_dec)
    grid = -np.pi + _TWO_PI * (np.arange(check_int(n_grid, "n_grid", low=8)) + 0.5) / n_grid
    weights = latent_kde_weights(chart.angles_, h, grid)  # stage 2: latent law
    return chart.decode(grid), weights, chart


@task(metrics=("w1", "dist", "w1_geo"), choices={"manifold": ("circle",)})
def sild_w1(
    *,
    pipeline: str,
    N: int,
    d: int,
    kappa: float,
    sigma_enc: float,
    rng: np.random.Generator,
    manifold: str = "circle",
    k: int = 1,
    n_grid: int = 2048,
    n_gen: int = 4000,
    n_quad: int = 1 << 14,
    manifold_seed: int = 1,
) -> dict[str, float]:
    """One cell: N samples of von Mises(``kappa``) on the unit circle in R^d, the ``pipeline``'s
    law and its w1 (and parts), :func:`manifold_w1`.

    ``pipeline`` in {"sild", "ambient", "empirical"}; ``sigma_enc`` the encoder's noise level
    (sild), ``n_grid`` its latent angle grid, ``n_gen`` the ambient law's samples, ``n_quad`` the
    population quadrature. Bandwidths: latent h = N^(-1/5) (k = 1) and decoder b = h / 2; ambient
    h = N^(-1/(d+4)). One BLAS thread per cell (the engine parallelizes over cells).
    """
    from threadpoolctl import threadpool_limits

    from ratesim.densities import VonMises
    from ratesim.manifolds import Circle

    if manifold != "circle" or k != 1:
        raise ValueError(f"the SiLD task runs on the circle, k = 1 (got {manifold!r}, k = {k})")
    with threadpool_limits(limits=1):
        rng = as_generator(rng)
        N = check_int(N, "N", low=3)
        d = check_int(d, "d", low=2)
        M = Circle(d=d, seed=manifold_seed)
        p = VonMises(kappa=check_positive(kappa, "kappa"))
        X = M.sample(N, p, rng=rng)
        if pipeline == "sild":
            h = N ** (-1.0 / 5.0)
            pts, w, _ = sild_law(X, sigma_enc=sigma_enc, h=h, b_dec=h / 2, n_grid=n_grid)
            r = manifold_w1(M, p, pts, w, n_quad=n_quad)
        elif pipeline == "ambient":
            h = N ** (-1.0 / (d + 4.0))
            n_gen = check_int(n_gen, "n_gen", low=1)
            Y = X[rng.integers(0, N, n_gen)] + h * rng.standard_normal((n_gen, d))
            r = manifold_w1(M, p, Y, n_quad=n_quad)
        elif pipeline == "empirical":
            r = manifold_w1(M, p, X, n_quad=n_quad)
        else:
            raise ValueError(
                f"pipeline must be 'sild', 'ambient' or 'empirical' (got {pipeline!r})"
            )
    return {"w1": r["w1"], "dist": r["dist"], "w1_geo": r["w1_geo"]}


# --- SiLD with a chart it must learn: a non-planar Holder curve, noisy data, a trained stage 1 ---

LEARNED_METRICS = (
    "w1_sild", "dist_sild", "geo_sild",
    "w1_ambient", "dist_ambient", "geo_ambient", "w1_fresh",
    "w1_kde", "w1_empirical",
    "dist_data", "dist_stage1", "steps_selected",
)  # fmt: skip


def curve_w1(manifold, density, points, weights=None, n_quad=1 << 14, arc=None):
    """w1 = E dist(Y, M) + W1_geo(P_M # nu, mu) on a closed curve M (k = 1), for nu = sum_j
    weights_j delta_{points_j}: the bound of :func:`manifold_w1` (W1(nu, mu) <= w1 and
    E dist(Y, M) <= W1(nu, mu)) with the geodesic W1 in the curve's arc-length chart
    (``ratesim.metrics.wasserstein_curve``).

    Returns
    -------
    dict
        ``w1``, ``dist`` (E dist), ``w1_geo`` (the geodesic part).
    """
    from ratesim.metrics import wasserstein_curve

    points = as_points(points, "points", d=manifold.d)
    w = np.full(len(points), 1.0 / len(points)) if weights is None else np.asarray(weights, float)
    w = w / w.sum()
    dist = float(w @ manifold.project(points).dist)
    g = wasserstein_curve(manifold, points, density, arc=arc, n_quad=n_quad, weights=w)
    return {"w1": dist + float(g), "dist": dist, "w1_geo": float(g)}


def train_selected(X, *, checkpoints, holdout, rng, **net_params):
    """Train a DSM network on part of X and keep the checkpoint with the lowest held-out loss.

    The points are split at random: ``holdout`` of them (at least 2) are held out, the network
    (``ratesim.scores.DSMNetworkScore``, ``warm_start``) is trained on the rest, and after each
    number of Adam steps in ``checkpoints`` (increasing) its held-out denoising score-matching
    loss (``ratesim.scores.dsm_loss`` over 8 noise levels log-spaced on the training range, 4
    noise draws per point) is measured; the checkpoint with the lowest loss is returned.

    Returns
    -------
    net : DSMNetworkScore
        The selected network (a copy frozen at its checkpoint).
    steps : int
        Its number of Adam steps.
    """
    import copy

    from ratesim.scores import DSMNetworkScore, dsm_loss

    rng = as_generator(rng)
    X = as_points(X, "X")
    n_out = max(2, int(round(holdout * len(X))))
    if not 0.0 < holdout < 1.0 or n_out >= len(X) - 1:
        raise ValueError(
            f"holdout must leave >= 2 points on each side (got holdout={holdout!r}, N={len(X)})"
        )
    checkpoints = [check_int(c, "checkpoints", low=1) for c in checkpoints]
    if any(b <= a for a, b in zip(checkpoints[:-1], checkpoints[1:], strict=False)):
        raise ValueError(f"checkpoints must increase (got {checkpoints})")
    perm = rng.permutation(len(X))
    held, fit_on = X[perm[:n_out]], X[perm[n_out:]]
    net = DSMNetworkScore(warm_start=True, rng=rng, **net_params)
    sigmas = np.geomspace(net.sigma_min, net.sigma_max, 8)
    best, best_loss, done = None, np.inf, 0
    for c in checkpoints:
        net.steps = c - done
        net.fit(fit_on)
        done = c
        loss, _ = dsm_loss(net, held, sigmas, n_noise=4, rng=rng)
        if loss < best_loss:
            best, best_loss = (copy.deepcopy(net), c), loss
    return best


def check_noisy_cell(N, d, tau, sigma_enc, n_gen) -> tuple[int, int, float, float, int]:
    """Validate the common inputs of the learned-chart tasks; returns them converted."""
    N = check_int(N, "N", low=16)
    d = check_int(d, "d", low=3)
    tau = float(tau)
    if not np.isfinite(tau) or tau < 0:
        raise ValueError(f"tau must be a finite noise level >= 0 (got {tau!r})")
    return N, d, tau, check_positive(sigma_enc, "sigma_enc"), check_int(n_gen, "n_gen", low=10)


def noisy_data_and_network(M, density, N, *, tau, rng, steps, checkpoint_every, **net_params):
    """N draws of ``density`` on M plus Gaussian noise N(0, tau^2 / d I_d) (total RMS tau at
    every d), and the DSM network trained and selected on them by :func:`train_selected` (its
    number of steps among the multiples of ``checkpoint_every`` up to ``steps``; preconditioned
    by the data's standard deviation; ``net_params``: width, depth, sigma_max, holdout).

    Returns
    -------
    X : array (N, d)
    net : DSMNetworkScore
    steps : int
        The selected number of Adam steps.
    """
    d = M.d
    X = M.sample(N, density, rng=rng) + tau / np.sqrt(d) * rng.standard_normal((N, d))
    every = check_int(checkpoint_every, "checkpoint_every", low=1)
    holdout = net_params.pop("holdout")
    net, chosen = train_selected(
        X, checkpoints=range(every, check_int(steps, "steps", low=every) + 1, every),
        holdout=holdout, rng=rng, sigma_min=0.01, sigma_data=float(np.std(X - X.mean(axis=0))),
        **net_params,
    )  # fmt: skip
    return X, net, chosen


def ambient_samples(net, n_gen, *, sigma_max, sigma_enc, sde_steps, rng) -> np.ndarray:
    """n_gen samples of the network as an ambient diffusion: the reverse VE SDE (exponential
    integrator, ``sde_steps`` steps from ``sigma_max`` to ``sigma_enc``) and the Tweedie step at
    ``sigma_enc``, the last denoising SiLD's encoder applies."""
    from ratesim.samplers import reverse_sde

    return reverse_sde(
        net, n=n_gen, d=net.n_features_in_, sigma_max=sigma_max, sigma_min=sigma_enc,
        steps=sde_steps, rng=rng, method="exponential",
    ).samples  # fmt: skip


def finite_metrics(out: dict, N: int, d: int) -> dict:
    """``out``, or FloatingPointError naming its non-finite metrics."""
    bad = [key for key, v in out.items() if not np.isfinite(v)]
    if bad:
        raise FloatingPointError(f"non-finite metrics {bad} (N={N}, d={d})")
    return out


@task(metrics=LEARNED_METRICS)
def sild_learned_w1(
    *,
    N: int,
    d: int,
    rng: np.random.Generator,
    beta: float = 2.5,
    eps: float = 1.0,
    kappa: float = 2.0,
    tau: float = 0.02,
    sigma_enc: float = 0.05,
    width: int = 64,
    depth: int = 2,
    sigma_max: float = 5.0,
    steps: int = 4000,
    checkpoint_every: int = 500,
    holdout: float = 0.2,
    sde_steps: int = 200,
    n_grid: int = 2048,
    n_gen: int = 2000,
    n_quad: int = 1 << 14,
    manifold_seed: int = 1,
) -> dict[str, float]:
    """One cell of SiLD with a learned chart: N noisy draws near a non-planar Holder curve in R^d,
    one DSM-trained network, and four laws measured by :func:`curve_w1` against the clean law.

    Data: the Holder curve u -> (cos u, sin u, eps g_beta(u)) (``ratesim.manifolds.HolderGraph``
    with k = 1: non-planar, regularity ``beta``), randomly embedded in R^d (isometry
    ``manifold_seed``), von Mises(``kappa``) in u, plus Gaussian noise of total RMS ``tau``
    (N(0, tau^2 / d I_d): the same noise energy at every d).

    One network of the ``ratesim.scores.DSMNetworkScore`` family (MLP ``width`` x ``depth``,
    noise levels [0.01, ``sigma_max``], inputs preconditioned by the data's per-coordinate
    standard deviation ``sigma_data``) is trained on 1 - ``holdout`` of the points for up to
    ``steps`` Adam steps, its number of steps chosen among the multiples of ``checkpoint_every``
    by the held-out DSM loss
    (:func:`train_selected`). The same network is used two ways:

    - ``sild``: stage 1 denoises all N points at ``sigma_enc`` with it and learns the chart from
      the denoised points (:func:`learn_chart`: PCA plane, circle fit, angle; the decoder
      regresses the denoised points on their angles with bandwidth h / 2); stage 2 is the latent
      KDE with h = N^(-1/5), evaluated exactly on ``n_grid`` angles (:func:`sild_law`);
    - ``ambient``: the reverse SDE in R^d with the network (exponential integrator, ``sde_steps``
      steps from ``sigma_max`` to ``sigma_enc``, then the Tweedie step at ``sigma_enc``: the same
      last denoising SiLD's encoder applies), ``n_gen`` samples; ``w1_fresh`` is the w1 of
      ``n_gen`` exact draws of the clean law (its sampling floor).

    and two references without a network: ``kde``, the Gaussian KDE of the data in R^d with the
    ambient rule h = N^(-1/(d+4)) (``n_gen`` samples; its off-manifold spread grows with d by
    construction), and ``empirical``, the data themselves.

    Returns
    -------
    dict
        ``w1_*`` (and ``dist_*``, ``geo_*``: E dist to M and the geodesic part) per law;
        ``dist_data``, ``dist_stage1``: mean distance to M of the data and of the denoised data;
        ``steps_selected``: the network's selected number of Adam steps.
    """
    from threadpoolctl import threadpool_limits

    from ratesim.densities import VonMises
    from ratesim.manifolds import HolderGraph
    from ratesim.metrics import ArcLength

    rng = as_generator(rng)
    N, d, tau, sigma_enc, n_gen = check_noisy_cell(N, d, tau, sigma_enc, n_gen)
    M = HolderGraph(k=1, beta=beta, eps=eps, d=d, seed=manifold_seed)
    p = VonMises(kappa=check_positive(kappa, "kappa"))
    arc = ArcLength(M)
    with threadpool_limits(limits=1):
        X, net, chosen = noisy_data_and_network(
            M, p, N, tau=tau, rng=rng, steps=steps, checkpoint_every=checkpoint_every,
            holdout=holdout, width=width, depth=depth, sigma_max=sigma_max,
        )  # fmt: skip
        h = N ** (-1.0 / 5.0)
        pts, w, _ = sild_law(X, sigma_enc=sigma_enc, h=h, b_dec=h / 2, n_grid=n_grid, score=net)
        sild = curve_w1(M, p, pts, w, n_quad=n_quad, arc=arc)
        Y = ambient_samples(
            net, n_gen, sigma_max=sigma_max, sigma_enc=sigma_enc, sde_steps=sde_steps, rng=rng
        )
        amb = curve_w1(M, p, Y, n_quad=n_quad, arc=arc)
        fresh = curve_w1(M, p, M.sample(n_gen, p, rng=rng), n_quad=n_quad, arc=arc)
        h_kde = N ** (-1.0 / (d + 4.0))
        K = X[rng.integers(0, N, n_gen)] + h_kde * rng.standard_normal((n_gen, d))
        kde = curve_w1(M, p, K, n_quad=n_quad, arc=arc)
        emp = curve_w1(M, p, X, n_quad=n_quad, arc=arc)
        Z = net.denoise(X, sigma_enc)
    out = {
        "w1_sild": sild["w1"], "dist_sild": sild["dist"], "geo_sild": sild["w1_geo"],
        "w1_ambient": amb["w1"], "dist_ambient": amb["dist"], "geo_ambient": amb["w1_geo"],
        "w1_fresh": fresh["w1"], "w1_kde": kde["w1"], "w1_empirical": emp["w1"],
        "dist_data": float(M.project(X).dist.mean()),
        "dist_stage1": float(M.project(Z).dist.mean()),
        "steps_selected": float(chosen),
    }  # fmt: skip
    return finite_metrics(out, N, d)
