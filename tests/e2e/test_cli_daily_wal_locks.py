"""The daily job on four consecutive days (cases/retention/daily-wal-locked-forever): WAL that
leaves the PITR window is deleted once its own 32-day lock has passed, and rex never locks it
for longer. Before the fix, each day one more range stayed "locked until" the date of another
object (a kept daily's own WAL, locked for six months) and rex then set that lock for real."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from click.testing import CliRunner

from cli import main
from tests.support.nightly_store import add_night, write_store

FIRST = datetime(2026, 4, 3, 1, 0, tzinfo=UTC)
SEGMENT = "000000010000000300000052"  # archived 2026-10-28T13:25Z, its own lock ends +32 days
OWN_LOCK = datetime(2026, 11, 29, 13, 25, tzinfo=UTC)


def run(store: Path, day: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, [
        "--storage", store.as_uri(), "--catalog", f"sqlite:///{store / 'c.db'}",
        "--now", f"{day}T12:00:00Z", "run", "--server", "suite", "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def versions(store: Path, name: str) -> list[dict[str, Any]]:
    folder = store / ".rex-versions" / quote(f"suite/wals/{name[:16]}/{name}.gz", safe="")
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_wal_leaving_the_window_goes_when_its_own_lock_ends_and_no_lock_is_invented(
        tmp_path: Path) -> None:
    store = tmp_path / "store"
    pos = write_store(store, first=FIRST, lock_days=32)
    for day in ("2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"):
        if day != "2026-11-29":
            pos = add_night(store, datetime.fromisoformat(day).replace(tzinfo=UTC), pos,
                            lock_days=32)
        now = datetime.fromisoformat(f"{day}T12:00:00+00:00")
        plan = run(store, day)["plan"]
        locked = [w for w in plan["wal"] if w["action"] == "keep"
                  and all(r.startswith("locked until ") for r in w["reasons"])]
        # at most the stretch whose default lock has not ended yet, and never beyond that lock
        assert len(locked) <= 1, locked
        for w in locked:
            until = datetime.fromisoformat(w["expires"].replace("Z", "+00:00"))
            assert now < until <= now + timedelta(days=1)
            assert w["retain_until"] is None  # a lock gives no reason to lock longer
        held = versions(store, SEGMENT)
        if day == "2026-11-29":  # still in its own lock: kept, and that lock is unchanged
            assert [v["retain_until"] for v in held] == [OWN_LOCK.isoformat()]
        else:
            assert held == [], f"{SEGMENT} left the window and its lock on {OWN_LOCK}: gone"


def test_an_object_already_locked_longer_than_rex_knows_is_learned_not_a_failure(
        tmp_path: Path) -> None:
    """A lock set by hand (or lost with a rebuilt catalog) on a kept daily's own WAL: storage
    refuses the 'extension' (it would shorten), rex reads the real lock, records it and goes
    on with the batch; the next day nothing is refused."""
    store = tmp_path / "store"
    pos = write_store(store, first=FIRST, lock_days=32)
    own, other = "00000001000000030000004C", "00000001000000030000004D"  # daily 2026-10-27
    [meta] = (store / ".rex-versions" / quote(f"suite/wals/{own[:16]}/{own}.gz", safe="")
              ).glob("*.json")
    record = json.loads(meta.read_text())
    meta.write_text(json.dumps({**record, "retain_until": "2028-06-01T00:00:00+00:00"}))
    run(store, "2026-11-29")
    assert [v["retain_until"] for v in versions(store, own)] == ["2028-06-01T00:00:00+00:00"]
    daily_end = "2027-04-27T22:00:00+00:00"  # the daily of 27 October is kept through 27 April
    assert [v["retain_until"] for v in versions(store, other)] == [daily_end]
    add_night(store, datetime(2026, 11, 30, tzinfo=UTC), pos, lock_days=32)
    assert run(store, "2026-11-30")["apply"]["refused"] == []
