"""Non-device Service Requests (Command Variant 8): the DCC answers them itself, at once.

Served here: 8.2 Read Inventory, 8.3 Decommission Device, 8.4 Update Inventory, 12.1
Request WAN Matrix, 12.2 Device Pre-notification; in their own modules 8.6 Service Opt In
(``hub.opt_in``), 8.13 Return Local Command Response (``hub.local_delivery``), 8.14.1 to
8.14.4 Communications Hub Status Update (``hub.ch_status``),
11.1 and 11.4 firmware distribution (``hub.firmware_distribution``), 5.1 to 5.3 (DCC
Scheduled Services, ``hub.schedules``). A handler that changes the database returns a
``Change`` (``hub.change``): its checks and writes (the estate repositories' write steps)
run in the same write job as the request's journal entry and events, so the change and
its record commit together or not at all, and a refusal anywhere leaves nothing changed.
A variant with no handler here is answered E11 with the reason (docs/hub.md lists what is
served).

Response codes: success is I0. Refusals use the generic codes where they fit (E19 unknown
Device, E5 status, E4 eligibility) and otherwise the variant's own code from the DUIS
schema's list (``E0802nn`` for 8.2 and so on); the schema gives no meanings, so the choice
of the first code of the variant's range for "the request cannot be carried out as asked"
is opendcc's, recorded in docs/duis-errors.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any, cast

from lxml import etree

from opendcc.access.users import DccUser
from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest
from opendcc.estate.records import DeviceDetails, DeviceUpdate, EstateRefusal, NewDevice
from opendcc.eui import Eui64
from opendcc.gbcs.security import GbcsSecurity
from opendcc.hub import wan_matrix as wan
from opendcc.hub.ch_status import CommsHubStatus
from opendcc.hub.change import Answer, Change, WriteSteps, inventory_recorder, kept, savepoint_apply
from opendcc.hub.firmware_distribution import FirmwareDistribution
from opendcc.hub.local_delivery import LocalResponses
from opendcc.hub.opt_in import ServiceOptIn
from opendcc.hub.pipeline import NonDeviceHandler, RequestTrace
from opendcc.hub.responses import ResponseSigner
from opendcc.hub.schedules import ScheduleService
from opendcc.hub.states import DeviceStates
from opendcc.inventory.model import CspRegion, DeviceType, SmiStatus
from opendcc.inventory.transitions import InventoryEvent, TransitionRefused
from opendcc.roles import UserRole
from opendcc.smki.keystore import Keystore
from opendcc.store import journal as jr
from opendcc.store.estate import SqliteEstate
from opendcc.store.events import Event, EventKind, append_events
from opendcc.transform import duisxml as x

MAX_INVENTORY_DEVICES = 17
"""DSPInventory carries at most 17 Devices (DUIS schema)."""


class NonDeviceService(NonDeviceHandler):
    def __init__(
        self,
        estate: SqliteEstate,
        signer: ResponseSigner,
        schedules: ScheduleService | None = None,
        *,
        states: DeviceStates | None = None,
        security: GbcsSecurity | None = None,
        keystore: Keystore | None = None,
    ) -> None:
        self.estate = estate
        self.signer = signer
        ch = CommsHubStatus(estate)
        firmware = FirmwareDistribution(estate, states)
        self._handlers: dict[str, Callable[..., Awaitable[Answer | Change]]] = {
            "8.2": self._read_inventory,
            "8.3": self._decommission,
            "8.4": self._update_inventory,
            "8.14.1": ch.install_success,
            "8.6": ServiceOptIn(estate, keystore).handle,
            "8.13": LocalResponses(estate, security).return_local_response,
            "8.14.2": ch.install_no_sm_wan,
            "8.14.3": ch.fault_return,
            "8.14.4": ch.no_fault_return,
            "11.1": firmware.update_firmware,
            "11.4": firmware.update_ppmid_firmware,
            "12.1": self._wan_matrix,
            "12.2": self._pre_notification,
        }
        if schedules is not None:  # 5.1 to 5.3, DCC Scheduled Services (hub/schedules.py)
            self._handlers |= schedules.handlers()

    async def handle(
        self,
        request: ServiceRequest,
        user: DccUser,
        roles: tuple[UserRole, ...],
        now: datetime,
        trace: RequestTrace,
    ) -> bytes:
        variant = request.header.variant.code
        handler = self._handlers.get(variant)
        outcome: Answer | Change
        if handler is None:
            outcome = ResponseCode.E11, None, f"opendcc does not serve {variant} yet"
        else:
            try:
                outcome = await handler(request, user, now, trace)
            except x.BodyValueError as exc:
                outcome = _variant_error(variant), None, str(exc)
        code, content, _reason = await self._record(
            request, user, roles, outcome, _variant_error(variant), now, trace
        )
        return self.signer.result(request.header, code, now, content, with_response_id=False)

    async def _record(
        self,
        request: ServiceRequest,
        user: DccUser,
        roles: tuple[UserRole, ...],
        outcome: Answer | Change,
        fault: ResponseCode,
        now: datetime,
        trace: RequestTrace,
    ) -> Answer:
        """Journal the request with its answer, its events and (for a ``Change``) the change
        itself, in one write job: all of it commits, or none of it (``hub.change``)."""
        header = request.header
        rid = header.request_id
        raw = etree.tostring(request.root)
        events = list(trace.events)
        role = roles[0].value if roles else None
        change = outcome if isinstance(outcome, Change) else None

        def job(conn: Any) -> tuple[Answer, Event]:
            # The trace so far (received, checks) first, so that the change's own events
            # follow it in the request's trace; a change rolled back keeps these.
            append_events(conn, events)
            if change is not None:
                answer = savepoint_apply(conn, change, fault)
            else:
                answer = cast(Answer, outcome)
            code, _content, reason = answer
            # I0, or a W warning (carried out, with a remark), is an answer; E is a refusal.
            kind = EventKind.SYNC_RESPONSE if kept(code) else EventKind.REFUSED
            final = trace.event(kind, now, code.value, reason=reason)
            row = jr.insert_request(
                conn,
                request_id=str(rid),
                originator=str(rid.originator),
                target=str(rid.target),
                counter=rid.counter,
                variant=header.variant.code,
                command_variant=8,
                role=role,
                state=jr.RequestState.ACCEPTED,
                at=now,
                request_xml=raw,
            )
            jr.advance(conn, row, jr.Step.RESPONDED, now, response_code=code.value)
            jr.advance(conn, row, jr.Step.DELIVERED, now)
            jr.record_counter(conn, str(rid.originator), rid.counter)
            append_events(conn, [final])
            return answer, final

        try:
            future = self.estate.db.submit(job)
        except Exception:
            if change is not None:
                change.discarded()
            raise
        if change is not None:
            # The read caches learn of the change as soon as it commits, before any other
            # request can read them (the inventory's own writes do the same).
            future.add_done_callback(_on_kept(change))
        answer, final = await asyncio.wrap_future(future) if not future.done() else future.result()
        trace.events.append(final)
        return answer

    # --- 8.2 Read Inventory -------------------------------------------------------------------

    async def _read_inventory(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer:
        body = request.body
        inventory = self.estate.inventory
        found: list[DeviceDetails] = []
        if (node := x.child(body, "DeviceID")) is not None:
            device = x.eui(node)
            details = inventory.device_details(device)
            if details is not None:
                found = [details]
        elif (node := x.child(body, "MPxN")) is not None:
            found = inventory.devices_for_mpxn(x.text(node))
        elif (node := x.child(body, "UPRN")) is not None:
            found = inventory.devices_at(x.integer(node, low=1))
        elif (node := x.child(body, "PropertyFilter")) is not None:
            for premises in inventory.find_premises(
                x.text(node, "PostCode"), x.text(node, "AddressIdentifier")
            ):
                found += inventory.devices_at(premises.uprn)
        if not found:
            return ResponseCode.E080201, None, "no Device matches the search"
        devices = found[:MAX_INVENTORY_DEVICES]
        element = build.sr(
            "DSPInventory", children=[_inventory_device(d, inventory) for d in devices]
        )
        return ResponseCode.I0, element, f"{len(devices)} Devices"

    # --- 12.1 Request WAN Matrix -------------------------------------------------------------

    async def _wan_matrix(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer:
        """The modelled SM WAN coverage of an address (``opendcc.hub.wan_matrix``).

        The answer echoes the request (DUIS schema ``DSPWANMatrix/Request``) as read: the
        UPRN, or the PartialAddress's PostCode and AddressIdentifier, never other elements
        a hub without the schema let in (one UPRN or one PartialAddress, DUIS 12.1)."""
        body = request.body
        inventory = self.estate.inventory
        try:
            if (node := x.child(body, "UPRN")) is not None:
                uprn = x.integer(node, low=1, high=10**12 - 1)  # schema: 12 digits at most
                premises = inventory.premises(uprn)
                if premises is None:
                    raise wan.WanMatrixRefusalError("E120101", "no premises with this UPRN")
                postcode, region = premises.postcode, premises.region
                echo = build.sr("Request", children=[build.sr("UPRN", str(uprn))])
            else:
                address = x.require(body, "PartialAddress")
                postcode = x.text(address, "PostCode")
                identifier = x.text(address, "AddressIdentifier")
                if not 6 <= len(postcode) <= 8:  # schema: PostCode of 6 to 8 characters
                    raise wan.WanMatrixRefusalError("E120102", f"{postcode!r} is no PostCode")
                if len(identifier) > 30:  # schema: AddressIdentifier of 30 at most
                    raise x.BodyValueError("PartialAddress/AddressIdentifier is over 30 long")
                known = inventory.find_premises(postcode, identifier)
                region = known[0].region if known else wan.region_of(postcode)
                echo = build.sr(
                    "Request",
                    children=[
                        build.sr(
                            "PartialAddress",
                            children=[
                                build.sr("PostCode", postcode),
                                build.sr("AddressIdentifier", identifier),
                            ],
                        )
                    ],
                )
            found = wan.coverage(postcode, region, now)
        except wan.WanMatrixRefusalError as refusal:
            return ResponseCode(refusal.code), None, str(refusal)
        answer = [
            build.sr("CSPRegion", found.region.value),
            build.sr("CSPRegionResponseCode", ResponseCode.I0.value),
            build.sr("CoverageAvailability", "true" if found.available else "false"),
        ]
        if found.anticipated is not None:
            answer.append(build.sr("AnticipatedCoverageDate", found.anticipated.isoformat()))
        answer.append(build.sr("WANTechnology", found.technology))
        answer.append(build.sr("ConnectivityLikelihood", found.likelihood))
        if found.auxiliary_equipment is not None:
            answer.append(build.sr("AuxiliaryEquipmentRequired", found.auxiliary_equipment))
        if found.information is not None:
            answer.append(build.sr("AdditionalInformation", found.information))
        element = build.sr(
            "DSPWANMatrix", children=[echo, build.sr("DSPWANMatrixResponse", children=answer)]
        )
        return ResponseCode.I0, element, f"{found.region.value}: coverage {found.available}"

    # --- 8.3 Decommission, 8.4 Update Inventory ---------------------------

    async def _decommission(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        device = x.eui(request.body, "DeviceID")
        return await self._transition(
            device, InventoryEvent.DECOMMISSION, now, trace, ResponseCode.E080301
        )

    async def _update_inventory(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        body = request.body
        device = x.eui(body, "DeviceID")
        current = self.estate.inventory.get_device(device)
        if current is None:
            return ResponseCode.E19, None, f"no Device {device} in the inventory"
        if x.child(body, "DeleteDevice") is not None:
            return (
                ResponseCode.E080405,
                None,
                f"only a Pending Device can be deleted; {device} is {current.status.value}",
            )
        for name in ("UpdateDeviceStatusExceptCH", "UpdateDeviceStatusCH"):
            node = x.child(body, name)
            if node is not None:
                wanted = x.text(node)
                event = {"InstalledNotCommissioned": InventoryEvent.INSTALL, "Pending": None}.get(
                    wanted
                )
                if event is None:
                    return (
                        ResponseCode.E080406,
                        None,
                        f"a Device cannot be returned to {wanted} by Update Inventory",
                    )
                return await self._transition(device, event, now, trace, ResponseCode.E080406)
        update = _device_update(body)
        if update is None or update.is_empty():
            return ResponseCode.E080407, None, "nothing to update"
        step = self.estate.inventory.update_device_step(
            device, update, record=inventory_recorder(trace, now, "update_inventory")
        )
        steps = WriteSteps()

        def apply(conn: Any) -> Answer:
            result = steps.run(step, conn)
            if isinstance(result, EstateRefusal):
                return ResponseCode.E080407, None, result.message
            return ResponseCode.I0, None, "inventory updated"

        return Change(apply, steps.committed)

    async def _transition(
        self,
        device: Eui64,
        event: InventoryEvent,
        now: datetime,
        trace: RequestTrace,
        failure: ResponseCode,
    ) -> Answer | Change:
        """``device`` through ``event``, in the request's own write job (``hub.change``)."""
        if self.estate.inventory.get_device(device) is None:
            return ResponseCode.E19, None, f"no Device {device} in the inventory"
        step = self.estate.inventory.change_status_step(
            device,
            event,
            now,
            trace.request_id or "non-device request",
            record=inventory_recorder(trace, now, event.value),
        )
        if isinstance(step, EstateRefusal):
            return failure, None, step.message
        steps = WriteSteps()

        def apply(conn: Any) -> Answer:
            result = steps.run(step, conn)
            if isinstance(result, TransitionRefused):
                return ResponseCode.E5, None, str(result)
            if isinstance(result, EstateRefusal):
                return failure, None, result.message
            return ResponseCode.I0, None, f"{device} is now {result.status.value}"

        return Change(apply, steps.committed)

    # --- 12.2 Device Pre-notification --------------------------------------------------------

    async def _pre_notification(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        body = request.body
        device = x.eui(body, "DeviceID")
        if self.estate.inventory.get_device(device) is not None:
            return ResponseCode.E120201, None, f"{device} is already in the inventory"
        try:
            device_type = DeviceType(x.text(body, "DeviceType"))
        except ValueError:
            return ResponseCode.E120203, None, "unknown DeviceType"
        gpf = x.child(body, "AssociatedGPFDeviceID")
        new = NewDevice(
            device_id=device,
            device_type=device_type,
            region=CspRegion.CENTRAL,  # unknown until installed; DUIS reports it then
            manufacturer=x.text(body, "DeviceManufacturer"),
            model=x.text(body, "DeviceModel"),
            firmware_version=x.optional_text(body, "FirmwareVersion") or "00000001",
            smets_chts_version=x.optional_text(body, "SMETSCHTSVersion"),
            parent_id=x.eui(gpf) if gpf is not None else None,
        )
        step = self.estate.inventory.add_device_step(
            new,
            now,
            trace.request_id or "12.2",
            record=inventory_recorder(trace, now, "pre_notify"),
        )
        if isinstance(step, EstateRefusal):
            return ResponseCode.E120203, None, step.message
        steps = WriteSteps()

        def apply(conn: Any) -> Answer:
            result = steps.run(step, conn)
            if isinstance(result, EstateRefusal):
                return ResponseCode.E120203, None, result.message
            return ResponseCode.I0, None, f"{device} added as {result.device.status.value}"

        return Change(apply, steps.committed)


def _on_kept(change: Change) -> Callable[[Future[tuple[Answer, Event]]], None]:
    """A done-callback: ``change.committed`` once its job committed with a kept answer,
    ``change.discarded`` otherwise."""

    def callback(future: Future[tuple[Answer, Event]]) -> None:
        if future.cancelled() or future.exception() is not None:
            change.discarded()
            return
        answer, _final = future.result()
        if kept(answer[0]):
            change.committed(answer)
        else:
            change.discarded()

    return callback


def _variant_error(variant: str) -> ResponseCode:
    prefix = "E" + "".join(f"{int(p):02d}" for p in [*variant.split("."), "0"][:2]) + "01"
    return getattr(ResponseCode, prefix, ResponseCode.E11)


def _device_update(body: etree._Element) -> DeviceUpdate | None:
    details = x.child(body, "UpdateDeviceDetails")
    if details is not None:
        return DeviceUpdate(
            manufacturer=x.optional_text(details, "DeviceManufacturer"),
            model=x.optional_text(details, "DeviceModel"),
            firmware_version=x.optional_text(details, "FirmwareVersion"),
            smets_chts_version=x.optional_text(details, "SMETSCHTSVersion"),
        )
    mpxn = x.child(body, "UpdateMPxN")
    if mpxn is not None:
        return DeviceUpdate(
            mpxn=x.optional_text(mpxn, "ImportMPxN"),
            secondary_mpan=x.optional_text(mpxn, "SecondaryImportMPAN"),
            export_mpan=x.optional_text(mpxn, "ExportMPAN"),
        )
    return None


def _inventory_device(details: DeviceDetails, inventory: Any) -> etree._Element:
    device = details.device
    children: list[etree._Element] = [
        build.sr("DeviceID", str(device.device_id)),
        build.sr("DeviceType", device.device_type.value),
    ]
    if device.status is not SmiStatus.NOT_APPLICABLE:
        children.append(build.sr("DeviceStatus", device.status.value))
    children += [
        build.sr("DeviceManufacturer", device.manufacturer),
        build.sr("DeviceModel", device.model),
    ]
    if details.smets_chts_version:
        children.append(build.sr("SMETSCHTSVersion", details.smets_chts_version))
    children.append(build.sr("DeviceFirmwareVersion", device.firmware_version))
    # A Suspended Device is one whose Device Model / firmware left the Certified Products
    # List (SEC Section F; MP105): its CPL entry and firmware version are reported withdrawn
    # until a new version brings it back (``hub.firmware_learning``). opendcc keeps no CPL of
    # its own, so every other Device is on it (docs/decisions.md).
    listed = "Withdrawn" if device.status is SmiStatus.SUSPENDED else "Active"
    children.append(build.sr("DeviceFirmwareVersionStatus", listed))
    children.append(build.sr("CPLStatus", listed))
    if details.commissioned_at is not None:
        children.append(build.sr("DateCommissioned", details.commissioned_at.date().isoformat()))
    if device.mpxn and device.device_type in (DeviceType.ESME, DeviceType.GSME):
        children.append(build.sr("ImportMPxN", device.mpxn))
    if details.secondary_mpan:
        children.append(build.sr("SecondaryImportMPAN", details.secondary_mpan))
    if details.export_mpan:
        children.append(build.sr("ExportMPAN", details.export_mpan))
    if details.esme_variant is not None:
        children.append(build.sr("ESMEVariant", details.esme_variant.value))
    if details.uprn is not None:
        children.append(build.sr("UPRN", str(details.uprn)))
        premises = inventory.premises(details.uprn)
        if premises is not None:
            children.append(
                build.sr(
                    "PropertyFilter",
                    children=[
                        build.sr("PostCode", premises.postcode),
                        build.sr("AddressIdentifier", premises.address_identifier),
                    ],
                )
            )
    children.append(build.sr("CSPRegion", device.region.value))
    children.append(build.sr("DeviceGBCSVersion", device.gbcs_version))
    return build.sr("Device", children=children)
