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
    catalog: str = "sqlite:///rex.db"
    suite_db: str = "sqlite:///rex.db"  # the Suite's process models; default: the catalog


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
@click.option("--catalog", envvar="REX_CATALOG", default="sqlite:///rex.db", show_default=True,
              metavar="URL", help="SQLAlchemy URL of rex's catalog.")
@click.option("--suite-db", "suite_db", envvar="REX_SUITE_DB", default=None, metavar="URL",
              help="SQLAlchemy URL of the Suite's database with the process models. "
                   "Default: the catalog's URL.")
@click.pass_context
@reports_errors
def main(ctx: click.Context, policy: str, now_text: str | None, catalog: str,
         suite_db: str | None) -> None:
    """rex: keep and prove backup retention and client exports for the Suite."""
    ctx.obj = Settings(policy=policy, now=_now(now_text), catalog=catalog,
                       suite_db=suite_db or catalog)


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


# --- process models and exports ---


@main.group()
def models() -> None:
    """The Suite's process models per tenant: create the tables, import, list."""


@models.command("init")
@click.pass_context
@reports_errors
def models_init(ctx: click.Context) -> None:
    """Create or upgrade the process-model tables in --suite-db (changes the Suite's schema)."""
    from exporters import service as models_service

    before, after = models_service.init_models(settings(ctx).suite_db)
    click.echo(f"process-model tables at revision {after}" +
               ("" if before == after else f" (was {before or 'absent'})"))


@models.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", required=True, help="Tenant id; an unknown tenant is added.")
@click.pass_context
@reports_errors
def models_import(ctx: click.Context, files: tuple[Path, ...], tenant: str) -> None:
    """Import BPMN 2.0 files; a model id seen before gets a new version. An embedded SQLite
    --suite-db gets its tables created; any other database needs `rex models init` first."""
    from exporters import render as models_render
    from exporters import service as models_service

    cfg = settings(ctx)
    done = models_service.import_models(cfg.suite_db, tenant, list(files), cfg.now)
    click.echo(models_render.imported_text(done), nl=False)


@models.command("list")
@click.option("--tenant", required=True, help="Tenant id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def models_list(ctx: click.Context, tenant: str, as_json: bool) -> None:
    """List a tenant's models with their latest version."""
    from exporters import render as models_render
    from exporters import service as models_service

    found = models_service.list_models(settings(ctx).suite_db, tenant)
    text = models_render.models_json(tenant, found) if as_json else \
        models_render.models_text(tenant, found)
    click.echo(text, nl=False)


@main.command("export")
@click.option("--tenant", required=True, help="Tenant id.")
@click.option("--model", "model_id", default=None, help="One model id (default: every model).")
@click.option("--version", "version", type=click.IntRange(min=1), default=None,
              help="That version of --model (default: the latest).")
@click.option("--format", "format_name", required=True,
              help="Output format, e.g. bpmn; an unknown name lists the available ones.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory; files are written as <model-id>.<ext>.")
@click.pass_context
@reports_errors
def export_command(ctx: click.Context, tenant: str, model_id: str | None, version: int | None,
                   format_name: str, out: Path) -> None:
    """Export a tenant's process models, one file per model."""
    from exporters import render as models_render
    from exporters import service as models_service

    done = models_service.export_models(settings(ctx).suite_db, tenant, format_name, out,
                                        model_id, version)
    click.echo(models_render.exported_text(done), nl=False)
    click.echo(models_render.export_warnings(done), nl=False, err=True)
