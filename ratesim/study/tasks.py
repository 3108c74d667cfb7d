"""What a study cell measures: tasks, the functions a study names with ``Study(task=...)``.

A task is a plain function whose inputs are keyword parameters and whose output is a dict of
metrics::

    @task(metrics=("w1", "w2"))
    def empirical_w_interval(*, N: int, rng: np.random.Generator) -> dict[str, float]:
        u = rng.uniform(size=N)
        return {"w1": ..., "w2": ...}

The engine calls it once per cell as ``func(**params, rng=rng)``: ``params`` are the cell's grid
values (after evaluating expressions) and ``rng`` a ``numpy.random.Generator`` seeded from the cell
id. It must be pure given these: the engine then guarantees identical results whatever the job
count, backend or order.

The signature is the task's declaration of its inputs (:func:`describe`):

- every grid key must name a parameter of the task; a key that does not is rejected before any
  cell runs, with a did-you-mean;
- a parameter without a default must be given by the grid;
- a parameter with a default that the grid does not give takes its default, and the resolved value
  is written into the cell's parameters (so into its id and the tidy table). Defaults must
  therefore be numbers, strings, booleans or None;
- a task may take registered components by name (a parameter ``manifold``, ``density``,
  ``estimator`` or ``sampler``) with their options as grid keys ``<kind>__<arg>``
  (``density__kappa``), collected by a ``**components`` parameter and checked against the
  component's constructor (a None value means "not given": a coupled grid may set an option for
  some components only); :func:`build` turns them into objects.

``@task(metrics=..., choices=...)`` declares the metric names the task returns (checked against the
study's claims and against what the task returns) and, optionally, the names of components it
accepts. A task's identity for the results store is its :func:`fingerprint`: a hash of its source
and of the source of every function and class of its study family it calls, so cells computed by a
changed task are recomputed, never reused.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import marshal
import math
import numbers
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .._registry import Registry, did_you_mean

__all__ = [
    "task",
    "TaskSpec",
    "describe",
    "fingerprint",
    "did_you_mean",
    "registry_names",
    "build",
    "NAMED_KINDS",
    "REQUIRED",
]

NAMED_KINDS = ("manifold", "density", "estimator", "sampler")
REQUIRED = inspect.Parameter.empty


@dataclass(frozen=True)
class TaskSpec:
    """What a task declares about itself.

    Attributes
    ----------
    func : callable
        The task.
    name : str
        ``module.qualname`` of the task, ``<family>.<module>.<name>`` for a study family's task
        (for messages and reports).
    params : dict
        Parameter name -> default (:data:`REQUIRED` when the grid must give it); ``rng`` excluded.
    components : bool
        Whether the task takes ``<kind>__<arg>`` component options (a ``**`` parameter).
    metrics : tuple of str
        The metric names the task always returns.
    optional : tuple of str
        Metric names the task returns only in some cells (e.g. a crossing that may not happen).
    choices : dict
        Allowed names of ``manifold``, ``density``, ``estimator``, ``sampler`` (else registries).
    """

    func: Callable
    name: str
    params: Mapping[str, object]
    components: bool
    metrics: tuple[str, ...]
    choices: Mapping[str, tuple[str, ...]]
    optional: tuple[str, ...] = ()

    @property
    def all_metrics(self) -> tuple[str, ...]:
        """Every metric the task may return (claims may use any of them)."""
        return (*self.metrics, *self.optional)

    @property
    def defaults(self) -> dict[str, object]:
        """Parameters with a default: name -> default."""
        return {k: v for k, v in self.params.items() if v is not REQUIRED}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.params.items() if v is REQUIRED)


def task(
    func: Callable | None = None,
    *,
    metrics: tuple[str, ...] | list[str],
    optional: tuple[str, ...] | list[str] = (),
    choices: Mapping[str, tuple[str, ...] | list[str]] | None = None,
):
    """Declare a function as a task (a decorator; the function itself is returned).

    Parameters
    ----------
    metrics : sequence of str
        The metric names the task returns in every cell.
    optional : sequence of str
        Metric names it returns only in some cells (a cell returning neither a declared nor an
        optional metric fails; so does one missing a declared metric).
    choices : mapping, optional
        Allowed values of ``manifold``, ``density``, ``estimator`` or ``sampler`` for this task
        (default: any name of the package registries).

    Raises
    ------
    ValueError
        If the signature cannot declare inputs (see :func:`describe`).
    """
    if isinstance(metrics, str) or not metrics or not all(isinstance(m, str) for m in metrics):
        raise ValueError(f"metrics must be a non-empty sequence of names (got {metrics!r})")
    for kind in choices or {}:
        if kind not in NAMED_KINDS:
            raise ValueError(f"choices keys must be among {NAMED_KINDS} (got {kind!r})")

    if isinstance(optional, str) or not all(isinstance(m, str) for m in optional):
        raise ValueError(f"optional must be a sequence of metric names (got {optional!r})")
    both = set(metrics) & set(optional)
    if both:
        raise ValueError(f"metrics {sorted(both)} are declared both required and optional")

    def deco(f: Callable) -> Callable:
        f.__ratesim_task__ = {
            "metrics": tuple(metrics),
            "optional": tuple(optional),
            "choices": {k: tuple(v) for k, v in (choices or {}).items()},
        }
        describe(f)  # fail at definition time on a signature that cannot declare inputs
        return f

    return deco(func) if func is not None else deco


def _scalar(v) -> bool:
    if v is None or isinstance(v, bool | str):
        return True
    return isinstance(v, numbers.Real) and math.isfinite(float(v))


def describe(func: Callable) -> TaskSpec:
    """The :class:`TaskSpec` of ``func``, read from its signature and ``@task`` declaration.

    Raises
    ------
    ValueError
        ``func`` is not callable or not declared with ``@task``, takes no keyword ``rng``, has
        positional-only or ``*args`` parameters, or a default that is not a number, string,
        boolean or None.
    """
    module = str(getattr(func, "__module__", "?")).removeprefix("ratesim_studies.")
    name = f"{module}.{getattr(func, '__qualname__', repr(func))}"
    if not callable(func):
        raise ValueError(f"task must be a callable (got {func!r})")
    decl = getattr(func, "__ratesim_task__", None)
    if decl is None:
        raise ValueError(
            f"task {name} must be declared with @ratesim.study.task(metrics=(...)) so that "
            "claims can be checked against its metrics"
        )
    sig = inspect.signature(func)
    params, components = {}, False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            components = True
        elif p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL):
            raise ValueError(
                f"task {name}: parameter {p.name!r} must be a keyword parameter "
                "(write the inputs after a bare *: def f(*, N, rng))"
            )
        elif p.name != "rng":
            if p.default is not p.empty and not _scalar(p.default):
                raise ValueError(
                    f"task {name}: the default of {p.name!r} must be a number, string, boolean "
                    f"or None, so that it can enter the cell id (got {p.default!r})"
                )
            params[p.name] = p.default
    if "rng" not in sig.parameters:
        raise ValueError(f"task {name} must take a keyword parameter rng (a numpy Generator)")
    return TaskSpec(
        func=func,
        name=name,
        params=params,
        components=components,
        metrics=decl["metrics"],
        choices=decl["choices"],
        optional=decl.get("optional", ()),
    )


# ---------------------------------------------------------------------------------------------
# fingerprint


def _family(module: str) -> str:
    """The package a task's helpers are fingerprinted within: its study family folder
    (``ratesim_studies.<family>``), else its own module."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "ratesim_studies" and len(parts) > 2 else module


