"""What the configuration family's transforms share: message codes, who originates the
Command, date-time encodings, refusals, and the three payload builders (DLMS, GBZ, DER).

The family covers DUIS Service Reference 3 (messages and access) and the configuration
requests of Service Reference 6 (see ``opendcc.transform.config``). Everything here is
table or plain function; the variant modules hold the meaning of each body.

Who sends the Command (GBCS 4.3.3, DUIS 3.x "Access Control Broker"): a Device trusts the
Supplier and Network Operator roles directly, so Commands for Import/Gas Suppliers,
Electricity Distributors and Gas Transporters carry the User as originator and the
RequestID counter. A Communications Hub trusts only the DCC, and a User whose role holds
no trust anchor on the Device (Export Supplier, Registered Supplier Agent, Other User:
``opendcc.access.roles.remote_party_role_of`` gives OTHER_USER) is served by the DCC's
Access Control Broker: the ACB originates the Command with its own counter
(``TransformInput.dcc_counter``) and names the User as supplementary remote party with the
RequestID counter. The reference vectors show both (6.28 DBCH04 to the CHF; 6.20.2 ECS39b
for the Export Supplier).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache, wraps
from typing import Final

from opendcc.access.roles import remote_party_role_of
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.der import DerPayload, DerStructure
from opendcc.gbcs.der import encode as encode_der
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Action, Get, InvokeIdAndPriority, Request, Set
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, ObisCode
from opendcc.gbcs.dlms.data import Data, OctetString
from opendcc.gbcs.dlms.datetimes import (
    DEVIATION_NOT_SPECIFIED,
    NOT_SPECIFIED,
    CosemDate,
    CosemDateTime,
    CosemTime,
)
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import Component
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.timefmt import utc_seconds
from opendcc.inventory.model import DeviceType
from opendcc.smki.identity import RemotePartyRole
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.registry import (
    CommandSpec,
    DccOrigination,
    TransformInput,
    TransformRefusal,
)

# fmt: off
MESSAGE_CODES: Final[dict[str, int]] = {
    "CS11": 0x0015, "ECS10": 0x0021, "ECS12": 0x0022, "ECS14": 0x0023, "ECS15a": 0x0024,
    "ECS16": 0x0025, "ECS26b": 0x003C, "ECS26c": 0x003D, "ECS26d": 0x003E, "ECS26e": 0x003F,
    "ECS26f": 0x0040, "ECS28a": 0x0043, "ECS28b": 0x0044, "ECS29a": 0x0045, "ECS30": 0x0046,
    "ECS34": 0x0047, "ECS37": 0x004A, "ECS39a": 0x004C, "ECS39b": 0x004D, "ECS40": 0x004E,
    "ECS46a": 0x0053, "ECS46c": 0x0054, "ECS57": 0x005A, "ECS70": 0x0062, "ECS81": 0x0068,
    "GCS07": 0x0071, "GCS09": 0x0072, "GCS11": 0x0073, "GCS21a": 0x007B, "GCS23": 0x007C,
    "GCS24": 0x007D, "GCS25": 0x007E, "GCS28": 0x007F, "GCS41": 0x0087, "GCS44": 0x0088,
    "GCS46": 0x0089, "ECS26i": 0x0092, "GCS21d": 0x009D, "GCS21e": 0x009E, "ECS25a": 0x00AC,
    "GCS20": 0x00AD, "ECS29b": 0x00AE, "ECS25b": 0x00B0, "ECS15c": 0x00C1, "ECS26k": 0x00C6,
    "ECS29c": 0x00D1, "ECS29d": 0x00D2, "ECS29e": 0x00D3, "ECS29f": 0x00D4, "ECS30a": 0x00D7,
    "GCS25a": 0x00D8, "ECS26l": 0x00D9, "GCS21k": 0x00DA, "ECS25a1": 0x00EA,
    "ECS25a2": 0x00EB, "ECS25a3": 0x00EC, "ECS25b3": 0x00ED, "ECS25r1": 0x00EE,
    "ECS25r2": 0x00EF, "GCS20r": 0x00F1, "ECS26m": 0x00F9, "ECS26n": 0x00FA,
    "GCS21m": 0x00FB, "GCS24a": 0x00FC, "DBCH01": 0x010A, "DBCH02": 0x010B,
    "DBCH03": 0x010C, "DBCH04": 0x010D, "DBCH05": 0x010E, "ECS46d": 0x011A,
}
"""The Command message code of every use case this family sends (GBCS message code
table; ``opendcc.gbcs.message_codes`` agrees, which a test checks)."""

REFUSAL_CODES: Final[dict[str, str]] = {
    "3.3": "E030301", "6.5": "E060501", "6.7": "E060701", "6.8": "E060801",
    "6.18.1": "E061801", "6.18.2": "E061802", "6.22": "E062201", "6.28": "E062801",
}
"""The DUIS response code a transform answers when a body value cannot become a Command:
the variant's own ``E<srv>nn`` code where the DUIS schema lists one."""
# fmt: on

