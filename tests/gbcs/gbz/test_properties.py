"""Properties: random GBZ structures round-trip; random or cut bytes only ever raise
``GbcsDecodeError`` (and whatever decodes re-encodes to the same bytes)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError, PayloadContext
from opendcc.gbcs.gbz import GbzPayload, decode, encode
from opendcc.gbcs.gbz.datatypes import ZclValue, read_value, write_value
from opendcc.gbcs.gbz.wire import Reader
from tests.gbcs.gbz.strategies import MESSAGE_CODE, payloads, zcl_values

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def context(cra: Cra) -> PayloadContext:
    return PayloadContext(cra, MESSAGE_CODE, None, Eui64(1), Eui64(2), 1)


@SETTINGS
@given(zcl_values())
def test_zcl_values_round_trip(value: ZclValue) -> None:
    out = bytearray()
    write_value(value, out)
    r = Reader(bytes(out))
    assert read_value(r, value.type) == value
    assert r.at_end()


@SETTINGS
@given(payloads())
def test_structures_round_trip(payload: GbzPayload) -> None:
    assert payload.cra is not None
    data = encode(payload)
    back = decode(data, context(payload.cra))
    assert back == payload
    assert encode(back) == data


@SETTINGS
@given(payloads())
def test_json_round_trips(payload: GbzPayload) -> None:
    obj = json.loads(json.dumps(payload.to_json()))
    assert GbzPayload.from_json(obj) == payload


def _decode_or_fail(data: bytes, cra: Cra) -> None:
    try:
        payload = decode(data, context(cra))
    except GbcsDecodeError:
        return
    assert encode(payload) == data
    json.dumps(payload.to_json())


@SETTINGS
@given(st.binary(max_size=64), st.sampled_from(list(Cra)))
def test_random_bytes_raise_only_decode_errors(data: bytes, cra: Cra) -> None:
    _decode_or_fail(data, cra)
    _decode_or_fail(b"\x01\x09" + data, cra)


@SETTINGS
@given(payloads(), st.data())
def test_cut_and_flipped_payloads_raise_only_decode_errors(
    payload: GbzPayload, data: st.DataObject
) -> None:
    assert payload.cra is not None
    encoded = encode(payload)
    cut = data.draw(st.integers(0, len(encoded)))
    _decode_or_fail(encoded[:cut], payload.cra)
    if encoded:
        index = data.draw(st.integers(0, len(encoded) - 1))
        flipped = bytearray(encoded)
        flipped[index] ^= data.draw(st.integers(1, 255))
        _decode_or_fail(bytes(flipped), payload.cra)


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(0, 255), st.integers(0, 0xFFFF), st.binary(min_size=5, max_size=30)),
        max_size=4,
    ),
    st.sampled_from([Cra.COMMAND, Cra.RESPONSE]),
)
def test_well_framed_random_zcl_round_trips(parts: list[tuple[int, int, bytes]], cra: Cra) -> None:
    """Any ZCL bytes inside correct GBZ framing decode (tables or raw) and re-encode exactly."""
    body = bytearray()
    for raw_control, cluster_id, zcl in parts:
        control = raw_control & ~0x12  # plain, no from-date-time: the bytes are all ZCL
        body += bytes([control]) + cluster_id.to_bytes(2, "big") + len(zcl).to_bytes(2, "big") + zcl
    data = b"\x01\x09" + bytes([len(parts)]) + bytes(body)
    payload = decode(data, context(cra))
    assert encode(payload) == data
