"""Guards that turn deletions back into keeps: a clock behind, stale backups, a mass delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from retention.model import PointDecision, WalDecision
from retention.policy import Policy
from retention.reasons import Reasons
from retention.rules import done_by_server, end
from retention.timeutil import z


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
    """Frozen: every deletion becomes a keep. Too many deletions: refused unless allowed."""
    if frozen:
        return _keep_all(points, wal, f"frozen: {'; '.join(frozen)}")
    deleting = sum(1 for d in points if d.action == "delete")
    fraction = deleting / len(points) if points else 0.0
    limit = policy.guards.max_delete_fraction
    if fraction <= limit or allow_mass_delete:
        return points, wal
    message = (f"would delete {deleting} of {len(points)} backups ({fraction:.0%} > "
               f"{limit:.0%})")
    led.find("mass-delete-refused", "error", "plan",
             f"{message}; review the plan and rerun with --allow-mass-delete if it is right")
    return _keep_all(points, wal, f"mass-delete refused: {message}")


def _keep_all(points: list[PointDecision], wal: list[WalDecision],
              reason: str) -> tuple[list[PointDecision], list[WalDecision]]:
    return (
        [replace(d, action="keep", reasons=(reason, *d.reasons), expires=None)
         if d.action == "delete" else d for d in points],
        [replace(d, action="keep", reasons=(reason, *d.reasons), expires=None)
         if d.action == "delete" else d for d in wal],
    )

