"""A terminated tenant's erasure date is the expiry of the last kept backup or WAL holding its
data; none kept: erased. ``erasure-late`` only when something holding it outlives hold_until +
erasure_grace, naming it and its reasons (DESIGN.md, "Post-termination hold").

acme's contract ends with 2025 (T = 2026-01-01 00:00 Amsterdam): hold until 2026-07-01 00:00,
erasure promised by 2026-07-08 00:00 (7 days' grace)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from retention.model import Finding, Hold, Plan, RecoveryPoint, TenantOutcome, WalRun
from retention.planner import plan
from retention.render import erasure_words
from retention.tenants import Holder, erased_outcome, last_to_go
from tests.unit.retention.builders import (
    POLICY,
    ams,
    daily_points,
    inventory,
    legal,
    point,
    pos,
    terminated,
    utc,
)

T = ams("2026-01-01 00:00")
HOLD_UNTIL = ams("2026-07-01 00:00")
DEADLINE = ams("2026-07-08 00:00")
DECEMBER = ams("2026-12-01 07:00")
ACME = terminated("acme", T)


def run(points: list[RecoveryPoint], now: datetime, holds: list[Hold] | None = None,
        runs: list[WalRun] | None = None) -> tuple[TenantOutcome, Plan]:
    result = plan(POLICY, inventory(points, runs), holds or [], [ACME], now)
    [tenant] = result.tenants
    return tenant, result


def late(result: Plan) -> list[Finding]:
    return [f for f in result.findings if f.code == "erasure-late"]


def recent() -> list[RecoveryPoint]:
    """Nightly backups from 28 October 2026 to 1 December 2026: all begun after T."""
    return daily_points("2026-10-28", 35)


def old(**kwargs: object) -> RecoveryPoint:
    """A backup of 20 December 2025, holding acme's data; its daily expired in June 2026."""
    return point("old", ams("2025-12-20 03:00"), **kwargs)  # type: ignore[arg-type]


# --- no error once the data is gone -------------------------------------------------------------

def test_no_backup_from_before_the_termination_left_means_erased_at_an_unknown_date() -> None:
    tenant, result = run(recent(), DECEMBER)
    assert (tenant.final_backup, tenant.erased, tenant.erasure_date) == (None, True, None)
    assert not result.has_errors and late(result) == []


def test_the_plan_deleting_the_last_backup_holding_the_data_erases_it_now() -> None:
    now = ams("2026-07-03 06:00")  # before the deadline
    tenant, result = run([old(), *daily_points("2026-05-25", 40)], now)
    assert [d.action for d in result.points if d.id == "old"] == ["delete"]
    assert (tenant.erased, tenant.erasure_date) == (True, now)
    assert late(result) == []


def test_deleting_it_only_after_the_deadline_is_a_warning_that_clears_itself() -> None:
    tenant, result = run([old(), *recent()], DECEMBER)
    assert (tenant.erased, tenant.erasure_date) == (True, DECEMBER)
    [finding] = late(result)
    assert (finding.severity, finding.subject) == ("warning", "acme/suite")
    assert finding.message.startswith(
        "data of acme on suite leaves the backups only with this plan, at "
        "2026-12-01T06:00:00Z, after the promised 2026-07-07T22:00:00Z (hold until "
        "2026-06-30T22:00:00Z + 7d); apply the plan")
    assert not result.has_errors


# --- erasure ahead, within the promise -----------------------------------------------------------

def test_erasure_in_the_future_within_the_deadline_is_no_finding() -> None:
    now = ams("2026-03-01 06:00")
    points = daily_points("2025-12-20", 72)  # 20 Dec 2025 .. 1 Mar 2026
    tenant, result = run(points, now)
    assert tenant.final_backup == "20251231T0300" and not tenant.erased
    # the last daily before T (31 December) is kept through 30 June: expires at hold_until
    assert tenant.erasure_date == HOLD_UNTIL
    assert late(result) == []


