"""The adaptive intake, pure (no storage, no web): friendly answers, state, prior, engine."""

from loanmatch.intake.answers import DONT_KNOW, parse_answer, parse_answers, parse_reply
from loanmatch.intake.engine import Assessment, IntakeEngine, Question
from loanmatch.intake.prior import Prior
from loanmatch.intake.state import Fact, IntakeState

__all__ = [
    "DONT_KNOW",
    "Assessment",
    "Fact",
    "IntakeEngine",
    "IntakeState",
    "Prior",
    "Question",
    "parse_answer",
    "parse_answers",
    "parse_reply",
]
