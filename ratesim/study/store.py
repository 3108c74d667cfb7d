"""The results store: SQLite, one transaction per cell, resumable.

Two tables. ``cells`` has one row per (study, mode, cell) with its status (``ok`` or ``failed``),
parameters (JSON), repetition, seed, wall time, peak memory, code version, host and, for failures,
the traceback. ``results`` has one row per (study, mode, cell, metric). A cell's rows are written
in a single ``BEGIN IMMEDIATE ... COMMIT`` transaction: a run killed with ``kill -9`` leaves either
all of a cell's rows or none (SQLite's journal rolls an interrupted transaction back on the next
open), and the primary keys make duplicates impossible. Failed cells are stored as status rows with
no results; they are never treated as done, so the next run recomputes them.

``mode`` is ``"full"`` or ``"quick"``: the two grids of a study are stored side by side and never
mix.

The file carries a marker (``PRAGMA application_id`` and the schema version in ``PRAGMA
user_version``). Opening a file that is not a ratesim store (not an SQLite database, a truncated
or corrupt one, or a database with other tables or columns) raises :class:`StoreError` before
anything is written; a store from before the marker (the same tables, perhaps without the
``task_hash`` column) is migrated and marked.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ResultsStore", "CellResult", "StoreError", "STANDARD_COLUMNS", "MODES"]

MODES = ("full", "quick")
# columns every tidy export has, in this order; other parameters follow as p_<name>
STANDARD_COLUMNS = (
    "study",
    "mode",
    "cell",
    "manifold",
    "k",
    "d",
    "beta",
    "density",
    "estimator",
    "sampler",
    "N",
    "rep",
    "seed",
    "metric",
    "value",
    "seconds",
    "peak_mem_mb",
    "version",
    "task_hash",
    "finished",
)
_PARAM_COLUMNS = ("manifold", "k", "d", "beta", "density", "estimator", "sampler", "N")

# the marker: "RATS" as a big-endian int in the SQLite header's application id, and the schema
# version in its user version (stores from before the marker have neither)
APPLICATION_ID = 0x52415453
SCHEMA_VERSION = 1
_CELLS_COLUMNS = (
    "study",
    "mode",
    "cell",
    "status",
    "params",
    "rep",
    "seed",
    "seconds",
    "peak_mem_mb",
    "maxrss_mb",
    "version",
    "host",
    "started",
    "finished",
    "error",
    "task_hash",
)
_RESULTS_COLUMNS = ("study", "mode", "cell", "metric", "value")
_LEASES_COLUMNS = ("study", "mode", "cell", "owner", "host", "pid", "pstart", "expires", "claimed")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ADVICE = "move it aside or pass another --out"


class StoreError(ValueError):
    """The results store file is not usable: not an SQLite database, corrupt or truncated, or
    not a ratesim store. The message names the file, what is wrong and what to do."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS cells (
    study TEXT NOT NULL, mode TEXT NOT NULL, cell TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    params TEXT NOT NULL, rep INTEGER NOT NULL, seed INTEGER NOT NULL,
    seconds REAL, peak_mem_mb REAL, maxrss_mb REAL,
    version TEXT, host TEXT, started TEXT, finished TEXT, error TEXT, task_hash TEXT,
    PRIMARY KEY (study, mode, cell)
);
CREATE TABLE IF NOT EXISTS results (
    study TEXT NOT NULL, mode TEXT NOT NULL, cell TEXT NOT NULL,
    metric TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (study, mode, cell, metric)
);
CREATE TABLE IF NOT EXISTS leases (
    study TEXT NOT NULL, mode TEXT NOT NULL, cell TEXT NOT NULL,
    owner TEXT NOT NULL, host TEXT, pid INTEGER, pstart TEXT, expires REAL NOT NULL, claimed TEXT,
    PRIMARY KEY (study, mode, cell)
);
"""


@dataclass
class CellResult:
    """What a worker returns for one cell (``metrics`` empty and ``error`` set when failed)."""

    study: str
    mode: str
    cell: str
    params: dict
    rep: int
    seed: int
    status: str
    metrics: dict = field(default_factory=dict)
    seconds: float = 0.0
    peak_mem_mb: float = 0.0
    maxrss_mb: float = 0.0
    version: str = ""
    task_hash: str = ""
    host: str = ""
    started: str = ""
    finished: str = ""
    error: str = ""


class ResultsStore:
    """A SQLite results store at ``path`` (created on first use).

    Parameters
    ----------
    path : str or Path
        The database file (its directory is created).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        # checked read-only before anything is written: a bad file is left as it is
        fresh = _inspect(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(str(self.path), timeout=60.0, isolation_level=None)
        try:
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=FULL")
            self._con.executescript(_SCHEMA)
            cols = {row[1] for row in self._con.execute("PRAGMA table_info(cells)")}
            if "task_hash" not in cols:  # a store written before tasks had fingerprints
                self._con.execute("ALTER TABLE cells ADD COLUMN task_hash TEXT")
            if fresh or self._con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                self._con.execute(f"PRAGMA application_id={APPLICATION_ID}")
                self._con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            self._con.close()
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise
            raise StoreError(f"results store {self.path} is unreadable ({e}): {_ADVICE}") from e
        except BaseException:
            self._con.close()
            raise

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- writing ------------------------------------------------------------------------
    def write(self, r: CellResult) -> None:
        """Store one cell atomically (its status row and all its metric rows, or nothing)."""
        if r.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES} (got {r.mode!r})")
        if r.status not in ("ok", "failed"):
            raise ValueError(f"status must be 'ok' or 'failed' (got {r.status!r})")
        key = (r.study, r.mode, r.cell)
        con = self._con
        for attempt in range(20):
            try:
                con.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError:  # locked by another writer
                time.sleep(0.05 * (attempt + 1))
        else:
            raise RuntimeError(f"results store {self.path} stays locked")
        try:
            con.execute("DELETE FROM results WHERE study=? AND mode=? AND cell=?", key)
            con.execute(
                "INSERT OR REPLACE INTO cells (study, mode, cell, status, params, rep, seed, "
                "seconds, peak_mem_mb, maxrss_mb, version, host, started, finished, error, "
                "task_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    *key,
                    r.status,
                    json.dumps(r.params, sort_keys=True),
                    int(r.rep),
                    int(r.seed),
                    float(r.seconds),
                    float(r.peak_mem_mb),
                    float(r.maxrss_mb),
                    r.version,
                    r.host,
                    r.started,
                    r.finished,
                    r.error,
                    r.task_hash,
                ),
            )
            if r.status == "ok":
                con.executemany(
                    "INSERT INTO results VALUES (?,?,?,?,?)",
                    [(*key, m, float(v)) for m, v in r.metrics.items()],
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # -- reading ------------------------------------------------------------------------
    def done(self, study: str, mode: str) -> set[str]:
        """Ids of the cells stored with status ``ok``."""
        cur = self._con.execute(
            "SELECT cell FROM cells WHERE study=? AND mode=? AND status='ok'", (study, mode)
        )
        return {row[0] for row in cur}

    def versions(self, study: str, mode: str) -> dict[str, str]:
        """Code version (:func:`ratesim.study.code_version`) of each cell stored with status
        ``ok``, by cell id."""
        cur = self._con.execute(
            "SELECT cell, version FROM cells WHERE study=? AND mode=? AND status='ok'",
            (study, mode),
        )
        return {row[0]: row[1] or "unknown" for row in cur}

    def task_hashes(self, study: str, mode: str) -> dict[str, str]:
        """Task fingerprint (:func:`ratesim.study.tasks.fingerprint`) of each cell stored with
        status ``ok``, by cell id (empty for cells stored before fingerprints existed)."""
        cur = self._con.execute(
            "SELECT cell, task_hash FROM cells WHERE study=? AND mode=? AND status='ok'",
            (study, mode),
        )
        return {row[0]: row[1] or "" for row in cur}

    def failures(self, study: str, mode: str) -> list[tuple[str, str]]:
        """(cell id, traceback) of the cells whose last attempt failed."""
        cur = self._con.execute(
            "SELECT cell, error FROM cells WHERE study=? AND mode=? AND status='failed' "
            "ORDER BY cell",
            (study, mode),
        )
        return list(cur)

    def count(self, study: str, mode: str) -> tuple[int, int]:
        """(number of cell rows, number of result rows) of a study and mode."""
        a = self._con.execute(
            "SELECT COUNT(*) FROM cells WHERE study=? AND mode=?", (study, mode)
        ).fetchone()[0]
        b = self._con.execute(
            "SELECT COUNT(*) FROM results WHERE study=? AND mode=?", (study, mode)
        ).fetchone()[0]
        return int(a), int(b)

    def latest(self, study: str, mode: str) -> str | None:
        """ISO time of the most recent successful cell (None if there is none)."""
        row = self._con.execute(
            "SELECT MAX(finished) FROM cells WHERE study=? AND mode=? AND status='ok'",
            (study, mode),
        ).fetchone()
        return row[0]

    def tidy(self, study: str, mode: str, cells: Iterable[str] | None = None):
        """The tidy table (pandas DataFrame): one row per (cell, metric) of the ``ok`` cells.

        Columns: :data:`STANDARD_COLUMNS` (missing parameters are empty), then ``p_<name>`` for
        the other parameters. ``cells`` restricts to those ids (the current grid).
        """
        import pandas as pd

        cur = self._con.execute(
            "SELECT c.cell, c.params, c.rep, c.seed, c.seconds, c.peak_mem_mb, c.version, "
            "c.task_hash, c.finished, r.metric, r.value FROM cells c JOIN results r "
            "ON c.study=r.study AND c.mode=r.mode AND c.cell=r.cell "
            "WHERE c.study=? AND c.mode=? AND c.status='ok' ORDER BY c.cell, r.metric",
            (study, mode),
        )
        keep = set(cells) if cells is not None else None
        rows = []
        for cid, params, rep, seed, sec, mem, ver, th, fin, metric, value in cur:
            if keep is not None and cid not in keep:
                continue
            p = json.loads(params)
            row = {"study": study, "mode": mode, "cell": cid}
            for name in _PARAM_COLUMNS:
                row[name] = p.get(name)
            row.update(rep=rep, seed=seed, metric=metric, value=value, seconds=sec)
            row.update(peak_mem_mb=mem, version=ver, task_hash=th or "", finished=fin)
            for name, v in p.items():
                if name not in _PARAM_COLUMNS:
                    row[f"p_{name}"] = v
            rows.append(row)
        df = pd.DataFrame(rows)
        if df.empty:
            df = pd.DataFrame(columns=list(STANDARD_COLUMNS))
        extra = sorted(c for c in df.columns if c not in STANDARD_COLUMNS)
        return df[list(STANDARD_COLUMNS) + extra]


def _inspect(path: Path) -> bool:
    """Check, without writing, that ``path`` is a ratesim store or may become one; True when it
    holds no tables yet (absent, empty, or an empty database). :class:`StoreError` otherwise."""
    if not path.exists():
        return True
    if path.is_dir():
        raise StoreError(f"results store {path} is a directory, not a file: {_ADVICE}")
    size = path.stat().st_size
    if size == 0:
        return True
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < len(_SQLITE_MAGIC) and _SQLITE_MAGIC.startswith(head):
        raise StoreError(f"results store {path} is truncated ({size} bytes): {_ADVICE}")
    if not head.startswith(_SQLITE_MAGIC):
        raise StoreError(
            f"results store {path} is not an SQLite database ({size} bytes of something else): "
            f"{_ADVICE}"
        )
    if len(head) < 100:
        raise StoreError(f"results store {path} is truncated ({size} bytes): {_ADVICE}")
    for _ in range(3):
        try:
            app_id, version, tables, bad = _read_schema(path)
            break
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise
            err = e
            time.sleep(0.1)  # another run may be checkpointing the file: look again
    else:
        raise StoreError(f"results store {path} is corrupt or truncated ({err}): {_ADVICE}")
    if bad:
        raise StoreError(f"results store {path} is corrupt ({'; '.join(bad)}): {_ADVICE}")
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(
            f"{path} is not a ratesim results store (SQLite application id {app_id:#x}): {_ADVICE}"
        )
    if app_id == APPLICATION_ID and version > SCHEMA_VERSION:
        raise StoreError(
            f"results store {path} has schema version {version}, newer than this ratesim's "
            f"({SCHEMA_VERSION}): update ratesim, or {_ADVICE}"
        )
    if not tables:
        return True
    expected = {
        "cells": set(_CELLS_COLUMNS),
        "results": set(_RESULTS_COLUMNS),
        "leases": set(_LEASES_COLUMNS),
    }
    other = sorted(set(tables) - set(expected))
    if other:
        raise StoreError(
            f"{path} is not a ratesim results store (it has tables {', '.join(other)}): {_ADVICE}"
        )
    for name, cols in tables.items():
        need = expected[name] - ({"task_hash"} if name == "cells" else set())
        if not need <= cols <= expected[name]:
            raise StoreError(
                f"{path} is not a ratesim results store (its {name} table has columns "
                f"{', '.join(sorted(cols))}): {_ADVICE}"
            )
    if app_id == 0 and not {"cells", "results"} <= set(tables):
        raise StoreError(
            f"{path} is not a ratesim results store (it has only the tables "
            f"{', '.join(sorted(tables))}): {_ADVICE}"
        )
    return False


def _read_schema(path: Path):
    """(application id, user version, {table: columns}, quick_check problems) of ``path``,
    read-only. Without a write-ahead log beside it the file is opened immutable, so that looking
    at it creates no -wal/-shm files either."""
    wal = path.with_name(path.name + "-wal").exists()
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if wal else 'immutable=1'}"
    con = sqlite3.connect(uri, uri=True, timeout=60.0)
    try:
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        tables = {
            n: {c[0] for c in con.execute("SELECT name FROM pragma_table_info(?)", (n,))}
            for n in names
            if not n.startswith("sqlite_")
        }
        # a truncated or damaged file shows when its pages are read
        bad = [r[0] for r in con.execute("PRAGMA quick_check(3)") if r[0] != "ok"]
    finally:
        con.close()
    return app_id, version, tables, bad


def export_tidy(df, path: str | Path, parquet: bool = True) -> list[Path]:
    """Write the tidy table as CSV (and Parquet next to it when pyarrow is importable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, float_format="%.10g")
    out = [path]
    if parquet:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            return out
        pq = path.with_suffix(".parquet")
        # a parameter may take numbers and strings in one study (e.g. beta 2.5 and "inf"):
        # Arrow needs one type per column, so such mixed columns are written as strings
        mixed = [
            c
            for c in df.columns
            if df[c].dtype == object and df[c].dropna().map(type).nunique() > 1
        ]
        df.astype({c: str for c in mixed}).to_parquet(pq, index=False)
        out.append(pq)
    return out


def read_tidy(path: str | Path):
    """Read a tidy CSV written by :func:`export_tidy` (e.g. ``reports/STUDY/results.csv``)."""
    import pandas as pd

    df = pd.read_csv(path)
    missing = [c for c in ("study", "cell", "N", "rep", "metric", "value") if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: not a ratesim tidy table (missing columns {missing})")
    return df
