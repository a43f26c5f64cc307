from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from opendcc.duis.build import gbcs_payload, service_response, to_bytes
from opendcc.duis.codes import ResponseCode
from opendcc.duis.dsig import read_exact_profile, read_strictly, signature_region
from opendcc.duis.messages import ServiceRequest, ServiceResponse, parse_request, parse_response
from opendcc.duis.signature import (
    FailureReason,
    SignatureFailure,
    SignatureVerifier,
    SigningIdentity,
    VerifiedSignature,
    sign,
    sign_to_bytes,
)
from opendcc.smki.directory import CertificateRecord, StaticDirectory
from opendcc.smki.identity import RemotePartyRole
from tests.duis.conftest import read_registers, read_registers_header
from tests.duis.pki import DCC, EPOCH, NOW, SUPPLIER, Party, TestCa, directory_of

DS = "http://www.w3.org/2000/09/xmldsig#"
D = "{" + DS + "}"


def _signed_request(party: Party) -> bytes:
    return sign_to_bytes(read_registers(), party.identity)


def _request(data: bytes) -> ServiceRequest:
    parsed = parse_request(data)
    assert isinstance(parsed, ServiceRequest), parsed
    return parsed


def _reason(result: object) -> FailureReason:
    assert isinstance(result, SignatureFailure), result
    return result.reason


def _edit(data: bytes, change: Callable[[etree._Element], object]) -> bytes:
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root)


# --- signing ---------------------------------------------------------------------------------


def test_a_signed_request_verifies_and_names_its_signer(
    supplier: Party, directory: StaticDirectory
) -> None:
    data = _signed_request(supplier)
    result = SignatureVerifier(directory).verify_request(_request(data), NOW)
    assert isinstance(result, VerifiedSignature), result
    assert result.signer == SUPPLIER
    assert result.serial == supplier.serial


def test_the_output_is_compact_and_follows_the_profile(supplier: Party) -> None:
    data = _signed_request(supplier)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?><sr:Request')
    assert b">\n" not in data and b"> <" not in data
    root = etree.fromstring(data)
    signature = root[-1]
    assert signature.tag == D + "Signature" and signature.prefix == "ds"
    assert b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">' in data
    assert root.findtext(f".//{D}X509IssuerName") == "CN=T1,OU=07"
    assert root.findtext(f".//{D}X509SerialNumber") == str(supplier.serial)
    assert len(root.findtext(f".//{D}SignatureValue") or "") == 88  # base64 of 64 bytes


def test_sign_in_place_and_sign_to_bytes_agree(supplier: Party, directory: StaticDirectory) -> None:
    root = read_registers()
    sign(root, supplier.identity)
    in_place = to_bytes(root)
    verifier = SignatureVerifier(directory)
    assert isinstance(verifier.verify_request(_request(in_place), NOW), VerifiedSignature)
    # Both forms sign the same document; only the ECDSA nonce differs.
    other = _signed_request(supplier)
    strip = etree.XPath("//*[local-name()='SignatureValue']")
    a, b = etree.fromstring(in_place), etree.fromstring(other)
    for tree in (a, b):
        strip(tree)[0].text = ""
    assert etree.tostring(a, method="c14n") == etree.tostring(b, method="c14n")


def test_signing_replaces_an_old_signature(supplier: Party, dsp: Party) -> None:
    root = read_registers()
    sign(root, dsp.identity)
    sign(root, supplier.identity)
    assert len(root.findall(D + "Signature")) == 1
    assert root.findtext(f".//{D}X509SerialNumber") == str(supplier.serial)


def test_the_signed_info_signed_is_its_exclusive_c14n(supplier: Party) -> None:
    """The hot path writes SignedInfo's canonical form as text; lxml must agree with it."""
    root = etree.fromstring(_signed_request(supplier))
    signature = root[-1]
    canonical = etree.tostring(root.getroottree(), method="c14n")
    region = signature_region(canonical, signature)
    assert region is not None
    fast = read_exact_profile(signature, canonical, region[0])
    strict = read_strictly(signature)
    assert fast is not None and not isinstance(strict, SignatureFailure)
    lxml_form = etree.tostring(signature[0], method="c14n", exclusive=True, with_comments=False)
    assert fast.canonical_signed_info == lxml_form
    assert dataclasses.replace(fast, canonical_signed_info=None) == strict


