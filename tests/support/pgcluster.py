"""A throwaway PostgreSQL cluster for tests that need a real server (WAL archiving, restores).

``initdb`` and ``postgres`` refuse to run as root: when the tests run as root every server program
runs as the ``postgres`` OS user (``runuser -u postgres --``); as any other user they run as that
user. The binaries come from ``pg_config --bindir`` (PostgreSQL 15 on the CI image).

Everything the server touches lives in one scratch directory under the system temp dir (pytest's
``tmp_path`` is private to root, so the server could not reach it), owned by the server's user.
The server starts with a *minimal* environment: whatever ``archive_command`` or
``restore_command`` needs (credentials, endpoint) must be in the command itself.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.support.s3server import free_port

SERVER_USER = "postgres"


def running_as_root() -> bool:
    return os.geteuid() == 0


def server_user() -> str:
    """The OS user the server programs run as."""
    return SERVER_USER if running_as_root() else pwd.getpwuid(os.geteuid()).pw_name


def as_server_user(cmd: Sequence[str | os.PathLike[str]]) -> list[str]:
    """``cmd`` run as the server's OS user (through ``runuser`` when we are root)."""
    args = [os.fspath(c) for c in cmd]
    return ["runuser", "-u", SERVER_USER, "--", *args] if running_as_root() else args


def pg_bindir() -> Path:
    """The server binaries of the PostgreSQL that ``pg_config`` on PATH belongs to."""
    out = subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment without the test process's AWS_* settings: nothing leaks into the server."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "TZ": "UTC"}
    env.update(extra or {})
    return env


def give_to_server_user(path: Path, mode: int = 0o700) -> None:
    """chown -R path to the server's user (when root) and chmod the top directory."""
    if running_as_root():
        entry = pwd.getpwnam(SERVER_USER)
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


def _run(cmd: Sequence[str], env: Mapping[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, env=dict(env or minimal_env()),
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with exit code {done.returncode}:\n"
                           f"{done.stdout}\n{done.stderr}")
    return done


@dataclass
class PgCluster:
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
        return _run(as_server_user([self.bindir / "pg_ctl", "-D", self.datadir, *args]),
                    self.env, timeout)

    def start(self, timeout: float = 60) -> None:
        opts = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1"
        try:
            self.pg_ctl("-o", opts, "-l", str(self.logfile), "-w", "-t", str(int(timeout)),
                        "start", timeout=timeout + 10)
        except RuntimeError as err:
            raise RuntimeError(f"{err}\nserver log:\n{self.log_tail()}") from None

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
        """Append settings to postgresql.auto.conf (read last, so these win); reload or restart."""
        lines = [f"{name} = {_conf_value(value)}\n" for name, value in settings.items()]
        auto = self.datadir / "postgresql.auto.conf"
        with auto.open("a", encoding="utf-8") as out:
            out.writelines(lines)

    def connect(self, autocommit: bool = True) -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo, autocommit=autocommit)

    def sql(self, query: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement in its own autocommit connection; the rows it returns, if any."""
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(query, params)
            return list(cur.fetchall()) if cur.description else []

    def value(self, query: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.sql(query, params)
        return rows[0][0]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.value("select 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def wait_promoted(self, timeout: float = 120) -> None:
        """Poll ``pg_is_in_recovery()`` until recovery has ended (the restored server promoted)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if not self.value("select pg_is_in_recovery()"):
                    return
            except psycopg.OperationalError:
                if not (self.datadir / "postmaster.pid").exists():
                    raise RuntimeError(f"server stopped during recovery:\n{self.log_tail()}"
                                       ) from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"still in recovery after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.3)

    def destroy(self) -> None:
        """Stop (immediately) and remove the data directory and its log."""
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _conf_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def init_cluster(settings: Mapping[str, str | int | bool] | None = None,
                 wal_segsize_mb: int = 16, port: int | None = None) -> PgCluster:
    """initdb (trust auth, UTF-8) into a fresh scratch dir and configure it; not started."""
    root = scratch_dir()
    cluster = PgCluster(datadir=root / "data", port=port or free_port())
    _run(as_server_user([cluster.bindir / "initdb", "-D", cluster.datadir, "--auth=trust",
                         "--encoding=UTF8", "--no-locale", f"--wal-segsize={wal_segsize_mb}",
                         "-U", "postgres"]), cluster.env)
    cluster.configure({"wal_level": "replica", "fsync": False, "synchronous_commit": False,
                       "full_page_writes": True, "max_wal_senders": 2, "timezone": "UTC",
                       **(settings or {})})
    return cluster


@contextmanager
def pg_cluster(settings: Mapping[str, str | int | bool] | None = None,
               wal_segsize_mb: int = 16) -> Iterator[PgCluster]:
    """A started cluster, destroyed afterwards."""
    cluster = init_cluster(settings, wal_segsize_mb)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
