"""GBCS frames: every framing decodes to typed values and re-encodes to the same bytes; any
other input gives GbcsDecodeError and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.frame import (
    GbcsMessage,
    GroupingHeader,
    OtherInformation,
    decode_message,
    encode_message,
)
from tests.gbcs.strategies import messages

SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
ESME = Eui64.parse("00-DB-12-34-56-78-90-A0")


def _header(cra: Cra = Cra.COMMAND, **other: object) -> GroupingHeader:
    return GroupingHeader(
        cra=cra,
        originator_counter=1000,
        originator=SUPPLIER if cra is Cra.COMMAND else ESME,
        recipient=ESME if cra is Cra.COMMAND else SUPPLIER,
        other_information=OtherInformation(0x0027, **other),  # type: ignore[arg-type]
        date_time=None if cra is Cra.COMMAND else DlmsDateTime(2015, 1, 1),
    )


def test_mac_protected_command_layout() -> None:
    message = GbcsMessage(_header(), b"\xd9\x20", mac=bytes(range(12)))
    data = encode_message(message)
    assert data.hex().upper() == (
        "DD000000000000"
        "36"
        "1100000000"
        "DF09"
        "01"
        "00000000000003E8"
        "08"
        "90B3D51F30010000"
        "08"
        "00DB1234567890A0"
        "00"
        "02"
        "0027"
        "02"
        "D920"
        "00"
        "000102030405060708090A0B"
    )
    assert decode_message(data) == message


def test_response_with_date_time_and_signature() -> None:
    message = GbcsMessage(
        _header(Cra.RESPONSE), b"\xda" * 200, signature=b"\x11" * 64, mac_header=False
    )
    data = encode_message(message)
    assert data[:2] == b"\xdf\x09"
    assert bytes.fromhex("0C07DF0101FF000000008000FF") in data
    assert data[-65] == 0x40
    assert decode_message(data) == message


def test_long_lengths_use_the_der_forms() -> None:
    message = GbcsMessage(_header(), b"\x01" * 300, mac=bytes(12))
    data = encode_message(message)
    assert data[7:10] == bytes.fromhex("82") + (len(data) - 10).to_bytes(2, "big")
    assert bytes.fromhex("82012C") in data  # content length 300
    assert decode_message(data) == message


def test_pre_command_forms() -> None:
    """The reference form ends after the payload; DUIS's has a trailing 00. Both re-encode
    as received, and both sign the same bytes."""
    omitted = GbcsMessage(_header(), b"\xd9\x00", mac_header=False, signature_length_omitted=True)
    trailing = GbcsMessage(_header(), b"\xd9\x00", mac_header=False)
    assert encode_message(trailing) == encode_message(omitted) + b"\x00"
    for message in (omitted, trailing):
        assert decode_message(encode_message(message)) == message
    assert omitted.signed_bytes() == trailing.signed_bytes()


@pytest.mark.parametrize(
    ("other", "tail"),
    [
        ({}, "0027"),
        ({"supplementary_remote_party": SUPPLIER}, "002790B3D51F30010000"),
        (
            {"supplementary_remote_party": SUPPLIER, "supplementary_remote_party_counter": 5},
            "002790B3D51F300100000000000000000005",
        ),
        (
            {
                "supplementary_remote_party": SUPPLIER,
                "supplementary_remote_party_counter": 5,
                "supplementary_originator_counter": 2000,
            },
            "002790B3D51F30010000000000000000000500000000000007D0",
        ),
        (
            {
                "supplementary_remote_party": SUPPLIER,
                "supplementary_remote_party_counter": 5,
                "supplementary_remote_party_ka_certificate": bytes.fromhex("3003020100"),
            },
            "002790B3D51F3001000000000000000000053003020100",
        ),
        (
            {
                "supplementary_remote_party": SUPPLIER,
                "supplementary_remote_party_counter": 5,
                "supplementary_originator_counter": 7,
                "supplementary_remote_party_ka_certificate": bytes.fromhex("3003020100"),
            },
            "002790B3D51F30010000000000000000000500000000000000073003020100",
        ),
    ],
)
def test_other_information_layouts(other: dict[str, object], tail: str) -> None:
    info = OtherInformation(0x0027, **other)  # type: ignore[arg-type]
    assert bytes(info).hex().upper() == tail
    assert OtherInformation.from_bytes(bytes(info)) == info
    message = GbcsMessage(_header(**other), b"\x30\x00", mac=bytes(12))
    assert decode_message(encode_message(message)) == message


@pytest.mark.parametrize(
    "other",
    [
        {"supplementary_remote_party_counter": 1},
        {"supplementary_remote_party": SUPPLIER, "supplementary_originator_counter": 1},
        {
            "supplementary_remote_party": SUPPLIER,
            "supplementary_remote_party_counter": 1,
            "supplementary_remote_party_ka_certificate": b"\x04\x00",
        },
    ],
)
def test_other_information_refuses_layouts_it_could_not_read_back(
    other: dict[str, object],
) -> None:
    with pytest.raises(GbcsEncodeError):
        OtherInformation(0x0027, **other)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "content",
    ["", "00", "0027AA", "002790B3D51F30010000AA", "002790B3D51F300100000000000000000001AAAA"],
)
def test_other_information_malformed(content: str) -> None:
    with pytest.raises(GbcsDecodeError):
        OtherInformation.from_bytes(bytes.fromhex(content))


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"signature": b"\x00" * 63}, "signature"),
        ({"mac": b"\x00" * 11}, "MAC"),
        ({"mac": b"\x00" * 12, "mac_header": False}, "MAC"),
        ({"signature_length_omitted": True}, "omit"),
    ],
)
def test_message_refuses_inconsistent_fields(kwargs: dict[str, object], problem: str) -> None:
    with pytest.raises(GbcsEncodeError, match=problem):
        GbcsMessage(_header(), b"", **kwargs)  # type: ignore[arg-type]


def test_a_mac_protected_message_needs_its_mac_to_encode() -> None:
    with pytest.raises(GbcsEncodeError):
        encode_message(GbcsMessage(_header(), b"\xd9"))


def test_header_field_ranges() -> None:
    with pytest.raises(GbcsEncodeError):
        GroupingHeader(Cra.COMMAND, 1 << 64, SUPPLIER, ESME, OtherInformation(1))
    with pytest.raises(GbcsEncodeError):
        OtherInformation(0x10000)


VALID = encode_message(
    GbcsMessage(_header(), b"\xd9\x20\x00", signature=b"\x01" * 64, mac=bytes(12))
)
SIGNED = encode_message(GbcsMessage(_header(Cra.ALERT), b"\x0f\x00", b"\x02" * 64, None, False))


def _edit(data: bytes, offset: int, replacement: str) -> bytes:
    new = bytes.fromhex(replacement)
    return data[:offset] + new + data[offset + len(new) :]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x30\x00", "not a GBCS message"),
        (b"\xe0\x00\x00", "general block transfer"),
        (_edit(VALID, 1, "01"), "general-ciphering fields"),
        (VALID[:-1], "follow"),
        (VALID + b"\x00", "follow"),
        (_edit(VALID, 8, "12"), "security header"),
        (_edit(VALID, 14, "08"), "transaction-id"),
        (_edit(VALID, 15, "04"), "CRA"),
        (_edit(VALID, 24, "07"), "originator system title"),
        (_edit(VALID, 33, "07"), "recipient system title"),
        (_edit(VALID, 42, "05"), "date-time"),
        (_edit(SIGNED, 0, "DD"), "general-ciphering fields"),
        (SIGNED[:-64], "signature"),
        (SIGNED[:-65], "missing signature"),
        (SIGNED + b"\x00", "unexpected bytes"),
        (_edit(SIGNED, len(SIGNED) - 65, "3F"), "signature must be 0 or 64"),
        (_edit(SIGNED, len(SIGNED) - 65, "8140"), "shortest form"),
    ],
)
def test_malformed_frames_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(GbcsDecodeError, match=reason):
        decode_message(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_random_frames_round_trip(message: GbcsMessage) -> None:
    data = encode_message(message)
    assert decode_message(data) == message
    assert encode_message(decode_message(data)) == data


@settings(max_examples=500)
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_the_typed_error(data: bytes) -> None:
    try:
        message = decode_message(data)
    except GbcsDecodeError:
        return
    assert encode_message(message) == data


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(messages(), st.data())
def test_truncated_and_mutated_frames_only_raise_the_typed_error(
    message: GbcsMessage, data: st.DataObject
) -> None:
    raw = encode_message(message)
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    # A truncation may itself be a complete, shorter frame (a Pre-Command ends right after
    # its payload): then it must re-encode exactly; otherwise only the typed error.
    try:
        shorter = decode_message(raw[:cut])
    except GbcsDecodeError:
        pass
    else:
        assert encode_message(shorter) == raw[:cut]
    position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    mutated = bytearray(raw)
    mutated[position] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        again = decode_message(bytes(mutated))
    except GbcsDecodeError:
        return
    assert encode_message(again) == bytes(mutated)
