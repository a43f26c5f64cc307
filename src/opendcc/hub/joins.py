"""HAN associations the Smart Metering Inventory learns from Join and Unjoin Responses.

DUIS 8.7.1 / 8.7.2 Join Service and 8.8.1 / 8.8.2 Unjoin Service change which Devices
are joined on the HAN (GBCS 13.7, 13.8: CS03A1, CS03A2, CS03B, CS03C; CS04AC, CS04B).
The DCC keeps the Smart Metering Inventory's record of those relationships (SEC Section
H5, the Smart Metering Inventory; the consultation's "inter-relationships" of Devices,
which 8.7 "establishes"), and it is the Device that decides whether a join happened: its
Join Device Response carries ``success`` or the reason it refused (``deviceLogFull``,
``noCBKEResponse``, ...). So the hub records the association when, and only when, the
Device reports success, in the same write job as the Response's own record
(``hub.processor``: SM WAN; ``hub.local_delivery``: a Response returned with 8.13), so the
inventory and the Response the User receives never disagree.

What the inventory records (``store.inventory``, ``estate.rules``): the meters a PPMID,
HCALCS or Type 2 device is joined to (``device_links``; its ``parent_id`` is the first of
them). Of the pairs the transforms build (``transform.security_han``):

| target | partner | recorded |
|---|---|---|
| ESME, GSME | PPMID, HCALCS, Type 2 | partner joined to the target meter |
| PPMID, HCALCS | ESME, GSME | target joined to the partner meter |
| GSME | GPF | nothing: the GSME's GPF is its ``parent_id``, set when it is added |

A method A or C join takes two Commands (one to each Device, GBCS 13.7); the inventory
records the association at the first successful half, and the second finds it there.
Read back from the Command the hub sent (its ``other_device_entity_id``), never from the
request body: the Response answers that Command.

What the Device reports is authoritative; the inventory's own rules still hold: a join the
inventory refuses (an HCALCS to a GSME, a fifth meter, a partner no longer in the
inventory) or already holds, or an unjoin of an association it does not hold, changes
nothing and is logged. A fault in this step is rolled back alone (a savepoint): the
Response is recorded and delivered regardless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from opendcc.estate.records import DeviceDetails, EstateRefusal
from opendcc.estate.rules import HAN_DEVICE_METERS
from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.der import (
    DerPayload,
    JoinDeviceCommand,
    JoinDeviceResponse,
    UnjoinDeviceCommand,
    UnjoinDeviceResponse,
)
from opendcc.hub.learned import LearnedStep
from opendcc.inventory.model import Device
from opendcc.store.events import Event, EventKind, append_events
from opendcc.store.inventory import SqliteInventory, WriteStep

log = logging.getLogger("opendcc.hub.joins")

JOIN_VARIANTS: Final = frozenset({"8.7.1", "8.7.2"})
UNJOIN_VARIANTS: Final = frozenset({"8.8.1", "8.8.2"})


@dataclass(frozen=True, slots=True)
class Association:
    """A HAN association a Device's Response reported made (``joining``) or removed."""

    joining: bool
    han_device: Eui64
    """The PPMID, HCALCS or Type 2 device."""
    meter: Eui64

    @property
    def change(self) -> str:
        return "joined" if self.joining else "unjoined"


def reported(
    variant: str,
    target: Device,
    command: bytes,
    response: bytes,
    inventory: SqliteInventory,
) -> Association | None:
    """The association the Device's ``response`` to ``command`` reports, if any.

    None unless ``variant`` is a join or unjoin, the Response is the Device's success, and
    the two Devices are a pair the inventory records (the module's table).
    """
    joining = variant in JOIN_VARIANTS
    if not joining and variant not in UNJOIN_VARIANTS:
        return None
    try:
        sent = decode(command).payload
        answer = decode(response).payload
    except (GbcsDecodeError, ValueError):
        return None  # not a DER join (a damaged frame): nothing is learned from it
    if not (isinstance(sent, DerPayload) and isinstance(answer, DerPayload)):
        return None
    wanted = (
        (JoinDeviceCommand, JoinDeviceResponse)
        if joining
        else (UnjoinDeviceCommand, UnjoinDeviceResponse)
    )
    if not (isinstance(sent.body, wanted[0]) and isinstance(answer.body, wanted[1])):
        return None
    if not answer.body.succeeded:
        return None
    partner = sent.body.other_device_entity_id
    if target.device_type in HAN_DEVICE_METERS:
        return Association(joining, target.device_id, partner)
    if not target.device_type.is_meter:
        return None
    other = inventory.get_device(partner)
    if other is not None and other.device_type not in HAN_DEVICE_METERS:
        return None  # a GSME and its GPF: not a HAN device's association
    if other is None and joining:
        return None  # the transform found it; it has left the inventory since
    return Association(joining, partner, target.device_id)


class Recording(LearnedStep):
    """Records one ``Association`` inside a write job (``hub.learned``)."""

    def __init__(self, association: Association, inventory: SqliteInventory, event: Event) -> None:
        self.association = association
        self._event = event
        a = association
        make = inventory.join_step if a.joining else inventory.unjoin_step
        step: WriteStep[DeviceDetails | EstateRefusal] = make(
            a.han_device, a.meter, record=self._record
        )
        super().__init__(step, "han_association", f"{a.han_device} {a.change} {a.meter}")

    def _record(self, conn: Any, details: DeviceDetails) -> None:
        event = self._event
        detail = {
            **event.detail,
            "change": self.association.change,
            "device": str(self.association.han_device),
            "meter": str(self.association.meter),
            "joined_meters": [str(m) for m in details.joined_meters],
        }
        append_events(
            conn,
            [
                Event(
                    EventKind.INVENTORY_CHANGED,
                    event.at,
                    event.request_id,
                    event.originator,
                    event.target,
                    event.variant,
                    None,
                    detail,
                )
            ],
        )


def recording(
    variant: str,
    target: Device,
    command: bytes,
    response: bytes,
    inventory: SqliteInventory,
    *,
    at: datetime,
    request_id: str | None,
    originator: str | None,
    **detail: Any,
) -> Recording | None:
    """A ``Recording`` of what the Response reports, or None when it reports no change."""
    try:
        association = reported(variant, target, command, response, inventory)
    except Exception:  # a fault in learning must not stop the Response being recorded
        log.exception("reading the association of a %s Response failed", variant)
        return None
    if association is None:
        return None
    event = Event(
        EventKind.INVENTORY_CHANGED,
        at,
        request_id,
        originator,
        str(target.device_id),
        variant,
        None,
        detail,
    )
    return Recording(association, inventory, event)
