"""Where the conformance material is: env REX_CONFORMANCE_DIR, default ../shared/conformance
relative to the project root. Without it the tests skip, except under CI=true, where they fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ("the OMG BPMN Model Interchange Working Group test suite "
          "(github.com/bpmn-miwg/bpmn-miwg-test-suite, folder Reference/)")


def conformance_dir() -> Path:
    configured = os.environ.get("REX_CONFORMANCE_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "conformance"


def missing(what: str) -> None:
    """Skip, or fail under CI=true, saying what is missing and where it comes from."""
    message = f"{what}; set REX_CONFORMANCE_DIR or provide ../shared/conformance/miwg with " \
              f"the 21 reference models of {SOURCE}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
