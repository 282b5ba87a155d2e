"""Tenant ids are safe names: they become folders, zip entries and object keys."""

from __future__ import annotations

import pytest

from retention.errors import InputError
from retention.tenant_ids import check_tenant_id, is_tenant_id


@pytest.mark.parametrize("value", ["acme", "acme-bv", "a", "t", "0", "acme.bv", "acme_2",
                                   "miwg-a.1.0", "a" * 63, "a.b.c"])
def test_safe_names_are_accepted(value: str) -> None:
    assert check_tenant_id(value, "tenant add") == value


@pytest.mark.parametrize("value", ["", "../../x", "..", ".", "a..b", "a/b", "a\\b", ".hidden",
                                   "-dash", "_x", "Acme", "acme bv", " acme", "acme\n",
                                   "a" * 64, "acmé", "a:b", "a*b", "a\x00b", "%2e%2e"])
def test_unsafe_names_are_refused_with_exit_2_saying_what_is_allowed(value: str) -> None:
    assert not is_tenant_id(value)
    with pytest.raises(InputError) as refused:
        check_tenant_id(value, "tenant add")
    message = str(refused.value)
    assert refused.value.exit_code == 2 and "\n" not in message
    assert message.startswith(f"tenant add: {value!r} is not a valid tenant id; use 1 to 63 "
                              "lowercase letters, digits, '.', '_' or '-'")
