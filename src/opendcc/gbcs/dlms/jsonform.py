"""The JSON form of DLMS APDUs and A-XDR data, exact enough to rebuild the bytes.

``apdu_from_json(apdu_to_json(a)) == a`` for every APDU; anything ``apdu_from_json``
cannot read raises ``GbcsDecodeError`` naming the JSON path. Octets travel as lower-case
hex; floats and date-times as their octets (``hex``), with a readable ``text`` beside them.
"""

from __future__ import annotations

import math
from typing import Any, Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.dlms.apdu import (
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
    result_label,
    specification_of,
)
from opendcc.gbcs.dlms.axdr import float_from_octets, float_octets
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, ObisCode, SelectiveAccess
from opendcc.gbcs.dlms.data import (
    INTEGER_TYPES,
    Array,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DataTag,
    DateData,
    DateTimeData,
    DontCare,
    EncryptedOctetString,
    Float32,
    Float64,
    NullData,
    OctetString,
    Structure,
    TimeData,
    TypeDescription,
    Utf8String,
    VisibleString,
    _IntegerData,
)
from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime
from opendcc.gbcs.dlms.protection import MIN_BLOCK_LENGTH

FORMAT: Final = "dlms"
_INTEGER_BY_LABEL: Final = {cls.tag.label: cls for cls in INTEGER_TYPES}
_REQUEST_LABELS: Final[dict[RequestKind, str]] = {
    RequestKind.GET: "get",
    RequestKind.GET_WITH_SELECTION: "get",
    RequestKind.SET: "set",
    RequestKind.SET_WITH_SELECTION: "set",
    RequestKind.ACTION: "action",
}
_RESPONSE_LABELS: Final[dict[ResponseKind, str]] = {
    ResponseKind.GET: "get",
    ResponseKind.SET: "set",
    ResponseKind.ACTION: "action",
}


# --- to JSON -------------------------------------------------------------------------


def _invoke(invoke: InvokeIdAndPriority) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": invoke.invoke_id,
        "break_on_error": invoke.break_on_error,
        "confirmed": invoke.confirmed,
        "high_priority": invoke.high_priority,
        "self_descriptive": invoke.self_descriptive,
    }
    if invoke.reserved:
        out["reserved"] = invoke.reserved
    return out


def _date_time(value: CosemDateTime | None) -> dict[str, str] | None:
    return None if value is None else {"hex": bytes(value).hex(), "text": str(value)}


def _specification(spec: RequestSpecification) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": _REQUEST_LABELS[spec.kind],
        "class_id": spec.descriptor.class_id,
        "instance": str(spec.descriptor.instance),
    }
    if isinstance(spec.descriptor, MethodDescriptor):
        out["method_id"] = spec.descriptor.method_id
    else:
        out["attribute_id"] = spec.descriptor.attribute_id
    if spec.access is not None:
        out["access"] = {
            "selector": spec.access.selector,
            "parameters": data_to_json(spec.access.parameters),
        }
    return out


def apdu_to_json(apdu: Apdu) -> dict[str, Any]:
    out: dict[str, Any] = {"invoke": _invoke(apdu.invoke), "date_time": _date_time(apdu.date_time)}
    if isinstance(apdu, AccessRequest):
        out["type"] = "access-request"
        out["requests"] = [
            {**_specification(specification_of(request)), "data": data_to_json(request.data)}
            for request in apdu.requests
        ]
    elif isinstance(apdu, AccessResponse):
        out["type"] = "access-response"
        out["echoed"] = None if apdu.echoed is None else [_specification(s) for s in apdu.echoed]
        out["responses"] = [
            {
                "kind": _RESPONSE_LABELS[response.kind],
                "result": result_label(response.result),
                "code": int(response.result),
                "data": data_to_json(response.data),
            }
            for response in apdu.responses
        ]
    else:
        out["type"] = "data-notification"
        out["body"] = data_to_json(apdu.body)
    return out


def _description(desc: TypeDescription) -> dict[str, Any]:
    if desc.tag == DataTag.ARRAY:
        return {"type": "array", "count": desc.count, "element": _description(desc.elements[0])}
    if desc.tag == DataTag.STRUCTURE:
        return {"type": "structure", "elements": [_description(e) for e in desc.elements]}
    return {"type": desc.tag.label}


