"""The one exception tree of loanmatch, and how each error reaches a user.

Every error the library raises on purpose derives from :class:`LoanMatchError` and is defined in
this module. Each class carries its HTTP ``status`` and a stable machine-readable ``code``; a
dotted code extends an ancestor's, so ``code.startswith("input")`` means "fix what you sent"::

    class                             HTTP code                         what
    LoanMatchError                    500  error                        the base; not raised itself
     +- InputError                    422  input                        bad input; says where
     |  +- CatalogError               422  input.catalog                features.yaml is malformed
     |  +- RuleError                  422  input.rule                   a rule does not parse/type
     |  +- ProductsError              422  input.products               products.yaml is malformed
     |  |  +- RuleTestError           422  input.products.rule_test     a product's own test fails
     |  +- TableError                 422  input.table                  a bad cell, header or row
     |  +- PricingError               422  input.pricing                pricing.yaml cannot price
     |  +- RequestError               422  input.request                a bad HTTP body or query
     |  |  +- UnreadableBodyError     400  input.request.unreadable     not UTF-8 / not its type
     |  |  +- BodyTooLargeError       413  input.request.too_large      over max_body_bytes
     |  +- ConsentRequestError        422  input.consent                consent cannot be granted
     |  +- CreditCodeError            422  input.credit_code            not a valid 统一社会信用代码
     |  +- AnswerError                422  input.answer                 not a valid answer
     |     +- AnswerFieldError        422  input.answer.invalid         ... to one feature, zh+en
     |        +- NotUnderstoodError   422  input.answer.not_understood  not a value of it
     |        +- OutOfRangeError      422  input.answer.out_of_range    outside its min/max
     |        +- WrongTypeError       422  input.answer.wrong_type      a JSON value's type
     |        +- NotAskableError      422  input.answer.not_askable     unknown or derived
     |        +- ContradictionError   422  input.answer.contradiction   contradicts known facts
     +- NotCertifiedError             422  not_certified                target cannot be certified
     +- SessionError                  400  session                      an intake session step
     |  +- SessionNotFoundError       404  session.not_found            no session with this id
     |  +- SessionConflictError       409  session.conflict             another request came first
     |     +- StaleQuestionError      409  session.conflict.stale_question  not the open question
     +- ApplicationError              400  application                  an application step
     |  +- ApplicationNotFoundError   404  application.not_found        none of yours has this id
     |  +- ApplyRefusedError          422  application.refused          not offered, over budget
     |  +- DecisionTermsError         422  application.terms            a decision lacks its terms
     |  +- TransitionError            409  application.transition       not allowed from this state
     +- ProductError                  400  product                      a lender's product step
     |  +- ProductNotFoundError       404  product.not_found            none of yours has this id
     |  +- ProductRefusedError        422  product.refused              not as asked (rule says why)
     |  +- ProductConflictError       409  product.conflict             another request came first
     +- AuthError                     401  auth                         no valid credentials
     |  +- IdentityCodeError          401  auth.code                    wrong/expired/used code
     |  +- ForbiddenError             403  auth.forbidden               not what you may touch
     +- RateLimitedError              429  rate_limited                 too many requests: wait
     +- ModelError                    500  model                        the model cannot be used
     +- ModelSwitchError              409  model_switch                 promote/roll back refused
     +- AgentError                    500  agent                        a lender agent cannot run
     +- ConnectorError                502  connector                    a data source gave nothing
        +- ConsentError               403  connector.consent            no valid consent for it
        +- ConnectorTimeout           504  connector.timeout            no answer in time
        +- ConnectorUnavailable       503  connector.unavailable        down or refused
        +- ConnectorDataError         502  connector.bad_data           data that does not fit

Why these statuses: what the caller sent and can fix is 422 (well-formed but not acceptable; a
malformed body too, as FastAPI has it, with the same body; one that cannot be read as text is
400 and one over the size limit 413); an unknown session is 404 and a lost
race 409 (read the session again and retry); a source without valid consent 403; what the server's
own model or a source behind it failed at is 5xx (500 the model, 502 a source's bad answer, 503 a
source down, 504 a source too slow). ``NotCertifiedError`` is 422: the target approval asked for
cannot be promised with these data (the body gives the highest that can). The intake turns
connector errors into notices and asks the owner instead, so those 5xx are rare over HTTP.

The body of an error (:meth:`LoanMatchError.to_dict`; ``ErrorBody`` in the OpenAPI schema) has
``code``, ``message``, ``where`` (the parts of :class:`Location` that apply) and ``error``: the
coarser code of loanmatch 0.1 (``invalid_answer``, ``session_not_found``, ...; ``legacy_code``
here), kept unchanged for clients written against it. Answers and consents add ``message_zh``,
answers their ``reason`` (the last part of their code), a contradiction ``check`` and
``contradicts``, a refused certification ``highest_certifiable`` and ``decisions_needed``, a bad
request ``errors`` (each ``loc`` and ``msg``).

The web app turns every ``LoanMatchError`` into its ``status`` and that body in ONE exception
handler (:mod:`loanmatch.web.errors`); the CLI (:func:`loanmatch.cli.console.exit_code`) prints
the message and exits with 3 for a ``NotCertifiedError`` and 2 for any other ``LoanMatchError``.

Not in the tree, on purpose: ``ValueError`` subclasses that never leave the package.
``loanmatch.adapters.rule_grammar.RuleSyntaxError``: every loader turns it into a ``RuleError`` or
``CatalogError`` naming the file and line. ``loanmatch.domain.cashflows.UnsupportedMethodError``
and ``NothingPaidOutError``: a pricing file's repayment methods are checked when it loads, and
matching reads either as "no quote". Outside those, like any ``ValueError``, they mean a caller's
bug, not a user's input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from loanmatch.location import Location

__all__ = [
    "AgentError",
    "AnswerError",
    "AnswerFieldError",
    "ApplicationError",
    "ApplicationNotFoundError",
    "ApplyRefusedError",
    "AuthError",
    "Bilingual",
    "BodyTooLargeError",
    "CatalogError",
    "ConnectorDataError",
    "ConnectorError",
    "ConnectorTimeout",
    "ConnectorUnavailable",
    "ConsentError",
    "ConsentRequestError",
    "ContradictionError",
    "CreditCodeError",
    "DecisionTermsError",
    "ForbiddenError",
    "IdentityCodeError",
    "InputError",
    "LoanMatchError",
    "Location",
    "ModelError",
    "ModelSwitchError",
    "NotAskableError",
    "NotCertifiedError",
    "NotUnderstoodError",
    "OutOfRangeError",
    "PricingError",
    "ProductConflictError",
    "ProductError",
    "ProductNotFoundError",
    "ProductRefusedError",
    "ProductsError",
    "RateLimitedError",
    "RequestError",
    "RuleError",
    "RuleTestError",
    "SessionConflictError",
    "SessionError",
    "SessionNotFoundError",
    "StaleQuestionError",
    "TableError",
    "TransitionError",
    "UnreadableBodyError",
    "WrongTypeError",
]


class Bilingual(Protocol):
    """A message in Chinese and English (:class:`loanmatch.domain.catalog.Text` is one)."""

    @property
    def zh(self) -> str: ...

    @property
    def en(self) -> str: ...

    def get(self, lang: str) -> str: ...


class LoanMatchError(Exception):
    """Base of every error loanmatch raises on purpose."""

    status: ClassVar[int] = 500
    """The HTTP status the web app answers with."""
    code: ClassVar[str] = "error"
    """Stable and machine-readable; a dotted code extends an ancestor's (``input.answer.*``)."""
    legacy_code: ClassVar[str] = "loanmatch_error"
    """The body's ``error``: the code of loanmatch 0.1, unchanged (a new class inherits it)."""

    def __init__(self, message: str, where: Location | None = None) -> None:
        self.message = message
        self.where = where or Location()
        prefix = self.where.describe()
        super().__init__(f"{prefix}: {message}" if prefix else message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "error": self.legacy_code,
            "message": self.message,
            "where": self.where.to_dict(),
        }


