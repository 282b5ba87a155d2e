"""One client's life through the CLI, time moved with --now: added, contract set, reminded,
terminated, held in the plan and on the storage (Object Lock), erasure date reported, hold
ended, data aged out. Backups are written as time passes, as barman-cloud would."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy.orm import Session

from cli import main
from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.evidence.ledger import verify_chain
from retention.sample import SEGMENTS_PER_DAY, backup_info, write_layout
from retention.storage.base import BucketLock, ObjectLock
from retention.storage.local import LocalStore
from retention.wal import segment_name

FINAL = "20260531T010000"  # the newest backup before 00:00 Amsterdam on 1 June 2026
DISPUTED = "20260515T010000"
HOLD_UNTIL = "2026-11-30T23:00:00Z"  # 00:00 Amsterdam on 1 December 2026


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: datetime) -> None:
        self.now = instant


class World:
    """The storage barman-cloud writes to, the catalog, and the CLI at a chosen instant."""

    def __init__(self, tmp: Path) -> None:
        (tmp / "store").mkdir()
        self.clock = Clock(datetime(2026, 4, 10, tzinfo=UTC))
        self.store = LocalStore(tmp / "store", self.clock)
        self.store.set_bucket_lock(BucketLock(True, "GOVERNANCE", days=32))
        first_end = datetime(2026, 4, 24, 1, 0, tzinfo=UTC)
        write_layout(self.store, "suite", first_end, 15, at=self.clock.set)
        self.last, self.pos = first_end, 16 + 15 * SEGMENTS_PER_DAY
        self.catalog = f"sqlite:///{tmp / 'rex.db'}"
        self.env = {"REX_STORAGE": f"file://{tmp / 'store'}", "REX_CATALOG": self.catalog,
                    "REX_ACTOR": "ops"}

    def backups_until(self, end: datetime) -> None:
        """Nightly backups after the last one up to ``end``, with their WAL."""
        while self.last < end:
            self.last += timedelta(days=1)
            self.clock.set(self.last)
            base = f"suite/base/{self.last:%Y%m%dT%H%M%S}"
            info = backup_info(self.last, self.last + timedelta(minutes=5), self.pos,
                               self.pos + 1)
            self.store.write(f"{base}/data.tar.gz", b"PGDATA")
            self.store.write(f"{base}/backup.info", info)
            for p in range(self.pos, self.pos + SEGMENTS_PER_DAY):
                name = segment_name(1, p)
                self.store.write(f"suite/wals/{name[:16]}/{name}.gz", b"WAL")
            self.pos += SEGMENTS_PER_DAY

    def rex(self, now: str, *args: str, code: int = 0) -> Any:
        result = CliRunner().invoke(main, ["--now", now, *args], env=self.env,
                                    catch_exceptions=False)
        assert result.exit_code == code, result.output
        return json.loads(result.stdout) if "--json" in args else result.stdout

    def lock(self, point: str) -> ObjectLock:
        key = f"suite/base/{point}/data.tar.gz"
        [version] = [v for v in self.store.list_versions(key) if v.key == key]
        return self.store.object_lock(key, version.version_id)


def _point(plan: dict[str, Any], point_id: str) -> dict[str, Any]:
    [found] = [p for p in plan["points"] if p["id"] == point_id]
    return found


def test_one_clients_life(tmp_path: Path) -> None:
    w = World(tmp_path)
    # April: the client is added and its contract recorded; period 1 ends 8 June, six weeks
    # before is King's Day (Monday 27 April), so the reminder moves to Friday 24 April.
    at = "2026-04-24T06:00:00Z"
    w.rex(at, "sync", "--server", "suite")
    added = w.rex(at, "tenant", "add", "acme", "--name", "Acme BV", "--server", "suite",
                  "--json")
    assert added["servers"] == ["suite"] and added["contract_state"] == "none"
    contract = w.rex(at, "contract", "set", "acme", "--start", "2025-06-08", "--period", "12mo",
                     "--json")
    assert contract["current_period"] == {"number": 1, "start": "2025-06-08",
                                          "end": "2026-06-08"}
    assert contract["reminder"] == "2026-04-24" and contract["contract_state"] == "active"
    assert w.rex(at, "contract", "due", "--json")["due"] == []  # 8 June is beyond six weeks
    [due] = w.rex(at, "contract", "due", "--within", "8w", "--json")["due"]
    assert (due["tenant"], due["period_end"], due["reminder"], due["renews"]) == (
        "acme", "2026-06-08", "2026-04-24", True)

    # May: the client terminates, effective 1 June (mid-period, in the future).
    w.backups_until(datetime(2026, 5, 10, 1, 0, tzinfo=UTC))
    at = "2026-05-10T09:00:00Z"
    ended = w.rex(at, "contract", "terminate", "acme", "--effective", "2026-06-01", "--by",
                  "J. Jansen", "--reason", "moves to another supplier", "--json")
    assert ended["termination"]["terminated_at"] == "2026-05-31T22:00:00Z"
    assert (ended["hold_until"], ended["offboarding"]) == (HOLD_UNTIL, "due")
    status = w.rex(at, "tenant", "status", "acme", "--json")
    assert status["contract_state"] == "ending" and status["ends"] == "2026-06-01"
    assert status["servers_held"] == [{"server": "suite", "final_backup": None,
                                       "hold_until": HOLD_UNTIL, "erasure_date": None,
                                       "erased": False, "kept_by": []}]

    # June: a legal hold on one backup; the daily run holds the final backup on storage.
    w.backups_until(datetime(2026, 6, 3, 1, 0, tzinfo=UTC))
    at = "2026-06-03T06:00:00Z"
    w.rex(at, "sync", "--server", "suite")
    placed = w.rex(at, "hold", "place", "--server", "suite", "--point", DISPUTED, "--reason",
                   "dispute 2026-17", "--by", "legal", "--json")
    assert placed["id"] == "H1" and placed["end"] is None
    run = w.rex(at, "run", "--server", "suite", "--json")
    final = _point(run["plan"], FINAL)
    assert "hold post-termination acme" in final["reasons"] and final["expires"] == HOLD_UNTIL
    assert "legal-hold H1" in _point(run["plan"], DISPUTED)["reasons"]
    assert run["apply"]["held"] >= 2 and run["apply"]["refused"] == []
    assert w.lock(FINAL).retain_until == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert w.lock(FINAL).mode == "GOVERNANCE" and not w.lock(FINAL).legal_hold
    assert w.lock(DISPUTED).legal_hold
    status = w.rex(at, "tenant", "status", "acme", "--json")
    assert status["servers_held"][0]["final_backup"] == FINAL
    assert status["erasure_date"] is None  # the legal hold keeps the data indefinitely
    [kept] = status["servers_held"][0]["kept_by"][:1]
    assert (kept["kind"], kept["name"], kept["until"]) == ("backup", DISPUTED, None)
    assert "legal-hold H1" in kept["reasons"]
    [late] = status["findings"]  # a warning: the legal hold is a decided exception
    assert (late["code"], late["severity"]) == ("erasure-late", "warning")
    assert f"backup {DISPUTED} keeps it" in late["message"]
    assert "rex hold release H1" in late["message"]
    listed = w.rex(at, "hold", "list", "--json")["holds"]
    assert [(h["id"], h["kind"], h["end"]) for h in listed] == [
        ("H1", "legal", None), ("PT-acme", "post-termination", HOLD_UNTIL)]

    # July: the dispute is settled; releasing deletes nothing, apply clears the legal hold.
    # Every backup is still a daily; only the WAL between them that left the PITR window and
    # its 32-day lock goes (one object version per segment).
    w.backups_until(datetime(2026, 7, 1, 1, 0, tzinfo=UTC))
    at = "2026-07-01T06:00:00Z"
    w.rex(at, "hold", "release", "H1", "--reason", "dispute settled", "--by", "legal")
    run = w.rex(at, "run", "--server", "suite", "--json")
    assert all(p["action"] == "keep" for p in run["plan"]["points"])
    gone = sum(d["segments"] for d in run["plan"]["wal"] if d["action"] == "delete")
    assert run["apply"]["released"] >= 2 and run["apply"]["deleted"] == gone > 0
    assert not w.lock(DISPUTED).legal_hold
    status = w.rex(at, "tenant", "status", "acme", "--json")
    assert status["erasure_date"] == HOLD_UNTIL and status["findings"] == []
    kept_by = status["servers_held"][0]["kept_by"]  # the last to go: the final backup, the
    assert FINAL in [k["name"] for k in kept_by]    # daily before it, their WAL
    assert {k["until"] for k in kept_by} == {HOLD_UNTIL}
    text = w.rex(at, "tenant", "status", "acme")
    assert f"suite: final backup {FINAL}, stays until 2026-12-01 00:00 CET: kept by backup " \
        in text

    # December: the hold has ended; the final backup ages out like any other.
    w.backups_until(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    at = "2026-12-02T06:00:00Z"
    assert w.rex(at, "hold", "list", "--json")["holds"] == []
    assert {h["id"]: h["state"] for h in w.rex(at, "hold", "list", "--all", "--json")["holds"]
            } == {"H1": "released", "PT-acme": "ended"}
    run = w.rex(at, "run", "--server", "suite", "--json")
    assert _point(run["plan"], FINAL) | {"reasons": ["expired"], "action": "delete"} \
        == _point(run["plan"], FINAL)
    assert run["apply"]["refused"] == []
    assert not list(w.store.list_versions(f"suite/base/{FINAL}/"))
    status = w.rex(at, "tenant", "status", "acme", "--json")
    # the run's plan deleted the last backups holding acme's data, at `at`; the catalog no
    # longer lists them, so the status knows the data is erased but not when (no invented date)
    assert [t["erased"] for t in run["plan"]["tenants"]] == [True]
    assert [t["erasure_date"] for t in run["plan"]["tenants"]] == [at]
    held = status["servers_held"][0]
    assert (held["erased"], held["erasure_date"], held["kept_by"]) == (True, None, [])
    assert status["erased"] is True and status["findings"] == []

    with Session(open_catalog(w.catalog)) as session:
        entries = repo.ledger_entries(session)
    assert verify_chain(entries) == []
    mine = [(e.action, e.subject) for e in entries if not e.action.endswith(("batch", "plan"))
            and not e.action.startswith(("apply", "sync", "policy"))]
    assert mine == [("tenant-add", "acme"), ("contract-set", "acme"),
                    ("contract-due", "contracts"), ("contract-due", "contracts"),
                    ("contract-terminate", "acme"), ("hold-place", "H1"),
                    ("hold-release", "H1")]
    assert all(e.actor == "ops" for e in entries)
    [release] = [e for e in entries if e.action == "hold-release"]
    assert release.details["reason"] == "dispute settled" and release.at == "2026-07-01T06:00:00Z"


def test_a_released_hold_lets_an_expired_backup_go_in_the_next_run(tmp_path: Path) -> None:
    """The S3 legal hold is cleared before the deletes of the same apply, not after them."""
    w = World(tmp_path)
    w.backups_until(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))
    oldest = "20260410T010000"  # its daily ended in October
    w.rex("2026-11-29T06:00:00Z", "sync", "--server", "suite")
    # placed without --storage: no barman keep annotation (which the bucket's default retention
    # would lock for 32 days), so the S3 legal hold alone is what apply sets and clears
    catalog_only = {k: v for k, v in w.env.items() if k != "REX_STORAGE"}
    placed = CliRunner().invoke(main, ["--now", "2026-11-29T06:00:00Z", "hold", "place",
                                       "--server", "suite", "--point", oldest, "--reason",
                                       "audit", "--by", "auditor"], env=catalog_only)
    assert placed.exit_code == 0, placed.output
    run = w.rex("2026-11-29T06:00:00Z", "run", "--server", "suite", "--allow-mass-delete",
                "--json")
    assert _point(run["plan"], oldest)["reasons"] == ["legal-hold H1"]
    assert w.lock(oldest).legal_hold
    w.rex("2026-11-29T07:00:00Z", "hold", "release", "H1", "--reason", "audit closed", "--by",
          "auditor")
    run = w.rex("2026-11-29T07:00:00Z", "run", "--server", "suite", "--json")
    assert _point(run["plan"], oldest)["reasons"] == ["expired"]
    assert run["apply"]["released"] >= 2 and run["apply"]["refused"] == []
    assert not list(w.store.list_versions(f"suite/base/{oldest}/"))
