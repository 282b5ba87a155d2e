"""How one ListObjectVersions page becomes ObjectVersions (what moto does not list, too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from retention.storage.base import ObjectVersion
from retention.storage.s3 import page_versions

T = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_versions_and_markers_merge_into_key_order_relative_to_the_prefix() -> None:
    page = {
        "Versions": [
            {"Key": "pg/main/a", "VersionId": "a2", "IsLatest": False, "Size": 3,
             "ETag": '"e2"', "LastModified": T, "ChecksumAlgorithm": ["CRC32"]},
            {"Key": "pg/main/a", "VersionId": "a1", "IsLatest": False, "Size": 1,
             "ETag": '"e1"', "LastModified": T - timedelta(hours=1)},
            {"Key": "pg/main/b", "VersionId": "null", "IsLatest": True, "Size": 0,
             "ETag": '"e0"', "LastModified": T.astimezone(timezone(timedelta(hours=2)))},
        ],
        "DeleteMarkers": [
            {"Key": "pg/main/a", "VersionId": "m", "IsLatest": True, "LastModified": T},
        ],
    }
    assert page_versions(page, "pg/") == [
        ObjectVersion("main/a", "m", 0, "", T, is_latest=True, is_delete_marker=True),
        ObjectVersion("main/a", "a2", 3, "e2", T, is_latest=False, checksum="CRC32"),
        ObjectVersion("main/a", "a1", 1, "e1", T - timedelta(hours=1), is_latest=False),
        ObjectVersion("main/b", "null", 0, "e0", T, is_latest=True),
    ]
    assert page_versions(page, "pg/")[3].last_modified.tzinfo is UTC


def test_an_empty_page_has_no_versions() -> None:
    assert page_versions({"IsTruncated": False}, "") == []
