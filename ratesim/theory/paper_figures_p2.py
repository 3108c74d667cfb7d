"""The paper's controlled synthetic experiment on the circle (P2, Sec. 5 figures; SCIENCE.md).

Li, Shen, Hsieh, He (2026): exact circle score (von Mises kappa = 4, mean pi) plus the O(1) error
field e(x) = -grad(|x - (1, 0)|^4 / 2). Reverse diffusion with this score misses the data law p
(it samples the tilted law); the tempered corrector TS-1 (alpha = 1, sigma = 0.01, h = 0.1) run
from the reverse-diffusion output recovers the uniform (volume) law, as Thm 5.1 predicts for an
O(1) = o(sigma^beta_err), beta_err > -1 error; plain Langevin (alpha = 0) at the same sigma
keeps the tilt. The task stores 72-bin angle histograms (the figures are drawn from the tidy
table), TV to the target laws (72 and 720 bins, with their sampling floors) and KS statistics.

Mixing (SCIENCE.md trap 4): TS-1 runs 5 relaxation times 1/(h sigma^(2-alpha)) = 5000 steps;
plain Langevin would need 1/(h sigma^2) = 1e5 steps per relaxation: it is run for the same 5000
steps from the reverse-diffusion output and reported with that caveat (its target law is within
O(sigma) of the reverse-diffusion one anyway).
"""

from __future__ import annotations

import numpy as np

from .._validation import as_generator
from .stationary import TWO_PI, angle_tv, chain_score, tempered_stationary_law

__all__ = ["quartic_phi", "quartic_grad", "HIST_BINS", "circle_experiment"]

HIST_BINS = 72
E1 = np.array([1.0, 0.0])


def quartic_phi(x) -> np.ndarray:
    """phi(x) = |x - (1, 0)|^4 / 2, shape (m,)."""
    r2 = np.sum((np.asarray(x, dtype=np.float64) - E1) ** 2, axis=1)
    return 0.5 * r2 * r2


def quartic_grad(x) -> np.ndarray:
    """grad phi = 2 |x - e1|^2 (x - e1), shape (m, 2)."""
    y = np.asarray(x, dtype=np.float64) - E1
    return 2.0 * np.sum(y * y, axis=1)[:, None] * y


def _angles(x):
    x = np.asarray(x)
    return np.mod(np.arctan2(x[:, 1], x[:, 0]), TWO_PI)


def _von_mises_cdf_bins(bins, kappa=4.0, mean=np.pi):
    t = (np.arange(bins * 64) + 0.5) * TWO_PI / (bins * 64)
    w = np.exp(kappa * np.cos(t - mean))
    return (w.reshape(bins, 64).sum(1)) / w.sum()


