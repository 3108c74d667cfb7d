"""TS Langevin with regression scores, by chains (Li, Shen, Hsieh, He 2026, Thm 5.1): the unbiased
Fourier distance against closed forms and a naive loop twin, its unbiasedness and power, the chain
task (exact-score control consistent with 0, Nadaraya-Watson at tiny N detected), the quick
study."""

from pathlib import Path

import numpy as np
from ratesim_studies.p2_tempered import tasks as lc
from scipy.special import iv

from ratesim.exact import tempered_stationary_law

HERE = Path(__file__).resolve().parent


def _naive_fd2(theta, c):
    n = len(theta)
    tot = 0.0
    for k in range(1, len(c) + 1):
        z = sum(complex(np.cos(k * t), np.sin(k * t)) for t in theta) / n
        tot += abs(z - c[k - 1]) ** 2 - (1 - abs(z) ** 2) / (n - 1)
    return tot


def test_fourier_coefficients_closed_form():
    """von Mises(kappa, mean): c_k = I_k(kappa) / I_0(kappa) e^{ik mean}; the midpoint rule on 2880
    nodes is spectrally accurate for this entire function (1e-12)."""
    t = (np.arange(2880) + 0.5) * 2 * np.pi / 2880
    f = np.exp(2.0 * np.cos(t - 1.0)) / (2 * np.pi * iv(0, 2.0))
    c = lc.fourier_coefficients(t, f, 5)
    k = np.arange(1, 6)
    assert np.max(np.abs(c - iv(k, 2.0) / iv(0, 2.0) * np.exp(1j * k))) < 1e-12


def test_fd2_naive_twin_unbiased_and_power():
    """Loop twin to 1e-12. Unbiased: 400 replicates of n = 500 von Mises(1) angles against their own
    coefficients average to 0 within 4 standard errors (sd per replicate ~ sqrt(2K)/n = 8e-3 at
    K = 8); against von Mises(1.5)'s coefficients they average to the true distance
    sum_k |c_k(1) - c_k(1.5)|^2 within 4 standard errors (power: that distance, 0.033, is 4 sd of
    one replicate)."""
    rng = np.random.default_rng(0)
    k = np.arange(1, 9)
    c1 = iv(k, 1.0) / iv(0, 1.0)
    c13 = iv(k, 1.5) / iv(0, 1.5)
    th = rng.vonmises(0.0, 1.0, size=60)
    assert abs(lc.fourier_distance2(th, c1) - _naive_fd2(th, c1)) < 1e-12
    r0, r1 = [], []
    for _ in range(400):
        th = rng.vonmises(0.0, 1.0, size=500)
        r0.append(lc.fourier_distance2(th, c1))
        r1.append(lc.fourier_distance2(th, c13))
    r0, r1 = np.array(r0), np.array(r1)
    assert abs(r0.mean()) < 4 * r0.std() / 20
    true = float(np.sum((c1 - c13) ** 2))
    assert true > 0.03
    assert abs(r1.mean() - true) < 4 * r1.std() / 20


def test_chain_task_control_and_negative_control():
    """Exact closed-form score, 2000 chains from the exact TS law (sigma = 0.1, 2 relaxation
    times): fd2 within 4 sd (sqrt(16)/2000 = 2e-3) of 0 (the Euler bias of h = 0.1 on the angle
    law is below that: p2_ts_chains). Negative control: a Nadaraya-Watson score from N = 16
    samples (spacing 0.4 >> sigma: holes) is detected, fd2 > 10 sd."""
    ex = lc.learned_chains("exact", 1, rng=1, n_chains=2000, relax=2.0)
    assert abs(ex["fd2"]) < 4 * ex["fd2_se0"]
    nw = lc.learned_chains("nadaraya_watson", 16, rng=2, n_chains=2000, relax=2.0,
                           est_params={"bandwidth": 0.05, "n_noise": 8})  # fmt: skip
    assert nw["fd2"] > 10 * nw["fd2_se0"]
    assert nw["ks"] > 1.63 / np.sqrt(2000)
    law = tempered_stationary_law(0.1, 1.0, kappa=1.0, sub=4, n_r=48)
    c = lc.fourier_coefficients(law.theta, law.density, 8)
    assert abs(ex["fd2_exact_uniform"] - float(np.sum(np.abs(c) ** 2))) < 1e-15


def test_quick_study_through_engine(tmp_path):
    """Quick study (exact control and Nadaraya-Watson at N = 32, 64; 500 chains, 2 seeds) through
    the engine and the report; no claims (see the study docstring)."""
    from ratesim.report import write_report
    from ratesim.study import ResultsStore, evaluate_claims, load_study, run_study

    study = load_study(HERE / "p2_ts_learned_chains.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as store:
        summ = run_study(study, store, quick=True, progress=False)
        df = store.tidy(study.name, "quick")
    assert summ.ok, summ.failures
    assert not evaluate_claims(study, df)
    readme = Path(write_report(study, df, tmp_path / "rep", mode="quick"))
    assert (readme.parent / "learned_chains.png").exists()
    assert "| nadaraya_watson | 64 | 2 |" in readme.read_text()


def test_network_chains_measure_zero_for_the_exact_score(monkeypatch):
    """``ts_network_chains`` with the network replaced by the closed-form score: every score error
    is exactly 0; plain Langevin's law is the data law (rel_data ~ 0) and TS-1's is near uniform.
    Tolerances: 4 replicates of 2000 chains, the unbiased distance's sd at equality is
    sqrt(16) / 2000 / G = 0.0095 per replicate (G = 0.211), so the mean of 4 lies within
    4.5 x 0.0095 / 2 = 0.021 of its expectation (two-sided 7e-6); the Euler bias of h = 0.1 adds
    less than that (measured 0.002 for the plain law). The exact TS-1 law at sigma = 0.1 is at
    rel_uniform 0.01 (quadrature); plain Langevin's law is at rel_uniform 1 up to the noise
    (p_sigma's angle law, 1 - O(sigma^2))."""
    import ratesim.scores as scores
    from ratesim.exact import circle_score

    class Exact(scores.CallableScore):
        def __init__(self, width=64, depth=2, steps=1, rng=None):
            super().__init__(lambda x, s: circle_score(x, s, kappa=1.0, mean=np.pi))

    monkeypatch.setattr(scores, "DSMNetworkScore", Exact)
    out = {
        a: [
            lc.ts_network_chains(
                N=50, sigma=0.1, alpha=a, rng=r, n_chains=2000, relax=2.0, density__kappa=1.0
            )
            for r in range(4)
        ]
        for a in (0.0, 1.0)
    }
    for rows in out.values():
        for row in rows:
            errors = [v for key, v in row.items() if key.startswith("err_")]
            assert len(errors) == 7 and max(errors) == 0.0
    mean = {a: {key: np.mean([r[key] for r in rows]) for key in rows[0]} for a, rows in out.items()}
    assert abs(mean[0.0]["rel_data"]) < 0.021 + 0.002
    assert abs(mean[0.0]["rel_uniform"] - 1.0) < 0.15
    assert mean[1.0]["rel_uniform"] < 0.01 + 0.021
    assert mean[1.0]["rel_data"] > 0.5  # the control of plain_reaches_data violates its bound