# ------------------------------------------------------------------ input -------------------
class InputError(LoanMatchError):
    """Bad user input (a file, a form, a request); ``where`` says where. ``message_zh`` is the
    message in Chinese where the raiser wrote one; an error standing for several problems
    (:class:`loanmatch.error_list.ErrorList`) keeps each in ``problems``, in the order found,
    and how many more were found past the limit in ``more``."""

    status = 422
    code = "input"
    legacy_code = "invalid_input"

    def __init__(
        self,
        message: str,
        where: Location | None = None,
        *,
        zh: str = "",
        problems: Sequence[InputError] = (),
        more: int = 0,
    ) -> None:
        super().__init__(message, where)
        self.message_zh = zh
        self.problems = tuple(problems)
        self.more = more


class CatalogError(InputError):
    """features.yaml (or consistency.yaml) is malformed or inconsistent."""

    code = "input.catalog"
    legacy_code = "invalid_catalog"


class RuleError(InputError):
    """A rule does not parse or does not type-check against the catalog."""

    code = "input.rule"
    legacy_code = "invalid_rule"


class ProductsError(InputError):
    """products.yaml (or lenders.yaml) is malformed or inconsistent."""

    code = "input.products"
    legacy_code = "invalid_products"


class RuleTestError(ProductsError):
    """A product's own test case (products.yaml ``tests:``) does not come out as it says:
    ``case`` names it, ``expected`` and ``happened`` are ``eligible``, ``ineligible`` or
    ``unknown``, ``where.rule`` (and the body's ``rule``) the rule the failure is about."""

    code = "input.products.rule_test"

    def __init__(
        self, message: str, where: Location, *, zh: str, case: str, expected: str, happened: str
    ) -> None:
        super().__init__(message, where, zh=zh)
        self.case = case
        self.expected = expected
        self.happened = happened

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(), "message_zh": self.message_zh, "case": self.case,
            "expected": self.expected, "happened": self.happened, "rule": self.where.rule,
        }  # fmt: skip


