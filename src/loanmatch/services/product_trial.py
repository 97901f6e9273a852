"""A dry run of a product version against recent applicants, beside the version in effect
(issue 12, docs/applications.md "Lender products: drafts, tests, dry run, publishing").

The applicants are the served market's ``applicants.csv`` (its last rows,
:data:`SAMPLE_ROWS`; :func:`sample_of`), the same people the intake's prior and simulated
sources serve. For each version: how many pass every rule, fail one, or cannot be decided on
what is known; the rules failed most (an applicant failing two rules counts for both); the
mean approval probability among those passing, from the approval model when it was trained on
the product (otherwise unknown: no decision of it to learn from); and the expected daily volume
(sessions started a day over the last 7 days x the share passing: an upper bound, since not
every eligible owner is offered it or applies) against ``capacity_per_day``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.products_file import parse_product, run_product_tests
from loanmatch.adapters.tables import Table
from loanmatch.domain.catalog import Text, Values
from loanmatch.domain.products import Market, Product
from loanmatch.domain.rule_tests import CaseOutcome
from loanmatch.domain.rules import FAIL, UNKNOWN
from loanmatch.errors import ProductNotFoundError
from loanmatch.model.features import PairSpace
from loanmatch.services.product_overlay import active_versions
from loanmatch.services.products import ProductsContext, lender_version, product_lender
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["FLOW_DAYS", "SAMPLE_ROWS", "DryRun", "RuleCount", "Trial", "dry_run", "sample_of"]

SAMPLE_ROWS = 2000
"""How many of ``applicants.csv``'s last rows a dry run uses."""
FLOW_DAYS = 7
"""The days of sessions the daily flow of applicants is averaged over."""
TOP_REASONS = 5

NOT_TRAINED = Text(
    zh="模型尚未学习过该产品（没有它的审批记录）：发布后暂不推荐，下次训练后才会推荐",
    en="The model was not trained on this product (no decisions of it to learn from): once "
    "published it is not recommended until the next training",
)


@dataclass(frozen=True)
class RuleCount:
    """One rule and how many sample applicants fail it."""

    rule: str
    code: str | None
    reason: Text
    failed: int


@dataclass(frozen=True)
class Trial:
    """One version over the sample. ``version`` None: the product as the model was trained on
    it (products.yaml). ``expected_approval`` None: unknown (not trained, or nobody passes)."""

    version: int | None
    applicants: int
    eligible: int
    ineligible: int
    undecided: int
    top_reasons: tuple[RuleCount, ...]
    expected_approval: float | None
    daily_flow: float
    expected_daily: float | None
    capacity_per_day: int | None

    @property
    def over_capacity(self) -> bool:
        cap, daily = self.capacity_per_day, self.expected_daily
        return cap is not None and daily is not None and daily > cap


@dataclass(frozen=True)
class DryRun:
    """The version tried, the one in effect now (None: none yet), and the version's tests."""

    product_id: str
    trained: bool
    trial: Trial
    current: Trial | None
    tests: tuple[CaseOutcome, ...]
    notes: tuple[Text, ...]


def sample_of(table: Table, rows: int = SAMPLE_ROWS) -> Values:
    """The last ``rows`` applicants of a section-9 table (the file's order is taken as time)."""
    start = max(0, len(table.ids) - rows)
    return {name: np.asarray(column[start:]) for name, column in table.values.items()}


def _approval(
    ctx: ProductsContext, product: Product, sample: Values, passing: npt.NDArray[np.bool_]
) -> float | None:
    """The model's mean P(approve) over the passing applicants, with the version's terms
    (None: no model, the model does not know the product, or nobody passes)."""
    bundle = ctx.bundle
    if bundle is None or product.id not in bundle.market.product_ids or not passing.any():
        return None
    trained = bundle.market
    j = trained.index_of(product.id)
    products = list(trained.products)
    products[j] = replace(product, lender=trained.products[j].lender, kind=trained.products[j].kind)
    space = PairSpace(Market(catalog=trained.catalog, products=tuple(products)))
    rows = np.flatnonzero(passing).astype(np.intp)
    pairs = space.pairs(space.applicant_matrix(sample), rows, np.full(rows.size, j, np.intp))
    return float(np.mean(bundle.probability(pairs)))


def _trial(ctx: ProductsContext, product: Product, version: int | None, flow: float) -> Trial:
    sample = ctx.sample
    n = len(next(iter(sample.values()))) if sample else 0
    statuses = [rule.status(sample) for rule in product.rules] if n else []
    stacked = np.vstack(statuses) if statuses else np.empty((0, n), np.int8)
    fails = (stacked == FAIL).any(axis=0) if statuses else np.zeros(n, bool)
    unknown = (stacked == UNKNOWN).any(axis=0) & ~fails if statuses else np.zeros(n, bool)
    passing = ~fails & ~unknown if statuses else np.ones(n, bool)
    counts = Counter({k: int((s == FAIL).sum()) for k, s in enumerate(statuses)})
    top = tuple(
        RuleCount(product.rules[k].text, product.rules[k].code, product.rules[k].reason, c)
        for k, c in counts.most_common(TOP_REASONS) if c > 0
    )  # fmt: skip
    eligible = int(passing.sum())
    daily = flow * eligible / n if n and flow > 0 else None
    return Trial(
        version=version, applicants=n, eligible=eligible, ineligible=int(fails.sum()),
        undecided=int(unknown.sum()), top_reasons=top,
        expected_approval=_approval(ctx, product, sample, passing), daily_flow=flow,
        expected_daily=daily, capacity_per_day=product.capacity_per_day,
    )  # fmt: skip


def dry_run(
    uow: UnitOfWork, ctx: ProductsContext, lender_id: str, product_id: str, version: int
) -> DryRun:
    """Try version ``version`` of one of the lender's products on the sample, beside the version
    in effect now (or the trained product when no version is); another lender's product or an
    unknown one is ``ProductNotFoundError``."""
    now = ctx.clock()
    with uow:
        if product_lender(uow, ctx, product_id) != lender_id:
            raise ProductNotFoundError(product_id, version)
        stored = lender_version(uow, lender_id, product_id, version)
        active = active_versions(uow, now).get(product_id)
        flow = uow.sessions.started_since(now - timedelta(days=FLOW_DAYS)) / FLOW_DAYS
    product, _ = parse_product(stored.body, ctx.catalog, f"{product_id} v{version}")
    current: Trial | None = None
    if active is not None:
        live, _ = parse_product(active.body, ctx.catalog, f"{product_id} v{active.version}")
        current = _trial(ctx, live, active.version, flow)
    elif (trained := ctx.trained(product_id)) is not None:
        current = _trial(ctx, trained, None, flow)
    trained_on = ctx.trained(product_id) is not None
    return DryRun(
        product_id=product_id, trained=trained_on, trial=_trial(ctx, product, version, flow),
        current=current, tests=tuple(run_product_tests(product, ctx.catalog)),
        notes=() if trained_on else (NOT_TRAINED,),
    )  # fmt: skip
