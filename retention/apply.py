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
left unfinished is superseded (never resumed) once a newer plan of its server is applied;
the newer plan takes over the backup.info deletes it left.

A backup is removed whole or stays whole: barman-cloud finds a backup only through its
``backup.info`` and restores it only with its own WAL (begin to end). Those come in later
batches than the backup's data (``batches.delete_batches``), and a batch deletes them only if
the catalog no longer holds any data version of that backup. S3 refuses to delete a version
under Object Lock (per key, AccessDenied) while the rest of the request proceeds; rex then
reads that version's lock (one HEAD per refused version) and records it on the catalog's row,
so the next plan keeps the backup or WAL ``locked until`` then instead of retrying the delete
every day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
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
from retention.errors import InputError, StorageError, UnreachableError, ViolationError
from retention.model import Inventory
from retention.planner import plan
from retention.policy import Policy
from retention.render import plan_document
from retention.storage.base import DeleteFailure, DeleteResult, LockMode, ObjectLock, ObjectStore
from retention.timeutil import read_own_instant, z


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
    # backups whose backup.info stayed: a version of their data was refused or spared
    kept_whole: list[str] = field(default_factory=list)


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
        later: list[tuple[Any, ...]] = []
        if kind == "delete":
            current = _fingerprint(engine, result.server)
            if current != basis:
                basis, kept = current, _replanned(engine, plan_id, policy)
            if kept:
                items = _drop_kept(engine, plan_id, seq, items, kept, now, actor, result)
            items, later = _keep_whole(engine, plan_id, seq, items, now, actor, result)
        _step(engine, store, plan_id, seq, kind, items, later, mode, now, actor, result)
        while later:  # a batch recorded before backups went data first: their rest after it
            items, later = _keep_whole(engine, plan_id, seq, later, now, actor, result)
            _step(engine, store, plan_id, seq, kind, items, later, mode, now, actor, result)
    with Session(engine) as session, session.begin():
        row = repo.get_plan(session, plan_id)
        row.status = "applied"
        work.prune(session, row.server)
        repo.append(session, now, actor, "apply-done", row.server, {
            "plan": plan_id, "deleted": result.deleted, "retained": result.retained,
            "held": result.held, "released": result.released, "spared": result.spared,
            "refused": len(result.failures)})


def _step(engine: Engine, store: ObjectStore, plan_id: int, seq: int, kind: str,
          items: list[tuple[Any, ...]], later: list[tuple[Any, ...]], mode: LockMode | None,
          now: datetime, actor: str, result: ApplyResult) -> None:
    """Act on ``items`` in storage; then the catalog, the intent (done, or left with ``later``
    only) and the ledger in one transaction, so a crash in between redoes the step (a no-op in
    storage) and counts it once."""
    outcome = _act(engine, store, kind, items, mode, result)
    with Session(engine) as session, session.begin():
        details = _mirror(session, kind, outcome, mode, result)
        intent = session.get(IntentRow, (plan_id, seq))
        assert intent is not None
        if later:
            intent.items = [list(i) for i in later]
        else:
            intent.state = "done"
        repo.append(session, now, actor, f"{kind}-batch", result.server,
                    {"plan": plan_id, "seq": seq, **details})


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


