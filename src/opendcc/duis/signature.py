"""XML signatures on DUIS messages, in exactly the profile DCC Boxed uses, and nothing else.

The profile (PROTOCOL.md, checked against DCC Boxed's signed samples; how a signature element
is read against it is in ``opendcc.duis.dsig``):

- an enveloped ``ds:Signature``, the last child of the root, declaring ``xmlns:ds`` itself;
- ``SignedInfo`` canonicalised with exclusive C14N (no InclusiveNamespaces);
- ``SignatureMethod`` ECDSA-SHA256 over P-256, ``SignatureValue`` the base64 of the raw
  64-byte ``r || s`` (not DER); CR, LF, tabs and spaces inside it (``&#13;`` included, as
  Java's signer writes) are skipped when decoding;
- exactly one ``Reference`` with ``URI=""``, exactly one transform (enveloped-signature) and
  SHA-256: with no explicit canonicalisation transform the digest is over the INCLUSIVE
  C14N 1.0 (without comments) of the document without its Signature;
- ``KeyInfo/X509Data/X509IssuerSerial`` with the issuer as the certificate's issuer name in
  RFC 4514 order (``CN=Z1,OU=07``, as Java's ``X500Principal.getName()`` writes it) and the
  DECIMAL serial number.

Verification finds the certificate by serial in a ``CertificateDirectory`` and checks, in
this order (each failure has its own ``FailureReason``): the signature's structure and
algorithms, the serial, that the directory knows it, that the issuer name matches the
certificate, that the certificate is for digital signing, that it names the expected signer
(for a request, the RequestID's originator; for a response, the DCC: DCC Boxed signs every
Response and Alert with the DCC's own key, whatever the ResponseID's first EUI, which is the
Device for device responses), that it is valid and not revoked at the instant given, the
digest, and the signature value. The caller passes the instant (this package never reads
the clock); DCC Boxed's test certificates have expired, so tests verify at the message time.

Signatures are computed and checked over the compact form: whitespace-only text between
elements is ignorable (see ``opendcc.duis.parsing``). ``sign`` removes it from element-only
content before signing, so what it signs is what the verifier reads back.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from lxml import etree

from opendcc.duis.build import XML_DECLARATION
from opendcc.duis.dsig import (
    ECDSA_SHA256,
    ENVELOPED_SIGNATURE,
    EXCLUSIVE_C14N,
    SHA256,
    WHITESPACE,
    FailureReason,
    SignatureFailure,
    SignatureParts,
    canonical_document,
    read_signature,
    signature_region,
)
from opendcc.duis.messages import DS_NS, SIGNATURE_TAG, ServiceRequest, ServiceResponse
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.smki.directory import CertificateDirectory, CertificateRecord
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import KeyEntry

__all__ = [
    "ECDSA_SHA256",
    "ENVELOPED_SIGNATURE",
    "EXCLUSIVE_C14N",
    "SHA256",
    "FailureReason",
    "SignatureFailure",
    "SignatureVerifier",
    "SigningIdentity",
    "VerifiedSignature",
    "sign",
    "sign_to_bytes",
    "verify_request",
    "verify_response",
]

_DS: Final = "{" + DS_NS + "}"
_ECDSA: Final = ec.ECDSA(hashes.SHA256())


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """An accepted signature and the certificate that made it."""

    record: CertificateRecord

    @property
    def signer(self) -> Eui64 | None:
        return self.record.eui

    @property
    def serial(self) -> int:
        return self.record.serial


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """A private key with what KeyInfo says about its certificate, computed once."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    serial: int
    issuer_name: str

    @classmethod
    def of(cls, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate) -> SigningIdentity:
        """Pair ``key`` with ``certificate``; ValueError if the certificate is for another key."""
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("DUIS signatures use P-256 keys")
        public = certificate.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey) or (
            public.public_numbers() != key.public_key().public_numbers()
        ):
            raise ValueError("the private key does not belong to the certificate")
        return cls(key, certificate, certificate.serial_number, certificate.issuer.rfc4514_string())

    @classmethod
    def from_entry(cls, entry: KeyEntry) -> SigningIdentity:
        """From a keystore entry holding both a certificate and its private key."""
        if entry.private_key is None or entry.record is None:
            raise ValueError(f"{entry.name}: a signing identity needs a certificate and its key")
        return cls.of(entry.private_key, entry.record.certificate)