def data_to_json(value: Data) -> dict[str, Any]:
    label = value.tag.label
    if isinstance(value, NullData | DontCare):
        return {"type": label}
    if isinstance(value, Array | Structure):
        return {"type": label, "items": [data_to_json(item) for item in value.items]}
    if isinstance(value, CompactArray):
        return {
            "type": label,
            "description": _description(value.description),
            "items": [data_to_json(item) for item in value.items],
        }
    if isinstance(value, _IntegerData):
        return {"type": label, "value": value.value}
    if isinstance(value, Boolean):
        out: dict[str, Any] = {"type": label, "value": value.value}
        if value.raw is not None:
            out["raw"] = value.raw
        return out
    if isinstance(value, BitString):
        return {"type": label, "length": value.length, "hex": value.data.hex(), "bits": value.bits}
    if isinstance(value, EncryptedOctetString):
        plaintext = None if value.plaintext is None else data_to_json(value.plaintext)
        return {
            "type": label,
            "hex": value.value.hex(),
            "ciphered": {
                "security_control": value.security_control,
                "invocation_counter": value.invocation_counter,
                "plaintext": plaintext,
            },
        }
    if isinstance(value, OctetString):
        return {"type": label, "hex": value.value.hex()}
    if isinstance(value, VisibleString | Utf8String):
        return {"type": label, "value": value.value}
    if isinstance(value, Float32 | Float64):
        raw = float_octets(value)
        number: Any = value.value if math.isfinite(value.value) else str(value.value)
        return {"type": label, "hex": raw.hex(), "value": number}
    if isinstance(value, DateTimeData | DateData | TimeData):
        return {"type": label, "hex": bytes(value.value).hex(), "text": str(value.value)}
    raise GbcsEncodeError(f"no JSON form for {type(value).__name__}")


# --- from JSON -----------------------------------------------------------------------


class _Path:
    """Reads typed members of a JSON object, failing with the path to the culprit."""

    __slots__ = ("obj", "path")

    def __init__(self, obj: object, path: str) -> None:
        if not isinstance(obj, dict):
            raise GbcsDecodeError(f"{path}: expected an object")
        self.obj: dict[str, object] = obj
        self.path = path

    def fail(self, key: str, reason: str) -> GbcsDecodeError:
        return GbcsDecodeError(f"{self.path}.{key}: {reason}")

    def get(self, key: str) -> object:
        if key not in self.obj:
            raise self.fail(key, "missing")
        return self.obj[key]

    def integer(self, key: str) -> int:
        value = self.get(key)
        if type(value) is not int:
            raise self.fail(key, "expected an integer")
        return value

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if type(value) is not bool:
            raise self.fail(key, "expected true or false")
        return value

    def text(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str):
            raise self.fail(key, "expected a string")
        return value

    def octets(self, key: str) -> bytes:
        try:
            return bytes.fromhex(self.text(key))
        except ValueError:
            raise self.fail(key, "expected hex") from None

    def items(self, key: str) -> list[object]:
        value = self.get(key)
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return value

    def optional(self, key: str) -> object:
        return self.obj.get(key)


def _invoke_from(obj: object, path: str) -> InvokeIdAndPriority:
    p = _Path(obj, path)
    reserved = p.optional("reserved")
    return InvokeIdAndPriority(
        p.integer("id"),
        p.flag("break_on_error"),
        p.flag("confirmed"),
        p.flag("high_priority"),
        p.flag("self_descriptive"),
        reserved if type(reserved) is int else 0,
    )


def _date_time_from(obj: object, path: str) -> CosemDateTime | None:
    if obj is None:
        return None
    raw = _Path(obj, path).octets("hex")
    if len(raw) != 12:
        raise GbcsDecodeError(f"{path}.hex: a date-time is 12 octets")
    return CosemDateTime.from_bytes(raw)


def _specification_from(obj: object, path: str) -> RequestSpecification:
    p = _Path(obj, path)
    kind_label = p.text("kind")
    instance = _obis(p, "instance")
    access = None
    if p.optional("access") is not None:
        a = _Path(p.get("access"), f"{path}.access")
        access = SelectiveAccess(
            a.integer("selector"), data_from_json(a.get("parameters"), f"{path}.access.parameters")
        )
    if kind_label == "action":
        return RequestSpecification(
            RequestKind.ACTION,
            MethodDescriptor(p.integer("class_id"), instance, p.integer("method_id")),
        )
    descriptor = AttributeDescriptor(p.integer("class_id"), instance, p.integer("attribute_id"))
    if kind_label == "get":
        kind = RequestKind.GET if access is None else RequestKind.GET_WITH_SELECTION
    elif kind_label == "set":
        kind = RequestKind.SET if access is None else RequestKind.SET_WITH_SELECTION
    else:
        raise p.fail("kind", "expected get, set or action")
    return RequestSpecification(kind, descriptor, access)


def _obis(p: _Path, key: str) -> ObisCode:
    try:
        return ObisCode.parse(p.text(key))
    except ValueError as exc:
        raise p.fail(key, str(exc)) from None


def _request_from(obj: object, path: str) -> Request:
    spec = _specification_from(obj, path)
    data = data_from_json(_Path(obj, path).get("data"), f"{path}.data")
    if spec.kind is RequestKind.ACTION:
        assert isinstance(spec.descriptor, MethodDescriptor)
        return Action(spec.descriptor, data)
    assert isinstance(spec.descriptor, AttributeDescriptor)
    if spec.kind in (RequestKind.GET, RequestKind.GET_WITH_SELECTION):
        return Get(spec.descriptor, spec.access, data)
    return Set(spec.descriptor, data, spec.access)


