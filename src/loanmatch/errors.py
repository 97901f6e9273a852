"""The one exception tree of loanmatch.

Every error the library raises on purpose derives from :class:`LoanMatchError`::

    LoanMatchError
     +-- InputError            bad user input; carries where (file, line/row, column, rule)
     |    +-- CatalogError     features.yaml is malformed or inconsistent
     |    +-- RuleError        a rule does not parse or does not type-check against the catalog
     |    +-- ProductsError    products.yaml is malformed or inconsistent
     |    +-- TableError       history.csv / applicants.csv has a bad cell, header or row
     |    +-- AnswerError      an applicant's answer (form, API) is not a valid value
     |    +-- PricingError     pricing.yaml is malformed, inconsistent or cannot price a product
     +-- ModelError            a model directory is missing, corrupt or does not fit the inputs
 +-- NotCertifiedError     the held-out decisions do not certify the target approval asked for
     +-- ConnectorError        a data source (工商, 税务, 征信, 流水) could not give its features
          +-- ConsentError          no valid consent for the source (wrong source or expired)
          +-- ConnectorTimeout      the source did not answer within the time allowed
          +-- ConnectorUnavailable  the source is down or refused the call
          +-- ConnectorDataError    the source answered with data that does not fit the catalog

The CLI turns an ``InputError`` or ``ModelError`` into exit code 2 and a ``NotCertifiedError``
into exit code 3; the HTTP API into a 4xx with a machine-readable body built from
:meth:`LoanMatchError.to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AnswerError",
    "CatalogError",
    "ConnectorDataError",
    "ConnectorError",
    "ConnectorTimeout",
    "ConnectorUnavailable",
    "ConsentError",
    "InputError",
    "LoanMatchError",
    "Location",
    "ModelError",
    "NotCertifiedError",
    "PricingError",
    "ProductsError",
    "RuleError",
    "TableError",
]


@dataclass(frozen=True)
class Location:
    """Where a problem is: any of file, line (1-based), data row (1-based), column, rule."""

    file: str | None = None
    line: int | None = None
    row: int | None = None
    column: str | None = None
    product: str | None = None
    rule: str | None = None
    feature: str | None = None
    lender: str | None = None
    setting: str | None = None

    def describe(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.product:
            parts.append(f"product {self.product!r}")
        if self.rule:
            parts.append(f"rule {self.rule!r}")
        if self.feature:
            parts.append(f"feature {self.feature!r}")
        if self.lender:
            parts.append(f"lender {self.lender!r}")
        if self.setting:
            parts.append(f"setting {self.setting!r}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class LoanMatchError(Exception):
    """Base of every error loanmatch raises on purpose."""

    code = "loanmatch_error"

    def __init__(self, message: str, where: Location | None = None) -> None:
        self.message = message
        self.where = where or Location()
        prefix = self.where.describe()
        super().__init__(f"{prefix}: {message}" if prefix else message)

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "where": self.where.to_dict()}


class InputError(LoanMatchError):
    code = "invalid_input"


class CatalogError(InputError):
    code = "invalid_catalog"


class RuleError(InputError):
    code = "invalid_rule"


class ProductsError(InputError):
    code = "invalid_products"


class TableError(InputError):
    code = "invalid_table"


class AnswerError(InputError):
    code = "invalid_answer"


class PricingError(InputError):
    code = "invalid_pricing"


class ModelError(LoanMatchError):
    code = "invalid_model"


class NotCertifiedError(LoanMatchError):
    """A target approval rate the model's held-out decisions cannot certify. ``highest`` is the
    highest target they do certify (None: none from 0.5 up); ``decisions_needed`` about how many
    history rows like these the target would need in all (None: more of the same would not do)."""

    code = "not_certified"

    def __init__(
        self,
        message: str,
        where: Location | None = None,
        highest: float | None = None,
        decisions_needed: int | None = None,
    ) -> None:
        self.highest = highest
        self.decisions_needed = decisions_needed
        super().__init__(message, where)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["highest_certifiable"] = self.highest
        out["decisions_needed"] = self.decisions_needed
        return out


class ConnectorError(LoanMatchError):
    """A connector could not give its features; ``source`` names it. The intake asks instead."""

    code = "connector_error"

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"{source}: {message}")


class ConsentError(ConnectorError):
    code = "connector_consent"


class ConnectorTimeout(ConnectorError):
    code = "connector_timeout"


class ConnectorUnavailable(ConnectorError):
    code = "connector_unavailable"


class ConnectorDataError(ConnectorError):
    code = "connector_bad_data"


@dataclass
class ErrorList:
    """Collects several input errors so a user sees them all at once (at most ``limit``)."""

    errors: list[InputError] = field(default_factory=list)
    limit: int = 20

    def add(self, error: InputError) -> None:
        if len(self.errors) < self.limit:
            self.errors.append(error)

    def raise_if_any(self, kind: type[InputError]) -> None:
        if not self.errors:
            return
        if len(self.errors) == 1:
            raise self.errors[0]
        first = self.errors[0]
        more = "; ".join(str(e) for e in self.errors[1:])
        raise kind(f"{first.message} (and {len(self.errors) - 1} more: {more})", first.where)
