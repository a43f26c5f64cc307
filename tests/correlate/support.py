"""The reference critical requests, their Pre-Commands, and single-field mutations of them.

Everything is read from the shared reference data at test time: the DUIS templates of
Command Variant 4, the RTDS Pre-Command vectors (or, where the set holds only the signed
Command, its Pre-Command part: the grouping header and payload without the User's
signature and the MAC), and the RTDS keystore's Device certificates.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from lxml import etree

from opendcc.correlate import DeviceFacts, DifferenceKind
from opendcc.correlate.attribution import duis_path
from opendcc.correlate.expected import Expected, attempts
from opendcc.duis.messages import ServiceRequest, parse_request
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.frame import GbcsMessage, GroupingHeader, OtherInformation, decode_message
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.smki.keystore import Keystore
from opendcc.transform.applicability import DEVICE_TYPES
from opendcc.transform.registry import CommandSpec, TransformInput, lookup
from tests.reference import REFERENCE_DIR, require_reference

RTDS_NOW: Final = datetime(2015, 1, 1, tzinfo=UTC)
"""When the RTDS Pre-Commands were made (their GBZ issuer event ids say so)."""
SR: Final = "{http://www.dccinterface.co.uk/ServiceUserGateway}"


def eui(last: str) -> Eui64:
    return Eui64.parse(f"00-DB-12-34-56-78-90-{last}")


PREMISES: Final[dict[str, tuple[DeviceType, str | None]]] = {
    "A0": (DeviceType.ESME, None),
    "A1": (DeviceType.GSME, "A3"),
    "A2": (DeviceType.CHF, None),
    "A3": (DeviceType.GPF, None),
    "A4": (DeviceType.PPMID, "A0"),
    "A5": (DeviceType.HCALCS, "A0"),
    "A6": (DeviceType.HCALCS, "A0"),
}
"""The reference premises as its supplier knows it (docs/estate.md: A4 the PPMID, A5 an
HCALCS, A6 the auxiliary proportional controller, an HCALCS; parents as joined)."""
JOIN_PARTNERS: Final[dict[str, DeviceType]] = {
    "CS03A1": DeviceType.HCALCS,
    "CS03A2Critical": DeviceType.ESME,
    "CS03CCritical": DeviceType.PPMID,
    "CS04ACCritical": DeviceType.PPMID,
}
"""The other Device of each join/unjoin template (``OtherDeviceID``), by the use case: a
method A join of an ESME is with a PPMID or HCALCS (the CS03A1 vector names an HCALCS), a
method A responder (CS03A2) joins an ESME, a method C join of a GSME is with a PPMID
(GBCS 13.7)."""
OLDER_GENERATION: Final[dict[str, str]] = {"ECS08": "1.2"}
"""Templates whose use case the DCC sends only to Devices of an older GBCS version: the
supplier's records say so."""


def critical_templates() -> list[Path]:
    base = REFERENCE_DIR / "duis" / "templates"
    if not base.is_dir():
        return []
    return [
        p
        for p in sorted(base.glob("*_REQUEST_DUIS.XML"))
        if b"<sr:CommandVariant>4</sr:CommandVariant>" in p.read_bytes()
    ]


def stem(template: Path) -> str:
    return template.name.removesuffix("_REQUEST_DUIS.XML")


def variant_of(template: Path) -> str:
    return stem(template).split("_")[1]


def has_transform(variant: str) -> bool:
    return any(lookup(variant, kind) is not None for kind in DEVICE_TYPES.get(variant, ()))


def reference_keystore() -> Keystore:
    return Keystore.load(require_reference("gbcs", "keystore"))


def premises_facts(
    keystore: Keystore,
    template: Path | None = None,
    pre_command: bytes | None = None,
    *,
    by_template_generation: bool = True,
) -> DeviceFacts:
    """The supplier's knowledge of the premises; for a join, of the partner too, with the
    partner's certificates as the SMKI gives them (those the Pre-Command carries: the
    keystore's copies of some were reissued)."""
    version = "4.1"
    if template is not None and by_template_generation:
        version = OLDER_GENERATION.get(stem(template).split("_")[0], version)
    devices = [
        Device(
            eui(last),
            kind,
            SmiStatus.COMMISSIONED,
            RTDS_NOW,
            CspRegion.CENTRAL,
            parent_id=eui(parent) if parent else None,
            gbcs_version=version,
        )
        for last, (kind, parent) in PREMISES.items()
    ]
    if template is not None and pre_command is not None and stem(template).startswith("CS03"):
        keystore = Keystore()
        for der in certificates_in(decode_message(pre_command).payload):
            keystore.add_certificate(x509.load_der_x509_certificate(der), source="SMKI")
    if template is not None:
        partner = JOIN_PARTNERS.get(stem(template).split("_")[0])
        other = etree.parse(str(template)).getroot().findtext(f".//{SR}OtherDeviceID")
        if partner is not None and other:
            devices.append(
                Device(Eui64.parse(other), partner, SmiStatus.COMMISSIONED, RTDS_NOW,
                       CspRegion.CENTRAL)
            )  # fmt: skip
    return DeviceFacts.of(devices, keystore=keystore)


