"""Hostile Commands never crash a simulated Device: a payload its use case cannot read is
discarded, a readable one with odd values is answered (or discarded), nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.devices.simulator import Outcome
from opendcc.gbcs import build
from opendcc.gbcs.der import DerPayload, JoinDeviceCommand
from opendcc.gbcs.der import encode as encode_der
from tests.catalogue.security.estate import Hub
from tests.catalogue.security.reference import ACB, CHF_ID, ESME_ID, GPF_ID, GSME_ID, PPMID_ID

NOW = datetime(2025, 1, 1, tzinfo=UTC)
TARGETS = {
    0x0001: CHF_ID, 0x0002: CHF_ID, 0x0003: CHF_ID, 0x0004: CHF_ID, 0x010F: CHF_ID,
    0x00FE: CHF_ID, 0x0008: ESME_ID, 0x011B: ESME_ID, 0x0102: ESME_ID, 0x0104: ESME_ID,
    0x0107: ESME_ID, 0x0126: ESME_ID, 0x000A: ESME_ID, 0x000B: ESME_ID, 0x000C: ESME_ID,
    0x000D: ESME_ID, 0x000E: GSME_ID, 0x00AB: PPMID_ID, 0x00AF: GSME_ID, 0x000F: ESME_ID,
    0x0010: GSME_ID, 0x0013: GPF_ID, 0x008C: GPF_ID, 0x0012: ESME_ID, 0x0129: PPMID_ID,
    0x0059: ESME_ID, 0x0084: GSME_ID, 0x0062: ESME_ID, 0x007F: GSME_ID,
}  # fmt: skip

_hub: list[Hub] = []


def _shared_hub() -> Hub:
    if not _hub:
        _hub.append(Hub())
    return _hub[0]


_counter = [1_000_000]


@pytest.mark.conformance
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=st.sampled_from(sorted(TARGETS)),
    payload=st.one_of(
        st.binary(max_size=64),
        st.sampled_from([b"\x05\x00", b"\x30\x00", b"\x02\x01\x05", b"\x04\x08" + bytes(8)]),
    ),
)
def test_random_payloads_are_answered_or_discarded(code: int, payload: bytes) -> None:
    hub = _shared_hub()
    _counter[0] += 1
    target = TARGETS[code]
    message = build.command(
        payload,
        originator=ACB,
        recipient=target,
        counter=_counter[0],
        message_code=code,
        security=hub.security,
        signed=code in (0x00AB, 0x00AF, 0x000F),
    )
    result = hub.deliver(message.encode(), target, NOW)
    assert result.outcome in (Outcome.RESPONDED, Outcome.DISCARDED)


@pytest.mark.conformance
def test_odd_values_in_readable_payloads() -> None:
    hub = Hub()
    odd_join = JoinDeviceCommand(1, ESME_ID, 99)
    for code, target, body in ((0x00AB, PPMID_ID, odd_join),):
        message = build.command(
            encode_der(DerPayload(body)),
            originator=ACB,
            recipient=target,
            counter=7,
            message_code=code,
            security=hub.security,
            signed=True,
        )
        result = hub.deliver(message.encode(), target, NOW)
        values = hub.response(result).payload.to_json()["values"]
        assert values["response_code"] == "invalidJoinMethodAndRole"


def _reference_payloads() -> list[tuple[int, bytes]]:
    from opendcc.gbcs.frame import decode_message
    from tests.reference import REFERENCE_DIR

    found = []
    for path in sorted((REFERENCE_DIR / "gbcs" / "rtds").glob("*/*COMMAND_GBCS.HEX")):
        message = decode_message(bytes.fromhex(path.read_text().strip()))
        if message.message_code in TARGETS:
            found.append((message.message_code, message.payload))
    return found


PAYLOADS = _reference_payloads()


@pytest.mark.conformance
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=10_000),
    flips=st.lists(st.tuples(st.integers(0, 4096), st.integers(1, 255)), min_size=1, max_size=4),
)
def test_damaged_reference_payloads_are_answered_or_discarded(
    index: int, flips: list[tuple[int, int]]
) -> None:
    if not PAYLOADS:
        pytest.skip("reference vectors missing")
    code, original = PAYLOADS[index % len(PAYLOADS)]
    damaged = bytearray(original)
    for position, mask in flips:
        damaged[position % len(damaged)] ^= mask
    hub = _shared_hub()
    _counter[0] += 1
    target = TARGETS[code]
    message = build.command(
        bytes(damaged),
        originator=ACB,
        recipient=target,
        counter=_counter[0],
        message_code=code,
        security=hub.security,
        signed=True,
    )
    result = hub.deliver(message.encode(), target, NOW)
    assert result.outcome in (Outcome.RESPONDED, Outcome.DISCARDED)
