"""A test store configured as the shipped policy demands of a bucket (GOVERNANCE, 32 days)."""

from __future__ import annotations

import shutil
from urllib.parse import quote

from retention.storage.base import BucketLock
from retention.storage.local import VERSIONS_DIR, LocalStore

POLICY_LOCK = BucketLock(True, "GOVERNANCE", days=32)


def protect(store: LocalStore) -> LocalStore:
    """Turn on the policy's Object Lock default. Like S3's, it applies to versions written from
    now on: call it after laying out old backups, or they would be locked against their expiry."""
    store.set_bucket_lock(POLICY_LOCK)
    return store


def bypass_delete(store: LocalStore, key: str) -> None:
    """Remove every version of ``key`` behind the store's back, as a governance bypass, a
    lifecycle rule or another tool with more rights than rex would: locks do not stop it."""
    folder = store.root / VERSIONS_DIR / quote(key, safe="")
    assert folder.is_dir(), key
    shutil.rmtree(folder)
