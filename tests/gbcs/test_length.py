"""DER-style length fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.length import decode_length, encode_length


@pytest.mark.parametrize(
    ("length", "encoded"),
    [
        (0, "00"),
        (0x7F, "7F"),
        (0x80, "8180"),
        (0xFF, "81FF"),
        (0x100, "820100"),
        (0xFFFF, "82FFFF"),
    ],
)
def test_shortest_forms(length: int, encoded: str) -> None:
    assert encode_length(length).hex().upper() == encoded
    assert decode_length(bytes.fromhex(encoded), 0, "x") == (length, len(encoded) // 2)


@pytest.mark.parametrize("length", [-1, 0x10000])
def test_out_of_range(length: int) -> None:
    with pytest.raises(GbcsEncodeError):
        encode_length(length)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", "missing"),
        ("81", "truncated"),
        ("8201", "truncated"),
        ("8105", "shortest"),
        ("8200FF", "shortest"),
        ("83010000", "unsupported"),
        ("80", "unsupported"),
    ],
)
def test_malformed(data: str, reason: str) -> None:
    with pytest.raises(GbcsDecodeError, match=reason):
        decode_length(bytes.fromhex(data), 0, "x")


def test_end_bounds_the_field() -> None:
    with pytest.raises(GbcsDecodeError):
        decode_length(bytes.fromhex("820100"), 0, "x", end=2)


@given(st.integers(min_value=0, max_value=0xFFFF))
def test_round_trip(length: int) -> None:
    encoded = encode_length(length)
    assert decode_length(encoded + b"\xaa", 0, "x") == (length, len(encoded))
