"""Reading ``terraform/`` for tests: .tf files parsed with python-hcl2, and checkov in its own venv.

**HCL.** python-hcl2 8 keeps string quotes unless told ``strip_string_quotes=True``; 7 strips them
itself. Either way a literal reads as its value (``"GOVERNANCE"``) and an expression as its
interpolation (``"${var.object_lock_mode}"``); nested blocks are lists of dicts.

**checkov** pins boto3, botocore, networkx and packaging far below what rex needs (boto3>=1.36),
so it cannot live in the project's environment. It gets its own virtual environment, built on
first use under ``<project>/.cache/checkov-<version>`` (gitignored); a marker file records the
requirement. ``$REX_CHECKOV`` (a checkov executable) skips the build.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

PROJECT = Path(__file__).resolve().parents[2]
TERRAFORM = PROJECT / "terraform"
CHECKOV_REQUIREMENT = "checkov==3.3.30"
_MARKER = ".rex-checkov-ready"

Doc = dict[str, list[Any]]


def parse_hcl(text: str) -> Doc:
    """One .tf document as python-hcl2 data, string literals without their quotes."""
    options = getattr(hcl2, "SerializationOptions", None)
    if options is None:  # python-hcl2 < 8 strips quotes itself
        return dict(hcl2.loads(text))
    return dict(hcl2.loads(text, serialization_options=options(
        strip_string_quotes=True, with_comments=False, explicit_blocks=False)))


@cache
def load_module(folder: Path) -> Doc:
    """Every ``*.tf`` of one module folder, merged by top-level block kind."""
    merged: Doc = {}
    for path in sorted(folder.glob("*.tf")):
        for kind, blocks in parse_hcl(path.read_text(encoding="utf-8")).items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def named(doc: Doc, kind: str) -> dict[str, dict[str, Any]]:
    """``module``/``variable``/``output`` blocks by name."""
    return {name: body for block in doc.get(kind, []) for name, body in block.items()}


def typed(doc: Doc, kind: str, type_name: str) -> dict[str, dict[str, Any]]:
    """``resource``/``data`` blocks of one type, by name."""
    return {name: body for block in doc.get(kind, []) for t, items in block.items()
            if t == type_name for name, body in items.items()}


def module_dirs() -> list[Path]:
    """The root module and every module under ``terraform/modules``."""
    return [TERRAFORM, *sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())]


# --- checkov -----------------------------------------------------------------------------------

@cache
def checkov() -> Path:
    """The checkov executable (built on first use, see the module docstring)."""
    configured = os.environ.get("REX_CHECKOV")
    if configured:
        return Path(configured)
    venv = PROJECT / ".cache" / f"checkov-{CHECKOV_REQUIREMENT.split('==')[-1]}"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = venv / _MARKER
        if not (marker.is_file() and marker.read_text() == CHECKOV_REQUIREMENT):
            _build_venv(venv)
            marker.write_text(CHECKOV_REQUIREMENT)
    return venv / "bin" / "checkov"


def _build_venv(venv: Path) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                           "--disable-pip-version-check", CHECKOV_REQUIREMENT],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"installing {CHECKOV_REQUIREMENT} into {venv} failed:\n"
                           f"{done.stdout}\n{done.stderr}")
