"""Pure helpers of the stores: delete batches, checksums, default retention."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from retention.storage.base import MAX_DELETE_BATCH, BucketLock
from retention.storage.common import crc32_checksum, delete_batches, utc
from retention.storage.localconfig import default_retain_until


def test_batches_hold_at_most_1000_items_in_order() -> None:
    items = [(f"k{i}", f"v{i}") for i in range(2500)]
    batches = list(delete_batches(items))
    assert [len(b) for b in batches] == [MAX_DELETE_BATCH, MAX_DELETE_BATCH, 500]
    assert [i for b in batches for i in b] == items


def test_batches_drop_repeats_and_nothing_makes_no_batch() -> None:
    assert list(delete_batches([("a", "1"), ("a", "2"), ("a", "1"), ("b", None)])) == \
        [[("a", "1"), ("a", "2"), ("b", None)]]
    assert list(delete_batches([])) == []


def test_crc32_checksum_is_what_s3_reports() -> None:
    assert crc32_checksum(b"x") == "CRC32:jNwWgw=="  # ChecksumCRC32 of a PUT of b"x"
    assert crc32_checksum(b"") == "CRC32:AAAAAA=="


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="until must be timezone-aware"):
        utc(datetime(2026, 1, 1), "until")  # noqa: DTZ001


@pytest.mark.parametrize(("lock", "expected"), [
    (BucketLock(enabled=False), None),
    (BucketLock(enabled=True), None),
    (BucketLock(enabled=True, mode="GOVERNANCE", days=32), datetime(2026, 3, 4, 10, tzinfo=UTC)),
    (BucketLock(enabled=True, mode="COMPLIANCE", years=1), datetime(2027, 1, 31, 10, tzinfo=UTC)),
])
def test_default_retention_of_a_new_version(lock: BucketLock, expected: datetime | None) -> None:
    assert default_retain_until(lock, datetime(2026, 1, 31, 10, tzinfo=UTC)) == expected
