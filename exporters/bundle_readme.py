"""The README of an offboarding bundle: a short note for the client, in Dutch and in English.

Its text depends only on the bundle's header and model count, so a rerun writes the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

README_NAME = "README.txt"

_NL = """\
NEDERLANDS

Dit zip-bestand bevat alle procesmodellen die voor {tenant} in de Suite waren opgeslagen
({count_nl}), van elk model de laatste versie, in een eigen map <model-id>/ en in vijf
formaten:

  <model-id>.bpmn   BPMN 2.0 (OMG): het volledige model, in te lezen in andere BPMN-tools
  <model-id>.xpdl   XPDL 2.2 (WfMC) met de tekening
  <model-id>.vdx    Visio-tekening (XML), ter referentie
  <model-id>.docx   Word-document met de beschrijving van het proces, ter referentie
  <model-id>.pdf    PDF met dezelfde beschrijving, ter referentie

manifest.json noemt elk bestand met zijn grootte en SHA-256-controlegetal. Controleer een bestand
bijvoorbeeld met `sha256sum <bestand>` (Linux, macOS) of `certutil -hashfile <bestand> SHA256`
(Windows) en vergelijk de uitkomst met het manifest.

Samengesteld op {generated} uit {source_nl}.
"""

_EN = """\
ENGLISH

This zip file holds every process model stored for {tenant} in the Suite ({count_en}),
the latest version of each, in a folder <model-id>/ of its own and in five formats:

  <model-id>.bpmn   BPMN 2.0 (OMG): the complete model, readable by other BPMN tools
  <model-id>.xpdl   XPDL 2.2 (WfMC) with the diagram
  <model-id>.vdx    Visio drawing (XML), for reference
  <model-id>.docx   Word document describing the process, for reference
  <model-id>.pdf    PDF with the same description, for reference

manifest.json lists every file with its size and SHA-256 checksum. Check a file with, for
example, `sha256sum <file>` (Linux, macOS) or `certutil -hashfile <file> SHA256` (Windows) and
compare the result with the manifest.

Put together on {generated} from {source_en}.
"""


def _source_words(source: Mapping[str, Any]) -> tuple[str, str]:
    """(Dutch, English) description of where the models were read."""
    if source.get("kind") != "backup":
        return "de database van de Suite", "the Suite's database"
    point, server = source.get("backup_id"), source.get("server")
    target = source.get("recovery_target")
    if target and target != "end of backup":
        return (f"back-up {point} van server {server}, hersteld tot {target}",
                f"backup {point} of server {server}, restored to {target}")
    return (f"back-up {point} van server {server}", f"backup {point} of server {server}")


def readme_text(tenant: str, generated_at_z: str, count: int,
                source: Mapping[str, Any]) -> str:
    """The README, Dutch first, then English."""
    nl, en = _source_words(source)
    values = {"tenant": tenant, "generated": generated_at_z,
              "count_nl": f"{count} model" + ("" if count == 1 else "len"),
              "count_en": f"{count} model" + ("" if count == 1 else "s"),
              "source_nl": nl, "source_en": en}
    title = (f"Procesmodellen van {tenant} / Process models of {tenant}\n"
             f"{'=' * len(f'Procesmodellen van {tenant} / Process models of {tenant}')}\n\n")
    return title + _NL.format(**values) + "\n" + _EN.format(**values)