def test_a_root_binding_the_dsig_namespace_to_another_prefix(
    dsp: Party, directory: StaticDirectory
) -> None:
    """DCC Boxed's responses declare xmlns:ns3 for xmldsig on the root; signing must not let
    lxml rebind the new Signature to ns3."""
    response = service_response(read_registers_header(), ResponseCode.I0, NOW, gbcs_payload(b"x"))
    text = to_bytes(response).replace(b"xmlns:sr=", b'xmlns:ns3="' + DS.encode() + b'" xmlns:sr=')
    for signer in (sign_to_bytes, None):
        root = etree.fromstring(text)
        if signer is None:
            sign(root, dsp.identity)
            data = to_bytes(root)
        else:
            data = signer(root, dsp.identity)
        parsed = parse_response(data)
        assert isinstance(parsed, ServiceResponse), parsed
        assert parsed.root[-1].prefix == "ds"
        result = SignatureVerifier(directory).verify_response(parsed, NOW)
        assert isinstance(result, VerifiedSignature), result


def test_verification_leaves_the_tree_unchanged_and_can_repeat(
    supplier: Party, directory: StaticDirectory
) -> None:
    request = _request(_signed_request(supplier))
    before = etree.tostring(request.root, method="c14n")
    verifier = SignatureVerifier(directory)
    for _ in range(2):
        assert isinstance(verifier.verify_request(request, NOW), VerifiedSignature)
    assert etree.tostring(request.root, method="c14n") == before


def test_identity_needs_the_matching_key(ca: TestCa, supplier: Party) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(ValueError, match="does not belong"):
        SigningIdentity.of(other, supplier.identity.certificate)
    with pytest.raises(ValueError, match="P-256"):
        SigningIdentity.of(ec.generate_private_key(ec.SECP384R1()), supplier.identity.certificate)


# --- what counts as the same document ---------------------------------------------------------


def test_ignorable_whitespace_and_comments_do_not_break_a_signature(
    supplier: Party, directory: StaticDirectory
) -> None:
    data = _signed_request(supplier)
    pretty = etree.tostring(etree.fromstring(data), pretty_print=True)
    commented = data.replace(b"<sr:Body>", b"<sr:Body><!-- a note -->")
    wrapped = _edit(
        data,
        lambda r: setattr(
            r.find(f".//{D}SignatureValue"),
            "text",
            "\r\n ".join(_chunks(r.findtext(f".//{D}SignatureValue") or "", 20)),
        ),
    )
    java_style = data.replace(b"</ds:SignatureValue>", b"&#13;\n</ds:SignatureValue>")
    verifier = SignatureVerifier(directory)
    for variant in (pretty, commented, wrapped, java_style):
        assert isinstance(verifier.verify_request(_request(variant), NOW), VerifiedSignature)


def test_comments_inside_signed_info_take_the_strict_path(
    supplier: Party, directory: StaticDirectory
) -> None:
    data = _signed_request(supplier).replace(b"<ds:SignedInfo>", b"<ds:SignedInfo><!--x-->")
    request = _request(data)
    signature = request.root[-1]
    canonical = etree.tostring(request.root.getroottree(), method="c14n")
    region = signature_region(canonical, signature)
    assert region is not None
    assert read_exact_profile(signature, canonical, region[0]) is None
    assert isinstance(SignatureVerifier(directory).verify_request(request, NOW), VerifiedSignature)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


# --- each failure has its own reason --------------------------------------------------------


def _set(path: str, value: str) -> Callable[[etree._Element], object]:
    return lambda root: setattr(root.find(path), "text", value)


def _set_attr(path: str, name: str, value: str) -> Callable[[etree._Element], object]:
    return lambda root: root.find(path).set(name, value)  # type: ignore[union-attr]


def _remove(path: str) -> Callable[[etree._Element], object]:
    def change(root: etree._Element) -> None:
        element = root.find(path)
        assert element is not None
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)

    return change


def _duplicate(path: str) -> Callable[[etree._Element], object]:
    def change(root: etree._Element) -> None:
        element = root.find(path)
        assert element is not None
        element.addnext(etree.fromstring(etree.tostring(element)))

    return change


