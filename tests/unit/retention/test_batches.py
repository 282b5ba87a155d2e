from datetime import UTC, datetime, timedelta

from retention.batches import StoredObject, delete_batches, hold_batches, retain_batches

T = datetime(2026, 11, 29, tzinfo=UTC)


def obj(key: str, until: datetime | None = None, held: bool = False) -> StoredObject:
    return StoredObject(key, "v1", until, held)


def test_deletes_are_batched_by_1000_with_versions() -> None:
    batches = delete_batches([obj(f"k{i:05d}") for i in range(2500)])
    assert [len(b.items) for b in batches] == [1000, 1000, 500]
    assert batches[0].items[0] == ("k00000", "v1", None)
    assert [len(b.items) for b in delete_batches([obj("a")], size=5000)] == [1]


def test_retention_is_only_ever_extended() -> None:
    later, earlier = T + timedelta(days=90), T + timedelta(days=10)
    batches = retain_batches([(obj("short", earlier), later), (obj("long", later), earlier),
                              (obj("same", later), later), (obj("none"), later),
                              (obj("forever", earlier), None)])
    assert [i[:2] for b in batches for i in b.items] == [("none", "v1"), ("short", "v1")]
    assert batches[0].items[0][2] == "2027-02-27T00:00:00Z"


def test_compliance_cap_bounds_the_lock() -> None:
    [batch] = retain_batches([(obj("k"), T + timedelta(days=400))],
                             compliance_cap=T + timedelta(days=200))
    assert batch.items[0][2] == "2027-06-17T00:00:00Z"


def test_legal_holds_set_and_cleared() -> None:
    batches = hold_batches([obj("a"), obj("b", held=True)], [obj("b", held=True), obj("c")])
    assert [(b.kind, [i[0] for i in b.items]) for b in batches] == [("hold", ["a"]),
                                                                    ("unhold", ["c"])]


def test_a_delete_marker_is_deleted_but_never_locked_or_held() -> None:
    """S3 answers MethodNotAllowed to a lock or legal hold on a delete marker."""
    marker = StoredObject("suite/base/1/annotations/keep", "m1", None, False, "1",
                          delete_marker=True)
    assert retain_batches([(marker, T + timedelta(days=9))]) == []
    assert hold_batches([marker], []) == []
    assert [b.items for b in delete_batches([marker])] == [((marker.key, "m1", None),)]
