"""Run the missing cells of a study with joblib (loky) or dask.distributed, into the store.

The engine only decides *where* cells run: each cell is a pure function of its parameters and its
seed, so ``--jobs 1``, ``--jobs 2``, loky and Dask give identical numbers. Results come back to the
parent process, which alone writes the store, one transaction per cell, as they arrive (a killed run
loses at most the cells in flight). A stored cell is reused only if the task that computed it has
the current fingerprint (:func:`ratesim.study.tasks.fingerprint`); cells of a changed task are
recomputed. The numba thread budget is set in every worker so that jobs x threads <= cores.

Several runs may work on one store at once and never compute a cell twice: a run leases a cell in
the store (:meth:`ResultsStore.claim`) right before handing it to a worker, at most ``jobs`` at a
time, and the lease goes with the cell's result (or with the run). A cell another live run holds
is skipped; once its own cells are done, the run waits for those cells, for at most ``wait``
seconds (:func:`run_study`), computing any that the other run gives up. A run therefore never
waits forever on another: what is still held at the deadline is reported, not computed.
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
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from .grid import Cell, expand
from .store import LEASE_SECONDS, CellResult, LeaseOwner, ResultsStore
from .tasks import fingerprint

__all__ = [
    "run_study",
    "run_studies",
    "RunSummary",
    "code_version",
    "execute_cell",
    "BACKENDS",
    "WAIT_SECONDS",
]

BACKENDS = ("loky", "dask")
# how long a run waits, at most, for the cells another run is computing (the lease expiry: by
# then a run that stopped renewing its leases has lost them)
WAIT_SECONDS = LEASE_SECONDS


@dataclass
class RunSummary:
    """What a run did: cell counts, failures (cell id, traceback), wall time, how many stored
    cells were recomputed because their task changed (``n_stale``), and how many of the reused
    cells were computed by another library version (``other_versions``: {version: count}).

    ``n_cells = n_cached + n_computed + n_elsewhere``: ``n_elsewhere`` cells were handled by
    another run at the same time (stored by it, or, in ``running_elsewhere`` ({owner id:
    count}), still leased by it when this run stopped waiting). ``failures`` also holds the cells
    another run stored as failed meanwhile."""

    study: str
    mode: str
    n_cells: int
    n_cached: int
    n_computed: int
    failures: list = field(default_factory=list)
    seconds: float = 0.0
    other_versions: dict = field(default_factory=dict)
    n_stale: int = 0
    n_elsewhere: int = 0
    running_elsewhere: dict = field(default_factory=dict)

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
    res = _failed(cell, study, mode, version, task_hash)
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
    wait: float = WAIT_SECONDS,
) -> RunSummary:
    """Compute the cells of ``study`` that ``store`` does not hold yet.

    Each cell is leased in the store before it is computed, so that another run on the same
    store does not compute it too; the lease is released with the cell's result (``ok`` or
    ``failed``) and, for all cells, when the run ends, however it ends.

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
    wait : float
        Cells that another live run holds are not computed here. Once its own cells are done,
        the run waits for them, polling the store, for at most ``wait`` seconds in all: a cell
        the other run stores is counted as computed elsewhere, a cell it releases (or whose
        lease goes stale: its process died, or :data:`~ratesim.study.store.LEASE_SECONDS`
        without a heartbeat) is computed here. Cells still held at the deadline are reported
        in ``running_elsewhere`` (not failed) and the run returns: it never waits forever for
        another run. Its own cells take as long as they compute.
    """
    return run_studies(
        [study],
        store,
        quick=quick,
        jobs=jobs,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
        rerun=rerun,
        wait=wait,
    )[0]


class _Run:
    """One study's share of a run: its pending cells, and what became of them."""

    def __init__(self, study, store: ResultsStore, mode: str, rerun: bool, jobs: int):
        self.study, self.name = study, study.name
        self.cells = expand(study, quick=mode == "quick")
        self.fp = fingerprint(study.task_spec().func)
        stored = {} if rerun else store.versions(study.name, mode)
        hashes = {} if rerun else store.task_hashes(study.name, mode)
        done = {c: v for c, v in stored.items() if hashes.get(c) == self.fp}
        self.n_stale = sum(1 for c in self.cells if c.id in stored and c.id not in done)
        self.pending = [c for c in self.cells if c.id not in done]
        self.other = Counter(
            done[c.id] for c in self.cells if c.id in done and done[c.id] != code_version()
        )
        self.src = str(study.source) if study.source is not None else None
        self.task = None if self.src else study.task
        self.threads = max(1, (os.cpu_count() or 1) // jobs)
        self.deferred: dict[str, Cell] = {}  # cells another run holds, by id
        self.holders: dict[str, str] = {}  # their holders
        self.failures: list = []
        self.n_mine = self.n_elsewhere = 0
        self.t0 = self.t1 = None  # first submission, last result

    def args(self, cell: Cell, mode: str) -> tuple:
        return (self.task, self.src, self.name, mode, cell, self.threads, code_version(), self.fp)

    def summary(self, mode: str) -> RunSummary:
        running = Counter(self.holders[cid] for cid in self.deferred)
        return RunSummary(
            study=self.name,
            mode=mode,
            n_cells=len(self.cells),
            n_cached=len(self.cells) - len(self.pending),
            n_computed=self.n_mine,
            failures=sorted(self.failures),
            seconds=(self.t1 - self.t0) if self.t0 is not None and self.t1 is not None else 0.0,
            other_versions=dict(sorted(self.other.items())),
            n_stale=self.n_stale,
            n_elsewhere=self.n_elsewhere + len(self.deferred),
            running_elsewhere=dict(sorted(running.items())),
        )


def _interleaved(runs: list[_Run]) -> deque:
    """The pending cells of all studies, one study after another in turn (its first cell, then
    the next study's first cell, ...), so that the cells running at the same time mostly belong
    to different studies: each worker compiles other numba kernels than the other workers, and
    the first to compile a kernel leaves it in the cache for the others. The turn goes through
    the families first (the first study of every family, then the second, ...), since the
    studies of one family share their kernels."""
    family: dict[str, list[_Run]] = {}
    for r in runs:
        key = r.study.source.parent.name if r.study.source is not None else r.name
        family.setdefault(key, []).append(r)
    depth = max(len(rs) for rs in family.values()) if family else 0
    turn = [rs[i] for i in range(depth) for rs in family.values() if i < len(rs)]
    queue: deque = deque()
    columns = [deque(r.pending) for r in turn]
    while any(columns):
        for r, col in zip(turn, columns, strict=True):
            if col:
                queue.append((r, col.popleft()))
    return queue


def run_studies(
    studies: list,
    store: ResultsStore,
    *,
    quick: bool = False,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    progress: bool | None = None,
    rerun: bool = False,
    wait: float = WAIT_SECONDS,
) -> list[RunSummary]:
    """Compute the missing cells of several studies in one pool of workers (:func:`run_study`
    for the parameters); one :class:`RunSummary` per study, in the order given.

    The studies' cells are taken in turn (the first cell of each study, then the second, ...),
    so that workers seldom compile the same numba kernels at the same time and no worker idles
    between two studies. A study's ``seconds`` run from its first cell handed to a worker to
    its last result.
    """
    from .._validation import check_int

    jobs = check_int(jobs, "jobs", low=1)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS} (got {backend!r})")
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler={scheduler!r} needs backend='dask' (got {backend!r})")
    if not wait >= 0:
        raise ValueError(f"wait must be >= 0 seconds (got {wait!r})")
    names = [st.name for st in studies]
    if not names:
        return []
    if len(set(names)) != len(names):
        raise ValueError(f"studies must have distinct names (got {names})")
    mode = "quick" if quick else "full"
    since = _now()
    runs = [_Run(st, store, mode, rerun, jobs) for st in studies]
    if progress is None:
        progress = not _quiet()
    from tqdm.auto import tqdm

    n_pending = sum(len(r.pending) for r in runs)
    desc = f"{runs[0].name} ({mode})" if len(runs) == 1 else f"{len(runs)} studies ({mode})"
    bar = tqdm(
        total=n_pending,
        desc=desc,
        unit="cell",
        disable=not progress or not n_pending,
        file=sys.stderr,
    )
    owner = LeaseOwner.new()
    queue = _interleaved(runs)
    inflight: dict = {}  # future -> (run, cell)
    wait_until = None
    pause = 0.05

    try:
        with store.holding(owner), _Pool(jobs, backend, scheduler) as pool:
            while queue or inflight or any(r.deferred for r in runs):
                while queue and len(inflight) < pool.width:
                    r, c = queue.popleft()
                    state, detail = store.claim(
                        r.name, mode, c.id, owner, r.fp, since=since, rerun=rerun
                    )
                    if state == "claimed":
                        if r.t0 is None:
                            r.t0 = time.perf_counter()
                        inflight[pool.submit(r.args(c, mode))] = (r, c)
                    elif state == "leased":
                        r.deferred[c.id], r.holders[c.id] = c, detail
                    else:  # stored meanwhile by another run
                        r.n_elsewhere += 1
                        if state == "failed":
                            r.failures.append((c.id, detail))
                        bar.update(1)
                if inflight:
                    for fut in pool.wait_any(list(inflight)):
                        r, c = inflight.pop(fut)
                        res = _outcome(fut, c, r.name, mode, code_version(), r.fp)
                        store.write(res, owner=owner)
                        r.n_mine += 1
                        r.t1 = time.perf_counter()
                        if res.status != "ok":
                            r.failures.append((res.cell, res.error))
                        bar.update(1)
                    continue
                if not any(r.deferred for r in runs):
                    break
                # only cells other runs hold are left: wait for them, up to the deadline
                now = time.monotonic()
                if wait_until is None:
                    wait_until = now + wait
                if now >= wait_until:
                    break
                time.sleep(min(pause, wait_until - now))
                pause = min(2 * pause, 2.0)
                for r in runs:
                    if not r.deferred:
                        continue
                    live = store.leases(r.name, mode, live=True)
                    for cid in list(r.deferred):
                        if cid in live:
                            r.holders[cid] = live[cid]
                        else:  # stored, released or stale: look at it again
                            queue.append((r, r.deferred.pop(cid)))
    finally:
        bar.close()
    for r in runs:
        running = Counter(r.holders[cid] for cid in r.deferred)
        if r.n_elsewhere or running:
            print(
                f"{r.name} ({mode}): {r.n_elsewhere + len(r.deferred)} cells were computed by "
                "another run at the same time"
                + (
                    f"; {len(r.deferred)} still being computed after waiting {wait:.0f} s, by "
                    + ", ".join(f"{o} ({n})" for o, n in sorted(running.items()))
                    + ": run again when it has finished"
                    if running
                    else ""
                ),
                file=sys.stderr,
            )
    return [r.summary(mode) for r in runs]


