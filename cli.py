"""rex command line: parse, call one service function, render. No logic lives here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from retention import render, service
from retention.errors import InputError, RexError
from retention.policy import load_policy
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


# --- retention policy and plan ---


@main.group()
def policy() -> None:
    """Show and check retention policies."""


@policy.command("show")
@click.argument("name_or_path", required=False)
@click.pass_context
@reports_errors
def policy_show(ctx: click.Context, name_or_path: str | None) -> None:
    """Print a policy (default: the group's --policy) in plain English with its sha256."""
    click.echo(render.policy_text(load_policy(name_or_path or settings(ctx).policy)), nl=False)


@policy.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def policy_check(path: Path) -> None:
    """Validate a policy file; list every problem with its path in the document."""
    checked = load_policy(str(path)) if path.exists() else None
    if checked is None:
        raise InputError(f"policy {path}: no such file")
    click.echo(f"{path}: valid policy {checked.name} (sha256 {checked.sha256})")


@main.command("plan")
@click.option("--inventory", "inventory_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="JSON inventory: points, wal, histories, holds, contracts.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--allow-mass-delete", is_flag=True,
              help="Accept a plan deleting more than the policy's max_delete_fraction.")
@click.pass_context
@reports_errors
def plan_command(ctx: click.Context, inventory_path: Path, as_json: bool,
                 allow_mass_delete: bool) -> None:
    """Decide what to keep and delete, with every reason; exit 1 on an error finding."""
    cfg = settings(ctx)
    pol, result = service.plan_inventory(cfg.policy, inventory_path, cfg.now, allow_mass_delete)
    if as_json:
        click.echo(render.to_json(render.plan_document(result)), nl=False)
    else:
        click.echo(render.plan_text(result, pol), nl=False)
    if result.has_errors:
        sys.exit(1)