class TableError(InputError):
    """history.csv / applicants.csv has a bad cell, header or row."""

    code = "input.table"
    legacy_code = "invalid_table"


class PricingError(InputError):
    """pricing.yaml is malformed, inconsistent or cannot price a product."""

    code = "input.pricing"
    legacy_code = "invalid_pricing"


class RequestError(InputError):
    """An HTTP request whose body, path or query does not fit the API's schema; ``errors`` lists
    each problem (``loc``: the path to the value, ``msg``: what is wrong)."""

    code = "input.request"
    legacy_code = "invalid_request"

    def __init__(self, errors: Sequence[dict[str, Any]]) -> None:
        self.errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in errors
        ]
        first = self.errors[0] if self.errors else {"loc": [], "msg": "invalid request"}
        super().__init__(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["errors"] = self.errors
        return body


class UnreadableBodyError(RequestError):
    """A body that cannot be read as its content type says (JSON that is not UTF-8, a form that
    cannot be decoded): nothing in it could be checked, so 400 rather than 422."""

    status = 400
    code = "input.request.unreadable"

    def __init__(self, msg: str) -> None:
        super().__init__([{"loc": ["body"], "msg": msg}])


class BodyTooLargeError(RequestError):
    """A body longer than the server accepts (``Settings.max_body_bytes``)."""

    status = 413
    code = "input.request.too_large"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__([{"loc": ["body"], "msg": f"a body may have at most {limit} bytes"}])


class ConsentRequestError(InputError):
    """A consent that cannot be granted or used; ``text`` is the message in Chinese and English."""

    code = "input.consent"
    legacy_code = "invalid_consent"

    def __init__(self, text: Bilingual, source: str | None = None) -> None:
        self.text = text
        super().__init__(text.en, Location(setting=source))

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["message_zh"] = self.text.zh
        return body


class CreditCodeError(InputError):
    """An enterprise id that is not a valid 统一社会信用代码 (GB 32100-2015: length, alphabet, check
    character); refused before any data source is asked. ``text`` is the message in Chinese and
    English, ``where.setting`` the field it was entered in."""

    code = "input.credit_code"
    legacy_code = "invalid_credit_code"

    def __init__(self, text: Bilingual, field_name: str = "enterprise_id") -> None:
        self.text = text
        super().__init__(text.en, Location(setting=field_name))

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["message_zh"] = self.text.zh
        return body


class AnswerError(InputError):
    """An applicant's answer (form, API, chat) is not a valid value."""

    code = "input.answer"
    legacy_code = "invalid_answer"


class AnswerFieldError(AnswerError):
    """An answer that does not fit its feature; ``text`` is the message in Chinese and English.
    ``reason`` (the last part of ``code``) tells the kinds apart for programs of loanmatch 0.1,
    whose ``error`` is ``invalid_answer`` for all of them."""

    code = "input.answer.invalid"
    reason: ClassVar[str] = "invalid"

    def __init__(self, feature: str, text: Bilingual) -> None:
        self.text = text
        super().__init__(text.en, Location(feature=feature))

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["message_zh"] = self.text.zh
        body["reason"] = self.reason
        return body


class NotUnderstoodError(AnswerFieldError):
    """Text that is not a number, not yes or no, or not one of the categories."""

    code = "input.answer.not_understood"
    reason = "not_understood"


class OutOfRangeError(AnswerFieldError):
    """A number outside the feature's min / max."""

    code = "input.answer.out_of_range"
    reason = "out_of_range"


class WrongTypeError(AnswerFieldError):
    """A program sent a JSON value of the wrong type (a list, a number for a category...)."""

    code = "input.answer.wrong_type"
    reason = "wrong_type"


class NotAskableError(AnswerFieldError):
    """A name that is not a feature of the catalog, or a derived feature (computed, not asked)."""

    code = "input.answer.not_askable"
    reason = "not_askable"


class ContradictionError(AnswerFieldError):
    """An answer that cannot be true together with facts already known (``data/consistency.yaml``);
    ``check`` names the check, ``others`` the facts it contradicts."""

    code = "input.answer.contradiction"
    reason = "contradiction"

    def __init__(self, feature: str, text: Bilingual, check: str, others: tuple[str, ...]) -> None:
        self.check = check
        self.others = others
        super().__init__(feature, text)

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["check"] = self.check
        body["contradicts"] = list(self.others)
        return body


# ------------------------------------------------------------------ certification -----------
class NotCertifiedError(LoanMatchError):
    """A target approval rate the model's held-out decisions cannot certify. ``highest`` is the
    highest target they do certify (None: none from 0.5 up); ``decisions_needed`` about how many
    history rows like these the target would need in all (None: more of the same would not do)."""

    status = 422
    code = "not_certified"
    legacy_code = "not_certified"

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


# ------------------------------------------------------------------ sessions ----------------
class SessionError(LoanMatchError):
    """An intake session step that cannot be done as asked."""

    status = 400
    code = "session"
    legacy_code = "session_error"


class SessionNotFoundError(SessionError):
    """No session with this id."""

    status = 404
    code = "session.not_found"
    legacy_code = "session_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"no intake session {session_id!r}", Location(setting="session_id"))


class SessionConflictError(SessionError):
    """Another request changed the session first; the caller may read it again and retry."""

    status = 409
    code = "session.conflict"
    legacy_code = "session_conflict"


class StaleQuestionError(SessionConflictError):
    """An answer names a question that is no longer the open one (it was answered, or the
    intake moved on): it is refused, never applied to another question. The body says which
    question is open now (``question``: its sequence number, ``feature``; None when none is)."""

    code = "session.conflict.stale_question"

    def __init__(self, named: int, current: int | None, feature: str | None) -> None:
        now = "no question is open" if current is None else f"question {current} is open now"
        super().__init__(
            f"question {named} is no longer the open question ({now}); read the session again",
            Location(setting="question"),
        )
        self.named = named
        self.current = current
        self.feature = feature

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "question": self.current, "feature": self.feature}


