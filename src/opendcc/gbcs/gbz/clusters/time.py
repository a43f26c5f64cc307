"""Time cluster (0x000A, ZCL 3.12): the device clock."""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import AttributeDef, ClusterDef, Meaning, attributes
from opendcc.gbcs.gbz.datatypes import ZclDataType as T

CLUSTER: Final = ClusterDef(
    0x000A,
    "Time",
    attributes(
        AttributeDef(0x0000, "Time", T.UTC_TIME, Meaning.TIMESTAMP),
        AttributeDef(0x0001, "TimeStatus", T.BITMAP8, Meaning.FLAGS),
        AttributeDef(0x0002, "TimeZone", T.INT32),
        AttributeDef(0x0003, "DstStart", T.UINT32, Meaning.TIMESTAMP),
        AttributeDef(0x0004, "DstEnd", T.UINT32, Meaning.TIMESTAMP),
        AttributeDef(0x0005, "DstShift", T.INT32),
        AttributeDef(0x0006, "StandardTime", T.UINT32, Meaning.TIMESTAMP),
        AttributeDef(0x0007, "LocalTime", T.UINT32, Meaning.TIMESTAMP),
        AttributeDef(0x0008, "LastSetTime", T.UTC_TIME, Meaning.TIMESTAMP),
        AttributeDef(0x0009, "ValidUntilTime", T.UTC_TIME, Meaning.TIMESTAMP),
    ),
)
