"""Named values of a DLMS payload: the engine that applies the object, use case and alert
tables to a decoded APDU.

- A Command (access-request) names itself: each request's descriptor names its object,
  and the object table says how the written value or method parameter reads.
- A Response (access-response) carries results only, in request order; the use case table
  (or the Command, when the caller has it) says which object each result belongs to. A
  register's value followed by its scaler_unit becomes one ``Quantity``; a protected read
  yields the decrypted values of the objects it asked for.
- An Alert (data-notification) names its code, date-time and the alert's own data.

Naming never raises: whatever does not match its table is still shown, generically named.
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.dlms.alerts import AlertType, alert_type
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    AccessResponse,
    Action,
    Apdu,
    DataNotification,
    Get,
    Response,
    ResponseKind,
    Set,
    result_label,
)
from opendcc.gbcs.dlms.classes import interface_class
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
    EncryptedOctetString,
    Enum,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    _IntegerData,
)
from opendcc.gbcs.dlms.layouts import DATETIME, SECONDS, Layout, auto, scaler_unit
from opendcc.gbcs.dlms.objects import (
    attribute_layout,
    attribute_name,
    method_layout,
    method_name,
    register_unit,
)
from opendcc.gbcs.dlms.usecases import Slot, UseCase, use_case
from opendcc.gbcs.dlms.values import Failure, Quantity, Record, RecordBuilder, Value

SUCCESS: Final = "success"
DATA_PROTECTION_CLASS: Final = 30
_SCALER_UNIT_OF: Final = {3: 3, 4: 3, 9000: 3}
"""class id -> the attribute holding the scaler_unit of attribute 2."""


def name_values(
    apdu: Apdu, use_case_code: str | None, request: AccessRequest | None = None
) -> Record:
    """The named values of an APDU of use case ``use_case_code``.

    ``request`` (the Command a Response answers) names the Response exactly, optional items
    included; without it the use case table names it.
    """
    if isinstance(apdu, AccessResponse):
        return name_response(apdu, use_case(use_case_code), request)
    if isinstance(apdu, AccessRequest):
        return name_request(apdu)
    return name_alert(apdu)


# --- commands ------------------------------------------------------------------------


def name_request(request: AccessRequest) -> Record:
    out = RecordBuilder()
    if request.date_time is not None:
        out.add("ExecutionDateTime", DATETIME.read(OctetString(bytes(request.date_time))))
    for item in request.requests:
        if isinstance(item, Get):
            name = attribute_name(item.attribute)
            out.add(name, None if item.access is None else _selection(item.access))
        elif isinstance(item, Set):
            out.add(
                attribute_name(item.attribute), attribute_layout(item.attribute).read(item.value)
            )
        elif item.method.class_id == DATA_PROTECTION_CLASS:
            out.add(method_name(item.method), _protected_request(item.parameters))
        else:
            out.add(method_name(item.method), method_layout(item.method).read(item.parameters))
    return out.build()


def _bound(value: Data) -> Value:
    if isinstance(value, _IntegerData):
        return SECONDS.read(value)
    return DATETIME.read(value)


def _selection(access: SelectiveAccess) -> Value:
    parameters = access.parameters
    if (
        access.selector == RANGE_DESCRIPTOR
        and isinstance(parameters, Structure)
        and len(parameters.items) >= 3
    ):
        return Record((("From", _bound(parameters.items[1])), ("To", _bound(parameters.items[2]))))
    return Record((("AccessSelector", access.selector), ("Parameters", auto(parameters))))


def _protected_objects(parameters: Data) -> list[tuple[AttributeDescriptor, Data]]:
    """The object list of a get_protected_attributes request: (descriptor, restriction)."""
    if not isinstance(parameters, Structure) or not parameters.items:
        return []
    object_list = parameters.items[0]
    if not isinstance(object_list, Array):
        return []
    found: list[tuple[AttributeDescriptor, Data]] = []
    for entry in object_list.items:
        if not (isinstance(entry, Structure) and len(entry.items) >= 3):
            continue
        class_id, name, attribute = entry.items[0], entry.items[1], entry.items[2]
        if not (
            isinstance(class_id, LongUnsigned)
            and isinstance(name, OctetString)
            and len(name.value) == 6
            and isinstance(attribute, _IntegerData)
            and -128 <= attribute.value <= 127
        ):
            continue
        restriction = entry.items[4] if len(entry.items) >= 5 else NullData()
        descriptor = AttributeDescriptor(
            class_id.value, ObisCode.from_bytes(name.value), attribute.value
        )
        found.append((descriptor, restriction))
    return found


def _restriction(restriction: Data) -> Value:
    """A data protection restriction: type 1 is a date range (GBCS log reads)."""
    if (
        isinstance(restriction, Structure)
        and len(restriction.items) == 2
        and isinstance(restriction.items[0], Enum)
        and restriction.items[0].value == 1
        and isinstance(restriction.items[1], Structure)
        and len(restriction.items[1].items) == 2
    ):
        low, high = restriction.items[1].items
        return Record((("From", _bound(low)), ("To", _bound(high))))
    return None


def _protected_request(parameters: Data) -> Value:
    out = RecordBuilder()
    for descriptor, restriction in _protected_objects(parameters):
        out.add(attribute_name(descriptor), _restriction(restriction))
    return out.build()


# --- responses -----------------------------------------------------------------------


def slots_from_request(request: AccessRequest) -> tuple[Slot, ...]:
    """The slots a Command defines for its Response (exact, optional items included)."""
    slots: list[Slot] = []
    for item in request.requests:
        if isinstance(item, Action):
            protects: tuple[Slot, ...] = ()
            if item.method.class_id == DATA_PROTECTION_CLASS:
                protects = tuple(
                    Slot(ResponseKind.GET, d, attribute_name(d), attribute_layout(d))
                    for d, _ in _protected_objects(item.parameters)
                )
            slots.append(
                Slot(
                    ResponseKind.ACTION,
                    item.method,
                    method_name(item.method),
                    method_layout(item.method),
                    protects,
                )
            )
        else:
            kind = ResponseKind.GET if isinstance(item, Get) else ResponseKind.SET
            slots.append(
                Slot(
                    kind,
                    item.attribute,
                    attribute_name(item.attribute),
                    attribute_layout(item.attribute),
                )
            )
    return tuple(slots)


def name_response(
    response: AccessResponse, case: UseCase | None, request: AccessRequest | None = None
) -> Record:
    kinds = [item.kind for item in response.responses]
    slots: tuple[Slot, ...] | None
    if request is not None:
        slots = slots_from_request(request)
    else:
        slots = case.slots_for(kinds) if case is not None else None
    out = RecordBuilder()
    items = response.responses
    index = 0
    while index < len(items):
        item = items[index]
        slot = slots[index] if slots is not None and index < len(slots) else None
        if slot is not None and slot.kind != item.kind:
            slot = None
        name = slot.name if slot is not None else f"item_{index + 1}"
        if not item.ok:
            out.add(name, Failure(result_label(item.result), int(item.result)))
            index += 1
            continue
        if slot is None:
            out.add(name, SUCCESS if isinstance(item.data, NullData) else auto(item.data))
            index += 1
            continue
        if item.kind is ResponseKind.GET:
            following = (
                (items[index + 1], slots[index + 1])
                if slots is not None and index + 1 < min(len(items), len(slots))
                else None
            )
            merged = _register(slot, item, following)
            if merged is not None:
                out.add(name, merged)
                index += 2
                continue
            out.add(name, _register_alone(slot, item.data))
        elif slot.protects:
            _protected_response(out, slot, item.data)
        elif isinstance(item.data, NullData):
            out.add(name, SUCCESS)
        elif isinstance(slot.descriptor, MethodDescriptor):
            method = slot.descriptor
            returns = interface_class(method.class_id).returns.get(method.method_id)
            out.add(name, returns.read(item.data) if returns is not None else auto(item.data))
        else:
            out.add(name, auto(item.data))
        index += 1
    return out.build()


def _register(
    slot: Slot, item: Response, following: tuple[Response, Slot] | None
) -> Quantity | None:
    """A register value and the scaler_unit read right after it, as one ``Quantity``."""
    descriptor = slot.descriptor
    if (
        following is None
        or not isinstance(descriptor, AttributeDescriptor)
        or descriptor.attribute_id != 2
    ):
        return None
    unit_attribute = _SCALER_UNIT_OF.get(descriptor.class_id)
    next_item, next_slot = following
    next_descriptor = next_slot.descriptor
    if (
        unit_attribute is None
        or not isinstance(next_descriptor, AttributeDescriptor)
        or next_descriptor.class_id != descriptor.class_id
        or next_descriptor.instance != descriptor.instance
        or next_descriptor.attribute_id != unit_attribute
        or not next_item.ok
        or not isinstance(item.data, _IntegerData)
    ):
        return None
    pair = scaler_unit(next_item.data)
    if pair is None:
        return None
    return Quantity(item.data.value, pair[0], pair[1])


def _register_alone(slot: Slot, data: Data) -> Value:
    descriptor = slot.descriptor
    if (
        isinstance(descriptor, AttributeDescriptor)
        and descriptor.attribute_id == 2
        and descriptor.class_id in _SCALER_UNIT_OF
        and isinstance(data, _IntegerData)
    ):
        unit = register_unit(descriptor.class_id, descriptor.instance)
        if unit is not None:
            return Quantity(data.value, 0, unit)
    return slot.layout.read(data)


def _ciphered(data: Data) -> EncryptedOctetString | None:
    if isinstance(data, EncryptedOctetString):
        return data
    if isinstance(data, Structure):
        for item in data.items:
            if isinstance(item, EncryptedOctetString):
                return item
    return None


def _add_protected(
    out: RecordBuilder, members: list[tuple[str, Layout, bool]], block: EncryptedOctetString | None
) -> None:
    if block is None or block.plaintext is None:
        out.add("Decrypted", False)
        for name, _, _ in members:
            out.add(name, None)
        return
    plaintext = block.plaintext
    values = plaintext.items if isinstance(plaintext, Structure) else (plaintext,)
    for index, value in enumerate(values):
        if index >= len(members):
            out.add(f"item_{index + 1}", auto(value))
            continue
        name, layout, inline = members[index]
        read = layout.read(value)
        if inline and isinstance(read, Record):
            for key, field in read.fields:
                out.add(key, field)
        else:
            out.add(name, read)


def _protected_response(out: RecordBuilder, slot: Slot, data: Data) -> None:
    members = [(sub.name, sub.layout, slot.inline) for sub in slot.protects]
    _add_protected(out, members, _ciphered(data))


# --- alerts --------------------------------------------------------------------------


def name_alert(notification: DataNotification) -> Record:
    body = notification.body
    out = RecordBuilder()
    if not (
        isinstance(body, Structure)
        and len(body.items) >= 2
        and isinstance(body.items[0], LongUnsigned)
        and isinstance(body.items[1], OctetString)
    ):
        out.add("Body", auto(body))
        return out.build()
    code = body.items[0].value
    kind: AlertType | None = alert_type(code)
    out.add("AlertCode", f"{code:04X}")
    out.add("AlertName", kind.name if kind is not None else None)
    stamp = body.items[1].value
    out.add(
        "AlertDateTime",
        DATETIME.read(body.items[1]) if len(stamp) == 12 else stamp,
    )
    rest = body.items[2:]
    if kind is not None and kind.protected:
        block = next((item for item in rest if isinstance(item, EncryptedOctetString)), None)
        _add_protected(out, [(name, layout, False) for name, layout in kind.protected], block)
        return out.build()
    fields = kind.fields if kind is not None else ()
    for index, item in enumerate(rest):
        if index < len(fields):
            name, layout = fields[index]
            out.add(name, layout.read(item))
        else:
            out.add(f"item_{index + 1}", auto(item))
    return out.build()
