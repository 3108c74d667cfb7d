"""Calibration of the verdict rule at the designs the studies use.

A verdict (:func:`ratesim.rates.judge`) is only as good as the confidence interval behind it,
and the CI of a fitted exponent is approximate: a seed bootstrap (or a t interval) on 4-12
levels with 10-40 seeds each, on metrics whose seed noise can be heavy tailed. This module
measures, by simulation, how the rule behaves on the designs the studies actually use.

Designs (:func:`study_designs`)
-------------------------------
For every claim group of every study with a committed table that reaches a verdict (not
underpowered, not floor-limited), and for the negative control of every bound claim, the design is
what the fit sees: the levels of the fitted axis that remain after the floor, the seeds per level,
the claim's form, statistic, CI level, tolerance and bound, its (first) predicted exponent, and the
observed noise law of every level: the relative residuals ``value / (seed mean of the level)``
(and their log standard deviation). Groups with one value per level (deterministic metrics, fitted
by OLS on the levels) have no seed noise to simulate and are left out with a note, as are studies
whose file does not load or validate.

Simulation (:func:`simulate`, :func:`calibrate`)
-----------------------------------------------
Synthetic data follow a known law ``C x^b`` at the design's levels (``x = N``, or ``N / log N`` for
the ``"N/logN"`` form, whose exponent is the one fitted; the two-term form gets the pure power,
``c = 0``), times seed noise drawn in one of two ways:

- ``"resample"``: for each level, ``n_j`` draws with replacement from that level's observed
  relative residuals (nonparametric: a heavy tail in the data is reproduced);
- ``"lognormal"``: ``exp(s_j Z - s_j^2 / 2)`` with the level's observed log standard deviation
  ``s_j`` (the standard deviation of log value; for a metric that can be <= 0, the lognormal
  ``s_j`` with the same relative variance).

The synthetic table is fitted exactly as the claim is (:func:`ratesim.rates.fit_rate` or
:func:`ratesim.rates.fit_two_term`, same form, statistic and level) and judged with
:func:`ratesim.rates.judge`. For the forms ``"power"`` and ``"N/logN"`` the fitted CI moves with the
true exponent and nothing else (the data at exponent ``b + d`` are the data at ``b`` times
``x^d``, which shifts every level value, every bootstrap replicate and the fitted slope by ``d``
and leaves the weights and the lack of fit unchanged), so one fit per replicate serves every truth
(common random numbers); the two-term fit is not equivariant and is refitted at every truth on the
same noise.

Rates per design and noise law, each over ``reps`` replicates:

- ``coverage``: P(the CI contains the true exponent);
- ``false_contra``: P(contradicted | truth = p): the prediction is true, the rule rejects it;
- ``power``: P(consistent | truth = p);
- ``false_consist``: P(consistent | truth = p +- 2 tol), the two sides averaged (for a bound:
  truth = p + 2 tol, a violated bound);
- ``detect``: P(contradicted | the same false truths).

A failed fit (a level mean <= 0 on resampled noise, a degenerate two-term fit) counts as the
whole real line: inconclusive, covering (``failed`` counts them). In the simulation each start of
a two-term fit is capped at :data:`NFEV_CAP` evaluations (``fit_two_term(max_nfev=...)``; the
fits whose best start hit the cap are counted). The simulated CI is the one seed noise alone
gives; where the committed table's CI is much wider (:attr:`Calibration.lack_of_fit`) it is set by
the levels' scatter about the line, which the simulation does not model, and the report lists
those designs.

The benchmark for the coverages is :func:`exact_line_coverage`: on an exact line with Gaussian
level values the rule's interval covers about 0.97, not 0.95, because its widening for lack of
fit also fires on chance scatter. Each rate's Monte-Carlo error is
the binomial ``sqrt(r (1 - r) / reps)``. Replicates are seeded per design by
``SeedSequence([seed, crc32(design key)])``, so the numbers do not depend on which other designs
are run, on their order or on the number of workers.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..rates import (
    CONSISTENT,
    CONTRADICTED,
    FLOOR_LIMITED,
    UNDERPOWERED,
    fit_rate,
    fit_two_term,
    judge,
)
from .expr import Expr
from .level_calibration import calibrate_levels, level_designs
from .level_calibration import report_lines as level_report_lines
from .level_calibration import write_csv as write_level_csv
from .spec import group_label

__all__ = [
    "Design",
    "Calibration",
    "LAWS",
    "study_designs",
    "design_from_data",
    "synthetic_design",
    "simulate",
    "calibrate",
    "calibrate_all",
    "summarize",
    "write_report",
    "main",
]

LAWS = ("resample", "lognormal")
RATES = ("coverage", "false_contra", "power", "false_consist", "detect")
NOMINAL_MIN = 0.90  # designs whose measured coverage falls below this are listed
LEVEL_REPS = 4000  # replicates per level-claim design and law (vectorized: seconds in all)
LACK_OF_FIT = 2.0  # committed CI over the simulated one above which lack of fit sets the CI


@dataclass(frozen=True, eq=False)
class Design:
    """What a claim's fit sees on one group: levels, seeds, noise law, form and verdict rule.

    Attributes
    ----------
    study, claim, group : str
        Study name, claim label (``"claim 2 w1"``), group label (``"k=2"``).
    kind : str
        ``"claim"`` or ``"control"`` (the negative control of a bound claim).
    role, on, form, statistic : str
        The claim's role, fitted axis, form and statistic.
    level, tolerance, predicted, subleading : float
        CI level, equivalence margin, the (first) predicted exponent, the two-term q.
    bound : bool
        Whether the prediction is an upper bound.
    N : ndarray, shape (L,)
        The fitted levels (after the floor).
    residuals : tuple of ndarray
        Per level, the observed values divided by their seed mean.
    log_sd : ndarray, shape (L,)
        Per level, the standard deviation of log value (the lognormal law).
    observed_ci : (float, float) or None
        The CI the claim's fit gives on the committed table.
    """

    study: str
    claim: str
    group: str
    kind: str
    role: str
    on: str
    form: str
    statistic: str
    level: float
    tolerance: float
    predicted: float
    bound: bool
    subleading: float
    N: np.ndarray = field(repr=False)
    residuals: tuple = field(repr=False)
    log_sd: np.ndarray = field(repr=False)
    observed_ci: tuple | None = None

    @property
    def key(self) -> str:
        tail = " (control)" if self.kind == "control" else ""
        return f"{self.study} / {self.claim} / {self.group}{tail}"

    @property
    def n_per_level(self) -> np.ndarray:
        return np.array([r.size for r in self.residuals], dtype=int)

    @property
    def decades(self) -> float:
        return float(np.log10(self.N.max() / self.N.min()))

    @property
    def replicated(self) -> bool:
        """Whether some level has several seeds (else the fit is OLS on the levels: no seed noise
        to simulate, the CI measures the scatter about the line)."""
        return bool(self.n_per_level.max() >= 2)

    @property
    def equivariant(self) -> bool:
        """Whether the fitted CI shifts with the true exponent (see the module docstring)."""
        return self.form in ("power", "N/logN")


def _log_sd(groups) -> np.ndarray:
    """Per level: sd of log value (ddof 1), or the lognormal sd with the same relative variance
    when a value is <= 0; the pooled value for a level without replication."""
    sd = np.full(len(groups), np.nan)
    for j, g in enumerate(groups):
        if g.size < 2:
            continue
        if np.all(g > 0):
            sd[j] = np.log(g).std(ddof=1)
        else:
            sd[j] = math.sqrt(math.log1p(g.var(ddof=1) / g.mean() ** 2))
    n = np.array([g.size for g in groups], dtype=float)
    ok = np.isfinite(sd)
    pooled = math.sqrt(np.sum((n[ok] - 1) * sd[ok] ** 2) / np.sum(n[ok] - 1)) if ok.any() else 0.0
    return np.where(ok, sd, pooled)


def design_from_data(N, values, *, spec=None, **meta) -> Design:
    """The design of a fit on ``(N, values)`` (one value per cell): its levels, seeds per level
    and relative residuals. ``claim`` (a :class:`~ratesim.study.spec.Claim`) supplies the form,
    statistic, level, tolerance, bound and subleading exponent unless ``meta`` gives them;
    ``meta`` may also set study, claim (a label), group, kind, role, predicted, observed_ci.

    Raises ValueError when a level's seed mean is <= 0 (no relative residuals).
    """
    N = np.asarray(N, dtype=float).ravel()
    v = np.asarray(values, dtype=float).ravel()
    lv = np.unique(N)
    groups = [v[N == x] for x in lv]
    means = np.array([g.mean() for g in groups])
    if np.any(means <= 0) or not np.all(np.isfinite(means)):
        raise ValueError(f"a level has a seed mean <= 0 (at {lv[means <= 0][:3]})")
    from_claim = {}
    if spec is not None:
        from_claim = dict(
            claim=spec.label,
            role=spec.role,
            on=spec.on,
            form=spec.form,
            statistic=spec.statistic,
            level=spec.level,
            tolerance=spec.tolerance,
            bound=spec.bound,
            subleading=spec.subleading,
        )
    defaults = dict(
        study="",
        claim="",
        group="all",
        kind="claim",
        role="paper",
        on="N",
        form="power",
        statistic="mean",
        level=0.95,
        tolerance=0.1,
        predicted=0.0,
        bound=False,
        subleading=0.5,
        observed_ci=None,
    )
    kw = {**defaults, **from_claim, **meta}
    return Design(
        N=lv,
        residuals=tuple(g / m for g, m in zip(groups, means, strict=True)),
        log_sd=_log_sd(groups),
        **kw,
    )


def synthetic_design(N, seeds: int, log_sd: float, *, rng, **meta) -> Design:
    """A design with ``seeds`` seeds at each of the levels ``N`` whose residuals are a lognormal
    sample (drawn with ``rng``) with log standard deviation ``log_sd``, for tests and what-if
    questions; ``meta`` as in :func:`design_from_data`."""
    rng = np.random.default_rng(rng)
    lv = np.asarray(N, dtype=float)
    NN = np.repeat(lv, seeds)
    v = np.exp(log_sd * rng.standard_normal(NN.size))
    d = design_from_data(NN, v, **meta)
    # the lognormal law uses the stated log sd, not the sample's
    return Design(**{**d.__dict__, "log_sd": np.full(lv.size, float(log_sd))})


# --------------------------------------------------------------------------------------------------
# designs of the studies


def _claim_designs(study, df, notes: list) -> list[Design]:
    """The designs of every claim group (and bound control) of one study on its table ``df``."""
    from . import claims as C

    out = []
    for ci, claim in enumerate(study.claims):
        if claim.form == "level":  # no fitted slope: calibrated by .level_calibration
            continue
        variants = [("claim", dict(claim.where))]
        if claim.bound and claim.control:
            variants.append(("control", {**claim.where, **claim.control}))
        preds = claim.predictions()
        for kind, where in variants:
            label = f"claim {ci + 1} {claim.label}"
            sub = C._select(df, claim, where)
            if sub.empty:
                notes.append(f"{study.name} / {label} ({kind}): no rows in the committed table")
                continue
            gcols = [C._column(sub, g) for g in claim.group_by]
            groups = sub.groupby(gcols, sort=True, dropna=False) if gcols else [((), sub)]
            for key, g in groups:
                key = key if isinstance(key, tuple) else (key,)
                group = {n: C._py(v) for n, v in zip(claim.group_by, key, strict=True)}
                gl = group_label(group)
                where_s = f"{study.name} / {label} / {gl}" + (
                    " (control)" if kind == "control" else ""
                )
                x = g[C._column(g, claim.on)].to_numpy(dtype=float)
                v = g["value"].to_numpy(dtype=float)
                levels = np.unique(x)
                if levels.size < C.MIN_LEVELS or C._decades(levels) < C.MIN_DECADES:
                    notes.append(f"{where_s}: {UNDERPOWERED} (no verdict to calibrate)")
                    continue
                floor = C._floor_of(claim, df, g)
                if floor is not None:
                    if np.any(~np.isfinite(floor)):
                        notes.append(f"{where_s}: floor missing in some cells")
                        continue
                    keep = np.ones(x.size, dtype=bool)
                    for lv in levels:
                        at = x == lv
                        if v[at].mean() < claim.floor_factor * floor[at].mean():
                            keep[at] = False
                    x, v = x[keep], v[keep]
                    usable = np.unique(x)
                    if usable.size < C.MIN_LEVELS or C._decades(usable) < C.MIN_DECADES:
                        notes.append(f"{where_s}: {FLOOR_LIMITED} (no verdict to calibrate)")
                        continue
                p0 = next(iter(preds.values()))
                try:
                    pv = float(p0(**group) if isinstance(p0, Expr) else p0)
                except Exception as e:  # an expression of a parameter the group lacks
                    notes.append(f"{where_s}: cannot evaluate the prediction ({e})")
                    continue
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        fit = C._fit(claim, x, v, claim.form)
                    obs = (float(fit.ci[0]), float(fit.ci[1]))
                except ValueError as e:
                    notes.append(f"{where_s}: the claim's fit fails on the table ({e})")
                    continue
                try:
                    d = design_from_data(
                        x,
                        v,
                        spec=claim,
                        study=study.name,
                        claim=label,
                        group=gl,
                        kind=kind,
                        predicted=pv,
                        observed_ci=obs,
                    )
                except ValueError as e:
                    notes.append(f"{where_s}: {e}")
                    continue
                if not d.replicated:
                    notes.append(
                        f"{where_s}: one value per level (a deterministic metric): no seed "
                        "noise to simulate; its CI is the t interval of the levels' scatter about "
                        "the line"
                    )
                    continue
                out.append(d)
    return out


def study_designs(
    studies_dir="studies", reports_dir="reports", *, names=None, notes: list | None = None
) -> list[Design]:
    """The designs of every study with a committed table (see the module docstring).

    Parameters
    ----------
    studies_dir, reports_dir : path
        The studies directory and the full-run reports (``reports_dir/NAME/results.csv``).
    names : iterable of str, optional
        Only these studies.
    notes : list, optional
        Receives one line per study or group left out, and why (a study file that does not load
        or validate, no committed table, an underpowered or floor-limited group, ...).
    """
    from .claims import committed_studies

    notes = [] if notes is None else notes
    out = []
    for _name, study, df in committed_studies(studies_dir, reports_dir, names=names, notes=notes):
        out.extend(_claim_designs(study, df, notes))
    return out


# --------------------------------------------------------------------------------------------------
# simulation


def _truth_x(design: Design) -> np.ndarray:
    N = design.N
    return np.log(N / np.log(N)) if design.form == "N/logN" else np.log(N)


def _noise(design: Design, law: str, rng) -> list[np.ndarray]:
    if law == "resample":
        return [r[rng.integers(0, r.size, size=r.size)] for r in design.residuals]
    if law == "lognormal":
        out = []
        for n, s in zip(design.n_per_level, design.log_sd, strict=True):
            out.append(np.exp(s * rng.standard_normal(n) - 0.5 * s * s))
        return out
    raise ValueError(f"law must be one of {LAWS} (got {law!r})")


# evaluations per start of a two-term fit in the simulation: a start converges in a few dozen to a
# few hundred, but where the two terms cannot be told apart (a true exponent near the subleading
# one, -q) it wanders for the whole default budget (20000), seconds per fit; fits whose best start
# hits the cap are counted (``capped``)
NFEV_CAP = 500


def _fit_ci(design: Design, N, v, capped: list | None = None) -> tuple[float, float]:
    """The claim's CI on one synthetic table; the whole line when the fit fails. For the
    two-term form, appends to ``capped`` whether the fit's best start hit :data:`NFEV_CAP`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if design.form == "two_term":
                f = fit_two_term(
                    N,
                    v,
                    subleading=design.subleading,
                    statistic=design.statistic,
                    level=design.level,
                    max_nfev=NFEV_CAP,
                )
                if capped is not None:
                    capped.append(not f.converged)
            else:
                tr = "N" if design.form == "power" else "N/logN"
                f = fit_rate(N, v, statistic=design.statistic, transform=tr, level=design.level)
    except ValueError:
        return (-math.inf, math.inf)
    lo, hi = (float(c) for c in f.ci)
    if math.isnan(lo) or math.isnan(hi):
        return (-math.inf, math.inf)  # no interval (a degenerate two-term fit)
    return (lo, hi)


