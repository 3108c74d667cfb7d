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

A third table, ``leases``, keeps two runs on one store from computing a cell twice. A run claims a
cell (:meth:`ResultsStore.claim`, one ``BEGIN IMMEDIATE`` transaction, so two runs never both get
it) before computing it; the lease is deleted in the transaction that stores the cell's result
(``ok`` or ``failed``), and every lease of a run when the run ends (:meth:`ResultsStore.holding`).
A lease names its owner (host, pid, process start, random token) and expires
:data:`LEASE_SECONDS` after its last heartbeat (renewed every :data:`HEARTBEAT_SECONDS` while the
run lives). It may be taken over (it is *stale*) when it has expired, or when its owner ran on this
host and its process is gone, so a run killed with ``kill -9`` blocks nothing.

The file carries a marker (``PRAGMA application_id`` and the schema version in ``PRAGMA
user_version``). Opening a file that is not a ratesim store (not an SQLite database, a truncated
or corrupt one, or a database with other tables or columns) raises :class:`StoreError` before
anything is written; a store from before the marker (the same tables, perhaps without the
``task_hash`` column) is migrated and marked.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ResultsStore",
    "CellResult",
    "StoreError",
    "LeaseOwner",
    "LEASE_SECONDS",
    "HEARTBEAT_SECONDS",
    "LOCK_SECONDS",
    "STANDARD_COLUMNS",
    "MODES",
]

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

# a lease expires this long after its last heartbeat; a run renews its leases this often
LEASE_SECONDS = 300.0
HEARTBEAT_SECONDS = 30.0
# the longest a write waits for another connection's write lock (each attempt waits up to
# _BUSY_SECONDS in SQLite's busy handler)
LOCK_SECONDS = 120.0
_BUSY_SECONDS = 30.0
# owner ids of the runs in progress in this process (a lease of this pid that is not one of
# them was left by an earlier run of this process)
_ACTIVE: set[str] = set()


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


