"""Alembic environment of rex's catalog (own version table, apart from the Suite's tables)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from retention.catalog.tables import Base

VERSION_TABLE = "alembic_version_rex"

connection = context.config.attributes["connection"]
assert isinstance(connection, Connection)
context.configure(connection=connection, target_metadata=Base.metadata,
                  version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