def test_a_backup_begun_before_the_termination_holds_the_data_even_if_it_ends_after() -> None:
    now = ams("2026-03-01 06:00")
    straddling = point("straddling", ams("2026-01-01 00:10"), duration=timedelta(minutes=20))
    tenant, result = run([*daily_points("2025-12-20", 12), straddling,
                          *daily_points("2026-01-02", 59)], now)
    # its daily (1 January) runs through 1 July, a day past the hold: still within the grace
    assert tenant.erasure_date == ams("2026-07-02 00:00")
    assert late(result) == []


def test_a_legal_hold_ending_before_the_deadline_sets_the_date_without_a_finding() -> None:
    now = ams("2026-07-03 06:00")
    until = ams("2026-07-05 12:00")
    hold = Hold("H3", "legal", "suite", point="old", until=until, reason="audit", by="legal")
    tenant, result = run([old(), *daily_points("2026-05-25", 40)], now, [hold])
    assert (tenant.erased, tenant.erasure_date) == (False, until)
    assert late(result) == []


def test_a_freeze_holds_the_deletion_back_without_making_the_erasure_indefinite() -> None:
    t = ams("2026-06-01 00:00")  # hold until 1 December 2026
    now = ams("2026-11-29 06:00")  # the newest backup is six days old: frozen
    points = daily_points("2026-05-20", 10) + daily_points("2026-10-25", 30)
    result = plan(POLICY, inventory(points), [], [terminated("acme", t)], now)
    [tenant] = result.tenants
    assert result.frozen
    assert tenant.erasure_date == ams("2026-12-01 00:00") and not tenant.erased
    assert late(result) == []


# --- late: named, with its reasons and what to do ---------------------------------------------

def test_a_legal_hold_beyond_the_deadline_is_named_as_a_warning() -> None:
    tenant, result = run([old(), *recent()], DECEMBER, [legal("H12", "old")])
    assert (tenant.erased, tenant.erasure_date) == (False, None)
    [finding] = late(result)
    # a warning by decision (test_planner_rules): a legal hold is a recorded exception
    assert (finding.severity, finding.subject) == ("warning", "acme/suite")
    assert finding.message == (
        "data of acme on suite stays indefinitely, after the promised 2026-07-07T22:00:00Z "
        "(hold until 2026-06-30T22:00:00Z + 7d): backup old keeps it (legal-hold H12), and 1 "
        "more backup(s) or WAL range(s); a legal hold requires it: release it "
        "(`rex hold release H12`) once the matter it serves allows")


def test_a_locked_backup_beyond_the_deadline_is_an_error_naming_the_lock() -> None:
    lock = utc("2027-01-01 00:00")
    tenant, result = run([old(locked_until=lock), *recent()], DECEMBER)
    assert (tenant.erased, tenant.erasure_date) == (False, lock)
    [finding] = late(result)
    assert finding.severity == "error"
    assert finding.message.startswith(
        "data of acme on suite stays until 2027-01-01T00:00:00Z, after the promised "
        "2026-07-07T22:00:00Z (hold until 2026-06-30T22:00:00Z + 7d): backup old keeps it "
        "(locked until 2027-01-01T00:00:00Z), and 1 more backup(s) or WAL range(s); its Object "
        "Lock outlasts the deadline")


def test_locked_wal_alone_beyond_the_deadline_is_an_error_naming_the_range() -> None:
    lock = utc("2027-01-01 00:00")
    points = recent()
    runs = [WalRun("suite", 1, pos(ams("2025-12-20 00:00")), pos(ams("2025-12-20 01:00")), lock),
            WalRun("suite", 1, points[0].begin_pos, pos(DECEMBER))]
    tenant, result = run(points, DECEMBER, runs=runs)
    assert (tenant.erased, tenant.erasure_date) == (False, lock)
    [finding] = late(result)
    assert finding.severity == "error"
    assert ": WAL 00000001000000C60000008A..00000001000000C600000090 keeps it" in finding.message
    assert "keeps it (locked until 2027-01-01T00:00:00Z); its Object Lock" in finding.message