_SI = f"{D}Signature/{D}SignedInfo"
_REF = f"{_SI}/{D}Reference"
_SERIAL = f"{D}Signature/{D}KeyInfo/{D}X509Data/{D}X509IssuerSerial/{D}X509SerialNumber"
_ISSUER = f"{D}Signature/{D}KeyInfo/{D}X509Data/{D}X509IssuerSerial/{D}X509IssuerName"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_remove(f"{D}Signature"), FailureReason.NOT_SIGNED),
        (_remove(f"{D}Signature/{D}SignatureValue"), FailureReason.MALFORMED_SIGNATURE),
        (_set(f"{D}Signature/{D}SignatureValue", "not base64!"), FailureReason.MALFORMED_SIGNATURE),
        (_set(f"{D}Signature/{D}SignatureValue", "AAAA"), FailureReason.MALFORMED_SIGNATURE),
        (_set(f"{_REF}/{D}DigestValue", "ZGVmYXVsdA=="), FailureReason.MALFORMED_SIGNATURE),
        (_set(_SERIAL, "12a"), FailureReason.MALFORMED_SIGNATURE),
        (_set(_SERIAL, "-5"), FailureReason.MALFORMED_SIGNATURE),
        (_duplicate(f"{D}Signature/{D}KeyInfo/{D}X509Data"), FailureReason.MALFORMED_SIGNATURE),
        (
            lambda r: r[-1][2].append(etree.Element(D + "Signature")),
            FailureReason.MALFORMED_SIGNATURE,
        ),
        (
            _set_attr(
                f"{_SI}/{D}SignatureMethod",
                "Algorithm",
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            ),
            FailureReason.UNSUPPORTED_ALGORITHM,
        ),
        (
            _set_attr(
                f"{_SI}/{D}CanonicalizationMethod",
                "Algorithm",
                "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
            ),
            FailureReason.UNSUPPORTED_ALGORITHM,
        ),
        (
            _set_attr(
                f"{_REF}/{D}DigestMethod", "Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1"
            ),
            FailureReason.UNSUPPORTED_ALGORITHM,
        ),
        (
            _set_attr(
                f"{_REF}/{D}Transforms/{D}Transform",
                "Algorithm",
                "http://www.w3.org/TR/1999/REC-xslt-19991116",
            ),
            FailureReason.UNSUPPORTED_ALGORITHM,
        ),
        (_set_attr(_REF, "URI", "#body"), FailureReason.UNSUPPORTED_REFERENCE),
        (_duplicate(f"{_REF}/{D}Transforms/{D}Transform"), FailureReason.UNSUPPORTED_REFERENCE),
        (_duplicate(_REF), FailureReason.UNSUPPORTED_REFERENCE),
        (_remove(f"{D}Signature/{D}KeyInfo"), FailureReason.NO_SERIAL),
        (_remove(_SERIAL), FailureReason.NO_SERIAL),
        (_set(_SERIAL, "99999999"), FailureReason.UNKNOWN_SERIAL),
        (_set(_ISSUER, "CN=Z1,OU=07"), FailureReason.ISSUER_MISMATCH),
        (_set(_ISSUER, "not a name"), FailureReason.MALFORMED_SIGNATURE),
        (_set(".//{*}ServiceReferenceVariant", "4.1.2"), FailureReason.DIGEST_MISMATCH),
        (lambda r: r[-1].addprevious(etree.Comment("a comment is not content")), None),
    ],
    ids=lambda v: v.name if isinstance(v, FailureReason) else None,
)
def test_each_tampering_is_refused_with_its_own_reason(
    supplier: Party,
    directory: StaticDirectory,
    change: Callable[[etree._Element], object],
    reason: FailureReason | None,
) -> None:
    data = _edit(_signed_request(supplier), change)
    request = parse_request(data)
    assert isinstance(request, ServiceRequest), request
    result = SignatureVerifier(directory).verify_request(request, NOW)
    if reason is None:
        assert isinstance(result, VerifiedSignature), result
    else:
        assert _reason(result) is reason


def test_a_flipped_signature_bit_is_a_bad_signature_value(
    supplier: Party, directory: StaticDirectory
) -> None:
    def flip(root: etree._Element) -> None:
        element = root.find(f"{D}Signature/{D}SignatureValue")
        assert element is not None and element.text
        text = element.text
        element.text = ("B" if text[10] == "A" else "A").join([text[:10], text[11:]])

    data = _edit(_signed_request(supplier), flip)
    result = SignatureVerifier(directory).verify_request(_request(data), NOW)
    assert _reason(result) is FailureReason.BAD_SIGNATURE_VALUE


def test_text_after_the_signature_is_part_of_the_document(
    supplier: Party, directory: StaticDirectory
) -> None:
    data = _signed_request(supplier).replace(b"</ds:Signature>", b"</ds:Signature>tail")
    result = SignatureVerifier(directory).verify_request(_request(data), NOW)
    assert _reason(result) is FailureReason.DIGEST_MISMATCH


