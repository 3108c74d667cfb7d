"""SiLD family (Huang et al. 2026, arXiv 2605.20235): learned chart, decoder, latent law, metric.

The learned chart against the known angles (exact up to a rotation / reflection for a circle), the
encoder on noisy points, the decoder and the latent KDE against naive loop twins, the metric's
sandwich around an exact network-simplex W1, the exact isometry invariance of the pipeline (its
law does not depend on d for the same data), and the quick ``p3_sild`` study through the engine
with negative controls.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p3_sild import tasks as S

from ratesim.densities import VonMises
from ratesim.manifolds import Circle

HERE = Path(__file__).resolve().parent


def _wrap(a):
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


def test_chart_recovers_angles_up_to_isometry():
    M = Circle(d=20, seed=3)
    X = M.sample(300, VonMises(kappa=2.0), rng=np.random.default_rng(0))
    chart = S.learn_chart(X)
    assert chart.radius_ == pytest.approx(1.0, abs=1e-10)
    enc = chart.encode(X)
    true = M.angle(M.project(X).u)
    # enc = +-true + const (mod 2 pi): one of the two differences is constant
    spread = min(
        np.ptp(_wrap(enc - true - (enc - true)[0])), np.ptp(_wrap(enc + true - (enc + true)[0]))
    )
    assert spread < 1e-8
    with pytest.raises(ValueError):
        S.learn_chart(X[:2])


def test_encoder_on_noisy_points():
    """E(x) = angle(D_sigma(x)) on x = x0 + 0.01 z: the angle error is ~ 0.01 |z_tangent| plus the
    denoiser's averaging over neighbours within sigma_enc = 0.01 (spacing ~ 2 pi / 2000); a bound
    of 0.06 (6 sigma) over 200 points."""
    from ratesim.scores import EmpiricalScore

    rng = np.random.default_rng(1)
    M = Circle(d=10, seed=2)
    X = M.sample(2000, VonMises(kappa=1.0), rng=rng)
    Z = EmpiricalScore().fit(X).denoise(X, 0.01)
    chart = S.learn_chart(Z)
    x0 = M.sample(200, VonMises(kappa=1.0), rng=rng)
    x = x0 + 0.01 * rng.standard_normal(x0.shape)
    enc = chart.encode(EmpiricalScore().fit(X).denoise(x, 0.01))
    ref = chart.encode(x0)
    assert np.max(np.abs(_wrap(enc - ref))) < 0.06


def test_decoder_and_latent_kde_match_naive_twins():
    rng = np.random.default_rng(2)
    M = Circle(d=5, seed=0)
    X = M.sample(40, VonMises(kappa=1.0), rng=rng)
    chart = S.learn_chart(X).fit_decoder(X, 0.3)
    theta = rng.uniform(-np.pi, np.pi, 7)
    got = chart.decode(theta)
    want = np.empty_like(got)
    for j, t in enumerate(theta):
        w = np.array([np.exp((np.cos(t - a) - 1) / 0.09) for a in chart.angles_])
        want[j] = (w[:, None] * X).sum(0) / w.sum()
    np.testing.assert_allclose(got, want, rtol=1e-10)
    grid = np.linspace(-np.pi, np.pi, 50, endpoint=False)
    codes = rng.uniform(-np.pi, np.pi, 13)
    dens = np.array([sum(np.exp((np.cos(g - c) - 1) / 0.04) for c in codes) for g in grid])
    np.testing.assert_allclose(
        S.latent_kde_weights(codes, 0.2, grid), dens / dens.sum(), rtol=1e-10
    )
    with pytest.raises(RuntimeError):
        S.learn_chart(X).decode(theta)


def test_manifold_w1_sandwiches_exact_ot():
    """E dist(Y, M) <= W1(nu, mu) <= w1, with W1 by network simplex against the population
    quadrature (1024 nodes, resolution 2 pi / 1024 ~ 0.006 added to both sides)."""
    from ratesim.metrics import population_quadrature, wasserstein

    rng = np.random.default_rng(3)
    M, p = Circle(d=4, seed=1), VonMises(kappa=2.0)
    X = M.sample(150, p, rng=rng)
    Y = X[:100] + 0.1 * rng.standard_normal((100, 4))
    r = S.manifold_w1(M, p, Y)
    _, nodes, w = population_quadrature(M, p, 1024)
    exact = wasserstein(Y, nodes, b=w)
    res = 2 * np.pi / 1024
    assert r["dist"] - res <= exact <= r["w1"] + res
    # points on M: no distance term; the population's own nodes: w1 at the resolution
    assert S.manifold_w1(M, p, X)["dist"] < 1e-12
    assert S.manifold_w1(M, p, nodes, w, n_quad=1024)["w1"] < res


def test_pipeline_is_exactly_d_invariant_and_validated():
    """Same seed, same data up to the isometry: the SiLD and empirical metrics agree across d
    (to rounding); the ambient one does not (its spread h sqrt(d - 1) grows with d)."""
    base = dict(N=256, kappa=2.0, sigma_enc=0.01, n_grid=512, n_gen=500, n_quad=4096)
    out = {}
    for d in (3, 40):
        for pipe in ("sild", "empirical", "ambient"):
            out[pipe, d] = S.sild_w1(**base, d=d, pipeline=pipe, rng=np.random.default_rng(5))
    for pipe in ("sild", "empirical"):
        assert out[pipe, 3]["w1"] == pytest.approx(out[pipe, 40]["w1"], rel=1e-7)
    assert out["ambient", 40]["dist"] > 2 * out["ambient", 3]["dist"]
    with pytest.raises(ValueError, match="pipeline"):
        S.sild_w1(**base, d=3, pipeline="vae", rng=0)
    with pytest.raises(ValueError, match="circle"):
        S.sild_w1(**base, d=3, pipeline="sild", k=2, rng=0)


def test_ambient_spread_has_its_closed_form():
    """The known answer behind the ambient control: for Y = x + h z with x on the unit circle
    and h -> 0, dist(Y, M) / h tends to |(z_radial, z_normal)| ~ chi_(d-1), whose mean is
    sqrt(2) Gamma(d/2) / Gamma((d-1)/2) (1.2533 at d = 3, 2.9180 at d = 10). At h = 1e-3 and
    20000 points the Monte-Carlo error is ~0.2 %: tolerance 1 %. At the task's own bandwidths
    h = N^(-1/(d+4)) (0.74 and 0.55 at d = 10, N = 64 and 4096) the curvature lowers the ratio by
    about 1 % only, so w1's distance part is proportional to h and the claimed exponent
    -1/(d+4) holds by construction. Negative control: the constant is not sqrt(d) (3.16 at
    d = 10, 8 % away)."""
    import math

    for d in (3, 10):
        M, p = Circle(d=d, seed=1), VonMises(kappa=2.0)
        rng = np.random.default_rng(d)
        X = M.sample(20000, p, rng=rng)
        Y = X + 1e-3 * rng.standard_normal(X.shape)
        ratio = S.manifold_w1(M, p, Y, n_quad=4096)["dist"] / 1e-3
        e_chi = math.sqrt(2) * math.exp(math.lgamma(d / 2) - math.lgamma((d - 1) / 2))
        assert ratio == pytest.approx(e_chi, rel=0.01)
        assert abs(ratio / math.sqrt(d) - 1) > 0.05
    base = dict(pipeline="ambient", d=10, kappa=2.0, sigma_enc=0.01, n_gen=4000, n_quad=4096)
    for N in (64, 4096):
        h = N ** (-1 / 14)
        r = [S.sild_w1(**base, N=N, rng=np.random.default_rng(s))["dist"] / h for s in range(3)]
        assert 0.95 < np.mean(r) / e_chi < 1.02


def test_quick_study_through_engine(tmp_path):
    """The quick study runs through the engine; no claim is contradicted. Negative controls: the
    ambient rate predicted for SiLD (-1/(d+4)) is contradicted at d = 3, and SiLD's rate (-0.4)
    is contradicted for the ambient pipeline."""
    from ratesim.rates import CONTRADICTED
    from ratesim.study import load_study
    from ratesim.study.claims import evaluate_claims
    from ratesim.study.runner import run_study
    from ratesim.study.store import ResultsStore

    study = load_study(HERE / "p3_sild.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as st:
        summary = run_study(study, st, quick=True, jobs=1, progress=False)
        df = st.tidy("p3_sild", "quick")
    assert summary.ok, summary.failures
    res = evaluate_claims(study, df)
    assert res and all(r.verdict != CONTRADICTED for r in res)
    sild_claim, ambient_claim = study.claims[0], study.claims[3]
    wrong = dataclasses.replace(
        sild_claim,
        predict={"ambient rate": "-1/(d+4)"},
        where={"pipeline": "sild", "d": 3},
        rule="all",
    )
    bad = evaluate_claims(dataclasses.replace(study, claims=[wrong]), df)
    assert bad and all(r.verdict == CONTRADICTED for r in bad)
    wrong = dataclasses.replace(ambient_claim, predict={"latent rate": -0.4})
    bad = evaluate_claims(dataclasses.replace(study, claims=[wrong]), df)
    assert bad and all(r.verdict == CONTRADICTED for r in bad)
    from ratesim.study.figures import ReportContext, plain_table

    ctx = ReportContext(study=study, df=plain_table(df), results=res, outdir=tmp_path)
    md = study.figures[0](ctx)
    assert (tmp_path / "w1_by_pipeline.png").exists() and "diff to d=3" in md
    # the table's slopes are the claims' fits
    fit = next(r.fit for r in res if r.claim.name == "sild w1 vs N" and r.group["d"] == 3)
    assert f"| sild | 3 | {fit.slope:+.3f} |" in md


# --- SiLD with a learned chart (p3_sild_learned) ---


def test_curve_w1_agrees_with_the_circle_formula():
    """On the unit circle the arc-length chart is the angle, so ``curve_w1`` and ``manifold_w1``
    compute the same W1 with two quadratures: they agree to the quadratures' resolution
    (pi / 2^14 each). Weighted atoms count as their masses; the distance part is the same sum."""
    rng = np.random.default_rng(5)
    M, p = Circle(d=5, seed=2), VonMises(kappa=2.0)
    Y = M.sample(300, p, rng=rng) + 0.05 * rng.standard_normal((300, 5))
    w = rng.uniform(0.5, 2.0, 300)
    for weights in (None, w):
        a = S.curve_w1(M, p, Y, weights)
        b = S.manifold_w1(M, p, Y, weights)
        assert a["dist"] == pytest.approx(b["dist"], rel=1e-12)
        assert abs(a["w1_geo"] - b["w1_geo"]) <= 2 * np.pi / 2**14


def test_train_selected_keeps_the_checkpoint_with_the_lowest_held_out_loss():
    """The returned network is the one frozen at the chosen checkpoint: its held-out loss, on the
    same held-out points and noise draws, is the lowest of all checkpoints (the selection is
    replayed here with the same seeds). Bad arguments name themselves."""
    from ratesim.manifolds import HolderGraph
    from ratesim.scores import DSMNetworkScore, dsm_loss

    M = HolderGraph(k=1, beta=2.5, eps=1.0, d=4, seed=1)
    X = M.sample(60, VonMises(kappa=2.0), rng=0)
    kw = dict(width=16, sigma_min=0.01, sigma_max=2.0)
    net, steps = S.train_selected(X, checkpoints=[20, 40, 60], holdout=0.25, rng=7, **kw)
    rng = np.random.default_rng(7)
    perm = rng.permutation(60)
    held, fit_on = X[perm[:15]], X[perm[15:]]
    replay = DSMNetworkScore(warm_start=True, rng=rng, **kw)
    sigmas = np.geomspace(0.01, 2.0, 8)
    losses, done = {}, 0
    for c in (20, 40, 60):
        replay.steps = c - done
        replay.fit(fit_on)
        done = c
        losses[c] = dsm_loss(replay, held, sigmas, n_noise=4, rng=rng)[0]
        if c == steps:
            np.testing.assert_array_equal(replay.score(X, 0.1), net.score(X, 0.1))
    assert steps == min(losses, key=losses.get) and net.n_steps_ == steps
    with pytest.raises(ValueError, match="holdout"):
        S.train_selected(X, checkpoints=[10], holdout=0.99, rng=0, **kw)
    with pytest.raises(ValueError, match="checkpoints must increase"):
        S.train_selected(X, checkpoints=[20, 10], holdout=0.2, rng=0, **kw)


def test_learned_task_names_its_bad_inputs():
    for kw, match in ((dict(tau=-0.1), "tau"), (dict(N=4), "N"), (dict(d=2), "d")):
        args = dict(N=64, d=3, rng=0, steps=10, checkpoint_every=10) | kw
        with pytest.raises(ValueError, match=match):
            S.sild_learned_w1(**args)


def _quick_sild_study(name, tmp_path, *, controls, claims, png, law_claim):
    """Run the quick study ``name`` through the engine and check what both learned-chart studies
    promise: the ``controls`` contradicted in every group, the ``claims`` fitted in every group,
    the figure ``png`` rendered with the slopes of ``law_claim`` (its d = 3 fit in the table)."""
    from ratesim.rates import CONTRADICTED
    from ratesim.study import load_study
    from ratesim.study.claims import evaluate_claims
    from ratesim.study.figures import ReportContext, plain_table
    from ratesim.study.runner import run_study
    from ratesim.study.store import ResultsStore

    study = load_study(HERE / f"{name}.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as st:
        summary = run_study(study, st, quick=True, jobs=1, progress=False)
        df = st.tidy(name, "quick")
    assert summary.ok, summary.failures
    res = evaluate_claims(study, df)
    by = {}
    for r in res:
        by.setdefault(r.claim.label, []).append(r)
    for control in controls:
        assert by[control] and all(r.verdict == CONTRADICTED for r in by[control]), control
    for claim in claims:
        assert all(r.fit is not None for r in by[claim]), claim
    ctx = ReportContext(study=study, df=plain_table(df), results=res, outdir=tmp_path)
    md = study.figures[0](ctx)
    assert (tmp_path / png).exists()
    fit = next(r.fit for r in by[law_claim] if r.group["d"] == 3)
    assert f"| sild | 3 | {fit.slope:+.3f} |" in md


def test_learned_quick_study_through_engine(tmp_path):
    """The quick ``p3_sild_learned`` runs through the engine. Its two controls are contradicted
    at every group, as built (the KDE's spread h sqrt(d) grows with d; its slope -1/(d+4) lies
    outside SiLD's band). SiLD's own claims reach verdicts (4 levels of N and of d), whatever
    they are: the quick network's 500 steps are not the study's budget. The figure renders
    with the claims' slopes."""
    _quick_sild_study(
        "p3_sild_learned", tmp_path, controls=("kde w1 vs d", "kde w1 vs N"),
        claims=("sild w1 vs N", "sild w1 vs d"), png="learned_chart.png", law_claim="sild w1 vs N",
    )  # fmt: skip


# --- SiLD on a surface (p3_sild_surface) ---


def _circ_match(a, b):
    """max over orientation of |mean exp(i (a -/+ b))|: 1 when a = +-b + const."""
    return max(abs(np.mean(np.exp(1j * (a - b)))), abs(np.mean(np.exp(1j * (a + b)))))


def test_torus_chart_recovers_the_angles_and_radii():
    """On exact points of a torus of revolution in R^10 the learned chart's angles equal the true
    ones up to an orientation and an offset each (circular match 1 - 1e-9), and the radii are
    the true ones (least squares on exact points: 1e-9); on points with noise 0.01 the match stays
    above 0.999 (a rotation error of about 0.01 / r = 0.025 rad at most)."""
    from ratesim_studies.p3_sild import surface as T

    from ratesim.manifolds import StandardTorus

    M = StandardTorus(R=1.0, r=0.4, d=10, seed=3)
    rng = np.random.default_rng(0)
    u = M.sample_intrinsic(500, VonMises(kappa=1.0), rng=rng)
    X = M.embed(u)
    chart = T.learn_torus_chart(X)
    a = chart.encode(X)
    assert chart.R_ == pytest.approx(1.0, abs=1e-9) and chart.r_ == pytest.approx(0.4, abs=1e-9)
    for j in range(2):
        assert _circ_match(a[:, j], u[:, j]) > 1 - 1e-9
    a = chart.encode(X + 0.01 * rng.standard_normal(X.shape))
    for j in range(2):
        assert _circ_match(a[:, j], u[:, j]) > 0.999


def test_surface_decoder_kde_and_distances_match_naive_twins():
    """The product-kernel decoder, the 2-d latent KDE and the distance sums against plain loops."""
    from ratesim_studies.p3_sild import surface as T

    rng = np.random.default_rng(1)
    codes = rng.uniform(-np.pi, np.pi, (30, 2))
    pts = rng.standard_normal((30, 4))
    grid = T.angle_grid(6)
    b = 0.4

    def kern(q, c):
        return np.exp(np.sum(np.cos(q - c) - 1.0) / b**2)

    chart = T.TorusChart(np.zeros(4), np.eye(4)[:, :3], np.zeros(3), 1.0, 0.4)
    chart.points_, chart.angles_, chart.bandwidth_ = pts, codes, b
    for q, got in zip(grid, chart.decode(grid), strict=True):
        w = np.array([kern(q, c) for c in codes])
        np.testing.assert_allclose(got, w @ pts / w.sum(), rtol=1e-12)
    dens = np.array([sum(kern(q, c) for c in codes) for q in grid])
    np.testing.assert_allclose(T.latent_kde_weights_2d(codes, b, grid), dens / dens.sum(), 1e-12)
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((5, 3))
    a, c = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(5))
    naive = sum(a[i] * c[j] * np.linalg.norm(x[i] - y[j]) for i in range(7) for j in range(5))
    assert T._mean_distance(x, a, y, c) == pytest.approx(naive, rel=1e-12)
    off = sum(a[i] * a[j] * np.linalg.norm(x[i] - x[j]) for i in range(7) for j in range(7))
    assert T._mean_distance(x, a, x, a, same=True) == pytest.approx(off, rel=1e-12)


