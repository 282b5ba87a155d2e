"""The two stores under contract test: S3 over HTTP (moto) and a local directory."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import boto3

from retention.storage.base import BucketLock, LockMode, ObjectStore, ObjectVersion
from retention.storage.local import LocalStore
from retention.storage.s3 import S3Store
from tests.support.s3server import make_bucket

Lock = Literal["none", "enabled", "governance"]  # enabled: Object Lock without default retention
LOCAL_NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # the local store's fixed clock
PREFIX = "pg"


@dataclass
class Backend:
    """A store under test, its sibling at another prefix, and what the test may observe."""

    name: str
    store: ObjectStore
    sibling: ObjectStore  # same bucket (or parent directory), prefix PREFIX + "2"
    now: Callable[[], datetime]  # the instant the store's locks are judged against
    add_delete_marker: Callable[[str], ObjectVersion]
    calls: Counter[str] = field(default_factory=Counter)  # S3 only: API calls by operation
    delete_batches: list[list[dict[str, Any]]] = field(default_factory=list)  # S3 only

    seed_one: Callable[[str, bytes], tuple[str, str | None]] | None = None  # S3: PUT alone

    def seed(self, items: Iterable[tuple[str, bytes]]) -> list[tuple[str, str | None]]:
        """Write many objects quickly (no HEAD after each PUT on S3); (key, version id) each."""
        if self.seed_one is None:
            return [(v.key, v.version_id) for v in (self.store.write(k, d) for k, d in items)]
        seed_one = self.seed_one
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda kv: seed_one(*kv), items))


MakeBackend = Callable[..., Backend]


def _s3_bucket(endpoint: str, lock: Lock, mode: LockMode, days: int) -> str:
    if lock == "governance":
        return make_bucket(endpoint, lock_days=days, mode=mode)
    if lock == "none":
        return make_bucket(endpoint)
    name = f"rex-{uuid.uuid4().hex[:12]}"  # Object Lock on, no default retention
    boto3.client("s3", endpoint_url=endpoint).create_bucket(
        Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def s3_backend(endpoint: str, lock: Lock, mode: LockMode, days: int) -> Backend:
    bucket = _s3_bucket(endpoint, lock, mode, days)
    store = S3Store(bucket, PREFIX)  # endpoint and credentials from the environment only
    raw = boto3.client("s3", endpoint_url=endpoint)

    def marker(key: str) -> ObjectVersion:
        raw.delete_object(Bucket=bucket, Key=f"{PREFIX}/{key}")
        return next(v for v in store.list_versions(key) if v.key == key and v.is_latest)

    def seed_one(key: str, data: bytes) -> tuple[str, str | None]:
        put = raw.put_object(Bucket=bucket, Key=f"{PREFIX}/{key}", Body=data)
        return key, put["VersionId"]

    backend = Backend("s3", store, S3Store(bucket, PREFIX + "2"),
                      lambda: datetime.now(UTC), marker, seed_one=seed_one)

    def observe(params: dict[str, Any], model: Any, **_: Any) -> None:
        backend.calls[model.name] += 1
        if model.name == "DeleteObjects":
            backend.delete_batches.append(list(params["Delete"]["Objects"]))

    store.client.meta.events.register("provide-client-params.s3", observe)
    return backend


def local_backend(base: Path, lock: Lock, mode: LockMode, days: int) -> Backend:
    stores = []
    for name in (PREFIX, PREFIX + "2"):
        (base / name).mkdir(parents=True)
        store = LocalStore(base / name, clock=lambda: LOCAL_NOW)
        if lock == "enabled":
            store.set_bucket_lock(BucketLock(enabled=True))
        elif lock == "governance":
            store.set_bucket_lock(BucketLock(enabled=True, mode=mode, days=days))
        stores.append(store)
    return Backend("local", stores[0], stores[1], lambda: LOCAL_NOW, stores[0].add_delete_marker)
