"""Service functions of `rex hold ...`: place and release legal holds, list every hold.

Placing or releasing changes the catalog (and writes its ledger entry): the next plan keeps
or lets go, with its reasons and under its guards, and `rex apply` sets or clears the S3 legal
holds to match. Releasing never deletes a backup by itself. Post-termination holds come from
terminations (``rex contract terminate``) and end at ``hold_until``; they are listed here with
the id ``PT-<tenant>`` and cannot be released.

A hold on a point also writes barman's keep annotation (``full``) into storage when it is given,
so that barman's own tools (barman-cloud-backup-delete, barman-cloud-backup's retention) keep the
backup too; the hold-place entry records what was written. Releasing the last rex hold on the
point deletes exactly the versions rex wrote; an annotation that was there before the hold
(barman's) is left alone, and so is one another active hold still needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import retention.annotations as barman_keep  # not `annotations`: the __future__ import's
from retention.annotations import REX_TARGET, Annotation
from retention.catalog import clients as book
from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.catalog.tables import HoldRow, ObjectRow, PointRow, TenantRow
from retention.errors import InputError
from retention.policy import Policy, load_policy
from retention.storage import ObjectStore, open_store
from retention.tenants import hold_until
from retention.timeutil import z

POST_TERMINATION_PREFIX = "PT-"


@dataclass(frozen=True)
class HoldView:
    id: str
    kind: str  # legal, lease, post-termination
    server: str  # "*" for every server
    target: str  # a point id, "<from>..<to>", or the tenant's final backup
    end: datetime | None  # None: until released
    state: str  # active, released, ended
    reason: str
    by: str
    placed_at: datetime | None
    released_at: datetime | None = None
    released_by: str | None = None
    release_reason: str | None = None
    annotation: Annotation | None = None  # what placing or releasing did to barman's annotation


def _required(value: str, option: str, command: str) -> str:
    if not value.strip():
        raise InputError(f"{command}: {option} is empty; say it (it goes into the ledger)")
    return value.strip()


def _check_target(command: str, point: str | None, range_from: datetime | None,
                  range_to: datetime | None) -> None:
    if (point is None) == (range_from is None and range_to is None):
        raise InputError(f"{command}: give either --point ID or both --from and --to")
    if point is None and (range_from is None or range_to is None):
        raise InputError(f"{command}: a range needs both --from and --to")
    if range_from is not None and range_to is not None and range_from >= range_to:
        raise InputError(f"{command}: --from {z(range_from)} is not before --to {z(range_to)}")


def place(catalog_url: str, server: str, point: str | None, range_from: datetime | None,
          range_to: datetime | None, reason: str, by: str, now: datetime,
          actor: str, storage: str | None = None) -> HoldView:
    """A legal hold on one backup, or on every instant of [from, to], until released. With
    ``storage`` (a storage URL) a hold on a backup also writes its keep annotation."""
    command = f"hold place --server {server}"
    _check_target(command, point, range_from, range_to)
    reason, by = _required(reason, "--reason", command), _required(by, "--by", command)
    store = open_store(storage, lambda: now) if storage else None
    notes: list[Annotation] = []  # what was written, to undo if the hold is not recorded
    try:
        with Session(open_catalog(catalog_url)) as session, session.begin():
            if book.unknown_servers(session, [server]):
                raise InputError(f"{command}: server {server!r} is not in the catalog; run "
                                 f"`rex sync --server {server}` first")
            if point is not None and not book.point_exists(session, server, point):
                raise InputError(f"{command}: backup {point!r} of {server} is not in the "
                                 f"catalog; `rex plan --server {server}` lists the backups")
            if point is not None:
                notes.append(_annotate(session, store, server, point))
            return _record_place(session, HoldRow(
                id=book.next_id(session, HoldRow.id, "H"), kind="legal", server=server,
                point=point, range_from=range_from, range_to=range_to, until=None,
                reason=reason, placed_by=by, placed_at=now), notes[0] if notes else None,
                now, actor)
    except BaseException:
        written = [(n.key, v) for n in notes if n.state == "written" for v in n.versions]
        if store is not None and written:
            store.delete_versions(written)
        raise


def _record_place(session: Session, row: HoldRow, note: Annotation | None, now: datetime,
                  actor: str) -> HoldView:
    session.add(row)
    details: dict[str, Any] = {
        "kind": "legal", "server": row.server, "point": row.point,
        "from": z(row.range_from) if row.range_from else None,
        "to": z(row.range_to) if row.range_to else None, "reason": row.reason,
        "by": row.placed_by}
    if note is not None:
        details["annotation"] = note.details()
    repo.append(session, now, actor, "hold-place", row.id, details)
    session.flush()
    return _view(row, now, note)


def _annotate(session: Session, store: ObjectStore | None, server: str,
              point: str) -> Annotation:
    """Write the point's keep annotation, unless one is there or barman would refuse it."""
    key = barman_keep.keep_key(server, point)
    row = session.get(PointRow, (server, point))
    if row is not None and row.status != "done":
        return Annotation(key, "not-written", (
            f"backup {point} is {row.status}: barman keeps only DONE backups "
            "(barman-cloud-backup-keep refuses others), so no keep annotation was written; "
            "the hold keeps it in rex's plans"))
    if store is None:
        return Annotation(key, "not-written", (
            "no storage configured (--storage / REX_STORAGE): the keep annotation was not "
            "written, so barman's own tools do not see this hold"))
    found = barman_keep.current(store, key)
    if found is not None:
        writer = _rex_written(session, server, point).get(found.version_id or "")
        by = f"rex hold {writer}" if writer else "barman-cloud-backup-keep, not rex"
        return Annotation(key, "present", (
            f"{key} exists already (version {found.version_id}, written by {by}): left alone"),
            ())
    version = barman_keep.write_keep(store, key)
    return Annotation(key, "written",
                      f"wrote {key} ({REX_TARGET}): barman's tools keep the backup too",
                      (version.version_id or "",))


