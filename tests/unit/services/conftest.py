from __future__ import annotations

from dataclasses import dataclass

import pytest

from loanmatch.domain.catalog import Catalog, Scalar
from loanmatch.services import intake
from loanmatch.services.intake import IntakeContext, SessionView
from loanmatch.storage.memory import MemoryStore, MemoryUnitOfWork
from tests.unit.services.fakes import FakeClock, FakeConnector, FakeEngine, context, default_catalog

REGISTRY: dict[str, Scalar] = {"enterprise_age_years": 6.0, "industry": "C", "owner_age": 45.0}
TAX: dict[str, Scalar] = {"annual_revenue": 3_200_000.0, "tax_grade": "A"}
CODE = "91330106000000019W"
"""A valid 统一社会信用代码 (GB 32100-2015 check character W) for the sessions of these tests."""

BUREAU: dict[str, Scalar] = {"owner_bureau_score": 712.0, "outstanding_debt": 345_678.0}
BANK: dict[str, Scalar] = {"monthly_bank_inflow": 260_000.0}


@dataclass
class World:
    """One in-memory store, a fixed clock, four fake connectors and a fake engine."""

    catalog: Catalog
    store: MemoryStore
    clock: FakeClock
    engine: FakeEngine
    connectors: dict[str, FakeConnector]

    @property
    def ctx(self) -> IntakeContext:
        return context(self.engine, self.connectors, self.clock)

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def answer_open(self, session: str, text: object) -> SessionView:
        """Answer the question open now, naming it by its number (as a client does)."""
        question = intake.view(self.uow(), self.ctx, session).question
        seq = question.seq if question is not None else 0
        return intake.answer(self.uow(), self.ctx, session, text, question=seq)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture
def world(catalog: Catalog) -> World:
    connectors = {
        "registry": FakeConnector("registry", dict(REGISTRY)),
        "tax": FakeConnector("tax", dict(TAX)),
        "bureau": FakeConnector("bureau", dict(BUREAU)),
        "bank": FakeConnector("bank", dict(BANK)),
    }
    return World(catalog, MemoryStore(), FakeClock(), FakeEngine(catalog), connectors)