# ------------------------------------------------------------------ applications ------------
class ApplicationError(LoanMatchError):
    """An application step that cannot be done as asked (``domain/applications.py``)."""

    status = 400
    code = "application"
    legacy_code = "application_error"


class ApplicationNotFoundError(ApplicationError):
    """No application with this id that the caller may see: another lender's or another
    owner's application answers exactly like one that does not exist."""

    status = 404
    code = "application.not_found"

    def __init__(self, application_id: str) -> None:
        super().__init__(f"no application {application_id!r}", Location(setting="application_id"))


class ApplyRefusedError(ApplicationError):
    """The owner cannot apply as asked; ``rule`` names why (``not_offered``, ``budget``,
    ``not_done``, ``idempotency_mismatch``, ``already_applied``, ``capacity``)."""

    status = 422
    code = "application.refused"

    def __init__(self, rule: str, message: str, zh: str = "") -> None:
        super().__init__(message, Location(setting=rule))
        self.rule = rule
        self.message_zh = zh

    def to_dict(self) -> dict[str, Any]:
        body = {**super().to_dict(), "rule": f"{self.code}.{self.rule}"}
        if self.message_zh:
            body["message_zh"] = self.message_zh
        return body


class DecisionTermsError(ApplicationError):
    """A decision without what its action needs (an approval's terms, a decline's reasons)."""

    status = 422
    code = "application.terms"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, Location(setting=field))


