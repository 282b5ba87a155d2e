"""`rex apply`: execute a stored plan against storage, resumably.

Under the apply lock: at the first start the plan is checked against the catalog it was made
from, then every batch is recorded as an intent before anything is touched; each batch acts,
then is marked done with the catalog updated and a ledger entry, in one transaction. A rerun
after a crash redoes the intents not marked done (deleting a deleted version is a no-op) and
nothing else: only what the plan deletes is ever named in a delete intent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention import work
from retention.batches import Batch
from retention.catalog import repo
from retention.catalog.locking import apply_lock
from retention.catalog.tables import IntentRow, ObjectRow, PlanRow
from retention.errors import InputError, ViolationError
from retention.policy import Policy
from retention.storage.base import DeleteFailure, LockMode, ObjectStore
from retention.timeutil import parse_instant


@dataclass
class ApplyResult:
    plan_id: int
    server: str
    dry_run: bool
    resumed: bool = False
    batches: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    retained: int = 0
    held: int = 0
    released: int = 0
    failures: list[DeleteFailure] = field(default_factory=list)


def _check_plan(session: Session, row: PlanRow, policy: Policy,
                allow_mass_delete: bool) -> None:
    if row.policy_sha256 != policy.sha256:
        raise InputError(f"plan {row.id} was made under policy {row.policy_name} "
                         f"(sha256 {row.policy_sha256[:12]}…), not the one given now "
                         f"({policy.name}, {policy.sha256[:12]}…); make a new plan")
    inventory = repo.load_inventory(session, row.server, row.now)
    state = repo.state_hash(inventory, repo.active_holds(session, row.server),
                            repo.contracts(session))
    if state != row.state_hash:
        raise ViolationError(f"plan {row.id}: the catalog or the holds changed since it was "
                             "made (a sync, a hold placed or released, a termination); nothing "
                             f"was done. Make a new plan: rex plan --server {row.server}")
    doc = json.loads(row.document)
    deleting = sum(1 for p in doc["points"] if p["action"] == "delete")
    limit = policy.guards.max_delete_fraction
    if doc["points"] and deleting / len(doc["points"]) > limit and not (
            allow_mass_delete and row.allow_mass_delete):
        raise ViolationError(f"plan {row.id} deletes {deleting} of {len(doc['points'])} backups "
                             f"(more than {limit:.0%}); it must be made and applied with "
                             "--allow-mass-delete")


def _record_intents(session: Session, row: PlanRow, batches: list[Batch], now: datetime,
                    actor: str) -> None:
    for seq, batch in enumerate(batches, start=1):
        session.add(IntentRow(plan_id=row.id, seq=seq, kind=batch.kind,
                              items=[list(i) for i in batch.items], state="intent"))
    row.status = "applying"
    repo.append(session, now, actor, "apply-start", row.server, {
        "plan": row.id, "batches": len(batches),
        "by_kind": {k: sum(1 for b in batches if b.kind == k) for k in
                    ("delete", "retain", "hold", "unhold")}})


def apply_plan(engine: Engine, store: ObjectStore, plan_id: int, policy: Policy,
               now: datetime, actor: str, dry_run: bool = False,
               allow_mass_delete: bool = False) -> ApplyResult:
    with Session(engine) as session:
        row = repo.get_plan(session, plan_id)
        server, mode = row.server, work.lock_mode(session, row.server)
        result = ApplyResult(plan_id, server, dry_run)
        if row.status == "applied":
            raise InputError(f"plan {plan_id} was applied already; make a new plan")
    with apply_lock(engine, f"apply:{server}", now):
        with Session(engine) as session, session.begin():
            row = repo.get_plan(session, plan_id)
            started = session.scalar(select(IntentRow.seq).where(IntentRow.plan_id == plan_id)
                                     .limit(1)) is not None
            if not started:
                _check_plan(session, row, policy, allow_mass_delete)
                batches = work.plan_batches(session, row, mode)
                if dry_run:
                    result.batches = _count(batches)
                    return result
                _record_intents(session, row, batches, now, actor)
            result.resumed = started
        if dry_run:
            raise InputError(f"plan {plan_id} is being applied already; --dry-run shows only "
                             "plans that have not started")
        _execute(engine, store, plan_id, mode, now, actor, result)
    return result


def _count(batches: list[Batch]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for b in batches:
        counts[b.kind] = counts.get(b.kind, 0) + len(b.items)
    return counts


def _execute(engine: Engine, store: ObjectStore, plan_id: int, mode: LockMode | None,
             now: datetime, actor: str, result: ApplyResult) -> None:
    with Session(engine) as session:
        pending = [(i.seq, i.kind, [tuple(x) for x in i.items]) for i in session.scalars(
            select(IntentRow).where(IntentRow.plan_id == plan_id, IntentRow.state == "intent")
            .order_by(IntentRow.seq))]
    for seq, kind, items in pending:
        details = _act(engine, store, kind, items, mode, result)
        with Session(engine) as session, session.begin():
            intent = session.get(IntentRow, (plan_id, seq))
            assert intent is not None
            intent.state = "done"
            repo.append(session, now, actor, f"{kind}-batch", result.server,
                        {"plan": plan_id, "seq": seq, **details})
    with Session(engine) as session, session.begin():
        row = repo.get_plan(session, plan_id)
        row.status = "applied"
        work.prune(session, row.server)
        repo.append(session, now, actor, "apply-done", row.server, {
            "plan": plan_id, "deleted": result.deleted, "retained": result.retained,
            "held": result.held, "released": result.released,
            "refused": len(result.failures)})


def _act(engine: Engine, store: ObjectStore, kind: str, items: list[tuple[Any, ...]],
         mode: LockMode | None, result: ApplyResult) -> dict[str, Any]:
    """Do one batch in storage and mirror it in the catalog; return the ledger details."""
    if kind == "delete":
        outcome = store.delete_versions([(k, v or None) for k, v, _ in items])
        gone = {(k, v or "") for k, v in outcome.deleted}
        with Session(engine) as session, session.begin():
            # one statement, executed for many parameter sets; the unique index leads by server
            session.connection().execute(
                delete(cast(Table, ObjectRow.__table__)).where(
                    ObjectRow.server == bindparam("s"), ObjectRow.key == bindparam("k"),
                    ObjectRow.version_id == bindparam("v")),
                [{"s": result.server, "k": k, "v": v} for k, v in sorted(gone)])
        result.deleted += len(gone)
        result.failures.extend(outcome.failed)
        return {"deleted": len(gone), "requests": outcome.requests,
                "refused": [{"key": f.key, "version": f.version_id, "code": f.code}
                            for f in outcome.failed[:50]]}
    with Session(engine) as session, session.begin():
        for key, version, until in items:
            obj = session.scalars(select(ObjectRow).where(
                ObjectRow.server == result.server, ObjectRow.key == key,
                ObjectRow.version_id == version)).first()
            if kind == "retain" and mode is not None and until is not None:
                target = parse_instant(until, "intent")
                known = obj.retain_until if obj else None
                store.extend_retention(key, version or None, target, mode, known)
                if obj is not None:
                    obj.retain_until = max(target, known) if known else target
            elif kind in ("hold", "unhold"):
                store.set_legal_hold(key, version or None, kind == "hold")
                if obj is not None:
                    obj.legal_hold = kind == "hold"
    counter = {"retain": "retained", "hold": "held", "unhold": "released"}[kind]
    setattr(result, counter, getattr(result, counter) + len(items))
    return {counter: len(items)}
