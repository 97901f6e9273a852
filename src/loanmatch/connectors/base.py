"""What a data connector is: a source that fills catalog features for one enterprise and owner.

A connector is only ever called with a consent grant for its own source that has not expired:
:func:`check_consent` is run inside every ``fetch``, so a caller cannot skip the consent gate by
calling a connector directly. Recording, revoking and auditing consent is the storage layer's
job (``domain/consent.py``); a grant here is anything with ``source``, ``purpose`` and
``expires_at``.

A connector returns typed values (``str`` category, ``bool``, ``float``) keyed by feature name,
validated against the catalog by :func:`validate_payload`; what it cannot give it omits.
Failures are :class:`~loanmatch.errors.ConnectorError` subclasses: ``ConnectorTimeout``,
``ConnectorUnavailable``, ``ConnectorDataError`` (malformed payload), ``ConsentError``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, runtime_checkable

from loanmatch.domain.catalog import Catalog, Scalar, Text, encode_value
from loanmatch.errors import ConnectorDataError, ConsentError

__all__ = [
    "GENERIC_PURPOSE",
    "SOURCE_NAMES",
    "Connector",
    "ConsentGrant",
    "ConsentItem",
    "ConsentLike",
    "FailureMode",
    "check_consent",
    "consent_items",
    "pullable_features",
    "validate_payload",
]

FailureMode = Literal["timeout", "unavailable", "malformed"]

SOURCE_NAMES: Mapping[str, Text] = {
    "registry": Text(zh="工商登记", en="business registry"),
    "tax": Text(zh="税务及电子发票", en="tax bureau and e-invoices"),
    "bureau": Text(zh="征信", en="credit bureau"),
    "bank": Text(zh="银行流水", en="bank statements"),
}
"""How each catalog source is shown to an owner."""

GENERIC_PURPOSE = Text(
    zh="用来核对贷款产品的申请条件、估计获批可能",
    en="to check loan products' conditions and estimate the chance of approval",
)
"""What an item whose catalog entry gives no ``purpose`` is read for (a user's own catalog)."""


@dataclass(frozen=True)
class ConsentItem:
    """One item a consent to a source lets it fill: its label and why it is read (zh/en)."""

    feature: str
    label: Text
    purpose: Text


def pullable_features(catalog: Catalog, source: str) -> tuple[str, ...]:
    """The features a consent to ``source`` covers and a pull may request and store: those the
    catalog assigns to it, less protected attributes (never pulled for matching: data
    minimisation; an audit of fairness would need a consent of its own) and derived ones."""
    return tuple(
        f.name for f in catalog.features if f.source == source and not f.protected and not f.derived
    )


def consent_items(catalog: Catalog, source: str) -> tuple[ConsentItem, ...]:
    """What the consent screen lists for ``source``: each pullable item with its purpose."""
    return tuple(
        ConsentItem(
            feature=name,
            label=catalog[name].label,
            purpose=catalog[name].purpose
            if catalog[name].purpose.zh or catalog[name].purpose.en
            else GENERIC_PURPOSE,
        )
        for name in pullable_features(catalog, source)
    )


class ConsentLike(Protocol):
    """Anything that records a consent: the source it covers, why, and until when."""

    @property
    def source(self) -> str: ...

    @property
    def purpose(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...


@dataclass(frozen=True)
class ConsentGrant:
    """The smallest consent a connector accepts (the storage layer's records fit it too)."""

    source: str
    purpose: str
    expires_at: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_consent(grant: ConsentLike | None, source: str, now: datetime | None = None) -> None:
    """Raise :class:`ConsentError` unless ``grant`` covers ``source`` and has not expired."""
    if grant is None:
        raise ConsentError(source, "no consent was given for this source")
    if grant.source != source:
        raise ConsentError(source, f"the consent given is for {grant.source!r}, not {source!r}")
    moment = _aware(now or datetime.now(UTC))
    if _aware(grant.expires_at) <= moment:
        raise ConsentError(source, f"the consent expired at {grant.expires_at.isoformat()}")
    if not grant.purpose.strip():
        raise ConsentError(source, "the consent does not state a purpose")


@runtime_checkable
class Connector(Protocol):
    """A data source behind the intake: business registry, tax, credit bureau, bank statements."""

    @property
    def name(self) -> str:
        """The catalog ``source`` it serves (``registry``, ``tax``, ``bureau``, ``bank``)."""
        ...

    @property
    def features(self) -> tuple[str, ...]:
        """The catalog features it fills."""
        ...

    @property
    def typical_latency_s(self) -> float:
        """Median seconds per call."""
        ...

    @property
    def failure_modes(self) -> tuple[FailureMode, ...]: ...

    def fetch(
        self,
        enterprise_id: str,
        owner_id: str,
        consent: ConsentLike,
        timeout_s: float = 10.0,
    ) -> dict[str, Scalar]:
        """Typed values of ``features`` it has for this enterprise and owner (others omitted)."""
        ...


def validate_payload(
    catalog: Catalog, source: str, features: tuple[str, ...], payload: Mapping[str, object]
) -> dict[str, Scalar]:
    """Check a source's raw answer against the catalog; a malformed one is a ConnectorDataError."""
    out: dict[str, Scalar] = {}
    for name, value in payload.items():
        if name not in features:
            raise ConnectorDataError(source, f"sent {name!r}, which it does not provide")
        if value is None:
            continue
        if isinstance(value, float) and math.isnan(value):
            continue
        try:
            encode_value(catalog[name], value)
        except ValueError as error:
            raise ConnectorDataError(source, f"{name}: {error}") from None
        if not isinstance(value, str | bool | float | int):
            raise ConnectorDataError(source, f"{name}: {value!r} is not a value")
        out[name] = (
            float(value) if isinstance(value, int) and not isinstance(value, bool) else value
        )
    return out
