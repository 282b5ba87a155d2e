"""Post-termination holds: each tenant's final backup is held, and its erasure date reported.

A terminated tenant's data left production at its termination instant T. It is still in every
backup begun before T, and in the WAL archived before the first backup begun at or after T (WAL
positions grow with time). Its erasure date is when the last of those that the plan keeps
expires; once the plan keeps none, the data is erased (DESIGN.md, "Post-termination hold").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from retention.calendar import add_calendar, local_day, midnight
from retention.guards import FROZEN, MASS_DELETE_REFUSED, guarded
from retention.model import (
    Action,
    Contract,
    PointDecision,
    RecoveryPoint,
    TenantOutcome,
    WalDecision,
)
from retention.policy import Policy
from retention.reasons import Reasons
from retention.rules import end
from retention.timeutil import format_instant
from retention.wal import DEFAULT_SEGMENTS_PER_LOG, segment_name
from retention.walplan import latest

_DEPENDENT = ("wal-of ", "parent-of ", "keep:full ")  # a WAL or parent reason: follows a backup


@dataclass(frozen=True)
class Holder:
    """A backup or WAL range in a plan that holds a terminated tenant's data."""

    server: str
    kind: Literal["backup", "WAL"]
    name: str  # the backup's id, or "<first>..<last>" segment names
    action: Action
    reasons: tuple[str, ...]
    expires: datetime | None  # of a kept one; None: indefinitely

    def until(self, now: datetime) -> datetime | None:
        """When it leaves the backups: its expiry, or ``now`` when only a guard (frozen, mass
        delete) holds back its deletion, which the guard's own finding reports."""
        return now if guarded(self.reasons) else self.expires


def hold_until(policy: Policy, terminated_at: datetime) -> datetime:
    """00:00 in the policy's timezone on the termination day plus the hold (calendar months)."""
    hold = policy.post_termination.hold
    day = local_day(terminated_at, policy.tz)
    return midnight(add_calendar(day, hold.months, hold.days), policy.tz)


def apply_contracts(policy: Policy, done: dict[str, list[RecoveryPoint]],
                    contracts: Sequence[Contract], led: Reasons) -> list[TenantOutcome]:
    """Keep each terminated tenant's final backup until ``hold_until``; one outcome per server
    holding its data (its erasure date comes from :func:`erasure_dates`, after the guards)."""
    outcomes: list[TenantOutcome] = []
    for c in sorted(contracts, key=lambda c: c.tenant):
        if c.terminated_at is None:
            continue
        until = hold_until(policy, c.terminated_at)
        for server in sorted(c.servers if c.servers is not None else done):
            final = _final_backup(done.get(server, []), c.terminated_at, led.now)
            if final is not None and until > led.now:
                led.keep(final.key, f"hold post-termination {c.tenant}", until)
            outcomes.append(TenantOutcome(c.tenant, server, c.terminated_at,
                                          final.id if final else None, until, None))
    return outcomes


def _final_backup(pts: list[RecoveryPoint], terminated_at: datetime,
                  now: datetime) -> RecoveryPoint | None:
    """Newest done point ended at or before termination; undecided while termination is ahead."""
    if terminated_at > now:
        return None
    before = [p for p in pts if end(p) <= terminated_at]
    return before[-1] if before else None


# --- what still holds the data, and until when ---------------------------------------------------

def holders(server: str, terminated_at: datetime, points: Iterable[RecoveryPoint],
            decisions: Sequence[PointDecision], wal: Sequence[WalDecision],
            segments_per_log: int = DEFAULT_SEGMENTS_PER_LOG) -> list[Holder]:
    """Every backup (any status) begun before ``terminated_at`` and every WAL range archived
    before the first backup begun at or after it, on ``server``, as the plan decides them:
    backups by end time, then WAL by timeline and position."""
    mine = [p for p in points if p.server == server]
    # the plan's order, whatever order the inventory came in: (end time or begin, id)
    before = {p.id: (p.end_time or p.begin_time, p.id) for p in mine
              if p.begin_time < terminated_at}
    after = [p.begin_pos for p in mine if p.begin_time >= terminated_at]
    boundary = min(after) if after else None  # no backup since: all WAL may hold the data
    found = [Holder(server, "backup", d.id, d.action, d.reasons, d.expires)
             for d in sorted((d for d in decisions if d.server == server and d.id in before),
                             key=lambda d: before[d.id])]
    found += [Holder(server, "WAL", f"{segment_name(w.timeline, w.first, segments_per_log)}.."
                     f"{segment_name(w.timeline, w.last, segments_per_log)}", w.action,
                     w.reasons, w.expires)
              for w in wal if w.server == server and (boundary is None or w.first < boundary)]
    return found


def last_to_go(found: Sequence[Holder], now: datetime) -> list[Holder]:
    """The kept holders whose ``until`` is the latest (None, indefinitely, is the latest):
    the ones that set the erasure date; backups before WAL."""
    kept = [h for h in found if h.action == "keep"]
    if not kept:
        return []
    last = kept[0].until(now)
    for h in kept[1:]:
        last = latest(last, h.until(now))
    return sorted((h for h in kept if h.until(now) == last), key=lambda h: h.kind != "backup")