def circle_experiment(sampler: str, error: str, *, rng, n_chains=10_000, sigma=0.01, alpha=1.0,
                      h=0.1, relax=5.0, rd_steps=2000, sigma_max=1.0) -> dict:  # fmt: skip
    """One panel: ``sampler`` in {"reverse_sde", "ts", "plain"}, ``error`` in {"none", "quartic"}.

    Returns TV (72 and 720 bins, with floors) and KS statistics of the angles against the data
    law p (von Mises 4, pi), the uniform law, and the exact stationary law of the sampler
    (quadrature; reverse diffusion: none), plus the 72-bin histogram ``h00``..``h71``.
    """
    from ..metrics import uniformity_tests
    from ..samplers import reverse_sde, tempered_langevin
    from ..scores import PerturbedScore

    rng = as_generator(rng)
    base = chain_score()
    if error == "none":
        est = base
    elif error == "quartic":
        est = PerturbedScore(base.__class__(**base.get_params()), gamma=0.0, c=1.0,
                             phi=quartic_phi, grad_phi=quartic_grad).fit()  # fmt: skip
    else:
        raise ValueError(f"error must be 'none' or 'quartic' (got {error!r})")
    x = reverse_sde(est, sigma_max=sigma_max, sigma_min=sigma, steps=rd_steps, rng=rng,
                    n=n_chains, d=2, final_denoise=False).samples  # fmt: skip
    steps = 0
    a = {"ts": alpha, "plain": 0.0}.get(sampler)
    if sampler in ("ts", "plain"):
        steps = int(np.ceil(relax / (h * sigma ** (2.0 - alpha))))
        x = tempered_langevin(est, x, sigma, a, h, steps, rng).samples
    elif sampler != "reverse_sde":
        raise ValueError(f"sampler must be 'reverse_sde', 'ts' or 'plain' (got {sampler!r})")
    th = _angles(x)
    out = {"steps": float(steps)}
    p72 = _von_mises_cdf_bins(HIST_BINS)
    out["tv_p"], out["tv_p_floor"] = angle_tv(th, p72, bins=HIST_BINS)
    out["tv_uniform"], out["tv_uniform_floor"] = angle_tv(th, None, bins=HIST_BINS)
    out["tv720_uniform"], out["tv720_floor"] = angle_tv(th, None, bins=720)
    tt = (np.arange(720 * 64) + 0.5) * TWO_PI / (720 * 64)
    w = np.exp(4.0 * np.cos(tt - np.pi))
    cdf_p = np.concatenate(([0.0], np.cumsum(w) / w.sum()))
    grid = np.linspace(0, TWO_PI, tt.size + 1)
    out["ks_p"] = uniformity_tests(th, cdf=lambda t: np.interp(t, grid, cdf_p)).ks_stat
    out["ks_uniform"] = uniformity_tests(th).ks_stat
    if sampler in ("ts", "plain"):
        law = tempered_stationary_law(sigma, a, c_err=0.0 if error == "none" else 1.0,
                                      beta_err=0.0, phi=quartic_phi)  # fmt: skip
        out["tv_stationary"], out["tv_stationary_floor"] = angle_tv(
            th, law.bin_probs.reshape(HIST_BINS, -1).sum(1), bins=HIST_BINS
        )
        out["ks_stationary"] = uniformity_tests(th, cdf=law.cdf).ks_stat
        out["tv720_stationary_vs_uniform"] = law.tv
    else:
        out["tv_stationary"] = out["tv_stationary_floor"] = out["ks_stationary"] = np.nan
        out["tv720_stationary_vs_uniform"] = np.nan
    hist = np.bincount((th / TWO_PI * HIST_BINS).astype(int) % HIST_BINS, minlength=HIST_BINS)
    for j, c in enumerate(hist):
        out[f"h{j:02d}"] = float(c)
    return out


def _register_tasks():
    from ..study.tasks import task

    metrics = (
        "steps", "tv_p", "tv_p_floor", "tv_uniform", "tv_uniform_floor", "tv720_uniform",
        "tv720_floor", "ks_p", "ks_uniform", "tv_stationary", "tv_stationary_floor",
        "ks_stationary", "tv720_stationary_vs_uniform",
        *(f"h{j:02d}" for j in range(HIST_BINS)),
    )  # fmt: skip

    @task("p2_circle_experiment", metrics=metrics, choices={"sampler": ("reverse_sde", "ts",
          "plain")})  # fmt: skip
    def p2_circle_experiment(params, rng):
        """Angle law of reverse diffusion / TS-1 / plain Langevin, exact or O(1)-error score."""
        out = circle_experiment(
            params["sampler"],
            params["error"],
            rng=rng,
            n_chains=int(params.get("n_chains", 10_000)),
            sigma=float(params.get("sigma", 0.01)),
            alpha=float(params.get("alpha", 1.0)),
            h=float(params.get("h", 0.1)),
            relax=float(params.get("relax", 5.0)),
        )
        return {k: (float(v) if np.isfinite(v) else -1.0) for k, v in out.items()}


_register_tasks()