def simulate(
    design: Design, true_slope: float, reps: int, *, rng, law: str = "resample", info=None
) -> np.ndarray:
    """Fitted CIs of the claim's form on ``reps`` synthetic tables ``x^true_slope * noise``.

    Parameters
    ----------
    design : Design
    true_slope : float
        The exponent of the synthetic law.
    reps : int
    rng : numpy Generator (or a seed for ``numpy.random.default_rng``)
    law : {"resample", "lognormal"}
    info : dict, optional
        Receives ``capped``: the number of two-term fits whose best start hit the evaluation cap.

    Returns
    -------
    ndarray, shape (reps, 2)
        The CIs ``(lo, hi)`` (``(-inf, inf)`` where the fit failed).
    """
    rng = np.random.default_rng(rng)
    xt = _truth_x(design)
    NN = np.repeat(design.N, design.n_per_level)
    base = np.repeat(np.exp(true_slope * (xt - xt.mean())), design.n_per_level)
    out = np.empty((int(reps), 2))
    capped: list = []
    for r in range(int(reps)):
        e = np.concatenate(_noise(design, law, rng))
        out[r] = _fit_ci(design, NN, base * e, capped)
    if info is not None:
        info["capped"] = info.get("capped", 0) + int(sum(capped))
    return out


def verdicts(cis, predicted: float, tolerance: float, bound: bool = False) -> np.ndarray:
    """:func:`ratesim.rates.judge` of every CI (rows of ``cis``)."""
    return np.array([judge(ci, predicted, tolerance, bound=bound)[0] for ci in cis])


