"""Out-of-range input (issue 13, item 4), end to end: one backup.info with an end_time of
9999-12-31 is skipped with an error finding while the rest is planned and applied; an
out-of-range --now or policy duration is refused with exit 2 and one clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.support.nightly_store import NOW, write_store

BROKEN = "20261115T010000"
BACKUPS = 194  # 20 May .. 29 Nov 2026


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    write_store(tmp_path / "store",
                info_changes={BROKEN: {"end_time": "9999-12-31 00:00:00+00:00"}}, lock_days=32)
    return {"REX_STORAGE": f"file://{tmp_path / 'store'}",
            "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_NOW": NOW, "REX_ACTOR": "ops"}


def test_a_backup_info_ending_in_9999_is_skipped_and_the_rest_is_planned(
        env: dict[str, str]) -> None:
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    doc = json.loads(out)
    assert code == 1
    errors = [f for f in doc["plan"]["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["subject"]) for f in errors] == [
        ("backup-info-unreadable", f"suite/{BROKEN}"),
        ("daily-missing", "suite/2026-11-15")]  # the daily job alerts on it, as verify does
    finding = errors[0]
    assert finding["message"].startswith(f"suite/base/{BROKEN}/backup.info (version ")
    assert "end_time: '9999-12-31 00:00:00+00:00' is not between 1970-01-01 and 2199-12-31" \
        in finding["message"]
    ids = {p["id"] for p in doc["plan"]["points"]}
    assert BROKEN not in ids and len(ids) == BACKUPS - 1
    assert doc["plan"]["summary"]["points_delete"] > 0 and doc["apply"]["deleted"] > 0
    assert doc["plan"]["frozen"] is False
    code, out, _ = rex(env, "verify", "--server", "suite", "--json")
    found = {(f["code"], f["subject"]) for f in json.loads(out)["findings"]
             if f["severity"] == "error"}
    assert code == 1
    assert found == {("backup-info-unreadable", f"suite/{BROKEN}"),
                     ("daily-missing", "suite/2026-11-15")}


@pytest.mark.parametrize("now", ["9999-12-31T00:00:00Z", "0001-01-01T00:00:00+01:00",
                                 "2200-01-01T00:00:00Z", "1969-12-31T23:59:59Z"])
def test_now_out_of_range_is_one_line_and_exit_2(env: dict[str, str], now: str) -> None:
    for args in (["run", "--server", "suite"], ["verify", "--server", "suite"]):
        code, out, err = rex(env, "--now", now, *args)
        assert code == 2 and out == ""
        assert err.splitlines() == [
            f"rex: error: --now/REX_NOW: {now!r} is not between 1970-01-01 and 2199-12-31 "
            "(no backup predates 1970 and a later value is a typo or a corrupt value; outside "
            "these years date arithmetic would overflow)"]


def test_a_policy_duration_beyond_100_years_is_refused(env: dict[str, str],
                                                       tmp_path: Path) -> None:
    shipped = Path(__file__).parents[2] / "policies" / "engage-sla-2024.toml"
    text = shipped.read_text(encoding="utf-8")
    assert 'keep = "6mo"' in text
    policy = tmp_path / "long.toml"
    policy.write_text(text.replace('keep = "6mo"', 'keep = "99999999999y"'), encoding="utf-8")
    code, _, err = rex(env, "policy", "check", str(policy))
    assert code == 2
    assert 'daily.keep: "99999999999y" is longer than 100y, the longest duration rex accepts' in err
    code, _, err = rex(env, "--policy", str(policy), "plan", "--server", "suite")
    assert code == 2 and "daily.keep" in err
    policy.write_text(text.replace('keep = "6mo"', 'keep = "100y"'), encoding="utf-8")
    assert rex(env, "policy", "check", str(policy))[0] == 0


def test_a_backup_ending_at_the_last_accepted_instant_freezes_deletions_and_apply_still_runs(
        tmp_path: Path) -> None:
    """2199-12-31 is within the bounds: the backup is a point, the clock is behind it, so the
    plan is frozen (exit 1, clock-behind); the instants rex derives from it (its daily kept six
    months, into 2200) are rex's own and apply reads them back."""
    write_store(tmp_path / "store",
                info_changes={BROKEN: {"end_time": "2199-12-31 00:00:00+00:00"}})
    env = {"REX_STORAGE": f"file://{tmp_path / 'store'}",
           "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_NOW": NOW}
    code, out, err = rex(env, "run", "--server", "suite", "--json")
    assert code == 1, err
    doc = json.loads(out)
    assert doc["plan"]["frozen"] is True and doc["apply"]["deleted"] == 0
    assert "clock-behind" in {f["code"] for f in doc["plan"]["findings"]}
    assert any((p["expires"] or "").startswith("2200-") for p in doc["plan"]["points"])
