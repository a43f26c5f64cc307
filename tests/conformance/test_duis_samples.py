"""Every DUIS sample in the reference data, what it is for, and what opendcc makes of it.

The samples come from DCC Boxed's signing tool and duis-parser test suites: signed DCC Boxed
responses (which must verify while their certificates were valid), deliberately broken copies
of them (each refused with its own reason), request templates with placeholder signatures,
and hostile or invalid documents.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from opendcc.duis.dsig import canonical_document
from opendcc.duis.errors import DuisError, DuisErrorKind
from opendcc.duis.messages import ServiceRequest, ServiceResponse, parse_message
from opendcc.duis.schema import DuisSchema, load_schema
from opendcc.duis.signature import (
    FailureReason,
    SignatureFailure,
    SignatureVerifier,
    SigningIdentity,
    VerifiedSignature,
    sign,
)
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore
from tests.reference import check_present, reference_params, require_reference

pytestmark = pytest.mark.conformance

DS = "{http://www.w3.org/2000/09/xmldsig#}"
ACB_Z1_SERIAL = 117636141832862931915946451229571981153  # Z1-accessControlBroker-ds, 2015-2025
NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Sample:
    purpose: str
    parse_error: DuisErrorKind | None = None
    signature: FailureReason | None = None  # None: verifies at the message's own time
    schema_valid: bool = True


PLACEHOLDER = (
    "RTDS request template with a placeholder signature ('default' digest, serial 1234567890)"
)

SAMPLES = {
    "CS02aMAC_6.24.1_SUCCESS_REQUEST_DUIS.XML": Sample(
        PLACEHOLDER + ": 6.24.1, DUIS 5.2", signature=FailureReason.MALFORMED_SIGNATURE
    ),
    "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML": Sample(
        PLACEHOLDER + ": critical 1.1.1 (Command Variant 4), DUIS 5.1",
        signature=FailureReason.MALFORMED_SIGNATURE,
    ),
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-invalid.XML": Sample(
        "a RequestID with '::' before the counter: not a RequestID, not schema-valid",
        parse_error=DuisErrorKind.INVALID_VALUE,
        schema_valid=False,
    ),
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-nonexist-businessid.XML": Sample(
        "an unsigned request from business ID 80-B3-D5-1F-30-01-00-00, for which no key exists",
        signature=FailureReason.NOT_SIGNED,
    ),
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS-signed.XML": Sample(
        PLACEHOLDER + ": 4.1.1, DUIS 5.0", signature=FailureReason.MALFORMED_SIGNATURE
    ),
    "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML": Sample(
        "the unsigned 4.1.1 request DCC Boxed's signing tool tests sign",
        signature=FailureReason.NOT_SIGNED,
    ),
    "ECS50_9.1_SUCCESS_REQUEST_DUIS.XML": Sample(
        PLACEHOLDER + ": 9.1 from an Other User, business ID written in lower case",
        signature=FailureReason.MALFORMED_SIGNATURE,
    ),
    "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_REQUEST_DUIS.XML": Sample(
        PLACEHOLDER + ": 4.1.1 to a gas meter", signature=FailureReason.MALFORMED_SIGNATURE
    ),
    "acknowledgement-error.xml": Sample(
        "an unsigned E65 acknowledgement carrying only the RequestID (errors may be unsigned)",
        signature=FailureReason.NOT_SIGNED,
    ),
    "duis-xxe.xml": Sample(
        "an external-entity (XXE) attack reading /etc/passwd into GBCSPayload",
        parse_error=DuisErrorKind.DTD_FORBIDDEN,
    ),
    "read-inventory-response-4g.xml": Sample(
        "a signed 8.2 Read Inventory response (DUIS 5.3, 4G region), DSP XML-signing key"
    ),
    "read-inventory-response-5.4.xml": Sample(
        "the same in DUIS 5.4, signed with the 2025 DSP XML-signing certificate"
    ),
    "readfw-response-badsignature.xml": Sample(
        "readfw-response.xml with one character of its SignatureValue changed",
        signature=FailureReason.BAD_SIGNATURE_VALUE,
    ),
    "readfw-response-invalid.xml": Sample(
        "a signed 11.2 response whose ServiceReference was changed to 11.2.11.2 afterwards",
        signature=FailureReason.DIGEST_MISMATCH,
        schema_valid=False,
    ),
    "readfw-response-no-serial.xml": Sample(
        "a pretty-printed signed 11.2 response with its KeyInfo removed",
        signature=FailureReason.NO_SERIAL,
    ),
    "readfw-response-no-signature.xml": Sample(
        "the 11.2 response unsigned", signature=FailureReason.NOT_SIGNED
    ),
    "readfw-response-nonexist-serial.xml": Sample(
        "the signed 11.2 response with its X509SerialNumber changed to an unknown one",
        signature=FailureReason.UNKNOWN_SERIAL,
    ),
    "readfw-response-resigned.xml": Sample(
        "an 11.2 response of 2025 signed with the 2025 DSP XML-signing certificate"
    ),
    "readfw-response.xml": Sample(
        "a device's 11.2 Read Firmware Version response, signed with the 2018 DSP key"
    ),
    "signing-tool-message.xml": Sample(
        "a response signed with the DCC's 2015-2025 DS key; SignatureValue wrapped with &#13;"
    ),
    "signing-tool-message2.xml": Sample(
        "signing-tool-message.xml unsigned and pretty-printed, as given to the signing tool",
        signature=FailureReason.NOT_SIGNED,
    ),
}


@pytest.fixture(scope="module")
def keystore() -> Keystore:
    return Keystore.load(require_reference("keys", "dccboxed"))


@pytest.fixture(scope="module")
def schema() -> DuisSchema:
    loaded = load_schema(require_reference("duis", "xsd"))
    assert isinstance(loaded, DuisSchema)
    return loaded


def _sample(name: str) -> bytes:
    return require_reference("duis", "samples", name).read_bytes()


def _message(name: str) -> ServiceRequest | ServiceResponse:
    message = parse_message(_sample(name))
    assert not isinstance(message, DuisError), message
    return message


def _verify(
    message: ServiceRequest | ServiceResponse, directory: object, at: datetime | None = None
) -> VerifiedSignature | SignatureFailure:
    verifier = SignatureVerifier(directory)  # type: ignore[arg-type]
    if isinstance(message, ServiceResponse):
        return verifier.verify_response(message, at or message.header.response_datetime)
    return verifier.verify_request(message, at or NOW)


def test_every_sample_is_described() -> None:
    folder = require_reference("duis", "samples")
    assert sorted(p.name for p in folder.iterdir()) == sorted(SAMPLES)


@pytest.mark.parametrize("path", reference_params("duis/samples"))
def test_sample(path: Path, keystore: Keystore, schema: DuisSchema) -> None:
    expected = SAMPLES[check_present(path).name]
    message = parse_message(path.read_bytes())
    if expected.parse_error is not None:
        assert isinstance(message, DuisError) and message.kind is expected.parse_error, message
        return
    assert not isinstance(message, DuisError), message
    result = _verify(message, keystore)
    if expected.signature is None:
        assert isinstance(result, VerifiedSignature), result
        # DCC Boxed signs every response with a certificate of the DCC itself.
        assert result.signer == DCC_ACCESS_CONTROL_BROKER
    else:
        assert isinstance(result, SignatureFailure) and result.reason is expected.signature, result
    assert (schema.validate(message.root) is None) == expected.schema_valid


def test_an_expired_certificate_verifies_only_while_it_was_valid(keystore: Keystore) -> None:
    message = _message("signing-tool-message.xml")
    assert isinstance(_verify(message, keystore), VerifiedSignature)
    later = _verify(message, keystore, datetime(2025, 10, 30, tzinfo=UTC))
    assert isinstance(later, SignatureFailure) and later.reason is FailureReason.EXPIRED


def test_only_the_serial_of_the_nonexist_sample_was_changed(keystore: Keystore) -> None:
    """DCC Boxed's own test verifies this sample when handed the DCC's certificate."""
    acb = keystore.by_serial(ACB_Z1_SERIAL)
    assert acb is not None

    class Anything:
        def by_serial(self, serial: int) -> CertificateRecord | None:
            return acb

        def for_eui(self, eui: Eui64, usage: object) -> list[CertificateRecord]:
            return [acb]

    result = _verify(_message("readfw-response-nonexist-serial.xml"), Anything())
    assert isinstance(result, VerifiedSignature), result


def test_pretty_printing_is_ignorable(keystore: Keystore) -> None:
    """The pretty-printed samples digest exactly like their compact, signed twins."""
    signed = _message("signing-tool-message.xml")
    pretty = _message("signing-tool-message2.xml")
    digest = base64.b64encode(hashlib.sha256(canonical_document(pretty.root)).digest()).decode()
    assert digest == signed.root.findtext(f".//{DS}DigestValue")
    # Give the no-serial sample its KeyInfo back and it verifies, whitespace and all.
    message = _message("readfw-response-no-serial.xml")
    key_info = etree.SubElement(message.root[-1], DS + "KeyInfo")
    issuer_serial = etree.SubElement(
        etree.SubElement(key_info, DS + "X509Data"), DS + "X509IssuerSerial"
    )
    etree.SubElement(issuer_serial, DS + "X509IssuerName").text = "CN=Z1,OU=07"
    etree.SubElement(issuer_serial, DS + "X509SerialNumber").text = str(ACB_Z1_SERIAL)
    assert isinstance(_verify(message, keystore), VerifiedSignature)


def test_unsigned_and_placeholder_requests_verify_once_signed(keystore: Keystore) -> None:
    for name, sample in SAMPLES.items():
        if sample.parse_error or not name.endswith(".XML"):
            continue
        request = _message(name)
        assert isinstance(request, ServiceRequest)
        originator = request.header.request_id.originator
        entry = keystore.signer(originator, roles=[RemotePartyRole.XML_SIGNING])
        if "nonexist" in name:
            assert entry is None  # no DCC Boxed key for business ID 80-B3-...
            supplier = Eui64.parse("90-B3-D5-1F-30-01-00-00")
            entry = keystore.signer(supplier, roles=[RemotePartyRole.XML_SIGNING])
            assert entry is not None
            sign(request.root, SigningIdentity.from_entry(entry))
            refused = _verify(request, keystore)
            assert isinstance(refused, SignatureFailure)
            assert refused.reason is FailureReason.EUI_MISMATCH
            continue
        assert entry is not None, name
        sign(request.root, SigningIdentity.from_entry(entry))
        assert isinstance(_verify(request, keystore), VerifiedSignature), name
