"""XML signatures on DUIS messages, in exactly the profile DCC Boxed uses, and nothing else.

The profile (PROTOCOL.md, checked against DCC Boxed's signed samples):

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
import binascii
import enum
import hashlib
import re
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
from opendcc.duis.messages import DS_NS, SIGNATURE_TAG, ServiceRequest, ServiceResponse
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.smki.directory import CertificateDirectory, CertificateRecord
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import KeyEntry

EXCLUSIVE_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
ECDSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ENVELOPED_SIGNATURE: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"

_DS: Final = "{" + DS_NS + "}"
_DS_URI: Final = DS_NS.encode()
_WHITESPACE: Final = " \t\r\n"
_MAX_SERIAL_DIGITS: Final = 64
_ECDSA: Final = ec.ECDSA(hashes.SHA256())


class FailureReason(enum.Enum):
    """Why a signature was not accepted; ``docs/duis.md`` explains each."""

    NOT_SIGNED = "the document has no ds:Signature as the last child of its root"
    MALFORMED_SIGNATURE = "the ds:Signature element does not have the structure DUIS uses"
    UNSUPPORTED_ALGORITHM = "an algorithm other than the DUIS profile's"
    UNSUPPORTED_REFERENCE = "the Reference is not exactly URI='' with the enveloped transform"
    NO_SERIAL = "KeyInfo carries no X509SerialNumber"
    UNKNOWN_SERIAL = "no certificate with that serial number is known"
    ISSUER_MISMATCH = "X509IssuerName is not the certificate's issuer"
    WRONG_KEY_USAGE = "the certificate is not a digital-signing certificate"
    UNSUPPORTED_KEY = "the certificate's key is not a P-256 key"
    EUI_MISMATCH = "the certificate names another party than the message's signer"
    NOT_YET_VALID = "the certificate is not yet valid at the instant checked"
    EXPIRED = "the certificate had expired at the instant checked"
    REVOKED = "the certificate was revoked at the instant checked"
    CANONICALISATION_FAILED = "the document could not be canonicalised"
    DIGEST_MISMATCH = "the document differs from what was signed"
    BAD_SIGNATURE_VALUE = "the signature value does not verify with the certificate's key"


@dataclass(frozen=True, slots=True)
class SignatureFailure:
    """A refused signature: the reason, a message, and the serial when one was read."""

    reason: FailureReason
    message: str
    serial: int | None = None

    def __str__(self) -> str:
        return f"{self.reason.name}: {self.message}"


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


def _signature_text(root: etree._Element, identity: SigningIdentity) -> str:
    """Prepare ``root`` (old signatures and ignorable whitespace out) and sign it: the
    ds:Signature element's XML, declaring its own ``xmlns:ds``."""
    for old in [child for child in root if child.tag == SIGNATURE_TAG]:
        root.remove(old)
    if _BLANKS(root):
        _strip_ignorable_whitespace(root)
    digest = base64.b64encode(hashlib.sha256(_canonical_document(root)).digest()).decode()
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
        if all(t is None or not t.strip(_WHITESPACE) for t in texts):
            element.text = None
            for child in element:
                child.tail = None


def _canonical_document(root: etree._Element) -> bytes:
    """Inclusive C14N 1.0, without comments, of the document ``root`` belongs to."""
    return etree.tostring(root.getroottree(), method="c14n", exclusive=False, with_comments=False)


def _signature_region(canonical: bytes, signature: etree._Element) -> tuple[int, int] | None:
    """Where the root's last child ``signature`` lies in the document's C14N, or None.

    The enveloped-signature transform digests the document without its signature; that is
    exactly the document's inclusive C14N with the signature's bytes cut out. C14N escapes
    every ``<`` in text and attribute values, so the signature's start and end tags are the
    last ``<qname`` and ``</qname>`` in the output (no element inside a verified signature
    shares its name), and only its tail text and the root's end tag follow. Cutting leaves
    the tree untouched; taking the element out and back in would let lxml rebind its prefix
    to another declared for the same namespace, changing the document.
    """
    prefix = signature.prefix
    qname = (f"{prefix}:Signature" if prefix else "Signature").encode()
    end = canonical.rfind(b"</" + qname + b">")
    if end < 0:
        return None
    start = max(
        canonical.rfind(b"<" + qname + b" ", 0, end), canonical.rfind(b"<" + qname + b">", 0, end)
    )
    if start < 0:
        return None
    return start, end + len(qname) + 3


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _SignatureParts:
    signed_info: etree._Element
    digest: bytes
    value: bytes
    serial: int
    issuer_name: str
    canonical_signed_info: bytes | None = None


