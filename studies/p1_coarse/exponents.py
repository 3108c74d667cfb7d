"""What the P1 coarse-score studies predict, and the design scales they are read against.

- :func:`predicted_exponents`: P1's two published coverage exponents -beta/(4k) and
  -(beta-1)/(4k) (Shen, Hsieh and He, arXiv 2603.23792; docs/science.md) and the empirical
  measure's -1/k;
- :func:`mls_precision_exponent`: the deterministic order of the moving-least-squares projection
  at h ~ (log N / N)^(1/k), the rate of the floor-free ``precision`` metric;
- :func:`k2_bandwidth`: the k = 2 bandwidth constant, fixed by the effective sample size the
  degree-4 fit needs (:func:`ratesim.scores.gaussian_ess`);
- :func:`coverage_floor_scale`: the order of magnitude of the Monte-Carlo floor of the coverage
  scale of m draws (a scale for the reports, not a fit).
"""

from __future__ import annotations

import math

from ratesim._validation import check_int, check_positive
from ratesim.scores import coarse_bandwidth

__all__ = [
    "K2_BANDWIDTH_CONSTANT",
    "coverage_floor_scale",
    "k2_bandwidth",
    "mls_degree",
    "mls_precision_exponent",
    "predicted_exponents",
]

K2_BANDWIDTH_CONSTANT = 4.0


def mls_degree(beta: float) -> int:
    """Degree of the MLS projection for regularity beta: ceil(beta) - 1 clipped to [1, 4] (as
    :class:`ratesim.scores.ProjectionScore`)."""
    return 4 if math.isinf(beta) else int(min(max(math.ceil(beta) - 1, 1), 4))


def predicted_exponents(beta: float, k: int = 2) -> dict[str, float]:
    """Predicted exponents of delta*(N): P1's -beta/(4k) and -(beta-1)/(4k) (two published
    versions; unbounded for beta = inf, then omitted) and the empirical measure's -1/k.

    Parameters
    ----------
    beta : float > 1 or inf
    k : int >= 1

    Returns
    -------
    dict
        label -> exponent: ``"beta/(4k)"``, ``"(beta-1)/(4k)"`` (finite beta only),
        ``"1/k (empirical)"``.
    """
    beta = float(beta)
    if not beta > 1.0:
        raise ValueError(f"beta must be > 1 (got {beta})")
    k = check_int(k, "k", low=1)
    out = {}
    if math.isfinite(beta):
        out["beta/(4k)"] = -beta / (4 * k)
        out["(beta-1)/(4k)"] = -(beta - 1) / (4 * k)
    out["1/k (empirical)"] = -1.0 / k
    return out


def mls_precision_exponent(beta: float, k: int = 2) -> float:
    """Exponent of N of the MLS projection's deterministic error at h ~ (log N / N)^(1/k):
    -min(beta, p + 1) / k with p = :func:`mls_degree` (Levin 1998; Aamari and Levrard 2019: a
    degree-p local fit of a C^beta graph errs by O(h^min(beta, p + 1))), up to the log factor. It
    bounds how far the coarse samplers' output (the Tweedie step lands on the estimated manifold)
    sits from M: the ``precision`` metric, which has no Monte-Carlo floor.

    Parameters
    ----------
    beta : float > 1 or inf
    k : int >= 1
    """
    beta = float(beta)
    if not beta > 1.0:
        raise ValueError(f"beta must be > 1 (got {beta})")
    k = check_int(k, "k", low=1)
    return -min(beta, mls_degree(beta) + 1) / k


def k2_bandwidth(n: int, a: float = K2_BANDWIDTH_CONSTANT) -> float:
    """Bandwidth h_N = a (log N / N)^(1/2) of the MLS projection at k = 2
    (:func:`ratesim.scores.coarse_bandwidth` with k = 2 and a = 4).

    The constant: on T^2 (volume 4 pi^2), :func:`ratesim.scores.gaussian_ess` gives
    n_eff = a^2 log N / pi, and the degree-4 fit needs n_eff >= 1.5 * 15 = 22.5 (else the kernel
    lowers its degree), i.e. a >= 3.6 at N = 300; a = 4 gives n_eff = 29 (N = 300) to 52
    (N = 3e4) on average (the local minimum over M is about 0.7 of it). The k = 1 constant, 6,
    would put h = 0.55 (N = 1000) to 0.83 (N = 300), of the order of the unit circles' radius:
    the local patches stop being graphs over their PCA planes and the projection error grows to
    1e-2 - 2e-1.

    Parameters
    ----------
    n : int >= 3
        Sample size N.
    a : float > 0
    """
    return coarse_bandwidth(n, 2, a=a)


def coverage_floor_scale(m: int, k: int, volume: float, per_ball: float = 30.0) -> float:
    """Order of magnitude of the coverage scale of m i.i.d. draws from the uniform law: the radius
    at which a ball holds ``per_ball`` draws on average, (per_ball vol(M) / (m vol(B_1^k)))^(1/k)
    (flat balls). The c = 2 test fails at a centre when the ball's count falls below half its
    mean L, for Poisson counts with probability ~exp(-0.15 L); keeping that rare over the
    ~vol(M) / delta^k distinct balls puts L at a few tens and adds the log m of
    (log m / m)^(1/k), left out here: a scale for the report, not a fit.

    Parameters
    ----------
    m : int >= 1
    k : int >= 1
    volume : float > 0
    per_ball : float > 0
    """
    m = check_int(m, "m", low=1)
    k = check_int(k, "k", low=1)
    volume = check_positive(volume, "volume")
    per_ball = check_positive(per_ball, "per_ball")
    unit_ball = math.pi ** (k / 2) / math.gamma(k / 2 + 1)
    return float((per_ball * volume / (m * unit_ball)) ** (1.0 / k))
