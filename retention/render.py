"""The one output layer for plans and policies: JSON for machines, text tables for people."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from retention.calendar import local_day
from retention.model import Plan, TenantOutcome
from retention.policy import SCHEMA_VERSION, Policy
from retention.timeutil import format_instant
from retention.verify import metrics
from retention.wal import segment_name

if TYPE_CHECKING:
    from retention.vanished import VanishedEntry


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as plain data; sorted so identical inputs give byte-identical JSON."""
    spl = plan.segments_per_log
    return {
        "now": format_instant(plan.now),
        "policy": {"name": plan.policy_name, "sha256": plan.policy_sha256},
        "frozen": plan.frozen,
        "frozen_because": list(plan.frozen_because),
        "points": [{"server": d.server, "id": d.id, "status": d.status,
                    "end_time": format_instant(d.end_time), "action": d.action,
                    "reasons": list(d.reasons), "expires": format_instant(d.expires),
                    "retain_until": format_instant(d.retain_until)}
                   for d in plan.points],
        "wal": [{"server": d.server, "timeline": d.timeline,
                 "first": segment_name(d.timeline, d.first, spl),
                 "last": segment_name(d.timeline, d.last, spl),
                 "segments": d.last - d.first + 1, "action": d.action,
                 "reasons": list(d.reasons), "expires": format_instant(d.expires),
                 "retain_until": format_instant(d.retain_until)}
                for d in plan.wal],
        "histories": [{"server": s, "timeline": t, "file": f"{t:08X}.history",
                       "action": "keep", "reasons": ["timeline-history"], "expires": None}
                      for s, t in plan.histories],
        "tenants": [{"tenant": t.tenant, "server": t.server,
                     "terminated_at": format_instant(t.terminated_at),
                     "final_backup": t.final_backup, "hold_until": format_instant(t.hold_until),
                     "erasure_date": format_instant(t.erasure_date), "erased": t.erased}
                    for t in plan.tenants],
        "findings": [{"code": f.code, "severity": f.severity, "subject": f.subject,
                      "message": f.message} for f in plan.findings],
        "summary": summary(plan),
        # only when there are any: plans without orphans keep their shape for existing readers
        **({"orphans": [{"server": d.server, "id": d.id, "cause": d.cause, "action": d.action,
                         "reasons": list(d.reasons), "expires": format_instant(d.expires)}
                        for d in plan.orphans]} if plan.orphans else {}),
    }


def summary(plan: Plan) -> dict[str, int]:
    return {
        "points_keep": sum(1 for d in plan.points if d.action == "keep"),
        "points_delete": sum(1 for d in plan.points if d.action == "delete"),
        "wal_segments_keep": sum(d.last - d.first + 1 for d in plan.wal if d.action == "keep"),
        "wal_segments_delete": sum(d.last - d.first + 1 for d in plan.wal
                                   if d.action == "delete"),
    }


def to_json(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), *(fmt.format(*r).rstrip() for r in rows)]


AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local_time(instant: datetime | None, tz: ZoneInfo | None = None,
               missing: str = "-") -> str:
    """An instant for people: wall-clock time in the policy's zone (Amsterdam) with the zone's
    abbreviation, ``2027-03-30 00:00 CEST``; JSON keeps UTC ``...Z``."""
    if instant is None:
        return missing
    local = instant.astimezone(tz or AMSTERDAM)
    return f"{local:%Y-%m-%d %H:%M %Z}"


def finding_line(f: Any) -> str:
    """One finding, one line (text output of every command)."""
    return f"{f.severity.upper()} {f.code} [{f.subject}]: {f.message}"


def reason_kind(reason: str) -> str:
    """A reason without its per-item detail, for counting (``daily 2026-06-01`` -> ``daily``);
    holds and leases keep their id: each is its own story."""
    for prefix in ("daily ", "parent-of ", "wal-of "):
        if reason.startswith(prefix):
            return prefix.strip()
    for prefix in ("locked until", "frozen", "mass-delete refused"):
        if reason.startswith(prefix):
            return prefix
    return reason


def _by_reason(weighted: Iterable[tuple[tuple[str, ...], int]]) -> str:
    counts: Counter[str] = Counter()
    for reasons, weight in weighted:
        for kind in dict.fromkeys(reason_kind(r) for r in reasons):
            counts[kind] += weight
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _counted(noun: str, action: str, items: list[tuple[tuple[str, ...], int]]) -> str:
    total = sum(w for _, w in items)
    reasons = _by_reason(items)
    return f"{action} {total} {noun}" + (f": {reasons}" if total else "")


