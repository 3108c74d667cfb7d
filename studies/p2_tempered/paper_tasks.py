"""Tasks of the paper's synthetic figures: the O(1)-error circle experiment and the ellipse panels.

Circle (Li, Shen, Hsieh, He 2026, Sec. 5 synthetic experiment): exact circle score (von Mises
kappa = 4, mean pi) plus the O(1) error field e(x) = -grad(|x - (1, 0)|^4 / 2). Reverse diffusion
with this score misses the data law p (it samples the tilted law); the tempered corrector TS-1
(alpha = 1, sigma = 0.01, h = 0.1) run from the reverse-diffusion output recovers the uniform
(volume) law, as Thm 5.1 predicts for an O(1) = o(sigma^beta_err), beta_err > -1 error; plain
Langevin (alpha = 0) at the same sigma keeps the tilt. :func:`circle_panel` stores 72-bin angle
histograms (the figures are drawn from the tidy table), TV to the target laws (72 and 720 bins,
with their sampling floors) and KS statistics. Mixing (sampler burn-in, docs/measurement.md): TS-1
runs 5 relaxation times 1/(h sigma^(2-alpha)) = 5000 steps; plain Langevin would need
1/(h sigma^2) = 1e5 steps per relaxation: it is run for the same 5000 steps from the
reverse-diffusion output and reported with that caveat (its target law is within O(sigma) of the
reverse-diffusion one anyway).

Ellipse Phi(t) = (a cos t, b sin t), (a, b) = (1, 2), data von Mises(kappa = 1) in the chart angle
t (``ChartVonMises``: the t-law is von Mises, its density w.r.t. arc length is q(t) / |Phi'(t)|),
sigma = 0.01, h = 0.1, 1e4 chains, alpha = 1. Thm 5.1: TS Langevin has the stationary law
proportional to p_sigma^(sigma^alpha), whose law on M tends to the uniform (arc-length) law: in t
its density is proportional to |Phi'(t)| = sqrt(a^2 sin^2 t + b^2 cos^2 t). Plain Langevin
(alpha = 0) has the stationary law p_sigma, whose law on M tends to p as sigma -> 0.

Exact ellipse score, fast. With trapezoid nodes t_j = 2 pi j / n on the chart and the chart
density q, p(u) w(u) = q(t_j) 2 pi / n (the volume element cancels), so

    p_sigma(x) ~ (2 pi sigma^2)^(-1) sum_j (2 pi / n) q(t_j) exp(-|x - Phi(t_j)|^2 / (2 sigma^2)),
    s(x) = (E[Phi(t) | x] - x) / sigma^2                       (proof of Thm 3.1)

a weighted Gaussian softmax over the nodes, evaluated by :func:`ratesim.kernels.softmax_average`
in its truncated mode on a KD-tree (:class:`ratesim.kernels.GaussianIndex`) built once. The node
spacing max|Phi'| 2 pi / n is at most sigma_min / ``grid_ratio`` (periodic trapezoid rule on a
Gaussian of width sigma: error about exp(-2 pi^2 grid_ratio^2)), the rule ``OracleScore`` uses;
the tests check the two agree to 1e-8.

Stationary laws on the ellipse by quadrature, in the tube coordinates x = Phi(t) + r n(t) (n the
outer unit normal; volume |Phi'(t)| (1 + kappa_c(t) r) dr dt, kappa_c = a b / |Phi'|^3 the
curvature): Gauss-Legendre in r on [-min(span w, 0.9 reach), span w], w = sigma^(1 - alpha/2) the
normal width (the inner cut keeps the coordinates one-to-one: reach = a^2 / b = 0.5; at alpha = 1,
sigma = 0.01 it sits at 4.5 w, a Gaussian tail mass ~ 3e-6), midpoints in t. The chains' angle is
the chart coordinate of the exact projection P_M x, the same map as the tube coordinates.
"""

from __future__ import annotations

import numpy as np
from scipy.special import i0e, logsumexp

from ratesim._validation import as_generator, as_points, check_in_range, check_int, check_positive
from ratesim.exact import angle_tv, tempered_stationary_law
from ratesim.study import task

from .tasks import chain_score

TWO_PI = 2.0 * np.pi

# ---------------------------------------------------------------------------------------------
# the circle with an O(1) error

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
    from ratesim.metrics import uniformity_tests
    from ratesim.samplers import reverse_sde, tempered_langevin
    from ratesim.scores import PerturbedScore

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
        x = tempered_langevin(est, x, sigma, a, h, steps, rng=rng).samples
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