GENERAL_REFUSAL: Final = "E100"
"""For variants whose Service Reference has no code of its own in the DUIS schema's
ResponseCode list; the schema validation the hub runs before transforming rejects almost
every such value first, so this answers only values the schema allows but GBCS cannot
carry. (opendcc's choice: DUIS documents the code meanings outside the schema.)"""

CANCELLATION_DAY: Final = datetime(3000, 12, 31, tzinfo=UTC).date()

IMMEDIATE: Final = CosemDateTime(CosemDate(0, 0, 0, 0), CosemTime(0, 0, 0, 0))
"""The activation date-time of an attribute to take effect at once (all zero, GBCS 7.3.x;
the reference ECS28a and ECS46d immediate Commands)."""

CANCELLED: Final = CosemDateTime(
    CosemDate(0xFFFF, NOT_SPECIFIED, NOT_SPECIFIED, NOT_SPECIFIED),
    CosemTime(NOT_SPECIFIED, NOT_SPECIFIED, NOT_SPECIFIED, NOT_SPECIFIED),
    DEVIATION_NOT_SPECIFIED,
    NOT_SPECIFIED,
)
"""The activation date-time that cancels a held activation (every field unspecified): a
future-dated request dated 3000-12-31 (the reference cancellation Commands)."""

ZIGBEE_IMMEDIATE: Final = 0
"""A ZigBee start or implementation time of 0 means "now" (ZSE)."""


class RefusalError(Exception):
    """Raised inside a transform for a body the family cannot turn into a Command."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.code = code


Transform = Callable[[TransformInput], CommandSpec]


def guarded(fn: Transform) -> Callable[[TransformInput], CommandSpec | TransformRefusal]:
    """Turn every value problem inside ``fn`` into a ``TransformRefusal`` with the variant's
    code (``REFUSAL_CODES``); transforms never raise for bad values."""

    @wraps(fn)
    def run(request: TransformInput) -> CommandSpec | TransformRefusal:
        try:
            return fn(request)
        except RefusalError as exc:
            return TransformRefusal(exc.code or refusal_code(request.variant), str(exc))
        except (BodyValueError, GbcsEncodeError, ValueError, OverflowError) as exc:
            return TransformRefusal(refusal_code(request.variant), str(exc))

    return run


def refusal_code(variant: str) -> str:
    return (
        REFUSAL_CODES.get(variant)
        or REFUSAL_CODES.get(variant.rsplit(".", 1)[0])
        or (GENERAL_REFUSAL)
    )


def via_access_control_broker(request: TransformInput) -> bool:
    """True when the DCC's ACB, not the User, originates the Command (module docstring)."""
    return (
        request.device.device_type is DeviceType.CHF
        or remote_party_role_of(request.role) is RemotePartyRole.OTHER_USER
    )


def originator_counter(request: TransformInput) -> int:
    """The GBCS originator counter the Command carries (DLMS invoke ids derive from it):
    the ACB's own when it originates the Command, else the RequestID counter."""
    if via_access_control_broker(request) and request.dcc_counter is not None:
        return request.dcc_counter(DCC_ACCESS_CONTROL_BROKER)
    return request.counter


def spec(request: TransformInput, use_case: str, payload: bytes) -> CommandSpec:
    """The ``CommandSpec`` for ``payload``, routed through the ACB where the User cannot
    originate it."""
    code = MESSAGE_CODES[use_case]
    if not via_access_control_broker(request):
        return CommandSpec(use_case, code, request.target, payload)
    return CommandSpec(
        use_case,
        code,
        request.target,
        payload,
        supplementary_remote_party=request.originator,
        supplementary_remote_party_counter=request.counter,
        dcc_origination=DccOrigination(DCC_ACCESS_CONTROL_BROKER, originator_counter(request)),
    )


