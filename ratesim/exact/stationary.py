"""Stationary laws of tempered-score (TS) Langevin on the unit circle in R^2, by exact quadrature.

Li, Shen, Hsieh, He (2026), "When scores learn geometry" (arXiv 2509.24912), Thm 5.1: the TS
Langevin dynamics at a fixed noise level sigma,

    dX = sigma^alpha s(X, sigma) dt + sqrt(2) dW,

has, for a gradient score s = grad log q, the stationary law proportional to q^(sigma^alpha). With
the exact score (q = p_sigma) and 0 < alpha < 2 its angular marginal tends to the uniform (volume)
law on M with total variation about C sigma^alpha, and its normal width is sigma^(1 - alpha/2).
With a corrupted score s - c sigma^beta_err grad phi (q = p_sigma exp(-c sigma^beta_err phi),
phi = :func:`double_well` of the paper's appendix D), the TV behaves like
C1 sigma^alpha + C2 sigma^(alpha + beta_err): convergence for alpha > -beta_err, a plateau at
alpha = -beta_err, collapse onto the two minima of phi below.

Everything here is on the unit circle in R^2 with a von Mises(kappa, mean) data law, where p_sigma
has the closed form (v = x / sigma^2 + kappa (cos mean, sin mean))

    p_sigma(x) = exp(-(|x|^2 + 1) / (2 sigma^2)) I0(|v|) / (2 pi sigma^2 I0(kappa)),

evaluated without cancellation as -(r - 1)^2 / (2 sigma^2) + delta + log i0e(|v|) with
delta = |v| - r / sigma^2 = (2 x.a / sigma^2 + |a|^2) / (|v| + r / sigma^2). The stationary law is
integrated in polar coordinates (x = r (cos t, sin t), volume r dr dt): Gauss-Legendre in r on
[max(0, 1 - span w), 1 + span w] with w = sigma^(1 - alpha/2) the normal width, and ``sub``
equispaced midpoint nodes in each of the ``bins`` = 720 angle bins on which the TV is measured.

Non-gradient errors (Thm 5.2): the rotational field e(x) = J x ((J x)_1 = -x_2, (J x)_2 = x_1) is
tangent to every circle |x| = r and turns the angle at the constant rate c sigma^(alpha + beta_err)
whatever r. Averaging the normal direction out (the WKB / adiabatic reduction behind Thm 5.2, error
O(w^2)), the angle follows dt = (-U'(t) + F) dt + sqrt(2) dW with U = -log m (m the angular
marginal of the gradient part) and F = c sigma^(alpha + beta_err); its stationary density is the
classical tilted-periodic formula (Risken, "The Fokker-Planck equation", sec. 11.2)

    p(t) proportional to exp(-U(t)) int_0^(2 pi) exp(U(t + u) - F u) du,

computed in Fourier space (:func:`tempered_stationary_law`, ``kind="rotational"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import i0e, logsumexp

from .._validation import (
    RNGLike,
    as_generator,
    as_points,
    check_in_range,
    check_int,
    check_positive,
)
from ._vmf import sphere_score

__all__ = [
    "TV_BINS",
    "StationaryLaw",
    "circle_log_p_sigma",
    "circle_score",
    "double_well",
    "double_well_grad",
    "tempered_stationary_law",
    "tv_to_uniform",
    "angle_tv",
    "normal_width_em",
]

TV_BINS = 720
KINDS = ("gradient", "rotational")
TWO_PI = 2.0 * np.pi
_IDENTITY_T = np.eye(2)  # F^T of the canonical circle


# ---------------------------------------------------------------------------------------------
# closed forms on the unit circle


def _mean_vector(kappa: float, mean: float) -> np.ndarray:
    return kappa * np.array([np.cos(mean), np.sin(mean)])


def circle_log_p_sigma(x, sigma: float, kappa: float = 4.0, mean: float = np.pi) -> np.ndarray:
    """log p_sigma(x) for the von Mises(kappa, mean) law on the unit circle in R^2.

    p_sigma = mu * N(0, sigma^2 I) with p_sigma(x) = exp(-(|x|^2 + 1)/(2 sigma^2)) I0(|v|) /
    (2 pi sigma^2 I0(kappa)), v = x / sigma^2 + kappa (cos mean, sin mean) (the density of mu
    w.r.t. arc length is exp(kappa cos(t - mean)) / (2 pi I0(kappa))), computed as
    -(r - 1)^2/(2 sigma^2) + delta + log i0e(|v|) - log(2 pi sigma^2) - log I0(kappa): exponentially
    scaled Bessel functions and no difference of large terms, so it stays exact at small sigma.

    Parameters
    ----------
    x : array, shape (m, 2)
    sigma : float > 0
    kappa : float >= 0
        Concentration (0: uniform).
    mean : float
        Mean angle (radians).

    Returns
    -------
    ndarray, shape (m,)
    """
    x = as_points(x, "x", d=2)
    sigma = check_positive(sigma, "sigma")
    kappa = check_positive(kappa, "kappa", allow_zero=True)
    return _log_p(x, sigma, kappa, float(mean))


def _log_p(x, sigma, kappa, mean):
    a = _mean_vector(kappa, mean)
    s2 = sigma * sigma
    r = np.sqrt(np.einsum("ij,ij->i", x, x))
    v = x / s2 + a
    z = np.sqrt(np.einsum("ij,ij->i", v, v))
    delta = (2.0 * (x @ a) / s2 + a @ a) / (z + r / s2)
    log_i0k = np.log(i0e(kappa)) + kappa
    return (
        -((r - 1.0) ** 2) / (2.0 * s2) + delta + np.log(i0e(z)) - np.log(2.0 * np.pi * s2) - log_i0k
    )


def circle_score(x, sigma: float, kappa: float = 4.0, mean: float = np.pi) -> np.ndarray:
    """Exact score s = grad log p_sigma for von Mises(kappa, mean) data on the unit circle.

    s(x) = -x / sigma^2 + (I1/I0)(|v|) v / (|v| sigma^2), v as in :func:`circle_log_p_sigma`,
    by the compiled kernel of :class:`ratesim.scores.OracleScore` (``ratesim.exact._vmf``).

    Parameters
    ----------
    x : array, shape (m, 2)
    sigma : float > 0
    kappa : float >= 0
    mean : float

    Returns
    -------
    ndarray, shape (m, 2)
    """
    x = as_points(x, "x", d=2)
    sigma = check_positive(sigma, "sigma")
    kappa = check_positive(kappa, "kappa", allow_zero=True)
    return _score(x, sigma, kappa, float(mean))


def _score(x, sigma, kappa, mean):
    return sphere_score(x, _IDENTITY_T, _mean_vector(kappa, mean), sigma)


def double_well(x) -> np.ndarray:
    """phi(x) = (|x_1| - 1)^2, the corruption potential of Li, Shen, Hsieh, He (2026), appendix D.

    On the unit circle its minima are the two points (+-1, 0) and phi ~ t^4 / 4 near them (t the
    angle from the minimum): quartic wells.

    Parameters
    ----------
    x : array, shape (m, d)
        x_1 is the first ambient coordinate.

    Returns
    -------
    ndarray, shape (m,)
    """
    x = np.asarray(x, dtype=np.float64)
    return (np.abs(x[:, 0]) - 1.0) ** 2


def double_well_grad(x) -> np.ndarray:
    """grad phi(x) = 2 (|x_1| - 1) sign(x_1) e_1 of :func:`double_well` (0 on the kink x_1 = 0).

    Parameters
    ----------
    x : array, shape (m, d)

    Returns
    -------
    ndarray, shape (m, d)
    """
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    g[:, 0] = 2.0 * (np.abs(x[:, 0]) - 1.0) * np.sign(x[:, 0])
    return g


# ---------------------------------------------------------------------------------------------
# TV conventions


def tv_to_uniform(probs) -> float:
    """TV between bin probabilities and the uniform law on the same bins.

    Parameters
    ----------
    probs : array, shape (bins,)
        Non-negative; normalized here.

    Returns
    -------
    float
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size < 2 or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(
            f"probs must be a finite non-negative 1-D array of size >= 2 (got shape {p.shape})"
        )
    p = p / p.sum()
    return float(0.5 * np.abs(p - 1.0 / p.size).sum())


