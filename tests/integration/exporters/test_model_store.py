"""The process-model store on real databases: a throwaway PostgreSQL database and SQLite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from exporters import service, store
from exporters.errors import StoreError
from retention.errors import InputError

MINIMAL = Path(__file__).parents[2] / "unit" / "exporters" / "minimal.bpmn"
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PG_ADMIN = os.environ.get("REX_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh database on the PostgreSQL server, dropped afterwards."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"rex_models_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_ADMIN} is needed: {err}")
        pytest.skip(f"no PostgreSQL at {PG_ADMIN} (set REX_TEST_PG): {err.__class__.__name__}")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    yield url
    sa.create_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'suite.db'}"
    pg: str = request.getfixturevalue("pg_url")
    engine = store.connect(pg)
    with engine.begin() as conn:  # each test starts from an empty schema
        for table in ("pm_model_version", "pm_model", "pm_tenant", store.VERSION_TABLE):
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    return pg


def test_init_creates_tables_with_their_own_version_table(url: str) -> None:
    before, after = service.init_models(url)
    assert (before, after) == (None, "pm0001")
    assert service.init_models(url) == ("pm0001", "pm0001")  # idempotent
    names = set(sa.inspect(store.connect(url)).get_table_names())
    assert {"pm_tenant", "pm_model", "pm_model_version", "alembic_version_models"} <= names
    assert "alembic_version" not in names  # the catalog's history stays separate


def test_import_versions_list_and_export(url: str, tmp_path: Path) -> None:
    service.init_models(url)
    first = service.import_models(url, "acme", [MINIMAL], AT)
    second = service.import_models(url, "acme", [MINIMAL], AT)
    assert [(i.model_id, i.version) for i in first + second] == \
        [("order-handling", 1), ("order-handling", 2)]
    (summary,) = service.list_models(url, "acme")
    assert (summary.model_id, summary.latest_version, summary.versions) == \
        ("order-handling", 2, 2)
    one = service.export_models(url, "acme", "bpmn", tmp_path / "a", "order-handling", 1)
    latest = service.export_models(url, "acme", "bpmn", tmp_path / "b")
    assert one[0].path.read_bytes() == latest[0].path.read_bytes()
    assert latest[0].version == 2 and latest[0].warnings == ()


def test_tenants_are_isolated(url: str) -> None:
    service.init_models(url)
    service.import_models(url, "acme", [MINIMAL], AT)
    with pytest.raises(StoreError, match="unknown tenant"):
        service.list_models(url, "globex")
    service.import_models(url, "globex", [MINIMAL], AT)
    assert service.list_models(url, "globex")[0].latest_version == 1


def test_imported_at_is_kept_as_an_aware_instant(url: str) -> None:
    service.init_models(url)
    service.import_models(url, "acme", [MINIMAL], AT)
    with store.connect(url).connect() as conn:
        value = conn.execute(sa.select(store.VersionRow.imported_at)).scalar_one()
    assert value.replace(tzinfo=value.tzinfo or UTC) == AT


def test_postgres_is_never_changed_without_init(pg_url: str) -> None:
    engine = store.connect(pg_url)
    with engine.begin() as conn:
        for table in ("pm_model_version", "pm_model", "pm_tenant", store.VERSION_TABLE):
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    with pytest.raises(StoreError, match="rex models init"):
        service.import_models(pg_url, "acme", [MINIMAL], AT)
    assert sa.inspect(engine).get_table_names() == []


def test_a_bad_file_leaves_the_store_unchanged(url: str, tmp_path: Path) -> None:
    service.init_models(url)
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<definitions")
    with pytest.raises(InputError, match=r"bad\.bpmn"):
        service.import_models(url, "acme", [MINIMAL, bad], AT)
    with pytest.raises(StoreError, match="unknown tenant"):
        service.list_models(url, "acme")
