"""Mixing diagnostics for Langevin-type samplers (docs/measurement.md, trap 4).

- ``integrated_autocorr_time``: tau = 1 + 2 sum_k rho_k of a recorded statistic, with Sokal's
  automatic window (Sokal 1997, "Monte Carlo methods in statistical mechanics", sec. 3: the
  smallest window M with M >= c tau(M), c = 5), on the autocorrelation function of statsmodels
  (``statsmodels.tsa.stattools.acf``, FFT) averaged over chains as in emcee (Foreman-Mackey et al.).
- ``two_halves``: compares the statistic's mean over the first and second half of a run; a
  significant difference means the run has not reached stationarity.
- ``relaxation_steps`` / ``suggest_steps``: on a circle of radius R the first angular mode of
  dX = sigma^alpha s dt + sqrt(2) dW relaxes at rate 1/R^2 in time, i.e. in about
  R^2 / (h sigma^(2 - alpha)) steps of the hat-form scheme with step h (docs/science.md, P2
  mixing): 1e3 steps for alpha = 1, sigma = 0.01, h = 0.1, but 1e5 for alpha = 0.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr
from statsmodels.tsa.stattools import acf

from .._validation import check_in_range, check_positive


def _as_trace(trace, name="trace") -> np.ndarray:
    arr = np.asarray(trace, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None, None]
    elif arr.ndim == 2:
        arr = arr[:, :, None]
    elif arr.ndim != 3:
        raise ValueError(
            f"{name} must have shape (T,), (T, chains) or (T, chains, q) (got {arr.shape})"
        )
    if arr.shape[0] < 4:
        raise ValueError(f"{name} must have at least 4 time points (got {arr.shape[0]})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (got NaN or inf)")
    return arr


def _mean_acf(series: np.ndarray) -> np.ndarray:
    """Chain-averaged autocorrelation function of a (T, chains) array (statsmodels' acf)."""
    T, m = series.shape
    out = np.zeros(T)
    for j in range(m):
        x = series[:, j]
        if np.ptp(x) == 0.0:
            raise ValueError(
                f"trace is constant along chain {j}: its autocorrelation is undefined "
                "(a stuck chain or a statistic that does not move)"
            )
        out += acf(x, nlags=T - 1, fft=True, adjusted=False)
    return out / m


def _sokal(rho: np.ndarray, c: float) -> tuple[float, bool]:
    taus = 2.0 * np.cumsum(rho) - 1.0  # tau(M) = 1 + 2 sum_{k=1}^M rho_k, rho_0 = 1
    ok = np.arange(len(taus)) >= c * taus
    if np.any(ok):
        return float(taus[int(np.argmax(ok))]), True
    return float(taus[-1]), False


def integrated_autocorr_time(trace, c: float = 5.0, tol: float = 20.0):
    """Integrated autocorrelation time of a recorded statistic, in recorded steps.

    tau = 1 + 2 sum_(k>=1) rho_k, truncated at Sokal's automatic window (the smallest M with
    M >= c tau(M)); rho is statsmodels' FFT autocorrelation averaged over chains. The effective
    sample size of a chain of length T is T / tau. A ``RuntimeWarning`` says when the estimate is
    unreliable: no window satisfies Sokal's condition, or the run is shorter than ``tol`` tau
    (emcee uses 50 for a single chain; averaging the acf over many chains allows less).

    Parameters
    ----------
    trace : array (T,), (T, chains) or (T, chains, q)
        E.g. ``SamplerResult.trace`` (time first), burn-in removed.
    c : float > 0
        Sokal's window constant (5 for roughly exponential autocorrelations).
    tol : float > 0
        Warn when T < tol tau.

    Returns
    -------
    float, or ndarray (q,) for a (T, chains, q) trace.
    """
    ndim = np.ndim(trace)
    arr = _as_trace(trace)
    c = check_positive(c, "c")
    tol = check_positive(tol, "tol")
    T = arr.shape[0]
    taus = []
    for k in range(arr.shape[2]):
        tau, ok = _sokal(_mean_acf(arr[:, :, k]), c)
        if not ok or T < tol * tau:
            warnings.warn(
                f"integrated_autocorr_time: trace of length {T} is shorter than "
                f"{tol:g} tau (tau ~ {tau:.3g}{'' if ok else ', no Sokal window found'}); the "
                "estimate is unreliable: run longer (see suggest_steps)",
                RuntimeWarning,
                stacklevel=2,
            )
        taus.append(tau)
    return np.asarray(taus) if ndim == 3 else taus[0]


@dataclass(frozen=True)
class TwoHalves:
    """Means of a statistic over the first and second half of a run and their comparison.

    ``z = diff / se``; ``p_value`` is two-sided (normal). ``se`` comes from the spread of the
    per-chain differences when there are several chains (independent chains), and from the
    integrated autocorrelation time for a single chain.

    Attributes
    ----------
    mean_first, mean_second : float or (q,) array
        Mean of the statistic over the first and the second half (all chains).
    diff : float or (q,) array
        mean_second - mean_first.
    se : float or (q,) array
        Standard error of ``diff``.
    z : float or (q,) array
        diff / se.
    p_value : float or (q,) array
        Two-sided normal p-value of ``z``.
    """

    mean_first: np.ndarray
    mean_second: np.ndarray
    diff: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p_value: np.ndarray

    def summary(self) -> str:
        """One line per component of the statistic.

        Returns
        -------
        str
            ``q=k: first=... second=... diff=... se=... z=... p=...`` lines.
        """
        rows = [
            f"q={k}: first={a:.5g} second={b:.5g} diff={d:.3g} se={s:.3g} z={z:.2f} p={p:.3g}"
            for k, (a, b, d, s, z, p) in enumerate(
                zip(
                    np.atleast_1d(self.mean_first),
                    np.atleast_1d(self.mean_second),
                    np.atleast_1d(self.diff),
                    np.atleast_1d(self.se),
                    np.atleast_1d(self.z),
                    np.atleast_1d(self.p_value),
                    strict=True,
                )
            )
        ]
        return "\n".join(rows)


def two_halves(trace, c: float = 5.0) -> TwoHalves:
    """Compare the mean of a statistic over the two halves of a run (stationarity check).

    Parameters
    ----------
    trace : array (T,), (T, chains) or (T, chains, q)
        Time first, burn-in already removed (``SamplerResult.two_halves`` drops it).
    c : float
        Sokal window constant, used only for a single chain (the standard error then comes from
        the autocorrelation time and variance of the second half, Geweke-style).

    Returns
    -------
    TwoHalves
        Scalars for a 1-D or 2-D trace, arrays (q,) for a 3-D one.
    """
    ndim = np.ndim(trace)
    arr = _as_trace(trace)
    T, m, _ = arr.shape
    half = T // 2
    first = arr[:half].mean(axis=0)  # (chains, q)
    second = arr[T - half :].mean(axis=0)
    dj = second - first
    diff = dj.mean(axis=0)
    if m >= 2:
        se = dj.std(axis=0, ddof=1) / math.sqrt(m)
    else:
        # one chain: var(half mean) = tau var / half for each half under stationarity; tau and
        # var are estimated on the second half only, because a transient in the first half
        # (what the test looks for) inflates both and would hide itself.
        part = arr[T - half :]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            tau = np.atleast_1d(integrated_autocorr_time(part, c=c))
        se = np.sqrt(2.0 * tau * part[:, 0, :].var(axis=0, ddof=1) / half)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf))
    p = 2.0 * ndtr(-np.abs(z))
    vals = (first.mean(axis=0), second.mean(axis=0), diff, se, z, p)
    if ndim < 3:
        vals = tuple(float(v[0]) for v in vals)
    return TwoHalves(*vals)


