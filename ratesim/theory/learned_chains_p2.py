"""TS Langevin with scores learned from N samples, by Monte-Carlo chains (P2 Thm 5.1).

Li, Shen, Hsieh, He (2026), "When scores learn geometry", Thm 5.1: TS Langevin
dX = sigma^alpha s_hat(X, sigma) dt + sqrt(2) dW with a score error o(sigma^beta_err),
alpha > -beta_err, has a stationary law tending to the uniform law on M. Regression scores
(``NadarayaWatsonScore``, ``LocalPolynomialScore``: denoiser regressions on noisy pairs, then
Tweedie) have no log-density, so their TS law is not a closed-form power of a density and cannot
be integrated by quadrature as in :mod:`ratesim.theory.learned_p2`: it is sampled by 1e4
independent chains and compared with the exact TS law p_sigma^(sigma^alpha) (quadrature,
:func:`ratesim.theory.stationary.tempered_stationary_law`).

Distances between the chains' angle law Q and the exact law P, with their Monte-Carlo floors:

- binned TV (72 bins) and its floor E TV(hat P_n, P) (:func:`ratesim.theory.stationary.angle_tv`);
- KS, floor E sup|F_n - F| ~ 0.8687 / sqrt(n) (the Kolmogorov law's mean);
- an unbiased estimate of the squared Fourier distance D = sum_{k=1}^{K} |E e^{ik theta} - c_k|^2
  (c_k the exact law's coefficients): for n i.i.d. chain angles with Z_k = mean e^{ik theta_j},
  E |Z_k - c_k|^2 = |mu_k - c_k|^2 + (1 - |mu_k|^2) / n and E |Z_k|^2 = |mu_k|^2 + (1 - |mu_k|^2)/n,
  so |Z_k - c_k|^2 - (1 - |Z_k|^2) / (n - 1) is unbiased for |mu_k - c_k|^2 (no floor; it can be
  negative when Q = P). Its standard error is about sqrt(2 K) / n at Q = P.

The chains start at the exact TS law (its angles on the unit circle), run ``relax`` relaxation
times 1/(h sigma^(2-alpha)) (SCIENCE.md mixing rule), so what remains is the learned law's
difference plus the Euler-Maruyama bias of h (measured by the ``exact`` control row, the closed-form
score through the same chains).
"""

from __future__ import annotations

import numpy as np

from .._validation import as_generator, check_int
from .stationary import TWO_PI, angle_tv, chain_score, tempered_stationary_law

__all__ = ["KS_FLOOR", "fourier_coefficients", "fourier_distance2", "learned_chains"]

KS_FLOOR = (
    0.8687  # E sup_t sqrt(n) |F_n - F| -> mean of the Kolmogorov distribution, sqrt(pi/2) ln 2
)


def fourier_coefficients(theta_nodes, density, K: int) -> np.ndarray:
    """c_k = int e^{ik t} density(t) dt, k = 1..K, by the midpoint rule on equispaced nodes."""
    K = check_int(K, "K", low=1)
    t = np.asarray(theta_nodes, dtype=np.float64)
    f = np.asarray(density, dtype=np.float64)
    dt = TWO_PI / t.size
    k = np.arange(1, K + 1)
    return (np.exp(1j * k[:, None] * t[None, :]) * f[None, :]).sum(1) * dt


def fourier_distance2(theta, c) -> float:
    """Unbiased estimate of sum_k |E e^{ik theta} - c_k|^2 from i.i.d. angles (module docstring)."""
    th = np.asarray(theta, dtype=np.float64).ravel()
    n = th.size
    if n < 2:
        raise ValueError("need at least 2 angles")
    c = np.asarray(c)
    k = np.arange(1, c.size + 1)
    Z = np.exp(1j * k[:, None] * th[None, :]).mean(1)
    return float(np.sum(np.abs(Z - c) ** 2 - (1.0 - np.abs(Z) ** 2) / (n - 1)))


def learned_chains(estimator, N: int, *, rng, sigma=0.1, alpha=1.0, h=0.1, relax=5.0,
                   n_chains=10_000, kappa=1.0, mean=np.pi, K=8,
                   est_params=None) -> dict:  # fmt: skip
    """Chains of TS Langevin with a score learned from N von Mises(kappa, mean) samples on the unit
    circle (``estimator`` a registered name; "exact": the closed-form score, N ignored), against the
    exact TS law. Returns tv72, tv72_floor, ks, ks_floor, fd2 (unbiased squared Fourier distance,
    K modes), fd2_exact_uniform (the same distance between the exact law and uniform, for scale)."""
    from ..densities import VonMises
    from ..manifolds import Sphere
    from ..metrics import uniformity_tests
    from ..samplers import tempered_langevin
    from ..study.tasks import build

    rng = as_generator(rng)
    N, n_chains = check_int(N, "N", low=1), check_int(n_chains, "n_chains", low=10)
    if estimator == "exact":
        est = chain_score((kappa, mean))
    else:
        X = Sphere(k=1, d=2, seed=None).sample(N, VonMises(kappa, mean), rng=rng)
        params = {
            "estimator": estimator,
            **{f"estimator__{k}": v for k, v in (est_params or {}).items()},
        }
        est = build("estimator", params).fit(X)
    law = tempered_stationary_law(sigma, alpha, kappa=kappa, mean=mean, sub=4, n_r=48)
    th0 = law.sample_angles(n_chains, rng)
    x0 = np.stack([np.cos(th0), np.sin(th0)], 1)
    steps = int(np.ceil(relax / (h * sigma ** (2.0 - alpha))))
    x = np.asarray(tempered_langevin(est, x0, sigma, alpha, h, steps, rng).samples)
    th = np.mod(np.arctan2(x[:, 1], x[:, 0]), TWO_PI)
    c = fourier_coefficients(law.theta, law.density, K)
    tv, floor = angle_tv(th, law.bin_probs.reshape(72, -1).sum(1), bins=72)
    return {
        "tv72": tv,
        "tv72_floor": floor,
        "ks": float(uniformity_tests(th, cdf=law.cdf).ks_stat),
        "ks_floor": KS_FLOOR / np.sqrt(n_chains),
        "fd2": fourier_distance2(th, c),
        "fd2_se0": float(np.sqrt(2.0 * K) / n_chains),
        "fd2_exact_uniform": float(np.sum(np.abs(c) ** 2)),
        "steps": float(steps),
    }


