"""ratesim.metrics score geometry: the normal/tangent split of a score error against explicit
per-point projection matrices, and the Jacobian tools of a denoiser (finite differences of a
linear map, singular values, soft rank)."""

import numpy as np
import pytest

from ratesim.densities import VonMises
from ratesim.manifolds import Circle
from ratesim.metrics import (
    finite_difference_jacobian,
    jacobian_singular_values,
    normal_tangent_errors,
    soft_rank,
)
from ratesim.scores import OracleScore


def test_normal_tangent_split_against_naive_projectors():
    M, p = Circle(d=4, seed=1), VonMises(kappa=2.0)
    oracle = OracleScore(M, p, rng=0).fit()
    rng = np.random.default_rng(4)
    x0 = M.sample(40, p, rng=rng)
    x = x0 + 0.1 * rng.standard_normal(x0.shape)
    s = oracle.score(x, 0.1)
    e = rng.standard_normal(x.shape)
    got = normal_tangent_errors(M, s + e, s, x)
    # naive twin: tangent at the foot by a central difference of the embedding (error ~ 1e-12)
    u = M.project(x).u
    en = et = sn = st = 0.0
    for i in range(len(x)):
        th = np.arctan2(u[i, 1], u[i, 0])  # Circle coordinates are unit vectors of R^2
        t = M.embed([[np.cos(th + 1e-6), np.sin(th + 1e-6)]])[0]
        t = t - M.embed([[np.cos(th - 1e-6), np.sin(th - 1e-6)]])[0]
        t /= np.linalg.norm(t)
        PT = np.outer(t, t)
        PN = np.eye(4) - PT
        et += e[i] @ PT @ e[i]
        en += e[i] @ PN @ e[i]
        st += s[i] @ PT @ s[i]
        sn += s[i] @ PN @ s[i]
    np.testing.assert_allclose([got["normal"], got["tangent"]], [en / sn, et / st], rtol=1e-6)
    # exact score: no error; zero score: relative error 1 in both; tangent-only perturbation
    assert normal_tangent_errors(M, s, s, x)["normal"] == 0.0
    z = normal_tangent_errors(M, np.zeros_like(s), s, x)
    np.testing.assert_allclose([z["normal"], z["tangent"]], [1.0, 1.0])
    T = M.tangent_basis(u)[:, :, 0]
    pert = normal_tangent_errors(M, s + 3 * T, s, x)
    assert pert["normal"] < 1e-20 and pert["tangent"] > 0
    with pytest.raises(ValueError):
        normal_tangent_errors(M, np.zeros((2, 4)), np.zeros((3, 4)), np.ones((3, 4)))
    # explicit frames: the manifold's own frames reproduce the default; a frame along the error
    # puts all of a tangent-only perturbation in "tangent" and none in "normal" -- and a frame
    # orthogonal to the tangent puts it all in "normal" (the mixing a random frame controls for)
    frames = M.tangent_basis(u)
    same = normal_tangent_errors(M, s + e, s, x, basis=frames)
    assert same["normal"] == got["normal"] and same["tangent"] == got["tangent"]
    other = np.linalg.svd(np.eye(4) - np.einsum("mi,mj->mij", T, T))[0][:, :, :1]
    swapped = normal_tangent_errors(M, s + 3 * T, s, x, basis=other)
    assert swapped["tangent"] < 1e-20 and swapped["normal"] > 0
    with pytest.raises(ValueError, match=r"basis must have shape \(40, 4, k\)"):
        normal_tangent_errors(M, s, s, x, basis=frames[:3])


def test_jacobian_tools_on_a_linear_denoiser():
    """D(x) = A x: central differences return A exactly (to rounding), its singular values are
    those of A, and the soft rank counts the values above the threshold (a projection of rank 2
    in R^5 plus a 0.3 direction: rank 2 at threshold 1/2, 3 at 0.2)."""
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    A = Q @ np.diag([1.0, 1.0, 0.3, 0.0, 0.0]) @ Q.T
    x = rng.standard_normal((3, 5))
    J = finite_difference_jacobian(lambda y, s: y @ A.T, x, 0.1)
    np.testing.assert_allclose(J, np.broadcast_to(A, (3, 5, 5)), atol=1e-9)
    sv = jacobian_singular_values(J)
    np.testing.assert_allclose(sv, np.tile([1.0, 1.0, 0.3, 0.0, 0.0], (3, 1)), atol=1e-9)
    np.testing.assert_array_equal(soft_rank(sv), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(soft_rank(sv, threshold=0.2), [3.0, 3.0, 3.0])
