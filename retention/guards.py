"""Guards that turn deletions back into keeps: a clock behind, stale backups, a mass delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from retention.model import PointDecision, WalDecision
from retention.policy import Policy
from retention.reasons import Reasons
from retention.rules import done_by_server, end
from retention.timeutil import z

# Reasons a guard prepends to a deletion it turns into a keep (DESIGN.md, "Guards"); a point or
# range kept only by one would go but for the guard.
FROZEN = "frozen: "
MASS_DELETE_REFUSED = "mass-delete refused: "


def guarded(reasons: Sequence[str]) -> bool:
    """Whether a guard holds back a deletion: its reason comes first, before the deleting rule."""
    return bool(reasons) and reasons[0].startswith((FROZEN, MASS_DELETE_REFUSED))


def decide_points(led: Reasons) -> list[PointDecision]:
    """Kept with all its reasons and the end of the last, or deleted by the rule that lets it go."""
    decisions: list[PointDecision] = []
    for key, p in led.points.items():
        reasons = led.keeps.get(key)
        if reasons:
            ruled, retain = led.rule_end(key)
            decisions.append(PointDecision(p.server, p.id, p.status, p.end_time, "keep",
                                           tuple(reasons), led.expires(key),
                                           retain if ruled else None))
        else:
            decisions.append(PointDecision(p.server, p.id, p.status, p.end_time, "delete",
                                           (led.deletes.get(key, "expired"),), None))
    return decisions


def freeze_reasons(policy: Policy, led: Reasons) -> tuple[str, ...]:
    """Why deleting anything now would be unsafe; each reason is also an error finding."""
    done = done_by_server(list(led.points.values()))
    why: list[str] = []
    newest_end = max((end(pts[-1]) for pts in done.values()), default=None)
    if newest_end is not None and led.now < newest_end:
        why.append(f"clock behind: now {z(led.now)} is before the newest backup's end "
                   f"{z(newest_end)}")
        led.find("clock-behind", "error", "plan", why[-1] + "; check the clock or --now")
    age = policy.guards.max_backup_age
    servers = sorted({p.server for p in led.points.values()})
    for server in servers:
        pts = done.get(server, [])
        if pts and age.after(end(pts[-1]), policy.tz) > led.now:
            continue
        newest = f"newest ended {z(end(pts[-1]))}" if pts else "none at all"
        why.append(f"no done backup of {server} younger than {age} ({newest})")
        led.find("backup-stale", "error", server,
                 why[-1] + "; check the backup job before anything is deleted")
    return tuple(why)


def hold_back(points: list[PointDecision], wal: list[WalDecision], frozen: Sequence[str],
              policy: Policy, led: Reasons,
              allow_mass_delete: bool) -> tuple[list[PointDecision], list[WalDecision]]:
    """Frozen: every deletion becomes a keep. A server deleting more than
    ``guards.max_delete_fraction`` of its backups: that server's deletions are refused (an
    error finding naming it) unless allowed; other servers proceed (DESIGN.md, "Guards")."""
    if frozen:
        return _keep_all(points, wal, f"{FROZEN}{'; '.join(frozen)}")
    if allow_mass_delete:
        return points, wal
    for server in sorted({d.server for d in points}):
        message = _mass_delete(server, [d for d in points if d.server == server],
                               policy.guards.max_delete_fraction)
        if message is None:
            continue
        led.find("mass-delete-refused", "error", server,
                 f"{message}; review the plan (`rex plan --server {server} --details`) and "
                 "rerun with --allow-mass-delete if it is right")
        points, wal = _keep_all(points, wal, f"{MASS_DELETE_REFUSED}{message}", server)
    return points, wal


def _mass_delete(server: str, points: Sequence[PointDecision], limit: float) -> str | None:
    """Why deleting this server's share of its backups is too much, or None when it is not."""
    deleting = sum(1 for d in points if d.action == "delete")
    fraction = deleting / len(points) if points else 0.0
    if fraction <= limit:
        return None
    return (f"would delete {deleting} of {len(points)} backups of {server} ({fraction:.0%} > "
            f"{limit:.0%})")


def _keep_all(points: list[PointDecision], wal: list[WalDecision], reason: str,
              server: str | None = None) -> tuple[list[PointDecision], list[WalDecision]]:
    """Every deletion (of ``server`` only, when given) becomes a keep with ``reason`` first."""
    def held(d: PointDecision | WalDecision) -> bool:
        return d.action == "delete" and server in (None, d.server)

    return (
        [replace(d, action="keep", reasons=(reason, *d.reasons), expires=None)
         if held(d) else d for d in points],
        [replace(d, action="keep", reasons=(reason, *d.reasons), expires=None)
         if held(d) else d for d in wal],
    )
