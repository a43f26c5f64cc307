"""DUIS 8.6 Service Opt In: a withdrawn (opted-out) meter comes back into DCC services.

A meter at non-domestic premises may be opted out of DCC services (8.5 Service Opt Out:
the Access Control Broker replaces its own credentials on the Device, and the Device is
``Withdrawn``) and later opted back in (SEC Section H (Services for Non-Domestic
Premises: opting out and in); DUIS Service Reference 8.6). The DUIS request matrix opens
8.6 to no User Role: the DCC raises it itself, for the Supplier that asked it to (the
pipeline answers a User that sends it E2, "open to the DCC only"). The hub runs it for the
DCC through ``ServiceOptIn.opt_in`` (the admin API's ``POST /admin/v1/opt-in``) and, should
a DCC-originated request reach the non-device handler, the same way.

Body (``ServiceOptIn``): ``DeviceID``, ``DeviceType``, ``MPxNs`` (``ImportMPxN``, optional
``SecondaryImportMPAN`` and ``ExportMPAN``) and ``OptInDate``. What changes in the Smart
Metering Inventory: the meter goes ``Withdrawn`` -> ``Commissioned`` (``OPT_IN``), and the
MPxNs given become the meter's. The answer (``DSPOptIn``) gives the Device and the DCC's
Access Control Broker certificates (Key Agreement, and Digital Signing when held), which
the Supplier places back on the Device (6.15.1) so the DCC can reach it again.

Refusals: E19 unknown Device; ``E080601`` the DeviceType is not the inventory's;
``E080604`` the Device is no meter (only ESME and GSME are opted out and in);
``E080606`` the MPxNs cannot be recorded (inventory rules, e.g. an MPAN on a GSME);
``E080607`` an OptInDate after today; ``E080602`` the DCC holds no ACB Key Agreement
certificate to answer with; E5 the Device is not ``Withdrawn``. These readings of
the variant codes are opendcc's (docs/duis-errors.md).

All or nothing: the MPxNs and the status change are written in one job with the
request's journal entry (``hub.change``); the status is checked again there, so a meter
that left ``Withdrawn`` meanwhile is refused E5 and keeps its MPxNs as they were.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from opendcc.access.users import DccUser
from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest
from opendcc.estate.records import DeviceUpdate, EstateRefusal
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.hub.change import Answer, Change, WriteSteps, inventory_recorder
from opendcc.hub.pipeline import RequestTrace
from opendcc.inventory.model import DeviceType, SmiStatus
from opendcc.inventory.transitions import InventoryEvent, TransitionRefused, next_status
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import Keystore
from opendcc.store.estate import SqliteEstate
from opendcc.transform import duisxml as x


class ServiceOptIn:
    """The handler of 8.6."""

    def __init__(self, estate: SqliteEstate, keystore: Keystore | None = None) -> None:
        self.estate = estate
        self.keystore = keystore

    async def handle(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        return await self.opt_in(request.body, now, trace)

    async def opt_in(
        self, body: etree._Element, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        """Opt the meter ``body`` (a ``ServiceOptIn`` element) back in: the checks the
        caches answer here, the rest, and both writes, in one ``Change``."""
        device_id = x.eui(body, "DeviceID")
        inventory = self.estate.inventory
        device = inventory.get_device(device_id)
        if device is None:
            return ResponseCode.E19, None, f"no Device {device_id} in the inventory"
        named = x.text(body, "DeviceType")
        if named != device.device_type.value:
            return (
                ResponseCode.E080601,
                None,
                f"{device_id} is a {device.device_type.value}, not a {named}",
            )
        if device.device_type not in (DeviceType.ESME, DeviceType.GSME):
            return ResponseCode.E080604, None, "only a meter (ESME, GSME) is opted in"
        if x.day(body, "OptInDate") > now.date():
            return ResponseCode.E080607, None, "OptInDate is after today"
        refused = next_status(device.status, InventoryEvent.OPT_IN)
        if isinstance(refused, TransitionRefused):
            return ResponseCode.E5, None, f"{device_id} is not Withdrawn: {refused}"
        answer = self._answer(device_id)
        if answer is None:
            return (
                ResponseCode.E080602,
                None,
                "the DCC holds no Access Control Broker Key Agreement certificate to give",
            )
        mpxns = x.require(body, "MPxNs")
        update = DeviceUpdate(
            mpxn=x.text(mpxns, "ImportMPxN"),
            secondary_mpan=x.optional_text(mpxns, "SecondaryImportMPAN"),
            export_mpan=x.optional_text(mpxns, "ExportMPAN"),
        )
        record_mpxns = inventory.update_device_step(
            device_id, update, record=inventory_recorder(trace, now, "opt_in_mpxns")
        )
        opt_in = inventory.change_status_step(
            device_id,
            InventoryEvent.OPT_IN,
            now,
            trace.request_id or "8.6",
            record=inventory_recorder(trace, now, "opt_in"),
        )
        if isinstance(opt_in, EstateRefusal):
            return ResponseCode.E080606, None, opt_in.message
        steps = WriteSteps()

        def apply(conn: Any) -> Answer:
            """The MPxNs and the status, checked against the database and written together:
            a refusal of either leaves the meter as it was (``hub.change``)."""
            recorded = steps.run(record_mpxns, conn)
            if isinstance(recorded, EstateRefusal):
                return ResponseCode.E080606, None, recorded.message
            changed = steps.run(opt_in, conn)
            if isinstance(changed, TransitionRefused):
                return ResponseCode.E5, None, f"{device_id} is not Withdrawn: {changed}"
            if isinstance(changed, EstateRefusal):
                return ResponseCode.E080606, None, changed.message
            assert changed.status is SmiStatus.COMMISSIONED
            return ResponseCode.I0, answer, f"{device_id} is opted in"

        return Change(apply, steps.committed)

    def _answer(self, device_id: Eui64) -> etree._Element | None:
        agreement = self._acb_certificate(KeyUsage.KEY_AGREEMENT)
        if agreement is None:
            return None
        children = [build.sr("DeviceID", str(device_id))]
        signing = self._acb_certificate(KeyUsage.DIGITAL_SIGNING)
        if signing is not None:
            children.append(build.sr("DSPBrokerSecurityCredentialsDigitalSigning", signing))
        children.append(build.sr("DSPBrokerSecurityCredentialsKeyAgreement", agreement))
        return build.sr("DSPOptIn", children=children)

    def _acb_certificate(self, usage: KeyUsage) -> str | None:
        if self.keystore is None:
            return None
        for entry in self.keystore.find(
            DCC_ACCESS_CONTROL_BROKER, usage, roles=[RemotePartyRole.ACCESS_CONTROL_BROKER]
        ):
            if entry.record is not None:
                der = entry.record.certificate.public_bytes(Encoding.DER)
                return base64.b64encode(der).decode("ascii")
        return None
