"""`rex verify`: are the SLA's promises kept for one server right now? PURE (but for
``write_metrics``, which hands the metrics file to prometheus_client's writer).

PITR coverage (anchor, continuous WAL, archive lag), dailies of the last six months, holds and
locks against the plan, staleness. Storage integrity (objects present, unchanged, readable) is
checked by ``integrity``; both give findings in the design's shape.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from retention.calendar import add_calendar, local_day
from retention.model import Contract, Finding, Hold, Inventory, Plan, RecoveryPoint
from retention.planner import plan
from retention.policy import Policy
from retention.timeutil import z
from retention.wal import segment_name

if TYPE_CHECKING:  # prometheus_client is imported where metrics are made: it is slow to load
    from prometheus_client import CollectorRegistry

DayState = Literal["present", "missing", "before-first-backup", "today"]


@dataclass(frozen=True)
class WalTimes:
    """LastModified of archived segments, per timeline: sorted positions and their instants."""

    positions: Mapping[int, Sequence[int]]
    modified: Mapping[int, Sequence[datetime]]

    def before(self, timeline: int, position: int) -> tuple[int, datetime] | None:
        """The archived segment just before ``position`` and when it was archived."""
        pos = self.positions.get(timeline, ())
        i = bisect_left(pos, position) - 1
        return (pos[i], self.modified[timeline][i]) if i >= 0 else None

    def newest(self) -> datetime | None:
        return max((m[-1] for m in self.modified.values() if m), default=None)


@dataclass(frozen=True)
class Gap:
    timeline: int
    first: int
    last: int
    unrestorable_from: datetime | None  # last archived instant before the gap
    unrestorable_to: datetime | None  # end of the first backup that begins after it
    in_window: bool


@dataclass(frozen=True)
class Coverage:
    server: str
    plan: Plan
    window_start: datetime
    newest_end: datetime | None
    newest_wal: datetime | None
    days: tuple[tuple[date, DayState], ...]
    gaps: tuple[Gap, ...]
    findings: tuple[Finding, ...]

    @property
    def daily_missing(self) -> int:
        return sum(1 for _, state in self.days if state == "missing")



def daily_states(policy: Policy, done: Sequence[RecoveryPoint], now: datetime,
                 first_backup_end: datetime | None = None) -> list[tuple[date, DayState]]:
    """Each Amsterdam day whose daily the SLA still promises: present, missing, or not yet due.

    Days before the server's first backup are not due. That is the first backup the catalog
    ever saw (``first_backup_end``, recorded by sync), not the oldest one still stored: a daily
    deleted out of band is missing, never "before the first backup"."""
    tz, keep = policy.tz, policy.daily.keep
    today = local_day(now, tz)
    first_promised = add_calendar(today, -keep.months, -keep.days)
    have = {local_day(p.end_time, tz) for p in done if p.end_time is not None}
    seen = [local_day(first_backup_end, tz)] if first_backup_end is not None else []
    first_backup = min([*have, *seen], default=today)
    states: list[tuple[date, DayState]] = []
    day = first_promised
    while day <= today:
        state: DayState = ("present" if day in have else "today" if day == today
                           else "before-first-backup" if day < first_backup else "missing")
        states.append((day, state))
        day += timedelta(days=1)
    return states


def _gaps(inventory: Inventory, server: str, wal_times: WalTimes, done: Sequence[RecoveryPoint],
          needed_from: int | None) -> list[Gap]:
    out: list[Gap] = []
    runs = sorted((r for r in inventory.wal if r.server == server),
                  key=lambda r: (r.timeline, r.first))
    for a, b in itertools.pairwise(runs):
        if a.timeline != b.timeline or b.first <= a.last + 1:
            continue
        first, last = a.last + 1, b.first - 1
        before = wal_times.before(a.timeline, first)
        after = [p for p in done if p.begin_pos > last and p.timeline >= a.timeline]
        out.append(Gap(a.timeline, first, last, before[1] if before else None,
                       after[0].end_time if after else None,
                       needed_from is not None and last >= needed_from))
    return out


@dataclass(frozen=True)
class PointLocks:
    """What the catalog records of one point's objects: the earliest retain-until and whether
    every object carries a legal hold."""

    min_retain_until: datetime | None
    all_held: bool
    objects: int


@dataclass(frozen=True)
class BucketFacts:
    """What the last sync read of the bucket: Object Lock (enabled, default mode and retention
    in days) and versioning; ``first_backup_end`` is the server's first done backup ever seen."""

    lock_enabled: bool | None  # None: not read yet (a catalog synced by an older rex)
    lock_mode: str | None = None
    default_days: int | None = None
    versioning: str | None = None
    first_backup_end: datetime | None = None


