"""Opening the catalog: an engine on the URL, migrations applied on start, sessions."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from retention import private_files
from retention.errors import InputError, RexError

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version_rex"
HEAD = "0003"  # the newest migration; a test holds it to Alembic's head. A catalog already
# there opens without importing Alembic (a second of start-up for every command)
MIGRATION_LOCK = 0x7265785F6D6967  # "rex_mig": one migration of the catalog at a time


class CatalogError(RexError):
    """The catalog cannot be opened or migrated."""

    exit_code = 2


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    folder = Path(str(resources.files("retention.catalog").joinpath("migrations")))
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.attributes["engine"] = engine
    return cfg


def create(url: str) -> Engine:
    """An engine on the URL; SQLite gets foreign keys and a busy timeout for concurrent runs,
    and a file rex creates is readable by its owner only."""
    try:
        engine = create_engine(url, future=True)
    except (ArgumentError, ImportError, ValueError) as err:
        raise InputError(f"--catalog/REX_CATALOG: cannot use {url!r} ({err}); give a "
                         "SQLAlchemy URL like sqlite:///rex.db or "
                         "postgresql+psycopg://user@host/db") from None
    if engine.dialect.name == "sqlite":
        private_files.sqlite_file(engine.url.database)  # 0600, not the umask's 0644
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _revision_on(conn)


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the catalog to the newest revision; (before, after).

    Two rex processes starting on a new catalog at once must not both create the tables: the
    migration runs under a lock (PostgreSQL: a transaction advisory lock; SQLite: the write
    lock, BEGIN IMMEDIATE), and whoever gets it second finds the catalog migrated already."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    try:
        before = revision(engine)
        if before != head:
            with engine.begin() as conn:
                _migration_lock(conn)
                before = _revision_on(conn)  # another process may have migrated meanwhile
                if before != head:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
    except SQLAlchemyError as err:
        raise CatalogError(f"catalog {engine.url.render_as_string(hide_password=True)}: "
                           f"cannot open or migrate ({err.__class__.__name__}: {err}); check "
                           "the URL, that the database exists and that rex may create tables "
                           "in it") from None
    return before, head


def _revision_on(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}) \
        .get_current_revision()


def _migration_lock(conn: Connection) -> None:
    """Serialise migrations of one catalog until the end of ``conn``'s transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to the busy timeout


def open_catalog(url: str) -> Engine:
    """The catalog at the URL, migrated to the newest revision."""
    engine = create(url)
    if _at_head(engine):
        return engine
    upgrade(engine)
    return engine


def _at_head(engine: Engine) -> bool:
    """Whether the catalog is at ``HEAD`` already, read with one plain query."""
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == HEAD
    except SQLAlchemyError:
        return False  # no version table yet (a new catalog), or unreachable: upgrade says which
