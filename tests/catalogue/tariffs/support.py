"""Test support for the tariffs family: the reference premises, DUIS templates read into
``TransformInput``, Commands built as the hub builds them, and simulated Devices.

Nothing here copies reference data: templates, vectors and keys are read in place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lxml import etree

from opendcc.devices import (  # noqa: F401  (register the family's handlers)
    supply_events,
    tariffs_esme,
    tariffs_esme_reads,
    tariffs_gsme,
    tariffs_gsme_reads,
    tariffs_links,
)
from opendcc.devices.simulator import DeviceContext, DeviceSimulator, Outcome, Simulation
from opendcc.devices.state import DeviceState
from opendcc.devices.supply_state import SupplyChange, SupplyState, switch_of
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.frame import GbcsMessage, decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.smki.authority import CertificateAuthority
from opendcc.smki.devices import DeviceCredentials
from opendcc.smki.keystore import Keystore
from opendcc.transform import (  # noqa: F401  (register the family's transforms)
    tariffs,
    tariffs_gas,
    tariffs_prepay,
    tariffs_reads,
)
from opendcc.transform.duisxml import timestamp
from opendcc.transform.registry import (
    CommandSpec,
    TransformInput,
    TransformRefusal,
    build_command,
    transform,
)
from tests.reference import REFERENCE_DIR, require_reference

SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
RTDS_NOW = datetime(2015, 1, 1, tzinfo=UTC)
"""When the reference Commands were made (their ZigBee issuer event ids say so)."""

SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
SECOND_SUPPLIER = Eui64.parse("90-B3-D5-1F-30-03-00-00")

FAMILY_FOLDERS = (
    *("1.1.1_ECS01a", "1.1.1_GCS01a", "1.1.2_ECS01c", "1.2.1_ECS01b", "1.2.1_GCS01b"),
    *("1.2.2_ECS01d", "1.5_ECS04a", "1.5_ECS04b", "1.5_GCS40a", "1.5_GCS40b", "1.5_GCS40c"),
    *("1.5_GCS40d", "1.6_ECS02", "1.6_ECS03", "1.6_GCS02", "1.6_GCS03", "1.7_ECS05"),
    *("2.1_ECS08", "2.1_ECS08a", "2.1_GCS05", "2.2_CS01a", "2.2_CS01b", "2.3_ECS07"),
    *("2.3_GCS04", "2.5_ECS09", "2.5_GCS06", "4.3_ECS19", "4.3_GCS14", "4.11.1_ECS24"),
    *("4.11.1_GCS21f", "4.11.2_ECS24b", "4.13_ECS26a", "4.13_GCS21b", "4.14_ECS21b"),
    *("4.14_GCS16b", "4.18_ECS82", "4.18_GCS60", "4.18_GCS60a", "6.2.9_ECS26j"),
    *("6.2.9_GCS21j", "6.26_ECS48"),
)

_TYPES = {
    0xA0: DeviceType.ESME,
    0xA1: DeviceType.GSME,
    0xA2: DeviceType.CHF,
    0xA3: DeviceType.GPF,
}
GBCS_VERSIONS = {"ECS08": "1.2", "GCS60": "3.2"}
"""The older use cases of a variant are what the DCC sends Devices of older GBCS."""


def eui(last: int) -> Eui64:
    return Eui64(0x00DB1234567890_00 | last)


def device(last: int, *, gbcs_version: str = "4.1") -> Device:
    kind = _TYPES[last]
    return Device(
        eui(last),
        kind,
        SmiStatus.COMMISSIONED,
        datetime(2019, 6, 3, tzinfo=UTC),
        CspRegion.CENTRAL,
        mpxn="1100000000001" if kind is DeviceType.ESME else None,
        chf_id=eui(0xA2) if kind is not DeviceType.CHF else None,
        gbcs_version=gbcs_version,
    )


ESME = device(0xA0)
GSME = device(0xA1)
GPF = device(0xA3)


@dataclass(frozen=True, slots=True)
class Inventory:
    """The reference premises, knowing the ESME's variant (A single, B twin element)."""

    variant: str | None = None

    def get_device(self, eui_: Eui64) -> Device | None:
        last = eui_.value & 0xFF
        if eui_.value >> 8 == 0x00DB1234567890 and last in _TYPES:
            return device(last)
        return None

    def esme_variant(self, eui_: Eui64) -> str | None:
        return self.variant


