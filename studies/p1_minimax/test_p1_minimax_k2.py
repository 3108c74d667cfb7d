"""P1 minimax baseline at k = 2 (tasks.empirical_w1_two_sample_k2, p1_minimax_w1_k2.py): the
task against POT's dense network simplex, and the engine on a small grid with the study's claims
not contradicted and wrong exponents contradicted (negative controls)."""

from pathlib import Path

import numpy as np
import ot
import pytest
from ratesim_studies.p1_minimax import tasks as mk

from ratesim.metrics._sparse_ot import geodesic_cost
from ratesim.study import Claim, ResultsStore, Study, evaluate_claims, load_study, run_study

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("manifold", ["flat_torus", "sphere"])
def test_task_equals_dense_two_sample_w1(manifold):
    """The task's W1 is the exact two-sample W1 (same rng draws, dense network simplex), and the
    sphere's points are uniform on S^2 (the mean of z = cos(polar angle) over 2N points has
    standard error sqrt(1/3 / 2N) = 0.018 at N = 500: |mean| < 4 se)."""
    n = 500
    out = mk.empirical_w1_k2(n, np.random.default_rng(3), manifold)
    rng = np.random.default_rng(3)
    if manifold == "flat_torus":
        X, Y = rng.uniform(0, 2 * np.pi, (n, 2)), rng.uniform(0, 2 * np.pi, (n, 2))
        C = geodesic_cost(X, Y)
    else:
        G = rng.standard_normal((2, n, 3))
        X, Y = G / np.linalg.norm(G, axis=2, keepdims=True)
        C = np.arccos(np.clip(X @ Y.T, -1.0, 1.0))
        z = np.concatenate([X[:, 2], Y[:, 2]])
        assert np.allclose(np.linalg.norm(X, axis=1), 1.0) and abs(z.mean()) < 4 * 0.018
    w = ot.emd2(np.full(n, 1 / n), np.full(n, 1 / n), C, numItermax=10**8)
    assert out["w1"] == pytest.approx(w, rel=1e-9)
    assert out["cand_gap"] >= 0 and out["rounds"] >= 1
    f = mk.empirical_w1_two_sample_k2
    p = {"manifold": "flat_torus", "k": 2, "N": 300}
    assert f(**p, rng=np.random.default_rng(0)) == f(**p, rng=np.random.default_rng(0))
    with pytest.raises(ValueError):
        f(**{**p, "k": 3}, rng=np.random.default_rng(0))
    with pytest.raises(ValueError):
        mk.empirical_w1_k2(1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="manifold"):
        mk.empirical_w1_k2(10, np.random.default_rng(0), "klein_bottle")


def test_engine_quick_rate_and_negative_controls(tmp_path):
    """N = 32 .. 3162 (2 decades, 5 levels: a verdict needs >= 4 levels and 1.5 decades), 10
    seeds: the study's claim as written (N/logN form -1/2, margin 0.15) is consistent; the k = 1
    exponent -1 and the k >= 3-type exponent -1/4 in the N/logN form are 0.25+ away and must be
    contradicted at margin 0.05."""
    st = load_study(HERE / "p1_minimax_w1_k2.py")
    study = Study(
        name="t_p1_w1_k2",
        task=mk.empirical_w1_two_sample_k2,
        grid={"manifold": "flat_torus", "k": 2, "N": [32, 100, 316, 1000, 3162]},
        seeds=10,
        seed=5,
        claims=[
            *st.claims,
            Claim(metric="w1", predict=-1.0, form="N/logN", tolerance=0.05, name="wrong1"),
            Claim(metric="w1", predict=-0.25, form="N/logN", tolerance=0.05, name="wrong2"),
        ],
    )
    study.validate()
    with ResultsStore(tmp_path / "r.sqlite") as store:
        run_study(study, store, progress=False)
        df = store.tidy(study.name, "full")
    res = evaluate_claims(study, df)
    verdicts = [r.verdict for r in res]
    by = [(r.claim.label, r.fit.slope if r.fit else None, r.verdict, r.note) for r in res]
    assert len(res) == len(st.claims) + 2, by
    assert verdicts[0] == "consistent", by
    assert verdicts[-2] == "contradicted" and verdicts[-1] == "contradicted", by
