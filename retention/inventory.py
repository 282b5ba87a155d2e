"""The inventory document (points, WAL runs, histories, holds, contracts) as typed values.

Every problem is reported with its path (``points[3].end_wal``), all of them at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from retention.annotations import TARGETS
from retention.errors import InputError
from retention.model import (
    Contract,
    Hold,
    Inventory,
    KeepTarget,
    Orphan,
    RecoveryPoint,
    Status,
    WalRun,
)
from retention.timeutil import parse_instant
from retention.wal import DEFAULT_SEGMENTS_PER_LOG, parse_segment

_STATUSES = ("done", "failed", "running")
MIN_SEGMENTS_PER_LOG = 4  # 2**32 / 1 GiB, the largest WAL segment initdb makes
MAX_SEGMENTS_PER_LOG = 4096  # 2**32 / 1 MiB, the smallest
MAX_TIMELINE = 0xFFFFFFFF  # eight hex digits in a segment name
_MISSING = object()


@dataclass(frozen=True)
class InventoryDocument:
    inventory: Inventory
    holds: tuple[Hold, ...]
    contracts: tuple[Contract, ...]


class _Fields:
    """Typed field access on one object of the document; problems are collected, not raised."""

    def __init__(self, obj: dict[str, Any], path: str, problems: list[str], spl: int) -> None:
        self.obj, self.path, self.problems, self.spl = obj, path, problems, spl

    def _raw(self, key: str, optional: bool) -> Any:
        value = self.obj.get(key)
        if value is None and not optional:
            self.problems.append(f"{self.path}.{key}: missing")
            return _MISSING
        return _MISSING if value is None else value

    def text(self, key: str, optional: bool = False) -> str | None:
        value = self._raw(key, optional)
        if value is _MISSING:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{self.path}.{key}: expected a non-empty string, got {value!r}")
            return None
        return value

    def instant(self, key: str, optional: bool = False) -> datetime | None:
        value = self._raw(key, optional)
        if value is _MISSING:
            return None
        try:
            return parse_instant(value, f"{self.path}.{key}")
        except InputError as err:
            self.problems.append(str(err))
            return None

    def segment(self, key: str, optional: bool = False) -> tuple[int, int] | None:
        value = self._raw(key, optional)
        if value is _MISSING:
            return None
        try:
            return parse_segment(value, self.spl)
        except ValueError:
            self.problems.append(f"{self.path}.{key}: expected a WAL segment name of 24 hex "
                                 f"digits like \"000000010000000A00000010\", got {value!r}")
            return None


def _point(f: _Fields) -> RecoveryPoint | None:
    ident, server, begin = f.text("id"), f.text("server"), f.instant("begin_time")
    status = f.obj.get("status")
    if status not in _STATUSES:
        f.problems.append(f"{f.path}.status: expected one of {', '.join(_STATUSES)}, "
                          f"got {status!r}")
    done = status == "done"
    end_time, end_wal = f.instant("end_time", not done), f.segment("end_wal", not done)
    begin_wal = f.segment("begin_wal")
    parent, locked = f.text("parent", True), f.instant("locked_until", True)
    keep, held = _keep(f), f.obj.get("held_in_storage", False)
    if not isinstance(held, bool):
        f.problems.append(f"{f.path}.held_in_storage: expected true or false, got {held!r}")
    if ident is None or server is None or begin is None or begin_wal is None \
            or status not in _STATUSES:
        return None
    if end_wal is not None and end_wal[0] != begin_wal[0]:
        f.problems.append(f"{f.path}: begin_wal and end_wal name different timelines")
    if end_time is not None and end_time < begin:
        f.problems.append(f"{f.path}: end_time is before begin_time")
    st: Status = status
    return RecoveryPoint(ident, server, st, begin, end_time, begin_wal[0], begin_wal[1],
                         end_wal[1] if end_wal else None, parent, locked, keep, held is True)


def _keep(f: _Fields) -> KeepTarget | None:
    """barman's keep annotation of the point, optional: "full" or "standalone"."""
    value = f.obj.get("keep")
    if value is None:
        return None
    for target in TARGETS:
        if value == target:
            return target
    f.problems.append(f"{f.path}.keep: expected \"full\" or \"standalone\" (the targets of "
                      f"barman-cloud-backup-keep), got {value!r}")
    return None


def _run(f: _Fields) -> WalRun | None:
    server, first, last = f.text("server"), f.segment("first"), f.segment("last")
    locked = f.instant("locked_until", True)
    if server is None or first is None or last is None:
        return None
    if first[0] != last[0] or first[1] > last[1]:
        f.problems.append(f"{f.path}: first and last must be on one timeline, first <= last")
        return None
    if "timeline" in f.obj and f.obj["timeline"] != first[0]:
        f.problems.append(f"{f.path}.timeline: {f.obj['timeline']!r} does not match the "
                          f"segment names (timeline {first[0]})")
    return WalRun(server, first[0], first[1], last[1], locked)


def _hold(f: _Fields) -> Hold | None:
    ident, server, kind = f.text("id"), f.text("server"), f.obj.get("kind", "legal")
    point, until = f.text("point", True), f.instant("until", kind != "lease")
    reason, by = f.text("reason", True) or "", f.text("by", True) or ""
    start = f.instant("from", point is not None)
    stop = f.instant("to", point is not None)
    if kind not in ("legal", "lease"):
        f.problems.append(f"{f.path}.kind: expected \"legal\" or \"lease\", got {kind!r}")
        return None
    if kind == "lease" and point is None:
        f.problems.append(f"{f.path}.point: a lease holds one point; name it")
    if start is not None and stop is not None and stop < start:
        f.problems.append(f"{f.path}: \"to\" is before \"from\"")
    if ident is None or server is None or (point is None and (start is None or stop is None)):
        return None
    return Hold(ident, kind, server, point, start, stop, until, reason, by)


