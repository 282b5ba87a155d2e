"""Shipped retention policies (TOML package data) and the locator that finds one by name or path.

No logic beyond finding the bytes: parsing and validation live in ``retention.policy``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT = "engage-sla-2024"


def shipped() -> list[str]:
    """Names of the policies shipped with rex."""
    return sorted(p.name.removesuffix(".toml") for p in files(__name__).iterdir()
                  if p.name.endswith(".toml"))


def locate(name_or_path: str) -> tuple[bytes, str] | None:
    """(bytes, source) of a shipped name or an existing path; None when neither exists."""
    if name_or_path in shipped():
        resource = files(__name__).joinpath(f"{name_or_path}.toml")
        return resource.read_bytes(), f"policies/{name_or_path}.toml"
    path = Path(name_or_path)
    if path.is_file():
        return path.read_bytes(), str(path)
    return None
