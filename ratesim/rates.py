"""Rates: log-log fits with confidence intervals, local slopes, corrected forms and verdicts.

The model is ``metric ~ C N^b``, fitted on the log scale,
``log metric = a + b x`` with ``x = log N`` (form ``"power"``) or ``x = log(N / log N)`` (form
``"N/logN"``, the k = 2 factor: sqrt(log N / N) = (N / log N)^(-1/2), so its fitted exponent is -1/2
instead of the local slopes -0.43 ... -0.46 of a plain fit, docs/measurement.md, trap 3), or the
two-term form ``metric ~ A N^b + c N^(-q)`` (a leading power plus a subleading, typically
parametric, term) by nonlinear least squares.

What is fitted (``statistic``)
------------------------------
A rate is a statement about the expected metric, so by default (``statistic="mean"``) the fit is
on ``y_j = log(mean over seeds of the metric)`` at each level j: the log of E[metric]. The geometric
mean (``statistic="geomean"``, ``y_j = mean over seeds of log metric``) answers a different question
(the typical seed) and differs from it by a factor that can move with N when the metric is heavy
tailed (docs/measurement.md); a claim uses it only where it says why.

Why weighted least squares on levels
------------------------------------
Seeds at the same N share the design point, so they are not independent information about the
slope: the honest unit is the level N, and a study has 4-12 of them. The fit is weighted least
squares on the level values ``y_j`` with weights ``1 / se_j^2``, where ``se_j`` is the standard
error of ``y_j`` over the seeds (for the mean, by the delta method ``sd_j / (sqrt(n_j) mean_j)``;
levels without replication take the pooled relative spread), so heteroscedastic levels (small N is
noisier) count for what they are worth.

The confidence interval of the slope:

- Student t on the WLS standard error, with the within-level degrees of freedom
  ``sum (n_j - 1)``;
- for ``statistic="mean"``, widened to the hull of that interval and a seed bootstrap: the seeds
  of every level are resampled with replacement (``n_boot`` times, from a fixed seed, so a fit is
  deterministic), the WLS slope is recomputed with the same weights, and the percentile interval
  of the replicates is widened about the estimate by ``sqrt(n / (n - 1))`` (the bootstrap's
  variance deficit with n seeds). The bootstrap sees skewed, heavy-tailed seed laws, which the
  delta method misses; the t interval protects designs with few seeds, where the bootstrap is too
  narrow.

In both cases the interval is widened by ``sqrt(max(1, chi2 / (L - 2)))`` (the Birge ratio of the
weighted residuals) when the levels scatter about the line more than their seed noise allows (lack
of fit, e.g. pre-asymptotic curvature); the t reference then has ``L - 2`` degrees of freedom.
Without replication at all, ordinary least squares on the levels (``cov_type="ols-levels"``, t with
L - 2 df) is used. The coverage and the false-verdict rates of these intervals, at the designs the
studies use, are measured by :mod:`ratesim.study.calibration`.

Verdicts (:func:`judge`)
------------------------
Given the CI ``[lo, hi]`` of the fitted exponent, a predicted exponent p and the claim's
equivalence margin ``tol`` (slope units, > 0), the prediction is

- ``consistent`` when the whole CI lies inside ``[p - tol, p + tol]``;
- ``contradicted`` when the CI and ``[p - tol, p + tol]`` are disjoint;
- ``inconclusive`` otherwise, with the reason (the CI is wider than the band, or straddles one of
  its edges).

For an upper bound on the exponent (``bound=True``, a rate stated as O~(N^p): the metric decays at
least that fast) the band is ``(-inf, p + tol]``: consistent when ``hi <= p + tol``, contradicted
when ``lo > p + tol``, inconclusive otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "RateFit",
    "LevelCheck",
    "level_intervals",
    "fit_rate",
    "fit_two_term",
    "verdict",
    "judge",
    "local_slopes",
    "effective_exponent",
    "STATISTICS",
    "TRANSFORMS",
    "CONSISTENT",
    "CONTRADICTED",
    "INCONCLUSIVE",
    "VERDICTS",
    "FLOOR_LIMITED",
    "UNDERPOWERED",
    "NOT_DISCRIMINATING",
    "VERDICT_KINDS",
]

TRANSFORMS = ("N", "N/logN")
CONSISTENT, CONTRADICTED, INCONCLUSIVE = "consistent", "contradicted", "inconclusive"
VERDICTS = (CONSISTENT, CONTRADICTED, INCONCLUSIVE)
# verdicts on a claim's group that are given before (or after) the CI is compared with p
FLOOR_LIMITED, UNDERPOWERED = "floor-limited", "underpowered"
NOT_DISCRIMINATING = "not discriminating"
VERDICT_KINDS = (*VERDICTS, FLOOR_LIMITED, UNDERPOWERED, NOT_DISCRIMINATING)


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
    statistic : str
        ``"mean"`` (log of the seed mean) or ``"geomean"`` (seed mean of the log).
    N, mean_log, se_log, n_per_level : ndarray
        Per level: N, the fitted value ``y_j`` (log of the seed mean, or mean of the log), its
        standard error over seeds, and the seed count.
    local_slopes : ndarray
        Slopes of mean log metric between consecutive levels (in the fit's x), length L - 1.
    cov : ndarray
        Covariance of the parameters ((a, b), or (log A, b, c) for ``two_term``).
    sub_coef, subleading : float
        ``c`` and ``q`` of the two-term form (NaN otherwise).
    converged : bool
        False when the two-term fit's best start stopped at ``max_nfev`` evaluations.
    axis : str
        The name of the fitted axis in summaries (``"N"``; a claim on another parameter, such
        as ``d``, sets its name).
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
    statistic: str = "mean"
    converged: bool = True
    axis: str = "N"

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

    def verdict(self, predicted: float, tolerance: float, bound: bool = False) -> str:
        """:func:`verdict` of this fit's CI against the predicted exponent."""
        return verdict(self.ci, predicted, tolerance=tolerance, bound=bound)

    def summary(self) -> str:
        """A few readable lines: slope, CI, R^2, the data used, the local slopes."""
        loc = ", ".join(f"{s:+.3f}" for s in self.local_slopes)
        a = self.axis
        x = {"power": f"log {a}", "N/logN": f"log({a}/log {a})", "two_term": f"A {a}^b + c {a}^-q"}
        s = (
            f"slope {self.slope:+.4f}  {100 * self.level:.0f}% CI [{self.ci[0]:+.4f}, "
            f"{self.ci[1]:+.4f}]  R^2 {self.r2:.4f}  ({x[self.form]}; {self.statistic}; "
            f"{self.cov_type}; {self.n_levels} {a} x {self.n_cells / max(self.n_levels, 1):.3g} "
            f"seeds, {a} = {self.N.min():.4g}..{self.N.max():.4g})"
        )
        if self.form == "two_term":
            s += f"\n  subleading c = {self.sub_coef:+.4g} at N^-{self.subleading:g}"
        return s + f"\n  local slopes: {loc}"


