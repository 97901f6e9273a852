"""Persistence of intake sessions, consents, the audit log and the intake event log.

Services talk to a :class:`~loanmatch.storage.unit_of_work.UnitOfWork` (repositories behind small
interfaces, one transaction per use case). Two implementations: SQLAlchemy over SQLite or
PostgreSQL (:mod:`loanmatch.storage.sql`, schema made by the Alembic migrations shipped in
:mod:`loanmatch.storage.migrations`), and an in-memory fake (:mod:`loanmatch.storage.memory`) with
the same all-or-nothing commit, for unit tests.
"""
