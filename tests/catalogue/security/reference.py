"""The reference premises and its requests, as the security family's tests use them.

Templates and vectors are read from the shared reference folder at test time (through
``tests.reference``); nothing of them is copied here. ``Premises`` is the reference
premises of the RTDS: its Devices by EUI, and an inventory view over them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from lxml import etree

from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.frame import GbcsMessage, decode_message
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import KeyUsage
from opendcc.transform.registry import CommandSpec, TransformInput
from opendcc.transform.security_backups import DeviceLogBackup
from tests.reference import REFERENCE_DIR, require_reference

SR: Final = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
T0: Final = datetime(2015, 1, 1, tzinfo=UTC)
"""The RTDS vectors' own "now" (their Responses carry 2015-01-01T00:00:00)."""

SUPPLIER: Final = Eui64.parse("90-B3-D5-1F-30-01-00-00")
NETWORK_OPERATOR: Final = Eui64.parse("90-B3-D5-1F-30-02-00-00")
SECOND_SUPPLIER: Final = Eui64.parse("90-B3-D5-1F-30-03-00-00")
ACB: Final = Eui64.parse("90-B3-D5-1F-30-00-00-02")
COS_PARTY: Final = Eui64.parse("90-B3-D5-1F-30-00-00-04")

ESME_ID: Final = Eui64.parse("00-DB-12-34-56-78-90-A0")
GSME_ID: Final = Eui64.parse("00-DB-12-34-56-78-90-A1")
CHF_ID: Final = Eui64.parse("00-DB-12-34-56-78-90-A2")
GPF_ID: Final = Eui64.parse("00-DB-12-34-56-78-90-A3")
PPMID_ID: Final = Eui64.parse("00-DB-12-34-56-78-90-A4")
HCALCS_ID: Final = Eui64.parse("00-DB-12-34-56-78-90-A5")
APC_ID: Final = Eui64.parse("00-DB-12-34-56-78-90-A6")


def _device(eui: Eui64, kind: DeviceType, **extra: object) -> Device:
    return Device(
        eui,
        kind,
        SmiStatus.COMMISSIONED,
        T0,
        CspRegion.CENTRAL,
        firmware_version="0123ABCD",
        **extra,  # type: ignore[arg-type]
    )


REFERENCE_DEVICES: Final[dict[Eui64, Device]] = {
    d.device_id: d
    for d in (
        _device(ESME_ID, DeviceType.ESME, mpxn="1312345678111", chf_id=CHF_ID),
        _device(GSME_ID, DeviceType.GSME, mpxn="1312345678333", chf_id=CHF_ID, parent_id=GPF_ID),
        _device(CHF_ID, DeviceType.CHF),
        _device(GPF_ID, DeviceType.GPF, chf_id=CHF_ID),
        _device(PPMID_ID, DeviceType.PPMID, parent_id=ESME_ID),
        _device(HCALCS_ID, DeviceType.HCALCS, parent_id=ESME_ID),
        _device(APC_ID, DeviceType.HCALCS, parent_id=ESME_ID),
    )
}
"""The RTDS premises: A0 ESME, A1 GSME, A2 CHF, A3 GPF; A4 a PPMID (it raises the PPMID
firmware alert CS09), A5 an HCALCS (joined by CS03A2 "non-meter"), A6 an auxiliary
proportional controller (ECS46d, load controller credentials), an HCALCS in the
inventory's vocabulary."""

ROLES: Final[dict[Eui64, UserRole]] = {
    SUPPLIER: UserRole.IMPORT_SUPPLIER,
    NETWORK_OPERATOR: UserRole.ELECTRICITY_DISTRIBUTOR,
    SECOND_SUPPLIER: UserRole.IMPORT_SUPPLIER,
    ACB: UserRole.IMPORT_SUPPLIER,
}