class SignatureVerifier:
    """Verifies DUIS signatures against a certificate directory, caching per-certificate work.

    Public keys (and parsed issuer names) are kept per serial number, so verifying a stream of
    requests from the same Users costs one ECDSA verification each and no certificate
    decoding. Revocation and validity are read from the directory's record on every call.
    """

    def __init__(self, directory: CertificateDirectory) -> None:
        self._directory = directory
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
            canonical: bytes | None = _canonical_document(root)
        except (etree.C14NError, etree.LxmlError, ValueError):
            canonical = None
        region = None if canonical is None else _signature_region(canonical, signature)
        parts = _read_signature(signature, canonical, region)
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
        parts: _SignatureParts,
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
        if at < record.not_before:
            return SignatureFailure(
                FailureReason.NOT_YET_VALID,
                f"certificate {serial} is valid from {record.not_before.isoformat()}",
                serial,
            )
        if at > record.not_after:
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


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str)]


def _malformed(message: str) -> SignatureFailure:
    return SignatureFailure(FailureReason.MALFORMED_SIGNATURE, message)


def _expect(elements: list[etree._Element], names: tuple[str, ...], where: str) -> str | None:
    """None when ``elements`` are exactly ds:``names`` in order, else a message."""
    tags = tuple(e.tag for e in elements)
    if tags == tuple(_DS + n for n in names):
        return None
    found = ", ".join(etree.QName(t).localname if isinstance(t, str) else "?" for t in tags)
    return f"{where} must hold {', '.join(names)}; found {found or 'nothing'}"


def _algorithm(element: etree._Element, expected: str) -> SignatureFailure | None:
    algorithm = element.get("Algorithm")
    if algorithm != expected:
        name = etree.QName(element).localname
        return SignatureFailure(
            FailureReason.UNSUPPORTED_ALGORITHM,
            f"{name} {str(algorithm)[:100]!r}; DUIS uses {expected}",
        )
    if _elements(element):
        name = etree.QName(element).localname
        return SignatureFailure(
            FailureReason.UNSUPPORTED_ALGORITHM, f"{name} has parameters DUIS does not use"
        )
    return None


def _decode(element: etree._Element, size: int) -> bytes | None:
    return _decode_text(element.text or "", size)


def _decode_text(text: str, size: int) -> bytes | None:
    """Base64 of exactly ``size`` bytes, skipping CR, LF, tabs and spaces (and nothing else)."""
    text = text.replace("\r", "").replace("\n", "").replace(" ", "").replace("\t", "")
    try:
        value = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return value if len(value) == size else None


def _canonical_signed_info_pattern() -> re.Pattern[bytes]:
    """Exclusive C14N of a profile SignedInfo: fixed but for its prefix and digest value."""

    def empty(name: str, algorithm: str) -> bytes:
        tag = name.encode()
        return (
            b"<(?P=p)" + tag + b' Algorithm="' + re.escape(algorithm.encode())
            + b'"></(?P=p)' + tag + b">"
        )  # fmt: skip

    ncname = rb"[A-Za-z_][A-Za-z0-9_.-]*"
    return re.compile(
        b"".join(
            [
                rb"\A<(?P<p>(?:" + ncname + rb":)?)SignedInfo",
                rb" xmlns(?P<d>(?::" + ncname + rb")?)=\"" + re.escape(DS_NS.encode()) + rb"\">",
                empty("CanonicalizationMethod", EXCLUSIVE_C14N),
                empty("SignatureMethod", ECDSA_SHA256),
                rb'<(?P=p)Reference URI=""><(?P=p)Transforms>',
                empty("Transform", ENVELOPED_SIGNATURE),
                rb"</(?P=p)Transforms>",
                empty("DigestMethod", SHA256),
                rb"<(?P=p)DigestValue>(?P<digest>[^<]*)</(?P=p)DigestValue>",
                rb"</(?P=p)Reference></(?P=p)SignedInfo>\Z",
            ]
        )
    )


