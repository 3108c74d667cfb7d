"""Bayesian inverse problems with a tempered score prior (Li, Shen, Hsieh, He 2025, Thm 6.1).

Li, Shen, Hsieh, He, "When scores learn geometry" (arXiv 2509.24912), Theorem 6.1 (SCIENCE.md, P2
"Bayesian inverse problems"): posterior Langevin

    dx = -grad v(x) dt + sigma^alpha s_err(x, sigma) dt + sqrt(2) dW,
    s_err = s - sigma^beta grad psi            (a prior score with an error of size sigma^beta),

with the likelihood potential v not tempered. Its stationary law is proportional to
exp(-v) p_sigma^(sigma^alpha) exp(-sigma^(alpha + beta) psi). Two methods:

``ts``   0 < alpha < 2 (tempered prior): the limit is exp(-v(Phi(u))) times the volume on M (the
    maximum-entropy, uniform prior on M), reached whenever alpha + beta > 0, so a suitable alpha
    tolerates any error o(sigma^-2). The angular marginal is exp(-v) p^(sigma^alpha)
    exp(-sigma^(alpha+beta) psi) (1 + O(sigma^(2 - alpha))) (the normal cloud of width
    sigma^(1 - alpha/2) averages v), so TV ~ sigma^min(alpha, alpha + beta, 2 - alpha).
``pnp``  alpha = 0 (the usual plug-and-play posterior exp(-v) p_sigma): the limit is the Bayesian
    posterior exp(-v) p vol_M, reached only when beta > 0 (errors o(1)); TV ~ sigma^min(beta, 2).
    beta = 0 plateaus (limit tilted by exp(-psi)), beta < 0 collapses onto argmin psi.

Setting (the canonical unit circle in R^2, von Mises(kappa = 4, mean pi) data, the paper's error
field psi(x) = |x - (1, 0)|^4 / 2 of SCIENCE.md's controlled experiment), with one observation
y = G(x) + N(0, tau^2), v = (G(x) - y)^2 / (2 tau^2), tau = 1/2:

- ``linear``:    G(x) = x_1 + x_2 / 2, y = 0.6;
- ``nonlinear``: G(x) = x_1 x_2 + x_2^3 / 2, y = 0.3.

The stationary laws are integrated exactly (:func:`ratesim.theory.tilted.circle_tilted_law`);
:func:`posterior_chains` runs the Monte-Carlo chains (``ratesim.samplers.posterior_langevin`` with
the oracle score) whose histograms the ``p2_inverse_mc`` study compares with the exact law.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_generator, check_int, check_positive
from ..study.tasks import task
from .tilted import circle_prior, circle_tilted_law, tv_to_density

__all__ = [
    "FORWARD_MAPS",
    "likelihood",
    "error_potential",
    "stationary_law",
    "limit_logpdf",
    "circle_score",
    "posterior_chains",
    "inverse_metrics",
    "mc_metrics",
]

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
    (SCIENCE.md: the paper's controlled error field e = -grad psi)."""
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
    beta) psi) (:class:`ratesim.theory.tilted.CircleLaw`)."""
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


def circle_score(kappa: float = 4.0, mean: float = math.pi):
    """The exact score of p_sigma for von Mises(kappa, mean) data on the unit circle in R^2, as a
    callable (x, sigma) -> (m, 2) (SCIENCE.md "Exact references"):
    s(x) = -x / sigma^2 + (I1/I0)(|v|) v / (|v| sigma^2), v = x / sigma^2 + kappa (cos mean,
    sin mean), with scaled Bessel functions (checked against OracleScore in the tests)."""
    from scipy.special import i0e, i1e

    kappa = check_positive(kappa, "kappa", allow_zero=True)
    mu = kappa * np.array([math.cos(mean), math.sin(mean)])

    def score(x, sigma):
        s2 = sigma**2
        v = x / s2 + mu
        z = np.sqrt(np.sum(v * v, axis=1))
        ratio = i1e(z) / i0e(z)
        return (-x + (ratio / z)[:, None] * v) / s2

    return score


def posterior_chains(method, forward, sigma, alpha, beta, n_chains, h, time, rng, y=None):
    """Monte-Carlo posterior Langevin chains with the exact prior score and the error field.

    The prior score is s - sigma^beta grad psi (:func:`circle_score`, :func:`error_potential`);
    the chains start from angles uniform on M (r = 1) and integrate ``time`` units of the SDE with
    ``ratesim.samplers.posterior_langevin`` (hat form, dt = h sigma^(2 - alpha)). Returns the final
    angles in [0, 2 pi).
    """
    from ..samplers import posterior_langevin

    sigma, alpha, beta = _check(method, alpha, beta, sigma)
    n = check_int(n_chains, "n_chains", low=1)
    h = check_positive(h, "h")
    time = check_positive(time, "time")
    rng = as_generator(rng)
    base = circle_score()
    _, grad_psi = error_potential()
    c = sigma**beta

    def score(x, s):
        return base(x, s) - c * grad_psi(x)

    _, grad_v = likelihood(forward, y)
    th0 = rng.uniform(0, 2 * np.pi, n)
    x0 = np.stack([np.cos(th0), np.sin(th0)], axis=1)
    dt = h * sigma ** (2 - alpha)
    steps = int(math.ceil(time / dt))
    res = posterior_langevin(score, grad_v, x0, sigma=sigma, alpha=alpha, h=h, steps=steps, rng=rng)
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


@task(
    "p2_inverse_problem",
    metrics=("tv_limit", "tv_other", "mean_dist2"),
    choices={"manifold": ("circle",), "density": ("von_mises",)},
)
def _p2_inverse_problem(params, rng):
    """Thm 6.1 (Li, Shen, Hsieh, He 2025): exact stationary laws of posterior Langevin."""
    return inverse_metrics(
        params["method"],
        params["forward"],
        params["sigma"],
        params["alpha"],
        params["beta_err"],
        rng=rng,
        n_theta=params.get("n_theta", 1024),
    )


@task(
    "p2_inverse_mc",
    metrics=("tv_mc", "tv_floor", "tv_excess"),
    choices={"manifold": ("circle",), "density": ("von_mises",)},
)
def _p2_inverse_mc(params, rng):
    """Thm 6.1: Monte-Carlo posterior Langevin chains against the exact stationary law."""
    return mc_metrics(
        params["method"],
        params["forward"],
        params["sigma"],
        params["alpha"],
        params["beta_err"],
        params["N"],
        params["h"],
        params["time"],
        rng,
    )