def plan_summary(plan: Plan, policy: Policy | None) -> list[str]:
    """The plan for people, short: counts per action and per reason (a backup kept for two
    reasons counts under both), tenants' holds, findings one line each."""
    tz = policy.tz if policy else None
    points = [(d.action, d.reasons) for d in plan.points]
    wal = [(d.action, d.reasons, d.last - d.first + 1) for d in plan.wal]
    servers = sorted({d.server for d in plan.points} | {d.server for d in plan.wal})
    lines = [f"plan for {', '.join(servers) or 'no server'} at {local_time(plan.now, tz)} "
             f"(policy {plan.policy_name})"
             + ("; FROZEN: nothing is deleted" if plan.frozen else "")]
    for action, verb in (("keep", "kept"), ("delete", "deleted")):
        chosen = [(r, 1) for a, r in points if a == action]
        lines.append("  " + _counted("backups", verb, chosen))
    for action, verb in (("keep", "kept"), ("delete", "deleted")):
        ranges = [(r, n) for a, r, n in wal if a == action]
        lines.append("  " + _counted("WAL segments", verb, ranges)
                     + f" ({len(ranges)} range{'s' if len(ranges) != 1 else ''})")
    for d in plan.orphans:  # few: one line each
        lines.append(f"  orphan {d.server}/{d.id}: {d.action}, " + "; ".join(d.reasons))
    lines += [f"  tenant {t.tenant} on {t.server}: final backup {t.final_backup or '-'}, hold "
              f"until {local_time(t.hold_until, tz)}, {erasure_words(t, plan.now, tz)}"
              for t in plan.tenants]
    lines += [finding_line(f) for f in plan.findings] or ["no findings"]
    return lines


def erasure_words(t: TenantOutcome, now: datetime, tz: ZoneInfo | None = None) -> str:
    """A tenant's erasure for people: ``erasure 2027-03-01 00:00 CET`` (when the last kept
    backup or WAL holding its data expires), ``erasure indefinite``, ``erasure not yet known``
    (the contract ends after ``now``), ``erased 2026-12-02 07:00 CET`` (by this plan) or
    ``erased`` (before the inventory: the date is not known)."""
    if t.erased:
        return f"erased {local_time(t.erasure_date, tz)}" if t.erasure_date else "erased"
    if t.terminated_at > now:
        return "erasure not yet known"
    return f"erasure {local_time(t.erasure_date, tz, 'indefinite')}"


def plan_next(plan: Plan, plan_id: int | None, details: bool = False,
              applied: bool = False) -> list[str]:
    """What to do next, in words."""
    todo: list[str] = []
    errors = sum(1 for f in plan.findings if f.severity == "error")
    if errors:
        todo.append(f"{errors} error finding(s): an SLA promise is broken or at risk; fix what "
                    "they name (exit 1)")
    if any(f.code == "mass-delete-refused" for f in plan.findings):
        todo.append("if these deletions are intended, run again with --allow-mass-delete")
    if plan_id is not None and not applied:
        todo.append(f"plan {plan_id} stored; apply it with: rex apply {plan_id}")
    if not details:
        todo.append("every backup and WAL range with its reasons: add --details")
    return [f"next: {t}" for t in todo]


def plan_text(plan: Plan, policy: Policy | None, details: bool = True,
              plan_id: int | None = None) -> str:
    """The short summary and what to do first; with ``details`` then the table of points
    (end time and expiry in the policy's timezone), WAL ranges and tenants."""
    lines = [*plan_summary(plan, policy), *plan_next(plan, plan_id, details)]
    if details:
        lines += ["", *plan_table(plan, policy)]
    return "\n".join(lines) + "\n"


def plan_table(plan: Plan, policy: Policy | None) -> list[str]:
    tz = policy.tz if policy else None
    doc = plan_document(plan)
    point_rows = [[d.server, d.id, _local(d.end_time, tz), d.action, ", ".join(d.reasons),
                   local_time(d.expires, tz)] for d in plan.points]
    lines = _table(["SERVER", "ID", f"END ({policy.timezone if policy else 'UTC'})", "ACTION",
                    "REASONS", "EXPIRES"], point_rows)
    wal_rows = [[w["server"], str(w["timeline"]), w["first"], w["last"], str(w["segments"]),
                 w["action"], ", ".join(w["reasons"])] for w in doc["wal"]]
    lines += ["", *_table(["SERVER", "TL", "FIRST", "LAST", "SEGMENTS", "ACTION", "REASONS"],
                          wal_rows)]
    if plan.tenants:
        lines += ["", *_table(["TENANT", "SERVER", "FINAL BACKUP", "HOLD UNTIL", "ERASURE"],
                              [[t.tenant, t.server, t.final_backup or "-",
                                local_time(t.hold_until, tz),
                                erasure_words(t, plan.now, tz).removeprefix("erasure ")]
                               for t in plan.tenants])]
    return lines


