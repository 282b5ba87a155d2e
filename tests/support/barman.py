"""Real barman-cloud backups for tests: the tools, archiving, base backups, listing, restores.

**Where the tools live.** ``archive_command`` and ``restore_command`` run as the server's OS user
(``postgres``), so the barman-cloud programs must be executable by that user. The project venv's
interpreter may live under a private home directory, so the tools get their own virtual
environment, built once and cached:

- location: ``$REX_BARMAN_VENV`` if set, else ``<project>/.cache/barman-venv`` (gitignored) when
  the server's user can reach the project directory, else ``<system temp dir>/rex-barman-venv``;
- interpreter: the first Python 3 the server's user can run (the project interpreter's base if
  reachable, else ``python3`` on the default system PATH); created ``--without-pip`` (no
  ``ensurepip`` needed) and filled by the project venv's pip (``pip --python``) with
  ``BARMAN_REQUIREMENT`` (psycopg2 is built from source: gcc, ``pg_config`` and ``libpq-dev``);
- made world-readable (``a+rX``); a marker file records the requirement, so a changed requirement
  rebuilds it. ``$REX_BARMAN_BIN`` (a ``bin/`` dir with the tools, readable by the server's user)
  skips all of this.

**Credentials.** The server starts with a minimal environment; the archive and restore commands
carry ``AWS_SHARED_CREDENTIALS_FILE``/``AWS_CONFIG_FILE`` pointing at files in a directory the
server's user owns, plus ``--endpoint-url``.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support.pgcluster import (
    PgCluster,
    as_server_user,
    give_to_server_user,
    minimal_env,
    scratch_dir,
)
from tests.support.s3server import CREDENTIALS, free_port

BARMAN_REQUIREMENT = "barman[cloud]>=3.10,<4"
PROJECT = Path(__file__).resolve().parents[2]
_MARKER = ".rex-barman-ready"


# --- the tools --------------------------------------------------------------------------------

def _server_user_can(cmd: Sequence[str | os.PathLike[str]]) -> bool:
    try:
        done = subprocess.run(as_server_user(cmd), capture_output=True, timeout=60,
                              env=minimal_env(), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def barman_venv_dir() -> Path:
    """Where the barman-cloud venv is (or will be) built; see the module docstring."""
    configured = os.environ.get("REX_BARMAN_VENV")
    if configured:
        return Path(configured)
    if _server_user_can(["test", "-x", PROJECT, "-a", "-r", PROJECT]):
        return PROJECT / ".cache" / "barman-venv"
    return Path(tempfile.gettempdir()) / "rex-barman-venv"


def _base_interpreter() -> Path:
    """A Python 3 the server's user can run (to build the venv from)."""
    candidates = [Path(sysconfig.get_config_var("BINDIR") or "") / "python3",
                  Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))]
    found = shutil.which("python3", path=os.defpath)
    if found:
        candidates.append(Path(found))
    for python in candidates:
        if python.is_file() and _server_user_can([python, "-c", "import venv"]):
            return python
    raise RuntimeError("no Python 3 interpreter that the PostgreSQL server's OS user can run; "
                       "install python3 system-wide or set REX_BARMAN_BIN")


def _make_readable(venv: Path) -> None:
    subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
    if venv.parent == PROJECT / ".cache":
        venv.parent.chmod(venv.parent.stat().st_mode | 0o555)


@functools.cache
def ensure_barman_tools() -> Path:
    """The ``bin/`` directory holding barman-cloud-*, built on first use (see module docs);
    checked to be runnable by the server's OS user."""
    configured = os.environ.get("REX_BARMAN_BIN")
    bin_dir = Path(configured) if configured else _built_venv() / "bin"
    tool = bin_dir / "barman-cloud-wal-archive"
    if not _server_user_can([tool, "--version"]):
        raise RuntimeError(f"{tool} cannot be run by the PostgreSQL server's OS user: every "
                           "directory above it must be readable and searchable by that user "
                           "(set REX_BARMAN_VENV to a directory it can reach)")
    return bin_dir


