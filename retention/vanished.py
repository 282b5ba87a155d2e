"""Nothing the catalog knew disappears silently.

Sync replaces the catalog's picture of a server with what storage holds. Before it does, the
old picture is compared with the new one: a done backup, or a stretch of archived WAL, that the
catalog held and storage no longer does was removed outside rex (rex's own deletes leave the
catalog as they go, in ``apply``). Unless the last plan of the server deleted it anyway, it is
recorded in ``rex_vanished`` and reported as an error finding (``kept-point-vanished``,
``kept-wal-vanished``) by every plan, run and verify until an operator acknowledges it with
``rex vanished ack`` (a ledger entry).

The comparison is pure (``vanished_points``, ``vanished_wal``); WAL is compared as ranges per
timeline, never per segment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.catalog.tables import PointRow, ServerRow, VanishedRow, WalRunRow
from retention.errors import InputError
from retention.model import Finding
from retention.timeutil import z
from retention.wal import parse_segment, segment_name

Range = tuple[int, int]  # first, last position, inclusive
NOT_PLANNED = "not planned yet (every backup is kept until a plan decides)"


@dataclass(frozen=True)
class Vanished:
    """One point or WAL range that left storage without rex deleting it."""

    kind: str  # point, wal
    subject: str  # backup id, or "<first segment>..<last segment>"
    kept_by: str  # the reasons the last plan kept it with
    timeline: int | None = None
    first: int | None = None
    last: int | None = None
    end_time: datetime | None = None


@dataclass(frozen=True)
class LastPlan:
    """What the server's last plan decided: point id -> (action, reasons); WAL decisions per
    timeline as (first, last, action, reasons)."""

    points: dict[str, tuple[str, tuple[str, ...]]]
    wal: dict[int, list[tuple[int, int, str, tuple[str, ...]]]]


def read_last_plan(doc: dict[str, Any] | None, spl: int) -> LastPlan:
    if doc is None:
        return LastPlan({}, {})
    points = {p["id"]: (p["action"], tuple(p["reasons"])) for p in doc.get("points", [])}
    wal: dict[int, list[tuple[int, int, str, tuple[str, ...]]]] = {}
    for w in doc.get("wal", []):
        tl, first = parse_segment(w["first"], spl)
        wal.setdefault(tl, []).append((first, parse_segment(w["last"], spl)[1], w["action"],
                                       tuple(w["reasons"])))
    return LastPlan(points, wal)


def vanished_points(before: Iterable[tuple[str, datetime | None]], present: set[str],
                    last: LastPlan) -> list[Vanished]:
    """Done points (id, end time) the catalog had that are no longer present; those the last
    plan deleted went as planned (by another tool, or an apply cut short) and are left out."""
    out = []
    for backup_id, end_time in before:
        if backup_id in present:
            continue
        action, reasons = last.points.get(backup_id, ("keep", (NOT_PLANNED,)))
        if action == "delete":
            continue
        out.append(Vanished("point", backup_id, ", ".join(reasons), end_time=end_time))
    return out


def subtract(ranges: Sequence[Range], minus: Sequence[Range]) -> list[Range]:
    """``ranges`` without any position of ``minus``; both sorted, non-overlapping."""
    out: list[Range] = []
    j = 0
    for first, last in ranges:
        cursor = first
        while j < len(minus) and minus[j][1] < cursor:
            j += 1
        k = j
        while k < len(minus) and minus[k][0] <= last:
            if minus[k][0] > cursor:
                out.append((cursor, minus[k][0] - 1))
            cursor = max(cursor, minus[k][1] + 1)
            k += 1
        if cursor <= last:
            out.append((cursor, last))
    return out


def vanished_wal(before: dict[int, list[Range]], after: dict[int, list[Range]],
                 last: LastPlan, spl: int) -> list[Vanished]:
    """Archived WAL the catalog had per timeline that storage no longer holds, less what the
    last plan deleted; each stretch names the reasons the plan kept it with."""
    out: list[Vanished] = []
    for tl, had in sorted(before.items()):
        decided = sorted(last.wal.get(tl, []))
        deleted = [(f, t) for f, t, action, _ in decided if action == "delete"]
        for first, final in subtract(subtract(sorted(had), sorted(after.get(tl, []))), deleted):
            reasons = sorted({r for f, t, action, rs in decided
                              if action == "keep" and f <= final and t >= first for r in rs})
            names = f"{segment_name(tl, first, spl)}..{segment_name(tl, final, spl)}"
            out.append(Vanished("wal", names, ", ".join(reasons) or NOT_PLANNED, tl, first,
                                final))
    return out


# --- the catalog side ----------------------------------------------------------------------------

def detect(session: Session, server: str, present: set[str],
           runs_after: dict[int, list[Range]], spl: int) -> list[Vanished]:
    """Compare the catalog's rows of ``server`` (before sync replaces them) with a new scan:
    ``present`` backup ids (with or without data) and the new WAL runs per timeline."""
    points = [(i, t) for i, t in session.execute(
        select(PointRow.backup_id, PointRow.end_time)
        .where(PointRow.server == server, PointRow.status == "done")) if i not in present]
    before: dict[int, list[Range]] = {}
    for r in session.scalars(select(WalRunRow).where(WalRunRow.server == server)):
        before.setdefault(r.timeline, []).append((r.first, r.last))
    if not points and all(not subtract(sorted(had), sorted(runs_after.get(tl, [])))
                          for tl, had in before.items()):
        return []  # nothing left storage: the last plan need not be read
    # the last plan rex acted on, and the holds in force now: a held backup that vanished is
    # an error whatever a plan said
    last = read_last_plan(repo.last_acted_plan(session, server), spl)
    for hold in repo.active_holds(session, server):
        if hold.point is not None:
            action, reasons = last.points.get(hold.point, ("keep", ()))
            kept = tuple(r for r in reasons if r != "expired") if action == "keep" else ()
            name = f"legal-hold {hold.id}" if hold.kind == "legal" else f"lease {hold.id}"
            last.points[hold.point] = ("keep", (*kept, name))
    return (vanished_points(points, present, last)
            + vanished_wal(before, runs_after, last, spl))


RESTORED = "rex: back in storage"


def record(session: Session, server: str, found: Sequence[Vanished], present: set[str],
           runs_after: dict[int, list[Range]], now: datetime) -> None:
    """Add what is new (an open record is not added twice), and close the open records of
    what is back in storage (restored from a copy): ``present`` backup ids, WAL runs."""
    open_ = list(session.scalars(select(VanishedRow).where(
        VanishedRow.server == server, VanishedRow.acknowledged_at.is_(None))))
    for row in open_:
        if _back(row, present, runs_after):
            row.acknowledged_at, row.acknowledged_by = now, RESTORED
            row.ack_reason = "found in storage again"
    known = {(r.kind, r.subject) for r in open_ if r.acknowledged_at is None}
    session.add_all(VanishedRow(server=server, kind=v.kind, subject=v.subject,
                                timeline=v.timeline, first=v.first, last=v.last,
                                end_time=v.end_time, kept_by=v.kept_by, found_at=now)
                    for v in found if (v.kind, v.subject) not in known)


def _back(row: VanishedRow, present: set[str], runs_after: dict[int, list[Range]]) -> bool:
    if row.kind == "point":
        return row.subject in present
    if row.timeline is None or row.first is None or row.last is None:
        return False
    return not subtract([(row.first, row.last)], sorted(runs_after.get(row.timeline, [])))


def findings(session: Session, server: str) -> tuple[Finding, ...]:
    """One error per vanished point or WAL range not acknowledged yet."""
    return tuple(_finding(r) for r in session.scalars(select(VanishedRow).where(
        VanishedRow.server == server, VanishedRow.acknowledged_at.is_(None))
        .order_by(VanishedRow.id)))


def _finding(r: VanishedRow) -> Finding:
    what = (f"backup {r.subject}" + (f" (ended {z(r.end_time)})" if r.end_time else "")
            if r.kind == "point" else f"WAL {r.subject}")
    return Finding(
        f"kept-{r.kind}-vanished", "error", f"{r.server}/{r.subject}",
        f"{what} of {r.server} was kept ({r.kept_by}) but left storage by {z(r.found_at)} "
        "without rex deleting it (a lifecycle rule, another tool, a governance bypass): find "
        "who deleted it and restore it from a copy if there is one, then `rex vanished ack "
        f"--server {r.server} {r.id} --reason ...`")


@dataclass(frozen=True)
class VanishedEntry:
    id: int
    server: str
    kind: str
    subject: str
    kept_by: str
    found_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_reason: str | None


def _entry(r: VanishedRow) -> VanishedEntry:
    return VanishedEntry(r.id, r.server, r.kind, r.subject, r.kept_by, r.found_at,
                         r.acknowledged_at, r.acknowledged_by, r.ack_reason)


def listing(session: Session, server: str | None, include_acknowledged: bool
            ) -> list[VanishedEntry]:
    query = select(VanishedRow).order_by(VanishedRow.id)
    if server is not None:
        query = query.where(VanishedRow.server == server)
    if not include_acknowledged:
        query = query.where(VanishedRow.acknowledged_at.is_(None))
    return [_entry(r) for r in session.scalars(query)]


def list_open(catalog_url: str, server: str | None,
              include_acknowledged: bool) -> list[VanishedEntry]:
    """`rex vanished list`: the records of one server (or all), open ones only by default."""
    with Session(open_catalog(catalog_url)) as session:
        if server is not None and session.get(ServerRow, server) is None:
            known = ", ".join(sorted(session.scalars(select(ServerRow.name)))) or "none"
            raise InputError(f"--server {server}: not in the catalog (it knows: {known})")
        return listing(session, server, include_acknowledged)


def acknowledge_in(catalog_url: str, server: str, ids: Sequence[int], reason: str,
                   now: datetime, actor: str) -> list[VanishedEntry]:
    """`rex vanished ack`: ``acknowledge`` in one transaction of the catalog."""
    with Session(open_catalog(catalog_url)) as session, session.begin():
        return acknowledge(session, server, ids, reason, now, actor)


def acknowledge(session: Session, server: str, ids: Sequence[int], reason: str,
                now: datetime, actor: str) -> list[VanishedEntry]:
    """Mark vanished objects as known to the operator (one ledger entry); InputError for an id
    that is not an open record of ``server``."""
    if not reason.strip():
        raise InputError("--reason: say why the loss is accepted (who deleted it, what was done)")
    rows = []
    for ident in dict.fromkeys(ids):  # each record once, in the order given
        row = session.get(VanishedRow, ident)
        if row is None or row.server != server or row.acknowledged_at is not None:
            raise InputError(f"vanished record {ident}: no open record of server {server!r}; "
                             f"`rex vanished list --server {server}` shows them")
        rows.append(row)
    for row in rows:
        row.acknowledged_at, row.acknowledged_by, row.ack_reason = now, actor, reason
    repo.append(session, now, actor, "vanished-acknowledged", server, {
        "records": [{"id": r.id, "kind": r.kind, "subject": r.subject} for r in rows],
        "reason": reason})
    return [_entry(r) for r in rows]
