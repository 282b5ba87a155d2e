"""The bucket's default Object Lock must outlast the PITR window and its margin, worst case."""

from __future__ import annotations

from datetime import timedelta

import pytest

import policies
from retention.durations import parse_duration
from retention.errors import PolicyError
from retention.policy import load_policy, parse_policy_bytes

VALID = policies.locate("engage-sla-2024")[0].decode()  # type: ignore[index]


def with_(window: str = "30d", margin: str = "1d", lock: str = "32d") -> str:
    return (VALID.replace('window = "30d"', f'window = "{window}"')
            .replace('margin = "1d"', f'margin = "{margin}"')
            .replace('default_retention = "32d"', f'default_retention = "{lock}"'))


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as err:
        parse_policy_bytes(text.encode(), "p.toml")
    assert err.value.exit_code == 2
    return err.value.problems


def test_every_shipped_policy_has_a_lock_covering_its_window() -> None:
    for name in policies.shipped():
        p = load_policy(name)
        assert p.object_lock.default_retention.shortest() >= (
            p.pitr.window + p.pitr.margin).longest(), name


def test_a_ten_day_lock_under_a_31_day_window_is_a_problem_with_its_path() -> None:
    assert problems_of(with_(lock="10d")) == [
        "object_lock.default_retention: 10d is shorter than pitr.window + pitr.margin "
        "(30d + 1d): WAL inside the PITR window would be deletable by anyone after 10 days "
        "whenever rex has not run; set at least 31d"]


def test_a_lock_of_exactly_window_plus_margin_passes() -> None:
    assert parse_policy_bytes(with_(lock="31d").encode(), "p.toml").name == "engage-sla-2024"
    assert parse_policy_bytes(with_(lock="5w").encode(), "p.toml").name == "engage-sla-2024"
    assert problems_of(with_(lock="30d"))[0].endswith("set at least 31d")


def test_a_lock_in_months_counts_its_shortest_month() -> None:
    [problem] = problems_of(with_(lock="1mo"))  # February: 28 days
    assert problem.startswith("object_lock.default_retention: 1mo (as short as 28 days) is "
                              "shorter than pitr.window + pitr.margin (30d + 1d)")
    assert parse_policy_bytes(with_(lock="2mo").encode(), "p.toml")  # 56 days at the least


def test_a_window_in_months_counts_its_longest_month() -> None:
    [problem] = problems_of(with_(window="1mo", lock="31d"))  # 31 + 1 days at the most
    assert "(1mo + 1d, as long as 32 days)" in problem and problem.endswith("set at least 32d")
    assert parse_policy_bytes(with_(window="1mo", lock="32d").encode(), "p.toml")


def test_hours_round_the_advice_up_to_whole_days() -> None:
    [problem] = problems_of(with_(margin="12h", lock="30d"))
    assert "(30d + 12h)" in problem and problem.endswith("set at least 31d")
    assert parse_policy_bytes(with_(window="1h", margin="1h", lock="1d").encode(), "p.toml")


def test_a_window_already_wrong_is_not_compared_again() -> None:
    assert problems_of(with_(window="thirty", lock="10d")) == [
        'pitr.window: expected a duration like "30d", "6mo" or "P6M", got "thirty"']


@pytest.mark.parametrize(("text", "shortest", "longest"), [
    ("10d", timedelta(days=10), timedelta(days=10)),
    ("2w", timedelta(days=14), timedelta(days=14)),
    ("36h", timedelta(hours=36), timedelta(hours=36)),
    ("6mo", timedelta(days=168), timedelta(days=186)),
    ("1y", timedelta(days=336), timedelta(days=372)),
    ("P1M2DT3H", timedelta(days=30, hours=3), timedelta(days=33, hours=3)),
])
def test_duration_bounds(text: str, shortest: timedelta, longest: timedelta) -> None:
    d = parse_duration(text)
    assert (d.shortest(), d.longest()) == (shortest, longest)
