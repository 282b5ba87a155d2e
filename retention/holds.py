"""Rules that keep what someone asked to keep: legal holds, leases, barman's keep annotations,
locks, parents, own WAL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from retention.model import Hold, Inventory, RecoveryPoint, WalRun
from retention.policy import Policy
from retention.reasons import Reasons
from retention.rules import end
from retention.timeutil import z
from retention.wal import segment_name
from retention.walplan import OPEN_END, WalKeep, holes, holes_in, spans


def apply_holds(policy: Policy, done: dict[str, list[RecoveryPoint]], hold_list: Sequence[Hold],
                led: Reasons) -> None:
    for hold in sorted(hold_list, key=lambda h: h.id):
        if hold.kind == "lease":
            if hold.until is None or hold.until <= led.now:
                continue  # a lapsed lease keeps nothing
            _hold_point(hold, f"lease {hold.id}", hold.until, led)
        elif hold.until is not None and hold.until <= led.now:
            continue  # a legal hold given an end keeps nothing after it
        elif hold.point is not None:
            _hold_point(hold, f"legal-hold {hold.id}", hold.until, led)
        else:
            _hold_range(hold, done.get(hold.server, []), led)


def _hold_point(hold: Hold, reason: str, until: datetime | None, led: Reasons) -> None:
    key = (hold.server, hold.point or "")
    if key not in led.points:
        led.find("hold-unknown-point", "warning", hold.id,
                 f"hold {hold.id} names backup {hold.point} of {hold.server}, which is not in "
                 "the inventory: nothing is held by it; check the id or release the hold")
        return
    led.keep(key, reason, until)


def _hold_range(hold: Hold, pts: list[RecoveryPoint], led: Reasons) -> None:
    """Every instant of [from, to] stays restorable: the anchor, the points inside, their WAL."""
    assert hold.range_from is not None and hold.range_to is not None
    reason = f"legal-hold {hold.id}"
    before = [p for p in pts if end(p) <= hold.range_from]
    inside = [p for p in pts if hold.range_from < end(p) <= hold.range_to]
    after = [p for p in pts if end(p) > hold.range_to]
    anchor = before[-1] if before else None
    if anchor is None:  # the hold's promise is broken for the start of its range, or all of it
        part = (f"only from {z(end(inside[0]))} (the end of backup {inside[0].id})" if inside
                else "at no instant")
        led.find("hold-range-uncovered", "error", f"{hold.server}/{hold.id}",
                 f"legal hold {hold.id}: no done backup of {hold.server} ended at or before "
                 f"{z(hold.range_from)}, so its range is restorable {part}; the backups it "
                 "needed are gone or never existed: tell the hold's owner")
    first = anchor or (inside[0] if inside else (after[0] if after else None))
    if first is None:
        return
    for p in ([anchor] if anchor else []) + inside + after[:1]:
        led.keep(p.key, reason, hold.until)
    # WAL up to the end of the first backup that ends after `to` covers the instant `to`.
    last = after[0].end_pos if after and after[0].end_pos is not None else OPEN_END
    keep = WalKeep(hold.server, first.timeline, 2**31, first.begin_pos, last, reason, hold.until)
    led.wal.append(keep)
    led.held_ranges.append((hold.id, keep))


def keep_annotated(inventory: Inventory, led: Reasons) -> None:
    """barman's keep annotations (barman-cloud-backup-keep) are holds without an end, until the
    annotation is removed. ``full``: the backup and every WAL segment from its begin on, so that
    any instant from it to now is restorable (barman's KEEP:FULL); ``standalone``: the backup
    and its own WAL (keep_own_wal), restorable to its end only (KEEP:STANDALONE). barman keeps
    only DONE backups (barman-cloud-backup-keep refuses any other): an annotated failed or
    running backup is a warning, and the annotation keeps nothing of it."""
    for p in sorted((p for p in inventory.points if p.keep is not None), key=lambda p: p.key):
        where = f"{p.server}/base/{p.id}/annotations/keep"
        if p.status != "done" or p.end_pos is None:
            led.find("keep-not-done", "warning", f"{p.server}/{p.id}",
                     f"backup {p.id} of {p.server} is {p.status} but {where} asks to keep it "
                     f"({p.keep}): barman keeps only DONE backups, so the annotation keeps "
                     "nothing of it; remove the annotation (barman-cloud-backup-keep --release)")
            continue
        led.keep(p.key, f"keep:{p.keep}", None)
        if p.keep == "full":
            keep = WalKeep(p.server, p.timeline, 2**31, p.begin_pos, OPEN_END,
                           f"keep:full {p.id}", None)
            led.wal.append(keep)
            _check_kept_full(p, [r for r in inventory.wal if r.server == p.server],
                             inventory.segments_per_log, where, led)


def _check_kept_full(p: RecoveryPoint, runs: list[WalRun], spl: int, where: str,
                     led: Reasons) -> None:
    """``full`` promises point-in-time recovery from the backup's end to the newest segment;
    its own WAL is checked with every kept backup's (check_wal)."""
    assert p.end_pos is not None
    if not runs:
        return  # check_wal reports a server without WAL
    newest = max((r.last for r in runs if r.timeline >= p.timeline), default=p.end_pos)
    for a, b in holes(runs, p.timeline, p.end_pos + 1, newest):
        led.find("keep-wal-gap", "warning", f"{p.server}/{p.id}",
                 f"{where} ({p.keep}) asks for every instant from backup {p.id} of {p.server} "
                 f"on, but WAL {segment_name(p.timeline, a, spl)}.."
                 f"{segment_name(p.timeline, b, spl)} is missing: recovery from the backup stops "
                 "there; restore the segments from another copy, or tell whoever pinned it")


def keep_locked(points: Sequence[RecoveryPoint], led: Reasons) -> None:
    """An object that cannot be deleted yet is kept, and says until when."""
    for p in points:
        if p.held_in_storage and not led.keeps.get(p.key):  # storage refuses until released
            led.keep(p.key, "legal hold in storage (not set by rex)", None, rule=False)
            led.deletes.pop(p.key, None)
            continue
        if led.keeps.get(p.key) or p.locked_until is None or p.locked_until <= led.now:
            continue
        led.keep(p.key, f"locked until {z(p.locked_until)}", p.locked_until, rule=False)
        led.deletes.pop(p.key, None)


def keep_parents(led: Reasons) -> None:
    """A kept incremental keeps its whole parent chain, as long as it is kept itself."""
    for key in sorted(k for k, reasons in led.keeps.items() if reasons):
        child, inherited = led.points[key], led.inherited(key)
        seen = {key}
        while child.parent is not None:
            parent_key = (child.server, child.parent)
            if parent_key not in led.points or parent_key in seen:
                led.find("broken-chain", "error", f"{child.server}/{child.id}",
                         f"backup {child.id} of {child.server} needs parent {child.parent}, "
                         "which is missing from storage: it cannot be restored")
                break
            for expires, rule in inherited:
                led.keep(parent_key, f"parent-of {child.id}", expires, rule)
            led.deletes.pop(parent_key, None)
            seen.add(parent_key)
            child = led.points[parent_key]


def keep_own_wal(led: Reasons) -> None:
    """Every kept done point keeps [begin WAL, end WAL]: without it the backup is inconsistent."""
    for key in sorted(k for k, reasons in led.keeps.items() if reasons):
        p = led.points[key]
        if p.status == "done" and p.end_pos is not None:
            led.wal.extend(WalKeep(p.server, p.timeline, p.timeline, p.begin_pos, p.end_pos,
                                   f"wal-of {p.id}", expires, rule)
                           for expires, rule in led.inherited(key))


def check_wal(inventory: Inventory, done: dict[str, list[RecoveryPoint]], led: Reasons) -> None:
    """Missing WAL that the window or a kept backup needs is an error."""
    spl = inventory.segments_per_log
    for server, pts in sorted(done.items()):
        runs = [r for r in inventory.wal if r.server == server]
        if not runs:
            led.find("wal-missing", "error", server, f"no WAL archived for {server}: "
                     "no point in time can be restored; check archive_command")
            continue
        _check_window(server, pts, runs, spl, led)
        _check_held_ranges(server, runs, spl, led)
        merged = {tl: spans(runs, tl) for tl in {p.timeline for p in pts}}
        for p in pts:
            if not led.keeps.get(p.key) or p.end_pos is None:
                continue
            for a, b in holes_in(merged[p.timeline], p.begin_pos, p.end_pos):
                led.find("wal-gap", "error", f"{server}/{p.id}",
                         f"backup {p.id} of {server} lacks WAL {segment_name(p.timeline, a, spl)}"
                         f"..{segment_name(p.timeline, b, spl)}: it cannot be made consistent")


def _check_held_ranges(server: str, runs: list[WalRun], spl: int, led: Reasons) -> None:
    """A legal hold on a time range promises every instant of it restorable: its WAL must be
    there (it may have gone before the hold was placed, or behind rex's back)."""
    for hold_id, k in led.held_ranges:
        if k.server != server:
            continue
        newest = max((r.last for r in runs if r.timeline >= k.min_tl), default=k.first)
        for a, b in holes(runs, k.min_tl, k.first, min(k.last, newest)):
            led.find("hold-wal-gap", "error", f"{server}/{hold_id}",
                     f"legal hold {hold_id} of {server} needs WAL "
                     f"{segment_name(k.min_tl, a, spl)}..{segment_name(k.min_tl, b, spl)}, "
                     "which is missing: instants of the held range cannot be restored; restore "
                     "the segments from another copy, or tell the hold's owner")


def _check_window(server: str, pts: list[RecoveryPoint], runs: list[WalRun], spl: int,
                  led: Reasons) -> None:
    """WAL must be continuous from the PITR anchor's begin to the newest archived segment."""
    first = next((p for p in pts if {"pitr-anchor", "pitr-window"} & set(led.keeps.get(p.key, {}))),
                 None)
    if first is None:
        return
    newest = max((r.last for r in runs if r.timeline >= first.timeline), default=first.begin_pos)
    for a, b in holes(runs, first.timeline, first.begin_pos, newest):
        led.find("wal-gap", "error", server,
                 f"WAL {segment_name(first.timeline, a, spl)}.."
                 f"{segment_name(first.timeline, b, spl)} of {server} is missing inside the "
                 "PITR window: instants in that stretch cannot be restored")
