"""Transforms of 6.13 Read Event Or Security Log, 9.1 Request Customer Identification
Number and 14.1 Record Network Data (GAS).

6.13: ``LogToRead`` and the target's device type choose the use case (``LOG_READS``):

| LogToRead | ESME | CHF | GSME | GPF |
|---|---|---|---|---|
| Event | ECS35a | ECS35c | CS10a | CS10a |
| Security | ECS35b | ECS35d | CS10b | CS10b |
| PowerEvent | ECS35e | | | |
| ALCSEvent | ECS35f (supplier), ECS35g (network operator) | | | |
| GSMEEvent / GSMESecurity | | | CS10a / CS10b | |

The DLMS logs (0-0:99.98.x) are read with a range descriptor; the ZigBee logs with
GetEventLog (log 3 the general event log, with full event data: event control 1; log 4
the security log), from the start to the end, all events (0), from the first (offset 0).
The CHF logs go through the ACB (the CHF trusts no User). The Auxiliary Load Control
Switch event log (0-17:99.98.2.255) has two use cases: the reference data sends ECS35f
("Read ALCS Event Log") for a Supplier and ECS35g ("Read Auxiliary Controller Event Log")
for the Electricity Distributor; opendcc chooses by the requesting role the same way.
A ``LogToRead`` the target does not hold is refused with ``E061301``.

9.1 (Other Users only, so always through the ACB): the DCC makes a Customer
Identification Number and sends it to the meter (ECS50: set 0-3:96.13.1.255; GCS36:
UpdateCIN with the request time as issuer event id, immediately, provider 0); the User
gets the CIN back in the DUIS ``CINMessage``. The CIN is four digits (DUIS schema);
``customer_identification_number`` derives it deterministically from the Device, the User
and the request counter, so a replayed transform gives the same CIN and the hub can tell
the User which CIN the meter shows (``cin_of``).

14.1 (GCS31): StartSampling of the network data log: immediately, consumption delivered,
every 360 s, 41 samples, the request time as issuer event id; sent through the ACB.
"""

from __future__ import annotations

import hashlib
from typing import Final

from opendcc.gbcs import message_codes
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import OctetString
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.inventory.model import DeviceType
from opendcc.roles import UserRole
from opendcc.transform import duisxml as x
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.reads_common import (
    command_spec,
    dlms_read,
    log_period,
    originate,
    refuse,
    zigbee_seconds,
)
from opendcc.transform.reads_logs import CONSUMPTION_DELIVERED, NETWORK_DATA_SAMPLES
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transforms

E, C, G, P = DeviceType.ESME, DeviceType.CHF, DeviceType.GSME, DeviceType.GPF
_ALCS = "ALCS"
LOG_READS: Final[dict[tuple[DeviceType, str], str]] = {
    (E, "Event"): "ECS35a",
    (E, "Security"): "ECS35b",
    (E, "PowerEvent"): "ECS35e",
    (E, "ALCSEvent"): _ALCS,
    (C, "Event"): "ECS35c",
    (C, "Security"): "ECS35d",
    (G, "Event"): "CS10a",
    (G, "Security"): "CS10b",
    (G, "GSMEEvent"): "CS10a",
    (G, "GSMESecurity"): "CS10b",
    (P, "Event"): "CS10a",
    (P, "Security"): "CS10b",
}
_NETWORK_OPERATOR_ROLES: Final = frozenset(
    {UserRole.ELECTRICITY_DISTRIBUTOR, UserRole.GAS_TRANSPORTER}
)

ZIGBEE_LOGS: Final[dict[str, int]] = {"CS10a": 0x13, "CS10b": 0x04}
"""GetEventLog's event control (high nibble) and log id (low nibble): the general event
log (3) with full information (1); the security event log (4)."""


@transforms("6.13", E, C, G, P)
def read_event_or_security_log(request: TransformInput) -> CommandSpec | TransformRefusal:
    """ECS35a-g on an ESME or CHF, CS10a/b on a GSME or GPF (see the module table)."""
    try:
        log = x.text(request.body, "LogToRead")
        period = log_period(request.body, request.now)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    use_case = LOG_READS.get((request.device.device_type, log))
    if use_case is None:
        return refuse(request, f"a {request.device.device_type.value} holds no {log!r} log to read")
    if use_case == _ALCS:
        use_case = "ECS35g" if request.role in _NETWORK_OPERATOR_ROLES else "ECS35f"
    origin = originate(request, use_case)
    try:
        if use_case in ZIGBEE_LOGS:
            frame = z.cluster_command(
                "Events",
                "GetEventLog",
                event_control_log_id=ZIGBEE_LOGS[use_case],
                event_id=0,
                start_time=zigbee_seconds(period.start),
                end_time=zigbee_seconds(period.end),
                number_of_events=0,
                event_offset=0,
            )
            payload = encode_gbz(z.command_payload(z.component("Events", frame), use_case=use_case))
        else:
            payload = dlms_read(use_case, request, origin, period)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    return command_spec(request, use_case, payload, origin)