def angle_tv(theta, probs=None, bins: int = TV_BINS) -> tuple[float, float]:
    """TV between the histogram of angles ``theta`` (``bins`` equal bins of [0, 2 pi)) and the
    bin probabilities ``probs`` (uniform when None), and its finite-sample floor.

    The floor is E TV(hat p, p) for n i.i.d. draws from p, 0.5 sum_j sqrt(2 p_j (1 - p_j) / (pi n))
    (normal approximation of the binomial counts). With 720 bins and n = 1e4 it is about 0.1, far
    above sigma^alpha: the binned TV of Monte-Carlo chains is dominated by its sampling floor (see
    docs/measurement.md), so chains are better compared with the quadrature through unbiased
    moments and a KS test.

    Parameters
    ----------
    theta : array, shape (n,)
        Angles (any real values; taken modulo 2 pi).
    probs : array, shape (bins,), optional
    bins : int >= 2

    Returns
    -------
    (tv, floor) : (float, float)
    """
    t = np.mod(np.asarray(theta, dtype=np.float64).ravel(), TWO_PI)
    bins = check_int(bins, "bins", low=2)
    n = t.size
    if n == 0:
        raise ValueError("theta must not be empty")
    h = np.bincount(np.minimum((t / TWO_PI * bins).astype(np.int64), bins - 1), minlength=bins)
    q = np.full(bins, 1.0 / bins) if probs is None else np.asarray(probs, dtype=np.float64)
    if q.shape != (bins,):
        raise ValueError(f"probs must have shape ({bins},) (got {q.shape})")
    q = q / q.sum()
    tv = 0.5 * float(np.abs(h / n - q).sum())
    floor = 0.5 * float(np.sum(np.sqrt(2.0 * q * (1.0 - q) / (np.pi * n))))
    return tv, floor


