"""The ObjectStore contract, run against S3 over HTTP (moto) and the local directory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from retention.errors import InputError, StorageError
from retention.storage import open_store
from retention.storage.base import MAX_DELETE_BATCH, BucketLock, ObjectVersion
from retention.storage.common import crc32_checksum
from retention.storage.local import LocalStore
from retention.storage.s3 import S3Store
from tests.integration.storage.backends import Backend, MakeBackend


def listed(backend: Backend, prefix: str = "") -> list[tuple[str, bool, bool]]:
    """(key, is_latest, is_delete_marker) of every listed version, in listing order."""
    return [(v.key, v.is_latest, v.is_delete_marker) for v in backend.store.list_versions(prefix)]


def same_instant(a: datetime | None, b: datetime) -> bool:
    return a is not None and abs(a - b) < timedelta(seconds=1)


# --- writing, reading, listing ---


def test_write_returns_the_version_that_is_listed_and_read(backend: Backend) -> None:
    written = backend.store.write("main/base/1/backup.info", b"status=DONE\n")

    assert written.version_id and written.size == 12 and not written.is_delete_marker
    assert written.checksum == crc32_checksum(b"status=DONE\n")
    assert written.last_modified.tzinfo is not None
    [version] = backend.store.list_versions()
    assert (version.key, version.version_id, version.size, version.etag) == \
        (written.key, written.version_id, written.size, written.etag)
    assert version.is_latest
    assert backend.store.read("main/base/1/backup.info") == b"status=DONE\n"
    assert backend.store.read("main/base/1/backup.info", written.version_id) == b"status=DONE\n"


def test_reading_a_missing_key_is_a_storage_error(backend: Backend) -> None:
    with pytest.raises(StorageError, match="main/nothing"):
        backend.store.read("main/nothing")


@pytest.mark.slow
def test_2500_versions_are_listed_in_pages_and_deleted_in_batches(backend: Backend) -> None:
    """1,250 WAL keys with two versions each: pages split a key's versions, batches of 1000."""
    keys = [f"main/wals/0000000100000000/{i:024X}" for i in range(1250)]
    written = backend.seed((k, b"1") for k in keys) + backend.seed((k, b"22") for k in keys)
    backend.calls.clear()

    versions = list(backend.store.list_versions("main/"))

    assert len(versions) == 2500 > 2 * MAX_DELETE_BATCH
    assert [v.key for v in versions] == sorted(k for k in keys for _ in (1, 2))
    assert [(v.is_latest, v.size) for v in versions] == [(True, 2), (False, 1)] * 1250
    assert {(v.key, v.version_id) for v in versions} == set(written)
    if backend.name == "s3":
        assert backend.calls["ListObjectVersions"] == 3  # 1000 a page

    result = backend.store.delete_versions([(v.key, v.version_id) for v in versions])

    assert (len(result.deleted), result.failed, result.requests) == (2500, (), 3)
    assert set(result.deleted) == set(written)
    assert list(backend.store.list_versions()) == []
    if backend.name == "s3":
        assert [len(b) for b in backend.delete_batches] == [1000, 1000, 500]
        assert all(o.get("VersionId") for b in backend.delete_batches for o in b)


def test_listing_is_prefix_scoped(backend: Backend) -> None:
    for key in ["main/a", "main2/b", "mainx", "other/c"]:
        backend.store.write(key, b"x")
    backend.sibling.write("main/outside", b"x")

    assert [k for k, _, _ in listed(backend, "main/")] == ["main/a"]
    assert [k for k, _, _ in listed(backend, "main")] == ["main/a", "main2/b", "mainx"]
    assert [k for k, _, _ in listed(backend)] == ["main/a", "main2/b", "mainx", "other/c"]
    assert [v.key for v in backend.sibling.list_versions()] == ["main/outside"]


def test_versions_and_delete_markers_are_listed_newest_first(backend: Backend) -> None:
    first = backend.store.write("main/k", b"1")
    second = backend.store.write("main/k", b"2")
    marker = backend.add_delete_marker("main/k")
    backend.store.write("main/l", b"3")

    versions = list(backend.store.list_versions())

    assert [(v.key, v.version_id, v.is_latest, v.is_delete_marker) for v in versions] == [
        ("main/k", marker.version_id, True, True),
        ("main/k", second.version_id, False, False),
        ("main/k", first.version_id, False, False),
        ("main/l", versions[3].version_id, True, False)]
    assert len({first.version_id, second.version_id, marker.version_id}) == 3
    with pytest.raises(StorageError):
        backend.store.read("main/k")  # latest is a delete marker
    assert backend.store.read("main/k", first.version_id) == b"1"


# --- deleting ---


def test_deleting_every_version_leaves_nothing_and_touches_nothing_else(backend: Backend) -> None:
    v1 = backend.store.write("main/k", b"1")
    v2 = backend.store.write("main/k", b"2")
    marker = backend.add_delete_marker("main/k")
    kept = backend.store.write("main/kept", b"keep")
    items = [("main/k", v.version_id) for v in (v1, v2, marker)]

    result = backend.store.delete_versions(items)

    assert (result.deleted, result.failed, result.requests) == (tuple(items), (), 1)
    assert [(v.key, v.version_id, v.is_delete_marker) for v in backend.store.list_versions()] \
        == [("main/kept", kept.version_id, False)]
    assert backend.store.read("main/kept") == b"keep"


