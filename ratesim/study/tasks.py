"""What a study cell measures: registered task functions, and the engine's built-in tasks.

A task is a plain function ``f(params, rng) -> {metric: float}``: ``params`` is the cell's parameter
dict (grid values and evaluated expressions, e.g. ``{"N": 1024, "k": 1, "h": 0.25}``) and ``rng``
a ``numpy.random.Generator`` seeded from the cell key. It must be pure given these two: the engine
then guarantees identical results whatever the job count, backend or order. Register it by name::

    @task(
    "empirical_w_interval",
    metrics=("w1", "w2"),
    choices={"manifold": ("interval",), "density": ("uniform",)},
)
    def _empirical_w_interval(params, rng): ...

Tasks live in this module (built-ins), in the science modules, or in the study file itself (the
worker re-executes the study file to find them). ``metrics`` lets study files be checked before
anything runs (a claim on an unknown metric is an error); ``choices`` restricts the names a study
may give to ``manifold``, ``density``, ``estimator`` or ``sampler``. Without ``choices`` those names
are checked against the package registries (``ratesim.manifolds.MANIFOLDS``, ...) when they exist.

Built-in tasks (numpy/scipy only, exact closed forms; SCIENCE.md trap 1 asks for exact optimal
transport, which in 1-D is a closed form):

``empirical_w_interval``
    W1 and W2 between the empirical measure of N uniform points on [0, 1] and U[0, 1]. Anchors:
    E W1 ~ N^(-1/2) (Dudley; Weed & Bach 2019, k = 1), E W2^2 = 1/(6N) exactly.
``empirical_w_circle``
    W1 (arc length) between the empirical measure of N uniform angles and the uniform law on the
    unit circle, by the circular closed form W1 = min_c int |F_N - F - c| (Rabin, Delon, Gousseau
    2011, Thm 1). E W1 ~ N^(-1/2) (k = 1).
``synthetic_power``
    ``C * N^slope * exp(noise * z)``, z standard normal: a metric with a known rate, to test the
    engine and the verdicts end to end.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .._validation import as_generator, check_int, check_positive
from ..metrics import wasserstein_circle_uniform as w1_circle_uniform

__all__ = [
    "TASKS",
    "Task",
    "task",
    "get_task",
    "did_you_mean",
    "registry_names",
    "build",
    "w1_interval_uniform",
    "w2_interval_uniform",
    "w1_circle_uniform",
]


@dataclass(frozen=True)
class Task:
    """A registered task: name, function and what it declares about itself."""

    name: str
    func: Callable
    metrics: tuple[str, ...] | None = None
    choices: Mapping[str, tuple[str, ...]] | None = None
    doc: str = ""


TASKS: dict[str, Task] = {}


def task(
    name: str,
    *,
    metrics: tuple[str, ...] | list[str] | None = None,
    choices: Mapping[str, tuple[str, ...] | list[str]] | None = None,
):
    """Register ``f(params, rng) -> {metric: float}`` under ``name`` (a decorator).

    Parameters
    ----------
    name : str
        The name study files use (``Study(task=name)``).
    metrics : sequence of str, optional
        The metric names the task returns (checked against claims, and against what it returns).
    choices : mapping, optional
        Allowed values of ``manifold``, ``density``, ``estimator``, ``sampler`` for this task.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"task name must be an identifier string (got {name!r})")

    def deco(func: Callable) -> Callable:
        if not callable(func):
            raise ValueError(f"task {name!r} must decorate a callable (got {func!r})")
        old = TASKS.get(name)
        if old is not None and (old.func.__module__, old.func.__qualname__) != (
            func.__module__,
            func.__qualname__,
        ):
            raise ValueError(
                f"task name {name!r} is already registered by "
                f"{old.func.__module__}.{old.func.__qualname__}"
            )
        TASKS[name] = Task(
            name=name,
            func=func,
            metrics=tuple(metrics) if metrics is not None else None,
            choices={k: tuple(v) for k, v in choices.items()} if choices else None,
            doc=(func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else "",
        )
        return func

    return deco


def did_you_mean(name: str, options) -> str:
    """`` (did you mean 'x'?)`` or the list of options, for error messages."""
    options = sorted(map(str, options))
    close = difflib.get_close_matches(str(name), options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}? available: {', '.join(options)})"
    return f" (available: {', '.join(options) or 'none'})"