def _code_names(code: types.CodeType):
    yield from code.co_names
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from _code_names(c)


def _source(obj) -> bytes:
    try:
        return inspect.getsource(obj).encode()
    except (OSError, TypeError):
        code = getattr(obj, "__code__", None)
        return marshal.dumps(code) if code is not None else repr(obj).encode()


def fingerprint(func: Callable) -> str:
    """A 16-hex-digit hash of the source of ``func`` and of every function or class of its study
    family (its folder) that it reaches through global names, recursively.

    Library code is not included: the store records the library version of every cell.
    """
    fam = _family(func.__module__)
    h = hashlib.sha256()
    seen: set[int] = set()
    todo = [func]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        h.update(_source(obj))
        fns = [obj]
        if isinstance(obj, type):
            fns = [v for v in vars(obj).values() if isinstance(v, types.FunctionType)]
        for fn in fns:
            code = getattr(fn, "__code__", None)
            glb = getattr(fn, "__globals__", {})
            if code is None:
                continue
            for n in sorted(set(_code_names(code))):
                ref = glb.get(n)
                mod = getattr(ref, "__module__", None)
                if (
                    isinstance(ref, types.FunctionType | type)
                    and isinstance(mod, str)
                    and (mod == fam or mod.startswith(fam + "."))
                ):
                    todo.append(ref)
    return h.hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# components by name

