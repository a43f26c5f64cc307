"""What every GBCS payload codec is told about the message around it, and how it fails.

The frame layer (``opendcc.gbcs.frame``) reads the MAC header and the general signing
grouping header, then hands the payload bytes to the codec of the payload's family
(``dlms``, ``gbz`` or ``der``) together with a ``PayloadContext``. Codecs never touch keys:
where a payload holds an encrypted part, they call ``context.decrypt`` (supplied by the
frame layer, which knows the keys) and record the plaintext's decoded values beside the
ciphertext, so that re-encoding reproduces the original bytes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from opendcc.eui import Eui64


class Cra(enum.IntEnum):
    """The CRA flag of the general signing grouping header."""

    COMMAND = 0x01
    RESPONSE = 0x02
    ALERT = 0x03

    @property
    def label(self) -> str:
        return self.name.lower()


class GbcsDecodeError(ValueError):
    """Bytes that are not a GBCS message (or payload) this library can read.

    The only exception the decoding API lets escape. ``offset`` is where in the input the
    problem was found, when known.
    """

    def __init__(self, reason: str, offset: int | None = None) -> None:
        self.reason = reason
        self.offset = offset
        super().__init__(reason if offset is None else f"{reason} (at byte {offset})")


class GbcsEncodeError(ValueError):
    """A value that cannot be written as GBCS (out of range, wrong type, missing field)."""


Decryptor = Callable[[bytes], bytes | None]
"""Given an encrypted block as it appears in the payload, the plaintext, or None if the key
is unavailable or authentication fails."""


@dataclass(frozen=True, slots=True)
class PayloadContext:
    """Facts from the grouping header that a payload codec may need."""

    cra: Cra
    message_code: int
    use_case: str | None
    originator: Eui64
    recipient: Eui64
    originator_counter: int
    decrypt: Decryptor | None = None
