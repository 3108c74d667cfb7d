"""TS-Langevin stationary laws of scores learned from N samples (P2 Thm 5.1 with learned scores).

Li, Shen, Hsieh, He (2026), Thm 5.1 asks the score error to be o(sigma^beta_err) with
alpha > -beta_err. For a score with a density (``log_density``: ``EmpiricalScore``, the exact score
of mu_N * N(0, sigma^2 I), and ``SmoothedScore``, that of mu_N * N(0, (sigma^2 + h^2) I)) the TS
stationary law is exp(sigma^alpha log p^N_sigma), integrated exactly on the polar grid as in
:mod:`ratesim.theory.stationary`. At fixed sigma the learned law tends to the exact TS law as
N -> infinity: where the training spacing 2 pi / N is well below sigma, log p^N_sigma - log
p_sigma is a kernel-density fluctuation of relative size (N sigma)^(-1/2) along M, so the TV
between the learned and the exact stationary laws is about sigma^alpha (N sigma)^(-1/2) ~ N^(-1/2)
(our derivation from Thm 5.1's tilt formula; the paper has no N-rate). ``SmoothedScore`` adds an
N-independent bias (its h-smoothed density), so its TV to the exact law flattens at a floor.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .._validation import check_in_range, check_int, check_positive
from .stationary import TWO_PI, tempered_stationary_law, tv_to_uniform

__all__ = ["learned_stationary_bins"]


def learned_stationary_bins(est, sigma, alpha, *, bins=720, sub=2, n_r=32, span=8.0):
    """720-bin probabilities of the angular marginal of exp(sigma^alpha log p_est(x, sigma)).

    ``est`` must provide ``log_density(x, sigma)`` on R^2 (unit circle problems). Polar grid:
    ``sub`` midpoint nodes per bin, ``n_r`` Gauss-Legendre nodes on
    [max(0, 1 - span w), 1 + span w], w = sigma^(1 - alpha/2).
    """
    sigma = check_positive(sigma, "sigma")
    alpha = check_in_range(alpha, "alpha", low=0.0, high=2.0, high_open=True)
    bins, sub, n_r = (
        check_int(bins, "bins", low=2),
        check_int(sub, "sub", low=1),
        check_int(n_r, "n_r", low=8),
    )
    n_t = bins * sub
    theta = (np.arange(n_t) + 0.5) * (TWO_PI / n_t)
    w = sigma ** (1.0 - alpha / 2.0)
    lo, hi = max(0.0, 1.0 - span * w), 1.0 + span * w
    g, gw = np.polynomial.legendre.leggauss(n_r)
    r = 0.5 * (hi - lo) * g + 0.5 * (hi + lo)
    lw = np.log(0.5 * (hi - lo) * gw * r)
    x = np.stack([(r[:, None] * np.cos(theta)).ravel(), (r[:, None] * np.sin(theta)).ravel()], 1)
    lp = np.asarray(est.log_density(x, sigma), dtype=np.float64).reshape(n_r, n_t)
    logm = logsumexp(sigma**alpha * lp + lw[:, None], axis=0)
    m = np.exp(logm - logm.max()).reshape(bins, sub).sum(1)
    return m / m.sum()


def _register_tasks():
    from ..densities import VonMises
    from ..manifolds import Sphere
    from ..study.tasks import build, task

    @task(
        "ts_learned_quadrature",
        metrics=("tv_to_exact", "tv_to_uniform", "tv_exact_to_uniform"),
        choices={"manifold": ("circle",), "density": ("von_mises",),
                 "estimator": ("empirical", "smoothed")},
    )  # fmt: skip
    def ts_learned_quadrature(params, rng):
        """TV of the TS stationary law of a score learned from N samples to the exact law."""
        sigma, alpha = float(params["sigma"]), float(params["alpha"])
        kappa = float(params.get("density__kappa", 4.0))
        X = Sphere(k=1, d=2, seed=None).sample(int(params["N"]), VonMises(kappa, np.pi), rng=rng)
        est = build("estimator", {k: v for k, v in params.items() if v is not None}).fit(X)
        q = learned_stationary_bins(est, sigma, alpha)
        exact = tempered_stationary_law(sigma, alpha, kappa=kappa, sub=4, n_r=48).bin_probs
        return {
            "tv_to_exact": 0.5 * float(np.abs(q - exact).sum()),
            "tv_to_uniform": tv_to_uniform(q),
            "tv_exact_to_uniform": tv_to_uniform(exact),
        }


_register_tasks()
