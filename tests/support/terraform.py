"""Reading ``terraform/`` for tests: .tf files parsed with python-hcl2, and checkov in its own venv.

**HCL.** python-hcl2 8 keeps string quotes unless told ``strip_string_quotes=True``; 7 strips them
itself. Either way a literal reads as its value (``"GOVERNANCE"``) and an expression as its
interpolation (``"${var.object_lock_mode}"``); nested blocks are lists of dicts.

**checkov** pins boto3, botocore, networkx and packaging far below what rex needs (boto3>=1.36),
so it cannot live in the project's environment. It gets its own virtual environment, built on
first use under ``<project>/.cache/checkov-<version>`` (gitignored); a marker file records the
requirement. ``$REX_CHECKOV`` (a checkov executable) skips the build.

**IAM.** ``policy_document`` renders one ``aws_iam_policy_document`` as the JSON IAM reads, with
its ``var.``/``local.`` references replaced by given values; what it cannot render (a condition,
a for expression) is an error rather than a statement silently left out or widened.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
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


def module_locals(doc: Doc) -> dict[str, Any]:
    """``locals`` of a module as references: ``{"local.name": value}``."""
    return {f"local.{name}": value
            for block in doc.get("locals", []) for name, value in block.items()}


_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")


def interpolate(value: Any, values: Mapping[str, Any]) -> Any:
    """A parsed HCL value with its references (``var.x``, ``local.y.z``) replaced from ``values``.

    A string that is exactly one reference becomes that value (a list stays a list); references
    inside a longer string are replaced by their text. An unknown reference or an expression
    left over raises ValueError."""
    if isinstance(value, list):
        return [interpolate(item, values) for item in value]
    if not isinstance(value, str):
        return value
    whole = _REFERENCE.fullmatch(value)
    if whole is not None and whole.group(1) in values:
        return interpolate(values[whole.group(1)], values)

    def text(match: re.Match[str]) -> str:
        found = interpolate(values.get(match.group(1)), values)
        if not isinstance(found, str):
            raise ValueError(f"{value!r}: no text value for {match.group(1)}")
        return found

    done = _REFERENCE.sub(text, value)
    if "${" in done:
        raise ValueError(f"{value!r}: an expression these tests cannot evaluate")
    return done


def _flat(value: Any) -> list[str]:
    """``[a, [b, c]]`` and ``a`` as ``[a, b, c]`` and ``[a]`` (a list reference inside a list)."""
    if not isinstance(value, list):
        return [str(value)]
    return [leaf for item in value for leaf in _flat(item)]


def policy_document(doc: Doc, name: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The ``aws_iam_policy_document`` ``name`` of a module as IAM JSON, its ``var.<key>``
    references taken from ``variables`` and its ``local.`` ones from the module."""
    values = {**module_locals(doc), **{f"var.{k}": v for k, v in variables.items()}}
    statements = []
    for block in typed(doc, "data", "aws_iam_policy_document")[name]["statement"]:
        unknown = set(block) - {"sid", "effect", "actions", "resources"}
        if unknown:
            raise ValueError(f"{name}/{block.get('sid')}: cannot render {sorted(unknown)}")
        statements.append({"Sid": block["sid"], "Effect": block.get("effect", "Allow"),
                           "Action": _flat(interpolate(block["actions"], values)),
                           "Resource": _flat(interpolate(block["resources"], values))})
    return {"Version": "2012-10-17", "Statement": statements}


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
