"""Transforms of the configuration reads (DUIS 6.2.x); their bodies carry no values.

- 6.2.1 Voltage: ECS26b, or ECS26k on a polyphase ESME (RMS limiter thresholds and
  periods, average RMS voltage thresholds).
- 6.2.2 Randomisation: ECS26c (randomised offset, offset number, offset limit).
- 6.2.3 Billing Calendar: ECS26d / ECS26l (the billing single action schedule); GCS21d /
  GCS21k on a GSME or GPF (Price GetBillingPeriod).
- 6.2.4 Identity Exc MPxN: ECS26e / ECS26m (ESME), GCS21e / GCS21m (GSME, GPF: Basic and
  Metering attributes), ECS26i / ECS26n (CHF).
- 6.2.5 Instantaneous Power Thresholds: ECS26f.
- 6.2.7 MPxN: ECS40 (import and export MPAN), GCS46 (Metering SiteID).
- 6.2.8 Gas: GCS21a (calorific value, conversion factor, uncontrolled flow settings).
- 6.2.10 Event and Alert Behaviours: ECS25r1 (Import Supplier) or ECS25r2 (Electricity
  Distributor) on an ESME; GCS20r (GetEventConfiguration) on a GSME.

The ECS request lists are GBCS's (``opendcc.gbcs.dlms.usecase_table`` holds the same lists
for naming Responses; a test checks these Commands against it).
"""

from __future__ import annotations

from functools import cache
from typing import Final

from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.inventory.model import DeviceType
from opendcc.roles import UserRole
from opendcc.transform.config_common import (
    RefusalError,
    fixed_tail,
    gbz_spec,
    get,
    guarded,
    originator_counter,
    spec,
    with_invoke_id,
)
from opendcc.transform.config_select import by_generation, is_polyphase
from opendcc.transform.registry import CommandSpec, TransformInput, transforms

E, G, C, P = DeviceType.ESME, DeviceType.GSME, DeviceType.CHF, DeviceType.GPF

_LIMITERS: Final = ("0-0:17.0.1.255", "0-0:17.0.2.255", "0-0:17.0.3.255", "0-0:17.0.4.255")
"""RMS extreme over-voltage, extreme under-voltage, voltage sag, voltage swell (class 71)."""

# (class, OBIS, attribute) read by each ESME/CHF read use case, in Command order.
# fmt: off
ESME_READS: Final[dict[str, tuple[tuple[int, str, int], ...]]] = {
    "ECS26b": (
        *((71, obis, attr) for obis in _LIMITERS for attr in (4, 6)),
        (1, "1-0:32.35.0.4", 2), (1, "1-0:32.31.0.4", 2),
    ),
    "ECS26k": (
        *((71, obis, attr) for obis in _LIMITERS for attr in (4, 6)),
        (1, "1-0:32.35.0.4", 2), (1, "1-0:32.31.0.4", 2),
        (1, "1-0:52.31.0.4", 2), (1, "1-0:52.35.0.4", 2),
        (1, "1-0:72.31.0.4", 2), (1, "1-0:72.35.0.4", 2),
    ),
    "ECS26c": ((1, "0-0:94.44.0.0", 2), (1, "0-0:94.44.0.2", 2), (1, "0-0:94.44.0.1", 2)),
    "ECS26d": ((22, "0-0:15.0.0.255", 4),),
    "ECS26l": ((22, "0-0:15.0.0.255", 4),),
    "ECS26e": (
        (1, "0-0:96.1.1.255", 2), (1, "0-0:96.1.2.255", 2), (1, "0-0:96.1.4.255", 2),
        (1, "0-0:96.1.6.255", 2), (1, "0-0:94.44.0.4", 2),
    ),
    "ECS26m": (
        (1, "0-0:96.1.2.255", 2), (1, "0-0:96.1.4.255", 2), (1, "0-0:96.1.6.255", 2),
        (1, "0-0:94.44.0.4", 2),
    ),
    "ECS26i": ((1, "0-0:96.1.1.255", 2), (1, "0-0:96.1.4.255", 2), (1, "0-0:96.1.6.255", 2)),
    "ECS26n": ((1, "0-0:96.1.4.255", 2), (1, "0-0:96.1.6.255", 2)),
    "ECS26f": ((21, "0-0:16.0.0.255", 2),),
    "ECS40": ((1, "0-0:94.44.34.11", 2), (1, "1-0:0.0.2.255", 2)),
    "ECS25r1": (
        (1, "0-30:97.98.15.255", 2), (1, "0-30:97.98.16.255", 2),
        (1, "0-30:97.98.17.255", 2), (1, "0-30:97.98.18.255", 2),
    ),
    "ECS25r2": ((1, "0-33:97.98.15.255", 2), (1, "0-33:97.98.18.255", 2)),
}
# fmt: on

