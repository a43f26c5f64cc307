"""The generic DER tree: any valid DER, decoded and re-encoded byte for byte.

A payload that is DER (or BER with definite lengths) but matches no GBCS structure this
package knows (a use case added after this code, a device sending something unexpected)
still decodes: into ``DerTree``, a list of ``DerNode`` elements that keep every tag, every
length form and every content octet. Nothing is
interpreted on the way in, so nothing is lost on the way out; the ``values`` view shows
what the universal types mean (numbers, strings, times, object identifiers) for reading.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.der.tlv import (
    BOOLEAN,
    ENUMERATED,
    GENERALIZED_TIME,
    INTEGER,
    NULL,
    decode_generalized_time,
    decode_integer,
    encode_length,
    minimal_length_octets,
    read_length,
)

MAX_DEPTH: Final = 64
"""Deepest nesting accepted: real GBCS payloads (certificates included) stay under 12, and
a bound keeps hostile input from exhausting the stack."""

_OBJECT_IDENTIFIER: Final = 0x06
_UTF8_STRING: Final = 0x0C
_TEXT_TYPES: Final = frozenset({0x0C, 0x12, 0x13, 0x14, 0x16, 0x1A})
_UTC_TIME: Final = 0x17


class TagClass(enum.IntEnum):
    """The class bits of a DER identifier (X.690 8.1.2.2)."""

    UNIVERSAL = 0
    APPLICATION = 1
    CONTEXT = 2
    PRIVATE = 3


@dataclass(frozen=True, slots=True)
class DerNode:
    """One element: its tag and either its content octets or its child elements.

    ``length_octets`` is None when the length was written in the shortest form, else the
    number of long-form length octets the sender used (BER allows more than DER does).
    """

    tag_class: TagClass
    tag_number: int
    constructed: bool = False
    content: bytes = b""
    children: tuple[DerNode, ...] = ()
    length_octets: int | None = None

    def encode(self) -> bytes:
        return b"".join(_encode_node(self))

    def values(self) -> object:
        """What the element means, as far as its universal type says (for reading)."""
        if self.constructed:
            return [child.values() for child in self.children]
        return _primitive_value(self)


@dataclass(frozen=True, slots=True)
class DerTree:
    """A payload decoded without a GBCS structure: its top-level DER elements in order."""

    elements: tuple[DerNode, ...]

    @classmethod
    def decode(cls, data: bytes) -> DerTree:
        if not data:
            raise GbcsDecodeError("empty DER payload", 0)
        elements: list[DerNode] = []
        pos = 0
        while pos < len(data):
            node, pos = _read_node(data, pos, len(data), 0)
            elements.append(node)
        return cls(tuple(elements))

    def write(self) -> bytes:
        return self.encode()

    def encode(self) -> bytes:
        if not self.elements:
            raise GbcsEncodeError("a DER payload needs at least one element")
        return b"".join(part for node in self.elements for part in _encode_node(node))

    def named_values(self) -> dict[str, object]:
        return {"elements": [node.values() for node in self.elements]}


def _read_node(data: bytes, pos: int, end: int, depth: int) -> tuple[DerNode, int]:
    if depth > MAX_DEPTH:
        raise GbcsDecodeError("DER nesting too deep", pos)
    start = pos
    first = data[pos]
    tag_class = TagClass(first >> 6)
    constructed = bool(first & 0x20)
    number = first & 0x1F
    pos += 1
    if number == 0x1F:
        # X.690 8.1.2.4: high tag numbers in base-128, no leading 0x80 octet, and only
        # where the number does not fit the short form.
        number = 0
        if pos >= end or data[pos] == 0x80:
            raise GbcsDecodeError("bad high tag number", start)
        while True:
            if pos >= end:
                raise GbcsDecodeError("truncated high tag number", start)
            octet = data[pos]
            pos += 1
            number = (number << 7) | (octet & 0x7F)
            if number > 0xFFFFFFFF:
                raise GbcsDecodeError("tag number too large", start)
            if not octet & 0x80:
                break
        if number < 0x1F:
            raise GbcsDecodeError("high tag number form used for a low tag number", start)
    length, content = read_length(data, pos, end)
    if content + length > end:
        raise GbcsDecodeError("DER element runs past the end of its container", start)
    used = content - pos - 1
    octets = None if used == minimal_length_octets(length) else used
    stop = content + length
    if not constructed:
        return DerNode(tag_class, number, False, data[content:stop], length_octets=octets), stop
    children: list[DerNode] = []
    pos = content
    while pos < stop:
        child, pos = _read_node(data, pos, stop, depth + 1)
        children.append(child)
    return DerNode(tag_class, number, True, children=tuple(children), length_octets=octets), stop


def _identifier(node: DerNode) -> bytes:
    if not isinstance(node.tag_class, int) or not 0 <= node.tag_class <= 3:
        raise GbcsEncodeError(f"bad tag class {node.tag_class!r}")
    lead = (int(node.tag_class) << 6) | (0x20 if node.constructed else 0)
    number = node.tag_number
    if not 0 <= number <= 0xFFFFFFFF:
        raise GbcsEncodeError(f"tag number out of range: {number}")
    if number < 0x1F:
        return bytes((lead | number,))
    groups = []
    while True:
        groups.append(number & 0x7F)
        number >>= 7
        if not number:
            break
    tail = bytes(g | 0x80 for g in reversed(groups[1:])) + bytes((groups[0],))
    return bytes((lead | 0x1F,)) + tail


def _encode_node(node: DerNode) -> list[bytes]:
    if node.constructed:
        if node.content:
            raise GbcsEncodeError("a constructed element carries children, not content")
        body = b"".join(part for child in node.children for part in _encode_node(child))
    else:
        if node.children:
            raise GbcsEncodeError("a primitive element carries content, not children")
        body = node.content
    octets = node.length_octets
    if octets is None:
        octets = minimal_length_octets(len(body))
    return [_identifier(node), encode_length(len(body), octets), body]


def _primitive_value(node: DerNode) -> object:
    if node.tag_class is not TagClass.UNIVERSAL:
        return node.content.hex()
    number, content = node.tag_number, node.content
    try:
        if number in (INTEGER, ENUMERATED):
            return decode_integer(content)
        if number == NULL and not content:
            return None
        if number == BOOLEAN and len(content) == 1:
            return content != b"\x00"
        if number == _OBJECT_IDENTIFIER:
            return _oid_text(content)
        if number == GENERALIZED_TIME:
            return decode_generalized_time(content).isoformat().replace("+00:00", "Z")
        if number == _UTC_TIME or number in _TEXT_TYPES:
            return content.decode("utf-8" if number == _UTF8_STRING else "latin-1")
    except (GbcsDecodeError, UnicodeDecodeError, ValueError):
        pass
    return content.hex()


def _oid_text(content: bytes) -> str:
    if not content or content[-1] & 0x80:
        raise ValueError("bad OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for octet in content:
        value = (value << 7) | (octet & 0x7F)
        if not octet & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - first * 40, *arcs[1:]])