def test_surface_energy_is_zero_at_mu_and_sees_a_shift():
    """The quadrature of mu itself, as a weighted law, is at energy distance 0 from mu (to
    rounding) and at distance 0 from M; the same law with theta shifted by 0.3 is not (sqrt(E)
    above 0.05), and adding a normal offset of 0.05 adds 0.05 to ``dist``."""
    from ratesim_studies.p3_sild import surface as T

    from ratesim.manifolds import StandardTorus
    from ratesim.metrics import population_quadrature

    M, p = StandardTorus(R=1.0, r=0.4, d=5, seed=2), VonMises(kappa=1.0)
    u, nodes, w = population_quadrature(M, p, 24)
    same = T.surface_energy(M, p, nodes, w, n_quad=24)
    assert abs(same["energy"]) < 1e-12 and same["dist"] < 1e-12
    shifted = T.surface_energy(M, p, M.embed(np.asarray(u) + [0.3, 0.0]), w, n_quad=24)
    assert shifted["e"] > 0.05
    normal = np.asarray(M.project(nodes).point)  # foot points; push them off along the normal
    centre = M.embed(np.column_stack([np.asarray(u)[:, 0], np.zeros(len(u))])) - M.embed(
        np.column_stack([np.asarray(u)[:, 0], np.full(len(u), np.pi)])
    )
    axis_pt = M.embed(np.column_stack([np.asarray(u)[:, 0], np.zeros(len(u))])) - 0.4 * centre / (
        np.linalg.norm(centre, axis=1, keepdims=True)
    )
    out = normal - axis_pt
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    off = T.surface_energy(M, p, normal + 0.05 * out, w, n_quad=24)
    assert off["dist"] == pytest.approx(0.05, rel=1e-9) and abs(off["energy"]) < 1e-9


def test_surface_quick_study_through_engine(tmp_path):
    """The quick ``p3_sild_surface`` runs through the engine; its two controls are contradicted
    in every group, as built; SiLD's claims reach verdicts; the figure renders with the claims'
    slopes."""
    _quick_sild_study(
        "p3_sild_surface", tmp_path, controls=("kde dist vs d", "kde dist vs N"),
        claims=("sild total vs N", "sild total vs d"), png="surface_chart.png",
        law_claim="sild total vs N",
    )  # fmt: skip
