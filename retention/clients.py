"""Service functions of `rex tenant ...` and `rex contract ...`: load from the catalog, decide with
the pure ``retention.contracts``, write the change and its one ledger entry in one transaction.

A tenant's ``terminated_at`` (the planner's ``Contract.terminated_at``) is the instant its
contract ends: the termination's, or the end of a contract that does not renew.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from retention import contracts as cal
from retention.calendar import local_day
from retention.catalog import clients as book
from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.catalog.tables import ContractRow, OffboardingRow, TenantRow, TerminationRow
from retention.errors import InputError
from retention.model import Finding, TenantOutcome
from retention.policy import Policy, load_policy
from retention.tenant_ids import check_tenant_id
from retention.tenants import Holder, hold_until, holders, last_to_go
from retention.timeutil import z


@dataclass(frozen=True)
class Termination:
    effective: date
    terminated_at: datetime
    by: str
    reason: str
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class TenantInfo:
    id: str
    name: str
    servers: tuple[str, ...] | None  # None: every server
    terms: cal.Terms | None
    contract: cal.ContractStatus
    ended_at: datetime | None  # the instant the contract ends, when known
    hold_until: datetime | None
    offboarding: cal.OffboardingState
    termination: Termination | None
    bundle_sha256: str | None = None  # of the delivered offboarding bundle


@dataclass(frozen=True)
class TenantStatus:
    info: TenantInfo
    outcomes: tuple[TenantOutcome, ...]  # per server: final backup, hold, erasure date
    erasure_date: datetime | None  # see erasure(): None is indefinite, not known, or not shown
    findings: tuple[Finding, ...]
    # per server, the kept backups or WAL ranges holding the data that go last (they set the
    # erasure date); a guard's held-back deletion with ``expires`` now
    kept_by: tuple[Holder, ...] = ()
    erased: bool = False  # no server keeps any of the tenant's data


@dataclass(frozen=True)
class DueContract:
    tenant: str
    name: str
    period: cal.Period
    reminder: date
    renews: bool


def _text(value: str, option: str, command: str) -> str:
    if not value.strip():
        raise InputError(f"{command}: {option} is empty; give a value (it goes into the ledger)")
    return value.strip()


def _info(session: Session, policy: Policy, row: TenantRow, now: datetime) -> TenantInfo:
    terms = book.terms(session, row.id)
    ended = book.termination(session, row.id)
    status = cal.contract_status(terms, ended.effective if ended else None,
                                 local_day(now, policy.tz))
    until = hold_until(policy, row.terminated_at) if row.terminated_at else None
    return TenantInfo(row.id, row.name, tuple(row.servers) if row.servers is not None else None,
                      terms, status, row.terminated_at, until,
                      cal.offboarding_state(book.offboarding(session, row.id), status.ends),
                      Termination(ended.effective, ended.terminated_at, ended.by, ended.reason,
                                  ended.recorded_at, ended.recorded_by) if ended else None,
                      book.delivered_bundle(session, row.id))


def tenant_add(catalog_url: str, policy_ref: str, tenant_id: str, name: str,
               servers: Sequence[str], now: datetime, actor: str) -> TenantInfo:
    """Add a tenant; ``servers`` empty means every server holds its data."""
    check_tenant_id(tenant_id, "tenant add")
    name = _text(name, "--name", f"tenant add {tenant_id}")
    policy = load_policy(policy_ref)
    with Session(open_catalog(catalog_url)) as session, session.begin():
        row = session.get(TenantRow, tenant_id)
        if row is not None and row.name != tenant_id:  # named by `models import`: completed
            raise InputError(f"tenant add: {tenant_id} is in the catalog already; "
                             f"`rex tenant status {tenant_id}` shows it")
        missing = book.unknown_servers(session, servers)
        if missing:
            raise InputError(f"tenant add {tenant_id}: server(s) {', '.join(missing)} are not "
                             "in the catalog; check the names or run `rex sync --server NAME`")
        if row is None:
            row = TenantRow(id=tenant_id, name=name, servers=sorted(servers) or None,
                            terminated_at=None, added_at=now, added_by=actor)
            session.add(row)
        else:
            row.name, row.servers = name, sorted(servers) or None
        repo.append(session, now, actor, "tenant-add", tenant_id,
                    {"name": name, "servers": sorted(servers) or "all"})
        session.flush()
        return _info(session, policy, row, now)


def is_tenant(catalog_url: str, tenant_id: str) -> bool:
    """Whether ``tenant_id`` is one of rex's tenants."""
    with Session(open_catalog(catalog_url)) as session:
        return session.get(TenantRow, tenant_id) is not None


