"""The policy's settings for terraform/: exact Object Lock days, an upward safety net, JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from retention.durations import parse_duration
from retention.errors import InputError
from retention.policy import load_policy
from retention.terraform_vars import (
    days_at_most,
    exact_days,
    render,
    safety_net_days,
    terraform_vars,
)


def test_shipped_policy_gives_the_deployed_values() -> None:
    policy = load_policy("engage-sla-2024")
    assert terraform_vars(policy) == {
        "policy_name": "engage-sla-2024",
        "policy_sha256": policy.sha256,
        "policy_timezone": "Europe/Amsterdam",
        "object_lock_mode": "GOVERNANCE",
        "object_lock_retention_days": 32,
        "noncurrent_version_expiration_days": 6 * 31 + 6 * 31 + 7,
    }


@pytest.mark.parametrize(("text", "days"), [("32d", 32), ("2w", 14), ("48h", 2), ("P30D", 30),
                                            ("P1DT24H", 2)])
def test_whole_days_convert_exactly(text: str, days: int) -> None:
    assert exact_days(parse_duration(text), "object_lock.default_retention") == days


@pytest.mark.parametrize(("text", "advice"), [("1mo", '"31d"'), ("P6M", '"186d"'),
                                              ("1y", '"372d"'), ("36h", '"2d"'),
                                              ("P1MT1H", '"32d"')])
def test_durations_without_a_fixed_day_count_are_refused_with_advice(text: str,
                                                                      advice: str) -> None:
    with pytest.raises(InputError) as err:
        exact_days(parse_duration(text), "object_lock.default_retention")
    message = str(err.value)
    assert message.startswith(f"object_lock.default_retention = '{text}': ")
    assert "no fixed number of days" in message and advice in message


def test_less_than_a_day_of_lock_is_refused() -> None:
    with pytest.raises(InputError, match="at least 1 day"):
        exact_days(parse_duration("0d"), "object_lock.default_retention")


@pytest.mark.parametrize(("text", "days"), [("6mo", 186), ("1y", 372), ("7d", 7), ("36h", 2),
                                            ("P1M1DT1S", 33)])
def test_days_at_most_counts_every_month_as_31_days_and_partial_days_whole(text: str,
                                                                           days: int) -> None:
    assert days_at_most(parse_duration(text)) == days


def test_safety_net_lies_beyond_the_daily_keep_plus_the_hold() -> None:
    policy = load_policy("engage-sla-2024")
    assert safety_net_days(policy) == 379
    assert safety_net_days(policy) > days_at_most(policy.daily.keep)


def test_a_months_based_lock_in_a_policy_is_refused_naming_the_policy() -> None:
    policy = load_policy("engage-sla-2024")
    monthly = dataclasses.replace(policy, object_lock=dataclasses.replace(
        policy.object_lock, default_retention=parse_duration("1mo")))
    with pytest.raises(InputError, match=r"object_lock\.default_retention = '1mo'") as err:
        terraform_vars(monthly)
    assert policy.source in str(err.value)


def test_render_is_sorted_json_with_a_final_newline() -> None:
    policy = load_policy("engage-sla-2024")
    text = render(policy)
    assert text.endswith("}\n") and text == render(policy)
    assert list(json.loads(text)) == sorted(terraform_vars(policy))
