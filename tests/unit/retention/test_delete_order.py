"""The order of delete batches: a backup is removed whole or stays whole.

barman-cloud finds a backup only through ``base/<id>/backup.info``; so every version of a
backup's backup.info comes in a later DeleteObjects batch than all of its data, and batches stay
full (at most 1,000 keys, S3's limit): no request per backup.
"""

from __future__ import annotations

from math import ceil

from hypothesis import given, settings
from hypothesis import strategies as st

from retention.batches import Batch, StoredObject, backup_info_of, delete_batches


def backup(point: str, data: int = 1, infos: int = 2) -> list[StoredObject]:
    """A backup as barman-cloud leaves it: backup.info uploaded twice, ``data`` data versions."""
    base = f"suite/base/{point}"
    return ([StoredObject(f"{base}/backup.info", f"i{n}", None, False, point)
             for n in range(infos)]
            + [StoredObject(f"{base}/data_{n:04d}.tar.gz", "v1", None, False, point)
               for n in range(data)])


def wal(count: int, start: int = 0) -> list[StoredObject]:
    return [StoredObject(f"suite/wals/0000000100000000/{n:024X}.gz", "v1", None, False)
            for n in range(start, start + count)]


def batch_of(batches: list[Batch]) -> dict[tuple[str, str], int]:
    return {(k, v): n for n, b in enumerate(batches) for k, v, _ in b.items}


def assert_whole(batches: list[Batch], objects: list[StoredObject], size: int) -> None:
    """Each version once, batches within size, each backup.info after all data of its backup."""
    where = batch_of(batches)
    assert sum(len(b.items) for b in batches) == len(where)
    assert set(where) == {(o.key, o.version_id) for o in objects}
    assert all(b.kind == "delete" and 0 < len(b.items) <= size for b in batches)
    last_data: dict[str, int] = {}
    for o in objects:
        if o.point is not None and backup_info_of(o.key) != o.point:
            last_data[o.point] = max(last_data.get(o.point, -1), where[(o.key, o.version_id)])
    for o in objects:
        if o.point is not None and backup_info_of(o.key) == o.point:
            assert where[(o.key, o.version_id)] > last_data.get(o.point, -1), o


def test_backup_info_is_recognised_by_barman_cloud_layout_only() -> None:
    assert backup_info_of("suite/base/20260515T010000/backup.info") == "20260515T010000"
    assert backup_info_of("pg/suite/base/20260515T010000/backup.info") == "20260515T010000"
    assert backup_info_of("suite/base/20260515T010000/data.tar.gz") is None
    assert backup_info_of("suite/base/20260515T010000/annotations/backup.info") is None
    assert backup_info_of("suite/wals/backup.info") is None


def label(key: str, version: str) -> str:
    """A:data0, A:info@i1, wal2: which backup or WAL position a deleted version is."""
    parts = key.split("/")
    if parts[1] == "wals":
        return f"wal{int(parts[-1][:24], 16)}"
    kind = "info@" + version if parts[-1] == "backup.info" else "data" + parts[-1][8]
    return f"{parts[2]}:{kind}"


def test_data_first_then_backup_info_in_the_next_batch_then_wal() -> None:
    objects = backup("A") + backup("B") + wal(7)
    batches = delete_batches(objects, size=4)
    assert [[label(k, v) for k, v, _ in b.items] for b in batches] == [
        ["A:data0", "B:data0", "wal0", "wal1"],  # WAL fills the room the data leaves
        ["A:info@i0", "A:info@i1", "B:info@i0", "B:info@i1"],
        ["wal2", "wal3", "wal4", "wal5"],
        ["wal6"],
    ]
    assert_whole(batches, objects, 4)


def test_full_batches_when_wal_fills_the_last_data_batch() -> None:
    """The storage benchmark's shape: 15 expired backups of three versions, 41,679 WAL
    versions: as many requests as without the ordering, ceil(41,724 / 1,000) = 42."""
    objects = [o for n in range(15) for o in backup(f"2026052{n:02d}T010000")] + wal(41_679)
    batches = delete_batches(objects)
    assert len(batches) == 42 == ceil(len(objects) / 1000)
    assert [len(b.items) for b in batches[:-1]] == [1000] * 41
    assert {backup_info_of(k) for k, _, _ in batches[1].items[:30]} == {
        f"2026052{n:02d}T010000" for n in range(15)}  # right after the data, not at the end
    assert_whole(batches, objects, 1000)


def test_one_more_request_only_when_nothing_else_fills_the_data_batch() -> None:
    """Without WAL, a backup's backup.info cannot share its data's batch."""
    objects = backup("A", data=3)
    batches = delete_batches(objects, size=1000)
    assert [len(b.items) for b in batches] == [3, 2]
    assert_whole(batches, objects, 1000)
    exact = backup("A", data=4) + wal(2)  # the data fills its batch exactly: no room to fill
    assert [len(b.items) for b in delete_batches(exact, size=4)] == [4, 4]


def test_the_batch_size_never_exceeds_s3s_limit_and_repeats_go_once() -> None:
    objects = backup("A", data=1500) + wal(600)
    batches = delete_batches(objects + objects[:10], size=5000)
    assert [len(b.items) for b in batches] == [1000, 1000, 102]
    assert_whole(batches, objects, 1000)


def test_objects_of_no_backup_keep_plain_key_order() -> None:
    objects = wal(2500)
    batches = delete_batches(list(reversed(objects)))
    assert [len(b.items) for b in batches] == [1000, 1000, 500]
    assert [k for b in batches for k, _, _ in b.items] == sorted(o.key for o in objects)


def test_a_backup_with_only_its_backup_info_left_goes_in_any_batch() -> None:
    objects = backup("A", data=0) + wal(3)
    batches = delete_batches(objects, size=1000)
    assert len(batches) == 1
    assert_whole(batches, objects, 1000)


@settings(max_examples=200, deadline=None)
@given(backups=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 3)), max_size=12),
       wal_count=st.integers(0, 40), size=st.integers(1, 9))
def test_any_mix_is_whole_and_needs_at_most_one_extra_request(
        backups: list[tuple[int, int]], wal_count: int, size: int) -> None:
    objects = [o for n, (data, infos) in enumerate(backups)
               for o in backup(f"P{n:02d}", data, infos)] + wal(wal_count)
    batches = delete_batches(objects, size=size)
    assert_whole(batches, objects, size)
    assert len(batches) <= ceil(len(objects) / size) + 1
    has_data = any(o.point and backup_info_of(o.key) is None for o in objects)
    if not has_data or wal_count >= -sum(d for d, _ in backups) % size:
        assert len(batches) == ceil(len(objects) / size)