def normal_width_em(width: float, step: float) -> float:
    """Normal width of the Euler-Maruyama chain in hat form: width / sqrt(1 - h/2).

    The hat-form chain x <- x + h s_hat + sqrt(2 h sigma^(2 - alpha)) xi (h = ``step``, as in
    :func:`ratesim.samplers.tempered_langevin`) is, in the normal direction, an AR(1) recursion
    whose stationary variance exceeds the continuous one by 1 / (1 - h/2).

    Parameters
    ----------
    width : float
        Normal width of the continuous-time law.
    step : float in (0, 2)
        Dimensionless hat-form step h of the sampler.

    Returns
    -------
    float
        The normal width of the discretized chain's stationary law.
    """
    h = check_in_range(step, "step", low=0.0, high=2.0, low_open=True, high_open=True)
    return float(width / np.sqrt(1.0 - h / 2.0))


# ---------------------------------------------------------------------------------------------
# the stationary law


@dataclass(frozen=True)
class StationaryLaw:
    """Angular marginal and normal profile of a TS-Langevin stationary law on the unit circle.

    Attributes
    ----------
    theta : ndarray, shape (n,)
        Angle nodes (midpoints of ``sub`` equal cells in each of ``bins`` bins).
    density : ndarray, shape (n,)
        Angular density w.r.t. d theta (integrates to 1).
    log_density : ndarray, shape (n,)
        Its logarithm, computed in log-sum-exp form (finite where the density underflows).
    bin_probs : ndarray, shape (bins,)
        Probabilities of the equal angle bins of [0, 2 pi).
    tv : float
        TV of the angular marginal to the uniform law on the bins.
    width : float
        sqrt(E (|X| - 1)^2), the normal width (continuous-time law).
    m1, m2, s1 : float
        E cos(theta), E cos(2 theta), E sin(theta) (unbiased Monte-Carlo checks).
    params : dict
        The inputs.
    """

    theta: np.ndarray
    density: np.ndarray
    log_density: np.ndarray
    bin_probs: np.ndarray
    tv: float
    width: float
    m1: float
    m2: float
    s1: float
    params: dict

    def cdf(self, t) -> np.ndarray:
        """Angular CDF on [0, 2 pi) (piecewise linear through the cell boundaries).

        Parameters
        ----------
        t : array_like
            Angles (read mod 2 pi), any shape.

        Returns
        -------
        ndarray
            The CDF at ``t``, same shape, in [0, 1].
        """
        dt = TWO_PI / self.theta.size
        edges = np.concatenate(([0.0], np.cumsum(self.density) * dt))
        edges /= edges[-1]
        grid = np.linspace(0.0, TWO_PI, self.theta.size + 1)
        return np.interp(np.mod(np.asarray(t, dtype=np.float64), TWO_PI), grid, edges)

    def sample_angles(self, n: int, *, rng: RNGLike) -> np.ndarray:
        """n i.i.d. angles from the angular marginal (inverse CDF, linear within cells).

        Parameters
        ----------
        n : int >= 1
            Number of draws.
        rng : numpy Generator, SeedSequence or int seed
            Source of the draws (required).

        Returns
        -------
        (n,) array
            Angles in [0, 2 pi].
        """
        rng = as_generator(rng)
        dt = TWO_PI / self.theta.size
        edges = np.concatenate(([0.0], np.cumsum(self.density) * dt))
        edges /= edges[-1]
        grid = np.linspace(0.0, TWO_PI, self.theta.size + 1)
        return np.interp(rng.uniform(size=check_int(n, "n", low=1)), edges, grid)


