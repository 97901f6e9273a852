"""The section-9 rule grammar and the derived-feature formula grammar, parsed with Lark.

Rule strings::

    <feature> <op> <value>           op: >= > <= < == !=
    <feature> in [v1, v2, ...]
    <feature> not in [v1, v2, ...]
    <feature> between [lo, hi]       inclusive

Booleans are ``true`` / ``false``; category values are bare words or quoted strings. Parsing
and type-checking against the catalog happen together, so a rule that loads can be evaluated.
"""

from __future__ import annotations

import math
from typing import Any

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import LarkError, UnexpectedInput, VisitError

from loanmatch.domain.catalog import Catalog, Feature, Scalar
from loanmatch.domain.formula import BinOp, Call, Expr, Neg, Num, Ref, references
from loanmatch.domain.rules import ORDERING, Condition, Operator

__all__ = ["parse_condition", "parse_formula"]

_RULE_GRAMMAR = r"""
    start: NAME OP value              -> compare
         | NAME "in" list             -> in_list
         | NAME "not" "in" list       -> not_in_list
         | NAME "between" "[" value "," value "]" -> between
    list: "[" [value ("," value)*] "]"
    value: VALUE
    OP: ">=" | "<=" | "==" | "!=" | ">" | "<"
    NAME: /[A-Za-z_][A-Za-z0-9_]*/
    VALUE: /"[^"]*"|'[^']*'|[^\s\[\],"']+/
    %import common.WS
    %ignore WS
"""

_FORMULA_GRAMMAR = r"""
    ?start: sum
    ?sum: product | sum "+" product -> add | sum "-" product -> sub
    ?product: unary | product "*" unary -> mul | product "/" unary -> div
    ?unary: atom | "-" unary -> neg
    ?atom: NUMBER -> number
         | FUNC "(" sum "," sum ")" -> call
         | NAME -> ref
         | "(" sum ")"
    FUNC.2: "min" | "max"
    NAME: /[A-Za-z_][A-Za-z0-9_]*/
    %import common.NUMBER
    %import common.WS
    %ignore WS
"""

_OPS: dict[str, Operator] = {op: op for op in (">=", ">", "<=", "<", "==", "!=")}
_rule_parser = Lark(_RULE_GRAMMAR, parser="lalr")
_formula_parser = Lark(_FORMULA_GRAMMAR, parser="lalr")


class RuleSyntaxError(ValueError):
    """A rule or formula does not parse or does not fit the catalog (message says what and why)."""


def _syntax_message(text: str, error: LarkError) -> str:
    if isinstance(error, UnexpectedInput):
        column = getattr(error, "column", None)
        found = getattr(error, "token", None) or getattr(error, "char", None)
        where = f" at column {column}" if column and column > 0 else ""
        what = f" near {str(found)!r}" if found else ""
        return f"cannot parse {text!r}{where}{what}"
    return f"cannot parse {text!r}"


def _raw_value(token: Token) -> Scalar:
    raw = str(token)
    if raw[:1] in "\"'":
        return raw[1:-1]
    if raw == "true":
        return True
    if raw == "false":
        return False
    try:
        number = float(raw)
    except ValueError:
        return raw
    return number if math.isfinite(number) else raw


def _encode(feature: Feature, token: Token, ordering: bool) -> float:
    raw = str(token)
    value = _raw_value(token)
    if feature.type == "category":
        if ordering:
            raise RuleSyntaxError(
                f"{feature.name} is a category; use ==, !=, in or not in, not an ordering"
            )
        name = raw[1:-1] if raw[:1] in "\"'" else raw
        index = feature.category_index(name)
        if index is None:
            raise RuleSyntaxError(
                f"{name!r} is not a category of {feature.name} "
                f"(categories: {', '.join(feature.categories)})"
            )
        return float(index)
    if feature.type == "boolean":
        if ordering:
            raise RuleSyntaxError(f"{feature.name} is a boolean; use == or != with true/false")
        if not isinstance(value, bool):
            raise RuleSyntaxError(
                f"{feature.name} is a boolean; expected true or false, got {raw!r}"
            )
        return 1.0 if value else 0.0
    if isinstance(value, bool) or not isinstance(value, float):
        raise RuleSyntaxError(f"{feature.name} is a number; expected a number, got {raw!r}")
    if feature.min is not None and value < feature.min:
        raise RuleSyntaxError(f"{raw} is below the minimum {feature.min:g} of {feature.name}")
    if feature.max is not None and value > feature.max:
        raise RuleSyntaxError(f"{raw} is above the maximum {feature.max:g} of {feature.name}")
    return value