def _truths(design: Design) -> list[float]:
    p, t = design.predicted, design.tolerance
    return [p + 2 * t] if design.bound else [p - 2 * t, p + 2 * t]


@dataclass
class Calibration:
    """The measured rates of one design under one noise law (see the module docstring)."""

    design: Design
    law: str
    reps: int
    coverage: float
    false_contra: float
    power: float
    false_consist: float
    detect: float
    halfwidth: float  # median CI half-width at truth = p
    failed: int  # fits without an interval (all truths)
    capped: int = 0  # two-term fits whose best start hit the evaluation cap (all truths)

    def n(self, rate: str) -> int:
        """Replicates behind a rate (the two false truths of a two-sided band count twice)."""
        two = rate in ("false_consist", "detect") and not self.design.bound
        return self.reps * (2 if two else 1)

    def sd(self, rate: str) -> float:
        """Binomial Monte-Carlo standard error of a rate, ``sqrt(r (1 - r) / n)``."""
        r = getattr(self, rate)
        return math.sqrt(max(r * (1 - r), 0.0) / self.n(rate))

    @property
    def lack_of_fit(self) -> float:
        """Observed CI half-width over the simulated one: >> 1 when the committed CI is set by
        the levels' scatter about the line (curvature), not by seed noise."""
        d = self.design
        if not d.observed_ci or not self.halfwidth > 0:
            return float("nan")
        return 0.5 * (d.observed_ci[1] - d.observed_ci[0]) / self.halfwidth

    @property
    def seed_noise(self) -> bool:
        """Whether the committed CI is at most :data:`LACK_OF_FIT` times the simulated one, i.e.
        set by seed noise, which the simulation reproduces."""
        return not self.lack_of_fit > LACK_OF_FIT

    def row(self) -> dict:
        d = self.design
        return dict(
            study=d.study,
            claim=d.claim,
            group=d.group,
            kind=d.kind,
            role=d.role,
            law=self.law,
            form=d.form,
            statistic=d.statistic,
            bound=d.bound,
            levels=d.N.size,
            decades=round(d.decades, 3),
            seeds_min=int(d.n_per_level.min()),
            seeds_median=float(np.median(d.n_per_level)),
            tolerance=d.tolerance,
            predicted=d.predicted,
            observed_lo=d.observed_ci[0] if d.observed_ci else float("nan"),
            observed_hi=d.observed_ci[1] if d.observed_ci else float("nan"),
            sim_halfwidth=self.halfwidth,
            reps=self.reps,
            failed=self.failed,
            capped=self.capped,
            lack_of_fit=self.lack_of_fit,
            **{r: getattr(self, r) for r in RATES},
            **{f"{r}_sd": self.sd(r) for r in RATES},
        )


