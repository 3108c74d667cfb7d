"""The conventions of the public API: randomness is the required keyword ``rng``, bandwidths are
``bandwidth``, sampler steps ``step`` and finite-difference steps ``fd_step``; the old names are
refused with a pointer to the new ones."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest

from ratesim import baselines, exact, manifolds, metrics, samplers, scores
from ratesim.densities import VonMises
from ratesim.study import Study, StudyError, task

PACKAGES = ("manifolds", "densities", "kernels", "scores", "samplers", "metrics", "baselines")
PACKAGES += ("exact",)
RATESIM = Path(manifolds.__file__).resolve().parents[1]


def _public_callables():
    """(qualified name, callable) for every function, class and public method that the
    packages export in ``__all__``."""
    out = []
    for pkg in PACKAGES:
        mod = importlib.import_module(f"ratesim.{pkg}")
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                out.append((f"{pkg}.{name}", obj))
            elif inspect.isclass(obj) and not dataclasses.is_dataclass(obj):
                out.append((f"{pkg}.{name}", obj))
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and inspect.isfunction(member):
                        out.append((f"{pkg}.{name}.{attr}", member))
    return out


def test_rng_is_a_required_keyword_everywhere():
    """Every ``rng`` of the public API is keyword-only and has no default (no hidden seed, no
    None default refused later)."""
    found, bad = [], []
    for qual, f in _public_callables():
        try:
            params = inspect.signature(f).parameters
        except (TypeError, ValueError):
            continue
        p = params.get("rng")
        if p is None:
            continue
        found.append(qual)
        if p.kind is not p.KEYWORD_ONLY or p.default is not p.empty:
            bad.append(f"{qual}: {p}")
    assert not bad, bad
    assert len(found) > 25  # samplers, estimators, metrics, baselines, manifolds, densities


def test_old_parameter_names_are_gone():
    bad = []
    for qual, f in _public_callables():
        try:
            params = inspect.signature(f).parameters
        except (TypeError, ValueError):
            continue
        if "h" in params or "ts_h" in params:
            bad.append(qual)
    assert not bad, bad


def test_one_rnglike_alias():
    """``RNGLike`` is defined once (ratesim._validation) and imported everywhere else."""
    from ratesim._validation import RNGLike

    assert RNGLike == np.random.Generator | np.random.SeedSequence | int
    defs = [
        str(p.relative_to(RATESIM))
        for p in RATESIM.rglob("*.py")
        if "RNGLike =" in p.read_text() or "RngLike" in p.read_text()
    ]
    assert defs == ["_validation.py"]


def _circle(n=20, seed=0):
    M = manifolds.Circle(d=2, seed=None)
    return M, M.sample(n, VonMises(1.0), rng=seed)


@pytest.mark.parametrize(
    "call",
    [
        lambda M, X: M.sample(5, None),
        lambda M, X: M.sample(5, None, 0),  # the old positional seed
        lambda M, X: M.sample_intrinsic(5),
        lambda M, X: VonMises(1.0).sample_intrinsic(M, 5),
        lambda M, X: samplers.tempered_langevin(
            scores.EmpiricalScore().fit(X), X, 0.1, 1.0, 0.1, 3
        ),
        lambda M, X: samplers.tempered_langevin(
            scores.EmpiricalScore().fit(X), X, 0.1, 1.0, 0.1, 3, 0
        ),
        lambda M, X: samplers.reverse_sde(
            scores.EmpiricalScore().fit(X), n=4, sigma_max=1.0, sigma_min=0.1, steps=3
        ),
        lambda M, X: samplers.probability_flow(
            scores.EmpiricalScore().fit(X), X, sigma_max=1.0, sigma_min=0.1, steps=3
        ),
        lambda M, X: scores.ClosedFormScore(bandwidth=0.1),
        lambda M, X: scores.NadarayaWatsonScore(bandwidth=0.1),
        lambda M, X: scores.LocalPolynomialScore(bandwidth=0.1),
        lambda M, X: scores.OracleScore(M),
        lambda M, X: metrics.sliced_wasserstein(X, X),
        lambda M, X: metrics.hausdorff(M, X),
        lambda M, X: metrics.coverage_scale(M, X),
        lambda M, X: metrics.comparability(M, X, X, X),
        lambda M, X: metrics.evaluate(X, M),
        lambda M, X: metrics.svd_dimension(scores.EmpiricalScore().fit(X), X[:2], 0.1),
        lambda M, X: metrics.sampling_floor(metrics.wasserstein, M, None, 5, 5),
        lambda M, X: baselines.EmpiricalMeasure().fit(X).sample(3),
        lambda M, X: baselines.EmpiricalMeasure().fit(X).sample(3, 0),
        lambda M, X: baselines.sample_vmf(np.array([[1.0, 0.0, 0.0]]), 2.0),
        lambda M, X: exact.tube_points(M, 5, 0.1),
        lambda M, X: exact.tempered_stationary_law(0.1, 1.0, sub=2, n_r=8).sample_angles(3),
    ],
)
def test_a_missing_rng_is_a_type_error(call):
    M, X = _circle()
    with pytest.raises(TypeError, match="rng|positional"):
        call(M, X)


def test_rng_none_is_refused_where_it_is_read():
    M, X = _circle()
    with pytest.raises(ValueError, match="rng must be"):
        M.sample(3, None, rng=None)
    with pytest.raises(ValueError, match="rng must be"):
        scores.NadarayaWatsonScore(rng=None).fit(X)


@pytest.mark.parametrize(
    ("make", "new"),
    [
        (lambda: scores.make_score("smoothed", h=0.1), "bandwidth"),
        (lambda: scores.make_score("adaptive_projection", h=0.1, k=1), "bandwidth"),
        (lambda: scores.SmoothedScore().set_params(h=0.1), "bandwidth"),
        (lambda: samplers.make_sampler("tempered_langevin", h=0.1), "step"),
        (lambda: baselines.make_baseline("inertial", sigma=0.1), "bandwidth"),
    ],
)
def test_old_names_get_a_did_you_mean(make, new):
    with pytest.raises(ValueError, match=f"takes no parameter '(h|sigma)'.*did you mean '{new}'"):
        make()


def test_old_keywords_are_type_errors():
    M, X = _circle()
    est = scores.EmpiricalScore().fit(X)
    with pytest.raises(TypeError, match="'h'"):
        scores.SmoothedScore(h=0.1)
    with pytest.raises(TypeError, match="'h'"):
        samplers.langevin(est, X, sigma=0.1, h=0.1, steps=2, rng=0)
    with pytest.raises(TypeError, match="'h'"):
        samplers.relaxation_steps(0.1, 1.0, h=0.1)
    with pytest.raises(TypeError, match="'h'"):
        metrics.finite_difference_jacobian(est.denoise, X[:2], 0.1, h=1e-4)
    with pytest.raises(TypeError, match="'h'"):
        metrics.flipd(est, X[:2], 0.1, h=1e-4)
    with pytest.raises(TypeError, match="'h'"):
        exact.normal_width_em(0.1, h=0.1)
    with pytest.raises(TypeError, match="'sigma'"):
        baselines.InertialDiffusion(sigma=0.1)
    with pytest.raises(TypeError, match="'ts_h'"):
        samplers.draw_coarse(est, "reverse_sde", 3, sigma_max=1, sigma_min=0.1, steps=2, rng=0,
                             ts_h=0.1)  # fmt: skip


def test_new_names_and_fitted_attributes():
    M, X = _circle(200)
    est = scores.AdaptiveProjectionScore(bandwidth=0.5, k=1).fit(X)
    assert est.bandwidth_ == 0.5 and not hasattr(est, "h_")
    assert est.bandwidth_at(1e-3) == 0.5
    sm = scores.make_score("smoothed", bandwidth=0.2).fit(X)
    assert sm.get_params() == {"bandwidth": 0.2} and sm.bandwidth_ == 0.2
    res = samplers.langevin(sm, X[:4], sigma=0.1, step=0.1, steps=2, rng=0)
    assert res.params["step"] == 0.1 and "h" not in res.params
    kde = baselines.InertialDiffusion(bandwidth=0.05).fit(X)
    assert kde.bandwidth_ == 0.05
    assert samplers.suggest_steps(0.01, 1.0, step=0.1) == 10_000


@task(metrics=("m",))
def _estimator_task(*, N: int, rng: np.random.Generator, estimator: str = "smoothed", **components):
    return {"m": float(N)}


def test_a_study_grid_with_an_old_option_name_points_to_the_new_one():
    st = Study(name="conv", task=_estimator_task, grid={"N": [10], "estimator__h": 0.1})
    with pytest.raises(StudyError, match="takes no option 'h'.*did you mean 'bandwidth'"):
        st.validate()
    Study(
        name="conv", task=_estimator_task, grid={"N": [10], "estimator__bandwidth": 0.1}
    ).validate()
