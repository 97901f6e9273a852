"""Standard decline reason codes (拒绝原因代码): one small list shared by rules, the approval
model's explanations, pricing and (later) lenders' decisions.

The list is data (``data/reason_codes.yaml``, loaded by ``adapters/reason_codes_file.py``). A
rule's code is, in order: its own ``code`` (an optional products.yaml field), the code of the
feature it tests, the code of its dimension. Pipeline outcomes that are not rules (low approval
probability, missing answers, a price above a limit, lender capacity, the inquiry budget) have
their own codes under ``outcomes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loanmatch.domain.catalog import Text
from loanmatch.domain.rules import Rule

__all__ = ["OUTCOMES", "ReasonCodes"]

OUTCOMES = (
    "low_probability",
    "unknown",
    "above_owner_max_rate",
    "above_rate_range",
    "above_legal_cap",
    "capacity",
    "max_offers",
)
"""Pipeline outcomes that every code list must map to a code."""


@dataclass(frozen=True)
class ReasonCodes:
    """Codes with their texts and how rules and outcomes map to them."""

    texts: Mapping[str, Text]
    features: Mapping[str, str]
    dimensions: Mapping[str, str]
    outcomes: Mapping[str, str]

    def __post_init__(self) -> None:
        mapped = {**self.features, **self.dimensions, **self.outcomes}
        unknown = sorted({c for c in mapped.values() if c not in self.texts})
        if unknown:
            raise ValueError(f"codes used but not listed: {', '.join(unknown)}")
        missing = [o for o in OUTCOMES if o not in self.outcomes]
        if missing:
            raise ValueError(f"outcomes without a code: {', '.join(missing)}")

    def for_rule(self, rule: Rule) -> str:
        """The rule's own code, else its feature's, else its dimension's."""
        if rule.code:
            return rule.code
        return self.features.get(rule.feature) or self.dimensions.get(rule.dimension, "")

    def for_outcome(self, outcome: str) -> str:
        return self.outcomes[outcome]

    def text(self, code: str) -> Text:
        """The code's text (a code a products file made up shows as itself)."""
        return self.texts.get(code, Text(code, code))