def test_deleting_a_missing_version_or_nothing_is_harmless(backend: Backend) -> None:
    kept = backend.store.write("main/k", b"1")
    assert backend.store.delete_versions([]).requests == 0
    result = backend.store.delete_versions([("main/gone", "no-such-version")])
    assert result.failed == ()
    assert [v.version_id for v in backend.store.list_versions()] == [kept.version_id]


# --- Object Lock ---


def test_bucket_lock_reports_the_configuration(make_backend: MakeBackend) -> None:
    assert make_backend().store.bucket_lock() == BucketLock(enabled=False)
    assert make_backend(lock="enabled").store.bucket_lock() == BucketLock(enabled=True)
    assert make_backend(lock="governance", days=32).store.bucket_lock() == \
        BucketLock(enabled=True, mode="GOVERNANCE", days=32)


def test_default_governance_retention_refuses_that_version_only(make_backend: MakeBackend,
                                                                ) -> None:
    backend = make_backend(lock="governance", days=1)
    locked = backend.store.write("main/base/1/data.tar", b"data")
    marker = backend.add_delete_marker("main/base/1/data.tar")
    backend.store.write("main/base/0/data.tar", b"older")
    other = backend.add_delete_marker("main/base/0/data.tar")
    lock = backend.store.object_lock("main/base/1/data.tar", locked.version_id)
    assert lock.mode == "GOVERNANCE" and not lock.legal_hold
    assert same_instant(lock.retain_until, locked.last_modified + timedelta(days=1))

    result = backend.store.delete_versions([(v.key, v.version_id) for v in (locked, marker, other)])

    assert result.deleted == (("main/base/1/data.tar", marker.version_id),
                              ("main/base/0/data.tar", other.version_id))
    [failure] = result.failed
    assert (failure.key, failure.version_id, failure.code) == \
        ("main/base/1/data.tar", locked.version_id, "AccessDenied")
    assert [(v.key, v.is_delete_marker) for v in backend.store.list_versions()] == \
        [("main/base/0/data.tar", False), ("main/base/1/data.tar", False)]


def test_retention_and_legal_hold_refuse_while_the_rest_of_the_batch_goes(
        make_backend: MakeBackend) -> None:
    backend = make_backend(lock="enabled")
    free, retained, held = (backend.store.write(f"main/{n}", n.encode()) for n in "abc")
    assert backend.store.object_lock("main/a", free.version_id).retain_until is None
    until = backend.now() + timedelta(days=2)
    assert backend.store.extend_retention("main/b", retained.version_id, until, "GOVERNANCE",
                                          known_until=None)
    backend.store.set_legal_hold("main/c", held.version_id, True)

    result = backend.store.delete_versions(
        [(v.key, v.version_id) for v in (free, retained, held)])

    assert result.deleted == (("main/a", free.version_id),)
    assert [(f.key, f.version_id, f.code) for f in result.failed] == [
        ("main/b", retained.version_id, "AccessDenied"),
        ("main/c", held.version_id, "AccessDenied")]
    assert [v.key for v in backend.store.list_versions()] == ["main/b", "main/c"]


def test_extend_retention_extends_and_never_shortens(make_backend: MakeBackend) -> None:
    backend = make_backend(lock="governance", days=1)
    store = backend.store
    v = store.write("main/k", b"x")
    start = store.object_lock("main/k", v.version_id).retain_until
    assert start is not None
    later, sooner = start + timedelta(days=5), start + timedelta(hours=12)

    assert store.extend_retention("main/k", v.version_id, later, "GOVERNANCE", known_until=None)
    backend.calls.clear()
    assert not store.extend_retention("main/k", v.version_id, sooner, "GOVERNANCE", None)
    assert not store.extend_retention("main/k", v.version_id, later, "GOVERNANCE", later)
    assert not store.extend_retention("main/k", v.version_id, start, "GOVERNANCE", start)

    lock = store.object_lock("main/k", v.version_id)
    assert lock.mode == "GOVERNANCE" and same_instant(lock.retain_until, later)
    if backend.name == "s3":
        assert backend.calls["PutObjectRetention"] == 0
        assert backend.calls["HeadObject"] == 2  # one for the unknown current value, one above


def test_compliance_retention_is_extended_and_never_shortened(make_backend: MakeBackend) -> None:
    backend = make_backend(lock="enabled")
    v = backend.store.write("main/evidence/checkpoint-1", b"head")
    until = backend.now() + timedelta(days=3)

    assert backend.store.extend_retention(v.key, v.version_id, until, "COMPLIANCE", None)
    assert not backend.store.extend_retention(v.key, v.version_id, until - timedelta(days=1),
                                              "COMPLIANCE", None)

    lock = backend.store.object_lock(v.key, v.version_id)
    assert lock.mode == "COMPLIANCE" and same_instant(lock.retain_until, until)
    assert backend.store.delete_versions([(v.key, v.version_id)]).failed[0].code == \
        "AccessDenied"


