"""The SMI transition table's ``PRIOR`` row: a Suspended Device is reinstated to the status
it held immediately before its suspension (SEC modification MP105)."""

from __future__ import annotations

from opendcc.inventory.model import SmiStatus as S
from opendcc.inventory.request_rules import status_permits
from opendcc.inventory.transitions import (
    PRIOR,
    TRANSITIONS,
    InventoryEvent,
    TransitionRefused,
    needs_prior,
    next_status,
)

E = InventoryEvent


def test_reinstate_goes_back_to_a_status_suspension_leaves() -> None:
    assert TRANSITIONS[(S.SUSPENDED, E.REINSTATE)] is PRIOR
    assert needs_prior(S.SUSPENDED, E.REINSTATE)
    assert not needs_prior(S.SUSPENDED, E.DECOMMISSION)
    for before in (S.COMMISSIONED, S.INSTALLED_NOT_COMMISSIONED):
        assert next_status(before, E.SUSPEND) is S.SUSPENDED
        assert next_status(S.SUSPENDED, E.REINSTATE, before) is before


def test_reinstate_refuses_a_prior_status_the_table_does_not_lead_from() -> None:
    for prior in (None, S.DECOMMISSIONED, S.PENDING, S.SUSPENDED):
        refused = next_status(S.SUSPENDED, E.REINSTATE, prior)
        assert refused == TransitionRefused(S.SUSPENDED, E.REINSTATE, prior)
        assert "back to the status held before it" in str(refused)
    missing = next_status(S.COMMISSIONED, E.REINSTATE, S.SUSPENDED)
    assert missing == TransitionRefused(S.COMMISSIONED, E.REINSTATE)
    assert "Commissioned does not allow reinstate" in str(missing)


def test_suspended_devices_accept_only_the_firmware_requests() -> None:
    assert status_permits("11.2", S.SUSPENDED) is None
    assert status_permits("11.3", S.SUSPENDED) is None
    for variant in ("4.1.1", "6.15.1", "8.1.1", "7.1"):
        reason = status_permits(variant, S.SUSPENDED)
        assert reason == f"a Device in SMI status Suspended does not accept {variant}"
