"""Output of the client-lifecycle commands: plain data for `--json`, text tables for people.

Dates are Amsterdam calendar dates (``2026-10-01``), instants UTC (``...Z``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from retention.clients import DueContract, TenantInfo, TenantStatus
from retention.consent import ConsentView
from retention.contracts import Period
from retention.legalholds import HoldView
from retention.render import _table
from retention.timeutil import format_instant


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _period(p: Period | None) -> dict[str, Any] | None:
    return {"number": p.number, "start": p.start.isoformat(), "end": p.end.isoformat()} \
        if p else None


def tenant_document(t: TenantInfo) -> dict[str, Any]:
    terms = t.terms
    ended = t.termination
    return {
        "tenant": t.id, "name": t.name, "servers": list(t.servers) if t.servers else "all",
        "contract": None if terms is None else {
            "start": terms.start.isoformat(), "period": str(terms.period),
            "auto_renew": terms.auto_renew, "remind": str(terms.remind)},
        "contract_state": t.contract.state,
        "current_period": _period(t.contract.period),
        "reminder": _day(t.contract.reminder),
        "ends": _day(t.contract.ends),
        "termination": None if ended is None else {
            "effective": ended.effective.isoformat(),
            "terminated_at": format_instant(ended.terminated_at), "by": ended.by,
            "reason": ended.reason, "recorded_at": format_instant(ended.recorded_at),
            "recorded_by": ended.recorded_by},
        "ended_at": format_instant(t.ended_at),
        "hold_until": format_instant(t.hold_until),
        "offboarding": t.offboarding,
        "offboarding_sha256": t.bundle_sha256,
    }


def tenants_text(tenants: Sequence[TenantInfo]) -> str:
    if not tenants:
        return "no tenants; add one with `rex tenant add ID --name NAME`\n"
    rows = [[t.id, t.name, ",".join(t.servers) if t.servers else "all", t.contract.state,
             _day(t.contract.period.end if t.contract.period else None) or "-",
             _day(t.contract.ends) or "-", format_instant(t.hold_until) or "-", t.offboarding]
            for t in tenants]
    return "\n".join(_table(["TENANT", "NAME", "SERVERS", "CONTRACT", "PERIOD END", "ENDS",
                             "HOLD UNTIL", "OFFBOARDING"], rows)) + "\n"


def status_document(s: TenantStatus) -> dict[str, Any]:
    return {**tenant_document(s.info),
            "servers_held": [{"server": o.server, "final_backup": o.final_backup,
                              "hold_until": format_instant(o.hold_until),
                              "erasure_date": format_instant(o.erasure_date)}
                             for o in s.outcomes],
            "erasure_date": format_instant(s.erasure_date),
            "findings": [{"code": f.code, "severity": f.severity, "subject": f.subject,
                          "message": f.message} for f in s.findings]}


def status_text(s: TenantStatus) -> str:
    doc = status_document(s)
    period = doc["current_period"]
    lines = [f"tenant {doc['tenant']} ({doc['name']}), servers: "
             f"{', '.join(doc['servers']) if isinstance(doc['servers'], list) else 'all'}",
             f"contract: {doc['contract_state']}"
             + (f", period {period['number']} {period['start']} .. {period['end']}"
                f" (reminder {doc['reminder']})" if period else "")
             + (f", ends {doc['ends']}" if doc["ends"] else "")]
    if doc["termination"]:
        t = doc["termination"]
        lines.append(f"terminated effective {t['effective']} ({t['terminated_at']}) by "
                     f"{t['by']}: {t['reason']}")
    if doc["hold_until"]:
        lines.append(f"hold until: {doc['hold_until']}")
    lines += [f"  {h['server']}: final backup {h['final_backup'] or '-'}, erasure "
              f"{h['erasure_date'] or 'not yet known'}" for h in doc["servers_held"]]
    if doc["ended_at"]:
        lines.append(f"erasure date: {doc['erasure_date'] or 'not yet known'}")
    lines.append(f"offboarding: {doc['offboarding']}" + (
        f" (bundle sha256 {doc['offboarding_sha256']})" if doc["offboarding_sha256"] else ""))
    lines += [f"{f['severity'].upper()} {f['code']} [{f['subject']}]: {f['message']}"
              for f in doc["findings"]]
    return "\n".join(lines) + "\n"


def due_document(found: Sequence[DueContract], within: str) -> dict[str, Any]:
    return {"within": within, "due": [
        {"tenant": d.tenant, "name": d.name, "period": _period(d.period),
         "period_end": d.period.end.isoformat(), "reminder": d.reminder.isoformat(),
         "renews": d.renews} for d in found]}


def due_text(found: Sequence[DueContract], within: str) -> str:
    if not found:
        return f"no contract period ends within {within}\n"
    rows = [[d.tenant, d.name, d.period.end.isoformat(), d.reminder.isoformat(),
             "yes" if d.renews else "no"] for d in found]
    return "\n".join(_table(["TENANT", "NAME", "PERIOD END", "REMIND ON", "RENEWS"],
                            rows)) + "\n"


def hold_document(h: HoldView) -> dict[str, Any]:
    return {"id": h.id, "kind": h.kind, "server": h.server, "target": h.target,
            "end": format_instant(h.end), "state": h.state, "reason": h.reason, "by": h.by,
            "placed_at": format_instant(h.placed_at),
            "released_at": format_instant(h.released_at), "released_by": h.released_by,
            "release_reason": h.release_reason}


def holds_text(holds: Sequence[HoldView]) -> str:
    if not holds:
        return "no holds\n"
    rows = [[h.id, h.kind, h.server, h.target, format_instant(h.end) or "until released",
             h.state, h.reason, h.by] for h in holds]
    return "\n".join(_table(["ID", "KIND", "SERVER", "TARGET", "END", "STATE", "REASON", "BY"],
                            rows)) + "\n"


def consent_document(c: ConsentView) -> dict[str, Any]:
    return {"id": c.id, "tenant": c.tenant, "scope": c.scope, "by": c.by,
            "until": c.until.isoformat(), "expires": format_instant(c.expires),
            "state": c.state, "granted_at": format_instant(c.granted_at),
            "revoked_at": format_instant(c.revoked_at), "revoked_by": c.revoked_by,
            "revoke_reason": c.revoke_reason}


def consents_text(consents: Sequence[ConsentView]) -> str:
    if not consents:
        return "no consents recorded\n"
    rows = [[c.id, c.tenant, c.scope, c.by, c.until.isoformat(), c.state] for c in consents]
    return "\n".join(_table(["ID", "TENANT", "SCOPE", "BY", "UNTIL", "STATE"], rows)) + "\n"


# --- confirmations of the state-changing commands -----------------------------------------------

def added_text(t: TenantInfo) -> str:
    servers = ", ".join(t.servers) if t.servers else "every server"
    return (f"tenant {t.id} ({t.name}) added; its data is on {servers}. Record its contract "
            f"with `rex contract set {t.id} --start DATE --period 12mo`\n")


def contract_text(t: TenantInfo) -> str:
    c, terms = t.contract, t.terms
    assert terms is not None
    line = (f"contract of {t.id}: from {terms.start}, periods of {terms.period}, "
            + ("renews automatically" if terms.auto_renew else "does not renew")
            + f", reminder {terms.remind} before a period ends; now {c.state}")
    if c.period:
        line += f", period {c.period.number} ends {c.period.end} (reminder {c.reminder})"
    if c.ends:
        line += f"; last day {c.ends - timedelta(days=1)}"
    return line + "\n"


def terminated_text(t: TenantInfo) -> str:
    ended = t.termination
    assert ended is not None
    return (f"contract of {t.id} terminated effective {ended.effective} "
            f"({format_instant(ended.terminated_at)}); post-termination hold until "
            f"{format_instant(t.hold_until)}; offboarding {t.offboarding}\n")


def placed_text(h: HoldView) -> str:
    return (f"hold {h.id} placed on {h.server} {h.target}; the next plan keeps it "
            f"(`rex plan --server {h.server}`) and apply sets the S3 legal hold\n")


def released_text(h: HoldView) -> str:
    return (f"hold {h.id} released; nothing is deleted now: the next plan "
            f"(`rex plan --server {h.server}`) shows what becomes deletable, and apply clears "
            "the S3 legal hold\n")


def granted_text(c: ConsentView) -> str:
    return (f"consent {c.id}: {c.by} allows {c.scope} of {c.tenant}'s data through {c.until} "
            f"(expires {format_instant(c.expires)})\n")


def revoked_text(c: ConsentView) -> str:
    return f"consent {c.id} of {c.tenant} ({c.scope}) revoked by {c.revoked_by}\n"
