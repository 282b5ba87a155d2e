"""Output of the client-lifecycle commands: plain data for `--json`, text tables for people.

In JSON, dates are Amsterdam calendar dates (``2026-10-01``) and instants UTC (``...Z``); a
period's ``end`` and a contract's ``ends`` are the first day *without* it. For people, text shows
instants in Amsterdam time with the zone (``2027-03-30 00:00 CEST``) and a period or contract by
its last day, so a one-month contract from 31 January reads "last day 2026-02-27" everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from retention.clients import DueContract, TenantInfo, TenantStatus
from retention.consent import ConsentView
from retention.contracts import Period
from retention.legalholds import HoldView
from retention.model import TenantOutcome
from retention.render import _table, finding_line, local_time
from retention.tenants import Holder
from retention.timeutil import format_instant


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _last_day(first_day_without: date | None) -> str:
    """For people: the last day of a period or contract that ends before ``first_day_without``."""
    return (first_day_without - timedelta(days=1)).isoformat() if first_day_without else "-"


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
             _last_day(t.contract.period.end if t.contract.period else None),
             _last_day(t.contract.ends), local_time(t.hold_until), t.offboarding]
            for t in tenants]
    return "\n".join(_table(["TENANT", "NAME", "SERVERS", "CONTRACT", "PERIOD LAST DAY",
                             "CONTRACT LAST DAY", "HOLD UNTIL", "OFFBOARDING"], rows)) + "\n"


def _holder(h: Holder) -> dict[str, Any]:
    return {"kind": h.kind, "name": h.name, "reasons": list(h.reasons),
            "until": format_instant(h.expires)}


def status_document(s: TenantStatus) -> dict[str, Any]:
    """``erasure_date`` with ``erased`` false: when the data leaves the backups (null:
    indefinitely, or the contract has not ended); with ``erased`` true: when it left, null when
    that is not in the inventory. ``kept_by``: what keeps it longest, with its reasons."""
    return {**tenant_document(s.info),
            "servers_held": [{"server": o.server, "final_backup": o.final_backup,
                              "hold_until": format_instant(o.hold_until),
                              "erasure_date": format_instant(o.erasure_date),
                              "erased": o.erased,
                              "kept_by": [_holder(h) for h in s.kept_by
                                          if h.server == o.server]}
                             for o in s.outcomes],
            "erasure_date": format_instant(s.erasure_date),
            "erased": s.erased,
            "findings": [{"code": f.code, "severity": f.severity, "subject": f.subject,
                          "message": f.message} for f in s.findings]}


def status_text(s: TenantStatus) -> str:
    info, c = s.info, s.info.contract
    servers = ", ".join(info.servers) if info.servers else "all"
    lines = [f"tenant {info.id} ({info.name}), servers: {servers}",
             f"contract: {c.state}"
             + (f", period {c.period.number} {c.period.start} to {_last_day(c.period.end)}"
                f" (reminder {c.reminder})" if c.period else "")
             + (f", last day {_last_day(c.ends)}" if c.ends else "")]
    if info.termination:
        t = info.termination
        lines.append(f"terminated effective {t.effective} (first day without a contract, from "
                     f"{local_time(t.terminated_at)}) by {t.by}: {t.reason}")
    if info.hold_until:
        lines.append(f"hold until: {local_time(info.hold_until)}")
    lines += [f"  {o.server}: final backup {o.final_backup or '-'}, "
              + _erasure_line(o, [h for h in s.kept_by if h.server == o.server])
              for o in s.outcomes]
    if info.ended_at and s.erased:
        lines.append(f"data erased: {local_time(s.erasure_date, missing='date not known')}")
    elif info.ended_at:
        lines.append("erasure date: " + (local_time(s.erasure_date) if s.erasure_date else
                                         "indefinite" if s.kept_by else "not yet known"))
    lines.append(f"offboarding: {info.offboarding}" + (
        f" (bundle sha256 {info.bundle_sha256})" if info.bundle_sha256 else ""))
    lines += [finding_line(f) for f in s.findings]
    return "\n".join(lines) + "\n"


def _erasure_line(o: TenantOutcome, kept: Sequence[Holder]) -> str:
    """Erased and when, or until when the data stays and what keeps it longest."""
    if o.erased and o.erasure_date:
        return (f"erased {local_time(o.erasure_date)}: this plan deletes the last backup or WAL "
                "holding its data")
    if o.erased:
        return ("erased: no backup or WAL holding its data is left (when the last went is not "
                "in the inventory)")
    if not kept:
        return "erasure not yet known: the contract has not ended"
    h = kept[0]
    stays = f"until {local_time(o.erasure_date)}" if o.erasure_date else "indefinitely"
    more = f" and {len(kept) - 1} more" if len(kept) > 1 else ""
    return f"stays {stays}: kept by {h.kind} {h.name} ({', '.join(h.reasons)}){more}"


def due_document(found: Sequence[DueContract], within: str) -> dict[str, Any]:
    return {"within": within, "due": [
        {"tenant": d.tenant, "name": d.name, "period": _period(d.period),
         "period_end": d.period.end.isoformat(), "reminder": d.reminder.isoformat(),
         "renews": d.renews} for d in found]}


def due_text(found: Sequence[DueContract], within: str) -> str:
    if not found:
        return f"no contract period ends within {within}\n"
    rows = [[d.tenant, d.name, _last_day(d.period.end), d.reminder.isoformat(),
             "yes" if d.renews else "no"] for d in found]
    return "\n".join(_table(["TENANT", "NAME", "PERIOD LAST DAY", "REMIND ON", "RENEWS"],
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
    rows = [[h.id, h.kind, h.server, h.target, local_time(h.end, missing="until released"),
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
        line += (f", period {c.period.number} has its last day on {_last_day(c.period.end)} "
                 f"(reminder {c.reminder})")
    if c.ends:
        line += f"; last day of the contract {_last_day(c.ends)}"
    return line + "\n"


def terminated_text(t: TenantInfo) -> str:
    ended = t.termination
    assert ended is not None
    return (f"contract of {t.id} terminated effective {ended.effective} (first day without a "
            f"contract, from {local_time(ended.terminated_at)}; last day "
            f"{_last_day(ended.effective)}); post-termination hold until "
            f"{local_time(t.hold_until)}; offboarding {t.offboarding}\n")


def placed_text(h: HoldView) -> str:
    return (f"hold {h.id} placed on {h.server} {h.target}; the next plan keeps it "
            f"(`rex plan --server {h.server}`) and apply sets the S3 legal hold\n")


def released_text(h: HoldView) -> str:
    return (f"hold {h.id} released; nothing is deleted now: the next plan "
            f"(`rex plan --server {h.server}`) shows what becomes deletable, and apply clears "
            "the S3 legal hold\n")


def granted_text(c: ConsentView) -> str:
    return (f"consent {c.id}: {c.by} allows {c.scope} of {c.tenant}'s data through {c.until} "
            f"(expires {local_time(c.expires)})\n")


def revoked_text(c: ConsentView) -> str:
    return f"consent {c.id} of {c.tenant} ({c.scope}) revoked by {c.revoked_by}\n"
