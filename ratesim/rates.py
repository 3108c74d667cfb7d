"""Rates: log-log fits with confidence intervals, local slopes, corrected forms and verdicts.

The model is ``metric ~ C N^b``, fitted on the log scale,
``log metric = a + b x`` with ``x = log N`` (form ``"power"``) or ``x = log(N / log N)`` (form
``"N/logN"``, the k = 2 factor: sqrt(log N / N) = (N / log N)^(-1/2), so its fitted exponent is -1/2
instead of the local slopes -0.43 ... -0.46 of a plain fit, docs/measurement.md, trap 3), or the
two-term form ``metric ~ A N^b + c N^(-q)`` (a leading power plus a subleading, typically
parametric, term) by nonlinear least squares.

Why weighted least squares on seed means (the default, ``method="wls"``)
----------------------------------------------------------------------------
Seeds at the same N share the design point, so they are not independent information about the
slope: the honest unit is the level N. Cluster-robust OLS on all seeds with clusters = N
(``method="cluster"``, kept for comparison) would be the alternative, but its sandwich variance is
consistent only as the number of clusters grows, and a study has 5-12 levels of N: with so few
clusters it is biased downwards (Cameron & Miller 2015) and its t reference with G - 1 degrees of
freedom is very wide. WLS on the level means ``y_j = mean_seeds log metric`` with weights
``n_j / s_j^2`` (``s_j`` the seed spread of level j, the pooled spread for levels without
replication) uses the seed replication for what it measures, the noise of each y_j, and lets
heteroscedastic levels (small N is noisier) count for what they are worth. The covariance is scaled
by ``max(1, chi2 / (L - 2))`` (the Birge ratio of the weighted residuals): never below the pure
seed noise, inflated when the points scatter around the line more than their noise allows (lack of
fit, e.g. pre-asymptotic curvature). The CI uses Student t with ``L - 2`` degrees of freedom when
the inflation is active and with the within-level degrees of freedom ``sum (n_j - 1)`` otherwise.
Without replication at all, ordinary least squares on the levels (``cov_type="ols-levels"``, t with
L - 2 df) is used.

Verdicts (:func:`verdict`)
--------------------------
Given the CI ``[lo, hi]`` of the fitted exponent at level ``level``, a predicted exponent p and a
stated pre-asymptotic tolerance ``tol`` (slope units):

- ``contradicted`` if the CI misses ``[p - tol, p + tol]`` (``hi < p - tol`` or ``lo > p + tol``);
- ``consistent`` if it does not, and the CI is sharp enough to tell: half-width <=
  ``max_halfwidth``;
- ``inconclusive`` otherwise (the CI contains p but is too wide to discriminate; by default
  ``max_halfwidth = 0.1``, choose it below half the gap between competing predictions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "RateFit",
    "fit_rate",
    "fit_two_term",
    "verdict",
    "local_slopes",
    "effective_exponent",
    "METHODS",
    "TRANSFORMS",
    "CONSISTENT",
    "CONTRADICTED",
    "INCONCLUSIVE",
    "VERDICTS",
]

METHODS = ("wls", "cluster")
TRANSFORMS = ("N", "N/logN")
CONSISTENT, CONTRADICTED, INCONCLUSIVE = "consistent", "contradicted", "inconclusive"
VERDICTS = (CONSISTENT, CONTRADICTED, INCONCLUSIVE)


def _x(N, transform: str) -> np.ndarray:
    N = np.asarray(N, dtype=np.float64)
    if transform == "N":
        return np.log(N)
    return np.log(N / np.log(N))


@dataclass(frozen=True)
class RateFit:
    """A fitted rate ``metric ~ C N^slope`` (or a corrected form) with its uncertainty.

    Attributes
    ----------
    slope, intercept : float
        Exponent b and log-constant a of ``log metric = a + b x``.
    ci : (float, float)
        Confidence interval of the slope at ``level`` (may be infinite when nothing can be said).
    stderr : float
        Standard error of the slope.
    r2 : float
        Coefficient of determination of the (weighted) fit.
    cov_type : str
        ``"wls-levels"``, ``"cluster"``, ``"ols-levels"`` or ``"nls-two-term"``.
    n_cells : int
        Number of observations (cells, i.e. N x seeds) used.
    n_levels : int
        Number of distinct N.
    level, df, scale : float
        CI level, Student-t degrees of freedom, covariance inflation factor (>= 1).
    form : str
        ``"power"``, ``"N/logN"`` or ``"two_term"``.
    N, mean_log, se_log, n_per_level : ndarray
        Per level: N, mean and standard error over seeds of log metric, and the seed count.
    local_slopes : ndarray
        Slopes of mean log metric between consecutive levels (in the fit's x), length L - 1.
    cov : ndarray
        Covariance of the parameters ((a, b), or (log A, b, c) for ``two_term``).
    sub_coef, subleading : float
        ``c`` and ``q`` of the two-term form (NaN otherwise).
    """

    slope: float
    intercept: float
    ci: tuple[float, float]
    stderr: float
    r2: float
    cov_type: str
    n_cells: int
    n_levels: int
    level: float
    df: float
    scale: float
    form: str
    N: np.ndarray = field(repr=False)
    mean_log: np.ndarray = field(repr=False)
    se_log: np.ndarray = field(repr=False)
    n_per_level: np.ndarray = field(repr=False)
    local_slopes: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    sub_coef: float = float("nan")
    subleading: float = float("nan")

    @property
    def halfwidth(self) -> float:
        return 0.5 * (self.ci[1] - self.ci[0])

    @property
    def local_N(self) -> np.ndarray:
        """Geometric midpoints of consecutive levels (where the local slopes apply)."""
        return np.sqrt(self.N[1:] * self.N[:-1])

    def _params(self):
        if self.form == "two_term":
            return np.array([self.intercept, self.slope, self.sub_coef])
        return np.array([self.intercept, self.slope])

    def _model(self, theta, N):
        N = np.asarray(N, dtype=np.float64)
        if self.form == "two_term":
            return _two_term_log(theta, np.log(N), self.subleading)
        return theta[0] + theta[1] * _x(N, "N" if self.form == "power" else "N/logN")

    def predict(self, N, band: bool = True):
        """Fitted metric at ``N`` and, with ``band``, the pointwise CI of the fitted curve.

        Returns ``(center, lo, hi)`` in metric units (``lo``/``hi`` by the delta method on the log
        scale with the same t quantile as the slope CI).
        """
        from scipy import stats

        theta = self._params()
        y = self._model(theta, N)
        if not band:
            return np.exp(y)
        eps = 1e-6
        grads = []
        for i in range(theta.size):
            t2 = theta.copy()
            t2[i] += eps
            grads.append((self._model(t2, N) - y) / eps)
        G = np.stack(grads, axis=-1)
        se = np.sqrt(np.maximum(np.einsum("...i,ij,...j->...", G, self.cov, G), 0.0))
        q = stats.t.ppf(0.5 + self.level / 2, self.df) if self.df > 0 else np.inf
        return np.exp(y), np.exp(y - q * se), np.exp(y + q * se)

    def verdict(
        self,
        predicted: float,
        tolerance: float = 0.0,
        max_halfwidth: float = 0.1,
        bound: bool = False,
    ) -> str:
        """:func:`verdict` of this fit's CI against the predicted exponent."""
        return verdict(
            self.ci, predicted, tolerance=tolerance, max_halfwidth=max_halfwidth, bound=bound
        )

    def summary(self) -> str:
        """A few readable lines: slope, CI, R^2, the data used, the local slopes."""
        loc = ", ".join(f"{s:+.3f}" for s in self.local_slopes)
        x = {"power": "log N", "N/logN": "log(N/log N)", "two_term": "A N^b + c N^-q"}[self.form]
        s = (
            f"slope {self.slope:+.4f}  {100 * self.level:.0f}% CI [{self.ci[0]:+.4f}, "
            f"{self.ci[1]:+.4f}]  R^2 {self.r2:.4f}  ({x}; {self.cov_type}; "
            f"{self.n_levels} N x {self.n_cells / max(self.n_levels, 1):.3g} seeds, "
            f"N = {self.N.min():.4g}..{self.N.max():.4g})"
        )
        if self.form == "two_term":
            s += f"\n  subleading c = {self.sub_coef:+.4g} at N^-{self.subleading:g}"
        return s + f"\n  local slopes: {loc}"


def verdict(
    ci, predicted: float, tolerance: float = 0.0, max_halfwidth: float = 0.1, bound: bool = False
) -> str:
    """Consistent / contradicted / inconclusive, by the rule of the module docstring.

    With ``bound=True`` the prediction is an upper bound on the exponent (a rate stated as
    O~(N^p): the metric must decay at least that fast): consistent when the whole CI lies at or
    below p + tolerance, contradicted when the whole CI lies above it, inconclusive otherwise
    (``max_halfwidth`` does not apply: a wide CI below the bound still supports it).

    Parameters
    ----------
    ci : (float, float)
        Confidence interval of the fitted exponent.
    predicted : float
        The predicted exponent.
    tolerance : float
        Pre-asymptotic tolerance (>= 0) around the prediction.
    max_halfwidth : float
        Largest CI half-width that still allows "consistent" (> 0).
    bound : bool
        Read ``predicted`` as an upper bound on the exponent (see above).
    """
    from ._validation import check_positive

    lo, hi = (float(v) for v in ci)
    if np.isnan(lo) or np.isnan(hi) or lo > hi:
        raise ValueError(f"ci must be an interval lo <= hi (got {ci!r})")
    p = float(predicted)
    if not np.isfinite(p):
        raise ValueError(f"predicted must be a finite exponent (got {predicted!r})")
    tol = check_positive(tolerance, "tolerance", allow_zero=True)
    mh = check_positive(max_halfwidth, "max_halfwidth")
    if bound:
        if lo > p + tol:
            return CONTRADICTED
        return CONSISTENT if hi <= p + tol else INCONCLUSIVE
    if hi < p - tol or lo > p + tol:
        return CONTRADICTED
    if 0.5 * (hi - lo) <= mh:
        return CONSISTENT
    return INCONCLUSIVE


def _levels(N, values, name_n="N", name_v="values"):
    N = np.asarray(N, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    if N.shape != v.shape:
        raise ValueError(
            f"{name_n} and {name_v} must have the same length (got {N.size}, {v.size})"
        )
    if N.size == 0:
        raise ValueError(f"{name_n} must not be empty")
    if not np.all(np.isfinite(N)) or np.any(N <= 0):
        # any positive axis can carry a rate (N, 1/sigma, sigma itself, training steps, ...)
        raise ValueError(f"{name_n} must be finite and > 0 (got min {np.nanmin(N)})")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        bad = v[~(np.isfinite(v) & (v > 0))][:3]
        raise ValueError(
            f"{name_v} must be finite and > 0 to be fitted on the log scale (got e.g. {bad})"
        )
    lv = np.unique(N)
    if lv.size < 2:
        raise ValueError(f"{name_n} must have at least 2 distinct values to fit a rate (got {lv})")
    idx = np.searchsorted(lv, N)
    y = np.log(v)
    n = np.bincount(idx, minlength=lv.size).astype(np.float64)
    mean = np.bincount(idx, weights=y, minlength=lv.size) / n
    ss = np.bincount(idx, weights=(y - mean[idx]) ** 2, minlength=lv.size)
    return lv, idx, y, n, mean, ss


def local_slopes(N, values, transform: str = "N") -> np.ndarray:
    """Slopes of the seed-mean log metric between consecutive N (in x = log N or log(N/log N))."""
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS} (got {transform!r})")
    lv, _, _, _, mean, _ = _levels(N, values)
    return np.diff(mean) / np.diff(_x(lv, transform))


def _tq(level, df):
    from scipy import stats

    return stats.t.ppf(0.5 + level / 2, df) if df > 0 else np.inf


def fit_rate(
    N, values, *, method: str = "wls", transform: str = "N", level: float = 0.95
) -> RateFit:
    """Fit ``log values = a + b x`` with x = log N (or log(N / log N)) and a CI on the slope b.

    Parameters
    ----------
    N : array_like
        Value of the swept axis for each observation (one per cell: levels x seeds), > 0 (> e for
        ``"N/logN"``): a sample size, or any positive axis such as 1/sigma.
    values : array_like
        The metric, > 0.
    method : {"wls", "cluster"}
        WLS on seed means (default) or cluster-robust OLS on all seeds; see the module docstring
        for the choice.
    transform : {"N", "N/logN"}
        The regressor: log N, or log(N / log N) (the k = 2 log factor, docs/measurement.md, trap 3).
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    RateFit
    """
    import statsmodels.api as sm

    from ._validation import check_in_range

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS} (got {method!r})")
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS} (got {transform!r})")
    level = check_in_range(level, "level", 0, 1, low_open=True, high_open=True)
    lv, idx, y, n, mean, ss = _levels(N, values)
    if transform == "N/logN" and lv.min() <= np.e:
        raise ValueError(f"transform 'N/logN' needs N > e (got min N = {lv.min():g})")
    L = lv.size
    xl = _x(lv, transform)
    X = sm.add_constant(xl)
    within_df = float(np.sum(n - 1))
    pooled = float(ss.sum() / within_df) if within_df > 0 else 0.0
    s2 = np.where(n >= 2, ss / np.maximum(n - 1, 1), pooled)
    s2 = np.where(s2 > 0, s2, pooled)
    se_log = np.sqrt(s2 / n)
    if method == "cluster":
        Xa = sm.add_constant(_x(lv[idx], transform))
        res = sm.OLS(y, Xa).fit(cov_type="cluster", cov_kwds={"groups": idx})
        df, scale, cov_type = float(L - 1), 1.0, "cluster"
        b, a = float(res.params[1]), float(res.params[0])
        cov = np.asarray(res.cov_params())
        r2 = float(res.rsquared)
    elif pooled > 0:
        w = 1.0 / (s2 / n)
        res0 = sm.WLS(mean, X, weights=w).fit()
        chi2 = float(np.sum(w * res0.resid**2))
        birge = chi2 / (L - 2) if L > 2 else 1.0
        scale = max(1.0, birge)
        res = sm.WLS(mean, X, weights=w).fit(cov_type="fixed scale", cov_kwds={"scale": scale})
        df = float(L - 2) if birge > 1.0 else within_df
        cov_type = "wls-levels"
        b, a = float(res.params[1]), float(res.params[0])
        cov = np.asarray(res.cov_params())
        r2 = float(res0.rsquared)
    else:
        res = sm.OLS(mean, X).fit()
        df, scale, cov_type = float(L - 2), 1.0, "ols-levels"
        b, a = float(res.params[1]), float(res.params[0])
        cov = np.asarray(res.cov_params()) if L > 2 else np.full((2, 2), np.inf)
        r2 = float(res.rsquared) if L > 2 else 1.0
    se = float(np.sqrt(cov[1, 1]))
    q = _tq(level, df)
    half = q * se if np.isfinite(se) else np.inf
    return RateFit(
        slope=b,
        intercept=a,
        ci=(b - half, b + half),
        stderr=se,
        r2=r2,
        cov_type=cov_type,
        n_cells=int(y.size),
        n_levels=int(L),
        level=level,
        df=df,
        scale=scale,
        form="power" if transform == "N" else "N/logN",
        N=lv,
        mean_log=mean,
        se_log=se_log,
        n_per_level=n.astype(int),
        local_slopes=np.diff(mean) / np.diff(xl),
        cov=cov,
    )