def ensure_tenant(catalog_url: str, tenant_id: str, now: datetime, actor: str) -> bool:
    """Make ``tenant_id`` one of rex's tenants (named by its id, data on every server) unless it
    is already; True when it was added. For `models import`: one tenant registry, so that the
    tenant's contract, consent, export and offboarding all know it."""
    check_tenant_id(tenant_id, "models import --tenant")
    with Session(open_catalog(catalog_url)) as session, session.begin():
        if session.get(TenantRow, tenant_id) is not None:
            return False
        session.add(TenantRow(id=tenant_id, name=tenant_id, servers=None, terminated_at=None,
                              added_at=now, added_by=actor))
        repo.append(session, now, actor, "tenant-add", tenant_id,
                    {"name": tenant_id, "servers": "all", "by": "models import"})
        return True


def tenant_list(catalog_url: str, policy_ref: str, now: datetime) -> list[TenantInfo]:
    policy = load_policy(policy_ref)
    with Session(open_catalog(catalog_url)) as session:
        return [_info(session, policy, row, now) for row in book.tenants(session)]


def tenant_status(catalog_url: str, policy_ref: str, tenant_id: str,
                  now: datetime) -> TenantStatus:
    """The contract, and for an ended one its final backups, hold and erasure date, planned
    now from the catalog as `rex plan --server` would."""
    from retention.planner import plan  # only a terminated tenant's status plans

    policy = load_policy(policy_ref)
    with Session(open_catalog(catalog_url)) as session:
        info = _info(session, policy, book.tenant(session, tenant_id), now)
        if info.ended_at is None:
            return TenantStatus(info, (), None, ())
        outcomes: list[TenantOutcome] = []
        findings: list[Finding] = []
        kept: list[Holder] = []
        names = book.servers(session)
        for server in [s for s in names if info.servers is None or s in info.servers]:
            inventory = repo.load_inventory(session, server, now)
            result = plan(policy, inventory, repo.active_holds(session, server),
                          repo.contracts(session), now)
            mine = [t for t in result.tenants if t.tenant == tenant_id]
            outcomes += mine
            findings += [f for f in result.findings if f.subject.startswith(f"{tenant_id}/")]
            for o in (o for o in mine if o.terminated_at <= now):  # data has left production
                found = holders(o.server, o.terminated_at, inventory.points, result.points,
                                result.wal, result.segments_per_log)
                kept += [replace(h, expires=h.until(now)) for h in last_to_go(found, now)]
    erased, erasure = _erasure(outcomes)
    return TenantStatus(info, tuple(outcomes), erasure, tuple(findings), tuple(kept), erased)


def _erasure(outcomes: Sequence[TenantOutcome]) -> tuple[bool, datetime | None]:
    """(erased on every server, the tenant's erasure date). Not erased: the latest date of the
    servers still keeping data (None: indefinitely, or not known yet). Erased: the latest
    server's date, None when one is not in the inventory."""
    if not outcomes:
        return False, None
    if all(o.erased for o in outcomes):
        dates = [o.erasure_date for o in outcomes]
        return True, None if None in dates else max(d for d in dates if d is not None)
    dates = [o.erasure_date for o in outcomes if not o.erased]
    return False, None if None in dates else max(d for d in dates if d is not None)