def dlms_spec(request: TransformInput, use_case: str, requests: Iterable[Request]) -> CommandSpec:
    """A DLMS access-request Command: invoke id from the originator counter (GBCS 7.2.9)."""
    apdu = b.access_request(originator_counter(request), list(requests))
    return spec(request, use_case, encode_dlms(b.payload(apdu)))


def with_invoke_id(counter: int, tail: bytes) -> bytes:
    """An access-request from its encoded tail (everything after the invoke id): the
    invoke id is the only part of a fixed request that changes from one Command to the
    next, so fixed requests are encoded once (``fixed_tail``)."""
    invoke = int(InvokeIdAndPriority.for_counter(counter)).to_bytes(4, "big")
    return ACCESS_REQUEST_TAG + invoke + tail


@cache
def fixed_tail(requests: tuple[Request, ...]) -> bytes:
    encoded = encode_dlms(b.payload(b.access_request(0, requests)))
    assert encoded[:1] == ACCESS_REQUEST_TAG
    return encoded[5:]


ACCESS_REQUEST_TAG: Final = b"\xd9"


@cache
def attribute(class_id: int, obis: str, attribute_id: int) -> AttributeDescriptor:
    """A COSEM attribute descriptor, parsed once (transforms name the same few hundred)."""
    return AttributeDescriptor(class_id, ObisCode.parse(obis), attribute_id)


@cache
def method(class_id: int, obis: str, method_id: int) -> MethodDescriptor:
    return MethodDescriptor(class_id, ObisCode.parse(obis), method_id)


def get(class_id: int, obis: str, attribute_id: int) -> Get:
    return Get(attribute(class_id, obis, attribute_id))


def set_(class_id: int, obis: str, attribute_id: int, value: Data) -> Set:
    return Set(attribute(class_id, obis, attribute_id), value)


def action(class_id: int, obis: str, method_id: int, parameters: Data) -> Action:
    return Action(method(class_id, obis, method_id), parameters)


def gbz_spec(
    request: TransformInput, use_case: str, components: Sequence[Component]
) -> CommandSpec:
    return spec(request, use_case, encode_gbz(z.command_payload(*components, use_case=use_case)))


def der_spec(request: TransformInput, use_case: str, structure: DerStructure) -> CommandSpec:
    return spec(request, use_case, encode_der(DerPayload(structure)))


def issuer_event_id(request: TransformInput) -> int:
    """ZSE Issuer Event ID (and GCS07's Message ID): the DCC's time of transformation as
    ZigBee UTC seconds, unique and increasing as ZSE asks (the reference GBZ Commands carry
    2015-01-01T00:00:00Z, their generation time)."""
    return utc_seconds(request.now)


def is_cancellation(when: datetime) -> bool:
    return when.date() == CANCELLATION_DAY


def activation_time(execution_at: datetime | None) -> OctetString:
    """The activation date-time of a Device-held future-dated DLMS write (class 9000
    attribute 6 and the passive-calendar activations): at once, at ``execution_at``, or
    cancelled (3000-12-31)."""
    if execution_at is None:
        return OctetString(bytes(IMMEDIATE))
    if is_cancellation(execution_at):
        return OctetString(bytes(CANCELLED))
    return b.date_time(execution_at)


def cosem_time(value: timedelta) -> OctetString:
    """A COSEM time (hh mm ss hundredths) from a time of day given as a timedelta."""
    seconds = int(value.total_seconds())
    if not 0 <= seconds < 86_400:
        raise RefusalError(f"time of day out of range: {value}")
    hundredths = value.microseconds // 10_000
    return OctetString(
        bytes(CosemTime(seconds // 3600, seconds // 60 % 60, seconds % 60, hundredths))
    )


def text_octets(value: str, *, limit: int, what: str) -> bytes:
    """DUIS text as GBCS carries it (octets); ASCII only, at most ``limit`` characters."""
    try:
        data = value.encode("ascii")
    except UnicodeEncodeError:
        raise RefusalError(f"{what} must be printable ASCII") from None
    if len(data) > limit:
        raise RefusalError(f"{what} is longer than {limit} characters")
    return data