@dataclass
class Premises:
    """An inventory view over Devices, with the certificates and log backups the DCC holds."""

    devices: dict[Eui64, Device] = field(default_factory=lambda: dict(REFERENCE_DEVICES))
    certificates: dict[tuple[Eui64, KeyUsage], list[CertificateRecord]] = field(
        default_factory=dict
    )
    backups: dict[Eui64, DeviceLogBackup] = field(default_factory=dict)

    def get_device(self, eui: Eui64) -> Device | None:
        return self.devices.get(eui)

    def for_eui(self, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        return list(self.certificates.get((eui, usage), ()))

    def device_log_backup(self, device: Eui64) -> DeviceLogBackup | None:
        return self.backups.get(device)

    def add(self, device: Device) -> None:
        self.devices[device.device_id] = device


def template_root(name: str) -> etree._Element:
    return etree.parse(str(require_reference("duis", "templates", name))).getroot()


def request_for(
    root: etree._Element,
    *,
    premises: Premises | None = None,
    now: datetime = T0,
    counter: int | None = None,
    dcc_counter: Callable[[Eui64], int] | None = None,
    role: UserRole | None = None,
) -> TransformInput:
    """The TransformInput the hub would make of a DUIS request document."""
    premises = premises or Premises()
    originator, target, count = (root.findtext(f"{SR}Header/{SR}RequestID") or "").split(":")
    body = root.find(f"{SR}Body")
    assert body is not None
    target_id = Eui64.parse(target)
    device = premises.get_device(target_id)
    assert device is not None, target
    origin = Eui64.parse(originator)
    return TransformInput(
        variant=root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant") or "",
        body=body[0],
        originator=origin,
        target=target_id,
        counter=int(count) if counter is None else counter,
        device=device,
        role=role or ROLES.get(origin, UserRole.IMPORT_SUPPLIER),
        now=now,
        inventory=premises,
        dcc_counter=dcc_counter,
    )


def request_document(
    variant: str, originator: Eui64, target: Eui64, counter: int, body: str
) -> etree._Element:
    """A DUIS request built by a test (for vectors whose template is held back)."""
    service_reference = variant if variant.count(".") < 2 else variant.rsplit(".", 1)[0]
    text = (
        f'<sr:Request xmlns:sr="{SR[1:-1]}" schemaVersion="5.4"><sr:Header>'
        f"<sr:RequestID>{originator}:{target}:{counter}</sr:RequestID>"
        f"<sr:CommandVariant>1</sr:CommandVariant>"
        f"<sr:ServiceReference>{service_reference}</sr:ServiceReference>"
        f"<sr:ServiceReferenceVariant>{variant}</sr:ServiceReferenceVariant>"
        f"</sr:Header><sr:Body>{body}</sr:Body></sr:Request>"
    )
    return etree.fromstring(text.encode())


def el(name: str, *content: object) -> str:
    """An ``sr:`` element of a request body (text or nested elements)."""
    return f"<sr:{name}>{''.join(str(c) for c in content)}</sr:{name}>"


def b64(der: bytes) -> str:
    return base64.b64encode(der).decode()


# --- vectors -----------------------------------------------------------------------------


def vector_path(folder: str, name: str) -> Path:
    return require_reference("gbcs", "rtds", folder, name)


def vector_bytes(path: Path) -> bytes:
    return bytes.fromhex(path.read_text().strip())


def vector_message(path: Path) -> GbcsMessage:
    return decode_message(vector_bytes(path))


def stem(name: str) -> str:
    """``<use case>_<srv>_<qualifiers>`` of a template or vector file name."""
    for suffix in (
        "_REQUEST_DUIS.XML",
        "_PRECOMMAND_GBCS.HEX",
        "_COMMAND_GBCS.HEX",
        "_RESPONSE_GBCS.HEX",
        "_ALERT_GBCS.HEX",
    ):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def matching_vectors(template: str, kinds: Iterable[str]) -> list[Path]:
    """The vectors whose stem equals the template's, of the given kinds."""
    wanted = stem(template)
    base = REFERENCE_DIR / "gbcs" / "rtds"
    found = []
    for kind in kinds:
        found.extend(sorted(base.glob(f"*/{wanted}_{kind}_GBCS.HEX")))
    return found


def pre_command_for(spec: CommandSpec, request: TransformInput) -> GbcsMessage:
    """The Pre-Command (or the unsigned body of a DCC-signed Command) for ``spec``."""
    origination = spec.dcc_origination
    return build.pre_command(
        spec.payload,
        originator=origination.party if origination else request.originator,
        recipient=spec.recipient,
        counter=origination.counter if origination else request.counter,
        message_code=spec.message_code,
        date_time=spec.date_time,
        supplementary_remote_party=spec.supplementary_remote_party,
        supplementary_remote_party_counter=spec.supplementary_remote_party_counter,
    )
