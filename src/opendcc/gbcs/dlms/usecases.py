"""The GBCS DLMS use cases as values: which requests a Command carries and how the
Response's results are named. The content is the readable table in ``usecase_table``;
this module parses it once, at import, into ``UseCase`` values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.dlms.apdu import ResponseKind
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, ObisCode
from opendcc.gbcs.dlms.data import Array, Data, Integer, Structure, _IntegerData
from opendcc.gbcs.dlms.layouts import Layout, auto
from opendcc.gbcs.dlms.objects import attribute_layout, attribute_name, method_layout, method_name
from opendcc.gbcs.dlms.usecase_table import USE_CASE_REQUESTS, USE_CASE_TITLES
from opendcc.gbcs.dlms.values import Quantity, Value


@dataclass(frozen=True, slots=True)
class ChargeRate(Layout):
    """A Charge's unit charge read as its first price: ``charge_per_unit`` scaled by the
    price scale (the GBCS debt recovery rates are single-entry unit charges)."""

    def read(self, data: Data) -> Value:
        scale = _price_scale(data)
        if scale is None or not isinstance(data, Structure):
            return auto(data)
        table = data.items[2]
        if isinstance(table, Array) and table.items:
            entry = table.items[0]
            if (
                isinstance(entry, Structure)
                and len(entry.items) == 2
                and isinstance(entry.items[1], _IntegerData)
            ):
                return Quantity(entry.items[1].value, scale)
        return auto(data)


@dataclass(frozen=True, slots=True)
class PriceScale(Layout):
    """A Charge's unit charge read as its price scale alone."""

    def read(self, data: Data) -> Value:
        scale = _price_scale(data)
        return auto(data) if scale is None else scale


def _price_scale(data: Data) -> int | None:
    if not isinstance(data, Structure) or len(data.items) != 3:
        return None
    scaling = data.items[0]
    if (
        isinstance(scaling, Structure)
        and len(scaling.items) == 2
        and isinstance(scaling.items[1], Integer)
    ):
        return scaling.items[1].value
    return None


SLOT_LAYOUTS: Final[dict[str, Layout]] = {"charge_rate": ChargeRate(), "price_scale": PriceScale()}


@dataclass(frozen=True, slots=True)
class Slot:
    """One request of a use case, and how its result is named and read."""

    kind: ResponseKind
    descriptor: AttributeDescriptor | MethodDescriptor
    name: str
    layout: Layout
    protects: tuple[Slot, ...] = ()
    inline: bool = False


@dataclass(frozen=True, slots=True)
class UseCase:
    code: str
    title: str
    variants: tuple[tuple[Slot, ...], ...]

    def slots_for(self, kinds: Sequence[ResponseKind]) -> tuple[Slot, ...] | None:
        """The variant whose requests match ``kinds`` exactly, else one that starts with them."""
        wanted = tuple(kinds)
        for variant in self.variants:
            if tuple(slot.kind for slot in variant) == wanted:
                return variant
        for variant in self.variants:
            if tuple(slot.kind for slot in variant[: len(wanted)]) == wanted:
                return variant
        return None


_LINE: Final = re.compile(
    r"^(?P<kind>get|set|act) (?P<ref>\S+)"
    r"(?: protects (?P<protects>.+?))?"
    r"(?: as (?P<name>[^:\s]+)(?::(?P<layout>\w+))?)?$"
)
_KINDS: Final = {"get": ResponseKind.GET, "set": ResponseKind.SET, "act": ResponseKind.ACTION}


def _reference(text: str) -> tuple[int, ObisCode, int]:
    class_id, obis, member = text.split("/")
    return int(class_id), ObisCode.parse(obis), int(member)


def parse_request_line(line: str) -> Slot:
    """One line of ``usecase_table`` as a ``Slot`` (raises ``ValueError`` if malformed)."""
    match = _LINE.match(line.strip())
    if match is None:
        raise ValueError(f"not a use case request line: {line!r}")
    kind = _KINDS[match["kind"]]
    class_id, obis, member = _reference(match["ref"])
    descriptor: AttributeDescriptor | MethodDescriptor
    if kind is ResponseKind.ACTION:
        descriptor = MethodDescriptor(class_id, obis, member)
        name, layout = method_name(descriptor), method_layout(descriptor)
    else:
        descriptor = AttributeDescriptor(class_id, obis, member)
        name, layout = attribute_name(descriptor), attribute_layout(descriptor)
    protects: tuple[Slot, ...] = ()
    if match["protects"]:
        protects = tuple(parse_request_line(f"get {ref}") for ref in match["protects"].split())
    inline = match["name"] == "*"
    if match["name"] and not inline:
        name = match["name"]
    if match["layout"]:
        layout = SLOT_LAYOUTS[match["layout"]]
    return Slot(kind, descriptor, name, layout, protects, inline)


def _parse_table() -> dict[str, UseCase]:
    cases: dict[str, UseCase] = {}
    for code, variants in USE_CASE_REQUESTS.items():
        parsed = tuple(
            tuple(parse_request_line(line) for line in variant.splitlines() if line.strip())
            for variant in variants
        )
        cases[code] = UseCase(code, USE_CASE_TITLES.get(code, ""), parsed)
    return cases


USE_CASES: Final[dict[str, UseCase]] = _parse_table()

USE_CASE_ALIASES: Final[dict[str, str]] = {
    # The reference data files some use cases under combined or split names.
    "CCS04": "CCS05CCS04",
    "CCS05": "CCS05CCS04",
    "ECS62": "ECS62Add",
}


def use_case(code: str | None) -> UseCase | None:
    if code is None:
        return None
    return USE_CASES.get(code) or USE_CASES.get(USE_CASE_ALIASES.get(code, ""))
