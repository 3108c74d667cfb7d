"""Minimax baseline of P1 at k = 2 up to large N: exact W1 of the empirical measure on the flat
torus T^2 and the round sphere S^2 by the sparse certified assignment
(``ratesim.metrics._sparse_ot``).

Shen, Hsieh, He, "Manifold generalization provably precedes memorization" (arXiv 2603.23792;
SCIENCE.md P1): the minimax rate of estimating mu on a k-manifold is O~(N^(-1/k)); at k = 2 the
empirical measure has E W1(mu_N, mu) ~ sqrt(log N / N) (Ajtai, Komlos, Tusnady 1984; SCIENCE.md
anchors and trap 3: the local slope of sqrt(log N / N) is -0.43 at N = 1e3 and -0.46 at 1e6).

W1(mu_N, mu) is measured as the two-sample W1(mu_N, nu_N) between the N sample points and N
independent reference points of the same law (uniform weights: an assignment problem, solved
exactly without the dense N x N matrix, with an all-pairs dual certificate). By the triangle
inequality W1(mu_N, nu_N) lies between |W1(mu_N, mu) - W1(nu_N, mu)| and W1(mu_N, mu) +
W1(nu_N, mu), and E W1(mu_N, nu_N) ~ c' sqrt(log N / N) with another constant (AKT): a reference
of size N (instead of the 4 N of ``p1_minimax_w1``) changes the constant, not the exponent.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_generator, check_int
from ..metrics._sparse_ot import TWO_PI, wasserstein_sparse_exact
from ..study.tasks import task

__all__ = ["K2_MANIFOLDS", "empirical_w1_k2"]

K2_MANIFOLDS = ("flat_torus", "sphere")


def empirical_w1_k2(n: int, rng, manifold: str = "flat_torus", n_neighbors: int = 8) -> dict:
    """Exact geodesic W1 between N uniform points on a compact 2-manifold and N independent
    uniform reference points (the two-sample empirical W1 of the module docstring): the flat
    torus T^2 = (R / 2 pi Z)^2 (uniform angles) or the unit sphere S^2 (normalized Gaussians,
    great-circle distance).

    Parameters
    ----------
    n : int >= 2
    rng : numpy Generator or seed
    manifold : {"flat_torus", "sphere"}
    n_neighbors : int
        Candidate edges per point of the sparse solver (the result does not depend on it: the
        certificate adds every missing optimal edge).

    Returns
    -------
    dict with ``w1`` (exact W1), ``rounds`` (assignment solves), ``added`` (edges added by the
    certificate), ``cand_gap`` (relative excess of the candidate-graph assignment over W1).
    """
    n = check_int(n, "n", low=2)
    rng = as_generator(rng)
    if manifold == "flat_torus":
        X = rng.uniform(0.0, TWO_PI, size=(n, 2))
        Y = rng.uniform(0.0, TWO_PI, size=(n, 2))
        geometry = "torus"
    elif manifold == "sphere":
        G = rng.standard_normal((2, n, 3))
        X, Y = G / np.linalg.norm(G, axis=2, keepdims=True)
        geometry = "sphere"
    else:
        raise ValueError(f"manifold must be one of {K2_MANIFOLDS} (got {manifold!r})")
    res = wasserstein_sparse_exact(X, Y, geometry, n_neighbors=n_neighbors)
    if not res.certified:
        raise RuntimeError("the sparse assignment was not certified optimal")
    return {
        "w1": res.value,
        "rounds": float(res.rounds),
        "added": float(res.n_added),
        "cand_gap": (res.candidate_value - res.value) / res.value,
    }


@task("p1_w1_k2", metrics=("w1", "rounds", "added", "cand_gap"), choices={"manifold": K2_MANIFOLDS})
def _p1_w1_k2(params, rng):
    """Exact two-sample W1 of N uniform points on T^2 or S^2 (sparse certified assignment)."""
    if check_int(params.get("k", 2), "k", low=1) != 2:
        raise ValueError(f"k must be 2 for this task (got {params['k']!r})")
    return empirical_w1_k2(params["N"], rng, params.get("manifold", "flat_torus"))