def _outcome(fut, cell: Cell, study: str, mode: str, version: str, task_hash: str) -> CellResult:
    """The result of a finished future; a failed cell when its worker died (or the backend
    failed), so that its lease is released with a traceback stored."""
    try:
        return fut.result()
    except Exception:
        res = _failed(cell, study, mode, version, task_hash)
        res.finished, res.error = _now(), traceback.format_exc()
        return res


def _failed(cell: Cell, study: str, mode: str, version: str, task_hash: str) -> CellResult:
    """A cell's result before (or instead of) its computation: status ``failed``, started now."""
    return CellResult(
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


class _Pool:
    """Where cells run: in this process (one job), loky's reusable process pool, or Dask.

    ``submit`` returns a future, ``wait_any`` those of a list that are done (at least one). On an
    error or interrupt, the cells not finished are dropped and loky's workers are killed, so
    that no task outlives its run (an exiting interpreter joins loky's workers).
    """

    def __init__(self, jobs: int, backend: str, scheduler: str | None):
        self.jobs, self.backend, self.scheduler = jobs, backend, scheduler
        self.width = jobs
        self._executor = self._client = self._cluster = None
        self._futures: set = set()

    def __enter__(self):
        return self

    def submit(self, a):
        import concurrent.futures as cf

        if self.backend == "dask":
            if self._client is None:
                self._start_dask()
            fut = self._client.submit(execute_cell, *a, key=f"ratesim-{a[4].id}", pure=False)
        elif self.jobs == 1:
            fut = cf.Future()
            fut.set_result(execute_cell(*a))
        else:
            from joblib._parallel_backends import LokyBackend
            from joblib.externals.loky import get_reusable_executor

            # as joblib's loky backend: workers start with the thread budget in their
            # environment, idle ones stay 300 s for the next study; a new executor replaces one
            # that broke (a worker died)
            env = {var: str(a[5]) for var in LokyBackend.MAX_NUM_THREADS_VARS}
            self._executor = get_reusable_executor(max_workers=self.jobs, timeout=300, env=env)
            fut = self._executor.submit(execute_cell, *a)
        self._futures.add(fut)
        return fut

    def wait_any(self, futures) -> list:
        if self.backend == "dask":
            from distributed import wait

            done = wait(futures, return_when="FIRST_COMPLETED").done
        else:
            import concurrent.futures as cf

            done = cf.wait(futures, return_when=cf.FIRST_COMPLETED).done
        self._futures -= set(done)
        return [f for f in futures if f in done]  # in submission order

    def _start_dask(self) -> None:
        import logging

        from distributed import Client, LocalCluster

        if self.scheduler is None:
            self._cluster = LocalCluster(
                n_workers=self.jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(self.scheduler)

    def __exit__(self, *exc):
        left = [f for f in self._futures if not f.done()]
        if left and self._executor is not None:
            # an interrupted run: loky fails the cells not done and kills its workers (a
            # future cancelled here first would make its manager thread fail before the kill,
            # leaving the workers to block the interpreter's exit)
            self._executor.shutdown(wait=False, kill_workers=True)
        if self._client is not None:
            for fut in left:
                fut.cancel()
            self._client.close(timeout=30)
        if self._cluster is not None:
            self._cluster.close(timeout=30)