def test_the_signer_must_be_the_originator(ca: TestCa) -> None:
    impostor = ca.issue(DCC, RemotePartyRole.XML_SIGNING)
    data = _signed_request(impostor)  # a supplier's request signed with the DCC's key
    result = SignatureVerifier(directory_of(impostor)).verify_request(_request(data), NOW)
    assert _reason(result) is FailureReason.EUI_MISMATCH


def test_responses_must_be_signed_by_the_dcc(supplier: Party, directory: StaticDirectory) -> None:
    response = service_response(read_registers_header(), ResponseCode.I0, NOW, gbcs_payload(b"x"))
    parsed = parse_response(sign_to_bytes(response, supplier.identity))
    assert isinstance(parsed, ServiceResponse)
    verifier = SignatureVerifier(directory)
    assert _reason(verifier.verify_response(parsed, NOW)) is FailureReason.EUI_MISMATCH
    accepted = verifier.verify_response(parsed, NOW, signer=SUPPLIER)
    assert isinstance(accepted, VerifiedSignature)


def test_validity_is_checked_at_the_instant_given(ca: TestCa) -> None:
    short = ca.issue(SUPPLIER, not_before=EPOCH, days=10)
    request = _request(_signed_request(short))
    verifier = SignatureVerifier(directory_of(short))
    assert _reason(verifier.verify_request(request, EPOCH - timedelta(seconds=1))) is (
        FailureReason.NOT_YET_VALID
    )
    assert isinstance(
        verifier.verify_request(request, EPOCH + timedelta(days=5)), VerifiedSignature
    )
    assert _reason(verifier.verify_request(request, EPOCH + timedelta(days=11))) is (
        FailureReason.EXPIRED
    )
    with pytest.raises(ValueError):
        verifier.verify_request(request, EPOCH.replace(tzinfo=None))


def test_revocation_is_read_on_every_verification(ca: TestCa) -> None:
    party = ca.issue(SUPPLIER)
    directory = directory_of(party)
    verifier = SignatureVerifier(directory)
    request = _request(_signed_request(party))
    assert isinstance(verifier.verify_request(request, NOW), VerifiedSignature)
    directory.add(dataclasses.replace(party.record, revoked_at=NOW - timedelta(days=1)))
    assert _reason(verifier.verify_request(request, NOW)) is FailureReason.REVOKED
    # Before the revocation took effect the signature was good.
    assert isinstance(verifier.verify_request(request, NOW - timedelta(days=2)), VerifiedSignature)


def test_a_key_agreement_certificate_cannot_sign(ca: TestCa) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    agreement = ca.issue(SUPPLIER, key=key, key_agreement=True)
    result = SignatureVerifier(directory_of(agreement)).verify_request(
        _request(_signed_request(agreement)), NOW
    )
    assert _reason(result) is FailureReason.WRONG_KEY_USAGE


def test_a_certificate_without_a_p256_key_is_refused(ca: TestCa, supplier: Party) -> None:
    other = ec.generate_private_key(ec.SECP384R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(supplier.identity.certificate.subject)
        .issuer_name(ca.name)
        .public_key(other.public_key())
        .serial_number(supplier.serial)
        .not_valid_before(EPOCH)
        .not_valid_after(EPOCH + timedelta(days=3650))
        .sign(ca.key, hashes.SHA256())
    )
    directory = StaticDirectory([CertificateRecord.of(cert)])
    result = SignatureVerifier(directory).verify_request(_request(_signed_request(supplier)), NOW)
    assert _reason(result) is FailureReason.UNSUPPORTED_KEY


def test_validity_check_can_be_turned_off_but_revocation_still_applies(ca: TestCa) -> None:
    """A hub standing in for DCC Boxed accepts its expired test certificates on request."""
    short = ca.issue(SUPPLIER, not_before=EPOCH, days=10)
    request = _request(_signed_request(short))
    later = EPOCH + timedelta(days=400)
    assert _reason(SignatureVerifier(directory_of(short)).verify_request(request, later)) is (
        FailureReason.EXPIRED
    )
    directory = directory_of(short)
    lenient = SignatureVerifier(directory, check_validity=False)
    assert isinstance(lenient.verify_request(request, later), VerifiedSignature)
    directory.add(dataclasses.replace(short.record, revoked_at=EPOCH + timedelta(days=100)))
    assert _reason(lenient.verify_request(request, later)) is FailureReason.REVOKED