def _design_seed(design: Design, seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([int(seed), zlib.crc32(design.key.encode())])


def calibrate(design: Design, reps: int = 200, seed: int = 0, laws=LAWS) -> list[Calibration]:
    """The rates of ``design`` under each noise law in ``laws`` (deterministic given ``seed``:
    the replicates of a design and law come from ``SeedSequence([seed, crc32(key)])``)."""
    ss = _design_seed(design, seed)
    out = []
    p, tol, bound = design.predicted, design.tolerance, design.bound
    for law, child in zip(LAWS, ss.spawn(len(LAWS)), strict=True):
        if law not in laws:
            continue
        info: dict = {}
        at_p = simulate(design, p, reps, rng=np.random.default_rng(child), law=law, info=info)
        if design.equivariant:
            others = [at_p + (b - p) for b in _truths(design)]
        else:  # common random numbers: the same noise at every truth
            others = [
                simulate(design, b, reps, rng=np.random.default_rng(child), law=law, info=info)
                for b in _truths(design)
            ]
        v_p = verdicts(at_p, p, tol, bound)
        v_o = np.concatenate([verdicts(c, p, tol, bound) for c in others])
        hw = 0.5 * (at_p[:, 1] - at_p[:, 0])
        n_failed = int(np.sum(~np.isfinite(hw)))
        if not design.equivariant:
            n_failed += sum(int(np.sum(~np.isfinite(c[:, 1] - c[:, 0]))) for c in others)
        out.append(
            Calibration(
                design=design,
                law=law,
                reps=int(reps),
                coverage=float(np.mean((at_p[:, 0] <= p) & (p <= at_p[:, 1]))),
                false_contra=float(np.mean(v_p == CONTRADICTED)),
                power=float(np.mean(v_p == CONSISTENT)),
                false_consist=float(np.mean(v_o == CONSISTENT)),
                detect=float(np.mean(v_o == CONTRADICTED)),
                halfwidth=float(np.median(hw)),
                failed=n_failed,
                capped=int(info.get("capped", 0)),
            )
        )
    return out


def _calibrate_job(args):
    design, reps, seed = args
    from threadpoolctl import threadpool_limits

    t0 = time.process_time()
    with threadpool_limits(1):
        res = calibrate(design, reps, seed)
    return res, time.process_time() - t0


def calibrate_all(
    designs,
    reps: int = 200,
    seed: int = 0,
    jobs: int = 1,
    progress=None,
    reps_two_term=None,
    stats: dict | None = None,
):
    """:func:`calibrate` every design on ``jobs`` processes (``reps_two_term`` replicates for the
    two-term designs, default ``reps``); the calibrations in the order of ``designs``, one per
    design and noise law. The numbers do not depend on ``jobs``. ``stats`` receives the CPU
    seconds spent (``cpu``, and ``cpu_two_term`` of it on the two-term designs)."""
    designs = list(designs)
    r2 = int(reps if reps_two_term is None else reps_two_term)
    tasks = [(d, int(reps) if d.equivariant else r2, int(seed)) for d in designs]
    results: list = [None] * len(designs)
    say = progress or (lambda msg: None)
    # the slow two-term designs first, so the workers finish together
    order = sorted(range(len(designs)), key=lambda i: designs[i].equivariant)
    done = 0

    stats = {} if stats is None else stats
    stats.update(cpu=0.0, cpu_two_term=0.0)

    def report(i, res, dt):
        nonlocal done
        done += 1
        stats["cpu"] += dt
        if not designs[i].equivariant:
            stats["cpu_two_term"] += dt
        cov = ", ".join(f"{c.law} {c.coverage:.3f}" for c in res)
        say(f"[{done}/{len(designs)}] {designs[i].key}: coverage {cov} ({dt:.1f} s CPU)")

    if jobs <= 1:
        for i in order:
            res, dt = _calibrate_job(tasks[i])
            results[i] = res
            report(i, res, dt)
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=int(jobs)) as ex:
            futs = {ex.submit(_calibrate_job, tasks[i]): i for i in order}
            for fut in as_completed(futs):
                i = futs[fut]
                res, dt = fut.result()
                results[i] = res
                report(i, res, dt)
    return [c for res in results for c in res]


# --------------------------------------------------------------------------------------------------
# summary and report


