"""The key rules: who MACs, signs and encrypts what, seen from both ends."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from opendcc.gbcs.context import Cra, GbcsEncodeError
from opendcc.gbcs.frame import GbcsMessage, GroupingHeader, OtherInformation
from opendcc.gbcs.security import GbcsSecurity, MissingKeyError
from opendcc.smki.keystore import Keystore
from tests.gbcs.conftest import (
    ACB,
    CREDENTIALS,
    ESME,
    GSME,
    OTHER_SUPPLIER,
    PPMID,
    SUPPLIER,
    keystore_for,
)


def _message(
    cra: Cra, originator: object, recipient: object, code: int = 0x0027, **other: object
) -> GbcsMessage:
    header = GroupingHeader(
        cra,
        42,
        originator,
        recipient,
        OtherInformation(code, **other),  # type: ignore[arg-type]
    )
    return GbcsMessage(header, b"\xd9\x20\x00\x2a")


def test_commands_are_maced_by_the_acb_whoever_sends_them(
    hub: GbcsSecurity, esme: GbcsSecurity
) -> None:
    sealed = hub.seal(_message(Cra.COMMAND, SUPPLIER, ESME))
    assert hub.mac_parties(sealed.header) == (ACB, ESME)
    assert esme.verify_mac(sealed).valid is True  # the ESME checks with its own key
    supplier_only = GbcsSecurity(keystore_for(SUPPLIER))
    with pytest.raises(MissingKeyError):
        supplier_only.compute_mac(sealed)  # the Supplier cannot MAC a Command itself


def test_responses_are_maced_by_the_device_for_their_recipient(
    hub: GbcsSecurity, esme: GbcsSecurity
) -> None:
    sealed = esme.seal(_message(Cra.RESPONSE, ESME, SUPPLIER))
    assert esme.mac_parties(sealed.header) == (SUPPLIER, ESME)
    assert hub.verify_mac(sealed).valid is True
    wrong = esme.seal(_message(Cra.RESPONSE, ESME, OTHER_SUPPLIER)).with_mac(sealed.mac)
    assert hub.verify_mac(wrong).valid is False


def test_han_only_commands_use_both_devices_keys(gsme: GbcsSecurity, hub: GbcsSecurity) -> None:
    """PCS01 (0x009B): PPMID to GSME. The hub, holding neither Device's key, cannot check."""
    ppmid = GbcsSecurity(keystore_for(PPMID))
    sealed = ppmid.seal(_message(Cra.COMMAND, PPMID, GSME, code=0x009B))
    assert ppmid.mac_parties(sealed.header) == (PPMID, GSME)
    assert gsme.verify_mac(sealed).valid is True
    result = hub.verify_mac(sealed)
    assert result.valid is None and result.detail and "private key" in result.detail


def test_missing_keys_are_reported_not_raised() -> None:
    empty = GbcsSecurity(Keystore())
    message = _message(Cra.COMMAND, SUPPLIER, ESME).with_mac(bytes(12))
    mac = empty.verify_mac(message)
    assert mac.valid is None and mac.detail and "no key agreement key" in mac.detail
    assert empty.verify_signature(message.with_signature(bytes(64))).valid is None
    assert empty.decryptor(message.header)(bytes(30)) is None
    with pytest.raises(MissingKeyError):
        empty.encryptor(message.header)
    with pytest.raises(MissingKeyError):
        empty.sign(message)


def test_unprotected_messages_have_nothing_to_check(hub: GbcsSecurity) -> None:
    message = GbcsMessage(_message(Cra.COMMAND, SUPPLIER, ESME).header, b"", mac_header=False)
    assert hub.verify_mac(message).valid is None
    assert hub.verify_signature(message).valid is None


def test_signatures(hub: GbcsSecurity, esme: GbcsSecurity) -> None:
    signed = hub.sign(_message(Cra.COMMAND, SUPPLIER, ESME))
    result = esme.verify_signature(signed)
    assert result.valid is True and result.detail and result.detail.startswith(SUPPLIER.hex)
    # The ESME's signature on a message that claims to come from the Supplier.
    forged = signed.with_signature(esme.sign(signed, signer=ESME).signature)
    result = esme.verify_signature(forged)
    assert result.valid is False and result.detail and "does not verify" in result.detail


def test_payload_encryption_between_device_and_recipient(
    hub: GbcsSecurity, esme: GbcsSecurity
) -> None:
    header = _message(Cra.RESPONSE, ESME, SUPPLIER).header
    block = esme.encryptor(header)(b"register values", 3)
    assert hub.decryptor(header)(block) == b"register values"
    other_header = _message(Cra.RESPONSE, ESME, OTHER_SUPPLIER).header
    assert hub.decryptor(other_header)(block) is None


