"""The policy's settings for ``terraform/``, as the JSON of ``terraform/policy.auto.tfvars.json``.

Pure: a Policy in, JSON text out. Two conversions from the policy's durations to whole days:

- **Object Lock default retention must be exact.** S3 counts it in whole days (or years of its
  own reckoning), while a policy month is a calendar month (28 to 31 days) and a policy day is a
  calendar day on the policy's wall clock. Rounding would make the bucket disagree with the text
  of the policy in one direction or the other (too short: the lock does not cover what the policy
  promises; too long: in COMPLIANCE mode, data outlives its erasure date), so a duration that is
  not a whole number of days is refused, with the day count that would cover it as advice.
- **The lifecycle safety net rounds up.** Noncurrent versions and lone delete markers expire only
  well after the policy would have deleted them, so there every month counts 31 days and every
  year 366.
"""

from __future__ import annotations

import json
from typing import Final

from retention.durations import Duration
from retention.errors import InputError
from retention.policy import Policy

DAY_SECONDS: Final = 86_400
LONGEST_MONTH_DAYS: Final = 31


def exact_days(duration: Duration, where: str) -> int:
    """``duration`` as a whole number of days, or InputError when it has no fixed day count."""
    whole, rest = divmod(duration.seconds, DAY_SECONDS)
    if duration.months or rest:
        covering = days_at_most(duration)
        raise InputError(
            f"{where} = {str(duration)!r}: S3 Object Lock counts whole days, and "
            f"{duration.describe()} has no fixed number of days; give days or weeks in the "
            f'policy instead (e.g. "{covering}d", which covers it)')
    days = duration.days + whole
    if days < 1:
        raise InputError(f"{where} = {str(duration)!r}: S3 Object Lock needs at least 1 day")
    return days


def days_at_most(duration: Duration) -> int:
    """The most days ``duration`` can span: months count 31 days, a partial day counts whole.

    (A year is 12 policy months, so it counts 372 days: more than any real year.)
    """
    partial_days = -(-duration.seconds // DAY_SECONDS)  # ceiling division
    return duration.months * LONGEST_MONTH_DAYS + duration.days + partial_days


def safety_net_days(policy: Policy) -> int:
    """When the bucket's lifecycle may expire noncurrent versions: after the longest the policy
    keeps anything with a rule of its own (a daily kept its full term, then held for the whole
    post-termination hold and its erasure grace), counted upward. Object Lock and legal holds
    still protect every locked version from lifecycle expiry."""
    return (days_at_most(policy.daily.keep) + days_at_most(policy.post_termination.hold)
            + days_at_most(policy.post_termination.erasure_grace))


def terraform_vars(policy: Policy) -> dict[str, str | int]:
    """The Terraform variables the policy decides, by name (``terraform/variables.tf``)."""
    return {
        "policy_name": policy.name,
        "policy_sha256": policy.sha256,
        "policy_timezone": policy.timezone,
        "object_lock_mode": policy.object_lock.mode,
        "object_lock_retention_days": exact_days(
            policy.object_lock.default_retention,
            f"policy {policy.source}: object_lock.default_retention"),
        "noncurrent_version_expiration_days": safety_net_days(policy),
    }


def render(policy: Policy) -> str:
    """``policy.auto.tfvars.json``: JSON with sorted keys, two-space indent, final newline."""
    return json.dumps(terraform_vars(policy), indent=2, sort_keys=True) + "\n"
