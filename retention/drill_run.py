"""`rex drill`: lease the point, restore it to the instant on a scratch cluster, count, check,
clean up, and put the outcome in the ledger. Every failure is a failed drill, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.tables import PointRow
from retention.drill import DrillRefused, DrillTarget, choose
from retention.errors import RexError
from retention.leases import place_lease, release_lease
from retention.restore import BarmanTools, major_version, restore_to_scratch, table_counts
from retention.scratch import ScratchCluster, ScratchError
from retention.timeutil import z


@dataclass
class DrillResult:
    server: str
    instant: datetime
    point: str | None = None
    passed: bool = False
    message: str = ""
    restore_seconds: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    check: bool | None = None
    kept: str | None = None  # where a --keep cluster runs


def _restore(engine: Engine, tools: BarmanTools, target: DrillTarget, check_sql: str | None,
             keep: bool, timer: Callable[[], float], result: DrillResult) -> None:
    with Session(engine) as s:
        info = s.get(PointRow, (target.point.server, target.point.id))
        major = major_version(info.info_text) if info else None
    started = timer()
    cluster: ScratchCluster | None = None
    try:
        cluster = restore_to_scratch(tools, target.point.id, target.point.timeline,
                                     target.instant, major)
        cluster.start(timeout=120)
        cluster.wait_promoted()
        result.restore_seconds = round(timer() - started, 2)
        result.counts = table_counts(cluster)
        if check_sql:
            result.check = bool(cluster.value(check_sql))
        result.passed = result.check is not False
        result.message = "restored and checked" if result.passed else "the --check query is false"
        if keep:
            result.kept = f"{cluster.datadir} (port {cluster.port})"
    finally:
        if cluster is not None and not keep:
            cluster.destroy()


def run_drill(engine: Engine, tools: BarmanTools, server: str, instant: datetime,
              now: datetime, actor: str, check_sql: str | None, keep: bool,
              timer: Callable[[], float]) -> DrillResult:
    result = DrillResult(server, instant)
    lease_id = None
    try:
        with Session(engine) as s:
            inventory = repo.load_inventory(s, server, now)
            times = repo.wal_times(s, server, inventory.segments_per_log)
        target = choose(inventory, times, server, instant)
        result.point = target.point.id
        lease_id = place_lease(engine, "drill", server, target.point.id,
                               f"drill to {z(target.instant)}", now, actor)
        _restore(engine, tools, target, check_sql, keep, timer, result)
    except (DrillRefused, ScratchError, RexError) as err:
        result.passed, result.message = False, str(err).strip().splitlines()[0][:500]
        if isinstance(err, ScratchError) and "recovery ended before" in str(err):
            result.message = ("recovery ended before the target was reached: no commit after "
                              f"{z(instant)} was archived")
    except Exception as err:  # psycopg and OS errors from the scratch cluster
        result.passed, result.message = False, f"{err.__class__.__name__}: {err}"[:500]
    finally:
        if lease_id is not None and not keep:
            release_lease(engine, lease_id, "drill finished", now, actor)
    _record(engine, result, now, actor)
    return result


def _record(engine: Engine, result: DrillResult, now: datetime, actor: str) -> None:
    details: dict[str, Any] = {
        "instant": z(result.instant), "point": result.point, "passed": result.passed,
        "message": result.message, "restore_seconds": result.restore_seconds,
        "tables": len(result.counts), "rows": sum(result.counts.values()),
        "check": result.check}
    with Session(engine) as s, s.begin():
        repo.append(s, now, actor, "drill", result.server, details)
