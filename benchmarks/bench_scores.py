"""Closed-form scores on spheres: ratesim's compiled kernels against the plain-NumPy formula.

Run with ``ratesim bench scores [--quick] [--repeat R] [--threads T ...]`` (or directly with
python). Two parts, each interleaving ratesim and its baseline in the same process:

1. Tempered-score (TS) Langevin chains (target: 5x the NumPy loop): von Mises kappa = 2 on the
   circle (S^1 in R^2, the canonical embedding of the P2 studies), sigma = 0.03, alpha = 0.5,
   h = 0.1, 20 000 chains x 6 000 steps (``--quick``: 10 000 x 300), and von Mises-Fisher
   kappa = 2 on S^2 in R^3 (20 000 x 1 000; quick 10 000 x 100). (a) the plain-NumPy loop below, (b)
   ``ratesim.samplers.tempered_langevin`` with ``ratesim.scores.OracleScore`` (closed form), from
   the same start points with the same seed: both draw the noise by ``rng.standard_normal`` on
   the whole (n, d) array once per step, so they follow the same trajectories (the final states
   agree to rounding, printed). Also timed: the normal draws alone (a floor that neither side can
   go below) and the loop with a zero score.
2. Score evaluations alone (queries near M at sigma = 0.03): ``OracleScore.score`` (validation
   included) against the NumPy formula, circle and S^2, 20 000 and 1 000 queries.

Times are wall clock (``time.perf_counter``) and, for single-threaded runs, CPU time of the
process (``time.process_time``), which a loaded machine distorts much less; ratios are of the
medians over ``--repeat`` interleaved rounds. ratesim runs once per numba thread count in
``--threads`` (default: 1 and the configured count). Numba compilation is excluded (warm-up).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
from scipy.special import i0e, i1e


def ratio_circle(z):
    """I_1(z) / I_0(z) (the circle, m = 2), scipy's exponentially scaled Bessel functions."""
    return i1e(z) / i0e(z)


def ratio_s2(z):
    """I_(3/2)(z) / I_(1/2)(z) = coth z - 1/z (the sphere S^2, m = 3)."""
    return 1.0 / np.tanh(z) - 1.0 / z


def numpy_score(x, frame, a, sigma, ratio):
    """The closed-form score in plain NumPy: project, v = y / sigma^2 + kappa mu, Bessel ratio."""
    s2 = sigma * sigma
    y = x @ frame  # native coordinates of the sphere
    v = y / s2 + a
    z = np.sqrt(np.sum(v * v, axis=1))
    r = ratio(z) / z
    return ((r[:, None] * v) @ frame.T - x) / s2


def numpy_ts_langevin(x, frame, a, sigma, alpha, h, steps, rng, ratio):
    """TS-Langevin x <- x + h sigma^2 s(x) + sqrt(2 h sigma^(2 - alpha)) xi, written plainly."""
    s2 = sigma * sigma
    b = np.sqrt(2.0 * h * sigma ** (2.0 - alpha))
    for _ in range(steps):
        score = numpy_score(x, frame, a, sigma, ratio)
        x = x + h * s2 * score + b * rng.standard_normal(x.shape)
    return x


class _Threads:
    """Run with a given numba thread count, restoring the previous one."""

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        import numba

        self.prev = numba.get_num_threads()
        numba.set_num_threads(self.n)

    def __exit__(self, *exc):
        import numba

        numba.set_num_threads(self.prev)


def _timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def _setup(case, n, seed=0):
    from ratesim import densities, manifolds, scores

    if case == "circle":
        M, p, ratio = manifolds.Sphere(k=1, seed=None), densities.VonMises(2.0, 0.0), ratio_circle
    else:
        M, p, ratio = manifolds.Sphere(k=2, seed=None), densities.VonMisesFisher(2.0), ratio_s2
    oracle = scores.OracleScore(M, p, method="closed_form", rng=0).fit()
    x0 = M.sample(n, p, rng=seed)
    return M, oracle, x0, ratio


def _chains(case, n, steps, repeat, threads, sigma=0.03, alpha=0.5, h=0.1):
    from ratesim import samplers

    M, oracle, x0, ratio = _setup(case, n)
    frame, a = M.frame, oracle.natural_param_
    samplers.tempered_langevin(oracle, x0[:8], sigma, alpha, h, 2, rng=0)  # compile
    rows: dict[str, list[tuple[float, float]]] = {}
    finals = {}

    def add(name, res):
        out, wall, cpu = res
        rows.setdefault(name, []).append((wall, cpu))
        finals[name] = np.asarray(out)

    zero = np.zeros_like(x0)
    out = np.empty_like(x0)

    def numpy_run():
        rng = np.random.default_rng(1)
        return numpy_ts_langevin(x0, frame, a, sigma, alpha, h, steps, rng, ratio)

    def ratesim_run(score):
        return samplers.tempered_langevin(
            score, x0, sigma, alpha, h, steps, rng=np.random.default_rng(1)
        )

    def draws():
        g = np.random.default_rng(1)
        for _ in range(steps):
            g.standard_normal(out=out)

    for _ in range(repeat):
        add("numpy", _timed(numpy_run))
        for t in threads:
            with _Threads(t):
                add(f"ratesim ({t} thr)", _timed(lambda: ratesim_run(oracle)))
        with _Threads(1):
            add("zero score (1 thr)", _timed(lambda: ratesim_run(lambda x, s: zero)))
        add("normal draws only", _timed(draws))
    return rows, finals


