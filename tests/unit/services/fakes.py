"""Hand-written fakes for the intake service's unit tests: a clock, connectors and an engine.

The engine fake asks features in a fixed order with the real engine's "askable" rule and parses
answers with the real friendly parser, so the service is tested on real catalog features without
a trained model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from loanmatch.adapters.catalog_file import load_catalog
from loanmatch.connectors.base import ConsentLike, FailureMode
from loanmatch.domain.applications import Decision
from loanmatch.domain.catalog import Catalog, Scalar, Text
from loanmatch.domain.consistency import Check
from loanmatch.domain.products import Product
from loanmatch.errors import AnswerError, Location
from loanmatch.intake.answers import DONT_KNOW, parse_reply
from loanmatch.intake.contradictions import refuse_contradiction
from loanmatch.intake.engine import Question
from loanmatch.intake.state import Fact, IntakeState
from loanmatch.matching.results import ApplicantResult, Offer
from loanmatch.services.intake import IntakeContext


def default_catalog() -> Catalog:
    return load_catalog(Path(str(resources.files("loanmatch") / "data" / "features.yaml")))


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeConnector:
    """Answers ``values`` (or raises ``error``) and remembers every call's consent."""

    name: str
    values: dict[str, Scalar]
    error: Exception | None = None
    on_fetch: Callable[[], None] | None = None
    calls: list[ConsentLike] = field(default_factory=list)
    typical_latency_s: float = 0.0
    failure_modes: tuple[FailureMode, ...] = ()

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.values)

    def fetch(
        self, enterprise_id: str, owner_id: str, consent: ConsentLike, timeout_s: float = 10.0
    ) -> dict[str, Scalar]:
        assert consent.source == self.name
        self.calls.append(consent)
        if self.on_fetch is not None:
            self.on_fetch()
        if self.error is not None:
            raise self.error
        return dict(self.values)


ORDER = ("loan_amount", "annual_revenue", "tax_grade", "owner_bureau_score", "loan_term_months")


@dataclass
class FakeEngine:
    """Asks the open features of ``order`` one by one and is done after ``enough`` answers."""

    catalog: Catalog
    order: tuple[str, ...] = ORDER
    enough: int = 3
    explode: bool = False
    """When set, choosing the next question raises (a crash in the middle of a step)."""
    meanwhile: Callable[[], object] | None = None
    """Run (once) while an answer is being recorded: another request arriving at that moment."""
    checks: tuple[Check, ...] = ()
    """Consistency checks applied to answers as the real engine does (none by default)."""
    goals: dict[str, float] = field(default_factory=dict)
    """Per lender, the mean P its offers must keep (``services/floors``; none: no target)."""

    def lender_goals(self, model_id: str = "") -> dict[str, float]:
        return self.goals

    def answer(self, state: IntakeState, feature: str, raw: object) -> Fact:
        spec = self.catalog.get(feature)
        if spec is None:
            raise AnswerError(f"{feature} is not a feature", Location(feature=feature))
        reply = parse_reply(spec, raw)
        if reply is None:
            raise AnswerError("empty", Location(feature=feature))
        if self.meanwhile is not None:
            other, self.meanwhile = self.meanwhile, None
            other()
        if reply is not DONT_KNOW:
            refuse_contradiction(self.catalog, self.checks, state, spec, reply)  # type: ignore[arg-type]
        return state.record(feature, None if reply is DONT_KNOW else reply)  # type: ignore[arg-type]

    def next_question(self, state: IntakeState) -> Question | None:
        if self.explode:
            raise RuntimeError("the engine crashed")
        if state.questions_typed >= self.enough:
            return None
        for name in self.order:
            feature = self.catalog[name]
            if state.may_ask(feature):
                why = Text(zh="这一项会影响推荐", en="this changes the recommendation")
                return Question(feature=feature, value=1.0, p_needed=1.0, why=why)
        return None

    def result(self, state: IntakeState, applicant_id: str = "applicant") -> ApplicantResult:
        return ApplicantResult(applicant_id=applicant_id, offers=(), excluded=(), threshold=0.8)


def context(
    engine: FakeEngine, connectors: dict[str, FakeConnector], clock: FakeClock
) -> IntakeContext:
    counter = iter(range(1, 1_000_000))
    return IntakeContext(
        engine=engine,
        connectors=connectors,
        clock=clock,
        new_id=lambda: f"session-{next(counter)}",
        timeout_s=2.0,
    )


PRODUCTS = tuple(Product(id=f"p{i}", lender=lender) for i, lender in
                 enumerate(["bank_a", "bank_a", "bank_b", "bank_c"], start=1))  # fmt: skip
APPROVAL = Decision(amount_yuan=300_000, annual_rate=0.05, term_months=12,
                    repayment_method="equal_instalment")  # fmt: skip


@dataclass
class OfferingEngine(FakeEngine):
    """The fake engine, with a result that offers every product of ``products`` (four by
    default, one more than its ``max_offers`` of 3, the inquiry budget, so a test can ask for
    too many)."""

    products: tuple[Product, ...] = PRODUCTS
    max_offers: int = 3

    def result(self, state: IntakeState, applicant_id: str = "applicant") -> ApplicantResult:
        offers = tuple(
            Offer(product=p, p_approve=0.97, rank=k + 1) for k, p in enumerate(self.products)
        )
        return ApplicantResult(
            applicant_id, offers, excluded=(), threshold=0.9, max_offers=self.max_offers
        )
