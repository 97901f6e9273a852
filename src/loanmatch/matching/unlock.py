"""Blanks that speak: which unknown fact stands between an owner and which products.

For one applicant, a product ``j`` not offerable now (its rules do not all pass, or its decision
probability is under its threshold) is *opened by* an unknown feature ``f`` when giving ``f``
one plausible value, and nothing else, makes it offerable: every rule of ``j`` passes and the
decision probability reaches ``j``'s threshold. Everything else stays as it is: the other
unknowns keep excluding by their rules and keep the model's pessimistic bound (or the intake's
plausible lower bound, whichever scorer the result itself used). So a product counted for ``f``
is blocked only by ``f``: the number is computed by re-running matching, never guessed.

The plausible values of ``f`` (``candidates``) are, when a prior of past applicants is at hand
(the intake's, ``Prior.plausible_values``), the 10%, 25%, 50%, 75% and 90% quantiles of what
past applicants had (numbers) and the values at least 5% of them had (categories, yes/no).
Without a prior: a number's values where the products' rules on it change (each rule's own
boundary: the least value that meets ``>= 650`` is 650) and the ends of the catalog's range
(``min``, ``max``), within that range; every category; both yes and no. That fallback is the
weaker one (a range's end may be rare), which is why every served path passes the prior. A
product opened only by a value outside those is not counted: the message may say too few
products, never one that no plausible value opens.

Price and the inquiry budget are not re-run: a product counted here could still be priced out or
ranked below the offers' cap; the texts say "could be checked" (可能), not "will be offered".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from loanmatch.connectors.base import SOURCE_NAMES
from loanmatch.domain.catalog import Catalog, Feature, Text, Values
from loanmatch.domain.products import Product
from loanmatch.domain.rules import PASS
from loanmatch.matching.batch import Batch, Scorer, score_pairs
from loanmatch.matching.results import Unlock
from loanmatch.model.bundle import ModelBundle

__all__ = ["Unlock", "rule_candidates", "unlock_text", "unlocks"]

STRICT_STEP = 1e-6
"""How far past a strict boundary (``> 650``) the candidate that meets it lies (relative)."""


def rule_candidates(catalog: Catalog, products: Sequence[Product], feature: Feature) -> tuple[
    float, ...
]:  # fmt: skip
    """Plausible values of ``feature`` without a prior (module docstring)."""
    if feature.type == "boolean":
        return (0.0, 1.0)
    if feature.type == "category":
        return tuple(float(k) for k in range(len(feature.categories)))
    points: set[float] = set()
    for product in products:
        for rule in product.rules:
            condition = rule.condition
            if condition.feature != feature.name or not condition.values:
                continue
            for v in condition.values:
                step = max(abs(v), 1.0) * STRICT_STEP
                if condition.op == ">":
                    points.add(v + step)
                elif condition.op == "<":
                    points.add(v - step)
                else:
                    points.add(v)
    low = feature.min if feature.min is not None else -np.inf
    high = feature.max if feature.max is not None else np.inf
    points.update(end for end in (feature.min, feature.max) if end is not None)
    return tuple(sorted(p for p in points if low <= p <= high))


def unlock_text(feature: Feature, n: int, *, pull: bool = True) -> Text:
    """What the page and the chat say: authorise the fact's source (a connector's fact, with
    ``pull``), or answer it."""
    label_zh, label_en = feature.display("zh"), feature.display("en")
    more_en = "1 more product" if n == 1 else f"{n} more products"
    if pull and feature.source not in ("ask", "derived"):
        name = SOURCE_NAMES.get(feature.source, Text(zh=feature.source, en=feature.source))
        return Text(
            zh=f"授权查询{name.zh}（{label_zh}）后，可能有 {n} 个产品可以申请",
            en=f"Authorise the {name.en} check ({label_en}): {more_en} could be checked",
        )
    return Text(
        zh=f"补充{label_zh}后，可能有 {n} 个产品可以申请",
        en=f"With {label_en} filled in, {more_en} could be checked",
    )


def _offerable(
    status: npt.NDArray[np.int8], p: npt.NDArray[np.float64], thresholds: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    with np.errstate(invalid="ignore"):
        return np.asarray((status == PASS) & (np.nan_to_num(p, nan=-1.0) >= thresholds))


def unlocks(
    bundle: ModelBundle,
    values: Values,
    batch: Batch,
    *,
    i: int = 0,
    candidates: Mapping[str, Sequence[float]] | None = None,
    scorer: Scorer = score_pairs,
) -> tuple[Unlock, ...]:
    """For applicant ``i`` of ``batch`` (``values``: what it scored), each unknown fact with the
    products it alone would open, most products first (then catalog order); facts that open
    nothing are left out. Derived and protected features are never named (they are computed or
    never used)."""
    market, catalog = bundle.market, bundle.market.catalog
    m = len(market.products)
    thresholds = np.array([batch.threshold_of(j) for j in range(m)], dtype=np.float64)
    now = _offerable(batch.status[i], batch.p_decision[i], thresholds)
    row = {k: float(v[i]) for k, v in values.items()}
    open_: list[tuple[Feature, tuple[float, ...]]] = []
    for feature in catalog.features:
        if feature.derived or feature.protected or not np.isnan(row.get(feature.name, np.nan)):
            continue
        given = candidates.get(feature.name) if candidates is not None else None
        grid = tuple(given) if given else rule_candidates(catalog, market.products, feature)
        if grid:
            open_.append((feature, grid))
    if not open_ or now.all():
        return ()
    n = sum(len(grid) for _, grid in open_)
    trial: Values = {}
    derived = {f.name for f in catalog.features if f.derived}
    for name, x in row.items():
        trial[name] = np.full(n, np.nan if name in derived else x, dtype=np.float64)
    owner = np.empty(n, dtype=np.intp)
    start = 0
    for k, (feature, grid) in enumerate(open_):
        stop = start + len(grid)
        trial[feature.name][start:stop] = grid
        owner[start:stop] = k
        start = stop
    bundle.complete(trial)
    eligibility, p = scorer(bundle, trial, None)
    opened = _offerable(eligibility.status, p, thresholds[None, :]) & ~now[None, :]
    found: list[tuple[int, int, Unlock]] = []
    for k, (feature, _) in enumerate(open_):
        mine = opened[owner == k].any(axis=0)
        products = tuple(market.products[j] for j in np.flatnonzero(mine))
        if products:
            n_open = len(products)
            unlock = Unlock(
                feature.name, products, feature.source, unlock_text(feature, n_open),
                unlock_text(feature, n_open, pull=False),
            )  # fmt: skip
            found.append((-n_open, k, unlock))
    found.sort(key=lambda item: (item[0], item[1]))
    return tuple(u for _, _, u in found)
