"""SiLD on a surface (k = 2): a torus of revolution whose chart must be learned.

Huang et al., "Collapse and refine" (arXiv 2605.20235; docs/science.md, P3). The curve version
(``tasks.sild_learned_w1``) learns a one-angle chart; here stage 1 learns the two-angle chart of
a torus of revolution (radii R > r) randomly embedded in R^d, from the denoised data:

- :func:`learn_torus_chart`: the top-3 principal directions of the denoised points span the
  torus's R^3, the least-variance one is its axis (a principal direction for any law that is a
  product of laws of the two angles with E sin(phi) = E sin(phi) cos(phi) = 0); the centre and
  the radii are fitted by least squares of the distance to the torus; the latent angles are the
  azimuth theta around the fitted axis and the angle phi around the fitted core circle.
- :class:`TorusChart`: encoder, and a Nadaraya-Watson decoder with a product von Mises kernel.
- :func:`latent_kde_weights_2d`: stage 2, the latent KDE on a G x G angle grid (the law of a
  latent diffusion run to the end with the smoothed score, as for curves).
- :func:`surface_energy`: the metric. At k = 2 a W1 to mu with no floor is out of reach here:
  exact transport between a 64 x 64 grid law and a 64 x 64 quadrature of mu costs about 5 s and
  its discretization alone is 0.036 (W1 between the 64- and the 128-node quadratures of the
  same law), the size of SiLD's W1 at N = 4096. The energy distance (Szekely and Rizzo 2013)
  E(nu, mu) = 2 E|X - Y| - E|X - X'| - E|Y - Y'| is computed in the same setting from distance
  sums alone, and its discretization is sqrt(E) = 0.004 (64 against 128 nodes): the metric is
  sqrt(E) of the projected law plus the mean distance to M, as w1 is for curves.
  sqrt(E) is a metric on laws, E <= 2 W1 (so sqrt(E) <= sqrt(2 W1)), and for a law shifted by a
  small eps it is of order eps; unlike W1 its rate for an empirical measure is N^(-1/2) in any
  dimension, so at k = 2 it tests dependence on d, not on k.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.spatial.distance import cdist

from ratesim._validation import as_generator, as_points, check_int, check_positive
from ratesim.study import task

from .tasks import ambient_samples, check_noisy_cell, finite_metrics, noisy_data_and_network

_TWO_PI = 2.0 * np.pi


def _features(angles: np.ndarray) -> np.ndarray:
    """[cos a_1, ..., cos a_k, sin a_1, ..., sin a_k] of angles (m, k), shape (m, 2k)."""
    return np.concatenate([np.cos(angles), np.sin(angles)], axis=1)


def _product_kernel_weights(query, centres, b):
    """Row-normalized weights exp(sum_j (cos(q_j - c_j) - 1) / b^2), shape (m, n): a product of
    von Mises kernels, a Gaussian of width b in each angle near its centre."""
    k = query.shape[1]
    logw = (_features(query) @ _features(centres).T - k) / b**2
    logw -= logw.max(axis=1, keepdims=True)
    w = np.exp(logw)
    return w / w.sum(axis=1, keepdims=True)


class TorusChart:
    """A learned two-angle chart of a torus of revolution in R^d.

    Attributes
    ----------
    mean_ : array (d,)
    basis_ : array (d, 3)
        Orthonormal principal directions; the third is the fitted axis.
    center_ : array (3,)
        Fitted centre in the basis coordinates.
    R_, r_ : float
        Fitted radii of the core circle and of the tube.
    """

    def __init__(self, mean, basis, center, R, r):
        self.mean_, self.basis_, self.center_ = mean, basis, center
        self.R_, self.r_ = float(R), float(r)
        self.angles_ = self.points_ = self.bandwidth_ = None

    def encode(self, z) -> np.ndarray:
        """Latent angles (theta, phi) in [-pi, pi)^2 of points z (m, d), shape (m, 2)."""
        z = as_points(z, "z", d=self.mean_.shape[0])
        c = (z - self.mean_) @ self.basis_ - self.center_
        rho = np.hypot(c[:, 0], c[:, 1])
        return np.column_stack([np.arctan2(c[:, 1], c[:, 0]), np.arctan2(c[:, 2], rho - self.R_)])

    def fit_decoder(self, z, bandwidth) -> TorusChart:
        """Learn the decoder: Nadaraya-Watson regression of the points z on their angles."""
        z = as_points(z, "z", d=self.mean_.shape[0])
        self.bandwidth_ = check_positive(bandwidth, "bandwidth")
        self.points_ = z
        self.angles_ = self.encode(z)
        return self

    def decode(self, angles, chunk: int = 512) -> np.ndarray:
        """x_hat(a) = sum_i K_b(a - a_i) z_i / sum_i K_b(a - a_i), shape (m, d), with the product
        von Mises kernel of bandwidth b."""
        if self.points_ is None:
            raise RuntimeError("TorusChart decoder is not fitted yet: call fit_decoder first")
        angles = np.atleast_2d(np.asarray(angles, dtype=float))
        out = np.empty((angles.shape[0], self.points_.shape[1]))
        for s in range(0, angles.shape[0], chunk):
            w = _product_kernel_weights(angles[s : s + chunk], self.angles_, self.bandwidth_)
            out[s : s + chunk] = w @ self.points_
        return out


def _tilt(a: float, b: float) -> np.ndarray:
    """The rotation R_y(b) R_x(a) of R^3, shape (3, 3)."""
    ca, sa, cb, sb = np.cos(a), np.sin(a), np.cos(b), np.sin(b)
    rx = np.array([[1.0, 0.0, 0.0], [0.0, ca, -sa], [0.0, sa, ca]])
    ry = np.array([[cb, 0.0, sb], [0.0, 1.0, 0.0], [-sb, 0.0, cb]])
    return ry @ rx


def _torus_residuals(params, c):
    a, b, cx, cy, cz, R, r = params
    q = c @ _tilt(a, b)
    rho = np.hypot(q[:, 0] - cx, q[:, 1] - cy)
    return np.hypot(rho - R, q[:, 2] - cz) - r


def learn_torus_chart(z) -> TorusChart:
    """Learn a :class:`TorusChart` from points z (N, d) near a torus of revolution.

    PCA (top-3 right singular vectors of the centred points, the axis last), then the axis's
    tilt, the centre and the radii minimizing sum_i dist(c_i, torus)^2 in the basis coordinates
    c_i (trust-region least squares from no tilt, the centre 0, R the mean distance to the PCA
    axis, r the RMS distance of the points to the circle of radius R): with finitely many points
    the PCA axis is off by the sample covariance's cross terms, which the tilt corrects.
    """
    from scipy.optimize import least_squares

    z = as_points(z, "z")
    if z.shape[0] < 6 or z.shape[1] < 3:
        raise ValueError(f"learn_torus_chart needs >= 6 points in d >= 3 (got {z.shape})")
    mean = z.mean(axis=0)
    _, _, vt = np.linalg.svd(z - mean, full_matrices=False)
    basis = vt[:3].T
    c = (z - mean) @ basis
    R0 = float(np.mean(np.hypot(c[:, 0], c[:, 1])))
    r0 = float(np.sqrt(np.mean((np.hypot(c[:, 0], c[:, 1]) - R0) ** 2 + c[:, 2] ** 2)))
    fit = least_squares(_torus_residuals, x0=[0.0, 0.0, 0.0, 0.0, 0.0, R0, r0], args=(c,))
    a, b, cx, cy, cz, R, r = fit.x
    return TorusChart(mean, basis @ _tilt(a, b), np.array([cx, cy, cz]), abs(R), abs(r))


def angle_grid(n: int) -> np.ndarray:
    """The n x n grid of cell centres of [-pi, pi)^2, shape (n^2, 2)."""
    t = -np.pi + _TWO_PI * (np.arange(check_int(n, "n_grid", low=4)) + 0.5) / n
    a, b = np.meshgrid(t, t, indexing="ij")
    return np.column_stack([a.ravel(), b.ravel()])


def latent_kde_weights_2d(codes, h, grid) -> np.ndarray:
    """Probabilities of the product von Mises KDE of the latent codes (N, 2) with bandwidth h on
    an equispaced angle grid (G, 2) (the cell masses are density x cell area), sum 1."""
    codes = np.asarray(codes, dtype=float)
    h = check_positive(h, "h")
    g = _features(np.asarray(grid, dtype=float))
    dens = np.zeros(g.shape[0])
    for s in range(0, codes.shape[0], 2048):
        dens += np.exp((g @ _features(codes[s : s + 2048]).T - 2.0) / h**2).sum(axis=1)
    return dens / dens.sum()


def _mean_distance(x, a, y, b, same: bool = False, chunk: int = 2048) -> float:
    """sum_ij a_i b_j |x_i - y_j|; with ``same`` (x is y, a is b) the diagonal is left out."""
    total = 0.0
    for s in range(0, len(x), chunk):
        D = cdist(x[s : s + chunk], y)
        if same:
            idx = np.arange(s, min(s + chunk, len(x)))
            D[idx - s, idx] = 0.0
        total += float(a[s : s + chunk] @ D @ b)
    return total


@functools.lru_cache(maxsize=8)
def _population(manifold, density, n_quad):
    """mu's quadrature: native R^3 nodes of the torus (distances are isometry invariant), weights
    summing to 1, and E|Y - Y'| over the quadrature."""
    from ratesim.metrics import population_quadrature

    u, _, w = population_quadrature(manifold, density, n_quad)
    y = torus_native(manifold, np.asarray(u))
    b = np.asarray(w) / np.sum(w)
    return y, b, _mean_distance(y, b, y, b)


