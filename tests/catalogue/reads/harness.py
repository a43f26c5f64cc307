"""Test harness for the reads family: the reference premises, requests from the DUIS
templates (read in place from the shared reference data), Commands built as the hub
builds them, and simulated Devices that answer them.

Roles: the templates do not say in which User Role a request is made. The reference
Users hold these roles (as opendcc's reference estate gives them): the supplier
90-B3-D5-1F-30-01-00-00 Import, Gas and Export Supplier and Other User; the network
operator ...-02-00-00 Electricity Distributor and Gas Transporter; the second supplier
...-03-00-00 Import and Gas Supplier. A request is taken in the first of the variant's
eligible roles (request matrix order) that the User holds and that fits the fuel,
preferring a role the Device knows, unless the body carries the User's KA certificate,
which only an unknown remote party sends.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from opendcc.access.roles import fuels_of, remote_party_role_of
from opendcc.devices import esme_reads, reads_gas  # noqa: F401  (registers the handlers)
from opendcc.devices.simulator import DeviceSimulator, Outcome, Simulation
from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.gbcs.frame import GbcsMessage
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore
from opendcc.transform import reads, reads_events, reads_logs  # noqa: F401
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transform
from tests.reference import REFERENCE_DIR, require_reference

SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
ACB = Eui64.parse("90-B3-D5-1F-30-00-00-02")
SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
NETWORK_OPERATOR = Eui64.parse("90-B3-D5-1F-30-02-00-00")
ESME_ID = Eui64.parse("00-DB-12-34-56-78-90-A0")
GSME_ID = Eui64.parse("00-DB-12-34-56-78-90-A1")
CHF_ID = Eui64.parse("00-DB-12-34-56-78-90-A2")
GPF_ID = Eui64.parse("00-DB-12-34-56-78-90-A3")
_SINCE = datetime(2020, 1, 1, tzinfo=UTC)
DEVICES = {
    ESME_ID: Device(ESME_ID, DeviceType.ESME, SmiStatus.COMMISSIONED, _SINCE, CspRegion.CENTRAL),
    GSME_ID: Device(
        GSME_ID,
        DeviceType.GSME,
        SmiStatus.COMMISSIONED,
        _SINCE,
        CspRegion.CENTRAL,
        parent_id=GPF_ID,
    ),
    CHF_ID: Device(CHF_ID, DeviceType.CHF, SmiStatus.COMMISSIONED, _SINCE, CspRegion.CENTRAL),
    GPF_ID: Device(GPF_ID, DeviceType.GPF, SmiStatus.COMMISSIONED, _SINCE, CspRegion.CENTRAL),
}
USER_ROLES = {
    SUPPLIER: ("IS", "GS", "ES", "OU"),
    NETWORK_OPERATOR: ("ED", "GT"),
    Eui64.parse("90-B3-D5-1F-30-03-00-00"): ("IS", "GS"),
}
READS_VARIANTS = (
    "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.2", "4.4.2", "4.4.3", "4.4.4", "4.4.5",
    "4.6.1", "4.6.2", "4.8.1", "4.8.2", "4.8.3", "4.10", "4.12.1", "4.12.2", "4.15",
    "4.16", "4.17", "6.13", "9.1", "14.1",
)  # fmt: skip
REFERENCE_NOW = datetime(2015, 1, 1, tzinfo=UTC)
"""The RTDS Responses' date-time: the instant the reference requests were made at."""


@cache
def security() -> GbcsSecurity:
    return GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))


@cache
def request_matrix() -> dict[str, dict[str, Any]]:
    rows = json.loads(require_reference("duis", "request-matrix.json").read_text())
    return {row["Service Reference Variant"]: row for row in rows}


class EsmeVariants:
    """An inventory view that knows ESME variants (as the hub's inventory would)."""

    def __init__(self, variants: dict[Eui64, str] | None = None) -> None:
        self.variants = variants or {}

    def get_device(self, eui: Eui64) -> Device | None:
        return DEVICES.get(eui)

    def esme_variant(self, eui: Eui64) -> str | None:
        return self.variants.get(eui, "A")


@dataclass(frozen=True, slots=True)
class Template:
    path: Path
    stem: str
    use_case: str
    variant: str
    originator: Eui64
    target: Eui64
    counter: int
    body: etree._Element

    @property
    def device(self) -> Device:
        return DEVICES[self.target]


def load_template(path: Path) -> Template:
    root = etree.parse(str(path)).getroot()
    originator, target, counter = (root.findtext(f"{SR}Header/{SR}RequestID") or "").split(":")
    stem = path.name.removesuffix("_REQUEST_DUIS.XML")
    use_case, variant = stem.split("_")[:2]
    body = root.find(f"{SR}Body")
    assert body is not None
    return Template(
        path,
        stem,
        use_case,
        variant,
        Eui64.parse(originator),
        Eui64.parse(target),
        int(counter),
        body[0],
    )


def reads_templates() -> list[Path]:
    """The DUIS templates of the reads family's variants, collected without failing when
    the reference data is absent (the tests then skip or fail under CI)."""
    folder = REFERENCE_DIR / "duis" / "templates"
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.glob("*_REQUEST_DUIS.XML") if p.name.split("_")[1] in READS_VARIANTS
    )


