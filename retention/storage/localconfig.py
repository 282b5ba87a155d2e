"""The local store's "bucket" configuration: ``.rex-store.json`` at its root.

    {"object_lock": {"enabled": true, "mode": "GOVERNANCE", "days": 32}}

Without the file (or without ``object_lock``) Object Lock is off, as on a bucket created without it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from retention.errors import InputError
from retention.storage.base import BucketLock

CONFIG_NAME = ".rex-store.json"
_MODES = ("GOVERNANCE", "COMPLIANCE")


def read_config(root: Path) -> BucketLock:
    """The Object Lock configuration of a local store, validated; InputError says where."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return BucketLock(enabled=False)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not readable JSON ({exc}); fix or remove the file") from None
    lock = doc.get("object_lock") if isinstance(doc, dict) else None
    if lock is None:
        return BucketLock(enabled=False)
    return _parse_lock(lock, f"{path}: object_lock")


def _parse_lock(lock: Any, where: str) -> BucketLock:
    if not isinstance(lock, dict):
        raise InputError(f"{where}: expected an object like "
                         '{"enabled": true, "mode": "GOVERNANCE", "days": 32}')
    enabled, mode = lock.get("enabled", True), lock.get("mode")
    days, years = lock.get("days"), lock.get("years")
    if not isinstance(enabled, bool):
        raise InputError(f"{where}.enabled: expected true or false, got {enabled!r}")
    if mode is not None and mode not in _MODES:
        raise InputError(f"{where}.mode: expected GOVERNANCE or COMPLIANCE, got {mode!r}")
    for name, value, most in (("days", days, 36500), ("years", years, 100)):  # S3's limits
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 1 <= value <= most):
            raise InputError(f"{where}.{name}: expected a whole number from 1 to {most}, got "
                             f"{value!r}")
    if (mode is None) != (days is None and years is None) or (days and years):
        raise InputError(f"{where}: a default retention needs a mode and exactly one of "
                         "days or years (or neither, for a lock without default retention)")
    return BucketLock(enabled=enabled, mode=mode, days=days, years=years)


def write_config(root: Path, lock: BucketLock) -> None:
    """Write the configuration file for ``lock`` (validated the same way it is read)."""
    doc = {"object_lock": {k: v for k, v in {"enabled": lock.enabled, "mode": lock.mode,
                                            "days": lock.days, "years": lock.years}.items()
                           if v is not None}}
    _parse_lock(doc["object_lock"], f"{root / CONFIG_NAME}: object_lock")
    (root / CONFIG_NAME).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def default_retain_until(lock: BucketLock, written: datetime) -> datetime | None:
    """The retain-until a new version gets from the bucket default, or None without one."""
    if not lock.enabled or lock.mode is None:
        return None
    if lock.years:
        return written + relativedelta(years=lock.years)
    return written + timedelta(days=lock.days or 0)