def _response_from(obj: object, path: str) -> Response:
    p = _Path(obj, path)
    code = p.integer("code")
    if not 0 <= code <= 0xFF:
        raise p.fail("code", "out of range")
    data = data_from_json(p.get("data"), f"{path}.data")
    kind = p.text("kind")
    if kind == "get":
        return GetResult(data_access_result(code), data)
    if kind == "set":
        return SetResult(data_access_result(code), data)
    if kind == "action":
        return ActionResponse(action_result(code), data)
    raise p.fail("kind", "expected get, set or action")


def apdu_from_json(obj: object, path: str = "$") -> Apdu:
    p = _Path(obj, path)
    invoke = _invoke_from(p.get("invoke"), f"{path}.invoke")
    date_time = _date_time_from(p.optional("date_time"), f"{path}.date_time")
    kind = p.text("type")
    if kind == "access-request":
        requests = tuple(
            _request_from(r, f"{path}.requests[{i}]") for i, r in enumerate(p.items("requests"))
        )
        return AccessRequest(invoke, requests, date_time)
    if kind == "access-response":
        responses = tuple(
            _response_from(r, f"{path}.responses[{i}]") for i, r in enumerate(p.items("responses"))
        )
        echoed_raw = p.optional("echoed")
        echoed = None
        if echoed_raw is not None:
            if not isinstance(echoed_raw, list):
                raise p.fail("echoed", "expected a list or null")
            echoed = tuple(
                _specification_from(s, f"{path}.echoed[{i}]") for i, s in enumerate(echoed_raw)
            )
        return AccessResponse(invoke, responses, date_time, echoed)
    if kind == "data-notification":
        return DataNotification(invoke, data_from_json(p.get("body"), f"{path}.body"), date_time)
    raise p.fail("type", "expected access-request, access-response or data-notification")


def _description_from(obj: object, path: str, depth: int = 0) -> TypeDescription:
    if depth > 48:
        raise GbcsDecodeError(f"{path}: nested too deeply")
    p = _Path(obj, path)
    label = p.text("type")
    if label == "array":
        element = _description_from(p.get("element"), f"{path}.element", depth + 1)
        return TypeDescription(DataTag.ARRAY, (element,), p.integer("count"))
    if label == "structure":
        elements = tuple(
            _description_from(e, f"{path}.elements[{i}]", depth + 1)
            for i, e in enumerate(p.items("elements"))
        )
        return TypeDescription(DataTag.STRUCTURE, elements)
    tag = _TAG_BY_LABEL.get(label)
    if tag is None:
        raise p.fail("type", f"unknown type {label!r}")
    return TypeDescription(tag)


_TAG_BY_LABEL: Final = {tag.label: tag for tag in DataTag}


def data_from_json(obj: object, path: str = "$", depth: int = 0) -> Data:
    if depth > 48:
        raise GbcsDecodeError(f"{path}: nested too deeply")
    p = _Path(obj, path)
    label = p.text("type")
    integer = _INTEGER_BY_LABEL.get(label)
    try:
        if integer is not None:
            return integer(p.integer("value"))
        if label in ("array", "structure", "compact-array"):
            items = tuple(
                data_from_json(x, f"{path}.items[{i}]", depth + 1)
                for i, x in enumerate(p.items("items"))
            )
            if label == "array":
                return Array(items)
            if label == "structure":
                return Structure(items)
            return CompactArray(
                _description_from(p.get("description"), f"{path}.description"), items
            )
        if label == "null-data":
            return NullData()
        if label == "dont-care":
            return DontCare()
        if label == "boolean":
            raw = p.optional("raw")
            return Boolean(p.flag("value"), raw if type(raw) is int else None)
        if label == "bit-string":
            return BitString(p.integer("length"), p.octets("hex"))
        if label == "octet-string":
            raw_octets = p.octets("hex")
            ciphered = p.optional("ciphered")
            if ciphered is None:
                return OctetString(raw_octets)
            if len(raw_octets) < MIN_BLOCK_LENGTH:
                raise p.fail("hex", "too short for a ciphered block")
            c = _Path(ciphered, f"{path}.ciphered")
            plaintext_obj = c.optional("plaintext")
            plaintext = (
                None
                if plaintext_obj is None
                else data_from_json(plaintext_obj, f"{path}.ciphered.plaintext", depth + 1)
            )
            return EncryptedOctetString.parse(raw_octets, plaintext)
        if label == "visible-string":
            return VisibleString(p.text("value"))
        if label == "utf8-string":
            return Utf8String(p.text("value"))
        if label in ("float32", "float64"):
            raw_float = p.octets("hex")
            if len(raw_float) != (4 if label == "float32" else 8):
                raise p.fail("hex", f"wrong length for {label}")
            return float_from_octets(raw_float)
        if label == "date-time":
            return DateTimeData(CosemDateTime.from_bytes(p.octets("hex")))
        if label == "date":
            return DateData(CosemDate.from_bytes(p.octets("hex")))
        if label == "time":
            return TimeData(CosemTime.from_bytes(p.octets("hex")))
    except GbcsDecodeError:
        raise
    except ValueError as exc:
        raise GbcsDecodeError(f"{path}: {exc}") from exc
    raise p.fail("type", f"unknown data type {label!r}")