_CANONICAL_SIGNED_INFO: Final = _canonical_signed_info_pattern()
_FAST_PATH: Final = (
    SIGNATURE_TAG,
    _DS + "SignedInfo",
    _DS + "SignatureValue",
    _DS + "KeyInfo",
    _DS + "X509Data",
    _DS + "X509IssuerSerial",
    _DS + "X509IssuerName",
    _DS + "X509SerialNumber",
)


def _read_signature(
    signature: etree._Element, canonical: bytes | None, region: tuple[int, int] | None
) -> _SignatureParts | SignatureFailure:
    """The parts of a profile-conformant ds:Signature, or why it is not one."""
    fast = None
    if canonical is not None and region is not None:
        fast = _read_exact_profile(signature, canonical, region[0])
    return fast if fast is not None else _read_strictly(signature)


def _read_exact_profile(
    signature: etree._Element, canonical: bytes, start: int
) -> _SignatureParts | None:
    """The hot path: a signature exactly as DUIS systems write it, else None.

    Walks the fixed shape by index, then reads the SignedInfo's exclusive C14N (what the
    signature covers) out of the document's inclusive C14N, which is already at hand: when
    SignedInfo and its children declare no namespaces and carry only the profile's
    attributes (the pattern checks both), the two differ only by the ``xmlns`` declaration
    exclusive C14N puts on SignedInfo. The result must match the one form the profile
    allows, prefix aside. Anything unusual (comments, Id attributes, another algorithm)
    returns None and is judged by ``_read_strictly``, which names the reason.
    """
    if len(signature) != 3:
        return None
    signed_info, value_el, key_info = signature[0], signature[1], signature[2]
    if (
        signed_info.tag != _FAST_PATH[1]
        or value_el.tag != _FAST_PATH[2]
        or key_info.tag != _FAST_PATH[3]
        or len(value_el)
        or len(key_info) != 1
    ):
        return None
    data = key_info[0]
    if data.tag != _FAST_PATH[4] or len(data) != 1:
        return None
    issuer_serial = data[0]
    if issuer_serial.tag != _FAST_PATH[5] or len(issuer_serial) != 2:
        return None
    issuer_el, serial_el = issuer_serial[0], issuer_serial[1]
    if (
        issuer_el.tag != _FAST_PATH[6]
        or serial_el.tag != _FAST_PATH[7]
        or len(issuer_el)
        or len(serial_el)
    ):
        return None
    serial_text = (serial_el.text or "").strip(_WHITESPACE)
    if not (serial_text.isascii() and serial_text.isdigit()) or len(serial_text) > 64:
        return None
    prefix = (f"{signed_info.prefix}:" if signed_info.prefix else "").encode()
    open_tag, close_tag = b"<" + prefix + b"SignedInfo>", b"</" + prefix + b"SignedInfo>"
    begin = canonical.find(open_tag, start)
    finish = canonical.find(close_tag, begin)
    if begin < 0 or finish < 0:
        return None
    declaration = b" xmlns" + (b":" + prefix[:-1] if prefix else b"") + b'="' + _DS_URI + b'">'
    exclusive = (
        b"<" + prefix + b"SignedInfo" + declaration
        + canonical[begin + len(open_tag) : finish + len(close_tag)]
    )  # fmt: skip
    match = _CANONICAL_SIGNED_INFO.match(exclusive)
    if match is None or match.group("p") != prefix:
        return None
    digest = _decode_text(match.group("digest").decode("ascii", "replace"), 32)
    value = _decode(value_el, 64)
    if digest is None or value is None:
        return None
    issuer = (issuer_el.text or "").strip(_WHITESPACE)
    return _SignatureParts(signed_info, digest, value, int(serial_text), issuer, exclusive)


