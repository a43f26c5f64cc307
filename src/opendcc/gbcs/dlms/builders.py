"""Building GBCS DLMS payloads from typed values: Commands, device Responses and Alerts.

The models are plain frozen dataclasses, so any payload can be built directly; these
helpers keep the GBCS conventions in one place (invoke id from the originator counter,
date-times as twelve-octet octet-strings in UTC, the fixed protection parameters of a
protected read). Example, the ECS17a Command and a device's Response to it::

    request = access_request(counter, [
        get(3, "1-0:2.8.0.255", 2), get(3, "1-0:2.8.0.255", 3),
    ])
    response = access_response_for(request, [
        GetResult(data=DoubleLongUnsigned(10)), GetResult(data=scaler_unit(0, Unit.WATT_HOUR)),
    ])
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Final

from opendcc.eui import Eui64
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    AccessResponse,
    Action,
    ActionResponse,
    ActionResult,
    DataAccessResult,
    DataNotification,
    Get,
    GetResult,
    InvokeIdAndPriority,
    Request,
    Response,
    Set,
    SetResult,
)
from opendcc.gbcs.dlms.cosem import (
    RANGE_DESCRIPTOR,
    AttributeDescriptor,
    MethodDescriptor,
    ObisCode,
    SelectiveAccess,
)
from opendcc.gbcs.dlms.data import (
    Array,
    Data,
    DoubleLongUnsigned,
    EncryptedOctetString,
    Enum,
    Integer,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
)
from opendcc.gbcs.dlms.datetimes import CosemDateTime, to_gbcs_seconds
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.units import Unit

NULL: Final = NullData()
PROTECTION_TYPE_AUTHENTICATED_ENCRYPTED: Final = 2
KEY_INFO_AGREED_KEY: Final = 2
PAYLOAD_ENCRYPTION_MODE: Final = 0x04
"""Key derivation mode GBCS uses for payload protection; it leads the transaction id."""

InvokeLike = int | InvokeIdAndPriority
DateTimeLike = CosemDateTime | _dt.datetime


def _invoke(value: InvokeLike) -> InvokeIdAndPriority:
    if isinstance(value, InvokeIdAndPriority):
        return value
    return InvokeIdAndPriority.for_counter(value)


def _cosem_date_time(value: DateTimeLike) -> CosemDateTime:
    return value if isinstance(value, CosemDateTime) else CosemDateTime.from_datetime(value)


# --- data ----------------------------------------------------------------------------


def structure(*items: Data) -> Structure:
    return Structure(items)


def array(items: Iterable[Data]) -> Array:
    return Array(tuple(items))


def octets(value: bytes | str) -> OctetString:
    """An octet-string from bytes or hex text."""
    return OctetString(bytes.fromhex(value) if isinstance(value, str) else value)


def text(value: str) -> OctetString:
    """Text in an octet-string, as GBCS carries MPANs, names and messages."""
    return OctetString(value.encode("latin-1"))


def date_time(value: DateTimeLike) -> OctetString:
    """A COSEM date-time in an octet-string (GBCS's form for every date-time attribute)."""
    return OctetString(bytes(_cosem_date_time(value)))


def obis(value: str | ObisCode) -> OctetString:
    return OctetString(bytes(value if isinstance(value, ObisCode) else ObisCode.parse(value)))


def eui(value: Eui64 | str) -> OctetString:
    return OctetString(bytes(value if isinstance(value, Eui64) else Eui64.parse(value)))


def scaler_unit(scaler: int, unit: Unit | int) -> Structure:
    return Structure((Integer(scaler), Enum(int(unit))))


def gbcs_seconds(value: _dt.datetime) -> DoubleLongUnsigned:
    """A profile or log timestamp: seconds since 2000-01-01T00:00:00Z."""
    return DoubleLongUnsigned(to_gbcs_seconds(value))


# --- requests ------------------------------------------------------------------------


def attribute(class_id: int, instance: str | ObisCode, attribute_id: int) -> AttributeDescriptor:
    return AttributeDescriptor(
        class_id,
        instance if isinstance(instance, ObisCode) else ObisCode.parse(instance),
        attribute_id,
    )


def method(class_id: int, instance: str | ObisCode, method_id: int) -> MethodDescriptor:
    return MethodDescriptor(
        class_id,
        instance if isinstance(instance, ObisCode) else ObisCode.parse(instance),
        method_id,
    )


def get(
    class_id: int,
    instance: str | ObisCode,
    attribute_id: int,
    access: SelectiveAccess | None = None,
) -> Get:
    return Get(attribute(class_id, instance, attribute_id), access)


def set_(class_id: int, instance: str | ObisCode, attribute_id: int, value: Data) -> Set:
    return Set(attribute(class_id, instance, attribute_id), value)


def action(
    class_id: int, instance: str | ObisCode, method_id: int, parameters: Data = NULL
) -> Action:
    return Action(method(class_id, instance, method_id), parameters)


def time_range(
    start: _dt.datetime,
    end: _dt.datetime,
    restricting: AttributeDescriptor | None = None,
) -> SelectiveAccess:
    """A range descriptor over a profile's entries, as GBCS log reads send it.

    GBCS restricts on the UTC time held as seconds since 2000 (``0-0:94.44.100.255``).
    """
    restricting = restricting or attribute(1, "0-0:94.44.100.255", 2)
    return SelectiveAccess(
        RANGE_DESCRIPTOR,
        structure(
            structure(
                LongUnsigned(restricting.class_id),
                obis(restricting.instance),
                Integer(restricting.attribute_id),
                LongUnsigned(0),
            ),
            gbcs_seconds(start),
            gbcs_seconds(end),
            Array(),
        ),
    )


def access_request(
    invoke: InvokeLike, requests: Iterable[Request], *, execute_at: DateTimeLike | None = None
) -> AccessRequest:
    """An access-request; ``invoke`` is the GBCS originator counter (or an explicit value)."""
    return AccessRequest(
        _invoke(invoke),
        tuple(requests),
        None if execute_at is None else _cosem_date_time(execute_at),
    )


# --- responses -----------------------------------------------------------------------


def get_ok(value: Data) -> GetResult:
    return GetResult(DataAccessResult.SUCCESS, value)


def get_error(result: DataAccessResult = DataAccessResult.HARDWARE_FAULT) -> GetResult:
    return GetResult(result)


def set_ok() -> SetResult:
    return SetResult(DataAccessResult.SUCCESS)


def set_error(result: DataAccessResult = DataAccessResult.HARDWARE_FAULT) -> SetResult:
    return SetResult(result)


def action_ok(value: Data = NULL) -> ActionResponse:
    return ActionResponse(ActionResult.SUCCESS, value)


def action_error(result: ActionResult = ActionResult.HARDWARE_FAULT) -> ActionResponse:
    return ActionResponse(result)


def access_response(invoke: InvokeLike, responses: Iterable[Response]) -> AccessResponse:
    return AccessResponse(_invoke(invoke), tuple(responses))


def access_response_for(request: AccessRequest, responses: Sequence[Response]) -> AccessResponse:
    """A device's answer to ``request``: one result per request, of the matching kind."""
    if len(responses) != len(request.requests):
        raise GbcsEncodeError(
            f"{len(request.requests)} requests need as many results, got {len(responses)}"
        )
    for index, (req, res) in enumerate(zip(request.requests, responses, strict=True)):
        expected = (
            GetResult
            if isinstance(req, Get)
            else SetResult
            if isinstance(req, Set)
            else ActionResponse
        )
        if not isinstance(res, expected):
            raise GbcsEncodeError(
                f"result {index + 1} answers a {type(req).__name__} with {type(res).__name__}"
            )
    return AccessResponse(request.invoke, tuple(responses))


def protection_parameters(originator_counter: int, originator: Eui64, recipient: Eui64) -> Array:
    """The protection parameters of a GBCS protected read (GBCS 7.3.2): authenticated
    encryption with an agreed key, transaction id = mode 04 || originator counter."""
    transaction_id = bytes((PAYLOAD_ENCRYPTION_MODE,)) + originator_counter.to_bytes(8, "big")
    options = structure(
        OctetString(transaction_id),
        OctetString(bytes(originator)),
        OctetString(bytes(recipient)),
        OctetString(b""),
        structure(Enum(KEY_INFO_AGREED_KEY), structure(OctetString(b"\x02"), OctetString(b""))),
    )
    return Array((structure(Enum(PROTECTION_TYPE_AUTHENTICATED_ENCRYPTED), options),))


def protected_read_result(parameters: Array, block: EncryptedOctetString) -> ActionResponse:
    """The successful result of a get_protected_attributes action."""
    return action_ok(structure(parameters, block))


# --- alerts --------------------------------------------------------------------------


def alert(
    invoke: InvokeLike, alert_code: int, raised_at: DateTimeLike, *extra: Data
) -> DataNotification:
    """A GBCS DLMS Alert: ``structure {alert code, date-time, extra...}``."""
    body = structure(LongUnsigned(alert_code), date_time(raised_at), *extra)
    return DataNotification(_invoke(invoke), body)


def payload(
    apdu: AccessRequest | AccessResponse | DataNotification,
    use_case: str | None = None,
    message_code: int | None = None,
) -> DlmsPayload:
    return DlmsPayload(apdu, use_case, message_code)
