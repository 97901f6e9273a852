"""What the repositories store: plain values, independent of SQLAlchemy and of the HTTP API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from loanmatch.domain.consent import Consent

__all__ = [
    "JOB_STATUSES",
    "MODEL_ROLES",
    "PLATFORM",
    "STAFF_ROLES",
    "AuditEntry",
    "DataRelease",
    "DriftState",
    "IdentityChallenge",
    "Job",
    "LenderFloor",
    "LenderHold",
    "LenderKey",
    "ModelVersion",
    "Notice",
    "OutboxMessage",
    "OwnerToken",
    "ProductVersion",
    "SessionRecord",
    "StaffSession",
    "StaffUser",
    "StoredConsent",
    "Webhook",
    "as_utc",
    "maybe_utc",
]

JOB_STATUSES = ("queued", "running", "done", "failed")
"""A :class:`Job`'s ``status``, in the order a job goes through them."""
MODEL_ROLES = ("champion", "canary", "challenger", "retired", "refused")
"""A :class:`ModelVersion`'s ``role``."""


def as_utc(at: datetime) -> datetime:
    """``at`` in UTC; a naive time (SQLite gives those back) is taken to be UTC already."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def maybe_utc(at: datetime | None) -> datetime | None:
    """:func:`as_utc` of a time that may be missing."""
    return as_utc(at) if at is not None else None


@dataclass(frozen=True)
class Notice:
    """Something the owner should read (zh/en), with a stable ``code`` and the feature or source
    it is about (e.g. a connector that timed out, so its features will be asked)."""

    code: str
    zh: str
    en: str
    source: str | None = None
    features: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "zh": self.zh,
            "en": self.en,
            "source": self.source,
            "features": list(self.features),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notice:
        return cls(
            code=str(data["code"]),
            zh=str(data["zh"]),
            en=str(data["en"]),
            source=data.get("source"),
            features=tuple(data.get("features", ())),
        )


@dataclass(frozen=True)
class SessionRecord:
    """One intake session as stored: the engine's state (``IntakeState.to_dict``, which holds
    each value's provenance) plus what the service keeps beside it. ``version`` counts committed
    changes (optimistic concurrency)."""

    id: str
    lang: str
    enterprise_id: str
    owner_id: str
    created_at: datetime
    updated_at: datetime
    state: dict[str, Any]
    notices: tuple[Notice, ...] = ()
    stage: str = "consent"
    """``consent`` (waiting for the owner's data consent), ``asking``, ``done`` or ``erased``
    (the owner erased it: no personal data left, every step 404)."""
    question: dict[str, str] | None = None
    """The question asked now: ``feature`` and why it is asked (``hint_zh``, ``hint_en``)."""
    version: int = 0


@dataclass(frozen=True)
class StoredConsent:
    """A consent as recorded for a session; ``id`` is assigned when it is first stored."""

    session_id: str
    consent: Consent
    id: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One append-only audit record: who did what, when, to whose data. ``detail`` holds only
    masked values (see :mod:`loanmatch.domain.masking`)."""

    at: datetime
    actor: str
    action: str
    subject: str
    session_id: str | None = None
    detail: dict[str, str] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class DataRelease:
    """One line of the data-release ledger: which of the owner's facts went to which lender,
    when, for which application, under which consents (ids of the consents behind pulled
    facts; a fact the owner typed needs none)."""

    application_id: str
    session_id: str
    lender_id: str
    fields: tuple[str, ...]
    consents: tuple[int, ...]
    at: datetime
    id: int | None = None


@dataclass(frozen=True)
class LenderKey:
    """A lender API client's key: only the SHA-256 of its secret is stored
    (:mod:`loanmatch.services.lender_keys`)."""

    id: str
    lender_id: str
    secret_sha256: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Webhook:
    """Where a lender wants its events, and the shared secret their HMAC signature uses."""

    lender_id: str
    url: str
    secret: str
    created_at: datetime


@dataclass(frozen=True)
class OutboxMessage:
    """One event for a lender's webhook, written in the same transaction as the change it
    reports (a transactional outbox: no change without its event, no event without its change).
    ``delivery_id`` is the receiver's key for telling a redelivery from a new event."""

    delivery_id: str
    lender_id: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    delivered_at: datetime | None = None
    dead_at: datetime | None = None
    """Set when delivery is given up after the last attempt."""
    last_error: str = ""
    id: int | None = None


@dataclass(frozen=True)
class IdentityChallenge:
    """A one-time code sent to an owner (:mod:`loanmatch.services.identity`): only its SHA-256
    (salted with the challenge id) is stored; ``attempts`` counts wrong tries, ``used_at`` is
    set by the one verification that succeeds."""

    id: str
    owner_id: str
    enterprise_id: str
    code_sha256: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None


@dataclass(frozen=True)
class OwnerToken:
    """A short-lived credential of an owner who passed an identity check: only the SHA-256 of
    its secret is stored. ``enterprise_id`` is the enterprise the check covered (blank: none);
    ``csrf`` is the token the owner's page forms carry back (not a secret from the owner)."""

    id: str
    owner_id: str
    enterprise_id: str
    secret_sha256: str
    csrf: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


STAFF_ROLES = ("officer", "manager", "operator")
"""Portal roles: a lender's officer reads the inbox and decides; a lender's manager also edits
and publishes the lender's products; an ``operator`` of the platform (lender :data:`PLATFORM`)
reads the operator console and nothing of any lender's inbox."""
PLATFORM = "platform"
"""The ``lender_id`` of the platform's own operators."""


@dataclass(frozen=True)
class StaffUser:
    """A lender's portal user. ``password_hash`` is an argon2id hash in the PHC string format
    (``$argon2id$v=19$m=...``), never the password."""

    id: str
    lender_id: str
    username: str
    password_hash: str
    role: str
    created_at: datetime
    disabled_at: datetime | None = None


@dataclass(frozen=True)
class StaffSession:
    """A signed-in portal user's short-lived session: only the SHA-256 of its secret is stored;
    ``csrf`` is what the portal's forms carry back."""

    id: str
    staff_id: str
    lender_id: str
    role: str
    secret_sha256: str
    csrf: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class ProductVersion:
    """One version of a lender's product (:mod:`loanmatch.services.products`): ``body`` is the
    product as a products.yaml mapping; ``status`` is ``draft`` until it is published (once),
    with the time it takes effect. ``version`` counts from 1 per product, never reused."""

    lender_id: str
    product_id: str
    version: int
    status: str
    body: dict[str, Any]
    created_by: str
    created_at: datetime
    note: str = ""
    published_at: datetime | None = None
    effective_at: datetime | None = None
    published_by: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Job:
    """One job of the durable queue (``services/jobs.py``): what to run, its progress, its
    outcome. ``status``: ``queued``, ``running``, ``done`` or ``failed``; ``result`` and
    ``error`` are set when it ends; ``heartbeat_at`` is the last progress report of a running
    job (a job whose worker died is taken again once it is stale)."""

    id: str
    kind: str
    payload: dict[str, Any]
    queued_at: datetime
    queued_by: str
    status: str = "queued"
    attempts: int = 0
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
    stage: str = ""
    done: int = 0
    total: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass(frozen=True)
class ModelVersion:
    """A model directory known to the registry (``services/models.py``). ``role``: ``champion``
    (the one served; at most one), ``canary`` (serving a share of firms while an experiment
    judges it, ``services/canary.py``), ``challenger`` (trained, not yet judged), ``retired``
    (served before), ``refused`` (the promotion gate kept the champion). ``promoted_at``: when
    it last became the champion (a rollback returns to the latest retired one)."""

    model_id: str
    path: str
    registered_at: datetime
    role: str
    metrics: dict[str, Any] = field(default_factory=dict)
    comparison: dict[str, Any] = field(default_factory=dict)
    changed_at: datetime | None = None
    changed_by: str = ""
    promoted_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class LenderHold:
    """A lender whose offers the platform stopped recommending (``services/holds.py``): its
    realised approval fell below what was predicted (the ledger's drift alarm rang at decision
    ``alarm_after`` of those counted since ``counted_since``). Lifted by an operator or by the
    promotion of a new model."""

    lender_id: str
    held_at: datetime
    alarm_after: int
    counted_since: datetime
    lifted_at: datetime | None = None
    lifted_by: str = ""

    @property
    def active(self) -> bool:
        return self.lifted_at is None


@dataclass(frozen=True)
class DriftState:
    """A lender's drift alarm as it stands (``services/holds.py``): the CUSUM ``statistic``
    after the ``decisions`` counted since ``since`` (its first decision, or its last lift)."""

    lender_id: str
    statistic: float
    decisions: int
    since: datetime
    updated_at: datetime


@dataclass(frozen=True)
class LenderFloor:
    """A lender's own floor on P(approve) under one served model (``services/floors.py``):
    raised when the offers the platform made for it had a mean P below what the promise needs
    (``goal``), over the latest ``offers`` of them; never lowered while the model is served."""

    lender_id: str
    model_id: str
    floor: float
    goal: float
    offers: int
    mean_p: float
    updated_at: datetime
    decided: int = 0
    """The lender's decisions on applications made from the model's offers, ..."""
    approved: int = 0
    """... how many were approvals, ..."""
    predicted: float = 0.0
    """... and the sum of the P predicted for them (``served_floor.calibration_gap``)."""
