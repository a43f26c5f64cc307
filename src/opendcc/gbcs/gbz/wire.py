"""Bounded reading of GBZ bytes: every short read becomes a ``GbcsDecodeError``.

GBZ mixes two byte orders: the GBZ headers (profile id, cluster id, component length,
alert code, alert time stamp, from-date-time) are big-endian, as GBCS writes them, while
everything inside a ZCL frame is little-endian, as the ZigBee Cluster Library does. The
reader offers both and reports offsets relative to the start of the whole payload, so an
error points at the byte that broke the parse.
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.context import GbcsDecodeError

_BIG: Final = "big"
_LITTLE: Final = "little"


class Reader:
    """A cursor over ``data[start:end]``; offsets in errors are absolute."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def at_end(self) -> bool:
        return self.pos >= self.end

    def fail(self, reason: str) -> GbcsDecodeError:
        return GbcsDecodeError(reason, self.pos)

    def _need(self, n: int, what: str) -> int:
        start = self.pos
        if n < 0 or start + n > self.end:
            raise GbcsDecodeError(
                f"truncated {what}: need {n} bytes, {self.end - start} left", start
            )
        self.pos = start + n
        return start

    def take(self, n: int, what: str = "field") -> bytes:
        start = self._need(n, what)
        return self.data[start : start + n]

    def rest(self) -> bytes:
        start = self.pos
        self.pos = self.end
        return self.data[start : self.end]

    def sub(self, n: int, what: str) -> Reader:
        """A reader over the next ``n`` bytes; this one skips past them."""
        start = self._need(n, what)
        return Reader(self.data, start, start + n)

    def u8(self, what: str = "byte") -> int:
        start = self._need(1, what)
        return self.data[start]

    def uint_le(self, n: int, what: str = "integer") -> int:
        start = self._need(n, what)
        return int.from_bytes(self.data[start : start + n], _LITTLE)

    def int_le(self, n: int, what: str = "integer") -> int:
        start = self._need(n, what)
        return int.from_bytes(self.data[start : start + n], _LITTLE, signed=True)

    def uint_be(self, n: int, what: str = "integer") -> int:
        start = self._need(n, what)
        return int.from_bytes(self.data[start : start + n], _BIG)


def uint_le(value: int, n: int) -> bytes:
    return value.to_bytes(n, _LITTLE)


def int_le(value: int, n: int) -> bytes:
    return value.to_bytes(n, _LITTLE, signed=True)


def uint_be(value: int, n: int) -> bytes:
    return value.to_bytes(n, _BIG)
