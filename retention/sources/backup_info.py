"""barman's ``backup.info``: ``name=value`` lines, ``None`` for null (from barman-cloud-backup).

Only the fields a catalog needs are typed; every field stays available as text in ``fields``.
Times are ISO 8601 with an offset (``2026-11-29 03:30:36.043012+00:00``) and are read as aware
UTC; a time without an offset, or outside the years rex accepts (``timeutil``: 1970..2199), is
refused (barman would guess the reader's local zone; 9999-12-31 would overflow every date sum).
Nothing is ever read from the backup id.

``tablespaces`` (barman's ``[('name', oid, 'location'), ...]`` literal) gives the tablespace OIDs
whose ``<oid>.tar`` barman-cloud uploads beside ``data.tar``; ``snapshots_info`` marks a snapshot
backup, which has no tarballs at all.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from retention.errors import InputError
from retention.timeutil import bounded_utc, out_of_bounds
from retention.wal import parse_segment

MIN_SEGMENT_SIZE = 1 << 20  # initdb --wal-segsize: a power of two from 1 MiB ...
MAX_SEGMENT_SIZE = 1 << 30  # ... to 1 GiB
DEFAULT_SEGMENT_SIZE = 1 << 24
MAX_OID = 0xFFFFFFFF  # PostgreSQL OIDs are unsigned 32-bit
MAX_LITERAL = 65536  # a tablespaces literal longer than this is not barman's
MAX_TIMELINE = 0xFFFFFFFF  # eight hex digits in a segment name


class BackupInfoError(InputError):
    """A backup.info that cannot be used; the message names the object and the problem."""


@dataclass(frozen=True)
class BackupInfo:
    """The typed fields of one backup.info (None where barman wrote ``None`` or nothing)."""

    status: str
    begin_time: datetime | None
    end_time: datetime | None
    begin_wal: str | None
    end_wal: str | None
    timeline: int | None
    parent_backup_id: str | None
    xlog_segment_size: int
    systemid: str | None
    error: str | None
    fields: Mapping[str, str]
    tablespaces: tuple[int, ...] = ()  # OIDs, in backup.info's order
    snapshot: bool = False  # a snapshot backup (snapshots_info): its data is in disk snapshots

    @property
    def segments_per_log(self) -> int:
        return (1 << 32) // self.xlog_segment_size


def _fields(data: bytes, where: str) -> dict[str, str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BackupInfoError(f"{where}: not UTF-8 text ({err.reason} at byte {err.start})"
                              ) from None
    fields: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise BackupInfoError(f"{where}: line {number} is not name=value: {line[:80]!r}")
        fields[name.strip()] = value
    if not fields:
        raise BackupInfoError(f"{where}: empty")
    return fields


def _text(fields: Mapping[str, str], name: str) -> str | None:
    value = fields.get(name)
    if value is None or value.strip() in ("", "None"):
        return None
    return value.strip()


def _time(fields: Mapping[str, str], name: str, where: str) -> datetime | None:
    value = _text(fields, name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BackupInfoError(f"{where}: {name} {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise BackupInfoError(f"{where}: {name} {value!r} has no UTC offset")
    utc = bounded_utc(parsed)
    if utc is None:
        raise BackupInfoError(out_of_bounds(f"{where}: {name}", value))
    return utc


def _int(fields: Mapping[str, str], name: str, where: str) -> int | None:
    value = _text(fields, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BackupInfoError(f"{where}: {name} {value!r} is not an integer") from None


def _timeline(fields: Mapping[str, str], where: str) -> int | None:
    value = _int(fields, "timeline", where)
    if value is not None and not 0 < value <= MAX_TIMELINE:
        raise BackupInfoError(f"{where}: timeline {value} is not between 1 and {MAX_TIMELINE:#x}")
    return value


def _segment_size(fields: Mapping[str, str], where: str) -> int:
    size = _int(fields, "xlog_segment_size", where)
    if size is None:
        return DEFAULT_SEGMENT_SIZE  # barman before 2.x did not record it
    if not MIN_SEGMENT_SIZE <= size <= MAX_SEGMENT_SIZE or size & (size - 1):
        raise BackupInfoError(f"{where}: xlog_segment_size {size} is not a power of two "
                              "between 1 MiB and 1 GiB")
    return size


def _wal(fields: Mapping[str, str], name: str, where: str, spl: int) -> str | None:
    value = _text(fields, name)
    if value is not None:
        try:
            parse_segment(value, spl)
        except ValueError:
            raise BackupInfoError(f"{where}: {name} {value!r} is not a WAL segment name "
                                  f"(24 hex digits, segment below {spl:#x})") from None
    return value


def _tablespaces(fields: Mapping[str, str], where: str) -> tuple[int, ...]:
    value = _text(fields, "tablespaces")
    if value is None:
        return ()
    try:
        if len(value) > MAX_LITERAL:
            raise ValueError
        items = ast.literal_eval(value)
        if not isinstance(items, list | tuple):
            raise ValueError
        oids = tuple(item[1] for item in items)
        if not all(isinstance(o, int) and not isinstance(o, bool) and 0 < o <= MAX_OID
                   for o in oids):
            raise ValueError
    except (ValueError, TypeError, SyntaxError, IndexError, MemoryError, RecursionError):
        raise BackupInfoError(f"{where}: tablespaces {value[:80]!r} is not barman's list of "
                              "(name, oid, location)") from None
    return oids


def parse_backup_info(data: bytes, where: str) -> BackupInfo:
    """Parse one backup.info; ``where`` (the object's key and version) prefixes every error."""
    fields = _fields(data, where)
    status = _text(fields, "status")
    if status is None:
        raise BackupInfoError(f"{where}: no status")
    size = _segment_size(fields, where)
    spl = (1 << 32) // size
    return BackupInfo(
        status=status,
        begin_time=_time(fields, "begin_time", where),
        end_time=_time(fields, "end_time", where),
        begin_wal=_wal(fields, "begin_wal", where, spl),
        end_wal=_wal(fields, "end_wal", where, spl),
        timeline=_timeline(fields, where),
        parent_backup_id=_text(fields, "parent_backup_id"),
        xlog_segment_size=size,
        systemid=_text(fields, "systemid"),
        error=_text(fields, "error"),
        fields=fields,
        tablespaces=_tablespaces(fields, where),
        snapshot=_text(fields, "snapshots_info") is not None,
    )