# ---------------------------------------------------------------------------------------------
# the ellipse


def ellipse(a: float = 1.0, b: float = 2.0):
    """The ellipse (a, b) in R^2 (identity frame)."""
    from ratesim.manifolds import Ellipse

    return Ellipse(a=a, b=b, d=2, seed=None)


def speed(t, a: float = 1.0, b: float = 2.0) -> np.ndarray:
    """|Phi'(t)| = sqrt(a^2 sin^2 t + b^2 cos^2 t), the arc-length element in the chart."""
    t = np.asarray(t, dtype=np.float64)
    return np.hypot(a * np.sin(t), b * np.cos(t))


def _log_vm_const(kappa: float) -> float:
    return float(np.log(TWO_PI * i0e(kappa)) + kappa)


class EllipseChartScore:
    """Exact score and log density of mu * N(0, sigma^2 I), mu = ChartVonMises(kappa, mean) on the
    ellipse (a, b) in R^2, as a weighted Gaussian softmax over trapezoid nodes (module docstring).

    Parameters
    ----------
    a, b : float > 0
        Semi-axes.
    kappa : float >= 0, mean : float
        von Mises law of the chart angle t.
    sigma_min : float > 0
        Smallest noise level queried; fixes the grid (spacing <= sigma_min / grid_ratio).
    grid_ratio : float >= 1
    tol : float in (0, 1)
        Truncation tolerance of the kernel engine (relative error of the softmax averages).
    """

    def __init__(self, a=1.0, b=2.0, kappa=1.0, mean=0.0, sigma_min=0.01, grid_ratio=4.0,
                 tol=1e-14):  # fmt: skip
        from ratesim.kernels import GaussianIndex

        self.a = check_positive(a, "a")
        self.b = check_positive(b, "b")
        self.kappa = check_positive(kappa, "kappa", allow_zero=True)
        self.mean = float(mean)
        if not np.isfinite(self.mean):
            raise ValueError(f"mean must be finite (got {mean!r})")
        self.sigma_min = check_positive(sigma_min, "sigma_min")
        self.grid_ratio = check_in_range(grid_ratio, "grid_ratio", low=1.0)
        self.tol = check_in_range(tol, "tol", low=0.0, high=1.0, low_open=True, high_open=True)
        n = int(np.ceil(max(self.a, self.b) * TWO_PI * self.grid_ratio / self.sigma_min))
        self.n_nodes = n + n % 2
        t = TWO_PI * np.arange(self.n_nodes) / self.n_nodes
        self.nodes = np.stack([self.a * np.cos(t), self.b * np.sin(t)], axis=1)
        self.log_weights = (
            self.kappa * np.cos(t - self.mean)
            - _log_vm_const(self.kappa)
            + np.log(TWO_PI / self.n_nodes)
        )
        self.index = GaussianIndex(self.nodes)
        self.n_features_in_ = 2

    def _check(self, x, sigma):
        x = as_points(x, "x", d=2)
        sigma = check_positive(sigma, "sigma")
        if sigma < self.sigma_min * (1 - 1e-12):
            raise ValueError(
                f"sigma = {sigma!r} < sigma_min = {self.sigma_min!r} (grid too coarse)"
            )
        return x, sigma

    def denoise(self, x, sigma) -> np.ndarray:
        """E[Phi(t) | x] under mu * N(0, sigma^2 I), shape (m, 2)."""
        from ratesim.kernels import softmax_average

        x, sigma = self._check(x, sigma)
        return softmax_average(self.index, x, sigma, log_weights=self.log_weights,
                               mode="truncated", tol=self.tol)  # fmt: skip

    def score(self, x, sigma) -> np.ndarray:
        """grad log p_sigma(x) = (E[Phi(t) | x] - x) / sigma^2, shape (m, 2)."""
        x = as_points(x, "x", d=2)
        return (self.denoise(x, sigma) - x) / float(sigma) ** 2

    def log_density(self, x, sigma) -> np.ndarray:
        """log p_sigma(x), shape (m,)."""
        from ratesim.kernels import log_sum_exp_gauss

        x, sigma = self._check(x, sigma)
        lse = log_sum_exp_gauss(self.index, x, sigma, log_weights=self.log_weights,
                                mode="truncated", tol=self.tol)  # fmt: skip
        return lse - np.log(TWO_PI * sigma * sigma)


