"""Throwaway catalogs: a SQLite file, or a fresh database on the machine's PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytest_postgresql.janitor import DatabaseJanitor

PG_HOST = os.environ.get("REX_TEST_PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("REX_TEST_PGPORT", "5432"))
PG_USER = os.environ.get("REX_TEST_PGUSER", "postgres")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database on the local server (trust auth), dropped afterwards."""
    name = f"rex_test_{uuid.uuid4().hex[:10]}"
    with DatabaseJanitor(user=PG_USER, host=PG_HOST, port=PG_PORT, dbname=name):
        yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


@contextmanager
def catalog_url(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'catalog.db'}"
    else:
        with postgres_database() as url:
            yield url
