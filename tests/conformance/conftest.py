"""The MIWG folder as a fixture (skips, or fails under CI=true, when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from miwg_paths import conformance_dir, missing


@pytest.fixture(scope="session")
def miwg_dir() -> Path:
    folder = conformance_dir() / "miwg"
    if not folder.is_dir() or not list(folder.glob("*.bpmn")):
        missing(f"no MIWG models at {folder}")
    return folder
