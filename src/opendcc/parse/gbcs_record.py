"""A GBCS message as a ``GbcsRecord``: frame facts, MAC and signature checks, named values.

``opendcc.gbcs.codec.decode`` reads the frame, checks the MAC and signature with the keys a
``GbcsSecurity`` holds, and opens encrypted payload blocks (GBCS 5.2: a Device encrypts
personal data for the User with the key agreed between its own Key Agreement key and the
User's, so the User's KA private key opens them). A missing key leaves a check at None with
the reason; it never fails the parse. The payload's named values are then put in user units
(``opendcc.parse.values``).
"""

from __future__ import annotations

from typing import Any

from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.gbcs.der import DerPayload
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.gbz import GbzPayload
from opendcc.gbcs.payload import Payload, RawPayload, payload_family
from opendcc.gbcs.security import GbcsSecurity

from .records import Check, GbcsRecord
from .units import alert_name
from .values import Extracted, extract


def gbcs_record(data: bytes, security: GbcsSecurity | None) -> GbcsRecord:
    """Decode ``data``; raises ``GbcsDecodeError`` only when it is not a GBCS frame."""
    return record_of(decode(data, security))


def record_of(decoded: DecodedMessage) -> GbcsRecord:
    message = decoded.message
    header = message.header
    code = decoded.message_code
    try:
        payload_format, view, problem = values_view(decoded.payload)
        extracted = extract(payload_format, view)
    except (ArithmeticError, ValueError, RecursionError) as exc:
        # Values a hostile payload makes unnameable: the frame and checks still stand.
        extracted, view, payload_format = Extracted(), None, payload_family(decoded.message.payload)
        problem = f"the payload's values cannot be named: {type(exc).__name__}: {exc}"
    alert = extracted.alert_code
    return GbcsRecord(
        cra=header.cra.label,
        message_code=header.message_code,
        use_case=code.use_case if code else None,
        use_case_title=code.title if code else None,
        originator=str(header.originator),
        recipient=str(header.recipient),
        counter=header.originator_counter,
        date_time=_date_time(decoded),
        mac=Check(message.mac is not None, decoded.mac.valid, decoded.mac.detail),
        signature=Check(
            message.signature is not None, decoded.signature.valid, decoded.signature.detail
        ),
        payload_format=payload_format,
        encrypted_blocks=len(decoded.decrypted),
        decrypted_blocks=sum(1 for d in decoded.decrypted if d.plaintext is not None),
        values=tuple(extracted.values),
        rows=tuple(extracted.rows),
        errors=tuple(extracted.errors),
        alert_code=alert,
        alert_name=alert_name(alert),
        problem=str(problem) if problem else None,
        codec_values=view,
    )


def _date_time(decoded: DecodedMessage) -> str | None:
    value = decoded.message.header.date_time
    if value is None:
        return None
    text = value.iso()
    # GBCS date-times are UTC (GBCS 4.3.1.5; the deviation field is left unspecified).
    return f"{text}Z" if text else bytes(value).hex().upper()


def values_view(payload: Payload) -> tuple[str, Any, str | None]:
    """(format, the codec's named values as JSON, why the payload was not read).

    The codecs' own value views are asked for directly: the whole payload JSON (the APDU or
    frame structure besides the values) costs twice as much and is not needed here.
    """
    if isinstance(payload, RawPayload):
        return "raw", None, payload.reason or "no codec read the payload"
    if isinstance(payload, DlmsPayload):
        return "dlms", payload.values.to_json(), None
    if isinstance(payload, GbzPayload):
        return "gbz", payload.values(), None
    if isinstance(payload, DerPayload):
        return "der", payload.named_values(), None
    whole = payload.to_json()
    return str(whole.get("format", "raw")), whole.get("values"), None
