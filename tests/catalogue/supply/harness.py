"""Test helpers for the supply family: reference Devices, a keystore in which the
simulated meters can sign, and a meter that takes DUIS bodies as the hub would send them
(transform, build the Command, sign it when critical, process it, decode the answer).

Nothing here is reference data: bodies are read from the reference templates at test time
or written inline as the DUIS schema defines them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from opendcc.devices.simulator import DeviceContext, DeviceSimulator, Outcome, Simulation
from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.roles import UserRole
from opendcc.smki.authority import CertificateAuthority
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from opendcc.transform.registry import (
    CommandSpec,
    TransformInput,
    TransformRefusal,
    build_command,
    transform,
)
from tests.reference import require_reference

SR_NS = "http://www.dccinterface.co.uk/ServiceUserGateway"
SR = "{" + SR_NS + "}"
SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
NETWORK_OPERATOR = Eui64.parse("90-B3-D5-1F-30-02-00-00")
LOAD_CONTROLLER = Eui64.parse("90-B3-D5-1F-30-01-00-08")
ACB = Eui64.parse("90-B3-D5-1F-30-00-00-02")
INSTALLED = datetime(2014, 6, 1, tzinfo=UTC)
RTDS_NOW = datetime(2015, 1, 1, tzinfo=UTC)
"""The time the reference Commands were made (their ZigBee issuer event ids say so)."""


def device(eui: str, kind: DeviceType, **extra: Any) -> Device:
    return Device(
        Eui64.parse(eui), kind, SmiStatus.COMMISSIONED, INSTALLED, CspRegion.CENTRAL, **extra
    )


ESME = device("00-DB-12-34-56-78-90-A0", DeviceType.ESME, mpxn="1100000000001")
GSME = device("00-DB-12-34-56-78-90-A1", DeviceType.GSME, mpxn="1234567890")
CHF = device("00-DB-12-34-56-78-90-A2", DeviceType.CHF)
HCALCS = device("00-DB-12-34-56-78-90-A5", DeviceType.HCALCS, parent_id=ESME.device_id)
SIGNING_DEVICES = (ESME, GSME, CHF)


def meter_keystore() -> Keystore:
    """The reference keystore, plus Digital Signing keys for the simulated meters (the
    reference holds only their certificates): a test CA issues each a Device Certificate
    so the meters can sign critical Responses and Alerts, and verifiers can check them."""
    keystore = Keystore.load(require_reference("gbcs", "keystore"))
    authority = CertificateAuthority.create(INSTALLED)
    for meter in SIGNING_DEVICES:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = authority.issue_device(
            meter.device_id, KeyUsage.DIGITAL_SIGNING, key.public_key(), not_before=INSTALLED
        )
        keystore.add_certificate(cert, key, name=f"{meter.device_id.hex}-test-ds")
    return keystore


def body(xml: str) -> etree._Element:
    """A DUIS body element from its XML (``sr:`` prefix bound)."""
    wrapper = etree.fromstring(f'<sr:Body xmlns:sr="{SR_NS}">{xml}</sr:Body>')
    return wrapper[0]


def template(name: str) -> tuple[str, etree._Element, Eui64, int]:
    """(variant, body, originator, counter) of a reference DUIS template."""
    root = etree.parse(str(require_reference("duis", "templates", name))).getroot()
    variant = root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant")
    originator, _target, counter = (root.findtext(f"{SR}Header/{SR}RequestID") or "").split(":")
    assert variant is not None
    return variant, root.find(f"{SR}Body")[0], Eui64.parse(originator), int(counter)  # type: ignore[index]


def vector(folder: str, name: str) -> bytes:
    return bytes.fromhex(require_reference("gbcs", "rtds", folder, name).read_text().strip())


def vectors(folder: str, suffix: str) -> Iterator[Path]:
    yield from sorted(require_reference("gbcs", "rtds", folder).glob(f"*_{suffix}_GBCS.HEX"))


@functools.cache
def critical_variants() -> frozenset[str]:
    """The critical Service Reference Variants, from the DUIS request matrix."""
    rows = json.loads(require_reference("duis", "request-matrix.json").read_text())
    return frozenset(r["Service Reference Variant"] for r in rows if r["Critical"] == "Yes")


@dataclass
class Answer:
    simulation: Simulation
    decoded: DecodedMessage | None
    alerts: list[DecodedMessage]

    @property
    def values(self) -> Any:
        assert self.decoded is not None
        return self.decoded.payload.to_json()["values"]

    @property
    def apdu(self) -> Any:
        assert self.decoded is not None
        return self.decoded.payload.to_json()["apdu"]


@dataclass
class Meter:
    """A simulated Device and the DUIS side that talks to it."""

    security: GbcsSecurity
    device: Device
    state: DeviceState = field(init=False)
    simulator: DeviceSimulator = field(init=False)
    counters: dict[Eui64, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state = DeviceState(self.device)
        self.simulator = DeviceSimulator(self.security)

    def transform(
        self,
        variant: str,
        element: etree._Element,
        *,
        originator: Eui64 = SUPPLIER,
        counter: int | None = None,
        at: datetime = RTDS_NOW,
        target: Device | None = None,
    ) -> tuple[CommandSpec | TransformRefusal, int]:
        if counter is None:
            counter = self.counters.get(originator, 1000) + 1
        self.counters[originator] = counter
        target = target or self.device
        request = TransformInput(
            variant,
            element,
            originator,
            target.device_id,
            counter,
            target,
            UserRole.IMPORT_SUPPLIER,
            at,
        )
        return transform(request), counter

    def command(self, variant: str, spec: CommandSpec, originator: Eui64, counter: int) -> bytes:
        """The Command the hub would send: signed by the originator when critical."""
        built = build_command(
            spec,
            originator=originator,
            counter=counter,
            critical_variant=variant in critical_variants(),
            security=self.security,
        )
        if not built.pre_command:
            return built.message
        signer = self.security.keystore.signer(originator)
        assert signer is not None and signer.private_key is not None
        signature = build.sign_pre_command(built.message, signer.private_key)
        return build.critical_command(built.message, signature, self.security).encode()

    def send(
        self,
        variant: str,
        element: etree._Element,
        *,
        originator: Eui64 = SUPPLIER,
        at: datetime = RTDS_NOW,
        target: Device | None = None,
    ) -> Answer:
        spec, counter = self.transform(
            variant, element, originator=originator, at=at, target=target
        )
        assert isinstance(spec, CommandSpec), spec
        command = self.command(variant, spec, originator, counter)
        result = self.simulator.process(command, self.state, at)
        return self.answer(result)

    def answer(self, result: Simulation) -> Answer:
        decoded = None
        if result.outcome is Outcome.RESPONDED and result.response is not None:
            decoded = decode(result.response, self.security)
            assert decoded.mac.valid is not False and decoded.signature.valid is not False
        return Answer(result, decoded, [decode(raw, self.security) for _spec, raw in result.alerts])

    def wake(self, at: datetime) -> list[DecodedMessage]:
        return [decode(raw, self.security) for _spec, raw in self.simulator.wake(self.state, at)]

    def context(self, at: datetime) -> DeviceContext:
        return DeviceContext(at, self.device, self.state, self.security)

    def emit(self, context: DeviceContext) -> list[DecodedMessage]:
        return [decode(raw, self.security) for _spec, raw in self.simulator.emit(context)]
