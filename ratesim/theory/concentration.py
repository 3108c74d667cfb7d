"""Concentration against recovery for learned densities (Li, Shen, Hsieh, He 2025, Thm 4.1).

Li, Shen, Hsieh, He, "When scores learn geometry" (arXiv 2509.24912), Theorem 4.1 (SCIENCE.md, P2
"Learned densities"): a learned density pi_sigma whose score error E_sigma = sup_K ||grad log
pi_sigma - s|| is o(sigma^-2) concentrates on M; if E_sigma = o(1) it converges to mu_data; an
Omega(1) error can make the limit any law on M. Two constructions on the unit circle in R^2 with
von Mises(kappa, mean) data, both integrated exactly (:func:`ratesim.theory.tilted.
circle_tilted_law`):

``tilt``  pi_sigma proportional to p_sigma exp(-sigma^gamma phi), phi(x) = |x - c|^2 with |c| = 1/2
    (score error sigma^gamma grad phi, so E_sigma ~ sigma^gamma). Predictions:
    gamma > -2: mass outside a fixed tube -> 0 and E dist^2 ~ sigma^min(2, 4 + 2 gamma) (the normal
    variance sigma^2 plus the squared normal shift sigma^(2 + gamma) d_n phi of the mode);
    gamma <= -2: no concentration (E dist^2 = Theta(1); at gamma = -2 the law collapses at the
    minimizer of dist^2/2 + phi, at r = 2/3 on the ray of c; below, at c itself);
    gamma > 0: TV(angular marginal, mu_data) ~ sigma^gamma (+ O(sigma^2));
    gamma = 0: the limit is p exp(-phi) / Z (TV to it O(sigma^2));
    -2 < gamma < 0: collapse onto argmin_M phi = c / |c|: W1 to the point mass ~ sigma^(-gamma/2)
    (the Laplace width (sigma^gamma phi'')^(-1/2)).
``swap``  the Omega(1)-error construction: pi_sigma proportional to p_sigma(x) q(theta(x)) /
    p(theta(x)) (theta(x) the angle of x, i.e. of P_M x), for an arbitrary chosen law q on M (here
    0.3 vM(8, t) + 0.7 vM(2, t + 3) with a random t); its score error is grad log(q / p) o P_M,
    Theta(1) on the tube. Its limit is q: TV to q is O(sigma^2) while TV to mu_data stays Theta(1).

Each seed draws the direction of c (tilt) or the rotation t of q (swap) uniformly.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_generator, check_positive
from ..study.tasks import task
from .tilted import circle_prior, circle_tilted_law, circular_w1_to_point, tv_to_density

__all__ = [
    "chosen_law_logpdf",
    "tilt_potential",
    "swap_potential",
    "concentration_metrics",
]

C_NORM = 0.5


def chosen_law_logpdf(theta, t: float) -> np.ndarray:
    """log of the chosen limit law q = 0.3 vM(8, t) + 0.7 vM(2, t + 3) (w.r.t. d theta)."""
    from .tilted import von_mises_angle_logpdf

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
    "p2_concentration",
    metrics=("mass_out", "mean_dist2", "tv_data", "tv_limit", "w1_argmin", "score_err_sup"),
    choices={"manifold": ("circle",), "density": ("von_mises",)},
)
def _p2_concentration(params, rng):
    """Thm 4.1 (Li, Shen, Hsieh, He 2025): p_sigma exp(-sigma^gamma phi) and the Omega(1) swap."""
    return concentration_metrics(
        params["construction"],
        float(params.get("gamma", 0.0)),
        params["sigma"],
        rng,
        kappa=params.get("kappa", 4.0),
        eps=params.get("eps", 0.25),
        n_theta=params.get("n_theta", 2048),
    )
