"""Whole GBCS messages: bytes to a checked, decoded value and JSON, and JSON back to bytes.

``decode`` reads the frame, names the message code, checks the MAC and signature with the
keys a ``GbcsSecurity`` holds (a missing key gives ``valid=None`` with the reason, never an
exception), and hands the payload to its codec with a ``PayloadContext`` whose ``decrypt``
opens encrypted payload blocks. ``DecodedMessage.to_json`` is the JSON the CLI prints;
``message_from_json`` and ``encode_json`` read that JSON back (docs/gbcs.md describes it).

In the JSON the MAC and signature are carried as given (hex). ``encode_json`` writes them
as given by default, or recomputes the MAC (and re-signs) with a keystore: see its
arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opendcc.eui import Eui64
from opendcc.gbcs import message_codes
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.frame import (
    GbcsMessage,
    GroupingHeader,
    OtherInformation,
    decode_message_with_body,
    encode_message,
)
from opendcc.gbcs.message_codes import MessageCode
from opendcc.gbcs.payload import (
    Payload,
    RawPayload,
    decode_payload,
    encode_payload,
    find_encrypted_blocks,
    payload_family,
    payload_from_json,
)
from opendcc.gbcs.security import GbcsSecurity, Verification


@dataclass(frozen=True, slots=True)
class DecryptedBlock:
    """An encrypted payload block the payload codec asked to open, and what it held."""

    block: bytes
    plaintext: bytes | None


@dataclass(frozen=True, slots=True)
class DecodedMessage:
    """A decoded GBCS message with its checks."""

    message: GbcsMessage
    message_code: MessageCode | None
    payload: Payload
    mac: Verification
    signature: Verification
    decrypted: tuple[DecryptedBlock, ...] = field(default=())

    @property
    def use_case(self) -> str | None:
        return self.message_code.use_case if self.message_code else None

    def to_json(self) -> dict[str, Any]:
        """The JSON form (docs/gbcs.md, "Decode output")."""
        message, header = self.message, self.message.header
        other = header.other_information
        code = self.message_code
        certificate = other.supplementary_remote_party_ka_certificate
        return {
            "cra": header.cra.label,
            "message_code": header.message_code,
            "message_code_hex": f"{header.message_code:04X}",
            "use_case": code.use_case if code else None,
            "use_case_title": code.title if code else None,
            "use_case_variant": code.variant if code else None,
            "originator": str(header.originator),
            "recipient": str(header.recipient),
            "counter": header.originator_counter,
            "date_time": _date_time_json(header.date_time),
            "supplementary_remote_party": (
                str(other.supplementary_remote_party)
                if other.supplementary_remote_party is not None
                else None
            ),
            "supplementary_remote_party_counter": other.supplementary_remote_party_counter,
            "supplementary_originator_counter": other.supplementary_originator_counter,
            "supplementary_remote_party_ka_certificate": (
                certificate.hex().upper() if certificate is not None else None
            ),
            "mac_header": message.mac_header,
            "signature_length_omitted": message.signature_length_omitted,
            "payload": self.payload.to_json(),
            "signature": message.signature.hex().upper() if message.signature else None,
            "signature_valid": self.signature.valid,
            "signature_detail": self.signature.detail,
            "mac": message.mac.hex().upper() if message.mac else None,
            "mac_valid": self.mac.valid,
            "mac_detail": self.mac.detail,
            "decrypted": [
                {
                    "block": d.block.hex().upper(),
                    "plaintext": d.plaintext.hex().upper() if d.plaintext is not None else None,
                }
                for d in self.decrypted
            ],
        }


def decode(
    data: bytes,
    security: GbcsSecurity | None = None,
    *,
    decode_payload_content: bool = True,
) -> DecodedMessage:
    """Decode and check a GBCS message. Raises only ``GbcsDecodeError`` (bad frames).

    Without ``security`` nothing is checked (``valid`` is None throughout). With
    ``decode_payload_content=False`` the payload stays raw (the fast path for a hub that
    only routes and checks).
    """
    message, body = decode_message_with_body(data)
    header = message.header
    code = message_codes.lookup(header.message_code)
    if security is None:
        mac = Verification(None, "no keystore" if message.mac else "the message has no MAC")
        signature = Verification(
            None, "no keystore" if message.signature else "the message is not signed"
        )
    else:
        mac = security.verify_mac(message, body)
        signature = security.verify_signature(message, body)
    decrypted: list[DecryptedBlock] = []
    if not decode_payload_content:
        payload: Payload = RawPayload(message.payload, payload_family(message.payload))
    else:
        opener = security.decryptor(header) if security is not None else None

        def decrypt(block: bytes) -> bytes | None:
            plaintext = opener(block) if opener is not None else None
            decrypted.append(DecryptedBlock(bytes(block), plaintext))
            return plaintext

        context = PayloadContext(
            cra=header.cra,
            message_code=header.message_code,
            use_case=code.use_case if code else None,
            originator=header.originator,
            recipient=header.recipient,
            originator_counter=header.originator_counter,
            decrypt=decrypt,
        )
        payload = decode_payload(message.payload, context)
        if isinstance(payload, RawPayload) and opener is not None and not decrypted:
            # No codec read the payload: still open its encrypted blocks for the reader.
            for _, block, plaintext in find_encrypted_blocks(message.payload, opener):
                decrypted.append(DecryptedBlock(block, plaintext))
    return DecodedMessage(message, code, payload, mac, signature, tuple(decrypted))


# --- JSON to message --------------------------------------------------------------------


def message_from_json(obj: Any) -> GbcsMessage:
    """The message a decode JSON object describes (payload encoded by its codec).

    Raises ``GbcsEncodeError`` naming the field at fault.
    """
    if not isinstance(obj, dict):
        raise GbcsEncodeError("a GBCS message must be a JSON object")
    header = GroupingHeader(
        cra=_cra(obj.get("cra")),
        originator_counter=_int(obj, "counter"),
        originator=_eui(obj, "originator"),
        recipient=_eui(obj, "recipient"),
        other_information=OtherInformation(
            message_code=_int(obj, "message_code"),
            supplementary_remote_party=_eui(obj, "supplementary_remote_party", optional=True),
            supplementary_remote_party_counter=_int(
                obj, "supplementary_remote_party_counter", optional=True
            ),
            supplementary_originator_counter=_int(
                obj, "supplementary_originator_counter", optional=True
            ),
            supplementary_remote_party_ka_certificate=_hex(
                obj, "supplementary_remote_party_ka_certificate", optional=True
            ),
        ),
        date_time=_date_time(obj.get("date_time")),
    )
    if "payload" not in obj:
        raise GbcsEncodeError('missing "payload"')
    content = encode_payload(payload_from_json(obj["payload"]))
    mac = _hex(obj, "mac", optional=True)
    mac_header = obj.get("mac_header", mac is not None)
    omitted = obj.get("signature_length_omitted", False)
    if not isinstance(mac_header, bool) or not isinstance(omitted, bool):
        raise GbcsEncodeError('"mac_header" and "signature_length_omitted" must be true or false')
    return GbcsMessage(
        header=header,
        payload=content,
        signature=_hex(obj, "signature", optional=True),
        mac=mac,
        mac_header=mac_header,
        signature_length_omitted=omitted,
    )


def encode_json(
    obj: Any,
    security: GbcsSecurity | None = None,
    *,
    recompute_mac: bool = False,
    sign: bool = False,
) -> bytes:
    """The bytes of the message a decode JSON object describes.

    By default the MAC and signature are written as given. ``sign`` re-signs with the
    originator's DS private key; ``recompute_mac`` (implied by ``sign``, and by a MAC-header
    message whose ``"mac"`` is null) computes the MAC. Both need ``security``; a missing
    key raises ``MissingKeyError`` (a ``GbcsEncodeError``).
    """
    message = message_from_json(obj)
    if sign:
        if security is None:
            raise GbcsEncodeError("signing needs a keystore")
        message = security.sign(message)
    if message.mac_header and (recompute_mac or sign or message.mac is None):
        if security is None:
            raise GbcsEncodeError("the message needs its MAC: give one, or a keystore")
        message = security.seal(message)
    return encode_message(message)


def _cra(value: Any) -> Cra:
    if isinstance(value, str):
        for cra in Cra:
            if value.strip().lower() == cra.label:
                return cra
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return Cra(value)
        except ValueError:
            pass
    raise GbcsEncodeError(f'"cra" must be command, response or alert, got {value!r}')


def _int(obj: dict[str, Any], key: str, *, optional: bool = False) -> Any:
    value = obj.get(key)
    if value is None:
        if optional:
            return None
        raise GbcsEncodeError(f'missing "{key}"')
    if isinstance(value, bool):
        raise GbcsEncodeError(f'"{key}" must be an integer')
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            pass
    raise GbcsEncodeError(f'"{key}" must be an integer, got {value!r}')


def _eui(obj: dict[str, Any], key: str, *, optional: bool = False) -> Any:
    value = obj.get(key)
    if value is None:
        if optional:
            return None
        raise GbcsEncodeError(f'missing "{key}"')
    if not isinstance(value, str):
        raise GbcsEncodeError(f'"{key}" must be an EUI-64 string')
    try:
        return Eui64.parse(value.strip())
    except ValueError as exc:
        raise GbcsEncodeError(f'"{key}": {exc}') from exc


def _hex(obj: dict[str, Any], key: str, *, optional: bool = False) -> Any:
    value = obj.get(key)
    if value is None:
        if optional:
            return None
        raise GbcsEncodeError(f'missing "{key}"')
    if not isinstance(value, str):
        raise GbcsEncodeError(f'"{key}" must be a hex string')
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise GbcsEncodeError(f'"{key}": not hex: {exc}') from exc


def _date_time_json(value: DlmsDateTime | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"hex": bytes(value).hex().upper(), "iso": value.iso()}


def _date_time(value: Any) -> DlmsDateTime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"iso": value}
    if not isinstance(value, dict):
        raise GbcsEncodeError('"date_time" must be null, an ISO string or {"hex"/"iso"}')
    from_hex = from_iso = None
    if value.get("hex") is not None:
        try:
            from_hex = DlmsDateTime.from_bytes(bytes.fromhex(str(value["hex"])))
        except (ValueError, GbcsDecodeError) as exc:
            raise GbcsEncodeError(f'"date_time" hex: {exc}') from exc
    if value.get("iso") is not None:
        try:
            from_iso = DlmsDateTime.from_datetime(datetime.fromisoformat(str(value["iso"])))
        except ValueError as exc:
            raise GbcsEncodeError(f'"date_time" iso: {exc}') from exc
    if from_hex is not None:
        if from_iso is not None and from_hex.to_datetime() != from_iso.to_datetime():
            raise GbcsEncodeError('"date_time": "hex" and "iso" name different times')
        return from_hex
    if from_iso is not None:
        return from_iso
    raise GbcsEncodeError('"date_time" needs "hex" or "iso"')
