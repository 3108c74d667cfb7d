"""Tasks of the tilted-family studies: learned densities p_sigma exp(-sigma^gamma phi) and the
Omega(1) "swap" (``p2_concentration``), and the stationary laws of posterior Langevin with a
tempered prior score, exactly (``p2_inverse_problem``) and by Monte-Carlo chains
(``p2_inverse_mc``).

Everything is on the unit circle in R^2 with von Mises(kappa, mean pi) data, whose p_sigma and score
have Bessel closed forms; the laws are integrated by :func:`ratesim.exact.circle_tilted_law`.

Concentration (Li, Shen, Hsieh, He 2025, Thm 4.1: a learned density whose score error E_sigma =
sup_K ||grad log pi_sigma - s|| is o(sigma^-2) concentrates on M; o(1) recovers mu_data; an
Omega(1) error can make the limit any law on M). Two constructions:

``tilt``  pi_sigma proportional to p_sigma exp(-sigma^gamma phi), phi(x) = |x - c|^2 with |c| = 1/2
    (score error sigma^gamma grad phi, so E_sigma ~ sigma^gamma);
``swap``  pi_sigma proportional to p_sigma(x) q(theta(x)) / p(theta(x)) (theta(x) the angle of x,
    i.e. of P_M x), for a chosen law q = 0.3 vM(8, t) + 0.7 vM(2, t + 3) with a random t; its score
    error grad log(q / p) o P_M is Theta(1) on the tube and its limit is q.

Each seed draws the direction of c (tilt) or the rotation t of q (swap) uniformly.

Posterior Langevin (Thm 6.1)

    dx = -grad v(x) dt + sigma^alpha s_err(x, sigma) dt + sqrt(2) dW,
    s_err = s - sigma^beta grad psi            (a prior score with an error of size sigma^beta),

has the stationary law exp(-v) p_sigma^(sigma^alpha) exp(-sigma^(alpha + beta) psi). Methods:
``ts`` (0 < alpha < 2, tempered prior: limit exp(-v(Phi(u))) times the volume on M whenever
alpha + beta > 0) and ``pnp`` (alpha = 0, plug-and-play: limit the Bayesian posterior exp(-v) p
vol_M, reached only when beta > 0). The error field is psi(x) = |x - (1, 0)|^4 / 2, the likelihood
of one observation y = G(x) + N(0, tau^2) is v = (G(x) - y)^2 / (2 tau^2), tau = 1/2, with

- ``linear``:    G(x) = x_1 + x_2 / 2, y = 0.6;
- ``nonlinear``: G(x) = x_1 x_2 + x_2^3 / 2, y = 0.3.
"""

from __future__ import annotations

import math

import numpy as np

from ratesim._validation import as_generator, check_int, check_positive
from ratesim.exact import (
    circle_prior,
    circle_score,
    circle_tilted_law,
    circular_w1_to_point,
    tv_to_density,
    von_mises_angle_logpdf,
)
from ratesim.study import task

C_NORM = 0.5
TAU = 0.5
FORWARD_MAPS = {
    "linear": (
        lambda x: x[:, 0] + 0.5 * x[:, 1],
        lambda x: np.stack([np.ones(len(x)), np.full(len(x), 0.5)], axis=1),
        0.6,
    ),
    "nonlinear": (
        lambda x: x[:, 0] * x[:, 1] + 0.5 * x[:, 1] ** 3,
        lambda x: np.stack([x[:, 1], x[:, 0] + 1.5 * x[:, 1] ** 2], axis=1),
        0.3,
    ),
}
METHODS = ("ts", "pnp")
CIRCLE = {"manifold": ("circle",), "density": ("von_mises",)}


def _check_circle(k, d) -> None:
    if k != 1 or d != 2:
        raise ValueError(f"these tasks live on the unit circle in R^2: k = 1, d = 2 (got {k}, {d})")


# ---------------------------------------------------------------------------------------------
# concentration against recovery (p2_concentration)


def chosen_law_logpdf(theta, t: float) -> np.ndarray:
    """log of the chosen limit law q = 0.3 vM(8, t) + 0.7 vM(2, t + 3) (w.r.t. d theta)."""
    a = math.log(0.3) + von_mises_angle_logpdf(theta, 8.0, t)
    b = math.log(0.7) + von_mises_angle_logpdf(theta, 2.0, t + 3.0)
    return np.logaddexp(a, b)


def tilt_potential(c):
    """phi(x) = |x - c|^2 and its gradient 2 (x - c)."""
    c = np.asarray(c, dtype=float)

    def phi(x):
        return np.sum((np.asarray(x) - c) ** 2, axis=1)

    def grad(x):
        return 2.0 * (np.asarray(x) - c)

    return phi, grad


