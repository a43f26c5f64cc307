"""The GBZ codec on constructed payloads: structure, failures and their error types."""

from __future__ import annotations

import json

import pytest

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.gbz import (
    ClusterCommand,
    DefaultResponse,
    EncryptedGbzComponent,
    FirmwareImageHash,
    FutureDatedOutcome,
    GbzAlert,
    GbzComponent,
    GbzHeader,
    GbzPayload,
    IntegrityIssueWarning,
    RawAlertBody,
    RawPayload,
    ReadAttributeRecord,
    ReadAttributesResponse,
    WriteAttributesResponse,
    WriteAttributeStatusRecord,
    ZclDataType,
    ZclFrame,
    ZclHeader,
    ZclStatus,
    ZclValue,
    decode,
    encode,
)
from opendcc.gbcs.gbz import builders as b
from opendcc.gbcs.gbz.fields import Record


def ctx(cra: Cra = Cra.RESPONSE, use_case: str | None = None, decrypt=None) -> PayloadContext:  # type: ignore[no-untyped-def]
    return PayloadContext(cra, 0x0074, use_case, Eui64(1), Eui64(2), 7, decrypt)


def round_trip(p: GbzPayload, cra: Cra = Cra.RESPONSE) -> GbzPayload:
    data = encode(p)
    back = decode(data, ctx(cra, p.use_case))
    assert encode(back) == data
    assert GbzPayload.from_json(json.loads(json.dumps(back.to_json()))) == back
    return back


def test_header_flags_and_lengths_on_the_wire() -> None:
    frame = b.read_attributes("Metering", "CurrentSummationDelivered")
    p = b.command_payload(b.component("Metering", frame, from_date_time=0x01020304))
    assert p.header == GbzHeader(0x0109, 1)
    assert p.components[0].control == 0x11  # last, from-date-time present
    assert encode(p).hex() == "0109011107020009010203040000000000"


def test_every_zcl_value_type_round_trips() -> None:
    values = [
        ZclValue(ZclDataType.BOOLEAN, 1),
        ZclValue.uint(48, (1 << 48) - 1),
        ZclValue.int_(24, -(1 << 23)),
        ZclValue.int_(32, -5),
        ZclValue.enum8(3),
        ZclValue.bitmap(64, 1 << 63),
        ZclValue(ZclDataType.SINGLE_PRECISION, 0x3F800000),
        ZclValue.octets(b"\x00\xff"),
        ZclValue.octets(None),
        ZclValue.text("E-ON"),
        ZclValue(ZclDataType.LONG_OCTET_STRING, b"x" * 300),
        ZclValue(ZclDataType.DATE, bytes([115, 4, 5, 0xFF])),
        ZclValue.utc(0x1C374A80),
        ZclValue(ZclDataType.IEEE_ADDRESS, 0x00DB1234567890A1),
        ZclValue(ZclDataType.SECURITY_KEY_128, bytes(16)),
        ZclValue(ZclDataType.ARRAY, (ZclValue.uint(8, 1), ZclValue.uint(8, 2)), ZclDataType.UINT8),
        ZclValue(ZclDataType.STRUCTURE, (ZclValue.uint(16, 7), ZclValue.text("a"))),
        ZclValue(ZclDataType.NO_DATA, None),
    ]
    records = tuple(ReadAttributeRecord(i, ZclStatus.SUCCESS, v) for i, v in enumerate(values))
    header = ZclHeader(0x08, 0, 0x01)
    p = GbzPayload((GbzComponent(0xFC00, ZclFrame(header, ReadAttributesResponse(records)), True),))
    back = round_trip(p)
    assert back.components[0].frame.payload == ReadAttributesResponse(records)  # type: ignore[union-attr]


def test_unknown_commands_and_mismatched_layouts_stay_raw_and_exact() -> None:
    unknown = ZclFrame(ZclHeader(0x09, 0, 0x7F), RawPayload(b"\x01\x02"))
    truncated = ZclFrame(ZclHeader(0x09, 1, 0x0D), RawPayload(b"\x02"))  # StartSamplingResponse
    trailing = ZclFrame(ZclHeader(0x09, 2, 0x0D), RawPayload(b"\x02\x00\x99"))
    manufacturer = ZclFrame(ZclHeader(0x0D, 3, 0x0D, 0x1234), RawPayload(b"\x02\x00"))
    p = b.response_payload(
        *(GbzComponent(0x0702, f) for f in (unknown, truncated, trailing, manufacturer))
    )
    back = round_trip(p)
    notes = [c.frame.payload.note for c in back.components]  # type: ignore[union-attr]
    assert notes[0] == "no layout for this cluster command"
    assert notes[1] is not None and "truncated" in notes[1]
    assert notes[2] == "1 bytes left after the payload"
    assert notes[3] == "manufacturer-specific command"


