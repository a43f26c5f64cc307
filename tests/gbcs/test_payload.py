"""Payload dispatch against the codec interface, and the raw fallback."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from typing import Any

import pytest

from opendcc.eui import Eui64
from opendcc.gbcs import crypto
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.payload import (
    RawPayload,
    decode_payload,
    encode_payload,
    find_encrypted_blocks,
    payload_family,
    payload_from_json,
)

CONTEXT = PayloadContext(
    Cra.RESPONSE, 0x0027, "ECS17b", Eui64(1), Eui64(2), 1000, decrypt=lambda block: None
)


@pytest.mark.parametrize(
    ("first", "family"),
    [
        ("D9", "dlms"),
        ("DA", "dlms"),
        ("0F", "dlms"),
        ("C4", "dlms"),
        ("0109", "gbz"),
        ("30", "der"),
        ("02", "der"),
        ("04", "der"),
        ("", "der"),
    ],
)
def test_family_by_first_byte(first: str, family: str) -> None:
    assert payload_family(bytes.fromhex(first)) == family


@dataclass(frozen=True)
class FakePayload:
    content: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "dlms",
            "values": {"length": len(self.content)},
            "hex": self.content.hex(),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> FakePayload:
        return cls(bytes.fromhex(obj["hex"]))


@pytest.fixture
def fake_dlms(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A stand-in DLMS codec with the agreed interface (decode, encode, Payload)."""
    module = types.ModuleType("opendcc.gbcs.dlms")
    seen: list[PayloadContext] = []

    def decode(content: bytes, context: PayloadContext) -> FakePayload:
        seen.append(context)
        if content.endswith(b"\xff"):
            raise GbcsDecodeError("bad DLMS")
        if content.endswith(b"\xee"):
            raise KeyError("codec bug")
        return FakePayload(content)

    def encode(payload: FakePayload) -> bytes:
        return payload.content

    module.decode = decode  # type: ignore[attr-defined]
    module.encode = encode  # type: ignore[attr-defined]
    module.Payload = FakePayload  # type: ignore[attr-defined]
    module.seen = seen  # type: ignore[attr-defined]
    FakePayload.__module__ = "opendcc.gbcs.dlms"
    monkeypatch.setitem(sys.modules, "opendcc.gbcs.dlms", module)
    return module


def test_dispatch_to_the_codec(fake_dlms: types.ModuleType) -> None:
    payload = decode_payload(b"\xda\x20\x01", CONTEXT)
    assert isinstance(payload, FakePayload)
    assert fake_dlms.seen == [CONTEXT]
    assert encode_payload(payload) == b"\xda\x20\x01"
    assert payload_from_json(payload.to_json()) == payload


def test_codec_failures_keep_the_payload_raw(fake_dlms: types.ModuleType) -> None:
    refused = decode_payload(b"\xda\xff", CONTEXT)
    assert isinstance(refused, RawPayload) and refused.reason and "bad DLMS" in refused.reason
    crashed = decode_payload(b"\xda\xee", CONTEXT)
    assert isinstance(crashed, RawPayload) and crashed.reason and "KeyError" in crashed.reason
    assert encode_payload(crashed) == b"\xda\xee"


def test_absent_codec_keeps_the_payload_raw(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opendcc.gbcs.gbz", None)
    payload = decode_payload(b"\x01\x09\x00", CONTEXT)
    assert isinstance(payload, RawPayload)
    assert payload.to_json() == {
        "format": "raw",
        "hex": "010900",
        "family": "gbz",
        "reason": "no gbz codec installed",
    }
    with pytest.raises(GbcsEncodeError, match="no gbz codec"):
        payload_from_json({"format": "gbz", "values": {}})


@pytest.mark.parametrize(
    "obj",
    [None, [], {"format": "raw"}, {"format": "raw", "hex": "zz"}, {"format": "xml"}],
)
def test_bad_payload_json(obj: object) -> None:
    with pytest.raises(GbcsEncodeError):
        payload_from_json(obj)


def test_raw_payload_json_round_trip() -> None:
    raw = RawPayload(b"\x30\x00", "der", "no der codec installed")
    assert payload_from_json(raw.to_json()) == RawPayload(b"\x30\x00", "der")


def test_encrypted_blocks_in_raw_payloads_are_found() -> None:
    key, originator = bytes(range(16)), Eui64(0xABCD)
    dlms_block = crypto.encrypt_block(key, originator, 0, b"\x02\x01\x06\x00\x00\x00\x0a")
    gbz_block = crypto.encrypt_block(key, originator, 0, bytes(300))
    content = (
        b"\xda\x20\x00\x09"
        + bytes((len(dlms_block),))
        + dlms_block
        + b"\x00\x01"
        + len(gbz_block).to_bytes(2, "big")
        + gbz_block
        + b"\x31\x00\x00\x00\x00\x00"  # looks like a block, is not
    )

    def decrypt(block: bytes) -> bytes | None:
        return crypto.decrypt_block(key, originator, block)

    found = find_encrypted_blocks(content, decrypt)
    assert [(block, plain) for _, block, plain in found] == [
        (dlms_block, b"\x02\x01\x06\x00\x00\x00\x0a"),
        (gbz_block, bytes(300)),
    ]


def test_a_codec_that_fails_to_import_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def broken(name: str, package: str | None = None) -> types.ModuleType:
        if name == "opendcc.gbcs.der":
            raise ModuleNotFoundError("No module named 'asn1_helper'", name="asn1_helper")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", broken)
    # As in a process that has not imported the codec yet (one imported is reused).
    monkeypatch.delitem(sys.modules, "opendcc.gbcs.der", raising=False)
    payload = decode_payload(b"\x30\x00", CONTEXT)
    assert isinstance(payload, RawPayload) and payload.reason and "failed to load" in payload.reason
    with pytest.raises(GbcsEncodeError, match="failed to load"):
        payload_from_json({"format": "der", "values": {}})
