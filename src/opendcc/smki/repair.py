"""Repair of certificates whose ECDSA AlgorithmIdentifier carries an explicit NULL parameter.

RFC 5758 section 3.2 says the ecdsa-with-SHA* AlgorithmIdentifiers MUST omit the
parameters field. Some SMKI test certificates (the DCC Boxed ``mdr-ds`` and ``mdr-ka``
entries of ``keystore.json``, issued by ``CN=Z99``) encode an explicit ``NULL`` there, in
both the TBSCertificate ``signature`` field and the outer ``signatureAlgorithm``, and
``cryptography`` refuses them ("ExtraData ... signature_alg").

``drop_null_signature_parameters`` rewrites the DER without those NULLs. Subject, serial,
validity, extensions and the public key are untouched, so the repaired certificate still
names the same EUI, role and key. But the issuer signed the *original* TBSCertificate, so
the repaired certificate's own signature no longer verifies: callers must say so (the
keystore records it in ``CertificateRecord.repaired`` and warns).

The few DER primitives below are hand-written because the job is a byte-level rewrite of
two fields that the X.509 library will not parse at all; a general ASN.1 library would add
a dependency for about forty lines.
"""

from __future__ import annotations

from typing import Final

# Content octets of the ecdsa-with-SHA224/256/384/512 OIDs (1.2.840.10045.4.3.1 to .4).
_ECDSA_SIGNATURE_OIDS: Final = frozenset(
    bytes.fromhex("2a8648ce3d0403") + bytes([n]) for n in range(1, 5)
)
_SEQUENCE: Final = 0x30
_OID: Final = 0x06
_NULL: Final = 0x05
_VERSION_TAG: Final = 0xA0


class DerError(ValueError):
    """The bytes are not the DER certificate structure the repair expects."""


def drop_null_signature_parameters(der: bytes) -> bytes | None:
    """The certificate with explicit NULL ECDSA parameters removed, or None if it has none.

    Raises ``DerError`` when ``der`` is not a DER Certificate SEQUENCE at all.
    """
    cert_tag, cert_start, cert_end = _element(der, 0)
    if cert_tag != _SEQUENCE or cert_end != len(der):
        raise DerError("not a DER certificate: outer SEQUENCE expected")
    parts = _children(der, cert_start, cert_end)
    if len(parts) != 3 or parts[0][0] != _SEQUENCE:
        raise DerError("not a DER certificate: tbsCertificate, algorithm, signature expected")
    tbs, outer_alg, signature = parts

    tbs_parts = _children(der, tbs[1], tbs[2])
    index = 2 if tbs_parts and tbs_parts[0][0] == _VERSION_TAG else 1
    if len(tbs_parts) <= index:
        raise DerError("not a DER certificate: tbsCertificate too short")

    changed = False
    new_tbs_body = b""
    for position, part in enumerate(tbs_parts):
        raw = der[part[3] : part[2]]
        if position == index:
            fixed = _without_null(der, part)
            changed |= fixed is not None
            raw = fixed if fixed is not None else raw
        new_tbs_body += raw
    fixed_outer = _without_null(der, outer_alg)
    changed |= fixed_outer is not None
    if not changed:
        return None
    outer_raw = fixed_outer if fixed_outer is not None else der[outer_alg[3] : outer_alg[2]]
    body = encode(_SEQUENCE, new_tbs_body) + outer_raw + der[signature[3] : signature[2]]
    return encode(_SEQUENCE, body)


def _without_null(der: bytes, element: tuple[int, int, int, int]) -> bytes | None:
    """The AlgorithmIdentifier re-encoded without its NULL, or None if it needs no repair."""
    tag, start, end, _ = element
    if tag != _SEQUENCE:
        return None
    fields = _children(der, start, end)
    if (
        len(fields) == 2
        and fields[0][0] == _OID
        and der[fields[0][1] : fields[0][2]] in _ECDSA_SIGNATURE_OIDS
        and fields[1][0] == _NULL
        and fields[1][1] == fields[1][2]
    ):
        return encode(_SEQUENCE, der[fields[0][3] : fields[0][2]])
    return None


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, content start, content end, element start) of each element in ``der[start:end]``."""
    found = []
    offset = start
    while offset < end:
        tag, content_start, content_end = _element(der, offset, end)
        found.append((tag, content_start, content_end, offset))
        offset = content_end
    return found


def _element(der: bytes, offset: int, limit: int | None = None) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``offset``."""
    limit = len(der) if limit is None else limit
    if offset + 2 > limit:
        raise DerError(f"truncated DER at offset {offset}")
    tag = der[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte DER tags do not occur in certificates")
    first = der[offset + 1]
    position = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or position + count > limit:
            raise DerError(f"bad DER length at offset {offset}")
        length = int.from_bytes(der[position : position + count], "big")
        position += count
    if position + length > limit:
        raise DerError(f"DER element at offset {offset} overruns its container")
    return tag, position, position + length


def encode(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content
