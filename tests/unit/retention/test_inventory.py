import pytest

from retention.errors import InputError
from retention.inventory import parse_inventory

POINT = {"id": "20261101T010000", "server": "suite", "status": "done",
         "begin_time": "2026-11-01T01:00:00Z", "end_time": "2026-11-01T01:20:00Z",
         "begin_wal": "000000010000000A00000010", "end_wal": "000000010000000A00000012",
         "parent": None, "locked_until": None}


def problems(doc: object) -> str:
    with pytest.raises(InputError) as err:
        parse_inventory(doc, "inv.json")
    return str(err.value)


def test_the_issue_example_parses() -> None:
    doc = {"points": [POINT],
           "wal": [{"server": "suite", "timeline": 1, "first": "000000010000000000000001",
                    "last": "000000010000000A000000FF", "locked_until": None}],
           "holds": [{"id": "H1", "kind": "legal", "server": "suite", "point": POINT["id"],
                      "reason": "case 12", "by": "legal"},
                     {"id": "H2", "kind": "legal", "server": "suite",
                      "from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z",
                      "reason": "audit", "by": "auditor"},
                     {"id": "drill-7", "kind": "lease", "server": "suite", "point": POINT["id"],
                      "until": "2026-11-29T04:00:00Z"}],
           "contracts": [{"tenant": "acme", "terminated_at": "2026-09-30T22:00:00Z",
                          "servers": ["suite"]}]}
    parsed = parse_inventory(doc, "inv.json")
    [p] = parsed.inventory.points
    assert (p.timeline, p.begin_pos, p.end_pos) == (1, 10 * 256 + 16, 10 * 256 + 18)
    assert parsed.inventory.wal[0].last == 10 * 256 + 255
    assert [h.kind for h in parsed.holds] == ["legal", "legal", "lease"]
    assert parsed.contracts[0].servers == ("suite",)


def test_every_problem_is_named_with_its_path() -> None:
    bad = dict(POINT, end_wal="00000001XYZ", status="finished")
    message = problems({"points": [POINT, bad, dict(POINT, end_time="yesterday")],
                        "wal": [{"server": "suite", "first": "000000010000000000000009",
                                 "last": "000000010000000000000001"}],
                        "contracts": [{"servers": "suite"}], "extra": 1})
    assert "points[1].status: expected one of done, failed, running, got 'finished'" in message
    assert "points[1].end_wal: expected a WAL segment name of 24 hex digits" in message
    assert "points[2].end_time: expected an ISO 8601 instant" in message
    assert "wal[0]: first and last must be on one timeline, first <= last" in message
    assert "contracts[0].servers: expected a list of server names" in message
    assert "contracts[0].tenant: missing" in message
    assert "extra: unknown key" in message
    assert "points: 20261101T010000 appears twice for server suite" in message


def test_a_done_point_needs_its_end() -> None:
    message = problems({"points": [dict(POINT, end_time=None, end_wal=None)]})
    assert "points[0].end_time: missing" in message and "points[0].end_wal: missing" in message


def test_a_running_point_has_no_end() -> None:
    running = dict(POINT, status="running", end_time=None, end_wal=None)
    [p] = parse_inventory({"points": [running]}, "inv.json").inventory.points
    assert (p.end_time, p.end_pos) == (None, None)


def test_naive_instants_are_refused() -> None:
    assert "has no timezone" in problems({"points": [dict(POINT, begin_time="2026-11-01T01:00")]})


def test_not_an_object() -> None:
    assert "expected a JSON object" in problems([1, 2])
