"""DUIS message identifiers: RequestID and ResponseID.

Both are ``originatorEUI:targetEUI:counter`` (DUIS ``RequestIDType`` and
``ResponseIDType``): two EUI-64s written as eight hex bytes joined by ``-`` in either
case, then a uint64 counter in decimal without leading zeros. A RequestID names the User
that sent the request, the Device (or the DCC, for non-device requests) it targets and the
User's counter, which must strictly increase per originator. A ResponseID is the
RequestID with the two EUIs swapped and the same counter.

DCC Boxed's signing tool replaces the counter with the current time in milliseconds when it
signs, so that successive requests always carry increasing counters;
``time_based_counter`` does the same (time is passed in: this package never reads the clock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final

from opendcc.eui import Eui64

UINT64_MAX: Final = (1 << 64) - 1
_EUI: Final = r"[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}"
_ID: Final = re.compile(rf"^({_EUI}):({_EUI}):(0|[1-9][0-9]{{0,19}})$")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MS: Final = timedelta(milliseconds=1)


def _split(text: str, what: str) -> tuple[Eui64, Eui64, int]:
    # xs:token collapses surrounding whitespace before the pattern applies.
    match = _ID.match(text.strip())
    if match is None:
        raise ValueError(f"not a DUIS {what}: {text[:80]!r}")
    counter = int(match.group(3))
    if counter > UINT64_MAX:
        raise ValueError(f"{what} counter exceeds uint64: {counter}")
    # The pattern has already checked both EUIs' form.
    first = Eui64(int(match.group(1).replace("-", ""), 16))
    second = Eui64(int(match.group(2).replace("-", ""), 16))
    return first, second, counter


@dataclass(frozen=True, slots=True, order=True)
class RequestId:
    """``originator:target:counter`` of a Service Request."""

    originator: Eui64
    target: Eui64
    counter: int

    def __post_init__(self) -> None:
        if not 0 <= self.counter <= UINT64_MAX:
            raise ValueError(f"RequestID counter out of range: {self.counter}")

    @classmethod
    def parse(cls, text: str) -> RequestId:
        """Read a RequestID; raises ValueError when ``text`` is not one."""
        return cls(*_split(text, "RequestID"))

    def __str__(self) -> str:
        return f"{eui_text(self.originator)}:{eui_text(self.target)}:{self.counter}"

    def response_id(self) -> ResponseId:
        """The ResponseID answering this request: EUIs swapped, same counter."""
        return ResponseId(self.target, self.originator, self.counter)

    def with_counter(self, counter: int) -> RequestId:
        return RequestId(self.originator, self.target, counter)


@dataclass(frozen=True, slots=True, order=True)
class ResponseId:
    """``responder:recipient:counter`` of a Service Response or Alert."""

    responder: Eui64
    recipient: Eui64
    counter: int

    def __post_init__(self) -> None:
        if not 0 <= self.counter <= UINT64_MAX:
            raise ValueError(f"ResponseID counter out of range: {self.counter}")

    @classmethod
    def parse(cls, text: str) -> ResponseId:
        """Read a ResponseID; raises ValueError when ``text`` is not one."""
        return cls(*_split(text, "ResponseID"))

    def __str__(self) -> str:
        return f"{eui_text(self.responder)}:{eui_text(self.recipient)}:{self.counter}"

    def request_id(self) -> RequestId:
        """The RequestID this ResponseID answers."""
        return RequestId(self.recipient, self.responder, self.counter)


@lru_cache(maxsize=4096)
def eui_text(eui: Eui64) -> str:
    """``str(eui)`` (the DUIS form), cached: the same few Users and Devices recur constantly."""
    return str(eui)


def time_based_counter(now: datetime, previous: int | None = None) -> int:
    """A RequestID counter from ``now``: milliseconds since 1970, as DCC Boxed's signer uses.

    With ``previous`` (the last counter issued), the result is at least ``previous + 1``,
    so two requests signed within the same millisecond still get increasing counters.
    """
    if now.tzinfo is None:
        raise ValueError("time_based_counter needs a timezone-aware datetime")
    millis = (now - _EPOCH) // _MS
    if previous is not None and millis <= previous:
        millis = previous + 1
    if not 0 <= millis <= UINT64_MAX:
        raise ValueError(f"counter out of range: {millis}")
    return millis
