"""``registry.build_command``: the one place a transform's ``CommandSpec`` becomes the
Pre-Command or Command the hub sends and ``opendcc transform`` prints."""

from __future__ import annotations

import pytest

from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.keystore import Keystore
from opendcc.transform.registry import (
    CommandSpec,
    DccOrigination,
    build_command,
    is_pre_command,
)
from tests.reference import require_reference

ACB = Eui64.parse("90-B3-D5-1F-30-00-00-02")
COS = Eui64.parse("90-B3-D5-1F-30-00-00-04")
SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
ESME = Eui64.parse("00-DB-12-34-56-78-90-A0")
PAYLOAD = b"\x05\x00"


@pytest.fixture(scope="module")
def security() -> GbcsSecurity:
    return GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))


def _spec(origin: DccOrigination | None = None) -> CommandSpec:
    return CommandSpec("ECS01", 0x0001, ESME, PAYLOAD, dcc_origination=origin)


def test_a_critical_request_from_the_user_gives_an_unprotected_pre_command() -> None:
    built = build_command(
        _spec(), originator=SUPPLIER, counter=42, critical_variant=True, security=None
    )
    assert built.pre_command and (built.originator, built.counter) == (SUPPLIER, 42)
    message = decode_message(built.message)
    assert message.originator == SUPPLIER and message.recipient == ESME
    assert message.counter == 42 and message.payload == PAYLOAD
    assert message.signature is None


def test_a_non_critical_command_needs_the_acb_keys() -> None:
    assert not is_pre_command(_spec(), critical_variant=False)
    with pytest.raises(GbcsEncodeError):
        build_command(
            _spec(), originator=SUPPLIER, counter=42, critical_variant=False, security=None
        )


@pytest.mark.conformance
def test_a_dcc_party_originates_with_its_own_counter_and_signs(security: GbcsSecurity) -> None:
    spec = _spec(DccOrigination(COS, 9000, signed=True))
    # Critical message type, but the DCC party signs it itself: never a Pre-Command.
    assert not is_pre_command(spec, critical_variant=True)
    built = build_command(
        spec, originator=SUPPLIER, counter=42, critical_variant=True, security=security
    )
    assert not built.pre_command and (built.originator, built.counter) == (COS, 9000)
    decoded = decode(built.message, security)
    assert decoded.message.originator == COS and decoded.message.counter == 9000
    assert decoded.mac.valid is True and decoded.signature.valid is True


@pytest.mark.conformance
def test_a_users_non_critical_command_is_maced_only(security: GbcsSecurity) -> None:
    built = build_command(
        _spec(), originator=SUPPLIER, counter=43, critical_variant=False, security=security
    )
    decoded = decode(built.message, security)
    assert decoded.message.originator == SUPPLIER and decoded.mac.valid is True
    assert decoded.message.signature is None
