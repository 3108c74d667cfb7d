"""Tasks of the tempered-score Langevin family on the unit circle: exact stationary laws, chains
against them, laws of learned scores, and relaxation times.

Tempered-score (TS) Langevin dX = sigma^alpha s(X, sigma) dt + sqrt(2) dW (Li, Shen, Hsieh, He
2026, Thm 5.1-5.2) has, for a gradient score s = grad log q, the stationary law q^(sigma^alpha);
its exact quadrature is :func:`ratesim.exact.tempered_stationary_law`. Here:

- :func:`ts_stationary_quadrature`: TV to uniform, normal width and moments of that law;
- :func:`ts_chains`: hat-form chains driven by the closed-form circle score (or a corrupted one)
  against the quadrature, through unbiased statistics (:func:`run_ts_chains`);
- :func:`ts_learned_quadrature`: the law exp(sigma^alpha log p^N_sigma) of a score with a density
  learned from N samples, by the same quadrature (:func:`learned_stationary_bins`);
- :func:`ts_learned_chains`: chains with a regression score (no density, so no quadrature) against
  the exact law by an unbiased squared Fourier distance (:func:`learned_chains`);
- :func:`ts_mixing`: the exact relaxation time of the angle with the double-well-corrupted score
  (:func:`relaxation_time`).

Learned scores, TV of their law (our derivation from Thm 5.1's tilt formula; the paper has no
N-rate): for a score with a density (``EmpiricalScore``, the exact score of mu_N * N(0, sigma^2 I),
``SmoothedScore``, that of mu_N * N(0, (sigma^2 + h^2) I)) the TS law is
exp(sigma^alpha log p^N_sigma). Where the training spacing 2 pi / N is well below sigma,
log p^N_sigma - log p_sigma is a kernel-density fluctuation of relative size (N sigma)^(-1/2) along
M, so the TV between the learned and the exact stationary laws is about
sigma^alpha (N sigma)^(-1/2) ~ N^(-1/2). ``SmoothedScore`` adds an N-independent bias (its
h-smoothed density), so its TV to the exact law flattens at a floor.

Regression scores, by chains: the chains start at the exact TS law and run ``relax`` relaxation
times 1 / (h sigma^(2-alpha)), so what remains is the learned law's difference plus the
Euler-Maruyama bias of h (the ``exact`` control row: the closed-form score through the same
chains). Distances between the chains' angle law Q and the exact law P, with their Monte-Carlo
floors: binned TV (72 bins) and its floor E TV(hat P_n, P) (:func:`ratesim.exact.angle_tv`); KS,
floor E sup|F_n - F| ~ 0.8687 / sqrt(n) (the Kolmogorov law's mean); an unbiased estimate of the
squared Fourier distance D = sum_{k=1}^{K} |E e^{ik theta} - c_k|^2 (c_k the exact law's
coefficients): for n i.i.d. angles with Z_k = mean e^{ik theta_j},
E |Z_k - c_k|^2 = |mu_k - c_k|^2 + (1 - |mu_k|^2) / n and E |Z_k|^2 = |mu_k|^2 + (1 - |mu_k|^2)/n,
so |Z_k - c_k|^2 - (1 - |Z_k|^2) / (n - 1) is unbiased for |mu_k - c_k|^2 (no floor; negative
values occur when Q = P). Its standard error is about sqrt(2 K) / n at Q = P.

Mixing with the corrupted score s - sigma^beta_err grad phi, phi = (|x_1| - 1)^2 (the paper's
appendix D): plain Langevin (alpha = 0) targets p_sigma exp(-sigma^beta_err phi), whose angular
potential has barriers of height ~ sigma^beta_err between the minima of phi at t = 0, pi (Poincare
constant exp(-c sigma^beta_err)); TS Langevin sees the barrier ~ sigma^(alpha + beta_err), bounded
for alpha >= -beta_err, so log t_relax ~ sigma^(alpha + beta_err) when alpha + beta_err < 0. The
relaxation time is computed exactly for the angle reduced to M (the normal direction relaxes in
O(sigma^(2 - alpha)) time, the adiabatic reduction of Thm 5.2's proof): the angle follows
dt = -V'(t) dt + sqrt(2) dW with V = -log m, m the exact angular marginal of the stationary law.
Its spectral gap lambda_1 (t_relax = 1 / lambda_1) is the second eigenvalue of the detailed-balance
(Scharfetter-Gummel) discretization of the generator f'' - V' f' on the periodic grid,
symmetrized: off-diagonal 1/dt^2, diagonal -(e^(-(V_(i+1) - V_i)/2) + e^(-(V_(i-1) - V_i)/2)) /
dt^2 (second-order accurate). When the gap is below what double precision resolves (deep
barriers), the two-state (Kramers) limit is used with the exact one-dimensional mean first-passage
times between the wells (Gardiner, "Handbook of stochastic methods", sec. 5.2.7; reflecting at the
start well by the t -> -t symmetry of phi and of the von Mises tilt):
T(0 -> pi) = int_0^pi e^(V(y)) int_0^y e^(-V(z)) dz dy, and lambda_1 ~ 1/T(0 -> pi) + 1/T(pi -> 0),
in log-sum-exp form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh
from scipy.special import logsumexp

from ratesim._validation import as_generator, check_in_range, check_int, check_positive
from ratesim.exact import (
    StationaryLaw,
    angle_tv,
    circle_score,
    normal_width_em,
    tempered_stationary_law,
    tv_to_uniform,
)
from ratesim.study import build, task

TWO_PI = 2.0 * np.pi
REGIMES = ("exact", "plain", "converge", "plateau", "collapse", "rotational")
CIRCLE = {"manifold": ("circle",), "density": ("von_mises",)}


# ---------------------------------------------------------------------------------------------
# chains with the closed-form circle score


def chain_score(sigma_kappa_mean=(4.0, np.pi), *, c_err: float = 0.0, beta_err: float = 0.0,
                kind: str = "gradient"):  # fmt: skip
    """The score driving the chains: the library's closed-form circle oracle (``OracleScore`` on
    the canonical ``Sphere(k=1, d=2)``), corrupted by ``PerturbedScore`` when ``c_err > 0``
    (gradient: s - c sigma^beta_err grad phi with the double well; rotational: s + c
    sigma^beta_err J x)."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Sphere
    from ratesim.scores import OracleScore, PerturbedScore

    kappa, mean = sigma_kappa_mean
    circle = Sphere(k=1, d=2, seed=None)
    base = OracleScore(circle, VonMises(kappa, mean), method="closed_form", rng=0)  # draws nothing
    if c_err == 0.0:
        return base.fit()
    return PerturbedScore(base, gamma=beta_err, c=c_err, kind=kind).fit()


