"""Exact sparse W1 (ratesim.metrics._sparse_ot): equality with POT's dense network simplex on
the flat torus T^2 and the sphere S^2, NumPy/SciPy twins of every numba kernel, and a negative
control where the candidate graph alone is not optimal and the certificate repairs it."""

import numpy as np
import ot
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import bellman_ford

from ratesim.metrics import _sparse_ot as so

TWO_PI = 2 * np.pi


def _clouds(geo, n, seed):
    rng = np.random.default_rng(seed)
    if geo == "torus":
        return rng.uniform(0, TWO_PI, (n, 2)), rng.uniform(0, TWO_PI, (n, 2))
    X, Y = rng.standard_normal((n, 3)), rng.standard_normal((n, 3))
    return X / np.linalg.norm(X, axis=1)[:, None], Y / np.linalg.norm(Y, axis=1)[:, None]


def _emd(X, Y, geo):
    n = X.shape[0]
    C = so.geodesic_cost(X, Y, geo)
    return ot.emd2(np.full(n, 1 / n), np.full(n, 1 / n), C, numItermax=10**8)


@pytest.mark.parametrize("geo", ["torus", "sphere"])
@pytest.mark.parametrize("n", [200, 1000, 2000])
def test_equals_dense_network_simplex(geo, n):
    """Exact: the integer rounding moves the optimum by at most 1/scale = 2^-40 ~ 1e-12 per atom
    (mean), W1 >= 0.07 here, so 1e-9 relative leaves a factor >= 70 of margin."""
    X, Y = _clouds(geo, n, n)
    res = so.wasserstein_sparse_exact(X, Y, geo)
    assert res.certified
    assert res.value == pytest.approx(_emd(X, Y, geo), rel=1e-9)
    assert np.array_equal(np.sort(res.assignment), np.arange(n))


@pytest.mark.parametrize("geo", ["torus", "sphere"])
def test_negative_control_candidate_graph_not_optimal(geo):
    """With 2 neighbours the candidate-graph optimum is NOT W1 (it exceeds the dense optimum by
    > 1 %); the certificate finds violated pairs (rounds > 1, edges added) and the certified
    value equals the dense optimum."""
    X, Y = _clouds(geo, 1000, 7)
    w = _emd(X, Y, geo)
    bad = so.wasserstein_sparse_exact(X, Y, geo, n_neighbors=2, certify=False)
    assert not bad.certified and bad.value > 1.01 * w
    res = so.wasserstein_sparse_exact(X, Y, geo, n_neighbors=2)
    assert res.candidate_value == pytest.approx(bad.value, rel=1e-12)
    assert res.rounds > 1 and res.n_added > 0
    assert res.value == pytest.approx(w, rel=1e-9)


@pytest.mark.parametrize("geo", ["torus", "sphere"])
def test_distance_kernel_against_numpy(geo):
    X, Y = _clouds(geo, 50, 3)
    ii, jj = np.repeat(np.arange(50), 50), np.tile(np.arange(50), 50)
    per = TWO_PI if geo == "torus" else 1.0
    fast = so._pair_dist(X, Y, ii, jj, 0 if geo == "torus" else 1, per)
    assert np.allclose(fast.reshape(50, 50), so.geodesic_cost(X, Y, geo), rtol=0, atol=1e-13)


def test_auction_against_linear_sum_assignment():
    """Complete bipartite graph, integer costs: the auction's total equals the Hungarian one."""
    rng = np.random.default_rng(4)
    n = 60
    C = rng.integers(1, 10**9, size=(n, n))
    ii, jj = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    match, _ = so._auction(n, ii, jj, C.ravel().astype(np.int64))
    r, c = linear_sum_assignment(C)
    assert np.array_equal(np.sort(match), np.arange(n))
    assert C[np.arange(n), match].sum() == C[r, c].sum()


def test_potentials_against_scipy_bellman_ford():
    """Queue Bellman-Ford from a virtual 0-source vs scipy's Bellman-Ford on the graph with an
    explicit source node (integer weights, some negative, no negative cycle: weights
    w(a, b) = h(b) - h(a) + nonnegative)."""
    rng = np.random.default_rng(5)
    n, m = 80, 600
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    a, b = a[keep], b[keep]
    key = np.unique(a * n + b)
    a, b = key // n, key % n
    h = rng.integers(-1000, 1000, n)
    w = h[b] - h[a] + rng.integers(0, 50, a.size)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    dist, ok = so._column_potentials(
        n, indptr, b.astype(np.int64), w.astype(np.int64), np.zeros(n, dtype=np.int64)
    )
    assert ok
    src = np.full(n, n)
    G = csr_matrix(
        (
            np.concatenate([w, np.full(n, 1e-300)]).astype(float),
            (np.concatenate([a, src]), np.concatenate([b, np.arange(n)])),
        ),
        shape=(n + 1, n + 1),
    )
    ref = bellman_ford(G, indices=n)
    assert np.allclose(dist, np.minimum(ref[:n], 0.0), atol=1e-6)
    # a negative cycle is reported
    w2 = w.copy()
    w2[0] = -(10**9)
    _, ok2 = so._column_potentials(
        n, indptr, b.astype(np.int64), w2.astype(np.int64), np.zeros(n, dtype=np.int64)
    )
    assert not ok2


@pytest.mark.parametrize("geo", ["torus", "sphere"])
def test_certificate_counts_against_brute_force(geo):
    """The branch and bound counts exactly the pairs with u_i - c_ij > g_j (dense NumPy twin)."""
    X, Y = _clouds(geo, 300, 9)
    g_id = 0 if geo == "torus" else 1
    per = TWO_PI if geo == "torus" else 1.0
    scale = 2.0**40
    rng = np.random.default_rng(1)
    D = so.geodesic_cost(X, Y, geo)
    C = np.rint(scale * D).astype(np.int64) + 1
    u = rng.integers(0, int(0.3 * scale), 300)
    v = -rng.integers(0, int(0.3 * scale), 300)
    grid = so._Grid(X, g_id, per)
    vi, vj, total = so._violations(grid, Y, u, v, g_id, per, scale, 300)
    viol = (u[:, None] + v[None, :]) > C
    assert total == int(viol.sum()) > 0
    assert np.array_equal(np.sort(vj * 300 + vi), np.sort(np.nonzero(viol.T.ravel())[0]))


def test_inputs_validated():
    X, Y = _clouds("torus", 10, 0)
    with pytest.raises(ValueError, match="same number"):
        so.wasserstein_sparse_exact(X, Y[:5])
    with pytest.raises(ValueError, match="geometry"):
        so.wasserstein_sparse_exact(X, Y, "cube")
    with pytest.raises(ValueError, match="unit vectors"):
        so.wasserstein_sparse_exact(np.ones((4, 3)), np.ones((4, 3)), "sphere")
    with pytest.raises(ValueError, match="n_neighbors"):
        so.wasserstein_sparse_exact(X, Y, n_neighbors=0)
