"""Helpers of the offboarding tests: a few process models, a client in its hold, a bundle's
manifest checked against its files."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from cli import main

MODELS = Path(__file__).parents[1] / "unit" / "exporters"
NOW = "2026-06-10T09:00:00Z"  # nine days into acme's post-termination hold
HOLD_UNTIL = "2026-11-30T23:00:00Z"  # 00:00 Amsterdam on 1 December 2026
FORMATS = ("bpmn", "xpdl", "vdx", "docx", "pdf")


def model_files(tmp: Path, extra: int = 0) -> list[Path]:
    """minimal.bpmn and multiscript.bpmn, plus ``extra`` copies of minimal under other ids."""
    files = [MODELS / "minimal.bpmn", MODELS / "multiscript.bpmn"]
    text = (MODELS / "minimal.bpmn").read_text(encoding="utf-8")
    for n in range(extra):
        copy = tmp / f"copy-{n}.bpmn"
        copy.write_text(text.replace('id="order-handling" name="Order handling"',
                                     f'id="copy-{n}" name="Copy {n}"'), encoding="utf-8")
        files.append(copy)
    return files


def rex(env: dict[str, str], *args: str, now: str = NOW) -> Result:
    return CliRunner().invoke(main, ["--now", now, *args], env=env, catch_exceptions=False)


def ok(env: dict[str, str], *args: str, now: str = NOW) -> str:
    result = rex(env, *args, now=now)
    assert result.exit_code == 0, result.output
    return result.stdout


def client(env: dict[str, str], tenant: str, models: list[Path], terminated: bool) -> None:
    """A tenant with a contract and models; terminated effective 1 June 2026 if asked."""
    ok(env, "tenant", "add", tenant, "--name", tenant.title())
    ok(env, "contract", "set", tenant, "--start", "2025-06-08", "--period", "12mo",
       now="2026-05-01T09:00:00Z")
    ok(env, "models", "import", "--tenant", tenant, *map(str, models))
    if terminated:
        ok(env, "contract", "terminate", tenant, "--effective", "2026-06-01", "--by", "J. Jansen",
           "--reason", "moves to another supplier", now="2026-05-01T09:00:00Z")


def checked_manifest(bundle: Path) -> dict[str, Any]:
    """The manifest, after checking that it lists exactly the zip's files with their sizes
    and sha256s (recomputed from the zip) and that the entries are sorted and stamped alike."""
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        listed = {f["path"]: (f["size"], f["sha256"]) for f in manifest["files"]}
        actual = {n: (len(data), hashlib.sha256(data).hexdigest())
                  for n in names if n != "manifest.json" for data in [zf.read(n)]}
        stamps = {i.date_time for i in zf.infolist()}
    assert names == sorted(names)
    assert listed == actual
    assert len(stamps) == 1
    return dict(manifest)
