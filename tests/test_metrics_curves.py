"""Exact metrics on closed curves and spheres (ratesim.metrics): the arc-length W1 to the volume
law (:func:`wasserstein_curve_uniform`), the exact coverage scale on the circle
(:func:`coverage_scale_circle`, :func:`coverage_from_ratios`) and the cap fraction of S^k, against
closed forms and naive NumPy / POT twins."""

import numpy as np
import ot
import pytest

from ratesim import manifolds
from ratesim import metrics as M

TWO_PI = 2 * np.pi


# ------------------------------------------------------------------------------ naive twins
def naive_circle_w1_grid(theta, n_grid=4000):
    """W1 on the circle (arc cost) between atoms theta and n_grid equispaced nodes, by POT's
    network simplex on the full cost matrix (the grid is within pi / n_grid of uniform)."""
    g = TWO_PI * (np.arange(n_grid) + 0.5) / n_grid
    diff = np.abs(np.mod(theta, TWO_PI)[:, None] - g[None, :])
    C = np.minimum(diff, TWO_PI - diff)
    a = np.full(theta.size, 1.0 / theta.size)
    b = np.full(n_grid, 1.0 / n_grid)
    return float(ot.emd2(a, b, C))


def naive_coverage_circle(theta, deltas, c, n_centres=200_000):
    """delta* by brute force over a dense grid of centres (plain counting)."""
    th = np.mod(theta, TWO_PI)
    n = th.size
    y = TWO_PI * np.arange(n_centres) / n_centres
    lo, hi = [], []
    for dl in deltas:
        cnt = np.zeros(n_centres)
        for t in th:
            dd = np.abs(y - t)
            cnt += np.minimum(dd, TWO_PI - dd) <= dl
        lo.append(cnt.min() / (n * dl / np.pi))
        hi.append(cnt.max() / (n * dl / np.pi))
    return M.coverage_from_ratios(lo, hi, deltas, c)


# ------------------------------------------------------------------------------ W1 on curves
def test_equispaced_atoms_closed_form():
    """N equispaced atoms on the unit circle: each carries an arc of length 2 pi / N, mean
    distance a quarter of it, so W1 = pi / (2 N) exactly."""
    C = manifolds.Sphere(k=1, seed=None)
    for n in (1, 7, 100):
        t = TWO_PI * np.arange(n) / n + 0.3
        X = C.embed(np.stack([np.cos(t), np.sin(t)], 1))
        assert M.wasserstein_curve_uniform(C, X) == pytest.approx(np.pi / (2 * n), rel=1e-12)


def test_circle_w1_against_network_simplex():
    """Closed form vs a network simplex against a 4000-node grid: they differ by at most the
    grid's distance to uniform, pi / 4000 / 2 < 4e-4 (W1 of the midpoint grid is pi/(2*4000))."""
    rng = np.random.default_rng(1)
    C = manifolds.Sphere(k=1, d=5, seed=3)
    X = C.sample(40, None, rng=rng)
    theta = C.angle(C.project(X).u)
    exact = M.wasserstein_curve_uniform(C, X)
    assert exact == pytest.approx(M.wasserstein_circle_uniform(theta), rel=1e-12)
    assert abs(exact - naive_circle_w1_grid(theta)) <= np.pi / (2 * 4000) + 1e-12


def test_holder_curve_arc_length_and_w1():
    """Holder graph over the circle (k = 1): the arc-length table gives the certified volume,
    and the W1 equals a network simplex with the geodesic (arc) cost against 3000 nodes
    equispaced in arc length (discretization error <= L / (4 * 3000))."""
    H = manifolds.HolderGraph(k=1, beta=4.5, eps=2.0, d=5, seed=0)
    arc = M.ArcLength(H)
    assert arc.length == pytest.approx(H.volume, rel=1e-9)
    rng = np.random.default_rng(2)
    X = H.sample(30, None, rng=rng)
    w = M.wasserstein_curve_uniform(H, X, arc)
    s = arc(H.angle(H.project(X).u)) * arc.length / TWO_PI
    L, n_grid = arc.length, 3000
    g = L * (np.arange(n_grid) + 0.5) / n_grid
    diff = np.abs(s[:, None] - g[None, :])
    C = np.minimum(diff, L - diff)
    naive = float(ot.emd2(np.full(30, 1 / 30), np.full(n_grid, 1 / n_grid), C))
    assert abs(w - naive) <= L / (4 * n_grid) + 1e-12


def test_w1_invariant_under_isometric_embedding():
    """The same intrinsic sample embedded in d = 2 and d = 10 has the same W1 (ambient-d
    independence is exact for the empirical measure)."""
    rng = np.random.default_rng(3)
    A, B = manifolds.Sphere(k=1, d=2, seed=0), manifolds.Sphere(k=1, d=10, seed=0)
    u = A.sample_intrinsic(500, None, rng=rng)
    assert M.wasserstein_curve_uniform(A, A.embed(u)) == pytest.approx(
        M.wasserstein_curve_uniform(B, B.embed(u)), rel=1e-10
    )


def test_inputs_validated():
    with pytest.raises(ValueError, match="k = 1"):
        M.wasserstein_curve_uniform(manifolds.Sphere(k=2), np.zeros((3, 3)) + [1, 0, 0])
    with pytest.raises(ValueError, match="k = 1"):
        M.ArcLength(manifolds.Sphere(k=2))
    with pytest.raises(ValueError, match="c must be"):
        M.coverage_scale_circle([0.1, 0.2], c=1.0)
    with pytest.raises(ValueError, match="pi/2"):
        M.coverage_scale_circle([0.1, 0.2], deltas=[0.1, 2.0])
    with pytest.raises(ValueError, match="k must be"):
        M.cap_fraction(0, 0.1)


