"""Retention: what the platform keeps, and for how long (issue 12, ``loanmatch db purge``).

:func:`purge` does three things, each in its own transactions, and says what it did:

1. **Lapsed consents.** A consent that expired takes its data with it: every value its source
   gave a session is removed, as when the owner revokes it
   (:func:`~loanmatch.services.intake.consent.forget_source`, audited ``consent_lapsed``), unless
   a newer consent of the same source is active. The session goes on as if the owner had
   declined that source.
2. **Idle sessions.** A session unchanged for ``session_days`` (setting
   ``retention_session_days``; a lapse of step 1 is a change) is erased as the owner would erase it
   (:func:`~loanmatch.services.intake.erase.erase_session`): its facts go, its open
   applications are withdrawn, the lenders' records stay.
3. **Spent credentials.** One-time codes, owner tokens and portal sessions that ended more than
   ``credential_days`` ago (``retention_credential_days``) are deleted.

What is kept without a limit, because lenders and the platform must be able to show what
happened: applications and their decisions, the data-release ledger (names of facts, not
values), consents (as records), the audit log (masked) and the journey events. How long a
lender must keep its own records is its regulator's rule, not this platform's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from loanmatch.errors import SessionConflictError, SessionNotFoundError
from loanmatch.intake.state import IntakeState
from loanmatch.services.intake import IntakeContext
from loanmatch.services.intake.consent import forget_source
from loanmatch.services.intake.core import load_session
from loanmatch.services.intake.erase import erase_session
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["ACTOR", "PurgeReport", "RetentionPolicy", "purge"]

ACTOR = "retention"
"""How the audit log names the purge."""
_BATCH = 500


@dataclass(frozen=True)
class RetentionPolicy:
    session_days: int = 180
    credential_days: int = 30


@dataclass(frozen=True)
class PurgeReport:
    lapsed_sources: int = 0
    """(session, source) pairs whose values were removed because their consent expired."""
    erased_sessions: int = 0
    credentials: int = 0
    """Codes, owner tokens and portal sessions deleted."""


def _lapse(
    uow: Callable[[], UnitOfWork], ctx: IntakeContext, session_id: str, source: str, at: datetime
) -> bool:
    """Remove ``source``'s values from the session if no consent of it is active; whether any
    were removed."""
    with uow() as work:
        record = load_session(work, session_id)
        active = any(
            c.consent.source == source and c.consent.is_valid(at)
            for c in work.consents.for_session(session_id)
        )
        facts = IntakeState.from_dict(record.state).facts.values()
        held = any(f.provenance == "connector" and f.source == source for f in facts)
        if active or not held:
            return False
        forget_source(work, ctx, record, source, "consent_lapsed")
        work.commit()
        return True


def purge(
    uow: Callable[[], UnitOfWork],
    ctx: IntakeContext,
    policy: RetentionPolicy,
    progress: Callable[[str, int], None] | None = None,
) -> PurgeReport:
    """Apply ``policy`` now (``ctx.clock()``); ``progress(step, done)`` hears of each step."""
    at = ctx.clock()
    acting = replace(ctx, actor=ACTOR)
    with uow() as work:
        lapsed = sorted({(c.session_id, c.consent.source) for c in work.consents.lapsed(at)})
    removed = 0
    for session_id, source in lapsed:
        try:
            removed += _lapse(uow, acting, session_id, source, at)
        except (SessionConflictError, SessionNotFoundError):
            continue  # the owner acted meanwhile: the next run sees it again
    if progress is not None:
        progress("lapsed", removed)
    erased = 0
    before = at - timedelta(days=policy.session_days)
    while True:
        with uow() as work:
            idle = work.sessions.idle(before, _BATCH)
        done = 0
        for session_id in idle:
            try:
                erase_session(uow(), acting, session_id)
                done += 1
            except (SessionConflictError, SessionNotFoundError):
                continue
        erased += done
        if progress is not None:
            progress("erased", erased)
        if len(idle) < _BATCH or done == 0:
            break
    spent = at - timedelta(days=policy.credential_days)
    with uow() as work:
        credentials = work.identity.purge(spent) + work.staff.purge_sessions(spent)
        work.commit()
    if progress is not None:
        progress("credentials", credentials)
    return PurgeReport(removed, erased, credentials)