def erased_outcome(o: TenantOutcome, found: Sequence[Holder], now: datetime) -> TenantOutcome:
    """``o`` with its erasure date: the latest ``until`` of the kept holders; none kept: erased,
    at ``now`` when this plan deletes the last of them, else at an instant the inventory does
    not show (None: rex does not invent one)."""
    if o.terminated_at > now:
        return o  # the data is still in production: nothing to erase yet
    last = last_to_go(found, now)
    if last:
        return replace(o, erasure_date=last[0].until(now), erased=False)
    return replace(o, erasure_date=now if found else None, erased=True)


def erasure_dates(policy: Policy, outcomes: Sequence[TenantOutcome],
                  decisions: Sequence[PointDecision], led: Reasons,
                  wal: Sequence[WalDecision] = (),
                  segments_per_log: int = DEFAULT_SEGMENTS_PER_LOG) -> list[TenantOutcome]:
    """Each outcome with its erasure date (:func:`erased_outcome`); data staying past
    ``hold_until`` + ``erasure_grace`` is an ``erasure-late`` finding (SLA: "kept in the
    regular backups until 6 months after the contract ends")."""
    result: list[TenantOutcome] = []
    for o in outcomes:
        found = holders(o.server, o.terminated_at, led.points.values(), decisions, wal,
                        segments_per_log)
        result.append(erased_outcome(o, found, led.now))
        if o.terminated_at <= led.now:
            _check_late(policy, result[-1], found, decisions, led)
    return result


def _check_late(policy: Policy, o: TenantOutcome, found: Sequence[Holder],
                decisions: Sequence[PointDecision], led: Reasons) -> None:
    deadline = policy.post_termination.erasure_grace.after(o.hold_until, policy.tz)
    promised = (f"after the promised {format_instant(deadline)} (hold until "
                f"{format_instant(o.hold_until)} + {policy.post_termination.erasure_grace})")
    where = f"{o.tenant}/{o.server}"
    if o.erased:
        if o.erasure_date is not None and o.erasure_date > deadline:
            led.find("erasure-late", "warning", where,
                     f"data of {o.tenant} on {o.server} leaves the backups only with this plan, "
                     f"at {format_instant(o.erasure_date)}, {promised}; apply the plan, and find "
                     "out why it stayed (did the daily job run?)")
        return
    late = [h for h in last_to_go(found, led.now) if _after(h.until(led.now), deadline)]
    if not late:
        return
    by_id = {d.id: d for d in decisions if d.server == o.server}
    roots = [_roots(h.reasons, by_id) for h in found
             if h.action == "keep" and _after(h.until(led.now), deadline)]
    # a legal hold is a decided exception to the erasure promise, with its reason and owner:
    # a warning while it lasts, not an error that fails every daily job until it is released
    legal = all(any(r.startswith("legal-hold ") for r in rs) for rs in roots)
    named, until = late[0], late[0].until(led.now)
    stays = f"until {format_instant(until)}" if until else "indefinitely"
    more = f", and {len(roots) - 1} more backup(s) or WAL range(s)" if len(roots) > 1 else ""
    led.find("erasure-late", "warning" if legal else "error", where,
             f"data of {o.tenant} on {o.server} stays {stays}, {promised}: "
             f"{named.kind} {named.name} keeps it ({', '.join(named.reasons)}){more}; "
             + _advice(_roots(named.reasons, by_id), o.server))


def _after(until: datetime | None, deadline: datetime) -> bool:
    return until is None or until > deadline


def _roots(reasons: tuple[str, ...], by_id: Mapping[str, PointDecision],
           seen: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The reasons behind ``reasons``: a backup's own WAL and an incremental's parents are kept
    by whatever keeps that backup (``by_id``: the server's point decisions)."""
    out: list[str] = []
    for r in reasons:
        ident = next((r.removeprefix(p) for p in _DEPENDENT if r.startswith(p)), None)
        owner = by_id.get(ident) if ident is not None else None
        if ident is None or owner is None or ident in seen:
            out.append(r)
        else:
            out += _roots(owner.reasons, by_id, seen | {ident})
    return tuple(dict.fromkeys(out))


def _advice(roots: tuple[str, ...], server: str) -> str:
    """What to do about the first reason that needs someone to act."""
    for r in roots:
        if r.startswith("legal-hold "):
            hold = r.removeprefix("legal-hold ")
            return (f"a legal hold requires it: release it (`rex hold release {hold}`) once the "
                    "matter it serves allows")
        if r.startswith("locked until "):
            return ("its Object Lock outlasts the deadline: remove it with a role allowed to "
                    "bypass GOVERNANCE retention (a COMPLIANCE lock cannot be shortened: record "
                    "why the data stays)")
        if r.startswith("keep:"):
            return ("barman's keep annotation holds it: release it with "
                    "`barman-cloud-backup-keep --release` if the data may go")
        if r.startswith((FROZEN, MASS_DELETE_REFUSED)):
            return "a guard holds back its deletion: resolve the guard's finding first"
        if r == "newest":
            return (f"no backup of {server} began after the termination, so it stays as the "
                    "newest: check the backup job")
    return (f"the rule named keeps it past the deadline: see `rex plan --server {server} "
            "--details`, and end the rule or correct the policy")