def parse_condition(text: str, catalog: Catalog) -> Condition:
    """Parse and type-check one rule string; raises ``RuleSyntaxError`` saying what is wrong."""
    try:
        tree = _rule_parser.parse(text)
    except LarkError as error:
        raise RuleSyntaxError(_syntax_message(text, error)) from None
    children: list[Any] = [c for c in tree.children if c is not None]
    name = str(children[0])
    if name not in catalog:
        raise RuleSyntaxError(f"unknown feature {name!r}: it is not in the catalog")
    feature = catalog[name]
    kind = str(tree.data)
    op: Operator
    tokens: list[Token]
    if kind == "compare":
        op = _OPS[str(children[1])]
        tokens = [children[2].children[0]]
    elif kind == "between":
        op = "between"
        tokens = [children[1].children[0], children[2].children[0]]
        if feature.type != "number":
            raise RuleSyntaxError(f"{name} is a {feature.type}; between needs a number")
    else:
        op = "in" if kind == "in_list" else "not in"
        items: Tree[Any] = children[1]
        tokens = [v.children[0] for v in items.children if isinstance(v, Tree)]  # type: ignore[misc]
        if not tokens:
            raise RuleSyntaxError(f"the list in {text!r} is empty")
    encoded = tuple(_encode(feature, token, op in ORDERING) for token in tokens)
    if op == "between" and encoded[0] > encoded[1]:
        raise RuleSyntaxError(f"between [{tokens[0]}, {tokens[1]}] has its bounds reversed")
    return Condition(feature=name, op=op, values=encoded)


class _ToExpr(Transformer[Token, Expr]):
    def number(self, items: list[Token]) -> Expr:
        return Num(float(items[0]))

    def ref(self, items: list[Token]) -> Expr:
        return Ref(str(items[0]))

    def neg(self, items: list[Expr]) -> Expr:
        return Neg(items[0])

    def add(self, items: list[Expr]) -> Expr:
        return BinOp("+", items[0], items[1])

    def sub(self, items: list[Expr]) -> Expr:
        return BinOp("-", items[0], items[1])

    def mul(self, items: list[Expr]) -> Expr:
        return BinOp("*", items[0], items[1])

    def div(self, items: list[Expr]) -> Expr:
        return BinOp("/", items[0], items[1])

    def call(self, items: list[Any]) -> Expr:
        if str(items[0]) == "min":
            return Call("min", items[1], items[2])
        return Call("max", items[1], items[2])


def parse_formula(text: str, catalog: Catalog, target: str) -> Expr:
    """Parse a derived feature's formula; every reference must be a numeric or boolean feature."""
    try:
        expr: Expr = _ToExpr().transform(_formula_parser.parse(text))
    except (LarkError, VisitError) as error:
        if isinstance(error, LarkError):
            raise RuleSyntaxError(_syntax_message(text, error)) from None
        raise RuleSyntaxError(f"cannot parse {text!r}") from None
    for name in sorted(references(expr)):
        if name not in catalog:
            raise RuleSyntaxError(f"formula of {target} uses unknown feature {name!r}")
        if name == target:
            raise RuleSyntaxError(f"formula of {target} refers to itself")
        if catalog[name].type == "category":
            raise RuleSyntaxError(f"formula of {target} uses category feature {name!r}")
    return expr
