"""Leases: a drill or a restore holds its backup until it is done, so no apply expires it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.tables import HoldRow
from retention.timeutil import z

LEASE = timedelta(hours=6)  # longer than any restore we expect; released when the work ends


def place_lease(engine: Engine, prefix: str, server: str, point: str, reason: str,
                now: datetime, actor: str) -> str:
    """A lease hold ``<prefix>-<n>`` on one backup, in the catalog and the ledger."""
    with Session(engine) as s, s.begin():
        n = s.scalar(select(func.count()).select_from(HoldRow)
                     .where(HoldRow.id.like(f"{prefix}-%"))) or 0
        lease_id = f"{prefix}-{n + 1}"
        s.add(HoldRow(id=lease_id, kind="lease", server=server, point=point, until=now + LEASE,
                      reason=reason, placed_by=actor, placed_at=now))
        repo.append(s, now, actor, "hold-placed", f"{server}/{point}", {
            "hold": lease_id, "kind": "lease", "until": z(now + LEASE)})
    return lease_id


def release_lease(engine: Engine, lease_id: str, reason: str, now: datetime,
                  actor: str) -> None:
    with Session(engine) as s, s.begin():
        row = s.get(HoldRow, lease_id)
        if row is not None and row.released_at is None:
            row.released_at, row.released_by, row.release_reason = now, actor, reason
            repo.append(s, now, actor, "hold-released", f"{row.server}/{row.point}",
                        {"hold": lease_id, "reason": reason})
