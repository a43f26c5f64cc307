"""EUI-64 identifiers, the names of every Party and Device in DUIS, GBCS and SMKI.

DUIS writes them as eight hex bytes joined by ``-`` in either case
(``90-B3-D5-1F-30-00-00-02``); GBCS carries the eight raw bytes as a system title;
keystores name files by the sixteen lower-case hex digits. One type serves all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_DUIS_FORM: Final = re.compile(r"^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}$")
_COMPACT_FORM: Final = re.compile(r"^[0-9A-Fa-f]{16}$")


@dataclass(frozen=True, slots=True, order=True)
class Eui64:
    """A 64-bit extended unique identifier."""

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < 1 << 64:
            raise ValueError(f"EUI-64 out of range: {self.value:#x}")

    @classmethod
    def parse(cls, text: str) -> Eui64:
        """Read ``90-B3-D5-1F-30-00-00-02`` or ``90b3d51f30000002`` (any case, no spaces)."""
        if _DUIS_FORM.match(text):
            return cls(int(text.replace("-", ""), 16))
        if _COMPACT_FORM.match(text):
            return cls(int(text, 16))
        raise ValueError(f"not an EUI-64: {text!r}")

    @classmethod
    def from_bytes(cls, data: bytes) -> Eui64:
        if len(data) != 8:
            raise ValueError(f"an EUI-64 is 8 bytes, got {len(data)}")
        return cls(int.from_bytes(data, "big"))

    def __bytes__(self) -> bytes:
        return self.value.to_bytes(8, "big")

    def __str__(self) -> str:
        """The DUIS form: upper-case hex bytes joined by ``-``."""
        return self.value.to_bytes(8, "big").hex("-").upper()

    @property
    def hex(self) -> str:
        """The compact lower-case form keystores use in file names."""
        return f"{self.value:016x}"


DCC_ACCESS_CONTROL_BROKER: Final = Eui64.parse("90-B3-D5-1F-30-00-00-02")
"""The DCC's own EUI: target of non-device requests and originator of DSP responses."""
DCC_RECOVERY: Final = Eui64.parse("90-B3-D5-1F-30-00-00-01")
"""The DCC's Recovery party (GBCS Remote Party Role 1)."""
DCC_TRANSITIONAL_COS: Final = Eui64.parse("90-B3-D5-1F-30-00-00-04")
"""The DCC's Transitional Change of Supplier party (Remote Party Role 5), which originates
the change-of-supplier credential update (DUIS 6.23)."""
DCC_WAN_PROVIDER: Final = Eui64.parse("90-B3-D5-1F-30-00-00-07")
"""The DCC's WAN Provider party (Remote Party Role 6).

The four DCC EUIs are those of the DCC Boxed test PKI, so the demo PKI and reference-key
estates name the DCC's parties alike."""