def _bin_average(f, bins: int, sub: int = 64) -> np.ndarray:
    t = (np.arange(bins * sub) + 0.5) * TWO_PI / (bins * sub)
    w = f(t).reshape(bins, sub).sum(1)
    return w / w.sum()


def uniform_t_bins(bins: int = HIST_BINS, a: float = 1.0, b: float = 2.0) -> np.ndarray:
    """Bin probabilities in t of the uniform (arc-length) law: density proportional to |Phi'(t)|."""
    bins = check_int(bins, "bins", low=2)
    return _bin_average(lambda t: speed(t, a, b), bins)


def von_mises_t_bins(bins: int = HIST_BINS, kappa: float = 1.0, mean: float = 0.0) -> np.ndarray:
    """Bin probabilities in t of the data law p (von Mises(kappa, mean) in the chart angle)."""
    bins = check_int(bins, "bins", low=2)
    return _bin_average(lambda t: np.exp(kappa * (np.cos(t - mean) - 1.0)), bins)


def _cdf_from_density(f, n: int = 1 << 16):
    t = (np.arange(n) + 0.5) * TWO_PI / n
    c = np.concatenate(([0.0], np.cumsum(f(t))))
    c /= c[-1]
    grid = np.linspace(0.0, TWO_PI, n + 1)
    return lambda x: np.interp(x, grid, c)


def stationary_t_bins(log_density, sigma, alpha, *, a=1.0, b=2.0, bins=720, sub=2, n_r=48,
                      span=8.0) -> np.ndarray:  # fmt: skip
    """Bin probabilities in t (chart angle of P_M x) of the law proportional to
    exp(sigma^alpha log_density(x, sigma)) on R^2 (TS stationary law; alpha = 0: plain Langevin),
    by tube quadrature (module docstring). ``log_density(x, sigma)`` -> (m,)."""
    sigma = check_positive(sigma, "sigma")
    alpha = check_in_range(alpha, "alpha", low=0.0, high=2.0, high_open=True)
    bins, sub, n_r = (check_int(bins, "bins", low=2), check_int(sub, "sub", low=1),
                      check_int(n_r, "n_r", low=8))  # fmt: skip
    w = sigma ** (1.0 - alpha / 2.0)
    reach = min(a, b) ** 2 / max(a, b)
    lo, hi = -min(span * w, 0.9 * reach), span * w
    g, gw = np.polynomial.legendre.leggauss(n_r)
    r = 0.5 * (hi - lo) * g + 0.5 * (hi + lo)
    n_t = bins * sub
    t = (np.arange(n_t) + 0.5) * (TWO_PI / n_t)
    sp = speed(t, a, b)
    curv = a * b / sp**3
    nrm = np.stack([b * np.cos(t), a * np.sin(t)], axis=1) / sp[:, None]
    foot = np.stack([a * np.cos(t), b * np.sin(t)], axis=1)
    x = foot[None, :, :] + r[:, None, None] * nrm[None, :, :]
    lvol = (
        np.log(sp)[None, :]
        + np.log1p(r[:, None] * curv[None, :])
        + np.log(0.5 * (hi - lo) * gw)[:, None]
    )
    lp = np.asarray(log_density(x.reshape(-1, 2), sigma), dtype=np.float64).reshape(n_r, n_t)
    logm = logsumexp(sigma**alpha * lp + lvol, axis=0)
    m = np.exp(logm - logm.max()).reshape(bins, sub).sum(1)
    return m / m.sum()


def chain_angles(M, x) -> np.ndarray:
    """Chart angle t in [0, 2 pi) of the exact projection of each point onto the ellipse M."""
    return np.mod(M.project(x).u[:, 0], TWO_PI)


def relaxation_steps_ellipse(sigma, alpha, h, a=1.0, b=2.0) -> float:
    """Steps per relaxation time of the first angular mode: (L / 2 pi)^2 / (h sigma^(2 - alpha)).

    Along M the hat-form chain diffuses in arc length with unit coefficient in the time
    dt = h sigma^(2 - alpha) per step (the drift along M is O(sigma^alpha) for TS); on a loop of
    length L the slowest Fourier mode of the tangential heat equation relaxes in (L / 2 pi)^2
    (the unit-circle rule 1 / (h sigma^(2 - alpha)) has L = 2 pi). For plain Langevin
    the drift along M is O(1) (log p), so this is the order of magnitude, not the exact gap.
    """
    L = float(np.sum(speed((np.arange(4096) + 0.5) * TWO_PI / 4096, a, b)) * TWO_PI / 4096)
    return (L / TWO_PI) ** 2 / (h * sigma ** (2.0 - alpha))


