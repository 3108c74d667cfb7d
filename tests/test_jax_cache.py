"""Results must not depend on the JAX compilation cache's history.

The trained networks' XLA programs are kept on disk between processes (``ratesim._config.
JAX_CACHE``). A process that compiles them and one that loads them from that cache must train the
same weights and give the same scores, bit for bit: the committed tables of the network studies
are recomputed from a fresh clone (everything compiled), while the full runs' workers mostly load.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("jax")

PROBE = textwrap.dedent(
    """
    import sys
    import numpy as np
    from ratesim.scores import DSMNetworkScore

    rng = np.random.default_rng(0)
    out = {}
    for N, d, sd in [(300, 7, None), (51, 3, 0.5), (5000, 2, 1.0)]:
        X = rng.normal(size=(N, d))
        net = DSMNetworkScore(steps=150, sigma_data=sd, warm_start=True, rng=1).fit(X).fit(X)
        for i, (W, b) in enumerate(net.params_):
            out[f"{N}_W{i}"], out[f"{N}_b{i}"] = W, b
        out[f"{N}_loss"] = net.loss_curve_
        out[f"{N}_score"] = net.score(X[:50], 0.1)
    np.savez(sys.argv[1], **out)
    """
)


def _run_probe(cache_dir, out) -> dict[str, np.ndarray]:
    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    env["RATESIM_JAX_CACHE"] = str(cache_dir)
    subprocess.run([sys.executable, "-c", PROBE, str(out)], env=env, check=True)
    with np.load(out) as f:
        return dict(f)


def test_compiled_and_cache_loaded_networks_give_the_same_bits(tmp_path):
    cache = tmp_path / "jax-cache"
    cold = _run_probe(cache, tmp_path / "cold.npz")  # compiles, writes the cache
    written = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert written, "the first process wrote no compiled program: nothing is tested"
    warm = _run_probe(cache, tmp_path / "warm.npz")  # loads them
    # every program the first process wrote was loaded, not compiled and written again (the
    # second may add programs whose compilation took longer than the cache's 0.05 s threshold
    # this time: compile times vary with the machine's load)
    again = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert {k: again.get(k) for k in written} == written, "the second process recompiled"
    assert cold.keys() == warm.keys()
    differ = [k for k in cold if not np.array_equal(cold[k], warm[k])]
    assert not differ, f"compiled vs cache-loaded networks differ in {differ}"
    assert all(np.isfinite(v).all() for v in cold.values())
