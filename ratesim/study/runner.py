"""Run the missing cells of a study with joblib (loky) or dask.distributed, into the store.

The engine only decides *where* cells run: each cell is a pure function of its parameters and its
seed, so ``--jobs 1``, ``--jobs 2``, loky and Dask give identical numbers. Results come back to the
parent process, which alone writes the store, one transaction per cell, as they arrive (a killed run
loses at most the cells in flight). A stored cell is reused only if the task that computed it has
the current fingerprint (:func:`ratesim.study.tasks.fingerprint`); cells of a changed task are
recomputed. The numba thread budget is set in every worker so that jobs x threads <= cores.
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
from .tasks import fingerprint

__all__ = ["run_study", "RunSummary", "code_version", "execute_cell", "BACKENDS"]

BACKENDS = ("loky", "dask")


@dataclass
class RunSummary:
    """What a run did: cell counts, failures (cell id, traceback), wall time, how many stored
    cells were recomputed because their task changed (``n_stale``), and how many of the reused
    cells were computed by another library version (``other_versions``: {version: count})."""

    study: str
    mode: str
    n_cells: int
    n_cached: int
    n_computed: int
    failures: list = field(default_factory=list)
    seconds: float = 0.0
    other_versions: dict = field(default_factory=dict)
    n_stale: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


_VERSION: str | None = None


def code_version() -> str:
    """``ratesim.__version__`` plus ``+g<hash>`` (and ``.dirty`` when files other than the
    committed reports differ from the commit) when run from a git checkout."""
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
                # the code's state: committed reports (written by `ratesim report`) do not count
                d = subprocess.run(
                    [
                        "git",
                        "-C",
                        str(root),
                        "status",
                        "--porcelain",
                        "--untracked-files=no",
                        "--",
                        ".",
                        ":(exclude)reports",
                    ],
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


def _resolve_task(task, study_file: str | None):
    """The task function: ``STUDY.task`` of ``study_file`` (imported afresh when the family's
    files changed), else ``task`` itself (a study built in memory)."""
    if study_file:
        from .spec import load_study

        return load_study(study_file, validate=False).task_spec()
    from .tasks import describe

    return describe(task)


def execute_cell(
    task,
    study_file: str | None,
    study: str,
    mode: str,
    cell: Cell,
    threads: int = 1,
    version: str = "",
    task_hash: str = "",
) -> CellResult:
    """Run one cell in the current process and return its :class:`CellResult` (never raises).

    ``task`` is the task function, used when ``study_file`` is None; otherwise the task is
    ``STUDY.task`` of that file. The task's exceptions, and invalid returns (not a dict of finite
    floats, or other metrics than the task declares), become a ``failed`` result carrying the
    traceback.
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
        task_hash=task_hash,
        host=platform.node(),
        started=_now(),
    )
    try:  # loading the task (and the study file) is not part of the cell's time and memory
        spec = _resolve_task(task, study_file)
    except Exception:
        res.error = traceback.format_exc()
        res.finished = _now()
        return res
    name = spec.name
    tracing = not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    try:
        rng = np.random.default_rng(cell.seed)
        out = spec.func(**cell.params, rng=rng)
        if not isinstance(out, dict) or not out:
            raise TypeError(f"task {name} must return a non-empty dict (got {out!r})")
        metrics = {}
        for m, v in out.items():
            if not isinstance(m, str):
                raise TypeError(f"task {name} returned a non-string metric name {m!r}")
            v = float(v)
            if not np.isfinite(v):
                raise ValueError(f"task {name} returned a non-finite {m} = {v}")
            metrics[m] = v
        if not set(spec.metrics) <= set(metrics) <= set(spec.all_metrics):
            raise ValueError(
                f"task {name} returned metrics {sorted(metrics)}, but declares "
                f"{sorted(spec.metrics)}"
                + (f" (optional: {sorted(spec.optional)})" if spec.optional else "")
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
        Recompute every cell, even those already stored. Without it, stored cells are reused
        when their task fingerprint is the current one.
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
    spec = study.task_spec()
    fp = fingerprint(spec.func)
    stored = {} if rerun else store.versions(study.name, mode)
    hashes = {} if rerun else store.task_hashes(study.name, mode)
    done = {c: v for c, v in stored.items() if hashes.get(c) == fp}
    n_stale = sum(1 for c in cells if c.id in stored and c.id not in done)
    pending = [c for c in cells if c.id not in done]
    threads = max(1, (os.cpu_count() or 1) // jobs)
    src = str(study.source) if study.source is not None else None
    ver = code_version()
    other = Counter(done[c.id] for c in cells if c.id in done and done[c.id] != ver)
    task = None if src else study.task
    args = [(task, src, study.name, mode, c, threads, ver, fp) for c in pending]
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
        n_stale=n_stale,
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
