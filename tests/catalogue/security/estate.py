"""A small simulated estate for the family's Device tests: the reference premises, the
reference keys, and Device signing keys made for the test (the reference keystore holds
only the Devices' certificates, so a simulated Device could not sign its Responses to
critical Commands). ``Hub.send`` builds each Command the way the hub will: a MACed Command,
a User-signed critical Command from the Pre-Command, or a Command a DCC party originates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from lxml import etree

from opendcc.devices import catalogue as _devices  # noqa: F401  (registers every handler)
from opendcc.devices.simulator import DeviceSimulator, Outcome, Simulation
from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.authority import CertificateAuthority
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from opendcc.transform import security_credentials as _credentials  # noqa: F401
from opendcc.transform import security_firmware as _firmware  # noqa: F401
from opendcc.transform import security_han as _han  # noqa: F401
from opendcc.transform.registry import CommandSpec, TransformInput, transform
from tests.catalogue.security.reference import Premises, request_for
from tests.reference import require_reference

CRITICAL_VARIANTS: Final = frozenset(
    {"6.15.1", "6.15.2", "6.17", "6.24.2", "8.1.1", "8.7.1", "8.8.1", "11.3"}
)
"""The family's critical Service Reference Variants (the DUIS request matrix)."""

_CA_START: Final = datetime(2014, 1, 1, tzinfo=UTC)

_keystore_cache: dict[str, Keystore] = {}


def family_keystore(device_ids: list[Eui64]) -> Keystore:
    """The reference keystore plus a Digital Signing key and certificate per Device."""
    key = ",".join(sorted(d.hex for d in device_ids))
    if key not in _keystore_cache:
        from cryptography.hazmat.primitives.asymmetric import ec

        store = Keystore.load(require_reference("gbcs", "keystore"))
        authority = CertificateAuthority.create(_CA_START)
        for device in device_ids:
            private = ec.generate_private_key(ec.SECP256R1())
            certificate = authority.issue_device(
                device, KeyUsage.DIGITAL_SIGNING, private.public_key(), not_before=_CA_START
            )
            store.add_certificate(certificate, private, name=f"test-{device.hex}-ds")
        _keystore_cache[key] = store
    return _keystore_cache[key]


@dataclass
class Hub:
    """The parts of the hub these tests need: transform, build, deliver, keep state."""

    premises: Premises = field(default_factory=Premises)
    security: GbcsSecurity = field(init=False)
    states: dict[Eui64, DeviceState] = field(default_factory=dict)
    acb_counter: int = 50_000
    cos_counter: int = 60_000

    def __post_init__(self) -> None:
        self.security = GbcsSecurity(
            family_keystore(sorted(self.premises.devices, key=lambda e: e.value))
        )
        self.simulator = DeviceSimulator(self.security, self.premises, self.state_of_known)

    def state(self, eui: Eui64) -> DeviceState:
        found = self.states.get(eui)
        if found is None:
            device = self.premises.get_device(eui)
            assert device is not None, eui
            found = self.states[eui] = DeviceState(device)
        return found

    def state_of_known(self, eui: Eui64) -> DeviceState | None:
        return self.state(eui) if self.premises.get_device(eui) is not None else None

    def dcc_counter(self, party: Eui64) -> int:
        if party == Eui64.parse("90-B3-D5-1F-30-00-00-04"):
            self.cos_counter += 1
            return self.cos_counter
        self.acb_counter += 1
        return self.acb_counter

    def request(
        self, document: etree._Element, now: datetime, *, counter: int | None = None
    ) -> TransformInput:
        return request_for(
            document,
            premises=self.premises,
            now=now,
            counter=counter,
            dcc_counter=self.dcc_counter,
        )

    def command(self, spec: CommandSpec, request: TransformInput) -> bytes:
        origination = spec.dcc_origination
        if origination is not None:
            return build.command(
                spec.payload,
                originator=origination.party,
                recipient=spec.recipient,
                counter=origination.counter,
                message_code=spec.message_code,
                security=self.security,
                signed=origination.signed,
                date_time=spec.date_time,
                supplementary_remote_party=spec.supplementary_remote_party,
                supplementary_remote_party_counter=spec.supplementary_remote_party_counter,
            ).encode()
        if request.variant in CRITICAL_VARIANTS:
            pre_command = build.pre_command(
                spec.payload,
                originator=request.originator,
                recipient=spec.recipient,
                counter=request.counter,
                message_code=spec.message_code,
                date_time=spec.date_time,
            )
            signer = self.security.keystore.signer(request.originator)
            assert signer is not None and signer.private_key is not None
            signature = build.sign_pre_command(pre_command, signer.private_key)
            return build.critical_command(pre_command, signature, self.security).encode()
        return build.command(
            spec.payload,
            originator=request.originator,
            recipient=spec.recipient,
            counter=request.counter,
            message_code=spec.message_code,
            security=self.security,
            date_time=spec.date_time,
        ).encode()

    def send(
        self,
        document: etree._Element,
        now: datetime,
        *,
        counter: int | None = None,
        edit: Callable[[bytes], bytes] | None = None,
    ) -> Simulation:
        """Transform the request, build its Command, deliver it to the target Device."""
        request = self.request(document, now, counter=counter)
        spec = transform(request)
        assert isinstance(spec, CommandSpec), spec
        data = self.command(spec, request)
        if edit is not None:
            data = edit(data)
        return self.simulator.process(data, self.state(spec.recipient), now)

    def deliver(self, data: bytes, target: Eui64, now: datetime) -> Simulation:
        return self.simulator.process(data, self.state(target), now)

    def wake(self, eui: Eui64, now: datetime) -> list[DecodedMessage]:
        alerts = self.simulator.wake(self.state(eui), now)
        return [decode(message, self.security) for _, message in alerts]

    def decode(self, data: bytes) -> DecodedMessage:
        return decode(data, self.security)

    def response(self, result: Simulation) -> DecodedMessage:
        assert result.outcome is Outcome.RESPONDED, result.reason
        assert result.response is not None
        decoded = decode(result.response, self.security)
        assert decoded.mac.valid is True or decoded.signature.valid is True
        return decoded