def test_legal_hold_is_set_and_cleared(make_backend: MakeBackend) -> None:
    backend = make_backend(lock="enabled")
    v = backend.store.write("main/base/1/backup.info", b"x")
    item = (v.key, v.version_id)

    backend.store.set_legal_hold(*item, True)
    assert backend.store.object_lock(*item).legal_hold
    assert backend.store.delete_versions([item]).failed[0].code == "AccessDenied"

    backend.store.set_legal_hold(*item, False)
    assert not backend.store.object_lock(*item).legal_hold
    assert backend.store.delete_versions([item]).deleted == (item,)
    assert list(backend.store.list_versions()) == []


def test_lock_changes_without_object_lock_are_storage_errors(backend: Backend) -> None:
    v = backend.store.write("main/k", b"x")
    with pytest.raises(StorageError):
        backend.store.set_legal_hold(v.key, v.version_id, True)
    with pytest.raises(StorageError):
        backend.store.extend_retention(v.key, v.version_id, backend.now() + timedelta(days=1),
                                       "GOVERNANCE", None)


def test_naive_instants_are_refused(make_backend: MakeBackend) -> None:
    backend = make_backend(lock="enabled")
    v = backend.store.write("main/k", b"x")
    with pytest.raises(ValueError, match="timezone-aware"):
        backend.store.extend_retention(v.key, v.version_id, datetime(2030, 1, 1),  # noqa: DTZ001
                                       "GOVERNANCE", None)


# --- opening stores ---


def test_open_store_opens_both_kinds(s3_endpoint: str, tmp_path: Path) -> None:
    def clock() -> datetime:
        return datetime(2026, 6, 1, tzinfo=UTC)

    s3 = open_store("s3://rex-backups/pg/", clock)
    local = open_store(tmp_path.as_uri(), clock)

    assert isinstance(s3, S3Store) and (s3.bucket, s3.root, s3.url) == \
        ("rex-backups", "pg/", "s3://rex-backups/pg")
    retries = getattr(s3.client.meta.config, "retries", None) or {}  # untyped in the stubs
    assert (retries["mode"], retries["total_max_attempts"]) == ("adaptive", 11)  # 10 retries
    assert s3.client.meta.endpoint_url == s3_endpoint
    assert isinstance(local, LocalStore) and local.root == tmp_path


@pytest.mark.parametrize("url", ["", "/backups", "gs://bucket/pg", "s3://", "s3:///pg",
                                 "s3://Bad_Bucket/pg", "file://backups", "file:///"])
def test_open_store_refuses_other_urls(url: str) -> None:
    with pytest.raises(InputError, match=r"s3://BUCKET\[/PREFIX\] or file:///ABSOLUTE/DIR"):
        open_store(url, lambda: datetime(2026, 6, 1, tzinfo=UTC))


def test_a_missing_bucket_or_directory_is_an_error_naming_it(s3_endpoint: str,
                                                             tmp_path: Path) -> None:
    """S3 answers NoSuchBucket (a StorageError, which the CLI maps to bad input by its code);
    a missing folder is bad input at once (InputError, exit 2)."""
    def clock() -> datetime:
        return datetime(2026, 6, 1, tzinfo=UTC)

    with pytest.raises(StorageError, match=r"rex-no-such-bucket"):
        list(open_store("s3://rex-no-such-bucket/pg", clock).list_versions())
    with pytest.raises(InputError, match=r"missing does not exist"):
        list(open_store((tmp_path / "missing").as_uri(), clock).list_versions())


def test_delete_failure_codes_from_the_local_store_name_the_lock(tmp_path: Path) -> None:
    store = LocalStore(tmp_path, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))
    store.set_bucket_lock(BucketLock(enabled=True, mode="GOVERNANCE", days=1))
    v: ObjectVersion = store.write("main/k", b"x")
    [failure] = store.delete_versions([(v.key, v.version_id)]).failed
    assert "GOVERNANCE until 2026-06-02" in failure.message
    later = LocalStore(tmp_path, clock=lambda: datetime(2026, 6, 2, 0, 0, 1, tzinfo=UTC))
    assert later.delete_versions([(v.key, v.version_id)]).deleted == ((v.key, v.version_id),)


def test_deleting_from_a_missing_bucket_or_directory_fails_every_key(s3_endpoint: str,
                                                                      tmp_path: Path) -> None:
    items = [("main/a", "1"), ("main/b", "2")]
    for url in ["s3://rex-no-such-bucket/pg", (tmp_path / "missing").as_uri()]:
        result = open_store(url, lambda: datetime(2026, 6, 1, tzinfo=UTC)).delete_versions(items)
        assert (result.deleted, result.requests) == ((), 1)
        assert [(f.key, f.version_id, f.code) for f in result.failed] == \
            [(k, v, "NoSuchBucket") for k, v in items]
