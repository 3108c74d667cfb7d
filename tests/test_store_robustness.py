"""The results store's robustness: a corrupt or foreign file is a clear error (exit 2, nothing
written), an older store still opens, and concurrent runs never compute a cell twice (leases)."""

import os
import sqlite3
from pathlib import Path

import engine_tasks
import pytest

from ratesim.cli import main
from ratesim.study import ResultsStore, StoreError
from ratesim.study.store import APPLICATION_ID, SCHEMA_VERSION, CellResult

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
    claims=[Claim(tolerance=0.1, metric="value", predict=-0.5)],
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
