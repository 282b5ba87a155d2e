"""rex command line: parse, call one service function, render. No logic lives here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

import click

from retention.errors import InputError, RexError
from retention.timeutil import parse_instant

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Settings:
    """The group options, resolved: option > environment > default."""

    policy: str
    now: datetime


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)  # the only clock read in rex
    return parse_instant(value, where="--now/REX_NOW")


def reports_errors(func: F) -> F:
    """Turn a RexError into its message on stderr and its exit code (1 violation, 2 bad input)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RexError as err:
            click.echo(f"rex: error: {err}", err=True)
            sys.exit(err.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--policy", envvar="REX_POLICY", default="engage-sla-2024", show_default=True,
              help="Retention policy: a name shipped in policies/ or a path to a TOML file.")
@click.option("--now", "now_text", envvar="REX_NOW", default=None, metavar="ISO8601",
              help="Plan as if it were this instant (replay, tests). Default: the clock.")
@click.pass_context
@reports_errors
def main(ctx: click.Context, policy: str, now_text: str | None) -> None:
    """rex: keep and prove backup retention and client exports for the Suite."""
    ctx.obj = Settings(policy=policy, now=_now(now_text))


def settings(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    if not isinstance(obj, Settings):
        raise InputError("internal: settings were not initialised")
    return obj
