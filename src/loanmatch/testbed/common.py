"""Helpers the test-bed markets share: the same logic, never a market's design.

What a market is (its features, lenders, rules, decisions and logging policy) stays in its own
module; this one holds only the plumbing they have in common: the logistic function and the
random streams, catalog entries, published rules (their text, their draws, whether they hold),
hidden knock-outs, the choice of applications, and the section-9 data frames. Nothing here
draws a random number on its own: a function that takes ``rng`` draws exactly what its caller
used to, in the same order, so that a market's output does not depend on which helpers it uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "Bools",
    "Floats",
    "Ints",
    "Limits",
    "Rules",
    "Values",
    "bans",
    "blanked",
    "catalog_feature",
    "feature",
    "feature_frame",
    "first_applicants",
    "hide",
    "knocked_out",
    "listed_rule",
    "logged",
    "picks",
    "rule",
    "rule_keys",
    "sigmoid",
    "size_facts",
    "streams",
    "threshold",
]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]
Values = dict[str, Floats]
"""Feature values by name: categories as level codes, booleans as 0/1, NaN for unknown."""


def sigmoid(x: Floats) -> Floats:
    """The logistic function, elementwise."""
    out: Floats = 1.0 / (1.0 + np.exp(-x))
    return out


def streams(seed: int, salt: int, count: int) -> list[np.random.Generator]:
    """``count`` independent random streams for a market's ``seed`` (``salt``: the market's)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence([seed, salt]).spawn(count)]


# --- catalog ---------------------------------------------------------------------------------


def catalog_feature(
    name: str,
    kind: str | tuple[str, ...],
    low: float,
    high: float,
    zh: str,
    en: str,
    monotone: int = 0,
) -> dict[str, Any]:
    """A features.yaml entry from a catalog row: ``kind`` a type, or a category's levels."""
    spec: dict[str, Any] = {"name": name, "type": kind if isinstance(kind, str) else "category"}
    if kind == "number":
        spec.update(min=low, max=high)
    if not isinstance(kind, str):
        spec["categories"] = list(kind)
    if monotone:
        spec["monotone"] = monotone
    spec["label"] = {"zh": zh, "en": en}
    return spec


def feature(name: str, kind: str, label: str, top: float = 0, **extra: Any) -> dict[str, Any]:
    """A features.yaml entry; ``label`` is ``"English|中文"``, a number runs ``low`` to ``top``."""
    en, zh = label.split("|")
    bounds = {"min": extra.pop("low", 0), "max": top} if kind == "number" else {}
    return {"name": name, "type": kind, **bounds, "label": {"zh": zh, "en": en}, **extra}


# --- published rules -------------------------------------------------------------------------


def rule(name: str, op: str, value: float) -> str:
    """A published rule's text: ``name op value``, a boolean's value as ``true``/``false``."""
    shown = ("true" if value else "false") if op == "==" else f"{value:.12g}"
    return f"{name} {op} {shown}"


def listed_rule(name: str, op: str, levels: Sequence[str], chosen: npt.ArrayLike) -> str:
    """A published rule on a category: ``name in [...]`` or ``name not in [...]``."""
    return f"{name} {op} [{', '.join(levels[i] for i in np.sort(np.asarray(chosen)))}]"


def threshold(
    rng: np.random.Generator, options: tuple[float, ...], strict: float, noise: float
) -> float:
    """One of ``options`` (lenient to strict), stricter for a stricter product, with noise."""
    level = (len(options) - 1) / 2 + strict + rng.normal(0, noise)
    return float(options[int(np.clip(np.round(level), 0, len(options) - 1))])


def rule_keys(
    rng: np.random.Generator, pool: list[str], count_p: list[float]
) -> tuple[int, list[str]]:
    """How many rules a product has (0 to 4, by ``count_p``) and which: ``pool``'s first, if
    any, then the others in a random order."""
    count = int(rng.choice(5, p=count_p))
    return count, [pool[0]] * (count > 0) + list(rng.permutation(pool[1:]))[: max(count - 1, 0)]


