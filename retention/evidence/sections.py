"""The parts of an evidence report that are derived from its facts. PURE.

Coverage comes from the carried policy and inventory; deletions, holds, terminations, drills,
offboarding bundles and verifications come from the ledger entries of the period. The report
writer and the offline verifier both call these, so a derived section that was edited differs
from what they give.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from retention.calendar import local_day, midnight
from retention.evidence.ledger import Entry
from retention.inventory import InventoryDocument
from retention.model import Finding, Plan, PointDecision, RecoveryPoint
from retention.policy import Policy
from retention.timeutil import format_instant, parse_instant
from retention.verify import BucketFacts, Coverage, PointLocks, WalTimes, coverage
from retention.wal import segment_name

HOLD_REASONS = ("legal-hold ", "lease ", "hold post-termination ", "keep:")
CELL_STATES = ("kept", "held", "pitr", "missing", "deleted", "pending", "none", "future")


def in_period(entries: Sequence[Entry], first: date, last: date, policy: Policy) -> list[Entry]:
    """The entries whose instant falls on the days first..last (policy timezone)."""
    start, stop = midnight(first, policy.tz), midnight(last + timedelta(days=1), policy.tz)
    return [e for e in entries if start <= parse_instant(e.at, f"ledger entry {e.seq}") < stop]


# --- coverage ----------------------------------------------------------------------------------

def server_coverage(policy: Policy, inv: InventoryDocument, result: Plan, server: str,
                    first: date, last: date, now: datetime) -> tuple[dict[str, Any], Coverage]:
    """One server's coverage picture (a cell per day) and PITR status, from the inventory.

    Storage integrity and archive lag need storage; `rex verify` records them in the ledger
    (the report's verifications); here every point counts as present and unlocked."""
    points = [p for p in inv.inventory.points if p.server == server]
    locks = {p.id: PointLocks(None, False, 1) for p in points}
    cov = coverage(policy, inv.inventory, inv.holds, inv.contracts, server, WalTimes({}, {}),
                   locks, BucketFacts(lock_enabled=None), now)
    done = sorted((p for p in points if p.status == "done" and p.end_time is not None),
                  key=lambda p: (p.end_time, p.id))
    anchors = [p for p in done if p.end_time is not None and p.end_time <= cov.window_start]
    cells = _cells(policy, done, result, cov, first, last, now)
    broken = sorted({f.code for f in cov.findings if f.code in (
        "pitr-window-short", "wal-gap", "broken-chain", "backup-stale", "clock-behind")})
    spl = inv.inventory.segments_per_log
    return {
        "server": server,
        "window_start": format_instant(cov.window_start),
        "anchor": anchors[-1].id if anchors else None,
        "newest_backup_end": format_instant(cov.newest_end),
        "pitr": "restorable" if not broken else "at risk: " + ", ".join(broken),
        "gaps": [{"first": segment_name(g.timeline, g.first, spl),
                  "last": segment_name(g.timeline, g.last, spl)} for g in cov.gaps],
        "counts": {s: n for s, n in sorted(Counter(c["state"] for c in cells).items())},
        "days": cells,
    }, cov


def _cells(policy: Policy, done: Sequence[RecoveryPoint], result: Plan, cov: Coverage,
           first: date, last: date, now: datetime) -> list[dict[str, Any]]:
    tz = policy.tz
    dailies: dict[date, RecoveryPoint] = {}
    for p in done:  # ascending: the newest of a day wins
        assert p.end_time is not None
        dailies[local_day(p.end_time, tz)] = p
    decisions = {(d.server, d.id): d for d in result.points}
    promised = dict(cov.days)
    context = (local_day(now, tz), local_day(cov.window_start, tz))
    cells: list[dict[str, Any]] = []
    day = first
    while day <= last:
        point = dailies.get(day)
        decision = decisions.get(point.key) if point is not None else None
        cells.append({"day": day.isoformat(),
                      "state": _state(day, point, decision, promised.get(day), context),
                      "point": point.id if point is not None else None})
        day += timedelta(days=1)
    return cells


def _state(day: date, point: RecoveryPoint | None, decision: PointDecision | None,
           promise: str | None, context: tuple[date, date]) -> str:
    today, window_day = context
    if day > today:
        return "future"
    if point is None or decision is None:
        return {"missing": "missing", "today": "pending"}.get(promise or "", "none")
    if decision.action == "delete":
        return "deleted"
    if any(r.startswith(HOLD_REASONS) for r in decision.reasons):
        return "held"
    return "pitr" if day >= window_day else "kept"


def findings(result: Plan, covs: Sequence[Coverage]) -> list[dict[str, str]]:
    order = {"error": 0, "warning": 1, "info": 2}
    merged: set[Finding] = set(result.findings)
    for cov in covs:
        merged.update(cov.findings)
    return [{"code": f.code, "severity": f.severity, "subject": f.subject, "message": f.message}
            for f in sorted(merged, key=lambda f: (order[f.severity], f.code, f.subject,
                                                   f.message))]


# --- from the ledger ---------------------------------------------------------------------------

def _event(e: Entry, **fields: Any) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "subject": e.subject, **fields}


def deletions(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    return [_event(e, plan=e.details.get("plan"), deleted=e.details.get("deleted"),
                   requests=e.details.get("requests"),
                   refused=len(e.details.get("refused") or []))
            for e in entries if e.action == "delete-batch"]


def hold_events(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    actions = ("hold-place", "hold-release", "hold-placed", "hold-released")
    return [_event(e, details=dict(e.details)) for e in entries if e.action in actions]


def terminations(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    return [_event(e, details=dict(e.details)) for e in entries
            if e.action == "contract-terminate"]


def drills(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    keys = ("instant", "point", "passed", "restore_seconds", "message", "check")
    return [_event(e, **{k: e.details.get(k) for k in keys})
            for e in entries if e.action == "drill"]


def offboarding(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    """Offboarding bundles made and delivered, each with its checksum (``sha256``)."""
    return [_event(e, sha256=e.details.get("sha256"), details=dict(e.details))
            for e in entries if e.action in ("offboard-bundle", "export-delivered")]


def verifications(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    keys = ("deep", "objects", "daily_missing", "wal_gaps", "findings")
    return [_event(e, **{k: e.details.get(k) for k in keys})
            for e in entries if e.action == "verify"]
