"""A-XDR data: exact encodings of each type, strict lengths, compact arrays, hostile input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.dlms.axdr import MAX_DEPTH, Reader, data_from_bytes, encode_data, encode_length
from opendcc.gbcs.dlms.data import (
    Array,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DataTag,
    DateTimeData,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Float32,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    TypeDescription,
    Unsigned,
    Utf8String,
    VisibleString,
    describe,
)
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from tests.gbcs.dlms.strategies import data_trees

# Hand-worked encodings (Green Book A-XDR: tag, then length where the type has one).
EXACT: list[tuple[Data, str]] = [
    (NullData(), "00"),
    (Boolean(False), "0300"),
    (Boolean(True), "03ff"),
    (Boolean(True, raw=1), "0301"),
    (Integer(-5), "0ffb"),
    (Long(-2), "10fffe"),
    (Unsigned(200), "11c8"),
    (LongUnsigned(0x8F66), "128f66"),
    (DoubleLong(-500000), "05fff85ee0"),
    (DoubleLongUnsigned(10), "060000000a"),
    (Long64(-1), "14ffffffffffffffff"),
    (Long64Unsigned(2**64 - 1), "15ffffffffffffffff"),
    (Enum(30), "161e"),
    (OctetString(b""), "0900"),
    (OctetString(bytes(range(3))), "0903000102"),
    (VisibleString("all"), "0a03616c6c"),
    (Utf8String("£"), "0c02c2a3"),
    (BitString.from_bits("111"), "0403e0"),
    (BitString.from_bits(""), "0400"),
    (Float32(1.5), "173fc00000"),
    (Structure((Integer(0), Enum(30))), "02020f00161e"),
    (Array((LongUnsigned(1), LongUnsigned(2))), "0102120001120002"),
    (
        DateTimeData(CosemDateTime.from_bytes(bytes.fromhex("07df0101ff000000008000ff"))),
        "1907df0101ff000000008000ff",
    ),
]


@pytest.mark.parametrize(("value", "hex_form"), EXACT, ids=[type(v).__name__ for v, _ in EXACT])
def test_exact_encodings(value: Data, hex_form: str) -> None:
    assert encode_data(value).hex() == hex_form
    assert data_from_bytes(bytes.fromhex(hex_form)) == value


def test_lengths_use_the_long_form_above_127() -> None:
    assert encode_length(127) == b"\x7f"
    assert encode_length(128) == b"\x81\x80"
    assert encode_length(0x188) == b"\x82\x01\x88"
    value = OctetString(bytes(400))
    encoded = encode_data(value)
    assert encoded[:4] == bytes.fromhex("09820190")
    assert data_from_bytes(encoded) == value


@pytest.mark.parametrize(
    "hex_form", ["098105" + "00" * 5, "09820005" + "00" * 5, "0980", "0985" + "00" * 5]
)
def test_non_shortest_or_unsupported_lengths_are_refused(hex_form: str) -> None:
    with pytest.raises(GbcsDecodeError):
        data_from_bytes(bytes.fromhex(hex_form))


def test_compact_array_as_gbcs_profiles_carry_it() -> None:
    # A half-hourly profile: structure {timestamp, value}, two entries, contents 16 octets.
    hex_form = "1302020606" + "10" + "1c35f900" + "0000005f" + "1c360008" + "000000f3"
    value = data_from_bytes(bytes.fromhex(hex_form))
    assert isinstance(value, CompactArray)
    assert value.description == TypeDescription(
        DataTag.STRUCTURE,
        (
            TypeDescription(DataTag.DOUBLE_LONG_UNSIGNED),
            TypeDescription(DataTag.DOUBLE_LONG_UNSIGNED),
        ),
    )
    assert value.items == (
        Structure((DoubleLongUnsigned(0x1C35F900), DoubleLongUnsigned(95))),
        Structure((DoubleLongUnsigned(0x1C360008), DoubleLongUnsigned(243))),
    )
    assert encode_data(value).hex() == hex_form


def test_compact_array_with_nested_array_and_octet_strings() -> None:
    row = Structure((LongUnsigned(1), Array((Unsigned(1), Unsigned(2))), OctetString(b"\x00\x9b")))
    value = CompactArray(describe(row), (row, row))
    assert data_from_bytes(encode_data(value)) == value


def test_compact_array_refuses_elements_of_another_shape() -> None:
    value = CompactArray(TypeDescription(DataTag.LONG_UNSIGNED), (Unsigned(1),))
    with pytest.raises(GbcsEncodeError):
        encode_data(value)


@pytest.mark.parametrize(
    "hex_form",
    [
        "130000",  # compact-array of null-data: nothing to count
        "1301ffff0000",  # 65535 null-data elements in each entry: refused, not looped over
        "13130100",  # a compact-array describing a compact-array
    ],
)
def test_compact_arrays_without_content_are_refused(hex_form: str) -> None:
    with pytest.raises(GbcsDecodeError):
        data_from_bytes(bytes.fromhex(hex_form))


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    deep = bytes.fromhex("0201") * (MAX_DEPTH + 10) + b"\x00"
    with pytest.raises(GbcsDecodeError, match="nested too deeply"):
        data_from_bytes(deep)


def test_a_huge_claimed_count_fails_fast() -> None:
    with pytest.raises(GbcsDecodeError, match="cannot fit"):
        data_from_bytes(bytes.fromhex("0184ffffffff00"))


def test_errors_carry_the_offset() -> None:
    with pytest.raises(GbcsDecodeError) as caught:
        data_from_bytes(bytes.fromhex("020212000107"))
    assert caught.value.offset == 5
    assert "unknown data tag" in caught.value.reason


def test_integer_ranges_are_checked_on_construction() -> None:
    with pytest.raises(GbcsEncodeError):
        Unsigned(256)
    with pytest.raises(GbcsEncodeError):
        Integer(-129)
    with pytest.raises(GbcsEncodeError):
        BitString(9, b"\x00")


def test_boolean_keeps_a_non_canonical_true() -> None:
    assert data_from_bytes(b"\x03\x01") == Boolean(True, 1)
    assert Boolean(True, 0xFF) == Boolean(True)


def test_reader_expect_end() -> None:
    reader = Reader(b"\x00\x00")
    reader.byte("x")
    with pytest.raises(GbcsDecodeError, match="1 unexpected bytes"):
        reader.expect_end("the value")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data_trees)
def test_random_data_trees_round_trip(value: Data) -> None:
    encoded = encode_data(value)
    assert data_from_bytes(encoded) == value
    assert encode_data(data_from_bytes(encoded)) == encoded


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data_trees, st.data())
def test_truncated_data_raises_only_decode_errors(value: Data, draw: st.DataObject) -> None:
    encoded = encode_data(value)
    cut = draw.draw(st.integers(0, max(0, len(encoded) - 1)))
    try:
        data_from_bytes(encoded[:cut])
    except GbcsDecodeError:
        return
    # A shorter prefix can only be valid when it is itself one whole value (e.g. empty
    # containers); then it must round-trip.
    assert encode_data(data_from_bytes(encoded[:cut])) == encoded[:cut]


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_decode_errors(raw: bytes) -> None:
    try:
        value = data_from_bytes(raw)
    except GbcsDecodeError:
        return
    assert encode_data(value) == raw


@pytest.mark.parametrize(
    "hex_form", ["177f800001", "17ffc00000", "187ff0000000000001", "177fc00000"]
)
def test_nan_payloads_survive_a_round_trip(hex_form: str) -> None:
    raw = bytes.fromhex(hex_form)
    assert encode_data(data_from_bytes(raw)) == raw
