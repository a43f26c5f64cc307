"""What the tariff and prepayment transforms share: future dating, choices the DCC makes
from the inventory, refusals and ``CommandSpec`` building.

Future dating (DUIS future-dated response pattern 'Device', GBCS 9.2.2.7): the DCC writes
``ExecutionDateTime`` into the Command itself and the Device holds the instruction.

| request | DLMS activation date-time (12 octets) | ZigBee start / implementation time |
|---|---|---|
| immediate (no ``ExecutionDateTime``) | all zero date and time | 0 ("now") |
| future | the instant, UTC, day of week not specified | seconds since 2000 (UTC) |
| cancellation (3000-12-31) | every date and time octet 0xFF | 0xFFFFFFFF or 0xFFFFFFFE |

Deviation 0x8000 ("not specified") and clock status 0xFF close every DLMS form, as in the
reference Commands. Which ZigBee commands take 0xFFFFFFFF and which 0xFFFFFFFE on
cancellation is the reference data's (``tariffs_gas``).

Choices from the Device (the Smart Metering Inventory):

- single or twin element ESME (DUIS ``ESMEVariant`` B...): the credit charge configuration
  of 1.6 names the secondary price matrix on a twin element ESME. The variant is read from
  an inventory view offering ``esme_variant(eui)`` or ``device_details(eui).esme_variant``;
  unknown means single element.
- the GBCS generation: 2.1 uses ECS08 on Devices older than GBCS 2.0 and ECS08a after
  (ECS08a sets the maximum meter balance as a passive value with an activation time; the
  DUIS catalogue of the 5.4 schema lists only ECS08a); 4.18 on a GSME uses GCS60 on
  Devices older than GBCS 4.0 and GCS60a after (GCS60a's message code sits among the GBCS
  v4 additions); a GPF is always read with GCS60a. These boundaries are opendcc's reading.

Refusals: a body value a transform cannot use is refused with the Service Reference's own
DUIS code where the schema has one (E010101 for 1.1, E010201 for 1.2), else E100 (opendcc's
choice; a schema-valid request does not reach it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Protocol, runtime_checkable

from opendcc.eui import Eui64
from opendcc.gbcs import message_codes
from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz.payload import Component
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal

GBCS_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)
CANCELLATION_DATE: Final = date(3000, 12, 31)
ZIGBEE_INVALID: Final = 0xFFFF_FFFF
ZIGBEE_LATEST: Final = 0xFFFF_FFFE

BODY_REFUSAL_CODES: Final[dict[str, str]] = {
    "1.1.1": "E010101",
    "1.1.2": "E010101",
    "1.2.1": "E010201",
    "1.2.2": "E010201",
}
GENERAL_REFUSAL: Final = "E100"

_IMMEDIATE_COSEM: Final = CosemDateTime(CosemDate(0, 0, 0, 0), CosemTime(0, 0, 0, 0))
_CANCEL_COSEM: Final = CosemDateTime(
    CosemDate(0xFFFF, 0xFF, 0xFF, 0xFF), CosemTime(0xFF, 0xFF, 0xFF, 0xFF)
)


class Dating(enum.Enum):
    IMMEDIATE = "immediate"
    FUTURE = "future"
    CANCELLATION = "cancellation"


@dataclass(frozen=True, slots=True)
class FutureDating:
    """When a 'Device' pattern future-dated instruction takes effect."""

    dating: Dating
    at: datetime | None = None

    @classmethod
    def of(cls, request: TransformInput) -> FutureDating:
        at = request.execution_at
        if at is None:
            return cls(Dating.IMMEDIATE)
        if at.astimezone(UTC).date() == CANCELLATION_DATE:
            return cls(Dating.CANCELLATION, at)
        return cls(Dating.FUTURE, at)

    def cosem(self) -> bytes:
        """The twelve-octet activation date-time of a DLMS passive attribute."""
        if self.dating is Dating.IMMEDIATE:
            return bytes(_IMMEDIATE_COSEM)
        if self.dating is Dating.CANCELLATION:
            return bytes(_CANCEL_COSEM)
        assert self.at is not None
        return bytes(CosemDateTime.from_datetime(self.at))

    def zigbee(self, cancellation: int = ZIGBEE_LATEST) -> int:
        """A ZigBee start or implementation time (UTC seconds since 2000)."""
        if self.dating is Dating.IMMEDIATE:
            return 0
        if self.dating is Dating.CANCELLATION:
            return cancellation
        assert self.at is not None
        return zigbee_time(self.at)


def zigbee_time(at: datetime) -> int:
    """UTC seconds since 2000, clamped to the latest valid ZigBee time."""
    seconds = int((at.astimezone(UTC) - GBCS_EPOCH).total_seconds())
    return max(0, min(seconds, ZIGBEE_LATEST))


def issuer_event_id(request: TransformInput) -> int:
    """The ZigBee Issuer Event ID the DCC gives a Command: its own clock as UTC seconds
    since 2000 (the reference Commands, made at 2015-01-01T00:00:00Z, carry 473385600)."""
    return zigbee_time(request.now)


def refuse(request: TransformInput, reason: str) -> TransformRefusal:
    return TransformRefusal(BODY_REFUSAL_CODES.get(request.variant, GENERAL_REFUSAL), reason)


def spec(request: TransformInput, use_case: str, payload: bytes) -> CommandSpec:
    """The ``CommandSpec`` for ``use_case`` to the request's target."""
    code = message_codes.command_code(use_case)
    assert code is not None, f"no message code for {use_case}"
    return CommandSpec(use_case, code.value, request.target, payload)


