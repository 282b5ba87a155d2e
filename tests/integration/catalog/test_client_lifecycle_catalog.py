"""The client lifecycle on SQLite and PostgreSQL: migration 0002, what the planner reads back
(contracts, holds), readable ids, and one verifiable ledger entry per change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from retention import clients, consent, legalholds
from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.catalog.tables import PointRow, ServerRow
from retention.errors import InputError
from retention.evidence.ledger import verify_chain
from retention.model import Contract

AT = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
POLICY = "engage-sla-2024"


def _server_with_point(url: str) -> None:
    with Session(open_catalog(url)) as s, s.begin():
        s.add(ServerRow(name="suite", storage_url="file:///x"))
        s.add(PointRow(server="suite", backup_id="b1", status="done", begin_time=AT,
                       end_time=AT + timedelta(minutes=5), timeline=1, begin_pos=1, end_pos=2,
                       segments_per_log=256))


def _contracts(url: str) -> list[Contract]:
    with Session(open_catalog(url)) as s:
        return repo.contracts(s)


def test_migration_0002_adds_the_lifecycle_tables(catalog: str) -> None:
    tables = set(inspect(open_catalog(catalog)).get_table_names())
    assert {"rex_contract", "rex_termination", "rex_consent", "rex_offboarding"} <= tables
    columns = {c["name"] for c in inspect(open_catalog(catalog)).get_columns("rex_tenant")}
    assert {"added_at", "added_by", "terminated_at"} <= columns


def test_contract_ends_reach_the_planner(catalog: str) -> None:
    _server_with_point(catalog)
    clients.tenant_add(catalog, POLICY, "acme", "Acme BV", ["suite"], AT, "ops")
    clients.tenant_add(catalog, POLICY, "bob", "Bob", [], AT, "ops")
    assert _contracts(catalog) == [Contract("acme", None, ("suite",)), Contract("bob", None)]
    clients.contract_set(catalog, POLICY, "bob", date(2025, 6, 8), "12mo", False, "6w", AT, "ops")
    not_renewed = datetime(2026, 6, 7, 22, tzinfo=UTC)  # 00:00 Amsterdam, 8 June 2026
    assert _contracts(catalog)[1] == Contract("bob", not_renewed)
    clients.contract_set(catalog, POLICY, "bob", date(2025, 6, 8), "12mo", True, "6w", AT, "ops")
    assert _contracts(catalog)[1] == Contract("bob", None)
    clients.contract_set(catalog, POLICY, "acme", date(2025, 6, 8), "1y", True, "2mo", AT, "ops")
    info = clients.contract_terminate(catalog, POLICY, "acme", date(2026, 6, 1), "J. Jansen",
                                      "moves", AT, "ops")
    assert info.ended_at == datetime(2026, 5, 31, 22, tzinfo=UTC) and info.offboarding == "due"
    assert _contracts(catalog)[0] == Contract("acme", info.ended_at, ("suite",))
    with pytest.raises(InputError, match="already terminated"):
        clients.contract_terminate(catalog, POLICY, "acme", date(2026, 7, 1), "J", "again", AT,
                                   "ops")


def test_holds_get_readable_ids_and_released_ones_leave_the_plan(catalog: str) -> None:
    _server_with_point(catalog)
    first = legalholds.place(catalog, "suite", "b1", None, None, "case 1", "legal", AT, "ops")
    second = legalholds.place(catalog, "suite", None, AT - timedelta(days=2),
                              AT - timedelta(days=1), "audit", "auditor", AT, "ops")
    assert (first.id, second.id) == ("H1", "H2")
    legalholds.release(catalog, "H2", "audit closed", "auditor", AT, "ops")
    assert legalholds.place(catalog, "suite", "b1", None, None, "case 3", "legal", AT,
                            "ops").id == "H3"
    with Session(open_catalog(catalog)) as s:
        assert [h.id for h in repo.active_holds(s, "suite")] == ["H1", "H3"]
    with pytest.raises(InputError, match="released already"):
        legalholds.release(catalog, "H2", "again", "auditor", AT, "ops")
    with pytest.raises(InputError, match="not in the catalog"):
        legalholds.place(catalog, "suite", "b9", None, None, "typo", "legal", AT, "ops")


def test_every_change_is_one_ledger_entry(catalog: str) -> None:
    clients.tenant_add(catalog, POLICY, "acme", "Acmé BV", [], AT, "ops")
    clients.contract_set(catalog, POLICY, "acme", date(2025, 6, 8), "12mo", True, "6w", AT,
                         "ops")
    granted = consent.grant(catalog, POLICY, "acme", "F. Admin", "export", date(2026, 12, 31),
                            AT, "ops")
    consent.revoke(catalog, granted.id, "F. Admin", "", AT, "ops")
    assert consent.grant(catalog, POLICY, "acme", "F. Admin", "restore", date(2026, 12, 31),
                         AT, "ops").id == "C2"
    clients.contract_terminate(catalog, POLICY, "acme", date(2026, 6, 1), "J", "moves", AT,
                               "ops")
    with Session(open_catalog(catalog)) as s:
        entries = repo.ledger_entries(s)
    assert verify_chain(entries) == []
    assert [e.action for e in entries] == ["tenant-add", "contract-set", "consent-grant",
                                           "consent-revoke", "consent-grant",
                                           "contract-terminate"]
    assert entries[0].details == {"name": "Acmé BV", "servers": "all"}
    assert entries[-1].details["reason"] == "moves" and entries[-1].at == "2026-05-10T09:00:00Z"