def bucket_findings(policy: Policy, facts: BucketFacts, server: str,
                    now: datetime) -> list[Finding]:
    """The bucket's Object Lock and versioning against the policy: the lock is what keeps the
    promises against deletion by anyone else, so a missing or weaker one is an error.

    S3 Object Lock needs versioning; its default retention locks every new version from the
    moment it is written, and must cover the PITR window and its margin on its own (if the
    daily job stops, it is the only lock)."""
    rule = policy.object_lock
    if facts.lock_enabled is None:
        return [Finding("bucket-unknown", "warning", server,
                        f"the bucket configuration of {server} has not been read yet; run "
                        f"`rex sync --server {server}`")]
    out: list[Finding] = []
    if facts.versioning != "Enabled":
        out.append(Finding("versioning-off", "error", server,
                           f"the bucket of {server} has versioning "
                           f"{(facts.versioning or 'never enabled').lower()}: an overwrite or "
                           "delete destroys backups for good; enable versioning and Object Lock"))
    if not facts.lock_enabled:
        out.append(Finding("object-lock-missing", "error", server,
                           f"the policy requires Object Lock ({rule.mode}, default retention "
                           f"{rule.default_retention}) but the bucket of {server} has none: "
                           "anyone with its credentials can delete backups the SLA promises; "
                           "create the bucket with Object Lock (terraform/)"))
        return out
    if facts.lock_mode != rule.mode:
        out.append(Finding("object-lock-mode", "error", server,
                           f"the bucket of {server} locks new objects in "
                           f"{facts.lock_mode or 'no'} mode by default, the policy requires "
                           f"{rule.mode}; set the bucket's default retention (terraform/)"))
    needed = policy.pitr.window + policy.pitr.margin
    cover = needed.after(now, policy.tz) - now
    days = facts.default_days or 0
    if timedelta(days=days) < cover:
        out.append(Finding("object-lock-short", "error", server,
                           f"the bucket of {server} locks new objects for {days} days, shorter "
                           f"than the PITR window and margin ({needed}): WAL of the window is "
                           "deletable by anyone whenever rex has not run; set the default "
                           f"retention to {rule.default_retention} (terraform/)"))
    return out


def coverage(policy: Policy, inventory: Inventory, holds: Sequence[Hold],
             contracts: Sequence[Contract], server: str, wal_times: WalTimes,
             locks: Mapping[str, PointLocks], facts: BucketFacts, now: datetime) -> Coverage:
    """Every check of the SLA's promises for one server at ``now``."""
    lock_enabled = bool(facts.lock_enabled)
    result = plan(policy, inventory, holds, contracts, now, allow_mass_delete=True)
    done = sorted((p for p in inventory.points if p.server == server and p.status == "done"),
                  key=lambda p: (p.end_time, p.id))
    window_start = (policy.pitr.window + policy.pitr.margin).before(now, policy.tz)
    anchors = [p for p in done if p.end_time is not None and p.end_time <= window_start]
    # the plan's own window-gap finding is replaced by the one with the interval it breaks
    findings = [f for f in result.findings if f.code in (
        "pitr-window-short", "wal-gap", "backup-stale", "clock-behind", "broken-chain",
        "hold-wal-gap", "hold-range-uncovered")
        and not (f.code == "wal-gap" and f.subject == server)]
    # WAL outside the window and the kept backups' own ranges is deleted by design: only
    # gaps from the anchor on (from the first backup while none predates the window) matter
    needed_from = (anchors[-1] if anchors else done[0]).begin_pos if done else None
    gaps = [g for g in _gaps(inventory, server, wal_times, done, needed_from) if g.in_window]
    findings += _gap_findings(server, gaps, inventory.segments_per_log)
    days = daily_states(policy, done, now, facts.first_backup_end)
    findings += daily_findings(server, days)
    newest_wal = wal_times.newest()
    lag = policy.pitr.max_archive_lag
    if newest_wal is None:
        findings.append(Finding("archive-lag", "error", server,
                                f"no archived WAL of {server} at all: no instant can be "
                                "restored; check archive_command and --storage"))
    elif lag.after(newest_wal, policy.tz) < now:
        findings.append(Finding("archive-lag", "error", server,
                                f"the newest WAL of {server} was archived at {z(newest_wal)}, "
                                f"longer than {lag} ago: check archive_command"))
    findings += _lock_findings(result, server, locks, lock_enabled)
    findings += bucket_findings(policy, facts, server, now)
    return Coverage(server, result, window_start, done[-1].end_time if done else None,
                    newest_wal, tuple(days), tuple(gaps),
                    tuple(sorted(set(findings), key=lambda f: (f.severity, f.code, f.subject))))


