"""Fixtures of the integration tier: catalogs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import catalog_url


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty catalog database, once on SQLite and once on PostgreSQL."""
    with catalog_url(request.param, tmp_path) as url:
        yield url
