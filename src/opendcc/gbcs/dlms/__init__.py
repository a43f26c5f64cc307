"""DLMS/COSEM payloads of GBCS messages: A-XDR codec, typed APDUs and named values.

The frame layer calls ``decode(content, context)`` and ``encode(payload)``. A decoded
``DlmsPayload`` holds the APDU (``AccessRequest``, ``AccessResponse`` or
``DataNotification``), renders as JSON (``to_json``/``from_json``) and names its content
(``payload.values``) from the COSEM object table and the per use case tables. The
``builders`` module constructs Commands, Responses and Alerts from typed values.
"""

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
    Set,
    SetResult,
)
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, ObisCode, SelectiveAccess
from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime
from opendcc.gbcs.dlms.naming import name_values
from opendcc.gbcs.dlms.payload import DlmsPayload, decode, encode
from opendcc.gbcs.dlms.values import Failure, Quantity, Record

__all__ = [
    "AccessRequest",
    "AccessResponse",
    "Action",
    "ActionResponse",
    "ActionResult",
    "AttributeDescriptor",
    "CosemDate",
    "CosemDateTime",
    "CosemTime",
    "DataAccessResult",
    "DataNotification",
    "DlmsPayload",
    "Failure",
    "Get",
    "GetResult",
    "InvokeIdAndPriority",
    "MethodDescriptor",
    "ObisCode",
    "Quantity",
    "Record",
    "SelectiveAccess",
    "Set",
    "SetResult",
    "decode",
    "encode",
    "name_values",
]
