"""DUIS 11.1 Update Firmware and 11.4 Update PPMID Firmware: the DCC distributes an image.

Both are non-device requests (Command Variant 8) from an Import or Gas Supplier: the body
carries the ``FirmwareImage`` (base64), the ``FirmwareVersion`` it installs and the
``DeviceIDList`` (comma-separated EUI-64s) of the Devices of one Device Model to receive
it (DUIS Service Reference 11; GBCS Section 11.2: the DCC carries the image to the
Devices, which hold it until 11.3 Activate Firmware names its Manufacturer Image Hash).

What the hub does:

1. Checks the image is a GBCS firmware image: the ZigBee OTA Upgrade file GBCS 11.2
   prescribes (file identifier 0x0BEEF11E, header version 0x0100, a header length that
   fits, and a total image size equal to the bytes received). Otherwise ``E110101`` /
   ``E110401``. A ``FirmwareVersion`` that is not up to four octets of hex (the form
   Devices report it in, 11.2 Read Firmware Version) is ``E110102`` / ``E110402``.
2. Sorts each listed Device (duplicates once) into what DUIS's
   ``DSPUpdateFirmwareWarning`` / ``DSPUpdatePPMIDFirmwareWarning`` lists:
   ``InvalidDeviceIDList`` (not in the inventory, or not a Device whose MPxN the User is
   registered for now in an eligible role: the E4 rule per Device),
   ``NotApplicableFirmwareDeviceIDList`` (a Device type the variant does not serve: 11.1
   serves ESME, GSME, CHF and GPF, 11.4 the PPMID and HCALCS, which receive images through
   their Communications Hub; or a Device Model other than the first applicable Device's,
   since one image is for one model), ``NotCommissionedDeviceIDList`` (SMI status neither
   ``Commissioned`` nor ``Suspended``: the DCC distributes firmware to Devices in service,
   and to Suspended ones, whose way back to service is new firmware: SEC modification
   MP105, "Sending SR11.2 to Devices in Suspended State").
3. Hands the image to every remaining Device (``receive_firmware_image`` of the security
   family: the Device holds the image's SHA-256, the Manufacturer Image Hash, and the
   version, for 11.3 to activate; a PPMID or HCALCS receives it via its CHF, which reports
   the transfer in CCS08 when next woken) and persists the distribution (the image, its
   hash, version, the Devices that received it and the warning lists) with those Devices'
   states, before the answer leaves.
4. Answers I0 when every Device received the image, ``W110101`` / ``W110401`` with the
   warning lists when some did not, ``E110103`` / ``E110403`` (with the lists) when none
   did. These readings of the variant codes are opendcc's (docs/duis-errors.md).

All or nothing (``hub.change``; SEC Section H3: one answer per Service Request, and the
DCC's records match it): the Devices' states, the ``firmware_distributions`` row and the
request's ``firmware_distributed`` event are written in the same write job as the
request's journal entry, so they commit together or not at all. The job checks each
receiving Device again against the database: one that left ``Commissioned`` /
``Suspended`` after the cached checks refuses the request E5 and no Device is sent the
image (the User sends it again). A fault in the job is rolled back and answered
``E110101`` / ``E110401`` (the variant's first code), the cached states are dropped so
the Devices hold no image, and the same request sent again goes through.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from lxml import etree

from opendcc.access.eligibility import Refusal, check_registration
from opendcc.access.users import DccUser
from opendcc.devices.security_firmware import manufacturer_image_hash, receive_firmware_image
from opendcc.devices.state import DeviceState
from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest
from opendcc.eui import Eui64
from opendcc.hub.change import Answer, Change
from opendcc.hub.pipeline import RequestTrace
from opendcc.hub.states import DeviceStates
from opendcc.inventory.model import Device, DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.store.database import SchemaPart, register_schema
from opendcc.store.estate import SqliteEstate
from opendcc.store.events import EventKind, append_events, to_us
from opendcc.store.inventory_tables import read_device
from opendcc.transform import duisxml as x

OTA_FILE_IDENTIFIER: Final = 0x0BEEF11E
OTA_HEADER_VERSION: Final = 0x0100
OTA_MIN_HEADER: Final = 56
"""The OTA header's fixed part: identifier to total image size (ZigBee OTA Cluster 6.3)."""

