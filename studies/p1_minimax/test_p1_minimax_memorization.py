"""P1 minimax family: memorization by the exact empirical score and the commitment scale.

The posterior weight and the commitment scan against naive NumPy twins and closed forms; the
task through the study engine (sigma_c slope -1/k not contradicted; the ambient -1/d and a
wrong exponent contradicted); the quick study through the CLI (slow).
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p1_minimax import memorization_tasks as mem

from ratesim.study import Claim, ResultsStore, Study, evaluate_claims, run_study

ROOT = Path(__file__).resolve().parents[2]


def naive_weights(X, x, sigma):
    """Posterior weights over training points, plain NumPy softmax (log-sum-exp)."""
    logw = -np.sum((x[:, None, :] - X[None, :, :]) ** 2, axis=2) / (2 * sigma**2)
    logw -= logw.max(axis=1, keepdims=True)
    w = np.exp(logw)
    return w / w.sum(axis=1, keepdims=True)


def naive_commitment(X, path, sigmas, threshold=0.5):
    """Forward definition: the first step j from which every later step has max weight >
    threshold on the final argmax."""
    J, n, _ = path.shape
    W = [naive_weights(X, path[j], sigmas[j]) for j in range(J)]
    final = W[-1].argmax(1)
    out = np.full(n, np.nan)
    for c in range(n):
        ok = [W[j][c].max() > threshold and W[j][c].argmax() == final[c] for j in range(J)]
        if not ok[-1]:
            continue
        j = J - 1
        while j > 0 and ok[j - 1]:
            j -= 1
        out[c] = sigmas[j]
    return out


@pytest.mark.parametrize("sigma", [3.0, 0.3, 0.03, 1e-3, 1e-5])
def test_max_posterior_weight_against_naive(sigma):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    x = X[rng.integers(0, 60, 25)] + sigma * rng.standard_normal((25, 3))
    w, idx = mem.max_posterior_weight(X, x, sigma)
    W = naive_weights(X, x, sigma)
    assert np.allclose(w, W.max(1), rtol=1e-9, atol=1e-300)
    assert np.array_equal(idx, W.argmax(1))


def test_two_point_closed_forms():
    """Two training points at distance 1: at a training point w = 1 / (1 + exp(-1 / (2
    sigma^2))) > 1/2 at every sigma (commits at the first step); at the midpoint w = 1/2; a path
    sliding from near X_1 to X_0 commits to X_0 at the first step past the midpoint."""
    X = np.array([[0.0, 0.0], [1.0, 0.0]])
    sig = np.geomspace(2.0, 0.01, 30)
    w, _ = mem.max_posterior_weight(X, X[:1], 0.7)
    assert w[0] == pytest.approx(1 / (1 + np.exp(-1 / (2 * 0.49))), rel=1e-12)
    w, _ = mem.max_posterior_weight(X, [[0.5, 0.0]], 0.05)
    assert w[0] == pytest.approx(0.5, rel=1e-12)
    a = np.linspace(0.93, 0.0, sig.size)
    path = np.zeros((sig.size, 2, 2))
    path[:, 1, 0] = a
    sc = mem.commitment_sigmas(X, path, sig)
    assert sc[0] == sig[0]
    assert sc[1] == sig[int(np.argmax(a < 0.5))]


def test_commitment_scan_against_naive():
    """A noisy path that wanders and then settles: backward scan == forward definition."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (40, 2))
    sig = np.geomspace(1.0, 1e-3, 60)
    target = X[rng.integers(0, 40, 30)]
    start = rng.uniform(-1, 1, (30, 2))
    t = np.linspace(0, 1, sig.size)[:, None, None]
    path = (1 - t) * start + t * target + sig[:, None, None] * rng.standard_normal((60, 30, 2))
    fast = mem.commitment_sigmas(X, path, sig)
    slow = naive_commitment(X, path, sig)
    assert np.array_equal(np.isnan(fast), np.isnan(slow))
    assert np.allclose(fast[~np.isnan(fast)], slow[~np.isnan(slow)], rtol=0, atol=0)