@cache
def keystore() -> Keystore:
    return Keystore.load(require_reference("gbcs", "keystore"))


@cache
def security() -> GbcsSecurity:
    """The reference keys: Commands MAC and verify exactly as the vectors."""
    return GbcsSecurity(keystore())


@cache
def device_security() -> GbcsSecurity:
    """The reference keys plus derived Device signing keys, so that simulated Devices can
    sign critical Responses and Alerts (the reference keystore holds only their
    certificates)."""
    authority = CertificateAuthority.create(RTDS_NOW)
    credentials = DeviceCredentials(authority.device, bytes(range(32)), not_before=RTDS_NOW)
    return GbcsSecurity(keystore(), device_keys=credentials.entry)


@cache
def matrix() -> dict[str, dict[str, object]]:
    rows = json.loads(require_reference("duis", "request-matrix.json").read_text())
    return {str(r["Service Reference Variant"]): r for r in rows}


def is_critical(variant: str) -> bool:
    return matrix()[variant]["Critical"] == "Yes"


def template(name: str) -> etree._Element:
    return etree.parse(str(require_reference("duis", "templates", name))).getroot()


def family_templates() -> list[str]:
    """Names of the DUIS templates of this family (read at collection time)."""
    folder = REFERENCE_DIR / "duis" / "templates"
    if not folder.is_dir():
        return []
    wanted = {f.split("_", 1)[1] + "_" + f.split("_", 1)[0] for f in FAMILY_FOLDERS}
    names = []
    for path in sorted(folder.glob("*_REQUEST_DUIS.XML")):
        use_case, variant = path.name.split("_")[:2]
        if f"{use_case}_{variant}" in wanted:
            names.append(path.name)
    return names


def stem(name: str) -> str:
    return re.sub(r"_(REQUEST_DUIS\.XML|(PRE)?COMMAND_GBCS\.HEX|RESPONSE_GBCS\.HEX)$", "", name)


def variant_for(name: str) -> str | None:
    if "_TWIN" in name:
        return "B"
    if "_SINGLE" in name:
        return "A"
    return None


def request_from(
    name: str,
    *,
    counter: int | None = None,
    gbcs_version: str | None = None,
    variant: str | None = None,
    now: datetime = RTDS_NOW,
    body: etree._Element | None = None,
) -> TransformInput:
    """The ``TransformInput`` the hub would make of DUIS template ``name``."""
    root = template(name)
    originator, target, count = (root.findtext(f"{SR}Header/{SR}RequestID") or "").split(":")
    element = body if body is not None else root.find(f"{SR}Body")[0]  # type: ignore[index]
    use_case = name.split("_", maxsplit=1)[0]
    target_eui = Eui64.parse(target)
    version = gbcs_version or GBCS_VERSIONS.get(use_case, "4.1")
    dev = device(target_eui.value & 0xFF, gbcs_version=version)
    execution = element.find(f"{SR}ExecutionDateTime")
    electric = dev.device_type is DeviceType.ESME
    return TransformInput(
        variant=root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant") or "",
        body=element,
        originator=Eui64.parse(originator),
        target=target_eui,
        counter=int(count) if counter is None else counter,
        device=dev,
        role=UserRole.IMPORT_SUPPLIER if electric else UserRole.GAS_SUPPLIER,
        now=now,
        execution_at=None if execution is None else timestamp(execution),
        inventory=Inventory(variant if variant is not None else variant_for(name)),
    )


def transformed(request: TransformInput) -> CommandSpec:
    result = transform(request)
    if isinstance(result, TransformRefusal):
        raise AssertionError(f"refused: {result}")
    return result


def pre_command(spec: CommandSpec, request: TransformInput) -> GbcsMessage:
    return build.pre_command(
        spec.payload,
        originator=request.originator,
        recipient=spec.recipient,
        counter=request.counter,
        message_code=spec.message_code,
        date_time=spec.date_time,
    )


