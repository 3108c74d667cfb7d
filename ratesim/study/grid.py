"""Grid expansion, cell ids and seeds.

A cell is one grid point and one repetition. Its parameters are the grid's values and the task's
defaults for the inputs the grid does not give. Its id is the study name with the sorted parameters
and the repetition, ``empirical_measure_interval[N=64,k=1,manifold=interval,rep=3]``; its seed is
drawn from ``SeedSequence([study seed, sha256(cell id)])`` (benchopt's rule: a hash of the cell,
never its position in the run), so results are identical whatever the job count, backend or order,
and a cell can be re-run alone from its stored ``seed``: ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
from dataclasses import dataclass

import numpy as np

from .expr import Expr, ExprError

__all__ = ["Cell", "expand", "cell_id", "cell_seed", "grid_names", "RESERVED"]

RESERVED = ("rep", "seed", "study", "cell", "metric", "value", "mode")


@dataclass(frozen=True)
class Cell:
    """One unit of work: a study, its parameters, a repetition index and the derived seed."""

    study: str
    params: dict
    rep: int
    id: str
    seed: int


def _fmt(v) -> str:
    if isinstance(v, str):
        return v if v and all(ch.isalnum() or ch in "._-+/" for ch in v) else json.dumps(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def cell_id(study: str, params: dict, rep: int) -> str:
    """``study[k1=v1,k2=v2,...,rep=r]`` with the parameter names sorted."""
    inner = ",".join(f"{k}={_fmt(params[k])}" for k in sorted(params))
    return f"{study}[{inner},rep={int(rep)}]" if inner else f"{study}[rep={int(rep)}]"


def cell_seed(study_seed: int, cid: str) -> int:
    """A 63-bit seed from ``SeedSequence([study_seed, sha256(cid) words])`` (stable across runs)."""
    words = np.frombuffer(hashlib.sha256(cid.encode()).digest()[:16], dtype="<u4")
    ss = np.random.SeedSequence([int(study_seed), *map(int, words)])
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def grid_names(grid) -> dict[str, str]:
    """Parameter name -> the grid key that gives it (``"a, b"`` gives ``a`` and ``b``)."""
    return {n.strip(): key for key in grid if isinstance(key, str) for n in key.split(",")}


def _check_value(v, key: str):
    if isinstance(v, Expr):
        return v
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        if not math.isfinite(float(v)):
            raise ValueError(f"{key}: values must be finite (got {v!r})")
        return float(v)
    raise ValueError(
        f"{key}: values must be numbers, strings, booleans or Expr (got {type(v).__name__} {v!r})"
    )


def _axes(grid: dict, err):
    """[(names, list of value tuples)] in grid order."""
    axes = []
    seen = set()
    for key, val in grid.items():
        if not isinstance(key, str):
            raise err(f"grid[{key!r}]", "grid keys must be strings")
        names = tuple(s.strip() for s in key.split(","))
        for n in names:
            if not n.isidentifier():
                raise err(f"grid[{key!r}]", f"{n!r} is not a valid parameter name")
            if n in RESERVED:
                raise err(f"grid[{key!r}]", f"{n!r} is reserved (reserved: {', '.join(RESERVED)})")
            if n in seen:
                raise err(f"grid[{key!r}]", f"parameter {n!r} is given twice")
            seen.add(n)
        if isinstance(val, list | tuple | range):
            vals = list(val)
            if not vals:
                raise err(f"grid[{key!r}]", "an axis must have at least one value (got [])")
        else:
            if len(names) > 1:
                raise err(f"grid[{key!r}]", f"coupled axes need a list of tuples (got {val!r})")
            vals = [val]
        rows = []
        for v in vals:
            if len(names) > 1:
                if not isinstance(v, list | tuple) or len(v) != len(names):
                    raise err(
                        f"grid[{key!r}]",
                        f"each entry of a coupled axis must be a tuple of {len(names)} values "
                        f"(got {v!r})",
                    )
                tup = tuple(v)
            else:
                tup = (v,)
            try:
                rows.append(tuple(_check_value(x, f"grid[{key!r}]") for x in tup))
            except ValueError as e:
                raise err(None, str(e)) from None
        axes.append((key, names, rows))
    return axes


def _as_int(v, name, low, key, err):
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise err(f"grid[{key!r}]", f"{name} must be an integer >= {low} (got {v!r})")
    return v


def _check_cell(p: dict, keys: dict, err) -> None:
    if "N" in p:
        p["N"] = _as_int(p["N"], "N", 2, keys.get("N", "N"), err)
    for name in ("k", "d"):
        if name in p:
            p[name] = _as_int(p[name], name, 1, keys.get(name, name), err)
    if "k" in p and "d" in p and p["k"] >= p["d"]:
        raise err(
            f"grid[{keys.get('k', 'k')!r}]",
            f"impossible grid point k = {p['k']} >= d = {p['d']}: a k-dimensional submanifold "
            "needs an ambient dimension d > k",
        )
    if "beta" in p:
        b = p["beta"]
        if isinstance(b, bool) or not isinstance(b, int | float) or not b > 0:
            raise err(
                f"grid[{keys.get('beta', 'beta')!r}]", f"beta must be a number > 0 (got {b!r})"
            )


def expand(study, quick: bool = False) -> list[Cell]:
    """All cells of ``study`` in the given mode (grid points x repetitions).

    Raises
    ------
    StudyError
        For malformed axes, unevaluable expressions or impossible grid points (file and key named).
    """
    grid = study.grid_for(quick)
    err = study._err
    axes = _axes(grid, err)
    spec = study.task_spec()
    defaults = {k: v for k, v in spec.defaults.items() if k not in grid_names(grid)}
    keys = {n: key for key, names, _ in axes for n in names}
    cells, ids = [], set()
    for combo in itertools.product(*(rows for _, _, rows in axes)):
        raw = {}
        for (_, names, _), tup in zip(axes, combo, strict=True):
            raw.update(zip(names, tup, strict=True))
        params = {k: v for k, v in raw.items() if not isinstance(v, Expr)}
        for k, v in raw.items():
            if isinstance(v, Expr):
                env = {n: x for n, x in params.items() if isinstance(x, int | float)}
                try:
                    params[k] = v(**env)
                except ExprError as e:
                    raise err(f"grid[{keys[k]!r}]", str(e)) from None
        params = {k: params[k] for k in raw}  # grid order
        params.update(defaults)  # the task's resolved defaults are part of the cell
        _check_cell(params, keys, err)
        for rep in range(study.n_seeds(quick)):
            cid = cell_id(study.name, params, rep)
            if cid in ids:
                raise err("grid", f"duplicate grid point {cid}")
            ids.add(cid)
            cells.append(Cell(study.name, dict(params), rep, cid, cell_seed(study.seed, cid)))
    return cells
