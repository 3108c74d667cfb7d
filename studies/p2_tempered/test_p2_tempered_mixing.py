"""Mixing with the double-well corruption (appendix D of Li, Shen, Hsieh, He 2026), the paper's
controlled circle experiment and the learned-score laws.

Spectral gap of the reduced angle against closed forms and a naive finite-difference generator,
two-state (Kramers) times against the gap where both apply, the mixing study through the engine
(with a wrong-exponent negative control), the circle-experiment task on a small sample, a
regression test of the report for studies without claims, and the learned-law quadrature against
the exact law.
"""

from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p2_tempered import paper_tasks as pf
from ratesim_studies.p2_tempered import tasks as mx

from ratesim.rates import fit_rate, verdict

HERE = Path(__file__).resolve().parent


def _grid(n):
    return (np.arange(n) + 0.5) * 2 * np.pi / n


def _naive_gap(V, n):
    """Second eigenvalue of the plain central-difference generator f'' - V' f' (non-symmetric)."""
    dt = 2 * np.pi / n
    Vp = (np.roll(V, -1) - np.roll(V, 1)) / (2 * dt)
    i = np.arange(n)
    L = np.zeros((n, n))
    L[i, (i + 1) % n] += 1 / dt**2 - Vp / (2 * dt)
    L[i, (i - 1) % n] += 1 / dt**2 + Vp / (2 * dt)
    L[i, i] -= 2 / dt**2
    ev = np.sort(np.real(np.linalg.eigvals(-L)))
    return ev[1]


def test_spectral_gap_closed_form_and_naive_twin():
    """V = 0: lambda_1 = 1 (error O(dt^2) ~ 1e-5 at n = 720); V = a cos 2t: the detailed-balance
    scheme agrees with the naive central-difference generator to O(dt^2) (measured 7e-4 relative at
    n = 720, 3e-3 at n = 360, so about 1.3e-3 at n = 480: bound 2e-3)."""
    th = _grid(720)
    assert abs(mx.spectral_gap(np.zeros(720), th) - 1.0) < 1e-4
    th = _grid(480)
    V = 3.0 * np.cos(2 * th)
    lam = mx.spectral_gap(V, th)
    assert abs(lam - _naive_gap(V, 480)) < 2e-3 * lam


def test_two_state_matches_gap_for_deep_wells():
    """Where the barrier is deep (plain Langevin, sigma = 0.1: barrier ~ 6) but the gap is still
    resolvable, the two-state MFPT time agrees with 1/lambda_1 within 5 % in log (Kramers regime,
    corrections O(1/barrier))."""
    r = mx.relaxation_time(0.1, 0.0)
    assert r.method == "gap" and r.barrier > 5
    assert abs(r.log_t - r.log_t_two_state) < 0.05 * r.log_t


def test_mixing_rates_and_negative_control():
    """Plain Langevin: log t grows like 1/sigma (slope 1 on 1/sigma); TS-1: t bounded; a bounded
    prediction for plain Langevin is contradicted (negative control)."""
    sig = np.array([1e-2, 1e-3, 1e-4])
    lt = [mx.relaxation_time(s, 0.0).log_t for s in sig]
    # resolution: halving the grid step moves log t by ~0.09 of 90 (the rectangle rule of the
    # first-passage integrals; 1e-3 relative in log t, far below the slope tolerance 0.08)
    assert abs(lt[0] - mx.relaxation_time(1e-2, 0.0, sub=2).log_t) < 2e-3 * lt[0]
    f = fit_rate(1 / sig, lt)
    # 3 deterministic levels: the OLS CI has 1 degree of freedom, so check the slope itself
    assert abs(f.slope - 1.0) < 0.08
    assert abs(f.slope - 0.0) > 0.5  # a bounded relaxation time is far off
    assert verdict((f.slope - 0.01, f.slope + 0.01), 0.0, tolerance=0.08) == "contradicted"
    t_ts = [np.exp(mx.relaxation_time(s, 1.0).log_t) for s in sig]
    assert max(t_ts) / min(t_ts) < 1.05


