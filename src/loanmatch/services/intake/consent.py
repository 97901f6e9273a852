"""The consent use cases: grant (then pull), refresh failed sources, revoke.

Consent is committed BEFORE any pull (docs/design.md §8); the pulls then run outside any
transaction (a slow source holds no lock); their results are applied in a second transaction that
checks the consent again, so a revocation that lands meanwhile discards what the pull brought.
An expired or revoked consent is never used for a later pull: the refusal is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from loanmatch.domain.catalog import Text
from loanmatch.domain.consent import Consent, grant
from loanmatch.domain.credit_code import valid_credit_code
from loanmatch.errors import ConsentRequestError
from loanmatch.intake.state import Fact, IntakeState
from loanmatch.services.intake.core import (
    DEFAULT_CONSENT_DAYS,
    DEFAULT_PURPOSE,
    IntakeContext,
    advance,
    audit,
    event,
    load_session,
    render_view,
    with_notice,
)
from loanmatch.services.intake.pulls import Pulled, pull_sources
from loanmatch.services.intake.views import SessionView, source_notice
from loanmatch.storage.records import Notice, SessionRecord, StoredConsent
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "forget_source",
    "grant_consent",
    "readable_facts",
    "refresh_sources",
    "revoke_consent",
]


def _active(consents: Iterable[StoredConsent], source: str, at: datetime) -> StoredConsent | None:
    for stored in reversed(list(consents)):
        if stored.consent.source == source and stored.consent.is_valid(at):
            return stored
    return None


def readable_facts(
    uow: UnitOfWork, session_id: str, state: IntakeState, at: datetime
) -> dict[str, Fact]:
    """The session's facts the platform may still read at ``at``: the owner's own, and a
    source's while a consent of that source is valid (data pulled under a consent become
    unreadable once it expires or is revoked, even before ``loanmatch db purge`` removes
    them)."""
    valid = {c.consent.source for c in uow.consents.for_session(session_id)
             if c.consent.is_valid(at)}  # fmt: skip
    return {name: fact for name, fact in state.facts.items()
            if fact.provenance != "connector" or fact.source in valid}  # fmt: skip


def grant_consent(
    uow: UnitOfWork,
    ctx: IntakeContext,
    session_id: str,
    sources: Iterable[str],
    purpose: str = DEFAULT_PURPOSE,
    days: int = DEFAULT_CONSENT_DAYS,
) -> SessionView:
    """Record consent for ``sources`` (audited), then pull them; every other connector source
    is declined (its features will be asked). Pulls that fail leave their features to ask, with
    a notice saying why. Granting a source again while its consent is active reuses it. The
    session's 统一社会信用代码 is checked first (a session stored before the check): an invalid
    one is a CreditCodeError and nothing is recorded or pulled."""
    chosen = list(dict.fromkeys(sources))
    known = ctx.connector_sources()
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ConsentRequestError(
            Text(
                zh=f"没有这个数据来源：{'、'.join(unknown)}（可选：{'、'.join(known)}）",
                en=f"No such data source: {', '.join(unknown)} (choose from {', '.join(known)})",
            ),
            unknown[0],
        )
    with uow:
        record = load_session(uow, session_id)
        if chosen and record.enterprise_id:
            valid_credit_code(record.enterprise_id)  # a typo is the owner's, not the source's
        granted: list[Consent] = []
        for source in chosen:
            now = ctx.clock()
            existing = _active(uow.consents.for_session(session_id), source, now)
            if existing is not None:
                granted.append(existing.consent)
                continue
            scope = list(ctx.scope(source))
            consent = grant(record.enterprise_id, source, purpose, scope, now, days)
            uow.consents.add(StoredConsent(session_id=session_id, consent=consent))
            audit(uow, ctx, record, "consent_granted", source=source, purpose=consent.purpose,
                   expires_at=consent.expires_at.isoformat())  # fmt: skip
            event(uow, ctx, session_id, "consent", source=source, purpose=consent.purpose)
            granted.append(consent)
        uow.commit()
    state = IntakeState.from_dict(record.state)
    to_pull = [c for c in granted if state.sources.get(c.source) != "ok"]
    declined = [s for s in known if s not in chosen and s not in state.sources]
    return _apply_pulls(uow, ctx, session_id, pull_sources(ctx, record, to_pull), declined)


def refresh_sources(uow: UnitOfWork, ctx: IntakeContext, session_id: str) -> SessionView:
    """Pull again the sources that failed, where their consent is still valid. An expired or
    revoked consent is not used: the refusal is audited and the owner told."""
    with uow:
        record = load_session(uow, session_id)
        consents = uow.consents.for_session(session_id)
    state = IntakeState.from_dict(record.state)
    now = ctx.clock()
    to_pull: list[Consent] = []
    refused: list[Consent] = []
    for source, status in state.sources.items():
        if status in ("timeout", "unavailable", "malformed"):
            active = _active(consents, source, now)
            if active is not None:
                to_pull.append(active.consent)
            else:
                latest = [c.consent for c in consents if c.consent.source == source]
                refused.extend(latest[-1:])
    return _apply_pulls(uow, ctx, session_id, pull_sources(ctx, record, to_pull), [], refused)


def _apply_pulls(
    uow: UnitOfWork,
    ctx: IntakeContext,
    session_id: str,
    pulled: list[Pulled],
    declined: list[str],
    refused: Iterable[Consent] = (),
) -> SessionView:
    with uow:
        record = load_session(uow, session_id)
        state = IntakeState.from_dict(record.state)
        consents = uow.consents.for_session(session_id)
        now = ctx.clock()
        for consent in refused:
            why = consent.why_not(now) or Text(zh="授权无效。", en="The consent is not valid.")
            record = replace(record, notices=(*record.notices, Notice(
                code=f"consent_{consent.status(now)}", zh=why.zh, en=why.en, source=consent.source,
            )))  # fmt: skip
            audit(uow, ctx, record, "pull_refused", source=consent.source,
                   reason=consent.status(now))  # fmt: skip
        for pull in pulled:
            if _active(consents, pull.source, now) is None:
                audit(uow, ctx, record, "pull_discarded", source=pull.source, reason="revoked")
                continue
            if pull.status == "ok":
                state.prefill(pull.source, pull.values)
                record = replace(record, notices=tuple(
                    n for n in record.notices if n.source != pull.source
                ))  # fmt: skip
                audit(uow, ctx, record, "data_pulled", source=pull.source,
                       features=",".join(sorted(pull.values)))  # fmt: skip
                event(uow, ctx, session_id, "prefill_ok", source=pull.source,
                      features=len(pull.values), seconds=pull.seconds)  # fmt: skip
            else:
                state.source_failed(pull.source, pull.status)
                scope = list(ctx.scope(pull.source))
                notice = source_notice(pull.source, pull.status, scope, ctx.catalog)
                record = with_notice(record, notice)
                audit(uow, ctx, record, "pull_failed", source=pull.source, reason=pull.status)
                event(uow, ctx, session_id, "prefill_failed", source=pull.source,
                       reason=pull.status, seconds=pull.seconds)  # fmt: skip
        for source in declined:
            state.source_failed(source, "declined")
            audit(uow, ctx, record, "consent_declined", source=source)
        record = uow.sessions.update(advance(uow, ctx, record, state))
        uow.commit()
        return render_view(uow, ctx, record)


def revoke_consent(
    uow: UnitOfWork, ctx: IntakeContext, session_id: str, source: str
) -> SessionView:
    """Revoke every active consent for ``source`` (audited): no later pull uses it, the values
    it gave are removed, and its features will be asked where they matter."""
    with uow:
        record = load_session(uow, session_id)
        now = ctx.clock()
        revoked = 0
        for stored in uow.consents.for_session(session_id):
            if stored.consent.source == source and stored.consent.revoked_at is None:
                uow.consents.save_revocation(replace(stored, consent=stored.consent.revoke(now)))
                revoked += 1
        if not revoked:
            raise ConsentRequestError(
                Text(
                    zh=f"没有可撤回的“{source}”授权。",
                    en=f"There is no consent for {source} to revoke.",
                ),
                source,
            )
        record = forget_source(uow, ctx, record, source, "consent_revoked")
        uow.commit()
        return render_view(uow, ctx, record)


def forget_source(
    uow: UnitOfWork, ctx: IntakeContext, record: SessionRecord, source: str, action: str
) -> SessionRecord:
    """Remove every value ``source`` gave the session (its consent was revoked or lapsed),
    audit ``action``, tell the owner, and go on as if the owner had declined the source: its
    features are asked where they matter. The stored record (not committed)."""
    state = IntakeState.from_dict(record.state)
    removed = [
        n for n, f in state.facts.items() if f.provenance == "connector" and f.source == source
    ]
    for name in removed:
        state.forget(name)
    state.source_failed(source, "declined")
    audit(uow, ctx, record, action, source=source, removed=",".join(removed))
    scope = list(ctx.scope(source))
    record = with_notice(record, source_notice(source, "declined", scope, ctx.catalog))
    return uow.sessions.update(advance(uow, ctx, record, state))
