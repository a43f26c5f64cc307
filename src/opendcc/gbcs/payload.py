"""Payload dispatch: which codec reads a GBCS message's content, chosen by its first byte.

- 0xD9 (access-request), 0xDA (access-response), 0x0F (data-notification) and the other
  xDLMS APDU tags: DLMS COSEM, ``opendcc.gbcs.dlms``;
- 0x01, the first byte of the ZigBee profile ID 0x0109: GBZ, ``opendcc.gbcs.gbz``;
- anything else (0x30 DER SEQUENCEs, the small DER values of some Responses):
  ASN.1 DER, ``opendcc.gbcs.der``.

Each codec package exposes ``decode(content, context) -> payload`` raising only
``GbcsDecodeError``, ``encode(payload) -> bytes`` (its exact inverse), and a payload type
with ``to_json()`` (with ``"format"`` and a read-only ``"values"`` view) and the classmethod
``from_json(obj)``. The type is found as the package's ``Payload`` attribute, else
``DlmsPayload``/``GbzPayload``/``DerPayload``, else the package may offer a module-level
``from_json``.

When a codec package is absent, or cannot read a payload, the payload is kept as a
``RawPayload`` with the reason, so the frame (and its MAC and signature checks) still
decode and re-encode exactly.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final, Protocol, runtime_checkable

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.crypto import BLOCK_OVERHEAD, PAYLOAD_SECURITY_CONTROL

DLMS_TAGS: Final = frozenset(
    {
        0x0F,  # data-notification (Alerts)
        0xC0,  # get-request
        0xC1,  # set-request
        0xC3,  # action-request
        0xC4,  # get-response
        0xC5,  # set-response
        0xC7,  # action-response
        0xD9,  # access-request (Commands)
        0xDA,  # access-response (Responses)
    }
)
GBZ_FIRST_BYTE: Final = 0x01
FORMATS: Final = ("dlms", "gbz", "der")
_CLASS_NAMES: Final = {"dlms": "DlmsPayload", "gbz": "GbzPayload", "der": "DerPayload"}


@runtime_checkable
class Payload(Protocol):
    """What every payload value offers."""

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RawPayload:
    """Payload bytes no codec read (absent codec, or the reason it failed)."""

    content: bytes
    family: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": "raw", "hex": self.content.hex().upper()}
        if self.family is not None:
            out["family"] = self.family
        if self.reason is not None:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> RawPayload:
        text = obj.get("hex")
        if not isinstance(text, str):
            raise GbcsEncodeError('a raw payload needs "hex"')
        try:
            content = bytes.fromhex(text)
        except ValueError as exc:
            raise GbcsEncodeError(f"raw payload hex: {exc}") from exc
        family = obj.get("family")
        return cls(content, family if isinstance(family, str) else None)


def payload_family(content: bytes) -> str:
    """``dlms``, ``gbz`` or ``der``: which codec the content's first byte calls for."""
    if not content:
        return "der"
    first = content[0]
    if first in DLMS_TAGS:
        return "dlms"
    if first == GBZ_FIRST_BYTE:
        return "gbz"
    return "der"


def codec_module(family: str) -> ModuleType | None:
    """The codec package for ``family``, or None while it is not installed (one already
    imported is taken from ``sys.modules`` at once: every frame decoded asks for its codec)."""
    name = f"opendcc.gbcs.{family}"
    module = sys.modules.get(name)
    if module is not None:
        return module
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None
        raise


def decode_payload(content: bytes, context: PayloadContext) -> Payload:
    """The payload read by its codec, or a ``RawPayload`` saying why not. Never raises."""
    family = payload_family(content)
    try:
        module = codec_module(family)
    except Exception as exc:  # a broken codec must not break frame decoding
        return RawPayload(content, family, f"codec {family} failed to load: {exc}")
    if module is None:
        return RawPayload(content, family, f"no {family} codec installed")
    try:
        decoded = module.decode(content, context)
    except GbcsDecodeError as exc:
        return RawPayload(content, family, f"{family} codec: {exc}")
    except Exception as exc:  # a codec bug must not crash the decoder; report it instead
        return RawPayload(content, family, f"{family} codec error: {type(exc).__name__}: {exc}")
    # ``callable(getattr(...))`` rather than ``isinstance(decoded, Payload)``: the same
    # check, without a runtime Protocol's slow attribute walk on every frame.
    if not callable(getattr(decoded, "to_json", None)):
        return RawPayload(content, family, f"{family} codec returned no payload object")
    return decoded  # type: ignore[no-any-return]


