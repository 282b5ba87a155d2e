"""Repository functions of the client lifecycle: tenants, contract terms, terminations, consents,
offboardings and legal holds, read as the pure values of ``retention.contracts``.

Each takes a Session and plain values; the caller owns the transaction and the clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from retention.catalog.tables import (
    ConsentRow,
    ContractRow,
    HoldRow,
    LedgerRow,
    OffboardingRow,
    PointRow,
    ServerRow,
    TenantRow,
    TerminationRow,
)
from retention.contracts import Consent, Terms, parse_calendar_duration
from retention.errors import InputError


def tenant(session: Session, tenant_id: str) -> TenantRow:
    """The tenant, or a refusal that says how to add it."""
    row = session.get(TenantRow, tenant_id)
    if row is None:
        raise InputError(f"tenant {tenant_id!r} is not in the catalog; add it with "
                         f"`rex tenant add {tenant_id} --name NAME` (see `rex tenant list`)")
    return row


def tenants(session: Session) -> list[TenantRow]:
    return list(session.scalars(select(TenantRow).order_by(TenantRow.id)))


def terms(session: Session, tenant_id: str) -> Terms | None:
    row = session.get(ContractRow, tenant_id)
    if row is None:
        return None
    where = f"contract of {tenant_id} in the catalog"
    return Terms(row.start, parse_calendar_duration(row.period, where), row.auto_renew,
                 parse_calendar_duration(row.remind, where))


def termination(session: Session, tenant_id: str) -> TerminationRow | None:
    return session.get(TerminationRow, tenant_id)


def offboarding(session: Session, tenant_id: str) -> str | None:
    row = session.get(OffboardingRow, tenant_id)
    return row.state if row else None


def ledger_details(session: Session, action: str, subject: str) -> list[dict[str, Any]]:
    """The details of the ledger entries with this action and subject, newest first (read
    only: the offboarding's first ``generated_at``, the checksum of a delivered bundle)."""
    rows = session.scalars(select(LedgerRow.details).where(
        LedgerRow.action == action, LedgerRow.subject == subject).order_by(LedgerRow.seq.desc()))
    return [json.loads(text) for text in rows]


def delivered_bundle(session: Session, tenant_id: str) -> str | None:
    """The sha256 of the tenant's last delivered offboarding bundle, from the ledger."""
    found = ledger_details(session, "export-delivered", tenant_id)
    return str(found[0]["sha256"]) if found else None


def servers(session: Session) -> list[str]:
    """The servers the catalog has synced."""
    return list(session.scalars(select(ServerRow.name).order_by(ServerRow.name)))


def next_id(session: Session, column: InstrumentedAttribute[str], prefix: str) -> str:
    """``<prefix><n>`` one above the highest number used with that prefix (H1, H2, …)."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    used = [int(m.group(1)) for v in session.scalars(select(column).where(
        column.startswith(prefix))) if (m := pattern.match(v))]
    return f"{prefix}{max(used, default=0) + 1}"


# --- consent ------------------------------------------------------------------------------------

def consent_value(row: ConsentRow) -> Consent:
    return Consent(row.id, row.tenant, row.scope, row.until, row.expires, row.revoked_at)


def consents(session: Session, tenant_id: str | None = None) -> list[ConsentRow]:
    query = select(ConsentRow).order_by(ConsentRow.granted_at, ConsentRow.id)
    if tenant_id is not None:
        query = query.where(ConsentRow.tenant == tenant_id)
    return list(session.scalars(query))


def consent(session: Session, consent_id: str) -> ConsentRow:
    row = session.get(ConsentRow, consent_id)
    if row is None:
        raise InputError(f"consent {consent_id!r} is not in the catalog; `rex consent list` "
                         "shows the recorded ones")
    return row


# --- holds --------------------------------------------------------------------------------------

def holds(session: Session, include_released: bool) -> list[HoldRow]:
    query = select(HoldRow).order_by(HoldRow.placed_at, HoldRow.id)
    if not include_released:
        query = query.where(HoldRow.released_at.is_(None))
    return list(session.scalars(query))


def hold(session: Session, hold_id: str) -> HoldRow:
    row = session.get(HoldRow, hold_id)
    if row is None:
        raise InputError(f"hold {hold_id!r} is not in the catalog; `rex hold list --all` shows "
                         "every hold")
    return row


def point_exists(session: Session, server: str, point: str) -> bool:
    return session.get(PointRow, (server, point)) is not None


def unknown_servers(session: Session, names: Sequence[str]) -> list[str]:
    """Those of ``names`` the catalog has not synced."""
    synced = set(servers(session))
    return [n for n in names if n not in synced]
