"""What the intake use cases return: a :class:`SessionView` of one session, and the owner-facing
texts (zh/en) of notices. Built from a stored session; nothing here writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from loanmatch.connectors.base import SOURCE_NAMES, ConsentItem, consent_items
from loanmatch.domain.catalog import Catalog, Feature, Scalar, Text
from loanmatch.domain.value_text import format_value
from loanmatch.intake.state import IntakeState, SourceStatus
from loanmatch.lang import Lang, parse_lang
from loanmatch.matching.results import ApplicantResult
from loanmatch.storage.records import Notice, SessionRecord, StoredConsent

__all__ = [
    "Choice",
    "ConsentItem",
    "ConsentRequestView",
    "ConsentView",
    "KnownValue",
    "QuestionView",
    "SessionView",
    "Stage",
    "build_view",
    "question_seq",
    "shown",
    "source_name",
    "source_notice",
]

Stage = Literal["consent", "asking", "done"]


@dataclass(frozen=True)
class Choice:
    """One answer the owner can tap: ``value`` is what is sent back as the answer (a category's
    code, ``true`` / ``false`` for a yes/no question), ``label`` what the owner reads."""

    value: str
    label: Text


@dataclass(frozen=True)
class QuestionView:
    """The question the owner is asked now."""

    feature: str
    text: Text
    label: Text
    hint: Text
    """Why it is asked (e.g. "the tax bureau could not be reached, so we ask you")."""
    type: str
    unit: str | None
    choices: tuple[Choice, ...]
    """A category's codes with their labels; yes and no for a boolean; empty for a number."""
    min: float | None
    max: float | None
    seq: int = 0
    """The question's sequence number in the session: an answer names it (``question``) and is
    refused as stale once another question is open."""


@dataclass(frozen=True)
class KnownValue:
    """One fact of the application and where it came from."""

    feature: str
    label: Text
    value: Scalar | None
    """None: the owner said they do not know."""
    shown: Text
    provenance: str
    """``connector``, ``asked``, ``corrected`` or ``dont_know``."""
    source: str | None
    """The connector source (for connector values and corrections of them)."""


@dataclass(frozen=True)
class ConsentView:
    source: str
    name: Text
    purpose: str
    scope: tuple[str, ...]
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: str
    """``active``, ``expired`` or ``revoked`` now."""
    items: tuple[ConsentItem, ...] = ()
    """The items of ``scope`` with their labels and why each is read."""


@dataclass(frozen=True)
class ConsentRequestView:
    """What the owner is asked to allow for one source: each item it would read, and why."""

    source: str
    name: Text
    items: tuple[ConsentItem, ...]


@dataclass(frozen=True)
class SessionView:
    """One session as the owner (or a program) sees it now."""

    session_id: str
    lang: Lang
    stage: Stage
    question: QuestionView | None
    known: tuple[KnownValue, ...]
    notices: tuple[Notice, ...]
    consents: tuple[ConsentView, ...]
    sources: dict[str, SourceStatus]
    questions_typed: int
    result: ApplicantResult | None
    """Offers and reasons, when ``stage`` is ``done``."""
    version: int
    consent_request: tuple[ConsentRequestView, ...] = ()
    """While the stage is ``consent``: each connector source's items and why each is read
    (protected attributes are never among them)."""


def source_name(source: str) -> Text:
    return SOURCE_NAMES.get(source, Text(zh=source, en=source))


_STATUS_TEXT: dict[str, tuple[str, str]] = {
    "timeout": ("没有及时响应", "did not answer in time"),
    "unavailable": ("暂时无法访问", "is unavailable just now"),
    "malformed": ("返回的数据有误", "sent data we could not use"),
    "declined": ("未获授权", "was not authorised"),
    "off": ("未接入", "is not connected"),
}