def encode_payload(payload: Payload) -> bytes:
    """The bytes of a payload value (the codec's ``encode``); raises GbcsEncodeError."""
    if isinstance(payload, RawPayload):
        return payload.content
    family = _family_of(payload)
    module = _loaded_codec(family) if family else None
    if module is None:
        raise GbcsEncodeError(f"no codec to encode a {type(payload).__name__}")
    try:
        content = module.encode(payload)
    except GbcsEncodeError:
        raise
    except Exception as exc:  # report a codec failure as the encode error it is
        raise GbcsEncodeError(f"{family} codec: {type(exc).__name__}: {exc}") from exc
    if not isinstance(content, bytes | bytearray):
        raise GbcsEncodeError(f"{family} codec returned {type(content).__name__}, not bytes")
    return bytes(content)


def payload_from_json(obj: Any) -> Payload:
    """A payload value from its JSON form (``{"format": "raw", "hex": ...}`` or a codec's)."""
    if not isinstance(obj, dict):
        raise GbcsEncodeError("payload must be a JSON object")
    form = obj.get("format")
    if form == "raw":
        return RawPayload.from_json(obj)
    if form not in FORMATS:
        raise GbcsEncodeError(f'unknown payload format {form!r} (dlms, gbz, der or "raw")')
    module = _loaded_codec(str(form))
    if module is None:
        raise GbcsEncodeError(f"no {form} codec installed to read this payload")
    reader = _from_json_of(module, str(form))
    if reader is None:
        raise GbcsEncodeError(f"the {form} codec offers no from_json")
    try:
        value = reader(obj)
    except GbcsEncodeError:
        raise
    except Exception as exc:  # a malformed payload object is an encode error, not a crash
        raise GbcsEncodeError(f"{form} payload: {type(exc).__name__}: {exc}") from exc
    if not isinstance(value, Payload):
        raise GbcsEncodeError(f"the {form} codec's from_json returned no payload object")
    return value


def _loaded_codec(family: str) -> ModuleType | None:
    try:
        return codec_module(family)
    except Exception as exc:  # a broken codec is an encode error here, not a crash
        raise GbcsEncodeError(f"codec {family} failed to load: {exc}") from exc


def _family_of(payload: Payload) -> str | None:
    module = type(payload).__module__
    for family in FORMATS:
        if module == f"opendcc.gbcs.{family}" or module.startswith(f"opendcc.gbcs.{family}."):
            return family
    try:
        form = payload.to_json().get("format")
    except Exception:  # to_json is only a hint here
        return None
    return form if form in FORMATS else None


def _from_json_of(module: ModuleType, family: str) -> Any:
    for name in ("Payload", _CLASS_NAMES[family]):
        cls = getattr(module, name, None)
        if cls is not None and callable(getattr(cls, "from_json", None)):
            return cls.from_json
    reader = getattr(module, "from_json", None)
    return reader if callable(reader) else None


def find_encrypted_blocks(
    content: bytes, decrypt: Callable[[bytes], bytes | None]
) -> list[tuple[int, bytes, bytes]]:
    """(offset, block, plaintext) of every encrypted block in payload bytes no codec read.

    The fallback for a ``RawPayload``: GBCS encrypted blocks (security control 0x31, a
    4-byte invocation counter, ciphertext, 12-byte tag) sit inside DLMS octet-strings and
    GBZ components behind a one- or two-byte length. Each candidate is checked by
    decryption, whose 96-bit tag rules out false finds.
    """
    found: list[tuple[int, bytes, bytes]] = []
    start = 1
    while True:
        pos = content.find(bytes((PAYLOAD_SECURITY_CONTROL,)), start)
        if pos < 0:
            return found
        start = pos + 1
        lengths = {content[pos - 1]}
        if pos >= 2:
            lengths.add((content[pos - 2] << 8) | content[pos - 1])
        for length in sorted(lengths):
            if length < BLOCK_OVERHEAD or pos + length > len(content):
                continue
            block = content[pos : pos + length]
            plaintext = decrypt(block)
            if plaintext is not None:
                found.append((pos, block, plaintext))
                start = pos + length
                break