def _print_chains(case, n, steps, rows, finals):
    print(f"\n{case}: TS-Langevin, {n} chains x {steps} steps (sigma 0.03, alpha 0.5, h 0.1)")
    base_w = statistics.median(w for w, _ in rows["numpy"])
    base_c = statistics.median(c for _, c in rows["numpy"])
    hdr = (
        f"{'run':22s} {'wall s (median)':>16s} {'wall s (min)':>13s} {'cpu s':>8s} "
        f"{'numpy / this (wall)':>20s} {'(cpu)':>7s} {'ns per chain-step':>18s}"
    )
    print(hdr)
    print("-" * len(hdr))
    for name, vals in rows.items():
        w = statistics.median(v[0] for v in vals)
        c = statistics.median(v[1] for v in vals)
        one_thread = not name.startswith("ratesim") or name == "ratesim (1 thr)"
        cpu_ratio = f"{base_c / c:7.2f}" if one_thread else f"{'-':>7s}"
        print(
            f"{name:22s} {w:16.3f} {min(v[0] for v in vals):13.3f} {c:8.3f} "
            f"{base_w / w:20.2f} {cpu_ratio} {1e9 * w / (n * steps):18.1f}"
        )
    for name, x in finals.items():
        if name.startswith("ratesim"):
            diff = np.abs(x - finals["numpy"]).max()
            print(f"max |x_numpy - x_{name}| after {steps} steps: {diff:.2e}")


def _loop(reps, fn, *args):
    """Call fn reps times, keeping no result alive (fresh pages per call would be timed too)."""
    for _ in range(reps):
        fn(*args)


def _throughput(case, n, reps, threads, sigma=0.03):
    M, oracle, x0, ratio = _setup(case, n)
    rng = np.random.default_rng(3)
    x = x0 + sigma * rng.standard_normal(x0.shape)
    frame, a = M.frame, oracle.natural_param_
    oracle.score(x[:8], sigma)
    res = {}
    for _ in range(3):  # interleaved rounds, best kept
        _, w, c = _timed(lambda: _loop(reps, numpy_score, x, frame, a, sigma, ratio))
        res.setdefault("numpy formula", []).append((w, c))
        for t in threads:
            with _Threads(t):
                _, w, c = _timed(lambda: _loop(reps, oracle.score, x, sigma))
            res.setdefault(f"OracleScore ({t} thr)", []).append((w, c))
    diff = np.abs(oracle.score(x, sigma) - numpy_score(x, frame, a, sigma, ratio))
    scale = (np.linalg.norm(x, axis=1) + 1.0) / sigma**2
    return res, float((diff.max(axis=1) / scale).max())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ratesim bench scores", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small run (about a minute)")
    p.add_argument("--repeat", type=int, default=None, help="rounds (default 3, quick 2)")
    p.add_argument(
        "--threads", type=int, nargs="+", default=None,
        help="numba thread counts for ratesim (default: 1 and the configured count)",
    )  # fmt: skip
    args = p.parse_args(argv)
    import numba
    import scipy

    repeat = args.repeat or (2 if args.quick else 3)
    threads = args.threads or sorted({1, numba.config.NUMBA_NUM_THREADS})
    print("ratesim bench scores")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cpus, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} | python "
        f"{platform.python_version()} | numpy {np.__version__} | scipy {scipy.__version__} | "
        f"numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads configured)"
    )
    print(f"{repeat} interleaved rounds; ratesim with numba threads {threads}")

    chain_cases = [("circle", 10_000, 300), ("S^2", 10_000, 100)] if args.quick else [
        ("circle", 20_000, 6_000), ("S^2", 20_000, 1_000)]  # fmt: skip
    for case, n, steps in chain_cases:
        rows, finals = _chains(case, n, steps, repeat, threads)
        _print_chains(case, n, steps, rows, finals)

    print("\nscore evaluations alone (queries x0 + 0.03 N(0, I) around M, sigma = 0.03)")
    hdr = (
        f"{'case':8s} {'queries':>8s} {'method':22s} {'M evals/s (wall)':>17s} "
        f"{'M evals/s (cpu)':>16s} {'this / numpy (wall)':>20s} {'(cpu)':>7s}"
    )
    print(hdr)
    print("-" * len(hdr))
    for case in ("circle", "S^2"):
        for n in (20_000, 1_000):
            reps = (20 if args.quick else 100) * (20 if n == 1_000 else 1)
            res, err = _throughput(case, n, reps, threads)
            base_w = min(w for w, _ in res["numpy formula"])
            base_c = min(c for _, c in res["numpy formula"])
            for name, vals in res.items():
                w = min(v[0] for v in vals)
                c = min(v[1] for v in vals)
                if "thr)" not in name or "(1 thr)" in name:
                    cpu = f"{n * reps / c / 1e6:16.2f} {base_w / w:20.2f} {base_c / c:7.2f}"
                else:  # CPU time adds up over threads
                    cpu = f"{'-':>16s} {base_w / w:20.2f} {'-':>7s}"
                print(f"{case:8s} {n:8d} {name:22s} {n * reps / w / 1e6:17.2f} {cpu}")
            print(f"{'':8s} {'':8s} max |ratesim - numpy| / ((|x| + 1) / sigma^2) = {err:.1e}")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