def role_for(variant: str, originator: Eui64, body: etree._Element, device: Device) -> UserRole:
    eligible = request_matrix()[variant]["Eligible User Roles"]
    held = USER_ROLES.get(originator, ())
    roles = [UserRole(r) for r in eligible if r in held]
    fuel = device.device_type.fuel
    if fuel is not None:
        roles = [r for r in roles if fuel in fuels_of(r)]

    def unknown(role: UserRole) -> bool:
        return remote_party_role_of(role) is RemotePartyRole.OTHER_USER

    if body.find(f"{SR}KAPublicSecurityCredentials") is not None:
        roles = [r for r in roles if unknown(r)] or roles
    else:
        roles.sort(key=unknown)
    assert roles, f"no role of {originator} may send {variant}"
    return roles[0]


def request_for(
    template: Template,
    *,
    counter: int | None = None,
    now: datetime = REFERENCE_NOW,
    dcc_counter: int | None = None,
    body: etree._Element | None = None,
    originator: Eui64 | None = None,
    target: Eui64 | None = None,
    role: UserRole | None = None,
    inventory: object | None = None,
) -> TransformInput:
    target = target or template.target
    originator = originator or template.originator
    body = template.body if body is None else body
    device = DEVICES[target]
    return TransformInput(
        variant=template.variant,
        body=body,
        originator=originator,
        target=target,
        counter=template.counter if counter is None else counter,
        device=device,
        role=role or role_for(template.variant, originator, body, device),
        now=now,
        inventory=inventory if inventory is not None else EsmeVariants(),  # type: ignore[arg-type]
        dcc_counter=None if dcc_counter is None else (lambda _party: dcc_counter),
    )


def command_for(request: TransformInput, spec: CommandSpec) -> GbcsMessage:
    """The Command the hub sends: from the User, or from the ACB on its behalf with the
    ACB's counter (``dcc_counter``)."""
    origin = spec.dcc_origination
    return build.command(
        spec.payload,
        originator=request.originator if origin is None else origin.party,
        recipient=spec.recipient,
        counter=request.counter if origin is None else origin.counter,
        message_code=spec.message_code,
        security=security(),
        date_time=spec.date_time,
        supplementary_remote_party=spec.supplementary_remote_party,
        supplementary_remote_party_counter=spec.supplementary_remote_party_counter,
        supplementary_remote_party_ka_certificate=spec.supplementary_remote_party_ka_certificate,
    )


def transformed(request: TransformInput) -> CommandSpec:
    spec = transform(request)
    assert isinstance(spec, CommandSpec), spec
    return spec


def refused(request: TransformInput) -> TransformRefusal:
    spec = transform(request)
    assert isinstance(spec, TransformRefusal), spec
    return spec


# --- bodies -------------------------------------------------------------------------------


def body_with_period(template: Template, start: datetime, end: datetime) -> etree._Element:
    """A copy of the template's body asking for ``start`` to ``end``."""
    body = etree.fromstring(etree.tostring(template.body))
    period = body.find(f"{SR}ReadLogPeriod")
    assert period is not None, template.stem
    for name, moment in (("StartDateTime", start), ("EndDateTime", end)):
        node = period.find(f"{SR}{name}")
        assert node is not None
        node.text = moment.strftime("%Y-%m-%dT%H:%M:%S.00Z")
    return body


def make_body(element: str, children: dict[str, str] | None = None) -> etree._Element:
    body = etree.Element(f"{SR}{element}", nsmap={"sr": SR[1:-1]})
    for name, text in (children or {}).items():
        parts = name.split("/")
        parent = body
        for part in parts[:-1]:
            found = parent.find(f"{SR}{part}")
            parent = found if found is not None else etree.SubElement(parent, f"{SR}{part}")
        etree.SubElement(parent, f"{SR}{parts[-1]}").text = text
    return body


def certificate_text(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")


# --- devices --------------------------------------------------------------------------------


@dataclass
class Estate:
    """The reference premises' simulated Devices (the GPF mirrors the GSME)."""

    states: dict[Eui64, DeviceState] = field(default_factory=dict)
    counter: int = 10_000
    dcc_counter: int = 900_000

    def __post_init__(self) -> None:
        from opendcc.devices.reads_state import attach_gsme

        for eui, device in DEVICES.items():
            self.states[eui] = DeviceState(device)
        attach_gsme(self.states[GPF_ID], GSME_ID)
        self.simulator = DeviceSimulator(security(), peers=self.states.get)

    def state(self, eui: Eui64) -> DeviceState:
        return self.states[eui]

    def send(
        self, template: Template, now: datetime, **overrides: Any
    ) -> tuple[TransformInput, CommandSpec, Simulation]:
        """Transform ``template`` (with fresh counters) and let its target answer."""
        self.counter += 1
        self.dcc_counter += 1
        request = request_for(
            template, counter=self.counter, dcc_counter=self.dcc_counter, now=now, **overrides
        )
        spec = transformed(request)
        command = command_for(request, spec)
        result = self.simulator.process(command.encode(), self.states[request.target], now)
        assert result.outcome is Outcome.RESPONDED, result.reason
        return request, spec, result

    def answer(self, template: Template, now: datetime, **overrides: Any) -> DecodedMessage:
        _, _, result = self.send(template, now, **overrides)
        assert result.response is not None
        decoded = decode(result.response, security())
        assert decoded.mac.valid is True or decoded.signature.valid is True
        return decoded


def values(decoded: DecodedMessage) -> Any:
    payload = decoded.to_json()["payload"]
    assert payload["format"] in ("dlms", "gbz"), payload
    return payload["values"]


def with_target(request: TransformInput, target: Eui64) -> TransformInput:
    return replace(request, target=target, device=DEVICES[target])
