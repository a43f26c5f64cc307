"""The DER primitives: exact encodings (X.690) and refusal of anything that is not DER."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.der import tlv
from opendcc.gbcs.der.tlv import LengthForm, Reader, writing_lengths


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "020100"),
        (127, "02017f"),
        (128, "02020080"),
        (256, "02020100"),
        (-1, "0201ff"),
        (-128, "020180"),
        (-129, "0202ff7f"),
        (0x8F66, "0203008f66"),
        ((1 << 63) - 1, "02087fffffffffffffff"),
    ],
)
def test_integer_encoding_is_minimal_twos_complement(value: int, encoded: str) -> None:
    assert tlv.encode_integer(value).hex() == encoded
    assert Reader(bytes.fromhex(encoded)).integer() == value


@pytest.mark.parametrize("encoded", ["0200", "02020001", "0202ff80"])
def test_integer_not_in_der_form_is_refused(encoded: str) -> None:
    with pytest.raises(GbcsDecodeError):
        Reader(bytes.fromhex(encoded)).integer()


@pytest.mark.parametrize(
    ("length", "minimal", "two_octet"),
    [
        (0, "00", "00"),
        (127, "7f", "7f"),
        (128, "8180", "820080"),
        (255, "81ff", "8200ff"),
        (256, "820100", "820100"),
        (65536, "83010000", "83010000"),
    ],
)
def test_length_forms(length: int, minimal: str, two_octet: str) -> None:
    assert tlv.encode_length(length).hex() == minimal
    with writing_lengths(LengthForm.TWO_OCTET):
        assert tlv.encode_length(length).hex() == two_octet
    assert tlv.encode_length(length).hex() == minimal, "the form applies only inside the block"


def test_explicit_length_octets_must_hold_the_length() -> None:
    assert tlv.encode_length(5, 2).hex() == "820005"
    with pytest.raises(GbcsEncodeError):
        tlv.encode_length(256, 1)
    with pytest.raises(GbcsEncodeError):
        tlv.encode_length(300, 0)


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [
        ("30", "truncated"),
        ("3080", "indefinite"),
        ("3085ffffffffff", "too large"),
        ("3082ff", "truncated"),
        ("3004020100", "past the end"),
    ],
)
def test_malformed_lengths_are_refused(encoded: str, reason: str) -> None:
    with pytest.raises(GbcsDecodeError, match=reason):
        Reader(bytes.fromhex(encoded)).element()


def test_reader_reports_offsets_inside_the_payload() -> None:
    data = bytes.fromhex("3006020101020200")
    inner = Reader(data).constructed()
    inner.integer()
    with pytest.raises(GbcsDecodeError) as caught:
        inner.integer()
    assert caught.value.offset == 5


@pytest.mark.parametrize(
    ("mask", "encoded"),
    [
        (0, "030100"),
        (1 << 0, "03020780"),  # digitalSignature
        (1 << 4, "03020308"),  # keyAgreement
        ((1 << 5) | (1 << 6), "03020106"),  # keyCertSign, cRLSign
        (1 << 8, "0303070080"),  # decipherOnly
    ],
)
def test_named_bits_drop_trailing_zeros(mask: int, encoded: str) -> None:
    assert tlv.encode_named_bits(mask).hex() == encoded
    assert tlv.decode_named_bits(bytes.fromhex(encoded)[2:]) == mask


@pytest.mark.parametrize(
    "content",
    [
        "",  # no unused-bit octet
        "08ff",  # more than 7 unused bits
        "01",  # unused bits in an empty string
        "0781",  # padding bits set
        "0680",  # trailing zero named bit
    ],
)
def test_bit_strings_not_in_der_form_are_refused(content: str) -> None:
    with pytest.raises(GbcsDecodeError):
        tlv.decode_named_bits(bytes.fromhex(content))


@given(st.integers(min_value=0, max_value=(1 << 40) - 1))
def test_named_bits_round_trip(mask: int) -> None:
    encoded = tlv.encode_named_bits(mask)
    assert tlv.decode_named_bits(encoded[2:] if encoded[1] < 0x80 else encoded[3:]) == mask


def test_generalized_time_forms() -> None:
    moment = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    assert tlv.format_generalized_time(moment) == b"20300115090000Z"
    with_fraction = moment.replace(microsecond=250000)
    assert tlv.format_generalized_time(with_fraction) == b"20300115090000.25Z"
    assert tlv.decode_generalized_time(b"20300115090000.25Z") == with_fraction
    local = datetime(2030, 1, 15, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert tlv.format_generalized_time(local) == b"20300115090000Z"
    with pytest.raises(GbcsEncodeError):
        tlv.format_generalized_time(datetime(2030, 1, 15))


@pytest.mark.parametrize(
    "text",
    [
        b"203001150900Z",  # no seconds
        b"20300115090000",  # no Z
        b"20300115090000+0100",  # offset
        b"20300115090000.50Z",  # trailing zero in the fraction
        b"20301315090000Z",  # month 13
        b"00000115090000Z",  # year 0
        b"20300115090000Z\n",  # trailing newline
    ],
)
def test_generalized_time_not_in_der_form_is_refused(text: bytes) -> None:
    with pytest.raises(GbcsDecodeError):
        tlv.decode_generalized_time(text)


def test_null_must_be_empty_and_elements_must_be_consumed() -> None:
    assert Reader(b"\x05\x00").null() is None
    with pytest.raises(GbcsDecodeError):
        Reader(b"\x05\x01\x00").null()
    reader = Reader(b"\x05\x00\x05\x00")
    reader.null()
    with pytest.raises(GbcsDecodeError, match="trailing"):
        reader.finish()


def test_high_tag_numbers_are_not_gbcs_types() -> None:
    with pytest.raises(GbcsDecodeError, match="high tag"):
        Reader(bytes.fromhex("1f2200")).element()
