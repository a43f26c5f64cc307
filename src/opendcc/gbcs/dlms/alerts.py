"""GBCS DLMS Alerts: the data-notification body ``structure {alert code, date-time, ...}``
and, per alert code, the names of what follows (MMC ``DeviceAlertMessagePayload`` names).

Codes without a row still decode: their extra items are named ``item_<n>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from opendcc.eui import Eui64
from opendcc.gbcs.dlms.classes import DEVICE_KEY
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, ObisCode
from opendcc.gbcs.dlms.data import Data, OctetString, _IntegerData
from opendcc.gbcs.dlms.layouts import (
    BITS,
    DATETIME,
    EUI,
    HEX,
    INT,
    TEXT,
    Fields,
    Layout,
    ListOf,
    auto,
)
from opendcc.gbcs.dlms.objects import CONSUMPTION_LOG, attribute_name
from opendcc.gbcs.dlms.values import Record, Value


@dataclass(frozen=True, slots=True)
class FutureDatedInstruction(Layout):
    """0x8F66/0x8F67: message code (2), originator counter (8), then the COSEM attribute
    descriptor of the future-dated instruction (class 2, OBIS 6, attribute 1)."""

    def read(self, data: Data) -> Value:
        if not isinstance(data, OctetString) or len(data.value) != 19:
            return auto(data)
        raw = data.value
        descriptor = AttributeDescriptor(
            int.from_bytes(raw[10:12], "big"),
            ObisCode.from_bytes(raw[12:18]),
            int.from_bytes(raw[18:19], "big", signed=True),
        )
        return Record(
            (
                ("FutureDatedCommandMessageCode", raw[0:2].hex().upper()),
                ("FutureDatedCommandOriginatorCounter", int.from_bytes(raw[2:10], "big")),
                (
                    "DLMSCOSEMFDInstructionIdentification",
                    Record(
                        (
                            ("ClassId", descriptor.class_id),
                            ("InstanceId", str(descriptor.instance)),
                            ("AttributeId", descriptor.attribute_id),
                            ("Name", attribute_name(descriptor)),
                        )
                    ),
                ),
            )
        )


@dataclass(frozen=True, slots=True)
class CommandReceived(Layout):
    """0x8F85: the message code (2) and originator counter (8) of the refused Command."""

    def read(self, data: Data) -> Value:
        if not isinstance(data, OctetString) or len(data.value) != 10:
            return auto(data)
        return Record(
            (
                ("MessageCodeofCommandReceived", data.value[0:2].hex().upper()),
                ("OriginatorCounterfromCommandReceived", int.from_bytes(data.value[2:10], "big")),
            )
        )


@dataclass(frozen=True, slots=True)
class DiscardedMessage(Layout):
    """0x8F2C: originator and recipient system titles, CRA flag and originator counter of
    the message the CHF discarded."""

    def read(self, data: Data) -> Value:
        if not isinstance(data, OctetString) or len(data.value) != 25:
            return auto(data)
        raw = data.value
        return Record(
            (
                ("Originator", str(Eui64.from_bytes(raw[0:8]))),
                ("Recipient", str(Eui64.from_bytes(raw[8:16]))),
                ("CRAFlag", raw[16]),
                ("OriginatorCounter", int.from_bytes(raw[17:25], "big")),
            )
        )


@dataclass(frozen=True, slots=True)
class AuxiliaryControllerRef(Layout):
    """0x8F86/0x8F87: one octet; the low nibble is the auxiliary controller number, the high
    nibble 2 marks input from the controlled load (1: the controller's output), as the
    reference alerts for input and output show."""

    def read(self, data: Data) -> Value:
        if not isinstance(data, _IntegerData):
            return auto(data)
        return Record(
            (
                ("AuxiliaryControllerN", data.value & 0x0F),
                ("InputFromControlledLoad", data.value >> 4 == 2),
            )
        )


@dataclass(frozen=True, slots=True)
class AlertType:
    code: int
    name: str
    fields: tuple[tuple[str, Layout], ...] = ()
    protected: tuple[tuple[str, Layout], ...] = ()
    """For alerts carrying a ciphered block: the names of the plaintext's members."""


_SUB_GHZ_CONFIGURATION: Final = Fields(
    (
        ("LowerBandSubGHzChannels0To26", BITS),
        ("LowerBandSubGHzChannels27To34", BITS),
        ("LowerBandSubGHzChannels35To61", BITS),
        ("UpperBandSubGHzChannels0To26", BITS),
    )
)
_OUTAGE: Final = (("interruptionValue", DATETIME), ("restorationValue", DATETIME))

_ALERTS: Final[tuple[AlertType, ...]] = (
    AlertType(
        0x8F0A,
        "Billing Data Log Updated",
        protected=(("BillingDataLog", CONSUMPTION_LOG),),
    ),
    AlertType(
        0x8F12,
        "CHF Device Log Changed",
        (
            (
                "CHFDeviceLog",
                Fields(
                    (
                        ("Timestamp", DATETIME),
                        ("ExtendedPANID", HEX),
                        ("Devices", ListOf(DEVICE_KEY)),
                    )
                ),
            ),
        ),
    ),
    AlertType(0x8F1C, "Firmware Verification Failed", (("ManufacturerImageHash", HEX),)),
    AlertType(0x8F20, "Limited Duty Cycle Action Taken", (("DeviceID", EUI),)),
    AlertType(
        0x8F26,
        "Sub GHz Channel Changed",
        (("Change", Fields((("OperatingSubGHzChannel", BITS),))),),
    ),
    AlertType(0x8F28, "Sub GHz Channel Scan Request Assessment Outcome", (("Outcome", HEX),)),
    AlertType(
        0x8F2A,
        "Sub GHz Configuration Changed",
        (("CHFSubGHzConfiguration", _SUB_GHZ_CONFIGURATION),),
    ),
    AlertType(
        0x8F2C,
        "Message Discarded Due to Duty Cycle Management",
        (("DiscardedMessage", DiscardedMessage()),),
    ),
    AlertType(0x8F2D, "No More Sub GHz Device Capacity", (("DeviceID", EUI),)),
    *(AlertType(code, "Supply Outage Restored", _OUTAGE) for code in range(0x8F35, 0x8F3D)),
    AlertType(
        0x8F66,
        "Future Dated Execution Of Instruction (success)",
        (("COSEMFutureDatedAlert", FutureDatedInstruction()),),
    ),
    AlertType(
        0x8F67,
        "Future Dated Execution Of Instruction (failure)",
        (("COSEMFutureDatedAlert", FutureDatedInstruction()),),
    ),
    AlertType(0x8F72, "Firmware Distribution Receipt", (("ManufacturerImageHash", HEX),)),
    AlertType(
        0x8F85,
        "Command Not Supported By Device",
        (("CommandNotSupportedbyDevice", CommandReceived()),),
    ),
    AlertType(
        0x8F86,
        "Limit APC Level Command Processed",
        (
            ("AuxiliaryController", AuxiliaryControllerRef()),
            ("APCLimitPeriodStart", DATETIME),
            ("APCLimitPeriodEnd", DATETIME),
            ("ResultingLevel", INT),
        ),
    ),
    AlertType(
        0x8F87,
        "Limit APC Level Ended Or Cancelled",
        (("AuxiliaryController", AuxiliaryControllerRef()), ("ResultingLevel", INT)),
    ),
    AlertType(0x8F88, "Operational Update", (("StateAndAssociatedInformation", TEXT),)),
    AlertType(0x81A0, "Smart Meter Integrity Issue Warning", (("IntegrityIssueWarning", HEX),)),
)

ALERT_TYPES: Final[dict[int, AlertType]] = {alert.code: alert for alert in _ALERTS}


def alert_type(code: int) -> AlertType | None:
    return ALERT_TYPES.get(code)