class TransitionError(ApplicationError):
    """A state change the application's state machine does not allow; ``rule`` is
    ``application.transition.state`` (not from this state: deciding twice, approving a withdrawn
    application), ``.role`` (not this role's action) or ``.action`` (no such action)."""

    status = 409
    code = "application.transition"

    def __init__(self, rule: str, action: str, current: str, message: str) -> None:
        super().__init__(message, Location(setting="action"))
        self.rule = f"{self.code}.{rule}"
        self.action = action
        self.current = str(current)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "rule": self.rule, "current": self.current}


# ------------------------------------------------------------------ lenders' products --------
class ProductError(LoanMatchError):
    """A step on a lender's product versions that cannot be done as asked
    (``services/products.py``)."""

    status = 400
    code = "product"
    legacy_code = "product_error"


class ProductNotFoundError(ProductError):
    """No product (or version) with this id that the caller may see: another lender's product
    answers exactly like one that does not exist."""

    status = 404
    code = "product.not_found"

    def __init__(self, product_id: str, version: int | None = None) -> None:
        what = f"product {product_id!r}" + (f" version {version}" if version is not None else "")
        super().__init__(f"no {what}", Location(product=product_id, setting="product_id"))


class ProductRefusedError(ProductError):
    """A product step refused as asked; ``rule`` (``product.refused.<rule>``) says why, e.g.
    ``effective_past`` (an effective time in the past) or ``not_draft``."""

    status = 422
    code = "product.refused"

    def __init__(self, rule: str, message: str, product: str, zh: str = "") -> None:
        super().__init__(message, Location(product=product, setting=rule))
        self.rule = f"{self.code}.{rule}"
        self.message_zh = zh

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "rule": self.rule, "message_zh": self.message_zh}


