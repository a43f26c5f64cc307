"""``DlmsPayload``: a decoded GBCS DLMS payload, and the ``decode``/``encode`` entry points.

The frame layer calls ``decode(content, context)`` with the bytes after the grouping
header and ``encode(payload)`` to write them back; ``encode(decode(x)) == x`` for every
payload this module accepts. Named values (``payload.values``) are computed on demand from
the use case tables, so decoding stays lean on the hub's hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    AccessResponse,
    Action,
    ActionResponse,
    Apdu,
    DataNotification,
)
from opendcc.gbcs.dlms.apdu_codec import decode_apdu, encode_apdu
from opendcc.gbcs.dlms.data import Data, EncryptedOctetString
from opendcc.gbcs.dlms.jsonform import FORMAT, apdu_from_json, apdu_to_json
from opendcc.gbcs.dlms.naming import name_values
from opendcc.gbcs.dlms.protection import ciphered_blocks, mark_ciphered
from opendcc.gbcs.dlms.values import Record


@dataclass(frozen=True, slots=True)
class DlmsPayload:
    """One DLMS payload: the APDU, and the use case it belongs to (for naming values)."""

    apdu: Apdu
    use_case: str | None = None
    message_code: int | None = None

    @property
    def values(self) -> Record:
        """The payload's content as named, typed values (see ``opendcc.gbcs.dlms.naming``)."""
        return name_values(self.apdu, self.use_case)

    def values_for(self, request: AccessRequest) -> Record:
        """A Response's values named by the Command it answers (optional items included)."""
        return name_values(self.apdu, self.use_case, request)

    @property
    def ciphered(self) -> list[EncryptedOctetString]:
        """The ciphered blocks in the payload, in order (with plaintext when decrypted)."""
        return [block for data in _data_of(self.apdu) for block in ciphered_blocks(data)]

    def to_json(self) -> dict[str, Any]:
        """JSON-safe: ``format``, ``use_case``, ``message_code``, ``apdu`` and ``values``."""
        return {
            "format": FORMAT,
            "use_case": self.use_case,
            "message_code": self.message_code,
            "apdu": apdu_to_json(self.apdu),
            "values": self.values.to_json(),
        }

    @classmethod
    def from_json(cls, obj: object) -> DlmsPayload:
        """Rebuild a payload from ``to_json`` output (its ``values`` are ignored).

        Raises ``GbcsDecodeError`` when ``obj`` is not such a document.
        """
        if not isinstance(obj, dict):
            raise GbcsDecodeError("$: expected an object")
        if obj.get("format") != FORMAT:
            raise GbcsDecodeError(f"$.format: expected {FORMAT!r}")
        use_case = obj.get("use_case")
        message_code = obj.get("message_code")
        if use_case is not None and not isinstance(use_case, str):
            raise GbcsDecodeError("$.use_case: expected a string or null")
        if message_code is not None and type(message_code) is not int:
            raise GbcsDecodeError("$.message_code: expected an integer or null")
        if "apdu" not in obj:
            raise GbcsDecodeError("$.apdu: missing")
        try:
            apdu = apdu_from_json(obj["apdu"], "$.apdu")
        except GbcsDecodeError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            raise GbcsDecodeError(f"$.apdu: {exc}") from exc
        return cls(apdu, use_case, message_code)


def _data_of(apdu: Apdu) -> list[Data]:
    if isinstance(apdu, AccessRequest):
        found: list[Data] = []
        for request in apdu.requests:
            found.append(request.data)
            if not isinstance(request, Action) and request.access is not None:
                found.append(request.access.parameters)
        return found
    if isinstance(apdu, AccessResponse):
        return [response.data for response in apdu.responses]
    return [apdu.body]


def decode(content: bytes, context: PayloadContext) -> DlmsPayload:
    """The DLMS payload ``content`` of a GBCS message; raises only ``GbcsDecodeError``."""
    try:
        apdu = decode_apdu(bytes(content))
        apdu = _with_ciphered_blocks(apdu, context)
    except GbcsDecodeError:
        raise
    except ValueError as exc:  # a value the model refuses (cannot happen for decoded input)
        raise GbcsDecodeError(f"invalid DLMS payload: {exc}") from exc
    return DlmsPayload(apdu, context.use_case, context.message_code)


def _with_ciphered_blocks(apdu: Apdu, context: PayloadContext) -> Apdu:
    """Marks the ciphered blocks: protected reads answer with an action result, and the
    protected alerts carry one in their body; Commands and get/set results never do."""
    decrypt = context.decrypt
    if isinstance(apdu, AccessResponse):
        if not any(isinstance(r, ActionResponse) for r in apdu.responses):
            return apdu
        responses = tuple(
            r
            if not isinstance(r, ActionResponse) or (d := mark_ciphered(r.data, decrypt)) is r.data
            else replace(r, data=d)
            for r in apdu.responses
        )
        return replace(apdu, responses=responses)
    if isinstance(apdu, DataNotification):
        body = mark_ciphered(apdu.body, decrypt)
        return apdu if body is apdu.body else replace(apdu, body=body)
    return apdu


def encode(payload: DlmsPayload) -> bytes:
    """The bytes of ``payload``; raises ``GbcsEncodeError`` for values GBCS cannot carry."""
    if not isinstance(payload, DlmsPayload):
        raise GbcsEncodeError(f"not a DLMS payload: {type(payload).__name__}")
    return encode_apdu(payload.apdu)
