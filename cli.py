"""rex command line: parse, call one service function, render. No logic lives here."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from dateutil.relativedelta import relativedelta

from retention.errors import InputError, ViolationError
from retention.policy import load_policy
from retention.timeutil import parse_instant, z

if TYPE_CHECKING:
    from retention import failures, render, service
else:  # loaded at first use: `rex --help` and light commands skip SQLAlchemy and reportlab
    from retention.lazy import lazy

    render, service = lazy("retention.render"), lazy("retention.service")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Settings:
    """The group options, resolved: option > environment > default."""

    policy: str
    now: datetime
    catalog: str = "sqlite:///rex.db"
    suite_db: str = "sqlite:///rex.db"  # the Suite's process models; default: the catalog
    storage: str | None = None
    actor: str = "rex"
    exports: str | None = None  # default: <storage>/exports
    signing_key: Path | None = None
    evidence: str | None = None  # default: the exports location (checkpoints under evidence/)

    def need_exports(self) -> str:
        """Where offboarding bundles and evidence go: --exports, else <storage>/exports."""
        if self.exports:
            return self.exports
        return self.need_storage().rstrip("/") + "/exports"

    def need_evidence(self) -> str:
        """Where signed checkpoints go (under ``evidence/``): --evidence, else the exports."""
        return self.evidence or self.need_exports()

    def need_storage(self) -> str:
        """The storage URL, checked before anything is done with it: its form, and for
        ``file://`` that the directory exists (InputError, exit 2)."""
        if not self.storage:
            raise InputError("no storage given: set --storage or REX_STORAGE to the URL "
                             "barman-cloud writes to (s3://bucket/prefix or file:///dir)")
        from retention.storage.urls import parse_store_url

        parsed = parse_store_url(self.storage)
        if parsed.scheme == "file" and not Path(parsed.path).is_dir():
            raise InputError(f"--storage/REX_STORAGE {self.storage}: the directory "
                             f"{parsed.path} does not exist; create it or correct the URL")
        return self.storage

    def clock(self) -> datetime:
        """What a local store's locks are held against: the run's instant."""
        return self.now


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)  # the only clock read in rex
    return parse_instant(value, where="--now/REX_NOW")


def reports_errors(func: F) -> F:
    """The error boundary: a RexError, a boto, database or OS error becomes one line
    ``rex: error: ...`` on stderr (with the command's --json: ``{"error": {code, kind,
    message}}``) and its exit code: 1 findings or refusal, 2 bad input or configuration, 3 busy,
    4 a dependency unreachable (retention/failures.py). Anything else is a bug: one line and
    exit 70; REX_DEBUG=1 lets its traceback through."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own: usage errors (exit 2), --help, Ctrl-C
        except Exception as err:  # the boundary: every failure ends here
            from retention import failures

            found = failures.describe(err, _where())
            if found is None and os.environ.get("REX_DEBUG"):
                raise
            _fail(found or failures.internal(err))

    return wrapper  # type: ignore[return-value]


def _where() -> failures.Where:
    """The configured storage and databases, to say where a failure happened."""
    from retention.failures import Where

    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    if root is not None and isinstance(root.obj, Settings):
        return Where(root.obj.storage, root.obj.catalog, root.obj.suite_db)
    params = root.params if root is not None else {}
    return Where(params.get("storage"), params.get("catalog"), params.get("suite_db"))


_JSON_ASKED: ContextVar[bool] = ContextVar("rex_json_asked", default=False)


def _fail(found: failures.Failure) -> NoReturn:
    """Print the failure (as JSON when the command was given --json, also when the failure
    comes from a group option such as --now) and exit with its code. One line, except for
    `policy check`, which lists a policy's problems one per line."""
    ctx = click.get_current_context(silent=True)
    if _JSON_ASKED.get() or (ctx is not None and ctx.params.get("as_json") is True):
        click.echo(json.dumps(found.document(), ensure_ascii=False), err=True)
    elif ctx is not None and ctx.command_path.endswith("policy check"):
        click.echo(f"rex: error: {found.message}", err=True)
    else:
        click.echo(f"rex: error: {' '.join(found.message.split())}", err=True)
    sys.exit(found.code)


def signs_checkpoint(func: F) -> F:
    """With --signing-key: after the command (also when it exits 1 on findings), sign the
    ledger's head into the evidence location. Put it on every command that appends to the
    ledger; a head that is signed already is left alone."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_signing_key()
        try:
            result = func(*args, **kwargs)
        except SystemExit:
            _sign_checkpoint()
            raise
        _sign_checkpoint()
        return result

    return wrapper  # type: ignore[return-value]


def _check_signing_key() -> None:
    """With --signing-key: before the command does anything, the key must load as an Ed25519
    private key and there must be an evidence location (else exit 2, nothing done)."""
    cfg = settings(click.get_current_context())
    if cfg.signing_key is None:
        return
    if not cfg.evidence and not cfg.exports and not cfg.storage:
        raise InputError("--signing-key: no evidence location to write checkpoints to; set "
                         "--evidence (REX_EVIDENCE), --exports (REX_EXPORTS) or --storage "
                         "(REX_STORAGE). Nothing was done")
    from retention.evidence import keys
    from retention.storage.urls import parse_store_url

    keys.load_private(cfg.signing_key)
    parse_store_url(cfg.need_evidence())


def _check_folder(path: Path, option: str) -> None:
    """A file rex will write must go into a folder that exists and rex may write (exit 2)."""
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{option} {path}: the folder {folder} does not exist; create it or "
                         "correct the path. Nothing was done")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: rex may not write into {folder}; fix its "
                         "permissions or choose another folder. Nothing was done")


def _sign_checkpoint() -> None:
    cfg = settings(click.get_current_context())
    if cfg.signing_key is None:
        return  # the evidence location was checked before the command ran
    signed = service.checkpoint_if_configured(cfg)
    if signed is not None:
        click.echo(f"signed checkpoint of ledger entry {signed.seq} ({signed.signer})", err=True)


class _Rex(click.Group):
    """click's group, but a usage error (a missing argument, an unknown option) of a command
    given --json is a JSON error on stderr too, like every other error (exit 2)."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        from retention import failures

        argv = list(sys.argv[1:] if args is None else args)
        _JSON_ASKED.set("--json" in argv)
        if not standalone_mode or "--json" not in argv:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            done = super().main(argv, prog_name, complete_var, False, **extra)
        except click.ClickException as err:
            found = failures.Failure(err.exit_code, err.format_message())
            click.echo(json.dumps(found.document(), ensure_ascii=False), err=True)
            sys.exit(err.exit_code)
        except click.exceptions.Abort:
            click.echo(json.dumps(failures.Failure(1, "aborted").document()), err=True)
            sys.exit(1)
        sys.exit(done if isinstance(done, int) else 0)