def relaxation_estimate(sigma, alpha, h, *, c_err=0.0, beta_err=0.0, kind="gradient") -> float:
    """Steps for the first angular mode to relax: 1 / (h sigma^(2 - alpha)) on the unit circle
    (the chain's time step is h sigma^(2 - alpha) and the first mode of the angular heat equation
    relaxes in unit time), times the Arrhenius factor exp(c sigma^(alpha + beta_err) max_M phi)
    (max_M phi = 1) of the double-well barrier for a corrupted gradient score."""
    steps = 1.0 / (h * sigma ** (2.0 - alpha))
    if c_err > 0 and kind == "gradient":
        steps *= float(np.exp(c_err * sigma ** (alpha + beta_err)))
    return steps


def run_ts_chains(
    sigma: float,
    alpha: float,
    *,
    rng,
    kappa: float = 4.0,
    mean: float = np.pi,
    c_err: float = 0.0,
    beta_err: float = 0.0,
    kind: str = "gradient",
    h: float = 0.1,
    n_chains: int = 2000,
    relax_burn: float = 5.0,
    relax_measure: float = 5.0,
    n_trace: int = 50,
    law: StationaryLaw | None = None,
) -> dict:
    """TS-Langevin chains on the unit circle compared with the exact stationary law.

    Chains start from the uniform law on M with the (Euler-Maruyama) normal profile, run
    ``relax_burn`` relaxation times (:func:`relaxation_estimate`) of burn-in (initial bias
    e^-5 of the O(sigma^alpha) distance to the target), then ``relax_measure`` more, recording
    cos t, cos 2t and (|x| - 1)^2 ``n_trace`` times. Chain-wise time averages are independent
    across chains, so their spread gives an honest standard error whatever the autocorrelation.

    Returns
    -------
    dict of floats
        ``m1_mc, m1_se, m1_quad, m1_z`` (E cos t), ``m2_*`` (E cos 2t), ``tilt_mc`` (-E cos t),
        ``width_mc`` (rms of |x| - 1), ``width_em`` (quadrature width / sqrt(1 - h/2)),
        ``width_ratio``, ``ks_p`` (KS test of the final angles against the quadrature CDF),
        ``tv_mc`` / ``tv_floor`` (720-bin TV of the final angles to the quadrature law and its
        sampling floor), ``tv_quad`` (TV of the law to uniform), ``steps``.
    """
    from ratesim.metrics import uniformity_tests
    from ratesim.samplers import tempered_langevin

    rng = as_generator(rng)
    sigma = check_positive(sigma, "sigma")
    n_chains = check_int(n_chains, "n_chains", low=2)
    n_trace = check_int(n_trace, "n_trace", low=4)
    if law is None:
        law = tempered_stationary_law(
            sigma, alpha, kappa=kappa, mean=mean, c_err=c_err, beta_err=beta_err, kind=kind
        )
    score = chain_score((kappa, mean), c_err=c_err, beta_err=beta_err, kind=kind)
    relax = relaxation_estimate(sigma, alpha, h, c_err=c_err, beta_err=beta_err, kind=kind)
    n_burn = int(np.ceil(relax_burn * relax))
    n_meas = max(n_trace, int(np.ceil(relax_measure * relax)))
    every = max(1, n_meas // n_trace)
    n_meas = every * n_trace
    w_em = normal_width_em(law.width, h)
    t0 = rng.uniform(0.0, TWO_PI, n_chains)
    r0 = 1.0 + w_em * rng.standard_normal(n_chains)
    x0 = np.stack([r0 * np.cos(t0), r0 * np.sin(t0)], axis=1)
    x = tempered_langevin(score, x0, sigma, alpha, h, n_burn, rng=rng).samples

    def stat(z):
        r = np.sqrt(np.einsum("ij,ij->i", z, z))
        c = z[:, 0] / r
        return np.stack([c, 2.0 * c * c - 1.0, (r - 1.0) ** 2], axis=1)

    res = tempered_langevin(
        score, x, sigma, alpha, h, n_meas, rng=rng, trace=stat, trace_every=every
    )
    tr = np.asarray(res.trace)[1:]  # drop the start of the measurement phase (end of burn-in)
    per_chain = tr.mean(axis=0)  # (n_chains, 3)
    m = per_chain.mean(axis=0)
    se = per_chain.std(axis=0, ddof=1) / np.sqrt(n_chains)
    xf = np.asarray(res.samples)
    theta = np.mod(np.arctan2(xf[:, 1], xf[:, 0]), TWO_PI)
    ks = uniformity_tests(theta, cdf=law.cdf)
    tv_mc, tv_floor = angle_tv(theta, law.bin_probs)
    width_mc = float(np.sqrt(m[2]))
    return {
        "m1_mc": float(m[0]),
        "m1_se": float(se[0]),
        "m1_quad": law.m1,
        "m1_z": float((m[0] - law.m1) / se[0]),
        "m2_mc": float(m[1]),
        "m2_se": float(se[1]),
        "m2_quad": law.m2,
        "m2_z": float((m[1] - law.m2) / se[1]),
        "tilt_mc": float(-m[0]),
        "width_mc": width_mc,
        "width_em": w_em,
        "width_ratio": width_mc / w_em,
        "ks_p": float(ks.ks_pvalue),
        "tv_mc": tv_mc,
        "tv_floor": tv_floor,
        "tv_quad": law.tv,
        "steps": float(n_burn + n_meas),
    }


# ---------------------------------------------------------------------------------------------
# laws of learned scores


def learned_stationary_bins(est, sigma, alpha, *, bins=720, sub=2, n_r=32, span=8.0):
    """Bin probabilities of the angular marginal of exp(sigma^alpha log p_est(x, sigma)).

    ``est`` must provide ``log_density(x, sigma)`` on R^2 (unit circle problems). Polar grid:
    ``sub`` midpoint nodes per bin, ``n_r`` Gauss-Legendre nodes on
    [max(0, 1 - span w), 1 + span w], w = sigma^(1 - alpha/2).

    Returns
    -------
    ndarray, shape (bins,)
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


KS_FLOOR = 0.8687  # E sup_t sqrt(n) |F_n - F| -> mean of the Kolmogorov law, sqrt(pi/2) ln 2


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


def chain_angles(est, *, rng, sigma, alpha, h, relax, n_chains, kappa, mean):
    """Angles of ``n_chains`` TS-Langevin chains with the fitted score ``est`` on the unit circle,
    started at the exact TS law of von Mises(kappa, mean) data and run ``relax`` relaxation units
    (relax / (h sigma^(2 - alpha)) hat-form steps); returns (angles, the exact law, steps)."""
    from ratesim.samplers import tempered_langevin

    law = tempered_stationary_law(sigma, alpha, kappa=kappa, mean=mean, sub=4, n_r=48)
    th0 = law.sample_angles(n_chains, rng=rng)
    x0 = np.stack([np.cos(th0), np.sin(th0)], 1)
    steps = int(np.ceil(relax / (h * sigma ** (2.0 - alpha))))
    x = np.asarray(tempered_langevin(est, x0, sigma, alpha, h, steps, rng=rng).samples)
    if not np.all(np.isfinite(x)):
        raise FloatingPointError("a TS-Langevin chain left the finite numbers")
    return np.mod(np.arctan2(x[:, 1], x[:, 0]), TWO_PI), law, steps


def learned_chains(estimator, N: int, *, rng, sigma=0.1, alpha=1.0, h=0.1, relax=5.0,
                   n_chains=10_000, kappa=1.0, mean=np.pi, K=8,
                   est_params=None) -> dict:  # fmt: skip
    """Chains of TS Langevin with a score learned from N von Mises(kappa, mean) samples on the unit
    circle (``estimator`` a registered name; "exact": the closed-form score, N ignored), against the
    exact TS law. Returns tv72, tv72_floor, ks, ks_floor, fd2 (unbiased squared Fourier distance,
    K modes), fd2_se0 (its sd at equality), fd2_exact_uniform (the same distance between the exact
    law and uniform, for scale), steps."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Sphere
    from ratesim.metrics import uniformity_tests

    rng = as_generator(rng)
    N, n_chains = check_int(N, "N", low=1), check_int(n_chains, "n_chains", low=10)
    if estimator == "exact":
        est = chain_score((kappa, mean))
    else:
        X = Sphere(k=1, d=2, seed=None).sample(N, VonMises(kappa, mean), rng=rng)
        opts = {f"estimator__{k}": v for k, v in (est_params or {}).items()}
        # regression scores draw their noise with seed 0 (the full run's choice)
        est = build("estimator", estimator, opts, rng=0).fit(X)
    th, law, steps = chain_angles(
        est, rng=rng, sigma=sigma, alpha=alpha, h=h, relax=relax, n_chains=n_chains, kappa=kappa,
        mean=mean,
    )  # fmt: skip
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


# ---------------------------------------------------------------------------------------------
# relaxation of the reduced angle


@dataclass(frozen=True)
class Relaxation:
    """Relaxation of the reduced angle: ``log_t`` = log(1 / lambda_1) in SDE time, its method
    (``"gap"`` or ``"two_state"``), ``log_steps`` = log of t / (h sigma^(2 - alpha)) hat-form
    steps, ``barrier`` = the potential difference max V - max(V(0), V(pi)) (the lower escape
    barrier), ``log_t_two_state`` the two-state value."""

    log_t: float
    method: str
    log_steps: float
    barrier: float
    log_t_two_state: float


def spectral_gap(V, theta) -> float:
    """lambda_1 of f'' - V' f' on the periodic grid ``theta`` (equispaced), or 0 if unresolved.

    Returns 0.0 when lambda_1 is below 1e-9 times the largest eigenvalue (double precision cannot
    separate it from the zero mode then).
    """
    V = np.asarray(V, dtype=np.float64)
    n = V.size
    dt = TWO_PI / n
    up = np.exp(-(np.roll(V, -1) - V) / 2.0)
    dn = np.exp(-(np.roll(V, 1) - V) / 2.0)
    S = np.zeros((n, n))
    idx = np.arange(n)
    S[idx, (idx + 1) % n] = 1.0
    S[idx, (idx - 1) % n] = 1.0
    S[idx, idx] = -(up + dn)
    S /= dt * dt
    ev = eigh(-S, eigvals_only=True, subset_by_index=[0, 1])
    top = 4.0 / dt**2 * float(np.exp(np.max(np.abs(np.diff(np.r_[V, V[0]]))) / 2))
    lam = float(ev[1])
    return lam if lam > 1e-9 * top else 0.0


def two_state_log_time(V, theta) -> float:
    """log of 1 / (1/T(0 -> pi) + 1/T(pi -> 0)) from the exact 1-D mean first-passage times."""
    V = np.asarray(V, dtype=np.float64)
    th = np.asarray(theta, dtype=np.float64)
    half = th <= np.pi
    Vy = V[half]
    dy = TWO_PI / th.size
    # inner integrals int_0^y e^-V and int_y^pi e^-V (cumulative, log domain)
    lw = -Vy + np.log(dy)
    left = np.logaddexp.accumulate(lw)
    right = np.logaddexp.accumulate(lw[::-1])[::-1]
    log_t01 = logsumexp(Vy + left) + np.log(dy)
    log_t10 = logsumexp(Vy + right) + np.log(dy)
    return float(-np.logaddexp(-log_t01, -log_t10))


def relaxation_time(
    sigma: float,
    alpha: float,
    *,
    h: float = 0.1,
    kappa: float = 4.0,
    mean: float = np.pi,
    c_err: float = 1.0,
    beta_err: float = -1.0,
    sub: int = 1,
) -> Relaxation:
    """Relaxation time of the reduced angle of (TS) Langevin with the corrupted circle score.

    Parameters
    ----------
    sigma, alpha : noise level and tempering exponent (alpha = 0: plain Langevin).
    h : hat-form step (for the step count t / (h sigma^(2 - alpha))).
    kappa, mean : von Mises data law; c_err, beta_err : the double-well corruption.
    sub : angle nodes per 720-bin of the quadrature (the grid of the generator; 1: dt = 0.0087,
        relative O(dt^2 max V''^2) error of lambda_1, below 1e-3 for the barriers here).
    """
    sigma = check_positive(sigma, "sigma")
    alpha = check_in_range(alpha, "alpha", low=0.0, high=2.0, high_open=True)
    law = tempered_stationary_law(
        sigma, alpha, kappa=kappa, mean=mean, c_err=c_err, beta_err=beta_err, sub=sub, n_r=48
    )
    V = -law.log_density
    if not np.all(np.isfinite(V)):
        raise ValueError(
            f"the angular marginal underflows at sigma = {sigma:g}, alpha = {alpha:g}: the "
            "potential barrier exceeds the double-precision range of the quadrature"
        )
    th = law.theta
    lam = spectral_gap(V, th)
    l2 = two_state_log_time(V, th)
    i0, ipi = 0, int(np.argmin(np.abs(th - np.pi)))
    barrier = float(V.max() - max(V[i0], V[ipi]))
    if lam > 0:
        log_t, method = -float(np.log(lam)), "gap"
    else:
        log_t, method = l2, "two_state"
    log_steps = log_t - float(np.log(h * sigma ** (2.0 - alpha)))
    return Relaxation(log_t, method, log_steps, barrier, l2)


# ---------------------------------------------------------------------------------------------
# tasks


def _law(sigma, alpha, components, *, c_err, beta_err, kind, quad_sub, quad_nr) -> StationaryLaw:
    return tempered_stationary_law(
        float(sigma),
        float(alpha),
        kappa=float(components.get("density__kappa", 4.0)),
        mean=float(components.get("density__mean", np.pi)),
        c_err=float(c_err),
        beta_err=float(beta_err),
        kind=str(kind),
        sub=int(quad_sub),
        n_r=int(quad_nr),
    )


@task(metrics=("tv", "one_minus_tv", "width", "m1", "m2"), choices=CIRCLE)
def ts_stationary_quadrature(
    *,
    sigma: float,
    alpha: float,
    rng: np.random.Generator,
    manifold: str = "circle",
    density: str = "von_mises",
    kind: str = "gradient",
    c_err: float = 0.0,
    beta_err: float = 0.0,
    regime: str | None = None,
    quad_sub: int = 16,
    quad_nr: int = 96,
    **components,
) -> dict[str, float]:
    """TV to uniform (720 bins), normal width and moments of the TS stationary law (exact).

    ``regime`` is a label of the grid point (one of :data:`REGIMES`), used by the claims;
    ``density__kappa`` (default 4) and ``density__mean`` (default pi) set the von Mises law.
    """
    if regime is not None and regime not in REGIMES:
        raise ValueError(f"regime must be one of {REGIMES} (got {regime!r})")
    law = _law(sigma, alpha, components, c_err=c_err, beta_err=beta_err, kind=kind,
               quad_sub=quad_sub, quad_nr=quad_nr)  # fmt: skip
    return {
        "tv": law.tv,
        "one_minus_tv": 1.0 - law.tv,
        "width": law.width,
        "m1": law.m1,
        "m2": law.m2,
    }


CHAIN_METRICS = (
    "m1_mc", "m1_se", "m1_quad", "m1_z", "m2_mc", "m2_se", "m2_quad", "m2_z", "tilt_mc",
    "width_mc", "width_em", "width_ratio", "ks_p", "tv_mc", "tv_floor", "tv_quad", "steps",
)  # fmt: skip


@task(metrics=CHAIN_METRICS, choices=CIRCLE)
def ts_chains(
    *,
    sigma: float,
    alpha: float,
    rng: np.random.Generator,
    manifold: str = "circle",
    density: str = "von_mises",
    kind: str = "gradient",
    c_err: float = 0.0,
    beta_err: float = 0.0,
    h: float = 0.1,
    n_chains: int = 2000,
    relax_burn: float = 5.0,
    relax_measure: float = 5.0,
    quad_sub: int = 16,
    quad_nr: int = 96,
    **components,
) -> dict[str, float]:
    """TS-Langevin chains (closed-form circle score) against the exact stationary law
    (:func:`run_ts_chains`)."""
    law = _law(sigma, alpha, components, c_err=c_err, beta_err=beta_err, kind=kind,
               quad_sub=quad_sub, quad_nr=quad_nr)  # fmt: skip
    return run_ts_chains(
        float(sigma),
        float(alpha),
        rng=rng,
        kappa=law.params["kappa"],
        mean=law.params["mean"],
        c_err=law.params["c_err"],
        beta_err=law.params["beta_err"],
        kind=law.params["kind"],
        h=float(h),
        n_chains=int(n_chains),
        relax_burn=float(relax_burn),
        relax_measure=float(relax_measure),
        law=law,
    )


@task(
    metrics=("tv_to_exact", "tv_to_uniform", "tv_exact_to_uniform"),
    choices={**CIRCLE, "estimator": ("empirical", "smoothed")},
)
def ts_learned_quadrature(
    *,
    N: int,
    sigma: float,
    alpha: float,
    estimator: str,
    rng: np.random.Generator,
    manifold: str = "circle",
    density: str = "von_mises",
    smoothed_h: float | None = None,
    **components,
) -> dict[str, float]:
    """TV of the TS stationary law of a score learned from N samples to the exact law.

    ``smoothed_h`` is the bandwidth of ``SmoothedScore`` (None for ``EmpiricalScore``); it is a
    plain parameter rather than ``estimator__bandwidth`` because the grid couples the two
    estimators and an ``estimator__bandwidth`` column would have to name an option the empirical
    score does not take.
    ``density__kappa`` (default 4) sets the von Mises(kappa, pi) data law.
    """
    from ratesim.densities import VonMises
    from ratesim.manifolds import Sphere

    sigma, alpha = float(sigma), float(alpha)
    kappa = float(components.get("density__kappa", 4.0))
    X = Sphere(k=1, d=2, seed=None).sample(int(N), VonMises(kappa, np.pi), rng=rng)
    opts = {} if smoothed_h is None else {"estimator__bandwidth": smoothed_h}
    est = build("estimator", estimator, opts).fit(X)
    q = learned_stationary_bins(est, sigma, alpha)
    exact = tempered_stationary_law(sigma, alpha, kappa=kappa, sub=4, n_r=48).bin_probs
    return {
        "tv_to_exact": 0.5 * float(np.abs(q - exact).sum()),
        "tv_to_uniform": tv_to_uniform(q),
        "tv_exact_to_uniform": tv_to_uniform(exact),
    }


@task(
    metrics=("tv72", "tv72_floor", "ks", "ks_floor", "fd2", "fd2_se0", "fd2_exact_uniform",
             "steps"),
    choices={**CIRCLE, "estimator": ("exact", "empirical", "nadaraya_watson",
                                     "local_polynomial")},
)  # fmt: skip
def ts_learned_chains(
    *,
    N: int,
    sigma: float,
    alpha: float,
    estimator: str,
    rng: np.random.Generator,
    manifold: str = "circle",
    density: str = "von_mises",
    h: float = 0.1,
    relax: float = 5.0,
    n_chains: int = 10_000,
    **components,
) -> dict[str, float]:
    """Chains of TS Langevin with a learned score against the exact TS law on the circle
    (:func:`learned_chains`; ``estimator="exact"``: the closed-form score). ``estimator__<arg>``
    options (None: not given) build the estimator; ``density__kappa`` defaults to 1."""
    est_params = {
        k[len("estimator__") :]: v
        for k, v in components.items()
        if k.startswith("estimator__") and v is not None
    }
    return learned_chains(
        estimator, int(N), rng=rng, sigma=float(sigma), alpha=float(alpha), h=float(h),
        relax=float(relax), n_chains=int(n_chains),
        kappa=float(components.get("density__kappa", 1.0)), est_params=est_params,
    )  # fmt: skip


# noise levels at which the network's absolute score error is measured (its exponent beta_err)
ERROR_SIGMAS = (0.025, 0.05, 0.1, 0.2, 0.4)
NETWORK_METRICS = (
    "rel_uniform",
    "rel_data",
    "fd2_se0",
    "err_tangent",
    "err_normal",
    *(f"err_abs_{s:g}".replace(".", "p") for s in ERROR_SIGMAS),
    "steps",
)


def network_score_errors(est, sigma, kappa, mean, rng, n: int = 4000) -> tuple[float, ...]:
    """RMS errors of a fitted score at noise ``sigma`` on n draws of p_sigma (von Mises(kappa,
    mean) data on the unit circle plus N(0, sigma^2 I)) against :func:`ratesim.exact.circle_score`:
    the tangent part (the density's, O(kappa)) and the normal part (the geometry's, O(1 / sigma)),
    each relative to the RMS of the exact score's same part, and the absolute RMS error."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Sphere

    x = Sphere(k=1, d=2, seed=None).sample(n, VonMises(kappa, mean), rng=rng)
    x = x + sigma * rng.standard_normal(x.shape)
    exact = circle_score(x, sigma, kappa=kappa, mean=mean)
    err = np.asarray(est.score(x, sigma)) - exact
    u = x / np.linalg.norm(x, axis=1, keepdims=True)  # radial unit vector
    t = np.stack([-u[:, 1], u[:, 0]], 1)

    def part(v, e):
        return float(np.sqrt(np.mean(np.sum(v * e, 1) ** 2)))

    absolute = float(np.sqrt(np.mean(np.sum(err**2, 1))))
    return part(err, t) / part(exact, t), part(err, u) / part(exact, u), absolute


@task(metrics=NETWORK_METRICS, choices=CIRCLE)
def ts_network_chains(
    *,
    N: int,
    sigma: float,
    alpha: float,
    rng: np.random.Generator,
    manifold: str = "circle",
    density: str = "von_mises",
    width: int = 64,
    depth: int = 2,
    train_steps: int = 2000,
    h: float = 0.1,
    relax: float = 5.0,
    n_chains: int = 10_000,
    **components,
) -> dict[str, float]:
    """TS-Langevin (``alpha`` > 0) or plain Langevin (``alpha`` = 0) chains driven by a network
    trained by denoising score matching on N von Mises(kappa, pi) points of the unit circle
    (:class:`ratesim.scores.DSMNetworkScore`, ``width`` x ``depth``, ``train_steps`` Adam steps
    over sigma in [0.01, 1]), their angle law against the uniform law and the data law.

    Returns
    -------
    dict
        ``rel_uniform``, ``rel_data``: unbiased squared Fourier distances (8 modes) of the chains'
        angles to the uniform law and to von Mises(kappa, pi), each over the data law's own
        distance to uniform, G = sum_k (I_k / I_0)(kappa)^2 (0.211 at kappa = 1): 0 means the
        law, 1 the data law's (resp. the uniform law's) distance; ``fd2_se0``: the distances'
        standard deviation at equality, over G; ``err_tangent``, ``err_normal``: the network's
        relative score errors at ``sigma`` (:func:`network_score_errors`); ``err_abs_<s>``: its
        absolute RMS error at each noise level s of :data:`ERROR_SIGMAS` (``0p1`` for 0.1), whose
        slope in s is the error exponent beta_err of P2; ``steps``.
    """
    from scipy.special import ive

    from ratesim.densities import VonMises
    from ratesim.manifolds import Sphere
    from ratesim.scores import DSMNetworkScore

    rng = as_generator(rng)
    N, n_chains = check_int(N, "N", low=2), check_int(n_chains, "n_chains", low=10)
    sigma, h = check_positive(sigma, "sigma"), check_positive(h, "h")
    alpha = check_in_range(alpha, "alpha", low=0.0, high=2.0)
    kappa, mean, K = float(components.get("density__kappa", 1.0)), np.pi, 8
    X = Sphere(k=1, d=2, seed=None).sample(N, VonMises(kappa, mean), rng=rng)
    est = DSMNetworkScore(
        width=check_int(width, "width", low=1), depth=check_int(depth, "depth", low=1),
        steps=check_int(train_steps, "train_steps", low=1), rng=int(rng.integers(2**63 - 1)),
    ).fit(X)  # fmt: skip
    err_t, err_n, _ = network_score_errors(est, sigma, kappa, mean, rng)
    err_abs = {
        f"err_abs_{s:g}".replace(".", "p"): network_score_errors(est, s, kappa, mean, rng)[2]
        for s in ERROR_SIGMAS
    }
    th, _, steps = chain_angles(
        est, rng=rng, sigma=sigma, alpha=alpha, h=h, relax=relax, n_chains=n_chains, kappa=kappa,
        mean=mean,
    )  # fmt: skip
    k = np.arange(1, K + 1)
    c_data = ive(k, kappa) / ive(0, kappa) * np.exp(1j * k * mean)  # E e^{ik theta}, von Mises
    G = float(np.sum(np.abs(c_data) ** 2))
    return {
        "rel_uniform": fourier_distance2(th, np.zeros(K)) / G,
        "rel_data": fourier_distance2(th, c_data) / G,
        "fd2_se0": float(np.sqrt(2.0 * K) / n_chains) / G,
        "err_tangent": err_t,
        "err_normal": err_n,
        **err_abs,
        "steps": float(steps),
    }


@task(
    metrics=("t_relax", "log_t_relax", "log_t_two_state", "log10_steps", "barrier", "gap"),
    choices=CIRCLE,
)
def ts_mixing(
    *,
    sigma: float,
    alpha: float,
    rng: np.random.Generator,
    manifold: str = "circle",
    density: str = "von_mises",
    h: float = 0.1,
    c_err: float = 1.0,
    beta_err: float = -1.0,
    **components,
) -> dict[str, float]:
    """Relaxation time of plain / TS Langevin on the double-well-corrupted circle (exact,
    :func:`relaxation_time`); ``density__kappa`` defaults to 4."""
    r = relaxation_time(
        float(sigma),
        float(alpha),
        h=float(h),
        kappa=float(components.get("density__kappa", 4.0)),
        c_err=float(c_err),
        beta_err=float(beta_err),
    )
    return {
        "t_relax": float(np.exp(min(r.log_t, 700.0))),
        "log_t_relax": r.log_t,
        "log_t_two_state": r.log_t_two_state,
        "log10_steps": r.log_steps / np.log(10.0),
        "barrier": r.barrier,
        "gap": 1.0 if r.method == "gap" else 0.0,
    }
