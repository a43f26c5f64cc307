"""Test-only helpers: find the payload inside an RTDS vector and decrypt protected blocks.

The frame layer belongs to ``opendcc.gbcs`` core; until its decoder lands these tests skip
the MAC header and the general signing grouping header with the minimum of parsing
(PROTOCOL.md "GBCS messages"), and derive payload-encryption keys (mode 04) with the
reference keystore the way GBCS 7.3.2 describes, to exercise ``context.decrypt``.
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
DLMS_TAGS = (0xD9, 0xDA, 0x0F)
_KDF_ALGORITHM_ID = bytes.fromhex("60857406080300")
_PAYLOAD_ENCRYPTION_MODE = 0x04


def _length(buf: bytes, pos: int) -> tuple[int, int]:
    first = buf[pos]
    if first < 0x80:
        return first, pos + 1
    size = first & 0x7F
    return int.from_bytes(buf[pos + 1 : pos + 1 + size], "big"), pos + 1 + size


@dataclass(frozen=True)
class Frame:
    """What these tests need from one RTDS vector."""

    name: str
    use_case: str
    cra: Cra
    counter: int
    originator: Eui64
    recipient: Eui64
    message_code: int
    content: bytes

    @property
    def is_dlms(self) -> bool:
        return bool(self.content) and self.content[0] in DLMS_TAGS

    def context(self, decrypt: Decryptor | None = None) -> PayloadContext:
        return PayloadContext(
            cra=self.cra,
            message_code=self.message_code,
            use_case=self.use_case,
            originator=self.originator,
            recipient=self.recipient,
            originator_counter=self.counter,
            decrypt=decrypt,
        )


def split_frame(path: Path) -> Frame:
    buf = bytes.fromhex(path.read_text().strip())
    pos = 0
    if buf[0] == 0xDD:  # MAC header: DD, six zero octets, length, security header
        _, pos = _length(buf, 7)
        pos += 5
    assert buf[pos : pos + 2] == b"\xdf\x09", f"{path.name}: no general signing header"
    pos += 2
    cra = Cra(buf[pos])
    counter = int.from_bytes(buf[pos + 1 : pos + 9], "big")
    pos += 9
    originator = Eui64.from_bytes(buf[pos + 1 : pos + 9])
    recipient = Eui64.from_bytes(buf[pos + 10 : pos + 18])
    pos += 18
    pos += 1 if buf[pos] == 0 else 13  # date-time: 00, or 0C and twelve octets
    other_length, pos = _length(buf, pos)
    message_code = int.from_bytes(buf[pos : pos + 2], "big")
    pos += other_length
    content_length, pos = _length(buf, pos)
    use_case = path.parent.name.split("_", 1)[1]
    return Frame(
        path.name,
        use_case,
        cra,
        counter,
        originator,
        recipient,
        message_code,
        buf[pos : pos + content_length],
    )


@cache
def reference_keystore() -> Keystore:
    return Keystore.load(REFERENCE_DIR / "gbcs" / "keystore")


def decryptor_for(frame: Frame) -> Decryptor:
    """GBCS payload decryption for a Response or Alert ciphered by its originating device.

    Key: the first 16 octets of SHA-256(00000001 || Z || otherInfo) with Z = ECDH(the
    recipient's key-agreement key, the device's), otherInfo = algorithm id || originator ||
    09 || 04 || originator counter || recipient. AES-GCM, IV = originator || invocation
    counter, AAD = the security control byte, 12-octet tag.
    """
    keystore = reference_keystore()
    device = keystore.key_agreement(frame.originator)
    private = [
        entry.private_key
        for entry in keystore.find(frame.recipient, KeyUsage.KEY_AGREEMENT, with_private_key=True)
        if entry.private_key is not None
    ]

    def decrypt(block: bytes) -> bytes | None:
        if device is None or len(block) < 17:
            return None
        other_info = (
            _KDF_ALGORITHM_ID
            + bytes(frame.originator)
            + bytes((9, _PAYLOAD_ENCRYPTION_MODE))
            + frame.counter.to_bytes(8, "big")
            + bytes(frame.recipient)
        )
        for key in private:
            shared = key.exchange(ec.ECDH(), device.public_key)
            aes_key = hashlib.sha256(b"\x00\x00\x00\x01" + shared + other_info).digest()[:16]
            iv = bytes(frame.originator) + block[1:5]
            ciphertext, tag = block[5:-12], block[-12:]
            decryptor = Cipher(
                algorithms.AES(aes_key), modes.GCM(iv, tag, min_tag_length=12)
            ).decryptor()
            decryptor.authenticate_additional_data(block[:1])
            try:
                return decryptor.update(ciphertext) + decryptor.finalize()
            except InvalidTag:
                continue
        return None

    return decrypt


def dlms_frames() -> list[Frame]:
    """Every RTDS vector whose payload is DLMS (empty when the reference data is absent)."""
    base = REFERENCE_DIR / RTDS
    frames = [split_frame(p) for p in sorted(base.rglob("*.HEX"))] if base.is_dir() else []
    return [f for f in frames if f.is_dlms]


def dlms_vector_params() -> list[object]:
    """``pytest.param`` per DLMS vector, for parametrizing at collection time."""
    import pytest

    from tests.reference import MISSING

    frames = dlms_frames()
    if not frames:
        return [pytest.param(MISSING, id="reference-missing")]
    return [pytest.param(frame, id=frame.name) for frame in frames]


def frame_named(name: str) -> Frame:
    """The vector file ``name`` (searched in every RTDS folder); skips when absent."""
    from tests.reference import require_reference

    base = require_reference(RTDS)
    found = sorted(base.rglob(name))
    if not found:
        require_reference(RTDS, name)
    return split_frame(found[0])
