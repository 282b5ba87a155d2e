"""`rex evidence report`: gather the facts from the catalog, attest them in the ledger, sign,
and write ``report.json`` and ``report.pdf`` (0600, in a directory rex makes 0700: a report names
clients and their backups)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention import private_files
from retention.calendar import midnight
from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.catalog.tables import ServerRow
from retention.errors import InputError, PolicyError
from retention.evidence import keys, location
from retention.evidence.checkpoint import Checkpoint
from retention.evidence.inventory_doc import inventory_document
from retention.evidence.report import ATTESTATION, Basis, Ledger, document
from retention.evidence.report_pdf import write_pdf
from retention.evidence.service import EvidenceSettings, sign_head
from retention.model import Inventory
from retention.policy import Policy, parse_policy_bytes
from retention.render import to_json
from retention.timeutil import parse_instant


class ReportSettings(EvidenceSettings, Protocol):
    @property
    def policy(self) -> str: ...

    @property
    def actor(self) -> str: ...


@dataclass(frozen=True)
class Written:
    json_path: Path
    pdf_path: Path
    document: dict[str, Any]


def _policy(ref: str) -> tuple[Policy, str]:
    import policies  # the locator of shipped policies; gives the bytes the sha256 is of

    found = policies.locate(ref)
    if found is None:
        raise PolicyError(ref, [f"no shipped policy named {ref!r} and no file at that path; "
                                f"shipped: {', '.join(policies.shipped())}"])
    data, source = found
    return parse_policy_bytes(data, source), data.decode("utf-8")


def _inventory(session: Session, servers: list[str], now: datetime) -> Inventory:
    parts = [repo.load_inventory(session, s, now) for s in servers]
    spls = {p.segments_per_log for p in parts}
    if len(spls) > 1:
        raise InputError(f"servers {', '.join(servers)} use different WAL segment sizes; "
                         "make one report per server with --server NAME")
    return Inventory(tuple(p for part in parts for p in part.points),
                     tuple(w for part in parts for w in part.wal),
                     tuple(h for part in parts for h in part.histories),
                     spls.pop() if spls else 256)


def _servers(session: Session, server: str | None) -> list[str]:
    known = list(session.scalars(select(ServerRow.name).order_by(ServerRow.name)))
    if server is not None and server not in known:
        raise InputError(f"server {server!r} is not in the catalog; run "
                         f"`rex sync --server {server}` first")
    if not known:
        raise InputError("the catalog has no servers; run `rex sync --server NAME` first")
    return [server] if server is not None else known


def _basis(engine: Engine, cfg: ReportSettings, first: date, last: date,
           server: str | None) -> Basis:
    policy, toml = _policy(cfg.policy)
    with Session(engine) as session:
        servers = _servers(session, server)
        inventory = _inventory(session, servers, cfg.now)
        holds = repo.active_holds(session, server)
        contracts = repo.contracts(session)
    doc = inventory_document(inventory, holds, contracts)
    basis = Basis(cfg.now, first, last, tuple(servers), policy, toml, doc)
    again = basis.parsed()
    if inventory_document(again.inventory, again.holds, again.contracts) != doc:
        raise InputError("internal: the report's inventory does not read back as written; "
                         "report this with the catalog")
    return basis


def _attest(engine: Engine, basis: Basis, actor: str, tz_start: datetime) -> tuple[int, int]:
    """Append the report's own entry; (first seq of the slice, the entry's seq)."""
    with Session(engine) as session, session.begin():
        head = repo.ledger_head(session)
        from_seq = (head.seq if head else 0) + 1
        for e in reversed(repo.ledger_entries(session)):
            if parse_instant(e.at, f"ledger entry {e.seq}") < tz_start:
                break
            from_seq = e.seq
        entry = repo.append(session, basis.now, actor, ATTESTATION, ",".join(basis.servers),
                            basis.attestation(from_seq))
    return from_seq, entry.seq


def write_report(cfg: ReportSettings, first: date, last: date, out: Path,
                 server: str | None) -> Written:
    if last < first:
        raise InputError(f"--from {first} is after --to {last}; give the period's first and "
                         "last day")
    engine = open_catalog(cfg.catalog)
    basis = _basis(engine, cfg, first, last, server)
    key = keys.load_private(cfg.signing_key) if cfg.signing_key is not None else None
    from_seq, own_seq = _attest(engine, basis, cfg.actor, midnight(first, basis.policy.tz))
    checkpoints: tuple[Checkpoint, ...] = ()
    if key is not None:
        store = location.open_evidence(cfg.need_evidence(), cfg.clock)
        sign_head(engine, store, key, cfg.now)
        listed = location.list_checkpoints(store, from_seq, own_seq)
        checkpoints = tuple(cp for _, cp in sorted(listed.checkpoints, key=lambda i: i[1].seq)
                            if cp.signer == keys.fingerprint(key.public_key()))
    with Session(engine) as session:
        entries = tuple(e for e in repo.ledger_entries(session, from_seq - 1)
                        if e.seq <= own_seq)
    public = key.public_key() if key is not None else None
    doc = document(basis, Ledger(entries, checkpoints,
                                 keys.raw(public) if public else None,
                                 keys.fingerprint(public) if public else None))
    private_files.private_dir(out)
    json_path, pdf_path = out / "report.json", out / "report.pdf"
    private_files.write_text(json_path, to_json(doc))
    private_files.open_private(pdf_path, "wb").close()  # 0600 before reportlab writes into it
    write_pdf(doc, pdf_path)
    return Written(json_path, pdf_path, doc)

