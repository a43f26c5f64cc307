"""Placed read faults (``reads_state.inject_read_fault``): where they strike, and that
they are spent like the plain ones. The reference ERROR Responses they reproduce are
compared in ``tests/catalogue/test_error_vectors_coverage.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from tests.reference import REFERENCE_DIR, check_present


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


def _statuses(decoded: object) -> list[tuple[str, int | None, int | None]]:
    payload = decoded.payload.to_json()  # type: ignore[attr-defined]
    out = []
    for component in payload["components"]:
        body = component.get("plaintext") or component.get("payload") or {}
        out.append((body["type"], body.get("command_id"), body.get("status")))
    return out


@pytest.mark.conformance
def test_a_fault_placed_at_a_zigbee_component_answers_those_before_it() -> None:
    from tests.catalogue.reads import test_device_responses as t

    path = REFERENCE_DIR / "gbcs" / "rtds" / "4.6.1_GCS16a" / "GCS16a_4.6.1_ERROR_RESPONSE_GBCS.HEX"
    check_present(path)
    three_days = (t.NOW - timedelta(days=3), t.NOW)
    answer = _statuses(t._answer(path, fault=True, place=4, period=three_days))
    assert len(answer) == 31
    assert [kind for kind, _, _ in answer[:3]] == ["ClusterCommand"] * 3  # three midnights
    assert answer[3] == ("DefaultResponse", 6, 0x8B)  # NOT_FOUND: nothing held at offset 3
    assert answer[4] == ("DefaultResponse", 6, 0xC0)  # the fault: HARDWARE_FAILURE
    assert set(answer[5:]) == {("DefaultResponse", 0xFF, 0x01)}  # not attempted: FAILURE
    healthy = _statuses(t._answer(path, period=three_days))
    assert healthy[:4] == answer[:4] and ("DefaultResponse", 6, 0xC0) not in healthy
