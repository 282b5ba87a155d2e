"""Output of `rex offboard`: plain data for ``--json``, lines for people."""

from __future__ import annotations

from typing import Any

from exporters.offboard import Offboarding
from retention.timeutil import format_instant


def offboard_document(o: Offboarding) -> dict[str, Any]:
    b, d = o.bundle, o.delivery
    return {
        "tenant": o.tenant, "basis": o.basis, "source": o.source,
        "generated_at": format_instant(o.generated_at), "resumed_models": b.resumed,
        "bundle": {"path": str(b.path), "size": b.size, "sha256": b.sha256,
                   "manifest_sha256": b.manifest_sha256, "models": b.models, "files": b.files},
        "hold_until": format_instant(o.hold_until),
        "delivery": None if d is None else {**d.document(), "link": d.link,
                                            "link_note": d.link_note},
    }


def _source_text(source: dict[str, object]) -> str:
    if source.get("kind") != "backup":
        return "the Suite's live database"
    return (f"backup {source['backup_id']} of {source['server']} (restored to "
            f"{source['recovery_target']} on a scratch cluster)")


def offboard_text(o: Offboarding) -> str:
    b, d = o.bundle, o.delivery
    lines = [f"offboarding bundle of {o.tenant}: {b.path}",
             f"  {b.models} model(s) in bpmn, xpdl, vdx, docx and pdf; {b.files} files, "
             f"{b.size} bytes, sha256 {b.sha256}",
             f"  read from {_source_text(o.source)}",
             f"  generated at {format_instant(o.generated_at)}"
             + (" (kept from the first run of this offboarding)" if o.again else "")
             + (f"; {b.resumed} model(s) were done by an interrupted run" if b.resumed else ""),
             f"  allowed by: {o.basis}"]
    if d is None:
        lines.append(f"not delivered; deliver it with `rex offboard {o.tenant} --upload` "
                     "(same options)")
        return "\n".join(lines) + "\n"
    lines += [f"uploaded to {d.location}" + (f" (version {d.version_id})" if d.version_id
                                              else ""),
              f"  {d.lock_note}"]
    if d.link and d.link_expires is not None:
        lines += [f"  download link, {d.link_note}:", f"  {d.link}"]
    elif d.link:
        lines.append(f"  file: {d.link} ({d.link_note})")
    else:
        lines.append(f"  {d.link_note}")
    lines.append(f"recorded in the ledger (export-delivered, sha256 {b.sha256}); offboarding "
                 f"of {o.tenant}: delivered")
    return "\n".join(lines) + "\n"
