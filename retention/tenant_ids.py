"""Tenant ids: they name folders, zip entries, object keys and ledger subjects, so only safe names.

1 to 63 characters: lowercase letters, digits, '.', '_' and '-', starting with a letter or a
digit, never '..' (so never a path that climbs out of its folder).
"""

from __future__ import annotations

import re

from retention.errors import InputError

_TENANT_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
ALLOWED = ("1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or "
           "digit, without '..' (like acme or acme-bv)")


def is_tenant_id(value: str) -> bool:
    return _TENANT_ID.fullmatch(value) is not None and ".." not in value


def check_tenant_id(value: str, where: str) -> str:
    """``value`` if it is a safe tenant id, else InputError (exit 2) saying what is allowed."""
    if not is_tenant_id(value):
        raise InputError(f"{where}: {value!r} is not a valid tenant id; use {ALLOWED}")
    return value
