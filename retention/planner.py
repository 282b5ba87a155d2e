"""plan(policy, inventory, holds, contracts, now) -> Plan. PURE: no I/O, no clock.

Every rule adds keep reasons (each with the instant it ends, None = indefinite) to points and WAL
intervals; what no rule keeps is deleted with the rule that lets it go. Guards run last.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from retention import guards, holds, orphans, rules, tenants
from retention.model import Contract, Finding, Hold, Inventory, Plan, TenantOutcome
from retention.policy import Policy
from retention.reasons import Reasons
from retention.walplan import WalKeep, plan_wal


def plan(policy: Policy | None, inventory: Inventory, hold_list: Sequence[Hold],
         contracts: Sequence[Contract], now: datetime, allow_mass_delete: bool = False) -> Plan:
    """Decide keep/delete for every point and WAL range, with every reason and its expiry."""
    led = Reasons(points={p.key: p for p in inventory.points}, now=now)
    done = rules.done_by_server(inventory.points)
    if policy is None:
        for key in led.points:
            led.keep(key, "no policy", None)
        led.wal.extend(WalKeep(r.server, r.timeline, r.timeline, r.first, r.last, "no policy",
                               None) for r in inventory.wal)
        return _finish(None, inventory, led, (), False, hold_list)
    rules.pitr(policy, done, led)
    rules.dailies(policy, done, led)
    rules.newest(done, led)
    rules.statuses(policy, inventory.points, led)
    holds.apply_holds(policy, done, hold_list, led)
    holds.keep_annotated(inventory, led)
    outcomes = tenants.apply_contracts(policy, done, contracts, led)
    holds.keep_locked(inventory.points, led)
    holds.keep_parents(led)
    holds.keep_own_wal(led)
    holds.check_wal(inventory, done, led)
    return _finish(policy, inventory, led, outcomes, allow_mass_delete, hold_list)


def _finish(policy: Policy | None, inventory: Inventory, led: Reasons,
            outcomes: Sequence[TenantOutcome], allow_mass_delete: bool,
            hold_list: Sequence[Hold]) -> Plan:
    points = guards.decide_points(led)
    wal = plan_wal(inventory.wal, led.wal, led.now)
    frozen_because: tuple[str, ...] = ()
    if policy is not None:
        frozen_because = guards.freeze_reasons(policy, led) + _no_backup_at_all(inventory, led)
        points, wal = guards.hold_back(points, wal, frozen_because, policy, led,
                                       allow_mass_delete)
        outcomes = tenants.erasure_dates(policy, outcomes, points, led, wal,
                                         inventory.segments_per_log)
    frozen_reason = f"frozen: {'; '.join(frozen_because)}" if frozen_because else None
    orphan_decisions = orphans.decide(policy, inventory.orphans, hold_list, led.now,
                                      frozen_reason)
    if policy is not None and not allow_mass_delete:
        orphan_decisions = orphans.hold_back(orphan_decisions, points, policy, led)
    return Plan(
        now=led.now,
        policy_name=policy.name if policy else None,
        policy_sha256=policy.sha256 if policy else None,
        frozen=bool(frozen_because),
        points=tuple(sorted(points, key=lambda d: (d.server, d.end_time or led.points[
            (d.server, d.id)].begin_time, d.id))),
        wal=tuple(wal),
        histories=tuple(sorted(set(inventory.histories))),
        tenants=tuple(sorted(outcomes, key=lambda t: (t.tenant, t.server))),
        findings=tuple(sorted(set(led.findings), key=_finding_order)),
        segments_per_log=inventory.segments_per_log,
        frozen_because=frozen_because,
        orphans=orphan_decisions,
    )


def _no_backup_at_all(inventory: Inventory, led: Reasons) -> tuple[str, ...]:
    """A planned server without a single point breaks every promise (the guards name servers
    that have points but no fresh done one): an error, never an empty green plan, and nothing
    of it (WAL, leftovers) is deleted while it lasts."""
    why = []
    for server in sorted(set(inventory.servers) - {p.server for p in inventory.points}):
        why.append(f"no backup of {server} at all")
        led.find("backup-stale", "error", server,
                 f"{why[-1]}: no instant can be restored and no daily exists; check the "
                 "backup job, the server name and --storage before anything is deleted")
    return tuple(why)


def _finding_order(f: Finding) -> tuple[int, str, str, str]:
    return ({"error": 0, "warning": 1, "info": 2}[f.severity], f.code, f.subject, f.message)

