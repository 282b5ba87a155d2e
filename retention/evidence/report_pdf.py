"""The evidence report as PDF, rendered from report.json's document (reportlab).

The coverage picture is a grid of coloured cells, one per day (a row per month). Text is set in
DejaVu Sans where installed (any Latin, Greek, Cyrillic name), else in Helvetica. Reproducible:
reportlab's invariant mode fixes the creation date and document id.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from retention.policy import parse_policy_bytes

COLOURS = {"kept": "#2e7d32", "held": "#6a1b9a", "pitr": "#1565c0", "missing": "#c62828",
           "deleted": "#9e9e9e", "pending": "#f9a825", "none": "#eeeeee", "future": "#ffffff"}
MEANING = {"kept": "daily kept", "held": "daily held (legal, lease, post-termination)",
           "pitr": "inside the PITR window", "missing": "daily missing (SLA broken)",
           "deleted": "daily expired, deleted by the plan", "pending": "today, not yet due",
           "none": "no daily promised", "future": "after the report"}
CELL = 13.0


def _fonts() -> tuple[str, str]:
    try:
        pdfmetrics.registerFont(TTFont("DejaVuSans", "DejaVuSans.ttf"))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", "DejaVuSans-Bold.ttf"))
        return "DejaVuSans", "DejaVuSans-Bold"
    except TTFError:
        return "Helvetica", "Helvetica-Bold"


class CoverageGrid(Flowable):
    """A row per month of the period, a cell per day, coloured by the day's state."""

    def __init__(self, days: list[dict[str, Any]], font: str) -> None:
        super().__init__()
        self.font = font
        self.rows: dict[str, list[tuple[int, str]]] = {}
        for cell in days:
            day = date.fromisoformat(cell["day"])
            self.rows.setdefault(f"{day:%Y-%m}", []).append((day.day, cell["state"]))
        self.width = 48 + 31 * CELL
        self.height = (len(self.rows) + 1) * CELL

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setFont(self.font, 6)
        for d in range(1, 32):
            c.drawCentredString(48 + (d - 1) * CELL + CELL / 2, self.height - CELL + 3, str(d))
        c.setStrokeColor(colors.HexColor("#bdbdbd"))
        c.setLineWidth(0.3)
        for i, (month, cells) in enumerate(self.rows.items()):
            y = self.height - (i + 2) * CELL
            c.setFillColor(colors.black)
            c.setFont(self.font, 7)
            c.drawString(0, y + 3, month)
            for day, state in cells:
                c.setFillColor(colors.HexColor(COLOURS.get(state, "#000000")))
                c.rect(48 + (day - 1) * CELL, y, CELL - 1.5, CELL - 1.5, stroke=1, fill=1)


class _Doc:
    """Paragraph and table helpers in one font pair."""

    def __init__(self) -> None:
        self.font, self.bold = _fonts()
        self.body = ParagraphStyle("b", fontName=self.font, fontSize=9, leading=12, spaceAfter=4)
        self.cell = ParagraphStyle("c", parent=self.body, fontSize=7, leading=8.5, spaceAfter=0)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontName=self.bold, fontSize=13,
                                 leading=17, spaceBefore=10, spaceAfter=5)
        self.title = ParagraphStyle("t", parent=self.h1, fontSize=18, leading=23)
        self.flow: list[Flowable] = []

    def para(self, text: str, style: ParagraphStyle | None = None) -> None:
        self.flow.append(Paragraph(escape(text).replace("\n", "<br/>"), style or self.body))

    def head(self, text: str) -> None:
        self.para(text, self.h1)

    def table(self, header: list[str], rows: list[list[Any]], empty: str = "none",
              swatches: list[str] | None = None) -> None:
        if not rows:
            self.para(f"({empty})")
            return
        data = [[Paragraph(escape(h), self.cell) for h in header]]
        data += [[Paragraph(escape("-" if v is None else str(v)), self.cell) for v in r]
                 for r in rows]
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9e9e9e")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e0e0e0")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            *[("BACKGROUND", (0, i), (0, i), colors.HexColor(c))
              for i, c in enumerate(swatches or [], start=1)]]))
        self.flow += [table, Spacer(1, 4)]


def _front(d: _Doc, doc: dict[str, Any]) -> None:
    ledger, period = doc["ledger"], doc["period"]
    d.para("rex evidence report", d.title)
    d.para(f"Servers: {', '.join(doc['servers'])}. Period: {period['from']} to {period['to']} "
           f"({period['timezone']}). Made at {doc['now']}.")
    d.para(f"Policy {doc['policy']['name']}, sha256 {doc['policy']['sha256']}.")
    head = ledger["head"] or {}
    d.para(f"Ledger head: entry {head.get('seq')}, hash {head.get('hash')}. Signed by "
           f"{ledger['signer'] or 'nobody (unsigned report)'}; "
           f"{len(ledger['checkpoints'])} checkpoint(s) carried.")
    d.para("An auditor checks this report without rex's catalog: `rex evidence verify "
           "report.json --public-key KEY.pub.pem` recomputes the ledger chain, the "
           "signatures, and every section below from the carried policy, inventory and "
           "ledger entries. This PDF is a rendering of report.json; report.json is the evidence.")
    d.head("Policy")
    d.para(str(parse_policy_bytes(doc["policy"]["toml"].encode("utf-8"), "report")))