def _log_q(x, sigma, kappa, mean, c_err, beta_err, phi=None):
    lq = _log_p(x, sigma, kappa, mean)
    if c_err != 0.0:
        lq = lq - c_err * sigma**beta_err * (double_well(x) if phi is None else phi(x))
    return lq


def tempered_stationary_law(
    sigma: float,
    alpha: float,
    *,
    kappa: float = 4.0,
    mean: float = np.pi,
    c_err: float = 0.0,
    beta_err: float = 0.0,
    kind: str = "gradient",
    bins: int = TV_BINS,
    sub: int = 16,
    n_r: int = 96,
    span: float = 12.0,
    phi=None,
) -> StationaryLaw:
    """Stationary law of TS Langevin with the exact or a corrupted score, by quadrature.

    Thm 5.1 of Li, Shen, Hsieh, He (2026): for the gradient score s - c sigma^beta_err grad phi
    the law is proportional to (p_sigma exp(-c sigma^beta_err phi))^(sigma^alpha); Thm 5.2
    (``kind="rotational"``): the error c sigma^beta_err J x, reduced to the angle (module
    docstring).

    Parameters
    ----------
    sigma : float > 0
    alpha : float in [0, 2)
        Tempering exponent (0: plain Langevin, stationary law p_sigma).
    kappa, mean : float
        von Mises data law on the unit circle.
    c_err, beta_err : float
        Amplitude and exponent of the error field (c_err = 0: exact score).
    kind : {"gradient", "rotational"}
    bins : int
        Equal angle bins for the TV.
    sub : int
        Midpoint nodes per bin.
    n_r : int
        Gauss-Legendre nodes in r.
    span : float
        Radial window in units of the normal width w = sigma^(1 - alpha/2) (the tempered Gaussian
        profile exp(-(r-1)^2 / (2 w^2)) is below exp(-span^2 / 2) outside).
    phi : callable, array (m, 2) -> (m,), optional
        Potential of the gradient error (default :func:`double_well`).

    Returns
    -------
    StationaryLaw
        ``bins * sub`` angle nodes.
    """
    sigma = check_positive(sigma, "sigma")
    alpha = check_in_range(alpha, "alpha", low=0.0, high=2.0, high_open=True)
    kappa = check_positive(kappa, "kappa", allow_zero=True)
    c_err = check_in_range(c_err, "c_err")
    beta_err = check_in_range(beta_err, "beta_err")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} (got {kind!r})")
    bins = check_int(bins, "bins", low=2)
    sub = check_int(sub, "sub", low=1)
    n_r = check_int(n_r, "n_r", low=8)
    span = check_positive(span, "span")
    mean = float(mean)
    n_t = bins * sub
    theta = (np.arange(n_t) + 0.5) * (TWO_PI / n_t)
    w = sigma ** (1.0 - alpha / 2.0)
    r_lo, r_hi = max(0.0, 1.0 - span * w), 1.0 + span * w
    g, gw = np.polynomial.legendre.leggauss(n_r)
    r = 0.5 * (r_hi - r_lo) * g + 0.5 * (r_hi + r_lo)
    rw = 0.5 * (r_hi - r_lo) * gw * r  # volume element r dr
    temp = sigma**alpha
    c_grad = c_err if kind == "gradient" else 0.0
    cos_t, sin_t = np.cos(theta), np.sin(theta)
    # log of the unnormalized law on the (r, theta) grid, in chunks of theta
    logf = np.empty((n_r, n_t))
    chunk = max(1, 400_000 // n_r)
    for j0 in range(0, n_t, chunk):
        j1 = min(n_t, j0 + chunk)
        x = np.stack(
            [(r[:, None] * cos_t[None, j0:j1]).ravel(), (r[:, None] * sin_t[None, j0:j1]).ravel()],
            axis=1,
        )
        logf[:, j0:j1] = temp * _log_q(x, sigma, kappa, mean, c_grad, beta_err, phi).reshape(
            n_r, j1 - j0
        )
    logf -= logf.max()
    # log of the angular marginal in log-sum-exp form (deep wells underflow exp otherwise)
    log_marg = logsumexp(logf + np.log(rw)[:, None], axis=0)
    f = np.exp(logf) * rw[:, None]
    marg = np.exp(log_marg - log_marg.max())
    radial = f.sum(axis=1)
    width = float(np.sqrt(np.sum(radial * (r - 1.0) ** 2) / radial.sum()))
    if kind == "rotational" and c_err != 0.0:
        marg = _tilted_periodic(marg, c_err * sigma ** (alpha + beta_err), theta)
    dens = marg / (marg.sum() * (TWO_PI / n_t))
    if kind == "rotational" and c_err != 0.0:
        log_dens = np.log(np.maximum(dens, np.finfo(float).tiny))
    else:
        log_dens = log_marg - log_marg.max() - np.log(marg.sum() * (TWO_PI / n_t))
    probs = dens.reshape(bins, sub).sum(axis=1)
    probs /= probs.sum()
    pw = dens / dens.sum()
    return StationaryLaw(
        theta=theta,
        density=dens,
        log_density=log_dens,
        bin_probs=probs,
        tv=tv_to_uniform(probs),
        width=width,
        m1=float(pw @ cos_t),
        m2=float(pw @ np.cos(2.0 * theta)),
        s1=float(pw @ sin_t),
        params=dict(
            sigma=sigma,
            alpha=alpha,
            kappa=kappa,
            mean=mean,
            c_err=c_err,
            beta_err=beta_err,
            kind=kind,
            bins=bins,
            sub=sub,
            n_r=n_r,
            span=span,
        ),
    )


def _tilted_periodic(marg: np.ndarray, F: float, theta: np.ndarray, n_modes: int = 512):
    """Stationary density of d t = (-U' + F) dt + sqrt(2) dW on the circle, U = -log marg.

    The Fokker-Planck equation with a constant (non-zero) probability flux, (U' - F) p + p' = J,
    is solved by a Fourier-Galerkin method: with p = sum_k p_k e^(ikt), p_0 = 1/(2 pi),
    U' = sum_k u_k e^(ikt), (ik - F) p_k + sum_(m != 0) u_(k-m) p_m = -u_k p_0 for 0 < |k| <= K
    (K <= n_modes, the smallest power of 2 >= 16 beyond which U has no Fourier mass, checked).
    Exact for any F (no resolution condition on 1/F) as long as U is smooth. It is the closed form
    exp(-V(t)) int_t^(t+2 pi) exp(V) with V = U - F t (Risken, sec. 11.2) in Fourier space.
    """
    n = marg.size
    U = -np.log(marg / marg.max())
    # Fourier coefficients of U by the midpoint rule (spectrally accurate), via the FFT: the nodes
    # are theta_j = theta_0 + j 2 pi / n. Modes: the smallest K in 16, 32, ... whose tail (modes
    # K < |k| <= 2K) is negligible.
    fU = np.fft.fft(U)
    K = 16
    while True:
        k_all = np.arange(-2 * K, 2 * K + 1)
        Uk = fU[k_all % n] * np.exp(-1j * k_all * theta[0]) / n
        tail = np.abs(Uk[np.abs(k_all) > K]).max()
        if tail <= 1e-12 * max(1.0, np.abs(Uk).max()):
            break
        if 2 * K > min(n_modes, n // 8):
            raise ValueError(
                f"the angular potential is not resolved by {K} Fourier modes (tail {tail:.2e}): "
                "the rotational reduction needs a smooth gradient part"
            )
        K *= 2
    uk = 1j * k_all * Uk  # coefficients of U'

    def u(j):
        return uk[j + 2 * K]

    ks = np.concatenate([np.arange(-K, 0), np.arange(1, K + 1)])
    A = np.diag(1j * ks - F).astype(complex)
    A += u(ks[:, None] - ks[None, :])
    p0 = 1.0 / TWO_PI
    pk = np.linalg.solve(A, -u(ks) * p0)
    dens = p0 + np.real(np.exp(1j * np.outer(theta, ks)) @ pk)
    return np.maximum(dens, 0.0)
