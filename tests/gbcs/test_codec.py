"""Message-level decode, its JSON, and JSON back to bytes."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.gbcs import build
from opendcc.gbcs.codec import decode, encode_json, message_from_json
from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.frame import GbcsMessage, encode_message
from opendcc.gbcs.security import GbcsSecurity
from tests.gbcs.conftest import ESME, SUPPLIER, keystore_for
from tests.gbcs.strategies import messages

READ = bytes.fromhex("D9200003E800010300")


def _command(hub: GbcsSecurity) -> bytes:
    return build.command(
        READ, originator=SUPPLIER, recipient=ESME, counter=1000, message_code=0x27, security=hub
    ).encode()


def test_decode_json_has_the_contract_fields(hub: GbcsSecurity, esme: GbcsSecurity) -> None:
    out = decode(_command(hub), esme).to_json()
    assert out["cra"] == "command"
    assert out["message_code"] == 0x27 and out["use_case"] == "ECS17b"
    assert out["originator"] == "90-B3-D5-1F-30-01-00-00"
    assert out["recipient"] == "00-DB-12-34-56-78-90-A0"
    assert out["counter"] == 1000
    assert out["mac_valid"] is True and out["signature_valid"] is None
    assert out["payload"]["format"] in ("dlms", "raw")
    json.dumps(out)  # JSON-safe


def test_without_a_keystore_nothing_is_checked(hub: GbcsSecurity) -> None:
    decoded = decode(_command(hub))
    assert decoded.mac.valid is None and decoded.mac.detail == "no keystore"
    assert decoded.signature.valid is None


def test_json_round_trip_and_recomputation(hub: GbcsSecurity) -> None:
    data = _command(hub)
    obj = json.loads(json.dumps(decode(data).to_json()))
    assert encode_json(obj) == data
    obj["mac"] = None
    with pytest.raises(GbcsEncodeError, match="MAC"):
        encode_json(obj)
    assert encode_json(obj, hub) == data
    obj["mac"] = "00" * 12
    assert encode_json(obj) != data
    assert encode_json(obj, hub, recompute_mac=True) == data
    signed = decode(encode_json(obj, hub, sign=True), GbcsSecurity(keystore_for(ESME)))
    assert signed.signature.valid is True and signed.mac.valid is True
    with pytest.raises(GbcsEncodeError, match="keystore"):
        encode_json(obj, None, sign=True)


def _base(hub: GbcsSecurity) -> dict[str, Any]:
    return json.loads(json.dumps(decode(_command(hub)).to_json()))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"cra": "request"}, "cra"),
        ({"counter": None}, "counter"),
        ({"counter": "many"}, "counter"),
        ({"originator": "90-B3"}, "originator"),
        ({"message_code": True}, "message_code"),
        ({"mac": "XYZ"}, "mac"),
        ({"payload": "D920"}, "payload"),
        ({"date_time": {"hex": "07DF"}}, "date_time"),
        (
            {"date_time": {"hex": "07DF0101FF000000008000FF", "iso": "2016-01-01T00:00:00"}},
            "differ",
        ),
        ({"date_time": 5}, "date_time"),
        ({"mac_header": "yes"}, "mac_header"),
        ({"supplementary_remote_party_counter": 5}, "supplementary"),
    ],
)
def test_bad_json_says_which_field(hub: GbcsSecurity, change: dict[str, Any], reason: str) -> None:
    obj = _base(hub) | change
    with pytest.raises(GbcsEncodeError, match=reason):
        encode_json(obj)


def test_date_time_from_iso(hub: GbcsSecurity) -> None:
    obj = _base(hub) | {"date_time": "2024-01-02T03:04:05"}
    message = message_from_json(obj)
    assert message.header.date_time is not None
    assert message.header.date_time.iso() == "2024-01-02T03:04:05"
    with pytest.raises(GbcsEncodeError):
        message_from_json([])


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_random_messages_round_trip_through_json(message: GbcsMessage) -> None:
    data = encode_message(message)
    obj = json.loads(json.dumps(decode(data).to_json()))
    assert encode_json(obj) == data


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_input_only_raises_the_typed_error(hub: GbcsSecurity, data: bytes) -> None:
    with contextlib.suppress(GbcsDecodeError):
        decode(data, hub)


def test_truncations_only_raise_the_typed_error(hub: GbcsSecurity, esme: GbcsSecurity) -> None:
    data = build.response_to(
        GbcsMessage(decode(_command(hub)).message.header, READ, mac=bytes(12)),
        b"\xda" + bytes(40),
        security=esme,
        date_time=None,
    ).encode()
    for cut in range(len(data)):
        with pytest.raises(GbcsDecodeError):
            decode(data[:cut], hub)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_hostile_json_only_raises_the_typed_error(hub: GbcsSecurity, data: st.DataObject) -> None:
    obj = _base(hub)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        key = data.draw(st.sampled_from([*obj.keys(), "payload", "extra"]))
        obj[key] = data.draw(json_values)
    with contextlib.suppress(GbcsEncodeError):
        encode_json(obj, hub if data.draw(st.booleans()) else None)