def source_notice(source: str, status: str, features: Sequence[str], catalog: Catalog) -> Notice:
    """Why the features of ``source`` will be asked instead of pulled."""
    name = source_name(source)
    zh_why, en_why = _STATUS_TEXT.get(status, ("无法使用", "cannot be used"))
    labels_zh = "、".join(catalog[f].display("zh") for f in features if f in catalog)
    labels_en = ", ".join(catalog[f].display("en") for f in features if f in catalog)
    return Notice(
        code=f"source_{status}",
        zh=f"{name.zh}{zh_why}，需要时我们会直接问您（{labels_zh or '无'}）。",
        en=f"The {name.en} {en_why}; we will ask you where needed ({labels_en or 'none'}).",
        source=source,
        features=tuple(features),
    )


def shown(feature: Feature, value: Scalar | None) -> Text:
    """A value as a person reads it, in both languages, with its unit in words
    (:func:`loanmatch.domain.value_text.format_value`: ``5年`` / ``5 years``, ``12个月`` /
    ``12 months``, ``0次``, ``50万元`` / ``500,000 yuan``); None is what the owner said."""
    if value is None:
        return Text(zh="不知道", en="don't know")
    return Text(zh=format_value(feature, value, "zh"), en=format_value(feature, value, "en"))


def question_seq(question: Mapping[str, str], state: IntakeState) -> int:
    """The open question's sequence number in its session (1 for the first question asked, and
    so on: a new number each time the intake asks something new). An answer names it, so it can
    only land on the question it was written for. Sessions stored before the number was kept
    have their last asked question's position."""
    seq = question.get("seq")
    return int(seq) if seq is not None and seq.isdigit() else len(state.asked)


_YES_NO = (
    Choice(value="true", label=Text(zh="是", en="Yes")),
    Choice(value="false", label=Text(zh="否", en="No")),
)


def question_view(catalog: Catalog, question: Mapping[str, str], seq: int = 0) -> QuestionView:
    feature = catalog[question["feature"]]
    text = feature.question if feature.question.zh or feature.question.en else feature.label
    choices = tuple(
        Choice(
            value=c,
            label=Text(zh=feature.category_label(c, "zh"), en=feature.category_label(c, "en")),
        )
        for c in feature.categories
    )
    if feature.type == "boolean":
        choices = _YES_NO
    return QuestionView(
        feature=feature.name,
        text=text,
        label=feature.label,
        hint=Text(zh=question.get("hint_zh", ""), en=question.get("hint_en", "")),
        type=feature.type,
        unit=feature.unit,
        choices=choices,
        min=feature.min,
        max=feature.max,
        seq=seq,
    )


def build_view(
    catalog: Catalog,
    record: SessionRecord,
    consents: Sequence[StoredConsent],
    at: datetime,
    result: ApplicantResult | None,
) -> SessionView:
    state = IntakeState.from_dict(record.state)
    known = tuple(
        KnownValue(
            feature=name,
            label=catalog[name].label,
            value=fact.value,
            shown=shown(catalog[name], fact.value),
            provenance=fact.provenance,
            source=fact.source,
        )
        for name in catalog
        if (fact := state.facts.get(name)) is not None
    )
    stage: Stage = "done" if record.stage == "done" else "asking"
    if record.stage == "consent":
        stage = "consent"
    return SessionView(
        session_id=record.id,
        lang=parse_lang(record.lang),
        stage=stage,
        question=question_view(catalog, record.question, question_seq(record.question, state))
        if record.question
        else None,
        known=known,
        notices=record.notices,
        consents=tuple(
            ConsentView(
                source=c.consent.source,
                name=source_name(c.consent.source),
                purpose=c.consent.purpose,
                scope=c.consent.scope,
                granted_at=c.consent.granted_at,
                expires_at=c.consent.expires_at,
                revoked_at=c.consent.revoked_at,
                status=c.consent.status(at),
                items=tuple(
                    i
                    for i in consent_items(catalog, c.consent.source)
                    if i.feature in c.consent.scope
                ),
            )
            for c in consents
        ),
        sources=dict(state.sources),
        questions_typed=state.questions_typed,
        result=result if stage == "done" else None,
        version=record.version,
        consent_request=tuple(
            ConsentRequestView(source, source_name(source), items)
            for source in dict.fromkeys(f.source for f in catalog.features)
            if source not in ("ask", "derived", *state.sources)
            and (items := consent_items(catalog, source))
        )
        if stage == "consent"
        else (),
    )
