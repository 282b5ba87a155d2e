"""What is left of backups barman-cloud no longer sees: planned, with their own reasons. PURE.

barman-cloud finds a backup only through its ``backup.info``. Objects under ``base/<id>/``
without one (an upload that never finished, a delete by another tool that stopped half-way), or
whose newest backup.info version is a delete marker (``barman-cloud-backup-delete`` in a
versioned bucket: every version is still stored and billed), are no recovery point: no rule of
the SLA keeps them. They are deleted once ``guards.failed_grace`` has passed since their last
write (an upload may still be running), unless a lock or a legal hold keeps them; a frozen plan
deletes none. Backups whose backup.info is unreadable or whose data is missing are not orphans:
they are evidence, reported and left for a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from retention.model import Hold, Orphan, OrphanDecision, PointDecision
from retention.policy import Policy
from retention.reasons import Reasons
from retention.timeutil import z

WHY = {"no-backup-info": "orphan: no backup.info (barman-cloud ignores it)",
       "backup-info-deleted": "orphan: backup.info deleted (barman-cloud-backup-delete)",
       "delete-unfinished": "orphan: rest of a backup rex deleted (storage refused it)"}


def decide(policy: Policy | None, orphans: Sequence[Orphan], holds: Sequence[Hold],
           now: datetime, frozen: str | None) -> tuple[OrphanDecision, ...]:
    """One decision per orphan, sorted by (server, id); ``frozen`` is the plan's freeze reason."""
    return tuple(_decide(policy, o, holds, now, frozen)
                 for o in sorted(orphans, key=lambda o: (o.server, o.id)))


def _decide(policy: Policy | None, o: Orphan, holds: Sequence[Hold], now: datetime,
            frozen: str | None) -> OrphanDecision:
    keeps: list[tuple[str, datetime | None]] = []
    if policy is None:
        keeps.append(("no policy", None))
    else:
        grace_end = policy.guards.failed_grace.after(o.newest, policy.tz)
        if grace_end > now:
            keeps.append((f"orphan-grace until {z(grace_end)}", grace_end))
    if o.vanished_from is not None:  # what is left of a backup rex was keeping
        keeps.append((f"left of a vanished backup kept by {o.vanished_from}: until "
                      "`rex vanished ack`", None))
    keeps += [(f"legal-hold {h.id}", h.until) for h in holds
              if h.kind == "legal" and h.server == o.server and h.point == o.id]
    if o.legal_hold:
        keeps.append(("legal hold in storage", None))
    if o.locked_until is not None and o.locked_until > now:
        keeps.append((f"locked until {z(o.locked_until)}", o.locked_until))
    if frozen and not keeps:
        keeps.append((frozen, None))
    if not keeps:
        return OrphanDecision(o.server, o.id, o.cause, "delete", (WHY[o.cause],), None)
    ends = [end for _, end in keeps]
    expires = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
    return OrphanDecision(o.server, o.id, o.cause, "keep", (WHY[o.cause], *(r for r, _ in keeps)),
                          expires)


def hold_back(decisions: tuple[OrphanDecision, ...], points: Sequence[PointDecision],
              policy: Policy, led: Reasons) -> tuple[OrphanDecision, ...]:
    """The mass-delete guard over backups and orphans together, per server: a server whose
    deletions (backups and orphans) exceed ``max_delete_fraction`` of everything it has keeps
    its orphans (the backups are held back by ``guards.hold_back``)."""
    limit, out = policy.guards.max_delete_fraction, []
    going: Counter[str] = Counter()
    total: Counter[str] = Counter()
    decided: list[PointDecision | OrphanDecision] = [*points, *decisions]
    for one in decided:  # counted once per server, not once per orphan
        total[one.server] += 1
        going[one.server] += one.action == "delete"
    for d in decisions:
        share = going[d.server] / total[d.server]
        if d.action == "delete" and share > limit:
            message = (f"would delete {going[d.server]} of {total[d.server]} backups and "
                       f"orphans of {d.server} ({share:.0%} > {limit:.0%})")
            led.find("mass-delete-refused", "error", d.server,
                     f"{message}; review the plan and rerun with --allow-mass-delete if it is "
                     "right")
            d = OrphanDecision(d.server, d.id, d.cause, "keep",
                               (*d.reasons, f"mass-delete refused: {message}"), None)
        out.append(d)
    return tuple(out)