@dataclass(frozen=True, slots=True)
class ReferencePair:
    request: ServiceRequest
    pre_command: bytes | None
    source: str
    """``PRECOMMAND`` or ``COMMAND`` (the vector's Pre-Command part), or ``none``."""
    certificates_replaced: int = 0


def vector_path(name: str, kind: str) -> Path | None:
    found = sorted((REFERENCE_DIR / "gbcs" / "rtds").glob(f"*/{name}_{kind}_GBCS.HEX"))
    return found[0] if found else None


def reference_pair(template: Path) -> ReferencePair:
    name = stem(template)
    pre_command: bytes | None = None
    source = "none"
    path = vector_path(name, "PRECOMMAND")
    if path is not None:
        pre_command, source = bytes.fromhex(path.read_text().strip()), "PRECOMMAND"
    else:
        path = vector_path(name, "COMMAND")
        if path is not None:
            pre_command, source = (
                pre_command_part(bytes.fromhex(path.read_text().strip())),
                "COMMAND",
            )
    root = etree.parse(str(template)).getroot()
    replaced = with_vector_certificates(root, pre_command) if pre_command else 0
    request = parse_request(etree.tostring(root))
    assert isinstance(request, ServiceRequest), request
    return ReferencePair(request, pre_command, source, replaced)


def pre_command_part(command: bytes) -> bytes:
    """The Pre-Command a critical Command was made from (without signature and MAC)."""
    message = decode_message(command)
    return GbcsMessage(
        message.header, message.payload, mac_header=False, signature_length_omitted=True
    ).encode()


def certificates_in(data: bytes) -> list[bytes]:
    """The DER X.509 certificates inside ``data``, in order."""
    found: list[bytes] = []
    index = 0
    while index < len(data) - 4:
        if data[index] == 0x30 and data[index + 1] == 0x82:
            length = int.from_bytes(data[index + 2 : index + 4], "big") + 4
            candidate = data[index : index + length]
            try:
                x509.load_der_x509_certificate(candidate)
            except ValueError:
                index += 1
                continue
            found.append(candidate)
            index += length
            continue
        index += 1
    return found


def certificate_elements(root: etree._Element) -> list[etree._Element]:
    out = []
    for node in root.iter():
        if not isinstance(node.tag, str) or len(node) or not (node.text or "").strip():
            continue
        text = "".join((node.text or "").split())
        if len(text) < 200:
            continue
        try:
            x509.load_der_x509_certificate(base64.b64decode(text, validate=True))
        except ValueError:
            continue
        out.append(node)
    return out


def with_vector_certificates(root: etree._Element, pre_command: bytes) -> int:
    """Put the vector's certificates into the template, in order; how many differed.

    The published templates carry organisation certificates reissued in 2025, while the
    RTDS vectors keep the ones they were made with (the catalogue's security family found
    the same): the mapping from request to Command is the same, the input is not. Without
    this the Pre-Command correctly does not correlate ("a different certificate").
    """
    nodes = certificate_elements(root)
    vector = certificates_in(decode_message(pre_command).payload)
    if not nodes or len(nodes) != len(vector):
        return 0
    changed = 0
    for node, der in zip(nodes, vector, strict=True):
        text = base64.b64encode(der).decode()
        if "".join((node.text or "").split()) != text:
            node.text = text
            changed += 1
    return changed


def pre_command_of(request: ServiceRequest, spec: CommandSpec) -> bytes:
    rid = request.header.request_id
    return build.pre_command(
        spec.payload,
        originator=rid.originator,
        recipient=spec.recipient,
        counter=rid.counter,
        message_code=spec.message_code,
        date_time=spec.date_time,
    ).encode()


def first_transform(
    request: ServiceRequest, facts: DeviceFacts | None, message_code: int | None = None
) -> Expected | None:
    for item in attempts(request, None, RTDS_NOW, facts):
        if isinstance(item, Expected) and (
            message_code is None or item.spec.message_code == message_code
        ):
            return item
    return None


# --- mutations ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mutation:
    what: str
    pre_command: bytes
    kinds: frozenset[DifferenceKind]
    words: tuple[str, ...] = field(default=())
    """Words the explanation must contain (any one of them)."""


OTHER_PARTY: Final = Eui64.parse("90-B3-D5-1F-30-03-00-00")
OTHER_DEVICE: Final = eui("A7")
SUPPLY_VARIANTS: Final = ("7.1", "7.2", "7.3")


