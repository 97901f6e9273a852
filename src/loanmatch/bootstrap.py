"""The composition root: the one place that turns :class:`~loanmatch.settings.Settings` into the
objects the entrypoints run on (docs/architecture.md).

``compose(settings)`` reads the settings once (``get_settings()`` when none is given) and gives a
:class:`Root`: the recommendation policy, the model directory, the database with its unit of
work, the intake context (engine, prior and connectors of the served market) and the guiding
assistant. ``loanmatch`` (cli/) and the web app (web/) both get their objects from here, so a
setting reaches every entrypoint the same way.

Logging is set up here too: :func:`configure_logging` (the CLI's) and :func:`mask_log_handlers`
(the web app's, for whatever handlers its server made) put
:class:`~loanmatch.domain.masking.MaskingFilter` on every handler, so no log line or traceback
shows a phone or ID number; :func:`uvicorn_log_config` is uvicorn's own configuration with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from loanmatch.assistant.llm import LlmProvider, provider_from
from loanmatch.assistant.retrieval import default_retriever
from loanmatch.domain.masking import MaskingFilter
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.services.assistant import Assistant
from loanmatch.services.identity import CodeSender, SimulatedCodeSender
from loanmatch.services.intake import IntakeContext
from loanmatch.services.intake.setup import default_context
from loanmatch.services.jobs import Handler, Reporter
from loanmatch.services.retention import RetentionPolicy
from loanmatch.services.retraining import KIND as RETRAIN
from loanmatch.services.retraining import RetrainSetup, retrain
from loanmatch.settings import Settings, get_settings
from loanmatch.storage.database import Database
from loanmatch.storage.records import Job
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "LOGGERS",
    "Root",
    "compose",
    "configure_logging",
    "mask_log_handlers",
    "policy_from",
    "retention_from",
    "uvicorn_log_config",
]

LOGGERS = ("", "loanmatch", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi")
"""The loggers whose handlers loanmatch's lines and its server's go through ("" is the root)."""
_FORMAT = "%(levelname)s %(name)s: %(message)s"


def retention_from(settings: Settings) -> RetentionPolicy:
    """The retention periods the settings give (``retention_*``)."""
    return RetentionPolicy(
        session_days=settings.retention_session_days,
        credential_days=settings.retention_credential_days,
    )


def policy_from(settings: Settings) -> RecommendPolicy:
    """The recommendation policy the settings give (every policy field of ``Settings``)."""
    return RecommendPolicy(
        threshold=settings.threshold,
        target_approval=settings.target_approval,
        max_offers=settings.max_offers,
        good_all_in=settings.good_all_in,
    )


@dataclass(frozen=True)
class Root:
    """Everything an entrypoint needs, built from one ``Settings``."""

    settings: Settings
    policy: RecommendPolicy
    model_dir: Path
    database_url: str

    @property
    def applicants(self) -> Path:
        """The served market's applicants (the intake's prior and simulated sources)."""
        return self.settings.market_dir / "applicants.csv"

    def bundle(self) -> ModelBundle:
        """The approval model of ``model_dir``."""
        return load_model(self.model_dir)

    def database(self) -> Database:
        """The database at ``database_url``, migrated to the current schema."""
        database = Database(self.database_url)
        database.upgrade()
        return database

    def intake_context(self, bundle: ModelBundle, *, flaky_sources: bool = True) -> IntakeContext:
        """The intake engine over ``bundle`` under the policy, with the served market's
        simulated sources (``flaky_sources=False``: sources that never fail)."""
        if flaky_sources:
            return default_context(bundle, self.applicants, self.policy)
        return default_context(bundle, self.applicants, self.policy, failures={})

    def code_sender(self) -> CodeSender:
        """Who sends owners' one-time codes: the simulated sender, which shows the code on the
        screen (the only one built in; a deployment returns its SMS or e-ID provider here)."""
        return SimulatedCodeSender()

    def retrain_setup(self) -> RetrainSetup:
        """What a retraining job needs: the served market, the settings' model (the first
        champion), where challengers are written (``<data_dir>/models``), the policy."""
        return RetrainSetup(
            market_dir=self.settings.market_dir,
            settings_model_dir=self.model_dir,
            models_dir=self.settings.data_dir / "models",
            policy=self.policy,
        )

    def job_handlers(
        self, unit_of_work: Callable[[], UnitOfWork], clock: Callable[[], datetime]
    ) -> dict[str, Handler]:
        """What a worker runs, by job kind (``services/jobs.py``)."""
        setup = self.retrain_setup()

        def retraining(job: Job, report: Reporter) -> dict[str, Any]:
            return retrain(unit_of_work, setup, job, report, clock)

        return {RETRAIN: retraining}

    def llm(self) -> LlmProvider | None:
        """The model that rephrases the assistant's answers (None: the knowledge base alone)."""
        return provider_from(self.settings)

    def assistant(
        self, unit_of_work: Callable[[], UnitOfWork], context: IntakeContext
    ) -> Assistant:
        """The guiding assistant over a unit of work and an intake context."""
        return Assistant(unit_of_work, context, default_retriever(), self.llm())


def compose(
    settings: Settings | None = None,
    *,
    model_dir: Path | None = None,
    database_url: str | None = None,
) -> Root:
    """The root for ``settings`` (the process's, read once, when None); ``model_dir`` and
    ``database_url`` override the settings' (command-line options)."""
    chosen = settings if settings is not None else get_settings()
    return Root(
        settings=chosen,
        policy=policy_from(chosen),
        model_dir=model_dir if model_dir is not None else chosen.model_dir,
        database_url=database_url or chosen.database_url,
    )


def mask_log_handlers(names: tuple[str, ...] = LOGGERS) -> int:
    """Put a :class:`MaskingFilter` on every handler of these loggers that has none; the number
    of handlers it was put on."""
    added = 0
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(MaskingFilter())
                added += 1
    return added


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure_logging` puts on the root logger (to find it again)."""


def configure_logging(level: str, stream: IO[str] | None = None) -> logging.Handler | None:
    """Log at ``level`` to ``stream`` through one masking handler on the root logger, and mask
    every other handler already there. Like ``logging.basicConfig``, without a ``stream`` this adds
    nothing (and keeps the level) when the root logger has handlers already (a test runner's, an
    embedding program's): those are masked instead. Called again, it replaces its own handler.
    The handler it added, if any."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    handler: logging.Handler | None = None
    if stream is not None or not root.handlers:
        handler = _Handler(stream)
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(MaskingFilter())
        root.addHandler(handler)
        root.setLevel(level)
    mask_log_handlers()
    return handler


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with a :class:`MaskingFilter` on each handler
    (``uvicorn.run(..., log_config=uvicorn_log_config())``): its error log prints the traceback
    of an exception in the app, whose message may quote an owner's answers."""
    from uvicorn.config import LOGGING_CONFIG

    config = deepcopy(LOGGING_CONFIG)
    config["filters"] = {"mask": {"()": MaskingFilter}}
    for handler in config["handlers"].values():
        handler["filters"] = ["mask"]
    return config
