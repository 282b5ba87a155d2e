"""rex's catalog: a cache of storage (servers, points, objects, WAL runs), what people asked
(holds, tenants, contracts), what rex decided (plans, apply intents) and did (the ledger).

Table names start with ``rex_`` so the catalog can share a database with the Suite's tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {"pk": "pk_%(table_name)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ix": "ix_%(table_name)s_%(column_0_name)s"}


class Instant(TypeDecorator[datetime]):
    """Aware UTC in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the catalog")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PointRow(Base):
    __tablename__ = "rex_point"
    server: Mapped[str] = mapped_column(String(200), primary_key=True)
    backup_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    begin_time: Mapped[datetime] = mapped_column(Instant())
    end_time: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    timeline: Mapped[int] = mapped_column(Integer)
    begin_pos: Mapped[int] = mapped_column(BigInteger)
    end_pos: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    parent: Mapped[str | None] = mapped_column(String(200), nullable=True)
    segments_per_log: Mapped[int] = mapped_column(Integer, default=256)
    # the backup.info version read, kept so that a re-sync reads only new ones
    info_key: Mapped[str] = mapped_column(String(1024), default="")
    info_version: Mapped[str] = mapped_column(String(1024), default="")
    info_text: Mapped[str] = mapped_column(Text, default="")
    keep: Mapped[str | None] = mapped_column(String(16), nullable=True)  # barman keep target


class ObjectRow(Base):
    """One version of one object in storage (or a delete marker, which is deleted by its version
    too); ``kind`` is base, leftover, wal, history or other."""

    __tablename__ = "rex_object"
    __table_args__ = (UniqueConstraint("server", "key", "version_id"),
                      Index("ix_rex_object_point", "server", "backup_id"),
                      Index("ix_rex_object_wal", "server", "timeline", "position"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    backup_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    timeline: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    key: Mapped[str] = mapped_column(String(1024))
    version_id: Mapped[str] = mapped_column(String(1024), default="")  # "" = unversioned
    size: Mapped[int] = mapped_column(BigInteger)
    etag: Mapped[str] = mapped_column(String(200))
    checksum: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_modified: Mapped[datetime] = mapped_column(Instant())
    retain_until: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    delete_marker: Mapped[bool] = mapped_column(Boolean, default=False)


class WalRunRow(Base):
    __tablename__ = "rex_wal_run"
    server: Mapped[str] = mapped_column(String(200), primary_key=True)
    timeline: Mapped[int] = mapped_column(Integer, primary_key=True)
    first: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger)
    locked_until: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)


class HistoryRow(Base):
    __tablename__ = "rex_history"
    server: Mapped[str] = mapped_column(String(200), primary_key=True)
    timeline: Mapped[int] = mapped_column(Integer, primary_key=True)


class ServerRow(Base):
    __tablename__ = "rex_server"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    storage_url: Mapped[str] = mapped_column(Text)
    synced_at: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    state_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bucket_lock_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bucket_lock_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # facts read from the bucket at the last sync (migration 0003); None: not read yet
    bucket_lock_enabled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    versioning: Mapped[str | None] = mapped_column(String(16), nullable=True)  # Enabled, ...
    # the end of the first done backup rex ever saw of the server: days before it are "before
    # the first backup", every later day without its daily is missing
    first_backup_end: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)


class HoldRow(Base):
    __tablename__ = "rex_hold"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # legal, lease
    server: Mapped[str] = mapped_column(String(200))
    point: Mapped[str | None] = mapped_column(String(200), nullable=True)
    range_from: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    range_to: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    until: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    placed_by: Mapped[str] = mapped_column(String(200), default="")
    placed_at: Mapped[datetime] = mapped_column(Instant())
    released_at: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    release_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class TenantRow(Base):
    __tablename__ = "rex_tenant"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    servers: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # None: every server
    # when the contract ends (a termination, or the end of one that does not renew): the
    # planner's Contract.terminated_at
    terminated_at: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    added_at: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    added_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PlanRow(Base):
    __tablename__ = "rex_plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime] = mapped_column(Instant())
    now: Mapped[datetime] = mapped_column(Instant())
    policy_name: Mapped[str] = mapped_column(String(200))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    state_hash: Mapped[str] = mapped_column(String(64))  # catalog state + holds it rests on
    document: Mapped[str] = mapped_column(Text)  # the plan's JSON, as printed
    has_errors: Mapped[bool] = mapped_column(Boolean)
    allow_mass_delete: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # applying, applied


class IntentRow(Base):
    """One apply batch, recorded before it acts, marked done after: the resume point."""

    __tablename__ = "rex_intent"
    plan_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # delete, retain, legal-hold, release
    items: Mapped[list[Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="intent")  # intent, done


class LockRow(Base):
    """The apply lock: a lease row; a second apply sees it and refuses."""

    __tablename__ = "rex_lock"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime] = mapped_column(Instant())


class LedgerRow(Base):
    """Append-only, hash-chained: never updated, never deleted."""

    __tablename__ = "rex_ledger"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # as hashed: "...Z"
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, as hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class VanishedRow(Base):
    """A point or WAL range the catalog knew that storage no longer holds and rex did not
    delete (migration 0003): an error finding until an operator acknowledges it."""

    __tablename__ = "rex_vanished"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    server: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # point, wal
    subject: Mapped[str] = mapped_column(String(200))  # backup id, or "<first>..<last>" names
    timeline: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    end_time: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    kept_by: Mapped[str] = mapped_column(Text, default="")  # the last plan's keep reasons
    found_at: Mapped[datetime] = mapped_column(Instant())
    acknowledged_at: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ack_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- the client lifecycle (migration 0002) ------------------------------------------------------

class ContractRow(Base):
    """A tenant's contract terms; `rex contract set` replaces them (the ledger keeps each)."""

    __tablename__ = "rex_contract"
    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    start: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(40))  # duration text: 12mo, 1y, P1Y
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True)
    remind: Mapped[str] = mapped_column(String(40), default="6w")
    set_at: Mapped[datetime] = mapped_column(Instant())
    set_by: Mapped[str] = mapped_column(String(200))


class TerminationRow(Base):
    """One per tenant, never changed: `effective` is the first day without a contract."""

    __tablename__ = "rex_termination"
    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    effective: Mapped[date] = mapped_column(Date)
    terminated_at: Mapped[datetime] = mapped_column(Instant())  # 00:00 Amsterdam on effective
    by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(Instant())
    recorded_by: Mapped[str] = mapped_column(String(200))


class ConsentRow(Base):
    """The functional administrator's explicit permission, valid through `until`."""

    __tablename__ = "rex_consent"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(200), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # export, restore
    by: Mapped[str] = mapped_column(String(200))
    until: Mapped[date] = mapped_column(Date)
    expires: Mapped[datetime] = mapped_column(Instant())  # 00:00 Amsterdam after `until`
    granted_at: Mapped[datetime] = mapped_column(Instant())
    recorded_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(Instant(), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class OffboardingRow(Base):
    """A tenant's offboarding: due at termination; the offboarding bundle marks it delivered."""

    __tablename__ = "rex_offboarding"
    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # due, delivered
    changed_at: Mapped[datetime] = mapped_column(Instant())
    changed_by: Mapped[str] = mapped_column(String(200))
