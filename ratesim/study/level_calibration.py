"""Calibration of the level-claim verdict at the designs the studies use.

A level claim ("the metric stays below b at every N") is judged on simultaneous Student t
intervals of the seed mean (:func:`ratesim.rates.level_intervals`: Bonferroni over the L levels,
each interval at ``1 - (1 - level) / L``); it is *contradicted* when some interval lies above the
bound, *consistent* when every one lies at or below it. The t interval is exact for Gaussian seed
noise only; the metrics it is used on (comparability constants, censored at log m when a ball is
empty; fractions; ratios of scales) can be skewed or heavy tailed on 10 seeds. This module
measures, by simulation, what the rule does on the committed designs.

Designs (:func:`level_designs`): every group of a level claim that reaches a verdict on its
committed table, and the negative control of the claim, with the levels left after the floor (the
claim's own rule, :func:`ratesim.study.claims.evaluate_claims`), the seeds per level and the
observed values of every level (logs for the geometric mean). The verdict forms its Bonferroni
intervals over every level, floored ones included (they count only as violations beyond their
floor); the simulation forms them over the judged levels alone, slightly narrower, so where a
design has floored levels its coverage is understated and its false-contradiction rate overstated.

Simulation (:func:`simulate_levels`): at each level j, n_j seed values are drawn as the truth
T_j plus noise, the noise either resampled from the level's observed residuals (value minus the
level mean, with replacement: skew and tails reproduced; ``"resample"``) or Gaussian with the
level's standard deviation (``"normal"``: the law under which the t interval is exact). Noise is
additive and the intervals move with the truth, so one draw serves every truth (common random
numbers). Rates per design and noise law:

- ``coverage``: P(every interval contains its level's truth), family-wise (nominal: ``level``);
- ``false_contra``: P(contradicted) with the truth shifted so that its worst level sits on the
  bound (the bound holds, just): at most ``1 - level`` by construction of the intervals when
  they are exact, about half that since one side is tested;
- ``power``: P(consistent) at the observed level means (NaN when one lies above the bound);
- ``detect``: P(contradicted) with the truth shifted so that its worst level lies above the bound
  by twice that level's standard error (a violated bound); ``false_consist``: P(consistent) there.

Each rate's Monte-Carlo error is ``sqrt(r (1 - r) / reps)``; replicates are seeded per design by
``SeedSequence([seed, crc32(design key)])``.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import t as student_t

LAWS = ("resample", "normal")
RATES = ("coverage", "false_contra", "power", "detect", "false_consist")


@dataclass(frozen=True)
class LevelDesign:
    """What a level claim's verdict sees on one group: the judged levels and their values.

    Attributes
    ----------
    study, claim, group, kind : str
        Where the design comes from; ``kind`` is ``"claim"`` or ``"control"``.
    bound : float
        The upper edge the levels are judged against (prediction + tolerance; log for the
        geometric mean).
    level : float
        Simultaneous confidence level of the intervals.
    N : ndarray, shape (L,)
        The judged levels (after the floor).
    values : tuple of L ndarrays
        The observed values at each level (logs for the geometric mean).
    """

    study: str
    claim: str
    group: str
    kind: str
    bound: float
    level: float
    N: np.ndarray
    values: tuple

    @property
    def key(self) -> str:
        return f"{self.study} / {self.claim} / {self.group} / {self.kind}"

    @property
    def n_per_level(self) -> np.ndarray:
        return np.array([v.size for v in self.values])

    @property
    def center(self) -> np.ndarray:
        return np.array([v.mean() for v in self.values])

    @property
    def se(self) -> np.ndarray:
        return np.array([v.std(ddof=1) / math.sqrt(v.size) for v in self.values])


def design_from_levels(N, values, *, bound: float, level: float = 0.95, **where) -> LevelDesign:
    """A :class:`LevelDesign` from one value per cell (``N``, ``values``: shape (n,)); ``where``
    gives ``study``, ``claim``, ``group``, ``kind`` (default ``"-"``, ``"claim"``)."""
    N = np.asarray(N, dtype=float).ravel()
    v = np.asarray(values, dtype=float).ravel()
    if N.shape != v.shape or not np.all(np.isfinite(v)):
        raise ValueError("N and values must have the same shape and values must be finite")
    lv = np.unique(N)
    per = tuple(v[N == x] for x in lv)
    if min(p.size for p in per) < 2:
        raise ValueError("every level needs >= 2 seeds (one seed gives no interval)")
    if all(np.ptp(p) == 0 for p in per):
        raise ValueError("no seed noise: every seed gives the same value at every level")
    meta = {"study": "-", "claim": "-", "group": "all", "kind": "claim"} | where
    return LevelDesign(bound=float(bound), level=float(level), N=lv, values=per, **meta)


def level_designs(
    studies_dir="studies", reports_dir="reports", *, names=None, notes: list | None = None
) -> list[LevelDesign]:
    """The designs of every level claim group (and its control) with a verdict on a committed
    table (module docstring); ``notes`` receives the level-claim groups left out and why."""
    from . import claims as C
    from .claims import committed_studies, evaluate_claims

    notes = [] if notes is None else notes
    out = []
    # the studies left out are listed by the rate calibration (``study_designs``)
    for name, study, df in committed_studies(studies_dir, reports_dir, names=names):
        if not any(c.form == "level" for c in study.claims):
            continue
        for res in evaluate_claims(study, df):
            claim = res.claim
            if claim.form != "level":
                continue
            pairs = [("claim", res, dict(claim.where))]
            if res.control is not None:
                pairs.append(("control", res.control, {**claim.where, **claim.control}))
            for kind, r, where in pairs:
                label = f"{name} / {claim.label} / {r.group_label} ({kind})"
                if r.levels is None or r.verdict == C.FLOOR_LIMITED:
                    notes.append(f"{label}: no intervals ({r.verdict}: {r.note})")
                    continue
                sub = C._select(df, claim, where)
                for g, val in r.group.items():
                    sub = sub[C._matches(sub[C._column(sub, g)], val)]
                x = sub[C._column(sub, claim.on)].to_numpy(dtype=float)
                v = sub["value"].to_numpy(dtype=float)
                keep = np.isin(x, r.levels.N) & ~np.isin(x, r.floored)
                if claim.statistic == "geomean":
                    v = np.log(v)
                pred = next(iter(claim.predictions().values()))
                p = float(pred(**r.group)) if callable(pred) else float(pred)
                edge = p + claim.tolerance
                try:
                    out.append(
                        design_from_levels(
                            x[keep], v[keep], level=claim.level, study=name, claim=claim.label,
                            group=r.group_label, kind=kind,
                            bound=math.log(edge) if claim.statistic == "geomean" else edge,
                        )
                    )  # fmt: skip
                except ValueError as e:
                    notes.append(f"{label}: {e}")
    return out


@dataclass(frozen=True)
class LevelCalibration:
    """The rates of one design under one noise law (module docstring)."""

    design: LevelDesign
    law: str
    reps: int
    coverage: float
    false_contra: float
    power: float
    detect: float
    false_consist: float

    def sd(self, rate: str) -> float:
        """Monte-Carlo standard error of ``rate``."""
        r = getattr(self, rate)
        return math.sqrt(r * (1 - r) / self.reps) if np.isfinite(r) else math.nan

    def row(self) -> dict:
        d = self.design
        return {
            "study": d.study,
            "claim": d.claim,
            "group": d.group,
            "kind": d.kind,
            "law": self.law,
            "levels": d.N.size,
            "seeds_min": int(d.n_per_level.min()),
            "bound": d.bound,
            "worst_mean": float(d.center.max()),
            "reps": self.reps,
            **{r: getattr(self, r) for r in RATES},
            **{f"{r}_sd": self.sd(r) for r in RATES},
        }


def simulate_levels(design: LevelDesign, law: str, reps: int, rng) -> LevelCalibration:
    """The rates of ``design`` under ``law`` over ``reps`` replicates (module docstring)."""
    if law not in LAWS:
        raise ValueError(f"law must be one of {LAWS} (got {law!r})")
    reps = int(reps)
    if reps < 1:
        raise ValueError(f"reps must be >= 1 (got {reps})")
    rng = np.random.default_rng(rng)
    L = design.N.size
    per = 1 - (1 - design.level) / L
    dev = np.empty((reps, L))  # sample mean of the noise, per replicate and level
    half = np.empty((reps, L))  # the interval's half-width
    for j, v in enumerate(design.values):
        n = v.size
        if law == "resample":
            e = rng.choice(v - v.mean(), size=(reps, n), replace=True)
        else:
            e = v.std(ddof=1) * rng.standard_normal((reps, n))
        dev[:, j] = e.mean(axis=1)
        half[:, j] = student_t.ppf(1 - (1 - per) / 2, n - 1) * e.std(axis=1, ddof=1) / math.sqrt(n)
    center, b = design.center, design.bound
    worst = int(np.argmax(center))

    def verdicts(truth):
        lo, hi = truth + dev - half, truth + dev + half
        return np.any(lo > b, axis=1), np.all(hi <= b, axis=1)  # contradicted, consistent

    at_bound = center + (b - center[worst])
    violated = at_bound + 2 * design.se[worst]
    contra_b, _ = verdicts(at_bound)
    _, consist_o = verdicts(center)
    contra_v, consist_v = verdicts(violated)
    return LevelCalibration(
        design=design,
        law=law,
        reps=reps,
        coverage=float(np.mean(np.all(np.abs(dev) <= half, axis=1))),
        false_contra=float(contra_b.mean()),
        power=float(consist_o.mean()) if center.max() <= b else math.nan,
        detect=float(contra_v.mean()),
        false_consist=float(consist_v.mean()),
    )


def calibrate_levels(designs, reps: int = 4000, seed: int = 0) -> list[LevelCalibration]:
    """Every design under every noise law, seeded per design (module docstring)."""
    out = []
    for d in designs:
        ss = np.random.SeedSequence([int(seed), zlib.crc32(d.key.encode())])
        for law, child in zip(LAWS, ss.spawn(len(LAWS)), strict=True):
            out.append(simulate_levels(d, law, reps, np.random.default_rng(child)))
    return out


def _fmt(v: float, bold_below: float | None = None) -> str:
    if not np.isfinite(v):
        return "-"
    s = f"{v:.3f}"
    return f"**{s}**" if bold_below is not None and v < bold_below else s


def report_lines(cals: list[LevelCalibration], notes: list[str]) -> list[str]:
    """The level-claim section of the calibration report (Markdown lines)."""
    L = ["## Level claims", ""]
    if not cals:
        return L + ["No level claim has a verdict on a committed table.", ""]
    reps = cals[0].reps
    level = cals[0].design.level
    L += [
        "A level claim is judged on simultaneous Student t intervals of the seed mean over its",
        "levels of N (Bonferroni). Simulated at each design (the judged levels, seeds per level,",
        "the bound), with each level's noise *resampled* from its observed residuals (skew and",
        "heavy tails kept) or *normal* with the level's standard deviation (where the t interval",
        f"is exact); {reps} replicates per design and law (Monte-Carlo error of a rate near 0.95:",
        f"{math.sqrt(0.95 * 0.05 / reps):.4f}). `coverage`: all intervals contain the truth",
        f"(nominal {level:g}); `false contra`: contradicted although the worst level sits on the",
        "bound; `power`: consistent at the observed means; `detect`: contradicted when the worst",
        "level lies two standard errors above the bound, and `false consist` consistent there.",
        f"Coverages below {level - 0.05:g} in bold.",
        "",
        "| design | L | seeds | law | coverage | false contra | power | detect | false consist |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cals:
        d = c.design
        cov = _fmt(c.coverage, bold_below=level - 0.05)
        rest = " | ".join(_fmt(getattr(c, r)) for r in RATES[1:])
        seeds = int(d.n_per_level.min())
        L.append(f"| {d.key} | {d.N.size} | {seeds} | {c.law} | {cov} | {rest} |")
    L.append("")
    if notes:
        L += ["Level-claim groups left out:", "", *[f"- {n}" for n in notes], ""]
    return L


def write_csv(cals: list[LevelCalibration], path) -> Path:
    """One row per design and noise law."""
    import pandas as pd

    path = Path(path)
    pd.DataFrame([c.row() for c in cals]).to_csv(path, index=False)
    return path
