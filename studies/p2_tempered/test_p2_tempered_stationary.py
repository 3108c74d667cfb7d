"""Tempered-score Langevin family: the chains' score against the exact closed form, chains against
the exact stationary law (with a negative control), and the quick phase-diagram and chains studies
through the engine (a wrong exponent must be contradicted). The exact laws themselves are tested
in tests/test_exact_stationary.py.
"""

from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p2_tempered import tasks

from ratesim.exact import circle_score, tempered_stationary_law
from ratesim.study import Claim, ResultsStore, evaluate_claims, load_study, run_study

HERE = Path(__file__).resolve().parent
FAST = dict(sub=4, n_r=48)


def test_chain_score_matches_closed_form():
    """The chains' score (library OracleScore, closed form) equals the exact circle score."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 2))
    est = tasks.chain_score()
    np.testing.assert_allclose(est.score(x, 0.05), circle_score(x, 0.05), rtol=1e-10)


def test_chains_agree_with_quadrature():
    """Chains (alpha = 1.5, sigma = 0.1, 2000 chains) agree with the exact law: |z| of E cos t and
    E cos 2t below 4.4 (Bonferroni 1e-4 over this file's ~10 z-tests, two-sided), KS p > 1e-4,
    width within 3 % of the Euler-Maruyama prediction (sampling error ~1 %). Negative control: the
    chains' E cos t is far (|z| > 10) from the plain-Langevin law p_sigma."""
    out = tasks.run_ts_chains(0.1, 1.5, rng=np.random.default_rng(7), n_chains=2000)
    assert abs(out["m1_z"]) < 4.4 and abs(out["m2_z"]) < 4.4, out
    assert out["ks_p"] > 1e-4
    assert abs(out["width_ratio"] - 1) < 0.03
    plain = tempered_stationary_law(0.1, 0.0, **FAST)
    assert abs(out["m1_mc"] - plain.m1) / out["m1_se"] > 10


def test_quadrature_task_defaults_and_labels():
    """The task reads density__kappa (default 4) and rejects an unknown regime label."""
    a = tasks.ts_stationary_quadrature(sigma=0.01, alpha=1.0, rng=None, quad_sub=4, quad_nr=48)
    b = tasks.ts_stationary_quadrature(
        sigma=0.01, alpha=1.0, rng=None, quad_sub=4, quad_nr=48, density__kappa=4.0
    )
    assert a == b and a["tv"] == tempered_stationary_law(0.01, 1.0, **FAST).tv
    with pytest.raises(ValueError):
        tasks.ts_stationary_quadrature(sigma=0.01, alpha=1.0, rng=None, regime="nope")


def _run_quick(name, tmp_path):
    study = load_study(HERE / f"{name}.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as store:
        summ = run_study(study, store, quick=True, progress=False)
        df = store.tidy(study.name, "quick")
    return study, summ, df, evaluate_claims(study, df)


def test_quick_phase_diagram_through_engine(tmp_path):
    """The quick phase-diagram study: no claim contradicted, the exact, rotational and width
    claims consistent; a wrong exponent on the same table is contradicted (negative control)."""
    study, summ, df, res = _run_quick("p2_phase_diagram", tmp_path)
    assert not any(r.verdict == "contradicted" for r in res)
    names = {r.claim.label: r.verdict for r in res}
    for lab in ("tv exact score", "tv rotational error (Thm 5.2)", "normal width"):
        assert names[lab] == "consistent", (lab, names[lab])
    wrong = Claim(metric="tv", predict=0.5, where={"regime": "exact"}, on="sigma",
                  group_by=("alpha",), tolerance=0.03)  # fmt: skip
    study.claims = [wrong]
    assert all(r.verdict == "contradicted" for r in evaluate_claims(study, df))


@pytest.mark.slow
def test_quick_chains_through_engine(tmp_path):
    """The quick chains study (about 3 minutes): width claims consistent, nothing contradicted."""
    study, summ, df, res = _run_quick("p2_ts_chains", tmp_path)
    assert not any(r.verdict == "contradicted" for r in res)
    assert all(r.verdict == "consistent" for r in res if r.claim.metric == "width_mc")