def _rex_written(session: Session, server: str, point: str) -> dict[str, str]:
    """The annotation versions rex's holds on a point wrote and no release removed yet:
    version id -> the hold that wrote it (from the hold-place and hold-release entries)."""
    written: dict[str, str] = {}
    removed: set[str] = set()
    for hold in session.scalars(select(HoldRow).where(HoldRow.server == server,
                                                      HoldRow.point == point)):
        for action in ("hold-place", "hold-release"):
            for details in book.ledger_details(session, action, hold.id):
                note = details.get("annotation") or {}
                versions = [str(v) for v in note.get("versions", [])]
                if action == "hold-place" and note.get("state") == "written":
                    written.update(dict.fromkeys(versions, hold.id))
                elif action == "hold-release":
                    removed.update(versions)
    return {v: h for v, h in written.items() if v not in removed}


def release(catalog_url: str, hold_id: str, reason: str, by: str, now: datetime,
            actor: str, storage: str | None = None) -> HoldView:
    """End a legal hold or a lease; what it kept becomes deletable in a later plan. With
    ``storage`` the keep annotation rex wrote for a point hold is removed."""
    command = f"hold release {hold_id}"
    if hold_id.startswith(POST_TERMINATION_PREFIX):
        raise InputError(f"{command}: a post-termination hold is the SLA's promise to the "
                         "client and ends by itself at its hold_until; it cannot be released")
    reason, by = _required(reason, "--reason", command), _required(by, "--by", command)
    store = open_store(storage, lambda: now) if storage else None
    with Session(open_catalog(catalog_url)) as session, session.begin():
        row = book.hold(session, hold_id)
        if row.released_at is not None:
            raise InputError(f"{command}: released already at {z(row.released_at)} by "
                             f"{row.released_by}")
        note = _unannotate(session, store, row, command, now)
        row.released_at, row.released_by, row.release_reason = now, by, reason
        details: dict[str, Any] = {"kind": row.kind, "server": row.server, "reason": reason,
                                   "by": by}
        if note is not None:
            details["annotation"] = note.details()
        repo.append(session, now, actor, "hold-release", hold_id, details)
        session.flush()
        return _view(row, now, note)