def contract_set(catalog_url: str, policy_ref: str, tenant_id: str, start: date,
                 period_text: str, auto_renew: bool, remind_text: str, now: datetime,
                 actor: str) -> TenantInfo:
    """Record (or replace) a tenant's contract terms."""
    where = f"contract set {tenant_id}"
    terms = cal.Terms(start, cal.parse_calendar_duration(period_text, f"{where}: --period"),
                      auto_renew, cal.parse_calendar_duration(remind_text, f"{where}: --remind"))
    policy = load_policy(policy_ref)
    with Session(open_catalog(catalog_url)) as session, session.begin():
        row = book.tenant(session, tenant_id)
        ended = book.termination(session, tenant_id)
        if ended is not None:
            raise InputError(f"{where}: the contract was terminated effective {ended.effective}; "
                             "a terminated contract is not changed")
        end = cal.natural_end(terms)
        row.terminated_at = cal.termination_instant(end, policy.tz) if end else None
        session.merge(ContractRow(tenant=tenant_id, start=start, period=period_text.strip(),
                                  auto_renew=auto_renew, remind=remind_text.strip(),
                                  set_at=now, set_by=actor))
        repo.append(session, now, actor, "contract-set", tenant_id, {
            "start": start.isoformat(), "period": period_text.strip(), "auto_renew": auto_renew,
            "remind": remind_text.strip(), "ends": end.isoformat() if end else None})
        session.flush()
        return _info(session, policy, row, now)


def contract_due(catalog_url: str, policy_ref: str, within_text: str, now: datetime,
                 actor: str) -> list[DueContract]:
    """Contracts (not terminated) whose running period ends within the horizon, with the
    reminder date; the list is recorded in the ledger as the reminders rex gave."""
    within = cal.parse_calendar_duration(within_text, "contract due: --within")
    policy = load_policy(policy_ref)
    today = local_day(now, policy.tz)
    found: list[DueContract] = []
    with Session(open_catalog(catalog_url)) as session, session.begin():
        for row in book.tenants(session):
            terms = book.terms(session, row.id)
            if terms is None or book.termination(session, row.id) is not None:
                continue
            hit = cal.due(terms, today, within)
            if hit is not None:
                found.append(DueContract(row.id, row.name, hit[0], hit[1], terms.auto_renew))
        repo.append(session, now, actor, "contract-due", "contracts", {
            "within": within_text.strip(), "today": today.isoformat(),
            "due": [{"tenant": d.tenant, "period_end": d.period.end.isoformat(),
                     "reminder": d.reminder.isoformat(), "renews": d.renews} for d in found]})
    return found


def contract_terminate(catalog_url: str, policy_ref: str, tenant_id: str, effective: date,
                       by: str, reason: str, now: datetime, actor: str) -> TenantInfo:
    """Record the termination, which places the post-termination hold (the planner keeps the
    final backup until ``hold_until``) and makes the offboarding due."""
    policy = load_policy(policy_ref)
    where = f"contract terminate {tenant_id}"
    with Session(open_catalog(catalog_url)) as session, session.begin():
        row = book.tenant(session, tenant_id)
        ended = book.termination(session, tenant_id)
        cal.check_termination(tenant_id, book.terms(session, tenant_id), effective,
                              ended.effective if ended else None, reason)
        by = _text(by, "--by", where)
        at = cal.termination_instant(effective, policy.tz)
        session.add(TerminationRow(tenant=tenant_id, effective=effective, terminated_at=at,
                                   by=by, reason=reason.strip(), recorded_at=now,
                                   recorded_by=actor))
        row.terminated_at = at
        session.merge(OffboardingRow(tenant=tenant_id, state="due", changed_at=now,
                                     changed_by=actor))
        repo.append(session, now, actor, "contract-terminate", tenant_id, {
            "effective": effective.isoformat(), "terminated_at": z(at), "by": by,
            "reason": reason.strip(), "hold_until": z(hold_until(policy, at)),
            "offboarding": "due"})
        session.flush()
        return _info(session, policy, row, now)
