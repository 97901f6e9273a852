"""Pulling consented sources for one session, in parallel, degrading gracefully.

Each source is called with its consent (the connector checks it again) and ``timeout_s``; a
source that raises, returns malformed data, or takes longer than ``timeout_s`` plus a second of
grace is reported as failed with a status the intake can explain (``timeout``, ``unavailable``,
``malformed``, ``declined``), never as an exception: its features are then asked instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from loanmatch.connectors.base import pullable_features
from loanmatch.domain.catalog import Scalar
from loanmatch.domain.consent import Consent
from loanmatch.errors import (
    ConnectorDataError,
    ConnectorTimeout,
    ConnectorUnavailable,
    ConsentError,
)
from loanmatch.intake.state import SourceStatus
from loanmatch.services.intake.core import IntakeContext
from loanmatch.storage.records import SessionRecord

__all__ = ["GRACE_S", "Pulled", "pull_sources"]

logger = logging.getLogger(__name__)

GRACE_S = 1.0
"""Seconds beyond ``timeout_s`` a connector's own time limit is given before it is abandoned."""


@dataclass(frozen=True)
class Pulled:
    """What one source gave: its values (status ``ok``) or why it gave none."""

    source: str
    status: SourceStatus
    values: dict[str, Scalar] = field(default_factory=dict)
    seconds: float = 0.0


def _status_of(error: BaseException) -> SourceStatus:
    if isinstance(error, ConnectorTimeout | FutureTimeout | TimeoutError):
        return "timeout"
    if isinstance(error, ConnectorDataError):
        return "malformed"
    if isinstance(error, ConsentError):
        return "declined"
    return "unavailable"


def pull_sources(
    ctx: IntakeContext, record: SessionRecord, consents: Sequence[Consent]
) -> list[Pulled]:
    """Call the connector of every consent that is valid now; outcomes in the consents' order."""
    now = ctx.clock()
    valid = [c for c in consents if c.is_valid(now) and c.source in ctx.connectors]
    if not valid:
        return []
    started = time.perf_counter()
    out: list[Pulled] = []
    pool = ThreadPoolExecutor(max_workers=len(valid), thread_name_prefix="connector")
    try:
        futures: list[tuple[Consent, Future[dict[str, Scalar]]]] = [
            (
                c,
                pool.submit(
                    ctx.connectors[c.source].fetch,
                    record.enterprise_id,
                    record.owner_id,
                    c,
                    ctx.timeout_s,
                ),
            )
            for c in valid
        ]
        deadline = started + ctx.timeout_s + GRACE_S
        for consent, future in futures:
            try:
                values = future.result(timeout=max(0.0, deadline - time.perf_counter()))
            except Exception as error:  # any failure of a source degrades to asking
                status = _status_of(error)
                if status == "unavailable" and not isinstance(error, ConnectorUnavailable):
                    logger.warning("connector %s failed: %s", consent.source, type(error).__name__)
                out.append(Pulled(consent.source, status, seconds=time.perf_counter() - started))
                continue
            # only what the consent covers, and never a protected attribute, even if a source
            # sent one or a consent stored earlier listed it
            scope = set(consent.scope) & set(pullable_features(ctx.catalog, consent.source))
            kept = {k: v for k, v in values.items() if k in scope}
            out.append(Pulled(consent.source, "ok", kept, time.perf_counter() - started))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return out
