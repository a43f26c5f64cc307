"""The structure of a decoded GBCS payload, for comparing a simulated Device's answer with
a reference Response: message code, CRA, payload family, and the APDU or component shape
with value types, not values.

Lengths that depend on the data (how many seasons a tariff has, how many log entries fall in
a period) are not structure: an array's shape is its element type (any element type
matches an empty array), and consecutive GBZ components answering one command collapse
into one.
"""

from __future__ import annotations

from typing import Any

from opendcc.gbcs.codec import DecodedMessage
from opendcc.gbcs.dlms.apdu import AccessResponse, DataNotification
from opendcc.gbcs.dlms.data import Array, CompactArray, Data, EncryptedOctetString, Structure
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.gbz.payload import EncryptedGbzComponent, GbzComponent, GbzPayload
from opendcc.gbcs.gbz.zcl import (
    ClusterCommand,
    DefaultResponse,
    ReadAttributesResponse,
    ZclFrame,
)

ANY = "*"


def data_shape(value: Data) -> Any:
    if isinstance(value, Structure):
        return ("structure", tuple(data_shape(v) for v in value.items))
    if isinstance(value, Array):
        return ("array", data_shape(value.items[0]) if value.items else ANY)
    if isinstance(value, CompactArray):
        return ("compact-array", repr(value.description))
    if isinstance(value, EncryptedOctetString):
        inner = data_shape(value.plaintext) if value.plaintext is not None else ANY
        return ("encrypted", inner)
    return type(value).__name__


def _frame_shape(frame: ZclFrame | None, payload: object) -> Any:
    header = frame.header if frame is not None else None
    control = header.frame_control if header is not None else None
    if isinstance(payload, DefaultResponse):
        return (control, "DefaultResponse", payload.command_id, payload.status)
    if isinstance(payload, ReadAttributesResponse):
        records = tuple(
            (r.attribute_id, r.status, r.value.type.name if r.value is not None else None)
            for r in payload.records
        )
        return (control, "ReadAttributesResponse", records)
    if isinstance(payload, ClusterCommand):
        return (control, payload.name, tuple(payload.fields))
    return (control, type(payload).__name__)


def _component_shape(component: object) -> Any:
    if isinstance(component, EncryptedGbzComponent):
        frame = ZclFrame(component.header, component.plaintext) if component.plaintext else None
        inner = _frame_shape(frame, component.plaintext) if component.plaintext else ANY
        return (component.cluster_id, "encrypted", inner)
    assert isinstance(component, GbzComponent)
    return (component.cluster_id, "plain", _frame_shape(component.frame, component.frame.payload))


def shape(decoded: DecodedMessage) -> Any:
    message = decoded.message
    payload = decoded.payload
    head = (message.header.cra.label, message.message_code)
    if isinstance(payload, DlmsPayload):
        apdu = payload.apdu
        if isinstance(apdu, AccessResponse):
            results = tuple(
                (type(r).__name__, int(r.result), data_shape(r.data)) for r in apdu.responses
            )
            return (*head, "dlms", "access-response", results)
        if isinstance(apdu, DataNotification):
            return (*head, "dlms", "data-notification", data_shape(apdu.body))
        return (*head, "dlms", type(apdu).__name__)
    if isinstance(payload, GbzPayload):
        components: list[Any] = []
        for component in payload.components:
            item = _component_shape(component)
            if not components or components[-1] != item:
                components.append(item)
        alert = None
        if payload.alert is not None:
            body = payload.alert.body
            alert = (payload.alert.alert_code, type(body).__name__ if body else None)
        return (*head, "gbz", alert, tuple(components))
    return (*head, type(payload).__name__)


def same(ours: Any, theirs: Any) -> bool:
    """Equal shapes, an ANY on either side matching anything."""
    if ANY in (ours, theirs):
        return True
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        return len(ours) == len(theirs) and all(
            same(a, b) for a, b in zip(ours, theirs, strict=True)
        )
    return bool(ours == theirs)