def judge(ci, predicted: float, tolerance: float, bound: bool = False) -> tuple[str, str]:
    """The verdict on a predicted exponent and its reason (the rule of the module docstring).

    Parameters
    ----------
    ci : (float, float)
        Confidence interval of the fitted exponent.
    predicted : float
        The predicted exponent.
    tolerance : float
        Equivalence margin around the prediction (slope units): > 0, and >= 0 for a bound.
    bound : bool
        Read ``predicted`` as an upper bound on the exponent (a rate stated as O~(N^p)).

    Returns
    -------
    (str, str)
        The verdict (:data:`CONSISTENT`, :data:`CONTRADICTED` or :data:`INCONCLUSIVE`) and a
        short reason.
    """
    from ._validation import check_positive

    lo, hi = (float(v) for v in ci)
    if np.isnan(lo) or np.isnan(hi) or lo > hi:
        raise ValueError(f"ci must be an interval lo <= hi (got {ci!r})")
    p = float(predicted)
    if not np.isfinite(p):
        raise ValueError(f"predicted must be a finite exponent (got {predicted!r})")
    tol = check_positive(tolerance, "tolerance", allow_zero=bound)
    band = f"(-inf, {p + tol:+.3f}]" if bound else f"[{p - tol:+.3f}, {p + tol:+.3f}]"
    ci_s = f"CI [{lo:+.3f}, {hi:+.3f}]"
    if bound:
        if lo > p + tol:
            return CONTRADICTED, f"{ci_s} lies above the bound {p + tol:+.3f}"
        if hi <= p + tol:
            return CONSISTENT, f"{ci_s} lies below the bound {p + tol:+.3f}"
        return INCONCLUSIVE, f"{ci_s} straddles the bound {p + tol:+.3f}"
    if hi < p - tol or lo > p + tol:
        return CONTRADICTED, f"{ci_s} misses the band {band}"
    if lo >= p - tol and hi <= p + tol:
        return CONSISTENT, f"{ci_s} lies inside the band {band}"
    if hi - lo > 2 * tol:
        return INCONCLUSIVE, f"{ci_s} is wider than the band {band}"
    return INCONCLUSIVE, f"{ci_s} straddles an edge of the band {band}"