def exact_line_coverage(levels: int, level: float = 0.95) -> float:
    """Coverage of the rule's interval when the levels lie on an exact line and the level values
    are Gaussian with known standard errors: the benchmark the measured coverages are read
    against.

    The slope's z statistic ``Z`` is independent of the weighted residual sum of squares
    ``chi2 ~ chi2_(L-2)``. When ``chi2 <= L - 2`` the interval is ``+- z se`` (coverage ``level``);
    otherwise the Birge widening makes it ``+- t_(L-2) sqrt(chi2 / (L - 2)) se``, so

        c(L) = level P(chi2 <= L-2) + E[(2 Phi(t_(L-2) sqrt(chi2 / (L-2))) - 1) 1{chi2 > L-2}],

    about 0.97 for L = 4 ... 12 at level 0.95: the widening fires on chance scatter in about 40% of
    the fits, and then widens by at least ``t_(L-2) / z`` (1.42 at L = 6).
    """
    from scipy import integrate, stats

    k = int(levels) - 2
    if k < 1:
        raise ValueError(f"levels must be >= 3 (got {levels})")
    t = stats.t.ppf(0.5 + level / 2, k)
    tail = integrate.quad(
        lambda u: (2 * stats.norm.cdf(t * np.sqrt(u / k)) - 1) * stats.chi2.pdf(u, k), k, np.inf
    )[0]
    return float(level * stats.chi2.cdf(k, k) + tail)


def _chance_below(reps: int, threshold: float, nominal: float = 0.95) -> float:
    """P(a design of exact ``nominal`` coverage measures < ``threshold`` in ``reps`` replicates)."""
    from scipy import stats

    return float(stats.binom.cdf(math.ceil(threshold * reps) - 1, reps, nominal))


def _stats(cs: list[Calibration]) -> dict:
    cov = np.array([c.coverage for c in cs])
    s = dict(
        designs=len(cs),
        median_coverage=float(np.median(cov)) if cs else float("nan"),
        worst_coverage=float(cov.min()) if cs else float("nan"),
        worst=cs[int(np.argmin(cov))] if cs else None,
        below=[c for c in sorted(cs, key=lambda c: c.coverage) if c.coverage < NOMINAL_MIN],
        chance_below=float(sum(_chance_below(c.reps, NOMINAL_MIN) for c in cs)),
        capped=int(sum(c.capped for c in cs)),
        failed=int(sum(c.failed for c in cs)),
    )
    for r in RATES:
        vals = np.array([getattr(c, r) for c in cs])
        var = np.array([c.sd(r) ** 2 for c in cs])
        s[r] = (float(vals.mean()), float(np.sqrt(var.sum()) / len(cs))) if cs else (np.nan,) * 2
        s[f"max_{r}"] = max(cs, key=lambda c, r=r: getattr(c, r)) if cs else None
        s[f"min_{r}"] = min(cs, key=lambda c, r=r: getattr(c, r)) if cs else None
    return s


def summarize(cals: list[Calibration]) -> dict:
    """Per noise law, over all designs (``"all"``) and over those whose committed CI is set by
    seed noise (``"noise"``, :attr:`Calibration.seed_noise`): the number of designs, median and
    worst coverage, the designs below :data:`NOMINAL_MIN` and how many an exact 0.95 coverage
    would put there by binomial chance, and the mean of every rate over the designs with its
    Monte-Carlo standard error ``sqrt(sum_i r_i (1 - r_i) / n_i) / D``; ``"lack_of_fit"`` lists
    the other designs."""
    out = {}
    for law in LAWS:
        cs = [c for c in cals if c.law == law]
        if cs:
            out[law] = {
                "all": _stats(cs),
                "noise": _stats([c for c in cs if c.seed_noise]),
                "lack_of_fit": [c for c in cs if not c.seed_noise],
            }
    return out