def swap_potential(prior, t: float):
    """V(x) = log p(theta(x)) - log q(theta(x)) and its gradient (an angular derivative / r):
    pi_sigma = p_sigma exp(-V) has the angular law q in the limit."""

    def ang(x):
        x = np.asarray(x, dtype=float)
        return np.arctan2(x[:, 1], x[:, 0]), np.hypot(x[:, 0], x[:, 1])

    def V(x):
        th, _ = ang(x)
        return prior.log_pdf_angle(th) - chosen_law_logpdf(th, t)

    def grad(x):
        th, r = ang(x)
        h = 1e-6
        dv = (
            prior.log_pdf_angle(th + h)
            - chosen_law_logpdf(th + h, t)
            - prior.log_pdf_angle(th - h)
            + chosen_law_logpdf(th - h, t)
        ) / (2 * h)
        e_th = np.stack([-np.sin(th), np.cos(th)], axis=1)
        return (dv / r)[:, None] * e_th

    return V, grad


def _tube_sup(grad, eps: float) -> float:
    th = 2 * np.pi * np.arange(720) / 720
    r = np.linspace(1 - eps, 1 + eps, 21)
    R, TH = np.meshgrid(r, th, indexing="ij")
    x = np.stack([(R * np.cos(TH)).ravel(), (R * np.sin(TH)).ravel()], axis=1)
    return float(np.max(np.linalg.norm(grad(x), axis=1)))


def concentration_metrics(
    construction: str,
    gamma: float,
    sigma: float,
    rng,
    kappa: float = 4.0,
    mean: float = math.pi,
    eps: float = 0.25,
    n_theta: int = 2048,
) -> dict:
    """The metrics of one ``p2_concentration`` cell.

    Parameters
    ----------
    construction : {"tilt", "swap"}
    gamma : float
        Exponent of the tilt sigma^gamma phi (ignored by ``swap``).
    sigma : float > 0
    rng : Generator or seed
        Draws the direction of c (tilt) or the rotation t of q (swap).
    kappa, mean : von Mises data law.
    eps : float
        Half-width of the fixed tube (< 1, the reach).
    n_theta : int
        Initial angular grid (refined automatically around sharp peaks).

    Returns
    -------
    dict
        ``mass_out``, ``mean_dist2``, ``tv_data`` (TV of the angular marginal to mu_data),
        ``tv_limit`` (to p exp(-phi)/Z for tilt, to q for swap), ``w1_argmin`` (circular W1 to the
        point mass at argmin_M phi; for swap at the mode of q's first component) and
        ``score_err_sup`` (sup over the tube of the score error norm).
    """
    sigma = check_positive(sigma, "sigma")
    rng = as_generator(rng)
    prior = circle_prior(kappa, mean)
    angle = float(rng.uniform(0.0, 2 * np.pi))
    if construction == "tilt":
        c = C_NORM * np.array([math.cos(angle), math.sin(angle)])
        phi, grad = tilt_potential(c)
        scale = sigma**gamma

        def V(x):
            return scale * phi(x)

        def limit(th):
            return prior.log_pdf_angle(th) - phi(np.stack([np.cos(th), np.sin(th)], axis=1))

        err = scale * _tube_sup(grad, eps)
    elif construction == "swap":
        V, grad = swap_potential(prior, angle)

        def limit(th):
            return chosen_law_logpdf(th, angle)

        err = _tube_sup(grad, eps)
    else:
        raise ValueError(f"construction must be 'tilt' or 'swap' (got {construction!r})")
    law = circle_tilted_law(prior, sigma, V, a=1.0, eps=eps, n_theta=n_theta, max_theta=1 << 17)
    return {
        "mass_out": law.mass_out,
        "mean_dist2": law.mean_dist2,
        "tv_data": tv_to_density(law, prior.log_pdf_angle),
        "tv_limit": tv_to_density(law, limit),
        "w1_argmin": circular_w1_to_point(law, angle),
        "score_err_sup": err,
    }


@task(
    metrics=("mass_out", "mean_dist2", "tv_data", "tv_limit", "w1_argmin", "score_err_sup"),
    choices=CIRCLE,
)
def tilted_concentration(
    *,
    construction: str,
    sigma: float,
    rng: np.random.Generator,
    gamma: float = 0.0,
    kappa: float = 4.0,
    eps: float = 0.25,
    n_theta: int = 2048,
    manifold: str = "circle",
    density: str = "von_mises",
    k: int = 1,
    d: int = 2,
) -> dict[str, float]:
    """Exact quadrature of p_sigma exp(-sigma^gamma phi) (``tilt``) or of the Omega(1)-error
    ``swap`` law: concentration, recovery and collapse metrics (:func:`concentration_metrics`)."""
    _check_circle(k, d)
    return concentration_metrics(
        construction, float(gamma), sigma, rng, kappa=kappa, eps=eps, n_theta=n_theta
    )


