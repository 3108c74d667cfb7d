"""Sampler throughput: chain-steps/s, score evaluations/s and where the time goes.

Run with ``ratesim bench samplers [--quick] [--chains M] [--steps S]`` (or directly with python).
For a circle (S^1 in R^2) and S^2 (in R^3), uniform data, N = 1e4 and 1e5 training points, the
exact empirical score (``EmpiricalScore``: one Gaussian softmax average over the N points per
evaluation, in the kernel engine ``ratesim.kernels``) drives

- ``reverse_sde`` (Euler, sigma 2 -> 0.01, geometric), and
- ``tempered_langevin`` (sigma = 0.01, alpha = 1, h = 0.1, started on training points).

Columns: wall time; chain-steps/s (chains x steps / time); score evaluations/s (per chain, i.e.
chains x n_score_evals / time); pairs/s (score evaluations/s x N: query-data pairs a dense
evaluation would visit; the engine's truncated mode visits fewer at small sigma); the share of
the wall time spent inside the kernel engine (timed by wrapping the engine entry points used by
``ratesim.scores``), in the samplers' fused update kernels, and in NumPy's normal generator.
Numba compilation is excluded (warm-up on tiny inputs).
A last table compares the fused update kernel with the equivalent NumPy expression.
"""

from __future__ import annotations

import argparse
import platform
import time
from contextlib import contextmanager

import numpy as np


class _Timer:
    def __init__(self):
        self.t = 0.0

    def wrap(self, fn):
        def inner(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.t += time.perf_counter() - t0

        return inner


@contextmanager
def _instrument():
    """Time the kernel engine (as called by the scores), the update kernels and the RNG."""
    import ratesim.samplers._diffusion as dif
    import ratesim.samplers._langevin as lan
    import ratesim.scores._engine as eng

    engine, update = _Timer(), _Timer()
    saved = []
    for mod, names, timer in (
        (eng, ("softmax_average", "log_sum_exp_gauss", "softmax_moments"), engine),
        (dif, ("lincomb2", "axpy"), update),
        (lan, ("lincomb2", "lincomb3"), update),
    ):
        for name in names:
            if hasattr(mod, name):
                saved.append((mod, name, getattr(mod, name)))
                setattr(mod, name, timer.wrap(getattr(mod, name)))
    try:
        yield engine, update
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)


def _run(sampler, est, X, chains, steps, seed):
    from ratesim import samplers as S

    rng = np.random.default_rng(seed)
    # time the normal draws separately with an identical generator (same sizes, same count)
    d = X.shape[1]
    t0 = time.perf_counter()
    if sampler == "reverse_sde":
        res = S.reverse_sde(est, n=chains, sigma_max=2.0, sigma_min=0.01, steps=steps, rng=rng)
    else:
        x0 = X[:chains]
        res = S.tempered_langevin(est, x0, 0.01, 1.0, 0.1, steps, rng=rng)
    wall = time.perf_counter() - t0
    g = np.random.default_rng(seed)
    t1 = time.perf_counter()
    for _ in range(steps + (1 if sampler == "reverse_sde" else 0)):
        g.standard_normal((chains, d))
    t_rng = time.perf_counter() - t1
    return res, wall, t_rng


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ratesim bench samplers", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small run (seconds)")
    p.add_argument("--chains", type=int, default=None, help="chains per run (default 400)")
    p.add_argument("--steps", type=int, default=None, help="steps per run (default 25)")
    p.add_argument(
        "--repeat", type=int, default=None, help="runs per case, the fastest is kept (default 3)"
    )
    args = p.parse_args(argv)
    chains = args.chains or (100 if args.quick else 400)
    steps = args.steps or (8 if args.quick else 25)
    repeat = args.repeat or (1 if args.quick else 3)
    Ns = [10_000, 100_000]

    import numba

    from ratesim import densities, manifolds, scores
    from ratesim import samplers as S
    from ratesim.samplers._kernels import lincomb2

    print("ratesim bench samplers")
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} | python "
        f"{platform.python_version()} | numpy {np.__version__} | numba {numba.__version__} | "
        f"numba threads {numba.get_num_threads()}"
    )
    print(
        f"chains = {chains}, steps = {steps}, best of {repeat} runs; EmpiricalScore on N uniform "
        "points\n"
    )

    # warm-up (compilation excluded)
    Xw = manifolds.Sphere(k=1).sample(50, densities.Uniform(), rng=0)
    ew = scores.EmpiricalScore().fit(Xw)
    S.reverse_sde(ew, n=8, sigma_max=2.0, sigma_min=0.01, steps=3, rng=0)
    S.tempered_langevin(ew, Xw[:8], 0.01, 1.0, 0.1, 3, rng=0)

    hdr = (
        f"{'case':10s} {'N':>7s} {'sampler':18s} {'wall s':>8s} {'chain-steps/s':>14s} "
        f"{'score evals/s':>14s} {'pairs/s':>10s} {'engine %':>9s} {'update %':>9s} {'rng %':>7s}"
    )
    print(hdr)
    print("-" * len(hdr))
    for name, k in (("circle", 1), ("S^2", 2)):
        M = manifolds.Sphere(k=k, seed=0)
        for N in Ns:
            X = M.sample(N, densities.Uniform(), rng=1)
            est = scores.EmpiricalScore().fit(X)
            for sampler in ("reverse_sde", "tempered_langevin"):
                best = None
                for _ in range(repeat):
                    with _instrument() as (engine, update):
                        res, wall, t_rng = _run(sampler, est, X, chains, steps, 2)
                    if best is None or wall < best[1]:
                        best = (res, wall, t_rng, engine, update)
                res, wall, t_rng, engine, update = best
                cs = chains * res.steps / wall
                ev = chains * res.n_score_evals / wall
                print(
                    f"{name:10s} {N:7d} {sampler:18s} {wall:8.3f} {cs:14.4g} {ev:14.4g} "
                    f"{ev * N:10.3g} "
                    f"{100 * engine.t / wall:9.1f} {100 * update.t / wall:9.2f} "
                    f"{100 * t_rng / wall:7.2f}"
                )

    print("\nfused update kernel vs NumPy expression, x + a s + b z (in place), per call")
    print("(best of 7 blocks of repetitions)")
    print(f"{'chains x d':>12s} {'numba ms':>10s} {'numpy ms':>10s} {'ratio':>7s}")
    for n, d in ((100_000, 2), (10_000, 3), (1_000, 10)):
        rng = np.random.default_rng(0)
        x, u, v = (rng.standard_normal((n, d)) for _ in range(3))
        reps = 20 if args.quick else 100
        t_nb = t_np = np.inf
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(reps):
                lincomb2(x, 0.1, u, 0.2, v, x)
            t_nb = min(t_nb, (time.perf_counter() - t0) / reps)
            t0 = time.perf_counter()
            for _ in range(reps):
                x += 0.1 * u + 0.2 * v
            t_np = min(t_np, (time.perf_counter() - t0) / reps)
        print(f"{f'{n} x {d}':>12s} {1e3 * t_nb:10.3f} {1e3 * t_np:10.3f} {t_np / t_nb:7.1f}")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