# --- 9.1 --------------------------------------------------------------------------------

CIN_OBIS: Final = "0-3:96.13.1.255"


def customer_identification_number(request: TransformInput) -> str:
    """The four-digit CIN the DCC issues for this request (deterministic)."""
    seed = b"opendcc-cin" + bytes(request.target) + bytes(request.originator)
    digest = hashlib.blake2b(seed + request.counter.to_bytes(8, "big"), digest_size=8).digest()
    return f"{int.from_bytes(digest, 'big') % 10_000:04d}"


def send_cin(request: TransformInput, cin: str) -> CommandSpec | TransformRefusal:
    """ECS50 or GCS36 carrying ``cin`` (exposed so the CIN source can be chosen)."""
    if len(cin) != 4 or not cin.isdigit():
        return TransformRefusal("E100", f"a CIN is four digits, not {cin!r}")
    device_type = request.device.device_type
    use_case = "ECS50" if device_type is E else "GCS36"
    origin = originate(request, use_case)
    if device_type is E:
        apdu = b.access_request(origin.counter, [b.set_(1, CIN_OBIS, 2, OctetString(cin.encode()))])
        payload = encode_dlms(b.payload(apdu))
    else:
        frame = z.cluster_command(
            "DeviceManagement",
            "UpdateCIN",
            issuer_event_id=zigbee_seconds(request.now),
            implementation_time=0,
            provider_id=0,
            customer_id_number=cin.encode(),
        )
        payload = encode_gbz(
            z.command_payload(z.component("DeviceManagement", frame), use_case=use_case)
        )
    return command_spec(request, use_case, payload, origin)


@transforms("9.1", E, G)
def request_customer_identification_number(
    request: TransformInput,
) -> CommandSpec | TransformRefusal:
    """ECS50 / GCS36 with the CIN ``customer_identification_number`` gives."""
    return send_cin(request, customer_identification_number(request))


CIN_USE_CASES: Final = frozenset({"ECS50", "GCS36"})


def _cin_in(use_case: str | None, payload: bytes) -> str | None:
    # ECS50 ends with the CIN as the octet-string value of its Set; GCS36 with UpdateCIN's
    # four-character CIN (neither payload is encrypted: the reference Commands show it).
    if use_case not in CIN_USE_CASES or len(payload) < 4:
        return None
    text = payload[-4:]
    return text.decode("ascii") if text.isdigit() else None


def cin_of(spec: CommandSpec) -> str | None:
    """The CIN a 9.1 CommandSpec carries (for the DUIS ``CINMessage``), or None."""
    return _cin_in(spec.use_case, spec.payload)


def cin_of_command(command: bytes) -> str | None:
    """The CIN a framed 9.1 Command (ECS50 / GCS36, as sent to the Device) carries, or None
    for any other Command: what the hub puts in the DUIS ``CINMessage`` (DUIS 9.1: the
    Response to the Other User carries the CIN the DCC sent the meter to display)."""
    try:
        message = decode_message(command)
    except GbcsDecodeError:
        return None
    code = message_codes.lookup(message.message_code)
    return _cin_in(code.use_case if code else None, message.payload)


# --- 14.1 -------------------------------------------------------------------------------

NETWORK_DATA_INTERVAL_S: Final = 360


@transforms("14.1", G, P)
def record_network_data(request: TransformInput) -> CommandSpec | TransformRefusal:
    """GCS31: start the GSME's network data log (through the ACB)."""
    use_case = "GCS31"
    origin = originate(request, use_case)
    try:
        frame = z.cluster_command(
            "Metering",
            "StartSampling",
            issuer_event_id=zigbee_seconds(request.now),
            start_sampling_time=0,
            sample_type=CONSUMPTION_DELIVERED,
            sample_request_interval=NETWORK_DATA_INTERVAL_S,
            max_number_of_samples=NETWORK_DATA_SAMPLES,
        )
    except BodyValueError as exc:
        return refuse(request, str(exc))
    payload = encode_gbz(z.command_payload(z.component("Metering", frame), use_case=use_case))
    return command_spec(request, use_case, payload, origin)