_PACKAGE_REGISTRIES = {
    "manifold": ("ratesim.manifolds", "MANIFOLDS"),
    "density": ("ratesim.densities", "DENSITIES"),
    "estimator": ("ratesim.scores", "SCORES"),
    "sampler": ("ratesim.samplers", "SAMPLERS"),
}


def _registry(kind: str) -> Registry:
    mod_name, attr = _PACKAGE_REGISTRIES[kind]
    return getattr(importlib.import_module(mod_name), attr)


def registry_names(kind: str, spec: TaskSpec | None = None) -> tuple[str, ...]:
    """Allowed names of ``kind`` for a task: its ``choices``, else the package registry."""
    if spec is not None and kind in spec.choices:
        return spec.choices[kind]
    return tuple(_registry(kind))


def component_args(kind: str, name: str) -> tuple[str, ...] | None:
    """The keyword arguments the registered ``kind`` ``name`` takes, ``rng`` excluded (None: any,
    or unknown)."""
    reg = _registry(kind)
    if name not in reg:
        return None
    takes = reg.parameters(name)
    return None if takes is None else tuple(p for p in takes if p != "rng")


def options(kind: str, components: Mapping) -> dict:
    """The ``<kind>__<arg>`` entries of ``components`` as ``{arg: value}``; an entry whose value
    is None is not given (a coupled grid may set an option for some components only)."""
    prefix = f"{kind}__"
    return {
        k[len(prefix) :]: v for k, v in components.items() if k.startswith(prefix) and v is not None
    }


def build(kind: str, name: str, components: Mapping | None = None, **standard):
    """Build the registered ``kind`` named ``name`` with the options ``<kind>__<arg>`` found in
    ``components``.

    Parameters
    ----------
    kind : {"manifold", "density", "estimator", "sampler"}
    name : str
        The registry name (``"sphere"``, ``"von_mises"``, ``"empirical"``, ``"reverse_sde"``).
    components : mapping, optional
        A task's ``**components`` (keys ``<kind>__<arg>``; other kinds' keys are ignored).
    **standard
        Arguments the component takes when its constructor has them (grid columns such as ``k``,
        ``d``, ``beta`` for manifolds, or the task's ``rng`` for estimators that draw random
        numbers); ignored otherwise, so they can appear once, as columns of the table.

    Returns
    -------
    object
        The component, ``REGISTRY.make(name, **options)``: a sampler is returned as
        ``functools.partial(SAMPLERS[name], **options)``.

    Raises
    ------
    ValueError
        Unknown kind or name (with a did-you-mean) or an option the component does not take.
    """
    if kind not in _PACKAGE_REGISTRIES:
        raise ValueError(f"kind must be one of {tuple(_PACKAGE_REGISTRIES)} (got {kind!r})")
    kwargs = options(kind, components or {})
    reg = _registry(kind)
    if name not in reg:
        raise ValueError(f"unknown {kind} {name!r}" + did_you_mean(name, reg))
    takes = reg.parameters(name)  # rng included: a task may hand its generator to a component
    for k, v in standard.items():
        if k not in kwargs and takes is not None and k in takes:
            kwargs[k] = v
    return reg.make(name, **kwargs)
