"""Commands of the supply family whose only variable part is the invoke id.

Reads such as ECS45, ECS61a, ECS61d and ECS61e, and the load switch scripts of ECS42-ECS44,
carry the same request list every time; only the access-request's invoke id (the low 24
bits of the originator counter, GBCS 7.2.x) changes. ``FixedRequest`` encodes the list once
with the DLMS library and, per Command, writes the invoke-id-and-priority field in place,
so the transform does not rebuild and re-encode seventeen descriptors per request. At
construction it checks the splice against a full encoding, so a change in the codec's
layout fails loudly instead of producing wrong bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import InvokeIdAndPriority, Request
from opendcc.gbcs.dlms.payload import encode as encode_dlms

_INVOKE: Final = slice(1, 5)
"""The Long-Invoke-Id-And-Priority octets, after the access-request tag 0xD9."""


class FixedRequest:
    """An access-request with a fixed request list, encoded for any originator counter."""

    __slots__ = ("_template",)

    def __init__(self, requests: Sequence[Request]) -> None:
        self._template = bytearray(encode_dlms(b.payload(b.access_request(0, requests))))
        for probe in (1, 0xABCDEF, 0x1_000_001):
            full = encode_dlms(b.payload(b.access_request(probe, requests)))
            if self.encode(probe) != full:
                raise AssertionError("the access-request layout is not the one assumed")

    def encode(self, counter: int) -> bytes:
        payload = bytearray(self._template)
        invoke = int(InvokeIdAndPriority.for_counter(counter))
        payload[_INVOKE] = invoke.to_bytes(4, "big")
        return bytes(payload)
