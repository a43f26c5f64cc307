"""The JSON form of payloads, and the generic DER tree for payloads no structure matches."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.der import (
    DerNode,
    DerPayload,
    DerTree,
    DeviceType,
    JoinDeviceCommand,
    JoinDeviceResponse,
    JoinMethodAndRole,
    JoinResponseCode,
    SetTimeResponse,
    TagClass,
    decode,
    encode,
)

_UNKNOWN = PayloadContext(Cra.RESPONSE, 0xFFFF, None, Eui64(0), Eui64(0), 0)
_JOIN = PayloadContext(Cra.RESPONSE, 0x000D, None, Eui64(0), Eui64(0), 0)


def _join_json() -> dict[str, Any]:
    command = JoinDeviceCommand(
        JoinMethodAndRole.METHOD_B, Eui64.parse("00-DB-12-34-56-78-90-9C"), DeviceType.GPF
    )
    return DerPayload(command, use_case="CS03B").to_json()


def test_json_form_has_the_structure_and_a_values_view() -> None:
    obj = _join_json()
    assert obj == {
        "format": "der",
        "use_case": "CS03B",
        "type": "JoinDeviceCommand",
        "length_form": "minimal",
        "structure": {
            "join_method_and_role": 2,
            "other_device_entity_id": "00-DB-12-34-56-78-90-9C",
            "other_device_type": 3,
            "other_device_certificate": None,
        },
        "values": {
            "join_method_and_role": "methodB",
            "other_device_entity_id": "00-DB-12-34-56-78-90-9C",
            "other_device_type": "communicationsHubGasProxyFunction",
        },
    }
    assert json.loads(json.dumps(obj)) == obj


def test_from_json_ignores_values_and_rebuilds_typed_members() -> None:
    obj = _join_json()
    obj["values"] = {"join_method_and_role": "nonsense"}
    payload = DerPayload.from_json(obj)
    assert isinstance(payload.body, JoinDeviceCommand)
    assert payload.body.join_method_and_role is JoinMethodAndRole.METHOD_B
    assert payload.body.other_device_type is DeviceType.GPF
    assert payload.use_case == "CS03B"


def test_unknown_codes_stay_numbers_through_decode_values_and_json() -> None:
    payload = decode(bytes.fromhex("020163"), _JOIN)
    assert payload.body == JoinDeviceResponse(99)
    assert payload.named_values() == {"response_code": 99, "succeeded": False}
    assert DerPayload.from_json(payload.to_json()) == payload
    assert decode(bytes.fromhex("020100"), _JOIN).body == JoinDeviceResponse(
        JoinResponseCode.SUCCESS
    )


def _broken(path: tuple[str, ...], value: object) -> dict[str, Any]:
    obj = _join_json()
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return obj


@pytest.mark.parametrize(
    "obj",
    [
        {},
        {**_join_json(), "format": "dlms"},
        {**_join_json(), "type": "NoSuchStructure"},
        {**_join_json(), "type": 7},
        {**_join_json(), "length_form": "sideways"},
        {**_join_json(), "use_case": 5},
        {**_join_json(), "structure": []},
        _broken(("structure", "join_method_and_role"), "methodB"),
        _broken(("structure", "join_method_and_role"), True),
        _broken(("structure", "other_device_entity_id"), "00-DB"),
        _broken(("structure", "other_device_entity_id"), 12),
        _broken(("structure", "other_device_certificate"), {"der": "zz"}),
        _broken(("structure", "other_device_certificate"), {"der": "3000", "x": 1}),
        _broken(("structure", "unexpected"), 1),
        {**_join_json(), "structure": {"join_method_and_role": 0}},
    ],
)
def test_bad_json_is_refused_with_gbcs_decode_error(obj: dict[str, Any]) -> None:
    with pytest.raises(GbcsDecodeError):
        DerPayload.from_json(obj)


def test_times_in_json_are_utc_and_must_carry_a_zone() -> None:
    payload = DerPayload(SetTimeResponse(datetime(2015, 1, 1, tzinfo=UTC), 0))
    obj = payload.to_json()
    assert obj["structure"]["device_time"] == "2015-01-01T00:00:00Z"
    assert DerPayload.from_json(obj) == payload
    obj["structure"]["device_time"] = "2015-01-01T00:00:00"
    with pytest.raises(GbcsDecodeError, match="timezone"):
        DerPayload.from_json(obj)
    obj["structure"]["device_time"] = "yesterday"
    with pytest.raises(GbcsDecodeError):
        DerPayload.from_json(obj)


def test_generic_tree_keeps_tags_lengths_and_content() -> None:
    data = bytes.fromhex(
        "3082001b"  # SEQUENCE, length in the two-octet form
        "0603550403"  # OID 2.5.4.3
        "0c026869"  # UTF8String "hi"
        "0101ff"  # BOOLEAN true
        "0500"  # NULL
        "9f2201aa"  # [34] IMPLICIT, high tag number
        "4100"  # [APPLICATION 1]
        "020180"  # INTEGER -128
        "c1020102"  # [PRIVATE 1]
    )
    payload = decode(data, _UNKNOWN)
    assert isinstance(payload.body, DerTree)
    (root,) = payload.body.elements
    assert root.length_octets == 2
    assert [(c.tag_class, c.tag_number) for c in root.children] == [
        (TagClass.UNIVERSAL, 6),
        (TagClass.UNIVERSAL, 12),
        (TagClass.UNIVERSAL, 1),
        (TagClass.UNIVERSAL, 5),
        (TagClass.CONTEXT, 34),
        (TagClass.APPLICATION, 1),
        (TagClass.UNIVERSAL, 2),
        (TagClass.PRIVATE, 1),
    ]
    assert payload.named_values() == {
        "elements": [["2.5.4.3", "hi", True, None, "aa", "", -128, "0102"]]
    }
    assert encode(payload) == data
    assert DerPayload.from_json(json.loads(json.dumps(payload.to_json()))) == payload


def test_generic_tree_holds_several_top_level_elements() -> None:
    data = bytes.fromhex("05000201010201ff")
    payload = decode(data, _UNKNOWN)
    assert payload.named_values() == {"elements": [None, 1, -1]}
    assert encode(payload) == data


@pytest.mark.parametrize(
    "data",
    [
        "",  # nothing
        "1f8001",  # high tag number with a leading 0x80 octet
        "1f0500",  # high tag form for a low tag number
        "1f",  # truncated tag
        "1f8f",  # truncated high tag number
        "3003050000",  # constructed content that overruns
        "04",  # no length
    ],
)
def test_not_der_at_all_raises_gbcs_decode_error(data: str) -> None:
    with pytest.raises(GbcsDecodeError):
        decode(bytes.fromhex(data), _UNKNOWN)


@pytest.mark.parametrize(
    "tree",
    [
        DerTree(()),
        DerTree((DerNode(TagClass.UNIVERSAL, 16, True, content=b"\x00"),)),
        DerTree(
            (DerNode(TagClass.UNIVERSAL, 4, False, children=(DerNode(TagClass.UNIVERSAL, 5),)),)
        ),
        DerTree((DerNode(TagClass.UNIVERSAL, -1, False),)),
        DerTree((DerNode(TagClass.UNIVERSAL, 4, False, content=bytes(300), length_octets=1),)),
    ],
)
def test_generic_trees_that_cannot_be_written_raise_gbcs_encode_error(tree: DerTree) -> None:
    with pytest.raises(GbcsEncodeError):
        encode(DerPayload(tree))
