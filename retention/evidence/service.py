"""Evidence service functions the CLI calls: checkpoints after a run, verification on the
catalog, the auditor's report, its offline verification, key generation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.errors import InputError, ViolationError
from retention.evidence import checkpoint, keys, location
from retention.evidence.chain import Problem, check_chain, first_named
from retention.evidence.ledger import Entry
from retention.evidence.offline import Verdict, verify_report
from retention.storage import ObjectStore


class EvidenceSettings(Protocol):
    """What the evidence functions need of the CLI's settings."""

    @property
    def catalog(self) -> str: ...

    @property
    def signing_key(self) -> Path | None: ...

    @property
    def now(self) -> datetime: ...

    def need_exports(self) -> str: ...

    def need_evidence(self) -> str: ...

    def clock(self) -> datetime: ...


def checkpoint_if_configured(cfg: EvidenceSettings) -> checkpoint.Checkpoint | None:
    """With a signing key: sign the ledger's head and write it to ``<exports>/evidence/``.
    Call after any command that may have appended ledger entries; nothing happens when the head
    is signed already, or without a signing key."""
    if cfg.signing_key is None:
        return None
    key = keys.load_private(cfg.signing_key)
    store = location.open_evidence(cfg.need_evidence(), cfg.clock)
    return sign_head(open_catalog(cfg.catalog), store, key, cfg.now)


def sign_head(engine: Engine, store: ObjectStore, key: Ed25519PrivateKey,
              now: datetime) -> checkpoint.Checkpoint | None:
    """Sign the head unless it is signed; refuse to sign a chain that broke since the last
    checkpoint (signing it would vouch for the change)."""
    with Session(engine) as session:
        head = repo.ledger_head(session)
        if head is None:
            return None
        have = location.existing(store, head.seq)
        if have is not None:
            if have.hash == head.hash:
                return None
            raise ViolationError(
                f"ledger entry {head.seq} has hash {head.hash[:16]}…, but the checkpoint signed "
                f"for it in {store.url} names {have.hash[:16]}…: the ledger was changed after "
                "it was signed; nothing was signed. Run `rex evidence verify`")
        _check_since_last(session, store, head.seq)
    cp = checkpoint.sign_head(head, now, key)
    location.write(store, cp)
    return cp


def _check_since_last(session: Session, store: ObjectStore, head_seq: int) -> None:
    earlier = [s for s in location.seqs(store) if s < head_seq]
    last = location.existing(store, earlier[-1]) if earlier else None
    entries = repo.ledger_entries(session, since_seq=last.seq - 1 if last else 0)
    if last is not None and (not entries or entries[0].seq != last.seq
                             or entries[0].hash != last.hash):
        problems = [Problem(last.seq, f"entry {last.seq} no longer matches its checkpoint")]
    elif last is not None:
        problems = check_chain(entries[1:], last.hash, last.seq + 1)
    else:
        problems = check_chain(entries)
    if problems:
        raise ViolationError(f"not signing the ledger head: {first_named(problems)[0].message}. "
                             "Run `rex evidence verify` to see every problem")


# --- verification on the catalog ----------------------------------------------------------------

@dataclass(frozen=True)
class CatalogVerdict:
    entries: int
    head: Entry | None
    checkpoints: int
    signers: tuple[str, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]

    @property
    def authentic(self) -> bool:
        return not self.problems


def verify_catalog(catalog_url: str, exports_url: str | None,
                   clock: Callable[[], datetime], public_key: Path | None) -> CatalogVerdict:
    """The whole chain, then every checkpoint in the evidence location against it."""
    with Session(open_catalog(catalog_url)) as session:
        entries = repo.ledger_entries(session)
    problems = check_chain(entries)
    notes: list[str] = []
    if exports_url is None:
        notes.append("no evidence location (--exports or --storage): checkpoints not checked")
        return CatalogVerdict(len(entries), entries[-1] if entries else None, 0, (),
                              tuple(first_named(problems)), tuple(notes))
    listed = location.list_checkpoints(location.open_evidence(exports_url, clock))
    problems += [Problem(None, text) for text in listed.unreadable]
    trusted = keys.load_public(public_key) if public_key is not None else None
    by_seq = {e.seq: e for e in entries}
    signers = sorted({cp.signer for _, cp in listed.checkpoints})
    for signer in signers:
        group = [(w, cp) for w, cp in listed.checkpoints if cp.signer == signer]
        key = trusted or keys.from_raw(group[0][1].public_key, group[0][0])
        problems += checkpoint.check_all(group, by_seq, key)
    if trusted is None and signers:
        notes.append("checkpoints checked with the public keys they carry; pass --public-key "
                     "to check them with a key you hold yourself")
    if not listed.checkpoints:
        notes.append(f"no checkpoints in {exports_url}/evidence/: runs were not signed "
                     "(--signing-key); removed entries at the end cannot be told")
    return CatalogVerdict(len(entries), entries[-1] if entries else None,
                          len(listed.checkpoints), tuple(signers),
                          tuple(first_named(problems)), tuple(notes))


# --- keys and offline verification --------------------------------------------------------------

def keygen(out: Path) -> tuple[Path, Path, str]:
    return keys.write_pair(out)


def verify_report_file(path: Path, public_key: Path | None) -> Verdict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"report {path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"report {path}: not valid JSON ({err}); it is damaged or not a "
                         "report.json") from None
    trusted: Ed25519PublicKey | None = keys.load_public(public_key) if public_key else None
    return verify_report(doc, trusted)
