"""The primitives, each checked against an independent construction."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

from opendcc.eui import Eui64
from opendcc.gbcs import crypto
from opendcc.gbcs.crypto import KdfMode, SharedSecrets

ORIGINATOR = Eui64.parse("90-B3-D5-1F-30-01-00-00")
RECIPIENT = Eui64.parse("00-DB-12-34-56-78-90-A0")


def test_other_info_layout() -> None:
    info = crypto.other_info(ORIGINATOR, KdfMode.RESPONSE, 1000, RECIPIENT)
    assert info.hex().upper() == (
        "6085740608030090B3D51F30010000090200000000000003E800DB1234567890A0"
    )
    assert len(info) == 33


def test_kdf_is_the_single_step_concatenation_kdf() -> None:
    secret = hashlib.sha256(b"z").digest()
    info = crypto.other_info(ORIGINATOR, KdfMode.COMMAND, 7, RECIPIENT)
    expected = ConcatKDFHash(algorithm=hashes.SHA256(), length=16, otherinfo=info).derive(secret)
    assert crypto.derive_key(secret, info) == expected


def test_mac_is_the_truncated_gcm_tag() -> None:
    key, body = bytes(range(16)), b"\xdf\x09 some grouping header"
    encryptor = Cipher(algorithms.AES(key), modes.GCM(bytes(ORIGINATOR) + bytes(4))).encryptor()
    encryptor.authenticate_additional_data(bytes.fromhex("110000000000") + body)
    encryptor.finalize()
    mac = crypto.compute_mac(key, ORIGINATOR, body)
    assert mac == encryptor.tag[:12]
    assert crypto.mac_matches(key, ORIGINATOR, body, mac)
    assert not crypto.mac_matches(key, ORIGINATOR, body + b"\x00", mac)


def test_payload_blocks_round_trip_and_authenticate() -> None:
    key = bytes(range(16, 32))
    block = crypto.encrypt_block(key, RECIPIENT, 5, b"readings")
    assert block[:5] == bytes.fromhex("3100000005")
    assert len(block) == 5 + 8 + 12
    assert crypto.decrypt_block(key, RECIPIENT, block) == b"readings"
    assert crypto.decrypt_block(key, ORIGINATOR, block) is None  # IV from the originator
    assert crypto.decrypt_block(bytes(16), RECIPIENT, block) is None
    tampered = bytearray(block)
    tampered[0] = 0x30  # the security control byte is authenticated
    assert crypto.decrypt_block(key, RECIPIENT, bytes(tampered)) is None
    assert crypto.decrypt_block(key, RECIPIENT, block[:16]) is None


def test_signatures_are_raw_r_and_s() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signature = crypto.sign(key, b"data")
    assert len(signature) == 64
    assert crypto.verify(key.public_key(), b"data", signature)
    assert not crypto.verify(key.public_key(), b"datb", signature)
    assert not crypto.verify(key.public_key(), b"data", signature[:63])
    assert not crypto.verify(key.public_key(), b"data", bytes(64))


@pytest.mark.parametrize("limit", [1, 100])
def test_shared_secrets_cache(limit: int) -> None:
    secrets = SharedSecrets(limit)
    a, b, c = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    public_b, public_c = b.public_key(), c.public_key()
    first = secrets(a, public_b)
    assert first == b.exchange(ec.ECDH(), a.public_key())
    assert secrets(a, public_b) is first  # served from the cache, not recomputed
    assert secrets(a, public_c) == c.exchange(ec.ECDH(), a.public_key())
    assert len(secrets) <= limit
    assert secrets(a, public_b) == first