def _built_venv() -> Path:
    venv = barman_venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = venv / _MARKER
        if not (marker.is_file() and marker.read_text() == BARMAN_REQUIREMENT):
            _build_venv(venv)
            marker.write_text(BARMAN_REQUIREMENT)
            _make_readable(venv)
    return venv


def _build_venv(venv: Path) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    python = _base_interpreter()
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                           "install", "-q", "--disable-pip-version-check", BARMAN_REQUIREMENT],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"installing {BARMAN_REQUIREMENT} into {venv} failed (psycopg2 builds "
                           f"from source: gcc, pg_config and libpq-dev are needed):\n"
                           f"{done.stdout}\n{done.stderr}")


# --- one archive destination -------------------------------------------------------------------

@dataclass(frozen=True)
class BarmanTarget:
    """One barman-cloud destination ``s3://bucket/prefix`` + server name, with its credentials."""

    bin: Path
    endpoint: str
    bucket: str
    prefix: str
    server: str
    secrets: Path  # directory (owned by the server's user) with AWS credentials + config files

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def server_prefix(self) -> str:
        """The key prefix of this server's objects inside the bucket (``<prefix>/<server>/``)."""
        return f"{self.prefix}/{self.server}/"

    def aws_env(self) -> dict[str, str]:
        return {"AWS_SHARED_CREDENTIALS_FILE": str(self.secrets / "credentials"),
                "AWS_CONFIG_FILE": str(self.secrets / "config")}

    def run(self, tool: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run ``barman-cloud-<tool>`` (as the test's user) against this destination."""
        cmd = [str(self.bin / f"barman-cloud-{tool}"), "--endpoint-url", self.endpoint, *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                              env=minimal_env(self.aws_env()))
        if done.returncode != 0:
            raise RuntimeError(f"barman-cloud-{tool} failed with exit code {done.returncode}:\n"
                               f"{shlex.join(cmd)}\n{done.stdout}\n{done.stderr}")
        return done

    def shell_command(self, tool: str, *args: str) -> str:
        """A shell command line for archive_command/restore_command (run by the server)."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.aws_env().items())
        cmd = [str(self.bin / f"barman-cloud-{tool}"), "--endpoint-url", self.endpoint, *args]
        return f"{env} {' '.join(shlex.quote(c) if '%' not in c else c for c in cmd)}"

    def archive_command(self, *options: str) -> str:
        return self.shell_command("wal-archive", *options, self.url, self.server, "%p")

    def restore_command(self, *options: str) -> str:
        return self.shell_command("wal-restore", *options, self.url, self.server, "%f", "%p")


def make_target(endpoint: str, bucket: str, server: str = "main", prefix: str = "pg",
                bin_dir: Path | None = None) -> BarmanTarget:
    """A destination whose credentials (the test S3 server's) the server's user can read."""
    secrets = Path(tempfile.mkdtemp(prefix="rex-aws-"))
    (secrets / "credentials").write_text(
        "[default]\n"
        f"aws_access_key_id = {CREDENTIALS['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {CREDENTIALS['AWS_SECRET_ACCESS_KEY']}\n")
    (secrets / "config").write_text(f"[default]\nregion = {CREDENTIALS['AWS_DEFAULT_REGION']}\n")
    give_to_server_user(secrets)
    return BarmanTarget(bin=bin_dir or ensure_barman_tools(), endpoint=endpoint, bucket=bucket,
                        prefix=prefix, server=server, secrets=secrets)


# --- archiving and backups ---------------------------------------------------------------------

def enable_archiving(cluster: PgCluster, target: BarmanTarget, archive_timeout: int = 0,
                     compression: str | None = "--gzip") -> None:
    """archive_mode=on with barman-cloud-wal-archive into ``target``; restart to apply."""
    options = [compression] if compression else []
    cluster.configure({"archive_mode": True, "archive_timeout": archive_timeout,
                       "archive_command": target.archive_command(*options)})


def take_backup(cluster: PgCluster, target: BarmanTarget, *options: str) -> str:
    """Run barman-cloud-backup of ``cluster``; the new backup's id."""
    before = {b["backup_id"] for b in list_backups(target)}
    target.run("backup", "--host", "127.0.0.1", "--port", str(cluster.port), "--user", "postgres",
               "--immediate-checkpoint", *options, target.url, target.server)
    new = [b["backup_id"] for b in list_backups(target) if b["backup_id"] not in before]
    if len(new) != 1:
        raise RuntimeError(f"expected one new backup, found {new}")
    return str(new[0])


def list_backups(target: BarmanTarget) -> list[dict[str, Any]]:
    """``barman-cloud-backup-list --format json``: the backups, oldest first."""
    done = target.run("backup-list", "--format", "json", target.url, target.server)
    backups: list[dict[str, Any]] = json.loads(done.stdout)["backups_list"]
    return backups


def switch_wal(cluster: PgCluster) -> str:
    """``pg_switch_wal()``: the name of the segment it completed (now ready to archive)."""
    return str(cluster.value("select pg_walfile_name(pg_switch_wal())"))


def current_wal(cluster: PgCluster) -> str:
    return str(cluster.value("select pg_walfile_name(pg_current_wal_lsn())"))


def wait_archived(cluster: PgCluster, wal_name: str, timeout: float = 60) -> None:
    """Wait until pg_stat_archiver reports ``wal_name`` (or a later segment) archived."""
    deadline = time.monotonic() + timeout
    while True:
        last, failed, last_failed = cluster.sql(
            "select last_archived_wal, failed_count, last_failed_wal from pg_stat_archiver")[0]
        if last is not None and last[:24] >= wal_name[:24]:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{wal_name} not archived after {timeout}s (last archived {last}, "
                               f"{failed} failures, last failed {last_failed}):\n"
                               f"{cluster.log_tail()}")
        time.sleep(0.2)


def switch_and_wait(cluster: PgCluster, timeout: float = 60) -> str:
    """Switch WAL and wait until the completed segment is archived; its name."""
    name = switch_wal(cluster)
    wait_archived(cluster, name, timeout)
    return name


# --- restores ----------------------------------------------------------------------------------

def restore_backup(target: BarmanTarget, backup_id: str, *, target_time: datetime | None = None,
                   timeline: int | str | None = None, port: int | None = None,
                   settings: Mapping[str, str | int | bool] | None = None) -> PgCluster:
    """barman-cloud-restore ``backup_id`` into a scratch dir, configured for point-in-time recovery
    (restore_command via barman-cloud-wal-restore, archive_mode=off, its own port); not started.

    ``target_time`` (aware) becomes recovery_target_time with recovery_target_action=promote;
    ``timeline`` becomes recovery_target_timeline (use the backup's timeline: a newer timeline in
    the archive would otherwise be followed).
    """
    root = scratch_dir("rex-restore-")
    cluster = PgCluster(datadir=root / "data", port=port or free_port())
    target.run("restore", target.url, target.server, backup_id, str(cluster.datadir))
    give_to_server_user(cluster.datadir)
    recovery: dict[str, str | int | bool] = {
        "port": cluster.port, "archive_mode": False, "archive_command": "",
        "restore_command": target.restore_command()}
    if target_time is not None:
        if target_time.tzinfo is None:
            raise ValueError("target_time must be timezone-aware")
        recovery["recovery_target_time"] = target_time.isoformat()
        recovery["recovery_target_action"] = "promote"
    if timeline is not None:
        recovery["recovery_target_timeline"] = str(timeline)
    cluster.configure({**recovery, **(settings or {})})
    signal = cluster.datadir / "recovery.signal"
    signal.touch()
    give_to_server_user(cluster.datadir)
    return cluster


@contextmanager
def restored_cluster(target: BarmanTarget, backup_id: str, **options: Any) -> Iterator[PgCluster]:
    """``restore_backup``, started and promoted; destroyed afterwards."""
    cluster = restore_backup(target, backup_id, **options)
    try:
        cluster.start(timeout=180)
        cluster.wait_promoted()
        yield cluster
    finally:
        cluster.destroy()


__all__ = [
    "BARMAN_REQUIREMENT", "BarmanTarget", "current_wal", "enable_archiving", "ensure_barman_tools",
    "list_backups", "make_target", "restore_backup", "restored_cluster", "switch_and_wait",
    "switch_wal", "take_backup", "wait_archived",
]