def test_a_legal_hold_does_not_excuse_a_lock_on_another_backup() -> None:
    lock = utc("2027-01-01 00:00")
    other = point("other", ams("2025-12-21 03:00"), locked_until=lock)
    _, result = run([old(), other, *recent()], DECEMBER, [legal("H12", "old")])
    [finding] = late(result)
    assert finding.severity == "error"
    assert "backup old keeps it (legal-hold H12), and 3 more" in finding.message


def test_no_backup_since_the_termination_keeps_the_newest_indefinitely() -> None:
    now = ams("2026-08-01 06:00")  # stale, so frozen too: every deletion is held back
    tenant, result = run(daily_points("2025-11-20", 40), now)  # the last ends 29 December
    assert tenant.erasure_date is None and not tenant.erased
    [finding] = late(result)
    assert finding.severity == "error"
    assert "backup 20251229T0300 keeps it (pitr-anchor, newest)" in finding.message
    assert finding.message.endswith("no backup of suite began after the termination, so it "
                                    "stays as the newest: check the backup job")


# --- the pure pieces -----------------------------------------------------------------------------

def holder(name: str, expires: datetime | None, action: str = "keep",
           reasons: tuple[str, ...] = ("daily 2025-12-20",)) -> Holder:
    return Holder("suite", "backup", name, action, reasons, expires)  # type: ignore[arg-type]


def outcome() -> TenantOutcome:
    return TenantOutcome("acme", "suite", T, None, HOLD_UNTIL, None)


def test_last_to_go_is_the_latest_expiry_and_indefinite_beats_every_instant() -> None:
    a, b = holder("a", HOLD_UNTIL), holder("b", DEADLINE)
    assert last_to_go([a, b, holder("gone", None, "delete")], DECEMBER) == [b]
    assert last_to_go([a, holder("c", None)], DECEMBER) == [holder("c", None)]
    assert last_to_go([holder("gone", None, "delete")], DECEMBER) == []


def test_a_guards_held_back_deletion_goes_when_the_guard_lets_it() -> None:
    held = holder("a", None, reasons=("frozen: no done backup of suite younger than 36h",
                                      "expired"))
    assert held.until(DECEMBER) == DECEMBER
    assert erased_outcome(outcome(), [held], DECEMBER).erasure_date == DECEMBER


def test_erased_outcome_tells_the_three_cases_apart() -> None:
    kept = erased_outcome(outcome(), [holder("a", HOLD_UNTIL)], DECEMBER)
    assert (kept.erased, kept.erasure_date) == (False, HOLD_UNTIL)
    now_gone = erased_outcome(outcome(), [holder("a", None, "delete")], DECEMBER)
    assert (now_gone.erased, now_gone.erasure_date) == (True, DECEMBER)
    long_gone = erased_outcome(outcome(), [], DECEMBER)
    assert (long_gone.erased, long_gone.erasure_date) == (True, None)
    ahead = erased_outcome(outcome(), [], T - timedelta(days=1))  # still in production
    assert (ahead.erased, ahead.erasure_date) == (False, None)



def test_people_read_erased_apart_from_indefinite_and_not_yet_known() -> None:
    o = outcome()
    assert erasure_words(replace(o, erasure_date=HOLD_UNTIL), DECEMBER) == \
        "erasure 2026-07-01 00:00 CEST"
    assert erasure_words(o, DECEMBER) == "erasure indefinite"
    assert erasure_words(o, T - timedelta(days=1)) == "erasure not yet known"
    assert erasure_words(replace(o, erased=True, erasure_date=DECEMBER), DECEMBER) == \
        "erased 2026-12-01 07:00 CET"
    assert erasure_words(replace(o, erased=True), DECEMBER) == "erased"
