"""A Device's own credentials: 6.17 makes a key pair and a Certification Request, 6.15.2
installs the certificate the SMKI issued for it, 6.24.2 returns the certificate in use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from opendcc.smki.authority import CertificateAuthority
from opendcc.smki.identity import KeyUsage, certificate_eui
from tests.catalogue.security.estate import Hub
from tests.catalogue.security.reference import ESME_ID, GSME_ID, SUPPLIER, b64, request_document
from tests.reference import require_reference

NOW = datetime(2025, 5, 1, tzinfo=UTC)


def issue(usage: str, counter: int) -> object:
    body = (
        "<sr:IssueSecurityCredentials>"
        f"<sr:CredentialType>{usage}</sr:CredentialType>"
        "</sr:IssueSecurityCredentials>"
    )
    return request_document("6.17", SUPPLIER, ESME_ID, counter, body)


def provide(usage: str, counter: int) -> object:
    body = (
        "<sr:RetrieveDeviceSecurityCredentialsDevice>"
        f"<sr:CredentialType>{usage}</sr:CredentialType>"
        "</sr:RetrieveDeviceSecurityCredentialsDevice>"
    )
    return request_document("6.24.2", SUPPLIER, ESME_ID, counter, body)


def install(certificate: x509.Certificate, counter: int) -> object:
    der = certificate.public_bytes(Encoding.DER)
    body = (
        "<sr:UpdateSecurityCredentialsDevice>"
        f"<sr:DeviceCertificate>{b64(der)}</sr:DeviceCertificate>"
        "</sr:UpdateSecurityCredentialsDevice>"
    )
    return request_document("6.15.2", SUPPLIER, ESME_ID, counter, body)


def _values(hub: Hub, document: object) -> dict[str, object]:
    values = hub.response(hub.send(document, NOW)).payload.to_json()["values"]
    assert isinstance(values, dict)
    return values


@pytest.mark.conformance
def test_issue_install_and_provide_a_device_certificate() -> None:
    hub = Hub()
    current = _values(hub, provide("Digital Signature", 1))["certificate"]
    reference = x509.load_pem_x509_certificate(
        require_reference("gbcs", "keystore", "00db1234567890a0-ds.pem").read_bytes()
    )
    assert current["serial"] == str(reference.serial_number)

    result = hub.response(hub.send(issue("Digital Signature", 2), NOW))
    assert result.signature.valid is True
    request_values = result.payload.to_json()["values"]["certification_request"]
    assert request_values["subject_eui"] == str(ESME_ID)
    assert request_values["key_usage"] == ["digitalSignature"]
    assert request_values["signature_valid"] is True
    csr_der = result.payload.body.certification_request.der  # type: ignore[union-attr]
    csr = x509.load_der_x509_csr(csr_der)
    assert csr.is_signature_valid

    authority = CertificateAuthority.create(NOW)
    issued = authority.issue_device(
        ESME_ID,
        KeyUsage.DIGITAL_SIGNING,
        csr.public_key(),
        not_before=NOW,  # type: ignore[arg-type]
    )
    # A certificate naming another Device, or with another key, is refused.
    other = authority.issue_device(
        GSME_ID,
        KeyUsage.DIGITAL_SIGNING,
        csr.public_key(),
        not_before=NOW,  # type: ignore[arg-type]
    )
    assert _values(hub, install(other, 3))["response_code"] == "wrongDeviceIdentity"
    stranger = authority.issue_device(
        ESME_ID,
        KeyUsage.DIGITAL_SIGNING,
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        not_before=NOW,
    )
    assert _values(hub, install(stranger, 4))["response_code"] == "wrongPublicKey"
    assert _values(hub, install(issued, 5))["response_code"] == "success"

    provided = _values(hub, provide("Digital Signature", 6))["certificate"]
    assert provided["serial"] == str(issued.serial_number)
    assert certificate_eui(issued) == ESME_ID
    # The pending key pair is used: installing a stranger now has no key pair to match.
    assert _values(hub, install(stranger, 7))["response_code"] == "noCorrespondingKeyPairGenerated"


@pytest.mark.conformance
def test_key_agreement_requests_are_separate_and_reproducible() -> None:
    first, second = Hub(), Hub()
    a = first.response(first.send(issue("Key Agreement", 9), NOW)).payload.to_json()["values"]
    b = second.response(second.send(issue("Key Agreement", 9), NOW)).payload.to_json()["values"]
    assert a["certification_request"]["key_usage"] == ["keyAgreement"]
    assert a["certification_request"]["public_key"] == b["certification_request"]["public_key"]
    c = first.response(first.send(issue("Key Agreement", 10), NOW)).payload.to_json()["values"]
    assert c["certification_request"]["public_key"] != a["certification_request"]["public_key"]
