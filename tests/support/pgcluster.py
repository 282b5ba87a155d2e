"""A throwaway PostgreSQL cluster for tests that need a real server (WAL archiving, restores).

The scratch-cluster machinery is rex's own (``retention.scratch``, which drills use): servers
run as the ``postgres`` OS user when the tests run as root, in a scratch directory under the
system temp dir, with a minimal environment. Tests add ``initdb``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from retention.scratch import (
    ScratchCluster,
    as_server_user,
    free_port,
    give_to_server_user,
    minimal_env,
    pg_bindir,
    run,
    running_as_root,
    scratch_dir,
    server_user,
)

PgCluster = ScratchCluster

__all__ = ["PgCluster", "as_server_user", "give_to_server_user", "init_cluster", "minimal_env",
           "pg_bindir", "pg_cluster", "running_as_root", "scratch_dir", "server_user"]


def init_cluster(settings: Mapping[str, str | int | bool] | None = None,
                 wal_segsize_mb: int = 16, port: int | None = None) -> PgCluster:
    """initdb (trust auth, UTF-8) into a fresh scratch dir and configure it; not started."""
    root = scratch_dir()
    cluster = PgCluster(datadir=root / "data", port=port or free_port())
    run(as_server_user([cluster.bindir / "initdb", "-D", cluster.datadir, "--auth=trust",
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