# ------------------------------------------------------------------------------ coverage
def test_cap_fraction_closed_forms():
    d = np.array([0.01, 0.3, 1.0, 1.5, 2.5])
    assert np.allclose(M.cap_fraction(1, d), d / np.pi, rtol=1e-12)
    assert np.allclose(M.cap_fraction(2, d), (1 - np.cos(d)) / 2, rtol=1e-12)
    assert np.allclose(M.cap_fraction(3, d), (d - np.sin(d) * np.cos(d)) / np.pi, rtol=1e-12)


def test_coverage_from_ratios_rule():
    """delta* is the grid radius just above the largest failing one; the first radius when none
    fails; inf when the largest fails."""
    deltas = [0.1, 0.2, 0.3, 0.4]
    assert M.coverage_from_ratios([0.1, 1, 0.2, 1], [1, 1, 1, 1], deltas, 2.0) == 0.4
    assert M.coverage_from_ratios([1, 1, 1, 1], [1, 3, 1, 1], deltas, 2.0) == 0.3
    assert M.coverage_from_ratios([1, 1, 1, 1], [1, 1, 1, 1], deltas, 2.0) == 0.1
    assert M.coverage_from_ratios([1, 1, 1, 0.4], [1, 1, 1, 1], deltas, 2.0) == np.inf


def test_coverage_circle_exact_against_brute_force():
    """The exact sup over centres against brute-force counting at 2e5 centres (spacing 3e-5,
    far below the atom gaps of N = 25 points, so the grid meets every count plateau; both use
    the same delta grid)."""
    rng = np.random.default_rng(4)
    theta = rng.uniform(0, TWO_PI, 25)
    deltas = np.geomspace(0.02, 1.5, 40)
    assert M.coverage_scale_circle(theta, 2.0, deltas) == naive_coverage_circle(theta, deltas, 2.0)
    # perfectly spread atoms: every arc of length >= spacing holds about its share
    even = TWO_PI * np.arange(50) / 50
    dstar = M.coverage_scale_circle(even, 2.0, np.geomspace(1e-3, 1.5, 300))
    assert TWO_PI / 50 / 2 <= dstar <= TWO_PI / 50


def test_w1_to_a_density_one_atom_is_the_mean_distance():
    """One atom x on the unit circle: W1(delta_x, mu) = int dist(x, y) dmu(y) = E_mu |arc(x, y)|,
    computed here by scipy quadrature of the geodesic distance against the von Mises density
    (kappa = 2); the quadrature of 2^16 nodes is within pi / 2^16 = 4.8e-5 of it. On a Holder
    curve with the uniform law the function equals the closed form exactly."""
    from scipy import integrate

    from ratesim.densities import Uniform, VonMises

    C = manifolds.Sphere(k=1, seed=None)
    vm = VonMises(kappa=2.0, mean=0.5)
    z = integrate.quad(lambda t: np.exp(2.0 * np.cos(t - 0.5)), 0, TWO_PI)[0]

    def mean_distance(t, x):
        return np.abs((t - x + np.pi) % TWO_PI - np.pi) * np.exp(2.0 * np.cos(t - 0.5)) / z

    for x in (0.5, 2.0, 3.6):
        exact = integrate.quad(
            mean_distance, 0, TWO_PI, args=(x,), points=[x, (x + np.pi) % TWO_PI], limit=200
        )[0]
        X = np.array([[np.cos(x), np.sin(x)]])
        assert abs(M.wasserstein_curve(C, X, vm) - exact) <= np.pi / 2**16 + 1e-9
    H = manifolds.HolderCurve(beta=4.5, eps=0.1, seed=0)
    Y = H.sample(50, None, rng=np.random.default_rng(0))
    assert M.wasserstein_curve(H, Y, Uniform()) == M.wasserstein_curve_uniform(H, Y)
    with pytest.raises(ValueError, match="k = 1"):
        M.wasserstein_curve(manifolds.Sphere(k=2), np.zeros((1, 3)), vm)


def test_weighted_samples_equal_repeated_samples():
    """Integer masses are repeated samples: W1 of (x_j, w_j) equals W1 of x_j repeated w_j times,
    exactly (the same circle W1 of the same two measures); with equal masses and the uniform law
    the quadrature path agrees with the closed form to the quadrature's resolution
    max(speed) pi / n_quad (docstring)."""
    from ratesim.densities import VonMises

    H = manifolds.HolderGraph(k=1, beta=2.5, eps=1.0, d=5, seed=3)
    rng = np.random.default_rng(1)
    Y = H.sample(20, VonMises(kappa=2.0), rng=rng) + 0.01 * rng.standard_normal((20, 5))
    counts = rng.integers(1, 4, 20)
    vm = VonMises(kappa=2.0)
    weighted = M.wasserstein_curve(H, Y, vm, weights=counts)
    assert weighted == pytest.approx(
        M.wasserstein_curve(H, np.repeat(Y, counts, axis=0), vm), 1e-12
    )
    speed = np.max(H.volume_element(np.linspace(0, TWO_PI, 4096)[:, None]))
    assert (
        abs(
            M.wasserstein_curve(H, Y, None, weights=np.ones(20)) - M.wasserstein_curve_uniform(H, Y)
        )
        <= speed * np.pi / 2**16 + 1e-12
    )
    for bad in (np.ones(3), -np.ones(20), np.full(20, np.nan), np.zeros(20)):
        with pytest.raises(ValueError, match="weights"):
            M.wasserstein_curve(H, Y, vm, weights=bad)
