"""Transforms of the register reads (Service Reference 4): instantaneous registers, export,
maximum demand, load limit data and active power.

| DUIS variant | ESME (DLMS) | GSME / GPF (GBZ) |
|---|---|---|
| 4.1.1 Read Instantaneous Import Registers | ECS17b (single and twin element) | GCS13a |
| 4.1.2 Read Instantaneous Import TOU Matrices | ECS17d | GCS13c |
| 4.1.3 Read Instantaneous Import TOU With Blocks Matrices | ECS17e | |
| 4.1.4 Read Instantaneous Import Block Counters | | GCS13b |
| 4.2 Read Instantaneous Export Registers | ECS17a | |
| 4.12.1 / 4.12.2 Read Maximum Demand Import / Export Registers | ECS18b / ECS18a | |
| 4.15 Read Load Limit Data | ECS27 | |
| 4.16 Read Active Power Import | ECS17c | |

The ESME Commands are the request lists GBCS fixes per use case
(``opendcc.gbcs.dlms.usecase_table``); register values that are personal data are read
with GBCS protected reads, which the ESME answers encrypted for the User. The gas reads go
to the GSME or to the GPF (which answers from its mirror of the GSME's data) with the same
ZCL Read Attributes: the formatting attributes (Divisor, Multiplier, UnitOfMeasure) and the
summations, in the order of the reference Commands. Twin-element ESMEs take the same
Commands; only their answers are wider. ``ExecutionDateTime`` (future-dated pattern "DSP")
is the hub's: it releases the request at that time, then runs the transform.
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.inventory.model import DeviceType
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.reads_common import command_spec, dlms_read, originate, refuse
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transforms

ESME_REGISTER_READS: Final[dict[str, str]] = {
    "4.1.1": "ECS17b",
    "4.1.2": "ECS17d",
    "4.1.3": "ECS17e",
    "4.2": "ECS17a",
    "4.12.1": "ECS18b",
    "4.12.2": "ECS18a",
    "4.15": "ECS27",
    "4.16": "ECS17c",
}

_FORMATTING: Final = ("Divisor", "Multiplier", "UnitOfMeasure")
GAS_REGISTER_READS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "4.1.1": ("GCS13a", (*_FORMATTING, "CurrentSummationDelivered")),
    "4.1.2": (
        "GCS13c",
        (*_FORMATTING, *(f"CurrentTier{n}SummationDelivered" for n in range(1, 5))),
    ),
    # GCS13b asks for the block counters first (reference Commands).
    "4.1.4": (
        "GCS13b",
        (*(f"CurrentNoTierBlock{n}SummationDelivered" for n in range(1, 5)), *_FORMATTING),
    ),
}


@transforms("4.1.1", DeviceType.ESME)
@transforms("4.1.2", DeviceType.ESME)
@transforms("4.1.3", DeviceType.ESME)
@transforms("4.2", DeviceType.ESME)
@transforms("4.12.1", DeviceType.ESME)
@transforms("4.12.2", DeviceType.ESME)
@transforms("4.15", DeviceType.ESME)
@transforms("4.16", DeviceType.ESME)
def esme_register_read(request: TransformInput) -> CommandSpec | TransformRefusal:
    """ECS17a-e, ECS18a/b, ECS27 on an ESME (see the module table)."""
    use_case = ESME_REGISTER_READS[request.variant]
    origin = originate(request, use_case)
    try:
        payload = dlms_read(use_case, request, origin)
    except BodyValueError as exc:  # pragma: no cover - register reads read no body values
        return refuse(request, str(exc))
    return command_spec(request, use_case, payload, origin)


@transforms("4.1.1", DeviceType.GSME, DeviceType.GPF)
@transforms("4.1.2", DeviceType.GSME, DeviceType.GPF)
@transforms("4.1.4", DeviceType.GSME, DeviceType.GPF)
def gas_register_read(request: TransformInput) -> CommandSpec:
    """GCS13a, GCS13c, GCS13b to the GSME or its GPF: one Metering Read Attributes."""
    use_case, attributes = GAS_REGISTER_READS[request.variant]
    origin = originate(request, use_case)
    payload = z.command_payload(
        z.component("Metering", z.read_attributes("Metering", *attributes)), use_case=use_case
    )
    return command_spec(request, use_case, encode_gbz(payload), origin)
