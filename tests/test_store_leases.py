"""Store leases: two runs on one store never compute a cell twice, a stale lease (dead process,
expired) is taken over, a lease goes with its cell's result (also a failure) and with its run,
and no wait is without a deadline (every subprocess here has a timeout and is killed with its
process group)."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from repo_paths import ROOT

from ratesim.study import ResultsStore, expand, fingerprint, load_study, run_study
from ratesim.study.store import CellResult, LeaseOwner, _proc_start

TASKS = '''
"""A task that logs each call, optionally waits at a gate, fails or kills its worker."""
import os
import time
from pathlib import Path

import numpy as np

from ratesim.study import task


@task(metrics=("value",))
def counted(*, N: int, rng: np.random.Generator, fail: int = 0, die: int = 0) -> dict:
    """One line per call in $LEASE_TEST_LOG (run tag, N, value). With $LEASE_TEST_GATE, say
    ready and wait for GATE/go, for 300 s at most."""
    value = float(rng.standard_normal())
    run = os.environ.get("LEASE_TEST_RUN", "-")
    with open(os.environ["LEASE_TEST_LOG"], "a") as f:
        f.write(f"{run} {N} {value!r}\\n")
    gate = os.environ.get("LEASE_TEST_GATE")
    if gate:
        Path(gate, f"ready-{run}").touch()
        deadline = time.monotonic() + 300.0
        while not Path(gate, "go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    if N == die:
        os._exit(3)  # the worker process dies
    if N == fail:
        raise ValueError(f"N = {N} fails")
    time.sleep(0.01)
    return {"value": value}
'''


def _study(name: str, extra: str = "", seeds: int = 8) -> str:
    return f'''
"""Lease test study."""
from ratesim.study import Claim, Study

from .tasks import counted

STUDY = Study(
    name="{name}",
    task=counted,
    grid={{"N": [10, 20, 40, 80, 160]{extra}}},
    seeds={seeds},
    claims=[Claim(metric="value", predict=-0.5, tolerance=0.1)],
)
'''


N_CELLS = 40  # 5 N x 8 seeds


@pytest.fixture
def studies(write_study, tmp_path, monkeypatch):
    """The lease family's folder; calls are logged to tmp_path/calls.log."""
    write_study("counted", _study("counted"), family="lease_fam", files={"tasks.py": TASKS})
    write_study("failing", _study("failing", ', "fail": 20', 2), family="lease_fam")
    write_study("dying", _study("dying", ', "die": 20', 2), family="lease_fam")
    monkeypatch.setenv("LEASE_TEST_LOG", str(tmp_path / "calls.log"))
    monkeypatch.delenv("LEASE_TEST_GATE", raising=False)
    return tmp_path / "studies"


def _calls(tmp_path) -> list[tuple[str, str]]:
    """(run tag, cell) of every call of the task."""
    log = tmp_path / "calls.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [(ln.split(" ", 1)[0], ln.split(" ", 1)[1]) for ln in lines]


# -- subprocesses: always a timeout, always killed with their process group -------------------


def _start(args: list[str], tmp_path: Path, tag: str, **env) -> subprocess.Popen:
    environ = {**os.environ, "CI": "true", "LEASE_TEST_RUN": tag, **env}
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), environ.get("PYTHONPATH", "")])
    # files, not pipes: nothing can fill up
    with open(tmp_path / f"{tag}.out", "w") as out, open(tmp_path / f"{tag}.err", "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ratesim", *args],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group, loky's workers included
        )
    proc.tag = tag
    return proc


def _output(proc, tmp_path) -> str:
    return (tmp_path / f"{proc.tag}.out").read_text() + (tmp_path / f"{proc.tag}.err").read_text()


def _kill(procs) -> None:
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass


