"""ObjectStore on S3 through boto3. Endpoint, region and credentials come from boto3's own
configuration (``AWS_ENDPOINT_URL``, profiles, environment); nothing is hard-coded here.

S3 enforces Object Lock itself, so this store needs no clock. What S3 (and moto) leave to the
client is enforced here: DeleteObjects batches of at most MAX_DELETE_BATCH, version ids on every
delete, and never asking to shorten a retain-until.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from retention.errors import StorageError
from retention.storage.base import (
    BucketLock,
    DeleteFailure,
    DeleteResult,
    LockMode,
    ObjectLock,
    ObjectVersion,
)
from retention.storage.common import Item, delete_batches, utc

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client
    from types_boto3_s3.type_defs import DeleteObjectsOutputTypeDef, ObjectIdentifierTypeDef

# SigV4 pinned: without it botocore may presign with SigV2 in some regions and configurations,
# whose links S3 refuses there (and SigV2 ignores the 7-day limit rex promises)
CLIENT_CONFIG = Config(signature_version="s3v4",
                       retries={"mode": "adaptive", "max_attempts": 10})


def client_config() -> Config:
    """CLIENT_CONFIG, but boto's own AWS_MAX_ATTEMPTS wins when set (a client's config would
    otherwise override the environment): an operator or a test can fail fast."""
    if os.environ.get("AWS_MAX_ATTEMPTS"):
        return Config(signature_version="s3v4", retries={"mode": "adaptive"})
    return CLIENT_CONFIG
TRANSFER = TransferConfig(multipart_threshold=64 << 20, multipart_chunksize=64 << 20)
NULL_VERSION = "null"  # S3's version id of an object written while versioning was off


def _lock_mode(value: object) -> LockMode | None:
    if value == "GOVERNANCE":
        return "GOVERNANCE"
    return "COMPLIANCE" if value == "COMPLIANCE" else None


def _version_arg(version_id: str | None) -> dict[str, Any]:
    """``VersionId=`` when one is named (Any: the stubs type each keyword separately)."""
    return {"VersionId": version_id} if version_id else {}


class S3Store:
    """Backups under ``s3://bucket/prefix``; keys in this API are relative to the prefix."""

    def __init__(self, bucket: str, prefix: str = "", client: S3Client | None = None) -> None:
        self.bucket = bucket
        self.root = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.root}".rstrip("/")
        self.client: S3Client = client or boto3.client("s3", config=client_config())

    # --- helpers ---

    def _key(self, key: str) -> str:
        return self.root + key

    def _rel(self, full_key: str) -> str:
        return full_key[len(self.root):]

    @contextmanager
    def _request(self, what: str, key: str = "") -> Iterator[None]:
        where = f"s3://{self.bucket}/{self._key(key)}" if key else self.url
        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise StorageError(f"S3 {what} on {where} failed: {error.get('Code', '?')}: "
                               f"{error.get('Message', exc)}; check the bucket, the "
                               "credentials and the endpoint (AWS_ENDPOINT_URL)") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {what} on {where} failed: {exc}; check the endpoint "
                               "(AWS_ENDPOINT_URL), region and credentials") from exc

    # --- reading ---

    def list_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """Every version and delete marker under prefix, one ListObjectVersions page at a time."""
        paginator = self.client.get_paginator("list_object_versions")
        with self._request("ListObjectVersions", prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                yield from page_versions(page, self.root)

    def read(self, key: str, version_id: str | None = None) -> bytes:
        extra = _version_arg(version_id)
        with self._request("GetObject", key):
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **extra)["Body"]
            return body.read()

    def read_chunks(self, key: str, version_id: str | None = None,
                    chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """GetObject's body in pieces of at most ``chunk_size`` (StreamingBody.iter_chunks):
        memory stays bounded; botocore validates the body's checksum as it ends."""
        extra = _version_arg(version_id)
        with self._request("GetObject", key):
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **extra)["Body"]
            try:
                yield from body.iter_chunks(chunk_size)
            finally:
                body.close()

    def _head(self, key: str, version_id: str | None, checksum: bool = False) -> Any:
        extra = _version_arg(version_id)
        if checksum:
            extra["ChecksumMode"] = "ENABLED"
        with self._request("HeadObject", key):
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key), **extra)

    # --- writing ---

    def write(self, key: str, data: bytes) -> ObjectVersion:
        """PUT with a CRC32 checksum (Object Lock requires one), then HEAD for what S3 stored."""
        with self._request("PutObject", key):
            put = self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                                         ChecksumAlgorithm="CRC32")
        head = self._head(key, put.get("VersionId"), checksum=True)
        crc = head.get("ChecksumCRC32") or put.get("ChecksumCRC32")
        return ObjectVersion(
            key=key, version_id=put.get("VersionId"), size=int(head["ContentLength"]),
            etag=str(head.get("ETag", "")).strip('"'),
            last_modified=head["LastModified"].astimezone(UTC),
            checksum=f"CRC32:{crc}" if crc else None)

    def write_file(self, key: str, path: Path) -> ObjectVersion:
        """Upload a file from disk (in parts above 64 MiB: memory stays bounded) with CRC32
        checksums, then HEAD the version S3 stored."""
        try:
            with self._request("PutObject", key):
                self.client.upload_file(str(path), self.bucket, self._key(key),
                                        ExtraArgs={"ChecksumAlgorithm": "CRC32"},
                                        Config=TRANSFER)
        except S3UploadFailedError as exc:
            raise StorageError(f"S3 upload of {path} to s3://{self.bucket}/{self._key(key)} "
                               f"failed: {exc}; check the bucket, the credentials and the "
                               "endpoint (AWS_ENDPOINT_URL)") from exc
        head = self._head(key, None, checksum=True)
        crc = head.get("ChecksumCRC32")
        return ObjectVersion(
            key=key, version_id=head.get("VersionId"), size=int(head["ContentLength"]),
            etag=str(head.get("ETag", "")).strip('"'),
            last_modified=head["LastModified"].astimezone(UTC),
            checksum=f"CRC32:{crc}" if crc else None)

    def presigned_get(self, key: str, version_id: str | None, seconds: int) -> str:
        """A URL that GETs this version without credentials for ``seconds`` (S3: at most 7
        days, and only while the credentials that signed it are valid)."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(key),
                                  **_version_arg(version_id)}
        with self._request("presign GetObject", key):
            return self.client.generate_presigned_url("get_object", Params=params,
                                                      ExpiresIn=seconds)

    # --- deleting ---

    def delete_versions(self, items: Sequence[Item]) -> DeleteResult:
        """DeleteObjects with version ids, Quiet, at most MAX_DELETE_BATCH keys a request.

        A per-key error (AccessDenied under Object Lock) is a DeleteFailure. A request that fails
        as a whole (after botocore's retries) fails every key of its batch, and the next batch
        is still tried, so the result always accounts for every item.
        """
        deleted: list[Item] = []
        failed: list[DeleteFailure] = []
        requests = 0
        for batch in delete_batches(items):
            requests += 1
            ok, bad = self._delete_batch(batch)
            deleted += ok
            failed += bad
        return DeleteResult(deleted=tuple(deleted), failed=tuple(failed), requests=requests)

    def _delete_batch(self, batch: list[Item]) -> tuple[list[Item], list[DeleteFailure]]:
        objects: list[ObjectIdentifierTypeDef] = [
            {"Key": self._key(k), "VersionId": v or NULL_VERSION} for k, v in batch]
        try:
            response = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})
        except ClientError as exc:
            error = exc.response.get("Error", {})
            return [], [DeleteFailure(k, v, error.get("Code", "ClientError"),
                                      error.get("Message", str(exc))) for k, v in batch]
        except BotoCoreError as exc:
            return [], [DeleteFailure(k, v, type(exc).__name__, str(exc)) for k, v in batch]
        return self._batch_outcome(batch, response)

    def _batch_outcome(self, batch: list[Item], response: DeleteObjectsOutputTypeDef,
                       ) -> tuple[list[Item], list[DeleteFailure]]:
        """Match errors to items: by key and version id, or (where the server omits the version
        id, as moto does) by key among the items the response does not list as deleted."""
        reported = {(self._rel(d.get("Key", "")), d.get("VersionId"))
                    for d in response.get("Deleted", [])}
        failures: dict[Item, DeleteFailure] = {}
        for error in response.get("Errors", []):
            key, version = self._rel(error.get("Key", "")), error.get("VersionId")
            for item in batch:
                exact = version is not None and item == (key, _none_if_null(version, item[1]))
                by_key = version is None and item[0] == key and item not in reported
                if exact or by_key:
                    failures[item] = DeleteFailure(item[0], item[1], error.get("Code", "?"),
                                                   error.get("Message", ""))
        return [i for i in batch if i not in failures], list(failures.values())

    # --- locks ---

    def bucket_lock(self) -> BucketLock:
        try:
            config = self.client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ObjectLockConfigurationNotFoundError":
                return BucketLock(enabled=False)
            with self._request("GetObjectLockConfiguration"):
                raise
        lock = config.get("ObjectLockConfiguration", {})
        default = lock.get("Rule", {}).get("DefaultRetention", {})
        return BucketLock(enabled=lock.get("ObjectLockEnabled") == "Enabled",
                          mode=_lock_mode(default.get("Mode")),
                          days=default.get("Days") or None, years=default.get("Years") or None)

    def add_delete_marker(self, key: str) -> ObjectVersion:
        """DeleteObject without a version id: in a versioned bucket a delete marker becomes the
        newest version and every version stays (Object Lock allows it). rex does this only to
        release the keep annotation it wrote, as barman-cloud-backup-keep --release does."""
        with self._request("DeleteObject", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        # the marker as listed: its LastModified is the storage's, not a clock of rex's
        return next(v for v in self.list_versions(key) if v.key == key and v.is_latest)

    def bucket_versioning(self) -> str | None:
        with self._request("GetBucketVersioning"):
            status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
        return str(status) if status else None

    def top_prefixes(self) -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        names: set[str] = set()
        with self._request("ListObjectsV2"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.root, Delimiter="/"):
                names.update(p["Prefix"][len(self.root):].rstrip("/")
                             for p in page.get("CommonPrefixes", []))
        return sorted(n for n in names if n)

    def object_lock(self, key: str, version_id: str | None) -> ObjectLock:
        """The lock of one version from HEAD (moto has no GetObjectRetention)."""
        head = self._head(key, version_id)
        until = head.get("ObjectLockRetainUntilDate")
        return ObjectLock(mode=_lock_mode(head.get("ObjectLockMode")),
                          retain_until=until.astimezone(UTC) if until else None,
                          legal_hold=head.get("ObjectLockLegalHoldStatus") == "ON")

    def extend_retention(self, key: str, version_id: str | None, until: datetime,
                         mode: LockMode, known_until: datetime | None) -> bool:
        """Set retain-until only if later than the current one (read by HEAD when not known).

        Never sends BypassGovernanceRetention: S3 itself refuses any shortening."""
        until = utc(until, "until")
        current = known_until if known_until is not None else \
            self.object_lock(key, version_id).retain_until
        if current is not None and until <= utc(current, "known_until"):
            return False
        extra = _version_arg(version_id)
        with self._request("PutObjectRetention", key):
            self.client.put_object_retention(
                Bucket=self.bucket, Key=self._key(key),
                Retention={"Mode": mode, "RetainUntilDate": until}, **extra)
        return True

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None:
        status: Literal["ON", "OFF"] = "ON" if on else "OFF"
        extra = _version_arg(version_id)
        with self._request("PutObjectLegalHold", key):
            self.client.put_object_legal_hold(Bucket=self.bucket, Key=self._key(key),
                                              LegalHold={"Status": status}, **extra)


def page_versions(page: Any, root: str) -> list[ObjectVersion]:
    """One ListObjectVersions page (Any: its TypedDict) as versions relative to ``root``: versions
    and delete markers come in two lists and are merged back into key order, newest first.
    A listing names only the checksum algorithm (e.g. ``CRC32``), not the value."""
    found = [_listed(v, root, marker=False) for v in page.get("Versions", [])]
    found += [_listed(m, root, marker=True) for m in page.get("DeleteMarkers", [])]
    found.sort(key=lambda v: (v.key, not v.is_latest, -v.last_modified.timestamp()))
    return found


def _listed(entry: Any, root: str, marker: bool) -> ObjectVersion:
    algorithms = entry.get("ChecksumAlgorithm") or []
    return ObjectVersion(
        key=entry["Key"][len(root):], version_id=entry.get("VersionId"),
        size=int(entry.get("Size", 0)), etag=str(entry.get("ETag", "")).strip('"'),
        last_modified=entry["LastModified"].astimezone(UTC),
        is_latest=bool(entry.get("IsLatest", False)), is_delete_marker=marker,
        checksum=algorithms[0] if algorithms else None)


def _none_if_null(version: str, asked: str | None) -> str | None:
    """S3 reports the null version as "null"; an item may have named it None."""
    return None if version == NULL_VERSION and asked is None else version
