"""Safe arithmetic expressions for study files, e.g. ``Expr("N^(-1/(k+4))")``.

Hyper-parameters of a study may depend on the cell (bandwidth h = N^(-1/(k+4)), Lyu et al. 2025; a
predicted exponent -beta/(4k), Shen, Hsieh, He 2026). Such expressions are parsed with :mod:`ast`
and evaluated by a small interpreter that knows only numbers, the variables of the cell, ``+ - * /
^ **`` (``^`` is power, as in the papers), unary minus and a fixed list of functions. Nothing is
ever passed to ``eval``: attribute access, indexing, comprehensions, lambdas, strings or calls of
anything else are refused when the expression is parsed.
"""

from __future__ import annotations

import ast
import math
import operator

__all__ = ["Expr", "ExprError", "FUNCTIONS", "CONSTANTS"]

FUNCTIONS = {
    "log": math.log,
    "ln": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "exp": math.exp,
    "sqrt": math.sqrt,
    "abs": abs,
    "min": min,
    "max": max,
    "ceil": math.ceil,
    "floor": math.floor,
}
CONSTANTS = {"pi": math.pi, "e": math.e}

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class ExprError(ValueError):
    """An expression that cannot be parsed or evaluated (the message quotes it)."""


def _check(node: ast.AST, text: str) -> None:
    """Refuse every syntax the interpreter does not know, at parse time."""
    if isinstance(node, ast.Expression):
        _check(node.body, text)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExprError(
                f"expression {text!r}: operator {type(node.op).__name__} is not allowed "
                "(allowed: + - * / ^ **)"
            )
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExprError(f"expression {text!r}: unary {type(node.op).__name__} is not allowed")
        _check(node.operand, text)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExprError(f"expression {text!r}: constant {node.value!r} is not a real number")
    elif isinstance(node, ast.Name):
        pass
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExprError(
                f"expression {text!r}: function {name!r} is not allowed "
                f"(allowed: {', '.join(sorted(FUNCTIONS))})"
            )
        if node.keywords:
            raise ExprError(f"expression {text!r}: keyword arguments are not allowed")
        for a in node.args:
            _check(a, text)
    else:
        raise ExprError(f"expression {text!r}: syntax {type(node).__name__} is not allowed")


def _names(node: ast.AST) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
    # function names are Names too: drop the called ones
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            out.discard(n.func.id)
    return out - set(CONSTANTS)


class Expr:
    """A safe arithmetic expression of the cell's numeric parameters.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"N^(-1/(k+4))"`` or ``"-beta/(4*k)"``. ``^`` means power.

    Attributes
    ----------
    names : frozenset of str
        The free variables the expression needs.

    Examples
    --------
    >>> Expr("N^(-1/(k+4))")(N=3**5, k=1)
    0.3333333333333333
    """

    __slots__ = ("text", "_tree", "names", "_error")

    def __init__(self, text: str):
        if not isinstance(text, str) or not text.strip():
            raise ExprError(f"an expression must be a non-empty string (got {text!r})")
        self.text = text
        self._tree, self._error = None, None
        self.names = frozenset()
        # A malformed expression is recorded, not raised, so that the study validation can report
        # it with the file and the grid key it sits under; check() or any evaluation raises it.
        try:
            tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
            _check(tree, text)
        except SyntaxError as e:
            self._error = ExprError(f"cannot parse expression {text!r}: {e.msg}")
        except ExprError as e:
            self._error = e
        else:
            self._tree = tree
            self.names = frozenset(_names(tree))

    def check(self) -> Expr:
        """Raise the parse error of a malformed expression (:class:`ExprError`); return self."""
        if self._error is not None:
            raise ExprError(str(self._error))
        return self

    def __call__(self, **env) -> float:
        """Evaluate with the variables given as keywords; returns a finite float."""
        self.check()
        missing = sorted(self.names - set(env))
        if missing:
            raise ExprError(
                f"expression {self.text!r}: unknown variable(s) {', '.join(missing)} "
                f"(available: {', '.join(sorted(env)) or 'none'})"
            )
        try:
            v = self._eval(self._tree.body, env)
        except ExprError:
            raise
        except (ArithmeticError, ValueError, TypeError) as e:
            raise ExprError(f"expression {self.text!r} cannot be evaluated at {env}: {e}") from None
        if isinstance(v, complex) or not math.isfinite(v):
            raise ExprError(
                f"expression {self.text!r} is not a finite real number at {env} (got {v!r})"
            )
        return float(v)

    def _eval(self, node, env):
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](self._eval(node.left, env), self._eval(node.right, env))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, env))
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id in env:
                v = env[node.id]
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise ExprError(
                        f"expression {self.text!r}: variable {node.id} = {v!r} is not a number"
                    )
                return float(v)
            return CONSTANTS[node.id]
        if isinstance(node, ast.Call):
            return FUNCTIONS[node.func.id](*(self._eval(a, env) for a in node.args))
        raise ExprError(f"expression {self.text!r}: unexpected node {type(node).__name__}")

    def __reduce__(self):
        return (Expr, (self.text,))

    def __eq__(self, other) -> bool:
        return isinstance(other, Expr) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("Expr", self.text))

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"