def _until(cond, procs, tmp_path, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        for p in procs:
            assert p.poll() is None, f"{p.tag} exited ({p.returncode}): {_output(p, tmp_path)}"
        assert time.monotonic() < deadline, f"no {what} after {seconds} s"
        time.sleep(0.02)


# -- (a) two concurrent runs ------------------------------------------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_concurrent_runs_compute_each_cell_once(tmp_path, studies, jobs):
    """Two `ratesim run` on one store: every cell computed once in all, both runs computing."""
    gate = tmp_path / "gate"
    gate.mkdir()
    out = tmp_path / "res"
    args = ["run", "counted", "--jobs", str(jobs), "--studies", str(studies), "--out", str(out)]
    procs = []
    try:
        for tag in ("a", "b"):
            procs.append(_start(args, tmp_path, tag, LEASE_TEST_GATE=str(gate)))
        # both runs hold cells before either computes one: they run at the same time
        ready = ("ready-a", "ready-b")
        _until(lambda: all((gate / r).exists() for r in ready), procs, tmp_path, 120, "ready")
        (gate / "go").touch()
        for p in procs:
            p.wait(timeout=120)
        outputs = {p.tag: _output(p, tmp_path) for p in procs}
        assert [p.returncode for p in procs] == [0, 0], outputs
    finally:
        _kill(procs)
    calls = _calls(tmp_path)
    assert len(calls) == N_CELLS and len({c for _, c in calls}) == N_CELLS, calls
    by_run = Counter(tag for tag, _ in calls)
    assert by_run["a"] > 0 and by_run["b"] > 0, by_run
    for tag, text in outputs.items():
        m = re.search(r"(\d+) cells, (\d+) already stored, (\d+) computed, (\d+) failed", text)
        assert m and m.groups() == (str(N_CELLS), "0", str(by_run[tag]), "0"), text
        n_other = N_CELLS - by_run[tag]
        assert f"{n_other} cells were computed by another run" in text, text
        assert "still being computed" not in text
    with ResultsStore(out / "ratesim.sqlite") as st:
        assert st.count("counted", "full") == (N_CELLS, N_CELLS)  # no lost or doubled rows
        assert len(st.done("counted", "full")) == N_CELLS
        assert st.leases("counted", "full") == {}  # all released
        got = st.tidy("counted", "full")
    # the same numbers as one run alone
    with ResultsStore(tmp_path / "ref.sqlite") as st:
        assert run_study(load_study(studies / "lease_fam" / "counted.py"), st, progress=False).ok
        want = st.tidy("counted", "full")
    assert list(got["value"]) == list(want["value"])


# -- (b) stale leases are taken over, live ones are waited for (with a deadline) ----------------


def _put_lease(db: Path, cell: str, owner: LeaseOwner, expires: float, study="counted") -> None:
    ResultsStore(db).close()  # the schema
    con = sqlite3.connect(db)
    con.execute(
        "INSERT OR REPLACE INTO leases VALUES (?,?,?,?,?,?,?,?,?)",
        (study, "full", cell, owner.id, owner.host, owner.pid, owner.pstart, expires, ""),
    )
    con.commit()
    con.close()


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])


