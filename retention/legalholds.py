"""Service functions of `rex hold ...`: place and release legal holds, list every hold.

Placing or releasing only changes the catalog (and writes its ledger entry): the next plan keeps
or lets go, with its reasons and under its guards, and `rex apply` sets or clears the S3 legal
holds to match. Releasing never deletes anything by itself. Post-termination holds come from
terminations (``rex contract terminate``) and end at ``hold_until``; they are listed here with
the id ``PT-<tenant>`` and cannot be released.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from retention.catalog import clients as book
from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.catalog.tables import HoldRow, TenantRow
from retention.errors import InputError
from retention.policy import Policy, load_policy
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


def _required(value: str, option: str, command: str) -> str:
    if not value.strip():
        raise InputError(f"{command}: {option} is empty; say it (it goes into the ledger)")
    return value.strip()


def place(catalog_url: str, server: str, point: str | None, range_from: datetime | None,
          range_to: datetime | None, reason: str, by: str, now: datetime,
          actor: str) -> HoldView:
    """A legal hold on one backup, or on every instant of [from, to], until released."""
    command = f"hold place --server {server}"
    if (point is None) == (range_from is None and range_to is None):
        raise InputError(f"{command}: give either --point ID or both --from and --to")
    if point is None and (range_from is None or range_to is None):
        raise InputError(f"{command}: a range needs both --from and --to")
    if range_from is not None and range_to is not None and range_from >= range_to:
        raise InputError(f"{command}: --from {z(range_from)} is not before --to {z(range_to)}")
    reason, by = _required(reason, "--reason", command), _required(by, "--by", command)
    with Session(open_catalog(catalog_url)) as session, session.begin():
        if book.unknown_servers(session, [server]):
            raise InputError(f"{command}: server {server!r} is not in the catalog; run "
                             f"`rex sync --server {server}` first")
        if point is not None and not book.point_exists(session, server, point):
            raise InputError(f"{command}: backup {point!r} of {server} is not in the catalog; "
                             f"`rex plan --server {server}` lists the backups")
        row = HoldRow(id=book.next_id(session, HoldRow.id, "H"), kind="legal", server=server,
                      point=point, range_from=range_from, range_to=range_to, until=None,
                      reason=reason, placed_by=by, placed_at=now)
        session.add(row)
        repo.append(session, now, actor, "hold-place", row.id, {
            "kind": "legal", "server": server, "point": point,
            "from": z(range_from) if range_from else None,
            "to": z(range_to) if range_to else None, "reason": reason, "by": by})
        session.flush()
        return _view(row, now)


def release(catalog_url: str, hold_id: str, reason: str, by: str, now: datetime,
            actor: str) -> HoldView:
    """End a legal hold or a lease; what it kept becomes deletable in a later plan."""
    command = f"hold release {hold_id}"
    if hold_id.startswith(POST_TERMINATION_PREFIX):
        raise InputError(f"{command}: a post-termination hold is the SLA's promise to the "
                         "client and ends by itself at its hold_until; it cannot be released")
    reason, by = _required(reason, "--reason", command), _required(by, "--by", command)
    with Session(open_catalog(catalog_url)) as session, session.begin():
        row = book.hold(session, hold_id)
        if row.released_at is not None:
            raise InputError(f"{command}: released already at {z(row.released_at)} by "
                             f"{row.released_by}")
        row.released_at, row.released_by, row.release_reason = now, by, reason
        repo.append(session, now, actor, "hold-release", hold_id, {
            "kind": row.kind, "server": row.server, "reason": reason, "by": by})
        session.flush()
        return _view(row, now)


def _view(row: HoldRow, now: datetime) -> HoldView:
    if row.point is not None:
        target = row.point
    else:
        target = f"{z(row.range_from) if row.range_from else '?'}.." \
                 f"{z(row.range_to) if row.range_to else '?'}"
    state = "released" if row.released_at is not None else (
        "ended" if row.until is not None and row.until <= now else "active")
    return HoldView(row.id, row.kind, row.server, target, row.until, state, row.reason,
                    row.placed_by, row.placed_at, row.released_at, row.released_by,
                    row.release_reason)


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
