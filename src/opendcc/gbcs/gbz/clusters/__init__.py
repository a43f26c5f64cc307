"""The ZigBee clusters GBZ payloads use: their attributes and cluster-specific commands.

Each cluster module holds one ``ClusterDef``: a table of attributes (identifier, ZigBee
Smart Energy name, expected data type, how a supplier reads the value) and the layouts of
its commands in each direction. The tables are the specification the codec and the named
values read; nothing else in the package knows attribute identifiers.

Names follow the ZigBee Smart Energy Standard (07-5356) and the ZCL (07-5123) as GBCS
uses them: attributes and commands in their specification spelling
(``CurrentSummationDelivered``, ``PublishPriceMatrix``), command fields in snake case
(``issuer_event_id``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from opendcc.gbcs.gbz.datatypes import ZclDataType
from opendcc.gbcs.gbz.fields import Command


class Meaning(enum.Enum):
    """How a value reads to a supplier, beyond its data type."""

    NUMBER = "number"
    SUMMATION = "summation"  # Metering: x Multiplier / Divisor, in UnitOfMeasure
    BLOCK_THRESHOLD = "block_threshold"  # Price: x ThresholdMultiplier / ThresholdDivisor
    PRICE = "price"  # Price: scaled by the price trailing digit
    MONEY = "money"  # a monetary amount in the meter's currency units
    TIMESTAMP = "timestamp"  # UTC seconds since 2000-01-01
    UNIT_OF_MEASURE = "unit_of_measure"
    CURRENCY = "currency"  # ISO 4217 numeric code
    TRAILING_DIGIT = "trailing_digit"  # high nibble: digits right of the decimal point
    TEXT = "text"
    OCTETS = "octets"
    FLAGS = "flags"
    ENUMERATION = "enumeration"
    HUNDREDTHS_PERCENT = "hundredths_percent"


@dataclass(frozen=True, slots=True)
class AttributeDef:
    attribute_id: int
    name: str
    type: ZclDataType
    meaning: Meaning = Meaning.NUMBER
    labels: Mapping[int, str] | None = None


@dataclass(frozen=True, slots=True)
class ClusterDef:
    cluster_id: int
    name: str
    attributes: Mapping[int, AttributeDef] = field(default_factory=dict)
    client_commands: Mapping[int, Command] = field(default_factory=dict)
    server_commands: Mapping[int, Command] = field(default_factory=dict)

    def command(self, command_id: int, server_to_client: bool) -> Command | None:
        table = self.server_commands if server_to_client else self.client_commands
        return table.get(command_id)

    def command_named(self, name: str) -> Command | None:
        for table in (self.server_commands, self.client_commands):
            for cmd in table.values():
                if cmd.name == name:
                    return cmd
        return None

    def attribute_named(self, name: str) -> AttributeDef | None:
        for attribute in self.attributes.values():
            if attribute.name == name:
                return attribute
        return None


def attributes(*defs: AttributeDef | Iterable[AttributeDef]) -> dict[int, AttributeDef]:
    """A table keyed by identifier; rejects duplicates so a typo cannot shadow a row."""
    out: dict[int, AttributeDef] = {}
    for item in defs:
        for d in [item] if isinstance(item, AttributeDef) else item:
            if d.attribute_id in out:
                raise ValueError(f"duplicate attribute 0x{d.attribute_id:04X} ({d.name})")
            out[d.attribute_id] = d
    return out


def commands(*cmds: Command) -> dict[int, Command]:
    out: dict[int, Command] = {}
    for c in cmds:
        if c.command_id in out:
            raise ValueError(f"duplicate command 0x{c.command_id:02X} ({c.name})")
        out[c.command_id] = c
    return out


def _registry() -> dict[int, ClusterDef]:
    # The cluster modules import the helpers above, so they load once those exist.
    from opendcc.gbcs.gbz.clusters import (  # noqa: PLC0415
        basic,
        calendar,
        device_management,
        events,
        messaging,
        metering,
        prepayment,
        price,
        time,
    )

    modules = (basic, time, price, metering, messaging, prepayment, calendar)
    defs = [m.CLUSTER for m in (*modules, device_management, events)]
    return {d.cluster_id: d for d in defs}


CLUSTERS: Final[dict[int, ClusterDef]] = _registry()
"""Every cluster with a table, by cluster identifier."""

_BY_NAME: Final = {d.name: d for d in CLUSTERS.values()}


def cluster(cluster_id: int) -> ClusterDef | None:
    return CLUSTERS.get(cluster_id)


def cluster_named(name: str) -> ClusterDef | None:
    return _BY_NAME.get(name)


def cluster_name(cluster_id: int) -> str:
    d = CLUSTERS.get(cluster_id)
    return d.name if d else f"0x{cluster_id:04X}"


def attribute(cluster_id: int, attribute_id: int) -> AttributeDef | None:
    d = CLUSTERS.get(cluster_id)
    return d.attributes.get(attribute_id) if d else None
