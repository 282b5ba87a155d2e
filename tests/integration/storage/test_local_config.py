"""The local store's bucket configuration file, ``.rex-store.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retention.errors import InputError
from retention.storage.base import BucketLock
from retention.storage.localconfig import CONFIG_NAME, read_config, write_config


@pytest.mark.parametrize("lock", [
    BucketLock(enabled=True),
    BucketLock(enabled=True, mode="GOVERNANCE", days=32),
    BucketLock(enabled=True, mode="COMPLIANCE", years=7),
])
def test_written_configuration_reads_back(tmp_path: Path, lock: BucketLock) -> None:
    write_config(tmp_path, lock)
    assert read_config(tmp_path) == lock


def test_no_file_or_no_object_lock_means_no_lock(tmp_path: Path) -> None:
    assert read_config(tmp_path) == BucketLock(enabled=False)
    (tmp_path / CONFIG_NAME).write_text("{}", encoding="utf-8")
    assert read_config(tmp_path) == BucketLock(enabled=False)


@pytest.mark.parametrize(("doc", "why"), [
    ("not json", "not readable JSON"),
    (json.dumps({"object_lock": []}), "expected an object"),
    (json.dumps({"object_lock": {"mode": "STRICT", "days": 1}}), "object_lock.mode"),
    (json.dumps({"object_lock": {"mode": "GOVERNANCE", "days": 0}}), "object_lock.days"),
    (json.dumps({"object_lock": {"mode": "GOVERNANCE", "days": True}}), "object_lock.days"),
    (json.dumps({"object_lock": {"mode": "GOVERNANCE"}}), "exactly one of days or years"),
    (json.dumps({"object_lock": {"days": 3}}), "needs a mode"),
    (json.dumps({"object_lock": {"mode": "GOVERNANCE", "days": 3, "years": 1}}), "exactly one"),
    (json.dumps({"object_lock": {"enabled": "yes"}}), "object_lock.enabled"),
])
def test_bad_configuration_says_where(tmp_path: Path, doc: str, why: str) -> None:
    (tmp_path / CONFIG_NAME).write_text(doc, encoding="utf-8")
    with pytest.raises(InputError, match=CONFIG_NAME) as raised:
        read_config(tmp_path)
    assert why in str(raised.value)