def _read_strictly(signature: etree._Element) -> _SignatureParts | SignatureFailure:
    """Any ds:Signature, checked element by element, with the reason when it fails."""
    if signature.find(".//" + SIGNATURE_TAG) is not None:
        return _malformed("a ds:Signature inside the ds:Signature")
    children = _elements(signature)
    names = tuple(etree.QName(c).localname for c in children if c.tag.startswith(_DS))
    if len(names) != len(children) or names not in (
        ("SignedInfo", "SignatureValue"),
        ("SignedInfo", "SignatureValue", "KeyInfo"),
    ):
        return _malformed(f"Signature must hold SignedInfo, SignatureValue, KeyInfo; found {names}")
    signed_info, value_el = children[0], children[1]
    info = _elements(signed_info)
    if len(info) != 3 or info[2].tag != _DS + "Reference":
        references = sum(1 for e in info if e.tag == _DS + "Reference")
        if references > 1:
            return SignatureFailure(
                FailureReason.UNSUPPORTED_REFERENCE, f"{references} References; DUIS signs one"
            )
    problem = _expect(
        info, ("CanonicalizationMethod", "SignatureMethod", "Reference"), "SignedInfo"
    )
    if problem:
        return _malformed(problem)
    for element, expected in ((info[0], EXCLUSIVE_C14N), (info[1], ECDSA_SHA256)):
        refused = _algorithm(element, expected)
        if refused:
            return refused
    reference = info[2]
    if reference.get("URI") != "":
        return SignatureFailure(
            FailureReason.UNSUPPORTED_REFERENCE,
            f'Reference URI {reference.get("URI")!r}; DUIS signs the whole document (URI="")',
        )
    ref_parts = _elements(reference)
    problem = _expect(ref_parts, ("Transforms", "DigestMethod", "DigestValue"), "Reference")
    if problem:
        return _malformed(problem)
    transforms = _elements(ref_parts[0])
    if len(transforms) != 1 or transforms[0].tag != _DS + "Transform":
        return SignatureFailure(
            FailureReason.UNSUPPORTED_REFERENCE,
            f"{len(transforms)} transforms; DUIS uses exactly the enveloped-signature transform",
        )
    for element, expected in ((transforms[0], ENVELOPED_SIGNATURE), (ref_parts[1], SHA256)):
        refused = _algorithm(element, expected)
        if refused:
            return refused
    digest = _decode(ref_parts[2], 32)
    if digest is None:
        return _malformed("DigestValue is not a base64 SHA-256 digest")
    value = _decode(value_el, 64)
    if value is None:
        return _malformed("SignatureValue is not a base64 64-byte r||s value")
    serial_el, issuer_el = _issuer_serial(children[2] if len(children) == 3 else None)
    if isinstance(serial_el, SignatureFailure):
        return serial_el
    if serial_el is None:
        return SignatureFailure(FailureReason.NO_SERIAL, "KeyInfo has no X509SerialNumber")
    serial_text = (serial_el.text or "").strip(_WHITESPACE)
    if not serial_text.isascii() or not serial_text.isdigit():
        return _malformed(f"X509SerialNumber {serial_text[:80]!r} is not a decimal number")
    if len(serial_text) > _MAX_SERIAL_DIGITS:
        return _malformed("X509SerialNumber is longer than any certificate serial")
    if issuer_el is None:
        return _malformed("X509IssuerSerial has no X509IssuerName")
    issuer = (issuer_el.text or "").strip(_WHITESPACE)
    return _SignatureParts(signed_info, digest, value, int(serial_text), issuer)


def _issuer_serial(
    key_info: etree._Element | None,
) -> tuple[etree._Element | SignatureFailure | None, etree._Element | None]:
    """(X509SerialNumber, X509IssuerName) from KeyInfo, (None, None) when absent."""
    if key_info is None:
        return None, None
    holders = key_info.findall(f"{_DS}X509Data/{_DS}X509IssuerSerial")
    if len(holders) > 1:
        return _malformed("KeyInfo names more than one X509IssuerSerial"), None
    if not holders:
        return None, None
    items = _elements(holders[0])
    problem = _expect(items, ("X509IssuerName", "X509SerialNumber"), "X509IssuerSerial")
    if problem:
        serials = [e for e in items if e.tag == _DS + "X509SerialNumber"]
        if not serials:
            return None, None
        return _malformed(problem), None
    return items[1], items[0]