def torus_native(manifold, u) -> np.ndarray:
    """The points of coordinates u = (theta, phi) (m, 2) in the torus's own R^3, (m, 3)."""
    rho = manifold.R + manifold.r * np.cos(u[:, 1])
    return np.column_stack(
        [rho * np.cos(u[:, 0]), rho * np.sin(u[:, 0]), manifold.r * np.sin(u[:, 1])]
    )


def surface_energy(manifold, density, points, weights=None, n_quad: int = 64) -> dict[str, float]:
    """The energy distance from the projected law P_M # nu to mu, and E dist(Y, M).

    nu = sum_j weights_j delta_{points_j} (equal weights when None, then read as m i.i.d.
    draws: the self term leaves the diagonal out and the estimate of E is unbiased, so it can
    be slightly negative). mu is the ``n_quad`` x ``n_quad`` population quadrature.

    Returns
    -------
    dict
        ``energy`` = E(P_M # nu, mu), ``e`` = sqrt(max(E, 0)), ``dist`` = E dist(Y, M), ``total``
        = e + dist.
    """
    points = as_points(points, "points", d=manifold.d)
    iid = weights is None
    n = len(points)
    a = np.full(n, 1.0 / n) if iid else np.asarray(weights, dtype=float) / np.sum(weights)
    pr = manifold.project(points)
    x = torus_native(manifold, np.asarray(pr.u))
    y, b, yy = _population(manifold, density, check_int(n_quad, "n_quad", low=8))
    xx = _mean_distance(x, a, x, a, same=iid) * (n / (n - 1) if iid else 1.0)
    energy = 2.0 * _mean_distance(x, a, y, b) - xx - yy
    e = float(np.sqrt(max(energy, 0.0)))
    dist = float(a @ pr.dist)
    return {"energy": float(energy), "e": e, "dist": dist, "total": e + dist}


