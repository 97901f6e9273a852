"""Two engines behind one: the champion's, and the canary's for its share of firms
(``services/canary.py``).

Each step goes to the engine of the firm's arm (``domain/canary.in_canary`` on the session's
credit code), so a firm sees one model from its first question to its applications, and the
result names that model (``ApplicantResult.model_id``): applications record it, and each
model's floors and goals are its own. A session without a credit code yet is the champion's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loanmatch.domain.canary import in_canary
from loanmatch.domain.catalog import Catalog
from loanmatch.intake.engine import Question
from loanmatch.intake.state import Fact, IntakeState
from loanmatch.matching.results import ApplicantResult
from loanmatch.services.intake.core import QuestionEngine

__all__ = ["SplitEngine"]


@dataclass(frozen=True)
class SplitEngine:
    champion: QuestionEngine
    canary: QuestionEngine
    canary_id: str
    share: float

    @property
    def catalog(self) -> Catalog:
        return self.champion.catalog

    def engine_for(self, state: IntakeState) -> QuestionEngine:
        """The engine of the session's arm."""
        code = state.enterprise_id
        return self.canary if code and in_canary(self.canary_id, code, self.share) \
            else self.champion  # fmt: skip

    def answer(self, state: IntakeState, feature: str, raw: object) -> Fact:
        return self.engine_for(state).answer(state, feature, raw)

    def next_question(self, state: IntakeState) -> Question | None:
        return self.engine_for(state).next_question(state)

    def result(self, state: IntakeState, applicant_id: str = "applicant") -> ApplicantResult:
        return self.engine_for(state).result(state, applicant_id)

    def lender_goals(self, model_id: str) -> Mapping[str, float]:
        engine = self.canary if model_id == self.canary_id else self.champion
        return engine.lender_goals(model_id)
