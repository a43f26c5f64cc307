"""Test-only access to the DER payloads inside the RTDS GBCS vectors.

Until the frame decoder of ``opendcc.gbcs`` is available to these tests, this helper
skips the frame the simple way GBCS 7.2 lays it out, enough to reach the payload and the
grouping-header facts a ``PayloadContext`` needs. It is not a frame codec: it checks
nothing (no MAC, no signature) and is never used by the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, PayloadContext
from tests.reference import REFERENCE_DIR

RTDS = Path("gbcs") / "rtds"
NOT_DER_FIRST_OCTETS = frozenset({0xD9, 0xDA, 0x0F, 0x01})
"""DLMS general-ciphering / general-signing / data-notification and GBZ payloads."""


@dataclass(frozen=True, slots=True)
class Vector:
    path: Path
    folder: str
    context: PayloadContext
    payload: bytes

    @property
    def name(self) -> str:
        return self.path.name


def _length(data: bytes, pos: int) -> tuple[int, int]:
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def read_vector(path: Path) -> Vector:
    data = bytes.fromhex(path.read_text().strip())
    pos = 0
    if data[0] == 0xDD:  # MAC header: DD 00*6, length, 11 00 00 00 00
        _, pos = _length(data, 7)
        pos += 5
    assert data[pos : pos + 2] == b"\xdf\x09", f"{path.name}: no general signing header"
    pos += 2
    cra = Cra(data[pos])
    counter = int.from_bytes(data[pos + 1 : pos + 9], "big")
    pos += 9
    originator = Eui64.from_bytes(data[pos + 1 : pos + 9])
    recipient = Eui64.from_bytes(data[pos + 10 : pos + 18])
    pos += 18
    pos += 1 if data[pos] == 0x00 else 13  # date-time: 00, or 0C and 12 octets
    other_length, pos = _length(data, pos)
    message_code = int.from_bytes(data[pos : pos + 2], "big")
    pos += other_length
    content_length, pos = _length(data, pos)
    payload = data[pos : pos + content_length]
    context = PayloadContext(
        cra=cra,
        message_code=message_code,
        use_case=None,
        originator=originator,
        recipient=recipient,
        originator_counter=counter,
    )
    return Vector(path, path.parent.name, context, payload)


def der_vectors() -> list[Vector]:
    """Every RTDS vector whose payload is neither DLMS nor GBZ, in path order."""
    base = REFERENCE_DIR / RTDS
    if not base.is_dir():
        return []
    vectors = (read_vector(p) for p in sorted(base.glob("*/*.HEX")))
    return [v for v in vectors if v.payload and v.payload[0] not in NOT_DER_FIRST_OCTETS]