SCHEMA = register_schema(
    SchemaPart(
        "firmware-distribution-1",
        """
        CREATE TABLE firmware_distributions (
            request_id TEXT PRIMARY KEY,
            variant TEXT NOT NULL,
            originator TEXT NOT NULL,
            at_us INTEGER NOT NULL,
            version TEXT NOT NULL,
            image_hash TEXT NOT NULL,
            image BLOB NOT NULL,
            manufacturer_code INTEGER NOT NULL,
            image_type INTEGER NOT NULL,
            delivered TEXT NOT NULL,
            warnings TEXT NOT NULL
        );
        """,
    )
)


@dataclass(frozen=True, slots=True)
class Variant:
    code: str
    body: str
    warning_element: str
    types: frozenset[DeviceType]
    bad_image: ResponseCode
    bad_version: ResponseCode
    none_received: ResponseCode
    some_received: ResponseCode


UPDATE_FIRMWARE: Final = Variant(
    "11.1",
    "UpdateFirmware",
    "DSPUpdateFirmwareWarning",
    frozenset({DeviceType.ESME, DeviceType.GSME, DeviceType.CHF, DeviceType.GPF}),
    ResponseCode.E110101,
    ResponseCode.E110102,
    ResponseCode.E110103,
    ResponseCode.W110101,
)
UPDATE_PPMID_FIRMWARE: Final = Variant(
    "11.4",
    "UpdatePPMIDFirmware",
    "DSPUpdatePPMIDFirmwareWarning",
    frozenset({DeviceType.PPMID, DeviceType.HCALCS}),
    ResponseCode.E110401,
    ResponseCode.E110402,
    ResponseCode.E110403,
    ResponseCode.W110401,
)

DISTRIBUTABLE: Final = frozenset({SmiStatus.COMMISSIONED, SmiStatus.SUSPENDED})
"""The SMI statuses the DCC distributes firmware to (MP105: a Suspended Device too)."""

ELIGIBLE: Final = (UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER)
"""The roles DUIS opens 11.1 and 11.4 to."""

WARNING_LISTS: Final = (
    "InvalidDeviceIDList",
    "NotCommissionedDeviceIDList",
    "NotApplicableFirmwareDeviceIDList",
    "OtherRequestInProgressList",
    "InvalidGBCSVersionList",
)
"""The warning lists in the schema's order (the last two are never filled by opendcc)."""


@dataclass(frozen=True, slots=True)
class OtaHeader:
    """The parts of the ZigBee OTA Upgrade file header the DCC reads."""

    manufacturer_code: int
    image_type: int
    file_version: int
    header_length: int
    total_size: int


class ImageError(ValueError):
    """The bytes are no GBCS firmware image; the message says why."""


def read_ota_header(image: bytes) -> OtaHeader:
    """The OTA header of ``image`` (GBCS 11.2: firmware travels as a ZigBee OTA file)."""
    if len(image) < OTA_MIN_HEADER:
        raise ImageError(f"{len(image)} octets are too few for an OTA Upgrade header")
    identifier, version, length, _control, manufacturer, image_type, file_version = (
        struct.unpack_from("<IHHHHHI", image)
    )
    if identifier != OTA_FILE_IDENTIFIER:
        raise ImageError(f"the file identifier is {identifier:#010x}, not 0x0BEEF11E")
    if version != OTA_HEADER_VERSION:
        raise ImageError(f"OTA header version {version:#06x} is not 0x0100")
    (total,) = struct.unpack_from("<I", image, 52)
    if not OTA_MIN_HEADER <= length <= len(image):
        raise ImageError(f"the OTA header length {length} does not fit the image")
    if total != len(image):
        raise ImageError(f"the header gives {total} octets; the image has {len(image)}")
    return OtaHeader(manufacturer, image_type, file_version, length, total)


