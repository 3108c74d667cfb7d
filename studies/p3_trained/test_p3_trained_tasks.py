"""The collapse-and-refine task: its helpers against hand-made cases, and one small cell."""

import numpy as np
import pytest
from ratesim_studies.p3_trained.tasks import METRICS, collapse_refine, learned_at, random_frames

pytest.importorskip("jax")


def test_learned_at_ignores_transient_dips_and_censors():
    steps = np.array([25, 50, 75, 100])
    assert learned_at([0.9, 0.4, 0.3, 0.2], steps) == 50
    assert learned_at([0.4, 0.9, 0.3, 0.2], steps) == 75  # the dip at 25 does not count
    assert learned_at([0.4, 0.3, 0.2, 0.6], steps) == 100  # above at the end: censored
    assert learned_at([0.1, 0.1, 0.1, 0.1], steps) == 25


def test_random_frames_are_orthonormal():
    # Householder QR: orthonormal to rounding (~1e-16 per entry), hence atol 1e-12
    F = random_frames(50, 5, 2, rng=0)
    np.testing.assert_allclose(
        np.einsum("mdi,mdj->mij", F, F), np.broadcast_to(np.eye(2), (50, 2, 2)), atol=1e-12
    )


def test_one_small_cell_learns_the_normal_part_and_checks_its_inputs():
    """N = 64, d = 3, 400 steps: the normal part at sigma = 0.3 is learned within a few
    hundred steps (pilot: 75-100 steps at every seed tried, final error 0.02-0.06), so its
    final error is below 1/2 with a wide margin; the zero score's error is 1."""
    out = collapse_refine(N=64, d=3, rng=np.random.default_rng(0), steps=400, chunk=50, n_test=200)
    assert set(out) == set(METRICS) and all(np.isfinite(v) for v in out.values())
    assert out["normal_final_s030"] < 0.5 and out["t_normal_s030"] <= 400
    assert out["t_tangent_s005"] <= 400 and 0 < out["order_s005"]
    with pytest.raises(ValueError, match=r"frame must be one of \('manifold', 'random'\)"):
        collapse_refine(N=64, d=3, rng=0, frame="diagonal")
    with pytest.raises(ValueError, match="steps must be a multiple of chunk"):
        collapse_refine(N=64, d=3, rng=0, steps=110, chunk=25)
