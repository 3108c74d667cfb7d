"""The results store's robustness: a corrupt or foreign file is a clear error (exit 2, nothing
written), an older store still opens, and concurrent runs never compute a cell twice (leases)."""

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import engine_tasks
import pytest

from ratesim.cli import main
from ratesim.study import ResultsStore, StoreError, expand, fingerprint, load_study, run_study
from ratesim.study.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    CellResult,
    LeaseOwner,
    _proc_start,
)

GOOD = '''
"""A fast study with a known slope."""
from ratesim.study import Claim, Study

from .tasks import synthetic_power

STUDY = Study(
    name="good",
    task=synthetic_power,
    grid={"N": [16, 64, 256, 1024], "slope": -0.5, "noise": 0.05},
    seeds=4,
    quick={"N": [16, 256, 4096]},
    quick_seeds=3,
    claims=[Claim(metric="value", predict=-0.5)],
)
'''

OLD_SCHEMA = """
CREATE TABLE cells (
    study TEXT NOT NULL, mode TEXT NOT NULL, cell TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    params TEXT NOT NULL, rep INTEGER NOT NULL, seed INTEGER NOT NULL,
    seconds REAL, peak_mem_mb REAL, maxrss_mb REAL,
    version TEXT, host TEXT, started TEXT, finished TEXT, error TEXT,
    PRIMARY KEY (study, mode, cell)
);
CREATE TABLE results (
    study TEXT NOT NULL, mode TEXT NOT NULL, cell TEXT NOT NULL,
    metric TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (study, mode, cell, metric)
);
"""


def _studies(tmp_path):
    fam = tmp_path / "studies" / "fam"
    fam.mkdir(parents=True, exist_ok=True)
    (fam / "tasks.py").write_text(Path(engine_tasks.__file__).read_text())
    (fam / "good.py").write_text(GOOD)
    return tmp_path / "studies"


def _args(tmp_path, d):
    return ["--studies", str(d), "--out", str(tmp_path / "res"), "--reports", str(tmp_path / "rep")]


def _res(cell, status="ok", **kw):
    return CellResult(
        study="s",
        mode="full",
        cell=cell,
        params={"N": 10},
        rep=0,
        seed=1,
        status=status,
        metrics={"a": 1.0, "b": 2.0} if status == "ok" else {},
        **kw,
    )


def _random(db):
    db.write_bytes(os.urandom(3000))


def _text(db):
    db.write_text("results: none\n")


