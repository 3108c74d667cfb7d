"""Benchmark of the Gaussian softmax engine (``ratesim bench kernels [--quick]``).

Part 1 -- dense softmax average (the empirical denoiser sum_i w_i y_i / sum_i w_i) at
d in {2, 3, 10, 50}, N = 20 000 data, m = 4 000 queries, sigma = 1 on standard Gaussian data, in
million query-data pairs per second (best of ``--repeat`` runs, warm-up/compilation excluded):
  engine  : ratesim.kernels.softmax_average(mode="dense") (numba, parallel over queries)
  numpy   : plain NumPy-BLAS, blocked over 512 queries: |q|^2 + |y|^2 - 2 q.y by matmul,
            max-shifted exp, weights @ data (the textbook implementation)
  keops   : pykeops LazyTensor ``(-D / (2 sigma^2)).sumsoftmaxweight(y_j, axis=1)`` (CPU, compiled
            with the machine's g++), when installed.
Part 2 -- truncated vs dense: N = 1e6 points uniform on S^2 in R^3, sigma = 0.01, 1e4 queries near
the sphere (radial noise sigma), tol = 1e-12: speed-up and max relative errors of the truncated mode
(the dense run is timed on a subset of queries and extrapolated linearly in m when --dense-queries
is smaller than the number of queries).

``--quick`` shrinks every size (N = 4000, m = 800; truncated part N = 1e5, 2000 queries).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

import numpy as np

from ratesim import kernels as K

_CLOCK = {"fn": time.perf_counter, "name": "wall clock"}


def _best_time(fn, repeat):
    best = np.inf
    for _ in range(repeat):
        best = min(best, _timed(fn))
    return best


def _timed(fn, *args, **kwargs):
    clock = _CLOCK["fn"]
    t = clock()
    fn(*args, **kwargs)
    return clock() - t


def numpy_blas_softmax_average(X, Q, sigma, block=512):
    """Plain NumPy-BLAS softmax average (expansion by matmul, logsumexp shift)."""
    inv2s2 = 1.0 / (2.0 * sigma * sigma)
    y2 = np.einsum("ij,ij->i", X, X)
    out = np.empty((Q.shape[0], X.shape[1]))
    for s in range(0, Q.shape[0], block):
        q = Q[s : s + block]
        d2 = np.einsum("ij,ij->i", q, q)[:, None] + y2[None, :] - 2.0 * (q @ X.T)
        e = -d2 * inv2s2
        e -= e.max(axis=1, keepdims=True)
        np.exp(e, out=e)
        out[s : s + block] = (e @ X) / e.sum(axis=1, keepdims=True)
    return out


def _keops_fn(d):
    """Return f(X, Q, sigma) with KeOps, or (None, reason)."""
    try:
        from pykeops.numpy import LazyTensor
    except Exception as exc:  # noqa: BLE001 - report any import failure verbatim
        return None, f"pykeops not importable ({type(exc).__name__}: {exc})"

    def f(X, Q, sigma):
        x_i = LazyTensor(Q[:, None, :])
        y_j = LazyTensor(X[None, :, :])
        D = ((x_i - y_j) ** 2).sum(-1)
        return (-D / (2.0 * sigma * sigma)).sumsoftmaxweight(y_j, axis=1)

    try:
        rng = np.random.default_rng(0)
        f(rng.normal(size=(50, d)), rng.normal(size=(10, d)), 1.0)  # compile
    except Exception as exc:  # noqa: BLE001
        return None, f"pykeops failed to compile/run ({type(exc).__name__}: {exc})"
    return f, ""


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    import numba

    return (
        f"{cpu}, {os.cpu_count()} cores, numba {numba.__version__} "
        f"({numba.config.NUMBA_NUM_THREADS} threads), numpy {np.__version__}"
    )


def _load():
    if not hasattr(os, "getloadavg"):
        return "load average n/a"
    a, b, c = os.getloadavg()
    return f"load average (1/5/15 min) {a:.2f} {b:.2f} {c:.2f} on {os.cpu_count()} cores"


def bench_dense(N, m, dims, repeat, out):
    out(f"\n## Dense softmax average: N = {N}, m = {m} queries, sigma = 1 (Mpairs/s, best of "
        f"{repeat})\n")  # fmt: skip
    out("| d | engine | numpy-BLAS | KeOps | engine/numpy | engine/KeOps | max rel. diff. |")
    out("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for d in dims:
        X = rng.normal(size=(N, d))
        Q = rng.normal(size=(m, d))
        pairs = N * m / 1e6
        K.softmax_average(X, Q[:8], 1.0, mode="dense")  # warm-up (compilation excluded)
        ref = K.softmax_average(X, Q, 1.0, mode="dense")
        diff = np.max(np.abs(numpy_blas_softmax_average(X, Q, 1.0) - ref)) / np.max(np.abs(X))
        f, why = _keops_fn(d)
        if f is not None:
            ko = np.asarray(f(X, Q, 1.0))
            diff = max(diff, np.max(np.abs(ko - ref)) / np.max(np.abs(X)))
        # interleaved repetitions, best of each: a burst of load from other processes then hits
        # all three implementations alike instead of biasing one of them
        t_eng = t_np = t_ko = np.inf
        for _ in range(repeat):
            t_eng = min(t_eng, _timed(K.softmax_average, X, Q, 1.0, mode="dense"))
            t_np = min(t_np, _timed(numpy_blas_softmax_average, X, Q, 1.0))
            if f is not None:
                t_ko = min(t_ko, _timed(f, X, Q, 1.0))
        if f is not None:
            ko_s, ratio_ko = f"{pairs / t_ko:.0f}", f"{t_ko / t_eng:.2f}x"
        else:
            ko_s, ratio_ko = "n/a", "n/a"
        out(f"| {d} | {pairs / t_eng:.0f} | {pairs / t_np:.0f} | {ko_s} | {t_np / t_eng:.2f}x "
            f"| {ratio_ko} | {diff:.1e} |")  # fmt: skip
        if f is None:
            out(f"\nKeOps: {why}\n")


def bench_truncated(N, m, m_dense, sigma, tol, repeat, out):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(N, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Q = rng.normal(size=(m, 3))
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    Q *= 1.0 + sigma * rng.normal(size=(m, 1))
    out(f"\n## Truncated vs dense: N = {N} uniform on S^2 in R^3, sigma = {sigma}, m = {m} "
        f"queries near the sphere, tol = {tol:g}\n")  # fmt: skip
    t_build = _timed(K.GaussianIndex, X)
    idx = K.GaussianIndex(X)
    K.softmax_moments(idx, Q[:8], sigma, mode="truncated", tol=tol)  # warm-up
    K.softmax_moments(idx, Q[:8], sigma, mode="dense")
    t_tr = _best_time(lambda: K.softmax_moments(idx, Q, sigma, mode="truncated", tol=tol), repeat)
    tr = K.softmax_moments(idx, Q, sigma, mode="truncated", tol=tol)
    sub = np.arange(min(m, m_dense))
    t_de_sub = _best_time(lambda: K.softmax_moments(idx, Q[sub], sigma, mode="dense"), 1)
    t_de = t_de_sub * m / len(sub)
    de = K.softmax_moments(idx, Q[sub], sigma, mode="dense")
    err_lse = np.max(np.abs(tr.lse[sub] - de.lse) / np.maximum(1.0, np.abs(de.lse)))
    err_mean = np.max(np.abs(tr.mean[sub] - de.mean)) / np.max(np.abs(X))
    err_msd = np.max(np.abs(tr.msd[sub] - de.msd) / de.msd)
    visited = K.neighbour_counts(idx, Q, sigma, tol=tol)
    out("| quantity | value |")
    out("|---|---|")
    out(f"| tree build (once, cached) | {t_build:.2f} s |")
    out(f"| truncated, {m} queries | {t_tr:.3f} s |")
    ext = "" if len(sub) == m else f" (measured on {len(sub)} queries, scaled)"
    out(f"| dense, {m} queries{ext} | {t_de:.2f} s |")
    out(f"| speed-up dense / truncated | {t_de / t_tr:.0f}x |")
    out(f"| speed-up incl. tree build | {t_de / (t_tr + t_build):.0f}x |")
    out(f"| points visited per query (mean, max) | {visited.mean():.0f}, {visited.max()} |")
    out(f"| max rel. error lse / mean / msd | {err_lse:.1e} / {err_mean:.1e} / {err_msd:.1e} |")


def main(argv=None):
    p = argparse.ArgumentParser(prog="ratesim bench kernels", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    p.add_argument("--repeat", type=int, default=5, help="timing repetitions (best is kept)")
    p.add_argument(
        "--dense-queries",
        type=int,
        default=None,
        help="queries timed in the dense reference of part 2 (default: all)",
    )
    p.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with the process CPU clock (all threads summed) instead of the wall clock: "
        "robust to other processes' load; meaningful for ratios when every library runs one "
        "thread (OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1)",
    )
    p.add_argument("--skip-dense", action="store_true", help="skip part 1")
    p.add_argument("--skip-truncated", action="store_true", help="skip part 2")
    args = p.parse_args(argv)
    if args.quick:
        N, m, Nt, mt = 4000, 800, 100_000, 2000
    else:
        N, m, Nt, mt = 20_000, 4000, 1_000_000, 10_000
    m_dense = mt if args.dense_queries is None else args.dense_queries
    if args.cpu_time:
        _CLOCK.update(fn=time.process_time, name="process CPU time")
    out = print
    out("# ratesim kernel benchmark" + (" (--quick)" if args.quick else ""))
    out(f"\nMachine: {_machine()}; timer: {_CLOCK['name']}")
    if not args.skip_dense:
        out(f"\nBefore part 1: {_load()}")
        bench_dense(N, m, (2, 3, 10, 50), args.repeat, out)
        out(f"\nAfter part 1: {_load()}")
    if not args.skip_truncated:
        bench_truncated(Nt, mt, m_dense, 0.01, 1e-12, args.repeat, out)
        out(f"\nAfter part 2: {_load()}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    main()
