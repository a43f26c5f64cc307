"""Reads and writes the access-request, access-response and data-notification APDUs.

Layout (Green Book 9.5, A-XDR): tag; Long-Invoke-Id-And-Priority (4 octets); date-time
(OCTET STRING: empty, or twelve octets); then

- access-request: SEQUENCE OF Access-Request-Specification, SEQUENCE OF Data;
- access-response: [0] OPTIONAL echo of the specifications (00 absent, 01 present),
  SEQUENCE OF Data, SEQUENCE OF Access-Response-Specification;
- data-notification: one Data.
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.dlms.apdu import (
    ACCESS_REQUEST_TAG,
    ACCESS_RESPONSE_TAG,
    DATA_NOTIFICATION_TAG,
    AccessRequest,
    AccessResponse,
    Action,
    ActionResponse,
    Apdu,
    DataNotification,
    Get,
    GetResult,
    InvokeIdAndPriority,
    Request,
    RequestKind,
    RequestSpecification,
    Response,
    ResponseKind,
    Set,
    SetResult,
    action_result,
    data_access_result,
    specification_of,
)
from opendcc.gbcs.dlms.axdr import Reader, decode_data, encode_data, encode_length
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, ObisCode, SelectiveAccess
from opendcc.gbcs.dlms.data import Data
from opendcc.gbcs.dlms.datetimes import CosemDateTime

_SELECTIVE: Final = (RequestKind.GET_WITH_SELECTION, RequestKind.SET_WITH_SELECTION)


def decode_apdu(buf: bytes) -> Apdu:
    """The APDU filling ``buf`` exactly."""
    reader = Reader(buf)
    tag = reader.byte("an APDU tag")
    if tag not in (ACCESS_REQUEST_TAG, ACCESS_RESPONSE_TAG, DATA_NOTIFICATION_TAG):
        raise GbcsDecodeError(f"not a DLMS APDU GBCS uses: tag {tag:#04x}", 0)
    invoke = InvokeIdAndPriority.from_int(reader.uint(4, "long-invoke-id-and-priority"))
    date_time = _date_time(reader)
    apdu: Apdu
    if tag == ACCESS_REQUEST_TAG:
        apdu = _access_request(reader, invoke, date_time)
    elif tag == ACCESS_RESPONSE_TAG:
        apdu = _access_response(reader, invoke, date_time)
    else:
        apdu = DataNotification(invoke, decode_data(reader), date_time)
    reader.expect_end("the APDU")
    return apdu


def _date_time(reader: Reader) -> CosemDateTime | None:
    start = reader.pos
    size = reader.length("date-time")
    if size == 0:
        return None
    if size != 12:
        raise reader.fail(f"APDU date-time must be empty or 12 octets, got {size}", start)
    return CosemDateTime.from_bytes(reader.take(12, "date-time"))


def _obis(reader: Reader) -> ObisCode:
    return ObisCode.from_bytes(reader.take(6, "an OBIS code"))


def _attribute(reader: Reader) -> AttributeDescriptor:
    class_id = reader.uint(2, "a class id")
    instance = _obis(reader)
    attribute = int.from_bytes(reader.take(1, "an attribute id"), "big", signed=True)
    return AttributeDescriptor(class_id, instance, attribute)


def _method(reader: Reader) -> MethodDescriptor:
    class_id = reader.uint(2, "a class id")
    instance = _obis(reader)
    method = int.from_bytes(reader.take(1, "a method id"), "big", signed=True)
    return MethodDescriptor(class_id, instance, method)


def _specification(reader: Reader) -> RequestSpecification:
    start = reader.pos
    code = reader.byte("a request specification")
    try:
        kind = RequestKind(code)
    except ValueError:
        raise reader.fail(f"unknown access-request-specification {code:#04x}", start) from None
    if kind is RequestKind.ACTION:
        return RequestSpecification(kind, _method(reader))
    attribute = _attribute(reader)
    access = None
    if kind in _SELECTIVE:
        selector = reader.byte("an access selector")
        access = SelectiveAccess(selector, decode_data(reader))
    return RequestSpecification(kind, attribute, access)


def _specifications(reader: Reader, what: str) -> list[RequestSpecification]:
    count = reader.length(what)
    if count > reader.remaining():
        raise reader.fail(f"{what} of {count} entries is truncated")
    return [_specification(reader) for _ in range(count)]


def _data_list(reader: Reader, expected: int, what: str) -> list[Data]:
    start = reader.pos
    count = reader.length(what)
    if count != expected:
        raise reader.fail(f"{what} has {count} entries for {expected} specifications", start)
    return [decode_data(reader) for _ in range(count)]


def _access_request(
    reader: Reader, invoke: InvokeIdAndPriority, date_time: CosemDateTime | None
) -> AccessRequest:
    specs = _specifications(reader, "access-request-specification")
    data = _data_list(reader, len(specs), "access-request-list-of-data")
    requests: list[Request] = []
    for spec, item in zip(specs, data, strict=True):
        if spec.kind is RequestKind.ACTION:
            assert isinstance(spec.descriptor, MethodDescriptor)
            requests.append(Action(spec.descriptor, item))
            continue
        assert isinstance(spec.descriptor, AttributeDescriptor)
        if spec.kind in (RequestKind.GET, RequestKind.GET_WITH_SELECTION):
            requests.append(Get(spec.descriptor, spec.access, item))
        else:
            requests.append(Set(spec.descriptor, item, spec.access))
    return AccessRequest(invoke, tuple(requests), date_time)


def _access_response(
    reader: Reader, invoke: InvokeIdAndPriority, date_time: CosemDateTime | None
) -> AccessResponse:
    start = reader.pos
    flag = reader.byte("the access-request-specification flag")
    echoed: tuple[RequestSpecification, ...] | None
    if flag == 0:
        echoed = None
    elif flag == 1:
        echoed = tuple(_specifications(reader, "echoed access-request-specification"))
    else:
        raise reader.fail(f"optional flag must be 00 or 01, got {flag:#04x}", start)
    count_at = reader.pos
    count = reader.length("access-response-list-of-data")
    if count > reader.remaining():
        raise reader.fail(f"access-response-list-of-data of {count} entries is truncated", count_at)
    data = [decode_data(reader) for _ in range(count)]
    results_at = reader.pos
    if reader.length("access-response-specification") != count:
        raise reader.fail("access-response has different numbers of data and results", results_at)
    responses: list[Response] = []
    for item in data:
        at = reader.pos
        code = reader.byte("a response specification")
        result = reader.byte("a result")
        if code == ResponseKind.GET:
            responses.append(GetResult(data_access_result(result), item))
        elif code == ResponseKind.SET:
            responses.append(SetResult(data_access_result(result), item))
        elif code == ResponseKind.ACTION:
            responses.append(ActionResponse(action_result(result), item))
        else:
            raise reader.fail(f"unknown access-response-specification {code:#04x}", at)
    return AccessResponse(invoke, tuple(responses), date_time, echoed)


# --- encoding ------------------------------------------------------------------------


def encode_apdu(apdu: Apdu) -> bytes:
    out = bytearray()
    if isinstance(apdu, AccessRequest):
        out.append(ACCESS_REQUEST_TAG)
    elif isinstance(apdu, AccessResponse):
        out.append(ACCESS_RESPONSE_TAG)
    elif isinstance(apdu, DataNotification):
        out.append(DATA_NOTIFICATION_TAG)
    else:
        raise GbcsEncodeError(f"not a DLMS APDU: {type(apdu).__name__}")
    out += int(apdu.invoke).to_bytes(4, "big")
    if apdu.date_time is None:
        out.append(0)
    else:
        out.append(12)
        out += bytes(apdu.date_time)
    if isinstance(apdu, AccessRequest):
        out += encode_length(len(apdu.requests))
        for request in apdu.requests:
            out += _encode_specification(specification_of(request))
        out += encode_length(len(apdu.requests))
        for request in apdu.requests:
            out += encode_data(request.data)
    elif isinstance(apdu, AccessResponse):
        if apdu.echoed is None:
            out.append(0)
        else:
            out.append(1)
            out += encode_length(len(apdu.echoed))
            for spec in apdu.echoed:
                out += _encode_specification(spec)
        out += encode_length(len(apdu.responses))
        for response in apdu.responses:
            out += encode_data(response.data)
        out += encode_length(len(apdu.responses))
        for response in apdu.responses:
            if not 0 <= int(response.result) <= 0xFF:
                raise GbcsEncodeError(f"result code out of range: {response.result}")
            out.append(response.kind)
            out.append(int(response.result))
    else:
        out += encode_data(apdu.body)
    return bytes(out)


def _encode_specification(spec: RequestSpecification) -> bytes:
    out = bytearray((spec.kind,))
    out += bytes(spec.descriptor)
    if spec.access is not None:
        out.append(spec.access.selector)
        out += encode_data(spec.access.parameters)
    return bytes(out)
