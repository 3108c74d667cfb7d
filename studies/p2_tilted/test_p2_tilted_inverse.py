"""Thm 6.1 of Li, Shen, Hsieh, He (arXiv 2509.24912): posterior Langevin with a tempered prior.

Checks of the posterior tasks: the gradients of v and psi against finite differences, the limits of
the exact stationary laws, a Monte-Carlo chain against the quadrature, and the quick studies
through the engine with negative controls. The closed-form circle score of the chains is tested
in tests/test_exact_tilted.py.
"""

from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p2_tilted import tasks as I

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("forward", ["linear", "nonlinear"])
def test_gradients_by_finite_differences(forward):
    """grad v and grad psi against central differences (step 1e-6: error ~1e-10)."""
    v, gv = I.likelihood(forward)
    psi, gpsi = I.error_potential()
    x = np.random.default_rng(2).normal(size=(10, 2))
    for f, g in ((v, gv), (psi, gpsi)):
        fd = np.stack([(f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6 for e in np.eye(2)], axis=1)
        np.testing.assert_allclose(g(x), fd, rtol=1e-6, atol=1e-6)


def test_limits_of_the_stationary_laws():
    """TS with error sigma^-1 (alpha = 1.5) approaches exp(-v) vol (TV shrinks ~ sigma^0.5 by a
    factor > 2 per decade), PnP with an O(1) error plateaus (TV changes by < 5 %), and the TS
    limit differs from the Bayes posterior (tv_other > 0.3)."""
    a = [I.inverse_metrics("ts", "linear", s, 1.5, -1.0)["tv_limit"] for s in (1e-2, 1e-3)]
    assert a[0] / a[1] > 2.5
    b = [I.inverse_metrics("pnp", "linear", s, 0.0, 0.0)["tv_limit"] for s in (1e-2, 1e-3)]
    assert abs(b[0] / b[1] - 1) < 0.05 and b[1] > 0.3
    m = I.inverse_metrics("ts", "nonlinear", 1e-3, 1.0, 0.0, rng=3)
    assert m["tv_limit"] < 0.01 and m["tv_other"] > 0.3
    assert m["mean_dist2"] == pytest.approx(1e-3, rel=0.05)  # sigma^(2 - alpha), unit constant


def test_validation():
    with pytest.raises(ValueError, match="0 < alpha < 2"):
        I.stationary_law("ts", "linear", 0.1, 2.0, 0.0)
    with pytest.raises(ValueError, match="alpha = 0"):
        I.stationary_law("pnp", "linear", 0.1, 1.0, 0.0)
    with pytest.raises(ValueError, match="forward"):
        I.likelihood("quadratic")
    with pytest.raises(ValueError, match="method"):
        I.limit_logpdf("map", "linear")


def test_tasks_call_the_metrics():
    """The tasks equal the metric functions with the same generator state."""
    got = I.posterior_limits(
        method="ts", forward="linear", sigma=0.01, alpha=1.0, beta_err=0.0, n_theta=256,
        case="ts_err0", rng=np.random.default_rng(5),
    )  # fmt: skip
    want = I.inverse_metrics("ts", "linear", 0.01, 1.0, 0.0, rng=np.random.default_rng(5),
                             n_theta=256)  # fmt: skip
    assert got == want
    got = I.posterior_chains_vs_exact(
        method="ts", forward="linear", sigma=0.1, alpha=1.0, beta_err=0.0, N=20, h=0.04,
        time=0.5, rng=np.random.default_rng(6),
    )  # fmt: skip
    want = I.mc_metrics("ts", "linear", 0.1, 1.0, 0.0, 20, 0.04, 0.5, np.random.default_rng(6))
    assert got == want


def test_chains_match_quadrature_tempered():
    """1000 tempered chains (sigma = 0.1, alpha = 1, h = 0.04, 3 time units = 750 steps) against
    the exact stationary law: the 24-bin TV is at most 1.6 x its i.i.d. floor (the floor's
    spread over replicates is ~15 % of its mean; 1.6 allows ~4 sd); negative control: the same
    chains compared with the plug-and-play law are off by more than 5 floors."""
    m = I.mc_metrics("ts", "linear", 0.1, 1.0, 0.0, 1000, 0.04, 3.0, np.random.default_rng(4))
    assert m["tv_excess"] < 1.6
    th = I.posterior_chains("ts", "linear", 0.1, 1.0, 0.0, 1000, 0.04, 3.0, 4)
    law = I.stationary_law("pnp", "linear", 0.1, 0.0, 0.0)
    idx = np.minimum((law.theta / (2 * np.pi) * 24).astype(int), 23)
    pb = np.bincount(idx, law.q, 24)
    hist = np.bincount(np.minimum((th / (2 * np.pi) * 24).astype(int), 23), None, 24) / 1000
    assert 0.5 * np.abs(hist - pb).sum() > 5 * m["tv_floor"]


def _quick(name, tmp_path):
    from ratesim.study import load_study
    from ratesim.study.claims import evaluate_claims
    from ratesim.study.runner import run_study
    from ratesim.study.store import ResultsStore

    study = load_study(HERE / f"{name}.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as st:
        summary = run_study(study, st, quick=True, jobs=1, progress=False)
        df = st.tidy(name, "quick")
    assert summary.ok, summary.failures
    return study, df, evaluate_claims(study, df)


def test_quick_inverse_study_through_engine(tmp_path):
    """Quick p2_inverse_problem: nothing contradicted; negative controls (plug-and-play claimed
    to converge with an O(1) error; the TS rate claimed to be sigma^2) are contradicted."""
    import dataclasses

    from ratesim.rates import CONTRADICTED
    from ratesim.study import Claim
    from ratesim.study.claims import evaluate_claims

    study, df, res = _quick("p2_inverse_problem", tmp_path)
    assert res and all(r.verdict != CONTRADICTED for r in res)
    wrong = [
        Claim(
            metric="tv_limit",
            predict={"PnP converges with O(1) error": 1.0},
            on="sigma",
            group_by=("case",),
            where={"case": ["pnp_plateau"]},
            tolerance=0.05,
        ),
        dataclasses.replace(study.claims[0], predict={"sigma^2": 2.0}),
    ]
    bad = evaluate_claims(dataclasses.replace(study, claims=wrong), df)
    assert bad and all(r.verdict == CONTRADICTED for r in bad)


@pytest.mark.slow
def test_quick_mc_study_through_engine(tmp_path):
    """Quick p2_inverse_mc: the chains are not contradicted as unbiased samplers."""
    from ratesim.rates import CONTRADICTED

    _, df, res = _quick("p2_inverse_mc", tmp_path)
    assert res and all(r.verdict != CONTRADICTED for r in res)
    assert np.all(df[df["metric"] == "tv_excess"]["value"] < 3.0)


def test_chains_against_floor_figure_from_a_table(tmp_path):
    """p2_inverse_mc's figure is computed from the tidy table only: known seed means come out in
    its table, one row per (case, N)."""
    import pandas as pd
    from ratesim_studies.p2_tilted.figures import chains_against_floor

    from ratesim.study.figures import ReportContext, plain_table

    rows = []
    for case, bias in (("pnp_err1", 0.015), ("ts_err0", 0.0)):
        for n in (10, 100, 1000):
            for rep, jitter in enumerate((-0.001, 0.001)):
                floor = 0.5 / n**0.5
                mc = floor + bias + jitter
                for met, v in (("tv_mc", mc), ("tv_floor", floor), ("tv_excess", mc / floor)):
                    rows.append(dict(case=case, N=n, rep=rep, metric=met, value=v))
    df = plain_table(pd.DataFrame(rows))
    md = chains_against_floor(ReportContext(study=None, df=df, outdir=tmp_path))
    assert (tmp_path / "chains_vs_floor.png").is_file()
    # N = 1000: floor 0.5 / sqrt(1000) = 0.0158; pnp adds 0.015 (the jitters cancel in the mean)
    assert "| pnp_err1 | 1000 | 0.0308 | 0.0158 | 1.949 |" in md
    assert "| ts_err0 | 1000 | 0.0158 | 0.0158 | 1.000 |" in md
    assert md.count("| ts_err0 |") == 3