# --- the Device's kind, from the inventory -------------------------------------------


@runtime_checkable
class EsmeVariantLookup(Protocol):
    def esme_variant(self, eui: Eui64) -> str | None: ...


@runtime_checkable
class DeviceDetailsLookup(Protocol):
    def device_details(self, eui: Eui64) -> object | None: ...


def esme_variant(request: TransformInput) -> str | None:
    """The DUIS ``ESMEVariant`` the inventory records for the target, if it says."""
    inventory = request.inventory
    if isinstance(inventory, EsmeVariantLookup):
        found = inventory.esme_variant(request.target)
        if found:
            return str(found)
    if isinstance(inventory, DeviceDetailsLookup):
        details = inventory.device_details(request.target)
        value = getattr(details, "esme_variant", None)
        if value:
            return str(value)
    value = getattr(request.device, "esme_variant", None)
    return str(value) if value else None


def is_twin_element(request: TransformInput) -> bool:
    """A twin element ESME (SMETS2 variant B: ``ESMEVariant`` B, BD, BDE...)."""
    variant = esme_variant(request)
    return variant is not None and variant.upper().startswith("B")


def gbcs_version(request: TransformInput) -> tuple[int, int]:
    """The target's GBCS version as (major, minor); unreadable text counts as the newest."""
    parts = request.device.gbcs_version.strip().split(".")
    try:
        return (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0)
    except ValueError:
        return (99, 0)


GENERATIONS: Final[dict[str, tuple[int, int]]] = {"ECS08a": (2, 0), "GCS60a": (4, 0)}
"""The first GBCS version whose Devices opendcc addresses with each newer use case."""


def newer_or_older(request: TransformInput, older: str, newer: str) -> str:
    return newer if gbcs_version(request) >= GENERATIONS[newer] else older


class Components:
    """GBZ Command components in order, each with its position as ZCL sequence number (as
    the reference Commands number them)."""

    def __init__(self) -> None:
        self.items: list[Component] = []

    def add(
        self, cluster: str, command: str, *, from_date_time: int | None = None, **fields: Any
    ) -> None:
        frame = z.cluster_command(cluster, command, tsn=len(self.items), **fields)
        self.items.append(z.component(cluster, frame, from_date_time=from_date_time))