def _coverage(d: _Doc, doc: dict[str, Any]) -> None:
    for cov in doc["coverage"]:
        d.head(f"Coverage of {cov['server']}")
        d.para(f"PITR: {cov['pitr']}. Window from {cov['window_start']}; anchor backup "
               f"{cov['anchor'] or 'none'}; newest backup ended {cov['newest_backup_end']}.")
        for gap in cov["gaps"]:
            d.para(f"WAL gap {gap['first']}..{gap['last']}")
        d.flow += [CoverageGrid(cov["days"], d.font), Spacer(1, 4)]
        shown = [s for s in COLOURS if cov["counts"].get(s)]
        d.table(["", "STATE", "MEANING", "DAYS"],
                [["", s, MEANING[s], cov["counts"][s]] for s in shown],
                swatches=[COLOURS[s] for s in shown])
        missing = [c["day"] for c in cov["days"] if c["state"] == "missing"]
        if missing:
            d.para(f"Days without a daily backup: {', '.join(missing)}")


def _sections(d: _Doc, doc: dict[str, Any]) -> None:
    d.head("Findings")
    d.table(["SEVERITY", "CODE", "SUBJECT", "MESSAGE"],
            [[f["severity"], f["code"], f["subject"], f["message"]] for f in doc["findings"]])
    d.head("Decisions")
    d.table(["SERVER", "BACKUP", "END", "ACTION", "REASONS", "EXPIRES"],
            [[p["server"], p["id"], p["end_time"], p["action"], ", ".join(p["reasons"]),
              p["expires"] or "indefinite"] for p in doc["plan"]["points"]])
    d.head("Deletions")
    d.table(["SEQ", "AT", "SERVER", "PLAN", "VERSIONS DELETED", "REFUSED"],
            [[e["seq"], e["at"], e["subject"], e["plan"], e["deleted"], e["refused"]]
             for e in doc["deletions"]])
    d.head("Holds")
    d.table(["HOLD", "KIND", "SERVER", "POINT / RANGE", "UNTIL", "REASON", "BY"],
            [[h["id"], h["kind"], h["server"], h["point"] or f"{h['from']} .. {h['to']}",
              h["until"] or "released by hand", h["reason"], h["by"]]
             for h in doc["holds"]["in_force"]], "no hold in force")
    _events(d, doc["holds"]["events"])
    d.head("Terminations")
    d.table(["TENANT", "SERVER", "TERMINATED", "FINAL BACKUP", "HOLD UNTIL", "ERASURE"],
            [[t["tenant"], t["server"], t["terminated_at"], t["final_backup"], t["hold_until"],
              t["erasure_date"] or "indefinite"] for t in doc["terminations"]["tenants"]])
    _events(d, doc["terminations"]["events"])


def _activity(d: _Doc, doc: dict[str, Any]) -> None:
    d.head("Drills")
    d.table(["SEQ", "AT", "SERVER", "INSTANT", "BACKUP", "RESULT", "RESTORE (s)"],
            [[e["seq"], e["at"], e["subject"], e["instant"], e["point"],
              "passed" if e["passed"] else f"FAILED: {e['message']}", e["restore_seconds"]]
             for e in doc["drills"]])
    d.head("Offboarding bundles")
    d.table(["SEQ", "AT", "TENANT", "EVENT", "SHA256"],
            [[e["seq"], e["at"], e["subject"],
              "delivered" if e["action"] == "export-delivered" else "bundle made", e["sha256"]]
             for e in doc["offboarding"]])
    d.head("Verifications")
    d.table(["SEQ", "AT", "SERVER", "DAILIES MISSING", "WAL GAPS", "FINDINGS"],
            [[e["seq"], e["at"], e["subject"], e["daily_missing"], e["wal_gaps"],
              ", ".join(e["findings"] or []) or "none"] for e in doc["verifications"]])
    ledger = doc["ledger"]
    d.head("Ledger slice")
    d.table(["SEQ", "AT", "ACTOR", "ACTION", "SUBJECT", "HASH"],
            [[e["seq"], e["at"], e["actor"], e["action"], e["subject"], e["hash"][:16] + "…"]
             for e in ledger["entries"]])
    d.table(["CHECKPOINT", "HASH", "SIGNED AT", "SIGNER"],
            [[c["seq"], c["hash"][:16] + "…", c["at"], c["signer"][:24] + "…"]
             for c in ledger["checkpoints"]], "no signed checkpoint")


def _events(d: _Doc, events: list[dict[str, Any]]) -> None:
    d.table(["SEQ", "AT", "ACTOR", "ACTION", "SUBJECT", "DETAILS"],
            [[e["seq"], e["at"], e["actor"], e["action"], e["subject"],
              ", ".join(f"{k}={v}" for k, v in sorted(e["details"].items()))]
             for e in events], "no events in the period")


def write_pdf(doc: dict[str, Any], path: Path) -> None:
    d = _Doc()
    _front(d, doc)
    _coverage(d, doc)
    _sections(d, doc)
    _activity(d, doc)
    d.head("Appendix: the policy as written")
    d.flow.append(Paragraph(escape(doc["policy"]["toml"]).replace("\n", "<br/>")
                            .replace("  ", "&nbsp; "), d.cell))
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                      topMargin=15 * mm, bottomMargin=15 * mm, title="rex evidence report",
                      author="rex", invariant=1).build(d.flow)