# (cluster, attributes) per GBZ read use case, one component each, in Command order.
GAS_READS: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "GCS21e": (
        ("Basic", ("ManufacturerName", "ModelIdentifier", "HWVersion")),
        ("Metering", ("SupplyDepletionState", "SupplyTamperState")),
    ),
    "GCS21m": (
        ("Basic", ("ManufacturerName", "ModelIdentifier")),
        ("Metering", ("SupplyDepletionState", "SupplyTamperState")),
    ),
    "GCS46": (("Metering", ("SiteID",)),),
    "GCS21a": (
        (
            "Price",
            (
                "CalorificValueTrailingDigit",
                "CalorificValueUnit",
                "CalorificValue",
                "ConversionFactorTrailingDigit",
                "ConversionFactor",
            ),
        ),
        (
            "Metering",
            (
                "UncontrolledFlowDivisor",
                "UncontrolledFlowMultiplier",
                "UncontrolledFlowThresholdUnitOfMeasure",
                "UncontrolledFlowThreshold",
                "FlowStabilisationPeriod",
                "FlowMeasurementPeriod",
            ),
        ),
    ),
}

ALL_EVENTS: Final = 0x81FF
"""GetEventConfiguration's event id for every non-critical GSME event (GBCS GCS20r: the
0x81xx event codes; the reference GCS20r Command)."""
EARLIEST: Final = 0
LATEST_ISSUER_EVENT: Final = 0xFFFF_FFFF


def esme_read(request: TransformInput, use_case: str) -> CommandSpec:
    """A fixed DLMS read: encoded once per use case, the invoke id set per Command."""
    tail = fixed_tail(tuple(get(*item) for item in ESME_READS[use_case]))
    return spec(request, use_case, with_invoke_id(originator_counter(request), tail))


@cache
def gas_read_payload(use_case: str) -> bytes:
    components = [
        z.component(cluster, z.read_attributes(cluster, *attributes, tsn=tsn))
        for tsn, (cluster, attributes) in enumerate(GAS_READS[use_case])
    ]
    return encode_gbz(z.command_payload(*components, use_case=use_case))


def gas_read(request: TransformInput, use_case: str) -> CommandSpec:
    """A GBZ read: the same bytes every time (GBZ Commands carry no counter)."""
    return spec(request, use_case, gas_read_payload(use_case))


@transforms("6.2.1", E)
@guarded
def read_voltage(request: TransformInput) -> CommandSpec:
    """6.2.1: ECS26b, or ECS26k on a polyphase ESME."""
    return esme_read(request, "ECS26k" if is_polyphase(request) else "ECS26b")


@transforms("6.2.2", E)
@guarded
def read_randomisation(request: TransformInput) -> CommandSpec:
    """6.2.2: ECS26c."""
    return esme_read(request, "ECS26c")


@transforms("6.2.3", E, G, P)
@guarded
def read_billing_calendar(request: TransformInput) -> CommandSpec:
    """6.2.3: ECS26d/ECS26l on an ESME; GCS21d/GCS21k (Price GetBillingPeriod for the
    latest period) on a GSME or the GPF."""
    use_case = by_generation(request)
    if request.device.device_type is E:
        return esme_read(request, use_case)
    frame = z.cluster_command(
        "Price",
        "GetBillingPeriod",
        earliest_start_time=EARLIEST,
        min_issuer_event_id=LATEST_ISSUER_EVENT,
        number_of_commands=1,
        tariff_type=0,
    )
    return gbz_spec(request, use_case, [z.component("Price", frame)])


@transforms("6.2.4", E, G, C, P)
@guarded
def read_identity(request: TransformInput) -> CommandSpec:
    """6.2.4: ECS26e/ECS26m (ESME), GCS21e/GCS21m (GSME, GPF), ECS26i/ECS26n (CHF)."""
    use_case = by_generation(request)
    if request.device.device_type in (E, C):
        return esme_read(request, use_case)
    return gas_read(request, use_case)


@transforms("6.2.5", E)
@guarded
def read_power_thresholds(request: TransformInput) -> CommandSpec:
    """6.2.5: ECS26f."""
    return esme_read(request, "ECS26f")


@transforms("6.2.7", E, G, P)
@guarded
def read_mpxn(request: TransformInput) -> CommandSpec:
    """6.2.7: ECS40 (import and export MPAN) or GCS46 (MPRN)."""
    if request.device.device_type is E:
        return esme_read(request, "ECS40")
    return gas_read(request, "GCS46")


@transforms("6.2.8", G, P)
@guarded
def read_gas_configuration(request: TransformInput) -> CommandSpec:
    """6.2.8: GCS21a."""
    return gas_read(request, "GCS21a")


_BEHAVIOUR_READS: Final = {
    UserRole.IMPORT_SUPPLIER: "ECS25r1",
    UserRole.ELECTRICITY_DISTRIBUTOR: "ECS25r2",
}


@transforms("6.2.10", E, G)
@guarded
def read_event_behaviours(request: TransformInput) -> CommandSpec:
    """6.2.10: ECS25r1 (Import Supplier) or ECS25r2 (Electricity Distributor) on an ESME;
    GCS20r on a GSME (Gas Supplier)."""
    if request.device.device_type is E:
        use_case = _BEHAVIOUR_READS.get(request.role)
        if use_case is None:
            raise RefusalError(
                f"6.2.10 on an ESME has no use case for the {request.role.value} role"
            )
        return esme_read(request, use_case)
    frame = z.cluster_command("DeviceManagement", "GetEventConfiguration", event_id=ALL_EVENTS)
    return gbz_spec(request, "GCS20r", [z.component("DeviceManagement", frame)])
