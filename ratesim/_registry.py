"""Name -> component registries with one error message and one did-you-mean.

Every registry of the package (``MANIFOLDS``, ``DENSITIES``, ``SCORES``, ``SAMPLERS``,
``BASELINES``) is a :class:`Registry`: a ``dict`` from the names used in study files to classes
(or functions), with a ``kind`` label for messages and a :meth:`Registry.make` that checks the name
and the keyword parameters before it builds. ``make_manifold("elipse")`` raises::

    ValueError: unknown manifold 'elipse' (did you mean 'ellipse'? available: circle, ellipse, ...)

and ``make_density("von_mises", kapa=2.0)``::

    ValueError: density 'von_mises' takes no parameter 'kapa' (did you mean 'kappa'? available:
    kappa, mean)
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable

__all__ = ["RENAMED", "Registry", "did_you_mean"]


RENAMED: dict[str, tuple[str, ...]] = {
    "h": ("bandwidth", "step", "fd_step"),
    "sigma": ("bandwidth",),
    "ts_h": ("ts_step",),
}
"""Former parameter names of the package -> their new names, so that an old name gets its new
one as the did-you-mean (``h`` was the bandwidth of the estimators, the step of the samplers and
the finite-difference step of the metrics; ``sigma`` the bandwidth of ``InertialDiffusion``)."""


def did_you_mean(name, options: Iterable) -> str:
    """The tail of an error message about ``name``, which is not among ``options``.

    Parameters
    ----------
    name : object
        The name that was not found (converted with ``str``).
    options : iterable
        The valid names (a mapping gives its keys).

    Returns
    -------
    str
        ``" (did you mean 'x'? available: a, b)"`` when ``name`` is a former name of an option
        (:data:`RENAMED`) or one option is close to it (``difflib`` ratio >= 0.6), else
        ``" (available: a, b)"`` (``" (available: none)"`` when there are no options). Options
        are listed sorted.

    Examples
    --------
    >>> "unknown manifold 'elipse'" + did_you_mean("elipse", ["ellipse", "sphere"])
    "unknown manifold 'elipse' (did you mean 'ellipse'? available: ellipse, sphere)"
    >>> did_you_mean("h", ["bandwidth", "k"])
    " (did you mean 'bandwidth'? available: bandwidth, k)"
    """
    options = sorted(map(str, options))
    close = [new for new in RENAMED.get(str(name), ()) if new in options][:1]
    close = close or difflib.get_close_matches(str(name), options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}? available: {', '.join(options)})"
    return f" (available: {', '.join(options) or 'none'})"


class Registry(dict):
    """A ``dict`` from names to classes (or functions) that builds them by name.

    Parameters
    ----------
    kind : str
        What the registry holds, for messages (``"manifold"``, ``"density"``, ...).
    entries : mapping or iterable of (name, object) pairs, optional
        The initial entries, as for ``dict``.
    partial : bool, default False
        If True, :meth:`make` returns ``functools.partial(obj, **params)`` instead of
        ``obj(**params)`` (registries of functions that still need their data, e.g. samplers).

    Attributes
    ----------
    kind : str
    partial : bool

    Examples
    --------
    >>> SHAPES = Registry("shape", {"box": dict})
    >>> SHAPES.make("box", width=2)
    {'width': 2}
    >>> "box" in SHAPES, list(SHAPES)
    (True, ['box'])
    """

    def __init__(self, kind: str, entries=(), /, *, partial: bool = False):
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind must be a non-empty string (got {kind!r})")
        super().__init__(entries)
        self.kind = kind
        self.partial = bool(partial)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {dict.__repr__(self)})"

    def lookup(self, name) -> Callable:
        """The class (or function) registered as ``name``.

        Raises
        ------
        ValueError
            ``"unknown <kind> 'name' (did you mean ...)"`` for a name not registered.
        """
        if not isinstance(name, str) or name not in self:
            raise ValueError(f"unknown {self.kind} {name!r}" + did_you_mean(name, self))
        return self[name]

    def parameters(self, name) -> tuple[str, ...] | None:
        """The keyword parameters of the entry ``name`` (of its constructor for a class).

        Returns
        -------
        tuple of str or None
            Parameter names in signature order (``self``, positional-only and ``*args``
            excluded); None when the entry takes ``**kwargs`` or has no readable signature.

        Raises
        ------
        ValueError
            For an unknown name (see :meth:`lookup`).
        """
        obj = self.lookup(name)
        try:
            ps = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            return None
        if any(p.kind is p.VAR_KEYWORD for p in ps):
            return None
        return tuple(
            p.name
            for p in ps
            if p.name != "self" and p.kind not in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL)
        )

    def check(self, name, params) -> Callable:
        """Check ``name`` and the keyword names in ``params``; return the registered object.

        Raises
        ------
        ValueError
            ``"unknown <kind> 'name' ..."`` for a name not registered, ``"<kind> 'name' takes
            no parameter 'p' ..."`` for a parameter the entry does not take; both with a
            did-you-mean and the valid names.
        """
        obj = self.lookup(name)
        takes = self.parameters(name)
        if takes is not None:
            for key in params:
                if key not in takes:
                    raise ValueError(
                        f"{self.kind} {name!r} takes no parameter {key!r}"
                        + did_you_mean(key, takes)
                    )
        return obj

    def make(self, name, /, **params):
        """Build the entry registered as ``name`` with keyword ``params``.

        Parameters
        ----------
        name : str
            A key of the registry.
        **params
            Keyword arguments of the class (or function).

        Returns
        -------
        object
            ``obj(**params)``, or ``functools.partial(obj, **params)`` for a registry made with
            ``partial=True``.

        Raises
        ------
        ValueError
            Unknown name or parameter (see :meth:`check`), or whatever the constructor raises.
        """
        obj = self.check(name, params)
        if self.partial:
            return functools.partial(obj, **params)
        return obj(**params)