def quadrature_floor(manifold, density, n_quad: int) -> float:
    """sqrt(E) between mu's n_quad x n_quad quadrature and its 2 n_quad x 2 n_quad one: the
    discretization of :func:`surface_energy`'s reference."""
    y, b, yy = _population(manifold, density, n_quad)
    z, c, zz = _population(manifold, density, 2 * n_quad)
    return float(np.sqrt(max(2.0 * _mean_distance(y, b, z, c) - yy - zz, 0.0)))


SURFACE_METRICS = (
    "e_sild", "dist_sild", "total_sild", "e_ambient", "dist_ambient", "total_ambient",
    "dist_kde", "e_floor", "dist_data", "dist_stage1", "chart_R", "chart_r", "steps_selected",
)  # fmt: skip


@task(metrics=SURFACE_METRICS)
def sild_surface(
    *,
    N: int,
    d: int,
    rng: np.random.Generator,
    R: float = 1.0,
    r: float = 0.4,
    kappa: float = 1.0,
    tau: float = 0.02,
    sigma_enc: float = 0.05,
    width: int = 64,
    depth: int = 2,
    sigma_max: float = 5.0,
    steps: int = 8000,
    checkpoint_every: int = 1000,
    holdout: float = 0.2,
    sde_steps: int = 200,
    n_grid: int = 64,
    n_gen: int = 2000,
    n_quad: int = 64,
    manifold_seed: int = 1,
) -> dict[str, float]:
    """One cell of SiLD on a torus of revolution (k = 2) in R^d, against the same network as an
    ambient diffusion (as :func:`tasks.sild_learned_w1` for curves).

    Data: ``StandardTorus(R, r)`` randomly embedded in R^d (isometry ``manifold_seed``), the
    product von Mises(``kappa``) law of its two angles w.r.t. area, plus Gaussian noise
    N(0, tau^2 / d I_d). One ``DSMNetworkScore`` (preconditioned by the data's standard deviation)
    trained on 1 - ``holdout`` of the points, its number of steps chosen among the multiples of
    ``checkpoint_every`` up to ``steps`` by the held-out DSM loss (:func:`tasks.train_selected`).

    - ``sild``: stage 1 denoises the N points at ``sigma_enc`` and learns the chart
      (:func:`learn_torus_chart`; decoder bandwidth h / 2); stage 2 is the latent KDE with
      h = N^(-1/6) (the k = 2 rule N^(-1/(k+4))) on an ``n_grid`` x ``n_grid`` angle grid,
      decoded: an exact weighted law, no sampling.
    - ``ambient``: the reverse SDE in R^d with the network, ``sde_steps`` exponential steps from
      ``sigma_max`` to ``sigma_enc`` and the Tweedie step there, ``n_gen`` samples (the energy
      distance's unbiased estimate).
    - ``kde``: the data's Gaussian KDE in R^d with h = N^(-1/(d+4)), ``n_gen`` samples; its mean
      distance to M (``dist_kde``), the control whose spread grows with d by construction.

    Returns
    -------
    dict
        ``e_*`` = sqrt of the energy distance of the projected law to mu, ``dist_*`` = mean
        distance to M, ``total_*`` = their sum (:func:`surface_energy`); ``e_floor``: the
        quadrature's discretization (:func:`quadrature_floor`); ``dist_data``,
        ``dist_stage1``: the data's and the denoised data's mean distance to M; ``chart_R``,
        ``chart_r``: the fitted radii; ``steps_selected``.
    """
    from threadpoolctl import threadpool_limits

    from ratesim.densities import VonMises
    from ratesim.manifolds import StandardTorus

    rng = as_generator(rng)
    N, d, tau, sigma_enc, n_gen = check_noisy_cell(N, d, tau, sigma_enc, n_gen)
    M = StandardTorus(R=R, r=r, d=d, seed=manifold_seed)
    p = VonMises(kappa=check_positive(kappa, "kappa"))
    with threadpool_limits(limits=1):
        X, net, chosen = noisy_data_and_network(
            M, p, N, tau=tau, rng=rng, steps=steps, checkpoint_every=checkpoint_every,
            holdout=holdout, width=width, depth=depth, sigma_max=sigma_max,
        )  # fmt: skip
        h = N ** (-1.0 / 6.0)
        Z = net.denoise(X, sigma_enc)  # stage 1
        chart = learn_torus_chart(Z).fit_decoder(Z, h / 2)
        grid = angle_grid(n_grid)
        weights = latent_kde_weights_2d(chart.angles_, h, grid)  # stage 2
        sild = surface_energy(M, p, chart.decode(grid), weights, n_quad=n_quad)
        Y = ambient_samples(
            net, n_gen, sigma_max=sigma_max, sigma_enc=sigma_enc, sde_steps=sde_steps, rng=rng
        )
        amb = surface_energy(M, p, Y, n_quad=n_quad)
        K = X[rng.integers(0, N, n_gen)] + N ** (-1.0 / (d + 4.0)) * rng.standard_normal((n_gen, d))
        out = {
            "e_sild": sild["e"], "dist_sild": sild["dist"], "total_sild": sild["total"],
            "e_ambient": amb["e"], "dist_ambient": amb["dist"], "total_ambient": amb["total"],
            "dist_kde": float(M.project(K).dist.mean()),
            "e_floor": quadrature_floor(M, p, n_quad),
            "dist_data": float(M.project(X).dist.mean()),
            "dist_stage1": float(M.project(Z).dist.mean()),
            "chart_R": chart.R_, "chart_r": chart.r_,
            "steps_selected": float(chosen),
        }  # fmt: skip
    return finite_metrics(out, N, d)