# ---------------------------------------------------------------------------------------------
# posterior Langevin with a tempered prior score (p2_inverse_problem, p2_inverse_mc)


def likelihood(forward: str, y: float | None = None):
    """(v, grad v) for the named forward map: v = (G(x) - y)^2 / (2 tau^2) (y: the map's default
    observation when None)."""
    if forward not in FORWARD_MAPS:
        raise ValueError(f"forward must be one of {sorted(FORWARD_MAPS)} (got {forward!r})")
    G, dG, y0 = FORWARD_MAPS[forward]
    y = y0 if y is None else float(y)
    if not math.isfinite(y):
        raise ValueError(f"y must be finite (got {y})")

    def v(x):
        x = np.asarray(x, dtype=float)
        return (G(x) - y) ** 2 / (2 * TAU**2)

    def grad_v(x):
        x = np.asarray(x, dtype=float)
        return ((G(x) - y) / TAU**2)[:, None] * dG(x)

    return v, grad_v


def error_potential():
    """(psi, grad psi), psi(x) = |x - (1, 0)|^4 / 2: the prior score error is -sigma^beta grad psi
    (the controlled error field e = -grad psi of the paper's experiments)."""
    e1 = np.array([1.0, 0.0])

    def psi(x):
        return 0.5 * np.sum((np.asarray(x) - e1) ** 2, axis=1) ** 2

    def grad(x):
        dx = np.asarray(x) - e1
        return 2.0 * np.sum(dx**2, axis=1)[:, None] * dx

    return psi, grad


def _check(method, alpha, beta, sigma):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS} (got {method!r})")
    sigma = check_positive(sigma, "sigma")
    alpha = float(alpha)
    if method == "ts" and not 0 < alpha < 2:
        raise ValueError(f"the tempered method needs 0 < alpha < 2 (got {alpha})")
    if method == "pnp" and alpha != 0:
        raise ValueError(f"plug-and-play has alpha = 0 (got {alpha})")
    return sigma, alpha, float(beta)


def stationary_law(method, forward, sigma, alpha, beta, prior=None, n_theta=2048, eps=0.25, y=None):
    """Exact quadrature of the stationary law exp(-v) p_sigma^(sigma^alpha) exp(-sigma^(alpha +
    beta) psi) (:class:`ratesim.exact.CircleLaw`)."""
    sigma, alpha, beta = _check(method, alpha, beta, sigma)
    prior = circle_prior(4.0, math.pi) if prior is None else prior
    v, _ = likelihood(forward, y)
    psi, _ = error_potential()
    c = sigma ** (alpha + beta)

    def V(x):
        return v(x) + c * psi(x)

    return circle_tilted_law(prior, sigma, V, a=sigma**alpha, eps=eps, n_theta=n_theta)


