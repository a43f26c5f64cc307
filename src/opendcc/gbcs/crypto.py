"""GBCS cryptographic primitives: key derivation, the MAC, payload encryption, signatures.

The formulas (PROTOCOL.md, checked against every reference vector):

- Key derivation (NIST SP 800-56A single-step KDF over ECDH P-256):
  ``key = SHA-256(00000001 || Z || otherInfo)[:16]`` with the 33-byte
  ``otherInfo = 60 85 74 06 08 03 00 || originator system title || 09 || mode ||
  originator counter || recipient system title``. The mode is the CRA flag for the MAC of
  Commands (01), Responses (02) and Alerts (03), and 04 for payload encryption.
- MAC: AES-128-GCM over an empty plaintext, IV = originator system title || 00000000,
  AAD = ``11 00 00 00 00 00`` || the general signing part (from 0xDF through the
  signature field); the MAC is the first 12 bytes of the tag.
- Encrypted payload blocks (inside DLMS and GBZ payloads): security control byte (0x31)
  || 4-byte invocation counter || ciphertext || 12-byte tag, AES-128-GCM with
  IV = originator system title || invocation counter and AAD = the security control byte.
- Signatures: ECDSA P-256 with SHA-256 over the general signing part after the 0xDF tag
  through the payload, written as the 64-byte r||s.

ECDH is the expensive step, and its result Z depends only on the two keys, so
``SharedSecrets`` caches it per key pair; the KDF itself (one SHA-256) runs per message,
because the counter is in otherInfo. Which keys to use is ``opendcc.gbcs.security``'s job.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from typing import Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from opendcc.eui import Eui64

KDF_ALGORITHM_ID: Final = bytes.fromhex("60857406080300")
"""The algorithm ID that opens otherInfo."""
KDF_COUNTER: Final = bytes.fromhex("00000001")
MAC_AAD_PREFIX: Final = bytes.fromhex("110000000000")
MAC_TAG_LENGTH: Final = 12
PAYLOAD_SECURITY_CONTROL: Final = 0x31
"""The security control byte of every encrypted payload block in the reference data."""
BLOCK_OVERHEAD: Final = 1 + 4 + MAC_TAG_LENGTH
_SIGNATURE_ALGORITHM: Final = ec.ECDSA(hashes.SHA256())


class KdfMode(enum.IntEnum):
    """The mode byte of otherInfo."""

    COMMAND = 0x01
    RESPONSE = 0x02
    ALERT = 0x03
    PAYLOAD_ENCRYPTION = 0x04


def other_info(originator: Eui64, mode: KdfMode, counter: int, recipient: Eui64) -> bytes:
    """The 33-byte otherInfo of the KDF."""
    return (
        KDF_ALGORITHM_ID
        + bytes(originator)
        + bytes((0x09, mode))
        + counter.to_bytes(8, "big")
        + bytes(recipient)
    )


def derive_key(shared_secret: bytes, info: bytes) -> bytes:
    """The 16-byte AES key from Z and otherInfo."""
    return hashlib.sha256(KDF_COUNTER + shared_secret + info).digest()[:16]


class SharedSecrets:
    """ECDH P-256 with a cache of Z per (private key, public key) pair.

    Entries are keyed by object identity and hold the key objects themselves, so an id
    cannot be reused by another key while its entry lives. The cache is bounded; when full
    it starts again (key pairs in use are few: the hub's own keys against the devices it
    talks to, a device's own key against its remote parties).
    """

    __slots__ = ("_cache", "_limit")

    def __init__(self, limit: int = 65536) -> None:
        self._cache: dict[
            tuple[int, int],
            tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey, bytes],
        ] = {}
        self._limit = limit

    def __call__(
        self, private_key: ec.EllipticCurvePrivateKey, public_key: ec.EllipticCurvePublicKey
    ) -> bytes:
        slot = (id(private_key), id(public_key))
        hit = self._cache.get(slot)
        if hit is not None and hit[0] is private_key and hit[1] is public_key:
            return hit[2]
        secret = private_key.exchange(ec.ECDH(), public_key)
        if len(self._cache) >= self._limit:
            self._cache.clear()
        self._cache[slot] = (private_key, public_key, secret)
        return secret

    def __len__(self) -> int:
        return len(self._cache)


def mac_iv(originator: Eui64) -> bytes:
    return bytes(originator) + b"\x00\x00\x00\x00"


def compute_mac(key: bytes, originator: Eui64, general_signing: bytes) -> bytes:
    """The 12-byte MAC of a message whose general signing part is ``general_signing``."""
    tag = AESGCM(key).encrypt(mac_iv(originator), b"", MAC_AAD_PREFIX + general_signing)
    return tag[:MAC_TAG_LENGTH]


def mac_matches(key: bytes, originator: Eui64, general_signing: bytes, mac: bytes) -> bool:
    return hmac.compare_digest(compute_mac(key, originator, general_signing), mac)


def encrypt_block(
    key: bytes,
    originator: Eui64,
    invocation_counter: int,
    plaintext: bytes,
    security_control: int = PAYLOAD_SECURITY_CONTROL,
) -> bytes:
    """An encrypted payload block: security control || counter || ciphertext || tag."""
    counter = invocation_counter.to_bytes(4, "big")
    control = bytes((security_control,))
    # One-shot AEAD: ciphertext || 16-byte tag; GCM's truncated tag is the tag's leftmost
    # bytes (NIST SP 800-38D 5.2.1.2), so the 12-byte one is a prefix of it.
    sealed = AESGCM(key).encrypt(bytes(originator) + counter, plaintext, control)
    return control + counter + sealed[:-16] + sealed[-16 : -16 + MAC_TAG_LENGTH]


def decrypt_block(key: bytes, originator: Eui64, block: bytes) -> bytes | None:
    """The plaintext of an encrypted payload block, or None if it does not authenticate."""
    if len(block) < BLOCK_OVERHEAD:
        return None
    iv = bytes(originator) + block[1:5]
    tag = block[-MAC_TAG_LENGTH:]
    decryptor = Cipher(
        algorithms.AES(key), modes.GCM(iv, tag, min_tag_length=MAC_TAG_LENGTH)
    ).decryptor()
    decryptor.authenticate_additional_data(block[:1])
    try:
        return decryptor.update(block[5:-MAC_TAG_LENGTH]) + decryptor.finalize()
    except InvalidTag:
        return None


def sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA P-256 / SHA-256 signature of ``data`` as the 64-byte r||s."""
    r, s = decode_dss_signature(private_key.sign(data, _SIGNATURE_ALGORITHM))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(public_key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (64-byte r||s) is a valid signature of ``data``."""
    if len(signature) != 64:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if r == 0 or s == 0:
        return False
    try:
        public_key.verify(encode_dss_signature(r, s), data, _SIGNATURE_ALGORITHM)
    except InvalidSignature:
        return False
    return True