@dataclass(frozen=True)
class Limits:
    """Published cuts as arrays over products: ``name >= cut``, ``name <= cut``, ``name == true``.

    The passes are computed on true values, with an applicant as rows and a product as columns.
    """

    low: dict[str, Floats]
    high: dict[str, Floats]
    needs: dict[str, Bools]

    @classmethod
    def none(
        cls, n: int, low: Iterable[str], high: Iterable[str], needs: dict[str, Bools]
    ) -> Limits:
        """No cut yet on the ``low`` (``>=``) and ``high`` (``<=``) features of ``n`` products."""
        lows = {f: np.full(n, -np.inf) for f in low}
        return cls(lows, {f: np.full(n, np.inf) for f in high}, needs)

    def set(self, name: str, product: int, value: float) -> str:
        """Put the cut ``value`` on ``name`` for ``product``; the rule's text."""
        if name in self.low:
            self.low[name][product] = value
            return rule(name, ">=", value)
        self.high[name][product] = value
        return rule(name, "<=", value)

    def passes(self, x: Values, ok: Bools) -> Bools:
        """``ok`` (rows x products), narrowed in place to the pairs whose cuts all hold."""
        for name, low in self.low.items():
            ok &= x[name][:, None] >= low
        for name, high in self.high.items():
            ok &= x[name][:, None] <= high
        for name, need in self.needs.items():
            ok &= ~need | (x[name][:, None] > 0.5)
        return ok