def test_payload_for_a_supplementary_remote_party(hub: GbcsSecurity, esme: GbcsSecurity) -> None:
    """A Response relayed to the ACB for an unknown remote party is encrypted for that
    party, with the supplementary originator counter in the KDF."""
    header = _message(
        Cra.RESPONSE,
        ESME,
        ACB,
        supplementary_remote_party=OTHER_SUPPLIER,
        supplementary_remote_party_counter=1100,
        supplementary_originator_counter=2000,
    ).header
    assert GbcsSecurity.payload_parties(header) == (OTHER_SUPPLIER, 2000)
    block = esme.encryptor(header)(b"daily reads")
    other_only = GbcsSecurity(keystore_for(OTHER_SUPPLIER))
    assert other_only.decryptor(header)(block) == b"daily reads"
    acb_only = GbcsSecurity(keystore_for(ACB))
    assert acb_only.decryptor(header)(block) is None  # not for the ACB that relays it


def test_prepayment_keys_never_protect_messages(esme: GbcsSecurity) -> None:
    """A Supplier's '-pp-' KA key (its prepayment top-up key) is ignored by the rules."""
    store = Keystore()
    pp = CREDENTIALS[(SUPPLIER, "ka")]
    store.add_certificate(pp.certificate, pp.key, name=f"{SUPPLIER.hex}-pp-ka")
    device = CREDENTIALS[(ESME, "ka")]
    store.add_certificate(device.certificate, name=f"{ESME.hex}-ka")
    result = GbcsSecurity(store).verify_mac(esme.seal(_message(Cra.RESPONSE, ESME, SUPPLIER)))
    assert result.valid is None


def test_keystore_changes_are_noticed(esme: GbcsSecurity) -> None:
    store = Keystore()
    security = GbcsSecurity(store)
    sealed = esme.seal(_message(Cra.RESPONSE, ESME, SUPPLIER))
    assert security.verify_mac(sealed).valid is None
    for (eui, usage), credential in CREDENTIALS.items():
        if usage == "ka" and eui in (SUPPLIER, ESME):
            store.add_certificate(
                credential.certificate, credential.key if eui == SUPPLIER else None
            )
    assert security.verify_mac(sealed).valid is True


def test_payload_for_an_unknown_remote_party_uses_the_commands_certificate(
    esme: GbcsSecurity,
) -> None:
    """The ESME has never seen the third party's certificate; the ACB's Command carries it
    in other-information, and the Response payload is encrypted for it."""
    store = Keystore()
    mine = CREDENTIALS[(ESME, "ka")]
    store.add_certificate(mine.certificate, mine.key)
    device = GbcsSecurity(store)
    stranger = CREDENTIALS[(OTHER_SUPPLIER, "ka")].certificate.public_bytes(Encoding.DER)
    header = _message(
        Cra.RESPONSE,
        ESME,
        ACB,
        supplementary_remote_party=OTHER_SUPPLIER,
        supplementary_remote_party_counter=1100,
    ).header
    with pytest.raises(MissingKeyError):
        device.encryptor(header)
    block = device.encryptor(header, party_certificate=stranger)(b"daily reads", 1)
    assert GbcsSecurity(keystore_for(OTHER_SUPPLIER)).decryptor(header)(block) == b"daily reads"
    assert device.decryptor(header, stranger)(block) == b"daily reads"
    with pytest.raises(GbcsEncodeError):
        device.encryptor(header, party_certificate=b"\x30\x00")


def test_a_pair_whose_both_private_keys_are_held_costs_one_ecdh(esme: GbcsSecurity) -> None:
    """The hub and its simulated Devices share one ``GbcsSecurity``: it holds both private
    keys of a (DCC, Device) pair. ECDH gives both directions one Z, so a new pair costs one
    key agreement, not two; the MAC still checks from either side."""
    both = GbcsSecurity(keystore_for(ACB, ESME))
    command = both.seal(_message(Cra.COMMAND, SUPPLIER, ESME))
    assert len(both._shared) == 1  # ACB x ESME, once
    assert both.verify_mac(command).valid is True
    assert esme.verify_mac(command).valid is True  # the ESME alone, with its own key
    assert len(both._secrets(ACB, ESME)) == 1
    # Only one side's private key: the one Z it can make.
    hub_only = GbcsSecurity(keystore_for(ACB))
    assert len(hub_only._secrets(ACB, ESME)) == 1
    assert len(hub_only._secrets(ESME, ACB)) == 1
