"""How the estate's tables store EUI-64s and times.

An EUI-64 is stored as its 8 bytes, big-endian, in a BLOB: SQLite integers are signed, and
8-byte big-endian blobs compare in the same order as the numbers (so keyset pagination and
range queries by EUI prefix work), take 9 bytes on disk against 24 for the DUIS text, and
read back in SQL as ``hex(device_id)``; the ``inventory_devices`` view shows the DUIS form.

Times are microseconds since the epoch (UTC), as the event log stores them, converted with
exact integer arithmetic (unlike ``datetime.timestamp()``, a float) so that a time written
and read back compares equal to the original.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from opendcc.eui import Eui64

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US: Final = timedelta(microseconds=1)


def eui_key(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def eui_from_key(key: bytes) -> Eui64:
    return Eui64(int.from_bytes(key, "big"))


def optional_eui(key: bytes | None) -> Eui64 | None:
    return None if key is None else Eui64(int.from_bytes(key, "big"))


def to_us(at: datetime) -> int:
    """Microseconds since the epoch; ``at`` must be timezone-aware."""
    try:
        return (at - _EPOCH) // _ONE_US
    except TypeError:  # a naive datetime cannot be subtracted from an aware one
        raise ValueError(f"naive datetime {at.isoformat()}: the estate stores UTC times") from None


def from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def optional_from_us(value: int | None) -> datetime | None:
    return None if value is None else _EPOCH + timedelta(microseconds=value)


def eui_text_sql(column: str) -> str:
    """An SQL expression giving the DUIS text form of an EUI blob column."""
    h = f"hex({column})"
    parts = " || '-' || ".join(f"substr({h}, {i}, 2)" for i in range(1, 17, 2))
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE {parts} END"
