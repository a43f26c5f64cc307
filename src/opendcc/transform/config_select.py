"""Which GBCS use case serves a configuration request, when DUIS leaves the choice to the DCC.

Several Service Reference Variants map to more than one GBCS use case; the DCC chooses from
the request body, the User Role, and what the Smart Metering Inventory says of the Device
(its GBCS version and, for an ESME, its variant). This module is that choice, as tables.

From the body (DUIS element present):

| variant | choice |
|---|---|
| 3.3 on an ESME | ``ESMEEventLogType`` ALCS: ECS15c, else ECS15a |
| 6.5 | PolyPhaseVoltageSettings: ECS29b/ECS29d; RMSVoltageCountersNotReset: ECS29c/ECS29d |
| 6.7 | UncontrolledGasFlowRateDecimal: GCS24a, else GCS24 |
| 6.8 | a monthly calendar: ECS30 / GCS25; any other periodicity: ECS30a / GCS25a |
| 6.20.1 | ImportMPANs (ESME): ECS39a; ImportMPRN: GCS41 |
| 6.22 | the settings element (``ALERT_SETTINGS`` in ``config_alerts``) |

From the role: 6.2.10 on an ESME (Import Supplier ECS25r1, Electricity Distributor
ECS25r2).

From the Device:

| variant | older Device | newer Device (GBCS version at least ``GENERATIONS``) |
|---|---|---|
| 6.2.3 | ECS26d, GCS21d | ECS26l, GCS21k (billing calendar, all periodicities) |
| 6.2.4 | ECS26e, GCS21e, ECS26i (CHF) | ECS26m, GCS21m, ECS26n (identity and type) |

and the ESME variant: a polyphase ESME (DUIS ``ESMEVariant`` C...) is read with ECS26k
(6.2.1) and reset with ECS29f (6.27); others with ECS26b and ECS29e.

``GENERATIONS`` is opendcc's reading of when GBCS introduced the newer use cases (their
message codes follow those of GBCS v1 and precede the v3 dual-band CH codes); it is
approximate, and a Device recorded with an older GBCS version gets the older use case.
The ESME variant is read from the inventory view when it offers ``esme_variant(eui)``,
else from the Device record's ``esme_variant`` attribute when it has one; unknown means
single phase.
"""

from __future__ import annotations

from typing import Final, Protocol, runtime_checkable

from opendcc.eui import Eui64
from opendcc.inventory.model import Device, DeviceType
from opendcc.transform.registry import TransformInput

GENERATIONS: Final[dict[str, tuple[int, int]]] = {
    "ECS26l": (2, 0),
    "GCS21k": (2, 0),
    "ECS26m": (3, 0),
    "GCS21m": (3, 0),
    "ECS26n": (3, 0),
}
"""The first GBCS version (major, minor) whose Devices opendcc addresses with each newer
use case (opendcc's reading; see the module docstring)."""

_NEWEST: Final = (99, 0)

# (variant, device type) -> (older use case, newer use case)
_BY_GENERATION: Final[dict[tuple[str, DeviceType], tuple[str, str]]] = {
    ("6.2.3", DeviceType.ESME): ("ECS26d", "ECS26l"),
    ("6.2.3", DeviceType.GSME): ("GCS21d", "GCS21k"),
    ("6.2.3", DeviceType.GPF): ("GCS21d", "GCS21k"),
    ("6.2.4", DeviceType.ESME): ("ECS26e", "ECS26m"),
    ("6.2.4", DeviceType.GSME): ("GCS21e", "GCS21m"),
    ("6.2.4", DeviceType.GPF): ("GCS21e", "GCS21m"),
    ("6.2.4", DeviceType.CHF): ("ECS26i", "ECS26n"),
}


@runtime_checkable
class EsmeVariantLookup(Protocol):
    """An inventory view that knows each ESME's DUIS ``ESMEVariant`` (A, B, C, AD...)."""

    def esme_variant(self, eui: Eui64) -> str | None: ...


def gbcs_version(device: Device) -> tuple[int, int]:
    """The Device's GBCS version as (major, minor); unreadable text counts as the newest."""
    parts = device.gbcs_version.strip().split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return _NEWEST
    return (major, minor)


def esme_variant(request: TransformInput) -> str | None:
    inventory = request.inventory
    if isinstance(inventory, EsmeVariantLookup):
        found = inventory.esme_variant(request.target)
        if found:
            return str(found)
    value = getattr(request.device, "esme_variant", None)
    return str(value) if value else None


def is_polyphase(request: TransformInput) -> bool:
    """A polyphase ESME: DUIS ESMEVariant C, CD, CDE... (SMETS2 variant C)."""
    variant = esme_variant(request)
    return variant is not None and variant.upper().startswith("C")


def by_generation(request: TransformInput) -> str:
    """The use case of a Device-generation choice (6.2.3, 6.2.4)."""
    older, newer = _BY_GENERATION[(request.variant, request.device.device_type)]
    return newer if gbcs_version(request.device) >= GENERATIONS[newer] else older


def generation_routes() -> dict[tuple[str, DeviceType], tuple[str, str]]:
    return dict(_BY_GENERATION)
