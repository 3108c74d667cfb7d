"""Plain NumPy / scipy twins of the compiled von Mises-Fisher closed forms (ratesim/exact/_vmf.py)
and an mpmath reference: obviously right, slow.

The score and log-density twins are the formulas :class:`ratesim.scores.OracleScore` evaluated
before the compiled kernels (scaled Bessel functions ``scipy.special.ive``, a series below
z = 1e-4, the Hankel series above max(1e4, 40 nu^2)), kept verbatim so that the kernels can be
compared with the previous implementation.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, ive

SMALL_Z = 1e-4


def bessel_ratio(nu: float, z: np.ndarray) -> np.ndarray:
    """I_(nu+1)(z) / I_nu(z) by scipy's exponentially scaled ``ive`` (accurate below z ~ 1e7)."""
    z = np.asarray(z, dtype=float)
    return ive(nu + 1.0, z) / ive(nu, z)


def log_ive(nu: float, z: np.ndarray) -> np.ndarray:
    """log(ive(nu, z)) by scipy."""
    return np.log(ive(nu, np.asarray(z, dtype=float)))


def mp_bessel(nu: float, z: float, dps: int = 40) -> tuple[float, float, float]:
    """(A_nu(z), A_nu(z) / z, log(I_nu(z) e^(-z))) by mpmath at ``dps`` digits, for the exact
    binary values of nu and z (z > 0)."""
    import mpmath as mp

    with mp.workdps(dps):
        n, x = mp.mpf(nu), mp.mpf(z)
        i0, i1 = mp.besseli(n, x), mp.besseli(n + 1, x)
        a = i1 / i0
        return float(a), float(a / x), float(mp.log(i0) - x)


def _asym_series(nu, z, n_terms=14):
    mu = 4.0 * nu * nu
    term = np.ones_like(z)
    out = np.ones_like(z)
    for k in range(1, n_terms + 1):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * z)
        out = out + term
    return out


def _asym_threshold(nu):
    return max(1e4, 10.0 * 4.0 * nu * nu)


def _log_ive_previous(nu, z):
    out = np.empty_like(z)
    big = z >= _asym_threshold(nu)
    out[~big] = np.log(ive(nu, z[~big]))
    zb = z[big]
    out[big] = np.log(_asym_series(nu, zb)) - 0.5 * np.log(2 * np.pi * zb)
    return out


def log_sphere_mgf(m: int, z: np.ndarray) -> np.ndarray:
    """log int_(S^(m-1)) exp(<v, u>) du for |v| = z (the previous implementation)."""
    nu = 0.5 * m - 1.0
    out = np.empty_like(z)
    small = z < SMALL_Z
    zs = z[~small]
    out[~small] = 0.5 * m * np.log(2 * np.pi) + _log_ive_previous(nu, zs) + zs - nu * np.log(zs)
    z2 = z[small] ** 2
    out[small] = (
        0.5 * m * np.log(2 * np.pi)
        - nu * np.log(2.0)
        - gammaln(nu + 1.0)
        + np.log1p(z2 / (4 * (nu + 1)) + z2**2 / (32 * (nu + 1) * (nu + 2)))
    )
    return out


def bessel_ratio_over_z(m: int, z: np.ndarray) -> np.ndarray:
    """(I_(m/2) / I_(m/2-1))(z) / z (the previous implementation)."""
    nu = 0.5 * m - 1.0
    out = np.empty_like(z)
    small = z < SMALL_Z
    big = z >= _asym_threshold(nu + 1.0)
    mid = ~small & ~big
    zs = z[mid]
    out[mid] = ive(nu + 1.0, zs) / ive(nu, zs) / zs
    zb = z[big]
    out[big] = _asym_series(nu + 1.0, zb) / _asym_series(nu, zb) / zb
    out[small] = (1.0 - z[small] ** 2 / (m * (m + 2))) / m
    return out


def vmf_score(x, sigma, a, frame):
    """grad log p_sigma for vMF(a) * N(0, sigma^2 I) on the sphere embedded by ``frame`` (d, m)
    (OracleScore's previous closed form)."""
    m = frame.shape[1]
    y = x @ frame
    resid = x - y @ frame.T
    s2 = sigma**2
    v = y / s2 + a
    z = np.linalg.norm(v, axis=1)
    r = bessel_ratio_over_z(m, z)
    s_native = (-y + r[:, None] * v) / s2
    return s_native @ frame.T - resid / s2


def vmf_log_density(x, sigma, a, log_c0, frame):
    """log p_sigma for vMF(a) * N(0, sigma^2 I) (OracleScore's previous closed form)."""
    d, m = frame.shape
    y = x @ frame
    resid = x - y @ frame.T
    s2 = sigma**2
    v = y / s2 + a
    z = np.linalg.norm(v, axis=1)
    ny = np.linalg.norm(y, axis=1)
    delta = (2.0 * (y @ a) / s2 + a @ a) / (z + ny / s2)
    lmgf = log_sphere_mgf(m, z) - z
    return (
        -0.5 * d * np.log(2 * np.pi * s2)
        - (ny - 1.0) ** 2 / (2 * s2)
        + delta
        + log_c0
        + lmgf
        - np.sum(resid**2, axis=1) / (2 * s2)
    )
