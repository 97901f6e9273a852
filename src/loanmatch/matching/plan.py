"""The "not yet" plan (docs/design.md §5, step 7): for an owner with no offer, the smallest
realistic changes that open a product, each verified by re-running the whole match; for an
owner whose every offer is dear (all-in APR above ``RecommendPolicy.good_all_in``), the smallest
that open one at most that dear (``cheaper=True``).

Candidates come from ``domain/whatif.py`` (only catalog features marked ``actionable``
move; the owner's highest acceptable rate is not one of them). They are matched in a few
rounds of rising effort, each round ONE vectorised ``recommend_values`` call over the candidates
of every owner still open: rules, approval probability against the policy threshold, PD, price
and inquiry budget exactly as for a real request. A candidate counts when it gets an offer (with
``cheaper``: an offer whose all-in APR is at most ``good_all_in``, the cheapest such one named);
the owner's plan is the ``limit`` easiest such candidates (lowest effort, then highest probability),
one per product, phrased in zh/en: "申请金额降到30万元以内，中国银行的惠如愿可获批（获批概率92%）".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from loanmatch.domain.approval_band import Band, probability_text
from loanmatch.domain.catalog import Catalog, Feature, Text, Values
from loanmatch.domain.products import Product
from loanmatch.domain.value_text import format_value
from loanmatch.domain.whatif import Candidate, candidates
from loanmatch.matching.batch import Batch, recommend_values
from loanmatch.matching.results import Change, PlanStep, RecommendPolicy
from loanmatch.model.bundle import ModelBundle

__all__ = ["ROUNDS", "apply_changes", "dear_offers_only", "plan_values", "step_text"]

ROUNDS = (1.0, 2.0, 4.0, math.inf)
"""Upper effort bounds of the matching rounds (each round takes the candidates above the last
bound up to this one)."""


def _number(feature: Feature, value: float, lang: str) -> str:
    """The suggested value with its unit in ``lang`` (an amount exact to the yuan, never
    rounded up: ``12.34万元``; ``domain/value_text.py``)."""
    return format_value(feature, float(value), lang)


def _change_phrase(feature: Feature, old: float, new: float) -> Text:
    label_zh, label_en = feature.display("zh"), feature.display("en")
    if feature.type == "boolean":
        return Text(f"先解决“{label_zh}”", f"first resolve “{label_en.lower()}”")
    if feature.unit == "count":
        return Text(
            f"{label_zh.split('（')[0]}减少到{_number(feature, new, 'zh')}（先结清一部分）",
            f"bring the {label_en.split('(')[0].strip().lower()} down to {new:.0f}",
        )
    for mark in ("（", "("):
        label_zh = label_zh.split(mark)[0]
        label_en = label_en.split(mark)[0].strip()
    zh_new, en_new = _number(feature, new, "zh"), _number(feature, new, "en")
    if feature.unit == "percent":
        zh_new, en_new = f"{new:g}%", f"{new:g}%"
    if new < old and feature.actionable == "reduce" and feature.group != "request":
        return Text(
            f"先偿还一部分，把{label_zh}降到{zh_new}以内",
            f"pay the {label_en.lower()} down to {en_new}",
        )
    if new < old and feature.actionable == "reduce":
        return Text(f"{label_zh}降到{zh_new}以内", f"lower the {label_en.lower()} to {en_new}")
    if feature.unit == "percent":
        return Text(f"{label_zh}放宽到{zh_new}", f"accept up to {en_new} a year")
    if feature.unit == "days" and new > old:
        return Text(f"{label_zh}放宽到{zh_new}", f"allow {en_new} before the money is needed")
    return Text(f"{label_zh}调整为{zh_new}", f"change the {label_en.lower()} to {en_new}")


def step_text(
    catalog: Catalog,
    changes: Sequence[Change],
    wait: int,
    product: Product,
    p: float,
    all_in: float | None,
    band: Band | None = None,
) -> Text:
    """The plain-language suggestion for one verified change; the approval is said as its band
    (``domain/approval_band.py``), never as 100%."""
    zh: list[str] = []
    en: list[str] = []
    if wait:
        # Waiting assumes no new events in any counter it lets fall; credit ones are said above.
        others = [
            catalog[c.feature]
            for c in changes
            if catalog[c.feature].actionable == "decay" and catalog[c.feature].group != "credit"
        ]
        zh_others = "、".join(f.display("zh").split("（")[0] for f in others)
        en_others = "".join(
            f", no new {f.display('en').split('(')[0].strip().lower()}" for f in others
        )
        zh.append(
            f"{wait}个月后再申请（期间按时还款、不新增征信查询"
            + (f"，{zh_others}不再增加" if others else "")
            + "）"
        )
        en.append(
            f"apply again in {wait} months (paying on time, no new credit inquiries{en_others}"
            " meanwhile)"
        )
    for change in changes:
        feature = catalog[change.feature]
        if wait and feature.actionable == "start" and change.old == 0:
            label_zh = feature.display("zh").split("（")[0]
            label_en = feature.display("en").split("(")[0].strip()
            zh.append(f"现在就开始累计“{label_zh}”（等待的每个月都算）")
            en.append(f"start building up “{label_en.lower()}” now (every month of waiting counts)")
            continue
        if wait and feature.actionable in ("time", "start", "decay"):
            continue
        phrase = _change_phrase(feature, change.old, change.new)
        zh.append(phrase.zh)
        en.append(phrase.en)
    price_zh = f"，综合年化约{all_in:.2f}%" if all_in is not None else ""
    price_en = f", all-in about {all_in:.2f}% a year" if all_in is not None else ""
    lender_zh, lender_en = product.lender_display("zh"), product.lender_display("en")
    first_en = "; ".join(en)
    return Text(
        f"{'，'.join(zh)}，{lender_zh}的{product.display('zh')}可获批"
        f"（获批概率{probability_text(p, band, 'zh')}{price_zh}）",
        f"{first_en[:1].upper()}{first_en[1:]}: {product.display('en')} from {lender_en} opens "
        f"(approval probability {probability_text(p, band, 'en')}{price_en})",
    )


def apply_changes(
    bundle: ModelBundle,
    values: Values,
    owners: npt.NDArray[np.intp],
    changes: Sequence[dict[str, float]],
) -> Values:
    """One row per candidate: the owner's values with the changes; derived features recomputed
    (a derived value whose inputs are unknown keeps the owner's own)."""
    out = {k: v[owners].copy() for k, v in values.items()}
    for r, change in enumerate(changes):
        for name, value in change.items():
            out[name][r] = value
    derived = [f.name for f in bundle.market.catalog.features if f.derived]
    before = {name: out[name].copy() for name in derived}
    for name in derived:
        out[name][:] = np.nan
    bundle.complete(out)
    for name in derived:
        missing = np.isnan(out[name])
        out[name][missing] = before[name][missing]
    return out


def _steps(
    bundle: ModelBundle,
    row: dict[str, float],
    found: list[tuple[Candidate, int, float, float | None]],
    limit: int,
) -> tuple[PlanStep, ...]:
    found.sort(key=lambda f: (f[0].effort, -f[2]))
    steps: list[PlanStep] = []
    seen: set[str] = set()
    for candidate, j, p, all_in in found:
        product = bundle.market.products[j]
        if product.id in seen:
            continue
        seen.add(product.id)
        changes = tuple(
            Change(name, row.get(name, math.nan), new) for name, new in candidate.changes.items()
        )
        band = bundle.approval_bands.band(p)
        text = step_text(
            bundle.market.catalog, changes, candidate.wait_months, product, p, all_in, band
        )
        steps.append(
            PlanStep(
                changes, product, p, candidate.effort, text, all_in, candidate.wait_months, band
            )
        )
        if len(steps) >= limit:
            break
    return tuple(steps)


def _all_in(batch: Batch, r: int, j: int) -> float | None:
    pair = batch.selection.pairs.get((r, j)) if batch.selection else None
    return pair.all_in if pair is not None and not math.isnan(pair.all_in) else None


def _opened(batch: Batch, r: int, good: float | None) -> tuple[int, float | None] | None:
    """The product a changed application ``r`` opens, with its all-in APR: the first offer, or
    with ``good`` the cheapest offer at most that dear (None: no such offer)."""
    if good is None:
        j = int(np.flatnonzero(batch.rank[r] == 1)[0])
        return j, _all_in(batch, r, j)
    prices = [(_all_in(batch, r, int(j)), int(j)) for j in np.flatnonzero(batch.rank[r] > 0)]
    fit = [(a, j) for a, j in prices if a is not None and a <= good]
    if not fit:
        return None
    price, j = min(fit)
    return j, price


def dear_offers_only(batch: Batch, good: float) -> npt.NDArray[np.bool_]:
    """Per applicant: offers exist, every one priced, and each all-in APR above ``good``."""
    out = np.zeros(len(batch.ids), dtype=bool)
    for r in np.flatnonzero(batch.covered).tolist():
        prices = [_all_in(batch, r, int(j)) for j in np.flatnonzero(batch.rank[r] > 0)]
        out[r] = all(a is not None and a > good for a in prices)
    return out


def plan_values(
    bundle: ModelBundle,
    values: Values,
    owners: Sequence[int],
    policy: RecommendPolicy,
    limit: int = 3,
    *,
    cheaper: bool = False,
) -> dict[int, tuple[PlanStep, ...]]:
    """The verified plan of each owner in ``owners`` (indices into ``values``): changes that
    open an offer, or with ``cheaper`` an offer whose all-in APR is at most
    ``policy.good_all_in``.

    Candidates are matched in rounds of rising effort (``ROUNDS``), each round one vectorised
    ``recommend_values`` call over the candidates of every owner still open; an owner closes
    once ``limit`` products are open to it, since every later candidate is harder than those.
    """
    rows = {i: {k: float(v[i]) for k, v in values.items()} for i in owners}
    owner_of: list[int] = []
    tried: list[Candidate] = []
    for i in owners:
        for candidate in candidates(bundle.market, rows[i], bundle.formulas):
            owner_of.append(i)
            tried.append(candidate)
    plans: dict[int, tuple[PlanStep, ...]] = dict.fromkeys(owners, ())
    if not tried:
        return plans
    index = np.asarray(owner_of, dtype=np.intp)
    effort = np.asarray([c.effort for c in tried])
    found: dict[int, list[tuple[Candidate, int, float, float | None]]] = {i: [] for i in owners}
    opened: dict[int, set[int]] = {i: set() for i in owners}
    good = policy.good_all_in if cheaper else None
    low = -math.inf
    for high in ROUNDS:
        open_owners = np.asarray([i for i in owners if len(opened[i]) < limit], dtype=np.intp)
        now = np.flatnonzero((effort > low) & (effort <= high) & np.isin(index, open_owners))
        low = high
        if now.size == 0:
            continue
        changed = apply_changes(bundle, values, index[now], [tried[k].changes for k in now])
        ids = np.asarray([f"plan-{k}" for k in now.tolist()], dtype=object)
        batch: Batch = recommend_values(bundle, ids, changed, policy)
        for r in np.flatnonzero(batch.covered).tolist():
            hit = _opened(batch, r, good)
            if hit is None:
                continue
            j, all_in = hit
            k = int(now[r])
            found[owner_of[k]].append((tried[k], j, float(batch.p_decision[r, j]), all_in))
            opened[owner_of[k]].add(j)
    for i in owners:
        plans[i] = _steps(bundle, rows[i], found[i], limit)
    return plans