def _proc_start(pid: int) -> str:
    """Start time of process ``pid`` (clock ticks since boot, from /proc); "" when unknown (no
    /proc, or no such process), "Z" for a zombie (a process that has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return ""
    fields = stat[stat.rindex(")") + 2 :].split()
    return "Z" if fields[0] in ("Z", "X") else fields[19]


@dataclass(frozen=True)
class LeaseOwner:
    """Who holds a lease: one run of one process (host, pid, process start, random token).

    Use :meth:`new` for a run; ``id`` is what the store records.
    """

    host: str
    pid: int
    pstart: str
    token: str

    @property
    def id(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def new(cls) -> LeaseOwner:
        """A new owner for a run of this process."""
        pid = os.getpid()
        return cls(platform.node(), pid, _proc_start(pid), secrets.token_hex(6))


def _stale(owner: str, host: str, pid: int, pstart: str, expires: float, now: float) -> bool:
    """Whether a lease may be taken over: expired, or held by a process of this host that is
    gone (no such pid, a zombie, another process under a reused pid), or by an earlier run of
    this very process."""
    if expires < now:
        return True
    if host != platform.node():
        return False  # another host's process: only its expiry tells
    if pid == os.getpid():
        return owner not in _ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        pass  # exists (another user's), or not a pid: the expiry decides
    start = _proc_start(pid)
    return start == "Z" or bool(start and pstart and start != pstart)


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
        self._con = sqlite3.connect(str(self.path), timeout=_BUSY_SECONDS, isolation_level=None)
        try:
            # two runs creating one store at once: switching a new file to WAL is refused
            # ("locked", SQLite's busy handler does not wait for it), so it is retried
            self._locked(lambda: self._con.execute("PRAGMA journal_mode=WAL"))
            self._con.execute("PRAGMA synchronous=FULL")
            if fresh or not self._current():
                # the tables, a migration and the marker in one transaction: another process
                # sees all of them or none (a current store is not written to at all)
                self._begin()
                try:
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            self._con.execute(stmt)
                    if "task_hash" not in self._columns("cells"):  # from before fingerprints
                        self._con.execute("ALTER TABLE cells ADD COLUMN task_hash TEXT")
                    if fresh or self._user_version() < SCHEMA_VERSION:
                        self._con.execute(f"PRAGMA application_id={APPLICATION_ID}")
                        self._con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    self._con.execute("COMMIT")
                except BaseException:
                    self._con.execute("ROLLBACK")
                    raise
        except sqlite3.DatabaseError as e:
            self._con.close()
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise
            raise StoreError(f"results store {self.path} is unreadable ({e}): {_ADVICE}") from e
        except BaseException:
            self._con.close()
            raise

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self._con.execute(f"PRAGMA table_info({table})")}

    def _user_version(self) -> int:
        return self._con.execute("PRAGMA user_version").fetchone()[0]

    def _current(self) -> bool:
        """Whether the file has every table and column and the current marker."""
        return (
            self._user_version() >= SCHEMA_VERSION
            and self._columns("cells") == set(_CELLS_COLUMNS)
            and self._columns("results") == set(_RESULTS_COLUMNS)
            and self._columns("leases") == set(_LEASES_COLUMNS)
        )

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- writing ------------------------------------------------------------------------
    def _locked(self, op):
        """``op()``, retried while another connection holds the lock, for at most
        :data:`LOCK_SECONDS`."""
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            try:
                return op()
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError(
                        f"results store {self.path} stayed locked by another process for "
                        f"{LOCK_SECONDS:.0f} s"
                    ) from e
                time.sleep(0.05)

    def _begin(self) -> None:
        self._locked(lambda: self._con.execute("BEGIN IMMEDIATE"))

    def write(self, r: CellResult, owner: LeaseOwner | None = None) -> None:
        """Store one cell atomically (its status row and all its metric rows, or nothing).

        Parameters
        ----------
        r : CellResult
        owner : LeaseOwner, optional
            Whose lease on the cell to release, in the same transaction.
        """
        if r.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES} (got {r.mode!r})")
        if r.status not in ("ok", "failed"):
            raise ValueError(f"status must be 'ok' or 'failed' (got {r.status!r})")
        key = (r.study, r.mode, r.cell)
        con = self._con
        self._begin()
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
            if owner is not None:
                con.execute(
                    "DELETE FROM leases WHERE study=? AND mode=? AND cell=? AND owner=?",
                    (*key, owner.id),
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # -- leases -------------------------------------------------------------------------
    def claim(
        self,
        study: str,
        mode: str,
        cell: str,
        owner: LeaseOwner,
        task_hash: str,
        *,
        since: str,
        rerun: bool = False,
        ttl: float = LEASE_SECONDS,
    ) -> tuple[str, str]:
        """Claim a cell for ``owner`` before computing it, in one transaction.

        Parameters
        ----------
        study, mode, cell : str
            The cell's key.
        owner : LeaseOwner
        task_hash : str
            The task's current fingerprint: a cell stored by another fingerprint is not done.
        since : str
            ISO time the claiming run started.
        rerun : bool
            Only a result finished at or after ``since`` counts as done.
        ttl : float
            Seconds until the new lease expires without a heartbeat.

        Returns
        -------
        state, detail : str, str
            ``("done", "")``: stored ``ok``; ``("failed", traceback)``: stored as failed by
            another run since ``since``; ``("leased", owner id)``: another run holds a lease
            that is not stale; ``("claimed", "")``: the lease is ``owner``'s (new, its own, or
            taken over from a stale one).
        """
        key = (study, mode, cell)
        con = self._con
        self._begin()
        try:
            row = con.execute(
                "SELECT status, task_hash, finished, error FROM cells "
                "WHERE study=? AND mode=? AND cell=?",
                key,
            ).fetchone()
            if row is not None and (row[1] or "") == task_hash:
                status, fresh = row[0], (row[2] or "") >= since
                if status == "ok" and (fresh or not rerun):
                    con.execute("COMMIT")
                    return "done", ""
                if status == "failed" and fresh:
                    con.execute("COMMIT")
                    return "failed", row[3] or ""
            now = time.time()
            lease = con.execute(
                "SELECT owner, host, pid, pstart, expires FROM leases "
                "WHERE study=? AND mode=? AND cell=?",
                key,
            ).fetchone()
            if lease is not None and lease[0] != owner.id:
                holder, host, pid, pstart, expires = lease
                if not _stale(holder, host or "", int(pid or 0), pstart or "", expires, now):
                    con.execute("COMMIT")
                    return "leased", holder
            con.execute(
                "INSERT OR REPLACE INTO leases (study, mode, cell, owner, host, pid, pstart, "
                "expires, claimed) VALUES (?,?,?,?,?,?,?,?,?)",
                (*key, owner.id, owner.host, owner.pid, owner.pstart, now + ttl, _iso_now()),
            )
            con.execute("COMMIT")
            return "claimed", ""
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def release(self, owner: LeaseOwner) -> int:
        """Delete every lease of ``owner``; the number deleted."""
        cur = self._locked(
            lambda: self._con.execute("DELETE FROM leases WHERE owner=?", (owner.id,))
        )
        return cur.rowcount

    def leases(self, study: str, mode: str, *, live: bool = False) -> dict[str, str]:
        """Owner id of each leased cell, by cell id; with ``live``, only leases not stale."""
        cur = self._con.execute(
            "SELECT cell, owner, host, pid, pstart, expires FROM leases WHERE study=? AND mode=?",
            (study, mode),
        )
        now = time.time()
        return {
            cell: holder
            for cell, holder, host, pid, pstart, expires in cur.fetchall()
            if not live or not _stale(holder, host or "", int(pid or 0), pstart or "", expires, now)
        }

    @contextmanager
    def holding(
        self, owner: LeaseOwner, *, ttl: float = LEASE_SECONDS, every: float = HEARTBEAT_SECONDS
    ) -> Iterator[LeaseOwner]:
        """Context of a run holding leases: a thread renews ``owner``'s leases every ``every``
        seconds (to ``ttl`` from then); on exit, however the run ends, the thread stops and every
        lease of ``owner`` is deleted."""
        _ACTIVE.add(owner.id)
        beat = _Heartbeat(self.path, owner, ttl, every)
        beat.start()
        try:
            yield owner
        finally:
            beat.stop()
            try:
                self.release(owner)
            except sqlite3.Error:  # left behind, it is stale once this process is gone
                pass
            _ACTIVE.discard(owner.id)

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


def _iso_now() -> str:
    import datetime as _dt

    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")


class _Heartbeat:
    """A daemon thread renewing an owner's leases through its own connection."""

    def __init__(self, path: Path, owner: LeaseOwner, ttl: float, every: float):
        self.path, self.owner, self.ttl, self.every = path, owner, float(ttl), float(every)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ratesim-leases", daemon=True)

    def _loop(self) -> None:
        con = sqlite3.connect(str(self.path), timeout=min(self.every, 10.0), isolation_level=None)
        try:
            while not self._stop.wait(self.every):
                try:
                    con.execute(
                        "UPDATE leases SET expires=? WHERE owner=?",
                        (time.time() + self.ttl, self.owner.id),
                    )
                except sqlite3.Error:  # locked meanwhile: the next beat tries again
                    pass
        finally:
            con.close()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        # it wakes at once, unless inside an update (at most its busy timeout); a daemon
        # thread, it never keeps the process alive
        self._thread.join(timeout=15.0)


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
    df.to_csv(path, index=False)  # full precision (shortest round-trip repr): recomputable
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
