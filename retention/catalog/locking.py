"""Catalog locks: one row per lock name in the catalog, plus a session advisory lock on
PostgreSQL. ``apply:<server>`` keeps two applies apart, ``sync:<server>`` two syncs.

A second taker finds the row and refuses with a BusyError (exit 3) that names the holder and
since when. A holder that died (kill -9) is recognised: on PostgreSQL its advisory lock went with
its connection; elsewhere its process id is gone on this host, or its lease ran out.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from retention.catalog.tables import LockRow
from retention.errors import BusyError
from retention.timeutil import z

LEASE = timedelta(hours=6)


class LockedError(BusyError):
    """Another rex holds the lock (exit 3: retry later)."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_alive(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: trust the lease
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _busy(name: str, what: str, row: LockRow | None) -> LockedError:
    """One line: which lock, who holds it since when, what to do."""
    holder = "holder not recorded yet: it has just started" if row is None else \
        f"held by {row.holder} since {z(row.until - LEASE)}"
    return LockedError(f"busy: another rex {what} holds the lock {name} ({holder}); "
                       "retry later, when it has finished")


def _current(engine: Engine, name: str) -> LockRow | None:
    """The lock's row as it is now (None: gone, or the catalog is too busy to say)."""
    try:
        with Session(engine) as s:
            return s.get(LockRow, name)
    except SQLAlchemyError:
        return None


@contextmanager
def catalog_lock(engine: Engine, name: str, now: datetime, what: str) -> Iterator[None]:
    """Hold the named lock for the duration of the block, or raise LockedError (exit 3).

    ``what`` is the command that takes it (``apply``, ``sync``), for the message."""
    conn: Connection | None = None
    key = _advisory_key(name)
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        got = conn.scalar(select(func.pg_try_advisory_lock(key)))
        conn.commit()
        if not got:
            conn.close()
            raise _busy(name, what, _current(engine, name))
    try:
        _take_row(engine, name, now, what, stale_ok=conn is not None)
        try:
            yield
        finally:
            with Session(engine) as s, s.begin():
                s.execute(delete(LockRow).where(LockRow.name == name,
                                                LockRow.holder == holder_id()))
    finally:
        if conn is not None:
            _release(conn, key)


def _release(conn: Connection, key: int) -> None:
    """Unlock explicitly: closing only returns the connection to the pool, where a session
    advisory lock would live on (and block every later taker in this process)."""
    try:
        conn.rollback()
        conn.scalar(select(func.pg_advisory_unlock(key)))
        conn.commit()
    except SQLAlchemyError:
        conn.invalidate()  # a broken connection: dropped, and its locks with it
    finally:
        conn.close()


@contextmanager
def apply_lock(engine: Engine, name: str, now: datetime) -> Iterator[None]:
    """The lock of ``rex apply``: two applies never run at once."""
    with catalog_lock(engine, name, now, "apply"):
        yield


def _take_row(engine: Engine, name: str, now: datetime, what: str, stale_ok: bool) -> None:
    try:
        with Session(engine) as s, s.begin():
            row = s.get(LockRow, name)
            if row is not None:
                dead = stale_ok or row.until <= now or not _holder_alive(row.holder)
                if not dead:
                    raise _busy(name, what, row)
                s.delete(row)
                s.flush()
            s.add(LockRow(name=name, holder=holder_id(), until=now + LEASE))
    except (IntegrityError, OperationalError):
        # another process took it at the same moment (or holds SQLite's write lock too long)
        raise _busy(name, what, _current(engine, name)) from None
