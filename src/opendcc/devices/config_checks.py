"""What a configuration object accepts when written: the checks of ``config_objects``.

Each check takes the written value and the Command's ``CosemContext`` and returns None to
accept it, or the Data-Access-Result to answer: type-unmatched for another A-XDR type or
shape, other-reason for a value out of range or inconsistent (Green Book result codes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms.apdu import DataAccessResult
from opendcc.gbcs.dlms.data import (
    Array,
    BitString,
    Boolean,
    Data,
    DoubleLongUnsigned,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
)
from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime

if TYPE_CHECKING:  # config_cosem imports the object table, which imports this module
    from opendcc.devices.config_cosem import Accept, CosemContext

DAR = DataAccessResult

# --- value checks -------------------------------------------------------------------------


def octets(limit: int, allowed: str | None = None, exact: Sequence[int] = ()) -> Accept:
    def accept(value: Data, _ctx: CosemContext) -> DAR | None:
        if type(value) is not OctetString:
            return DAR.TYPE_UNMATCHED
        data = value.value
        if (exact and len(data) not in exact) or len(data) > limit:
            return DAR.OTHER_REASON
        if allowed is not None and any(chr(c) not in allowed for c in data):
            return DAR.OTHER_REASON
        return None

    return accept


PRINTABLE: Final = "".join(chr(c) for c in range(0x20, 0x7F))
DIGITS: Final = "0123456789"


def typed(kind: type[Data], low: int = 0, high: int | None = None) -> Accept:
    def accept(value: Data, _ctx: CosemContext) -> DAR | None:
        if type(value) is not kind:
            return DAR.TYPE_UNMATCHED
        number = getattr(value, "value", 0)
        integral = isinstance(number, int) and not isinstance(number, bool)
        if integral and (number < low or (high is not None and number > high)):
            return DAR.OTHER_REASON
        return None

    return accept


def visible(limit: int) -> Accept:
    def accept(value: Data, _ctx: CosemContext) -> DAR | None:
        if type(value) is not VisibleString:
            return DAR.TYPE_UNMATCHED
        if len(value.value) > limit or any(ch not in PRINTABLE for ch in value.value):
            return DAR.OTHER_REASON
        return None

    return accept


def date_time_value(value: Data) -> CosemDateTime | None:
    if type(value) is not OctetString or len(value.value) != 12:
        return None
    try:
        return CosemDateTime.from_bytes(value.value)
    except (ValueError, GbcsEncodeError):
        return None


def instant(value: Data, _ctx: CosemContext) -> DAR | None:
    if type(value) is not OctetString:
        return DAR.TYPE_UNMATCHED
    parsed = date_time_value(value)
    return None if parsed is not None and parsed.to_datetime() is not None else DAR.OTHER_REASON


def activation(value: Data, _ctx: CosemContext) -> DAR | None:
    """An activation date-time: an instant, all zero (at once) or all 0xFF (cancel)."""
    if type(value) is not OctetString:
        return DAR.TYPE_UNMATCHED
    parsed = date_time_value(value)
    if parsed is None:
        return DAR.OTHER_REASON
    if value.value[:9] in (bytes(9), b"\xff" * 9) or parsed.to_datetime() is not None:
        return None
    return DAR.OTHER_REASON


def pin(value: Data, _ctx: CosemContext) -> DAR | None:
    """The customer PIN: empty (protection disabled) or four digits."""
    if type(value) is not OctetString:
        return DAR.TYPE_UNMATCHED
    data = value.value
    if data == b"" or (len(data) == 4 and data.isdigit()):
        return None
    return DAR.OTHER_REASON


def import_mpan(value: Data, ctx: CosemContext) -> DAR | None:
    """13 digits, or 26 (import and secondary MPAN) on a twin element ESME."""
    if type(value) is not OctetString:
        return DAR.TYPE_UNMATCHED
    data = value.value
    if not data.isdigit() or len(data) not in ((13, 26) if ctx.twin_element else (13,)):
        return DAR.OTHER_REASON
    return None


def structure_of(value: Data, shape: Sequence[type[Data]]) -> bool:
    return (
        type(value) is Structure
        and len(value.items) == len(shape)
        and all(type(item) is kind for item, kind in zip(value.items, shape, strict=True))
    )


def array_of(shape: Sequence[type[Data]], limit: int) -> Callable[[Data], bool]:
    def check(value: Data) -> bool:
        return (
            type(value) is Array
            and len(value.items) <= limit
            and all(structure_of(item, shape) for item in value.items)
        )

    return check


def valid_date(octets: bytes) -> bool:
    if len(octets) != 5:
        return False
    date = CosemDate.from_bytes(octets)
    month_ok = date.month == 0xFF or 1 <= date.month <= 12
    day_ok = date.day in (0xFD, 0xFE, 0xFF) or 1 <= date.day <= 31
    dow_ok = date.day_of_week == 0xFF or 1 <= date.day_of_week <= 7
    return month_ok and day_ok and dow_ok


def valid_time(octets: bytes) -> bool:
    if len(octets) != 4:
        return False
    return CosemTime.from_bytes(octets).to_time() is not None


BILLING_ENTRY: Final = (OctetString, OctetString)
SCHEDULE_ENTRY: Final = (
    LongUnsigned,
    Boolean,
    OctetString,
    LongUnsigned,
    OctetString,
    LongUnsigned,
    BitString,
    BitString,
    OctetString,
    OctetString,
)
SPECIAL_DAY: Final = (LongUnsigned, OctetString, Unsigned)


def billing_calendar(value: Data, _ctx: CosemContext) -> DAR | None:
    if not array_of(BILLING_ENTRY, 12)(value):
        return DAR.TYPE_UNMATCHED
    assert isinstance(value, Array)
    for entry in value.items:
        assert isinstance(entry, Structure)
        time, date = (item.value for item in entry.items if isinstance(item, OctetString))
        if not value.items or not valid_time(time) or not valid_date(date):
            return DAR.OTHER_REASON
    return None if value.items else DAR.OTHER_REASON


def schedule(limit: int, scripts: frozenset[str]) -> Accept:
    def accept(value: Data, _ctx: CosemContext) -> DAR | None:
        if not array_of(SCHEDULE_ENTRY, limit)(value):
            return DAR.TYPE_UNMATCHED
        assert isinstance(value, Array)
        for entry in value.items:
            assert isinstance(entry, Structure)
            script, time, weekdays = entry.items[2], entry.items[4], entry.items[6]
            begin, end = entry.items[8], entry.items[9]
            assert isinstance(script, OctetString) and isinstance(time, OctetString)
            assert isinstance(begin, OctetString) and isinstance(end, OctetString)
            assert isinstance(weekdays, BitString)
            if script.value.hex() not in scripts or not valid_time(time.value):
                return DAR.OTHER_REASON
            if weekdays.length != 7 or not (valid_date(begin.value) and valid_date(end.value)):
                return DAR.OTHER_REASON
        return None

    return accept


def special_days(value: Data, _ctx: CosemContext) -> DAR | None:
    if not array_of(SPECIAL_DAY, 20)(value):
        return DAR.TYPE_UNMATCHED
    assert isinstance(value, Array)
    for entry in value.items:
        assert isinstance(entry, Structure)
        date = entry.items[1]
        assert isinstance(date, OctetString)
        if not valid_date(date.value):
            return DAR.OTHER_REASON
    return None


def thresholds(value: Data, _ctx: CosemContext) -> DAR | None:
    if type(value) is not Array or len(value.items) != 2:
        return DAR.TYPE_UNMATCHED
    low, high = value.items
    if type(low) is not DoubleLongUnsigned or type(high) is not DoubleLongUnsigned:
        return DAR.TYPE_UNMATCHED
    return None if low.value <= high.value else DAR.OTHER_REASON


def bits(length: int) -> Accept:
    def accept(value: Data, _ctx: CosemContext) -> DAR | None:
        if type(value) is not BitString:
            return DAR.TYPE_UNMATCHED
        return None if value.length == length else DAR.OTHER_REASON

    return accept
