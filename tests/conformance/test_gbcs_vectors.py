"""Every GBCS reference vector: decodes, re-encodes byte for byte, names its use case, and
its MAC and signature check out with the reference keystore."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.gbcs import crypto, message_codes
from opendcc.gbcs.codec import decode, encode_json
from opendcc.gbcs.context import Cra, GbcsDecodeError
from opendcc.gbcs.frame import (
    GbcsMessage,
    decode_message,
    decode_message_with_body,
    encode_message,
)
from opendcc.gbcs.message_codes import MessageKind
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from tests.reference import MISSING, check_present, reference_params, require_reference

pytestmark = pytest.mark.conformance

VECTORS = reference_params("gbcs/rtds", "*.HEX")
PPMID_LOCAL = ("NA_PCS01", "NA_PCS02")
"""PCS01/PCS02: PPMID-to-GSME HAN messages, whose MAC keys no keystore here holds."""


def _select(wanted: Callable[[Path, GbcsMessage], bool]) -> list[object]:
    """The vectors (collected above) for which ``wanted`` holds; the MISSING entry stays so
    the tests skip, or fail under CI, when the reference data is absent."""
    chosen = []
    for param in VECTORS:
        path = param.values[0]  # type: ignore[attr-defined]
        if path == MISSING:
            return [param]
        message = decode_message(bytes.fromhex(path.read_text().strip()))
        if wanted(path, message):
            chosen.append(param)
    return chosen


MAC_VECTORS = _select(lambda p, m: m.mac_header and p.parent.name not in PPMID_LOCAL)
SIGNED_VECTORS = _select(lambda p, m: m.signature is not None)
PROTECTED_VECTORS = _select(
    lambda p, m: m.signature is not None or (m.mac_header and p.parent.name not in PPMID_LOCAL)
)


@pytest.fixture(scope="module")
def keystore() -> Keystore:
    return Keystore.load(require_reference("gbcs", "keystore"))


@pytest.fixture(scope="module")
def security(keystore: Keystore) -> GbcsSecurity:
    return GbcsSecurity(keystore)


def _read(path: Path) -> bytes:
    return bytes.fromhex(check_present(path).read_text().strip())


def _folder_use_case(path: Path) -> str:
    return path.parent.name.split("_", 1)[1]


@pytest.mark.parametrize("path", VECTORS)
def test_vector_decodes_and_reencodes(path: Path, security: GbcsSecurity) -> None:
    data = _read(path)
    decoded = decode(data, security)
    assert encode_message(decoded.message) == data
    message, body = decode_message_with_body(data)
    assert body == message.general_signing_bytes()
    assert security.verify_mac(message) == decoded.mac
    assert security.verify_signature(message) == decoded.signature
    as_json = json.loads(json.dumps(decoded.to_json()))
    assert encode_json(as_json) == data, "JSON with the MAC and signature as given"
    if decoded.message.mac_header and path.parent.name not in PPMID_LOCAL:
        assert encode_json(as_json, security, recompute_mac=True) == data


@pytest.mark.parametrize("path", VECTORS)
def test_message_code_names_the_use_case(path: Path) -> None:
    message = decode_message(_read(path))
    code = message_codes.lookup(message.message_code)
    assert code is not None, f"unknown message code {message.message_code:04X}"
    folder = _folder_use_case(path)
    if message.cra is Cra.ALERT:
        assert code.kind is MessageKind.ALERT
        if path.parent.name.startswith("NA_"):  # an alert use case of its own
            assert code.use_case is not None and folder.startswith(code.use_case)
        elif code.use_case is None:
            # Future-dated outcome alerts name the Command they report on in the payload,
            # not in the header: 0x00CC (DLMS) and 0x00CD (GBZ) serve many use cases.
            assert code.value in (0x00CC, 0x00CD)
        else:  # the alert a Command's use case raises: its own (CS06...) or DBCH09
            assert folder.startswith(code.use_case) or (folder, code.use_case) == (
                "DBCH04",
                "DBCH09",
            )
        return
    assert code.kind is MessageKind.COMMAND
    assert code.use_case is not None
    if path.name.startswith("CS04B_8.8.2_ERROR"):
        # The reference error case sends Method B Unjoin with the CS04AC message code.
        assert code.use_case == "CS04AC"
        return
    assert folder.startswith(code.use_case), (folder, code.use_case)


@pytest.mark.parametrize("path", MAC_VECTORS)
def test_mac_is_recomputed_exactly(path: Path, security: GbcsSecurity) -> None:
    """Every MAC-protected vector but PCS01/PCS02 (test_ppmid_local_mac_cannot_be_...)."""
    message = decode_message(_read(path))
    assert security.compute_mac(message) == message.mac
    assert security.verify_mac(message).valid is True


@pytest.mark.parametrize("path", SIGNED_VECTORS)
def test_signature_verifies_with_the_originators_ds_certificate(
    path: Path, security: GbcsSecurity, keystore: Keystore
) -> None:
    message = decode_message(_read(path))
    result = security.verify_signature(message)
    assert result.valid is True, result.detail
    signer = next(
        e
        for e in keystore.find(message.originator, KeyUsage.DIGITAL_SIGNING)
        if result.detail and result.detail.startswith(e.name)
    )
    assert signer.eui == message.originator
    if message.cra is Cra.COMMAND:
        assert signer.role is not None, "Commands are signed by a Remote Party's DS certificate"
    else:
        assert signer.role is None, "Responses and Alerts are signed by the Device's DS cert"


@pytest.mark.parametrize("path", PROTECTED_VECTORS)
def test_a_flipped_bit_is_detected(path: Path, security: GbcsSecurity) -> None:
    data = _read(path)
    message = decode_message(data)
    protected_by_mac = message.mac_header and path.parent.name not in PPMID_LOCAL
    rng = random.Random(path.name)
    positions = {0, len(data) * 8 - 1} | {rng.randrange(len(data) * 8) for _ in range(12)}
    for bit in sorted(positions):
        tampered = bytearray(data)
        tampered[bit // 8] ^= 0x80 >> (bit % 8)
        assert not _accepted(bytes(tampered), security, protected_by_mac), f"bit {bit}"


def _accepted(data: bytes, security: GbcsSecurity, by_mac: bool) -> bool:
    try:
        result = decode(data, security, decode_payload_content=False)
    except GbcsDecodeError:
        return False
    return (result.mac if by_mac else result.signature).valid is True


@pytest.mark.parametrize(
    "relative",
    [
        "4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX",  # MACed response
        "NA_ECS68/ECS68_NA_8F0A_TWIN_ALERT_GBCS.HEX",  # signed alert, no MAC header
        "7.1_ECS42/ECS42_7.1_SUCCESS_COMMAND_GBCS.HEX",  # signed and MACed command
    ],
)
def test_every_bit_flip_is_detected(relative: str, security: GbcsSecurity) -> None:
    data = bytes.fromhex(require_reference("gbcs", "rtds", relative).read_text().strip())
    message = decode_message(data)
    for bit in range(len(data) * 8):
        tampered = bytearray(data)
        tampered[bit // 8] ^= 0x80 >> (bit % 8)
        assert not _accepted(bytes(tampered), security, message.mac_header), f"bit {bit}"


def test_ppmid_local_mac_cannot_be_recomputed(keystore: Keystore, security: GbcsSecurity) -> None:
    """PCS01 and PCS02 are HAN-only messages between the PPMID (…A4) and the GSME (…A1).

    Their MAC is not the ACB's: it is made from the two Devices' own key agreement keys,
    and a Device's private keys never leave it, so the reference keystore holds only their
    certificates. ECDH needs one of the two private keys, so nobody outside the two Devices
    can recompute these MACs: the decoder reports ``mac_valid`` None and says why, and no
    key the keystore does hold (ACB, Users, the spare bare keys) reproduces them.
    """
    ppmid, gsme = "00DB1234567890A4", "00DB1234567890A1"
    ka_entries = [e for e in keystore.entries if e.usage is KeyUsage.KEY_AGREEMENT]
    for eui in (ppmid, gsme):
        holders = [e for e in ka_entries if e.eui is not None and e.eui.hex == eui.lower()]
        assert holders, f"the keystore has {eui}'s KA certificate"
        assert all(e.private_key is None for e in holders), "but not its private key"
    paths = [
        p
        for name in PPMID_LOCAL
        for p in sorted(require_reference("gbcs", "rtds", name).glob("*.HEX"))
    ]
    assert len(paths) == 4
    for path in paths:
        data = bytes.fromhex(path.read_text().strip())
        decoded = decode(data, security)
        message = decoded.message
        assert message.mac_header and message.mac is not None
        assert message_codes.lookup(message.message_code).han_only  # type: ignore[union-attr]
        assert {message.originator.hex, message.recipient.hex} == {ppmid.lower(), gsme.lower()}
        assert decoded.mac.valid is None
        assert decoded.mac.detail is not None and "private key" in decoded.mac.detail
        assert encode_message(message) == data
        # Not the Command rule (ACB with the recipient) nor any pair we hold a key for.
        info = crypto.other_info(
            message.originator,
            crypto.KdfMode(message.cra),
            message.counter,
            message.recipient,
        )
        body = message.general_signing_bytes()
        devices = [e for e in ka_entries if e.eui in (message.originator, message.recipient)]
        for holder in ka_entries:
            if holder.private_key is None:
                continue
            for device in devices:
                secret = holder.private_key.exchange(ec.ECDH(), device.public_key)
                key = crypto.derive_key(secret, info)
                assert crypto.compute_mac(key, message.originator, body) != message.mac


def test_encrypted_payload_blocks_open_with_the_recipients_ka_key(
    security: GbcsSecurity,
) -> None:
    """The 4.1.1 response carries ``09 2B 31 00000000 ...``: a 43-byte encrypted block that
    the Supplier's ordinary KA key (not its prepayment '-pp-' key) opens with the Device's
    KA certificate, KDF mode 04."""
    path = require_reference(
        "gbcs", "rtds", "4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"
    )
    message = decode_message(bytes.fromhex(path.read_text().strip()))
    start = message.payload.index(bytes.fromhex("092B3100000000")) + 2
    block = message.payload[start : start + 0x2B]
    plaintext = security.decryptor(message.header)(block)
    assert plaintext is not None and len(plaintext) == 0x2B - 17
    tampered = block[:-1] + bytes((block[-1] ^ 1,))
    assert security.decryptor(message.header)(tampered) is None


@pytest.mark.parametrize(
    ("folder", "name", "blocks"),
    [
        ("4.1.1_ECS17b", "ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE_GBCS.HEX", 1),  # for the NO
        ("4.14_GCS16b", "GCS16b_4.14_URP_SUCCESS_RESPONSE_GBCS.HEX", 2),  # for a 3rd party
        ("4.17_GCS61", "GCS61_4.17_SUCCESS_RESPONSE_GBCS.HEX", 1),  # via the ACB
        ("4.4.2_GCS15b", "GCS15b_4.4.2_ERROR_RESPONSE_GBCS.HEX", 3),
        ("NA_ECS68", "ECS68_NA_8F0A_TWIN_ALERT_GBCS.HEX", 1),  # alert
        ("NA_GCS53", "GCS53_NA_8F0A_ALERT_GBCS.HEX", 1),
    ],
)
def test_encrypted_blocks_are_found_and_opened(
    folder: str, name: str, blocks: int, security: GbcsSecurity
) -> None:
    data = bytes.fromhex(require_reference("gbcs", "rtds", folder, name).read_text().strip())
    decoded = decode(data, security)
    opened = [d for d in decoded.decrypted if d.plaintext is not None]
    assert len(opened) >= blocks


FIRST_OF_EACH_FOLDER = [
    param
    for index, param in enumerate(VECTORS)
    if index == 0 or param.values[0].parent != VECTORS[index - 1].values[0].parent  # type: ignore[attr-defined]
]


@pytest.mark.parametrize("path", FIRST_OF_EACH_FOLDER)
def test_truncations_only_raise_the_typed_error(path: Path, security: GbcsSecurity) -> None:
    """A prefix is either refused with GbcsDecodeError or is itself a message (a signed
    Command cut before its signature is a Pre-Command), never anything else."""
    data = _read(path)
    for cut in range(len(data)):
        try:
            decoded = decode(data[:cut], security)
        except GbcsDecodeError:
            continue
        assert encode_message(decoded.message) == data[:cut]
        assert decoded.message.signature_length_omitted