def limit_logpdf(method, forward, prior=None, y=None):
    """log of the predicted limit on M (w.r.t. arc length, unnormalized): -v for ``ts`` (uniform
    prior), -v + log p for ``pnp`` (the Bayesian posterior)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS} (got {method!r})")
    prior = circle_prior(4.0, math.pi) if prior is None else prior
    v, _ = likelihood(forward, y)

    def f(th):
        x = np.stack([np.cos(th), np.sin(th)], axis=1)
        out = -v(x)
        return out + prior.log_pdf_angle(th) if method == "pnp" else out

    return f


def inverse_metrics(method, forward, sigma, alpha, beta, rng=None, n_theta=1024) -> dict:
    """Metrics of a ``p2_inverse_problem`` cell: ``tv_limit`` (TV of the stationary angular
    marginal to the method's predicted limit), ``tv_other`` (to the other method's limit: the
    tempered posterior does not converge to the Bayesian one, and vice versa), ``mean_dist2``.

    ``rng`` (optional) draws the observation y = y0 + 0.1 z, z ~ N(0, 1) (an instance of the
    inverse problem per seed); None keeps y0.
    """
    prior = circle_prior(4.0, math.pi)
    y = None
    if rng is not None:
        y = FORWARD_MAPS[forward][2] + 0.1 * float(as_generator(rng).standard_normal())
    law = stationary_law(method, forward, sigma, alpha, beta, prior=prior, n_theta=n_theta, y=y)
    other = "pnp" if method == "ts" else "ts"
    return {
        "tv_limit": tv_to_density(law, limit_logpdf(method, forward, prior, y)),
        "tv_other": tv_to_density(law, limit_logpdf(other, forward, prior, y)),
        "mean_dist2": law.mean_dist2,
    }


def posterior_chains(method, forward, sigma, alpha, beta, n_chains, h, time, rng, y=None):
    """Monte-Carlo posterior Langevin chains with the exact prior score and the error field.

    The prior score is s - sigma^beta grad psi (:func:`ratesim.exact.circle_score` of von
    Mises(4, pi) data, :func:`error_potential`);
    the chains start from angles uniform on M (r = 1) and integrate ``time`` units of the SDE with
    ``ratesim.samplers.posterior_langevin`` (hat form, dt = h sigma^(2 - alpha)). Returns the final
    angles in [0, 2 pi).
    """
    from ratesim.samplers import posterior_langevin

    sigma, alpha, beta = _check(method, alpha, beta, sigma)
    n = check_int(n_chains, "n_chains", low=1)
    h = check_positive(h, "h")
    time = check_positive(time, "time")
    rng = as_generator(rng)
    _, grad_psi = error_potential()
    c = sigma**beta

    def score(x, s):
        return circle_score(x, s, 4.0, math.pi) - c * grad_psi(x)

    _, grad_v = likelihood(forward, y)
    th0 = rng.uniform(0, 2 * np.pi, n)
    x0 = np.stack([np.cos(th0), np.sin(th0)], axis=1)
    dt = h * sigma ** (2 - alpha)
    steps = int(math.ceil(time / dt))
    res = posterior_langevin(
        score, grad_v, x0, sigma=sigma, alpha=alpha, step=h, steps=steps, rng=rng
    )
    x = np.asarray(res)
    return np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)


def mc_metrics(method, forward, sigma, alpha, beta, n_chains, h, time, rng, bins=24) -> dict:
    """``tv_mc``: TV between the histogram (``bins`` equal arcs) of the chains' angles and the
    exact stationary law binned alike; ``tv_floor``: its expectation for i.i.d. draws of the exact
    law (multinomial, computed by Monte-Carlo with 200 replicates), the pure sampling error;
    ``tv_excess`` = tv_mc / tv_floor (about 1 for unbiased chains)."""
    rng = as_generator(rng)
    th = posterior_chains(method, forward, sigma, alpha, beta, n_chains, h, time, rng)
    law = stationary_law(method, forward, sigma, alpha, beta)
    idx = np.minimum((law.theta / (2 * np.pi) * bins).astype(int), bins - 1)
    pb = np.bincount(idx, law.q, bins)
    hist = np.bincount(np.minimum((th / (2 * np.pi) * bins).astype(int), bins - 1), None, bins)
    tv = 0.5 * np.abs(hist / n_chains - pb).sum()
    sims = rng.multinomial(n_chains, pb / pb.sum(), size=200) / n_chains
    floor = 0.5 * np.abs(sims - pb).sum(axis=1).mean()
    return {"tv_mc": float(tv), "tv_floor": float(floor), "tv_excess": float(tv / floor)}


@task(metrics=("tv_limit", "tv_other", "mean_dist2"), choices=CIRCLE)
def posterior_limits(
    *,
    method: str,
    forward: str,
    sigma: float,
    alpha: float,
    beta_err: float,
    rng: np.random.Generator,
    n_theta: int = 1024,
    case: str | None = None,
    manifold: str = "circle",
    density: str = "von_mises",
    k: int = 1,
    d: int = 2,
) -> dict[str, float]:
    """Exact stationary law of posterior Langevin against the tempered (``ts``) and Bayesian
    (``pnp``) limits (:func:`inverse_metrics`; the seed draws the observation). ``case`` is a
    label of (method, alpha, beta_err)."""
    _check_circle(k, d)
    return inverse_metrics(method, forward, sigma, alpha, beta_err, rng=rng, n_theta=n_theta)


@task(metrics=("tv_mc", "tv_floor", "tv_excess"), choices=CIRCLE)
def posterior_chains_vs_exact(
    *,
    method: str,
    forward: str,
    sigma: float,
    alpha: float,
    beta_err: float,
    N: int,
    h: float,
    time: float,
    rng: np.random.Generator,
    case: str | None = None,
    manifold: str = "circle",
    density: str = "von_mises",
    k: int = 1,
    d: int = 2,
) -> dict[str, float]:
    """N Monte-Carlo posterior Langevin chains against the exact stationary law, binned in 24
    arcs (:func:`mc_metrics`). ``case`` is a label of (method, alpha, beta_err)."""
    _check_circle(k, d)
    return mc_metrics(method, forward, sigma, alpha, beta_err, N, h, time, rng)
