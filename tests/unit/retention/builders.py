"""Small builders for planner tests: instants in Amsterdam or UTC, points with WAL from time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from retention.model import Contract, Hold, Inventory, RecoveryPoint, WalRun
from retention.policy import Policy, load_policy

AMS = ZoneInfo("Europe/Amsterdam")
BASE = datetime(2025, 1, 1, tzinfo=UTC)
POLICY: Policy = load_policy("engage-sla-2024")


def utc(text: str) -> datetime:
    """``2026-11-01 01:00`` read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ams(text: str) -> datetime:
    """``2026-11-01 02:00`` read on the Amsterdam wall clock, returned as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS).astimezone(UTC)


def pos(instant: datetime) -> int:
    """A WAL position growing with time: one segment per ten minutes since 2025."""
    return int((instant - BASE).total_seconds() // 600)


def point(ident: str, end: datetime, *, server: str = "suite", status: str = "done",
          duration: timedelta = timedelta(minutes=20), parent: str | None = None,
          locked_until: datetime | None = None, timeline: int = 1) -> RecoveryPoint:
    begin = end - duration
    running = status == "running"
    return RecoveryPoint(ident, server, status, begin,  # type: ignore[arg-type]
                         None if running else end, timeline, pos(begin),
                         None if running else max(pos(end), pos(begin)), parent, locked_until)


def wal(start: datetime, stop: datetime, server: str = "suite", timeline: int = 1,
        locked_until: datetime | None = None) -> WalRun:
    return WalRun(server, timeline, pos(start), pos(stop), locked_until)


def daily_points(first_day: str, days: int, at: str = "03:00", server: str = "suite",
                 ) -> list[RecoveryPoint]:
    """One done point a day, ending at ``at`` Amsterdam time, ids ``<server>-YYYYMMDD``."""
    start = datetime.fromisoformat(f"{first_day} {at}")
    out = []
    for i in range(days):
        local = start + timedelta(days=i)
        out.append(point(f"{local:%Y%m%dT%H%M}", local.replace(tzinfo=AMS).astimezone(UTC),
                         server=server))
    return out


def inventory(points: list[RecoveryPoint], runs: list[WalRun] | None = None,
              histories: tuple[tuple[str, int], ...] = ()) -> Inventory:
    """Points with, by default, one WAL run per server from its first begin to its last end."""
    if runs is None:
        runs = []
        for server in sorted({p.server for p in points}):
            mine = [p for p in points if p.server == server]
            first = min(p.begin_pos for p in mine)
            last = max(p.end_pos or p.begin_pos for p in mine) + 6
            runs.append(WalRun(server, 1, first, last))
    return Inventory(tuple(points), tuple(runs), histories)


def legal(ident: str, point_id: str, server: str = "suite") -> Hold:
    return Hold(ident, "legal", server, point=point_id, reason="case", by="legal")


def legal_range(ident: str, start: datetime, stop: datetime, server: str = "suite") -> Hold:
    return Hold(ident, "legal", server, range_from=start, range_to=stop, reason="audit",
                by="auditor")


def lease(ident: str, point_id: str, until: datetime, server: str = "suite") -> Hold:
    return Hold(ident, "lease", server, point=point_id, until=until)


def terminated(tenant: str, at: datetime, servers: tuple[str, ...] | None = None) -> Contract:
    return Contract(tenant, at, servers)
