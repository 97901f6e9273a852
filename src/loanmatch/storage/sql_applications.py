"""The application, data-release and lender-key repositories over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loanmatch.domain.applications import Application, Prediction, Status
from loanmatch.errors import ApplyRefusedError, TransitionError
from loanmatch.storage.application_codec import history_from_json, history_to_json
from loanmatch.storage.orm import ApplicationRow, DataReleaseRow, LenderKeyRow
from loanmatch.storage.records import DataRelease, LenderKey, as_utc
from loanmatch.storage.unit_of_work import (
    ApplicationRepository,
    DataReleaseLog,
    LenderKeyRepository,
)

__all__ = ["SqlApplications", "SqlDataReleases", "SqlLenderKeys"]


def _prediction(row: ApplicationRow) -> Prediction | None:
    if row.predicted_p is None or row.predicted_threshold is None:
        return None
    return Prediction(
        model_id=row.predicted_model or "",
        p_approve=row.predicted_p,
        threshold=row.predicted_threshold,
        band_low=row.predicted_band_low,
        band_high=row.predicted_band_high,
        propensity=1.0 if row.predicted_propensity is None else row.predicted_propensity,
    )


def _prediction_columns(prediction: Prediction | None) -> dict[str, Any]:
    if prediction is None:
        return {}
    return {
        "predicted_model": prediction.model_id,
        "predicted_p": prediction.p_approve,
        "predicted_threshold": prediction.threshold,
        "predicted_band_low": prediction.band_low,
        "predicted_band_high": prediction.band_high,
        "predicted_propensity": prediction.propensity,
    }


def _decision_columns(application: Application) -> dict[str, Any]:
    """The decision step of the history as the ``decision`` and ``decided_at`` columns."""
    decided = application.decided
    if decided is None:
        return {"decision": None, "decided_at": None}
    return {"decision": decided[0], "decided_at": decided[1].at}


def _application(row: ApplicationRow) -> Application:
    return Application(
        id=row.id,
        session_id=row.session_id,
        product_id=row.product_id,
        lender_id=row.lender_id,
        submitted_at=as_utc(row.submitted_at),
        status=Status(row.status),
        history=history_from_json(row.history),
        idempotency_key=row.idempotency_key,
        version=row.version,
        prediction=_prediction(row),
    )


class SqlApplications(ApplicationRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, application: Application) -> None:
        row = ApplicationRow(
            id=application.id,
            session_id=application.session_id,
            product_id=application.product_id,
            lender_id=application.lender_id,
            status=application.status.value,
            submitted_at=application.submitted_at,
            history=history_to_json(application.history),
            idempotency_key=application.idempotency_key,
            version=application.version,
            **_prediction_columns(application.prediction),
            **_decision_columns(application),
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:  # the unit of work is then rolled back: nothing written
            raise ApplyRefusedError(
                "already_applied",
                f"session {application.session_id} has applied to {application.product_id}",
                zh="您已经申请过这个产品",
            ) from exc

    def get(self, application_id: str) -> Application | None:
        row = self._session.get(ApplicationRow, application_id, populate_existing=True)
        return _application(row) if row is not None else None

    def for_session(self, session_id: str) -> Sequence[Application]:
        query = select(ApplicationRow).where(ApplicationRow.session_id == session_id)
        rows = self._session.scalars(query.order_by(ApplicationRow.submitted_at, ApplicationRow.id))
        return [_application(r) for r in rows]

    def for_lender(self, lender_id: str, status: str | None = None) -> Sequence[Application]:
        query = select(ApplicationRow).where(ApplicationRow.lender_id == lender_id)
        if status is not None:
            query = query.where(ApplicationRow.status == status)
        rows = self._session.scalars(query.order_by(ApplicationRow.submitted_at, ApplicationRow.id))
        return [_application(r) for r in rows]

    def decided_between(
        self, start: datetime, end: datetime, lender_id: str | None = None
    ) -> Sequence[Application]:
        query = select(ApplicationRow).where(
            ApplicationRow.decided_at >= start, ApplicationRow.decided_at < end
        )
        if lender_id is not None:
            query = query.where(ApplicationRow.lender_id == lender_id)
        rows = self._session.scalars(query.order_by(ApplicationRow.decided_at, ApplicationRow.id))
        return [_application(r) for r in rows]

    def offered_p(self, lender_id: str, model_id: str, limit: int) -> Sequence[float]:
        query = (
            select(ApplicationRow.predicted_p)
            .where(ApplicationRow.lender_id == lender_id,
                   ApplicationRow.predicted_model == model_id,
                   ApplicationRow.predicted_p.is_not(None))
            .order_by(ApplicationRow.submitted_at.desc(), ApplicationRow.id.desc())
            .limit(limit)
        )  # fmt: skip
        return [float(p) for p in self._session.scalars(query) if p is not None]

    def update(self, application: Application) -> Application:
        statement = (
            update(ApplicationRow)
            .where(
                ApplicationRow.id == application.id,
                ApplicationRow.version == application.version,
            )
            .values(
                status=application.status.value,
                history=history_to_json(application.history),
                version=application.version + 1,
                **_decision_columns(application),
            )
            .execution_options(synchronize_session=False)
        )
        result = self._session.execute(statement)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise TransitionError(
                "conflict",
                "update",
                application.status,
                f"application {application.id} was changed by another request; read it again",
            )
        return Application(**{**application.__dict__, "version": application.version + 1})


class SqlDataReleases(DataReleaseLog):
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, release: DataRelease) -> None:
        self._session.add(
            DataReleaseRow(
                application_id=release.application_id,
                session_id=release.session_id,
                lender_id=release.lender_id,
                fields=list(release.fields),
                consents=list(release.consents),
                at=release.at,
            )
        )

    def for_session(self, session_id: str) -> Sequence[DataRelease]:
        query = select(DataReleaseRow).where(DataReleaseRow.session_id == session_id)
        return [
            DataRelease(
                application_id=r.application_id,
                session_id=r.session_id,
                lender_id=r.lender_id,
                fields=tuple(r.fields),
                consents=tuple(int(c) for c in r.consents),
                at=as_utc(r.at),
                id=r.id,
            )
            for r in self._session.scalars(query.order_by(DataReleaseRow.id))
        ]


def _key(row: LenderKeyRow) -> LenderKey:
    return LenderKey(
        id=row.id,
        lender_id=row.lender_id,
        secret_sha256=row.secret_sha256,
        scopes=tuple(row.scopes),
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at is not None else None,
    )


class SqlLenderKeys(LenderKeyRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: LenderKey) -> None:
        self._session.add(
            LenderKeyRow(
                id=key.id,
                lender_id=key.lender_id,
                secret_sha256=key.secret_sha256,
                scopes=list(key.scopes),
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )
        self._session.flush()

    def get(self, key_id: str) -> LenderKey | None:
        row = self._session.get(LenderKeyRow, key_id, populate_existing=True)
        return _key(row) if row is not None else None

    def for_lender(self, lender_id: str) -> Sequence[LenderKey]:
        query = select(LenderKeyRow).where(LenderKeyRow.lender_id == lender_id)
        return [_key(r) for r in self._session.scalars(query.order_by(LenderKeyRow.created_at))]

    def save_revocation(self, key: LenderKey) -> None:
        row = self._session.get(LenderKeyRow, key.id)
        if row is None:
            raise KeyError(f"no lender key {key.id}")
        row.revoked_at = key.revoked_at
        self._session.flush()
