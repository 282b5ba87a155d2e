"""Service functions of `rex consent ...` and the consent gate of `rex export`.

The SLA lets support look at client data only after the functional administrator explicitly
consents. A consent has a scope (``export`` or ``restore``) and holds through its ``--until``
day (Amsterdam); it can be revoked. An export of a tenant whose contract has not ended needs a
valid ``export`` consent; during the post-termination hold the offboarding needs none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from retention import contracts as cal
from retention.calendar import local_day
from retention.catalog import clients as book
from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.catalog.tables import ConsentRow, TenantRow
from retention.errors import InputError, RexError, ViolationError
from retention.policy import load_policy
from retention.tenants import hold_until
from retention.timeutil import z


@dataclass(frozen=True)
class ConsentView:
    id: str
    tenant: str
    scope: str
    by: str
    until: date
    expires: datetime
    state: cal.ConsentState
    granted_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None


def _view(row: ConsentRow, now: datetime) -> ConsentView:
    return ConsentView(row.id, row.tenant, row.scope, row.by, row.until, row.expires,
                       cal.consent_state(book.consent_value(row), now), row.granted_at,
                       row.revoked_at, row.revoked_by, row.revoke_reason)


def grant(catalog_url: str, policy_ref: str, tenant_id: str, by: str, scope: str, until: date,
          now: datetime, actor: str) -> ConsentView:
    """Record the functional administrator's consent, valid through ``until``."""
    command = f"consent grant --tenant {tenant_id}"
    if scope not in cal.SCOPES:
        raise InputError(f"{command}: --scope {scope!r}: expected one of {', '.join(cal.SCOPES)}")
    if not by.strip():
        raise InputError(f"{command}: --by is empty; name the functional administrator who "
                         "consented")
    policy = load_policy(policy_ref)
    today = local_day(now, policy.tz)
    if until < today:
        raise InputError(f"{command}: --until {until} has passed (today is {today} in "
                         f"{policy.timezone}); a consent must hold today or later")
    with Session(open_catalog(catalog_url)) as session, session.begin():
        book.tenant(session, tenant_id)
        row = ConsentRow(id=book.next_id(session, ConsentRow.id, "C"), tenant=tenant_id,
                         scope=scope, by=by.strip(), until=until,
                         expires=cal.consent_expiry(until, policy.tz), granted_at=now,
                         recorded_by=actor)
        session.add(row)
        repo.append(session, now, actor, "consent-grant", tenant_id, {
            "consent": row.id, "scope": scope, "by": row.by, "until": until.isoformat(),
            "expires": z(row.expires)})
        session.flush()
        return _view(row, now)


def revoke(catalog_url: str, consent_id: str, by: str, reason: str, now: datetime,
           actor: str) -> ConsentView:
    command = f"consent revoke {consent_id}"
    if not by.strip():
        raise InputError(f"{command}: --by is empty; name who withdrew the consent")
    with Session(open_catalog(catalog_url)) as session, session.begin():
        row = book.consent(session, consent_id)
        if row.revoked_at is not None:
            raise InputError(f"{command}: revoked already at {z(row.revoked_at)} by "
                             f"{row.revoked_by}")
        row.revoked_at, row.revoked_by = now, by.strip()
        row.revoke_reason = reason.strip() or None
        repo.append(session, now, actor, "consent-revoke", row.tenant, {
            "consent": consent_id, "scope": row.scope, "by": row.revoked_by,
            "reason": row.revoke_reason})
        session.flush()
        return _view(row, now)


def listing(catalog_url: str, tenant_id: str | None, now: datetime) -> list[ConsentView]:
    with Session(open_catalog(catalog_url)) as session:
        if tenant_id is not None:
            book.tenant(session, tenant_id)
        return [_view(r, now) for r in book.consents(session, tenant_id)]


def _refusal(tenant_id: str, known: bool, today: date, command: str) -> RexError:
    grant = (f"`rex consent grant --tenant {tenant_id} --by NAME --scope export "
             "--until DATE`")
    if not known:  # an unknown tenant is bad input (exit 2), as everywhere
        return InputError(
            f"{command}: refused: the tenant is not in rex's catalog, so no "
            "consent of its functional administrator can be on record; add it with "
            f"`rex tenant add {tenant_id} --name NAME`, then record the consent with {grant}")
    return ViolationError(
        f"{command}: refused: no valid export consent of the tenant's "
        f"functional administrator is recorded for {today} (one is needed unless the tenant is "
        f"in its post-termination hold); record it with {grant}")


def require_export_consent(catalog_url: str, policy_ref: str, tenant_id: str, now: datetime,
                           actor: str, command: str | None = None) -> str:
    """The consent gate: the basis on which an export of the tenant's models may go ahead (a
    consent id, or the post-termination hold), recorded in the ledger; refused otherwise.
    ``command`` names what was refused in the message (default: ``export --tenant ID``)."""
    policy = load_policy(policy_ref)
    command = command or f"export --tenant {tenant_id}"
    with Session(open_catalog(catalog_url)) as session, session.begin():
        row = session.get(TenantRow, tenant_id)
        if row is None:
            raise _refusal(tenant_id, False, local_day(now, policy.tz), command)
        until = hold_until(policy, row.terminated_at) if row.terminated_at else None
        basis = cal.export_basis(tenant_id, row.terminated_at, until,
                                 [book.consent_value(c) for c in book.consents(session,
                                                                               tenant_id)], now)
        if basis is None:
            raise _refusal(tenant_id, True, local_day(now, policy.tz), command)
        repo.append(session, now, actor, "export-authorised", tenant_id, {"basis": basis})
    return basis