def _keep_whole(engine: Engine, plan_id: int, seq: int, items: list[tuple[Any, ...]],
                now: datetime, actor: str, result: ApplyResult,
                ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(what the batch deletes now, what waits for the rest of the batch): a backup.info, and
    a done backup's own WAL, stay while the catalog holds data of their backup (refused by
    Object Lock, spared by a hold), so the backup stays listed, restorable and planned; they
    wait when that data is in this same batch. The intent and the ledger say what stayed."""
    with Session(engine) as session, session.begin():
        owned = work.owners(session, result.server, {i[0] for i in items})
        if not owned:
            return items, []
        data = work.backup_data(session, result.server, set().union(*owned.values()))
        batch = {(i[0], i[1]) for i in items}
        stay = {p for ids in owned.values() for p in ids if data.get(p, set()) - batch}
        waits = {p for ids in owned.values() for p in ids if data.get(p)} - stay
        kept = {i for i in items if owned.get(i[0], set()) & stay}
        if kept:
            intent = session.get(IntentRow, (plan_id, seq))
            assert intent is not None
            intent.items = [list(i) for i in items if i not in kept]
            repo.append(session, now, actor, "apply-kept-whole", result.server, {
                "plan": plan_id, "seq": seq, "backups": sorted(stay)[:50],
                "versions": len(kept)})
            result.kept_whole += sorted(stay - set(result.kept_whole))
    later = [i for i in items if i not in kept and owned.get(i[0], set()) & waits]
    return [i for i in items if i not in kept and not owned.get(i[0], set()) & waits], later


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
        if not items:
            return None
        deleted = store.delete_versions([(k, v or None) for k, v, _ in items])
        return deleted, _refused_locks(store, deleted.failed)
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


Refusal = tuple[DeleteFailure, ObjectLock | str | None]  # the lock read, or why it was not


def _refused_locks(store: ObjectStore, failed: tuple[DeleteFailure, ...]) -> list[Refusal]:
    """The lock of every version refused with AccessDenied (Object Lock's answer): one HEAD
    each. Once a HEAD fails, the rest of the batch is not read (the same cause, most likely)."""
    out: list[Refusal] = []
    unreadable: str | None = None
    for f in failed:
        if f.code != "AccessDenied" or unreadable is not None:
            out.append((f, unreadable))
            continue
        try:
            out.append((f, store.object_lock(f.key, f.version_id)))
        except (StorageError, UnreachableError) as exc:
            unreadable = f"its lock could not be read ({exc})"
            out.append((f, unreadable))
    return out


def _mirror(session: Session, kind: str, outcome: Any, mode: LockMode | None,
            result: ApplyResult) -> dict[str, Any]:
    """Mirror one acted batch in the catalog; return the ledger details."""
    if kind == "delete":
        return _mirror_delete(session, outcome, result)
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


def _mirror_delete(session: Session, outcome: tuple[DeleteResult, list[Refusal]] | None,
                   result: ApplyResult) -> dict[str, Any]:
    """Deleted versions leave the catalog; a refused version's lock is recorded on its row
    (``retain_until`` never moves earlier), so planning keeps what it holds."""
    if outcome is None:
        return {"deleted": 0, "requests": 0, "refused": []}
    deleted, refusals = outcome
    gone = sorted({(k, v or "") for k, v in deleted.deleted})
    if gone:  # one statement for many parameter sets; the unique index leads by server
        session.connection().execute(
            delete(cast(Table, ObjectRow.__table__)).where(
                ObjectRow.server == bindparam("s"), ObjectRow.key == bindparam("k"),
                ObjectRow.version_id == bindparam("v")),
            [{"s": result.server, "k": k, "v": v} for k, v in gone])
    learned = []
    for failure, lock in refusals:
        obj = _learn(session, result.server, failure, lock)
        result.failures.append(replace(failure, message=_refusal_message(failure, lock, obj)))
        if isinstance(lock, ObjectLock) and obj is not None:
            learned.append({"key": failure.key, "version": failure.version_id,
                            "mode": lock.mode, "retain_until": z(lock.retain_until)
                            if lock.retain_until else None, "legal_hold": lock.legal_hold})
    result.deleted += len(gone)
    return {"deleted": len(gone), "requests": deleted.requests,
            "refused": [{"key": f.key, "version": f.version_id, "code": f.code}
                        for f in deleted.failed[:50]],
            **({"learned_locks": learned[:50]} if learned else {})}


def _learn(session: Session, server: str, failure: DeleteFailure,
           lock: ObjectLock | str | None) -> ObjectRow | None:
    """Record a refused version's lock on its catalog row; the row (None: not in the catalog)."""
    obj = session.scalars(select(ObjectRow).where(
        ObjectRow.server == server, ObjectRow.key == failure.key,
        ObjectRow.version_id == (failure.version_id or ""))).first()
    if obj is None or not isinstance(lock, ObjectLock):
        return obj
    if lock.retain_until is not None:
        obj.retain_until = max(lock.retain_until, obj.retain_until or lock.retain_until)
    obj.legal_hold = obj.legal_hold or lock.legal_hold
    return obj


def _refusal_message(failure: DeleteFailure, lock: ObjectLock | str | None,
                     obj: ObjectRow | None) -> str:
    """The storage's refusal, then what the version's lock is and what rex does about it."""
    if not isinstance(lock, ObjectLock):
        return f"{failure.message}; {lock}" if lock else failure.message
    parts = [f"{lock.mode or 'retention'} until {z(lock.retain_until)}"] \
        if lock.retain_until is not None else []
    parts += ["a legal hold"] if lock.legal_hold else []
    if not parts:
        return (f"{failure.message}; the version has no retention and no legal hold now: check "
                "the job's permissions (s3:DeleteObjectVersion) and the bucket policy")
    if obj is None:
        return (f"{failure.message}; its lock: {' and '.join(parts)}; the catalog does not know "
                "the version: run rex sync")
    then = ("until then instead of retrying the delete every day" if not lock.legal_hold else
            "while it lasts: the next plans keep it for that legal hold, which rex never clears "
            "(it did not set it)")
    return (f"{failure.message}; rex read the version's lock ({' and '.join(parts)}), recorded "
            f"it in the catalog and keeps {_kept_whole(obj)} {then}")


def _kept_whole(obj: ObjectRow) -> str:
    if obj.backup_id and obj.key.endswith("/backup.info"):  # its data went in a batch before
        return (f"what is left of backup {obj.backup_id} (its backup.info; its data is deleted, "
                "the next plans delete the rest once the lock allows)")
    if obj.backup_id:
        return f"backup {obj.backup_id} whole (its backup.info and own WAL stay)"
    return "this WAL segment" if obj.kind == "wal" else "the object"