def _truncated(db):
    with ResultsStore(db) as st:
        for i in range(200):
            st.write(_res(f"c{i}", error="x" * 200))
    data = db.read_bytes()
    assert len(data) > 8 * 4096
    db.write_bytes(data[: len(data) // 2])


def _header_only(db):
    with ResultsStore(db) as st:
        st.write(_res("c1"))
    db.write_bytes(db.read_bytes()[:60])


def _foreign_cells(db):
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE cells (id INTEGER PRIMARY KEY, x REAL, y REAL)")
    con.execute("INSERT INTO cells VALUES (1, 2.0, 3.0)")
    con.commit()
    con.close()


def _foreign_tables(db):
    con = sqlite3.connect(db)
    con.executescript(OLD_SCHEMA + "CREATE TABLE invoices (id INTEGER, amount REAL);")
    con.close()


def _foreign_app(db):
    con = sqlite3.connect(db)
    con.executescript(OLD_SCHEMA + "PRAGMA application_id=1234;")
    con.close()


KINDS = {
    "random": (_random, "not an SQLite database"),
    "text": (_text, "not an SQLite database"),
    "truncated": (_truncated, "corrupt or truncated"),
    "header_only": (_header_only, "truncated"),
    "foreign_cells": (_foreign_cells, "not a ratesim results store"),
    "foreign_tables": (_foreign_tables, "not a ratesim results store (it has tables invoices)"),
    "foreign_app": (_foreign_app, "not a ratesim results store (SQLite application id"),
}
COMMANDS = {
    "run": ["run", "good", "--jobs", "1"],
    "fit": ["fit", "good"],
    "check": ["check", "good"],
    "report": ["report", "good"],
    "export": ["export", "good"],
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_bad_store_is_a_store_error_and_left_untouched(tmp_path, kind):
    make, what = KINDS[kind]
    db = tmp_path / "ratesim.sqlite"
    make(db)
    before = db.read_bytes()
    files = sorted(os.listdir(tmp_path))
    with pytest.raises(StoreError) as e:
        ResultsStore(db)
    msg = str(e.value)
    assert str(db) in msg and what in msg and "move it aside or pass another --out" in msg
    assert "\n" not in msg
    assert isinstance(e.value, ValueError)
    assert db.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == files  # no -wal or -shm files either


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_command_exits_2_on_a_bad_store(tmp_path, capsys, kind, command):
    make, what = KINDS[kind]
    d = _studies(tmp_path)
    res = tmp_path / "res"
    res.mkdir()
    db = res / "ratesim.sqlite"
    make(db)
    before = db.read_bytes()
    assert main([*COMMANDS[command], *_args(tmp_path, d)]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ratesim: ") and str(db) in lines[0] and what in lines[0]
    assert "Traceback" not in err and "Traceback" not in out
    assert db.read_bytes() == before
    assert sorted(os.listdir(res)) == ["ratesim.sqlite"]  # nothing written beside it
    assert not (tmp_path / "rep").exists()


@pytest.mark.parametrize("task_hash", [False, True])
def test_a_store_from_before_the_marker_still_opens(tmp_path, capsys, task_hash):
    d = _studies(tmp_path)
    assert main(["run", "good", "--jobs", "1", *_args(tmp_path, d)]) == 0
    db = tmp_path / "res" / "ratesim.sqlite"
    # rewrite it as an older ratesim left it: no marker, no leases table (and no task_hash)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT * FROM cells").fetchall()
    results = con.execute("SELECT * FROM results").fetchall()
    con.close()
    db.unlink()
    con = sqlite3.connect(db)
    schema = (
        OLD_SCHEMA.replace("error TEXT,", "error TEXT, task_hash TEXT,")
        if task_hash
        else OLD_SCHEMA
    )
    con.executescript(schema)
    n = 16 if task_hash else 15
    con.executemany(f"INSERT INTO cells VALUES ({','.join('?' * n)})", [r[:n] for r in rows])
    con.executemany("INSERT INTO results VALUES (?,?,?,?,?)", results)
    con.commit()
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0
    con.close()
    capsys.readouterr()
    assert main(["export", "good", *_args(tmp_path, d)]) == 0
    with ResultsStore(db) as st:
        assert len(st.done("good", "full")) == 16
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    cols = {r[1] for r in con.execute("PRAGMA table_info(cells)")}
    assert "task_hash" in cols
    con.close()
    # with the task fingerprints the run reuses every cell; without them it recomputes
    assert main(["run", "good", "--jobs", "1", *_args(tmp_path, d)]) == 0
    out = capsys.readouterr().out
    assert ("16 already stored" if task_hash else "0 already stored") in out


def test_an_empty_file_or_database_becomes_a_store(tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    blank = tmp_path / "blank.sqlite"
    sqlite3.connect(blank).close()
    for db in (empty, blank):
        with ResultsStore(db) as st:
            st.write(_res("c1"))
            assert st.done("s", "full") == {"c1"}


def test_a_store_of_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as st:
        st.write(_res("c1"))
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer than this ratesim"):
        ResultsStore(db)


# -- leases: concurrent runs share the cells ------------------------------------------------

SLEEPY = '''
"""Lease test study: cells of ~50 ms; each worker process holds its first cell until GATE/go
exists, so that the test can start two runs and let them go only once both are computing."""
import os
import time
from pathlib import Path

import numpy as np

from ratesim.study import Claim, Study, task

GATE = Path(GATE_DIR)
_waited = []


@task(metrics=("a",))
def sleepy_task(*, N, rng, sleep=0.05):
    if GATE_DIR and not _waited:
        _waited.append(True)
        (GATE / f"ready-{os.getpid()}").touch()
        while not (GATE / "go").exists():
            time.sleep(0.01)
    time.sleep(sleep)
    return {"a": float(np.mean(rng.standard_normal(N)))}


STUDY = Study(
    name="sleepy",
    task=sleepy_task,
    grid={"N": [10, 20, 40, 80, 160]},
    seeds=8,
    claims=[Claim(metric="a", predict=-0.5)],
)
'''
N_SLEEPY = 40


def _sleepy(tmp_path, gate: Path | None = None) -> Path:
    fam = tmp_path / "studies" / "sleepy_family"
    fam.mkdir(parents=True, exist_ok=True)
    p = fam / "sleepy.py"
    p.write_text(SLEEPY.replace("GATE_DIR", repr(str(gate) if gate else "")))
    return p


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _lease(db, cell, owner: LeaseOwner, expires: float, study="sleepy"):
    with ResultsStore(db):  # the schema
        pass
    con = sqlite3.connect(db)
    con.execute(
        "INSERT OR REPLACE INTO leases VALUES (?,?,?,?,?,?,?,?,?)",
        (study, "full", cell, owner.id, owner.host, owner.pid, owner.pstart, expires, ""),
    )
    con.commit()
    con.close()


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_concurrent_runs_compute_each_cell_once(tmp_path, jobs):
    gate = tmp_path / "gate"
    gate.mkdir()
    src = _sleepy(tmp_path, gate)
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "ratesim", "run", "sleepy", "--jobs", str(jobs)]
    cmd += ["--studies", str(src.parent.parent), "--out", str(out)]
    env = {**os.environ, "CI": "true"}
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        # both runs are computing once more workers wait at the gate than one run has
        deadline = time.time() + 120
        while len(list(gate.glob("ready-*"))) < jobs + 1:
            assert time.time() < deadline, [p.poll() for p in procs]
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.02)
        (gate / "go").touch()
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in procs] == [0, 0], outs
    computed = []
    for stdout, _ in outs:
        m = re.search(r"(\d+) cells, (\d+) already stored, (\d+) computed, (\d+) failed", stdout)
        assert m, stdout
        assert int(m[1]) == N_SLEEPY and int(m[2]) == 0 and int(m[4]) == 0
        computed.append(int(m[3]))
        assert min(computed) >= 0
    assert sum(computed) == N_SLEEPY, outs
    assert all(0 < c < N_SLEEPY for c in computed), computed
    for (stdout, _), c in zip(outs, computed, strict=True):
        assert f"note: {N_SLEEPY - c} cells were computed by another run" in stdout
    db = out / "ratesim.sqlite"
    with ResultsStore(db) as st:
        assert st.count("sleepy", "full") == (N_SLEEPY, N_SLEEPY)
        assert len(st.done("sleepy", "full")) == N_SLEEPY
        assert st.leases("sleepy", "full") == {}  # released on exit
    # the same numbers as one run alone
    ref = tmp_path / "ref.sqlite"
    study = load_study(_sleepy(tmp_path / "ref"))
    with ResultsStore(ref) as st:
        run_study(study, st, progress=False)
        want = st.tidy("sleepy", "full")
    with ResultsStore(db) as st:
        got = st.tidy("sleepy", "full")
    assert list(got["value"]) == list(want["value"])


def test_claims(tmp_path):
    db = tmp_path / "r.sqlite"
    me = LeaseOwner.current()
    other = LeaseOwner("elsewhere.example", 4242, "123")
    with ResultsStore(db) as st:
        assert st.claim("s", "full", "c1", me, "h") == ("claimed", "")
        assert st.claim("s", "full", "c1", me, "h") == ("claimed", "")  # its own claim
        assert st.claim("s", "full", "c1", other, "h") == ("leased", me.id)
        assert st.leases("s", "full") == {"c1": me.id}
        st.write(_res("c1", task_hash="h"), owner=me)  # stores and releases in one transaction
        assert st.leases("s", "full") == {}
        assert st.claim("s", "full", "c1", other, "h") == ("done", "")
        # stored by another task version, or before `since`: to be computed again
        assert st.claim("s", "full", "c1", other, "h2") == ("claimed", "")
        assert st.claim("s", "full", "c1", me, "h2") == ("leased", other.id)
        assert st.release(other) == 1
        assert st.claim("s", "full", "c1", me, "h", since="9999") == ("claimed", "")
        # a failed cell is released too, and is not done
        st.write(_res("c1", status="failed", error="boom"), owner=me)
        assert st.leases("s", "full") == {}
        assert st.claim("s", "full", "c1", other, "h") == ("claimed", "")
        # an expired claim is taken over, even of a live owner
        assert st.claim("s", "full", "c2", other, "h", ttl=-1.0) == ("claimed", "")
        assert st.claim("s", "full", "c2", me, "h") == ("claimed", "")


def test_a_stale_lease_is_taken_over(tmp_path, capsys):
    """A run killed while holding cells (its pid is gone, or its claim expired) blocks nothing."""
    src = _sleepy(tmp_path)
    out = tmp_path / "res"
    db = out / "ratesim.sqlite"
    cells = [c.id for c in expand(load_study(src))]
    host = LeaseOwner.current().host
    dead = LeaseOwner(host, _dead_pid(), "1")
    assert not dead.alive()
    reused = LeaseOwner(host, os.getpid(), "not-its-start-time")  # the pid now runs another process
    assert not reused.alive()
    expired = LeaseOwner("elsewhere.example", 4242, "123")
    far = time.time() + 3600
    _lease(db, cells[0], dead, far)
    _lease(db, cells[1], dead, far)
    _lease(db, cells[2], reused, far)
    _lease(db, cells[3], expired, time.time() - 1)
    args = ["--studies", str(src.parent.parent), "--out", str(out)]
    assert main(["run", "sleepy", "--jobs", "1", *args]) == 0
    stdout = capsys.readouterr().out
    assert f"{N_SLEEPY} computed, 0 failed" in stdout and "another run" not in stdout
    with ResultsStore(db) as st:
        assert st.count("sleepy", "full") == (N_SLEEPY, N_SLEEPY)
        assert st.leases("sleepy", "full") == {}


def test_cells_held_by_a_live_run_are_skipped_not_failed(tmp_path, capsys):
    src = _sleepy(tmp_path)
    out = tmp_path / "res"
    db = out / "ratesim.sqlite"
    study = load_study(src)
    cells = [c.id for c in expand(study)]
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        pstart = _proc_start(other.pid)
        assert pstart
        live = LeaseOwner(LeaseOwner.current().host, other.pid, pstart)  # another process
        assert live.alive()
        remote = LeaseOwner("elsewhere.example", 4242, "123")  # alive until its claim expires
        far = time.time() + 3600
        _lease(db, cells[0], live, far)
        _lease(db, cells[1], remote, far)
        _lease(db, cells[2], remote, far)
        args = ["--studies", str(src.parent.parent), "--out", str(out)]
        assert main(["run", "sleepy", "--jobs", "2", *args]) == 0
        stdout = capsys.readouterr().out
        assert f"{N_SLEEPY - 3} computed, 0 failed" in stdout
        assert "note: 3 cells were computed by another run at the same time (0 stored, 3 " in stdout
        assert f"{live.id} (1)" in stdout and f"{remote.id} (2)" in stdout
        held = dict(zip(cells[:3], (live.id, remote.id, remote.id), strict=True))
        with ResultsStore(db) as st:
            assert len(st.done("sleepy", "full")) == N_SLEEPY - 3
            assert st.leases("sleepy", "full") == held  # this run released only its own
            s = run_study(study, st, progress=False)
            assert s.ok and s.n_computed == 0 and s.n_elsewhere == 3
            assert s.running_elsewhere == {live.id: 1, remote.id: 2}
            # the remote run stores one of its cells (the next run finds it stored)
            r = CellResult("sleepy", "full", cells[1], {}, 0, 0, "ok", {"a": 0.0})
            r.task_hash = fingerprint(study.task_spec().func)
            st.write(r, owner=remote)
            # the local one is killed: its cell is taken over
            other.kill()
            other.wait()
            s = run_study(study, st, progress=False)
            assert s.ok and s.n_cached == N_SLEEPY - 2 and s.n_computed == 1
            assert s.n_elsewhere == 1 and s.running_elsewhere == {remote.id: 1}
            assert st.leases("sleepy", "full") == {cells[2]: remote.id}
    finally:
        other.kill()
        other.wait()
