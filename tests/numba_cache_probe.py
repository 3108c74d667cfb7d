"""Run as a script: evaluate the main path of every numba module of ratesim and save the outputs.

``python numba_cache_probe.py OUT.npz``. tests/test_numba_cache.py runs it twice on one empty
``NUMBA_CACHE_DIR`` (the first process compiles and writes the cache, the second loads it) and
compares the two files bit for bit.
"""

import sys

import numpy as np

from ratesim.exact import vmf_smoothed_score
from ratesim.manifolds import HolderCurve, Sphere
from ratesim.metrics import (
    nearest_training_distances,
    sobolev_to_law,
    torus_sobolev_kernel,
    von_mises_torus_coefficients,
)
from ratesim.samplers import langevin, reverse_sde
from ratesim.scores import SCORES


def probe() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    res = {}
    for d in (3, 50):  # kernel engine, regression estimators, samplers
        X = rng.standard_normal((400, d))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        q = X[:100] + 0.2 * rng.standard_normal((100, d))
        for name in ("empirical", "smoothed", "kernel_smoothed", "knn"):
            res[f"{name}_{d}"] = SCORES[name]().fit(X).score(q, 0.2)
        res[f"nw_{d}"] = SCORES["nadaraya_watson"](rng=1).fit(X).score(q, 0.2)
        degree = 2 if d < 10 else 1  # degree 2 at d = 50 fits 1 326 coefficients per query
        lp = SCORES["local_polynomial"](bandwidth=0.5, degree=degree, rng=1).fit(X)
        res[f"local_poly_{d}"] = lp.score(q, 0.2)
        smoothed = SCORES["smoothed"]().fit(X)
        res[f"reverse_sde_{d}"] = reverse_sde(
            smoothed, sigma_max=2.0, sigma_min=0.05, steps=20, rng=3, n=200, d=d
        ).samples
        res[f"langevin_{d}"] = langevin(
            SCORES["empirical"]().fit(X), q, 0.1, 1e-3, 50, rng=4
        ).samples
    # exact geometry and closed-form scores
    res["holder_projection"] = (
        HolderCurve(beta=4.5, eps=0.1, d=2).project(rng.standard_normal((300, 2))).point
    )
    res["sphere_projection"] = Sphere(k=2, d=3).project(rng.standard_normal((300, 3))).point
    res["vmf_score"] = vmf_smoothed_score(rng.standard_normal((300, 3)), 0.3, a=[0.0, 0.0, 2.0])
    res["nearest"] = np.asarray(
        nearest_training_distances(rng.standard_normal((500, 3)), rng.standard_normal((300, 3)))
    )
    # the screened H^-1 distance on flat tori (pair sums and kernel, k = 1, 2, 3)
    for k in (1, 2, 3):
        theta = rng.uniform(0, 2 * np.pi, (400, k))
        sob = sobolev_to_law(theta, von_mises_torus_coefficients(1.0, 0.3, k, J=8))
        res[f"sobolev_{k}"] = np.array([sob.d2, sob.null_sd, sob.sd])
        res[f"sobolev_kernel_{k}"] = torus_sobolev_kernel(rng.uniform(-4, 4, (300, k)))
    # the moving-least-squares projection: k = 1 (dense search and tree search, every degree) and
    # k = 2, as the coarse studies use it
    th = rng.uniform(0, 2 * np.pi, 600)
    X = np.c_[np.cos(th), np.sin(th)]
    for beta in (2.5, 4.5, None):
        for search in ("dense", "tree"):
            est = SCORES["projection"](bandwidth=0.2, k=1, beta=beta, search=search).fit(X)
            q = X[:200] + 0.1 * rng.standard_normal((200, 2))
            res[f"mls_k1_{beta}_{search}"] = est.denoise(q, 0.1)
    U = rng.uniform(-1, 1, (300, 2))
    X2 = np.c_[U, np.sin(2 * U[:, :1]), U[:, 1:] ** 2, 0 * U[:, :1]]
    for beta in (2.5, 4.5, None):
        est = SCORES["projection"](bandwidth=0.5, k=2, beta=beta).fit(X2)
        res[f"mls_k2_{beta}"] = est.denoise(X2[:200] + 0.05 * rng.standard_normal((200, 5)), 0.05)
    return res


if __name__ == "__main__":
    np.savez(sys.argv[1], **probe())
