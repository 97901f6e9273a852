"""Derived features: arithmetic over other features, evaluated for many applicants at once.

An expression is a tree of numbers, feature references, ``+ - * /``, unary minus and the
functions ``min(a, b)`` and ``max(a, b)``. Unknown inputs and division by zero give unknown (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Values

__all__ = [
    "BinOp",
    "Call",
    "Expr",
    "Neg",
    "Num",
    "Ref",
    "evaluation_order",
    "fill_derived",
    "references",
]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Num:
    value: float

    def evaluate(self, values: Values, n: int) -> Array:
        return np.full(n, self.value)


@dataclass(frozen=True)
class Ref:
    name: str

    def evaluate(self, values: Values, n: int) -> Array:
        column: Array = values[self.name]
        return column


@dataclass(frozen=True)
class Neg:
    operand: Expr

    def evaluate(self, values: Values, n: int) -> Array:
        return -self.operand.evaluate(values, n)


@dataclass(frozen=True)
class BinOp:
    op: Literal["+", "-", "*", "/"]
    left: Expr
    right: Expr

    def evaluate(self, values: Values, n: int) -> Array:
        a = self.left.evaluate(values, n)
        b = self.right.evaluate(values, n)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        with np.errstate(divide="ignore", invalid="ignore"):
            out = a / b
        out[b == 0] = np.nan
        return out


@dataclass(frozen=True)
class Call:
    function: Literal["min", "max"]
    left: Expr
    right: Expr

    def evaluate(self, values: Values, n: int) -> Array:
        a = self.left.evaluate(values, n)
        b = self.right.evaluate(values, n)
        return np.minimum(a, b) if self.function == "min" else np.maximum(a, b)


Expr = Num | Ref | Neg | BinOp | Call


def references(expr: Expr) -> set[str]:
    """The feature names an expression reads."""
    if isinstance(expr, Ref):
        return {expr.name}
    if isinstance(expr, Num):
        return set()
    if isinstance(expr, Neg):
        return references(expr.operand)
    return references(expr.left) | references(expr.right)


def evaluation_order(formulas: dict[str, Expr]) -> list[str]:
    """Derived features ordered so every input is computed first; raises ValueError on a cycle."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise ValueError(
                f"derived features refer to each other in a cycle: {' -> '.join(path)}"
            )
        state[name] = 1
        for ref in sorted(references(formulas[name])):
            if ref in formulas:
                visit(ref, (*path, ref))
        state[name] = 2
        order.append(name)

    for name in formulas:
        visit(name, (name,))
    return order


def fill_derived(formulas: dict[str, Expr], values: Values) -> None:
    """Compute derived features in place where they are unknown (given cells are kept)."""
    if not values:
        return
    n = len(next(iter(values.values())))
    for name in evaluation_order(formulas):
        computed = formulas[name].evaluate(values, n)
        column = values.get(name)
        if column is None:
            values[name] = computed.astype(np.float64)
        else:
            values[name] = np.where(np.isnan(column), computed, column)
