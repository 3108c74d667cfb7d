"""The training benchmark's NumPy baseline (benchmarks/bench_training.py) does the work that
``DSMNetworkScore`` does: the same loss and the same gradient (against JAX's autodiff)."""

import runpy

import numpy as np
import pytest
from repo_paths import ROOT

jax = pytest.importorskip("jax")


@pytest.fixture(scope="module")
def bench():
    return runpy.run_path(str(ROOT / "benchmarks" / "bench_training.py"))


def test_numpy_loss_and_gradient_equal_jax(bench):
    """float64 on both sides (JAX's x64 mode inside this test only). Both compute the same sums
    of at most 32 x 16 products in another order, so they agree to ~1e-15 relative; the
    tolerances (1e-10 on the loss, 1e-9 relative / 1e-12 absolute on each gradient entry) are
    rounding with five orders of magnitude to spare, while a wrong term of the back-propagation
    shows at O(1) (dropping the SiLU derivative fails this test, checked)."""
    from ratesim.scores._network import _forward, _init_params

    rng = np.random.default_rng(0)
    params = [
        (np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64) + 0.1)
        for W, b in _init_params(jax.random.PRNGKey(0), [4, 16, 16, 3])
    ]
    x0 = rng.standard_normal((32, 3))
    log_sigma = rng.uniform(-3, 0, 32)
    z = rng.standard_normal((32, 3))
    loss, grads = bench["numpy_loss_and_grads"](params, x0, log_sigma, z)
    with jax.enable_x64(True):
        import jax.numpy as jnp

        def jloss(p):
            x = x0 + np.exp(log_sigma)[:, None] * z
            out = _forward(p, jnp.asarray(x), jnp.asarray(log_sigma))
            return jnp.mean(jnp.sum((out + z) ** 2, axis=1))

        jp = [(jnp.asarray(W), jnp.asarray(b)) for W, b in params]
        jl, jg = jax.value_and_grad(jloss)(jp)
    assert abs(loss - float(jl)) <= 1e-10 * abs(loss)
    for (gW, gb), (jW, jb) in zip(grads, jg, strict=True):
        np.testing.assert_allclose(gW, np.asarray(jW), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(gb, np.asarray(jb), rtol=1e-9, atol=1e-12)