def verdict(ci, predicted: float, tolerance: float, bound: bool = False) -> str:
    """Consistent / contradicted / inconclusive: the first element of :func:`judge`."""
    return judge(ci, predicted, tolerance, bound)[0]


STATISTICS = ("mean", "geomean")
SE_FLOOR = 1e-9  # smallest standard error of a level's log value (relative resolution)


@dataclass(frozen=True)
class LevelCheck:
    """Simultaneous confidence intervals of a metric's seed statistic at every level of N: the
    evidence of a level claim ("the metric stays below b at every N"), judged level by level
    with :func:`judge` (:func:`level_intervals`).

    Attributes
    ----------
    N, center, lo, hi : ndarray, shape (L,)
        The levels, the statistic at each (seed mean, or geometric mean) and its interval.
    n_per_level : ndarray, shape (L,)
        Seeds per level.
    level : float
        Simultaneous confidence level of the L intervals (Bonferroni).
    per_level : float
        Level of each interval, ``1 - (1 - level) / L``.
    statistic : str
        ``"mean"`` or ``"geomean"``.
    """

    N: np.ndarray = field(repr=False)
    center: np.ndarray = field(repr=False)
    lo: np.ndarray = field(repr=False)
    hi: np.ndarray = field(repr=False)
    n_per_level: np.ndarray = field(repr=False)
    level: float = 0.95
    per_level: float = 0.95
    statistic: str = "mean"

    @property
    def worst(self) -> int:
        """Index of the level with the largest upper end (the one an upper bound hinges on)."""
        return int(np.argmax(self.hi))

    def interval(self, j: int) -> str:
        """``"0.432 [0.401, 0.463] at N = 100"``."""
        return f"{self.center[j]:.3f} [{self.lo[j]:.3f}, {self.hi[j]:.3f}] at N = {self.N[j]:g}"

    def summary(self) -> str:
        """One line per level, and how the intervals were made."""
        what = "seed mean" if self.statistic == "mean" else "geometric mean over seeds"
        head = (
            f"{what} per level, simultaneous {100 * self.level:g}% t intervals (Bonferroni over "
            f"{self.N.size} levels, each {100 * self.per_level:.3g}%; "
            f"{int(self.n_per_level.min())}-{int(self.n_per_level.max())} seeds)"
        )
        return head + "\n" + "\n".join(f"  {self.interval(j)}" for j in range(self.N.size))