def _local(instant: Any, tz: Any) -> str:
    if instant is None:
        return "-"
    if tz is None:
        return format_instant(instant) or "-"
    local = instant.astimezone(tz)
    return f"{local_day(instant, tz)} {local:%H:%M}"


def policy_document(policy: Policy) -> dict[str, Any]:
    """The policy as plain data: its settings as written, its source and sha256, and the
    plain-English text."""
    p, g, lock = policy.pitr, policy.guards, policy.object_lock
    return {
        "name": policy.name, "schema_version": SCHEMA_VERSION, "timezone": policy.timezone,
        "pitr": {"window": str(p.window), "margin": str(p.margin),
                 "max_archive_lag": str(p.max_archive_lag)},
        "daily": {"keep": str(policy.daily.keep)},
        "post_termination": {"hold": str(policy.post_termination.hold),
                             "erasure_grace": str(policy.post_termination.erasure_grace)},
        "guards": {"max_backup_age": str(g.max_backup_age),
                   "max_delete_fraction": g.max_delete_fraction,
                   "failed_grace": str(g.failed_grace),
                   "running_timeout": str(g.running_timeout)},
        "object_lock": {"mode": lock.mode, "default_retention": str(lock.default_retention)},
        "source": policy.source, "sha256": policy.sha256, "text": str(policy),
    }


def policy_text(policy: Policy) -> str:
    return f"{policy}\nsource: {policy.source}\nsha256: {policy.sha256}\n"


def sync_document(result: Any) -> dict[str, Any]:
    return {"server": result.server, "points": result.points, "objects": result.objects,
            "wal_runs": result.wal_runs, "backup_infos_read": result.backup_infos_read,
            "lock_reads": result.lock_reads, "vanished": result.vanished,
            "findings": [{"code": f.code, "severity": f.severity, "subject": f.subject,
                          "message": f.message} for f in result.findings]}


def sync_text(result: Any) -> str:
    lines = [f"synced {result.server}: {result.points} backups, {result.objects} object versions,"
             f" {result.wal_runs} WAL runs ({result.backup_infos_read} backup.info read"
             + (f", {result.lock_reads} locks read" if result.lock_reads else "") + ")"]
    if result.vanished:
        lines.append(f"{result.vanished} backup(s) or WAL range(s) left storage without rex "
                     "deleting them: see the errors, `rex vanished list`")
    lines += [finding_line(f) for f in result.findings]
    return "\n".join(lines) + "\n"


def apply_document(result: Any) -> dict[str, Any]:
    return {"plan_id": result.plan_id, "server": result.server, "dry_run": result.dry_run,
            "resumed": result.resumed, "would_do": result.batches, "deleted": result.deleted,
            "retained": result.retained, "held": result.held, "released": result.released,
            "spared": result.spared, "kept_whole": list(result.kept_whole),
            "refused": [{"key": f.key, "version_id": f.version_id, "code": f.code,
                         "message": f.message} for f in result.failures]}


def apply_text(result: Any) -> str:
    if result.dry_run:
        todo = ", ".join(f"{n} to {k}" for k, n in sorted(result.batches.items())) or "nothing"
        return f"plan {result.plan_id} (dry run): would {todo}\n"
    lines = [f"plan {result.plan_id} applied{' (resumed)' if result.resumed else ''}: "
             f"{result.deleted} object versions deleted, {result.retained} locks extended, "
             f"{result.held} legal holds set, {result.released} cleared"
             + (f"; {result.spared} versions spared: a hold, lease or termination since the plan "
                "keeps them" if result.spared else "")]
    if result.kept_whole:
        lines.append(f"{len(result.kept_whole)} backup(s) kept whole (their backup.info and "
                     "own WAL stay while any of their data is left): "
                     + ", ".join(result.kept_whole[:10]))
    lines += [f"ERROR delete-refused [{f.key}]: {f.code}: {f.message}" for f in result.failures]
    return "\n".join(lines) + "\n"


def verify_document(v: Any) -> dict[str, Any]:
    cov = v.coverage
    return {
        "server": cov.server, "window_start": format_instant(cov.window_start),
        "newest_backup_end": format_instant(cov.newest_end),
        "newest_wal_archived": format_instant(cov.newest_wal),
        "gaps": [{"timeline": g.timeline, "first": segment_name(g.timeline, g.first,
                                                                cov.plan.segments_per_log),
                  "last": segment_name(g.timeline, g.last, cov.plan.segments_per_log),
                  "unrestorable_from": format_instant(g.unrestorable_from),
                  "unrestorable_to": format_instant(g.unrestorable_to),
                  "in_window": g.in_window} for g in cov.gaps],
        "days": [{"day": d.isoformat(), "state": s} for d, s in cov.days],
        "objects_checked": v.objects_checked, "deep": v.deep,
        "findings": [{"code": f.code, "severity": f.severity, "subject": f.subject,
                      "message": f.message} for f in v.findings],
    }


