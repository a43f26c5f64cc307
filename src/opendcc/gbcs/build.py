"""Building GBCS messages: what the hub and the simulated Devices send.

- The hub (as Access Control Broker) builds non-critical Commands (``command``), the
  Pre-Commands it returns to Users for critical Service Requests (``pre_command``), and the
  critical Command from a Pre-Command and the User's signature (``critical_command``),
  after checking that signature (``verify_pre_command_signature``).
- A simulated Device answers with ``response`` / ``response_to`` and raises ``alert``:
  MAC-protected with its own KA key and the recipient's KA certificate, or, where GBCS
  calls for it, signed with its DS key and sent without a MAC header (the Response to a
  critical Command, a critical Alert).
- A simulated User signs Pre-Commands with ``sign_pre_command``.

Every function is pure: keys come from the ``GbcsSecurity`` (over a keystore) or as
arguments, time comes in as a value. A missing key raises ``MissingKeyError``; an
out-of-range field raises ``GbcsEncodeError``. Each returns a ``GbcsMessage``; its
``encode()`` gives the bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.eui import Eui64
from opendcc.gbcs import crypto
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.frame import (
    SIGNATURE_LENGTH,
    GbcsMessage,
    GroupingHeader,
    OtherInformation,
    decode_message,
)
from opendcc.gbcs.security import GbcsSecurity

CRITICAL_ALERT_CODES: Final = frozenset(
    {
        0x0061,  # ECS68 Critical Sensitive Alert (Billing Data Log)
        0x0067,  # ECS80 Supply Outage Restore Alert
        0x008B,  # GCS53 Critical Sensitive Alert (Billing Data Log)
        0x00CA,  # Future Dated Firmware Activation Alert
        0x00CB,  # Future Dated Update Security Credentials Alert
        0x00CC,  # Future Dated Execution Of Instruction Alert (DLMS COSEM)
        0x00CD,  # Future Dated Execution Of Instruction Alert (GBZ)
        0x00CE,  # Firmware Distribution Receipt Alert (ESME or Comms Hub)
        0x00CF,  # Firmware Distribution Receipt Alert (GSME)
        0x00D5,  # Failure to Deliver Remote Party Message to ESME (alert 0x8F84)
        0x0120,  # ECS100
        0x0121,  # ECS101
        0x0122,  # ECS102
        0x0123,  # ECS200
        0x0124,  # Future Dated Update Load Controller Security Credentials Alert
        0x0128,  # CCS08 Firmware Transfer Alert
        0x012B,  # CS09 PPMID Firmware Activation Alert
        0x1000,  # Generic Critical Alert
    }
)
"""Alert message codes sent signed (critical Alerts); every other Alert is MAC-protected.
The reference vectors carry each of these signed and every other alert code MACed; 0x00D5
is critical by its 0x8Fxx alert code."""

DateTimeValue = DlmsDateTime | datetime | None


def grouping_header(
    cra: Cra,
    *,
    originator: Eui64,
    recipient: Eui64,
    counter: int,
    message_code: int,
    date_time: DateTimeValue = None,
    supplementary_remote_party: Eui64 | None = None,
    supplementary_remote_party_counter: int | None = None,
    supplementary_originator_counter: int | None = None,
    supplementary_remote_party_ka_certificate: bytes | None = None,
) -> GroupingHeader:
    """A general signing grouping header (``datetime`` values become DLMS date-times)."""
    return GroupingHeader(
        cra=cra,
        originator_counter=counter,
        originator=originator,
        recipient=recipient,
        other_information=OtherInformation(
            message_code,
            supplementary_remote_party,
            supplementary_remote_party_counter,
            supplementary_originator_counter,
            supplementary_remote_party_ka_certificate,
        ),
        date_time=_date_time(date_time),
    )


# --- Commands (the hub, as ACB) ----------------------------------------------------------


def pre_command(
    payload: bytes,
    *,
    originator: Eui64,
    recipient: Eui64,
    counter: int,
    message_code: int,
    date_time: DateTimeValue = None,
    signature_length_byte: bool = False,
) -> GbcsMessage:
    """A Pre-Command: the grouping header and payload, no signature, no MAC header.

    By default it ends after the payload, as the reference Pre-Commands do (DCC Boxed's
    PreCommand ``GBCSPayload``); ``signature_length_byte=True`` adds the trailing ``00``
    DUIS specifies. The User signs either form the same way.
    """
    header = grouping_header(
        Cra.COMMAND,
        originator=originator,
        recipient=recipient,
        counter=counter,
        message_code=message_code,
        date_time=date_time,
    )
    return GbcsMessage(
        header,
        bytes(payload),
        mac_header=False,
        signature_length_omitted=not signature_length_byte,
    )


def command(
    payload: bytes,
    *,
    originator: Eui64,
    recipient: Eui64,
    counter: int,
    message_code: int,
    security: GbcsSecurity,
    signed: bool = False,
    date_time: DateTimeValue = None,
    supplementary_remote_party: Eui64 | None = None,
    supplementary_remote_party_counter: int | None = None,
    supplementary_remote_party_ka_certificate: bytes | None = None,
) -> GbcsMessage:
    """A Command, MACed with the ACB's KA key and the Device's KA certificate.

    ``originator`` is the User (or the ACB itself); the counter is the DUIS RequestID's.
    ``signed``: a Command a DCC party originates (the ACB on a User's behalf, the
    Transitional CoS Party) of a critical GBCS message type (CS03A2 to a PPMID, the CoS
    credential update) is signed with ``originator``'s own DS key first, then MACed
    like every Command.
    """
    header = grouping_header(
        Cra.COMMAND,
        originator=originator,
        recipient=recipient,
        counter=counter,
        message_code=message_code,
        date_time=date_time,
        supplementary_remote_party=supplementary_remote_party,
        supplementary_remote_party_counter=supplementary_remote_party_counter,
        supplementary_remote_party_ka_certificate=supplementary_remote_party_ka_certificate,
    )
    message = GbcsMessage(header, bytes(payload))
    if signed:
        message = security.sign(message)
    return security.seal(message)


def critical_command(
    pre_command: GbcsMessage | bytes, signature: bytes, security: GbcsSecurity
) -> GbcsMessage:
    """The critical Command: the Pre-Command verbatim with the User's r||s signature,
    inside a MAC header made with the ACB's KA key."""
    message = _as_pre_command(pre_command)
    if len(signature) != SIGNATURE_LENGTH:
        raise GbcsEncodeError("the User's signature must be the 64-byte r||s")
    return security.seal(message.with_signature(bytes(signature)))


