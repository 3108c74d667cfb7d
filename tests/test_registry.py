"""ratesim._registry: the one did-you-mean and the Registry every package registry is."""

from __future__ import annotations

import functools
import pickle

import pytest

from ratesim import baselines, densities, manifolds, samplers, scores
from ratesim._registry import Registry, did_you_mean


def test_did_you_mean_wording():
    assert did_you_mean("elipse", ["sphere", "ellipse"]) == (
        " (did you mean 'ellipse'? available: ellipse, sphere)"
    )
    assert did_you_mean("banana", ["sphere", "ellipse"]) == " (available: ellipse, sphere)"
    assert did_you_mean("x", []) == " (available: none)"
    # a mapping gives its keys; names are converted with str
    assert did_you_mean(3, {"3a": 1, "b": 2}) == " (did you mean '3a'? available: 3a, b)"


def test_study_tasks_reexports_the_helper():
    from ratesim.study import tasks

    assert tasks.did_you_mean is did_you_mean


class _Box:
    def __init__(self, width=1.0, height=2.0):
        self.width, self.height = width, height


class _Empty:
    pass


def _anything(**kwargs):
    return kwargs


def _draw(x0, n=1, *, steps=10, rng=None):
    return (x0, n, steps, rng)


def test_registry_is_a_dict():
    R = Registry("shape", {"box": _Box, "empty": _Empty})
    assert isinstance(R, dict) and R.kind == "shape" and not R.partial
    assert R["box"] is _Box and "empty" in R and list(R) == ["box", "empty"]
    assert sorted(R) == ["box", "empty"] and dict(R) == {"box": _Box, "empty": _Empty}
    R["any"] = _anything
    assert len(R) == 3
    assert repr(Registry("k", {"a": 1})) == "Registry('k', {'a': 1})"
    R2 = pickle.loads(pickle.dumps(R))
    assert R2 == R and R2.kind == "shape"
    with pytest.raises(ValueError, match="kind must be a non-empty string"):
        Registry("", {})


def test_registry_make_checks_name_and_parameters():
    R = Registry("shape", {"box": _Box, "empty": _Empty, "any": _anything})
    b = R.make("box", width=3.0)
    assert isinstance(b, _Box) and (b.width, b.height) == (3.0, 2.0)
    assert isinstance(R.make("empty"), _Empty)
    assert R.make("any", colour="red") == {"colour": "red"}  # **kwargs: any parameter
    with pytest.raises(
        ValueError,
        match=r"^unknown shape 'bx' \(did you mean 'box'\? available: any, box, empty\)$",
    ):
        R.make("bx")
    with pytest.raises(ValueError, match=r"^unknown shape 'zzz' \(available: any, box, empty\)$"):
        R.make("zzz")
    with pytest.raises(ValueError, match=r"^unknown shape \['box'\]"):
        R.make(["box"])
    with pytest.raises(
        ValueError,
        match=r"^shape 'box' takes no parameter 'widht' \(did you mean 'width'\? "
        r"available: height, width\)$",
    ):
        R.make("box", widht=2.0)
    with pytest.raises(
        ValueError, match=r"^shape 'empty' takes no parameter 'a' \(available: none"
    ):
        R.make("empty", a=1)
    # the name is positional-only: an entry may take a parameter called "name"
    assert Registry("f", {"f": lambda name=None: name}).make("f", name="x") == "x"


def test_registry_parameters_and_lookup():
    R = Registry("shape", {"box": _Box, "empty": _Empty, "any": _anything, "draw": _draw})
    assert R.parameters("box") == ("width", "height")
    assert R.parameters("empty") == ()
    assert R.parameters("any") is None
    assert R.parameters("draw") == ("x0", "n", "steps", "rng")
    assert R.lookup("box") is _Box
    with pytest.raises(ValueError, match="did you mean 'draw'"):
        R.parameters("drow")
    assert R.check("box", {"width": 1}) is _Box


def test_partial_registry():
    R = Registry("sampler", {"draw": _draw}, partial=True)
    run = R.make("draw", steps=3)
    assert isinstance(run, functools.partial) and run.func is _draw
    assert run.keywords == {"steps": 3} and run("x", 2) == ("x", 2, 3, None)
    with pytest.raises(ValueError, match="sampler 'draw' takes no parameter 'step'.*'steps'"):
        R.make("draw", step=3)


@pytest.mark.parametrize(
    "module, registry, maker, kind",
    [
        (manifolds, "MANIFOLDS", "make_manifold", "manifold"),
        (densities, "DENSITIES", "make_density", "density"),
        (scores, "SCORES", "make_score", "score estimator"),
        (samplers, "SAMPLERS", "make_sampler", "sampler"),
        (baselines, "BASELINES", "make_baseline", "baseline"),
    ],
)
def test_every_package_registry_has_a_make_helper(module, registry, maker, kind):
    """What README.md says: every registry maps names to classes (functions for samplers), with a
    make_* helper that suggests the nearest name on a typo."""
    R = getattr(module, registry)
    make = getattr(module, maker)
    assert isinstance(R, Registry) and R.kind == kind
    assert registry in module.__all__ and maker in module.__all__
    name = sorted(R)[0]
    typo = name[:-1]
    with pytest.raises(ValueError, match=f"unknown {kind} {typo!r} \\(did you mean {name!r}"):
        make(typo)


def test_make_sampler():
    run = samplers.make_sampler("langevin", step=0.1, steps=7)
    assert isinstance(run, functools.partial) and run.func is samplers.langevin
    assert run.keywords == {"step": 0.1, "steps": 7}
    assert samplers.make_sampler("reverse_sde").keywords == {}
    with pytest.raises(ValueError, match="unknown sampler 'langevn'.*did you mean 'langevin'"):
        samplers.make_sampler("langevn")
    with pytest.raises(ValueError, match="sampler 'langevin' takes no parameter 'stps'.*'steps'"):
        samplers.make_sampler("langevin", stps=7)


def test_make_helpers_equal_registry_make():
    M = manifolds.make_manifold("sphere", k=2, d=4, seed=1)
    assert repr(M) == repr(manifolds.MANIFOLDS.make("sphere", k=2, d=4, seed=1))
    assert type(manifolds.make_manifold("circle")) is manifolds.Circle
    assert repr(densities.make_density("von_mises", kappa=2.0)) == repr(
        densities.DENSITIES.make("von_mises", kappa=2.0)
    )
    assert repr(scores.make_score("smoothed", bandwidth=0.3)) == repr(
        scores.SCORES.make("smoothed", bandwidth=0.3)
    )
    with pytest.raises(ValueError, match="density 'uniform' takes no parameter 'kappa'"):
        densities.make_density("uniform", kappa=1.0)