def plot_coverage(cals: list[Calibration], path) -> Path:
    """Coverage per design against seeds per level (a panel per noise law), with the nominal
    level, its binomial bands and the exact-line benchmark."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    laws = [law for law in LAWS if any(c.law == law for c in cals)]
    fig, axes = plt.subplots(
        1, len(laws), figsize=(6.2 * len(laws), 5.6), sharey=True, squeeze=False
    )
    nominal = 0.95
    reps = int(np.median([c.reps for c in cals if c.design.equivariant] or [c.reps for c in cals]))
    sd = math.sqrt(nominal * (1 - nominal) / reps)
    Lm = int(np.median([c.design.N.size for c in cals]))
    lo = max(min([c.coverage for c in cals] + [NOMINAL_MIN]) - 0.03, 0.0)
    col = {"resample": "#0969da", "lognormal": "#bf8700"}
    for ax, law in zip(axes.ravel(), laws, strict=True):
        ax.axhspan(
            nominal - 1.96 * sd,
            nominal + 1.96 * sd,
            color="0.87",
            lw=0,
            label=f"binomial 95% band of a 0.95 coverage ({reps} reps)",
        )
        ax.axhline(nominal - 3.29 * sd, color="0.55", ls=":", lw=1, label="binomial 99.9% band")
        ax.axhline(nominal + 3.29 * sd, color="0.55", ls=":", lw=1)
        ax.axhline(nominal, color="black", lw=1.2, label=f"nominal {nominal:.2f}")
        ax.axhline(
            exact_line_coverage(Lm),
            color="#1a7f37",
            lw=1,
            ls="-.",
            label=f"exact line, Gaussian levels, L = {Lm}",
        )
        ax.axhline(NOMINAL_MIN, color="#cf222e", lw=0.8, ls="--", label=f"{NOMINAL_MIN:.2f}")
        cs = [c for c in cals if c.law == law]
        rng = np.random.default_rng(0)
        x = np.array([np.median(c.design.n_per_level) for c in cs], dtype=float)
        x = x * np.exp(rng.uniform(-0.08, 0.08, x.size))  # jitter: designs share seed counts
        y = np.array([c.coverage for c in cs])
        noise = np.array([c.seed_noise for c in cs])
        two = np.array([not c.design.equivariant for c in cs])
        sel = noise & ~two
        ax.scatter(
            x[sel], y[sel], s=16, color=col[law], alpha=0.6, lw=0, label="CI set by seed noise"
        )
        sel = noise & two
        if sel.any():
            ax.scatter(
                x[sel],
                y[sel],
                s=24,
                facecolor="none",
                edgecolor=col[law],
                lw=1,
                label=f"same, two-term form ({cs[int(np.argmax(two))].reps} reps)",
            )
        sel = ~noise
        if sel.any():
            ax.scatter(
                x[sel],
                y[sel],
                s=18,
                marker="x",
                color="0.45",
                lw=0.8,
                label=f"CI set by lack of fit (> {LACK_OF_FIT:g}x)",
            )
        ax.set_xscale("log")
        ax.set_xticks([5, 10, 20, 40])
        ax.set_xticklabels(["5", "10", "20", "40"])
        ax.minorticks_off()
        ax.set_xlabel("seeds per level (median over the design's levels; jittered)")
        ax.set_title(f"{law} noise ({len(cs)} designs)", fontsize=10)
        ax.set_ylim(lo, 1.005)
        ax.legend(
            fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False
        )
    axes.ravel()[0].set_ylabel("coverage of the true exponent")
    fig.suptitle("CI coverage at the studies' designs", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _table(cals: list[Calibration]) -> list[str]:
    lines = [
        "| design | form | L | seeds | tol | obs. hw | sim. hw | reps | coverage | false contra. "
        "| power | false consist. | detect |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cals:
        d = c.design
        n = d.n_per_level
        seeds = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
        obs = 0.5 * (d.observed_ci[1] - d.observed_ci[0]) if d.observed_ci else float("nan")
        form = d.form + ("" if d.statistic == "mean" else f", {d.statistic}")
        form += ", bound" if d.bound else ""
        cov = f"{c.coverage:.3f}"
        if c.coverage < NOMINAL_MIN:
            cov = f"**{cov}**"
        extra = [f"{c.failed} no CI"] * bool(c.failed) + [f"{c.capped} capped"] * bool(c.capped)
        if extra:
            cov += f" ({', '.join(extra)})"
        lines.append(
            f"| {d.key} | {form} | {d.N.size} | {seeds} | {d.tolerance:g} | {obs:.3g} "
            f"| {c.halfwidth:.3g} | {c.reps} | {cov} | {c.false_contra:.3f} "
            f"| {c.power:.3f} | {c.false_consist:.3f} | {c.detect:.3f} |"
        )
    return lines


def _ratio(r: float) -> str:
    return ">= 10^4 x (almost no seed noise)" if r >= 1e4 else f"{r:.3g}x"


def _fmt_rate(v) -> str:
    if v[0] >= 0.01 or v[0] == 0:
        return f"{v[0]:.4f} ± {v[1]:.4f}"
    return f"{v[0]:.1e} ± {v[1]:.0e}"


def write_report(
    cals,
    notes,
    out,
    *,
    seed: int,
    seconds: float,
    cpu: dict,
    jobs: int,
    command: str,
    levels: list[str] = (),
) -> Path:
    """README.md, coverage.png and calibration.csv in ``out``; ``levels``: the level-claim
    section (:func:`ratesim.study.level_calibration.report_lines`), placed before the notes."""
    import pandas as pd

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([c.row() for c in cals]).to_csv(out / "calibration.csv", index=False)
    plot_coverage(cals, out / "coverage.png")
    summ = summarize(cals)
    keys = {c.design.key: c.design for c in cals}
    designs = list(keys.values())
    n_two = sum(not d.equivariant for d in designs)
    n_ctrl = sum(d.kind == "control" for d in designs)
    studies = sorted({d.study for d in designs})
    reps = int(np.median([c.reps for c in cals if c.design.equivariant] or [c.reps for c in cals]))
    reps2 = sorted({c.reps for c in cals if not c.design.equivariant})
    Ls = sorted({d.N.size for d in designs})
    cl = {L: exact_line_coverage(L) for L in Ls}
    sdr = lambda r, n: math.sqrt(r * (1 - r) / n)  # noqa: E731
    L = [
        "# Verdict calibration: coverage and false-verdict rates at the studies' designs",
        "",
        "A claim's verdict compares the confidence interval of a fitted exponent with the band",
        "`p ± tolerance` (`ratesim.rates.judge`): *consistent* only when the whole CI lies",
        "inside, *contradicted* when they are disjoint, *inconclusive* otherwise. The CI is",
        "approximate (a seed bootstrap on a few levels, widened when the levels scatter about the",
        "line more than their seed noise allows), so this report measures by simulation how often",
        "the rule errs at the designs the studies actually use: the same levels, seeds per level,",
        "form, statistic, CI level and tolerance, and the observed seed noise of every level.",
        "The method is described in the docstring of `ratesim/study/calibration.py`; the report",
        f"is regenerated by `{command}`.",
        "",
        "## Design of the simulation",
        "",
        f"- **Designs**: {len(designs)} from {len(studies)} studies with a committed table: every",
        "  claim group that reaches a verdict (not underpowered, not floor-limited, fitted on",
        f"  the levels left after the floor) and the negative controls of bound claims ({n_ctrl}).",
        f"  {n_two} designs use the two-term form. Groups with one value per level, studies that",
        "  do not load and groups without a verdict are listed at the end.",
        "- **Truth**: `C x^b` at the design's levels (`x = N`, or `N / log N` for the `N/logN`",
        "  form; the two-term designs get the pure power, `c = 0`), with `b = p` (the prediction",
        "  holds) and `b = p ± 2 tol` (false by twice the margin; a bound: `p + 2 tol`,",
        "  violated). `p` is the claim's first prediction for the group.",
        "- **Noise**: *resample*: each level's observed relative residuals (value / seed mean),",
        "  drawn with replacement, so heavy tails are reproduced; *lognormal*: `exp(s Z - s^2/2)`",
        "  with each level's observed standard deviation of log value.",
        "- **Fit and verdict**: the claim's own fit (`fit_rate` / `fit_two_term`, same form,",
        "  statistic and level, a 2000-replicate seed bootstrap for the mean) and `judge`.",
        f"- **Replicates**: {reps} per design and noise law"
        + (
            f" ({', '.join(map(str, reps2))} for the two-term designs, whose fit is ~10x slower"
            " and up to seconds: see below)"
            if reps2 and reps2 != [reps]
            else ""
        )
        + f", seed {seed} (`SeedSequence([seed, crc32(design)])`",
        "  per design: deterministic, independent of the other designs and of the workers).",
        "- **Monte-Carlo error** of a rate r from n replicates: `sqrt(r (1 - r) / n)`: with n =",
        f"  {reps}, {sdr(0.95, reps):.4f} at a coverage of 0.95, {sdr(0.025, reps):.4f} at a rate",
        f"  of 0.025, {sdr(0.5, reps):.4f} at most"
        + (
            f"; with n = {reps2[0]} (two-term), {sdr(0.95, reps2[0]):.4f} at 0.95"
            if reps2 and reps2 != [reps]
            else ""
        )
        + ". The false truths of a two-sided band count twice (n = 2 reps). A rate measured",
        f"  as 0 in n replicates is below 3 / n with 95% confidence ({3 / reps:.3f} at n ="
        f" {reps}). Each design's rates and their errors are in `calibration.csv`.",
        f"- **Cost**: {cpu.get('cpu', float('nan')):.0f} s of CPU "
        f"({cpu.get('cpu_two_term', float('nan')):.0f} s of it on the two-term designs), "
        f"{seconds:.0f} s wall on {jobs} worker processes",
        f"  (about {cpu.get('cpu', float('nan')) / 2 / 60:.1f} min on 2 otherwise idle cores).",
        "",
        "| rate | meaning |",
        "|---|---|",
        "| coverage | P(the CI contains the true exponent \\| truth = p) |",
        "| false contra. | P(contradicted \\| truth = p): a true prediction rejected |",
        "| power | P(consistent \\| truth = p): a true prediction confirmed |",
        "| false consist. | P(consistent \\| truth = p ± 2 tol), both sides averaged |",
        "| detect | P(contradicted \\| truth = p ± 2 tol) |",
        "",
        "## Summary",
        "",
        *(
            ["The reading of this run: [reading.md](reading.md).", ""]
            if (out / "reading.md").is_file()
            else []
        ),
        "| noise law | designs | median coverage | worst coverage | < 0.90 (chance) "
        "| false contra. | false consist. | power | detect |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for law, ss in summ.items():
        for part, label in (("all", "all"), ("noise", "CI set by seed noise")):
            s = ss[part]
            if not s["designs"]:
                continue
            L.append(
                f"| {law} | {label}: {s['designs']} | {s['median_coverage']:.3f} "
                f"| {s['worst_coverage']:.3f} | {len(s['below'])} ({s['chance_below']:.1f}) "
                f"| {_fmt_rate(s['false_contra'])} | {_fmt_rate(s['false_consist'])} "
                f"| {_fmt_rate(s['power'])} | {_fmt_rate(s['detect'])} |"
            )
    L += [
        "",
        "Rates are means over the designs (each design counts once) ± their Monte-Carlo",
        "standard error. *< 0.90 (chance)*: the designs whose coverage is below 0.90, and how",
        "many an exact coverage of 0.95 would put there by binomial chance alone, given each",
        "design's replicates. *CI set by seed noise*: the designs whose committed CI is at most",
        f"{LACK_OF_FIT:g}x the simulated one; at the others lack of fit sets it (see below).",
        "",
        "![coverage per design against seeds per level](coverage.png)",
        "",
        "## Reading the numbers",
        "",
        "- **The benchmark.** Even on an exact power law with Gaussian level values the rule's",
        "  interval does not cover 0.95 but c(L) = "
        + (f"{cl[Ls[0]]:.3f} ... {cl[Ls[-1]]:.3f}" if len(Ls) > 1 else f"{cl[Ls[0]]:.3f}")
        + f" for L = {Ls[0]}"
        + (f" ... {Ls[-1]}" if len(Ls) > 1 else "")
        + " levels (`exact_line_coverage`): the",
        "  widening for lack of fit fires on chance scatter in about 40% of the fits and then",
        "  widens by at least `t_(L-2) / z`. A coverage near 0.97 is the rule working as",
        "  designed; near 0.95 the seed-noise interval itself is already short.",
    ]

    def _worst(s, rate, label):
        c = s[f"max_{rate}"]
        top = getattr(c, rate)
        if top == 0:
            return f"{label}: none at any design."
        return f"{label}: mean {_fmt_rate(s[rate])}, at most {top:.3f} ({c.design.key})."

    for law, ss in summ.items():
        first = "noise" if ss["noise"]["designs"] else "all"
        for part in dict.fromkeys([first, "all"]):
            s = ss[part]
            w = s["worst"]
            label = "CI set by seed noise" if part == "noise" else "all designs"
            L += [
                f"- **{law} noise, {label}**: median coverage {s['median_coverage']:.3f}, worst"
                f" {w.coverage:.3f} ± {w.sd('coverage'):.3f} ({w.design.key}); {len(s['below'])}"
                f" designs below 0.90 where chance alone would put {s['chance_below']:.1f}. "
                + _worst(s, "false_contra", "False contradiction")
                + " "
                + _worst(s, "false_consist", "False consistency"),
            ]
    s0 = (summ.get("resample") or next(iter(summ.values())))["all"]
    L += [
        "- **Why the false verdicts are rare.** At truth p a contradiction needs the CI to miss",
        "  p by more than the margin; at truth p ± 2 tol a consistent verdict needs it to miss",
        "  the truth by more than the margin: both are subsets of non-coverage, and the",
        "  registered margins are several CI half-widths at most designs (compare `tol` with",
        "  `sim. hw` in the tables). Where the CI is wider than the band the rule answers",
        f"  *inconclusive* instead: the mean power is {s0['power'][0]:.3f}, lowest"
        f" {s0['min_power'].power:.3f} at {s0['min_power'].design.key}.",
    ]
    lof = (summ.get("resample") or next(iter(summ.values())))["lack_of_fit"]
    if lof:
        L += [
            f"- **Lack of fit.** At {len(lof)} designs the CI on the committed table is more than"
            f" {LACK_OF_FIT:g}x",
            "  the simulated one (listed below): the levels scatter about the line more than",
            "  their seed noise allows (curvature, pre-asymptotic levels, or a metric with almost",
            "  no seed noise), the committed CI is set by the widening for lack of fit, and a",
            "  simulation of seed noise about an exact line does not describe its verdict. Where",
            "  the seed noise is almost zero (ratios of 10^4 and more) the simulated CI is a few",
            "  rounding errors wide and its coverage is not informative.",
        ]
    if n_two:
        cap = sum(c.capped for c in cals if not c.design.equivariant)
        nfit = sum(c.reps * (1 + len(_truths(c.design))) for c in cals if not c.design.equivariant)
        L += [
            "- **Two-term designs.** `fit_two_term` tries three starts of up to 20000 evaluations",
            "  each; when the true exponent is close to the subleading one (`-q`) the two terms",
            "  cannot be told apart and a start wanders for the whole budget (seconds per fit).",
            f"  The simulation caps each start at {NFEV_CAP} evaluations (converged starts use a",
            f"  few dozen to ~300); {cap} of {nfit} two-term fits had their best start at the cap,",
            "  and only those can differ from the uncapped fit (marked `capped` in the tables).",
        ]
    L.append("")
    for law, ss in summ.items():
        below = ss["all"]["below"]
        L += [f"### Designs with coverage below {NOMINAL_MIN:.2f} ({law} noise)", ""]
        if not below:
            L += ["None.", ""]
            continue
        for c in below:
            d = c.design
            lf = "" if c.seed_noise else f"; committed CI {_ratio(c.lack_of_fit)} the simulated one"
            L.append(
                f"- {d.key}: {c.coverage:.3f} ± {c.sd('coverage'):.3f} ({d.form}, "
                f"{d.N.size} levels, {int(np.median(d.n_per_level))} seeds per level, "
                f"{c.reps} replicates; false contradiction {c.false_contra:.3f}, false "
                f"consistency {c.false_consist:.3f}{lf})"
            )
        L.append("")
    if lof:
        L += [
            f"### Designs whose committed CI is set by lack of fit (obs. hw > {LACK_OF_FIT:g} x"
            " sim. hw, resample noise)",
            "",
        ]
        for c in sorted(lof, key=lambda c: -c.lack_of_fit):
            L.append(f"- {c.design.key}: {_ratio(c.lack_of_fit)}")
        L.append("")
    for law in LAWS:
        cs = [c for c in cals if c.law == law]
        if not cs:
            continue
        L += [
            f"## Per design: {law} noise",
            "",
            "`L` levels; `seeds` per level; `tol` the claim's margin; `obs. hw` the half-width of",
            "the CI on the committed table; `sim. hw` its median over the replicates at truth p;",
            "`no CI`: fits without an interval (counted as the whole line: inconclusive,",
            "covering);",
            "`capped`: see the two-term note above. Coverages below 0.90 in bold.",
            "",
            *_table(cs),
            "",
        ]
    L += list(levels)
    L += ["## Left out", ""]
    L += [f"- {n}" for n in notes] if notes else ["Nothing."]
    L += [
        "",
        "`calibration.csv` holds one row per design and noise law (rates and their Monte-Carlo",
        "standard errors).",
        "",
    ]
    (out / "README.md").write_text("\n".join(L))
    return out / "README.md"


# --------------------------------------------------------------------------------------------------
# command line


def build_parser() -> argparse.ArgumentParser:
    from ..cli import _available_cores, _positive_int

    root = Path(__file__).resolve().parents[2]
    p = argparse.ArgumentParser(
        prog="ratesim calibrate",
        description="Measure the CI coverage and false-verdict rates of the verdict rule at the "
        "designs of the studies' committed tables (ratesim.study.calibration).",
    )
    p.add_argument(
        "--reps",
        type=_positive_int,
        default=200,
        help="replicates per design and noise law (default 200)",
    )
    p.add_argument(
        "--reps-two-term",
        type=_positive_int,
        default=40,
        help="replicates of the two-term designs, whose fit is ~10x slower (default 40)",
    )
    p.add_argument("--seed", type=int, default=0, help="the calibration seed (default 0)")
    p.add_argument(
        "--out",
        default=str(root / "reports" / "verdict_calibration"),
        help="output directory (README.md, coverage.png, calibration.csv)",
    )
    p.add_argument("--studies", default=str(root / "studies"), help="studies directory")
    p.add_argument(
        "--reports", default=str(root / "reports"), help="full-run reports (committed tables)"
    )
    p.add_argument("--only", nargs="+", default=None, metavar="STUDY", help="only these studies")
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=_available_cores(),
        help=f"worker processes (default: the cores available, {_available_cores()} here; the "
        "numbers do not depend on it)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """``ratesim calibrate``: run the calibration and write ``--out``; 0 on success, 1 when there
    is nothing to calibrate, 2 on bad input. Progress goes to stderr."""
    args = build_parser().parse_args(argv)
    if not Path(args.studies).is_dir():
        print(f"ratesim calibrate: error: no studies directory {args.studies}", file=sys.stderr)
        return 2

    def say(msg):
        print(msg, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    notes: list[str] = []
    designs = study_designs(args.studies, args.reports, names=args.only, notes=notes)
    for n in notes:
        if "skipped" in n:
            say(f"note: {n}")
    n2 = sum(not d.equivariant for d in designs)
    say(
        f"{len(designs)} designs ({n2} two-term); {args.reps} replicates ({args.reps_two_term} "
        f"two-term) x {len(LAWS)} noise laws on {args.jobs} worker(s)"
    )
    if not designs:
        say("nothing to calibrate")
        return 1
    cpu: dict = {}
    cals = calibrate_all(
        designs,
        args.reps,
        args.seed,
        jobs=args.jobs,
        progress=say,
        reps_two_term=args.reps_two_term,
        stats=cpu,
    )
    level_notes: list[str] = []
    level_cals = calibrate_levels(
        level_designs(args.studies, args.reports, names=args.only, notes=level_notes),
        reps=LEVEL_REPS,
        seed=args.seed,
    )
    Path(args.out).mkdir(parents=True, exist_ok=True)
    write_level_csv(level_cals, Path(args.out) / "level_calibration.csv")
    seconds = time.perf_counter() - t0
    root = Path(__file__).resolve().parents[2]
    shown = [str(a).replace(f"{root}/", "") for a in (sys.argv[1:] if argv is None else argv)]
    cmd = "ratesim calibrate" + "".join(f" {a}" for a in shown)
    readme = write_report(
        cals,
        notes,
        args.out,
        seed=args.seed,
        seconds=seconds,
        cpu=cpu,
        jobs=args.jobs,
        command=cmd,
        levels=level_report_lines(level_cals, level_notes),
    )
    for law, ss in summarize(cals).items():
        s = ss["all"]
        say(
            f"{law}: coverage median {s['median_coverage']:.3f}, worst {s['worst_coverage']:.3f}, "
            f"{len(s['below'])} designs < {NOMINAL_MIN} (chance {s['chance_below']:.1f}); false "
            f"contradiction {s['false_contra'][0]:.4f}, false consistency "
            f"{s['false_consist'][0]:.4f}, power {s['power'][0]:.3f}"
        )
    say(f"wrote {readme} ({seconds:.0f} s wall, {cpu['cpu']:.0f} s CPU)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
