"""The DUIS XML-signature profile: its algorithms, and how a ds:Signature is read against it.

``opendcc.duis.signature`` signs and verifies; this module holds what both rely on: the
algorithm identifiers, the reasons a signature is refused (``FailureReason``), the document's
canonical form and where the signature lies in it, and the reading of a ``ds:Signature``
element into its parts, exactly as the profile allows and nothing else:

- ``SignedInfo`` holds ``CanonicalizationMethod`` (exclusive C14N, no InclusiveNamespaces),
  ``SignatureMethod`` (ECDSA-SHA256) and one ``Reference`` with ``URI=""``, one transform
  (enveloped-signature) and ``DigestMethod`` SHA-256;
- ``SignatureValue`` is base64 of the raw 64-byte ``r || s``; CR, LF, tabs and spaces inside
  it (``&#13;`` included, as Java's signer writes) are skipped when decoding;
- ``KeyInfo/X509Data/X509IssuerSerial`` names the certificate by issuer and decimal serial.

A signature written exactly as DUIS systems write it is recognised on a fast path (one
pattern match on C14N output the verifier has anyway); anything else is read element by
element so that the refusal names its reason.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from typing import Final

from lxml import etree

from opendcc.duis.messages import DS_NS, SIGNATURE_TAG

EXCLUSIVE_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
ECDSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ENVELOPED_SIGNATURE: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"

_DS: Final = "{" + DS_NS + "}"
_DS_URI: Final = DS_NS.encode()
WHITESPACE: Final = " \t\r\n"
_MAX_SERIAL_DIGITS: Final = 64


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
class SignatureParts:
    """What a profile-conformant ds:Signature says."""

    signed_info: etree._Element
    digest: bytes
    value: bytes
    serial: int
    issuer_name: str
    canonical_signed_info: bytes | None = None


def canonical_document(root: etree._Element) -> bytes:
    """Inclusive C14N 1.0, without comments, of the document ``root`` belongs to."""
    return etree.tostring(root.getroottree(), method="c14n", exclusive=False, with_comments=False)


def signature_region(canonical: bytes, signature: etree._Element) -> tuple[int, int] | None:
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


def read_signature(
    signature: etree._Element, canonical: bytes | None, region: tuple[int, int] | None
) -> SignatureParts | SignatureFailure:
    """The parts of a profile-conformant ds:Signature, or why it is not one."""
    fast = None
    if canonical is not None and region is not None:
        fast = read_exact_profile(signature, canonical, region[0])
    return fast if fast is not None else read_strictly(signature)


def read_exact_profile(
    signature: etree._Element, canonical: bytes, start: int
) -> SignatureParts | None:
    """The hot path: a signature exactly as DUIS systems write it, else None.

    Walks the fixed shape by index, then reads the SignedInfo's exclusive C14N (what the
    signature covers) out of the document's inclusive C14N, which is already at hand: when
    SignedInfo and its children declare no namespaces and carry only the profile's
    attributes (the pattern checks both), the two differ only by the ``xmlns`` declaration
    exclusive C14N puts on SignedInfo. The result must match the one form the profile
    allows, prefix aside. Anything unusual (comments, Id attributes, another algorithm)
    returns None and is judged by ``read_strictly``, which names the reason.
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
    serial_text = (serial_el.text or "").strip(WHITESPACE)
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
    issuer = (issuer_el.text or "").strip(WHITESPACE)
    return SignatureParts(signed_info, digest, value, int(serial_text), issuer, exclusive)


def read_strictly(signature: etree._Element) -> SignatureParts | SignatureFailure:
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
    serial_text = (serial_el.text or "").strip(WHITESPACE)
    if not serial_text.isascii() or not serial_text.isdigit():
        return _malformed(f"X509SerialNumber {serial_text[:80]!r} is not a decimal number")
    if len(serial_text) > _MAX_SERIAL_DIGITS:
        return _malformed("X509SerialNumber is longer than any certificate serial")
    if issuer_el is None:
        return _malformed("X509IssuerSerial has no X509IssuerName")
    issuer = (issuer_el.text or "").strip(WHITESPACE)
    return SignatureParts(signed_info, digest, value, int(serial_text), issuer)


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
