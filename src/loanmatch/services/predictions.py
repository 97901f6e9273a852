"""Decisions become history: what was predicted at application time, and the learning records
(issue 13, ``docs/ledger.md``).

- :func:`prediction_of`: the :class:`~loanmatch.domain.applications.Prediction` recorded with
  an application made from one offer of a session's result (``services/applications.py``,
  ``apply``).
- :func:`learning_records`: every lender decision (approve or decline) of a time window on an
  application that carries a prediction, as
  :class:`~loanmatch.domain.ledger.LearningRecord` values: decision, predicted P, model id,
  threshold, band, propensity, lender, product, decided_at and by whom. This is the input a
  retraining job reads. Applications made before predictions were recorded are left out (they
  have nothing to compare with), and so are undecided and withdrawn-undecided ones.

**The propensity.** The platform's logging policy is the recommender. Given an owner's facts
and the product versions in force, it shows every product whose P(approve) reaches its
threshold (up to the offer limit, ranked), with no randomisation anywhere in serving. So the
probability that it showed the product the owner applied to is 1, and 1.0 is what is recorded.
It is honest but it is not enough for off-policy learning on its own: products below the
threshold had propensity 0, so no decision on them is ever logged (no support), and which of
the shown offers the owner chose is the owner's choice, whose probability the platform does
not know and does not record. A retraining job must treat these records as selected, not as
a random sample (``docs/method.md`` §3 on selective labels).
"""

from __future__ import annotations

from datetime import datetime

from loanmatch.domain.applications import Application, Prediction
from loanmatch.domain.ledger import LearningRecord
from loanmatch.matching.results import ApplicantResult
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["SHOWN_PROPENSITY", "learning_records", "model_of", "prediction_of", "record_of"]

SHOWN_PROPENSITY = 1.0
"""The logging policy's probability of showing an offered product (deterministic policy)."""


def model_of(result: ApplicantResult) -> str:
    """The model id recorded with applications made from ``result``."""
    return result.model_id or "unsaved"


def prediction_of(result: ApplicantResult, product_id: str) -> Prediction | None:
    """What ``result`` predicted for its offer of ``product_id`` (None: not offered)."""
    for offer in result.offers:
        if offer.product.id != product_id:
            continue
        threshold = offer.threshold if offer.threshold is not None else result.threshold
        band = offer.band
        return Prediction(
            model_id=model_of(result),
            p_approve=float(offer.p_approve),
            threshold=float(threshold),
            band_low=None if band is None else float(band.low),
            band_high=None if band is None else float(band.high),
            propensity=SHOWN_PROPENSITY,
        )
    return None


def record_of(application: Application) -> LearningRecord | None:
    """The learning record of a decided application with a prediction (else None)."""
    decided, prediction = application.decided, application.prediction
    if decided is None or prediction is None:
        return None
    outcome, step = decided
    return LearningRecord(
        application_id=application.id,
        lender_id=application.lender_id,
        product_id=application.product_id,
        approved=outcome == "approved",
        p_approve=prediction.p_approve,
        model_id=prediction.model_id,
        threshold=prediction.threshold,
        propensity=prediction.propensity,
        decided_at=step.at,
        decided_by=step.actor,
        band_low=prediction.band_low,
        band_high=prediction.band_high,
    )


def learning_records(
    uow: UnitOfWork, start: datetime, end: datetime, lender_id: str | None = None
) -> list[LearningRecord]:
    """Every lender decision in ``[start, end)`` (of one lender, or all) on an application
    with a prediction, by decision time (see the module docstring)."""
    with uow:
        decided = uow.applications.decided_between(start, end, lender_id)
    return [r for a in decided if (r := record_of(a)) is not None]
