"""Benchmark: exact W_1 by ``ratesim.metrics.wasserstein`` (validation + cdist + POT's network
simplex) against cdist + ``scipy.optimize.linear_sum_assignment``, n = 1e3, 2e3, 5e3.

For two uniform n-point clouds the optimal plan is a permutation (Birkhoff), so the assignment
solver gives the same W_1: the run checks the two values agree to 1e-9 (relative) and reports the
end-to-end times of both (each includes the same cdist, also shown alone); warm-up on n = 50.

    ratesim bench metrics [--quick] [--repeats R] [--seed S] [--sizes N ...]

``--quick`` runs n = 1e3 and 2e3 only.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import ot
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist


def _best(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(sizes, repeats, seed, d=3):
    from ratesim.manifolds import Sphere
    from ratesim.metrics import wasserstein

    S = Sphere(k=2, d=d, seed=seed)
    rng = np.random.default_rng(seed)
    # warm-up (imports, allocations)
    a = S.sample(50, None, rng=rng)
    wasserstein(a, a)
    linear_sum_assignment(cdist(a, a))
    rows = []
    for n in sizes:
        X, Y = S.sample(n, None, rng=rng), S.sample(n, None, rng=rng)
        t_cost, C = _best(lambda X=X, Y=Y: cdist(X, Y), repeats)
        t_emd, v_emd = _best(lambda X=X, Y=Y: wasserstein(X, Y), repeats)

        def lsa(X=X, Y=Y):
            C = cdist(X, Y)
            r, c = linear_sum_assignment(C)
            return float(C[r, c].mean())

        t_lsa, v_lsa = _best(lsa, repeats)
        rel = abs(v_emd - v_lsa) / v_lsa
        if rel > 1e-9:
            raise SystemExit(f"W_1 mismatch at n = {n}: emd {v_emd!r} vs assignment {v_lsa!r}")
        rows.append((n, t_cost, t_emd, t_lsa, v_emd, rel))
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ratesim bench metrics", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="n = 1e3 and 2e3 only")
    p.add_argument("--repeats", type=int, default=1, help="best of R runs (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sizes", type=int, nargs="+", help="explicit sizes (overrides the defaults)")
    args = p.parse_args(argv)
    if args.repeats < 1:
        print(f"--repeats must be >= 1 (got {args.repeats})", file=sys.stderr)
        return 2
    sizes = [1000, 2000] if args.quick else [1000, 2000, 5000]
    if args.sizes:
        if min(args.sizes) < 2:
            print(f"--sizes must be integers >= 2 (got {args.sizes})", file=sys.stderr)
            return 2
        sizes = args.sizes
    print(
        f"# exact W_1 on uniform S^2 samples in R^3; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cpu(s), python {platform.python_version()}, POT {ot.__version__}"
    )
    print(
        "| n | cdist alone (s) | metrics.wasserstein (s) | cdist + linear_sum_assignment (s) "
        "| speed-up | W_1 | rel. diff |"
    )
    print("|---|---|---|---|---|---|---|")
    for n, tc, te, tl, v, rel in run(sizes, args.repeats, args.seed):
        print(f"| {n} | {tc:.3f} | {te:.3f} | {tl:.3f} | {tl / te:.1f}x | {v:.5f} | {rel:.1e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