def _register_tasks():
    from ..study.tasks import task

    @task(
        "ts_learned_chains",
        metrics=("tv72", "tv72_floor", "ks", "ks_floor", "fd2", "fd2_se0", "fd2_exact_uniform",
                 "steps"),
        choices={"manifold": ("circle",), "density": ("von_mises",),
                 "estimator": ("exact", "empirical", "nadaraya_watson", "local_polynomial")},
    )  # fmt: skip
    def ts_learned_chains(params, rng):
        """Chains of TS Langevin with a learned score against the exact TS law (circle)."""
        est_params = {k[len("estimator__"):]: v for k, v in params.items()
                      if k.startswith("estimator__") and v is not None}  # fmt: skip
        return learned_chains(
            params["estimator"], int(params["N"]), rng=rng, sigma=float(params["sigma"]),
            alpha=float(params["alpha"]), h=float(params.get("h", 0.1)),
            relax=float(params.get("relax", 5.0)), n_chains=int(params.get("n_chains", 10_000)),
            kappa=float(params.get("density__kappa", 1.0)), est_params=est_params,
        )  # fmt: skip


_register_tasks()


def learned_chains_figure(df, outdir) -> str:
    """Seed means (+- standard errors) of the chain-vs-exact-law distances against N, per
    estimator: the unbiased squared Fourier distance (log-log plot where positive), KS and 72-bin
    TV with their Monte-Carlo floors."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wide = df.copy()
    wide.columns = [c[2:] if c.startswith("p_") else c for c in wide.columns]
    if wide.empty or "estimator" not in wide.columns:
        return "No results."
    ncol = "N" if "N" in wide.columns else "N"
    lines = [
        "### Chains of TS-1 with learned scores against the exact TS law, vs N",
        "",
        "![distances vs N](learned_chains.png)",
        "",
        "Seed mean +- standard error over training sets. fd2: unbiased estimate of "
        "sum_{k<=8} |E e^{ik theta} - c_k|^2 (no Monte-Carlo floor; its sd at Q = P is "
        "sqrt(16)/n); KS and TV (72 bins) with their floors for n chains in brackets. 'exact' is "
        "the closed-form score through the same chains (Euler bias + Monte-Carlo control).",
        "",
        "| estimator | N | seeds | fd2 | KS [floor] | TV72 [floor] |",
        "|---|---|---|---|---|---|",
    ]
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for i, (est, g) in enumerate(wide.groupby("estimator")):
        xs, ys, es = [], [], []
        for N, gn in g.groupby(ncol):
            m = gn.pivot_table(index="seed", columns="metric", values="value")
            n = len(m)
            se = m.std(ddof=1) / np.sqrt(n) if n > 1 else m.mean() * 0
            mu = m.mean()
            lines.append(
                f"| {est} | {int(N)} | {n} | {mu['fd2']:.2e} +- {se['fd2']:.1e} "
                f"| {mu['ks']:.4f} +- {se['ks']:.4f} [{mu['ks_floor']:.4f}] "
                f"| {mu['tv72']:.4f} +- {se['tv72']:.4f} [{mu['tv72_floor']:.4f}] |"
            )
            xs.append(float(N)), ys.append(mu["fd2"]), es.append(se["fd2"])
        xs, ys, es = map(np.asarray, (xs, ys, es))
        if est == "exact":
            ax.axhline(max(ys.mean(), 1e-6), color="0.5", ls=":", label="exact score (control)")
            continue
        ok = ys > 0
        ax.errorbar(xs[ok], ys[ok], yerr=es[ok], fmt="o-", color=f"C{i}", label=est, capsize=2)
    if len(wide) and "fd2_se0" in set(wide["metric"]):
        se0 = float(wide[wide["metric"] == "fd2_se0"]["value"].mean())
        ax.axhline(se0, color="k", ls="--", lw=0.8, label="sd of fd2 at Q = P")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N (training samples)")
    ax.set_ylabel("fd2 (squared Fourier distance)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(Path(outdir) / "learned_chains.png", dpi=120)
    plt.close(fig)
    return "\n".join(lines + [""])