def level_intervals(N, values, *, statistic: str = "mean", level: float = 0.95) -> LevelCheck:
    """Per-level Student t intervals of the seed mean (or of the geometric mean), simultaneous
    at ``level`` over the levels by Bonferroni.

    At a level with n seeds, mean m and standard deviation s, the interval is
    ``m +- t_{1 - a / (2 L), n - 1} s / sqrt(n)`` with ``a = 1 - level`` (on log values, then
    exponentiated, for ``"geomean"``); one seed gives the whole real line. A claim that every
    level lies below a bound is then contradicted with family-wise error at most ``a`` when the
    true statistic is below it everywhere (and a consistent verdict, an intersection of the
    per-level tests, is conservative).

    Parameters
    ----------
    N : array_like, shape (n,)
        The level of each value (sample size, or any positive axis).
    values : array_like, shape (n,)
        One value per cell; finite (> 0 for ``"geomean"``).
    statistic : {"mean", "geomean"}
    level : float in (0, 1)

    Returns
    -------
    LevelCheck
    """
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS} (got {statistic!r})")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1) (got {level!r})")
    N = np.asarray(N, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    if N.shape != v.shape or N.size == 0:
        raise ValueError(
            f"N and values must have the same, nonzero length (got {N.size}, {v.size})"
        )
    if not np.all(np.isfinite(v)):
        raise ValueError(f"values must be finite (got e.g. {v[~np.isfinite(v)][:3]})")
    if statistic == "geomean":
        if np.any(v <= 0):
            raise ValueError(
                f"values must be > 0 for the geometric mean (got e.g. {v[v <= 0][:3]})"
            )
        v = np.log(v)
    lv = np.unique(N)
    per = 1 - (1 - level) / lv.size
    center, lo, hi, n = (np.empty(lv.size) for _ in range(4))
    for j, x in enumerate(lv):
        g = v[N == x]
        n[j], center[j] = g.size, g.mean()
        half = _tq(per, g.size - 1) * g.std(ddof=1) / np.sqrt(g.size) if g.size > 1 else np.inf
        lo[j], hi[j] = center[j] - half, center[j] + half
    if statistic == "geomean":
        center, lo, hi = np.exp(center), np.exp(lo), np.exp(hi)
    return LevelCheck(lv, center, lo, hi, n, float(level), float(per), statistic)


@dataclass(frozen=True)
class _Levels:
    N: np.ndarray  # (L,) distinct levels, sorted
    n: np.ndarray  # (L,) seeds per level
    y: np.ndarray  # (L,) fitted value per level
    se: np.ndarray  # (L,) its standard error (0 where unknown)
    groups: list  # L arrays of the raw values of each level
    within_df: float


def _levels(N, values, statistic: str = "mean", name_n="N", name_v="values") -> _Levels:
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS} (got {statistic!r})")
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
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name_v} must be finite (got e.g. {v[~np.isfinite(v)][:3]})")
    if statistic == "geomean" and np.any(v <= 0):
        raise ValueError(f"{name_v} must be > 0 for the geometric mean (got e.g. {v[v <= 0][:3]})")
    lv = np.unique(N)
    if lv.size < 2:
        raise ValueError(f"{name_n} must have at least 2 distinct values to fit a rate (got {lv})")
    idx = np.searchsorted(lv, N)
    groups = [v[idx == j] for j in range(lv.size)]
    n = np.array([g.size for g in groups], dtype=np.float64)
    if statistic == "mean":
        m = np.array([g.mean() for g in groups])
        if np.any(m <= 0):
            raise ValueError(
                f"the seed mean of {name_v} must be > 0 at every level to be fitted on the log "
                f"scale (got {m[m <= 0][:3]} at {name_n} = {lv[m <= 0][:3]})"
            )
        y = np.log(m)
        # relative variance: the delta-method variance of log(mean) is s^2 / (n mean^2)
        rel = np.array([g.var(ddof=1) if g.size > 1 else 0.0 for g in groups]) / m**2
    else:
        y = np.array([np.log(g).mean() for g in groups])
        rel = np.array([np.log(g).var(ddof=1) if g.size > 1 else 0.0 for g in groups])
    within_df = float(np.sum(n - 1))
    pooled = float(np.sum((n - 1) * rel) / within_df) if within_df > 0 else 0.0
    rel = np.where((n >= 2) & (rel > 0), rel, pooled)
    se = np.sqrt(rel / n)
    # numerical resolution: seeds that agree to rounding (exact quadrature) give standard errors
    # of 1e-17 next to 1e-4, weights spanning 26 decades and a meaningless Birge ratio
    se = np.where(se > 0, np.maximum(se, SE_FLOOR), 0.0)
    return _Levels(lv, n, y, se, groups, within_df)


