"""Scratch PostgreSQL clusters: restored for drills, run as a non-root OS user.

``initdb`` and ``postgres`` refuse to run as root: when rex runs as root every server program runs
as ``REX_DRILL_USER`` (default ``postgres``) through ``runuser``; otherwise as rex's own user. The
binaries are those of the cluster's major version (``/usr/lib/postgresql/<major>/bin``, Debian's
layout, or ``REX_PG_BINDIR``), falling back to ``pg_config --bindir``.

Everything the server touches lives in one scratch directory under the system temp dir, owned by
the server's user. The server starts with a minimal environment: whatever ``restore_command``
needs (credentials, endpoint) is in the command itself.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from retention.errors import RexError


class ScratchError(RexError):
    """A scratch cluster could not be made, started or queried (exit 1)."""

    exit_code = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def running_as_root() -> bool:
    return os.geteuid() == 0


def server_user() -> str:
    """The OS user the server programs run as."""
    if running_as_root():
        return os.environ.get("REX_DRILL_USER", "postgres")
    return pwd.getpwuid(os.geteuid()).pw_name


def as_server_user(cmd: Sequence[str | os.PathLike[str]]) -> list[str]:
    """``cmd`` run as the server's OS user (through ``runuser`` when we are root)."""
    args = [os.fspath(c) for c in cmd]
    return ["runuser", "-u", server_user(), "--", *args] if running_as_root() else args


def pg_bindir(major: int | None = None) -> Path:
    """The server binaries for a major version (Debian layout), else those of ``pg_config``."""
    configured = os.environ.get("REX_PG_BINDIR")
    if configured:
        return Path(configured)
    if major is not None and Path(f"/usr/lib/postgresql/{major}/bin/pg_ctl").exists():
        return Path(f"/usr/lib/postgresql/{major}/bin")
    try:
        out = subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True,
                             text=True)
    except (OSError, subprocess.CalledProcessError):
        raise ScratchError(f"no PostgreSQL {major or ''} server binaries found: install "
                           "postgresql-<major> or set REX_PG_BINDIR") from None
    return Path(out.stdout.strip())


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment without rex's own AWS_* settings: nothing leaks into the server."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "TZ": "UTC"}
    env.update(extra or {})
    return env


def give_to_server_user(path: Path, mode: int = 0o700) -> None:
    """chown -R path to the server's user (when root) and chmod the top directory."""
    if running_as_root():
        entry = pwd.getpwnam(server_user())
        for root, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(mode)


def scratch_dir(prefix: str = "rex-pg-") -> Path:
    """A fresh directory under the system temp dir that the server's user owns (0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    give_to_server_user(path)
    return path


def run(cmd: Sequence[str], env: Mapping[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=dict(env or minimal_env()),
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ScratchError(f"{' '.join(cmd)} did not finish within {timeout:.0f}s") from None
    if done.returncode != 0:
        raise ScratchError(f"{' '.join(cmd)} failed with exit code {done.returncode}:\n"
                           f"{done.stdout}\n{done.stderr}".rstrip())
    return done


def conf_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


@dataclass
class ScratchCluster:
    """One server: ``datadir`` (also its socket dir), ``port``; SQL over TCP on 127.0.0.1."""

    datadir: Path
    port: int
    bindir: Path = field(default_factory=pg_bindir)
    env: dict[str, str] = field(default_factory=minimal_env)

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    @property
    def logfile(self) -> Path:
        return self.datadir.parent / f"{self.datadir.name}.log"

    def pg_ctl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return run(as_server_user([self.bindir / "pg_ctl", "-D", self.datadir, *args]),
                   self.env, timeout)

    def start(self, timeout: float = 60) -> None:
        opts = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1"
        try:
            self.pg_ctl("-o", opts, "-l", str(self.logfile), "-w", "-t", str(int(timeout)),
                        "start", timeout=timeout + 10)
        except ScratchError as err:
            raise ScratchError(f"{err}\nserver log:\n{self.log_tail()}") from None

    def stop(self, mode: str = "fast") -> None:
        if (self.datadir / "postmaster.pid").exists():
            self.pg_ctl("-m", mode, "-w", "stop")

    def reload(self) -> None:
        self.pg_ctl("reload")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def configure(self, settings: Mapping[str, str | int | bool]) -> None:
        """Append settings to postgresql.auto.conf (read last, so these win)."""
        lines = [f"{name} = {conf_value(value)}\n" for name, value in settings.items()]
        with (self.datadir / "postgresql.auto.conf").open("a", encoding="utf-8") as out:
            out.writelines(lines)

    def connect(self, dbname: str = "postgres", autocommit: bool = True) -> psycopg.Connection[Any]:
        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}",
                               autocommit=autocommit)

    def sql(self, query: str, params: Sequence[Any] | None = None,
            dbname: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one statement in its own autocommit connection; the rows it returns, if any."""
        with self.connect(dbname) as conn, conn.cursor() as cur:
            cur.execute(query, params)
            return list(cur.fetchall()) if cur.description else []

    def value(self, query: str, params: Sequence[Any] | None = None) -> Any:
        return self.sql(query, params)[0][0]

    def wait_promoted(self, timeout: float = 600) -> None:
        """Poll ``pg_is_in_recovery()`` until recovery has ended (the restored server promoted)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if not self.value("select pg_is_in_recovery()"):
                    return
            except psycopg.OperationalError:
                if not (self.datadir / "postmaster.pid").exists():
                    raise ScratchError("the server stopped during recovery:\n"
                                       f"{self.log_tail()}") from None
            if time.monotonic() > deadline:
                raise ScratchError(f"still in recovery after {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.3)

    def destroy(self) -> None:
        """Stop (immediately) and remove the data directory and its log."""
        with contextlib.suppress(ScratchError):
            self.stop("immediate")
        shutil.rmtree(self.datadir.parent, ignore_errors=True)