def verify_text(v: Any, details: bool = False) -> str:
    """Short by default: the window, dailies, gaps (each with the interval it breaks),
    findings one line each and what to do; ``details`` adds the state of every day."""
    cov, doc = v.coverage, verify_document(v)
    states = [s for _, s in cov.days]
    lines = [
        f"server {cov.server}: PITR window from {local_time(cov.window_start)}; newest backup "
        f"ended {local_time(cov.newest_end, missing='never')}; newest WAL archived "
        f"{local_time(cov.newest_wal, missing='never')}",
        f"dailies of the last six months: {states.count('present')} present, "
        f"{states.count('missing')} missing, {states.count('before-first-backup')} before the "
        "first backup",
        f"WAL gaps: {len(cov.gaps)}; objects checked: {v.objects_checked}"
        + (" (re-read)" if v.deep else " (listing)"),
    ]
    lines += [f"  gap {g['first']}..{g['last']}: unrestorable from "
              f"{local_time(gap.unrestorable_from, missing='the start')} to "
              f"{local_time(gap.unrestorable_to, missing='now')}"
              for g, gap in zip(doc["gaps"], cov.gaps, strict=True)]
    lines += [finding_line(f) for f in v.findings]
    errors = sum(1 for f in v.findings if f.severity == "error")
    if not v.findings:
        lines.append("all promises hold")
    elif errors:
        lines.append(f"next: {errors} error finding(s): an SLA promise is broken or at risk; "
                     "fix what they name, then run `rex verify` again (exit 1)")
    else:
        lines.append("next: no promise is broken; look at the warnings above")
    if details:
        lines += ["", *_table(["DAY", "DAILY"], [[d.isoformat(), s] for d, s in cov.days])]
    else:
        lines.append("next: the state of every day: add --details")
    return "\n".join(lines) + "\n"


def write_metrics(path: Path, cov: Any, findings: Any, now: datetime) -> None:
    """Written next to the target and renamed, so the collector never reads half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(metrics(cov, findings, now), encoding="utf-8")
    tmp.replace(path)


def drill_document(results: Any) -> list[dict[str, Any]]:
    return [{"server": r.server, "instant": format_instant(r.instant), "point": r.point,
             "passed": r.passed, "message": r.message, "restore_seconds": r.restore_seconds,
             "counts": r.counts, "check": r.check, "kept": r.kept} for r in results]


def drill_text(results: Any) -> str:
    lines: list[str] = []
    for r in results:
        verdict = "PASSED" if r.passed else "FAILED"
        took = f" in {r.restore_seconds:.1f} s" if r.restore_seconds is not None else ""
        lines.append(f"drill {r.server} to {local_time(r.instant)} from backup "
                     f"{r.point or '-'}: {verdict}{took}: {r.message}")
        lines += [f"  {name}: {count} rows" for name, count in sorted(r.counts.items())]
        if r.check is not None:
            lines.append(f"  check: {'true' if r.check else 'false'}")
        if r.kept:
            lines.append(f"  kept running: {r.kept}")
    return "\n".join(lines) + "\n"


# --- vanished points and WAL -------------------------------------------------------------------

def vanished_document(entries: Sequence[VanishedEntry]) -> dict[str, Any]:
    return {"vanished": [{
        "id": e.id, "server": e.server, "kind": e.kind, "subject": e.subject,
        "kept_by": e.kept_by, "found_at": format_instant(e.found_at),
        "acknowledged_at": format_instant(e.acknowledged_at),
        "acknowledged_by": e.acknowledged_by, "reason": e.ack_reason} for e in entries]}


def vanished_text(entries: Sequence[VanishedEntry], acknowledged_now: bool = False) -> str:
    if not entries:
        return "nothing has vanished: every point and WAL range rex knew is in storage\n"
    lines = []
    for e in entries:
        state = (f"acknowledged {format_instant(e.acknowledged_at)} by {e.acknowledged_by}: "
                 f"{e.ack_reason}" if e.acknowledged_at else "open")
        what = "backup" if e.kind == "point" else "WAL"
        lines.append(f"{e.id}  {e.server}  {what} {e.subject}  kept by {e.kept_by}; "
                     f"gone by {format_instant(e.found_at)}; {state}")
    if not acknowledged_now and any(e.acknowledged_at is None for e in entries):
        lines.append("next: once the loss is understood: rex vanished ack --server NAME ID... "
                     "--reason TEXT")
    return "\n".join(lines) + "\n"
