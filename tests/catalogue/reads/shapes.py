"""The structure of a Response, without its values: what must agree between a simulated
Device's answer and the reference Response of the same use case.

DLMS: the APDU type, then per result its kind, success or failure and the type tree of
its data (element types of arrays, the full type description of compact-arrays, the
plaintext's type tree inside an encrypted block). GBZ: per component its cluster, whether
it is encrypted, the ZCL frame control and command, and the ZCL payload's layout (the
attributes and their types or statuses; a cluster command's field names; a Default
Response's command).
"""

from __future__ import annotations

from typing import Any

from opendcc.gbcs.codec import DecodedMessage
from opendcc.gbcs.dlms.apdu import AccessResponse, ActionResponse, GetResult, SetResult
from opendcc.gbcs.dlms.data import (
    Array,
    CompactArray,
    Data,
    EncryptedOctetString,
    Structure,
    TypeDescription,
)
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.gbz.payload import EncryptedGbzComponent, GbzPayload
from opendcc.gbcs.gbz.zcl import ClusterCommand, DefaultResponse, ReadAttributesResponse


def _description(d: TypeDescription) -> Any:
    return (d.tag.name, tuple(_description(e) for e in d.elements), d.count)


def data_shape(data: Data | None) -> Any:
    if data is None:
        return None
    if isinstance(data, EncryptedOctetString):
        return ("encrypted", data_shape(data.plaintext))
    if isinstance(data, Structure):
        return ("structure", tuple(data_shape(item) for item in data.items))
    if isinstance(data, Array):
        return ("array", data_shape(data.items[0]) if data.items else None)
    if isinstance(data, CompactArray):
        return ("compact-array", _description(data.description), bool(data.items))
    return type(data).__name__


def result_shape(result: object) -> Any:
    if isinstance(result, GetResult):
        ok = result.result == 0
        return ("get", ok, data_shape(result.data) if ok else None)
    if isinstance(result, SetResult):
        return ("set", result.result == 0)
    assert isinstance(result, ActionResponse)
    ok = result.result == 0
    return ("action", ok, data_shape(result.data) if ok else None)


def component_shape(component: object) -> Any:
    if isinstance(component, EncryptedGbzComponent):
        header, payload, encrypted = component.header, component.plaintext, True
    else:
        frame = component.frame  # type: ignore[attr-defined]
        header, payload, encrypted = frame.header, frame.payload, False
    if isinstance(payload, ReadAttributesResponse):
        body: Any = tuple(
            (r.attribute_id, r.status == 0, r.value.type.name if r.value else None)
            for r in payload.records
        )
    elif isinstance(payload, ClusterCommand):
        fields = dict(payload.fields.items())
        body = (payload.name, tuple(fields))
        for value in fields.values():
            if isinstance(value, tuple) and value:
                body += (tuple(dict(value[0].items())),)
    elif isinstance(payload, DefaultResponse):
        body = ("default-response", payload.command_id, payload.status)
    else:
        body = type(payload).__name__
    return (
        component.cluster_id,  # type: ignore[attr-defined]
        encrypted,
        header.frame_control,
        header.command_id,
        body,
    )


def shape(decoded: DecodedMessage) -> Any:
    """The whole Response's structure (message code, CRA, format, then the payload's)."""
    message = decoded.message
    relayed = message.header.other_information.supplementary_remote_party is not None
    head = (message.header.cra.name, message.message_code, relayed)
    payload = decoded.payload
    if isinstance(payload, DlmsPayload):
        apdu = payload.apdu
        assert isinstance(apdu, AccessResponse)
        return (*head, "dlms", tuple(result_shape(r) for r in apdu.responses))
    assert isinstance(payload, GbzPayload), payload
    return (*head, "gbz", tuple(component_shape(c) for c in payload.components))


def results(decoded: DecodedMessage) -> list[Any]:
    """Per result (DLMS) or component (GBZ) its shape, in order."""
    return list(shape(decoded)[4])
