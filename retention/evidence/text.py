"""What `rex evidence` prints: text for people, JSON documents for machines."""

from __future__ import annotations

from typing import Any

from retention.evidence.offline import Verdict
from retention.evidence.service import CatalogVerdict
from retention.evidence.writer import Written


def catalog_document(v: CatalogVerdict) -> dict[str, Any]:
    return {"authentic": v.authentic, "entries": v.entries,
            "head": {"seq": v.head.seq, "hash": v.head.hash} if v.head else None,
            "checkpoints": v.checkpoints, "signers": list(v.signers),
            "problems": [{"seq": p.seq, "message": p.message} for p in v.problems],
            "notes": list(v.notes)}


def catalog_text(v: CatalogVerdict) -> str:
    head = f"head entry {v.head.seq} ({v.head.hash})" if v.head else "empty"
    lines = [f"ledger: {v.entries} entries, {head}; {v.checkpoints} checkpoint(s) checked"
             + (f", signed by {', '.join(v.signers)}" if v.signers else "")]
    if v.problems:
        first = next((p for p in v.problems if p.seq is not None), v.problems[0])
        lines.append("TAMPERED" + (f": first altered entry {first.seq}" if first.seq else ""))
        lines += [f"  {p.message}" for p in v.problems]
    else:
        lines.append("authentic: the chain is intact and every checkpoint matches it")
    lines += [f"note: {n}" for n in v.notes]
    return "\n".join(lines) + "\n"


def report_document(v: Verdict, path: str) -> dict[str, Any]:
    return {"report": path, "authentic": v.authentic, "signed_by": v.signed_by,
            "problems": list(v.problems), "notes": list(v.notes)}


def report_text(v: Verdict, path: str) -> str:
    if v.authentic:
        signed = f", signed by {v.signed_by}" if v.signed_by else ""
        lines = [f"{path}: authentic{signed}: the ledger slice chains, the signatures hold, "
                 "and re-planning the carried inventory gives the carried plan"]
    else:
        lines = [f"{path}: TAMPERED ({len(v.problems)} problem(s))",
                 *(f"  {p}" for p in v.problems)]
    lines += [f"note: {n}" for n in v.notes]
    return "\n".join(lines) + "\n"


def written_document(w: Written) -> dict[str, Any]:
    """Where the report went and what it says, in brief (the report itself is report.json)."""
    doc = w.document
    counts: dict[str, int] = {}
    for cov in doc["coverage"]:
        for state, n in cov["counts"].items():
            counts[state] = counts.get(state, 0) + n
    return {"report_json": str(w.json_path), "report_pdf": str(w.pdf_path),
            "period": doc["period"], "days": dict(sorted(counts.items())),
            "findings": doc["findings"],
            "ledger": {"entries": len(doc["ledger"]["entries"]),
                       "head_seq": (doc["ledger"]["head"] or {}).get("seq"),
                       "signer": doc["ledger"]["signer"]}}


def written_text(w: Written) -> str:
    doc = w.document
    counts: dict[str, int] = {}
    for cov in doc["coverage"]:
        for state, n in cov["counts"].items():
            counts[state] = counts.get(state, 0) + n
    days = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    errors = sum(1 for f in doc["findings"] if f["severity"] == "error")
    signer = doc["ledger"]["signer"] or "unsigned (no --signing-key)"
    return (f"wrote {w.json_path} and {w.pdf_path}\n"
            f"period {doc['period']['from']} to {doc['period']['to']}: {days}; "
            f"{len(doc['findings'])} finding(s), {errors} error(s)\n"
            f"ledger slice: {len(doc['ledger']['entries'])} entries through "
            f"{doc['ledger']['head']['seq']}; {signer}\n"
            f"verify it offline: rex evidence verify {w.json_path} --public-key PUBLIC.pem\n")