@dataclass(slots=True)
class Sorted:
    """Where each listed Device went."""

    delivered: list[Eui64] = field(default_factory=list)
    warnings: dict[str, list[Eui64]] = field(
        default_factory=lambda: {name: [] for name in WARNING_LISTS}
    )

    def warn(self, name: str, device: Eui64) -> None:
        self.warnings[name].append(device)

    @property
    def warned(self) -> int:
        return sum(len(v) for v in self.warnings.values())


class FirmwareDistribution:
    """The handlers of 11.1 and 11.4."""

    def __init__(self, estate: SqliteEstate, states: DeviceStates | None = None) -> None:
        self.estate = estate
        self.states = states or DeviceStates(estate.db, estate.inventory)

    async def update_firmware(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        return await self._distribute(UPDATE_FIRMWARE, request, user, now, trace)

    async def update_ppmid_firmware(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        return await self._distribute(UPDATE_PPMID_FIRMWARE, request, user, now, trace)

    async def _distribute(
        self,
        variant: Variant,
        request: ServiceRequest,
        user: DccUser,
        now: datetime,
        trace: RequestTrace,
    ) -> Answer | Change:
        body = request.body
        try:
            image = base64.b64decode(x.text(body, "FirmwareImage"), validate=True)
            header = read_ota_header(image)
        except (binascii.Error, ValueError) as exc:
            return variant.bad_image, None, f"FirmwareImage: {exc}"
        version_text = x.text(body, "FirmwareVersion")
        version = _version(version_text)
        if version is None:
            return (
                variant.bad_version,
                None,
                f"FirmwareVersion {version_text!r} is not up to four octets of hex",
            )
        listed = _device_list(x.text(body, "DeviceIDList"))
        result = self._sort(variant, listed, user, now)
        content = self._warning(variant, result) if result.warned else None
        if not result.delivered:
            reason = f"no listed Device can take the image ({len(listed)} listed)"
            return variant.none_received, content, reason
        digest = manufacturer_image_hash(image).hex()
        # The Devices' states take the image here, on the loop, before the job is
        # submitted (as a Command's Response does), so that any later write of the same
        # states carries it; should the change not be kept they are forgotten (``discarded``).
        states: dict[Eui64, DeviceState] = {}
        for device in result_devices(self.estate, result.delivered):
            state = self.states.load(device)
            han = device.device_type in UPDATE_PPMID_FIRMWARE.types
            via = self._hub_state(device) if han else None
            receive_firmware_image(state, version=version, now=now, image=image, via=via)
            states[state.device_id] = state
            if via is not None:
                states[via.device_id] = via
        rows = DeviceStates.rows(states.values())
        record = self._record(variant, request, now, version, digest, image, header, result)
        event = trace.event(
            EventKind.INVENTORY_CHANGED,
            now,
            None,
            change="firmware_distributed",
            image_hash=digest,
            version=version.hex().upper(),
            delivered=len(result.delivered),
            warned=result.warned,
        )
        summary = f"image {digest[:16]}... held by {len(result.delivered)} Devices"
        answer: Answer = (
            (variant.some_received, content, f"{summary}; {result.warned} not sent")
            if result.warned
            else (ResponseCode.I0, None, summary)
        )

        def apply(conn: Any) -> Answer:
            """The Devices' states, the distribution and its event, written together with
            the request's journal entry (``hub.change``). Each Device is checked again
            against the database: one that left ``DISTRIBUTABLE`` after the cached checks
            refuses the whole distribution (E5), and nothing is sent to any Device."""
            for eui in result.delivered:
                stored = read_device(conn, eui)
                if stored is None or stored.status not in DISTRIBUTABLE:
                    status = "gone" if stored is None else stored.status.value
                    return (
                        ResponseCode.E5,
                        None,
                        f"{eui} is {status} now; no Device was sent the image",
                    )
            if rows:
                DeviceStates.save(conn, rows)
            conn.execute(
                "INSERT INTO firmware_distributions (request_id, variant, originator, at_us,"
                " version, image_hash, image, manufacturer_code, image_type, delivered, warnings)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                record,
            )
            append_events(conn, [event])
            return answer

        def discarded() -> None:
            self.states.forget(states)

        def committed(answer: Answer) -> None:
            # A PPMID's or HCALCS's Communications Hub now wants waking to report the
            # transfer (CCS08): the scheduler is told (``DeviceStates.saved``).
            self.states.saved(rows)

        return Change(apply, committed=committed, discarded=discarded)

    def _sort(self, variant: Variant, listed: list[Eui64], user: DccUser, now: datetime) -> Sorted:
        inventory = self.estate.inventory
        registrations = self.estate.registrations
        roles = tuple(r for r in ELIGIBLE if r in user.roles)
        result = Sorted()
        model: tuple[str, str] | None = None
        for eui in listed:
            device = inventory.get_device(eui)
            if device is None:
                result.warn("InvalidDeviceIDList", eui)
                continue
            if device.device_type not in variant.types:
                result.warn("NotApplicableFirmwareDeviceIDList", eui)
                continue
            fuels = inventory.fuels_by_mpxn(device)
            held = registrations.registrations_for(fuels, now)
            if isinstance(check_registration(user, roles, device, fuels, held, now), Refusal):
                result.warn("InvalidDeviceIDList", eui)
                continue
            if device.status not in DISTRIBUTABLE:
                result.warn("NotCommissionedDeviceIDList", eui)
                continue
            this_model = (device.manufacturer, device.model)
            if model is None:
                model = this_model
            elif this_model != model:
                result.warn("NotApplicableFirmwareDeviceIDList", eui)
                continue
            result.delivered.append(eui)
        return result

    def _hub_state(self, device: Device) -> DeviceState | None:
        """The state of the CHF a PPMID or HCALCS receives its image through."""
        inventory = self.estate.inventory
        chf = device.chf_id
        if chf is None and device.parent_id is not None:
            parent = inventory.get_device(device.parent_id)
            chf = parent.chf_id if parent is not None else None
        hub = inventory.get_device(chf) if chf is not None else None
        return self.states.load(hub) if hub is not None else None

    @staticmethod
    def _warning(variant: Variant, result: Sorted) -> etree._Element:
        return build.sr(
            variant.warning_element,
            children=[
                build.sr(name, ",".join(str(e) for e in devices))
                for name, devices in result.warnings.items()
                if devices
            ],
        )

    @staticmethod
    def _record(
        variant: Variant,
        request: ServiceRequest,
        now: datetime,
        version: bytes,
        digest: str,
        image: bytes,
        header: OtaHeader,
        result: Sorted,
    ) -> tuple[Any, ...]:
        """The ``firmware_distributions`` row of this distribution."""
        rid = request.header.request_id
        warnings = {k: [str(e) for e in v] for k, v in result.warnings.items() if v}
        return (
            str(rid),
            variant.code,
            str(rid.originator),
            to_us(now),
            version.hex().upper(),
            digest,
            image,
            header.manufacturer_code,
            header.image_type,
            json.dumps([str(e) for e in result.delivered]),
            json.dumps(warnings),
        )


def result_devices(estate: SqliteEstate, euis: list[Eui64]) -> list[Device]:
    found = (estate.inventory.get_device(e) for e in euis)
    return [d for d in found if d is not None]


def distribution(conn: Any, request_id: str) -> dict[str, Any] | None:
    """A persisted distribution (without the image), or None."""
    row = conn.execute(
        "SELECT variant, originator, version, image_hash, length(image), delivered, warnings"
        " FROM firmware_distributions WHERE request_id = ?",
        (request_id,),
    ).fetchone()
    if row is None:
        return None
    return {
        "variant": row[0],
        "originator": row[1],
        "version": row[2],
        "image_hash": row[3],
        "image_size": row[4],
        "delivered": json.loads(row[5]),
        "warnings": json.loads(row[6]),
    }


def _version(text: str) -> bytes | None:
    if not 1 <= len(text) <= 8:
        return None
    try:
        return bytes.fromhex(text.rjust(8, "0"))
    except ValueError:
        return None


def _device_list(text: str) -> list[Eui64]:
    seen: dict[Eui64, None] = {}
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        try:
            seen.setdefault(Eui64.parse(item), None)
        except ValueError:
            raise x.BodyValueError(f"DeviceIDList holds {item!r}, not an EUI-64") from None
    if not seen:
        raise x.BodyValueError("DeviceIDList is empty")
    return list(seen)