class ProductConflictError(ProductError):
    """Another request came first: ``rule`` is ``product.conflict.version_taken`` (two saves
    raced for one version number), ``.published`` (the version was published already) or
    ``.stale`` (a later version is published: save this one again as a new draft)."""

    status = 409
    code = "product.conflict"

    def __init__(self, rule: str, message: str, product: str) -> None:
        super().__init__(message, Location(product=product, setting=rule))
        self.rule = f"{self.code}.{rule}"

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "rule": self.rule}


class AuthError(LoanMatchError):
    """No valid credentials for this route (missing, unknown, revoked or without the scope)."""

    status = 401
    code = "auth"
    legacy_code = "unauthorized"


class IdentityCodeError(AuthError):
    """An owner's one-time code did not open a token: ``rule`` says why (``wrong``,
    ``expired``, ``used``, ``attempts``: no try left) and ``attempts_left`` how many tries
    remain (0 when the owner must ask for a new code)."""

    code = "auth.code"

    def __init__(self, rule: str, message: str, attempts_left: int) -> None:
        super().__init__(message)
        self.rule = rule
        self.attempts_left = attempts_left

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "rule": self.rule, "attempts_left": self.attempts_left}


class ForbiddenError(AuthError):
    """Valid credentials that do not cover this: e.g. an owner's identity check did not cover
    the enterprise they name, or a form's CSRF token is not theirs."""

    status = 403
    code = "auth.forbidden"
    legacy_code = "forbidden"


class RateLimitedError(LoanMatchError):
    """Too many requests of one kind from one client (address or API key); ``retry_after``
    says in how many seconds the window has room again."""

    status = 429
    code = "rate_limited"
    legacy_code = "rate_limited"

    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(f"at most {limit}; try again in {retry_after} s")
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "retry_after": self.retry_after}


# ------------------------------------------------------------------ model -------------------
class ModelError(LoanMatchError):
    """A model directory is missing, corrupt or does not fit the inputs."""

    status = 500
    code = "model"
    legacy_code = "invalid_model"


class ModelSwitchError(LoanMatchError):
    """A promotion or rollback of the served model refused; ``rule``
    (``model_switch.<rule>``) says why: ``unknown`` (no such registered model), ``champion``
    (it is served already), ``no_previous`` (nothing served before to roll back to),
    ``conflict`` (another switch came first), ``known`` (registered already), ``share`` (a
    canary's share outside (0, 1)), ``canary_running`` (one canary at a time)."""

    status = 409
    code = "model_switch"
    rules = ("unknown", "champion", "no_previous", "conflict", "known", "share", "canary_running")

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message, Location(rule=f"model_switch.{rule}"))
        self.rule = f"{self.code}.{rule}"

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "rule": self.rule}


class AgentError(LoanMatchError):
    """A simulated lender agent cannot run: its market has no hidden truth file, or the
    server refused its API key."""

    status = 500
    code = "agent"
    legacy_code = "agent_error"


# ------------------------------------------------------------------ connectors --------------
class ConnectorError(LoanMatchError):
    """A connector (工商, 税务, 征信, 流水) could not give its features; ``source`` names it. The
    intake asks instead."""

    status = 502
    code = "connector"
    legacy_code = "connector_error"

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"{source}: {message}")


class ConsentError(ConnectorError):
    """No valid consent for the source (none, for another source, expired, no purpose)."""

    status = 403
    code = "connector.consent"
    legacy_code = "connector_consent"


class ConnectorTimeout(ConnectorError):
    """The source did not answer within the time allowed."""

    status = 504
    code = "connector.timeout"
    legacy_code = "connector_timeout"


class ConnectorUnavailable(ConnectorError):
    """The source is down or refused the call."""

    status = 503
    code = "connector.unavailable"
    legacy_code = "connector_unavailable"


class ConnectorDataError(ConnectorError):
    """The source answered with data that does not fit the catalog."""

    status = 502
    code = "connector.bad_data"
    legacy_code = "connector_bad_data"
