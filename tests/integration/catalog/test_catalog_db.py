"""The catalog on SQLite and PostgreSQL: migrations, instants, the ledger, inventories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.db import HEAD, open_catalog, revision, upgrade
from retention.catalog.tables import HoldRow, LedgerRow, ObjectRow, PointRow, WalRunRow
from retention.evidence.ledger import verify_chain

AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_migrations_run_on_open_and_are_idempotent(catalog: str) -> None:
    engine = open_catalog(catalog)
    assert revision(engine) == "0003" == HEAD  # HEAD lets an up-to-date catalog skip Alembic
    assert upgrade(engine) == ("0003", "0003")
    assert {"rex_point", "rex_object", "rex_ledger", "alembic_version_rex"} <= set(
        inspect(engine).get_table_names())


def test_ledger_appends_a_verifiable_chain(catalog: str) -> None:
    engine = open_catalog(catalog)
    with Session(engine) as s, s.begin():
        for i in range(3):
            repo.append(s, AT + timedelta(seconds=i), "ops", "plan", "suite", {"i": i, "ü": "é"})
    with Session(engine) as s:
        entries = repo.ledger_entries(s)
        assert [e.seq for e in entries] == [1, 2, 3]
        assert verify_chain(entries) == []
        assert entries[2].details == {"i": 2, "ü": "é"}


def test_tampering_in_the_database_is_detected(catalog: str) -> None:
    engine = open_catalog(catalog)
    with Session(engine) as s, s.begin():
        for i in range(2):
            repo.append(s, AT, "ops", "apply", "suite", {"deleted": i})
    with engine.begin() as conn:
        conn.execute(text("UPDATE rex_ledger SET details = :d WHERE seq = 1"),
                     {"d": '{"deleted":9}'})
    with Session(engine) as s:
        assert verify_chain(repo.ledger_entries(s)) == [
            "entry 1: hash does not match its content (altered)"]


def test_instants_come_back_aware_utc(catalog: str) -> None:
    engine = open_catalog(catalog)
    with Session(engine) as s, s.begin():
        s.add(HoldRow(id="H1", kind="legal", server="suite", point="p", placed_at=AT,
                      reason="case", placed_by="legal"))
    with Session(engine) as s:
        [hold] = repo.active_holds(s)
        row = s.scalars(select(HoldRow)).one()
        assert row.placed_at == AT and row.placed_at.tzinfo is not None
        assert (hold.id, hold.point, hold.kind) == ("H1", "p", "legal")


def test_inventory_splits_runs_where_the_lock_ends(catalog: str) -> None:
    engine = open_catalog(catalog)
    with Session(engine) as s, s.begin():
        s.add(PointRow(server="suite", backup_id="b1", status="done", begin_time=AT,
                       end_time=AT + timedelta(minutes=5), timeline=1, begin_pos=10, end_pos=12,
                       segments_per_log=256))
        s.add(WalRunRow(server="suite", timeline=1, first=0, last=99))
        for position in range(0, 100):
            s.add(ObjectRow(server="suite", kind="wal", timeline=1, position=position,
                            key=f"wals/x/{position}", version_id="v", size=1, etag="e",
                            last_modified=AT,
                            retain_until=AT + timedelta(days=1 if position >= 60 else -1)))
        s.add(ObjectRow(server="suite", kind="base", backup_id="b1", key="base/b1/data.tar",
                        version_id="v", size=1, etag="e", last_modified=AT,
                        retain_until=AT + timedelta(days=3)))
    with Session(engine) as s:
        inv = repo.load_inventory(s, "suite", AT)
    assert [(r.first, r.last, r.locked_until) for r in inv.wal] == [
        (0, 59, None), (60, 99, AT + timedelta(days=1))]
    assert inv.points[0].locked_until == AT + timedelta(days=3)


def test_locks_that_do_not_end_in_position_order_split_runs_where_they_are(
        catalog: str) -> None:
    """A kept daily's own WAL locked for months far below the default-locked tail: only the
    locked positions are locked, each stretch until its own objects' latest retain-until."""
    engine = open_catalog(catalog)
    daily, tail = AT + timedelta(days=180), AT + timedelta(days=30)
    locks = {10: daily, 11: daily, 50: tail - timedelta(hours=2), 51: tail - timedelta(hours=1),
             52: tail + timedelta(days=1), 53: tail + timedelta(days=1, hours=3)}
    with Session(engine) as s, s.begin():
        s.add(WalRunRow(server="suite", timeline=1, first=0, last=53))
        for position in range(0, 54):
            s.add(ObjectRow(server="suite", kind="wal", timeline=1, position=position,
                            key=f"wals/x/{position}", version_id="v", size=1, etag="e",
                            last_modified=AT, retain_until=locks.get(position,
                                                                     AT - timedelta(days=1))))
    with Session(engine) as s:
        inv = repo.load_inventory(s, "suite", AT)
    assert [(r.first, r.last, r.locked_until) for r in inv.wal] == [
        (0, 9, None), (10, 11, daily), (12, 49, None), (50, 51, tail - timedelta(hours=1)),
        (52, 53, tail + timedelta(days=1, hours=3))]


def test_ledger_rows_are_numbered_from_one(catalog: str) -> None:
    engine = open_catalog(catalog)
    with Session(engine) as s, s.begin():
        repo.append(s, AT, "ops", "policy-loaded", "engage-sla-2024", {"sha256": "x"})
    with Session(engine) as s:
        assert s.scalar(select(LedgerRow.prev_hash)) == "0" * 64
