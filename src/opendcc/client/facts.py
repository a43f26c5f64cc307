"""What a User finds out about the other Device a critical request names, before it signs.

DUIS 8.7.1 Join Service (Critical) names the other Device only by ``OtherDeviceID``; the
Command the DCC makes of it depends on that Device (GBCS 13.7: its type chooses the join
method, CS03A1, CS03A2 or CS03C, and a method C join between a GSME and a PPMID carries
its Key Agreement certificate as the SMKI holds it, GBCS 13.7.5). To correlate the
Pre-Command (``opendcc.correlate``) the User's software must transform the request with
the same facts, so before sending it the User looks the partner up as any User can:

- its Device type and SMI status with DUIS 8.2 Read Inventory (Command Variant 8, a
  non-device request open to every User Role, answered at once in ``DSPInventory``);
- its in-use certificates from the SMKI repository's certificate service (SEC Appendix M,
  SMKI Repository Interface: ``certificatesearch`` then ``retrievecertificate``; DCC
  Boxed serves it on the DUIS port + 4).

Both are the DCC's records, not the User's own: they tell the User what the DCC will put
in the Command, and correlation still checks every byte of it. Each look-up is a step of
the report; a look-up that finds nothing leaves the fact out, and correlation then refuses
with the reason (the hub refuses such a join too: E080702).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import aiohttp
from lxml import etree

from opendcc.client.requests import SR, Counter
from opendcc.client.session import DuisClient
from opendcc.client.smki import device_certificates
from opendcc.correlate import DeviceFacts
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.smki.keystore import Keystore

PARTNER_VARIANTS: Final = frozenset({"8.7.1"})
"""Critical variants whose Command depends on the Device named by ``OtherDeviceID``
(8.8.1 Unjoin names one too, but its CS04AC carries only the EUI: no facts needed)."""
_SINCE: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""``status_since`` of a Device read from the inventory (DSPInventory does not say it;
no transform reads it)."""


def partners(root: etree._Element) -> list[Eui64]:
    """The other Devices the request's Command depends on: ``OtherDeviceID`` of a
    ``PARTNER_VARIANTS`` request, else none. An unreadable EUI is left to the hub to refuse."""
    variant = (root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant") or "").strip()
    if variant not in PARTNER_VARIANTS:
        return []
    found: list[Eui64] = []
    for node in root.iter(f"{SR}OtherDeviceID"):
        try:
            eui = Eui64.parse((node.text or "").strip())
        except ValueError:
            continue
        if eui not in found:
            found.append(eui)
    return found


def inventory_devices(content: etree._Element | None) -> list[tuple[Device, str | None]]:
    """The Devices of a ``DSPInventory`` (DUIS 8.2), with each one's ``ESMEVariant``.
    A Device whose type or status DUIS does not define is skipped."""
    if content is None or etree.QName(content).localname != "DSPInventory":
        return []
    devices: list[tuple[Device, str | None]] = []
    for node in content.iterfind(f"{SR}Device"):
        try:
            eui = Eui64.parse((node.findtext(f"{SR}DeviceID") or "").strip())
            kind = DeviceType((node.findtext(f"{SR}DeviceType") or "").strip())
            status_text = (node.findtext(f"{SR}DeviceStatus") or "").strip()
            status = SmiStatus(status_text) if status_text else SmiStatus.NOT_APPLICABLE
            region_text = (node.findtext(f"{SR}CSPRegion") or "").strip()
            region = CspRegion(region_text) if region_text else CspRegion.CENTRAL
        except ValueError:
            continue
        version = (node.findtext(f"{SR}DeviceGBCSVersion") or "").strip()
        variant = (node.findtext(f"{SR}ESMEVariant") or "").strip() or None
        device = Device(eui, kind, status, _SINCE, region, gbcs_version=version or "4.1")
        devices.append((device, variant))
    return devices


def read_inventory_request(user: Eui64, device: Eui64, counter: int) -> etree._Element:
    """DUIS 8.2 Read Inventory of ``device`` by ``user`` (CV 8, to the ACB)."""
    return read_inventory_by(user, counter, "DeviceID", str(device))


def read_inventory_by(user: Eui64, counter: int, key: str, value: str) -> etree._Element:
    """DUIS 8.2 Read Inventory by ``user`` searching by ``key`` (``DeviceID``, ``UPRN``,
    ``MPxN``: the ``ReadInventory`` choice) for ``value`` (CV 8, to the ACB)."""
    srv = service_reference_variant("8.2")
    assert srv is not None
    header = RequestHeader(
        RequestId(user, DCC_ACCESS_CONTROL_BROKER, counter),
        CommandVariant.NON_DEVICE,
        srv.service_reference,
        srv,
    )
    body = build.sr("ReadInventory", children=[build.sr(key, value)])
    return build.request_document(header, body)


async def partner_facts(
    client: DuisClient,
    session: aiohttp.ClientSession,
    smki: str,
    others: list[Eui64],
    counter: Counter,
    steps: list[dict[str, Any]],
) -> DeviceFacts:
    """Look up each of ``others`` (8.2 Read Inventory, then the SMKI service) and return
    what was found, appending one step per look-up to ``steps``."""
    devices: list[Device] = []
    variants: dict[Eui64, str] = {}
    keystore = Keystore()
    for other in others:
        root = read_inventory_request(client.identity.eui, other, counter.next(datetime.now(UTC)))
        _, answer = await client.send(root)
        content = answer.response.content if answer.response is not None else None
        found = [
            (device, variant)
            for device, variant in inventory_devices(content)
            if device.device_id == other
        ]
        if answer.problem is not None or not found:
            detail = answer.problem or "the inventory does not list it"
        else:
            device, variant = found[0]
            devices.append(device)
            if variant is not None:
                variants[other] = variant
            detail = f"{device.device_type.value} {device.status.value}"
        steps.append(
            {
                "step": f"8.2 Read Inventory {other}",
                "http": answer.status,
                "code": answer.code,
                "detail": detail,
            }
        )
        try:
            certificates = await device_certificates(session, smki, other, in_use_only=True)
        except (aiohttp.ClientError, ValueError) as exc:
            # No SMKI service there, or a certificate body that is not base64 DER: the
            # partner's certificates stay unknown (a method C join then does not correlate).
            steps.append({"step": f"SMKI certificates {other}", "detail": f"not read: {exc}"})
            continue
        usages = []
        for certificate in certificates:
            entry = keystore.add_certificate(certificate, source=f"{smki} SMKI")
            if entry is not None and entry.usage is not None:
                usages.append(entry.usage.value.upper())
        steps.append(
            {
                "step": f"SMKI certificates {other}",
                "detail": f"{len(certificates)} in use"
                + (f" ({', '.join(sorted(usages))})" if usages else ""),
            }
        )
    return DeviceFacts.of(devices, esme_variants=variants, keystore=keystore)
