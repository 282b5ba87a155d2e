"""The retention policy as data: frozen dataclasses, a validating parser, plain-English text.

``parse_policy`` collects every problem, each with its path in the document, before refusing.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from retention.durations import Duration, DurationTooLong, parse_duration
from retention.errors import PolicyError

SCHEMA_VERSION = 1
LockMode = Literal["GOVERNANCE", "COMPLIANCE"]


@dataclass(frozen=True)
class PitrRule:
    window: Duration
    margin: Duration
    max_archive_lag: Duration


@dataclass(frozen=True)
class DailyRule:
    keep: Duration


@dataclass(frozen=True)
class PostTerminationRule:
    hold: Duration
    erasure_grace: Duration


@dataclass(frozen=True)
class Guards:
    max_backup_age: Duration
    max_delete_fraction: float
    failed_grace: Duration
    running_timeout: Duration


@dataclass(frozen=True)
class ObjectLockRule:
    mode: LockMode
    default_retention: Duration


@dataclass(frozen=True)
class Policy:
    name: str
    timezone: str
    pitr: PitrRule
    daily: DailyRule
    post_termination: PostTerminationRule
    guards: Guards
    object_lock: ObjectLockRule
    source: str = ""
    sha256: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __str__(self) -> str:
        p, g = self.pitr, self.guards
        return "\n".join([
            f"Policy {self.name} (schema {SCHEMA_VERSION}), calendar in {self.timezone}.",
            f"- Any instant of the last {p.window.describe()} can be restored; a further "
            f"{p.margin.describe()} is kept against edge effects.",
            f"- The newest archived WAL segment must be younger than "
            f"{p.max_archive_lag.describe()}.",
            f"- The last backup of each calendar day is kept for {self.daily.keep.describe()}.",
            f"- After a contract ends, the client's data stays in the backups for "
            f"{self.post_termination.hold.describe()}; still retained "
            f"{self.post_termination.erasure_grace.describe()} later is a finding.",
            f"- No backup younger than {g.max_backup_age.describe()}: deletions are frozen.",
            f"- A plan deleting more than {g.max_delete_fraction:.0%} of the backups needs "
            "--allow-mass-delete.",
            f"- Failed backups are deleted after {g.failed_grace.describe()}; a backup still "
            f"running after {g.running_timeout.describe()} counts as failed.",
            f"- Object Lock: {self.object_lock.mode} mode, bucket default retention "
            f"{self.object_lock.default_retention.describe()}.",
        ])


# --- validation -------------------------------------------------------------------------------

Check = Callable[[Any], Any]


def _duration(value: Any) -> Duration:
    if not isinstance(value, str):
        raise ValueError
    return parse_duration(value)


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError
    return float(value)


def _lock_mode(value: Any) -> str:
    if value not in ("GOVERNANCE", "COMPLIANCE"):
        raise ValueError
    return str(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    return value


def _timezone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError from None
    return value


_DURATION = (_duration, 'a duration like "30d", "6mo" or "P6M"')
_SECTIONS: dict[str, dict[str, tuple[Check, str]]] = {
    "pitr": {"window": _DURATION, "margin": _DURATION, "max_archive_lag": _DURATION},
    "daily": {"keep": _DURATION},
    "post_termination": {"hold": _DURATION, "erasure_grace": _DURATION},
    "guards": {
        "max_backup_age": _DURATION,
        "max_delete_fraction": (_fraction, "a fraction between 0 and 1, like 0.25"),
        "failed_grace": _DURATION,
        "running_timeout": _DURATION,
    },
    "object_lock": {
        "mode": (_lock_mode, '"GOVERNANCE" or "COMPLIANCE"'),
        "default_retention": _DURATION,
    },
}
_TOP: dict[str, tuple[Check, str]] = {
    "name": (_name, "a non-empty string"),
    "timezone": (_timezone, 'an IANA timezone like "Europe/Amsterdam"'),
}


def _check_keys(table: Mapping[str, Any], spec: Mapping[str, Any], path: str,
                problems: list[str], values: dict[str, Any]) -> None:
    for key in sorted(set(table) - set(spec)):
        problems.append(f"{path}{key}: unknown key; expected one of {', '.join(sorted(spec))}")
    for key, (check, expected) in spec.items():
        if key not in table:
            problems.append(f"{path}{key}: missing; expected {expected}")
            continue
        try:
            values[key] = check(table[key])
        except DurationTooLong as err:
            problems.append(f"{path}{key}: {err}")
        except ValueError:
            problems.append(f"{path}{key}: expected {expected}, got {_show(table[key])}")


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _validate(doc: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    values: dict[str, Any] = {}
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        problems.append(f"schema_version: expected {SCHEMA_VERSION}, got {_show(version)}")
    spec: dict[str, Any] = {"schema_version": (lambda v: v, ""), **_TOP}
    spec.update({section: None for section in _SECTIONS})
    for key in sorted(set(doc) - set(spec)):
        problems.append(f"{key}: unknown key; expected one of {', '.join(sorted(spec))}")
    _check_keys({k: doc[k] for k in _TOP if k in doc}, _TOP, "", problems, values)
    for section, keys in _SECTIONS.items():
        table = doc.get(section)
        if not isinstance(table, Mapping):
            problems.append(f"{section}: missing table [{section}]" if table is None
                            else f"{section}: expected a table [{section}], got {_show(table)}")
            continue
        values[section] = {}
        _check_keys(table, keys, f"{section}.", problems, values[section])
    return values, problems


def _lock_covers_window(values: Mapping[str, Any]) -> list[str]:
    """The bucket's default Object Lock is the only lock on new WAL until the daily job extends
    it, and the only one at all when the job stops: it must outlast the PITR window and its
    margin in the worst case (DESIGN.md, "Storage and backups"). Compared shortest lock
    against longest window, so a lock in months counts 28 days and a window in months 31."""
    pitr, lock = values.get("pitr", {}), values.get("object_lock", {})
    if not {"window", "margin"} <= pitr.keys() or "default_retention" not in lock:
        return []  # already a problem of its own
    window, margin, retention = pitr["window"], pitr["margin"], lock["default_retention"]
    span = window + margin
    if retention.shortest() >= span.longest():
        return []
    need = -(-span.longest() // timedelta(days=1))  # whole days, rounded up
    short = f" (as short as {retention.shortest().days} days)" if retention.months else ""
    long = f", as long as {span.longest().days} days" if span.months else ""
    return [f"object_lock.default_retention: {retention}{short} is shorter than pitr.window + "
            f"pitr.margin ({window} + {margin}{long}): WAL inside the PITR window would be "
            f"deletable by anyone after {retention.describe()} whenever rex has not run; set "
            f"at least {need}d"]


def parse_policy(doc: Mapping[str, Any], source: str, sha256: str = "") -> Policy:
    """A Policy from a parsed document, or PolicyError listing every problem with its path."""
    values, problems = _validate(doc)
    problems += _lock_covers_window(values)
    if problems:
        raise PolicyError(source, problems)
    return Policy(
        name=values["name"],
        timezone=values["timezone"],
        pitr=PitrRule(**values["pitr"]),
        daily=DailyRule(**values["daily"]),
        post_termination=PostTerminationRule(**values["post_termination"]),
        guards=Guards(**values["guards"]),
        object_lock=ObjectLockRule(**values["object_lock"]),
        source=source,
        sha256=sha256,
    )


def parse_policy_bytes(data: bytes, source: str) -> Policy:
    """Parse TOML bytes; the sha256 is of exactly these bytes."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise PolicyError(source, [f"not valid UTF-8 TOML: {err}"]) from None
    return parse_policy(doc, source, hashlib.sha256(data).hexdigest())


def load_policy(name_or_path: str) -> Policy:
    """The shipped policy of that name, or the TOML file at that path."""
    import policies  # package data and its locator; imported here to keep this module pure

    found = policies.locate(name_or_path)
    if found is None:
        raise PolicyError(name_or_path, [
            f"no shipped policy named {name_or_path!r} and no file at that path; "
            f"shipped: {', '.join(policies.shipped())}"])
    data, source = found
    return parse_policy_bytes(data, source)