def test_stale_leases_are_taken_over(tmp_path, studies):
    """Leases of a dead pid, of a zombie, of a pid now running another process, of an earlier run
    of this process and an expired one are taken over; a live run's lease is not."""
    study = load_study(studies / "lease_fam" / "counted.py")
    cells = [c.id for c in expand(study)]
    db = tmp_path / "res" / "ratesim.sqlite"
    me = LeaseOwner.new()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])  # exited, not yet waited for
    live = _sleeper()
    try:
        deadline = time.monotonic() + 60
        while _proc_start(zombie.pid) != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        far = time.time() + 3600
        live_owner = LeaseOwner(me.host, live.pid, _proc_start(live.pid), "live")
        stale = {
            cells[0]: LeaseOwner(me.host, dead.pid, "1", "dead"),
            cells[1]: LeaseOwner(me.host, zombie.pid, _proc_start(zombie.pid), "zombie"),
            cells[2]: LeaseOwner(me.host, live.pid, "not-its-start", "reused-pid"),
            cells[3]: LeaseOwner(me.host, os.getpid(), me.pstart, "earlier-run"),
            cells[4]: LeaseOwner("elsewhere.example", 4242, "1", "expired"),
        }
        for cell, owner in stale.items():
            _put_lease(db, cell, owner, far if owner.token != "expired" else time.time() - 1)
        _put_lease(db, cells[5], live_owner, far)
        with ResultsStore(db) as st:
            assert st.leases("counted", "full", live=True) == {cells[5]: live_owner.id}
            s = run_study(study, st, progress=False, wait=0.0)  # nothing to wait for but one
            assert s.ok and s.n_computed == N_CELLS - 1 and s.n_elsewhere == 1
            assert s.running_elsewhere == {live_owner.id: 1}
            assert st.leases("counted", "full") == {cells[5]: live_owner.id}  # not its own
            live.kill()
            live.wait(timeout=60)
            s = run_study(study, st, progress=False, wait=0.0)  # its process is gone now
            assert s.ok and s.n_cached == N_CELLS - 1 and s.n_computed == 1
            assert st.leases("counted", "full") == {}
            assert st.count("counted", "full") == (N_CELLS, N_CELLS)
        assert len(_calls(tmp_path)) == N_CELLS
    finally:
        for p in (zombie, live):
            p.kill()
            p.wait(timeout=60)


@pytest.mark.parametrize("outcome", ["stored", "released", "deadline"])
def test_cells_of_a_live_run_are_waited_for_with_a_deadline(tmp_path, studies, capsys, outcome):
    """A cell another live run holds is not computed here: the run waits until that run stores
    it (counted as computed elsewhere) or gives it up (computed here), or until ``wait``."""
    study = load_study(studies / "lease_fam" / "counted.py")
    cells = expand(study)
    cell = cells[7]
    db = tmp_path / "res" / "ratesim.sqlite"
    other = LeaseOwner("elsewhere.example", 4242, "1", "remote")  # live until it expires
    _put_lease(db, cell.id, other, time.time() + 3600)

    def act():
        with ResultsStore(db) as st:
            if outcome == "stored":
                r = CellResult("counted", "full", cell.id, cell.params, cell.rep, cell.seed, "ok")
                r.metrics, r.task_hash = {"value": 1.0}, fingerprint(study.task_spec().func)
                r.finished = "9999"  # after this run started
                st.write(r, owner=other)
            else:
                assert st.release(other) == 1

    timer = threading.Timer(0.5, act) if outcome != "deadline" else None
    t0 = time.monotonic()
    with ResultsStore(db) as st:
        if timer:
            timer.start()
        s = run_study(study, st, progress=False, wait=1.0 if outcome == "deadline" else 60.0)
        if timer:
            timer.join(timeout=30)
        leases = st.leases("counted", "full")
    assert time.monotonic() - t0 < 30
    err = capsys.readouterr().err
    assert s.ok
    if outcome == "stored":
        assert (s.n_computed, s.n_elsewhere, s.running_elsewhere) == (N_CELLS - 1, 1, {})
        assert "1 cells were computed by another run" in err
    elif outcome == "released":
        assert (s.n_computed, s.n_elsewhere, s.running_elsewhere) == (N_CELLS, 0, {})
        assert "another run" not in err
    else:
        assert (s.n_computed, s.n_elsewhere) == (N_CELLS - 1, 1)
        assert s.running_elsewhere == {other.id: 1}
        assert f"1 still being computed after waiting 1 s, by {other.id} (1)" in err
    assert leases == ({cell.id: other.id} if outcome == "deadline" else {})
    assert len(_calls(tmp_path)) == s.n_computed


