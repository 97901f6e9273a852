"""What an intake knows about one applicant, where each fact came from, and what was asked.

Plain data, JSON-serialisable (:meth:`IntakeState.to_dict` / :meth:`IntakeState.from_dict`) so a
session can be stored and resumed. Provenance of a value:

- ``connector``: pulled from a consented source (``source`` says which);
- ``asked``: typed by the owner (in answer to a question, or volunteered in any order);
- ``corrected``: typed by the owner over an earlier value (their own or a connector's);
- ``dont_know``: the owner said they do not know; the feature stays unknown and is not asked again.

A source is ``failed`` (timeout, outage, malformed data) or ``declined`` (no consent) when its
features must be asked instead; the reason is kept so the intake can say why it asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

from loanmatch.domain.catalog import Catalog, Feature, Scalar, encode_value

__all__ = ["Fact", "IntakeState", "Provenance", "SourceStatus"]

Provenance = Literal["connector", "asked", "corrected", "dont_know"]
SourceStatus = Literal["ok", "timeout", "unavailable", "malformed", "declined", "off"]
OWNER_TYPED: tuple[Provenance, ...] = ("asked", "corrected", "dont_know")


@dataclass(frozen=True)
class Fact:
    """One feature's state: its typed value (None when the owner does not know) and origin."""

    value: Scalar | None
    provenance: Provenance
    source: str | None = None


@dataclass
class IntakeState:
    """One applicant's intake, mutable and serialisable; the engine reads it, never stores it."""

    enterprise_id: str = ""
    owner_id: str = ""
    facts: dict[str, Fact] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    """Features the intake asked, in order (a feature asked again after a correction repeats)."""
    typed: list[str] = field(default_factory=list)
    """Features the owner typed an answer for, in order (answers, corrections, don't know)."""
    sources: dict[str, SourceStatus] = field(default_factory=dict)

    # -------------------------------------------------------------- reading ------------------
    def known(self) -> dict[str, Scalar]:
        """Typed values known now (the "don't know" features are left out)."""
        return {k: f.value for k, f in self.facts.items() if f.value is not None}

    def encoded(self, catalog: Catalog) -> dict[str, float]:
        """The known values of ``catalog``'s non-derived features, encoded as the model reads
        them (what the engine conditions and checks on)."""
        return {
            name: encode_value(catalog[name], value)
            for name, value in self.known().items()
            if name in catalog and not catalog[name].derived
        }

    def is_settled(self, feature: str) -> bool:
        """Known, or declared unknown by the owner: never to be asked again."""
        return feature in self.facts

    def may_ask(self, feature: Feature) -> bool:
        """Whether the intake may ask this feature now: not derived, not protected, not settled,
        and either asked by nature (source ``ask``) or of a source that failed or left it out."""
        if feature.derived or feature.protected or self.is_settled(feature.name):
            return False
        if feature.source == "ask":
            return True
        status = self.sources.get(feature.source)
        return status is not None and (status != "ok" or feature.name not in self.facts)

    @property
    def questions_typed(self) -> int:
        """How many answers the owner typed (corrections and "don't know" included)."""
        return len(self.typed)

    def failed_sources(self) -> dict[str, SourceStatus]:
        return {k: v for k, v in self.sources.items() if v != "ok"}

    # -------------------------------------------------------------- changing -----------------
    def prefill(self, source: str, values: dict[str, Scalar]) -> None:
        """Values pulled from ``source``; never overwrite a value the owner typed (a "don't
        know" is no value: the source's answer replaces it, e.g. the bureau score an owner did
        not know, once they authorise the bureau)."""
        self.sources[source] = "ok"
        for name, value in values.items():
            current = self.facts.get(name)
            if current is None or current.provenance in ("connector", "dont_know"):
                self.facts[name] = Fact(value, "connector", source)

    def source_failed(self, source: str, status: SourceStatus) -> None:
        """``source`` cannot give its features (its features become askable)."""
        self.sources[source] = status

    def note_asked(self, feature: str) -> None:
        self.asked.append(feature)

    def record(self, feature: str, value: Scalar | None) -> Fact:
        """The owner's typed answer (``None`` = "don't know"); an earlier value is corrected."""
        current = self.facts.get(feature)
        if value is None:
            fact = Fact(None, "dont_know")
        elif current is not None and current.value is not None:
            fact = Fact(value, "corrected", current.source)
        else:
            fact = Fact(value, "asked")
        self.facts[feature] = fact
        self.typed.append(feature)
        return fact

    def forget(self, feature: str) -> None:
        """Make a feature open again (e.g. the owner wants to answer after "don't know")."""
        self.facts.pop(feature, None)

    # -------------------------------------------------------------- JSON ---------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "enterprise_id": self.enterprise_id,
            "owner_id": self.owner_id,
            "facts": {
                k: {"value": f.value, "provenance": f.provenance, "source": f.source}
                for k, f in self.facts.items()
            },
            "asked": list(self.asked),
            "typed": list(self.typed),
            "sources": dict(self.sources),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntakeState:
        facts = {
            str(k): Fact(
                value=cast("Scalar | None", v.get("value")),
                provenance=cast("Provenance", v["provenance"]),
                source=v.get("source"),
            )
            for k, v in dict(data.get("facts", {})).items()
        }
        return cls(
            enterprise_id=str(data.get("enterprise_id", "")),
            owner_id=str(data.get("owner_id", "")),
            facts=facts,
            asked=[str(x) for x in data.get("asked", [])],
            typed=[str(x) for x in data.get("typed", [])],
            sources={str(k): cast("SourceStatus", v) for k, v in data.get("sources", {}).items()},
        )
