"""Circular Cramer-von Mises / H^-1 distance between laws on the circle, in closed form.

For laws nu, nu' of an angle theta on the circle with Fourier coefficients c_j = E exp(i j theta),

    D^2(nu, nu') = sum_{j >= 1} |c_j(nu) - c_j(nu')|^2 / j^2
                 = pi * int_0^{2 pi} (G(theta) - mean G)^2 d theta,   G = F_nu - F_nu',

the squared L2 distance of the centred CDF difference (a circular Cramer-von Mises or H^-1
distance; Watson's U^2 is its empirical version). With the Fourier series of the Bernoulli
polynomial

    B(x) = sum_{j >= 1} cos(j x) / j^2 = pi^2/6 - pi |x| / 2 + x^2 / 4,   |x| <= 2 pi

(:func:`fourier_kernel`), every sum over j closes exactly: no truncation at a J. All estimators
below are exactly unbiased U-statistics computed in O(m log m) by sorting
(:func:`cross_kernel_sum`):

- :func:`d2_uniform`: D^2(nu, Unif) from i.i.d. angles (c_j(Unif) = 0),
  1 / (m (m - 1)) sum_{a != b} B(theta_a - theta_b); with c_hat_j = mean_a exp(i j theta_a),
  E |c_hat_j|^2 = |c_j|^2 + (1 - |c_j|^2) / m, so this equals
  sum_j (m |c_hat_j|^2 - 1) / ((m - 1) j^2). Null standard deviation sqrt(pi^4 / 90 / (m (m - 1)))
  ~ 1.04 / m (:func:`d2_uniform_null_sd`): the floor is ~ 1/m in D^2, not 1/sqrt(m) as for W1.
- :func:`d2_coupled`: D^2(nu, nu') from i.i.d. *pairs* (theta_a ~ nu, phi_a ~ nu'), e.g. two
  samplers fed the same random numbers. With Z_aj = exp(i j theta_a) - exp(i j phi_a),
  E Z_aj = c_j(nu) - c_j(nu'), and

      D2_hat = 1 / (m (m - 1)) sum_{a != b} K(a, b),
      K(a, b) = B(theta_a - theta_b) + B(phi_a - phi_b) - B(theta_a - phi_b) - B(phi_a - theta_b)
              = Re sum_j Z_aj conj(Z_bj) / j^2,

  is unbiased whatever the dependence inside a pair (the coupling enters only the variance). Where
  paired draws end close, K is small, and the null standard deviation sqrt(2 E K^2 / (m (m - 1)))
  (:func:`d2_coupled_null_sd`) falls far below the uncoupled one.
- :func:`d2_two_sample`: D^2(nu, nu') from independent samples.

D is a *parametric* (smooth) metric: its two-sample estimates converge like m^-1/2 (in D) whatever
the dimension, so it cannot resolve N^-1/k rates (docs/measurement.md); it suits laws of an angle
and near-parametric claims. :func:`vonmises_gap2` is the closed form of D^2(Unif, von Mises).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from .._validation import as_generator, check_int, check_positive

__all__ = [
    "circle_angles",
    "cross_kernel_sum",
    "d2_coupled",
    "d2_coupled_null_sd",
    "d2_two_sample",
    "d2_uniform",
    "d2_uniform_null_sd",
    "fourier_kernel",
    "vonmises_gap2",
]

TWO_PI = 2.0 * math.pi
PI2_6 = math.pi**2 / 6.0


def fourier_kernel(x: ArrayLike) -> np.ndarray:
    """The kernel B(x) = sum_{j >= 1} cos(j x) / j^2 of the circular D^2, in closed form.

    B(x) = pi^2/6 - pi y / 2 + y^2 / 4 with y = x mod 2 pi: the Fourier series of the Bernoulli
    polynomial (Abramowitz and Stegun 23.1.18 with B_2), valid for y in [0, 2 pi]. B is even and
    2 pi periodic, B(0) = pi^2 / 6 and int_0^{2 pi} B = 0.

    Parameters
    ----------
    x : array_like, any shape
        Angle differences (radians, any real values).

    Returns
    -------
    ndarray, same shape as ``x``
    """
    y = np.mod(np.asarray(x, dtype=np.float64), TWO_PI)
    return PI2_6 - 0.5 * math.pi * y + 0.25 * y * y


def _angles(theta, name="theta") -> np.ndarray:
    t = np.asarray(theta, dtype=np.float64).ravel()
    if t.size < 2 or not np.all(np.isfinite(t)):
        raise ValueError(f"{name} must hold at least 2 finite angles (got {t.size})")
    return np.mod(t, TWO_PI)


def circle_angles(Y: ArrayLike) -> np.ndarray:
    """Polar angles in [0, 2 pi) of points of the plane (the unit circle's chart x / |x|).

    Parameters
    ----------
    Y : array_like, shape (m, 2)

    Returns
    -------
    ndarray, shape (m,)
    """
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 2 or Y.shape[1] != 2:
        raise ValueError(f"points must be (m, 2) (got shape {Y.shape})")
    return np.mod(np.arctan2(Y[:, 1], Y[:, 0]), TWO_PI)


def cross_kernel_sum(a: ArrayLike, b: ArrayLike) -> float:
    """sum_{i, j} B(a_i - b_j) over all pairs (:func:`fourier_kernel`), exactly, in
    O((n + m) log m).

    For a, b in [0, 2 pi), a_i - b_j lies in (-2 pi, 2 pi), where B(x) = pi^2/6 - pi |x| / 2 +
    x^2 / 4 (B even). The |x| sum uses the sorted b and prefix sums; the x^2 sum is
    m sum a^2 + n sum b^2 - 2 (sum a)(sum b). Angles are centred at pi first (cancellation).

    Parameters
    ----------
    a : array_like, shape (n,)
        Angles (radians; reduced mod 2 pi), n >= 2.
    b : array_like, shape (m,)
        Angles (radians; reduced mod 2 pi), m >= 2.

    Returns
    -------
    float
    """
    a = _angles(a, "a") - math.pi
    b = np.sort(_angles(b, "b") - math.pi)
    n, m = a.size, b.size
    cb = np.concatenate(([0.0], np.cumsum(b)))
    k = np.searchsorted(b, a)
    s_abs = np.sum(a * k - cb[k]) + np.sum((cb[-1] - cb[k]) - a * (m - k))
    s_sq = m * np.dot(a, a) + n * np.dot(b, b) - 2.0 * a.sum() * b.sum()
    return float(n * m * PI2_6 - 0.5 * math.pi * s_abs + 0.25 * s_sq)


def d2_uniform(theta: ArrayLike) -> float:
    """Unbiased estimate of D^2(nu, Unif) = sum_j |c_j(nu)|^2 / j^2 from i.i.d. angles.

    The U-statistic 1 / (m (m - 1)) sum_{a != b} B(theta_a - theta_b) (module docstring); it
    equals sum_j (m |c_hat_j|^2 - 1) / ((m - 1) j^2), exactly unbiased, and can be negative when
    nu is (close to) uniform.

    Parameters
    ----------
    theta : array_like, shape (m,)
        i.i.d. draws of nu (radians), m >= 2.

    Returns
    -------
    float
    """
    t = _angles(theta)
    m = t.size
    return (cross_kernel_sum(t, t) - m * PI2_6) / (m * (m - 1.0))


def d2_uniform_null_sd(m: int) -> float:
    """Standard deviation of :func:`d2_uniform` when nu is uniform: sqrt(pi^4/90 / (m (m-1))).

    Degenerate U-statistic: Var = 2 E B(X)^2 / (m (m - 1)) with E B^2 = sum_j 1/(2 j^4) = pi^4/180
    for X uniform (Parseval).

    Parameters
    ----------
    m : int >= 2
        Sample size.

    Returns
    -------
    float
    """
    m = check_int(m, "m", low=2)
    return math.sqrt(math.pi**4 / 90.0 / (m * (m - 1.0)))


def d2_coupled(theta: ArrayLike, phi: ArrayLike) -> float:
    """Unbiased estimate of D^2(nu, nu') from i.i.d. pairs (theta_a ~ nu, phi_a ~ nu').

    1 / (m (m - 1)) sum_{a != b} K(a, b), K(a, b) = B(theta_a - theta_b) + B(phi_a - phi_b)
    - B(theta_a - phi_b) - B(phi_a - theta_b) (module docstring). Unbiased whatever the
    dependence inside a pair; a synchronous coupling makes it far less variable. It is exactly 0
    when theta = phi.

    Parameters
    ----------
    theta : array_like, shape (m,)
        First members of the pairs (radians), m >= 2.
    phi : array_like, shape (m,)
        Second members, in the same order.

    Returns
    -------
    float
    """
    t, p = _angles(theta), _angles(phi, "phi")
    if t.size != p.size:
        raise ValueError(f"theta and phi must pair up (got {t.size} and {p.size} angles)")
    m = t.size
    full = cross_kernel_sum(t, t) + cross_kernel_sum(p, p) - 2.0 * cross_kernel_sum(t, p)
    diag = 2.0 * m * PI2_6 - 2.0 * float(np.sum(fourier_kernel(t - p)))
    return (full - diag) / (m * (m - 1.0))


def d2_coupled_null_sd(theta: ArrayLike, phi: ArrayLike, *, n_pairs: int = 200_000, rng) -> float:
    """Floor of :func:`d2_coupled`: sqrt(2 E K^2 / (m (m - 1))), E K^2 from random pairs a != b.

    The degenerate (null) part of the U-statistic's variance, i.e. its standard deviation if
    nu = nu' with the same pair structure; above it the estimate resolves D^2.

    Parameters
    ----------
    theta, phi : array_like, shape (m,)
        The pairs, as in :func:`d2_coupled`.
    n_pairs : int >= 10
        Random pairs (a, b), a != b, drawn with replacement to estimate E K^2.
    rng : Generator, SeedSequence or int

    Returns
    -------
    float
    """
    t, p = _angles(theta), _angles(phi, "phi")
    m = t.size
    rng = as_generator(rng)
    n_pairs = check_int(n_pairs, "n_pairs", low=10)
    a = rng.integers(m, size=n_pairs)
    b = (a + rng.integers(1, m, size=n_pairs)) % m  # b != a
    K = (
        fourier_kernel(t[a] - t[b])
        + fourier_kernel(p[a] - p[b])
        - fourier_kernel(t[a] - p[b])
        - fourier_kernel(p[a] - t[b])
    )
    return math.sqrt(2.0 * float(np.mean(K * K)) / (m * (m - 1.0)))


def d2_two_sample(theta: ArrayLike, phi: ArrayLike) -> float:
    """Unbiased estimate of D^2(nu, nu') from independent samples theta ~ nu and phi ~ nu'.

    U_m(theta) + U_n(phi) - 2 V_{m,n}: the two within-sample U-statistics of :func:`d2_uniform`
    (each unbiased for sum_j |c_j|^2 / j^2) minus twice the cross mean of B (unbiased for
    sum_j Re(c_j conj c'_j) / j^2). Null standard deviation about sqrt(pi^4/90) (1/m + 1/n)
    (degenerate two-sample U-statistic).

    Parameters
    ----------
    theta : array_like, shape (m,)
        Draws of nu (radians), m >= 2.
    phi : array_like, shape (n,)
        Draws of nu', n >= 2, independent of ``theta``.

    Returns
    -------
    float
    """
    t, p = _angles(theta), _angles(phi, "phi")
    return d2_uniform(t) + d2_uniform(p) - 2.0 * cross_kernel_sum(t, p) / (t.size * p.size)


def vonmises_gap2(kappa: float, jmax: int = 200) -> float:
    """D^2(Unif, von Mises(kappa, mu)) = sum_j (I_j(kappa) / I_0(kappa))^2 / j^2 (any mean mu).

    c_j of von Mises(kappa, mu) is exp(i j mu) I_j(kappa) / I_0(kappa) (Mardia and Jupp 2000,
    eq. 3.5.30); I_j(kappa) <= (kappa/2)^j / j! makes the tail beyond j ~ 2 kappa + 30 negligible
    (``jmax`` = 200 is exact to double precision for kappa <= 50). Scaled Bessel functions.

    Parameters
    ----------
    kappa : float >= 0
        Concentration (w.r.t. arc length); 0 gives the uniform law and D^2 = 0.
    jmax : int >= 1
        Last Fourier mode summed.

    Returns
    -------
    float
    """
    kappa = check_positive(kappa, "kappa", allow_zero=True)
    jmax = check_int(jmax, "jmax", low=1)
    j = np.arange(1, jmax + 1)
    r = special.ive(j, kappa) / special.ive(0, kappa)
    return float(np.sum(r * r / (j * j)))
