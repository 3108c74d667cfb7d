"""The coarse-score coverage studies (p1_coarse_coverage, p1_coarse_phase): their task and figures.

Checks: the sampler schedule and the data spacing against a naive O(N^2) twin, the task's metrics
and its memorizing control, the engine on small studies with negative controls, the study file's
design and the figures from a table. The estimator and the samplers themselves are tested with the
library (tests/test_coarse_score.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p1_coarse import coverage_figures, coverage_tasks
from ratesim_studies.p1_coarse.coverage_tasks import COARSE_METRICS, coarse_coverage

from ratesim.rates import fit_rate, judge
from ratesim.samplers import COARSE_SAMPLERS
from ratesim.scores import coarse_bandwidth
from ratesim.study import (
    Claim,
    Expr,
    ResultsStore,
    Study,
    evaluate_claims,
    expand,
    load_study,
    run_study,
)
from ratesim.study.figures import ReportContext, plain_table

FAMILY = Path(__file__).resolve().parent


def _circle_data(n, rng):
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)]


def test_sigma_min_closed_form_and_validation():
    assert coverage_tasks.coarse_sigma_min(0.3) == pytest.approx(0.03)
    with pytest.raises(ValueError, match="h"):
        coverage_tasks.coarse_sigma_min(0.0)


def test_spacing_matches_naive_twin():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    assert coverage_tasks.spacing(X) == pytest.approx(np.median(D.min(axis=1)), rel=1e-12)
    with pytest.raises(ValueError):
        coverage_tasks.spacing(X[:1])


def _cell(**kw):
    p = dict(
        manifold="holder_curve", manifold__beta=4.5, manifold__eps=0.1, manifold__seed=0, k=1,
        d=2, density="uniform", estimator="adaptive_projection", sampler="reverse_sde", N=200,
        m=200, sigma_max=2.0, steps=15, c=2.0, n_grid=128, ts_sigma=0.005, ts_steps=10,
    )  # fmt: skip
    p.update(kw)
    p["h"] = coarse_bandwidth(p["N"], 1)
    p["sigma_min"] = p["h"] / 10
    return p


def test_task_metrics_and_memorizing_control():
    """The task returns every declared metric, finite; generated samples are novel (novelty
    ratio near 1: we ask > 0.3) and faithful (fidelity far below the spacing)."""
    out = coarse_coverage(**_cell(N=100, m=100, steps=8), rng=np.random.default_rng(4))
    assert set(out) == set(COARSE_METRICS)
    assert all(np.isfinite(v) for v in out.values())
    assert out["novelty_ratio"] > 0.3
    assert out["fidelity_ratio"] < 0.05
    assert out["delta_floor"] > 0 and out["delta_emp"] > 0 and out["delta_star"] > 0
    assert 0 <= out["fallback_frac"] < 0.01
    assert out["precision"] >= out["fidelity"] > 0  # the largest distance to M >= the median


def test_precision_bound_claim_and_negative_control(tmp_path):
    """Engine run on the Holder curve (beta = 2.5; N = 30 .. 1000, 4 levels over 1.5 decades;
    3 seeds; m = 300) with the studies' negative control: the precision (largest distance of a
    sample to M) of the coarse score decays at least as fast as P1's bound N^(-beta/(4k)) =
    N^-0.625 (the committed report gives an exponent near -2.5), and the control -- the score of
    a kernel density estimate with a bandwidth fixed in N (``smoothed``), whose samples keep a
    normal spread around M -- violates it, so the bound claim is "consistent" (a control that did
    not violate it would make it "not discriminating"). A bound of N^-8 (faster than the
    order min(beta, p + 1) = 2.5 of the local fit) is contradicted."""
    base = _cell(manifold__beta=2.5, m=300, steps=10)
    for key in ("N", "h", "sigma_min", "estimator"):
        base.pop(key)
    kw = dict(where={"estimator": "adaptive_projection"}, control={"estimator": "smoothed"})
    study = Study(
        name="t_p1_precision",
        task=coarse_coverage,
        grid={
            **base,
            "estimator": ["adaptive_projection", "smoothed"],
            "N": [30, 100, 300, 1000],
            "h": Expr("6*(log(N)/N)^(1/k)"),
            "sigma_min": Expr("h/10"),
        },
        seeds=3,
        seed=5,
        claims=[
            Claim(metric="precision", predict=-2.5 / 4, tolerance=0.05, bound=True, **kw),
            Claim(metric="precision", predict=-8.0, tolerance=0.05, bound=True, **kw),
        ],
    )
    study.validate()
    df, res = _run(tmp_path, study)
    assert res[0].verdict == "consistent", (res[0].verdict, res[0].note)
    assert res[0].control.verdict == "contradicted", res[0].control.fit.summary()
    assert res[1].verdict == "contradicted", res[1].fit.summary()
    # without its control's violation the same bound is not discriminating
    flat = [r for r in evaluate_claims(study, df[df["estimator"] != "smoothed"])]
    assert flat[0].verdict == "not discriminating", flat[0].note
    md = coverage_figures.precision_vs_beta_figure(_ctx(study, df, res, tmp_path))
    assert (tmp_path / "precision_vs_beta.png").is_file() and "| precision | 2.5 |" in md
    assert "Negative control of the precision bounds" in md


def _run(tmp_path, study):
    with ResultsStore(tmp_path / "r.sqlite") as st:
        run_study(study, st, progress=False)
        df = st.tidy(study.name, "full")
    return df, evaluate_claims(study, df)


def _ctx(study, df, results, outdir):
    return ReportContext(study=study, df=plain_table(df), results=results, outdir=outdir)


def test_engine_novelty_rate_and_negative_control(tmp_path):
    """Small engine run on the unit circle (N = 30 .. 1000, 3 seeds, m = 60, 8 steps): the
    nearest-training distance of the generated samples decays like the data spacing N^(-1/k)
    (k = 1; tolerance 0.4: 0.1 for the few seeds and the Monte-Carlo noise of medians over
    m = 60, plus the former CI half-width 0.3; the 95% CI is about +-0.75 wide here, so the claim
    is not contradicted); a claim of N^(-3) must be contradicted (negative control)."""
    base = _cell(m=60, n_grid=32, steps=8, manifold="circle")
    for key in ("N", "h", "manifold__beta", "manifold__eps", "manifold__seed"):
        base.pop(key)
    study = Study(
        name="t_p1_coarse",
        task=coarse_coverage,
        grid={
            **base,
            "N": [30, 100, 300, 1000],
            "sigma_min": 0.003,
            "h": Expr("6*(log(N)/N)^(1/k)"),
        },
        seeds=3,
        seed=11,
        claims=[
            Claim(metric="nn_dist", predict=-1.0, group_by=("k",), tolerance=0.4),
            Claim(metric="nn_dist", predict=-3.0, group_by=("k",), tolerance=0.1),
        ],  # fmt: skip
    )
    study.validate()
    df, res = _run(tmp_path, study)
    assert res[0].verdict != "contradicted", res[0].fit.summary()
    assert res[1].verdict == "contradicted", (
        res[1].fit.summary(),
        df[df.metric == "nn_dist"][["N", "value"]],
    )
    # the study figures run on the table
    ctx = _ctx(study, df, res, tmp_path)
    md = coverage_figures.exponent_vs_beta_figure(ctx) + coverage_figures.coverage_vs_n_figure(ctx)
    md += coverage_figures.verdict_summary_figure(ctx)
    assert "### Verdicts in plain words" in md and "nn_dist" in md
    assert "exponent_vs_beta.png" in md and (tmp_path / "coverage_vs_n.png").is_file()


def test_study_file_loads_and_spans_two_decades():
    st = load_study(FAMILY / "p1_coarse_coverage.py")
    st.validate()
    assert st.task.__name__ == "coarse_coverage" and st.registered == ("2026-11-23", "f2b945e")
    cells = expand(st, quick=False)
    ns = sorted({c.params["N"] for c in cells})
    assert ns[-1] / ns[0] >= 98 and st.seeds >= 10  # 32 .. 3162: 1.995 decades
    assert {c.params["sampler"] for c in cells} == set(COARSE_SAMPLERS)
    assert {str(c.params["manifold__beta"]) for c in cells} == {"2.5", "4.5", "6.5", "inf"}
    # the precision bounds' negative control: a fixed-bandwidth KDE score at every beta and N,
    # which no claim selects
    ctl = [c for c in cells if c.params["estimator"] == "smoothed"]
    assert {(str(c.params["manifold__beta"]), c.params["N"]) for c in ctl} == {
        (b, n) for b in ("2.5", "4.5", "6.5", "inf") for n in ns
    }
    for c in st.claims:
        assert c.where["estimator"] == "adaptive_projection"
        assert c.role == "anchor"  # precision: the MLS reconstruction error, not P1's rate
        if c.bound:
            assert c.control == {"estimator": "smoothed"}


@pytest.mark.slow
def test_quick_study_claims_not_contradicted(tmp_path):
    """The QUICK grid through the engine (3 levels of N): every claim with cells is underpowered,
    and the fitted slopes of the novelty and precision are not against their claims."""
    st = load_study(FAMILY / "p1_coarse_coverage.py")
    with ResultsStore(tmp_path / "r.sqlite") as store:
        run_study(st, store, quick=True, jobs=1, progress=False)
        df = store.tidy(st.name, "quick")
    res = evaluate_claims(st, df)
    judged = [r for r in res if r.note != "no results"]  # the quick grid omits beta 4.5, 6.5
    assert judged and all(r.verdict == "underpowered" for r in judged), [r.note for r in res]
    df = plain_table(df)
    for (b, smp), g in df[df["metric"] == "precision"].groupby(["manifold__beta", "sampler"]):
        fit = fit_rate(g["N"].to_numpy(), g["value"].to_numpy())
        assert judge(fit.ci, -1.0, 0.05, bound=True)[0] != "contradicted", (b, smp, fit.summary())
    for (b, smp), g in df[df["metric"] == "nn_dist"].groupby(["manifold__beta", "sampler"]):
        fit = fit_rate(g["N"].to_numpy(), g["value"].to_numpy())
        assert judge(fit.ci, -1.0, 0.4)[0] != "contradicted", (b, smp, fit.summary())


def test_phase_figure_from_a_table(tmp_path):
    """The phase heat maps are computed from the tidy table only: a synthetic table with known
    means gives those means in the markdown table, one block per (N, estimator)."""
    import pandas as pd

    rows = []
    for n, est in [(1000, "smoothed"), (1000, "adaptive_projection"), (10000, "smoothed")]:
        for r in (0.1, 1.0):
            for s in (1e-3, 1e-1):
                for rep in range(2):
                    vals = {
                        "memorized_frac": 0.5 if r < 1 else 0.3,
                        "novelty_ratio": 1.0,
                        "delta_star": 0.2,
                        "delta_floor": 0.1,
                        "fidelity_ratio": 0.01,
                    }
                    if n == 10000:
                        vals["novelty_ratio"] = 0.25
                    for met, v in vals.items():
                        rows.append(dict(estimator=est, N=n, p_r=r, p_sigma_min=s, rep=rep,
                                         metric=met, value=v))  # fmt: skip
    df = plain_table(pd.DataFrame(rows))
    md = coverage_figures.phase_figure(ReportContext(study=None, df=df, outdir=tmp_path))
    assert (tmp_path / "phase.png").is_file()
    assert "mem 0.50, nov 1.00, cov 2.0, fid 1.0e-02" in md
    assert "mem 0.30" in md
    assert "Phase diagrams at N = 1000 and 10000" in md
    blocks = md.split("N = 10000, estimator `smoothed`")
    assert len(blocks) == 2 and "nov 0.25" in blocks[1] and "nov 0.25" not in blocks[0]
