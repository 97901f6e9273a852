"""The platform's decisions as training rows (services/retraining.decision_rows): one row per
decided application made from an offer, with only the facts the platform may still read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loanmatch.domain.applications import Application, Decision, Prediction, Status, Step
from loanmatch.domain.consent import grant
from loanmatch.intake.state import Fact, IntakeState
from loanmatch.services.retraining import decision_rows
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork
from loanmatch.storage.records import SessionRecord, StoredConsent
from tests.unit.small_market import small_market

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _session(store: MemoryStore, name: str, consent_days: int, granted: datetime) -> None:
    state = IntakeState(facts={
        "age": Fact(41.0, "asked"), "grade": Fact("B", "connector", "tax"),
        "overdue_now": Fact(False, "asked"), "revenue": Fact(None, "dont_know"),
        "gender": Fact("f", "asked"),
    })  # fmt: skip
    store.sessions[name] = SessionRecord(name, "zh-CN", "ent", "owner", NOW, NOW, state.to_dict(),
                                         stage="done")  # fmt: skip
    consent = grant("ent", "tax", "matching", ["grade"], granted, consent_days)
    store.consents.append(StoredConsent(name, consent, id=len(store.consents) + 1))


def _application(store: MemoryStore, n: int, session: str, product: str, action: str) -> None:
    at = NOW - timedelta(days=3) + timedelta(hours=n)
    step = Step(action, "bank_a:officer", at, Status.SUBMITTED,  # type: ignore[arg-type]
                Status.APPROVED if action == "approve" else Status.DECLINED,
                Decision(reasons=("revenue",)) if action == "decline" else Decision())  # fmt: skip
    prediction = Prediction(model_id="sha256:m", p_approve=0.9, threshold=0.8)
    store.applications[f"a{n}"] = Application(
        f"a{n}", session, product, "bank_a", at - timedelta(hours=1), step.after, (step,),
        prediction=prediction if n != 3 else None,
    )  # fmt: skip


def test_each_decided_offer_becomes_a_row_with_only_the_facts_still_readable() -> None:
    store = MemoryStore()
    _session(store, "s1", 30, NOW - timedelta(days=1))  # tax consent valid
    _session(store, "s2", 1, NOW - timedelta(days=5))  # tax consent expired
    _application(store, 0, "s1", "tax1", "approve")
    _application(store, 1, "s2", "tax1", "decline")
    _application(store, 2, "s1", "gone", "approve")  # a product the market does not hold
    _application(store, 3, "s1", "biz1", "approve")  # no prediction: not from an offer
    columns, left_out = decision_rows(MemoryUnitOfWork(store), small_market(), NOW)
    assert left_out == 1
    assert columns["applicant_id"] == ["app-s1", "app-s2"]
    assert columns["approved"] == ["1", "0"]
    assert columns["grade"] == ["B", ""]  # the expired consent's fact is not used
    assert columns["age"] == ["41.0", "41.0"]
    assert columns["overdue_now"] == ["false", "false"]
    assert columns["revenue"] == ["", ""]
    assert "gender" not in columns
    assert "debt_ratio" not in columns
    assert columns["propensity"] == ["1.0", "1.0"]
    assert columns["decided_at"] == ["2026-11-30", "2026-11-30"]
