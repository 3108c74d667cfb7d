"""The runner: identical results for any job count or backend, failures, resume after kill -9."""

import os
import signal
import subprocess
import sys
import time

import pytest

from ratesim.study import ResultsStore, expand, load_study, run_studies, run_study

STUDY = '''
"""Engine test study: a task defined in the study file, two metrics per cell."""
import time

import numpy as np

from ratesim.study import Claim, Study, task


@task(metrics=("a", "b"))
def runner_test_task(*, N, rng, sleep=0.0, fail_at=-1):
    time.sleep(sleep)
    if N == fail_at:
        raise RuntimeError(f"planned failure at N={N}")
    x = rng.standard_normal(N)
    return {"a": float(np.mean(np.abs(x)) * N ** -0.5), "b": float(np.std(x))}


STUDY = Study(
    name="runner_test",
    task=runner_test_task,
    grid={"N": [10, 20, 40, 80, 160], "sleep": SLEEP, "fail_at": FAIL_AT},
    seeds=SEEDS,
    claims=[Claim(tolerance=0.1, metric="a", predict=-0.5)],
)
'''


def _study_file(tmp_path, sleep=0.0, fail_at=-1, seeds=4):
    d = tmp_path / "studies" / "runner_family"
    d.mkdir(parents=True, exist_ok=True)
    p = d / "runner_test.py"
    body = STUDY.replace("SLEEP", repr(sleep)).replace("FAIL_AT", repr(fail_at))
    p.write_text(body.replace("SEEDS", str(seeds)))
    return p


def _values(db, mode="full"):
    with ResultsStore(db) as st:
        df = st.tidy("runner_test", mode)
    return {(c, m): v for c, m, v in zip(df["cell"], df["metric"], df["value"], strict=True)}


def test_identical_results_for_jobs_and_backends(tmp_path):
    st = load_study(_study_file(tmp_path))
    runs = {}
    for tag, kw in {
        "loky1": dict(jobs=1),
        "loky2": dict(jobs=2),
        "dask2": dict(jobs=2, backend="dask"),
    }.items():
        db = tmp_path / f"{tag}.sqlite"
        with ResultsStore(db) as store:
            s = run_study(st, store, progress=False, **kw)
        assert s.ok and s.n_computed == s.n_cells == 20
        runs[tag] = _values(db)
    assert len(runs["loky1"]) == 40
    assert runs["loky1"] == runs["loky2"] == runs["dask2"]  # bit-identical floats
    # negative control: another study seed changes every value
    st.seed = 1
    db = tmp_path / "other.sqlite"
    with ResultsStore(db) as store:
        run_study(st, store, progress=False)
    other = _values(db)
    assert all(other[k] != v for k, v in runs["loky1"].items())


def test_order_does_not_matter(tmp_path):
    """Cells computed in reverse order (a run interrupted then resumed elsewhere) agree."""
    st = load_study(_study_file(tmp_path))
    db1, db2 = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    with ResultsStore(db1) as store:
        run_study(st, store, progress=False)
    from ratesim.study.runner import code_version, execute_cell

    with ResultsStore(db2) as store:
        for c in reversed(expand(st)):
            store.write(execute_cell(None, str(st.source), st.name, "full", c, 1, code_version()))
    assert _values(db1) == _values(db2)


def test_failures_are_recorded_and_the_sweep_continues(tmp_path):
    st = load_study(_study_file(tmp_path, fail_at=40))
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as store:
        s = run_study(st, store, progress=False)
        assert not s.ok and len(s.failures) == 4 and s.n_computed == 20
        assert all("planned failure at N=40" in tb and "Traceback" in tb for _, tb in s.failures)
        assert len(store.done(st.name, "full")) == 16
        assert store.count(st.name, "full") == (20, 32)  # failed cells: status rows, no results
        # failures are never cached: the next run retries exactly them
        s2 = run_study(st, store, progress=False)
        assert s2.n_computed == 4 and s2.n_cached == 16
    # fixed, they succeed and replace the failure rows
    st = load_study(_study_file(tmp_path, fail_at=-1))
    with ResultsStore(db) as store:
        s3 = run_study(load_study(st.source), store, progress=False)
        # the grid changed (fail_at is a parameter): all cells are new
        assert s3.ok and s3.n_computed == 20


