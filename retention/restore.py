"""Restoring a backup to a point in time on a scratch cluster with barman-cloud.

``barman-cloud-restore`` unpacks the base backup (run as rex's user, with rex's credentials);
the scratch server then fetches WAL itself through ``barman-cloud-wal-restore`` as its own OS
user, so the tools must be executable by that user (``REX_BARMAN_BIN``, else the directory of
``barman-cloud-restore`` on PATH) and rex's credentials, if it has them in its environment, are
handed over in a file only that user can read, removed with the scratch directory. Archiving is
off: a drill never writes into the production prefix.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from retention.scratch import (
    ScratchCluster,
    ScratchError,
    free_port,
    give_to_server_user,
    minimal_env,
    pg_bindir,
    scratch_dir,
)
from retention.timeutil import z

_CRED_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
CHECK_TIMEOUT_SECONDS = 300  # a --check that runs longer is cancelled (QueryCanceled)


@dataclass(frozen=True)
class BarmanTools:
    bin: Path
    endpoint: str | None
    url: str  # s3://bucket/prefix, the URL barman-cloud writes to
    server: str

    @classmethod
    def from_environment(cls, storage_url: str, server: str) -> BarmanTools:
        configured = os.environ.get("REX_BARMAN_BIN")
        found = shutil.which("barman-cloud-restore")
        folder = Path(configured) if configured else Path(found).parent if found else None
        if folder is None or not (folder / "barman-cloud-restore").exists():
            raise ScratchError("barman-cloud-restore not found: install barman[cloud] where "
                               "the PostgreSQL user can run it and set REX_BARMAN_BIN")
        return cls(folder, os.environ.get("AWS_ENDPOINT_URL"), storage_url, server)

    def _base(self, tool: str) -> list[str]:
        cmd = [str(self.bin / f"barman-cloud-{tool}")]
        return cmd + (["--endpoint-url", self.endpoint] if self.endpoint else [])

    def restore(self, backup_id: str, dest: Path) -> None:
        cmd = [*self._base("restore"), self.url, self.server, backup_id, str(dest)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=False)
        if done.returncode != 0:
            raise ScratchError(f"barman-cloud-restore of {backup_id} failed (exit "
                               f"{done.returncode}): {done.stderr.strip()[-2000:]}")

    def wal_restore_command(self, secrets: Path | None) -> str:
        env = "" if secrets is None else (
            f"AWS_SHARED_CREDENTIALS_FILE={shlex.quote(str(secrets / 'credentials'))} "
            f"AWS_CONFIG_FILE={shlex.quote(str(secrets / 'config'))} ")
        cmd = [shlex.quote(c) for c in self._base("wal-restore")]
        return f"{env}{' '.join(cmd)} {shlex.quote(self.url)} {shlex.quote(self.server)} %f %p"


def handed_credentials(root: Path) -> Path | None:
    """rex's own credentials from its environment, in files the server's user alone reads."""
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        return None  # the server's user finds credentials on its own (instance role, profile)
    secrets = root / "aws"
    secrets.mkdir()
    lines = [f"{name.lower()} = {os.environ[name]}\n" for name in _CRED_VARS
             if os.environ.get(name)]
    (secrets / "credentials").write_text("[default]\n" + "".join(lines))
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    (secrets / "config").write_text(f"[default]\nregion = {region}\n")
    give_to_server_user(secrets)
    return secrets


def major_version(backup_info: str) -> int | None:
    """PostgreSQL's major version from backup.info's ``version=150010``."""
    found = re.search(r"^version=(\d+)$", backup_info, re.MULTILINE)
    return int(found.group(1)) // 10000 if found else None


def restore_to_scratch(tools: BarmanTools, backup_id: str, timeline: int, instant: datetime,
                       major: int | None) -> ScratchCluster:
    """Unpack the backup and configure recovery to ``instant`` on its timeline; not started."""
    root = scratch_dir("rex-drill-")
    cluster = ScratchCluster(datadir=root / "data", port=free_port(), bindir=pg_bindir(major),
                             env=minimal_env())
    try:
        tools.restore(backup_id, cluster.datadir)
        give_to_server_user(cluster.datadir)
        cluster.configure({
            "port": cluster.port, "listen_addresses": "127.0.0.1",
            "archive_mode": False, "archive_command": "",
            "restore_command": tools.wal_restore_command(handed_credentials(root)),
            "recovery_target_time": z(instant).replace("Z", "+00"),
            "recovery_target_action": "promote",
            "recovery_target_timeline": str(timeline),
        })
        (cluster.datadir / "recovery.signal").touch()
        give_to_server_user(cluster.datadir)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return cluster


def table_counts(cluster: ScratchCluster) -> dict[str, int]:
    """Row counts of every table in every database: numbers only, never rows."""
    counts: dict[str, int] = {}
    databases = [r[0] for r in cluster.sql(
        "select datname from pg_database where not datistemplate order by 1")]
    for db in databases:
        tables = cluster.sql("select quote_ident(schemaname) || '.' || quote_ident(relname) "
                             "from pg_stat_user_tables order by 1", dbname=db)
        for (name,) in tables:
            counts[f"{db}.{name}"] = int(cluster.sql(f"select count(*) from {name}",
                                                     dbname=db)[0][0])
    return counts


@dataclass(frozen=True)
class CheckRole:
    """The login a --check runs as; the password exists only in this process."""

    name: str
    password: str


def reader_role(cluster: ScratchCluster) -> CheckRole:
    """A non-superuser login that can read every table and nothing more, so a check cannot
    write, read server files or run programs: ``pg_read_all_data`` (PostgreSQL 14+), else
    SELECT on every table of the database the check runs in. BYPASSRLS, so the check sees
    what the superuser sees."""
    role = CheckRole(f"rex_check_{secrets.token_hex(4)}", secrets.token_urlsafe(24))
    name = sql.Identifier(role.name)
    with cluster.connect() as conn:
        conn.execute(sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole "
                             "noreplication bypassrls password {}")
                     .format(name, sql.Literal(role.password)))
        conn.execute(sql.SQL("grant connect on database postgres to {}").format(name))
        if conn.execute("select 1 from pg_roles where rolname = 'pg_read_all_data'").fetchone():
            conn.execute(sql.SQL("grant pg_read_all_data to {}").format(name))
        else:
            _grant_select_everywhere(conn, name)
    return role


def _grant_select_everywhere(conn: psycopg.Connection[Any], role: sql.Identifier) -> None:
    """Before PostgreSQL 14: USAGE on every user schema and SELECT on its tables."""
    schemas = conn.execute("select nspname from pg_namespace where nspname !~ '^pg_' "
                           "and nspname <> 'information_schema'").fetchall()
    for (schema,) in schemas:
        for grant in ("grant usage on schema {} to {}",
                      "grant select on all tables in schema {} to {}"):
            conn.execute(sql.SQL(grant).format(sql.Identifier(schema), role))


def run_check(cluster: ScratchCluster, query: str, role: CheckRole) -> bool | None:
    """The --check verdict (None: no row), as ``role`` in one READ ONLY transaction with a
    statement timeout. Sent as a prepared statement, so it is exactly one statement: a
    ``; commit; ...`` tail cannot leave the read-only transaction. Nothing is committed."""
    options = (f"-c default_transaction_read_only=on "
               f"-c statement_timeout={CHECK_TIMEOUT_SECONDS * 1000}")
    with psycopg.connect(cluster.conninfo, user=role.name, password=role.password,
                         options=options, autocommit=False) as conn:
        conn.read_only = True
        try:
            cur = conn.execute(query, prepare=True)
            row = cur.fetchone() if cur.description else None
        finally:
            conn.rollback()
    return None if row is None else bool(row[0])
