"""Post-termination holds: each tenant's final backup is held, and its erasure date reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from retention.calendar import add_calendar, local_day, midnight
from retention.model import Contract, PointDecision, RecoveryPoint, TenantOutcome
from retention.policy import Policy
from retention.reasons import Reasons
from retention.rules import end
from retention.timeutil import format_instant
from retention.walplan import latest


def hold_until(policy: Policy, terminated_at: datetime) -> datetime:
    """00:00 in the policy's timezone on the termination day plus the hold (calendar months)."""
    hold = policy.post_termination.hold
    day = local_day(terminated_at, policy.tz)
    return midnight(add_calendar(day, hold.months, hold.days), policy.tz)


def apply_contracts(policy: Policy, done: dict[str, list[RecoveryPoint]],
                    contracts: Sequence[Contract], led: Reasons) -> list[TenantOutcome]:
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


def erasure_dates(policy: Policy, outcomes: Sequence[TenantOutcome],
                  decisions: Sequence[PointDecision], led: Reasons) -> list[TenantOutcome]:
    """When the last kept point holding the tenant's data expires; late erasure is a finding."""
    result: list[TenantOutcome] = []
    for o in outcomes:
        if o.terminated_at > led.now:
            result.append(o)
            continue
        kept = [d for d in decisions if d.server == o.server and d.action == "keep"
                and d.status == "done" and d.end_time is not None and d.end_time <= o.terminated_at]
        erasure: datetime | None = led.now
        for d in kept:
            erasure = latest(erasure, d.expires)
        result.append(replace(o, erasure_date=erasure))
        _check_late(policy, o, erasure, kept, led)
    return result


def _check_late(policy: Policy, o: TenantOutcome, erasure: datetime | None,
                kept: Sequence[PointDecision], led: Reasons) -> None:
    deadline = policy.post_termination.erasure_grace.after(o.hold_until, policy.tz)
    if erasure is not None and erasure <= deadline:
        return
    legal = any(r.startswith("legal-hold") for d in kept for r in d.reasons)
    when = format_instant(erasure) if erasure else "never (kept indefinitely)"
    led.find("erasure-late", "warning" if legal else "error", f"{o.tenant}/{o.server}",
             f"data of {o.tenant} on {o.server} stays until {when}, after the promised "
             f"{format_instant(deadline)} (hold until {format_instant(o.hold_until)} + "
             f"{policy.post_termination.erasure_grace})"
             + ("; a legal hold requires it" if legal else "; find the keeping rule in the plan"))