def test_claims(tmp_path):
    """One claim per cell: the first owner gets it, another sees it leased until it is stored."""
    db = tmp_path / "r.sqlite"
    a, b = LeaseOwner.new(), LeaseOwner("elsewhere.example", 4242, "1", "b")
    t0 = "2026-01-01T00:00:00"
    with ResultsStore(db) as st, st.holding(a):  # a's run is in progress
        assert st.claim("s", "full", "c1", a, "h", since=t0) == ("claimed", "")
        assert st.claim("s", "full", "c1", a, "h", since=t0) == ("claimed", "")  # its own
        assert st.claim("s", "full", "c1", b, "h", since=t0) == ("leased", a.id)
        r = CellResult("s", "full", "c1", {}, 0, 0, "ok", {"v": 1.0}, task_hash="h")
        r.finished = "2026-06-01T00:00:00"
        st.write(r, owner=a)  # stores and releases in one transaction
        assert st.leases("s", "full") == {}
        assert st.claim("s", "full", "c1", b, "h", since=t0) == ("done", "")
        assert st.claim("s", "full", "c1", b, "h2", since=t0) == ("claimed", "")  # other task
        assert st.claim("s", "full", "c1", a, "h", since="2027", rerun=True) == ("leased", b.id)
        assert st.release(b) == 1
        # a rerun started after the result was stored computes it again
        assert st.claim("s", "full", "c1", a, "h", since="2027", rerun=True) == ("claimed", "")
    with ResultsStore(db) as st:  # a's run has ended: its leases went with it
        assert st.leases("s", "full") == {}


def test_a_heartbeat_keeps_the_leases_of_a_run_alive(tmp_path):
    a, b = LeaseOwner.new(), LeaseOwner("elsewhere.example", 4242, "1", "b")
    with ResultsStore(tmp_path / "r.sqlite") as st:
        with st.holding(a, ttl=1.0, every=0.1):
            assert st.claim("s", "full", "c1", a, "h", since="2026", ttl=1.0)[0] == "claimed"
            time.sleep(1.5)  # past the first expiry: renewed meanwhile
            assert st.claim("s", "full", "c1", b, "h", since="2026") == ("leased", a.id)
        assert st.leases("s", "full") == {}
        # without a heartbeat it expires, even while its run lives
        assert st.claim("s", "full", "c2", b, "h", since="2026", ttl=0.2)[0] == "claimed"
        with st.holding(a):
            time.sleep(0.3)
            assert st.claim("s", "full", "c2", a, "h", since="2026") == ("claimed", "")


# -- (c) a failed cell, a dead worker, a run that ends: the lease goes --------------------------


def test_a_failed_cell_releases_its_lease(tmp_path, studies):
    db = tmp_path / "r.sqlite"
    a, b = LeaseOwner.new(), LeaseOwner("elsewhere.example", 4242, "1", "b")
    with ResultsStore(db) as st, st.holding(a):
        assert st.claim("s", "full", "c1", a, "h", since="2026") == ("claimed", "")
        assert st.claim("s", "full", "c1", b, "h", since="2026") == ("leased", a.id)
        r = CellResult("s", "full", "c1", {}, 0, 0, "failed", error="boom", task_hash="h")
        r.finished = "2026-06"
        st.write(r, owner=a)  # the failure and the release, one transaction
        assert st.leases("s", "full") == {}
        assert st.count("s", "full") == (1, 0)  # a status row, no results
        # a run that started before the failure does not try again; a later run does
        assert st.claim("s", "full", "c1", b, "h", since="2026") == ("failed", "boom")
        assert st.claim("s", "full", "c1", b, "h", since="2027") == ("claimed", "")
    # a whole run: failed cells are stored with their traceback, no lease is left
    study = load_study(studies / "lease_fam" / "failing.py")
    with ResultsStore(db) as st:
        s = run_study(study, st, progress=False)
        assert sorted(c for c, _ in s.failures) == sorted(
            c.id for c in expand(study) if c.params["N"] == 20
        )
        assert all("N = 20 fails" in e for _, e in s.failures)
        assert s.n_computed == 10 and st.count("failing", "full") == (10, 8)
        assert st.leases("failing", "full") == {}


