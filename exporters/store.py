"""The Suite's process-model tables: tenants, models and their versions (SQLAlchemy 2.0).

The tables have their own Alembic history (exporters/migrations, version table
``alembic_version_models``), separate from rex's catalog. rex changes this schema only through
``init_schema`` (``rex models init``; ``rex models import`` calls it by itself only for an
embedded SQLite database). Times are given by the caller: nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from exporters.errors import StoreError
from retention import private_files
from retention.tenant_ids import check_tenant_id

VERSION_TABLE = "alembic_version_models"
NAMING = {"pk": "pk_%(table_name)s", "fk": "fk_%(table_name)s_%(referred_table_name)s",
          "ix": "ix_%(table_name)s_%(column_0_name)s"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TenantRow(Base):
    __tablename__ = "pm_tenant"
    tenant_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class ModelRow(Base):
    __tablename__ = "pm_model"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("pm_tenant.tenant_id"), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class VersionRow(Base):
    __tablename__ = "pm_model_version"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "model_id"],
                                           ["pm_model.tenant_id", "pm_model.model_id"]),)
    tenant_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of the neutral model
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class ModelSummary:
    model_id: str
    name: str
    latest_version: int
    versions: int


@dataclass(frozen=True)
class StoredVersion:
    tenant_id: str
    model_id: str
    version: int
    name: str
    content: str


def connect(url: str) -> Engine:
    """An engine on the Suite's database; an SQLite file rex creates is its owner's only."""
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as err:
        raise StoreError(f"--suite-db: cannot use this database URL ({err}); give a SQLAlchemy "
                         "URL like sqlite:///rex.db or postgresql+psycopg://host/db") from None
    if engine.dialect.name == "sqlite":
        private_files.sqlite_file(engine.url.database)
    return engine


def is_embedded(url: str) -> bool:
    """The default embedded SQLite database, where rex may create its tables by itself."""
    return url.startswith("sqlite")


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(str(resources.files("exporters"))) /
                                               "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    return str(head)


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            return ctx.get_current_revision()
    except SQLAlchemyError as err:
        raise StoreError(f"cannot reach the Suite database {engine.url!r}: "
                         f"{err.__class__.__name__}; check --suite-db/REX_SUITE_DB") from None


def init_schema(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the tables to the newest revision; (before, after)."""
    before = current_revision(engine)
    command.upgrade(_alembic_config(engine), "head")
    return before, head_revision(engine)


def require_schema(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        state = "has no process-model tables" if current is None else f"is at revision {current}"
        raise StoreError(f"the Suite database {engine.url!r} {state}, rex needs {head}; "
                         "run `rex models init` (it changes the Suite's schema) and retry")


def add_version(session: Session, tenant: str, model_id: str, row: VersionRow) -> int:
    """Store ``row`` as the next version of the model (adding tenant and model if unknown)."""
    if session.get(TenantRow, tenant) is None:
        session.add(TenantRow(tenant_id=check_tenant_id(tenant, "new tenant")))
    model = session.get(ModelRow, (tenant, model_id), with_for_update=True)
    if model is None:
        session.add(ModelRow(tenant_id=tenant, model_id=model_id, name=row.name))
    else:
        model.name = row.name
    session.flush()
    latest = session.scalar(select(func.max(VersionRow.version)).where(
        VersionRow.tenant_id == tenant, VersionRow.model_id == model_id))
    row.tenant_id, row.model_id, row.version = tenant, model_id, (latest or 0) + 1
    session.add(row)
    session.flush()
    return row.version


def require_tenant(session: Session, tenant: str) -> None:
    if session.get(TenantRow, tenant) is None:
        raise StoreError(f"--tenant {tenant}: unknown tenant (no process model was ever imported "
                         "for it); check the id or import its models with `rex models import`")


def list_models(session: Session, tenant: str) -> list[ModelSummary]:
    require_tenant(session, tenant)
    rows = session.execute(
        select(ModelRow.model_id, ModelRow.name, func.max(VersionRow.version),
               func.count(VersionRow.version))
        .join(VersionRow, (VersionRow.tenant_id == ModelRow.tenant_id)
              & (VersionRow.model_id == ModelRow.model_id))
        .where(ModelRow.tenant_id == tenant)
        .group_by(ModelRow.model_id, ModelRow.name).order_by(ModelRow.model_id))
    return [ModelSummary(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def load_version(session: Session, tenant: str, model_id: str, version: int | None
                 ) -> StoredVersion:
    """One stored version (the latest when ``version`` is None)."""
    require_tenant(session, tenant)
    query = select(VersionRow).where(VersionRow.tenant_id == tenant,
                                     VersionRow.model_id == model_id)
    query = query.where(VersionRow.version == version) if version is not None else \
        query.order_by(VersionRow.version.desc()).limit(1)
    row = session.scalars(query).first()
    if row is None:
        what = f"model {model_id}" + (f" version {version}" if version is not None else "")
        raise StoreError(f"tenant {tenant}: no {what}; see `rex models list --tenant {tenant}`")
    return StoredVersion(row.tenant_id, row.model_id, row.version, row.name, row.content)
