"""Placed read faults (``reads_state.inject_read_fault``): where they strike, and that
they are spent like the plain ones. The reference ERROR Responses they reproduce are
compared in ``tests/catalogue/test_error_vectors_coverage.py``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opendcc.devices.reads_state import (
    EVERY_REQUEST,
    REFERENCE_POSITION,
    ReadFault,
    ReadFaults,
    inject_read_fault,
    take_read_fault,
)
from opendcc.devices.simulator import DeviceContext
from opendcc.devices.state import DeviceState
from tests.catalogue.reads.harness import DEVICES, ESME_ID, security


def test_every_request_fails_by_default() -> None:
    fault = ReadFault()
    assert [fault.status_of(i, 3) for i in range(3)] == ["fault"] * 3


def test_the_reference_place_is_the_next_to_last_request() -> None:
    fault = ReadFault(REFERENCE_POSITION)
    assert [fault.status_of(i, 4) for i in range(4)] == ["ok", "ok", "fault", "not-attempted"]
    assert fault.status_of(0, 1) == "fault"  # a single-request Command fails its request


def test_an_index_past_the_end_fails_the_last_request() -> None:
    fault = ReadFault(7)
    assert [fault.status_of(i, 3) for i in range(3)] == ["ok", "ok", "fault"]


def _context(state: DeviceState) -> DeviceContext:
    return DeviceContext(datetime(2026, 1, 1, tzinfo=UTC), state.device, state, security())


def test_a_placed_fault_is_spent_and_forgotten() -> None:
    state = DeviceState(DEVICES[ESME_ID])
    inject_read_fault(state, "ECS23", place=REFERENCE_POSITION, attribute="Divisor")
    assert state.get(ReadFaults).places == {"ECS23": [REFERENCE_POSITION, "Divisor"]}
    context = _context(state)
    assert take_read_fault(context, "ECS23") == ReadFault(REFERENCE_POSITION, "Divisor")
    assert take_read_fault(context, "ECS23") is None
    assert state.get(ReadFaults).places == {}
    inject_read_fault(state, "ECS23")
    assert take_read_fault(context, "ECS23") == ReadFault(EVERY_REQUEST, None)


def test_no_place_before_the_first_request_but_every_request() -> None:
    with pytest.raises(ValueError, match="no request"):
        inject_read_fault(DeviceState(DEVICES[ESME_ID]), "ECS23", place=-3)
