"""Every DLMS payload of the reference vectors: exact round trip, JSON, decryption, naming."""

from __future__ import annotations

import json

import pytest

from opendcc.gbcs.context import Cra, GbcsDecodeError
from opendcc.gbcs.dlms.payload import DlmsPayload, decode, encode
from opendcc.gbcs.dlms.values import Record
from tests.gbcs.dlms.support import Frame, decryptor_for, dlms_vector_params
from tests.reference import MISSING, check_present

pytestmark = pytest.mark.conformance

PARAMS = dlms_vector_params()


def _frame(frame: object) -> Frame:
    if frame is MISSING:
        check_present(MISSING)
    assert isinstance(frame, Frame)
    return frame


@pytest.mark.parametrize("frame", PARAMS)
def test_decode_then_encode_is_exact(frame: object) -> None:
    f = _frame(frame)
    plain = decode(f.content, f.context())
    assert encode(plain) == f.content
    decrypted = decode(f.content, f.context(decryptor_for(f)))
    assert encode(decrypted) == f.content


@pytest.mark.parametrize("frame", PARAMS)
def test_json_form_rebuilds_the_payload(frame: object) -> None:
    f = _frame(frame)
    payload = decode(f.content, f.context(decryptor_for(f)))
    document = json.loads(json.dumps(payload.to_json()))
    assert document["format"] == "dlms"
    rebuilt = DlmsPayload.from_json(document)
    assert rebuilt == payload
    assert encode(rebuilt) == f.content
    assert document["values"] == rebuilt.values.to_json()


@pytest.mark.parametrize("frame", PARAMS)
def test_every_ciphered_block_decrypts(frame: object) -> None:
    f = _frame(frame)
    payload = decode(f.content, f.context(decryptor_for(f)))
    for block in payload.ciphered:
        assert block.plaintext is not None, "the reference keystore decrypts every block"
    assert all(block.plaintext is None for block in decode(f.content, f.context()).ciphered)


@pytest.mark.parametrize("frame", PARAMS)
def test_truncations_raise_only_decode_errors(frame: object) -> None:
    f = _frame(frame)
    for cut in {1, 6, len(f.content) // 2, len(f.content) - 1}:
        try:
            payload = decode(f.content[:cut], f.context())
        except GbcsDecodeError:
            continue
        assert encode(payload) == f.content[:cut]


KNOWN_UNNAMED = {
    # The DBCH sub-GHz configuration's parameters after its four channel masks, and the
    # second member of the channel-changed alert: GBCS names not found (see docs).
    "DBCH03_6.30_SUCCESS_RESPONSE_GBCS.HEX",
    "DBCH04_6.28_NA_SUCCESS_ALERT_DBCH09_GBCS.HEX",
    "DBCH07_NA_8F26_ALERT_GBCS.HEX",
}


def _unnamed(value: object, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(value, Record):
        for key, item in value.fields:
            if key.startswith("item_"):
                found.append(path + key)
            found.extend(_unnamed(item, f"{path}{key}."))
    elif isinstance(value, tuple):
        for item in value[:3]:
            found.extend(_unnamed(item, f"{path}[]."))
    return found


@pytest.mark.parametrize("frame", PARAMS)
def test_responses_and_alerts_are_named(frame: object) -> None:
    f = _frame(frame)
    payload = decode(f.content, f.context(decryptor_for(f)))
    values = payload.values
    json.dumps(values.to_json())
    if f.cra is Cra.COMMAND or f.name in KNOWN_UNNAMED:
        return
    assert _unnamed(values) == []
    assert len(values) > 0
