"""The intake use cases: start, consent, answer, correct, view (issue 3).

Plain functions taking a :class:`~loanmatch.storage.unit_of_work.UnitOfWork` and an
:class:`IntakeContext` (the adaptive engine, the connectors, a clock). Every step reads the
session, works on a copy of its state and writes the new state, its audit entries and its journey
events in ONE transaction: an exception anywhere leaves the session exactly as it was, and a bad
answer (or any refused step) writes nothing. Pulling data is the exception to one transaction per
step, on purpose: consent is committed BEFORE any pull (docs/design.md §8), then the pulls run
outside any transaction (a slow source holds no lock), then their results are applied in a second
transaction that re-checks the consent (a revocation meanwhile discards the data).

Audit entries never hold a personal value unmasked (:mod:`loanmatch.domain.masking`).

- ``session.py``: start a session, answer, correct, finish (the owner stops), view, note a
  journey event;
- ``consent.py``: grant consent (then pull), refresh failed sources, revoke;
- ``erase.py``: the owner erases a session (personal data gone, lenders' records kept);
- ``pulls.py``: the parallel, gracefully degrading pulls of consented sources;
- ``core.py``: what the steps share (the context, loading, audit, events, the next question);
- ``views.py``: what the steps return (:class:`SessionView`) and the notices' texts;
- ``setup.py``: the default context for a served market (simulated connectors, the prior).
"""

from loanmatch.services.intake.consent import grant_consent, refresh_sources, revoke_consent
from loanmatch.services.intake.core import (
    DEFAULT_CONSENT_DAYS,
    DEFAULT_PURPOSE,
    EVENT_KINDS,
    IntakeContext,
    QuestionEngine,
)
from loanmatch.services.intake.erase import erase_session
from loanmatch.services.intake.session import (
    answer,
    correct,
    finish,
    note_event,
    start_session,
    view,
)
from loanmatch.services.intake.views import SessionView

__all__ = [
    "DEFAULT_CONSENT_DAYS",
    "DEFAULT_PURPOSE",
    "EVENT_KINDS",
    "IntakeContext",
    "QuestionEngine",
    "SessionView",
    "answer",
    "correct",
    "erase_session",
    "finish",
    "grant_consent",
    "note_event",
    "refresh_sources",
    "revoke_consent",
    "start_session",
    "view",
]
