"""Basic cluster (0x0000, ZCL 3.2): device identity as GBCS reads it (GCS21e, GCS21m)."""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import AttributeDef, ClusterDef, Meaning, attributes, commands
from opendcc.gbcs.gbz.datatypes import ZclDataType as T
from opendcc.gbcs.gbz.fields import Command

POWER_SOURCE: Final = {
    0x00: "Unknown",
    0x01: "Mains (single phase)",
    0x02: "Mains (3 phase)",
    0x03: "Battery",
    0x04: "DC source",
    0x05: "Emergency mains constantly powered",
    0x06: "Emergency mains and transfer switch",
}

CLUSTER: Final = ClusterDef(
    0x0000,
    "Basic",
    attributes(
        AttributeDef(0x0000, "ZCLVersion", T.UINT8),
        AttributeDef(0x0001, "ApplicationVersion", T.UINT8),
        AttributeDef(0x0002, "StackVersion", T.UINT8),
        AttributeDef(0x0003, "HWVersion", T.UINT8),
        AttributeDef(0x0004, "ManufacturerName", T.CHARACTER_STRING, Meaning.TEXT),
        AttributeDef(0x0005, "ModelIdentifier", T.CHARACTER_STRING, Meaning.TEXT),
        AttributeDef(0x0006, "DateCode", T.CHARACTER_STRING, Meaning.TEXT),
        AttributeDef(0x0007, "PowerSource", T.ENUM8, Meaning.ENUMERATION, POWER_SOURCE),
        AttributeDef(0x000A, "ProductCode", T.OCTET_STRING, Meaning.OCTETS),
        AttributeDef(0x000B, "ProductURL", T.CHARACTER_STRING, Meaning.TEXT),
        AttributeDef(0x0010, "LocationDescription", T.CHARACTER_STRING, Meaning.TEXT),
        AttributeDef(0x0011, "PhysicalEnvironment", T.ENUM8, Meaning.ENUMERATION),
        AttributeDef(0x0012, "DeviceEnabled", T.BOOLEAN),
        AttributeDef(0x0013, "AlarmMask", T.BITMAP8, Meaning.FLAGS),
        AttributeDef(0x0014, "DisableLocalConfig", T.BITMAP8, Meaning.FLAGS),
        AttributeDef(0x4000, "SWBuildID", T.CHARACTER_STRING, Meaning.TEXT),
    ),
    client_commands=commands(Command(0x00, "ResetToFactoryDefaults", (), False)),
)
