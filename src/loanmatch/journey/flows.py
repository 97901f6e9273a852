"""Two ways to a loan, simulated as event logs (measured by :mod:`loanmatch.journey.measures`).

(a) **Traditional**: the owner fills a lender's full form (every non-derived catalog field), then
applies; the lender may ask for documents, then decides with its true behaviour (the simulator's
oracle); after a rejection the owner may give up or pick another lender and fill its form again
from the start. Lenders are picked one at a time as the simulator's naive policy picks them
(popular lenders and products whose amount range covers the request more often: about 20-30%
approval, the industry's blind rate, docs/design.md §1), at most ``max_lenders``.

(b) **loanmatch**: consent and connectors (their latency and failures), the adaptive questions
the owner typed, then the recommended offers; the owner applies to the top offer and, after a
rejection, to the next, without typing anything again. An owner with no offer stops (not a
completed loan).

Drop-off (per question, per day of waiting, after a rejection), document requests and decision
waits follow :mod:`loanmatch.journey.behaviour` in both flows alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from loanmatch.domain.catalog import Catalog, Scalar
from loanmatch.domain.events import Detail, EventKind, IntakeEvent
from loanmatch.domain.products import Market
from loanmatch.journey.behaviour import BEHAVIOUR, Behaviour, decision_days, question_seconds
from loanmatch.journey.owners import OwnerRun
from loanmatch.simulator.lenders import LENDER_BY_ID

__all__ = ["form_fields", "loanmatch_journey", "traditional_journey"]


def form_fields(catalog: Catalog) -> tuple[str, ...]:
    """The traditional full form: every catalog feature that is not derived."""
    return tuple(f.name for f in catalog.features if not f.derived)


class _Log:
    """Appends events for one session while a clock advances."""

    def __init__(self, session_id: str, start: datetime) -> None:
        self.session_id = session_id
        self.now = start
        self.events: list[IntakeEvent] = []

    def add(self, kind: EventKind, **detail: Scalar | None) -> None:
        payload: Detail = dict(detail)
        self.events.append(IntakeEvent(self.session_id, kind, self.now, payload))

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _questions(
    log: _Log,
    catalog: Catalog,
    names: Sequence[str],
    rng: np.random.Generator,
    behaviour: Behaviour,
) -> bool:
    """The owner answers ``names`` in order; False when they give up on the way."""
    for name in names:
        log.add("question_asked", feature=name)
        if rng.random() < behaviour.drop_per_question:
            log.add("abandoned", stage="questions")
            return False
        log.wait(question_seconds(catalog[name], behaviour))
        log.add("answered", feature=name)
    return True


def _wait_days(log: _Log, days: float, rng: np.random.Generator, behaviour: Behaviour) -> bool:
    """Wait ``days``; False when the owner gives up while waiting."""
    stay = (1.0 - behaviour.drop_per_wait_day) ** days
    log.wait(days * 86_400.0)
    if rng.random() >= stay:
        log.add("abandoned", stage="waiting")
        return False
    return True


def _apply(
    log: _Log,
    market: Market,
    j: int,
    approved: bool,
    verified_share: float,
    rng: np.random.Generator,
    behaviour: Behaviour,
) -> bool | None:
    """One application: documents, the lender's wait and decision. None: the owner left."""
    product = market.products[j]
    log.add("applied", product_id=product.id)
    p_docs = behaviour.document_request_self_declared * (1.0 - verified_share)
    p_docs += behaviour.document_request_verified * verified_share
    if rng.random() < p_docs:
        log.add("document_requested", product_id=product.id)
        if not _wait_days(log, behaviour.document_turnaround_days, rng, behaviour):
            return None
    lender = LENDER_BY_ID.get(product.lender)
    style = lender.style if lender is not None else "big_bank"
    if not _wait_days(log, decision_days(style, product.kind, rng, behaviour), rng, behaviour):
        return None
    log.add("decided", product_id=product.id, approved=bool(approved))
    return approved


def traditional_journey(
    session_id: str,
    market: Market,
    truth: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
    start: datetime,
    rng: np.random.Generator,
    behaviour: Behaviour = BEHAVIOUR,
) -> list[IntakeEvent]:
    """Events of one owner in the traditional flow (``truth``/``weights``: per product)."""
    log = _Log(session_id, start)
    log.add("started", channel="traditional")
    fields = form_fields(market.catalog)
    tries = min(behaviour.max_lenders, int(np.count_nonzero(weights)))
    order = rng.choice(len(weights), size=tries, replace=False, p=weights / weights.sum())
    for attempt, j in enumerate(order):
        share = 1.0 if attempt == 0 else behaviour.refill_share
        retyped = fields[: round(len(fields) * share)]
        if not _questions(log, market.catalog, retyped, rng, behaviour):
            return log.events
        outcome = _apply(log, market, int(j), bool(truth[j]), 0.0, rng, behaviour)
        if outcome is None or outcome:
            return log.events
        if rng.random() < behaviour.give_up_after_rejection:
            log.add("abandoned", stage="rejected")
            return log.events
    log.add("abandoned", stage="no_more_lenders")
    return log.events


def loanmatch_journey(
    session_id: str,
    market: Market,
    run: OwnerRun,
    truth: npt.NDArray[np.bool_],
    start: datetime,
    rng: np.random.Generator,
    behaviour: Behaviour = BEHAVIOUR,
) -> list[IntakeEvent]:
    """Events of one owner through loanmatch, replaying a simulated intake ``run``."""
    log = _Log(session_id, start)
    log.add("started", channel="loanmatch")
    state = run.state
    for source, status in state.sources.items():
        if status == "off":
            continue
        log.add("consent", source=source, purpose="loan matching")
        log.wait(behaviour.consent_seconds)
        if status == "ok":
            log.add("prefill_ok", source=source)
        else:
            log.add("prefill_failed", source=source, reason=status)
    log.wait(run.connector_seconds)
    if not _questions(log, market.catalog, state.typed, rng, behaviour):
        return log.events
    offers = [market.index_of(o.product.id) for o in run.result.offers]
    log.add("recommended", offers=len(offers))
    filled = [f for f in state.facts.values() if f.value is not None]
    verified = sum(1 for f in filled if f.provenance == "connector")
    share = verified / len(form_fields(market.catalog))
    for j in offers:
        outcome = _apply(log, market, j, bool(truth[j]), share, rng, behaviour)
        if outcome is None or outcome:
            return log.events
        if rng.random() < behaviour.give_up_after_rejection:
            log.add("abandoned", stage="rejected")
            return log.events
    log.add("abandoned", stage="no_offer" if not offers else "no_more_offers")
    return log.events
