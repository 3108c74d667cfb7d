"""Shared pieces of the samplers: the result object, schedules, score calls, recording."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validation import as_generator, as_points, check_int, check_positive

ScoreLike = Any
"""A fitted estimator with ``.score(x, sigma)`` (and ``.denoise``) or a callable (x, sigma)."""
ArrayLike = npt.ArrayLike
TraceFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class SamplerResult:
    """What a sampler returns: final samples plus, on request, snapshots and a statistic's trace.

    The object behaves as the (n, d) array of samples under ``np.asarray`` (so it can be passed to
    any function expecting points), and carries the run's explicit time horizon.

    Attributes
    ----------
    samples : ndarray (n, d)
        Final states (after the optional Tweedie step for the diffusion samplers).
    method : str
        Sampler name and integrator, e.g. ``"reverse_sde/euler"``.
    steps : int
        Number of integrator steps taken (score evaluations are counted in ``n_score_evals``).
    sigmas : ndarray (steps + 1,)
        Noise level at step index 0..steps (constant for fixed-sigma Langevin samplers).
    time_horizon : float
        Total time integrated. Langevin samplers: ``steps * dt`` in the time of their SDE
        (dt = h sigma^(2 - alpha), h the ``step``). Diffusion samplers: the variance-clock length
        ``sigma_max^2 - sigma_min^2`` of the VE process (forward time t = sigma^2).
    n_score_evals : int
        Score evaluations per chain (the final Tweedie step included).
    snapshots : ndarray (n_snap, n, d) or None
        States at ``snapshot_steps`` (step index 0 is the start point).
    snapshot_steps : ndarray of int
    trace : ndarray (n_rec, n) or (n_rec, n, q), or None
        The user statistic evaluated at ``trace_steps``.
    trace_steps : ndarray of int
    params : dict
        The sampler's parameters, for provenance.
    """

    samples: np.ndarray
    method: str
    steps: int
    sigmas: np.ndarray
    time_horizon: float
    n_score_evals: int
    snapshots: np.ndarray | None = None
    snapshot_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    trace: np.ndarray | None = None
    trace_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    params: dict = field(default_factory=dict)

    def __array__(self, dtype=None, copy=None):
        if dtype is None:
            return self.samples
        return self.samples.astype(dtype)

    def __len__(self) -> int:
        return self.samples.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """(n, d), the shape of ``samples``."""
        return self.samples.shape

    @property
    def snapshot_sigmas(self) -> np.ndarray:
        """Noise level of each snapshot."""
        return self.sigmas[self.snapshot_steps]

    def autocorr_time(self, burn_in: float = 0.5, c: float = 5.0):
        """Integrated autocorrelation time of the recorded trace (see ``integrated_autocorr_time``).

        Parameters
        ----------
        burn_in : float in [0, 1)
            Fraction of the recorded trace dropped first.
        c : float > 0
            Sokal's window constant.

        Returns
        -------
        float, or (q,) array for a statistic with q components
            The time in sampler steps (recorded points times the recording stride).

        Raises
        ------
        ValueError
            If the run recorded no trace.
        """
        from ._mixing import integrated_autocorr_time

        tr = self._trace_after(burn_in)
        every = int(self.trace_steps[1] - self.trace_steps[0]) if len(self.trace_steps) > 1 else 1
        return integrated_autocorr_time(tr, c=c) * every

    def two_halves(self, burn_in: float = 0.5):
        """Two-halves comparison of the recorded trace (see ``two_halves``).

        Parameters
        ----------
        burn_in : float in [0, 1)
            Fraction of the recorded trace dropped first.

        Returns
        -------
        TwoHalves

        Raises
        ------
        ValueError
            If the run recorded no trace.
        """
        from ._mixing import two_halves

        return two_halves(self._trace_after(burn_in))

    def _trace_after(self, burn_in):
        if self.trace is None:
            raise ValueError("this run recorded no trace: pass trace=callable to the sampler")
        b = float(burn_in)
        if not 0.0 <= b < 1.0:
            raise ValueError(f"burn_in must be in [0, 1) (got {burn_in!r})")
        start = int(np.floor(b * self.trace.shape[0]))
        return self.trace[start:]

    def __repr__(self) -> str:
        n, d = self.samples.shape
        return (
            f"SamplerResult(method={self.method!r}, n={n}, d={d}, steps={self.steps}, "
            f"time_horizon={self.time_horizon:.4g}, n_score_evals={self.n_score_evals})"
        )


def geometric_sigmas(sigma_max: float, sigma_min: float, steps: int) -> np.ndarray:
    """Geometric noise schedule sigma_0 = sigma_max > ... > sigma_steps = sigma_min.

    Equal steps in log sigma (Song & Ermon 2019; Song et al. 2021), the schedule of every
    diffusion sampler here.

    Parameters
    ----------
    sigma_max, sigma_min : float
        First and last noise level, 0 < sigma_min < sigma_max.
    steps : int >= 1
        Number of steps.

    Returns
    -------
    (steps + 1,) array
        Decreasing levels, with the end points exactly sigma_max and sigma_min.
    """
    sigma_max = check_positive(sigma_max, "sigma_max")
    sigma_min = check_positive(sigma_min, "sigma_min")
    if not sigma_min < sigma_max:
        raise ValueError(
            f"sigma_min must be < sigma_max (got sigma_min={sigma_min!r}, sigma_max={sigma_max!r}):"
            " the reverse process runs from high to low noise"
        )
    steps = check_int(steps, "steps", low=1)
    out = np.exp(np.linspace(np.log(sigma_max), np.log(sigma_min), steps + 1))
    out[0], out[-1] = sigma_max, sigma_min
    return out


class _Score:
    """Uniform access to a score estimator (``.score``/``.denoise``) or a plain callable."""

    def __init__(self, score):
        fn = getattr(score, "score", None)
        if callable(fn):
            self._score = fn
            den = getattr(score, "denoise", None)
            self._denoise = den if callable(den) else None
            self.d = getattr(score, "n_features_in_", None)
        elif callable(score):
            self._score = score
            self._denoise = None
            self.d = None
        else:
            raise ValueError(
                "score must be a fitted score estimator with .score(x, sigma) or a callable "
                f"(x, sigma) -> (m, d) (got {type(score).__name__})"
            )
        self.n_evals = 0

    def _check(self, out, x, sigma, what):
        out = np.asarray(out, dtype=np.float64)
        if out.shape != x.shape:
            raise ValueError(f"{what} returned shape {out.shape} for points of shape {x.shape}")
        if not np.all(np.isfinite(out)):
            bad = int(np.count_nonzero(~np.isfinite(out).all(axis=1)))
            raise ValueError(
                f"{what} returned non-finite values for {bad} chain(s) at sigma={sigma:.6g}: "
                "the chain diverged or the estimator failed (check the step and the score)"
            )
        return np.ascontiguousarray(out)

    def score(self, x, sigma):
        self.n_evals += 1
        return self._check(self._score(x, float(sigma)), x, sigma, "score")

    def denoise(self, x, sigma):
        self.n_evals += 1
        if self._denoise is not None:
            return self._check(self._denoise(x, float(sigma)), x, sigma, "denoise")
        s = self._check(self._score(x, float(sigma)), x, sigma, "score")
        return x + float(sigma) ** 2 * s


def _start_points(sc: _Score, x0, n, d, sigma_max, rng) -> np.ndarray:
    """x0 given: validated copy. Otherwise sigma_max * N(0, I) with n rows and d columns.

    An integer in the x0 slot is read as n (``reverse_sde(est, 1000, ...)``).
    """
    if isinstance(x0, numbers.Integral) and not isinstance(x0, bool):
        if n is not None:
            raise ValueError("give either x0 or n, not both (an integer x0 is read as n)")
        x0, n = None, x0
    if x0 is not None:
        if n is not None:
            raise ValueError("give either x0 or n, not both (n is the number of chains to draw)")
        dd = d if d is not None else sc.d
        return as_points(x0, "x0", d=None if dd is None else int(dd)).copy()
    if n is None:
        raise ValueError(
            "give x0 (start points) or n (number of chains drawn from sigma_max N(0, I))"
        )
    n = check_int(n, "n", low=1)
    dd = d if d is not None else sc.d
    if dd is None:
        raise ValueError(
            "d is needed to draw start points: pass d=... or a fitted estimator with n_features_in_"
        )
    dd = check_int(dd, "d", low=1)
    return sigma_max * rng.standard_normal((n, dd))


class _Recorder:
    """Snapshots at chosen step indices and a trace of a user statistic every k steps."""

    def __init__(self, steps, snapshot_steps=None, trace=None, trace_every=1):
        self.steps = steps
        if snapshot_steps is None:
            self.snap_steps = np.zeros(0, dtype=np.int64)
        else:
            arr = np.atleast_1d(np.asarray(snapshot_steps))
            if arr.dtype.kind not in "iu" or arr.ndim != 1:
                raise ValueError(
                    f"snapshot_steps must be a 1-D sequence of integers (got {snapshot_steps!r})"
                )
            if arr.size and (arr.min() < 0 or arr.max() > steps):
                raise ValueError(
                    f"snapshot_steps must lie in [0, steps={steps}] (got {arr.min()}..{arr.max()})"
                )
            self.snap_steps = np.unique(arr.astype(np.int64))
        self._snap_set = {int(i): k for k, i in enumerate(self.snap_steps)}
        self.snaps: list[np.ndarray] = []
        if trace is not None and not callable(trace):
            raise ValueError(f"trace must be a callable x -> (n,) or (n, q) (got {trace!r})")
        self.trace_fn = trace
        self.every = check_int(trace_every, "trace_every", low=1)
        self.trace_vals: list[np.ndarray] = []
        self.trace_steps: list[int] = []

    def __call__(self, i, x):
        if i in self._snap_set:
            self.snaps.append(x.copy())
        if self.trace_fn is not None and i % self.every == 0:
            v = np.asarray(self.trace_fn(x), dtype=np.float64)
            if v.ndim not in (1, 2) or v.shape[0] != x.shape[0]:
                raise ValueError(
                    f"trace must return shape (n,) or (n, q) with n = {x.shape[0]} (got {v.shape})"
                )
            self.trace_vals.append(v.copy())
            self.trace_steps.append(i)

    def result(self, samples, method, sigmas, time_horizon, n_evals, params):
        snaps = np.stack(self.snaps) if self.snaps else None
        tr = np.stack(self.trace_vals) if self.trace_vals else None
        return SamplerResult(
            samples=samples,
            method=method,
            steps=self.steps,
            sigmas=np.asarray(sigmas, dtype=np.float64),
            time_horizon=float(time_horizon),
            n_score_evals=int(n_evals),
            snapshots=snaps,
            snapshot_steps=self.snap_steps,
            trace=tr,
            trace_steps=np.asarray(self.trace_steps, dtype=np.int64),
            params=params,
        )


def _snapshot_indices(
    sigmas: np.ndarray, snapshot_steps: Sequence[int] | None, snapshot_sigmas
) -> np.ndarray | None:
    """Merge step indices and requested sigmas (nearest schedule point in log sigma)."""
    idx: list[int] = []
    if snapshot_steps is not None:
        arr = np.atleast_1d(np.asarray(snapshot_steps))
        if arr.dtype.kind not in "iu" or arr.ndim != 1:
            raise ValueError(
                f"snapshot_steps must be a 1-D sequence of integers (got {snapshot_steps!r})"
            )
        idx += [int(i) for i in arr]
    if snapshot_sigmas is not None:
        req = np.atleast_1d(np.asarray(snapshot_sigmas, dtype=np.float64))
        if req.ndim != 1 or not np.all(np.isfinite(req)) or np.any(req <= 0):
            raise ValueError(
                f"snapshot_sigmas must be positive finite noise levels (got {snapshot_sigmas!r})"
            )
        lo, hi = sigmas.min(), sigmas.max()
        if np.any(req < lo * (1 - 1e-12)) or np.any(req > hi * (1 + 1e-12)):
            raise ValueError(
                f"snapshot_sigmas must lie in [sigma_min, sigma_max] = [{lo:.6g}, {hi:.6g}] "
                f"(got {req.min():.6g}..{req.max():.6g})"
            )
        ls = np.log(sigmas)
        idx += [int(np.argmin(np.abs(ls - np.log(r)))) for r in req]
    if not idx:
        return None
    return np.asarray(idx, dtype=np.int64)


def _check_generator(rng):
    return as_generator(rng, "rng")