def test_memorization_summary_and_validation():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((200, 3))
    s = mem.memorization_summary(X, X[:50])
    assert s == {"mem_fraction": 1.0, "novelty": 0.0}
    # fresh samples from the same law: nearest-training distance of the order of the spacing
    s = mem.memorization_summary(X, rng.standard_normal((300, 3)))
    assert s["mem_fraction"] < 0.05 and 0.3 < s["novelty"] < 3
    with pytest.raises(ValueError, match="path must have shape"):
        mem.commitment_sigmas(X, np.zeros((3, 4, 2)), [1.0, 0.5, 0.1])
    with pytest.raises(ValueError, match="non-increasing"):
        mem.commitment_sigmas(X, np.zeros((3, 4, 3)), [0.1, 0.5, 1.0])
    with pytest.raises(ValueError, match="at least 2"):
        mem.nearest_spacing(X[:1])


@pytest.fixture
def one_thread(monkeypatch):
    """The engine in-process with a one-core thread budget (numba threads = cpu_count // jobs):
    on a shared, oversubscribed machine two numba threads per score call cost far more than they
    save. The previous numba thread count is restored afterwards."""
    import numba

    from ratesim.study import runner

    before = numba.get_num_threads()
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 1)
    yield
    numba.set_num_threads(before)


def test_engine_commitment_rate_and_negative_controls(tmp_path, one_thread):
    """Circle (k = 1, d = 2), N = 30, 100, 300, 3000 (4 levels, 2 decades: a verdict needs both),
    10 seeds, 16 chains, 100 steps: sigma_c ~ N^-1 is not contradicted (margin 0.05: the 13%
    sigma step of this small schedule quantizes each sigma_c by at most one step, 0.126 in log,
    i.e. at most 0.126 / ln(100) = 0.027 on a two-decade slope); the ambient -1/d = -1/2 is
    contradicted, also at the study's margin 0.13; outputs are training points."""
    study = Study(
        name="t_p1_mem",
        task=mem.commitment,
        grid={
            "manifold": "sphere",
            "k": 1,
            "d": 2,
            "N": [30, 100, 300, 3000],
            "chains": 16,
            "steps": 100,
            "sigma_max": 3.0,
            "sigma_min": 1e-5,
        },
        seeds=10,
        seed=5,
        claims=[
            Claim(metric="sigma_commit", predict="-1/k", group_by=("k",), tolerance=0.05),
            Claim(metric="sigma_commit", predict="-1/d", group_by=("d",), tolerance=0.05),
            Claim(metric="sigma_commit", predict="-1/d", group_by=("d",), tolerance=0.13),
        ],
    )
    study.validate()
    with ResultsStore(tmp_path / "r.sqlite") as st:
        run_study(study, st, progress=False)
        df = st.tidy(study.name, "full")
    res = evaluate_claims(study, df)
    assert res[0].verdict in ("consistent", "inconclusive"), (res[0].fit, res[0].note)
    assert res[1].verdict == "contradicted", (res[1].fit, res[1].note)
    assert res[2].verdict == "contradicted", (res[2].fit, res[2].note)
    mf = df[df["metric"] == "mem_fraction"]["value"]
    assert mf.mean() > 0.9
    assert df[df["metric"] == "novelty"]["value"].max() < 0.01


@pytest.mark.slow
def test_quick_study_through_cli(tmp_path):
    cmd = [sys.executable, "-m", "ratesim"]
    out = ["--out", str(tmp_path)]
    subprocess.run(
        [*cmd, "run", "p1_memorization", "--quick", "--jobs", "2", *out], check=True, cwd=ROOT
    )
    r = subprocess.run(
        [*cmd, "check", "p1_memorization", "--quick", *out], cwd=ROOT, capture_output=True
    )
    assert r.returncode == 0, r.stdout.decode()