# --- signing -------------------------------------------------------------------------------

_SIGNED_INFO_OPEN: Final = (
    '<ds:CanonicalizationMethod Algorithm="' + EXCLUSIVE_C14N + '"></ds:CanonicalizationMethod>'
    '<ds:SignatureMethod Algorithm="' + ECDSA_SHA256 + '"></ds:SignatureMethod>'
    '<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="'
    + ENVELOPED_SIGNATURE
    + '"></ds:Transform></ds:Transforms>'
    '<ds:DigestMethod Algorithm="' + SHA256 + '"></ds:DigestMethod><ds:DigestValue>'
)
_SIGNED_INFO_CLOSE: Final = "</ds:DigestValue></ds:Reference>"
_DS_DECL: Final = ' xmlns:ds="' + DS_NS + '"'
_BLANKS: Final = etree.XPath("boolean(//*[*]/text()[normalize-space(.)=''])")


def sign(root: etree._Element, identity: SigningIdentity) -> None:
    """Sign the document ``root`` in place, replacing any ds:Signature it had."""
    text = _signature_text(root, identity)
    # The Signature element is created in place with its own xmlns:ds and its content moved
    # under it: an element parsed elsewhere and appended to the root would be rebound by lxml
    # to any prefix the root already has for the namespace (DCC Boxed's responses declare it
    # as ns3), which would change the SignedInfo that was signed.
    signature = etree.SubElement(root, SIGNATURE_TAG, nsmap={"ds": DS_NS})
    for child in list(etree.fromstring(text.encode(), _trusted_parser())):
        signature.append(child)


def sign_to_bytes(root: etree._Element, identity: SigningIdentity) -> bytes:
    """The signed document as compact UTF-8 bytes, without building the Signature in the tree.

    The hub's hot path: the signature is written straight into the serialised document
    before the root's end tag. ``root`` loses any old signature and ignorable whitespace.
    """
    text = _signature_text(root, identity)
    name = etree.QName(root).localname
    close = (f"</{root.prefix}:{name}>" if root.prefix else f"</{name}>").encode()
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, with_tail=False)
    if root.getprevious() is not None or root.getnext() is not None or not body.endswith(close):
        # Top-level comments or processing instructions: let lxml write the whole document.
        sign(root, identity)
        return XML_DECLARATION + etree.tostring(
            root.getroottree(), encoding="UTF-8", xml_declaration=False
        )
    return XML_DECLARATION + body[: -len(close)] + text.encode() + close


def sign_canonical_text(text: str, identity: SigningIdentity) -> bytes:
    """Sign a document given as its own inclusive C14N text (``build.*_text``).

    The hub's fast path: the digest is taken over ``text`` as it stands, so the caller
    guarantees it is canonical (the ``build`` text builders do, and tests check them); the
    signature is written before the root's end tag. Same result as ``sign_to_bytes`` on the
    parsed document, for a tenth of the work.
    """
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    close = text.rindex("</")
    return XML_DECLARATION + (text[:close] + _signed(digest, identity) + text[close:]).encode()


def _signature_text(root: etree._Element, identity: SigningIdentity) -> str:
    """Prepare ``root`` (old signatures and ignorable whitespace out) and sign it: the
    ds:Signature element's XML, declaring its own ``xmlns:ds``."""
    for old in [child for child in root if child.tag == SIGNATURE_TAG]:
        root.remove(old)
    if _BLANKS(root):
        _strip_ignorable_whitespace(root)
    digest = base64.b64encode(hashlib.sha256(canonical_document(root)).digest()).decode()
    return _signed(digest, identity)


def _signed(digest: str, identity: SigningIdentity) -> str:
    """The ds:Signature element's XML for a document whose SHA-256 digest is ``digest``."""
    inner = f"{_SIGNED_INFO_OPEN}{digest}{_SIGNED_INFO_CLOSE}"
    # Exclusive C14N of this SignedInfo, wherever it sits, is exactly these bytes: every
    # element uses the ds prefix declared on Signature, and C14N writes empty elements
    # open-and-closed. Tests check the two agree.
    canonical = f"<ds:SignedInfo{_DS_DECL}>{inner}</ds:SignedInfo>".encode()
    r, s = decode_dss_signature(identity.private_key.sign(canonical, _ECDSA))
    value = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode("ascii")
    return (
        f"<ds:Signature{_DS_DECL}><ds:SignedInfo>{inner}</ds:SignedInfo>"
        f"<ds:SignatureValue>{value}</ds:SignatureValue>"
        "<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>"
        f"<ds:X509IssuerName>{_escape(identity.issuer_name)}</ds:X509IssuerName>"
        f"<ds:X509SerialNumber>{identity.serial}</ds:X509SerialNumber>"
        "</ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo></ds:Signature>"
    )


