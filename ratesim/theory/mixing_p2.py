"""Mixing of plain and tempered Langevin on the double-well-corrupted circle (P2, appendix D).

Li, Shen, Hsieh, He (2026), appendix D: with the corrupted score s - sigma^beta_err grad phi,
phi(x) = (|x_1| - 1)^2, plain Langevin (alpha = 0) targets p_sigma exp(-sigma^beta_err phi), whose
angular potential has barriers of height ~ sigma^beta_err between the minima of phi at t = 0, pi:
its Poincare constant behaves like exp(-c sigma^beta_err), exponentially slow as sigma -> 0. TS
Langevin dX = sigma^alpha s dt + sqrt(2) dW sees the tempered potential sigma^alpha (-log p_sigma)
+ sigma^(alpha + beta_err) phi: for alpha >= -beta_err its barriers stay bounded and so does its
relaxation time (in the time of its SDE). More generally the barrier is ~ sigma^(alpha + beta_err),
so log t_relax ~ sigma^(alpha + beta_err) when alpha + beta_err < 0.

The relaxation time is computed exactly for the angle reduced to M (the normal direction relaxes
in O(sigma^(2 - alpha)) time, the adiabatic reduction of Thm 5.2's proof): the angle follows
d t = -V'(t) dt + sqrt(2) dW with V = -log m, m the exact angular marginal of the stationary law
(:func:`ratesim.theory.stationary.tempered_stationary_law`). Its spectral gap lambda_1 (t_relax =
1 / lambda_1) is the second eigenvalue of the detailed-balance (Scharfetter-Gummel) discretization
of the generator f'' - V' f' on the periodic grid, symmetrized: off-diagonal 1/dt^2, diagonal
-(e^(-(V_(i+1) - V_i)/2) + e^(-(V_(i-1) - V_i)/2)) / dt^2 (second-order accurate). When the gap
is below what double precision resolves (deep barriers), the two-state (Kramers) limit is used
with the exact one-dimensional mean first-passage times between the wells (Gardiner, "Handbook of
stochastic methods", sec. 5.2.7; reflecting at the start well by the t -> -t symmetry of phi and of
the von Mises tilt): T(0 -> pi) = int_0^pi e^(V(y)) int_0^y e^(-V(z)) dz dy, and
lambda_1 ~ 1/T(0 -> pi) + 1/T(pi -> 0), in log-sum-exp form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh
from scipy.special import logsumexp

from .._validation import check_in_range, check_positive
from .stationary import TWO_PI, tempered_stationary_law

__all__ = ["Relaxation", "spectral_gap", "two_state_log_time", "relaxation_time"]


@dataclass(frozen=True)
class Relaxation:
    """Relaxation of the reduced angle: ``log_t`` = log(1 / lambda_1) in SDE time, its method
    (``"gap"`` or ``"two_state"``), ``t_steps`` = t / (h sigma^(2 - alpha)) hat-form steps,
    ``barrier`` = the potential difference max V - max(V(0), V(pi)) (the lower escape barrier)."""

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


def _register_tasks():
    from ..study.tasks import task

    @task(
        "ts_mixing",
        metrics=("t_relax", "log_t_relax", "log_t_two_state", "log10_steps", "barrier", "gap"),
        choices={"manifold": ("circle",), "density": ("von_mises",)},
    )
    def ts_mixing(params, rng):
        """Relaxation time of plain / TS Langevin on the double-well-corrupted circle (exact)."""
        r = relaxation_time(
            float(params["sigma"]),
            float(params["alpha"]),
            h=float(params.get("h", 0.1)),
            kappa=float(params.get("density__kappa", 4.0)),
            c_err=float(params.get("c_err", 1.0)),
            beta_err=float(params.get("beta_err", -1.0)),
        )
        return {
            "t_relax": float(np.exp(min(r.log_t, 700.0))),
            "log_t_relax": r.log_t,
            "log_t_two_state": r.log_t_two_state,
            "log10_steps": r.log_steps / np.log(10.0),
            "barrier": r.barrier,
            "gap": 1.0 if r.method == "gap" else 0.0,
        }


_register_tasks()