def _contract(f: _Fields) -> Contract | None:
    tenant, terminated = f.text("tenant"), f.instant("terminated_at", True)
    servers = f.obj.get("servers")
    if servers is not None and (not isinstance(servers, list)
                                or not all(isinstance(s, str) for s in servers)):
        f.problems.append(f"{f.path}.servers: expected a list of server names, got {servers!r}")
        servers = None
    if tenant is None:
        return None
    return Contract(tenant, terminated, tuple(servers) if servers is not None else None)


def _orphan(f: _Fields) -> Orphan | None:
    """Leftovers of a backup barman-cloud no longer sees (``retention.orphans``)."""
    server, backup_id, cause = f.text("server"), f.text("id"), f.text("cause")
    newest, locked = f.instant("newest"), f.instant("locked_until", True)
    held = f.obj.get("legal_hold", False)
    if cause is not None and cause not in ("no-backup-info", "backup-info-deleted",
                                           "delete-unfinished"):
        f.problems.append(f"{f.path}.cause: expected no-backup-info, backup-info-deleted or "
                          f"delete-unfinished, got {cause!r}")
        return None
    if not isinstance(held, bool):
        f.problems.append(f"{f.path}.legal_hold: expected true or false, got {held!r}")
        return None
    if server is None or backup_id is None or cause is None or newest is None:
        return None
    vanished = f.text("vanished_from", True)
    return Orphan(server, backup_id, cause, newest, locked, held,  # type: ignore[arg-type]
                  vanished)


def _items(doc: dict[str, Any], key: str, problems: list[str]) -> list[tuple[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        problems.append(f"{key}: expected a list, got {type(value).__name__}")
        return []
    return [(f"{key}[{i}]", item) for i, item in enumerate(value)]


def parse_inventory(doc: Any, source: str) -> InventoryDocument:
    """Typed inventory from a parsed JSON document; InputError with every problem otherwise."""
    if not isinstance(doc, dict):
        raise InputError(f"{source}: expected a JSON object with points, wal, holds, contracts")
    problems: list[str] = []
    spl = _segments_per_log(doc.get("segments_per_log", DEFAULT_SEGMENTS_PER_LOG), problems)
    parsers = {"points": _point, "wal": _run, "holds": _hold, "contracts": _contract,
               "orphans": _orphan}
    parsed: dict[str, list[Any]] = {key: [] for key in parsers}
    for key in sorted(set(doc) - {*parsers, "histories", "segments_per_log"}):
        problems.append(f"{key}: unknown key; expected points, wal, histories, holds, "
                        "contracts, orphans")
    for key, parser in parsers.items():
        for path, item in _items(doc, key, problems):
            if not isinstance(item, dict):
                problems.append(f"{path}: expected an object")
                continue
            value = parser(_Fields(item, path, problems, spl))
            if value is not None:
                parsed[key].append(value)
    histories = _histories(doc, problems)
    _check_unique(parsed["points"], problems)
    if problems:
        raise InputError(f"invalid inventory {source} ({len(problems)} problem(s)):\n"
                         + "\n".join(f"  {p}" for p in problems)
                         + "\nFix these entries and run the command again.")
    inventory = Inventory(tuple(parsed["points"]), tuple(parsed["wal"]), histories, spl,
                          orphans=tuple(parsed["orphans"]))
    return InventoryDocument(inventory, tuple(parsed["holds"]), tuple(parsed["contracts"]))


def _segments_per_log(value: Any, problems: list[str]) -> int:
    """2**32 / the WAL segment size: a power of two from 4 (1 GiB segments) to 4096 (1 MiB)."""
    if isinstance(value, bool) or not isinstance(value, int) \
            or not MIN_SEGMENTS_PER_LOG <= value <= MAX_SEGMENTS_PER_LOG or value & (value - 1):
        problems.append(f"segments_per_log: expected a power of two from {MIN_SEGMENTS_PER_LOG}"
                        f" (1 GiB segments) to {MAX_SEGMENTS_PER_LOG} (1 MiB segments), 256 for "
                        f"PostgreSQL's default 16 MiB, got {value!r}")
        return DEFAULT_SEGMENTS_PER_LOG
    return value


def _histories(doc: dict[str, Any], problems: list[str]) -> tuple[tuple[str, int], ...]:
    out: list[tuple[str, int]] = []
    for path, item in _items(doc, "histories", problems):
        ok = isinstance(item, dict) and isinstance(item.get("server"), str) \
            and isinstance(item.get("timeline"), int) and not isinstance(item["timeline"], bool) \
            and 0 < item["timeline"] <= MAX_TIMELINE
        if not ok:
            problems.append(f"{path}: expected {{\"server\": NAME, \"timeline\": N}} with N "
                            f"from 1 to {MAX_TIMELINE:#x}")
            continue
        out.append((item["server"], item["timeline"]))
    return tuple(out)


def _check_unique(points: list[RecoveryPoint], problems: list[str]) -> None:
    seen: set[tuple[str, str]] = set()
    for p in points:
        if p.key in seen:
            problems.append(f"points: {p.id} appears twice for server {p.server}")
        seen.add(p.key)


def load_inventory(path: Path) -> InventoryDocument:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"inventory {path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"inventory {path}: not valid JSON ({err})") from None
    return parse_inventory(doc, str(path))
