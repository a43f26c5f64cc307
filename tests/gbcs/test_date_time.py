"""The grouping header's DLMS date-time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.date_time import DlmsDateTime


def test_reference_form() -> None:
    value = DlmsDateTime.from_bytes(bytes.fromhex("07DF0101FF000000008000FF"))
    assert value == DlmsDateTime(2015, 1, 1)
    assert value.to_datetime() == datetime(2015, 1, 1)
    assert value.iso() == "2015-01-01T00:00:00"
    assert bytes(value).hex().upper() == "07DF0101FF000000008000FF"


def test_fields_are_kept_as_written() -> None:
    raw = bytes.fromhex("07DF0101FF09000000800002")
    value = DlmsDateTime.from_bytes(raw)
    assert value.hour == 9 and value.clock_status == 2 and value.deviation == -0x8000
    assert bytes(value) == raw


def test_wildcards_name_no_instant() -> None:
    assert DlmsDateTime(0xFFFF, 1, 1).to_datetime() is None
    assert DlmsDateTime(2020, 0xFF, 1).iso() is None
    assert DlmsDateTime(2020, 2, 30).to_datetime() is None


def test_from_datetime_converts_to_utc_and_keeps_hundredths() -> None:
    when = datetime(2024, 6, 1, 13, 0, 5, 250_000, tzinfo=timezone(timedelta(hours=1)))
    value = DlmsDateTime.from_datetime(when)
    assert (value.hour, value.second, value.hundredths) == (12, 5, 25)
    assert value.to_datetime() == datetime(2024, 6, 1, 12, 0, 5, 250_000)
    assert value.iso() == "2024-06-01T12:00:05.25"
    assert DlmsDateTime.from_datetime(datetime(2024, 6, 1, tzinfo=UTC)).day_of_week == 0xFF


def test_sizes_and_ranges() -> None:
    with pytest.raises(GbcsDecodeError):
        DlmsDateTime.from_bytes(bytes(11))
    with pytest.raises(GbcsEncodeError):
        DlmsDateTime(2020, 256, 1)
    with pytest.raises(GbcsEncodeError):
        DlmsDateTime(2020, 1, 1, deviation=0x8000)
