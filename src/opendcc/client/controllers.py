"""Which ESME carries out a critical request addressed to an HCALCS, as a User finds out.

GBCS has no Remote Party use case addressed to an HCALCS for auxiliary load control: the
HCALCS is Auxiliary Controller [n] of the ESME it is joined to (GBCS 13.7, CS03A1 / CS03A2;
the ESME reports its ID against n in ECS61a / ECS61e), and the ESME carries out the
control. So the DCC sends the Command of DUIS 7.13 Set Auxiliary Controller State (ECS47a)
addressed to an HCALCS to that ESME (``opendcc.transform.supply_auxiliary._to_esme``), and
the Pre-Command's recipient is the ESME, not the request's target. To correlate it the
User's software must know which ESME that is (``DeviceFacts``: the HCALCS with that ESME
as its parent, and the ESME itself).

DUIS offers no field naming the pairing: a ``DSPInventory`` Device (DUIS 8.2 Read Inventory,
XSD ``sr:Device``) carries type, status, MPxNs, ESMEVariant, UPRN and address, never the
meter a HAN Device is joined to. The most direct sound route is the premises:

1. 8.2 Read Inventory by the HCALCS's ``DeviceID``: that it is an HCALCS, and its UPRN;
2. 8.2 Read Inventory by that ``UPRN``: the Devices of the premises (up to 17, DUIS 8.2);
   an HCALCS joins only an ESME (GBCS 13.7; the inventory's rules agree), so the ESMEs
   among them are the candidates.

One ESME at the premises is the one. Several (a meter installed beside the old one, an
ESME waiting to be joined) are ambiguous, and the client does not guess: it stops before
sending, names them, and the User states the ESME with ``--via EUI`` (8.9 Read Device Log of
each ESME shows which one lists the HCALCS). A stated ESME is still checked to be an ESME
at the HCALCS's premises, and correlation then requires the Pre-Command to be addressed to
it: a DCC routing the Command to any other Device gets no signature.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from lxml import etree

from opendcc.client.facts import inventory_devices, read_inventory_by
from opendcc.client.requests import SR, Counter
from opendcc.client.session import DuisClient
from opendcc.correlate import DeviceFacts
from opendcc.eui import Eui64
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus

ROUTED_VIA_ESME: Final = frozenset({"7.13"})
"""Critical variants whose Command, when the request is addressed to an HCALCS, goes to
the HCALCS's ESME (``transform.supply_auxiliary``: 7.13; 7.14 and 7.15 are routed too but
are not critical, so there is no Pre-Command to correlate). ``tests/client`` checks this
set against the transform registry."""
INVENTORY_LIMIT: Final = 17
"""Devices a ``DSPInventory`` lists at most (DUIS XSD ``DSPInventory``, maxOccurs 17): a
full listing may have left an ESME out."""
_SINCE: Final = datetime(2000, 1, 1, tzinfo=UTC)


class AssociationError(ValueError):
    """The ESME cannot be settled without the User naming it; the message says why."""


@dataclass(frozen=True, slots=True)
class Association:
    """What the look-ups found: the target, and the ESME its Command goes to."""

    target: Device | None
    esme: Device | None
    esme_variant: str | None = None
    target_variant: str | None = None

    def facts(self) -> DeviceFacts:
        devices = [d for d in (self.target, self.esme) if d is not None]
        variants = {}
        if self.target is not None and self.target_variant is not None:
            variants[self.target.device_id] = self.target_variant
        if self.esme is not None and self.esme_variant is not None:
            variants[self.esme.device_id] = self.esme_variant
        return DeviceFacts.of(devices, esme_variants=variants)


def routed_via_esme(root: etree._Element) -> bool:
    """Whether the request is of a variant the DCC routes from an HCALCS to its ESME."""
    variant = (root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant") or "").strip()
    return variant in ROUTED_VIA_ESME


def stated(target: Eui64, via: Eui64) -> Association:
    """The pairing as the User states it with ``--via``, without look-ups (``--keep-counter``):
    the target an HCALCS, ``via`` an ESME."""
    hcalcs = Device(
        target, DeviceType.HCALCS, SmiStatus.COMMISSIONED, _SINCE, CspRegion.CENTRAL, parent_id=via
    )
    esme = Device(via, DeviceType.ESME, SmiStatus.COMMISSIONED, _SINCE, CspRegion.CENTRAL)
    return Association(hcalcs, esme)


async def associated_esme(
    client: DuisClient,
    target: Eui64,
    via: Eui64 | None,
    counter: Counter,
    steps: list[dict[str, Any]],
) -> Association:
    """Look up ``target`` and, when it is an HCALCS, the ESME its Command goes to (``via``
    if the User named one), appending one step per 8.2 Read Inventory. Raises
    ``AssociationError`` when the ESME is ambiguous or ``via`` is not an ESME there."""
    content, answer_step = await _read(client, counter, "DeviceID", str(target))
    listed = {device.device_id: (device, variant) for device, variant in inventory_devices(content)}
    found = listed.get(target)
    uprn = _uprn(content, target)
    if found is None:
        answer_step["detail"] = answer_step["detail"] or "the inventory does not list it"
        steps.append(answer_step)
        # The hub refuses a request to a Device it does not hold; with nothing known,
        # correlation cannot vouch for a Pre-Command addressed elsewhere.
        return Association(None, None)
    device, variant = found
    answer_step["detail"] = f"{device.device_type.value} {device.status.value}" + (
        f", UPRN {uprn}" if uprn is not None else ""
    )
    steps.append(answer_step)
    if device.device_type is not DeviceType.HCALCS:
        if via is not None:
            raise AssociationError(
                f"--via names the ESME a request to an HCALCS goes through; the inventory"
                f" lists {target} as {device.device_type.value}, whose Commands go to itself"
            )
        return Association(device, None, target_variant=variant)
    if uprn is None:
        if via is None:
            raise AssociationError(
                f"the inventory gives the HCALCS {target} no UPRN, so its premises and ESME"
                " cannot be found: name the ESME it is joined to with --via EUI"
            )
        esme, esme_variant = await _stated_esme(client, counter, steps, via)
        return Association(replace(device, parent_id=esme.device_id), esme, esme_variant)
    premises, uprn_step = await _read(client, counter, "UPRN", str(uprn))
    at_premises = inventory_devices(premises)
    esmes = [(d, v) for d, v in at_premises if d.device_type is DeviceType.ESME]
    names = ", ".join(str(d.device_id) for d, _ in esmes) or "none"
    uprn_step["detail"] = f"{len(at_premises)} Devices; ESMEs: {names}"
    steps.append(uprn_step)
    if via is not None:
        chosen = [(d, v) for d, v in esmes if d.device_id == via]
        if not chosen and len(at_premises) >= INVENTORY_LIMIT:
            # A full listing may have left it out: read it by its DeviceID instead.
            chosen = [await _stated_esme(client, counter, steps, via)]
        if not chosen:
            raise AssociationError(
                f"--via {via} is not an ESME at the HCALCS's premises (UPRN {uprn}; the"
                f" inventory lists ESMEs: {names})"
            )
        esme, esme_variant = chosen[0]
    elif not esmes:
        # Nothing to pair it with: the hub refuses the request (the HCALCS is not paired),
        # and correlation, knowing the HCALCS has no ESME, vouches for no Pre-Command.
        return Association(device, None)
    elif len(esmes) > 1 or len(at_premises) >= INVENTORY_LIMIT:
        full = len(at_premises) >= INVENTORY_LIMIT
        more = " (the listing is full: there may be more)" if full else ""
        shown = ", ".join(f"{d.device_id} ({d.status.value})" for d, _ in esmes)
        raise AssociationError(
            f"the DCC sends this request to the ESME the HCALCS {target} is joined to, and"
            f" the inventory lists {len(esmes)} ESME{'' if len(esmes) == 1 else 's'} at its"
            f" premises (UPRN {uprn}):"
            f" {shown}{more}. opendcc does not guess which: 8.9 Read Device Log of each ESME"
            " shows the one whose log holds the HCALCS; name it with --via EUI"
        )
    else:
        esme, esme_variant = esmes[0]
    return Association(replace(device, parent_id=esme.device_id), esme, esme_variant)


async def _stated_esme(
    client: DuisClient, counter: Counter, steps: list[dict[str, Any]], via: Eui64
) -> tuple[Device, str | None]:
    content, step = await _read(client, counter, "DeviceID", str(via))
    found = [(d, v) for d, v in inventory_devices(content) if d.device_id == via]
    if not found or found[0][0].device_type is not DeviceType.ESME:
        step["detail"] = (
            f"{found[0][0].device_type.value}" if found else "the inventory does not list it"
        )
        steps.append(step)
        raise AssociationError(f"--via {via} is not an ESME in the inventory")
    step["detail"] = f"ESME {found[0][0].status.value}"
    steps.append(step)
    return found[0]


async def _read(
    client: DuisClient, counter: Counter, key: str, value: str
) -> tuple[etree._Element | None, dict[str, Any]]:
    root = read_inventory_by(client.identity.eui, counter.next(datetime.now(UTC)), key, value)
    _, answer = await client.send(root)
    content = answer.response.content if answer.response is not None else None
    label = value if key == "DeviceID" else f"{key} {value}"
    step = {
        "step": f"8.2 Read Inventory {label}",
        "http": answer.status,
        "code": answer.code,
        "detail": answer.problem,
    }
    return content, step


def _uprn(content: etree._Element | None, eui: Eui64) -> int | None:
    """The UPRN a ``DSPInventory`` gives Device ``eui`` (None when absent or unreadable)."""
    if content is None:
        return None
    for node in content.iterfind(f"{SR}Device"):
        try:
            if Eui64.parse((node.findtext(f"{SR}DeviceID") or "").strip()) != eui:
                continue
            return int((node.findtext(f"{SR}UPRN") or "").strip())
        except ValueError:
            return None
    return None