@click.group(cls=_Rex, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--policy", envvar="REX_POLICY", default="engage-sla-2024", show_default=True,
              help="Retention policy: a name shipped in policies/ or a path to a TOML file.")
@click.option("--now", "now_text", envvar="REX_NOW", default=None, metavar="ISO8601",
              help="Plan as if it were this instant (replay, tests). Default: the clock.")
@click.option("--catalog", envvar="REX_CATALOG", default="sqlite:///rex.db", show_default=True,
              metavar="URL", help="SQLAlchemy URL of rex's catalog.")
@click.option("--suite-db", "suite_db", envvar="REX_SUITE_DB", default=None, metavar="URL",
              help="SQLAlchemy URL of the Suite's database with the process models. "
                   "Default: the catalog's URL.")
@click.option("--storage", envvar="REX_STORAGE", default=None, metavar="URL",
              help="Where backups live: s3://bucket/prefix or file:///dir (barman-cloud's URL).")
@click.option("--actor", envvar="REX_ACTOR", default=None,
              help="Who acts, for the ledger. Default: the login name.")
@click.option("--exports", envvar="REX_EXPORTS", default=None, metavar="URL",
              help="Where offboarding bundles and evidence go. Default: <storage>/exports.")
@click.option("--evidence", envvar="REX_EVIDENCE", default=None, metavar="URL",
              help="Where signed ledger checkpoints go (a COMPLIANCE-locked bucket). "
                   "Default: the exports location.")
