"""Device answers about the Device's own key pairs and certificates (GBCS 13.4-13.6).

- CS02c Issue Security Credentials (DUIS 6.17): the Device generates a new key pair for the
  key usage asked (digital signing or key agreement) and answers a PKCS#10 Certification
  Request for it: no subject name, the Device's EUI-64 as hardwareModuleName in
  subjectAltName, a critical keyUsage, signed with the new key. The pair waits, pending.
- CS02d Update Device Certificate (6.15.2): the Device installs a certificate that names
  it, carries exactly one of the two key usages and holds the public key of the pair
  pending for that usage (or of the pair in use: re-installing the current certificate);
  the response code says which check failed.
- CS02e Provide Device Certificate (6.24.2): the certificate in use for the key usage.

Key generation is simulated deterministically: the private scalar is derived from the
Device's identity, the key usage and the Command's counter, so a run can be replayed; a
real Device uses its own random source. The simulator keeps signing and agreeing keys with
the key pair of the estate (``GbcsSecurity``); the installed certificate is recorded as
Device state (what CS02e reports), not swapped into the keys messages use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from opendcc.devices.device_logs import Change
from opendcc.devices.device_logs import record as log_change
from opendcc.devices.security_common import der_body, der_reply, family_handles
from opendcc.devices.simulator import DeviceCommand, DeviceContext, DeviceReply
from opendcc.devices.state import DeviceState, Section
from opendcc.eui import Eui64
from opendcc.gbcs.der import (
    Certificate,
    CertificationRequest,
    IssueSecurityCredentialsCommand,
    IssueSecurityCredentialsResponse,
    IssueSecurityCredentialsResponseCode,
    KeyUsageFlags,
    ProvideDeviceCertificateCommand,
    ProvideDeviceCertificateResponse,
    ProvideDeviceCertificateResponseCode,
    UpdateDeviceCertificateCommand,
    UpdateDeviceCertificateResponse,
    UpdateDeviceCertificateResponseCode,
)
from opendcc.gbcs.der.common import CERTIFICATE_READ_ERRORS
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.identity import (
    OID_HARDWARE_MODULE_NAME,
    KeyUsage,
    certificate_eui,
    certificate_usage,
    hardware_module_name,
)

_P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_KEY_SEED: Final = b"opendcc simulated device key generation v1"
_USAGES: Final[dict[int, KeyUsage]] = {
    KeyUsageFlags.DIGITAL_SIGNATURE: KeyUsage.DIGITAL_SIGNING,
    KeyUsageFlags.KEY_AGREEMENT: KeyUsage.KEY_AGREEMENT,
}
Codes = UpdateDeviceCertificateResponseCode


@dataclass(slots=True)
class DeviceCredentials(Section):
    """Key pairs generated and certificates installed by Command, by usage (``ds``/``ka``)."""

    NAME = "device_credentials"
    pending: dict[str, str] = field(default_factory=dict)
    """Private scalars (hex) of generated key pairs awaiting their certificate."""
    certificates: dict[str, str] = field(default_factory=dict)
    """Device Certificates (DER hex) installed by CS02d."""


def _usage(flags: int) -> KeyUsage | None:
    return _USAGES.get(flags)


def generated_key(device: bytes, usage: KeyUsage, counter: int) -> ec.EllipticCurvePrivateKey:
    """The simulated key pair (see the module docstring): a valid P-256 scalar."""
    digest = hashlib.sha512(_KEY_SEED + device + usage.value.encode() + counter.to_bytes(8, "big"))
    scalar = int.from_bytes(digest.digest()[:48], "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def certification_request(device: bytes, usage: KeyUsage, key: ec.EllipticCurvePrivateKey) -> bytes:
    """The PKCS#10 request a Device sends for a new key pair (GBCS 13.4.5)."""
    signing = usage is KeyUsage.DIGITAL_SIGNING
    builder = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.OtherName(
                        OID_HARDWARE_MODULE_NAME, hardware_module_name(Eui64.from_bytes(device))
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=signing,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=not signing,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


@family_handles("CS02c")
def issue_security_credentials(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = der_body(command, IssueSecurityCredentialsCommand)
    usage = _usage(request.key_usage)
    if usage is None:
        return der_reply(
            IssueSecurityCredentialsResponse(
                response_code=IssueSecurityCredentialsResponseCode.INVALID_KEY_USAGE
            )
        )
    device = bytes(context.device.device_id)
    key = generated_key(device, usage, command.counter)
    csr = certification_request(device, usage, key)
    credentials = context.state.get(DeviceCredentials)
    credentials.pending[usage.value] = f"{key.private_numbers().private_value:064x}"
    context.state.touch()
    return der_reply(
        IssueSecurityCredentialsResponse(certification_request=CertificationRequest(csr))
    )


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def current_certificate(
    state: DeviceState, security: GbcsSecurity, usage: KeyUsage
) -> x509.Certificate | None:
    """The Device Certificate in use for ``usage``: installed by CS02d, else the one the
    SMKI (keystore, or the estate's derived Device credentials) holds for the Device."""
    installed = state.get(DeviceCredentials).certificates.get(usage.value)
    if installed:
        try:
            return x509.load_der_x509_certificate(bytes.fromhex(installed))
        except CERTIFICATE_READ_ERRORS:
            return None
    for record in security.keystore.for_eui(state.device_id, usage):
        return record.certificate
    if security.device_keys is not None:
        entry = security.device_keys(state.device_id, usage)
        if entry is not None and entry.record is not None:
            return entry.record.certificate
    return None


@family_handles("CS02d")
def update_device_certificate(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = der_body(command, UpdateDeviceCertificateCommand)
    code = _install(request.certificate, context)
    return der_reply(UpdateDeviceCertificateResponse(code))


def _install(certificate: Certificate, context: DeviceContext) -> Codes:
    try:
        parsed = certificate.x509()
        subject = certificate_eui(parsed)
        usage = certificate_usage(parsed)
        public_key = parsed.public_key()
    except CERTIFICATE_READ_ERRORS:
        return Codes.INVALID_CERTIFICATE
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return Codes.INVALID_CERTIFICATE
    if subject != context.device.device_id:
        return Codes.WRONG_DEVICE_IDENTITY
    if usage is None:
        return Codes.INVALID_KEY_USAGE
    credentials = context.state.get(DeviceCredentials)
    pending = credentials.pending.get(usage.value)
    point = _point(public_key)
    signing = usage is KeyUsage.DIGITAL_SIGNING
    if pending is not None:
        key = ec.derive_private_key(int(pending, 16), ec.SECP256R1())
        if _point(key.public_key()) != point:
            return _not_replaced(context, signing, Codes.WRONG_PUBLIC_KEY)
        del credentials.pending[usage.value]
    else:
        current = current_certificate(context.state, context.security, usage)
        try:
            current_key = current.public_key() if current is not None else None
        except CERTIFICATE_READ_ERRORS:
            current_key = None
        if not isinstance(current_key, ec.EllipticCurvePublicKey):
            return _not_replaced(context, signing, Codes.NO_CORRESPONDING_KEY_PAIR_GENERATED)
        if _point(current_key) != point:
            return _not_replaced(context, signing, Codes.NO_CORRESPONDING_KEY_PAIR_GENERATED)
    credentials.certificates[usage.value] = certificate.der.hex()
    context.state.touch()
    replaced = Change.DS_CERTIFICATE_REPLACED if signing else Change.KA_CERTIFICATE_REPLACED
    log_change(context, replaced)  # GBCS 0x8F4D / 0x8F4F in the Security Log
    return Codes.SUCCESS


def _not_replaced(context: DeviceContext, signing: bool, code: Codes) -> Codes:
    """GBCS 0x8F4C / 0x8F4E in the Security Log: the Device kept its own certificate."""
    log_change(
        context,
        Change.DS_CERTIFICATE_NOT_REPLACED if signing else Change.KA_CERTIFICATE_NOT_REPLACED,
    )
    return code


@family_handles("CS02e")
def provide_device_certificate(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = der_body(command, ProvideDeviceCertificateCommand)
    usage = _usage(request.key_usage)
    if usage is None:
        return der_reply(
            ProvideDeviceCertificateResponse(
                response_code=ProvideDeviceCertificateResponseCode.INVALID_KEY_USAGE
            )
        )
    found = current_certificate(context.state, context.security, usage)
    if found is None:
        return der_reply(
            ProvideDeviceCertificateResponse(
                response_code=ProvideDeviceCertificateResponseCode.CERTIFICATE_RETRIEVAL_FAILURE
            )
        )
    return der_reply(ProvideDeviceCertificateResponse(certificate=Certificate.from_x509(found)))