def command(spec: CommandSpec, request: TransformInput) -> GbcsMessage:
    """The Command the hub sends: MACed, and signed by the User when critical."""
    if not is_critical(request.variant):
        built = build_command(
            spec,
            originator=request.originator,
            counter=request.counter,
            critical_variant=False,
            security=security(),
        )
        return decode_message(built.message)
    pre = pre_command(spec, request)
    signer = keystore().signer(request.originator)
    assert signer is not None and signer.private_key is not None
    signature = build.sign_pre_command(pre, signer.private_key)
    return build.critical_command(pre, signature, security())


def vector_path(name: str) -> Path:
    use_case, variant = name.split("_")[:2]
    return require_reference("gbcs", "rtds", f"{variant}_{use_case}", name)


def vector(name: str) -> bytes:
    return bytes.fromhex(vector_path(name).read_text().strip())


def vector_message(name: str) -> GbcsMessage:
    return decode_message(vector(name))


def element(tag: str, **children: object) -> etree._Element:
    """A DUIS body element ``tag`` with simple text ``children``."""
    node = etree.Element(f"{SR}{tag}")
    for name, value in children.items():
        etree.SubElement(node, f"{SR}{name}").text = str(value)
    return node


def sub(parent: etree._Element, tag: str, text: object = None) -> etree._Element:
    """Append DUIS element ``tag`` (with ``text``) to ``parent``."""
    node = etree.SubElement(parent, f"{SR}{tag}")
    if text is not None:
        node.text = str(text)
    return node


def fresh_state(dev: Device) -> DeviceState:
    return DeviceState(dev)


class Meter:
    """A simulated Device and the User's side of the conversation with it."""

    def __init__(self, dev: Device, *, variant: str | None = None) -> None:
        self.device = dev
        self.state = DeviceState(dev)
        self.variant = variant
        self.peers: dict[Eui64, DeviceState] = {}
        self.simulator = DeviceSimulator(device_security(), peers=self.peers.get)
        self.last_command: GbcsMessage | None = None

    def send(
        self,
        name: str,
        at: datetime,
        *,
        counter: int,
        body: etree._Element | None = None,
        execution_at: datetime | None = None,
        gbcs_version: str | None = None,
    ) -> Simulation:
        request = request_from(
            name,
            counter=counter,
            now=at,
            body=body,
            variant=self.variant,
            gbcs_version=gbcs_version,
        )
        request = replace(request, target=self.device.device_id, device=self.device)
        if execution_at is not None or body is not None:
            request = replace(request, execution_at=execution_at)
        return self.deliver(request, at)

    def ask(
        self,
        variant: str,
        body: etree._Element,
        at: datetime,
        *,
        counter: int,
        execution_at: datetime | None = None,
    ) -> Simulation:
        """Send DUIS ``variant`` with ``body`` (for variants without a template)."""
        electric = self.device.device_type is DeviceType.ESME
        request = TransformInput(
            variant=variant,
            body=body,
            originator=SUPPLIER,
            target=self.device.device_id,
            counter=counter,
            device=self.device,
            role=UserRole.IMPORT_SUPPLIER if electric else UserRole.GAS_SUPPLIER,
            now=at,
            execution_at=execution_at,
            inventory=Inventory(self.variant),
        )
        return self.deliver(request, at)

    def deliver(self, request: TransformInput, at: datetime) -> Simulation:
        spec = transformed(request)
        message = command(spec, request)
        self.last_command = message
        result = self.simulator.process(message.encode(), self.state, at)
        assert result.outcome is Outcome.RESPONDED, result.reason
        return result

    def wake(self, at: datetime) -> tuple[bytes, ...]:
        return tuple(raw for _, raw in self.simulator.wake(self.state, at))

    def restore_supply(self, at: datetime) -> None:
        """The consumer restores the supply of a meter its credit check armed (a top-up or
        emergency credit after a credit disablement): the meter looks at its credit, then
        the button is pressed (the meter plans its credit again from then). A meter
        registers and is charged for nothing while its supply is off
        (``devices.supply_off``), so a test that runs credit down needs it on."""
        context = DeviceContext(at, self.device, self.state, device_security())
        tariffs_links.watch_credit(context)
        if switch_of(self.state).supply_state is not SupplyState.ENABLED:
            change = supply_events.consumer_restores_supply(context)
            assert isinstance(change, SupplyChange), change
        assert switch_of(self.state).supply_state is SupplyState.ENABLED