def _hist(th, bins=HIST_BINS):
    return np.bincount(np.minimum((th / TWO_PI * bins).astype(np.int64), bins - 1), minlength=bins)


def ellipse_experiment(sampler: str, score: str, init: str, *, rng, n_chains=10_000, sigma=0.01,
                       alpha=1.0, h=0.1, steps=10_000, N=10_000, kappa=1.0, mean=0.0, a=1.0,
                       b=2.0) -> dict:  # fmt: skip
    """One panel: ``sampler`` in {"ts", "plain"} (TS-alpha or alpha = 0), ``score`` in
    {"exact", "empirical"} (EllipseChartScore or EmpiricalScore on N samples of p), ``init`` in
    {"data", "uniform"} (chains start at fresh samples of p, or of the arc-length uniform law).

    Metrics: TV (72 bins, with floors) and KS of the chains' angles against p, the uniform law and
    the sampler's exact stationary law (quadrature of exp(sigma^a log p_est)); the same TVs at half
    the run (mixing diagnostic: a mixed chain has TV(half) ~ TV(end) ~ floor to the stationary
    law); the run length in relaxation times; the stationary law's TV to p and to uniform
    (72 bins); for the empirical score, ``nn_ratio``: median distance of the projected chain
    points to their nearest training point over that of fresh samples of p (< 1: pulled onto
    the training set); the 72-bin histogram ``h00``..``h71``.
    """
    from ratesim.densities import ChartVonMises, Uniform
    from ratesim.metrics import uniformity_tests
    from ratesim.samplers import tempered_langevin
    from ratesim.scores import EmpiricalScore

    rng = as_generator(rng)
    n_chains, steps, N = (check_int(n_chains, "n_chains", low=10), check_int(steps, "steps", low=2),
                          check_int(N, "N", low=1))  # fmt: skip
    if sampler not in ("ts", "plain"):
        raise ValueError(f"sampler must be 'ts' or 'plain' (got {sampler!r})")
    if init not in ("data", "uniform"):
        raise ValueError(f"init must be 'data' or 'uniform' (got {init!r})")
    M = ellipse(a, b)
    dens = ChartVonMises(kappa, mean)
    train = None
    if score == "exact":
        est = EllipseChartScore(a, b, kappa, mean, sigma_min=sigma)
    elif score == "empirical":
        train = M.sample(N, dens, rng=rng)
        est = EmpiricalScore().fit(train)
    else:
        raise ValueError(f"score must be 'exact' or 'empirical' (got {score!r})")
    x0 = M.sample(n_chains, dens if init == "data" else Uniform(), rng=rng)
    al = alpha if sampler == "ts" else 0.0
    half = steps // 2
    res = tempered_langevin(est, x0, sigma, al, h, steps, rng=rng, snapshot_steps=[half])
    law = stationary_t_bins(est.log_density, sigma, al, a=a, b=b, bins=HIST_BINS, sub=20)
    pb, ub = von_mises_t_bins(HIST_BINS, kappa, mean), uniform_t_bins(HIST_BINS, a, b)
    cdf_p = _cdf_from_density(lambda t: np.exp(kappa * (np.cos(t - mean) - 1.0)))
    cdf_u = _cdf_from_density(lambda t: speed(t, a, b))
    lawf = stationary_t_bins(est.log_density, sigma, al, a=a, b=b, bins=720, sub=2)
    lgrid = np.linspace(0.0, TWO_PI, 721)
    lcdf = np.concatenate(([0.0], np.cumsum(lawf)))
    out = {"steps": float(steps), "n_relax": steps / relaxation_steps_ellipse(sigma, al, h, a, b)}
    for tag, pts in (("", res.samples), ("_half", res.snapshots[0])):
        th = chain_angles(M, pts)
        out["tv_p" + tag], out["tv_p_floor"] = angle_tv(th, pb, bins=HIST_BINS)
        out["tv_uniform" + tag], out["tv_uniform_floor"] = angle_tv(th, ub, bins=HIST_BINS)
        out["tv_stationary" + tag], out["tv_stationary_floor"] = angle_tv(th, law, bins=HIST_BINS)
        out["ks_stationary" + tag] = uniformity_tests(
            th, cdf=lambda s: np.interp(s, lgrid, lcdf)
        ).ks_stat
    th = chain_angles(M, res.samples)  # the final states (the loop ended on the half snapshot)
    th0 = chain_angles(M, x0)
    out["tv_stationary_start"] = angle_tv(th0, law, bins=HIST_BINS)[0]
    out["ks_p"] = uniformity_tests(th, cdf=cdf_p).ks_stat
    out["ks_uniform"] = uniformity_tests(th, cdf=cdf_u).ks_stat
    out["law_tv_p"] = 0.5 * float(np.abs(law - pb).sum())
    out["law_tv_uniform"] = 0.5 * float(np.abs(law - ub).sum())
    out["normal_rms"] = float(np.sqrt(np.mean(M.project(res.samples).dist ** 2)))
    if train is not None:
        from scipy.spatial import cKDTree

        tree = cKDTree(train)
        fresh = M.sample(n_chains, dens, rng=rng)
        d_chain = tree.query(M.project(res.samples).point)[0]
        out["nn_ratio"] = float(np.median(d_chain) / np.median(tree.query(fresh)[0]))
    else:
        out["nn_ratio"] = np.nan
    for j, c in enumerate(_hist(th)):
        out[f"h{j:02d}"] = float(c)
    return out