def test_a_dead_worker_fails_its_cell_and_releases_the_lease(tmp_path, studies):
    """A loky worker that dies (os._exit) fails its cell (stored, lease released); the run goes
    on and ends."""
    out = tmp_path / "res"
    args = ["run", "dying", "--jobs", "2", "--studies", str(studies), "--out", str(out)]
    procs = [_start(args, tmp_path, "d")]
    try:
        procs[0].wait(timeout=240)
        text = _output(procs[0], tmp_path)
        assert procs[0].returncode == 1, text
    finally:
        _kill(procs)
    study = load_study(studies / "lease_fam" / "dying.py")
    dying = {c.id for c in expand(study) if c.params["N"] == 20}
    with ResultsStore(out / "ratesim.sqlite") as st:
        failed = dict(st.failures("dying", "full"))
        assert dying <= set(failed), text
        assert st.count("dying", "full")[0] == 10  # every cell has its row, ok or failed
        assert st.leases("dying", "full") == {}
    assert "failed cell(s)" in text


STOPPED = """
import sys

from ratesim.study import ResultsStore, load_study, run_study, runner

study = load_study(sys.argv[1])
real, n = runner._Pool.submit, []


def submit(self, a):  # interrupted right after handing out its third cell
    fut = real(self, a)
    n.append(1)
    if len(n) == 3:
        print("held", len(st.leases(study.name, "full")), flush=True)
        raise KeyboardInterrupt
    return fut


runner._Pool.submit = submit
with ResultsStore(sys.argv[2]) as st:
    try:
        run_study(study, st, progress=False, jobs=2)
    except KeyboardInterrupt:
        cells, results = st.count(study.name, "full")
        print("left", len(st.leases(study.name, "full")), cells, results, flush=True)
"""


def test_a_run_that_stops_releases_its_leases_and_kills_its_workers(tmp_path, studies):
    """An interrupt in the middle of a run (here: right after it hands out its third cell)
    releases every lease it holds, and its loky workers die with it: the process exits at once
    (a loky future cancelled before it started made loky's manager thread fail before killing
    the workers, which then held the exit for their idle timeout, or forever if busy)."""
    study = studies / "lease_fam" / "counted.py"
    environ = {**os.environ, "LEASE_TEST_RUN": "s"}
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), environ.get("PYTHONPATH", "")])
    with open(tmp_path / "s.out", "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", STOPPED, str(study), str(tmp_path / "r.sqlite")],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.tag = "s"
        try:
            proc.wait(timeout=90)
            text = (tmp_path / "s.out").read_text()
            assert proc.returncode == 0, text
            # nothing of its process group (loky's workers) outlives it
            deadline = time.monotonic() + 30
            while True:
                try:
                    os.killpg(proc.pid, 0)
                except ProcessLookupError:
                    break
                assert time.monotonic() < deadline, "its workers outlive the run"
                time.sleep(0.05)
        finally:
            _kill([proc])
    held = re.search(r"held (\d+)", text)
    assert held and int(held[1]) >= 1, text
    left = re.search(r"left (\d+) (\d+) (\d+)", text)
    assert left and left[1] == "0", text  # no lease left
    assert 1 <= int(left[2]) <= 2 and left[2] == left[3], text  # whole cells only


def test_a_new_store_opens_while_another_connection_holds_the_lock(tmp_path):
    """Two runs creating one store at once: the second waits for the first (the switch to WAL
    was refused at once with 'database is locked', which crashed one of two runs now and
    then)."""
    db = tmp_path / "new.sqlite"
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.5, lambda: other.execute("ROLLBACK"))
    timer.start()
    try:
        with ResultsStore(db) as st:
            assert st.count("s", "full") == (0, 0)
    finally:
        timer.join(timeout=30)
        other.close()
