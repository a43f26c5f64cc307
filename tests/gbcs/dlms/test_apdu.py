"""The APDUs: wire layout, builders, JSON form, and hostile input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    AccessResponse,
    ActionResult,
    Apdu,
    DataAccessResult,
    DataNotification,
    Get,
    GetResult,
    InvokeIdAndPriority,
    Set,
)
from opendcc.gbcs.dlms.apdu_codec import decode_apdu, encode_apdu
from opendcc.gbcs.dlms.data import DoubleLongUnsigned, EncryptedOctetString, OctetString, Structure
from opendcc.gbcs.dlms.payload import DlmsPayload, decode, encode
from opendcc.gbcs.dlms.units import Unit
from opendcc.gbcs.dlms.values import Quantity
from tests.gbcs.dlms.strategies import apdus

SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
METER = Eui64.parse("00-DB-12-34-56-78-90-A0")


def context(use_case: str | None = None, decrypt: object = None) -> PayloadContext:
    return PayloadContext(
        cra=Cra.RESPONSE,
        message_code=0x0026,
        use_case=use_case,
        originator=METER,
        recipient=SUPPLIER,
        originator_counter=1200,
        decrypt=decrypt,  # type: ignore[arg-type]
    )


def ecs17a_request() -> AccessRequest:
    return b.access_request(
        1200,
        [
            b.get(3, "1-0:2.8.0.255", 2),
            b.get(3, "1-0:2.8.0.255", 3),
            b.get(3, "1-0:4.8.0.255", 2),
            b.get(3, "1-0:4.8.0.255", 3),
        ],
    )


def test_access_request_layout() -> None:
    encoded = encode_apdu(ecs17a_request())
    # tag, invoke id 0x200004B0 (break on error, id = counter), empty date-time, 4 gets,
    # then 4 null-data.
    assert encoded.hex() == (
        "d9"
        "200004b0"
        "00"
        "04"
        "0100030100020800ff02"
        "0100030100020800ff03"
        "0100030100040800ff02"
        "0100030100040800ff03"
        "04"
        "00000000"
    )
    assert decode_apdu(encoded) == ecs17a_request()


def test_access_response_built_for_a_request() -> None:
    response = b.access_response_for(
        ecs17a_request(),
        [
            b.get_ok(DoubleLongUnsigned(10)),
            b.get_ok(b.scaler_unit(0, Unit.WATT_HOUR)),
            b.get_ok(DoubleLongUnsigned(20)),
            b.get_error(DataAccessResult.OTHER_REASON),
        ],
    )
    encoded = encode_apdu(response)
    assert encoded.hex() == ("da200004b0000004060000000a02020f00161e0600000014000401000100010001fa")
    payload = decode(encoded, context("ECS17a"))
    assert payload.values["ActiveExportRegister"] == Quantity(10, 0, Unit.WATT_HOUR)
    # Its scaler_unit failed: the value still reads, in the unit GBCS fixes for it.
    assert payload.values["ReactiveExportRegister"] == Quantity(20, 0, Unit.VAR_HOUR)
    assert payload.values["ReactiveExportRegister.scaler_unit"].to_json() == {  # type: ignore[union-attr]
        "error": "other-reason",
        "code": 250,
    }


def test_response_builder_checks_kinds_and_counts() -> None:
    request = ecs17a_request()
    with pytest.raises(GbcsEncodeError):
        b.access_response_for(request, [b.get_ok(DoubleLongUnsigned(1))])
    with pytest.raises(GbcsEncodeError):
        b.access_response_for(request, [b.set_ok()] * 4)


def test_future_dated_command_carries_its_execution_time() -> None:
    when = dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC)
    request = b.access_request(
        1008, [b.set_(9000, "0-0:94.44.2.0", 6, b.date_time(when))], execute_at=when
    )
    encoded = encode_apdu(request)
    assert encoded[5:18] == bytes.fromhex("0c07ee010fff090000008000ff")
    assert decode_apdu(encoded) == request
    values = DlmsPayload(request).values
    assert values["ExecutionDateTime"] == when
    assert values["CurrencyUnit.activate_passive_value_time"] == when


def test_alert_builder_and_names() -> None:
    raised = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    alert = b.alert(
        2000,
        0x8F36,
        raised,
        b.date_time(raised - dt.timedelta(minutes=10)),
        b.date_time(raised - dt.timedelta(minutes=1)),
    )
    values = DlmsPayload(decode_apdu(encode_apdu(alert))).values
    assert values["AlertCode"] == "8F36"
    assert values["AlertName"] == "Supply Outage Restored"
    assert values["AlertDateTime"] == raised
    assert values["restorationValue"] == raised - dt.timedelta(minutes=1)


def test_invoke_id_and_priority_bits() -> None:
    invoke = InvokeIdAndPriority.from_int(0xF5123456)
    assert invoke.invoke_id == 0x123456
    assert invoke.high_priority and invoke.confirmed and invoke.break_on_error
    assert invoke.self_descriptive and invoke.reserved == 5
    assert int(invoke) == 0xF5123456
    assert int(InvokeIdAndPriority.for_counter(0x1_0000_03E8)) == 0x200003E8


@pytest.mark.parametrize(
    ("hex_form", "reason"),
    [
        ("", "truncated"),
        ("c0200003e8", "not a DLMS APDU"),
        ("d9200003e80001", "truncated"),
        ("d9200003e8050000", "date-time must be empty or 12"),
        ("d9200003e800010100010000000201ff020200", "2 entries for 1"),
        ("d9200003e8000109", "unknown access-request-specification"),
        ("da200003e80002", "optional flag"),
        ("da200003e8000001000201", "different numbers"),
        ("da200003e80000010001050000", "unknown access-response-specification"),
        ("0f200003e80007", "unknown data tag"),
        ("0f200003e8000000", "unexpected bytes"),
    ],
)
def test_malformed_apdus_are_refused_with_a_reason(hex_form: str, reason: str) -> None:
    with pytest.raises(GbcsDecodeError, match=reason):
        decode(bytes.fromhex(hex_form), context())


def test_results_outside_the_enumerations_are_kept() -> None:
    raw = bytes.fromhex("da200003e800000100010307")
    payload = decode(raw, context())
    assert isinstance(payload.apdu, AccessResponse)
    assert payload.apdu.responses[0].result == 7
    assert encode(payload) == raw


def test_ciphered_block_is_kept_and_decrypted_when_a_decryptor_is_given() -> None:
    plaintext = bytes.fromhex("02010600000064")
    block = bytes.fromhex("3100000007") + b"\xaa" * 6 + b"\xbb" * 12
    protected = b.protected_read_result(
        b.protection_parameters(1200, METER, SUPPLIER), EncryptedOctetString.parse(block)
    )
    raw = encode_apdu(b.access_response(1200, [protected]))
    seen: list[bytes] = []

    def decrypt(octets: bytes) -> bytes:
        seen.append(octets)
        return plaintext

    without = decode(raw, context())
    with_key = decode(raw, context(decrypt=decrypt))
    assert seen == [block]
    assert encode(without) == encode(with_key) == raw
    (cipher,) = with_key.ciphered
    assert cipher.invocation_counter == 7 and cipher.ciphertext == b"\xaa" * 6
    assert cipher.plaintext == Structure((DoubleLongUnsigned(100),))
    assert without.ciphered[0].plaintext is None
    assert with_key != without
    assert DlmsPayload.from_json(with_key.to_json()) == with_key


def test_a_failing_decryptor_becomes_a_decode_error() -> None:
    block = bytes.fromhex("3100000000") + b"\x00" * 16
    raw = encode_apdu(
        b.access_response(
            1,
            [
                b.protected_read_result(
                    b.protection_parameters(1, METER, SUPPLIER), EncryptedOctetString.parse(block)
                )
            ],
        )
    )

    def broken(_: bytes) -> bytes:
        raise KeyError("no key")

    with pytest.raises(GbcsDecodeError, match="decryption failed"):
        decode(raw, context(decrypt=broken))

    def garbage(_: bytes) -> bytes:
        return b"\xee"

    with pytest.raises(GbcsDecodeError, match="not A-XDR data"):
        decode(raw, context(decrypt=garbage))


def test_an_octet_string_starting_0x31_elsewhere_is_not_a_ciphered_block() -> None:
    text = OctetString(b"1" * 20)
    raw = encode_apdu(
        b.access_response(1, [GetResult(DataAccessResult.SUCCESS, Structure((text,)))])
    )
    payload = decode(raw, context(decrypt=lambda _: pytest.fail("not a block")))
    assert payload.ciphered == []


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"format": "zigbee"},
        {"format": "dlms", "apdu": {"type": "access-request"}},
        {"format": "dlms", "apdu": {"type": "x", "invoke": {}}},
        {
            "format": "dlms",
            "apdu": {
                "type": "data-notification",
                "invoke": {
                    "id": 1,
                    "break_on_error": True,
                    "confirmed": False,
                    "high_priority": False,
                    "self_descriptive": False,
                },
                "date_time": None,
                "body": {"type": "unsigned", "value": 300},
            },
        },
        {
            "format": "dlms",
            "apdu": {
                "type": "data-notification",
                "invoke": {
                    "id": 1,
                    "break_on_error": True,
                    "confirmed": False,
                    "high_priority": False,
                    "self_descriptive": False,
                },
                "date_time": None,
                "body": {"type": "octet-string", "hex": "zz"},
            },
        },
    ],
)
def test_from_json_refuses_what_it_cannot_read(document: object) -> None:
    with pytest.raises(GbcsDecodeError):
        DlmsPayload.from_json(document)


def test_encode_refuses_values_gbcs_cannot_carry() -> None:
    with pytest.raises(GbcsEncodeError):
        encode("not a payload")  # type: ignore[arg-type]
    with pytest.raises(GbcsEncodeError):
        b.access_request(0x1_0000_0000_0000, [])  # counter is fine: only 24 bits are used
        InvokeIdAndPriority(1 << 24)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(apdus)
def test_random_apdus_round_trip_through_bytes_and_json(apdu: Apdu) -> None:
    raw = encode_apdu(apdu)
    payload = decode(raw, context())
    assert encode(payload) == raw
    document = json.loads(json.dumps(payload.to_json()))
    assert encode(DlmsPayload.from_json(document)) == raw
    assert isinstance(payload.values.to_json(), dict)  # naming never raises


@settings(max_examples=300)
@given(st.binary(max_size=120).map(lambda tail: bytes([0xD9, 0x20, 0, 0, 1]) + tail))
def test_random_bytes_after_an_apdu_header_raise_only_decode_errors(raw: bytes) -> None:
    try:
        payload = decode(raw, context())
    except GbcsDecodeError:
        return
    assert encode(payload) == raw


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_decode_errors(raw: bytes) -> None:
    try:
        payload = decode(raw, context("ECS17b"))
    except GbcsDecodeError:
        return
    assert encode(payload) == raw
    assert isinstance(payload.values.to_json(), dict)


def test_get_set_kinds() -> None:
    assert isinstance(ecs17a_request().requests[0], Get)
    request = b.access_request(1, [b.set_(1, "0-0:94.44.0.1", 2, DoubleLongUnsigned(900))])
    assert isinstance(request.requests[0], Set)
    assert DataNotification(InvokeIdAndPriority(1), OctetString(b"")).date_time is None
    assert ActionResult.SUCCESS.label == "success"


def test_method_return_data_is_named() -> None:
    request = b.access_request(1, [b.action(104, "0-0:30.3.0.255", 4)])
    backup = b.structure(
        OctetString(bytes(range(8))),
        b.array([b.structure(b.eui(METER), OctetString(b"\x11" * 16))]),
    )
    response = b.access_response_for(request, [b.action_ok(backup)])
    values = DlmsPayload(response, "CCS07").values
    pan = values["CHFDeviceLog.backup_pan"]
    assert pan["devices"][0]["mac_address"] == str(METER)  # type: ignore[index]
    assert pan["extended_pan_id"] == bytes(range(8))  # type: ignore[index]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "value",
                    "items",
                    "hex",
                    "invoke",
                    "id",
                    "requests",
                    "responses",
                    "body",
                    "kind",
                    "class_id",
                    "instance",
                    "attribute_id",
                    "method_id",
                    "data",
                    "code",
                    "length",
                    "count",
                    "element",
                    "elements",
                    "description",
                    "ciphered",
                    "date_time",
                    "access",
                    "selector",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300)
@given(json_values)
def test_from_json_raises_only_decode_errors(apdu: object) -> None:
    try:
        payload = DlmsPayload.from_json({"format": "dlms", "apdu": apdu})
    except GbcsDecodeError:
        return
    DlmsPayload.from_json(json.loads(json.dumps(payload.to_json())))


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _replace(node: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: (_replace(v, rest, value) if k == head else v) for k, v in node.items()}
    assert isinstance(node, list)
    return [_replace(v, rest, value) if i == head else v for i, v in enumerate(node)]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(apdus, json_values, st.data())
def test_damaged_json_documents_raise_only_decode_errors(
    apdu: Apdu, replacement: object, draw: st.DataObject
) -> None:
    document = json.loads(json.dumps(DlmsPayload(apdu).to_json()))
    path = draw.draw(st.sampled_from(_paths(document)))
    damaged = _replace(document, path, replacement)
    try:
        payload = DlmsPayload.from_json(damaged)
    except GbcsDecodeError:
        return
    assert DlmsPayload.from_json(json.loads(json.dumps(payload.to_json()))) == payload
