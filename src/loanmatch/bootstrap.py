"""The composition root: the one place that turns :class:`~loanmatch.settings.Settings` into the
objects the entrypoints run on (docs/architecture.md).

``compose(settings)`` reads the settings once (``get_settings()`` when none is given) and gives a
:class:`Root`: the recommendation policy, the model directory, the database with its unit of
work, the intake context (engine, prior and connectors of the served market) and the guiding
assistant. ``loanmatch`` (cli/) and the web app (web/) both get their objects from here, so a
setting reaches every entrypoint the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loanmatch.assistant.llm import LlmProvider, provider_from
from loanmatch.assistant.retrieval import default_retriever
from loanmatch.matching.results import RecommendPolicy
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model
from loanmatch.services.assistant import Assistant
from loanmatch.services.intake import IntakeContext
from loanmatch.services.intake.setup import default_context
from loanmatch.settings import Settings, get_settings
from loanmatch.storage.database import Database
from loanmatch.storage.unit_of_work import UnitOfWork

__all__ = ["Root", "compose", "policy_from"]


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
