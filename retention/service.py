"""Service functions the CLI calls: each loads its inputs, runs the pure core, returns values."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retention import render, vanished
from retention.apply import ApplyResult, apply_plan
from retention.catalog import repo
from retention.catalog.db import create, open_catalog, upgrade
from retention.catalog.tables import PlanRow, ServerRow
from retention.drill import sample_instants
from retention.drill_run import DrillResult, run_drill
from retention.errors import InputError
from retention.evidence.service import checkpoint_if_configured as checkpoint_if_configured
from retention.integrity import compare_listing, deep_check
from retention.inventory import load_inventory
from retention.model import Finding, Inventory, Plan
from retention.planner import plan
from retention.policy import Policy, load_policy
from retention.restore import BarmanTools
from retention.storage import open_store
from retention.sync import SyncResult, default_days, scan_findings, sync_server
from retention.verify import (
    BucketFacts,
    Coverage,
    bucket_findings,
    coverage,
    daily_findings,
    daily_states,
)


def plan_inventory(policy_ref: str, inventory_path: Path, now: datetime,
                   allow_mass_delete: bool) -> tuple[Policy, Plan]:
    """Plan an inventory file under a policy (name or path) at ``now``."""
    policy = load_policy(policy_ref)
    doc = load_inventory(inventory_path)
    return policy, plan(policy, doc.inventory, doc.holds, doc.contracts, now, allow_mass_delete)


# --- against the catalog and storage ------------------------------------------------------------

def with_findings(result: Plan, extra: Sequence[Finding]) -> Plan:
    """The plan with the findings of the sync it rests on (a DONE backup without its data, an
    unreadable backup.info...): the planner never saw those backups, the plan must say so."""
    if not extra:
        return result
    order = {"error": 0, "warning": 1, "info": 2}
    merged = sorted(set(result.findings) | set(extra),
                    key=lambda f: (order[f.severity], f.code, f.subject, f.message))
    return replace(result, findings=tuple(merged))


@dataclass(frozen=True)
class StoredPlan:
    plan_id: int
    policy: Policy
    plan: Plan


def sync(catalog_url: str, storage_url: str, server: str, now: datetime, actor: str,
         clock: Callable[[], datetime], wall: datetime | None = None) -> SyncResult:
    """Read one server's backups from storage into the catalog. ``wall`` is the real time the
    sync lock is leased from (``now`` may be a replay's instant)."""
    store = open_store(storage_url, clock)
    return sync_server(open_catalog(catalog_url), store, storage_url, server, now, actor,
                       wall=wall)


def _known_findings(session: Session, policy: Policy, inventory: Inventory, server: str,
                   now: datetime) -> tuple[Finding, ...]:
    """What the catalog knows beyond the planner's inventory: the last sync's scan findings,
    points and WAL that vanished without rex deleting them, and promised days without their
    daily since the first backup ever seen, and the bucket's Object Lock and versioning against
    the policy (so the daily job alerts on them, as verify does)."""
    row = session.get(ServerRow, server)
    facts = _facts(row) if row is not None else BucketFacts(lock_enabled=None)
    done = [p for p in inventory.points if p.status == "done"]
    first = facts.first_backup_end
    days = daily_states(policy, done, now, first) if first is not None else []
    return (*scan_findings(session, server), *vanished.findings(session, server),
            *daily_findings(server, days), *bucket_findings(policy, facts, server, now))


def _unknown(session: Session, server: str) -> str:
    known = sorted(session.scalars(select(ServerRow.name)))
    return (f"server {server!r} is not in the catalog"
            + (f" (it knows {', '.join(known[:20])})" if known else "")
            + f"; check the name, or run `rex sync --server {server}` first")


def _facts(row: ServerRow) -> BucketFacts:
    return BucketFacts(row.bucket_lock_enabled, row.bucket_lock_mode, row.bucket_lock_days,
                       row.versioning, row.first_backup_end)


def plan_server(catalog_url: str, policy_ref: str, server: str, now: datetime, actor: str,
                allow_mass_delete: bool) -> StoredPlan:
    """Plan one server from the catalog and store the plan with the state it rests on."""
    policy = load_policy(policy_ref)
    engine = open_catalog(catalog_url)
    with Session(engine) as session, session.begin():
        if session.get(ServerRow, server) is None:
            raise InputError(_unknown(session, server))
        repo.note_policy(session, policy.name, policy.sha256, policy.source, now, actor)
        inventory = repo.load_inventory(session, server, now)
        holds = repo.active_holds(session, server)
        contracts = repo.contracts(session)
        result = with_findings(plan(policy, inventory, holds, contracts, now, allow_mass_delete),
                               _known_findings(session, policy, inventory, server, now))
        document = render.to_json(render.plan_document(result))
        plan_id = repo.save_plan(session, PlanRow(
            server=server, made_at=now, now=now, policy_name=policy.name,
            policy_sha256=policy.sha256, state_hash=repo.state_hash(inventory, holds, contracts),
            document=document, has_errors=result.has_errors,
            allow_mass_delete=allow_mass_delete))
        summary = render.summary(result)
        repo.append(session, now, actor, "plan", server, {
            "plan": plan_id, "policy": policy.name, "policy_sha256": policy.sha256,
            "plan_sha256": hashlib.sha256(document.encode()).hexdigest(), **summary,
            "frozen": result.frozen, "errors": [f.code for f in result.findings
                                                if f.severity == "error"]})
    return StoredPlan(plan_id, policy, result)


def apply(catalog_url: str, storage_url: str, policy_ref: str, plan_id: int, now: datetime,
          actor: str, clock: Callable[[], datetime], dry_run: bool,
          allow_mass_delete: bool, wall: datetime | None = None) -> ApplyResult:
    """Apply a stored plan; the apply lock is leased from ``wall``, the real time."""
    store = open_store(storage_url, clock)
    return apply_plan(open_catalog(catalog_url), store, plan_id, load_policy(policy_ref), now,
                      actor, dry_run, allow_mass_delete, wall=wall)


def db_upgrade(catalog_url: str) -> tuple[str | None, str]:
    return upgrade(create(catalog_url))


@dataclass(frozen=True)
class Verification:
    coverage: Coverage
    findings: tuple[Finding, ...]  # coverage and integrity together
    objects_checked: int
    deep: bool


def verify_server(catalog_url: str, storage_url: str, policy_ref: str, server: str,
                  now: datetime, actor: str, clock: Callable[[], datetime], deep: bool,
                  progress: Callable[[int], None] | None = None,
                  on_total: Callable[[int], None] | None = None) -> Verification:
    """Coverage from the catalog, integrity against one fresh listing (and reads with deep)."""
    policy = load_policy(policy_ref)
    engine = open_catalog(catalog_url)
    store = open_store(storage_url, clock)
    with Session(engine) as session:
        row = session.get(ServerRow, server)
        if row is None:
            raise InputError(_unknown(session, server))
        lock = store.bucket_lock()  # read now: the bucket may have changed since the sync
        facts = replace(_facts(row), lock_enabled=lock.enabled, lock_mode=lock.mode,
                        default_days=default_days(lock), versioning=store.bucket_versioning())
        inventory = repo.load_inventory(session, server, now)
        cov = coverage(policy, inventory, repo.active_holds(session, server),
                       repo.contracts(session), server,
                       repo.wal_times(session, server, inventory.segments_per_log),
                       repo.point_locks(session, server), facts, now)
        kept = [d.id for d in cov.plan.points if d.action == "keep" and d.status == "done"]
        ranges = [(w.timeline, w.first, w.last) for w in cov.plan.wal if w.action == "keep"]
        expected = repo.kept_objects(session, server, kept, ranges)
        scanned = (*scan_findings(session, server), *vanished.findings(session, server))
    listed = {(v.key, v.version_id or ""): v for v in store.list_versions(f"{server}/")}
    findings = list(cov.findings) + list(scanned) + compare_listing(expected, listed)
    if deep:
        if on_total is not None:
            on_total(len(expected))
        findings += deep_check(store, expected, progress=progress)
    with Session(engine) as session, session.begin():
        repo.append(session, now, actor, "verify", server, {
            "deep": deep, "objects": len(expected), "daily_missing": cov.daily_missing,
            "wal_gaps": len(cov.gaps), "findings": sorted({f.code for f in findings})})
    order = {"error": 0, "warning": 1, "info": 2}
    return Verification(cov, tuple(sorted(findings, key=lambda f: (order[f.severity], f.code,
                                                                   f.subject))),
                        len(expected), deep)


def drill(catalog_url: str, storage_url: str, policy_ref: str, server: str,
          instants: list[datetime] | None, sample: int | None, seed: int | None,
          now: datetime, actor: str,
          check_sql: str | None, keep: bool, timer: Callable[[], float]) -> list[DrillResult]:
    """One drill per instant (given, or drawn from the PITR window)."""
    if not storage_url.startswith("s3://"):
        raise InputError(f"--storage {storage_url}: drills restore with barman-cloud, which "
                         "reads S3 storage (s3://bucket/prefix)")
    engine = open_catalog(catalog_url)
    if instants is None:
        policy_window = _window(engine, load_policy(policy_ref), server, now)
        instants = sample_instants(policy_window[0], policy_window[1], sample or 1, seed)
    tools = BarmanTools.from_environment(storage_url, server)
    return [run_drill(engine, tools, server, t, now, actor, check_sql, keep, timer)
            for t in instants]


def _window(engine: Any, policy: Policy, server: str,
            now: datetime) -> tuple[datetime, datetime]:
    """From the start of the promised window to the last archived WAL."""
    start = policy.pitr.window.before(now, policy.tz)
    with Session(engine) as session:
        inventory = repo.load_inventory(session, server, now)
        newest = repo.wal_times(session, server, inventory.segments_per_log).newest()
    if newest is None:
        raise InputError(f"server {server!r} has no archived WAL in the catalog; run "
                         f"`rex sync --server {server}` first")
    return start, min(newest, now)