def sign_pre_command(
    pre_command: GbcsMessage | bytes, private_key: ec.EllipticCurvePrivateKey
) -> bytes:
    """The User's 64-byte r||s signature over a Pre-Command (what DUIS CV 5 sends back)."""
    return crypto.sign(private_key, _as_pre_command(pre_command).signed_bytes())


def verify_pre_command_signature(
    pre_command: GbcsMessage | bytes,
    signature: bytes,
    signer: x509.Certificate | ec.EllipticCurvePublicKey,
) -> bool:
    """Whether ``signature`` is the holder of ``signer`` (the User's DS certificate)
    signing this Pre-Command. A malformed Pre-Command or signature is simply False."""
    try:
        message = _as_pre_command(pre_command)
    except (GbcsDecodeError, GbcsEncodeError):
        return False
    public_key = signer.public_key() if isinstance(signer, x509.Certificate) else signer
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    return crypto.verify(public_key, message.signed_bytes(), bytes(signature))


# --- Responses and Alerts (a simulated Device) ----------------------------------------


def response(
    payload: bytes,
    *,
    originator: Eui64,
    recipient: Eui64,
    counter: int,
    message_code: int,
    security: GbcsSecurity,
    critical: bool,
    date_time: DateTimeValue = None,
    supplementary_remote_party: Eui64 | None = None,
    supplementary_remote_party_counter: int | None = None,
    supplementary_originator_counter: int | None = None,
) -> GbcsMessage:
    """A Device's Response: signed with its DS key when it answers a critical (signed)
    Command, else MACed with its KA key and the recipient's KA certificate."""
    header = grouping_header(
        Cra.RESPONSE,
        originator=originator,
        recipient=recipient,
        counter=counter,
        message_code=message_code,
        date_time=date_time,
        supplementary_remote_party=supplementary_remote_party,
        supplementary_remote_party_counter=supplementary_remote_party_counter,
        supplementary_originator_counter=supplementary_originator_counter,
    )
    return _protect(GbcsMessage(header, bytes(payload)), security, critical)


def response_to(
    command_message: GbcsMessage,
    payload: bytes,
    *,
    security: GbcsSecurity,
    date_time: DateTimeValue,
    message_code: int | None = None,
    supplementary_originator_counter: int | None = None,
    critical: bool | None = None,
) -> GbcsMessage:
    """The Response to ``command_message``: swapped EUIs, the same counter and message code,
    the supplementary remote party copied, signed when the Command was (or as ``critical``
    says: GBCS signs every credential update Response, even to the ACB's MACed CS02b)."""
    other = command_message.header.other_information
    return response(
        payload,
        originator=command_message.recipient,
        recipient=command_message.originator,
        counter=command_message.counter,
        message_code=command_message.message_code if message_code is None else message_code,
        security=security,
        critical=command_message.signature is not None if critical is None else critical,
        date_time=date_time,
        supplementary_remote_party=other.supplementary_remote_party,
        supplementary_remote_party_counter=other.supplementary_remote_party_counter,
        supplementary_originator_counter=supplementary_originator_counter,
    )


def alert(
    payload: bytes,
    *,
    originator: Eui64,
    recipient: Eui64,
    counter: int,
    message_code: int,
    security: GbcsSecurity,
    date_time: DateTimeValue = None,
    critical: bool | None = None,
    supplementary_remote_party: Eui64 | None = None,
    supplementary_remote_party_counter: int | None = None,
) -> GbcsMessage:
    """A Device's Alert; ``critical`` defaults from the message code
    (``CRITICAL_ALERT_CODES``): signed if critical, else MACed."""
    if critical is None:
        critical = message_code in CRITICAL_ALERT_CODES
    header = grouping_header(
        Cra.ALERT,
        originator=originator,
        recipient=recipient,
        counter=counter,
        message_code=message_code,
        date_time=date_time,
        supplementary_remote_party=supplementary_remote_party,
        supplementary_remote_party_counter=supplementary_remote_party_counter,
    )
    return _protect(GbcsMessage(header, bytes(payload)), security, critical)


def _protect(message: GbcsMessage, security: GbcsSecurity, critical: bool) -> GbcsMessage:
    if critical:
        return security.sign(GbcsMessage(message.header, message.payload, mac_header=False))
    return security.seal(message)


def _as_pre_command(value: GbcsMessage | bytes) -> GbcsMessage:
    message = value if isinstance(value, GbcsMessage) else decode_message(bytes(value))
    if message.cra is not Cra.COMMAND:
        raise GbcsEncodeError("a Pre-Command is a Command")
    return GbcsMessage(message.header, message.payload, mac_header=False)


def _date_time(value: DateTimeValue) -> DlmsDateTime | None:
    if isinstance(value, datetime):
        return DlmsDateTime.from_datetime(value)
    return value