def frame_mutations(pre_command: bytes) -> Iterator[Mutation]:
    """The same Pre-Command with one grouping-header field changed."""
    message = decode_message(pre_command)
    header = message.header

    def with_header(**changes: object) -> bytes:
        fields = {
            "cra": header.cra,
            "originator_counter": header.originator_counter,
            "originator": header.originator,
            "recipient": header.recipient,
            "other_information": header.other_information,
            "date_time": header.date_time,
        }
        fields.update(changes)
        return GbcsMessage(
            GroupingHeader(**fields),  # type: ignore[arg-type]
            message.payload,
            mac_header=False,
            signature_length_omitted=message.signature_length_omitted,
        ).encode()

    device = OTHER_DEVICE if header.recipient != OTHER_DEVICE else eui("A8")
    yield Mutation(
        "a different device", with_header(recipient=device), frozenset({DifferenceKind.DEVICE}),
        ("different device", str(device)),
    )  # fmt: skip
    yield Mutation(
        "another originator", with_header(originator=OTHER_PARTY),
        frozenset({DifferenceKind.ORIGINATOR}), (str(OTHER_PARTY),),
    )  # fmt: skip
    yield Mutation(
        "another counter", with_header(originator_counter=header.originator_counter + 1),
        frozenset({DifferenceKind.COUNTER}), ("counter",),
    )  # fmt: skip
    code = header.message_code
    other_code = 0x0055 if code != 0x0055 else 0x0050
    yield Mutation(
        "another use case",
        with_header(other_information=OtherInformation(other_code)),
        frozenset({DifferenceKind.USE_CASE, DifferenceKind.SUPPLY_ACTION}),
        ("different command", "would"),
    )
    when = DlmsDateTime.from_datetime(RTDS_NOW + timedelta(days=400))
    yield Mutation(
        "a header date-time", with_header(date_time=when),
        frozenset({DifferenceKind.EXECUTION_DATE_TIME}), ("execution date-time",),
    )  # fmt: skip
    yield Mutation(
        "already signed",
        message.with_signature(bytes(64)).encode(),
        frozenset({DifferenceKind.NOT_A_PRE_COMMAND}),
        ("signed",),
    )


def body_mutations(
    request: ServiceRequest,
    matched: Expected,
    facts: DeviceFacts | None,
    other_certificate: bytes,
    limit: int,
) -> Iterator[tuple[str, ServiceRequest, str]]:
    """Requests with one body value changed: (element path, request, element name)."""
    root = request.root
    body = request.body
    seen: set[str] = set()
    leaves = [
        n for n in body.iter()
        if isinstance(n.tag, str) and not len(n) and (n.text or "").strip()
    ]  # fmt: skip
    certificate_nodes = set(certificate_elements(body))
    priority = sorted(
        leaves,
        key=lambda n: (
            0 if n in certificate_nodes or etree.QName(n).localname == "ExecutionDateTime" else 1
        ),
    )
    made = 0
    for node in priority:
        name = etree.QName(node).localname
        if name in seen or made >= limit:
            continue
        replacement = _changed(node, node in certificate_nodes, other_certificate)
        if replacement is None:
            continue
        seen.add(name)
        copy_root = copy.deepcopy(root)
        list(copy_root.iter())[list(root.iter()).index(node)].text = replacement
        mutated = parse_request(etree.tostring(copy_root))
        if not isinstance(mutated, ServiceRequest):
            continue
        made += 1
        yield duis_path(body, node), mutated, name


def _changed(node: etree._Element, certificate: bool, other_certificate: bytes) -> str | None:
    text = (node.text or "").strip()
    if certificate:
        return base64.b64encode(other_certificate).decode()
    try:
        value = int(text)
    except ValueError:
        pass
    else:
        return str(value - 1 if value > 0 else value + 1)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.year >= 3000:
        return None
    return (moment + timedelta(days=1)).isoformat().replace("+00:00", "Z")


def transformed_as(
    mutated: ServiceRequest, matched: Expected, facts: DeviceFacts | None
) -> bytes | None:
    """The mutated request's Pre-Command under the original's Device profile and time."""
    from opendcc.correlate.expected import transform_once

    spec = transform_once(mutated, matched.profile, matched.role, matched.now, facts)
    if not isinstance(spec, CommandSpec):
        return None
    return pre_command_of(mutated, spec)


def supply_mutations(
    request: ServiceRequest, matched: Expected, facts: DeviceFacts | None
) -> Iterator[Mutation]:
    """The Pre-Command of another supply action for the same Device and counter."""
    variant = request.header.variant.code
    if variant not in SUPPLY_VARIANTS:
        return
    rid = request.header.request_id
    for other in SUPPLY_VARIANTS:
        fn = lookup(other, matched.profile.device.device_type)
        if other == variant or fn is None:
            continue
        spec = fn(
            TransformInput(
                variant=other,
                body=request.body,
                originator=rid.originator,
                target=rid.target,
                counter=rid.counter,
                device=matched.profile.device,
                role=matched.role,
                now=matched.now,
                inventory=facts,
            )
        )
        if isinstance(spec, CommandSpec):
            yield Mutation(
                f"the Pre-Command of {other}",
                pre_command_of(request, spec),
                frozenset({DifferenceKind.SUPPLY_ACTION}),
                ("supply",),
            )
