"""``build.command(..., signed=)``: Commands a DCC party originates, signed when GBCS says so."""

from __future__ import annotations

import pytest

from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.codec import decode
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.keystore import Keystore
from tests.reference import require_reference

ACB = Eui64.parse("90-B3-D5-1F-30-00-00-02")
COS = Eui64.parse("90-B3-D5-1F-30-00-00-04")
SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
PPMID = Eui64.parse("00-DB-12-34-56-78-90-A4")
ESME = Eui64.parse("00-DB-12-34-56-78-90-A0")


@pytest.fixture(scope="module")
def security() -> GbcsSecurity:
    return GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))


@pytest.mark.conformance
def test_signed_on_behalf_of_a_user(security: GbcsSecurity) -> None:
    message = build.command(
        b"\x30\x03\x02\x01\x00",
        originator=ACB,
        recipient=PPMID,
        counter=1300,
        message_code=0x00AB,
        security=security,
        signed=True,
        supplementary_remote_party=SUPPLIER,
        supplementary_remote_party_counter=1000,
    )
    decoded = decode(message.encode(), security)
    assert decoded.mac.valid is True and decoded.signature.valid is True
    other = decoded.message.header.other_information
    assert other.supplementary_remote_party == SUPPLIER
    assert other.supplementary_remote_party_counter == 1000
    # Tampering with the signed part breaks both checks.
    data = bytearray(message.encode())
    data[-80] ^= 1
    damaged = decode(bytes(data), security)
    assert damaged.mac.valid is False


@pytest.mark.conformance
def test_unsigned_is_a_macd_command_and_the_cos_party_signs_its_own(
    security: GbcsSecurity,
) -> None:
    unsigned = build.command(
        b"\x05\x00",
        originator=ACB,
        recipient=ESME,
        counter=7,
        message_code=0x0104,
        security=security,
        signed=False,
    )
    assert decode_message(unsigned.encode()).signature is None
    assert decode(unsigned.encode(), security).mac.valid is True
    cos = build.command(
        b"\x05\x00",
        originator=COS,
        recipient=ESME,
        counter=8,
        message_code=0x0107,
        security=security,
        signed=True,
    )
    decoded = decode(cos.encode(), security)
    assert decoded.signature.valid is True and decoded.mac.valid is True
    assert "90b3d51f30000004" in (decoded.signature.detail or "")