def test_resume_after_kill_9(tmp_path):
    """A sweep killed with SIGKILL resumes with only the missing cells, nothing lost or doubled."""
    src = _study_file(tmp_path, sleep=0.03, seeds=10)  # 50 cells of >= 30 ms
    out = tmp_path / "results"
    env = {**os.environ, "CI": "true"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ratesim",
            "run",
            "runner_test",
            "--studies",
            str(src.parent.parent),
            "--out",
            str(out),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    db = out / "ratesim.sqlite"
    deadline = time.time() + 60
    n_before = 0
    try:
        while time.time() < deadline:
            if db.exists():
                try:
                    with ResultsStore(db) as st:
                        n_before = len(st.done("runner_test", "full"))
                except Exception:
                    n_before = 0
            if n_before >= 8:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    study = load_study(src)
    with ResultsStore(db) as store:
        done = store.done("runner_test", "full")
        n_cells, n_rows = store.count("runner_test", "full")
        assert 8 <= len(done) < 50, "the kill must interrupt the sweep"
        assert n_cells == len(done) and n_rows == 2 * len(done)  # no partial cell
        s = run_study(study, store, progress=False)
        assert s.ok and s.n_cached == len(done) and s.n_computed == 50 - len(done)
        assert store.count("runner_test", "full") == (50, 100)
    # nothing lost or altered: same numbers as an uninterrupted run
    ref = tmp_path / "ref.sqlite"
    with ResultsStore(ref) as store:
        run_study(study, store, progress=False)
    assert _values(db) == _values(ref)


def test_several_studies_in_one_pool(tmp_path):
    """`run_studies` (what `ratesim run all` calls) stores, per study, the values that separate
    runs store, returns the summaries in the order given, and hands the cells out in turn."""
    from ratesim.study.runner import _interleaved, _Run

    first = load_study(_study_file(tmp_path, seeds=2))
    p = tmp_path / "studies" / "runner_family" / "runner_test_b.py"
    p.write_text(first.source.read_text().replace('name="runner_test"', 'name="runner_test_b"'))
    second = load_study(p)
    alone = {}
    for st in (first, second):
        with ResultsStore(tmp_path / f"{st.name}.sqlite") as store:
            run_study(st, store, progress=False)
            alone[st.name] = store.tidy(st.name, "full")
    with ResultsStore(tmp_path / "together.sqlite") as store:
        out = run_studies([second, first], store, jobs=2, progress=False)
        assert [s.study for s in out] == ["runner_test_b", "runner_test"]
        assert all(s.ok and s.n_computed == s.n_cells == 10 for s in out)
        for st in (first, second):
            together = store.tidy(st.name, "full")
            assert together["value"].tolist() == alone[st.name]["value"].tolist()
        # in turn, and through the families first: a study of another family comes between
        # two studies of one family
        q = tmp_path / "studies" / "other_family" / "runner_test_c.py"
        q.parent.mkdir()
        q.write_text(p.read_text().replace('name="runner_test_b"', 'name="runner_test_c"'))
        runs = [_Run(st, store, "full", True, 2) for st in (first, second, load_study(q))]
        order = [(r.name, c.id) for r, c in _interleaved(runs)]
        assert [n for n, _ in order[:6]] == ["runner_test", "runner_test_c", "runner_test_b"] * 2
        assert [c for n, c in order if n == "runner_test"] == [c.id for c in expand(first)]
        assert len(order) == 30
        with pytest.raises(ValueError, match="distinct names"):
            run_studies([first, first], store)
        assert run_studies([], store) == []


def test_bad_runner_arguments(tmp_path):
    st = load_study(_study_file(tmp_path))
    with ResultsStore(tmp_path / "r.sqlite") as store:
        with pytest.raises(ValueError, match="jobs must be an integer"):
            run_study(st, store, jobs=0)
        with pytest.raises(ValueError, match="backend must be one of"):
            run_study(st, store, backend="spark")
        with pytest.raises(ValueError, match="needs backend='dask'"):
            run_study(st, store, scheduler="tcp://x:1")
        assert store.count(st.name, "full") == (0, 0)


def test_non_finite_metrics_fail_the_cell(tmp_path, write_study):
    p = write_study(
        "nanny",
        """
        from ratesim.study import Study, task

        @task(metrics=("m",))
        def nan_task(*, N, rng):
            return {"m": float("nan")}

        STUDY = Study(name="nanny", task=nan_task, grid={"N": [10]}, seeds=1)
        """,
    )
    st = load_study(p)
    with ResultsStore(tmp_path / "r.sqlite") as store:
        s = run_study(st, store, progress=False)
    assert len(s.failures) == 1 and "non-finite m = nan" in s.failures[0][1]


def test_thread_budget_peak_memory_and_quiet_progress(tmp_path, monkeypatch, write_study):
    """Workers get max(1, cores // jobs) numba threads; peak memory and wall time are recorded."""
    p = write_study(
        "budget",
        """
        import numba
        import numpy as np
        from ratesim.study import Study, task

        @task(metrics=("threads", "mb"))
        def budget_task(*, N, rng):
            x = np.ones(N * 1_000_000 // 8)  # N MB
            return {"threads": numba.get_num_threads(), "mb": x.nbytes / 2**20}

        STUDY = Study(name="budget", task=budget_task, grid={"N": [8, 40]}, seeds=2)
        """,
    )
    st = load_study(p)
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as store:
        assert run_study(st, store, jobs=2, progress=False).ok
        df = store.tidy("budget", "full")
    threads = df[df["metric"] == "threads"]["value"]
    assert set(threads) == {max(1, (os.cpu_count() or 1) // 2)}
    big = df[(df["metric"] == "mb") & (df["N"] == 40)]
    assert (big["peak_mem_mb"] >= 0.95 * big["value"]).all()  # tracemalloc sees numpy buffers
    small = df[(df["metric"] == "mb") & (df["N"] == 8)]
    assert (small["peak_mem_mb"] < 0.5 * big["peak_mem_mb"].min()).all()
    assert (df["seconds"] > 0).all() and df["version"].str.startswith("0.").all()
    from ratesim.study.runner import _quiet

    monkeypatch.setenv("CI", "true")
    assert _quiet()


def test_an_edited_task_is_recomputed_even_by_pooled_workers(tmp_path):
    """loky workers outlive a run; an edited task must not run its old code, and the cells its
    old version computed are recomputed without --rerun (their task fingerprint changed)."""
    p = _study_file(tmp_path, seeds=1)
    with ResultsStore(tmp_path / "r.sqlite") as store:
        s1 = run_study(load_study(p), store, jobs=2, progress=False)
        before = store.tidy("runner_test", "full")
        p.write_text(p.read_text().replace('"b": float(np.std(x))', '"b": -1.0'))
        st = os.stat(p)
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        s2 = run_study(load_study(p), store, jobs=2, progress=False)
        after = store.tidy("runner_test", "full")
        # an edit outside the task (the study's docstring) keeps the cells
        p.write_text(p.read_text().replace("Engine test study", "The engine test study"))
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 2 * 10**9))
        s3 = run_study(load_study(p), store, jobs=2, progress=False)
    assert s1.n_computed == 5 and s2.n_computed == 5 and s2.n_stale == 5
    assert s3.n_computed == 0 and s3.n_cached == 5
    assert set(after["task_hash"]) != set(before["task_hash"])
    assert (before[before["metric"] == "b"]["value"] > 0).all()
    assert (after[after["metric"] == "b"]["value"] == -1.0).all()
    a = after[after["metric"] == "a"]["value"].to_numpy()
    assert (a == before[before["metric"] == "a"]["value"].to_numpy()).all()


@pytest.mark.slow
def test_dask_scheduler_address(tmp_path):
    """`--backend dask --scheduler ADDR`: an existing cluster, reached by address, gives the same
    numbers as loky (slow: starts a second cluster)."""
    import logging

    from distributed import LocalCluster

    st = load_study(_study_file(tmp_path, seeds=2))
    ref, db = tmp_path / "ref.sqlite", tmp_path / "dask.sqlite"
    with ResultsStore(ref) as store:
        run_study(st, store, progress=False)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:
        with ResultsStore(db) as store:
            s = run_study(
                st,
                store,
                backend="dask",
                scheduler=cluster.scheduler_address,
                jobs=2,
                progress=False,
            )
    assert s.ok and s.n_computed == 10
    assert _values(db) == _values(ref)


def test_thread_budget_limits_the_loaded_blas_pools():
    """Environment variables cannot shrink a BLAS pool that numpy already started: the budget
    must also reach the loaded libraries (threadpoolctl), or workers oversubscribe the cores."""
    import threadpoolctl

    from ratesim.study.runner import _set_thread_budget

    with threadpoolctl.threadpool_limits(limits=None):
        _set_thread_budget(1)
        # BLAS pools only: an OpenMP runtime loaded by numba is governed by numba.set_num_threads
        pools = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert pools, "numpy's BLAS should be visible to threadpoolctl"
        assert all(p["num_threads"] == 1 for p in pools), pools


def test_reused_cells_of_another_code_version_are_reported(tmp_path):
    """Cells are cached by id, not by code version: a run reuses them and says which versions
    computed them (the CLI prints it), and --rerun (``rerun=True``) recomputes them."""
    import sqlite3

    from ratesim.study.runner import code_version

    st = load_study(_study_file(tmp_path, fail_at=-1))
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as store:
        s = run_study(st, store, progress=False)
        assert s.n_computed == 20 and s.other_versions == {}
        assert set(store.versions(st.name, "full").values()) == {code_version()}
    con = sqlite3.connect(db)
    with con:
        con.execute(
            "UPDATE cells SET version='0.0.1+gold' WHERE cell IN "
            "(SELECT cell FROM cells ORDER BY cell LIMIT 5)"
        )
    con.close()
    with ResultsStore(db) as store:
        s2 = run_study(st, store, progress=False)
        assert s2.n_computed == 0 and s2.other_versions == {"0.0.1+gold": 5}
        s3 = run_study(st, store, progress=False, rerun=True)
        assert s3.n_computed == 20 and s3.other_versions == {}
        assert set(store.versions(st.name, "full").values()) == {code_version()}


def test_optional_metrics(tmp_path, write_study):
    """A task may return an optional metric in some cells only; a declared metric missing, or an
    undeclared one returned, fails the cell; claims may use optional metrics."""
    p = write_study(
        "optional",
        """
        from ratesim.study import Claim, Study, task

        @task(metrics=("a",), optional=("b",))
        def opt_task(*, N, rng, extra=False, drop_a=False):
            out = {} if drop_a else {"a": 1.0 / N}
            if N > 10:
                out["b"] = 2.0 / N
            if extra:
                out["c"] = 1.0
            return out

        STUDY = Study(name="optional", task=opt_task,
                      grid={"N": [10, 20, 40], "extra, drop_a": [(False, False), (True, False),
                                                                 (False, True)]},
                      seeds=1, claims=[Claim(metric="b", predict=-1.0, tolerance=0.1,
                                             where={"extra": False, "drop_a": False})])
        """,
    )
    st = load_study(p)
    with ResultsStore(tmp_path / "r.sqlite") as store:
        s = run_study(st, store, progress=False)
        df = store.tidy("optional", "full")
    assert sorted(c.split("[")[1] for c, _ in s.failures) == sorted(
        f"N={n},drop_a={d},extra={e},rep=0]"
        for n in (10, 20, 40)
        for d, e in ((False, True), (True, False))
    )
    # every failure names the declaration, but N=10 with drop_a, which returned nothing at all
    assert sum("but declares ['a'] (optional: ['b'])" in tb for _, tb in s.failures) == 5
    ok = df[(df["p_extra"] == False) & (df["p_drop_a"] == False)]  # noqa: E712
    assert sorted(ok["metric"]) == ["a", "a", "a", "b", "b"]
    from ratesim.study import Claim, Study

    bad = Study(
        name="x",
        task=st.task,
        grid={"N": [10]},
        claims=[Claim(tolerance=0.1, metric="z", predict=-1)],
    )
    with pytest.raises(Exception, match="unknown metric 'z'"):
        bad.validate()