def local_slopes(N, values, transform: str = "N", statistic: str = "mean") -> np.ndarray:
    """Slopes of the fitted level values (log of the seed mean by default) between consecutive N
    (in x = log N or log(N/log N))."""
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS} (got {transform!r})")
    lev = _levels(N, values, statistic)
    return np.diff(lev.y) / np.diff(_x(lev.N, transform))


def _tq(level, df):
    from scipy import stats

    return stats.t.ppf(0.5 + level / 2, df) if df > 0 else np.inf


def _boot_slopes(lev: _Levels, c: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """WLS slopes (fixed weights: ``slope = c @ y``) of seed-bootstrap replicates of the level
    means; replicates with a non-positive level mean are dropped."""
    rng = np.random.default_rng(seed)
    Y = np.empty((n_boot, lev.N.size))
    for j, g in enumerate(lev.groups):
        if g.size < 2:
            Y[:, j] = g.mean()
            continue
        Y[:, j] = g[rng.integers(0, g.size, size=(n_boot, g.size))].mean(axis=1)
    ok = np.all(Y > 0, axis=1)
    return np.log(Y[ok]) @ c


def fit_rate(
    N,
    values,
    *,
    statistic: str = "mean",
    transform: str = "N",
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> RateFit:
    """Fit ``y_j = a + b x_j`` on the levels of N and a CI on the exponent b.

    Parameters
    ----------
    N : array_like, shape (n,)
        Value of the swept axis for each observation (one per cell: levels x seeds), > 0 (> e for
        ``"N/logN"``): a sample size, or any positive axis such as sigma.
    values : array_like, shape (n,)
        The metric: finite, with a positive seed mean at every level (``"mean"``), or > 0
        (``"geomean"``).
    statistic : {"mean", "geomean"}
        ``y_j`` = log of the seed mean (E[metric], the default) or seed mean of the log; see the
        module docstring.
    transform : {"N", "N/logN"}
        The regressor: log N, or log(N / log N) (the k = 2 log factor, docs/measurement.md, trap 3).
    level : float
        Confidence level in (0, 1).
    n_boot, seed : int
        Bootstrap replicates and their seed (``statistic="mean"``): the fit is deterministic.

    Returns
    -------
    RateFit
    """
    import statsmodels.api as sm
    from scipy import stats

    from ._validation import check_in_range

    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS} (got {transform!r})")
    level = check_in_range(level, "level", 0, 1, low_open=True, high_open=True)
    if int(n_boot) < 100:
        raise ValueError(f"n_boot must be an integer >= 100 (got {n_boot!r})")
    lev = _levels(N, values, statistic)
    lv, n, y = lev.N, lev.n, lev.y
    if transform == "N/logN" and lv.min() <= np.e:
        raise ValueError(f"transform 'N/logN' needs N > e (got min N = {lv.min():g})")
    L = lv.size
    xl = _x(lv, transform)
    X = sm.add_constant(xl)
    if np.all(lev.se > 0):
        w = 1.0 / lev.se**2
        res0 = sm.WLS(y, X, weights=w).fit()
        chi2 = float(np.sum(w * res0.resid**2))
        birge = chi2 / (L - 2) if L > 2 else 1.0
        scale = max(1.0, birge)
        res = sm.WLS(y, X, weights=w).fit(cov_type="fixed scale", cov_kwds={"scale": scale})
        df = float(L - 2) if birge > 1.0 else lev.within_df
        cov_type = "wls-levels"
        b, a = float(res.params[1]), float(res.params[0])
        cov = np.asarray(res.cov_params())
        r2 = float(res0.rsquared)
        se = float(np.sqrt(cov[1, 1]))
        half = _tq(level, df) * se
        ci = (b - half, b + half)
        if statistic == "mean":
            # the WLS slope is linear in y: slope = c @ y, c from the whitened design (as in
            # statsmodels) so that weights over many decades do not cancel badly
            c = np.linalg.pinv(X / lev.se[:, None])[1] / lev.se
            # replicate deviations from the same linear estimator on the data (c @ y), so that
            # rounding in the weights cannot shift every replicate off the estimate
            bs = _boot_slopes(lev, c, int(n_boot), seed) - float(y @ c)
            if bs.size < 0.95 * n_boot:
                ci = (-np.inf, np.inf)  # a level mean too close to 0 to be fitted on the log scale
            else:
                qlo, qhi = b + np.quantile(bs, [0.5 - level / 2, 0.5 + level / 2])
                rep = n[n >= 2]
                f = np.sqrt(rep.size / np.sum(1 / rep) / (rep.size / np.sum(1 / rep) - 1))
                if birge > 1.0:  # lack of fit: as in the t interval, with L - 2 df
                    f *= np.sqrt(birge) * _tq(level, L - 2) / stats.norm.ppf(0.5 + level / 2)
                # the hull with the t interval: the bootstrap sees skewed, heavy-tailed seed
                # laws, the t interval protects designs with few seeds (where the bootstrap is
                # too narrow)
                ci = (min(b - f * (b - qlo), ci[0]), max(b + f * (qhi - b), ci[1]))
                cov_type = "wls-levels-bootstrap"
    else:
        res = sm.OLS(y, X).fit()
        df, scale, cov_type = float(L - 2), 1.0, "ols-levels"
        b, a = float(res.params[1]), float(res.params[0])
        cov = np.asarray(res.cov_params()) if L > 2 else np.full((2, 2), np.inf)
        r2 = float(res.rsquared) if L > 2 else 1.0
        se = float(np.sqrt(cov[1, 1]))
        half = _tq(level, df) * se if np.isfinite(se) else np.inf
        ci = (b - half, b + half)
    return RateFit(
        slope=b,
        intercept=a,
        ci=(float(ci[0]), float(ci[1])),
        stderr=se,
        r2=r2,
        cov_type=cov_type,
        n_cells=int(n.sum()),
        n_levels=int(L),
        level=level,
        df=df,
        scale=scale,
        form="power" if transform == "N" else "N/logN",
        N=lv,
        mean_log=y,
        se_log=lev.se,
        n_per_level=n.astype(int),
        local_slopes=np.diff(y) / np.diff(xl),
        cov=cov,
        statistic=statistic,
    )


def _two_term_log(theta, logN, q):
    a, b, c = theta
    inner = np.exp(a + b * logN) + c * np.exp(-q * logN)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(inner > 0, np.log(np.where(inner > 0, inner, 1.0)), -np.inf)


def fit_two_term(
    N,
    values,
    *,
    subleading: float = 0.5,
    statistic: str = "mean",
    level: float = 0.95,
    max_nfev: int = 20000,
) -> RateFit:
    """Fit ``metric ~ A N^b + c N^(-q)`` (leading power plus a subleading term) by NLS.

    ``q > 0``: the correction vanishes as the axis grows (N); ``q < 0``: as it shrinks (an axis
    such as sigma -> 0, where ``c sigma^|q|`` is the correction).

    docs/measurement.md, trap 3: at k >= 3, finite-N corrections bend the log-log plot of a
    N^(-1/k) rate; with ``q = 1/2`` the parametric part is absorbed by ``c N^(-1/2)`` and ``b``
    estimates the leading exponent. Fitted on the level values of :func:`fit_rate` (``statistic``),
    weighted by their standard errors, with ``scipy.optimize.least_squares``; the covariance
    of (log A, b, c) is the Gauss-Newton one, inflated by ``max(1, chi2 / (L - 3))``. Needs >= 4
    distinct N. ``max_nfev`` caps the evaluations of each of the three starts (``converged`` says
    whether the best one stopped before the cap).

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
    base = fit_rate(N, values, statistic=statistic, level=level)
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
        r = least_squares(resid, x0, method="lm" if L > 3 else "trf", max_nfev=int(max_nfev))
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
        statistic=statistic,
        converged=best.status != 0,
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
