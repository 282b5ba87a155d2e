"""`rex drill`: lease the point, restore it to the instant on a scratch cluster, count, check,
clean up, and put the outcome in the ledger. Every failure is a failed drill, never a traceback.

What a drill prints and records is rex's own words: counts, verdicts, and for a failure rex's
sentence plus the error's class and SQLSTATE. Never the database's message text, which quotes
row values (client data that support may see only with the client's consent; the ledger is
append-only, so a leak there could never be erased).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.tables import PointRow
from retention.drill import DrillTarget, choose
from retention.errors import RexError
from retention.leases import place_lease, release_lease
from retention.restore import (
    CHECK_TIMEOUT_SECONDS,
    BarmanTools,
    major_version,
    reader_role,
    restore_to_scratch,
    run_check,
    table_counts,
)
from retention.scratch import ScratchCluster
from retention.timeutil import z

T = TypeVar("T")
_SQLSTATE = re.compile(r"[0-9A-Z]{5}")
_LOG = "rerun with --keep and read the server log next to the scratch data directory"
_STEPS = {
    "restore": ("restoring backup {point} into a scratch directory failed ({cls}): check "
                "barman-cloud-restore (REX_BARMAN_BIN), the server binaries of the backup's "
                "major version (REX_PG_BINDIR) and the storage credentials; run "
                "barman-cloud-restore by hand to see its output"),
    "start": "the scratch server restored from backup {point} did not start ({cls}): " + _LOG,
    "recovery": ("recovery of backup {point} on the scratch server did not finish ({cls}): "
                 + _LOG),
    "count": ("counting the rows of the cluster restored from backup {point} failed ({cls}): "
              "rerun with --keep to look at it"),
    "role": ("making the read-only login for --check on the cluster restored from backup "
             "{point} failed ({cls}): its pg_hba.conf must accept a password login from "
             "127.0.0.1"),
    "check": ("the --check query failed on the cluster restored from backup {point} ({cls}): "
              "it must be one SELECT returning true"),
}
_CHECK_STATES = {
    "25006": "the --check query tried to write ({cls}): checks run in a read-only transaction",
    "42501": ("the --check query needs more than reading tables ({cls}): checks run as a login "
              "that can only read"),
    "57014": (f"the --check query ran longer than {CHECK_TIMEOUT_SECONDS} s and was cancelled "
              "({cls}): make it cheaper"),
}


class DrillFailed(RexError):
    """A drill step failed; the message is rex's own sentence, never the database's (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


def error_class(err: BaseException) -> str:
    """``DivisionByZero, sqlstate 22012``: what kind of error, never its message (row values)."""
    state = getattr(err, "sqlstate", None)
    name = type(err).__name__
    if isinstance(state, str) and _SQLSTATE.fullmatch(state):
        return f"{name}, sqlstate {state}"
    return name


def failure_words(step: str, err: BaseException, point: str, instant: datetime) -> str:
    """Rex's sentence for a failed drill step: what failed, where, what to do, and the error
    class. The error's text is only matched, never repeated."""
    cls = error_class(err)
    if step in ("start", "recovery") and "recovery ended before" in str(err):
        return (f"recovery ended before the target was reached: no commit after {z(instant)} "
                f"was archived ({cls})")
    state = getattr(err, "sqlstate", None)
    if step == "check" and state in _CHECK_STATES:
        return _CHECK_STATES[str(state)].format(cls=cls)
    return _STEPS[step].format(point=point, cls=cls)


def _step(step: str, target: DrillTarget, action: Callable[[], T]) -> T:
    """Run one step; any failure becomes a DrillFailed in rex's words."""
    try:
        return action()
    except Exception as err:
        raise DrillFailed(failure_words(step, err, target.point.id, target.instant),
                          error_class(err)) from None


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
    error: str | None = None  # the failure's class and SQLSTATE, never its message


def _restore(engine: Engine, tools: BarmanTools, target: DrillTarget, check_sql: str | None,
             keep: bool, timer: Callable[[], float], result: DrillResult) -> None:
    with Session(engine) as s:
        info = s.get(PointRow, (target.point.server, target.point.id))
        major = major_version(info.info_text) if info else None
    started = timer()
    cluster: ScratchCluster | None = None
    try:
        cluster = restored = _step("restore", target, lambda: restore_to_scratch(
            tools, target.point.id, target.point.timeline, target.instant, major))
        if keep:  # also when a later step fails: its server log is next to this directory
            result.kept = f"{restored.datadir} (port {restored.port})"
        _step("start", target, lambda: restored.start(timeout=120))
        _step("recovery", target, restored.wait_promoted)
        result.restore_seconds = round(timer() - started, 2)
        result.counts = _step("count", target, lambda: table_counts(restored))
        result.passed, result.message = True, "restored and checked"
        if check_sql:
            _check(restored, check_sql, target, result)
    finally:
        if cluster is not None and not keep:
            cluster.destroy()


def _check(cluster: ScratchCluster, check_sql: str, target: DrillTarget,
           result: DrillResult) -> None:
    """The --check verdict, read-only as a login that can only read; an error fails it."""
    result.check = False
    role = _step("role", target, lambda: reader_role(cluster))
    verdict = _step("check", target, lambda: run_check(cluster, check_sql, role))
    result.check = passed = verdict is True
    result.passed = passed
    if verdict is None:
        result.message = ("the --check query returned no row: it must return one row whose "
                          "first column is true")
    elif not passed:
        result.message = "the --check query is false"


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
    except DrillFailed as err:
        result.passed, result.message, result.error = False, str(err), err.error
    except RexError as err:  # refusals and catalog errors: rex's own words
        result.passed, result.message = False, str(err).strip().splitlines()[0][:500]
    except Exception as err:  # never the error's text: it may quote client data
        result.passed, result.error = False, error_class(err)
        result.message = (f"the drill of {server} failed ({result.error}): rerun it; if it "
                          "fails again, report the error class")
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
        "check": result.check, "error": result.error}
    with Session(engine) as s, s.begin():
        repo.append(s, now, actor, "drill", result.server, details)
