"""GBZ: the ZigBee payloads of GBCS messages (gas, GPF, PPMID and ZigBee alert use cases).

The frame layer calls ``decode`` with the content of a message whose payload is GBZ and
``encode`` to write one back; ``encode(decode(x, ctx)) == x`` for every payload this
package reads. ``GbzPayload.to_json()`` gives the structure and a read-only ``values``
view of named, typed values; ``GbzPayload.from_json`` rebuilds the structure exactly.
``opendcc.gbcs.gbz.builders`` makes Commands and device Responses from typed values.
"""

from __future__ import annotations

from opendcc.gbcs.context import PayloadContext
from opendcc.gbcs.gbz.datatypes import ZclDataType, ZclValue
from opendcc.gbcs.gbz.fields import Record
from opendcc.gbcs.gbz.payload import (
    GBZ_PROFILE_ID,
    AlertBody,
    Component,
    EncryptedGbzComponent,
    Encryptor,
    FirmwareImageHash,
    FutureDatedOutcome,
    GbzAlert,
    GbzComponent,
    GbzHeader,
    GbzPayload,
    IntegrityIssueWarning,
    RawAlertBody,
    decode_payload,
    encode_payload_bytes,
)
from opendcc.gbcs.gbz.status import ZclStatus
from opendcc.gbcs.gbz.zcl import (
    ClusterCommand,
    DefaultResponse,
    RawPayload,
    ReadAttributeRecord,
    ReadAttributes,
    ReadAttributesResponse,
    WriteAttributeRecord,
    WriteAttributes,
    WriteAttributesResponse,
    WriteAttributeStatusRecord,
    ZclFrame,
    ZclHeader,
    ZclPayload,
)

__all__ = [
    "GBZ_PROFILE_ID",
    "AlertBody",
    "ClusterCommand",
    "Component",
    "DefaultResponse",
    "EncryptedGbzComponent",
    "Encryptor",
    "FirmwareImageHash",
    "FutureDatedOutcome",
    "GbzAlert",
    "GbzComponent",
    "GbzHeader",
    "GbzPayload",
    "IntegrityIssueWarning",
    "RawAlertBody",
    "RawPayload",
    "ReadAttributeRecord",
    "ReadAttributes",
    "ReadAttributesResponse",
    "Record",
    "WriteAttributeRecord",
    "WriteAttributeStatusRecord",
    "WriteAttributes",
    "WriteAttributesResponse",
    "ZclDataType",
    "ZclFrame",
    "ZclHeader",
    "ZclPayload",
    "ZclStatus",
    "ZclValue",
    "decode",
    "encode",
]


def decode(content: bytes, context: PayloadContext) -> GbzPayload:
    """Decode a GBZ payload; raises ``GbcsDecodeError`` (and nothing else) on bad input."""
    return decode_payload(content, context)


def encode(payload: GbzPayload) -> bytes:
    """The bytes of ``payload``; raises ``GbcsEncodeError`` for values that cannot be written."""
    return encode_payload_bytes(payload)