def test_write_attributes_response_forms() -> None:
    lone = WriteAttributesResponse((WriteAttributeStatusRecord(0),))
    listed = WriteAttributesResponse(
        (WriteAttributeStatusRecord(0x86, 0x0307), WriteAttributeStatusRecord(0x87, 1))
    )
    for payload in (lone, listed):
        frame = ZclFrame(ZclHeader(0x08, 0, 0x04), payload)
        back = round_trip(b.response_payload(GbzComponent(0x0702, frame)))
        assert back.components[0].frame.payload == payload  # type: ignore[union-attr]
    bad = WriteAttributesResponse(
        (WriteAttributeStatusRecord(0), WriteAttributeStatusRecord(0x86, 1))
    )
    with pytest.raises(GbcsEncodeError):
        encode(b.response_payload(GbzComponent(0x0702, ZclFrame(ZclHeader(0x08, 0, 0x04), bad))))


def test_alert_bodies() -> None:
    bodies = [
        FutureDatedOutcome(0x006B, 1005, 0x0700, 0x09, 0x06),
        FirmwareImageHash(0x0920, bytes(range(32))),
        IntegrityIssueWarning(5),
        RawAlertBody(b"\x01\x02\x03"),
    ]
    codes = [0x8F66, 0x8F72, 0x81A0, 0x8F1F]
    for code, body in zip(codes, bodies, strict=True):
        p = b.alert_payload(code, 0x1C374A80, body)
        back = round_trip(p, Cra.ALERT)
        assert back.alert == GbzAlert(code, 0x1C374A80, body)
        assert back.component_count is None


def test_alert_with_component_and_odd_count_byte() -> None:
    frame = b.cluster_command("Metering", "StartSamplingResponse", sample_id=2)
    p = b.alert_payload(0x8F0A, 5, None, [b.component("Metering", frame)])
    back = round_trip(p, Cra.ALERT)
    assert back.components[0].last is True
    odd = GbzPayload((), GbzAlert(0x8F30, 5), component_count=3, cra=Cra.ALERT)
    assert round_trip(odd, Cra.ALERT).component_count == 3


def test_encrypted_component_block_and_decryptor_contract() -> None:
    header = ZclHeader(0x18, 0, 0x01)
    c = EncryptedGbzComponent(0x0702, header, bytes(range(20)), invocation_counter=7, last=True)
    assert c.block == b"\x31\x00\x00\x00\x07" + bytes(range(20))
    seen: list[bytes] = []
    plain = b"\x00\x00\x00\x25\x39\x30\x00\x00\x00\x00"

    def decrypt(block: bytes) -> bytes | None:
        seen.append(block)
        return plain

    p = GbzPayload((c,))
    back = decode(encode(p), ctx(decrypt=decrypt))
    assert seen == [c.block]
    component = back.components[0]
    assert isinstance(component, EncryptedGbzComponent)
    assert component.plaintext == ReadAttributesResponse(
        (ReadAttributeRecord(0, ZclStatus.SUCCESS, ZclValue.uint(48, 12345)),)
    )
    assert encode(back) == encode(p)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "truncated GBZ profile id"),
        (b"\x01\x08\x00", "not a GBZ payload"),
        (b"\x01\x09", "truncated GBZ component count"),
        (b"\x01\x09\x02\x01\x07\x02\x00\x03\x00\x00\x0b", "announces 2 components"),
        (b"\x01\x09\x01\x01\x07\x02\x00\x09\x00\x00", "truncated GBZ component"),
        (b"\x01\x09\x01\x03\x07\x02\x00\x05\x00\x00\x18\x00\x01", "truncated length of ciphered"),
        (
            bytes.fromhex("0109010307020010000018000100093100000000" + "00" * 4),
            "ciphered information",
        ),
    ],
)
def test_bad_payloads_raise_gbcs_decode_error(data: bytes, reason: str) -> None:
    with pytest.raises(GbcsDecodeError) as info:
        decode(data, ctx())
    assert reason in str(info.value)


