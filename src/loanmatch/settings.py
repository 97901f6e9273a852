"""The one typed configuration of loanmatch.

Every setting can be given as an environment variable with the prefix ``LOANMATCH_``
(``LOANMATCH_PORT=9000``, ``LOANMATCH_THRESHOLD=0.85``, ...). This module is the only place
that reads the environment; everything else receives a :class:`Settings`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from loanmatch.lang import Lang

__all__ = ["LogLevel", "Settings", "get_settings"]

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Where data lives, how the server listens, and the default recommendation policy."""

    model_config = SettingsConfigDict(
        env_prefix="LOANMATCH_", extra="ignore", validate_default=True, frozen=True
    )

    data_dir: Path = Path("./var")
    """Root of everything loanmatch writes by default (market, model, database)."""
    model_dir: Path = Field(default_factory=lambda data: Path(data["data_dir"]) / "model")
    """The approval model directory; defaults to ``<data_dir>/model``."""
    market_dir: Path = Field(default_factory=lambda data: Path(data["data_dir"]) / "market")
    """The market in section-9 files (features, products, history, applicants);
    defaults to ``<data_dir>/market``."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    default_lang: Lang = "zh-CN"
    threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    """Recommend only products with P(approve) at least this (when no target is set)."""
    max_offers: int = Field(default=3, ge=1)
    target_approval: float | None = Field(default=None, gt=0.0, lt=1.0)
    """When set, the threshold is chosen on held-out data to reach this approval rate."""
    good_all_in: float = Field(default=12.0, gt=0.0, le=36.0)
    """All-in APR (percent a year) above which an offer is dear: an owner whose every offer is
    dearer gets a plan toward a cheaper one. 12% is 4x the 1-year LPR, the courts' ceiling for
    private lending; new inclusive bank loans price at 3.5-4.4%, fintech loans at 12-24%
    (docs/market-reference.md §2 and §5.7)."""
    log_level: LogLevel = "INFO"
    database_url: str = Field(
        default_factory=lambda data: f"sqlite:///{Path(data['data_dir']) / 'loanmatch.db'}"
    )
    """Where intake sessions, consents, the audit log and journey events are kept: an SQLite
    file ``<data_dir>/loanmatch.db`` by default, or e.g. ``postgresql://user@host/db``."""
    seed: int = 7
    """Seed of the default (demo) market."""
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=64 * 1024 * 1024)
    """The largest request body the web app reads, in bytes (256 KiB); a longer one is answered
    413 before any route sees it. A form or an applicant's answers are a few KiB."""
    rate_sessions: str = "60/minute"
    """How many intake sessions one client address may start (``limits`` notation:
    ``60/minute``, ``1000/day``); past it the API answers 429 ``rate_limited``."""
    rate_pulls: str = "60/minute"
    """How many consents and source refreshes (each pulls an owner's data) one client address
    may ask for."""
    rate_lender: str = "600/minute"
    """How many requests one lender API key may make."""
    rate_codes: str = "5/minute"
    """How many identity codes one client address may ask for (each one is an SMS in a real
    deployment), and how many times one owner id may be sent a code."""
    rate_logins: str = "10/minute"
    """How many portal sign-ins one client address may try, and how many one user name may
    be tried with (slows password guessing)."""
    rate_storage: str = "memory://"
    """Where the rate-limit windows are counted (``limits`` storage URI): ``memory://`` counts
    per server process; ``redis://127.0.0.1:6379`` shares one count among all workers."""
    owner_token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    """How long an owner's token (after the identity check) is valid."""
    staff_session_minutes: int = Field(default=120, ge=5, le=24 * 60)
    """How long a lender portal sign-in lasts."""
    retention_session_days: int = Field(default=180, ge=1, le=3650)
    """An intake session untouched this long is erased by ``loanmatch db purge`` (its facts
    go; applications, decisions, the ledger and the audit log stay)."""
    retention_credential_days: int = Field(default=30, ge=1, le=3650)
    """Identity codes, owner tokens and portal sessions that ended this long ago are deleted
    by ``loanmatch db purge``."""
    cookie_secure: bool = False
    """Mark the owner's and the portal's sign-in cookies ``Secure`` (only sent over HTTPS): set
    it true behind TLS; false serves the demo over plain http on loopback."""

    @field_validator("rate_sessions", "rate_pulls", "rate_lender", "rate_codes", "rate_logins")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError(f"not a rate such as 60/minute or 1000/day: {value!r}") from None
        return value

    llm_base_url: str | None = None
    """An OpenAI-compatible endpoint (``https://host/v1``) for the guiding assistant to rephrase
    its knowledge-base answers; None (the default) keeps the assistant on its knowledge base."""
    llm_model: str = "gpt-4o-mini"
    """The model name sent to ``llm_base_url``."""
    llm_api_key: SecretStr | None = None
    """Bearer token for ``llm_base_url`` (never logged)."""
    llm_timeout_s: float = Field(default=8.0, gt=0.0, le=120.0)
    """Seconds to wait for the model before answering from the knowledge base alone."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
