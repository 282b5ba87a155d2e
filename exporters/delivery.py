"""Delivering an offboarding bundle: into the exports location, under Object Lock until the end of
the tenant's post-termination hold, with a download link for the client.

The key is ``offboarding/<tenant>/<bundle name>`` under the exports URL's prefix. On S3 the link
is a presigned GET of the stored version (SigV4, pinned on the client), valid at most 7 days
(S3's limit for SigV4) and never beyond the expiry of the credentials that sign it, which the
output says; on a local directory it is the path of the stored file.

botocore signs the link at the machine's real time, whatever ``--now`` says, so its expiry is
computed from the real clock the caller hands in (``signing_clock``) and read back from the
signed link itself: the printed expiry is the link's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3

from retention.private_files import private_dir
from retention.storage import ObjectStore, open_store, parse_store_url
from retention.storage.base import LockMode
from retention.timeutil import z

MAX_LINK = timedelta(days=7)  # S3's limit for a presigned URL


@dataclass(frozen=True)
class Delivery:
    location: str  # the stored object: s3://bucket/key or file:///dir/key
    key: str
    version_id: str | None
    retain_until: datetime | None
    lock_note: str
    link: str  # presigned URL, or the path of the stored file
    link_expires: datetime | None
    link_note: str

    def document(self) -> dict[str, Any]:
        return {"location": self.location, "key": self.key, "version_id": self.version_id,
                "retain_until": z(self.retain_until) if self.retain_until else None,
                "lock": self.lock_note, "link_expires": z(self.link_expires)
                if self.link_expires else None}


def deliver(exports_url: str, clock: Callable[[], datetime], tenant: str, bundle: Path,
            hold_end: datetime | None, mode: LockMode, now: datetime,
            signing_clock: Callable[[], datetime]) -> Delivery:
    """Store the bundle, lock it until ``hold_end``, and make the client's link.

    ``now`` is the run's instant (the lock); ``signing_clock`` the real clock (the link)."""
    parsed = parse_store_url(exports_url)
    if parsed.scheme == "file":
        private_dir(Path(parsed.path))  # rex's own exports directory: 0700 when rex makes it
    store = open_store(exports_url, clock)
    key = f"offboarding/{tenant}/{bundle.name}"
    stored = store.write_file(key, bundle)
    until, lock_note = _lock(store, key, stored.version_id, hold_end, mode, now)
    link, expires, link_note = _link(store, key, stored.version_id, signing_clock)
    return Delivery(f"{store.url.rstrip('/')}/{key}", key, stored.version_id, until, lock_note,
                    link, expires, link_note)


def _lock(store: ObjectStore, key: str, version_id: str | None, hold_end: datetime | None,
          mode: LockMode, now: datetime) -> tuple[datetime | None, str]:
    if hold_end is None:
        return None, ("not locked beyond the bucket's default: the tenant is not terminated, "
                      "so no post-termination hold applies")
    if hold_end <= now:
        return None, f"not locked: the post-termination hold ended at {z(hold_end)}"
    if not store.bucket_lock().enabled:
        return None, (f"NOT locked: the exports location {store.url} has no Object Lock, so "
                      f"nothing keeps the bundle until the hold ends ({z(hold_end)}); enable "
                      "Object Lock there (see terraform/) to protect it")
    store.extend_retention(key, version_id, hold_end, mode, None)
    current = store.object_lock(key, version_id).retain_until
    return current, f"locked ({mode}) until {z(current or hold_end)}, the end of the hold"


def _link(store: ObjectStore, key: str, version_id: str | None,
          signing_clock: Callable[[], datetime]) -> tuple[str, datetime | None, str]:
    from retention.storage.local import LocalStore
    from retention.storage.s3 import S3Store

    if isinstance(store, LocalStore):
        return (str(store.version_path(key, version_id)), None,
                "a file in the exports directory: hand it to the client")
    assert isinstance(store, S3Store)
    expiry, about = _credentials()
    signed = signing_clock()
    valid = MAX_LINK if expiry is None else min(MAX_LINK, max(expiry - signed, timedelta(0)))
    seconds = int(valid.total_seconds())
    if seconds < 60:
        return "", None, (f"no link: the credentials that would sign it expire at "
                          f"{z(expiry or signed)}; renew them and run again")
    url = store.presigned_get(key, version_id, seconds)
    expires = link_expiry(url) or signed + timedelta(seconds=seconds)
    return url, expires, (
        f"valid until {z(expires)}: at most 7 days (S3's limit for a "
        f"presigned link) and never longer than the credentials that sign it ({about})")


def link_expiry(url: str) -> datetime | None:
    """When a SigV4 presigned URL stops working: its X-Amz-Date plus its X-Amz-Expires."""
    query = parse_qs(urlsplit(url).query)
    try:
        signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return signed + timedelta(seconds=int(query["X-Amz-Expires"][0]))
    except (KeyError, IndexError, ValueError):
        return None


def _credentials() -> tuple[datetime | None, str]:
    """When the credentials boto3 signs with expire (None: not known), and what they are."""
    creds = boto3.Session().get_credentials()
    if creds is None:
        return None, "no credentials found: the link will not work"
    expiry = getattr(creds, "_expiry_time", None)  # refreshable (role, SSO) credentials
    method = getattr(creds, "method", "unknown")
    if isinstance(expiry, datetime):
        return expiry, f"temporary credentials ({method}) expiring at {z(expiry)}"
    if getattr(creds, "token", None):
        return None, (f"temporary credentials ({method}) whose expiry rex cannot read: the "
                      "link stops working when they expire")
    return None, f"long-term access keys ({method})"