def _unannotate(session: Session, store: ObjectStore | None, row: HoldRow, command: str,
                now: datetime) -> Annotation | None:
    """Remove the annotation versions rex wrote for the point, once no other legal hold on it
    is active; never one rex did not write."""
    if row.kind != "legal" or row.point is None:
        return None
    key = barman_keep.keep_key(row.server, row.point)
    others = [h.id for h in session.scalars(select(HoldRow).where(
        HoldRow.server == row.server, HoldRow.point == row.point, HoldRow.kind == "legal",
        HoldRow.released_at.is_(None), HoldRow.id != row.id))
        if h.until is None or h.until > now]
    written = sorted(_rex_written(session, row.server, row.point))
    if not written:
        return Annotation(key, "left", (
            f"rex has no keep annotation of this backup to remove ({_placed_note(session, row)})"))
    if others:
        return Annotation(key, "left", (
            f"hold {', '.join(sorted(others))} still holds backup {row.point}: the keep "
            "annotation stays until the last of them is released"))
    if store is None:
        raise InputError(f"{command}: rex wrote {key} when it held the backup; give the "
                         "storage (--storage or REX_STORAGE) so that releasing removes it, or "
                         "barman's tools would keep the backup forever")
    note = barman_keep.remove_keep(store, key, written)
    if note.versions:  # the catalog mirrors storage, as apply does after its deletes
        session.execute(delete(ObjectRow).where(
            ObjectRow.server == row.server, ObjectRow.key == key,
            ObjectRow.version_id.in_(note.versions)))
    return note


def _placed_note(session: Session, row: HoldRow) -> str:
    """What the hold-place entry said of the annotation, in a few words."""
    found = book.ledger_details(session, "hold-place", row.id)
    note = found[0].get("annotation") if found else None
    state = note.get("state") if isinstance(note, dict) else None
    return {"present": "one was there before the hold: left alone",
            "not-written": "none was written when the hold was placed",
            "written": "what it wrote is removed already"}.get(
        str(state), "the hold was placed before rex wrote annotations")


def output(view: HoldView, document: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """A placed or released hold's document and text with what happened to the annotation."""
    note = view.annotation
    return ({**document, "annotation": note.details() if note else None},
            text + (f"keep annotation: {note.message}\n" if note else ""))


def _view(row: HoldRow, now: datetime, note: Annotation | None = None) -> HoldView:
    if row.point is not None:
        target = row.point
    else:
        target = f"{z(row.range_from) if row.range_from else '?'}.." \
                 f"{z(row.range_to) if row.range_to else '?'}"
    state = "released" if row.released_at is not None else (
        "ended" if row.until is not None and row.until <= now else "active")
    return HoldView(row.id, row.kind, row.server, target, row.until, state, row.reason,
                    row.placed_by, row.placed_at, row.released_at, row.released_by,
                    row.release_reason, note)


def _post_termination(session: Session, policy: Policy, row: TenantRow,
                      now: datetime) -> HoldView:
    assert row.terminated_at is not None
    until = hold_until(policy, row.terminated_at)
    ended = book.termination(session, row.id)
    reason = f"contract ended {z(row.terminated_at)}: " + (
        ended.reason if ended else "not renewed")
    by = ended.by if ended else "contract"
    placed = ended.recorded_at if ended else None
    servers = ",".join(row.servers) if row.servers is not None else "*"
    return HoldView(f"{POST_TERMINATION_PREFIX}{row.id}", "post-termination", servers,
                    f"final backup of {row.id}", until, "active" if now < until else "ended",
                    reason, by, placed)


def listing(catalog_url: str, policy_ref: str, include_all: bool,
            now: datetime) -> list[HoldView]:
    """The holds in force (with ``include_all``: also released and ended ones), each with its
    kind and end."""
    policy = load_policy(policy_ref)
    with Session(open_catalog(catalog_url)) as session:
        views = [_view(r, now) for r in book.holds(session, include_released=include_all)]
        views += [_post_termination(session, policy, t, now) for t in book.tenants(session)
                  if t.terminated_at is not None]
    if not include_all:
        views = [v for v in views if v.state == "active"]
    return sorted(views, key=lambda v: (v.kind, len(v.id), v.id))  # H2 before H10