def test_decode_refuses_non_bytes() -> None:
    with pytest.raises(GbcsDecodeError):
        decode("0109", ctx())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda: GbzComponent(0x10000, ZclFrame(ZclHeader(0, 0, 0), RawPayload(b""))),
        lambda: GbzComponent(
            0x0702, ZclFrame(ZclHeader(0, 0, 0), RawPayload(b"")), reserved_control_bits=0x02
        ),
        lambda: ZclHeader(0x04, 0, 0),
        lambda: ZclHeader(0x100, 0, 0),
        lambda: EncryptedGbzComponent(0x0702, ZclHeader(0, 0, 0), b"short"),
        lambda: ReadAttributeRecord(0, ZclStatus.SUCCESS, None),
        lambda: ZclValue.uint(8, 256),
        lambda: ZclValue(ZclDataType.ARRAY, (ZclValue.uint(8, 1),), ZclDataType.UINT16),
        lambda: GbzAlert(0x10000, 0),
        lambda: FirmwareImageHash(0, b"short"),
    ],
)
def test_invalid_structures_raise_gbcs_encode_error(make: object) -> None:
    with pytest.raises(GbcsEncodeError):
        make()  # type: ignore[operator]


def test_cluster_command_must_fit_its_header() -> None:
    wrong = ZclFrame(
        ZclHeader(0x09, 0, 0x0D), ClusterCommand("PublishSnapshot", Record.of(sample_id=1))
    )
    with pytest.raises(GbcsEncodeError):
        encode(GbzPayload((GbzComponent(0x0702, wrong, True),)))
    default = ZclFrame(ZclHeader(0x09, 0, 0x0D), DefaultResponse(0, 0))
    with pytest.raises(GbcsEncodeError):
        encode(GbzPayload((GbzComponent(0x0702, default, True),)))


@pytest.mark.parametrize(
    "obj",
    [
        None,
        {"format": "dlms"},
        {"components": "x"},
        {"components": [{"cluster_id": 1}]},
        {
            "components": [
                {
                    "cluster_id": 1,
                    "header": {"frame_control": 0, "command_id": 0},
                    "payload": {"type": "Nope"},
                }
            ]
        },
        {
            "components": [
                {
                    "cluster_id": 1,
                    "header": {"frame_control": 0, "command_id": 0},
                    "payload": {"type": "Raw", "hex": "zz"},
                }
            ]
        },
        {"cra": "sideways"},
        {"alert": {"alert_code": "x", "timestamp": 0}},
    ],
)
def test_from_json_refuses_malformed_input(obj: object) -> None:
    with pytest.raises(GbcsEncodeError):
        GbzPayload.from_json(obj)


def test_json_accepts_hex_numbers_and_text_values() -> None:
    obj = {
        "format": "gbz",
        "cra": "response",
        "components": [
            {
                "cluster_id": "0x0000",
                "last": True,
                "header": {"frame_control": "0x08", "command_id": 1},
                "payload": {
                    "type": "ReadAttributesResponse",
                    "records": [
                        {
                            "id": 4,
                            "status": 0,
                            "value": {"type": "character_string", "text": "E-ON"},
                        }
                    ],
                },
            }
        ],
    }
    p = GbzPayload.from_json(obj)
    assert encode(p).hex() == "010901010000000c0800010400004204" + b"E-ON".hex()


def test_every_command_layout_follows_the_codec_rules() -> None:
    from opendcc.gbcs.gbz.clusters import CLUSTERS
    from opendcc.gbcs.gbz.fields import layout_problems

    for d in CLUSTERS.values():
        for table, server_to_client in ((d.client_commands, False), (d.server_commands, True)):
            for command_id, command in table.items():
                assert command.command_id == command_id
                assert command.server_to_client is server_to_client, command.name
                assert layout_problems(command.fields) == [], command.name
        for attribute_id, attribute in d.attributes.items():
            assert attribute.attribute_id == attribute_id
    names = [
        c.name
        for d in CLUSTERS.values()
        for c in (*d.client_commands.values(), *d.server_commands.values())
    ]
    assert len(names) == len(set(names)), "command names are unique across clusters"
