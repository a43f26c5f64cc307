# ruff: noqa: E501  (the table keeps one alert code per line, however long its name)
"""GBCS Device Alert codes: the 2-byte codes Devices put in Alert payloads, with their names
and the message codes that carry them.

An Alert's grouping header carries a message code (which use case, or the generic
critical / non-critical alert 0x1000 / 0x1001); its payload carries the alert code that
says what happened (0x8F0A Billing Data Log Updated, ...). The payload codecs read the
alert code; this table names it. Names are the GBCS alert code list as public GBCS
documentation gives it; 0x8F85 to 0x8F88 are named for the use cases that raise them
(ECS100, ECS101, ECS102, ECS200; the DUIS MMC schema ties each of those alert codes to its
alert body), 0x8F89 to 0x8F8B for CCS08 and CS09.

``carried_by`` lists the message codes known to carry each alert code: every pairing the
reference vectors show (their file names give the alert code), plus the supply-outage
family 0x8F35-0x8F3C that the DUIS MMC schema groups with ECS80, and 0x8F1C beside 0x8F72
(the firmware verification outcome the Firmware Distribution Receipt Alerts report). Codes
with an empty ``carried_by`` travel in the generic alerts: 0x1000 when critical, 0x1001
otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class AlertCode:
    """One Device Alert code."""

    value: int
    name: str
    carried_by: tuple[int, ...] = ()
    """Message codes known to carry this alert code."""

    @property
    def hex(self) -> str:
        return f"{self.value:04X}"


_A: Final = AlertCode

# fmt: off
TABLE: Final[tuple[AlertCode, ...]] = (
    _A(0x8002, "Average RMS Voltage above Average RMS Over Voltage Threshold (current value above threshold; previous value below threshold)", ()),
    _A(0x8003, "Average RMS Voltage above Average RMS Over Voltage Threshold on Phase 1 (current value above threshold; previous value below threshold)", ()),
    _A(0x8004, "Average RMS Voltage above Average RMS Over Voltage Threshold on Phase 2 (current value above threshold; previous value below threshold)", ()),
    _A(0x8005, "Average RMS Voltage above Average RMS Over Voltage Threshold on Phase 3 (current value above threshold; previous value below threshold)", ()),
    _A(0x8006, "Average RMS Voltage below Average RMS Under Voltage Threshold (current value below threshold; previous value above threshold)", ()),
    _A(0x8007, "Average RMS Voltage below Average RMS Under Voltage Threshold on Phase 1 (current value below threshold; previous value above threshold)", ()),
    _A(0x8008, "Average RMS Voltage below Average RMS Under Voltage Threshold on Phase 2 (current value below threshold; previous value above threshold)", ()),
    _A(0x8009, "Average RMS Voltage below Average RMS Under Voltage Threshold on Phase 3 (current value below threshold; previous value above threshold)", ()),
    _A(0x8010, "Over Current", ()),
    _A(0x8011, "Over Current L1", ()),
    _A(0x8013, "Over Current L3", ()),
    _A(0x8014, "Power Factor Threshold Below", ()),
    _A(0x8015, "Power Factor Threshold Ok", ()),
    _A(0x8016, "Over Current L2", ()),
    _A(0x8020, "RMS Voltage above Extreme Over Voltage Threshold (voltage rises above for longer than the configurable period)", ()),
    _A(0x8021, "RMS Voltage above Extreme Over Voltage Threshold on Phase 1 (voltage rises above for longer than the configurable period)", ()),
    _A(0x8022, "RMS Voltage above Extreme Over Voltage Threshold on Phase 2 (voltage rises above for longer than the configurable period)", ()),
    _A(0x8023, "RMS Voltage above Extreme Over Voltage Threshold on Phase 3 (voltage rises above for longer than the configurable period)", ()),
    _A(0x8024, "RMS Voltage above Voltage Swell Threshold (voltage rises above for longer than the configurable period)", ()),
    _A(0x8025, "RMS Voltage above Voltage Swell Threshold on Phase 1 (voltage rises above for longer than the configurable period)", ()),
    _A(0x8026, "RMS Voltage above Voltage Swell Threshold on Phase 2 (voltage rises above for longer than the configurable period)", ()),
    _A(0x8027, "RMS Voltage above Voltage Swell Threshold on Phase 3 (voltage rises above for longer than the configurable period)", ()),
    _A(0x8028, "RMS Voltage below Extreme Under Voltage Threshold (voltage falls below for longer than the configurable period)", ()),
    _A(0x8029, "RMS Voltage below Extreme Under Voltage Threshold on Phase 1 (voltage falls below for longer than the configurable period)", ()),
    _A(0x802A, "RMS Voltage below Extreme Under Voltage Threshold on Phase 2 (voltage falls below for longer than the configurable period)", ()),
    _A(0x802B, "RMS Voltage below Extreme Under Voltage Threshold on Phase 3 (voltage falls below for longer than the configurable period)", ()),
    _A(0x802C, "RMS Voltage below Voltage Sag Threshold (voltage falls below for longer than the configurable period)", ()),
    _A(0x802D, "RMS Voltage below Voltage Sag Threshold on Phase 1 (voltage falls below for longer than the configurable period)", ()),
    _A(0x802E, "RMS Voltage below Voltage Sag Threshold on Phase 2 (voltage falls below for longer than the configurable period)", ()),
    _A(0x802F, "RMS Voltage below Voltage Sag Threshold on Phase 3 (voltage falls below for longer than the configurable period)", ()),
    _A(0x8071, "GPF Device Log Changed", ()),
    _A(0x8085, "Average RMS Voltage below Average RMS Over Voltage Threshold (current value below threshold; previous value above threshold)", ()),
    _A(0x8086, "Average RMS Voltage below Average RMS Over Voltage Threshold on Phase 1 (current value below threshold; previous value above threshold)", ()),
    _A(0x8087, "Average RMS Voltage below Average RMS Over Voltage Threshold on Phase 2 (current value below threshold; previous value above threshold)", ()),
    _A(0x8088, "Average RMS Voltage below Average RMS Over Voltage Threshold on Phase 3 (current value below threshold; previous value above threshold)", ()),
    _A(0x8089, "Average RMS Voltage above Average RMS Under Voltage Threshold (current value above threshold; previous value below threshold)", ()),
    _A(0x808A, "Average RMS Voltage above Average RMS Under Voltage Threshold on Phase 1 (current value above threshold; previous value below threshold)", ()),
    _A(0x808B, "Average RMS Voltage above Average RMS Under Voltage Threshold on Phase 2 (current value above threshold; previous value below threshold)", ()),
    _A(0x808C, "Average RMS Voltage above Average RMS Under Voltage Threshold on Phase 3 (current value above threshold; previous value below threshold)", ()),
    _A(0x808D, "RMS Voltage above Extreme Over Voltage Threshold (voltage returns below for longer than the configurable period)", ()),
    _A(0x808E, "RMS Voltage above Extreme Over Voltage Threshold on Phase 1 (voltage returns below for longer than the configurable period)", ()),
    _A(0x808F, "RMS Voltage above Extreme Over Voltage Threshold on Phase 2 (voltage returns below for longer than the configurable period)", ()),
    _A(0x8090, "RMS Voltage above Extreme Over Voltage Threshold on Phase 3 (voltage returns below for longer than the configurable period)", ()),
    _A(0x8091, "RMS Voltage above Voltage Swell Threshold (voltage returns below for longer than the configurable period)", ()),
    _A(0x8092, "RMS Voltage above Voltage Swell Threshold on Phase 1 (voltage returns below for longer than the configurable period)", ()),
    _A(0x8093, "RMS Voltage above Voltage Swell Threshold on Phase 2 (voltage returns below for longer than the configurable period)", ()),
    _A(0x8094, "RMS Voltage above Voltage Swell Threshold on Phase 3 (voltage returns below for longer than the configurable period)", ()),
    _A(0x8095, "RMS Voltage below Extreme Under Voltage Threshold (voltage returns above for longer than the configurable period)", ()),
    _A(0x8096, "RMS Voltage below Extreme Under Voltage Threshold on Phase 1 (voltage returns above for longer than the configurable period)", ()),
    _A(0x8097, "RMS Voltage below Extreme Under Voltage Threshold on Phase 2 (voltage returns above for longer than the configurable period)", ()),
    _A(0x8098, "RMS Voltage below Extreme Under Voltage Threshold on Phase 3 (voltage returns above for longer than the configurable period)", ()),
    _A(0x8099, "RMS Voltage below Voltage Sag Threshold (voltage returns above for longer than the configurable period)", ()),
    _A(0x809A, "RMS Voltage below Voltage Sag Threshold on Phase 1 (voltage returns above for longer than the configurable period)", ()),
    _A(0x809B, "RMS Voltage below Voltage Sag Threshold on Phase 2 (voltage returns above for longer than the configurable period)", ()),
    _A(0x809C, "RMS Voltage below Voltage Sag Threshold on Phase 3 (voltage returns above for longer than the configurable period)", ()),
    _A(0x810D, "Combined Credit Below Low Credit Threshold (prepayment mode)", ()),
    _A(0x810E, "Credit Added Locally", (0x1001,)),
    _A(0x8119, "Emergency Credit Has Become Available (prepayment mode)", ()),
    _A(0x811A, "Failure in changing or maintaining HCALCS or ALCS state", ()),
    _A(0x8131, "Success in changing or maintaining HCALCS or ALCS state", ()),
    _A(0x8145, "Clock adjusted (within tolerance)", ()),
    _A(0x8154, "Immediate HAN Interface Command Received and Successfully Actioned", ()),
    _A(0x8155, "Immediate HAN Interface Command Received but not Successfully Actioned", ()),
    _A(0x8161, "User Interface Command Input and Successfully Actioned", ()),
    _A(0x8162, "User Interface Command Input but not Successfully Actioned", ()),
    _A(0x8168, "Supply Disabled then Armed - Activate Emergency Credit triggered", ()),
    _A(0x8183, "Device joined SMHAN", ()),
    _A(0x8184, "Valve tested", ()),
    _A(0x819D, "GSME Command Not Retrieved", ()),
    _A(0x819E, "Tap Off Message Response or Alert Failure", ()),
    _A(0x81A0, "Smart Meter Integrity Issue Warning", (0x00F0, 0x00F2,)),
    _A(0x81A1, "Battery Cover Closed", ()),
    _A(0x81A2, "CH Connected to ESME", ()),
    _A(0x81A3, "CH Disconnected from ESME", ()),
    _A(0x81A4, "Close Tunnel Command Rejected", ()),
    _A(0x81A5, "Communication From Local Port (e.g. Optical)", ()),
    _A(0x81A6, "Customer Acknowledged Message on HAN Device", ()),
    _A(0x81A7, "Debt Collection Completed - Time Debt 1", ()),
    _A(0x81A8, "Debt Collection Completed - Time Debt 2", ()),
    _A(0x81A9, "Debt Collection Completed - Payment Debt", ()),
    _A(0x81AA, "Emergency Credit Exhausted", ()),
    _A(0x81AB, "Emergency Credit Activated", ()),
    _A(0x81AC, "Error Measurement Fault", ()),
    _A(0x81AD, "Error Metrology Firmware Verification Failure", ()),
    _A(0x81AE, "Error Non Volatile Memory", ()),
    _A(0x81AF, "Error Program Execution", ()),
    _A(0x81B0, "Error Program Storage", ()),
    _A(0x81B1, "Error RAM", ()),
    _A(0x81B2, "Error Unexpected Hardware Reset", ()),
    _A(0x81B3, "Error Watchdog", ()),
    _A(0x81B4, "Excess Gas Flow Beyond Meter Capacity", ()),
    _A(0x81B5, "Flow Sensor Detects Air in Gas Flow", ()),
    _A(0x81B6, "Flow Sensor Detects Reverse Flow of Gas", ()),
    _A(0x81B7, "Incorrect Phase Sequencing", ()),
    _A(0x81B8, "Incorrect Polarity", ()),
    _A(0x81B9, "Meter Cover Closed", ()),
    _A(0x81BA, "Request Tunnel Command Rejected", ()),
    _A(0x81BB, "Reverse Current", ()),
    _A(0x81BC, "Strong Magnetic Field Removed", ()),
    _A(0x81BD, "Supply Connect Failure (Valve or Load Switch)", ()),
    _A(0x81BE, "Supply Disabled Then Locked - Supply Tamper State Cause", ()),
    _A(0x81BF, "Supply Disabled Then Armed - Uncontrolled Gas Flow Rate", ()),
    _A(0x81C0, "Supply Disconnect Failure (Valve or Load Switch)", ()),
    _A(0x81C1, "Terminal Cover Closed", ()),
    _A(0x81C2, "Tilt Tamper Ended", ()),
    _A(0x81C3, "Tilt Tamper", ()),
    _A(0x81C4, "UTRN Manual Entry Suspended", ()),
    _A(0x81C5, "UTRN rejected as locked out", ()),
    _A(0x81C6, "Clock not adjusted (outside tolerance)", ()),
    _A(0x8F01, "Active Power Import above Load Limit Threshold", ()),
    _A(0x8F0A, "Billing Data Log Updated", (0x0061, 0x008B,)),
    _A(0x8F0C, "Clock not adjusted (adjustment greater than 10 seconds)", ()),
    _A(0x8F0F, "Credit Below Disablement Threshold (prepayment mode)", ()),
    _A(0x8F12, "CHF Device Log Changed", (0x0018,)),
    _A(0x8F1B, "Firmware Verification Failed At Power On", ()),
    _A(0x8F1C, "Firmware Verification Failed", (0x00CE, 0x00CF,)),
    _A(0x8F1D, "GSME Power Supply Loss", ()),
    _A(0x8F1E, "Integrity check of content or format of command failed", ()),
    _A(0x8F1F, "Low Battery Capacity", ()),
    _A(0x8F20, "Limited Duty Cycle Action Taken", (0x0110,)),
    _A(0x8F21, "Duty Cycle fallen below Normal-Limited Duty Cycle Threshold", ()),
    _A(0x8F22, "Critical Duty Cycle Action Taken", ()),
    _A(0x8F23, "Duty Cycle fallen below Limited-Critical Duty Cycle Threshold", ()),
    _A(0x8F24, "Regulated Duty Cycle Action Taken", ()),
    _A(0x8F25, "Duty Cycle fallen below Critical-Regulated Duty Cycle Threshold", ()),
    _A(0x8F26, "Sub GHz Channel Changed", (0x0111,)),
    _A(0x8F27, "Sub GHz Channel Scan initiated", ()),
    _A(0x8F28, "Sub GHz Channel Scan Request Assessment Outcome", (0x0112,)),
    _A(0x8F29, "Three Lost GSME Searches Failed", ()),
    _A(0x8F2A, "Sub GHz Configuration Changed", (0x0113,)),
    _A(0x8F2B, "Sub GHz Channel not changed due to Frequency Agility Parameters", ()),
    _A(0x8F2C, "Message Discarded Due to Duty Cycle Management", (0x0114,)),
    _A(0x8F2D, "No More Sub GHz Device Capacity", (0x0115,)),
    _A(0x8F30, "Source Does not have Authority for Command", (0x1000,)),
    _A(0x8F32, "Supply Armed", ()),
    _A(0x8F33, "Supply Disabled then Armed - Load Limit triggered", ()),
    _A(0x8F34, "Supply Enabled after Load Limit Restoration Period (Load Limit triggered)", ()),
    _A(0x8F35, "Supply Outage Restored", (0x0067,)),
    _A(0x8F36, "Supply Outage Restored - Outage >= 3 minutes", (0x0067,)),
    _A(0x8F37, "Supply Outage Restored on Phase 1", (0x0067,)),
    _A(0x8F38, "Supply Outage Restored on Phase 1 - Outage >= 3 minutes", (0x0067,)),
    _A(0x8F39, "Supply Outage Restored on Phase 2", (0x0067,)),
    _A(0x8F3A, "Supply Outage Restored on Phase 2 - Outage >= 3 minutes", (0x0067,)),
    _A(0x8F3B, "Supply Outage Restored on Phase 3", (0x0067,)),
    _A(0x8F3C, "Supply Outage Restored on Phase 3 - Outage >= 3 minutes", (0x0067,)),
    _A(0x8F3D, "Trusted Source Authentication Failure", ()),
    _A(0x8F3E, "Unauthorised Communication Access attempted", ()),
    _A(0x8F3F, "Unauthorised Physical Access - Tamper Detect", ()),
    _A(0x8F43, "Change in the executing Firmware version", ()),
    _A(0x8F47, "Credit would cause Meter Balance to exceed Maximum Meter Balance Threshold", ()),
    _A(0x8F48, "Device joining failed", ()),
    _A(0x8F49, "Device joining succeeded", ()),
    _A(0x8F4A, "Device Unjoining failed", ()),
    _A(0x8F4B, "Device Unjoining succeeded", ()),
    _A(0x8F4C, "Device's own Digital Signing Certificate replacement failed", ()),
    _A(0x8F4D, "Device's own Digital Signing Certificate replacement succeeded", ()),
    _A(0x8F4E, "Device's own Key Agreement Certificate replacement failed", ()),
    _A(0x8F4F, "Device's own Key Agreement Certificate replacement succeeded", ()),
    _A(0x8F51, "Duplicate UTRN entered", ()),
    _A(0x8F52, "Event Log Cleared", ()),
    _A(0x8F53, "Failed Authentication or Authorisation not covered by other codes", ()),
    _A(0x8F57, "Supply interrupted", ()),
    _A(0x8F58, "Supply interrupted on Phase 1", ()),
    _A(0x8F59, "Supply interrupted on Phase 2", ()),
    _A(0x8F5A, "Supply interrupted on Phase 3", ()),
    _A(0x8F5B, "UTRN exceeds Maximum Credit Threshold", ()),
    _A(0x8F60, "Unusual numbers of malformed, out-of-order or unexpected Commands received", ()),
    _A(0x8F63, "UTRN not Authentic", ()),
    _A(0x8F64, "UTRN not for this Device", ()),
    _A(0x8F66, "Future-date HAN Interface Command Successfully Actioned", (0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x0124,)),
    _A(0x8F67, "Future-date HAN Interface Command not Successfully Actioned", (0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x0124,)),
    _A(0x8F69, "Device commissioned", ()),
    _A(0x8F70, "Update Security Credentials", ()),
    _A(0x8F72, "Firmware Verification Successful", (0x00CE, 0x00CF,)),
    _A(0x8F73, "Unauthorised Physical Access - Battery Cover Removed", ()),
    _A(0x8F74, "Unauthorised Physical Access - Meter Cover Removed", ()),
    _A(0x8F75, "Unauthorised Physical Access - Strong Magnetic field", ()),
    _A(0x8F76, "Unauthorised Physical Access - Terminal Cover Removed", ()),
    _A(0x8F77, "Unauthorised Physical Access - Second Terminal Cover Removed", ()),
    _A(0x8F78, "Unauthorised Physical Access - Other", ()),
    _A(0x8F82, "Remaining Battery Capacity reset", ()),
    _A(0x8F83, "Disablement of Supply due to insufficient credit has been suspended", ()),
    _A(0x8F84, "Failure to Deliver Remote Party Message to ESME", (0x00D5,)),
    _A(0x8F85, "Command not supported by Device", (0x0120,)),
    _A(0x8F86, "Limit APC Level Command processed", (0x0121,)),
    _A(0x8F87, "Limit APC Level ended or cancelled", (0x0122,)),
    _A(0x8F88, "Operational Update", (0x0123,)),
    _A(0x8F89, "Firmware Transfer Alert - failure", (0x0128,)),
    _A(0x8F8A, "Firmware Transfer Alert - success", (0x0128,)),
    _A(0x8F8B, "PPMID Firmware Activation (Read Firmware Version)", (0x012B,)),
)
# fmt: on

_BY_VALUE: Final[dict[int, AlertCode]] = {row.value: row for row in TABLE}


def lookup(value: int) -> AlertCode | None:
    """The named alert code ``value``, or None."""
    return _BY_VALUE.get(value)


def carried_by(message_code: int) -> tuple[AlertCode, ...]:
    """The alert codes a message code is known to carry."""
    return tuple(row for row in TABLE if message_code in row.carried_by)


def alert_code_in(data: bytes) -> int | None:
    """The 0x8Fxx (or other) alert code a GBCS Alert carries, whatever its payload family.

    DUIS reports it as ``DeviceAlertMessage/AlertCode``. None when ``data`` is not an Alert
    or the code cannot be read.
    """
    # Imported here: the payload codecs import this module's table.
    from opendcc.gbcs.codec import decode  # noqa: PLC0415
    from opendcc.gbcs.context import GbcsDecodeError  # noqa: PLC0415

    try:
        decoded = decode(data)
    except GbcsDecodeError:
        return None
    values = decoded.payload.to_json().get("values") or {}
    candidates = [values.get("AlertCode"), values.get("alert_code")]
    alert = values.get("alert")
    if isinstance(alert, dict):
        candidates.append(alert.get("AlertCode"))
    for candidate in candidates:
        if isinstance(candidate, str):
            try:
                return int(candidate, 16)
            except ValueError:
                continue
        if isinstance(candidate, int):
            return candidate
    return None