_local = threading.local()


def _trusted_parser() -> etree.XMLParser:
    # Parses only the Signature text this module writes; one per thread, as lxml requires.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False
        )
    return parser


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _strip_ignorable_whitespace(root: etree._Element) -> None:
    """Drop whitespace-only text in element-only content (what the parser drops on reading)."""
    for element in root.iter():
        if not len(element):
            continue
        texts = [element.text, *(child.tail for child in element)]
        if all(t is None or not t.strip(WHITESPACE) for t in texts):
            element.text = None
            for child in element:
                child.tail = None


# --- verification --------------------------------------------------------------------------


class SignatureVerifier:
    """Verifies DUIS signatures against a certificate directory, caching per-certificate work.

    Public keys (and parsed issuer names) are kept per serial number, so verifying a stream of
    requests from the same Users costs one ECDSA verification each and no certificate
    decoding. Revocation and validity are read from the directory's record on every call.
    """

    def __init__(self, directory: CertificateDirectory, *, check_validity: bool = True) -> None:
        """``check_validity=False`` skips the validity-period check (revocation is still
        checked): DCC Boxed does not check it, and its test certificates expired in 2025,
        so a hub standing in for DCC Boxed with its keys must accept them."""
        self._directory = directory
        self._check_validity = check_validity
        self._keys: dict[int, tuple[x509.Certificate, ec.EllipticCurvePublicKey | None]] = {}
        self._issuers: dict[str, x509.Name | None] = {}

    def verify_request(
        self, request: ServiceRequest, at: datetime
    ) -> VerifiedSignature | SignatureFailure:
        """Verify a Service Request; its signer must be the RequestID's originator."""
        return self.verify(request.root, at, request.header.request_id.originator)

    def verify_response(
        self,
        response: ServiceResponse,
        at: datetime,
        *,
        signer: Eui64 | None = DCC_ACCESS_CONTROL_BROKER,
    ) -> VerifiedSignature | SignatureFailure:
        """Verify a Response or Alert; its signer must be the DCC (see the module docstring)."""
        return self.verify(response.root, at, signer)

    def verify(
        self, root: etree._Element, at: datetime, expected_signer: Eui64 | None
    ) -> VerifiedSignature | SignatureFailure:
        """Verify the enveloped signature of ``root`` at instant ``at``.

        ``expected_signer`` is the EUI the certificate must name; None skips that check.
        The tree is not modified.
        """
        if at.tzinfo is None:
            raise ValueError("verification needs a timezone-aware instant")
        signature = root[-1] if len(root) else None
        if signature is None or signature.tag != SIGNATURE_TAG:
            return SignatureFailure(FailureReason.NOT_SIGNED, "no ds:Signature after the Body")
        try:
            canonical: bytes | None = canonical_document(root)
        except (etree.C14NError, etree.LxmlError, ValueError):
            canonical = None
        region = None if canonical is None else signature_region(canonical, signature)
        parts = read_signature(signature, canonical, region)
        if isinstance(parts, SignatureFailure):
            return parts
        serial = parts.serial
        record = self._directory.by_serial(serial)
        if record is None:
            return SignatureFailure(
                FailureReason.UNKNOWN_SERIAL, f"no certificate with serial {serial}", serial
            )
        refused = self._check_certificate(record, parts, at, expected_signer)
        if refused is not None:
            return refused
        if canonical is None or region is None:
            return SignatureFailure(
                FailureReason.CANONICALISATION_FAILED,
                "the document cannot be canonicalised",
                serial,
            )
        start, end = region
        if hashlib.sha256(canonical[:start] + canonical[end:]).digest() != parts.digest:
            return SignatureFailure(
                FailureReason.DIGEST_MISMATCH, "the document's SHA-256 digest differs", serial
            )
        public = self._public_key(record)
        if public is None:
            return SignatureFailure(
                FailureReason.UNSUPPORTED_KEY, "the certificate's key is not P-256", serial
            )
        signed_info = parts.canonical_signed_info
        if signed_info is None:
            try:
                signed_info = etree.tostring(
                    parts.signed_info, method="c14n", exclusive=True, with_comments=False
                )
            except (etree.C14NError, etree.LxmlError, ValueError) as exc:
                return SignatureFailure(FailureReason.CANONICALISATION_FAILED, str(exc), serial)
        r = int.from_bytes(parts.value[:32], "big")
        s = int.from_bytes(parts.value[32:], "big")
        try:
            public.verify(encode_dss_signature(r, s), signed_info, _ECDSA)
        except InvalidSignature:
            return SignatureFailure(
                FailureReason.BAD_SIGNATURE_VALUE,
                f"the signature does not verify with certificate {serial}",
                serial,
            )
        return VerifiedSignature(record)

    def _check_certificate(
        self,
        record: CertificateRecord,
        parts: SignatureParts,
        at: datetime,
        expected_signer: Eui64 | None,
    ) -> SignatureFailure | None:
        serial = record.serial
        issuer = self._issuer(parts.issuer_name)
        if issuer is None:
            return SignatureFailure(
                FailureReason.MALFORMED_SIGNATURE,
                f"X509IssuerName {parts.issuer_name[:80]!r} is not a distinguished name",
                serial,
            )
        if issuer != record.certificate.issuer:
            return SignatureFailure(
                FailureReason.ISSUER_MISMATCH,
                f"X509IssuerName {parts.issuer_name[:80]!r} is not the issuer of"
                f" certificate {serial} ({record.certificate.issuer.rfc4514_string()})",
                serial,
            )
        if record.usage is KeyUsage.KEY_AGREEMENT:
            return SignatureFailure(
                FailureReason.WRONG_KEY_USAGE, f"certificate {serial} is for key agreement", serial
            )
        if expected_signer is not None and record.eui != expected_signer:
            return SignatureFailure(
                FailureReason.EUI_MISMATCH,
                f"certificate {serial} names {record.eui}, the signer should be {expected_signer}",
                serial,
            )
        if self._check_validity and at < record.not_before:
            return SignatureFailure(
                FailureReason.NOT_YET_VALID,
                f"certificate {serial} is valid from {record.not_before.isoformat()}",
                serial,
            )
        if self._check_validity and at > record.not_after:
            return SignatureFailure(
                FailureReason.EXPIRED,
                f"certificate {serial} expired at {record.not_after.isoformat()}",
                serial,
            )
        if record.revoked_by(at):
            revoked = record.revoked_at.isoformat() if record.revoked_at else "?"
            return SignatureFailure(
                FailureReason.REVOKED, f"certificate {serial} was revoked at {revoked}", serial
            )
        return None

    def _public_key(self, record: CertificateRecord) -> ec.EllipticCurvePublicKey | None:
        cached = self._keys.get(record.serial)
        if cached is not None and cached[0] is record.certificate:
            return cached[1]
        key = record.certificate.public_key()
        public = (
            key
            if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
            else None
        )
        self._keys[record.serial] = (record.certificate, public)
        return public

    def _issuer(self, text: str) -> x509.Name | None:
        if text in self._issuers:
            return self._issuers[text]
        try:
            name: x509.Name | None = x509.Name.from_rfc4514_string(text)
        except ValueError:
            name = None
        if len(self._issuers) >= 256:
            # Issuer names come from untrusted input: keep the cache bounded.
            self._issuers.clear()
        self._issuers[text] = name
        return name


def verify_request(
    request: ServiceRequest, directory: CertificateDirectory, at: datetime
) -> VerifiedSignature | SignatureFailure:
    """One-off verification of a request (a long-lived ``SignatureVerifier`` caches keys)."""
    return SignatureVerifier(directory).verify_request(request, at)


def verify_response(
    response: ServiceResponse,
    directory: CertificateDirectory,
    at: datetime,
    *,
    signer: Eui64 | None = DCC_ACCESS_CONTROL_BROKER,
) -> VerifiedSignature | SignatureFailure:
    """One-off verification of a Response or Alert."""
    return SignatureVerifier(directory).verify_response(response, at, signer=signer)
