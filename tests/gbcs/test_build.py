"""The building API the hub and the simulated Devices use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from opendcc.gbcs import build
from opendcc.gbcs.codec import decode
from opendcc.gbcs.context import Cra, GbcsEncodeError
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity, MissingKeyError
from tests.gbcs.conftest import ACB, CREDENTIALS, ESME, OTHER_SUPPLIER, SUPPLIER

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
READ = bytes.fromhex("D9200003E800010300")


def test_non_critical_command(hub: GbcsSecurity, esme: GbcsSecurity) -> None:
    message = build.command(
        READ, originator=SUPPLIER, recipient=ESME, counter=1000, message_code=0x0027, security=hub
    )
    data = message.encode()
    assert data[0] == 0xDD and message.signature is None
    decoded = decode(data, esme)
    assert decoded.mac.valid is True
    assert decoded.use_case == "ECS17b"
    assert (decoded.message.originator, decoded.message.counter) == (SUPPLIER, 1000)


def test_critical_command_from_pre_command_and_user_signature(
    hub: GbcsSecurity, esme: GbcsSecurity
) -> None:
    pre = build.pre_command(
        READ, originator=SUPPLIER, recipient=ESME, counter=7, message_code=0x004F
    )
    pre_bytes = pre.encode()
    assert pre_bytes[0] == 0xDF and pre.signature_length_omitted
    user_key = CREDENTIALS[(SUPPLIER, "ds")]
    signature = build.sign_pre_command(pre_bytes, user_key.key)
    assert build.verify_pre_command_signature(pre_bytes, signature, user_key.certificate)
    assert build.verify_pre_command_signature(pre, signature, user_key.key.public_key())
    other = CREDENTIALS[(OTHER_SUPPLIER, "ds")].certificate
    assert not build.verify_pre_command_signature(pre_bytes, signature, other)
    assert not build.verify_pre_command_signature(b"\xdf\x09", signature, other)
    critical = build.critical_command(pre_bytes, signature, hub)
    data = critical.encode()
    assert pre_bytes in data, "the Pre-Command travels verbatim"
    decoded = decode(data, esme)
    assert decoded.mac.valid is True and decoded.signature.valid is True
    with pytest.raises(GbcsEncodeError):
        build.critical_command(pre_bytes, signature[:10], hub)


def test_duis_pre_command_form_signs_the_same(hub: GbcsSecurity) -> None:
    kwargs = {"originator": SUPPLIER, "recipient": ESME, "counter": 7, "message_code": 0x004F}
    rtds = build.pre_command(READ, **kwargs)  # type: ignore[arg-type]
    duis = build.pre_command(READ, signature_length_byte=True, **kwargs)  # type: ignore[arg-type]
    assert duis.encode() == rtds.encode() + b"\x00"
    key = CREDENTIALS[(SUPPLIER, "ds")].key
    signature = build.sign_pre_command(duis.encode(), key)
    assert build.verify_pre_command_signature(rtds, signature, key.public_key())
    assert build.critical_command(duis, signature, hub) == build.critical_command(
        rtds, signature, hub
    )


def test_responses_mirror_their_command(hub: GbcsSecurity, esme: GbcsSecurity) -> None:
    command = build.command(
        READ, originator=SUPPLIER, recipient=ESME, counter=1000, message_code=0x0027, security=hub
    )
    answer = build.response_to(command, b"\xda\x20\x00", security=esme, date_time=NOW)
    assert (answer.originator, answer.recipient, answer.counter) == (ESME, SUPPLIER, 1000)
    assert answer.header.date_time == DlmsDateTime.from_datetime(NOW)
    assert answer.mac_header and answer.signature is None
    assert decode(answer.encode(), hub).mac.valid is True


def test_response_to_a_critical_command_is_signed_not_maced(
    hub: GbcsSecurity, esme: GbcsSecurity
) -> None:
    pre = build.pre_command(READ, originator=SUPPLIER, recipient=ESME, counter=9, message_code=0x4F)
    signature = build.sign_pre_command(pre, CREDENTIALS[(SUPPLIER, "ds")].key)
    command = build.critical_command(pre, signature, hub)
    answer = build.response_to(command, b"\xda\x20\x00", security=esme, date_time=NOW)
    assert not answer.mac_header and answer.signature is not None
    decoded = decode(answer.encode(), hub)
    assert decoded.signature.valid is True and decoded.mac.valid is None


def test_alerts(hub: GbcsSecurity, esme: GbcsSecurity) -> None:
    common = {"originator": ESME, "recipient": SUPPLIER, "counter": 3, "security": esme}
    critical = build.alert(b"\x0f\x00", message_code=0x0061, date_time=NOW, **common)  # type: ignore[arg-type]
    assert critical.cra is Cra.ALERT and critical.signature and not critical.mac_header
    routine = build.alert(b"\x0f\x00", message_code=0x1001, **common)  # type: ignore[arg-type]
    assert routine.mac_header and routine.signature is None
    assert decode(critical.encode(), hub).signature.valid is True
    assert decode(routine.encode(), hub).mac.valid is True


def test_building_without_keys_says_which(hub: GbcsSecurity) -> None:
    with pytest.raises(MissingKeyError, match="digital signing"):
        build.alert(
            b"\x0f", originator=ESME, recipient=SUPPLIER, counter=1, message_code=0x61, security=hub
        )
    with pytest.raises(GbcsEncodeError):
        build.command(
            READ, originator=SUPPLIER, recipient=ESME, counter=-1, message_code=0x27, security=hub
        )


def test_acb_commands_for_an_unknown_remote_party(hub: GbcsSecurity, esme: GbcsSecurity) -> None:
    certificate = CREDENTIALS[(OTHER_SUPPLIER, "ka")].certificate.public_bytes(Encoding.DER)
    command = build.command(
        READ,
        originator=ACB,
        recipient=ESME,
        counter=1301,
        message_code=0x00A0,
        security=hub,
        supplementary_remote_party=OTHER_SUPPLIER,
        supplementary_remote_party_counter=1003,
        supplementary_remote_party_ka_certificate=certificate,
    )
    parsed = decode_message(command.encode())
    assert parsed.header.other_information.supplementary_remote_party_ka_certificate == certificate
    answer = build.response_to(
        parsed, b"\x01\x09", security=esme, date_time=NOW, supplementary_originator_counter=2000
    )
    assert answer.header.other_information.supplementary_remote_party == OTHER_SUPPLIER
    assert decode(answer.encode(), hub).mac.valid is True