def _two_term_log(theta, logN, q):
    a, b, c = theta
    inner = np.exp(a + b * logN) + c * np.exp(-q * logN)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(inner > 0, np.log(np.where(inner > 0, inner, 1.0)), -np.inf)


def fit_two_term(N, values, *, subleading: float = 0.5, level: float = 0.95) -> RateFit:
    """Fit ``metric ~ A N^b + c N^(-q)`` (leading power plus a subleading term) by NLS.

    ``q > 0``: the correction vanishes as the axis grows (N); ``q < 0``: as it shrinks (an axis
    such as sigma -> 0, where ``c sigma^|q|`` is the correction).

    docs/measurement.md, trap 3: at k >= 3, finite-N corrections bend the log-log plot of a
    N^(-1/k) rate; with ``q = 1/2`` the parametric part is absorbed by ``c N^(-1/2)`` and ``b``
    estimates the leading exponent. Fitted on the seed means of log metric, weighted by their
    standard errors (as :func:`fit_rate`), with ``scipy.optimize.least_squares``; the covariance
    of (log A, b, c) is the Gauss-Newton one, inflated by ``max(1, chi2 / (L - 3))``. Needs >= 4
    distinct N.

    Returns
    -------
    RateFit
        With ``form="two_term"``, ``slope = b``, ``intercept = log A``, ``sub_coef = c``.
    """
    from scipy.optimize import least_squares

    from ._validation import check_in_range

    q = float(subleading)
    if not np.isfinite(q) or q == 0:
        raise ValueError(
            f"subleading must be a finite, nonzero exponent (got {subleading!r}): > 0 when the "
            "correction vanishes as the axis grows, < 0 when it vanishes as the axis shrinks"
        )
    level = check_in_range(level, "level", 0, 1, low_open=True, high_open=True)
    base = fit_rate(N, values, level=level)
    L = base.n_levels
    if L < 4:
        raise ValueError(f"the two-term form needs at least 4 distinct N (got {L})")
    lN = np.log(base.N)
    y, se = base.mean_log, base.se_log
    if not np.all(se > 0):
        se = np.full_like(y, max(float(np.std(y - (base.intercept + base.slope * lN))), 1e-12))

    def resid(th):
        m = _two_term_log(th, lN, q)
        return np.where(np.isfinite(m), (y - m) / se, 1e6)

    best = None
    for c0 in (0.0, 1.0, -1.0):
        x0 = np.array([base.intercept, base.slope, c0 * np.exp(y[0]) * base.N[0] ** q])
        r = least_squares(resid, x0, method="lm" if L > 3 else "trf", max_nfev=20000)
        if np.all(np.isfinite(r.fun)) and (best is None or r.cost < best.cost):
            best = r
    J = best.jac
    chi2 = float(np.sum(best.fun**2))
    birge = chi2 / (L - 3)
    scale = max(1.0, birge)
    try:
        cov = np.linalg.inv(J.T @ J) * scale
    except np.linalg.LinAlgError:
        cov = np.full((3, 3), np.inf)
    df = float(L - 3) if birge > 1.0 else float(np.sum(base.n_per_level - 1))
    se_b = float(np.sqrt(cov[1, 1])) if np.isfinite(cov[1, 1]) else np.inf
    half = _tq(level, df) * se_b
    a, b, c = (float(v) for v in best.x)
    fitted = _two_term_log(best.x, lN, q)
    w = 1 / se**2
    ybar = np.sum(w * y) / np.sum(w)
    r2 = 1 - np.sum(w * (y - fitted) ** 2) / np.sum(w * (y - ybar) ** 2)
    return RateFit(
        slope=b,
        intercept=a,
        ci=(b - half, b + half),
        stderr=se_b,
        r2=float(r2),
        cov_type="nls-two-term",
        n_cells=base.n_cells,
        n_levels=L,
        level=level,
        df=df,
        scale=scale,
        form="two_term",
        N=base.N,
        mean_log=y,
        se_log=base.se_log,
        n_per_level=base.n_per_level,
        local_slopes=base.local_slopes,
        cov=cov,
        sub_coef=c,
        subleading=q,
    )


def effective_exponent(N, func) -> float:
    """The slope a plain log-log fit would show for the curve ``func(N)`` on the design ``N``.

    E.g. ``effective_exponent(N, lambda n: np.sqrt(np.log(n) / n))`` is the exponent to expect at
    k = 2 from ``fit_rate(..., transform="N")`` over that range of N (-0.43 near N = 1e3,
    docs/measurement.md, trap 3); its local value at N is -1/2 + 1/(2 log N).
    """
    lv = np.unique(np.asarray(N, dtype=np.float64))
    if lv.size < 2 or np.any(lv < 2) or not np.all(np.isfinite(lv)):
        raise ValueError(f"N must hold at least 2 distinct finite values >= 2 (got {lv})")
    f = np.asarray(func(lv), dtype=np.float64)
    if f.shape != lv.shape or not np.all(np.isfinite(f)) or np.any(f <= 0):
        raise ValueError("func(N) must return finite values > 0, one per N")
    return float(np.polyfit(np.log(lv), np.log(f), 1)[0])