def get_task(name: str) -> Task:
    """The registered task ``name``; ``ValueError`` with a did-you-mean if unknown."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}" + did_you_mean(name, TASKS))
    return TASKS[name]


# where the science modules keep their string registries (DESIGN.md; STYLE.md section 1)
_PACKAGE_REGISTRIES = {
    "manifold": ("ratesim.manifolds", "MANIFOLDS"),
    "density": ("ratesim.densities", "DENSITIES"),
    "estimator": ("ratesim.scores", "SCORES"),
    "sampler": ("ratesim.samplers", "SAMPLERS"),
    "metric": ("ratesim.metrics", "METRICS"),
}
NAMED_KINDS = ("manifold", "density", "estimator", "sampler")


def registry_names(kind: str, task_: Task | None = None) -> tuple[str, ...] | None:
    """Allowed names of ``kind`` for ``task_``: its ``choices``, else the package registry.

    Returns ``None`` when neither exists (then the name cannot be checked before running).
    """
    if task_ is not None and task_.choices and kind in task_.choices:
        return task_.choices[kind]
    mod_name, attr = _PACKAGE_REGISTRIES[kind]
    try:
        reg = getattr(importlib.import_module(mod_name), attr, None)
    except ImportError:
        return None
    return tuple(reg) if reg else None


_MAKERS = {
    "manifold": ("ratesim.manifolds", "make_manifold"),
    "density": ("ratesim.densities", "make_density"),
    "estimator": ("ratesim.scores", "make_score"),
}
# standard columns of the tidy table that a manifold family may take as constructor arguments
_MANIFOLD_STANDARD = ("k", "d", "beta")


def build(kind: str, params: Mapping, **overrides):
    """Build the cell's ``manifold``, ``density``, ``estimator`` or ``sampler`` from its params.

    The name is ``params[kind]``; keyword arguments are the parameters named ``<kind>__<arg>``
    (``density__kappa=4.0``, ``estimator__bandwidth=Expr("N^(-1/(k+4))")``), then ``overrides``.
    For a manifold, the standard grid columns ``k``, ``d``, ``beta`` are passed too when the
    family takes them, so they appear once, as columns of the tidy table. A sampler is returned as
    ``functools.partial(SAMPLERS[name], **kwargs)``. This is how science tasks plug registered
    components in by name::

        @task("w1_generated")
        def _w1(params, rng):
            M, p = build("manifold", params), build("density", params)
            X = M.sample(params["N"], p, rng=rng)
            est = build("estimator", params).fit(X)
            ...

    Raises
    ------
    ValueError
        Unknown kind, missing name, or what the registry's ``make_*`` raises (unknown name with a
        did-you-mean, unknown parameter).
    """
    import functools
    import inspect

    if kind not in (*_MAKERS, "sampler"):
        raise ValueError(f"kind must be one of {(*_MAKERS, 'sampler')} (got {kind!r})")
    if kind not in params:
        raise ValueError(f"the cell has no {kind!r} parameter (has: {', '.join(params)})")
    name = params[kind]
    prefix = f"{kind}__"
    kwargs = {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}
    kwargs.update(overrides)
    if kind == "sampler":
        reg = importlib.import_module("ratesim.samplers").SAMPLERS
        if name not in reg:
            raise ValueError(f"unknown sampler {name!r}" + did_you_mean(name, reg))
        return functools.partial(reg[name], **kwargs)
    mod, maker = _MAKERS[kind]
    module = importlib.import_module(mod)
    if kind == "manifold":
        cls = getattr(module, "MANIFOLDS", {}).get(name)
        if cls is not None:
            takes = inspect.signature(cls.__init__).parameters
            for k in _MANIFOLD_STANDARD:
                if k in params and k in takes and k not in kwargs:
                    kwargs[k] = params[k]
    return getattr(module, maker)(name, **kwargs)


# ---------------------------------------------------------------------------------------------
# exact 1-D transport to the uniform law


def _sorted_unit(u, name: str) -> np.ndarray:
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 1 or u.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array (got shape {u.shape})")
    if not np.all(np.isfinite(u)) or np.any(u < 0) or np.any(u > 1):
        raise ValueError(
            f"{name} must lie in [0, 1] and be finite (got min {u.min()}, max {u.max()})"
        )
    return np.sort(u)


def w1_interval_uniform(u) -> float:
    """Exact W1(mu_N, U[0, 1]) of the empirical measure of points ``u`` in [0, 1]
    (:func:`ratesim.metrics.wasserstein_1d_population`, exact on polynomial pieces)."""
    from scipy.stats import uniform

    from ..metrics import wasserstein_1d_population

    return wasserstein_1d_population(_sorted_unit(u, "u"), uniform(), p=1)


def w2_interval_uniform(u) -> float:
    """Exact W2(mu_N, U[0, 1]); E W2^2 = 1/(6N) for uniform samples (STYLE.md section 5)."""
    from scipy.stats import uniform

    from ..metrics import wasserstein_1d_population

    return wasserstein_1d_population(_sorted_unit(u, "u"), uniform(), p=2)


# ---------------------------------------------------------------------------------------------
# built-in tasks


@task(
    "empirical_w_interval",
    metrics=("w1", "w2"),
    choices={"manifold": ("interval",), "density": ("uniform",)},
)
def _empirical_w_interval(params, rng):
    """W1, W2 of the empirical measure of N uniform points on [0, 1] (exact)."""
    n = check_int(params["N"], "N", low=2)
    u = as_generator(rng).uniform(size=n)
    return {"w1": w1_interval_uniform(u), "w2": w2_interval_uniform(u)}


@task(
    "empirical_w_circle",
    metrics=("w1",),
    choices={"manifold": ("circle",), "density": ("uniform",)},
)
def _empirical_w_circle(params, rng):
    """W1 (arc length) of the empirical measure of N uniform angles on the circle (exact)."""
    n = check_int(params["N"], "N", low=2)
    theta = as_generator(rng).uniform(0.0, 2 * np.pi, size=n)
    return {"w1": w1_circle_uniform(theta)}


@task("synthetic_power", metrics=("value",), choices={"manifold": ("none",)})
def _synthetic_power(params, rng):
    """C N^slope exp(noise z): a metric with a known rate, to test the engine."""
    n = check_int(params["N"], "N", low=2)
    c = check_positive(params.get("C", 1.0), "C")
    noise = check_positive(params.get("noise", 0.1), "noise", allow_zero=True)
    slope = float(params["slope"])
    z = as_generator(rng).standard_normal()
    return {"value": float(c * n**slope * np.exp(noise * z))}
