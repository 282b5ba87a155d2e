"""The apply lock: one row per server in the catalog, plus a session advisory lock on PostgreSQL.

A second apply finds the row and refuses. A holder that died (kill -9) is recognised: on
PostgreSQL its advisory lock went with its connection; elsewhere its process id is gone on this
host, or its lease ran out.
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
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from retention.catalog.tables import LockRow
from retention.errors import RexError
from retention.timeutil import z

LEASE = timedelta(hours=6)


class LockedError(RexError):
    exit_code = 1


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


@contextmanager
def apply_lock(engine: Engine, name: str, now: datetime) -> Iterator[None]:
    """Hold the named lock for the duration of the block, or raise LockedError."""
    conn: Connection | None = None
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        got = conn.scalar(select(func.pg_try_advisory_lock(_advisory_key(name))))
        conn.commit()
        if not got:
            conn.close()
            raise LockedError(f"{name}: another rex apply is running against this catalog; "
                              "wait for it to finish")
    try:
        _take_row(engine, name, now, stale_ok=conn is not None)
        try:
            yield
        finally:
            with Session(engine) as s, s.begin():
                s.execute(delete(LockRow).where(LockRow.name == name,
                                                LockRow.holder == holder_id()))
    finally:
        if conn is not None:
            conn.close()  # releases the advisory lock


def _take_row(engine: Engine, name: str, now: datetime, stale_ok: bool) -> None:
    with Session(engine) as s, s.begin():
        row = s.get(LockRow, name)
        if row is not None:
            dead = stale_ok or row.until <= now or not _holder_alive(row.holder)
            if not dead:
                raise LockedError(f"{name}: held by {row.holder} until {z(row.until)}; another "
                                  "apply is running: wait for it, never run two at once")
            s.delete(row)
            s.flush()
        s.add(LockRow(name=name, holder=holder_id(), until=now + LEASE))
        try:
            s.flush()
        except (IntegrityError, OperationalError):
            raise LockedError(f"{name}: another apply took the lock at the same moment; "
                              "wait for it to finish") from None
