"""Alembic migrations of the loanmatch database, shipped inside the package.

Configured in code by :func:`loanmatch.storage.database.alembic_config` (script location
``loanmatch.storage:migrations``, no alembic.ini) and run by ``loanmatch db upgrade`` and at the
web app's start-up. A new revision: ``alembic.command.revision(alembic_config(), "message")``
writes a file in versions/ from script.py.mako; each revision states its ``down_revision``.
"""
