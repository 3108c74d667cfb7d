"""Run the missing cells of a study with joblib (loky) or dask.distributed, into the store.

The engine only decides *where* cells run: each cell is a pure function of its parameters and its
seed (DESIGN.md data flow), so ``--jobs 1``, ``--jobs 2``, loky and Dask give identical numbers.
Results come back to the parent process, which alone writes the store, one transaction per cell, as
they arrive (a killed run loses at most the cells in flight). The numba thread budget is set in
every worker so that jobs x threads <= cores (STYLE.md section 4).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import resource
import subprocess
import sys
import time
import traceback
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .grid import Cell, expand
from .store import CellResult, ResultsStore

__all__ = ["run_study", "RunSummary", "code_version", "execute_cell", "BACKENDS"]

BACKENDS = ("loky", "dask")


@dataclass
class RunSummary:
    """What a run did: cell counts, failures (cell id, traceback), wall time, and how many of the
    reused cells were computed by another code version (``other_versions``: {version: count})."""

    study: str
    mode: str
    n_cells: int
    n_cached: int
    n_computed: int
    failures: list = field(default_factory=list)
    seconds: float = 0.0
    other_versions: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


_VERSION: str | None = None


def code_version() -> str:
    """``ratesim.__version__`` plus ``+g<hash>`` (and ``.dirty``) when run from a git checkout."""
    global _VERSION
    if _VERSION is None:
        from .. import __version__

        v = __version__
        root = Path(__file__).resolve().parents[2]
        try:
            h = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                timeout=5,
            )
            if h.returncode == 0 and h.stdout.strip():
                v += f"+g{h.stdout.strip()}"
                d = subprocess.run(
                    ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                    capture_output=True,
                    text=True,
                    timeout=5,
                )
                if d.returncode == 0 and d.stdout.strip():
                    v += ".dirty"
        except (OSError, subprocess.SubprocessError):
            pass
        _VERSION = v
    return _VERSION


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")


def _set_thread_budget(threads: int) -> None:
    """At most ``threads`` numba/BLAS threads in this process."""
    threads = max(1, int(threads))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)  # for child processes; this one's BLAS is loaded already
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)  # the BLAS/OpenMP pools already loaded in this process
    if "numba" in sys.modules:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    else:
        os.environ["NUMBA_NUM_THREADS"] = str(threads)


_LOADED_FILES: dict[str, int] = {}


def _resolve_task(name: str, study_file: str | None):
    """The task ``name``; (re-)executes ``study_file`` first when this process has not seen its
    current version (pooled workers outlive a run: an edited task must not run stale)."""
    from . import tasks as _tasks

    if study_file:
        try:
            stamp = os.stat(study_file).st_mtime_ns
        except OSError:
            stamp = None
        if stamp is not None and _LOADED_FILES.get(study_file) != stamp:
            from .spec import load_study

            load_study(study_file, validate=False)  # registers the tasks the file defines
            _LOADED_FILES[study_file] = stamp
    return _tasks.get_task(name)


def execute_cell(
    task_name: str,
    study_file: str | None,
    study: str,
    mode: str,
    cell: Cell,
    threads: int = 1,
    version: str = "",
) -> CellResult:
    """Run one cell in the current process and return its :class:`CellResult` (never raises).

    The task's exceptions, and invalid returns (not a dict of finite floats, or other metrics
    than the task declares), become a ``failed`` result carrying the traceback.
    """
    import numpy as np

    _set_thread_budget(threads)
    res = CellResult(
        study=study,
        mode=mode,
        cell=cell.id,
        params=cell.params,
        rep=cell.rep,
        seed=cell.seed,
        status="failed",
        version=version,
        host=platform.node(),
        started=_now(),
    )
    try:  # loading the task (and the study file) is not part of the cell's time and memory
        tsk = _resolve_task(task_name, study_file)
    except Exception:
        res.error = traceback.format_exc()
        res.finished = _now()
        return res
    tracing = not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    try:
        out = tsk.func(dict(cell.params), np.random.default_rng(cell.seed))
        if not isinstance(out, dict) or not out:
            raise TypeError(f"task {task_name!r} must return a non-empty dict (got {out!r})")
        metrics = {}
        for m, v in out.items():
            if not isinstance(m, str):
                raise TypeError(f"task {task_name!r} returned a non-string metric name {m!r}")
            v = float(v)
            if not np.isfinite(v):
                raise ValueError(f"task {task_name!r} returned a non-finite {m} = {v}")
            metrics[m] = v
        if tsk.metrics is not None and set(metrics) != set(tsk.metrics):
            raise ValueError(
                f"task {task_name!r} returned metrics {sorted(metrics)}, "
                f"but declares {sorted(tsk.metrics)}"
            )
        res.metrics = metrics
        res.status = "ok"
    except Exception:
        res.error = traceback.format_exc()
    res.seconds = time.perf_counter() - t0
    res.peak_mem_mb = tracemalloc.get_traced_memory()[1] / 2**20
    if tracing:
        tracemalloc.stop()
    res.maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    res.finished = _now()
    return res


def _quiet() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or not sys.stderr.isatty()


def run_study(
    study,
    store: ResultsStore,
    *,
    quick: bool = False,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    progress: bool | None = None,
    rerun: bool = False,
) -> RunSummary:
    """Compute the cells of ``study`` that ``store`` does not hold yet.

    Parameters
    ----------
    study : Study
        A validated study (:func:`ratesim.study.load_study`).
    store : ResultsStore
    quick : bool
        Run the reduced ``quick`` grid (stored under mode ``"quick"``).
    jobs : int
        Parallel workers (>= 1). Each worker gets ``max(1, cores // jobs)`` numba threads.
    backend : {"loky", "dask"}
        joblib's loky process pool, or dask.distributed (a ``LocalCluster`` of ``jobs`` worker
        processes when ``scheduler`` is None, else the cluster at that address).
    progress : bool, optional
        Show a tqdm bar with ETA; default: only on a terminal and when ``CI`` is not set.
    rerun : bool
        Recompute every cell, even those already stored.
    """
    from .._validation import check_int

    jobs = check_int(jobs, "jobs", low=1)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS} (got {backend!r})")
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler={scheduler!r} needs backend='dask' (got {backend!r})")
    mode = "quick" if quick else "full"
    t0 = time.perf_counter()
    cells = expand(study, quick=quick)
    done = {} if rerun else store.versions(study.name, mode)
    pending = [c for c in cells if c.id not in done]
    threads = max(1, (os.cpu_count() or 1) // jobs)
    src = str(study.source) if study.source is not None else None
    ver = code_version()
    other = Counter(done[c.id] for c in cells if c.id in done and done[c.id] != ver)
    args = [(study.task, src, study.name, mode, c, threads, ver) for c in pending]
    if progress is None:
        progress = not _quiet()
    from tqdm.auto import tqdm

    bar = tqdm(
        total=len(pending),
        desc=f"{study.name} ({mode})",
        unit="cell",
        disable=not progress or not pending,
        file=sys.stderr,
    )
    failures = []
    try:
        for res in _iterate(args, jobs, backend, scheduler):
            store.write(res)
            if res.status != "ok":
                failures.append((res.cell, res.error))
            bar.update(1)
    finally:
        bar.close()
    return RunSummary(
        study=study.name,
        mode=mode,
        n_cells=len(cells),
        n_cached=len(cells) - len(pending),
        n_computed=len(pending),
        failures=sorted(failures),
        seconds=time.perf_counter() - t0,
        other_versions=dict(sorted(other.items())),
    )


def _iterate(args, jobs: int, backend: str, scheduler: str | None):
    if not args:
        return
    if backend == "dask":
        yield from _iterate_dask(args, jobs, scheduler)
        return
    if jobs == 1:
        for a in args:
            yield execute_cell(*a)
        return
    from joblib import Parallel, delayed

    par = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
    yield from par(delayed(execute_cell)(*a) for a in args)


def _iterate_dask(args, jobs: int, scheduler: str | None):
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [
            client.submit(execute_cell, *a, key=f"ratesim-{a[4].id}", pure=False) for a in args
        ]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
