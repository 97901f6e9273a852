"""The lender products API: drafts, tests, dry runs, publishing and rollback (issue 12,
docs/applications.md "Lender products: drafts, tests, dry run, publishing").

Every route needs ``Authorization: Bearer lmk_<id>.<secret>`` with ``products:read`` (lists,
versions, dry runs) or ``products:write`` (save, publish, roll back). A draft is sent as JSON:
``{"product": {...}}`` (the products.yaml mapping of one product) or ``{"yaml": "..."}`` (its
YAML text, whose errors then name its lines), with an optional ``note``. Another lender's
product answers 404 ``product.not_found``, exactly as one that does not exist. The routes are
thin: the work is :mod:`loanmatch.services.products` and :mod:`loanmatch.services.product_trial`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from pydantic import BaseModel, Field, model_validator

from loanmatch.domain.catalog import Text
from loanmatch.domain.rule_tests import CaseOutcome
from loanmatch.services import product_trial as trial
from loanmatch.services import products as svc
from loanmatch.storage.records import LenderKey, ProductVersion
from loanmatch.web.applications_api import Authorization, lender_key
from loanmatch.web.backend import SessionsBackend, sessions_backend
from loanmatch.web.errors import error_responses

__all__ = ["install_products_api", "router"]

router = APIRouter(prefix="/api/v1/lender/products", tags=["lender products · 机构产品"])


def _served(request: Request) -> tuple[SessionsBackend, svc.ProductsContext]:
    backend = sessions_backend(request)
    if backend.products is None:
        raise RuntimeError("the sessions backend has no products context")
    return backend, backend.products


def reader(request: Request, authorization: Authorization = None) -> LenderKey:
    return lender_key(request, authorization, "products:read")


def writer(request: Request, authorization: Authorization = None) -> LenderKey:
    return lender_key(request, authorization, "products:write")


Served = Annotated[tuple[SessionsBackend, svc.ProductsContext], Depends(_served)]
Reader = Annotated[LenderKey, Depends(reader)]
Writer = Annotated[LenderKey, Depends(writer)]
ProductId = Annotated[str, Path(min_length=1, max_length=64)]
Version = Annotated[int, Path(ge=1, le=1_000_000)]


def _actor(key: LenderKey) -> str:
    return f"lender:{key.lender_id}/{key.id}"


# ------------------------------------------------------------------ bodies ------------------
class TextOut(BaseModel):
    zh: str
    en: str


class VersionOut(BaseModel):
    product_id: str
    lender_id: str
    version: int
    status: str = Field(description="draft | published")
    body: dict[str, Any] = Field(description="The product as a products.yaml mapping")
    created_by: str
    created_at: datetime
    note: str
    published_at: datetime | None
    effective_at: datetime | None
    published_by: str | None


class CaseOut(BaseModel):
    name: str
    expect: str
    happened: str = Field(description="eligible | ineligible | unknown")
    passed: bool
    rule: str | None = Field(description="The rule the finding is about")
    message_zh: str
    message_en: str


class DraftOut(BaseModel):
    version: VersionOut
    tests: list[CaseOut]
    tests_pass: bool = Field(description="False: it cannot be published until they pass")


class ProductOut(BaseModel):
    product_id: str
    lender_id: str
    trained: bool = Field(description="Whether the approval model was trained on it")
    recommended: bool = Field(
        description="Whether owners can be offered it now: trained, or not until the next training"
    )
    active_version: int | None = Field(description="The version in effect now (None: the "
                                       "trained products.yaml entry, or none)")  # fmt: skip
    notes: list[TextOut]
    versions: list[VersionOut]


class ReasonOut(BaseModel):
    rule: str
    code: str | None
    reason: TextOut
    failed: int


class TrialOut(BaseModel):
    version: int | None = Field(description="None: the product as the model was trained on it")
    applicants: int
    eligible: int
    ineligible: int
    undecided: int = Field(description="No rule fails but some cannot be decided on the facts")
    top_reasons: list[ReasonOut]
    expected_approval: float | None = Field(
        description="Mean P(approve) among the eligible; None: unknown (not trained, nobody)"
    )
    daily_flow: float = Field(description="Sessions started a day over the last 7 days")
    expected_daily: float | None = Field(description="daily_flow x eligible share (upper bound)")
    capacity_per_day: int | None
    over_capacity: bool


class DryRunOut(BaseModel):
    product_id: str
    trained: bool
    trial: TrialOut
    current: TrialOut | None = Field(description="The version in effect now, to compare")
    tests: list[CaseOut]
    notes: list[TextOut]


class DraftRequest(BaseModel):
    product: dict[str, Any] | None = Field(
        default=None, description="One product as a products.yaml mapping"
    )
    yaml: str | None = Field(
        default=None, max_length=16384, description="Or its YAML text (at most 16,384 characters)"
    )
    note: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _one(self) -> DraftRequest:
        if (self.product is None) == (self.yaml is None):
            raise ValueError("send exactly one of product (a mapping) and yaml (its text)")
        return self


class PublishRequest(BaseModel):
    effective_at: datetime | None = Field(
        default=None, description="When it takes effect (absent: now); not in the past"
    )


class RollbackRequest(BaseModel):
    version: int = Field(ge=1, le=1_000_000, description="The earlier published version")


def _text(text: Text) -> TextOut:
    return TextOut(zh=text.zh, en=text.en)


def _version(v: ProductVersion) -> VersionOut:
    return VersionOut(
        product_id=v.product_id, lender_id=v.lender_id, version=v.version, status=v.status,
        body=v.body, created_by=v.created_by, created_at=v.created_at, note=v.note,
        published_at=v.published_at, effective_at=v.effective_at, published_by=v.published_by,
    )  # fmt: skip


def _case(o: CaseOutcome) -> CaseOut:
    return CaseOut(
        name=o.case.name, expect=o.case.expect, happened=o.happened, passed=o.passed,
        rule=o.culprit.text if o.culprit is not None else None, message_zh=o.message.zh,
        message_en=o.message.en,
    )  # fmt: skip


def _trial(t: trial.Trial) -> TrialOut:
    return TrialOut(
        version=t.version, applicants=t.applicants, eligible=t.eligible,
        ineligible=t.ineligible, undecided=t.undecided,
        top_reasons=[ReasonOut(rule=r.rule, code=r.code, reason=_text(r.reason),
                               failed=r.failed) for r in t.top_reasons],
        expected_approval=t.expected_approval, daily_flow=t.daily_flow,
        expected_daily=t.expected_daily, capacity_per_day=t.capacity_per_day,
        over_capacity=t.over_capacity,
    )  # fmt: skip


# ------------------------------------------------------------------ routes ------------------
@router.get(
    "", response_model=list[ProductOut], responses=error_responses(401, 422, 429),
    summary="My products: the version in effect and every version / 我的产品",
)  # fmt: skip
def my_products(key: Reader, served: Served) -> list[ProductOut]:
    backend, ctx = served
    return [
        ProductOut(
            product_id=p.product_id, lender_id=key.lender_id, trained=p.trained,
            recommended=p.trained, notes=[] if p.trained else [_text(trial.NOT_TRAINED)],
            active_version=p.active.version if p.active is not None else None,
            versions=[_version(v) for v in p.versions],
        )
        for p in svc.lender_products(backend.unit_of_work(), ctx, key.lender_id)
    ]  # fmt: skip


@router.get(
    "/{product_id}/versions", response_model=list[VersionOut],
    responses=error_responses(401, 404, 422, 429),
    summary="Every version of one of my products / 产品版本",
)  # fmt: skip
def product_versions(product_id: ProductId, key: Reader, served: Served) -> list[VersionOut]:
    backend, ctx = served
    found = svc.versions_or_trained(backend.unit_of_work(), ctx, key.lender_id, product_id)
    return [_version(v) for v in found]


@router.post(
    "", status_code=201, response_model=DraftOut,
    responses=error_responses(401, 403, 404, 409, 422, 429),
    summary="Save a draft: checked as products.yaml is, its tests run / 保存草稿",
)  # fmt: skip
def save_draft(body: DraftRequest, key: Writer, served: Served) -> DraftOut:
    backend, ctx = served
    source = body.yaml if body.yaml is not None else (body.product or {})
    draft = svc.save_draft(
        backend.unit_of_work(), ctx, key.lender_id, _actor(key), source, body.note
    )
    return DraftOut(version=_version(draft.version), tests=[_case(t) for t in draft.tests],
                    tests_pass=draft.tests_pass)  # fmt: skip


@router.post(
    "/{product_id}/versions/{version}/dry-run", response_model=DryRunOut,
    responses=error_responses(401, 404, 422, 429),
    summary="Try a version on recent applicants, beside the one in effect / 试运行",
)  # fmt: skip
def dry_run(product_id: ProductId, version: Version, key: Reader, served: Served) -> DryRunOut:
    backend, ctx = served
    done = trial.dry_run(backend.unit_of_work(), ctx, key.lender_id, product_id, version)
    return DryRunOut(
        product_id=done.product_id, trained=done.trained, trial=_trial(done.trial),
        current=_trial(done.current) if done.current is not None else None,
        tests=[_case(t) for t in done.tests], notes=[_text(n) for n in done.notes],
    )  # fmt: skip


@router.post(
    "/{product_id}/versions/{version}/publish", response_model=VersionOut,
    responses=error_responses(401, 404, 409, 422, 429),
    summary="Publish a draft, in effect now or later / 发布",
)  # fmt: skip
def publish(
    product_id: ProductId, version: Version, body: PublishRequest, key: Writer, served: Served
) -> VersionOut:
    backend, ctx = served
    return _version(
        svc.publish(
            backend.unit_of_work(),
            ctx,
            key.lender_id,
            _actor(key),
            product_id,
            version,
            body.effective_at,
        )
    )


@router.post(
    "/{product_id}/rollback", status_code=201, response_model=VersionOut,
    responses=error_responses(401, 404, 409, 422, 429),
    summary="Roll back: a new version copying an earlier one, in effect now / 回滚",
)  # fmt: skip
def rollback(
    product_id: ProductId, body: RollbackRequest, key: Writer, served: Served
) -> VersionOut:
    backend, ctx = served
    return _version(
        svc.rollback(
            backend.unit_of_work(), ctx, key.lender_id, _actor(key), product_id, body.version
        )
    )


def install_products_api(app: FastAPI) -> None:
    """Serve the lender products API from ``app`` (after :func:`install_sessions_api`)."""
    app.include_router(router)
