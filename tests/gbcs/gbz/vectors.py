"""Test helper: read an RTDS vector file far enough to reach its GBZ payload.

This is deliberately not a frame codec (the GBCS core owns that): it skips the MAC
header and the general signing grouping header to hand the payload and the facts of a
``PayloadContext`` to the GBZ codec, and offers a test-only decryptor built from the
reference keystore (PROTOCOL.md: ECDH, the GBCS KDF with mode 04, AES-128-GCM with the
security control byte as AAD and a 12-byte tag).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, Decryptor, PayloadContext
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from tests.reference import REFERENCE_DIR

RTDS = "gbcs/rtds"
GBZ_PROFILE = b"\x01\x09"


def _der_length(data: bytes, i: int) -> tuple[int, int]:
    first = data[i]
    if first < 0x80:
        return first, i + 1
    n = first & 0x7F
    return int.from_bytes(data[i + 1 : i + 1 + n], "big"), i + 1 + n


@dataclass(frozen=True)
class Vector:
    path: Path
    use_case: str
    cra: Cra
    message_code: int
    originator: bytes
    recipient: bytes
    counter: bytes
    other_information: bytes
    content: bytes

    @property
    def is_gbz(self) -> bool:
        return self.content[:2] == GBZ_PROFILE

    def context(self, *, decrypt: bool = True) -> PayloadContext:
        return PayloadContext(
            cra=self.cra,
            message_code=self.message_code,
            use_case=self.use_case,
            originator=Eui64.from_bytes(self.originator),
            recipient=Eui64.from_bytes(self.recipient),
            originator_counter=int.from_bytes(self.counter, "big"),
            decrypt=reference_decryptor(self) if decrypt else None,
        )


def read_vector(path: Path) -> Vector:
    data = bytes.fromhex(path.read_text().strip())
    i = 0
    if data[0] == 0xDD:  # MAC header: DD 00*6, length, 11 00 00 00 00
        _, i = _der_length(data, 7)
        i += 5
    if data[i : i + 2] != b"\xdf\x09":
        raise ValueError(f"{path.name}: no general signing grouping header")
    cra = Cra(data[i + 2])
    counter = data[i + 3 : i + 11]
    originator = data[i + 12 : i + 20]
    recipient = data[i + 21 : i + 29]
    i += 29
    i += 1 if data[i] == 0 else 13
    other_length = data[i]
    other = data[i + 1 : i + 1 + other_length]
    i += 1 + other_length
    content_length, i = _der_length(data, i)
    return Vector(
        path=path,
        use_case=path.parent.name.split("_", 1)[1],
        cra=cra,
        message_code=int.from_bytes(other[:2], "big"),
        originator=originator,
        recipient=recipient,
        counter=counter,
        other_information=other,
        content=data[i : i + content_length],
    )


def vector(use_case_folder: str, name: str) -> Vector:
    return read_vector(REFERENCE_DIR / RTDS / use_case_folder / name)


@cache
def keystore() -> Keystore:
    return Keystore.load(REFERENCE_DIR / "gbcs" / "keystore")


def kdf(shared: bytes, originator: bytes, counter: bytes, recipient: bytes) -> bytes:
    """The GBCS key derivation with mode 04 (payload encryption)."""
    other_info = bytes.fromhex("60857406080300") + originator + b"\x09\x04" + counter + recipient
    return hashlib.sha256(b"\x00\x00\x00\x01" + shared + other_info).digest()[:16]


def _party_key(eui: bytes) -> ec.EllipticCurvePrivateKey | None:
    for entry in keystore().find(
        Eui64.from_bytes(eui), KeyUsage.KEY_AGREEMENT, with_private_key=True
    ):
        if "-pp-" not in entry.name and entry.private_key is not None:
            return entry.private_key
    return None


def payload_key(v: Vector) -> bytes | None:
    """The AES key a device used for its encrypted payload to the remote party.

    The remote party is the Supplementary Remote Party of the other information when there
    is one (responses routed through the DCC), else the recipient; the counter is the
    Supplementary Originator Counter when present, else the grouping header's counter.
    """
    other = v.other_information
    party = other[2:10] if len(other) >= 10 else v.recipient
    counter = other[18:26] if len(other) >= 26 else v.counter
    private = _party_key(party)
    device = keystore().key_agreement(Eui64.from_bytes(v.originator))
    if private is None or device is None:
        return None
    shared = private.exchange(ec.ECDH(), device.public_key)
    return kdf(shared, v.originator, counter, party)


def reference_decryptor(v: Vector) -> Decryptor:
    key = payload_key(v)

    def decrypt(block: bytes) -> bytes | None:
        if key is None or len(block) < 17:
            return None
        iv = v.originator + block[1:5]
        d = Cipher(algorithms.AES(key), modes.GCM(iv, block[-12:], min_tag_length=12)).decryptor()
        d.authenticate_additional_data(block[:1])
        try:
            return d.update(block[5:-12]) + d.finalize()
        except InvalidTag:
            return None

    return decrypt


def reference_encryptor(key: bytes, originator: bytes, invocation_counter: int = 0):  # type: ignore[no-untyped-def]
    """The inverse of ``reference_decryptor`` for building encrypted Responses in tests."""

    def encrypt(plain: bytes) -> bytes:
        header = bytes([0x31]) + invocation_counter.to_bytes(4, "big")
        e = Cipher(
            algorithms.AES(key), modes.GCM(originator + header[1:], min_tag_length=12)
        ).encryptor()
        e.authenticate_additional_data(header[:1])
        body = e.update(plain) + e.finalize()
        return header + body + e.tag[:12]

    return encrypt


def all_vectors() -> list[Path]:
    base = REFERENCE_DIR / RTDS
    return sorted(base.rglob("*.HEX")) if base.is_dir() else []


def gbz_vector_paths() -> list[Path]:
    return [p for p in all_vectors() if read_vector(p).is_gbz]


def gbz_params() -> list[object]:
    """``pytest.param`` per GBZ vector (id: folder/file), or the MISSING marker."""
    import pytest

    from tests.reference import MISSING

    params = [
        pytest.param(p, id=f"{p.parent.name}/{p.name.removesuffix('_GBCS.HEX')}")
        for p in gbz_vector_paths()
    ]
    return params or [pytest.param(MISSING, id="reference-missing")]
