"""`rex apply`: execute a stored plan against storage, resumably.

Under the apply lock: at the first start the plan is checked against the catalog it was made
from, then every batch is recorded as an intent before anything is touched; each batch acts,
then is marked done with the catalog updated and a ledger entry, in one transaction. A rerun
after a crash redoes the intents not marked done (deleting a deleted version is a no-op) and
nothing else: only what the plan deletes is ever named in a delete intent.

Holds, leases and terminations can arrive while a plan is applied or between a crash and its
resume. So a resumed plan is re-planned once (same policy, same ``now``, today's holds), and
every later delete batch is checked again whenever the holds or contracts have changed: what
the fresh plan keeps is dropped from the batch, with a ledger entry saying what kept it. A plan
left unfinished is superseded (never resumed) once a newer plan of its server is applied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention import work
from retention.batches import Batch
from retention.catalog import repo
from retention.catalog.locking import apply_lock
from retention.catalog.tables import IntentRow, ObjectRow, PlanRow
from retention.errors import InputError, StorageError, ViolationError
from retention.model import Inventory
from retention.planner import plan
from retention.policy import Policy
from retention.render import plan_document
from retention.storage.base import DeleteFailure, LockMode, ObjectStore
from retention.timeutil import read_own_instant


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
    spared: int = 0  # versions the plan deleted that a hold, lease or termination since keeps
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
        raise InputError(f"plan {row.id}: the catalog or the holds changed since it was "
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
               allow_mass_delete: bool = False, wall: datetime | None = None) -> ApplyResult:
    """Apply plan ``plan_id``. The apply lock is leased from ``wall`` (the real time) when
    given: a second apply run with a later ``--now`` must not take it from a live holder."""
    with Session(engine) as session:
        row = repo.get_plan(session, plan_id)
        server, mode = row.server, work.lock_mode(session, row.server)
        result = ApplyResult(plan_id, server, dry_run)
        _check_status(row)
    with apply_lock(engine, f"apply:{server}", wall or now):
        with Session(engine) as session, session.begin():
            row = repo.get_plan(session, plan_id)
            _check_status(row)
            started = session.scalar(select(IntentRow.seq).where(IntentRow.plan_id == plan_id)
                                     .limit(1)) is not None
            if not started:
                _check_plan(session, row, policy, allow_mass_delete)
                batches = work.plan_batches(session, row, mode)
                if dry_run:
                    result.batches = _count(batches)
                    return result
                _supersede(session, row, now, actor)
                _record_intents(session, row, batches, now, actor)
            result.resumed = started
            if started and row.policy_sha256 != policy.sha256:
                raise InputError(f"plan {plan_id} was made under policy {row.policy_name}; "
                                 "resume it with that policy, or make a new plan")
        if dry_run:
            raise InputError(f"plan {plan_id} is being applied already; --dry-run shows only "
                             "plans that have not started")
        _execute(engine, store, plan_id, mode, now, actor, result, policy)
    return result


def _check_status(row: PlanRow) -> None:
    if row.status == "applied":
        raise InputError(f"plan {row.id} was applied already; make a new plan")
    if row.status == "superseded":
        raise InputError(f"plan {row.id} was left unfinished and a newer plan of {row.server} "
                         f"has been applied since; make a new plan: rex plan --server "
                         f"{row.server}")


def _supersede(session: Session, row: PlanRow, now: datetime, actor: str) -> None:
    """Older unfinished plans of the server are never resumed once this one starts."""
    for old in session.scalars(select(PlanRow).where(
            PlanRow.server == row.server, PlanRow.status == "applying", PlanRow.id != row.id)):
        old.status = "superseded"
        pending = session.scalar(select(func.count()).select_from(IntentRow).where(
            IntentRow.plan_id == old.id, IntentRow.state == "intent"))
        repo.append(session, now, actor, "apply-superseded", row.server, {
            "plan": old.id, "by": row.id, "batches_not_done": pending})


def _count(batches: list[Batch]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for b in batches:
        counts[b.kind] = counts.get(b.kind, 0) + len(b.items)
    return counts


def _execute(engine: Engine, store: ObjectStore, plan_id: int, mode: LockMode | None,
             now: datetime, actor: str, result: ApplyResult, policy: Policy) -> None:
    with Session(engine) as session:
        pending = [(i.seq, i.kind, [tuple(x) for x in i.items]) for i in session.scalars(
            select(IntentRow).where(IntentRow.plan_id == plan_id, IntentRow.state == "intent")
            .order_by(IntentRow.seq))]
    basis = None if result.resumed else _fingerprint(engine, result.server)
    kept: dict[tuple[str, str], tuple[str, ...]] | None = None  # what a fresh plan keeps
    for seq, kind, items in pending:
        if kind == "delete":
            current = _fingerprint(engine, result.server)
            if current != basis:
                basis, kept = current, _replanned(engine, plan_id, policy)
            if kept:
                items = _drop_kept(engine, plan_id, seq, items, kept, now, actor, result)
        # storage first; then the catalog, the intent and the ledger in one transaction, so a
        # crash in between redoes the batch (a no-op in storage) and counts it once
        outcome = _act(engine, store, kind, items, mode, result)
        with Session(engine) as session, session.begin():
            details = _mirror(session, kind, outcome, mode, result)
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
            "held": result.held, "released": result.released, "spared": result.spared,
            "refused": len(result.failures)})


def _fingerprint(engine: Engine, server: str) -> str:
    """What may change under a running apply and must stop a deletion: holds (leases too) and
    contracts."""
    with Session(engine) as session:
        return repo.state_hash(Inventory(), repo.active_holds(session, server),
                               repo.contracts(session))


def _replanned(engine: Engine, plan_id: int,
               policy: Policy) -> dict[tuple[str, str], tuple[str, ...]]:
    """The plan again, at its own instant but with today's holds and contracts: every object
    it keeps, with the reasons that keep it."""
    with Session(engine) as session:
        row = repo.get_plan(session, plan_id)
        fresh = plan(policy, repo.load_inventory(session, row.server, row.now),
                     repo.active_holds(session, row.server), repo.contracts(session), row.now,
                     allow_mass_delete=True)
        return work.plan_work(session, row.server, plan_document(fresh)).why_kept


def _drop_kept(engine: Engine, plan_id: int, seq: int, items: list[tuple[Any, ...]],
               kept: dict[tuple[str, str], tuple[str, ...]], now: datetime, actor: str,
               result: ApplyResult) -> list[tuple[Any, ...]]:
    """Drop from a delete batch what the fresh plan keeps; the ledger says what keeps it."""
    dropped = [i for i in items if (i[0], i[1]) in kept]
    if not dropped:
        return items
    remaining = [i for i in items if (i[0], i[1]) not in kept]
    result.spared += len(dropped)
    with Session(engine) as session, session.begin():
        intent = session.get(IntentRow, (plan_id, seq))
        assert intent is not None
        intent.items = [list(i) for i in remaining]
        repo.append(session, now, actor, "apply-revalidated",
                    repo.get_plan(session, plan_id).server, {
                        "plan": plan_id, "seq": seq, "dropped": len(dropped),
                        "kept_by": sorted({r for i in dropped for r in kept[(i[0], i[1])]})[:20]})
    return remaining


def _known_locks(engine: Engine, server: str,
                 items: list[tuple[Any, ...]]) -> dict[tuple[str, str], datetime | None]:
    """The retain-until the catalog knows per object (spares one HEAD per extension)."""
    wanted = {(k, v) for k, v, _ in items}
    with Session(engine) as session:  # one query per batch, not one per object
        rows = session.execute(select(ObjectRow.key, ObjectRow.version_id, ObjectRow.retain_until)
                               .where(ObjectRow.server == server,
                                      ObjectRow.key.in_(sorted({k for k, _ in wanted}))))
        return {(k, v): until for k, v, until in rows if (k, v) in wanted}


def _act(engine: Engine, store: ObjectStore, kind: str, items: list[tuple[Any, ...]],
         mode: LockMode | None, result: ApplyResult) -> Any:
    """Do one batch in storage; the catalog is mirrored by ``_mirror``."""
    if kind == "delete":
        return store.delete_versions([(k, v or None) for k, v, _ in items]) if items else None
    known = _known_locks(engine, result.server, items) if kind == "retain" else {}
    learned: dict[tuple[str, str], datetime] = {}
    for key, version, until in items:
        if kind == "retain" and mode is not None and until is not None:
            target = read_own_instant(until)
            try:
                store.extend_retention(key, version or None, target, mode,
                                       known.get((key, version)))
            except StorageError:
                # the catalog's idea of the lock was stale (a rebuilt catalog, a lock set by
                # hand): an object already locked longer is done, and its lock is learned
                actual = store.object_lock(key, version or None).retain_until
                if actual is None or actual < target:
                    raise
                learned[(key, version)] = actual
        elif kind in ("hold", "unhold"):
            store.set_legal_hold(key, version or None, kind == "hold")
    return items, learned


def _mirror(session: Session, kind: str, outcome: Any, mode: LockMode | None,
            result: ApplyResult) -> dict[str, Any]:
    """Mirror one acted batch in the catalog; return the ledger details."""
    if kind == "delete":
        gone = sorted({(k, v or "") for k, v in outcome.deleted}) if outcome else []
        if gone:  # one statement for many parameter sets; the unique index leads by server
            session.connection().execute(
                delete(cast(Table, ObjectRow.__table__)).where(
                    ObjectRow.server == bindparam("s"), ObjectRow.key == bindparam("k"),
                    ObjectRow.version_id == bindparam("v")),
                [{"s": result.server, "k": k, "v": v} for k, v in gone])
        failed = outcome.failed if outcome else []
        result.deleted += len(gone)
        result.failures.extend(failed)
        return {"deleted": len(gone), "requests": outcome.requests if outcome else 0,
                "refused": [{"key": f.key, "version": f.version_id, "code": f.code}
                            for f in failed[:50]]}
    items, learned = outcome
    for key, version, until in items:
        obj = session.scalars(select(ObjectRow).where(
            ObjectRow.server == result.server, ObjectRow.key == key,
            ObjectRow.version_id == version)).first()
        if obj is None:
            continue
        if kind == "retain" and until is not None and mode is not None:
            target = learned.get((key, version), read_own_instant(until))
            obj.retain_until = max(target, obj.retain_until) if obj.retain_until else target
        elif kind in ("hold", "unhold"):
            obj.legal_hold = kind == "hold"
    counter = {"retain": "retained", "hold": "held", "unhold": "released"}[kind]
    setattr(result, counter, getattr(result, counter) + len(items))
    return {counter: len(items), **({"learned_locks": len(learned)} if learned else {})}