def daily_findings(server: str, days: Sequence[tuple[date, DayState]]) -> list[Finding]:
    """One error per promised day without its daily (``daily_states``)."""
    return [Finding("daily-missing", "error", f"{server}/{d}",
                    f"no backup of {server} ended on {d} (Amsterdam): the daily of that day "
                    "cannot be kept") for d, s in days if s == "missing"]


def _gap_findings(server: str, gaps: Sequence[Gap], spl: int) -> list[Finding]:
    out = []
    for g in gaps:
        names = f"{segment_name(g.timeline, g.first, spl)}..{segment_name(g.timeline, g.last, spl)}"
        span = (f"instants from {z(g.unrestorable_from) if g.unrestorable_from else 'the start'}"
                f" to {z(g.unrestorable_to) if g.unrestorable_to else 'now'} cannot be restored")
        out.append(Finding("wal-gap", "error",
                           f"{server}/{names}", f"WAL {names} of {server} is missing: {span}"))
    return out


def _lock_findings(result: Plan, server: str, locks: Mapping[str, PointLocks],
                   lock_enabled: bool) -> list[Finding]:
    out: list[Finding] = []
    for d in result.points:
        if d.action != "keep" or d.server != server:
            continue
        info = locks.get(d.id)
        if info is None or info.objects == 0:
            out.append(Finding("object-missing", "error", f"{server}/{d.id}",
                               f"backup {d.id} is kept by the plan but has no objects"))
            continue
        if any(r.startswith("legal-hold ") for r in d.reasons) and lock_enabled \
                and not info.all_held:
            out.append(Finding("legal-hold-missing", "error", f"{server}/{d.id}",
                               f"backup {d.id} is under a legal hold but not all its objects "
                               "carry one in storage; run rex apply"))
        if lock_enabled and d.expires is not None and (
                info.min_retain_until is None or info.min_retain_until < d.expires):
            locked = z(info.min_retain_until) if info.min_retain_until else "never"
            out.append(Finding("retention-short", "warning", f"{server}/{d.id}",
                               f"backup {d.id} must be kept until {z(d.expires)} but part of it "
                               f"is locked only until {locked}; the next rex apply extends it"))
    return out


VANISHED = ("kept-point-vanished", "kept-wal-vanished")
UNPROTECTED = ("object-lock-missing", "object-lock-mode", "object-lock-short", "versioning-off")


def metrics_registry(cov: Coverage, findings: Sequence[Finding],
                     now: datetime) -> CollectorRegistry:
    """The verdict as Prometheus gauges labelled with the server (escaped by the library)."""
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry()
    s = cov.server

    def gauge(name: str, doc: str, value: float, **labels: str) -> None:
        Gauge(name, doc, ["server", *labels], registry=registry).labels(
            server=s, **labels).set(value)

    age = round((now - cov.newest_end).total_seconds()) if cov.newest_end else float("nan")
    gauge("rex_newest_backup_age_seconds", "Age of the newest done base backup.", age)
    gauge("rex_pitr_window_start_timestamp_seconds", "Start of the promised PITR window.",
          round(cov.window_start.timestamp()))
    gauge("rex_daily_missing", "Days of the last six months without a daily backup.",
          cov.daily_missing)
    gauge("rex_wal_gaps", "Missing WAL stretches.", len(cov.gaps))
    gauge("rex_vanished", "Kept backups and WAL ranges that left storage without rex deleting "
          "them, not acknowledged yet.", sum(1 for f in findings if f.code in VANISHED))
    gauge("rex_bucket_unprotected", "Ways the bucket falls short of the policy: Object Lock "
          "missing, another mode, a default retention shorter than the PITR window, versioning "
          "off.", sum(1 for f in findings if f.code in UNPROTECTED))
    by_severity = Gauge("rex_findings", "Findings of the last verify, by severity.",
                        ["server", "severity"], registry=registry)
    for sev in ("error", "warning", "info"):
        by_severity.labels(server=s, severity=sev).set(
            sum(1 for f in findings if f.severity == sev))
    return registry


def metrics(cov: Coverage, findings: Sequence[Finding], now: datetime) -> str:
    """Prometheus text exposition for a node-exporter textfile collector."""
    from prometheus_client import generate_latest

    return generate_latest(metrics_registry(cov, findings, now)).decode("utf-8")


def write_metrics(path: Path, cov: Coverage, findings: Sequence[Finding], now: datetime) -> None:
    """The exposition into ``path`` atomically (prometheus_client writes a temporary file beside
    it and renames it), so the textfile collector never reads half a file."""
    from prometheus_client import write_to_textfile

    write_to_textfile(str(path), metrics_registry(cov, findings, now))
