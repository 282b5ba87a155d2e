"""Alembic environment of the process-model tables (own history, own version table)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

from exporters.store import VERSION_TABLE, Base

engine = context.config.attributes["engine"]
assert isinstance(engine, Engine)
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()