ELLIPSE_METRICS = (
    "steps", "n_relax", "tv_p", "tv_p_floor", "tv_uniform", "tv_uniform_floor", "tv_stationary",
    "tv_stationary_floor", "ks_stationary", "tv_p_half", "tv_uniform_half", "tv_stationary_half",
    "ks_stationary_half", "tv_stationary_start", "ks_p", "ks_uniform", "law_tv_p",
    "law_tv_uniform", "normal_rms", "nn_ratio", *(f"h{j:02d}" for j in range(HIST_BINS)),
)  # fmt: skip


CIRCLE_METRICS = (
    "steps", "tv_p", "tv_p_floor", "tv_uniform", "tv_uniform_floor", "tv720_uniform",
    "tv720_floor", "ks_p", "ks_uniform", "tv_stationary", "tv_stationary_floor",
    "ks_stationary", "tv720_stationary_vs_uniform",
    *(f"h{j:02d}" for j in range(HIST_BINS)),
)  # fmt: skip


def _finite(out: dict) -> dict[str, float]:
    """Metrics that do not apply to a panel (NaN) are stored as -1."""
    return {k: (float(v) if np.isfinite(v) else -1.0) for k, v in out.items()}


@task(
    metrics=CIRCLE_METRICS,
    choices={"manifold": ("circle",), "density": ("von_mises",),
             "sampler": ("reverse_sde", "ts", "plain")},
)  # fmt: skip
def circle_panel(
    *,
    sampler: str,
    error: str,
    rng: np.random.Generator,
    manifold: str = "circle",
    density: str = "von_mises",
    n_chains: int = 10_000,
    sigma: float = 0.01,
    alpha: float = 1.0,
    h: float = 0.1,
    relax: float = 5.0,
) -> dict[str, float]:
    """Angle law of reverse diffusion / TS-1 / plain Langevin with the exact or the O(1)-error
    circle score (:func:`circle_experiment`; ``error`` in {"none", "quartic"})."""
    out = circle_experiment(
        sampler,
        error,
        rng=rng,
        n_chains=int(n_chains),
        sigma=float(sigma),
        alpha=float(alpha),
        h=float(h),
        relax=float(relax),
    )
    return _finite(out)


@task(
    metrics=ELLIPSE_METRICS,
    choices={"manifold": ("ellipse",), "density": ("chart_von_mises",), "sampler": ("ts", "plain")},
)
def ellipse_panel(
    *,
    sampler: str,
    score: str,
    init: str,
    rng: np.random.Generator,
    manifold: str = "ellipse",
    density: str = "chart_von_mises",
    n_chains: int = 10_000,
    sigma: float = 0.01,
    alpha: float = 1.0,
    h: float = 0.1,
    steps: int = 10_000,
    N: int = 10_000,
    kappa: float = 1.0,
) -> dict[str, float]:
    """Angle law of plain Langevin / TS-1 on the ellipse (1, 2) with the exact or the empirical
    score (:func:`ellipse_experiment`; ``score`` in {"exact", "empirical"}, ``init`` in {"data",
    "uniform"})."""
    out = ellipse_experiment(
        sampler, score, init, rng=rng, n_chains=int(n_chains), sigma=float(sigma),
        alpha=float(alpha), h=float(h), steps=int(steps), N=int(N), kappa=float(kappa),
    )  # fmt: skip
    return _finite(out)