@dataclass(frozen=True)
class Rules:
    """Published rules as arrays over products, and their text."""

    ops: dict[tuple[str, str], Floats]  # (op, feature) -> value per product (NaN: no rule)
    allowed: dict[str, Bools]  # category feature -> products x levels
    texts: list[list[str]]

    @staticmethod
    def no_ops(
        pool: Iterable[tuple[str, str, tuple[float, ...]]], n: int
    ) -> dict[tuple[str, str], Floats]:
        """No rule yet, for each (op, feature) of ``pool`` and each of ``n`` products."""
        return {(op, name): np.full(n, np.nan) for op, name, _ in pool}

    @staticmethod
    def draw(
        rng: np.random.Generator,
        ops: dict[tuple[str, str], Floats],
        entry: tuple[str, str, tuple[float, ...]],
        product: int,
    ) -> str:
        """Draw the value of the rule ``entry`` (op, feature, choices) for ``product``; its text."""
        op, name, choices = entry
        ops[(op, name)][product] = value = float(rng.choice(choices))
        return rule(name, op, value)

    @classmethod
    def of(
        cls, ops: dict[tuple[str, str], Floats], allowed: dict[str, Bools], texts: list[list[str]]
    ) -> Rules:
        """The rules, keeping only the (op, feature) pairs some product uses."""
        return cls({k: v for k, v in ops.items() if not np.isnan(v).all()}, allowed, texts)

    def passes(self, v: Values, prods: Ints, unknown_ok: bool = False) -> Bools:
        """Whether every rule holds; ``v`` and ``prods`` broadcast against each other."""
        shape = np.broadcast_shapes(prods.shape, *(x.shape for x in v.values()))
        ok = np.ones(shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            for (op, name), value in self.ops.items():
                x, limit = v[name], value[prods]
                hold = x >= limit if op == ">=" else (x <= limit if op == "<=" else x == limit)
                ok &= hold | np.isnan(limit) | (unknown_ok & np.isnan(x))
        for name, allowed in self.allowed.items():
            x = v[name]
            ok &= allowed[prods, np.nan_to_num(x).astype(np.intp)] | (unknown_ok & np.isnan(x))
        return ok


# --- lenders' hidden behaviour ---------------------------------------------------------------


def bans(
    rng: np.random.Generator, lender: Ints, lenders: int, levels: int, share: float, most: int
) -> Bools:
    """Levels a lender silently avoids: ``share`` of lenders avoid 1 to ``most`` of them; per
    product (``lender``: each product's lender)."""
    banned = np.zeros((lenders, levels), dtype=bool)
    for i in np.flatnonzero(rng.random(lenders) < share):
        banned[i, rng.choice(levels, rng.integers(1, most + 1), replace=False)] = True
    return banned[lender]


def knocked_out(p: Floats, ok: Bools, knocked: Bools, most: float, declined: Any) -> Floats:
    """True approval probability: ``p``, at most ``most`` under a hidden knock-out, and
    ``declined`` (a number or one per product) where a published rule fails."""
    out: Floats = np.where(ok, np.where(knocked, np.minimum(p, most), p), declined)
    return out


# --- logging ---------------------------------------------------------------------------------


def first_applicants(pool: Values, tries: Ints, rows: int) -> tuple[Values, Ints]:
    """The first applicants of ``pool`` whose ``tries`` (applications each) add up to ``rows``,
    and their tries, the last applicant's cut to fit."""
    n = int(np.searchsorted(np.cumsum(tries), rows)) + 1
    tries[n - 1] -= int(tries[:n].sum()) - rows
    return {name: value[:n] for name, value in pool.items()}, tries[:n]


def picks(top: Ints, count: Ints) -> tuple[Ints, Ints]:
    """Each applicant's first ``count`` products of its ranked ``top``: (applicant, product)."""
    take = np.arange(top.shape[1]) < count[:, None]
    return np.nonzero(take)[0], top[take]


# --- section-9 frames ------------------------------------------------------------------------


def hide(rng: np.random.Generator, n: int, shares: Mapping[str, float]) -> dict[str, Bools]:
    """Which of ``n`` cells of each feature are left blank, at random with ``shares``."""
    return {name: rng.random(n) < share for name, share in shares.items()}


def blanked(values: Values, hidden: Mapping[str, Bools]) -> Values:
    """``values`` with NaN where ``hidden``."""
    return {name: np.where(hidden.get(name, False), np.nan, x) for name, x in values.items()}


def feature_frame(ids: list[str], features: list[dict[str, Any]], seen: Values) -> pd.DataFrame:
    """The feature columns as section-9 cells: strings, bools, numbers, NaN for unknown."""
    columns: dict[str, Any] = {"applicant_id": ids}
    for spec in features:
        x = seen[spec["name"]]
        known = ~np.isnan(x)
        cells = np.full(len(x), np.nan, dtype=object)
        if spec["type"] == "category":
            cells[known] = np.asarray(spec["categories"], dtype=object)[x[known].astype(np.intp)]
        elif spec["type"] == "boolean":
            cells[known] = x[known] == 1
        columns[spec["name"]] = cells if spec["type"] != "number" else x
    return pd.DataFrame(columns)


def logged(
    frame: pd.DataFrame,
    products: list[dict[str, Any]],
    product: Ints,
    approved: npt.NDArray[np.int64],
    dates: npt.NDArray[np.datetime64],
    in_order: bool = False,
) -> pd.DataFrame:
    """``frame`` (one row per decision) with its ``product_id``, ``approved`` and ISO
    ``decided_at`` columns; ``in_order``: sorted by date (stable), with a fresh index."""
    frame.insert(1, "product_id", np.asarray([p["id"] for p in products], dtype=object)[product])
    frame.insert(2, "approved", approved)
    frame["decided_at"] = np.datetime_as_string(dates, unit="D").astype(object)
    if in_order:
        frame = frame.iloc[np.argsort(dates, kind="stable")].reset_index(drop=True)
    return frame


def size_facts(
    lenders: int, products: int, history: int, fresh: int, approved: npt.NDArray[np.int64]
) -> dict[str, Any]:
    """The facts every market opens with: its size and its approval rate in the history."""
    return {
        "lenders": lenders,
        "products": products,
        "history_rows": history,
        "fresh_applicants": fresh,
        "approval_rate": float(approved.mean()),
    }
