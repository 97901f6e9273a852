"""An owner erases a session (issue 12): the personal data goes, the lenders' records stay.

:func:`erase_session`, in one transaction:

- every active consent of the session is revoked, so nothing is pulled for it again;
- the session's facts (answers and pulled values) are deleted, and its enterprise and owner ids
  are kept masked only (:func:`~loanmatch.domain.masking.mask_id_number`);
- every open application is withdrawn by the owner (the lender's webhook hears of it);
- the session is marked ``erased``: any later step on it answers 404, as an unknown session.

What stays, because lenders and the platform must keep records of what happened: the
applications and their decisions, the data-release ledger (which facts went to which lender,
when, under which consent; names of facts, not their values), the consents as revoked, the
audit log (masked) and the journey events (no personal values). A lender that received facts
with an application keeps its own copy under its own obligations; the platform no longer
serves them (docs/applications.md).
"""

from __future__ import annotations

from dataclasses import replace

from loanmatch.domain.applications import transition
from loanmatch.domain.masking import mask_id_number
from loanmatch.intake.state import IntakeState
from loanmatch.services.intake.core import IntakeContext, audit, load_session
from loanmatch.services.webhooks import notify_application
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["ERASED", "erase_session"]

ERASED = "erased"


def erase_session(uow: UnitOfWork, ctx: IntakeContext, session_id: str) -> None:
    """Erase the session's personal data (see the module docstring); 404 once erased."""
    with uow:
        record = load_session(uow, session_id)
        now = ctx.clock()
        for stored in uow.consents.for_session(session_id):
            if stored.consent.status(now) == "active":
                uow.consents.save_revocation(replace(stored, consent=stored.consent.revoke(now)))
        withdrawn = 0
        for application in uow.applications.for_session(session_id):
            if application.final:
                continue
            gone = uow.applications.update(
                transition(application, "withdraw", "owner", ctx.actor, now)
            )
            notify_application(uow, gone, "application.withdraw", now)
            withdrawn += 1
        audit(uow, ctx, record, "session_erased", withdrawn=str(withdrawn))
        enterprise, owner = mask_id_number(record.enterprise_id), mask_id_number(record.owner_id)
        empty = IntakeState(enterprise_id=enterprise, owner_id=owner)
        erased = replace(record, enterprise_id=enterprise, owner_id=owner,
                         state=empty.to_dict(), notices=(), question=None, stage=ERASED,
                         updated_at=now)  # fmt: skip
        uow.sessions.update(erased)
        uow.commit()
