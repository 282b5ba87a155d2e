"""The text layer for people: short plan summaries, Amsterdam times with their zone, a contract
shown by its last day, progress that stays off stdout."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from retention import progress
from retention.clients import DueContract, TenantInfo
from retention.contracts import Period, Terms, contract_status
from retention.durations import parse_duration
from retention.planner import plan
from retention.render import local_time, plan_summary, plan_text, reason_kind
from retention.render_clients import contract_text, due_text, tenants_text
from tests.unit.retention.builders import POLICY, ams, daily_points, inventory, legal


def test_local_time_is_amsterdam_with_its_zone() -> None:
    assert local_time(datetime(2027, 3, 29, 22, tzinfo=UTC)) == "2027-03-30 00:00 CEST"
    assert local_time(datetime(2026, 11, 30, 23, tzinfo=UTC)) == "2026-12-01 00:00 CET"
    assert local_time(None) == "-" and local_time(None, missing="never") == "never"


@pytest.mark.parametrize(("reason", "kind"), [
    ("daily 2026-06-01", "daily"), ("wal-of 20261101T010000", "wal-of"),
    ("parent-of 20261101T010000", "parent-of"),
    ("locked until 2026-12-01T00:00:00Z", "locked until"),
    ("frozen: no backup for 3 days", "frozen"), ("legal-hold H12", "legal-hold H12"),
    ("hold post-termination acme", "hold post-termination acme"), ("expired", "expired")])
def test_reasons_are_counted_by_kind(reason: str, kind: str) -> None:
    assert reason_kind(reason) == kind


def _plan() -> object:
    points = daily_points("2026-01-01", 300)
    return plan(POLICY, inventory(points), [legal("H1", points[10].id)], [],
                ams("2026-10-28 12:00"), allow_mass_delete=True)


def test_summary_counts_per_action_and_reason_and_is_short() -> None:
    result = _plan()
    lines = plan_summary(result, POLICY)  # type: ignore[arg-type]
    assert lines[0] == "plan for suite at 2026-10-28 12:00 CET (policy engage-sla-2024)"
    kept, deleted = lines[1], lines[2]
    assert kept == ("  kept 184 backups: 183 daily, 30 pitr-window, 1 legal-hold H1, 1 newest, "
                    "1 pitr-anchor")
    assert deleted == "  deleted 116 backups: 116 expired"
    assert lines[-1] == "no findings" and len(lines) == 6


def test_details_come_after_the_summary_and_what_to_do() -> None:
    result = _plan()
    short = plan_text(result, POLICY, details=False, plan_id=4).splitlines()  # type: ignore[arg-type]
    assert short[-2:] == ["next: plan 4 stored; apply it with: rex apply 4",
                          "next: every backup and WAL range with its reasons: add --details"]
    full = plan_text(result, POLICY, details=True, plan_id=4).splitlines()  # type: ignore[arg-type]
    assert full[:len(short) - 1] == short[:-1]
    assert full[len(short)].split()[:2] == ["SERVER", "ID"]
    assert len(full) > 300


def _one_month_from_31_january(today: date) -> TenantInfo:
    terms = Terms(date(2026, 1, 31), parse_duration("1mo"), auto_renew=False)
    status = contract_status(terms, None, today)
    return TenantInfo("acme", "Acme", None, terms, status, None, None, "none", None)


def test_a_one_month_contract_has_one_last_day_everywhere() -> None:
    # 31 January + 1 month is 28 February: the first day without a contract; the last day is
    # 27 February, and every text says so (JSON keeps the first day without, as documented)
    info = _one_month_from_31_january(date(2026, 2, 10))
    assert info.contract.ends == date(2026, 2, 28)
    said = contract_text(info)
    assert "period 1 has its last day on 2026-02-27" in said
    assert "last day of the contract 2026-02-27" in said and "02-28" not in said
    listed = tenants_text([info])
    assert "2026-02-27" in listed and "2026-02-28" not in listed
    period = Period(1, date(2026, 1, 31), date(2026, 2, 28))
    due = due_text([DueContract("acme", "Acme", period, date(2026, 1, 16), False)], "6w")
    assert "2026-02-27" in due and "2026-02-28" not in due


def test_progress_draws_only_on_a_terminal_and_never_when_quiet(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("REX_QUIET", raising=False)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not progress.enabled()
    monkeypatch.setattr("sys.stderr", Tty())
    assert progress.enabled() and not progress.enabled(quiet=True)
    monkeypatch.setenv("REX_QUIET", "1")
    assert not progress.enabled()
    monkeypatch.setenv("REX_QUIET", "0")
    with progress.progress("work") as bar:  # draws on stderr, removed when done
        bar.total(3)
        bar.step()
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with progress.progress("work") as bar:
        bar.total(3)
        bar.step()