def test_quick_mixing_study_through_engine(tmp_path):
    """The quick mixing study (alpha = 0 and 1 on the full sigma range): every claim consistent."""
    from ratesim.study import ResultsStore, evaluate_claims, load_study, run_study

    study = load_study(HERE / "p2_mixing.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as store:
        run_study(study, store, quick=True, progress=False)
        df = store.tidy(study.name, "quick")
    res = evaluate_claims(study, df)
    assert res and all(r.verdict == "consistent" for r in res), [(r.group, r.verdict) for r in res]


def test_circle_experiment_small():
    """300 chains: with the O(1) quartic error, reverse diffusion is far from p (TV to p on 72 bins
    > 0.3, floor ~0.13) and TS-1 is close to uniform (TV to uniform < 0.25, floor ~0.19; two
    relaxation times, initial bias e^-2 of ~0.35)."""
    rng = np.random.default_rng(0)
    rd = pf.circle_experiment("reverse_sde", "quartic", rng=rng, n_chains=300, rd_steps=500)
    assert rd["tv_p"] > 0.3
    ts = pf.circle_experiment("ts", "quartic", rng=rng, n_chains=300, rd_steps=500, relax=2.0)
    assert ts["tv_uniform"] < 0.25 and ts["tv_p"] > 0.3


def test_report_without_claims(tmp_path):
    """Regression: ``write_report`` crashed (UnboundLocalError) on a study without claims."""
    import pandas as pd

    from ratesim.report import write_report
    from ratesim.study import Study

    study = Study(name="noclaims", task=mx.ts_mixing, grid={"sigma": 0.01, "alpha": 1.0})
    from ratesim.study.store import STANDARD_COLUMNS

    row = {c: None for c in STANDARD_COLUMNS}
    row.update(study="noclaims", mode="quick", cell="c", metric="t_relax", value=0.5, rep=0,
               seed=1, seconds=0.0, peak_mem_mb=0.0, version="test",
               finished="2026-01-01T00:00:00+00:00", p_sigma=0.01, p_alpha=1.0)  # fmt: skip
    df = pd.DataFrame([row])
    readme = write_report(study, df, tmp_path, mode="quick")
    assert Path(readme).exists()


def test_learned_law_quadrature_twin_and_rate():
    """The learned-law quadrature with the exact score (OracleScore log density) reproduces the
    exact TS law (TV between them < 1e-4: two quadratures of the same law at different
    resolutions); the empirical score's law approaches it as N grows (kappa = 1, 3 training sets
    at N = 256 and 4096: the mean TV drops by more than 2.5x, N^-1/2 predicts 4x, seed spread
    ~15 %); a broken estimator (training set from the wrong law, kappa = 4) stays far."""
    from ratesim.densities import VonMises
    from ratesim.exact import tempered_stationary_law
    from ratesim.manifolds import Sphere
    from ratesim.scores import EmpiricalScore

    exact = tempered_stationary_law(0.1, 1.0, kappa=1.0, sub=4, n_r=48).bin_probs
    est = mx.chain_score((1.0, np.pi))
    q = mx.learned_stationary_bins(est, 0.1, 1.0)
    assert 0.5 * np.abs(q - exact).sum() < 1e-4
    M = Sphere(k=1, d=2, seed=None)

    def tv(n, kappa, seed):
        X = M.sample(n, VonMises(kappa, np.pi), rng=np.random.default_rng(seed))
        qn = mx.learned_stationary_bins(EmpiricalScore().fit(X), 0.1, 1.0)
        return 0.5 * np.abs(qn - exact).sum()

    small = np.mean([tv(256, 1.0, s) for s in range(3)])
    large = np.mean([tv(4096, 1.0, s) for s in range(3)])
    assert small / large > 2.5
    assert tv(4096, 4.0, 0) > 5 * large


def _quick(name, tmp_path):
    from ratesim.study import ResultsStore, evaluate_claims, load_study, run_study

    study = load_study(HERE / f"{name}.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as store:
        summ = run_study(study, store, quick=True, progress=False)
        df = store.tidy(study.name, "quick")
    return study, summ, df, evaluate_claims(study, df)


@pytest.mark.slow
def test_quick_learned_study_through_engine(tmp_path):
    """Quick learned-score study (about 40 s; N = 256, 1024, 4096: 3 levels, so the claim is
    underpowered): the empirical score's seed-mean TV to the exact law falls by more than 2.5x
    from N = 256 to 4096 (N^-1/2 predicts 4x; 10 training sets per N)."""
    study, summ, df, res = _quick("p2_ts_learned", tmp_path)
    assert summ.ok, summ.failures
    assert res and all(r.verdict == "underpowered" for r in res), [r.verdict for r in res]
    tv = df[(df["metric"] == "tv_to_exact") & (df["estimator"] == "empirical")]
    m = tv.groupby("N")["value"].mean()
    assert m.loc[256] / m.loc[4096] > 2.5, m


@pytest.mark.slow
def test_quick_paper_figures_through_engine(tmp_path):
    """Quick paper-figure study (about 2 minutes, 1000 chains): with the quartic error, reverse
    diffusion misses p (TV > 0.3 on 72 bins, floor 0.07) and TS-1 is near uniform (TV < 0.2 after
    two relaxation times, floor 0.11)."""
    study, summ, df, res = _quick("p2_paper_figures", tmp_path)
    wide = df.rename(columns=lambda c: c[2:] if c.startswith("p_") else c)

    def metric(smp, err, name):
        sel = (wide["sampler"] == smp) & (wide["error"] == err) & (wide["metric"] == name)
        return float(wide[sel]["value"].iloc[0])

    assert metric("reverse_sde", "quartic", "tv_p") > 0.3
    assert metric("ts", "quartic", "tv_uniform") < 0.2