@click.option("--signing-key", envvar="REX_SIGNING_KEY", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Ed25519 private key (PEM) that signs ledger checkpoints.")
@click.option("--quiet", envvar="REX_QUIET", is_flag=True,
              help="No progress bars on stderr (they are drawn only on a terminal anyway).")
@click.pass_context
@reports_errors
def main(ctx: click.Context, policy: str, now_text: str | None, catalog: str,
         suite_db: str | None, storage: str | None, actor: str | None, exports: str | None,
         evidence: str | None, signing_key: Path | None, quiet: bool) -> None:
    """rex: keep and prove backup retention and client exports for the Suite."""
    ctx.obj = Settings(policy=policy, now=_now(now_text), catalog=catalog,
                       suite_db=suite_db or catalog, storage=storage,
                       actor=actor or getpass.getuser(), exports=exports,
                       evidence=evidence, signing_key=signing_key)


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
@click.option("--json", "as_json", is_flag=True, help="Print the policy's settings as JSON.")
@click.pass_context
@reports_errors
def policy_show(ctx: click.Context, name_or_path: str | None, as_json: bool) -> None:
    """Print a policy (default: the group's --policy) in plain English with its sha256."""
    shown = load_policy(name_or_path or settings(ctx).policy)
    _emit(as_json, render.policy_document(shown), render.policy_text(shown))


@policy.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@reports_errors
def policy_check(path: Path, as_json: bool) -> None:
    """Validate a policy file; list every problem with its path in the document."""
    checked = load_policy(str(path)) if path.exists() else None
    if checked is None:
        raise InputError(f"policy {path}: no such file")
    _emit(as_json, {"path": str(path), "valid": True, "name": checked.name,
                    "sha256": checked.sha256},
          f"{path}: valid policy {checked.name} (sha256 {checked.sha256})\n")


@policy.command("terraform-vars")
@click.option("--policy", "name_or_path", default=None, metavar="NAME|PATH",
              help="The policy to convert. Default: the group's --policy.")
@click.option("--json", "as_json", is_flag=True,
              help="Accepted for uniformity: the output is JSON already.")
@click.pass_context
@reports_errors
def policy_terraform_vars(ctx: click.Context, name_or_path: str | None, as_json: bool) -> None:
    """Print the policy's settings for terraform/ as JSON (terraform/policy.auto.tfvars.json)."""
    from retention import terraform_vars

    click.echo(terraform_vars.render(load_policy(name_or_path or settings(ctx).policy)), nl=False)


@main.command("plan")
@click.option("--inventory", "inventory_path", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON inventory: points, wal, histories, holds, contracts.")
@click.option("--server", help="Plan this server from the catalog and store the plan.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--details", is_flag=True,
              help="After the summary, every backup and WAL range with its reasons.")
@click.option("--allow-mass-delete", is_flag=True,
              help="Accept a plan deleting more than the policy's max_delete_fraction.")
@click.pass_context
@reports_errors
def plan_command(ctx: click.Context, inventory_path: Path | None, server: str | None,
                 as_json: bool, details: bool, allow_mass_delete: bool) -> None:
    """Decide what to keep and delete, with every reason; exit 1 on an error finding."""
    cfg = settings(ctx)
    if (inventory_path is None) == (server is None):
        raise InputError("give exactly one of --inventory FILE or --server NAME")
    plan_id = None
    if server is not None:
        _check_signing_key()
        stored = service.plan_server(cfg.catalog, cfg.policy, server, cfg.now, cfg.actor,
                                     allow_mass_delete)
        pol, result, plan_id = stored.policy, stored.plan, stored.plan_id
        _sign_checkpoint()
    else:
        assert inventory_path is not None
        pol, result = service.plan_inventory(cfg.policy, inventory_path, cfg.now,
                                             allow_mass_delete)
    _show_plan(pol, result, plan_id, as_json, details)
    if result.has_errors:
        sys.exit(1)


def _show_plan(pol: Any, result: Any, plan_id: int | None, as_json: bool,
               details: bool = False) -> None:
    if as_json:
        doc = render.plan_document(result)
        click.echo(render.to_json({"plan_id": plan_id, **doc} if plan_id else doc), nl=False)
        return
    click.echo(render.plan_text(result, pol, details, plan_id), nl=False)


@main.group("db")
def db() -> None:
    """rex's catalog database."""


@db.command("upgrade")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def db_upgrade(ctx: click.Context, as_json: bool) -> None:
    """Create or migrate the catalog's tables (rex also does this on every start)."""
    before, after = service.db_upgrade(settings(ctx).catalog)
    _emit(as_json, {"revision": after, "was": before, "changed": before != after},
          f"catalog at revision {after}"
          + ("" if before == after else f" (was {before or 'empty'})") + "\n")


@main.command("sync")
@click.option("--server", required=True, help="The server name under the storage prefix.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@reports_errors
@signs_checkpoint
def sync_command(ctx: click.Context, server: str, as_json: bool) -> None:
    """Read a server's barman-cloud backups and WAL from storage into the catalog."""
    cfg = settings(ctx)
    with _progress(ctx, f"syncing {server}"):
        result = service.sync(cfg.catalog, cfg.need_storage(), server, cfg.now, cfg.actor,
                              cfg.clock, wall=_now(None))
    click.echo(render.to_json(render.sync_document(result)) if as_json
               else render.sync_text(result), nl=False)
    if any(f.severity == "error" for f in result.findings):
        sys.exit(1)


@main.command("apply")
@click.argument("plan_id", type=int)
@click.option("--dry-run", is_flag=True, help="Show what would be done; change nothing.")
@click.option("--allow-mass-delete", is_flag=True,
              help="Confirm a plan made with --allow-mass-delete.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@reports_errors
@signs_checkpoint
def apply_command(ctx: click.Context, plan_id: int, dry_run: bool, allow_mass_delete: bool,
                  as_json: bool) -> None:
    """Execute a stored plan: delete what expired, extend locks, set and clear legal holds."""
    cfg = settings(ctx)
    with _progress(ctx, f"applying plan {plan_id}"):
        result = service.apply(cfg.catalog, cfg.need_storage(), cfg.policy, plan_id, cfg.now,
                               cfg.actor, cfg.clock, dry_run, allow_mass_delete,
                               wall=_now(None))
    click.echo(render.to_json(render.apply_document(result)) if as_json
               else render.apply_text(result), nl=False)
    if result.failures:
        sys.exit(1)


@main.command("verify")
@click.option("--server", required=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--metrics", "metrics_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write Prometheus text exposition here (node-exporter textfile collector).")
@click.option("--deep", is_flag=True, help="Re-read every kept object and check it.")
@click.option("--details", is_flag=True, help="After the summary, the state of every day.")
@click.pass_context
@reports_errors
@signs_checkpoint
def verify_command(ctx: click.Context, server: str, as_json: bool, metrics_path: Path | None,
                   deep: bool, details: bool) -> None:
    """Prove the promises: PITR coverage, dailies, holds, locks, integrity. Exit 1 on errors."""
    cfg = settings(ctx)
    if metrics_path is not None:
        _check_folder(metrics_path, "--metrics")
    if deep:
        with _progress(ctx, f"re-reading {server}'s objects") as bar:
            result = service.verify_server(cfg.catalog, cfg.need_storage(), cfg.policy, server,
                                           cfg.now, cfg.actor, cfg.clock, True, bar.step,
                                           bar.total)
    else:
        result = service.verify_server(cfg.catalog, cfg.need_storage(), cfg.policy, server,
                                       cfg.now, cfg.actor, cfg.clock, False)
    click.echo(render.to_json(render.verify_document(result)) if as_json
               else render.verify_text(result, details), nl=False)
    if metrics_path is not None:  # after the verdict: a failure to write cannot hide it
        from retention.verify import write_metrics  # prometheus_client: atomic, escaped

        write_metrics(metrics_path, result.coverage, result.findings, cfg.now)
    if any(f.severity == "error" for f in result.findings):
        sys.exit(1)


@main.command("drill")
@click.option("--server", required=True)
@click.option("--at", "at_text", metavar="INSTANT", help="Restore to this instant.")
@click.option("--sample", type=int, help="Drill N instants drawn from the PITR window.")
@click.option("--seed", type=int, help="Make --sample reproducible.")
@click.option("--check", "check_sql", metavar="SQL", help="A query that must return true.")
@click.option("--keep", is_flag=True, help="Leave the restored cluster running.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@reports_errors
@signs_checkpoint
def drill_command(ctx: click.Context, server: str, at_text: str | None, sample: int | None,
                  seed: int | None, check_sql: str | None, keep: bool, as_json: bool) -> None:
    """Restore a point in time on a scratch cluster and check it; exit 1 if a drill fails."""
    cfg = settings(ctx)
    if (at_text is None) == (sample is None):
        raise InputError("give exactly one of --at INSTANT or --sample N")
    instants = [parse_instant(at_text, "--at")] if at_text else None
    results = service.drill(cfg.catalog, cfg.need_storage(), cfg.policy, server, instants,
                            sample, seed, cfg.now, cfg.actor, check_sql, keep, time.monotonic)
    click.echo(render.to_json(render.drill_document(results)) if as_json
               else render.drill_text(results), nl=False)
    if not all(r.passed for r in results):
        sys.exit(1)


@main.command("run")
@click.option("--server", required=True)
@click.option("--allow-mass-delete", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--details", is_flag=True,
              help="After the summary, every backup and WAL range of the plan with its reasons.")
@click.pass_context
@reports_errors
@signs_checkpoint
def run_command(ctx: click.Context, server: str, allow_mass_delete: bool, as_json: bool,
                details: bool) -> None:
    """The daily job: sync, plan, apply. Exit 1 when an error finding remains."""
    cfg = settings(ctx)
    storage = cfg.need_storage()
    with _progress(ctx, f"syncing {server}"):
        synced = service.sync(cfg.catalog, storage, server, cfg.now, cfg.actor, cfg.clock,
                              wall=_now(None))
    stored = service.plan_server(cfg.catalog, cfg.policy, server, cfg.now, cfg.actor,
                                 allow_mass_delete)
    with _progress(ctx, f"applying plan {stored.plan_id}"):
        applied = service.apply(cfg.catalog, storage, cfg.policy, stored.plan_id, cfg.now,
                                cfg.actor, cfg.clock, False, allow_mass_delete,
                                wall=_now(None))
    if as_json:
        click.echo(render.to_json({"sync": render.sync_document(synced),
                                   "plan": {"plan_id": stored.plan_id,
                                            **render.plan_document(stored.plan)},
                                   "apply": render.apply_document(applied)}), nl=False)
    else:
        # the plan carries the sync's findings (service.plan_server): shown once, with the plan.
        # The summary first (what was synced, planned, applied, what to do), then the table.
        plan = stored.plan
        click.echo(render.sync_text(replace(synced, findings=()))
                   + "\n".join(render.plan_summary(plan, stored.policy)) + "\n"
                   + render.apply_text(applied)
                   + "".join(f"{line}\n" for line in render.plan_next(plan, stored.plan_id,
                                                                      details, applied=True))
                   + ("\n" + "\n".join(render.plan_table(plan, stored.policy)) + "\n"
                      if details else ""), nl=False)
    errors = [f for f in (*synced.findings, *stored.plan.findings) if f.severity == "error"]
    if errors or applied.failures:
        sys.exit(1)


@main.group("vanished")
def vanished_group() -> None:
    """Backups and WAL that left storage without rex deleting them (errors until acknowledged)."""


@vanished_group.command("list")
@click.option("--server", default=None, help="Only this server.")
@click.option("--all", "include_all", is_flag=True, help="Also acknowledged records.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def vanished_list(ctx: click.Context, server: str | None, include_all: bool,
                  as_json: bool) -> None:
    """What vanished, what kept it, when it was found and whether it was acknowledged."""
    from retention import vanished

    cfg = settings(ctx)
    entries = vanished.list_open(cfg.catalog, server, include_all)
    _emit(as_json, render.vanished_document(entries), render.vanished_text(entries))


@vanished_group.command("ack")
@click.argument("record_ids", metavar="ID...", nargs=-1, type=click.IntRange(1, 2**62),
                required=True)
@click.option("--server", required=True, help="The server the records belong to.")
@click.option("--reason", required=True, help="Who deleted it and what was done about it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def vanished_ack(ctx: click.Context, record_ids: tuple[int, ...], server: str, reason: str,
                 as_json: bool) -> None:
    """Acknowledge a loss (ledgered): its finding stops; days without their daily stay
    reported until they leave the promised period."""
    from retention import vanished

    cfg = settings(ctx)
    entries = vanished.acknowledge_in(cfg.catalog, server, list(record_ids), reason, cfg.now,
                                      cfg.actor)
    _emit(as_json, render.vanished_document(entries), render.vanished_text(entries, True))


# --- tenants, contracts, holds, consent ---


def _emit(as_json: bool, document: Any, text: str) -> None:
    click.echo(render.to_json(document) if as_json else text, nl=False)


def _progress(ctx: click.Context, label: str) -> Any:
    """A progress bar on stderr (retention.progress): only on a terminal, never with
    --quiet / REX_QUIET."""
    from retention.progress import progress

    return progress(label, quiet=bool(ctx.find_root().params.get("quiet")))


@main.group()
def tenant() -> None:
    """Clients: add them, list them, show a client's contract, hold and erasure date."""


@tenant.command("add")
@click.argument("tenant_id", metavar="ID")
@click.option("--name", required=True, help="The client's name.")
@click.option("--server", "servers", multiple=True, metavar="NAME",
              help="A server holding the client's data (repeat). Default: every server.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def tenant_add(ctx: click.Context, tenant_id: str, name: str, servers: tuple[str, ...],
               as_json: bool) -> None:
    """Add a client (tenant)."""
    from retention import clients
    from retention import render_clients as rc

    cfg = settings(ctx)
    info = clients.tenant_add(cfg.catalog, cfg.policy, tenant_id, name, list(servers), cfg.now,
                              cfg.actor)
    _emit(as_json, rc.tenant_document(info), rc.added_text(info))


@tenant.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def tenant_list(ctx: click.Context, as_json: bool) -> None:
    """List the clients with their contract state, hold and offboarding."""
    from retention import clients
    from retention import render_clients as rc

    cfg = settings(ctx)
    found = clients.tenant_list(cfg.catalog, cfg.policy, cfg.now)
    _emit(as_json, {"tenants": [rc.tenant_document(t) for t in found]}, rc.tenants_text(found))


@tenant.command("status")
@click.argument("tenant_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def tenant_status(ctx: click.Context, tenant_id: str, as_json: bool) -> None:
    """Contract state, current period, final backup, hold_until, erasure date, offboarding."""
    from retention import clients
    from retention import render_clients as rc

    cfg = settings(ctx)
    status = clients.tenant_status(cfg.catalog, cfg.policy, tenant_id, cfg.now)
    _emit(as_json, rc.status_document(status), rc.status_text(status))
    if any(f.severity == "error" for f in status.findings):
        sys.exit(1)


@main.group()
def contract() -> None:
    """Client contracts: terms, reminders before a period ends, termination."""


@contract.command("set")
@click.argument("tenant_id", metavar="ID")
@click.option("--start", required=True, metavar="DATE", help="First day of the contract.")
@click.option("--period", required=True, metavar="DURATION", help="Period length, e.g. 12mo.")
@click.option("--auto-renew/--no-auto-renew", default=True, show_default=True,
              help="Whether a period is followed by the next one.")
@click.option("--remind", default="6w", show_default=True, metavar="DURATION",
              help="How long before a period's end the client is reminded.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def contract_set(ctx: click.Context, tenant_id: str, start: str, period: str, auto_renew: bool,
                 remind: str, as_json: bool) -> None:
    """Record (or replace) a client's contract terms."""
    from retention import clients
    from retention import render_clients as rc
    from retention.timeutil import parse_date

    cfg = settings(ctx)
    info = clients.contract_set(cfg.catalog, cfg.policy, tenant_id,
                                parse_date(start, "--start"), period, auto_renew, remind,
                                cfg.now, cfg.actor)
    _emit(as_json, rc.tenant_document(info), rc.contract_text(info))


@contract.command("due")
@click.option("--within", default="6w", show_default=True, metavar="DURATION",
              help="Horizon: periods ending within this are listed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def contract_due(ctx: click.Context, within: str, as_json: bool) -> None:
    """Contracts whose current period ends soon, with the reminder date (a working day)."""
    from retention import clients
    from retention import render_clients as rc

    cfg = settings(ctx)
    found = clients.contract_due(cfg.catalog, cfg.policy, within, cfg.now, cfg.actor)
    _emit(as_json, rc.due_document(found, within), rc.due_text(found, within))


@contract.command("terminate")
@click.argument("tenant_id", metavar="ID")
@click.option("--effective", required=True, metavar="DATE",
              help="The first day without a contract.")
@click.option("--by", "by", required=True, metavar="NAME", help="Who terminated it.")
@click.option("--reason", required=True, help="Why the contract ends.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def contract_terminate(ctx: click.Context, tenant_id: str, effective: str, by: str,
                       reason: str, as_json: bool) -> None:
    """Record a termination: places the post-termination hold, makes the offboarding due."""
    from retention import clients
    from retention import render_clients as rc
    from retention.timeutil import parse_date

    cfg = settings(ctx)
    info = clients.contract_terminate(cfg.catalog, cfg.policy, tenant_id,
                                      parse_date(effective, "--effective"), by, reason, cfg.now,
                                      cfg.actor)
    _emit(as_json, rc.tenant_document(info), rc.terminated_text(info))


@main.group()
def hold() -> None:
    """Legal holds on backups; every hold (post-termination holds and leases too) is listed."""


@hold.command("place")
@click.option("--server", required=True, help="The server whose backups are held.")
@click.option("--point", default=None, metavar="ID", help="Hold this backup.")
@click.option("--from", "range_from", default=None, metavar="INSTANT",
              help="Hold every instant from here (with --to).")
@click.option("--to", "range_to", default=None, metavar="INSTANT", help="... up to here.")
@click.option("--reason", required=True, help="Why (a case, an audit).")
@click.option("--by", "by", required=True, metavar="NAME", help="Who asked for the hold.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def hold_place(ctx: click.Context, server: str, point: str | None, range_from: str | None,
               range_to: str | None, reason: str, by: str, as_json: bool) -> None:
    """Place a legal hold on a backup or a time range, until released. On a backup, with
    --storage, it also writes barman's keep annotation (full), which barman's tools respect."""
    from retention import legalholds
    from retention import render_clients as rc

    cfg = settings(ctx)
    view = legalholds.place(
        cfg.catalog, server, point,
        parse_instant(range_from, "--from") if range_from is not None else None,
        parse_instant(range_to, "--to") if range_to is not None else None,
        reason, by, cfg.now, cfg.actor, cfg.need_storage() if cfg.storage else None)
    _emit(as_json, *legalholds.output(view, rc.hold_document(view), rc.placed_text(view)))


@hold.command("release")
@click.argument("hold_id", metavar="HOLD")
@click.option("--reason", required=True, help="Why the hold ends.")
@click.option("--by", "by", required=True, metavar="NAME", help="Who released it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def hold_release(ctx: click.Context, hold_id: str, reason: str, by: str,
                 as_json: bool) -> None:
    """Release a hold; deletes no backup: the next plan shows what becomes deletable. The keep
    annotation rex wrote for the hold is removed (needs --storage)."""
    from retention import legalholds
    from retention import render_clients as rc

    cfg = settings(ctx)
    view = legalholds.release(cfg.catalog, hold_id, reason, by, cfg.now, cfg.actor,
                              cfg.need_storage() if cfg.storage else None)
    _emit(as_json, *legalholds.output(view, rc.hold_document(view), rc.released_text(view)))


@hold.command("list")
@click.option("--all", "include_all", is_flag=True, help="Also released and ended holds.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def hold_list(ctx: click.Context, include_all: bool, as_json: bool) -> None:
    """Holds in force (legal, lease, post-termination), each with its kind and end."""
    from retention import legalholds
    from retention import render_clients as rc

    cfg = settings(ctx)
    views = legalholds.listing(cfg.catalog, cfg.policy, include_all, cfg.now)
    _emit(as_json, {"holds": [rc.hold_document(v) for v in views]}, rc.holds_text(views))


@main.group()
def consent() -> None:
    """The functional administrator's consent to look at a client's data."""


@consent.command("grant")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id.")
@click.option("--by", "by", required=True, metavar="NAME",
              help="The functional administrator who consents.")
@click.option("--scope", required=True, type=click.Choice(["export", "restore"]),
              help="What the consent allows.")
@click.option("--until", required=True, metavar="DATE", help="Valid through this day.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def consent_grant(ctx: click.Context, tenant_id: str, by: str, scope: str, until: str,
                  as_json: bool) -> None:
    """Record a consent; one whose --until has passed is refused."""
    from retention import consent as consents
    from retention import render_clients as rc
    from retention.timeutil import parse_date

    cfg = settings(ctx)
    view = consents.grant(cfg.catalog, cfg.policy, tenant_id, by, scope,
                          parse_date(until, "--until"), cfg.now, cfg.actor)
    _emit(as_json, rc.consent_document(view), rc.granted_text(view))


@consent.command("revoke")
@click.argument("consent_id", metavar="CONSENT")
@click.option("--by", "by", required=True, metavar="NAME", help="Who withdrew the consent.")
@click.option("--reason", default="", help="Why (optional).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def consent_revoke(ctx: click.Context, consent_id: str, by: str, reason: str,
                   as_json: bool) -> None:
    """Revoke a consent from now on."""
    from retention import consent as consents
    from retention import render_clients as rc

    cfg = settings(ctx)
    view = consents.revoke(cfg.catalog, consent_id, by, reason, cfg.now, cfg.actor)
    _emit(as_json, rc.consent_document(view), rc.revoked_text(view))


@consent.command("list")
@click.option("--tenant", "tenant_id", default=None, help="Only this tenant's consents.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def consent_list(ctx: click.Context, tenant_id: str | None, as_json: bool) -> None:
    """Every recorded consent with its state: valid, expired or revoked."""
    from retention import consent as consents
    from retention import render_clients as rc

    cfg = settings(ctx)
    views = consents.listing(cfg.catalog, tenant_id, cfg.now)
    _emit(as_json, {"consents": [rc.consent_document(v) for v in views]},
          rc.consents_text(views))


# --- offboarding ---


@main.command("offboard")
@click.argument("tenant_id", metavar="TENANT")
@click.option("--from-backup", "from_backup", default=None, metavar="POINT",
              help="Read the models from this backup (an id, or 'final': the tenant's final "
                   "backup) restored on a scratch cluster, instead of the live database.")
@click.option("--at", "at_text", default=None, metavar="INSTANT",
              help="Read them from the backup reaching this instant, restored to it.")
@click.option("--server", default=None, help="The server whose backup is restored.")
@click.option("--suite-dbname", default=None, metavar="NAME",
              help="The Suite's database inside the restored cluster. Default: --suite-db's.")
@click.option("--out", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the bundle <tenant>-offboarding-<generated>.zip.")
@click.option("--upload", is_flag=True,
              help="Deliver it: store it under --exports, locked until the hold ends, and "
                   "print a download link.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def offboard_command(ctx: click.Context, tenant_id: str, from_backup: str | None,
                     at_text: str | None, server: str | None, suite_dbname: str | None,
                     out: Path, upload: bool, as_json: bool) -> None:
    """Every stored model of a tenant in bpmn, xpdl, vdx, docx and pdf, in one zip with a
    manifest; a rerun after an interruption resumes and gives the same manifest."""
    from exporters import offboard as off
    from exporters import render_offboard as ro
    from exporters.bundle import Progress

    cfg = settings(ctx)
    places = off.Places(cfg.catalog, cfg.suite_db, cfg.policy, cfg.storage,
                        cfg.need_exports() if upload else None)
    request = off.Request(tenant_id, out, from_backup,
                          parse_instant(at_text, "--at") if at_text else None, server,
                          suite_dbname, upload)
    with _progress(ctx, f"offboarding {tenant_id}") as bar:
        done = off.offboard(places, request, cfg.now, cfg.actor, cfg.clock,
                            Progress(bar.total, bar.step), signing_clock=lambda: _now(None))
    _emit(as_json, ro.offboard_document(done), ro.offboard_text(done))


# --- process models and exports ---


@main.group()
def models() -> None:
    """The Suite's process models per tenant: create the tables, import, list."""


@models.command("init")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def models_init(ctx: click.Context, as_json: bool) -> None:
    """Create or upgrade the process-model tables in --suite-db (changes the Suite's schema)."""
    from exporters import service as models_service

    before, after = models_service.init_models(settings(ctx).suite_db)
    _emit(as_json, {"revision": after, "was": before, "changed": before != after},
          f"process-model tables at revision {after}"
          + ("" if before == after else f" (was {before or 'absent'})") + "\n")


@models.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", required=True, help="Tenant id; an unknown tenant is added.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def models_import(ctx: click.Context, files: tuple[Path, ...], tenant: str,
                  as_json: bool) -> None:
    """Import BPMN 2.0 files; a model id seen before gets a new version. An embedded SQLite
    --suite-db gets its tables created; any other database needs `rex models init` first. An
    unknown tenant is added to rex's tenants too (named by its id; `rex tenant status` shows
    it, `rex contract set` gives it a contract)."""
    from exporters import render as models_render
    from exporters import service as models_service
    from retention import clients

    cfg = settings(ctx)
    done = models_service.import_models(cfg.suite_db, tenant, list(files), cfg.now)
    added = clients.ensure_tenant(cfg.catalog, tenant, cfg.now, cfg.actor)
    note = (f"tenant {tenant} added to rex's tenants (named {tenant}); give it a contract with "
            f"`rex contract set {tenant} --start DATE --period 12mo`\n" if added else "")
    _emit(as_json, {**models_render.imported_document(tenant, done), "tenant_added": added},
          models_render.imported_text(done) + note)


@models.command("list")
@click.option("--tenant", required=True, help="Tenant id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def models_list(ctx: click.Context, tenant: str, as_json: bool) -> None:
    """List a tenant's models with their latest version."""
    from exporters import render as models_render
    from exporters import service as models_service
    from retention import clients

    cfg = settings(ctx)
    found = models_service.list_models(cfg.suite_db, tenant,
                                       known=clients.is_tenant(cfg.catalog, tenant))
    text = models_render.models_json(tenant, found) if as_json else \
        models_render.models_text(tenant, found)
    click.echo(text, nl=False)


@main.command("export")
@click.option("--tenant", required=True, help="Tenant id.")
@click.option("--model", "model_id", default=None, help="One model id (default: every model).")
@click.option("--version", "version", type=click.IntRange(min=1), default=None,
              help="That version of --model (default: the latest).")
@click.option("--format", "format_name", required=True,
              help="Output format: bpmn, xpdl, vdx, docx, pdf, svg, png, or all of them; an "
                   "unknown name lists the available ones.")
@click.option("--xpdl-version", type=click.Choice(["2.2", "2.1"]), default="2.2",
              show_default=True, help="XPDL version written by --format xpdl (and all).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory; files are written as <model-id>.<ext>.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
@signs_checkpoint
def export_command(ctx: click.Context, tenant: str, model_id: str | None, version: int | None,
                   format_name: str, xpdl_version: str, out: Path, as_json: bool) -> None:
    """Export a tenant's process models, one file per model."""
    from exporters import render as models_render
    from exporters import service as models_service
    from retention.consent import require_export_consent

    cfg = settings(ctx)
    require_export_consent(cfg.catalog, cfg.policy, tenant, cfg.now, cfg.actor)  # exit 1 if not
    with _progress(ctx, f"exporting {tenant}'s models") as bar:
        # past the consent gate the tenant is one of rex's: none stored is not "unknown"
        done = models_service.export_models(cfg.suite_db, tenant, format_name, out, model_id,
                                            version, xpdl_version, bar.total, bar.step,
                                            known=True)
    _emit(as_json, models_render.exported_document(tenant, format_name, done),
          models_render.exported_text(done))
    click.echo(models_render.export_warnings(done), nl=False, err=True)


# --- demo: the main job on the embedded default ---

DEMO_SERVER = "suite"


def _demo_steps(root: Path, now: datetime, point: str) -> list[tuple[str, list[str]]]:
    """The commands an operator would type, in order: (log name, arguments)."""
    effective = (now.date() - relativedelta(months=2)).isoformat()  # left two months ago
    steps: list[tuple[str, list[str]]] = [("keygen", ["evidence", "keygen", "--out",
                                                      str(root / "keys")])]
    for tenant, name in (("acme", "Acme Logistics"), ("globex", "Globex Bouw"),
                         ("initech", "Initech Zorg")):
        steps += [(f"tenant-{tenant}", ["tenant", "add", tenant, "--name", name]),
                  (f"contract-{tenant}", ["contract", "set", tenant, "--start", "2025-01-01",
                                          "--period", "12mo"])]
        steps += [(f"models-{tenant}", ["models", "import", *_sample_models(), "--tenant",
                                        tenant])]
    steps += [
        ("terminate-initech", ["contract", "terminate", "initech", "--effective", effective,
                               "--by", "offboarding team", "--reason", "client left"]),
        ("sync", ["sync", "--server", DEMO_SERVER]),
        ("hold", ["hold", "place", "--server", DEMO_SERVER, "--point", point, "--reason",
                  "dispute with a supplier", "--by", "legal"]),
        ("run", ["run", "--server", DEMO_SERVER]),
        ("verify", ["verify", "--server", DEMO_SERVER, "--metrics", str(root / "rex.prom")]),
        ("offboard-initech", ["offboard", "initech", "--out", str(root / "offboarding"),
                              "--upload"]),
        ("report", ["evidence", "report", "--from", (now - timedelta(days=30)).date().isoformat(),
                    "--to", now.date().isoformat(), "--out", str(root / "evidence")]),
    ]
    return steps


def _sample_models() -> list[str]:
    from importlib.resources import files

    folder = files("exporters").joinpath("samples")
    return sorted(str(folder.joinpath(n.name)) for n in folder.iterdir()
                  if n.name.endswith(".bpmn"))


def _demo_step(root: Path, group: list[str], name: str, args: list[str], number: int) -> str:
    """Run one command as a user would, its output in logs/; the verdict in one word."""
    log = root / "logs" / f"{number:02d}-{name}.txt"
    with log.open("w", encoding="utf-8") as out, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(out):
        try:
            main.main([*group, *args], prog_name="rex", standalone_mode=False)
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        except click.ClickException as err:
            err.show(out)
            code = 2
    return {0: "ok", 1: "ok, with findings (see the log)"}.get(code, f"FAILED (exit {code})")


@main.command("demo")
@click.option("--dir", "directory", default="rex-demo", show_default=True,
              type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def demo_command(ctx: click.Context, directory: Path, as_json: bool) -> None:
    """Lay out eight months of a Suite's backups and run every job of rex on them, locally."""
    from retention.sample import Clock, write_layout
    from retention.storage.base import BucketLock
    from retention.storage.local import LocalStore

    root = directory.resolve()
    if root.exists() and any(root.iterdir()):
        raise InputError(f"{root} exists and is not empty; remove it or give --dir")
    cfg = settings(ctx)
    end = (cfg.now - timedelta(minutes=30)).replace(second=0, microsecond=0)
    for sub in ("storage", "exports", "logs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    clock = Clock(end)
    store = LocalStore(root / "storage", clock)
    store.set_bucket_lock(BucketLock(True, "GOVERNANCE", days=32))
    exports = LocalStore(root / "exports", clock)
    exports.set_bucket_lock(BucketLock(True, "GOVERNANCE", days=30))
    if not as_json:
        click.echo(f"laying out 243 nightly backups of {DEMO_SERVER} in {root / 'storage'} ...")
    write_layout(store, DEMO_SERVER, end, 243, at=clock.set)
    held = f"{end - timedelta(days=150):%Y%m%dT%H%M%S}"
    group = ["--now", z(cfg.now), "--catalog", f"sqlite:///{root / 'rex.db'}",
             "--storage", (root / "storage").as_uri(), "--exports", (root / "exports").as_uri(),
             "--actor", "demo", "--policy", cfg.policy]
    steps = []
    for number, (name, args) in enumerate(_demo_steps(root, cfg.now, held), start=1):
        signing = ["--signing-key", str(root / "keys" / "private.pem")] if number > 1 else []
        verdict = _demo_step(root, [*group, *signing], name, args, number)
        steps.append({"step": number, "command": f"rex {' '.join(args[:2])}",
                      "verdict": verdict, "log": f"logs/{number:02d}-{name}.txt"})
        if not as_json:
            click.echo(f"  {number:2d}. {steps[-1]['command']}: {verdict}")
    rex = _rex_command()
    setup = (f"cd {root} && export REX_CATALOG=sqlite:///rex.db "
             f"REX_STORAGE={(root / 'storage').as_uri()} "
             f"REX_EXPORTS={(root / 'exports').as_uri()} REX_NOW={z(cfg.now)}")
    tries = [f"{rex} tenant status initech", f"{rex} hold list", f"{rex} plan --server suite",
             f"{rex} evidence verify --public-key keys/public.pem",
             f"{rex} evidence verify evidence/report.json --public-key keys/public.pem"]
    _emit(as_json, {"root": str(root), "steps": steps, "next": [setup, *tries]},
          f"\neverything is in {root}: rex.db (catalog and ledger), storage/ (backups), "
          "exports/ (delivered bundles and signed checkpoints, in the local store's "
          "versioned layout), offboarding/, evidence/ (report.json, report.pdf), keys/, "
          "logs/ (each command's output)\nnext, try:\n"
          + "".join(f"  {line}\n" for line in [setup, *tries]))
    failed = [s["log"] for s in steps if str(s["verdict"]).startswith("FAILED")]
    if failed:
        raise ViolationError(f"demo: {len(failed)} step(s) failed; see {', '.join(failed)} "
                             f"in {root}")


def _rex_command() -> str:
    """How to call rex from a new shell: `rex` when it is on PATH, else this executable's path
    (after the README's first command it is .venv/bin/rex, which PATH does not hold)."""
    import shutil

    running = Path(sys.argv[0])
    if shutil.which("rex") or running.name != "rex":
        return "rex"
    return str(running.resolve())


# --- evidence ---


@main.group()
def evidence() -> None:
    """Signed ledger checkpoints, the auditor's report, and their verification."""


@evidence.command("keygen")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for private.pem (mode 0600: --signing-key) and public.pem "
                   "(for auditors: --public-key).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@reports_errors
def evidence_keygen(out: Path, as_json: bool) -> None:
    """Write a new Ed25519 key pair for signing ledger checkpoints."""
    from retention.evidence import service as evidence_service

    private, public, fingerprint = evidence_service.keygen(out)
    _emit(as_json, {"private_key": str(private), "public_key": str(public),
                    "fingerprint": fingerprint},
          f"wrote {private} (keep it secret; --signing-key / REX_SIGNING_KEY) and "
          f"{public} (give it to auditors)\nfingerprint {fingerprint}\n")


@evidence.command("verify")
@click.argument("report", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
              help="The signer's public key (PEM) you trust; checkpoints must verify with it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def evidence_verify(ctx: click.Context, report: Path | None, public_key: Path | None,
                    as_json: bool) -> None:
    """Check the evidence; exit 0 when authentic, 1 when tampered, naming what.

    Without REPORT: the catalog's ledger chain and the signed checkpoints in
    <exports>/evidence/. With REPORT (a report.json): offline, without the catalog: its ledger
    slice, signatures, and that re-planning its inventory gives its plan."""
    from retention.evidence import service as evidence_service
    from retention.evidence import text as evidence_text

    if report is not None:
        verdict = evidence_service.verify_report_file(report, public_key)
        _emit(as_json, evidence_text.report_document(verdict, str(report)),
              evidence_text.report_text(verdict, str(report)))
        authentic = verdict.authentic
    else:
        cfg = settings(ctx)
        where = cfg.need_evidence() if cfg.evidence or cfg.exports or cfg.storage else None
        found = evidence_service.verify_catalog(cfg.catalog, where, cfg.clock, public_key)
        _emit(as_json, evidence_text.catalog_document(found), evidence_text.catalog_text(found))
        authentic = found.authentic
    if not authentic:
        sys.exit(1)


@evidence.command("report")
@click.option("--from", "first", required=True, metavar="DATE", help="First day of the period.")
@click.option("--to", "last", required=True, metavar="DATE", help="Last day of the period.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for report.json and report.pdf.")
@click.option("--server", default=None, help="Only this server (default: every server).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reports_errors
def evidence_report(ctx: click.Context, first: str, last: str, out: Path,
                    server: str | None, as_json: bool) -> None:
    """Write the auditor's report (report.json, report.pdf) over a period; with --signing-key
    it is signed. Findings do not fail the command: the report shows them."""
    from retention.evidence import text as evidence_text
    from retention.evidence.writer import write_report
    from retention.timeutil import parse_date

    written = write_report(settings(ctx), parse_date(first, "--from"), parse_date(last, "--to"),
                           out, server)
    _emit(as_json, evidence_text.written_document(written), evidence_text.written_text(written))
