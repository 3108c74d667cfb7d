"""The coarse MLS sampler: throughput, a vectorized NumPy baseline, and the thread scaling of every
numba-parallel path used by a study.

Run with ``ratesim bench coarse [--quick]`` (or directly with python). Three tables, one run:

1. Sampler throughput. The configurations of the P1 coverage studies: the Holder-4.5 curve in
   R^2 (``p1_coarse_coverage``: N = 3162, h = 6 log N / N, degree 4, reverse SDE sigma 2 ->
   h / 10 in 20 steps + Tweedie step) and the Holder-4.5 graph over T^2 in R^5
   (``p1_coarse_coverage_k2``: N = 3000 and 30000, h = 4 (log N / N)^(1/2), degree 4, 10
   steps), ``AdaptiveProjectionScore`` driven by ``draw_coarse``. One score query = one MLS
   projection of one chain; m samples cost m (steps + 1) queries. Columns: wall time, CPU time
   (user + system, all threads), queries per wall second and per CPU second, the projected time
   of the goal's sample count (1e6 at k = 1, 1e5 at k = 2) from the 2-thread wall rate and from
   the CPU rate on 2 fully available cores (the number an idle 2-core machine gives when the
   threads scale); the full mode also measures those runs.
2. Against a vectorized NumPy implementation of the same projection (``_mls_numpy`` below: the
   same weights, cut, degree ladder, local PCA, fit, trust-region Gauss-Newton and distance check,
   batched over queries with einsum / batched eigh / batched solve, dense over the N points) on
   the queries of one trajectory (every noise level of the schedule), one thread each (CPU time;
   BLAS limited to one thread): time per query and the largest difference (rounding only).
3. Thread scaling, 1 against 2 numba threads (interleaved repetitions, the fastest of each), of
   every ``prange`` path in ``ratesim`` that a study uses: wall speedup, CPU-time ratio (2
   threads / 1 thread; 1.0 = no parallel overhead) and the share of system time. On a loaded
   machine the wall speedup is capped by the cores the process gets (the load average is printed
   before and after); the CPU ratio and the system share are not.

Numba compilation is excluded (warm-up on small inputs).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import time
from functools import partial

import numpy as np

TARGETS = {1: 1_000_000, 2: 100_000}  # samples the goal asks for, by intrinsic dimension


# ----- set-up ------------------------------------------------------------------------------------


def _case(k: int, N: int, beta: float = 4.5, seed: int = 0):
    """Training set and fitted coarse score of the P1 coverage study at intrinsic dimension k."""
    from ratesim.scores import AdaptiveProjectionScore
    from ratesim.study import build

    comps = {"manifold__eps": 0.1, "manifold__seed": 0, "manifold__beta": beta}
    if k == 1:
        man, d, h, steps = "holder_curve", 2, 6.0 * (math.log(N) / N), 20
    else:
        man, d, h, steps = "holder_graph", 5, 4.0 * math.sqrt(math.log(N) / N), 10
    M = build("manifold", man, comps, k=k, d=d)
    p = build("density", "uniform", comps, k=k, d=d)
    X = M.sample(N, p, rng=np.random.default_rng(seed))
    est = AdaptiveProjectionScore(bandwidth=h, k=k, beta=beta).fit(X)
    return X, est, h, steps


def _draw(est, h, steps, m, seed):
    from ratesim.samplers import draw_coarse

    Y, _ = draw_coarse(
        est, "reverse_sde", m, sigma_max=2.0, sigma_min=h / 10, steps=steps, rng=seed
    )
    return Y


def _project_levels(proj, levels):
    return [proj.project(x) for x in levels]


def _trajectory_queries(est, h, steps, m, seed):
    """The inputs of every projection of an m-chain draw: a list of (m, d) arrays, one per level."""
    levels = []
    orig = est._project

    def record(x, sigma):
        levels.append(np.array(x))
        return orig(x, sigma)

    est._project = record
    try:
        _draw(est, h, steps, m, seed)
    finally:
        del est._project
    return levels


def _timed(fn):
    """(result, wall s, user s, system s) of fn(); CPU times cover every thread of the process
    (getrusage, microsecond resolution)."""
    t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    out = fn()
    t1, c1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    return out, t1 - t0, c1.ru_utime - c0.ru_utime, c1.ru_stime - c0.ru_stime


def _repeated(fn, reps):
    def run():
        for _ in range(reps):
            fn()

    return run


def _threads(n, fn):
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        return _timed(fn)
    finally:
        numba.set_num_threads(old)


def _interleaved(fn, repeat, threads=(1, 2)):
    """For each thread count, the (wall, user, sys) of its fastest run; runs alternate."""
    best = {}
    for _ in range(repeat):
        for n in threads:
            _, wall, user, sys_ = _threads(n, fn)
            if n not in best or wall < best[n][0]:
                best[n] = (wall, user, sys_)
    return best


def _load() -> str:
    try:
        return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average n/a"


# ----- the NumPy baseline ------------------------------------------------------------------------


def _features_np(t, exps):
    """Monomials (m, n, F) of the scaled tangent coordinates t (m, n, k)."""
    out = np.ones(t.shape[:-1] + (exps.shape[0],))
    for f, e in enumerate(exps):
        for a, p in enumerate(e):
            if p:
                out[..., f] *= t[..., a] ** p
    return out


def _features_jac_np(t, exps):
    """d phi_f / d t_a, (m, F, k), for t (m, k)."""
    m, k = t.shape
    out = np.zeros((m, exps.shape[0], k))
    for f, e in enumerate(exps):
        for a in range(k):
            if e[a] == 0:
                continue
            v = np.full(m, float(e[a]))
            for b in range(k):
                p = e[b] - 1 if b == a else e[b]
                if p:
                    v = v * t[:, b] ** p
            out[:, f, a] = v
    return out


def _mls_numpy(X, Q, h, k, degree, n_iter=2, n_newton=8, ridge=1e-10, chunk=None):
    """The MLS projection of ``ratesim.scores.ProjectionScore`` (safeguards included) in
    vectorized NumPy: queries in chunks, every array dense over the N data points."""
    from ratesim.scores._localpoly import ESS_PER_COEF, LOG_CUT, TRUST_RADIUS, monomial_exponents

    N, d = X.shape
    dn = d - k
    exps = monomial_exponents(k, degree)
    deg = exps.sum(axis=1)
    F = exps.shape[0]
    chunk = chunk or max(1, int(2e7 // (N * (d + k + dn + F))))
    out = np.empty_like(Q)
    for s in range(0, Q.shape[0], chunk):
        x = Q[s : s + chunk]
        m = x.shape[0]
        d2x = np.einsum("mna,mna->mn", X[None] - x[:, None], X[None] - x[:, None])
        dlim = np.sqrt(d2x.min(axis=1)) + h
        y = x.copy()
        for _ in range(n_iter):
            diff = X[None] - y[:, None]
            lw = -np.einsum("mna,mna->mn", diff, diff) / (2 * h * h)
            lw = lw - lw.max(axis=1, keepdims=True)
            w = np.where(lw >= -LOG_CUT, np.exp(np.maximum(lw, -LOG_CUT)), 0.0)
            sw, sw2 = w.sum(axis=1), (w * w).sum(axis=1)
            dead = ~(sw > 0)
            sw_ = np.where(dead, 1.0, sw)
            c = (w @ X) / sw_[:, None]
            Xc = X[None] - c[:, None]
            C = np.einsum("mn,mna,mnb->mab", w, Xc, Xc)
            ess = sw * sw / np.where(dead, 1.0, sw2)
            # the degree ladder: the most monomials of a whole degree block with
            # ESS_PER_COEF * F(p') <= n_eff (at least the constant), none below the frame threshold
            nf = np.ones(m, dtype=np.int64)
            for Fb in np.searchsorted(deg, np.arange(degree + 1), side="right"):
                nf = np.where(ESS_PER_COEF * Fb <= ess, Fb, nf)
            nf = np.where(ess < ESS_PER_COEF * (k + 1), 0, nf)
            y_new = c.copy()
            vecs = np.linalg.eigh(C)[1]
            T, Nf = vecs[:, :, d - k :], vecs[:, :, : d - k]
            for p in np.unique(nf[nf > 0]):
                g = np.flatnonzero(nf == p)
                ex = exps[:p]
                t = np.einsum("mna,mak->mnk", Xc[g], T[g]) / h
                nv = np.einsum("mna,mae->mne", Xc[g], Nf[g])
                Phi = _features_np(t, ex)
                wg = w[g]
                G = np.einsum("mn,mnf,mng->mfg", wg, Phi, Phi)
                lam = ridge * np.trace(G, axis1=1, axis2=2) / p
                lam = np.where(lam > 0, lam, ridge)
                G = G + lam[:, None, None] * np.eye(p)
                coef = np.linalg.solve(G, np.einsum("mn,mnf,mne->mfe", wg, Phi, nv))
                r_max = TRUST_RADIUS * np.sqrt(np.einsum("mn,mnk->m", wg, t * t) / sw[g])
                xc = x[g] - c[g]
                tq = np.einsum("ma,mak->mk", xc, T[g]) / h
                nq = np.einsum("ma,mae->me", xc, Nf[g])

                def clamp(tt, r_max=r_max):
                    r = np.linalg.norm(tt, axis=1)
                    f = np.where(r > r_max, r_max / np.where(r > 0, r, 1.0), 1.0)
                    return tt * f[:, None]

                tt = clamp(tq.copy())
                for _ in range(n_newton):
                    phi = _features_np(tt[:, None, :], ex)[:, 0]
                    Dg = np.einsum("mfe,mfk->mek", coef, _features_jac_np(tt, ex))
                    r = np.einsum("mf,mfe->me", phi, coef) - nq
                    A = h * h * np.eye(k) + np.einsum("mea,meb->mab", Dg, Dg)
                    rhs = -h * h * (tt - tq) - np.einsum("mea,me->ma", Dg, r)
                    tt = clamp(tt + np.linalg.solve(A, rhs[..., None])[..., 0])
                phi = _features_np(tt[:, None, :], ex)[:, 0]
                yg = c[g] + h * np.einsum("mak,mk->ma", T[g], tt)
                yg = yg + np.einsum("mae,me->ma", Nf[g], np.einsum("mf,mfe->me", phi, coef))
                ok = np.linalg.norm(yg - x[g], axis=1) <= dlim[g]
                y_new[g] = np.where(ok[:, None], yg, c[g])
            y_new[dead] = np.nan
            y = y_new
        out[s : s + chunk] = y
    return out


# ----- the three tables ---------------------------------------------------------------------------


def _sampler_table(cases, m_of, repeat, measure):
    import numba

    print("1. Coarse sampler throughput (reverse SDE + Tweedie step, AdaptiveProjectionScore)")
    hdr = (
        f"{'case':18s} {'m':>7s} {'thr':>3s} {'wall s':>8s} {'CPU s':>8s} {'sys %':>6s} "
        f"{'queries/s':>10s} {'q/CPU-s':>9s} {'target':>7s} {'proj. wall':>10s} "
        f"{'proj. 2 idle cores':>18s}"
    )
    print(hdr)
    print("-" * len(hdr))
    for name, k, N in cases:
        X, est, h, steps = _case(k, N)
        _draw(est, h, steps, 16, 1)  # compile
        m = m_of[k]
        q = m * (steps + 1)
        target = TARGETS[k]
        best = _interleaved(partial(_draw, est, h, steps, m, 2), repeat)
        for thr in (1, 2):
            wall, user, sys_ = best[thr]
            cpu = user + sys_
            tq = target * (steps + 1)
            proj_wall = tq / (q / wall)
            proj_cpu = tq / (q / cpu) / 2
            print(
                f"{name:18s} {m:7d} {thr:3d} {wall:8.2f} {cpu:8.2f} {100 * sys_ / cpu:6.2f} "
                f"{q / wall:10.4g} {q / cpu:9.4g} {target:7.0e} {proj_wall / 60:8.2f} m "
                f"{proj_cpu / 60:16.2f} m"
            )
        if measure:
            numba.set_num_threads(2)
            _, wall, user, sys_ = _timed(partial(_draw, est, h, steps, target, 3))
            print(
                f"{name:18s} {target:7d} {2:3d} {wall:8.1f} {user + sys_:8.1f} "
                f"{100 * sys_ / (user + sys_):6.2f} {target * (steps + 1) / wall:10.4g} "
                f"{target * (steps + 1) / (user + sys_):9.4g}  measured: {wall / 60:.2f} min"
            )
    print()


def _numpy_table(cases, m_traj):
    from threadpoolctl import threadpool_limits

    print("2. Against a vectorized NumPy MLS projection (same algorithm, dense over N, batched)")
    print("   queries of one trajectory (every noise level), 1 thread each, CPU time")
    hdr = (
        f"{'case':18s} {'queries':>8s} {'ratesim us/q':>12s} {'NumPy us/q':>11s} "
        f"{'ratio':>7s} {'max |diff|':>11s}"
    )
    print(hdr)
    print("-" * len(hdr))
    for name, k, N in cases:
        X, est, h, steps = _case(k, N)
        levels = _trajectory_queries(est, h, steps, m_traj[k], 4)
        proj = est.estimators_[est.bandwidth_]
        Q = np.concatenate(levels)
        with threadpool_limits(1):
            _, _, u1, s1 = _threads(1, partial(_project_levels, proj, levels))
            ours = np.concatenate(_project_levels(proj, levels))
            ref, _, u2, s2 = _timed(partial(_mls_numpy, proj.X_, Q, h, k, proj.degree_))
        diff = np.nanmax(np.abs(ours - ref))
        t1, t2 = (u1 + s1) / Q.shape[0], (u2 + s2) / Q.shape[0]
        print(
            f"{name:18s} {Q.shape[0]:8d} {1e6 * t1:12.1f} {1e6 * t2:11.1f} {t2 / t1:7.1f} "
            f"{diff:11.2e}"
        )
    print()


def _certificate_search(A, B, n_neighbors=4, per_query=2):
    """The certificate step of ``wasserstein_sparse_exact`` on the duals of its first round (the
    search for pairs with u_i + v_j > c_ij over all n^2 pairs: the parallel part of the solve)."""
    from ratesim.metrics import _sparse_ot as so

    X, Y, geo, period = so._prepare(A, B, "torus", 2 * np.pi)
    n, scale = X.shape[0], 2.0**40
    ii, jj = so._knn_edges(X, Y, geo, period, n_neighbors)
    key = np.unique(ii * n + jj)
    ii, jj = key // n, key % n
    cost = so._edge_costs(X, Y, ii, jj, geo, period, scale)
    grid = so._Grid(X, geo, period)
    match, _ = so._auction(n, ii, jj, cost)
    u, v = so._duals(n, ii, jj, cost, match)
    return partial(so._violations, grid, Y, u, v, geo, period, scale, per_query)


def _scaling_paths(quick):
    """(path, used by, workload description, callable) for every numba-parallel path."""
    from ratesim import densities, manifolds
    from ratesim.kernels import softmax_average, softmax_covariance
    from ratesim.metrics import wasserstein_sparse_exact
    from ratesim.scores import LocalPolynomialScore, OracleScore

    paths = []
    # MLS projection, KD-tree path (N >= 2048) and dense path (N < 2048), on trajectory queries
    for k, N, mq in ((1, 3162, 1000 if quick else 4000), (2, 3000, 60 if quick else 300)):
        X, est, h, steps = _case(k, N)
        levels = _trajectory_queries(est, h, steps, mq, 5)
        proj = est.estimators_[est.bandwidth_]
        paths.append(
            (
                "_mls_projection_tree_kernel",
                f"p1_coarse_coverage{'_k2' if k == 2 else ''}",
                f"k={k}, N={N}, {sum(len(x) for x in levels)} queries (all levels)",
                partial(_project_levels, proj, levels),
            )
        )
    X, est, h, steps = _case(1, 1000)
    levels = _trajectory_queries(est, h, steps, 1000 if quick else 4000, 6)
    proj = est.estimators_[est.bandwidth_]
    assert proj.index_ is None
    paths.append(
        (
            "_mls_projection_kernel",
            "p1_coarse_coverage, p1_coarse_phase",
            f"k=1, N=1000 (dense), {sum(len(x) for x in levels)} queries",
            lambda proj=proj, levels=levels: [proj.project(x) for x in levels],
        )
    )
    # local polynomial regression (LocalPolynomialScore: p2_ts_learned_chains, p3_collapse)
    circle = manifolds.Sphere(k=1, d=2, seed=None)
    Xc = circle.sample(500, densities.Uniform(), rng=np.random.default_rng(7))
    lp = LocalPolynomialScore(bandwidth=0.1, degree=1, n_noise=8, rng=8).fit(Xc)
    xq = circle.sample(2000 if quick else 10000, densities.Uniform(), rng=np.random.default_rng(9))
    paths.append(
        (
            "_local_poly_kernel",
            "p2_ts_learned_chains, p3_collapse_*",
            f"circle N=500 x 8 noisy pairs, degree 1, {len(xq)} queries",
            lambda lp=lp, xq=xq: lp.score(xq, 0.1),
        )
    )
    # sparse exact W1 certificate (wasserstein_sparse_exact: p1_minimax_w1_k2): the search for
    # violated dual constraints of the first round, and the whole solve (mostly serial)
    n = 5000 if quick else 20000
    rng = np.random.default_rng(10)
    A, B = rng.uniform(0, 2 * np.pi, (n, 2)), rng.uniform(0, 2 * np.pi, (n, 2))
    paths.append(
        (
            "_all_violations",
            "p1_minimax_w1_k2",
            f"torus, n={n}: first-round certificate search",
            _certificate_search(A, B),
        )
    )
    paths.append(
        (
            "(wasserstein_sparse_exact)",
            "p1_minimax_w1_k2",
            f"torus, n={n}: the whole solve (auction, duals and rounds are serial)",
            partial(wasserstein_sparse_exact, A, B, "torus", n_neighbors=4),
        )
    )
    # kernel engine (EmpiricalScore and friends: most studies); measured, not edited here
    S2 = manifolds.Sphere(k=2, seed=0)
    data = S2.sample(20000, densities.Uniform(), rng=np.random.default_rng(11))
    qs = S2.sample(2000 if quick else 8000, densities.Uniform(), rng=np.random.default_rng(12))
    for mode, sigma in (("dense", 0.5), ("truncated", 0.02)):
        fn = "softmax_dense" if mode == "dense" else "softmax_tree"
        paths.append(
            (
                fn,
                "EmpiricalScore etc. (most studies)",
                f"S^2, N=20000, {len(qs)} queries, sigma={sigma}",
                lambda mode=mode, sigma=sigma: softmax_average(data, qs, sigma, mode=mode),
            )
        )
        fn = "covariance_dense" if mode == "dense" else "covariance_tree"
        paths.append(
            (
                fn,
                "exact posteriors (p2_inverse_*)",
                f"S^2, N=20000, {len(qs) // 4} queries, sigma={sigma}",
                lambda mode=mode, sigma=sigma: softmax_covariance(
                    data, qs[: len(qs) // 4], sigma, mode=mode
                ),
            )
        )
    # closed-form von Mises-Fisher scores (ratesim.exact._vmf: OracleScore on spheres)
    oracle = OracleScore(S2, densities.VonMisesFisher(kappa=4.0), rng=13).fit()
    xs = S2.sample(20000 if quick else 200000, densities.Uniform(), rng=np.random.default_rng(14))
    xs = xs + 0.05 * np.random.default_rng(15).standard_normal(xs.shape)
    paths.append(
        (
            "exact._vmf kernels",
            "P2 studies with exact scores",
            f"OracleScore S^2 vMF, {len(xs)} queries, score + log density",
            lambda oracle=oracle, xs=xs: (oracle.score(xs, 0.05), oracle.log_density(xs, 0.05)),
        )
    )
    return paths


def _scaling_table(quick, repeat):
    print("3. Thread scaling of the numba-parallel paths used by studies (1 vs 2 numba threads)")
    print(f"   {_load()} (before); OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    hdr = (
        f"{'path':28s} {'wall 1 thr':>10s} {'wall 2 thr':>10s} {'speedup':>8s} "
        f"{'CPU 2/1':>8s} {'sys % 1':>8s} {'sys % 2':>8s}  workload (x repetitions) / used by"
    )
    print(hdr)
    print("-" * len(hdr))
    min_time = 0.5 if quick else 2.0
    for path, used, work, fn in _scaling_paths(quick):
        fn()  # warm-up: compilation, caches
        calls, t0 = 0, time.perf_counter()  # calibration: seconds per call
        while calls == 0 or time.perf_counter() - t0 < 0.2 * min_time:
            fn()
            calls += 1
        reps = max(1, math.ceil(min_time * calls / (time.perf_counter() - t0)))
        best = _interleaved(_repeated(fn, reps), repeat)
        (w1, u1, s1), (w2, u2, s2) = best[1], best[2]
        print(
            f"{path:28s} {w1:10.3f} {w2:10.3f} {w1 / w2:8.2f} {(u2 + s2) / (u1 + s1):8.2f} "
            f"{100 * s1 / (u1 + s1):8.2f} {100 * s2 / (u2 + s2):8.2f}  {work} (x{reps}); {used}"
        )
    print(f"   {_load()} (after)")
    print(
        "   CPU 2/1 includes GNU OpenMP's spin-waiting: a thread that finishes its share spins"
        " before it sleeps,\n   longer when its partner is descheduled (a loaded machine) and"
        " a larger share of short calls;\n   OMP_WAIT_POLICY=PASSIVE in the environment turns"
        " the spinning off."
    )
    print()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="ratesim bench coarse", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small run (a minute or two)")
    p.add_argument("--repeat", type=int, default=None, help="interleaved runs per case (2 / 3)")
    p.add_argument(
        "--skip", nargs="*", default=(), choices=("sampler", "numpy", "scaling"),
        help="tables to leave out",
    )  # fmt: skip
    args = p.parse_args(argv)
    quick = args.quick
    repeat = args.repeat or (2 if quick else 3)

    import numba
    import scipy

    print("ratesim bench coarse" + (" --quick" if quick else ""))
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} | {os.cpu_count()} CPUs | "
        f"python {platform.python_version()} | numpy {np.__version__} | scipy {scipy.__version__} "
        f"| numba {numba.__version__} ({numba.get_num_threads()} threads)"
    )
    print(_load())
    print()
    k1 = [("k=1 N=3162", 1, 3162)]
    k2 = [("k=2 N=3000", 2, 3000)] + ([] if quick else [("k=2 N=30000", 2, 30000)])
    if "sampler" not in args.skip:
        m_of = {1: 2000, 2: 100} if quick else {1: 20000, 2: 1000}
        _sampler_table(k1 + k2, m_of, repeat, measure=not quick)
    if "numpy" not in args.skip:
        _numpy_table(k1 + k2[:1], {1: 100 if quick else 500, 2: 10 if quick else 50})
    if "scaling" not in args.skip:
        _scaling_table(quick, repeat)
    print(_load())
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
