"""Interoperability with independent XML-signature implementations: xmlsec1 and signxml.

Both directions: what opendcc signs verifies with them, and what they sign in the DUIS
profile verifies with opendcc. A tampered copy is refused by each (the control that shows
the tool really checked). signxml can only produce ``URI=""`` with an inclusive-C14N digest
under an exclusive-C14N SignedInfo through a small subclass; its default output (with an
explicit C14N transform) is outside the DUIS profile and opendcc refuses it.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import (  # type: ignore[attr-defined]
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
    methods,
)
from signxml.exceptions import InvalidSignature

from opendcc.duis.build import gbcs_payload, service_response, to_bytes
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest, ServiceResponse, parse_request, parse_response
from opendcc.duis.signature import (
    FailureReason,
    SignatureFailure,
    SignatureVerifier,
    VerifiedSignature,
    sign_to_bytes,
)
from opendcc.smki.directory import StaticDirectory
from tests.duis.conftest import read_registers, read_registers_header
from tests.duis.pki import NOW, Party
from tests.reference import in_ci, require_reference

DS = "http://www.w3.org/2000/09/xmldsig#"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _xmlsec1() -> str:
    found = shutil.which("xmlsec1")
    if found is None:
        message = "xmlsec1 is not installed (.ci/run installs it)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return found


def _write(folder: Path, party: Party) -> tuple[Path, Path]:
    key, cert = folder / "key.pem", folder / "cert.pem"
    key.write_bytes(
        party.identity.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(party.identity.certificate.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _xmlsec1_verifies(document: Path, cert: Path) -> bool:
    done = subprocess.run(
        [_xmlsec1(), "--verify", "--pubkey-cert-pem", str(cert), str(document)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0


def _tamper(data: bytes) -> bytes:
    changed = data.replace(
        b"4.1.1</sr:ServiceReferenceVariant>", b"4.1.2</sr:ServiceReferenceVariant>"
    )
    assert changed != data
    return changed


def _documents(supplier: Party, dsp: Party) -> dict[str, tuple[bytes, Party]]:
    response = service_response(
        read_registers_header(), ResponseCode.I0, NOW, gbcs_payload(b"\xdd\x00")
    )
    # DCC Boxed's responses also bind the xmldsig namespace to ns3 on the root.
    ns3 = etree.fromstring(
        to_bytes(response).replace(b"xmlns:sr=", b'xmlns:ns3="' + DS.encode() + b'" xmlns:sr=')
    )
    return {
        "request": (sign_to_bytes(read_registers(), supplier.identity), supplier),
        "response": (sign_to_bytes(response, dsp.identity), dsp),
        "response-ns3": (sign_to_bytes(ns3, dsp.identity), dsp),
    }


def _opendcc_verify(
    data: bytes, directory: StaticDirectory
) -> VerifiedSignature | SignatureFailure:
    verifier = SignatureVerifier(directory)
    request = parse_request(data)
    if isinstance(request, ServiceRequest):
        return verifier.verify_request(request, NOW)
    response = parse_response(data)
    assert isinstance(response, ServiceResponse), response
    return verifier.verify_response(response, NOW)


# --- xmlsec1 ---------------------------------------------------------------------------------


def test_xmlsec1_verifies_what_opendcc_signs(tmp_path: Path, supplier: Party, dsp: Party) -> None:
    for name, (data, party) in _documents(supplier, dsp).items():
        _, cert = _write(tmp_path, party)
        document = tmp_path / f"{name}.xml"
        document.write_bytes(data)
        assert _xmlsec1_verifies(document, cert), name
        document.write_bytes(_tamper(data))
        assert not _xmlsec1_verifies(document, cert), name


_PROFILE_TEMPLATE = (
    f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
    '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>'
    '<ds:Reference URI=""><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>"
    "<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial/></ds:X509Data></ds:KeyInfo></ds:Signature>"
)


def test_opendcc_verifies_what_xmlsec1_signs(
    tmp_path: Path, supplier: Party, directory: StaticDirectory
) -> None:
    key, cert = _write(tmp_path, supplier)
    template = tmp_path / "template.xml"
    unsigned = to_bytes(read_registers())
    template.write_bytes(
        unsigned.replace(b"</sr:Request>", _PROFILE_TEMPLATE.encode() + b"</sr:Request>")
    )
    done = subprocess.run(
        [_xmlsec1(), "--sign", "--privkey-pem", f"{key},{cert}", str(template)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    signed = done.stdout
    # xmlsec1 fills in the issuer as OpenSSL writes it, the serial in decimal, and wraps
    # the signature value over lines.
    assert b"<ds:X509IssuerName>CN=T1,OU=07</ds:X509IssuerName>" in signed
    result = _opendcc_verify(signed, directory)
    assert isinstance(result, VerifiedSignature), result
    refused = _opendcc_verify(_tamper(signed), directory)
    assert isinstance(refused, SignatureFailure) and refused.reason is FailureReason.DIGEST_MISMATCH


@pytest.mark.conformance
def test_xmlsec1_agrees_on_dcc_boxeds_signed_samples(tmp_path: Path) -> None:
    samples = require_reference("duis", "samples")
    certificates = require_reference("keys", "dccboxed")
    signer = {
        "readfw-response.xml": "dsp-xml-sign-90B3D51F30000002-ds-pre-1.4.1.pem",
        "readfw-response-resigned.xml": "Z1-accessControlBroker-dSPXmlSign.pem",
        "read-inventory-response-4g.xml": "dsp-xml-sign-90B3D51F30000002-ds.pem",
        "read-inventory-response-5.4.xml": "Z1-accessControlBroker-dSPXmlSign.pem",
        "signing-tool-message.xml": "Z1-accessControlBroker-ds.pem",
        "readfw-response-badsignature.xml": None,
    }
    for name, cert in signer.items():
        pem = certificates / (cert or "dsp-xml-sign-90B3D51F30000002-ds-pre-1.4.1.pem")
        assert _xmlsec1_verifies(samples / name, pem) == (cert is not None), name


# --- signxml ---------------------------------------------------------------------------------


def _signxml_config(party: Party) -> SignatureConfiguration:
    return SignatureConfiguration(
        signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        # No C14N transform: the reference is digested with inclusive C14N 1.0.
        default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
        expect_references=1,
        verification_time=NOW,
    )


def test_signxml_verifies_what_opendcc_signs(supplier: Party, dsp: Party) -> None:
    for name, (data, party) in _documents(supplier, dsp).items():
        cert = party.identity.certificate.public_bytes(serialization.Encoding.PEM)
        verify: Any = XMLVerifier().verify
        result = verify(
            data,
            x509_cert=cert,
            expect_config=_signxml_config(party),
            ignore_ambiguous_key_info=True,
        )
        assert result.signed_xml is not None, name
        with pytest.raises(InvalidSignature):
            verify(
                _tamper(data),
                x509_cert=cert,
                expect_config=_signxml_config(party),
                ignore_ambiguous_key_info=True,
            )


class _DuisProfileSigner(XMLSigner):  # type: ignore[misc]
    """signxml signs URI="" with the SignedInfo's C14N; DUIS digests with inclusive C14N 1.0.

    signxml's public API sets a per-reference C14N only for ``#id`` references, so the one
    reference is adjusted after signxml has built it.
    """

    def _unpack(self, data: Any, references: Any) -> Any:
        sig_root, doc_root, inputs, built = super()._unpack(data, references)
        adjusted = [replace(r, c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0) for r in built]
        return sig_root, doc_root, inputs, adjusted


def _key_info(party: Party) -> etree._Element:
    key_info = etree.Element(f"{{{DS}}}KeyInfo", nsmap={"ds": DS})
    holder = etree.SubElement(
        etree.SubElement(key_info, f"{{{DS}}}X509Data"), f"{{{DS}}}X509IssuerSerial"
    )
    etree.SubElement(holder, f"{{{DS}}}X509IssuerName").text = party.identity.issuer_name
    etree.SubElement(holder, f"{{{DS}}}X509SerialNumber").text = str(party.serial)
    return key_info


def _signxml_sign(signer_class: type[XMLSigner], party: Party, **options: Any) -> bytes:
    signer = signer_class(
        method=methods.enveloped,
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signer.namespaces = {"ds": DS}
    signed = signer.sign(
        read_registers(), key=party.identity.private_key, key_info=_key_info(party), **options
    )
    return bytes(etree.tostring(signed))


def test_opendcc_verifies_what_signxml_signs_in_the_profile(
    supplier: Party, directory: StaticDirectory
) -> None:
    signed = _signxml_sign(_DuisProfileSigner, supplier, exclude_c14n_transform_element=True)
    result = _opendcc_verify(signed, directory)
    assert isinstance(result, VerifiedSignature), result
    refused = _opendcc_verify(_tamper(signed), directory)
    assert isinstance(refused, SignatureFailure) and refused.reason is FailureReason.DIGEST_MISMATCH


def test_signxmls_default_output_is_outside_the_profile(
    supplier: Party, directory: StaticDirectory
) -> None:
    """Cryptographically sound, but with an explicit C14N transform DUIS does not use."""
    signed = _signxml_sign(XMLSigner, supplier)
    result = _opendcc_verify(signed, directory)
    assert isinstance(result, SignatureFailure)
    assert result.reason is FailureReason.UNSUPPORTED_REFERENCE