def relaxation_steps(sigma: float, alpha: float, step: float, radius: float = 1.0) -> float:
    """Steps for the first angular mode on a circle of radius R to relax by a factor e.

    R^2 / (h sigma^(2 - alpha)): the angular diffusion at unit speed in time dt = h sigma^(2-alpha)
    per step relaxes the first Fourier mode at rate 1/R^2 (docs/science.md, P2 mixing).

    Parameters
    ----------
    sigma : float > 0
        Fixed noise level.
    alpha : float in [0, 2)
        Tempering exponent.
    step : float > 0
        Dimensionless step h of the sampler, dt = h sigma^(2 - alpha).
    radius : float > 0
        Radius R of the circle.

    Returns
    -------
    float
        The relaxation time in steps.
    """
    sigma = check_positive(sigma, "sigma")
    alpha = check_in_range(alpha, "alpha", low=0.0, high=2.0, high_open=True)
    h = check_positive(step, "step")
    radius = check_positive(radius, "radius")
    return radius**2 / (h * sigma ** (2.0 - alpha))


def suggest_steps(
    sigma: float, alpha: float, step: float, radius: float = 1.0, n_relax: float = 10.0
) -> int:
    """Step count for a fixed-sigma Langevin run: ``n_relax`` relaxation times (rounded up).

    With n_relax = 10: about 5 relaxation times of burn-in (initial bias e^-5 ~ 0.7 %) and 5 more
    to average over. For alpha = 1, sigma = 0.01, step = 0.1 this gives 1e4 steps.

    Parameters
    ----------
    sigma, alpha, step, radius
        As in ``relaxation_steps``.
    n_relax : float > 0
        Number of relaxation times.

    Returns
    -------
    int
        ceil(n_relax * relaxation_steps(sigma, alpha, step, radius)).
    """
    n_relax = check_positive(n_relax, "n_relax")
    return int(math.ceil(n_relax * relaxation_steps(sigma, alpha, step, radius)))
