"""Benchmark: the screened H^-1 distance on flat tori (``ratesim.metrics.sobolev_to_law``), its
numba pair-sum core against the NumPy twin of tests/naive_metrics.py, and its cost at large m.

    ratesim bench sobolev [--quick] [--repeat R] [--sizes M ...] [--seed S]

1. Core against twin, m = 2000 uniform angles on T^k, k = 1, 2, 3: ``kernels._sobolev.pair_sums``
   (all numba threads, and 1 thread) against ``naive_metrics.sobolev_pair_sums`` (row by row,
   the image sum vectorized over partners with ``numpy.exp`` / ``scipy.special.k0``), the same
   centring values, interleaved over ``--repeat`` rounds (medians); the two sums are checked to
   agree to 1e-11 relative.
2. ``sobolev_to_law`` end to end at k = 3 against VonMises(1, 0.3) (J = 15: 29 791 coefficients)
   for m = 1e4 and 2e4 (``--quick``: 1e4 only), all threads, once each; the pair sums are
   m (m - 1) / 2 = 5e7 and 2e8 pairs of 27 images.
3. ``kde_torus_coefficients`` on T^3 (the exact law of a kernel density estimate with
   h = N^(-1/5) and its automatic lattice), by the non-uniform FFT of the library against the
   direct separable sum it replaced (``direct_kde_coefficients`` below: the n x (2J+1)^3 phase
   products contracted by BLAS in chunks), for N = 1e3, 1e4 (``--quick``) and 3e4; the two are
   checked to agree to 1e-13.

Times are wall clock (``time.perf_counter``) and, for one thread, the process CPU time
(``time.process_time``), which a loaded machine distorts less. Numba compilation is excluded
(warm-up on m = 300).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _core(theta, hc, lam=2.0):
    from ratesim.kernels import _sobolev as core

    m = theta.shape[0]
    sums = np.zeros((core.N_CHUNKS, 2))
    rows_direct = np.zeros(m)
    rows_chunk = np.zeros((core.N_CHUNKS, m))
    core.pair_sums(np.ascontiguousarray(theta.T), lam, hc, sums, rows_direct, rows_chunk)
    return float(sums[:, 0].sum())


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def compare(m, repeat, seed):
    """Rows (k, numba wall s, numba 1-thread wall s, 1-thread CPU s, twin wall s, rel. diff)."""
    import naive_metrics as naive
    import numba

    rng = np.random.default_rng(seed)
    threads = numba.get_num_threads()
    rows = []
    for k in (1, 2, 3):
        theta = rng.uniform(0, 2 * np.pi, (m, k))
        hc = rng.uniform(-1e-3, 1e-3, m)
        _core(theta[:300], hc[:300])  # compile
        t_core, t_one, c_one, t_twin = [], [], [], []
        for _ in range(repeat):
            w, _, s_core = _timed(lambda theta=theta, hc=hc: _core(theta, hc))
            t_core.append(w)
            numba.set_num_threads(1)
            try:
                w, c, _ = _timed(lambda theta=theta, hc=hc: _core(theta, hc))
            finally:
                numba.set_num_threads(threads)
            t_one.append(w)
            c_one.append(c)
            w, _, twin = _timed(lambda theta=theta, hc=hc: naive.sobolev_pair_sums(theta, 2.0, hc))
            t_twin.append(w)
        rel = abs(s_core - twin[0]) / abs(twin[0])
        if rel > 1e-11:
            raise SystemExit(f"core and twin disagree at k = {k}: {s_core!r} vs {twin[0]!r}")
        med = statistics.median
        rows.append((k, med(t_core), med(t_one), med(c_one), med(t_twin), rel))
    return rows


def large(sizes, seed):
    """Rows (m, wall s of sobolev_to_law, pairs per second, d2, null_sd) at k = 3."""
    from ratesim import metrics

    rng = np.random.default_rng(seed)
    coef = metrics.von_mises_torus_coefficients(1.0, 0.3, 3, J=15)
    metrics.sobolev_to_law(np.mod(rng.vonmises(0.3, 1.0, (300, 3)), 2 * np.pi), coef)  # compile
    rows = []
    for m in sizes:
        theta = np.mod(rng.vonmises(0.3, 1.0, (m, 3)), 2 * np.pi)
        w, _, res = _timed(lambda theta=theta: metrics.sobolev_to_law(theta, coef))
        rows.append((m, w, m * (m - 1) / 2 / w, res.d2, res.null_sd))
    return rows


def direct_kde_coefficients(X, h, J):
    """The baseline of part 3: (1/n) sum_j exp(-i xi.x_j) exp(-h^2 |xi|^2 / 2) on T^3 by the
    separable products (the library's method before its non-uniform FFT), (2J+1,)^3 complex."""
    j = np.arange(-J, J + 1)
    damp = np.exp(-0.5 * (h * j) ** 2)
    side = 2 * J + 1
    out = np.zeros(side**3, dtype=np.complex128)
    chunk = max(1, 2**22 // side**2)
    for s in range(0, X.shape[0], chunk):
        E = [np.exp(-1j * np.outer(X[s : s + chunk, i], j)) * damp for i in range(3)]
        P = (E[0][:, :, None] * E[1][:, None, :]).reshape(E[0].shape[0], -1)
        out += (P.T @ E[2]).ravel()
    out = out.reshape((side,) * 3) / X.shape[0]
    out[(J,) * 3] = 1.0
    return out


def kde(sizes, seed):
    """Rows (N, J, NUFFT wall s, direct wall s, max abs difference) on T^3, h = N^(-1/5)."""
    from threadpoolctl import threadpool_limits

    from ratesim import metrics

    rng = np.random.default_rng(seed)
    metrics.kde_torus_coefficients(rng.uniform(0, 2 * np.pi, (10, 3)), 0.5)  # load finufft
    rows = []
    for n in sizes:
        X = rng.uniform(0, 2 * np.pi, (n, 3))
        h = n**-0.2
        w_fast, _, fast = _timed(lambda X=X, h=h: metrics.kde_torus_coefficients(X, h))
        J = fast.shape[0] // 2
        with threadpool_limits(1):  # the direct sum's BLAS on one thread, as the NUFFT
            w_direct, _, direct = _timed(lambda X=X, h=h, J=J: direct_kde_coefficients(X, h, J))
        diff = float(np.abs(fast - direct).max())
        if diff > 1e-13:
            raise AssertionError(f"NUFFT and direct sum differ by {diff:.1e} at N = {n}")
        rows.append((n, J, w_fast, w_direct, diff))
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ratesim bench sobolev", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="large m: 1e4 only")
    p.add_argument("--repeat", type=int, default=3, help="interleaved rounds of part 1")
    p.add_argument("--compare-size", type=int, default=2000, help="m of part 1 (default 2000)")
    p.add_argument("--sizes", type=int, nargs="+", help="m of part 2 (default 1e4 2e4)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.repeat < 1 or args.compare_size < 300:
        print("--repeat must be >= 1 and --compare-size >= 300", file=sys.stderr)
        return 2
    sizes = args.sizes or ([10_000] if args.quick else [10_000, 20_000])
    if min(sizes) < 2:
        print(f"--sizes must be integers >= 2 (got {sizes})", file=sys.stderr)
        return 2
    import numba

    print(
        f"# screened H^-1 on T^k; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cpu(s), {numba.get_num_threads()} numba threads, python "
        f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    m = args.compare_size
    print(f"\n## pair sums, m = {m} uniform angles (median of {args.repeat})\n")
    print(
        "| k | numba, all threads (s) | numba, 1 thread (s) | 1 thread CPU (s) | NumPy twin (s) "
        "| twin / numba (all) | twin / numba (1 thread CPU) | rel. diff |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for k, tc, t1, c1, tt, rel in compare(m, args.repeat, args.seed):
        print(
            f"| {k} | {tc:.4f} | {t1:.4f} | {c1:.4f} | {tt:.3f} | {tt / tc:.0f}x | {tt / c1:.0f}x "
            f"| {rel:.1e} |"
        )
    print("\n## sobolev_to_law at k = 3, VonMises(1, 0.3), J = 15, all threads\n")
    print("| m | wall (s) | pairs / s | d2 | null_sd |")
    print("|---|---|---|---|---|")
    for mm, w, rate, d2, nsd in large(sizes, args.seed):
        print(f"| {mm} | {w:.2f} | {rate:.3g} | {d2:.3e} | {nsd:.2e} |")
    kde_sizes = [1000, 10_000] if args.quick else [1000, 10_000, 30_000]
    print("\n## kde_torus_coefficients on T^3, h = N^(-1/5), 1 thread each\n")
    print("| N | J | (2J+1)^3 | NUFFT (s) | direct sum (s) | direct / NUFFT | max abs diff |")
    print("|---|---|---|---|---|---|---|")
    for n, J, wf, wd, diff in kde(kde_sizes, args.seed):
        modes = (2 * J + 1) ** 3
        print(f"| {n} | {J} | {modes} | {wf:.2f} | {wd:.2f} | {wd / wf:.0f}x | {diff:.1e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
