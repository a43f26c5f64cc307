"""COSEM addressing: OBIS codes, attribute and method descriptors, selective access.

Green Book (DLMS UA 1000-2) ``Cosem-Attribute-Descriptor`` is class id (Unsigned16),
instance id (the six-octet OBIS code) and attribute id (Integer8); a method descriptor the
same with a method id. Blue Book 7 (OBIS) gives the ``A-B:C.D.E.F`` text form used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms.data import Data, NullData

_NULL: Final = NullData()
_OBIS_TEXT: Final = re.compile(
    r"^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$"
)


@dataclass(frozen=True, slots=True, order=True)
class ObisCode:
    """A COSEM logical name: six value groups A to F."""

    a: int
    b: int
    c: int
    d: int
    e: int
    f: int = 255

    def __post_init__(self) -> None:
        for group in (self.a, self.b, self.c, self.d, self.e, self.f):
            if type(group) is not int or not 0 <= group <= 255:
                raise GbcsEncodeError(f"OBIS value group out of range: {group!r}")

    @classmethod
    def parse(cls, text: str) -> ObisCode:
        """Read ``1-0:1.8.0.255`` or ``1-0:1.8.0`` (F defaults to 255)."""
        match = _OBIS_TEXT.match(text.strip())
        if match is None:
            raise ValueError(f"not an OBIS code: {text!r}")
        groups = [int(g) for g in match.groups(default="255")]
        return cls(*groups)

    @classmethod
    def from_bytes(cls, data: bytes) -> ObisCode:
        if len(data) != 6:
            raise ValueError(f"an OBIS code is 6 octets, got {len(data)}")
        return cls(*data)

    def __bytes__(self) -> bytes:
        return bytes((self.a, self.b, self.c, self.d, self.e, self.f))

    def __str__(self) -> str:
        return f"{self.a}-{self.b}:{self.c}.{self.d}.{self.e}.{self.f}"


@dataclass(frozen=True, slots=True)
class AttributeDescriptor:
    """Names one attribute of one COSEM object."""

    class_id: int
    instance: ObisCode
    attribute_id: int

    def __post_init__(self) -> None:
        if not 0 <= self.class_id <= 0xFFFF:
            raise GbcsEncodeError(f"class id out of range: {self.class_id}")
        if not -128 <= self.attribute_id <= 127:
            raise GbcsEncodeError(f"attribute id out of range: {self.attribute_id}")

    @classmethod
    def of(cls, class_id: int, obis: str, attribute_id: int) -> AttributeDescriptor:
        """Shorthand: ``AttributeDescriptor.of(3, "1-0:1.8.0.255", 2)``."""
        return cls(class_id, ObisCode.parse(obis), attribute_id)

    def __bytes__(self) -> bytes:
        return (
            self.class_id.to_bytes(2, "big")
            + bytes(self.instance)
            + self.attribute_id.to_bytes(1, "big", signed=True)
        )

    def __str__(self) -> str:
        return f"{self.class_id}/{self.instance}/{self.attribute_id}"


@dataclass(frozen=True, slots=True)
class MethodDescriptor:
    """Names one method of one COSEM object."""

    class_id: int
    instance: ObisCode
    method_id: int

    def __post_init__(self) -> None:
        if not 0 <= self.class_id <= 0xFFFF:
            raise GbcsEncodeError(f"class id out of range: {self.class_id}")
        if not -128 <= self.method_id <= 127:
            raise GbcsEncodeError(f"method id out of range: {self.method_id}")

    @classmethod
    def of(cls, class_id: int, obis: str, method_id: int) -> MethodDescriptor:
        return cls(class_id, ObisCode.parse(obis), method_id)

    def __bytes__(self) -> bytes:
        return (
            self.class_id.to_bytes(2, "big")
            + bytes(self.instance)
            + self.method_id.to_bytes(1, "big", signed=True)
        )

    def __str__(self) -> str:
        return f"{self.class_id}/{self.instance}/m{self.method_id}"


@dataclass(frozen=True, slots=True)
class SelectiveAccess:
    """A ``Selective-Access-Descriptor``: selector 1 is a range, 2 an entry range (profiles)."""

    selector: int
    parameters: Data = _NULL

    def __post_init__(self) -> None:
        if not 0 <= self.selector <= 0xFF:
            raise GbcsEncodeError(f"access selector out of range: {self.selector}")


RANGE_DESCRIPTOR: Final = 1
"""Blue Book profile generic: select buffer entries by a range of a restricting object."""
ENTRY_DESCRIPTOR: Final = 2
"""Blue Book profile generic: select buffer entries by index."""
