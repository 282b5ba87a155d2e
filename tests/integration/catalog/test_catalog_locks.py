"""Catalog locks on SQLite and PostgreSQL: a second taker is refused with exit 3 and a one-line
message naming the holder and since when; the lock is free again afterwards, also within the
same long-lived process (a pooled PostgreSQL connection must not keep the advisory lock)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from retention.catalog.db import open_catalog
from retention.catalog.locking import LockedError, apply_lock, catalog_lock, holder_id
from retention.errors import BusyError

AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_a_held_lock_refuses_with_exit_3_naming_holder_and_since(catalog: str) -> None:
    engine = open_catalog(catalog)
    with apply_lock(engine, "apply:suite", AT), pytest.raises(LockedError) as refused, \
            apply_lock(engine, "apply:suite", AT + timedelta(minutes=5)):
        pass  # pragma: no cover - never entered
    err = refused.value
    assert isinstance(err, BusyError) and err.exit_code == 3
    message = str(err)
    assert "\n" not in message
    assert message.startswith("busy: another rex apply holds the lock apply:suite")
    assert f"held by {holder_id()} since 2026-11-29T03:00:00Z" in message
    assert "retry later" in message


def test_the_lock_is_free_again_after_release_in_the_same_process(catalog: str) -> None:
    engine = open_catalog(catalog)
    for minute in range(3):
        with catalog_lock(engine, "sync:suite", AT + timedelta(minutes=minute), "sync"):
            pass
    taken = threading.Event()
    failures: list[BaseException] = []

    def other_thread() -> None:  # another connection of the same pool
        try:
            with catalog_lock(engine, "sync:suite", AT, "sync"):
                taken.set()
        except BaseException as err:  # pragma: no cover - reported below
            failures.append(err)

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join(60)
    assert taken.is_set() and not failures
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            held = conn.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                    "AND database = (SELECT oid FROM pg_database "
                                    "WHERE datname = current_database())"))
        assert held == 0  # not left behind on a pooled connection


def test_locks_of_other_names_do_not_block_each_other(catalog: str) -> None:
    engine = open_catalog(catalog)
    with catalog_lock(engine, "sync:suite", AT, "sync"), \
            catalog_lock(engine, "apply:suite", AT, "apply"), \
            catalog_lock(engine, "sync:other", AT, "sync"):
        pass
