"""Recompute a deterministic sample of committed cells and compare them with the committed values.

A committed table is a record of what the code computed; if a change to a task, or to anything in
the library it calls, alters its results, the table no longer describes the code. ``ratesim check
--recompute SECONDS`` re-runs, for each study, the committed cells that fit a time budget (by
their recorded cost) in a fixed order (the SHA-256 of the cell id, so the sample is the same on
every machine and does not depend on the table's row order), and compares every metric:

- equal up to the rounding of another CPU: ``|recomputed - committed| <= rtol * scale`` with
  ``scale`` the largest committed magnitude of that metric in the study (values near 0, where
  rounding is all there is, are judged on the metric's own scale) and ``rtol`` =
  :data:`CROSS_MACHINE_RTOL` by default. Committed tables store full double precision, and on the
  machine that wrote them the cells recompute bit for bit; numba compiles its kernels for the
  host's instruction set (FMA contraction, vector width), so on another CPU the last bits move:
  measured 2026-12-06 on a new machine, at most 1.2e-14 of the scale for 11 studies and 1.1e-10
  for ``p2_expansion``, whose density part is the difference of two nearly equal log-densities;
- within ``Study(recompute_rtol=...)`` when larger, for a task whose results depend on the
  floating-point order of a parallel reduction (the study says so).

A change to a task that alters its results moves them far beyond either tolerance; the report
counts the metrics that differed at the rounding level (``rounded``) and the largest difference.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

__all__ = ["CROSS_MACHINE_RTOL", "Recomputation", "recompute_sample", "pick_cells"]

CROSS_MACHINE_RTOL = 1e-9  # of the metric's scale: 8x the largest rounding difference measured


@dataclass
class Recomputation:
    """What :func:`recompute_sample` did for one study.

    Attributes
    ----------
    cells : list of str
        The cells recomputed.
    mismatches : list of (cell, metric, committed, recomputed)
        Metrics that differ beyond the study's tolerance (``recomputed`` is NaN for a metric the
        recomputation did not return, or when the cell failed).
    skipped : str
        Why nothing was recomputed (empty otherwise).
    seconds : float
        Wall time of the recomputation.
    max_rel : float
        Largest difference seen, relative to the metric's scale in the study.
    rounded : int
        Metrics that differ from the committed value within the tolerance.
    rtol : float
        The tolerance used.
    """

    study: str
    cells: list = field(default_factory=list)
    mismatches: list = field(default_factory=list)
    skipped: str = ""
    seconds: float = 0.0
    max_rel: float = 0.0
    rounded: int = 0
    rtol: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _order(cid: str) -> str:
    return hashlib.sha256(cid.encode()).hexdigest()


def pick_cells(costs: dict[str, float], budget: float) -> list[str]:
    """The cells to recompute: in the order of ``sha256(cell id)``, each cell whose recorded cost
    fits what is left of ``budget`` (seconds)."""
    left, out = float(budget), []
    for cid in sorted(costs, key=_order):
        c = float(costs[cid])
        if math.isfinite(c) and c <= left:
            out.append(cid)
            left -= c
    return out


def recompute_sample(study, table, *, budget: float) -> Recomputation:
    """Recompute the committed cells of ``study`` that fit ``budget`` seconds and compare.

    Parameters
    ----------
    study : Study
    table : pandas.DataFrame
        The committed tidy table (full mode), with its ``seconds`` column.
    budget : float
        Seconds of recorded cell cost to spend (> 0).

    Returns
    -------
    Recomputation
    """
    import time

    from .grid import expand
    from .runner import execute_cell

    if not budget > 0:
        raise ValueError(f"budget must be > 0 seconds (got {budget!r})")
    out = Recomputation(study.name)
    cells = {c.id: c for c in expand(study, quick=False)}
    t = table[table["cell"].isin(cells)]
    if t.empty:
        out.skipped = "no committed cell of the current grid"
        return out
    costs = t.drop_duplicates("cell").set_index("cell")["seconds"].astype(float).to_dict()
    picked = pick_cells(costs, budget)
    if not picked:
        out.skipped = f"the cheapest cell took {min(costs.values()):.1f} s > budget {budget:g} s"
        return out
    rtol = max(float(getattr(study, "recompute_rtol", 0.0) or 0.0), CROSS_MACHINE_RTOL)
    out.rtol = rtol
    scale = t.groupby("metric")["value"].apply(lambda x: float(x.abs().max())).to_dict()
    t0 = time.perf_counter()
    for cid in picked:
        res = execute_cell(study.task, None, study.name, "full", cells[cid])
        committed = t[t["cell"] == cid].set_index("metric")["value"].astype(float)
        got = res.metrics if res.status == "ok" else {}
        for metric, old in committed.items():
            new = float(got.get(metric, math.nan))
            rel = abs(new - old) / max(scale[metric], 1e-300) if math.isfinite(new) else math.inf
            out.max_rel = max(out.max_rel, rel)
            if not (new == old or rel <= rtol):
                out.mismatches.append((cid, metric, float(old), new))
            elif new != old:
                out.rounded += 1
        out.cells.append(cid)
    out.seconds = time.perf_counter() - t0
    return out
