# ruff: noqa: E501  (the table keeps one message code per line, however long its title)
"""GBCS message codes: which use case each 2-byte message code in the grouping header names.

The table is the project's own, written from facts:

- every message code a reference vector carries (the RTDS folders are named
  ``<Service Reference Variant>_<use case>``, so each vector ties its code to a use case and
  to the DUIS Service Reference Variants it serves);
- the GBCS message code table as public GBCS documentation lists it (the codes of use
  cases no vector exercises: PECS01-03 and HECS01, CS02b rootBySupplier and
  rootByWanProvider, the Failure to Deliver Remote Party Message alert 0x00D5), and the
  CS02b and CS02g variant names;
- titles, GBCS message types and DUIS service references from the DUIS GBCS use case
  catalogue (``gbcs-use-cases.json``); for codes the catalogue does not list (older use
  cases such as ECS08, ECS30, ECS47 and the alert-only codes) the title GBCS gives.

``use_case`` is the GBCS use case code. Where GBCS splits one catalogue entry into several
codes it carries the split name (ECS25a1..a3, ECS25b3, ECS25r1/r2, the ten CS02b
variants, the two CS02g variants) and ``catalogue_code`` says how the catalogue writes it.
Message codes that only ever carry an Alert (``MessageKind.ALERT``) are named for their use
case where they belong to one (CS14, ECS68, DBCH06; the future-dated outcome alerts of
CS06, CS02b and CS02g), by the reference test data's short names where they do not
(FDRA, MIIWA, GCA, GNCA), and have no use case where any of many use cases can raise
them (0x00CC, 0x00CD: future-dated DLMS and GBZ commands; 0x00D5).

The catalogue's CS05a, CS05b and CS05c (Distribute Firmware) have no message code: the
catalogue marks them neither Remote Party nor HAN messages, because the firmware image
travels over the CSP's own transfer, not as a GBCS message; the GBCS messages around them
are the Firmware Distribution Receipt Alerts (0x00CE, 0x00CF) and, for a PPMID, CCS08
(0x0128) and CS09 (0x012B). ``USE_CASES_WITHOUT_MESSAGE_CODE`` records that.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Final


class MessageKind(enum.Enum):
    """Whether a code names a Command (with its Response) or only ever an Alert."""

    COMMAND = "command"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class MessageCode:
    """One row of the message code table."""

    value: int
    use_case: str | None
    title: str
    kind: MessageKind
    message_type: str | None
    """The GBCS message type the catalogue gives (``SME.C.NC``, ``SME.C.C``, ...)."""
    service_reference: str | None
    """The DUIS service reference(s) as the catalogue writes them (``4.1``, ``7.9, 7.10``)."""
    service_reference_variants: tuple[str, ...]
    """DUIS Service Reference Variants the reference test data carries this code for."""
    variant: str | None = None
    han_only: bool = False
    """A HAN-only message between two Devices (PPMID or HCALCS to a meter)."""
    catalogue_code: str | None = None

    @property
    def hex(self) -> str:
        return f"{self.value:04X}"

    @property
    def name(self) -> str:
        """``ECS17b Read Import Energy / Consumption Registers`` (with any variant)."""
        parts = [self.use_case or f"0x{self.hex}", self.title]
        if self.variant:
            parts.append(f"({self.variant})")
        return " ".join(parts)


_C: Final = MessageKind.COMMAND
_A: Final = MessageKind.ALERT
_M: Final = MessageCode
_NC_PREPAYMENT: Final = (
    "SME.C.NC but with additional cryptographic processing specified in GBCS Sections "
    "14.3.4 and 14.3.5"
)

# fmt: off
TABLE: Final[tuple[MessageCode, ...]] = (
    _M(0x0001, "CCS01", "Add Device to CHF device log", _C, "SME.C.NC", "8.11", ("8.11",)),
    _M(0x0002, "CCS02", "Remove device from CHF device log", _C, "SME.C.NC", "8.11", ("8.11",)),
    _M(0x0003, "CCS03", "Restore CHF Device Log", _C, "SME.C.NC", "8.12", ("8.12.1",)),
    _M(0x0004, "CCS05CCS04", "Read CHF Device Log / Check HAN Communications", _C, None, None, ("8.9",)),
    _M(0x0007, "CS01a", "Apply Prepayment Top Up", _C, _NC_PREPAYMENT, "2.2", ("2.2",)),
    _M(0x0008, "CS02a", "Provide Security Credentials Details", _C, "Variant Command & Response", "See GBCS", ("6.24.1",)),
    _M(0x000A, "CS02c", "Issue Security Credentials", _C, "SME.C.C", "See GBCS", ("6.17",)),
    _M(0x000B, "CS02d", "Update Device Certificates on Device", _C, "SME.C.C", "See GBCS", ("6.15.2",)),
    _M(0x000C, "CS02e", "Provide Device Certificates from Device", _C, "Variant Command & Response", "See GBCS", ("6.24.2",)),
    _M(0x000D, "CS03A1", "Method A Join (Meter)", _C, "SME.C.C", "See GBCS", ("8.7.1",)),
    _M(0x000E, "CS03B", "Method B Join", _C, "SME.C.NC", "See GBCS", ("8.7.2",)),
    _M(0x000F, "CS04AC", "Method A or C Unjoin", _C, "SME.C.C", "See GBCS", ("8.8.1", "8.8.2")),
    _M(0x0010, "CS04B", "Method B Unjoin", _C, "SME.C.NC", "See GBCS", ("8.8.2",)),
    _M(0x0012, "CS06", "Activate Firmware", _C, "SME.C.C", "See GBCS", ("11.3",)),
    _M(0x0013, "CS07", "Read Device Join Details", _C, "SME.C.NC", "8.9", ("8.9",)),
    _M(0x0014, "CS10a", "Read device Event Log", _C, "SME.C.NC", "6.13", ("6.13",)),
    _M(0x0015, "CS11", "Clear Event Log", _C, "SME.C.NC", "3.3", ("3.3",)),
    _M(0x0018, "CS14", "Device Addition To / Removal From HAN Whitelist Alerts", _A, "SME.A.NC", "N/A", ()),
    _M(0x0019, "ECS01a", "Set Tariff and Price", _C, "SME.C.C", "1.1", ("1.1.1",)),
    _M(0x001A, "ECS02", "Set Payment Mode to Credit", _C, "SME.C.C", "1.6", ("1.6",)),
    _M(0x001B, "ECS03", "Set Payment Mode to Prepayment", _C, "SME.C.C", "1.6", ("1.6",)),
    _M(0x001C, "ECS04a", "Adjust Meter Balance", _C, "SME.C.C", "1.5", ("1.5",)),
    _M(0x001D, "ECS05", "Reset Tariff Block Counter Matrix", _C, "SME.C.C", "1.7", ("1.7",)),
    _M(0x001E, "ECS07", "Debt Management", _C, "SME.C.C", "2.3", ("2.3",)),
    _M(0x001F, "ECS08", "Update Prepayment Configuration on ESME", _C, None, None, ("2.1",)),
    _M(0x0020, "ECS09", "Activate Emergency Credit Remotely", _C, "SME.C.C", "2.5", ("2.5",)),
    _M(0x0021, "ECS10", "Send Message to Meter", _C, "SME.C.NC", "3.1", ("3.1",)),
    _M(0x0022, "ECS12", "Set Change of Tenancy date", _C, "SME.C.NC", "3.2", ("3.2",)),
    _M(0x0023, "ECS14", "Disable Privacy PIN Protection", _C, "SME.C.NC", "3.5", ("3.5",)),
    _M(0x0024, "ECS15a", "Clear Event Log", _C, "SME.C.NC", "3.3", ("3.3",)),
    _M(0x0025, "ECS16", "Write Supplier Contact Details", _C, "SME.C.NC", "3.4", ("3.4",)),
    _M(0x0026, "ECS17a", "Read ESME Energy Registers (Export Energy)", _C, "SME.C.NC", "4.2", ("4.2",)),
    _M(0x0027, "ECS17b", "Read Import Energy / Consumption Registers", _C, "SME.C.NC", "4.1", ("4.1.1",)),
    _M(0x0028, "ECS17c", "Read ESME Energy Registers (Power)", _C, "SME.C.NC", "4.16", ("4.16",)),
    _M(0x0029, "ECS17d", "Read Energy / Consumption Register (TOU)", _C, "SME.C.NC", "4.1", ("4.1.2",)),
    _M(0x002A, "ECS17e", "Read ESME Energy Register (TOU with Blocks)", _C, "SME.C.NC", "4.1", ("4.1.3",)),
    _M(0x002B, "ECS18a", "Read Maximum Demand Registers (export)", _C, "SME.C.NC", "4.12", ("4.12.2",)),
    _M(0x002C, "ECS18b", "Read Maximum Demand Registers (import)", _C, "SME.C.NC", "4.12", ("4.12.1",)),
    _M(0x002D, "ECS19", "Read Prepayment Registers", _C, "SME.C.NC", "4.3", ("4.3",)),
    _M(0x002E, "ECS20a", "Read Billing Data Log (payment-based debt payments)", _C, "SME.C.NC", "4.4", ("4.4.4",)),
    _M(0x002F, "ECS20b", "Read Billing Data Log (change of mode / tariff triggered exc export)", _C, "SME.C.NC", "4.4", ("4.4.2",)),
    _M(0x0030, "ECS20c", "Read Billing Data Log (billing calendar triggered exc export)", _C, "SME.C.NC", "4.4", ("4.4.3",)),
    _M(0x0033, "ECS21a", "Read Daily Read Log (exc export)", _C, "SME.C.NC", "4.6", ("4.6.1",)),
    _M(0x0034, "ECS21b", "Read (Prepayment) Daily Read Log", _C, "SME.C.NC", "4.14", ("4.14",)),
    _M(0x0035, "ECS21c", "Read Electricity Daily Read Log (export only)", _C, "SME.C.NC", "4.6", ("4.6.2",)),
    _M(0x0036, "ECS22a", "Read Half Hour Profile Data (export)", _C, "SME.C.NC", "4.8", ("4.8.3",)),
    _M(0x0037, "ECS22b", "Read Half Hour Profile Data (consumption)", _C, "SME.C.NC", "4.8", ("4.8.1",)),
    _M(0x0038, "ECS22c", "Read Half Hour Profile Data (reactive import)", _C, "SME.C.NC", "4.8", ("4.8.2",)),
    _M(0x0039, "ECS23", "Read Voltage Operational Data", _C, "SME.C.NC", "4.10", ("4.10",)),
    _M(0x003A, "ECS24", "Read Tariff Data", _C, "SME.C.NC", "4.11", ("4.11.1",)),
    _M(0x003B, "ECS26a", "Read Configuration Data Prepayment", _C, "SME.C.NC", "4.13", ("4.13",)),
    _M(0x003C, "ECS26b", "Read Configuration Voltage Data", _C, "SME.C.NC", "6.2", ("6.2.1",)),
    _M(0x003D, "ECS26c", "Read Configuration Data Device Information (randomisation)", _C, "SME.C.NC", "6.2", ("6.2.2",)),
    _M(0x003E, "ECS26d", "Read ESME Configuration Data Device Information (Billing Calendar)", _C, None, None, ("6.2.3",)),
    _M(0x003F, "ECS26e", "Read ESME Configuration Data Device Information (device identity exc MPAN)", _C, None, None, ("6.2.4",)),
    _M(0x0040, "ECS26f", "Read Configuration Data Device Information (instantaneous power thresholds)", _C, "SME.C.NC", "6.2", ("6.2.5",)),
    _M(0x0042, "ECS27", "Read Load Limit Data", _C, "SME.C.NC", "4.15", ("4.15",)),
    _M(0x0043, "ECS28a", "Set Load Limit Configurations - General Settings", _C, "SME.C.C", "6.4", ("6.4.1",)),
    _M(0x0044, "ECS28b", "Set Load Limit Configuration Counter Reset", _C, "SME.C.NC", "6.4", ("6.4.2",)),
    _M(0x0045, "ECS29a", "Set Voltage Configurations on ESME with counter resets", _C, "SME.C.NC", "6.5", ("6.5",)),
    _M(0x0046, "ECS30", "Set Billing Calendar on the ESME", _C, None, None, ("6.8",)),
    _M(0x0047, "ECS34", "Set Instantaneous Power Threshold Configuration", _C, "SME.C.NC", "6.12", ("6.12",)),
    _M(0x0048, "ECS35a", "Read device Event Log", _C, "SME.C.NC", "6.13", ("6.13",)),
    _M(0x0049, "ECS35b", "Read device Security Log", _C, "SME.C.NC", "6.13", ("6.13",)),
    _M(0x004A, "ECS37", "Set Maximum Demand Configurable Time Period", _C, "SME.C.NC", "6.18", ("6.18.1",)),
    _M(0x004B, "ECS38", "Update Randomised Offset Limit", _C, "SME.C.C", "7.12", ("7.12",)),
    _M(0x004C, "ECS39a", "Set MPAN / MPRN Value", _C, "SME.C.NC", "6.20", ("6.20.1",)),
    _M(0x004D, "ECS39b", "Set Export MPAN Value on the ESME", _C, "SME.C.NC", "6.20", ("6.20.2",)),
    _M(0x004E, "ECS40", "Read MPAN / MPRN Value", _C, "SME.C.NC", "6.2", ("6.2.7",)),
    _M(0x004F, "ECS42", "Remotely Close the Load Switch on the ESME", _C, "SME.C.C", "7.1", ("7.1",)),
    _M(0x0050, "ECS43", "Remotely Open the Load Switch / close Valve", _C, "SME.C.C", "7.2", ("7.2",)),
    _M(0x0051, "ECS44", "Arm Load Switch / Valve", _C, "SME.C.C", "7.3", ("7.3",)),
    _M(0x0052, "ECS45", "Read Status of Load Switch / Valve", _C, "SME.C.NC", "7.4", ("7.4",)),
    _M(0x0053, "ECS46a", "Set Auxiliary Controller Descriptions", _C, "SME.C.C", "6.14", ("6.14.1",)),
    _M(0x0054, "ECS46c", "Set HC ALCS and ALCS configuration in ESME (excluding labels)", _C, None, None, ("6.14.2",)),
    _M(0x0055, "ECS47", "Set or Reset HC ALCS or ALCS State", _C, None, None, ("7.5", "7.6", "7.8")),
    _M(0x0058, "ECS50", "Send CIN to meter", _C, "SME.C.NC", "9.1", ("9.1",)),
    _M(0x0059, "ECS52", "Read ESME/SAPC/GSME/Comms Hub Firmware Version", _C, "SME.C.NC", "11.2", ("11.2",)),
    _M(0x005A, "ECS57", "Reset Maximum Demand Registers", _C, "SME.C.NC", "6.18", ("6.18.2",)),
    _M(0x005E, "ECS61c", "Read Boost Function Data", _C, "SME.C.NC", "7.11", ("7.11",)),
    _M(0x005F, "ECS62", "Set ALCS/APC and Boost Function Association", _C, "SME.C.NC", "7.9, 7.10", ("7.9", "7.10")),
    _M(0x0060, "ECS66", "Read Daily Consumption Log", _C, "SME.C.NC", "4.17", ("4.17",)),
    _M(0x0061, "ECS68", "Critical Sensitive Alert (Billing Data Log)", _A, "SME.A.C", "A1", ()),
    _M(0x0062, "ECS70", "Set Clock", _C, "SME.C.C", "6.11, 8.1", ("6.11", "8.1.1")),
    _M(0x0067, "ECS80", "Supply Outage Restore Alert from ESME", _A, "SME.A.C", "N/A", ()),
    _M(0x0068, "ECS81", "Set Supply Tamper State on ESME", _C, "SME.C.C", "6.25", ("6.25",)),
    _M(0x0069, "ECS82", "Read Meter Balance for Smart Meter", _C, "SME.C.NC", "4.18", ("4.18",)),
    _M(0x006B, "GCS01a", "Set Tariff and Price", _C, "SME.C.C", "1.1", ("1.1.1",)),
    _M(0x006C, "GCS02", "Set Payment Mode to Credit", _C, "SME.C.C", "1.6", ("1.6",)),
    _M(0x006D, "GCS03", "Set Payment Mode to Prepayment", _C, "SME.C.C", "1.6", ("1.6",)),
    _M(0x006E, "GCS04", "Debt Management", _C, "SME.C.C", "2.3", ("2.3",)),
    _M(0x006F, "GCS05", "Update Prepayment Configuration", _C, "SME.C.C", "2.1", ("2.1",)),
    _M(0x0070, "GCS06", "Activate Emergency Credit Remotely", _C, "SME.C.C", "2.5", ("2.5",)),
    _M(0x0071, "GCS07", "Send Message to Meter", _C, "SME.C.NC", "3.1", ("3.1",)),
    _M(0x0072, "GCS09", "Set Change of Tenancy date", _C, "SME.C.NC", "3.2", ("3.2",)),
    _M(0x0073, "GCS11", "Disable Privacy PIN Protection", _C, "SME.C.NC", "3.5", ("3.5",)),
    _M(0x0074, "GCS13a", "Read Import Energy / Consumption Registers", _C, "SME.C.NC", "4.1", ("4.1.1",)),
    _M(0x0075, "GCS14", "Read Prepayment Registers", _C, "SME.C.NC", "4.3", ("4.3",)),
    _M(0x0076, "GCS15c", "Read Billing Data Log (billing calendar triggered exc export)", _C, "SME.C.NC", "4.4", ("4.4.3",)),
    _M(0x0077, "GCS16a", "Read Daily Read Log (exc export)", _C, "SME.C.NC", "4.6", ("4.6.1",)),
    _M(0x0078, "GCS17", "Read Half Hour Profile Data (consumption)", _C, "SME.C.NC", "4.8", ("4.8.1",)),
    _M(0x0079, "GCS18", "Read Gas Network Data Log", _C, "SME.C.NC", "4.10", ("4.10",)),
    _M(0x007B, "GCS21a", "Read Configuration Data Device Information (gas)", _C, "SME.C.NC", "6.2", ("6.2.8",)),
    _M(0x007C, "GCS23", "Set CV and Conversion Factor Value(s) on the GSME", _C, "SME.C.C", "6.6", ("6.6",)),
    _M(0x007D, "GCS24", "Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME", _C, None, None, ("6.7",)),
    _M(0x007E, "GCS25", "Set Billing Calendar", _C, "SME.C.C", "6.8", ("6.8",)),
    _M(0x007F, "GCS28", "Set Clock", _C, "SME.C.C", "See GBCS", ("6.11", "8.1.1")),
    _M(0x0080, "GCS31", "Start Network Data Log on GSME", _C, "SME.C.NC", "14.1", ("14.1",)),
    _M(0x0081, "GCS32", "Remotely Open the Load Switch / close Valve", _C, "SME.C.C", "7.2", ("7.2",)),
    _M(0x0082, "GCS33", "Read Status of Load Switch / Valve", _C, "SME.C.NC", "7.4", ("7.4",)),
    _M(0x0083, "GCS36", "Send CIN to meter", _C, "SME.C.NC", "9.1", ("9.1",)),
    _M(0x0084, "GCS38", "Read ESME/SAPC/GSME/Comms Hub Firmware Version", _C, "SME.C.NC", "11.2", ("11.2",)),
    _M(0x0085, "GCS39", "Arm Load Switch / Valve", _C, "SME.C.C", "7.3", ("7.3",)),
    _M(0x0086, "GCS40a", "Adjust Prepayment Mode Meter Balance", _C, "SME.C.C", "1.5", ("1.5",)),
    _M(0x0087, "GCS41", "Set MPAN / MPRN Value", _C, "SME.C.NC", "6.20", ("6.20.1",)),
    _M(0x0088, "GCS44", "Write Supplier Contact Details", _C, "SME.C.NC", "3.4", ("3.4",)),
    _M(0x0089, "GCS46", "Read MPAN / MPRN Value", _C, "SME.C.NC", "6.2", ("6.2.7",)),
    _M(0x008B, "GCS53", "Critical Sensitive Alert (Billing Data Log)", _A, "SME.A.C", "A1", ()),
    _M(0x008C, "GCS59", "Restore GPF Device Log", _C, "SME.C.NC", "See GBCS", ("8.12.2",)),
    _M(0x008D, "GCS60", "Read Meter Balance for Smart Meter", _C, "SME.C.NC", "4.18", ("4.18",)),
    _M(0x0090, "PCS02", "Activate Emergency Credit on GSME from PPMID", _C, "SME.C.PPMID-GSME", "N/A", (), han_only=True),
    _M(0x0092, "ECS26i", "Read Configuration Data Device Information (CHF identity)", _C, None, None, ("6.2.4",)),
    _M(0x0093, "ECS35c", "Read CHF Event Log", _C, "SME.C.NC", "6.13", ("6.13",)),
    _M(0x0094, "ECS35d", "Read CHF Security Log", _C, "SME.C.NC", "6.13", ("6.13",)),
    _M(0x0096, "GCS16b", "Read (Prepayment) Daily Read Log", _C, "SME.C.NC", "4.14", ("4.14",)),
    _M(0x0097, "CS01b", "Apply Prepayment Top Up", _C, _NC_PREPAYMENT, "2.2", ("2.2",)),
    _M(0x009B, "PCS01", "Apply Prepayment Top Up to GSME (using PPMID)", _C, "SME.C.PPMID-GSME", "N/A", (), han_only=True),
    _M(0x009D, "GCS21d", "Read GSME Configuration Data Device Information (Billing Calendar)", _C, None, None, ("6.2.3",)),
    _M(0x009E, "GCS21e", "Read GSME/GPF Configuration Data Device Information (device identity)", _C, None, None, ("6.2.4",)),
    _M(0x009F, "GCS21f", "Read Tariff Data", _C, "SME.C.NC", "4.11", ("4.11.1",)),
    _M(0x00A0, "GCS61", "Read Daily Consumption Log", _C, "SME.C.NC", "4.17", ("4.17",)),
    _M(0x00A1, "CS10b", "Read device Security Log", _C, "SME.C.NC", "6.13", ("6.13",)),
    _M(0x00A2, "ECS01b", "Set Price", _C, "SME.C.C", "1.2", ("1.2.1",)),
    _M(0x00A3, "GCS01b", "Set Price", _C, "SME.C.C", "1.2", ("1.2.1",)),
    _M(0x00AB, "CS03A2", "Method A Join (non-Meter)", _C, "SME.C.C", "See GBCS", ("8.7.1", "8.7.2")),
    _M(0x00AC, "ECS25a", "Set Alert Behaviours - Supplier", _C, "SME.C.NC", "6.22", ("6.22",)),
    _M(0x00AD, "GCS20", "Set Alert Behaviours - Supplier", _C, "SME.C.NC", "6.22", ("6.22",)),
    _M(0x00AE, "ECS29b", "Set Voltage Configurations on ESME - 3 ph with counter resets", _C, "SME.C.NC", "6.5", ("6.5",)),
    _M(0x00AF, "CS03C", "Method C Join", _C, "SME.C.C", "See GBCS", ("8.7.1", "8.7.2")),
    _M(0x00B0, "ECS25b", "Set Alert Behaviours - Network Operator", _C, "SME.C.NC", "6.22", ("6.22",)),
    _M(0x00B2, "GCS62", "Backup GPF Device Log", _A, "SME.A.NC", "See GBCS", ()),
    _M(0x00B3, "ECS04b", "Adjust Meter Balance: Reset", _C, "SME.C.C", "1.5", ("1.5",)),
    _M(0x00B4, "GCS40b", "Adjust Prepayment Mode Meter Balance: Reset", _C, "SME.C.C", "1.5", ("1.5",)),
    _M(0x00B5, "GCS21b", "Read Configuration Data Prepayment", _C, "SME.C.NC", "4.13", ("4.13",)),
    _M(0x00B6, "GCS13c", "Read Energy / Consumption Register (TOU)", _C, "SME.C.NC", "4.1", ("4.1.2",)),
    _M(0x00B7, "ECS01c", "Set Tariff and Price - Second Element", _C, "SME.C.C", "1.1", ("1.1.2",)),
    _M(0x00B8, "GCS13b", "Read GSME Energy Register (Block Counters)", _C, "SME.C.NC", "4.1", ("4.1.4",)),
    _M(0x00B9, "ECS35e", "Read ESME Power Event Log", _C, "SME.C.NC", "6.13", ("6.13",)),
    _M(0x00BA, "ECS35f", "Read ALCS Event Log", _C, None, None, ("6.13",)),
    _M(0x00BB, "ECS61a", "Read HC ALCS and ALCS Data from ESME", _C, None, None, ("7.7",)),
    _M(0x00BC, "ECS23b", "Read Voltage Operational Data - 3 phase", _C, "SME.C.NC", "4.10", ("4.10",)),
    _M(0x00BD, "ECS24b", "Read Tariff Data - second element", _C, "SME.C.NC", "4.11", ("4.11.2",)),
    _M(0x00BE, "ECS26j", "Read Configuration Data Device Information (Payment Mode)", _C, "SME.C.NC", "6.2", ("6.2.9",)),
    _M(0x00BF, "GCS21j", "Read Configuration Data Device Information (Payment Mode)", _C, "SME.C.NC", "6.2", ("6.2.9",)),
    _M(0x00C0, "GCS40c", "Adjust Credit Mode Meter Balance", _C, "SME.C.C", "1.5", ("1.5",)),
    _M(0x00C1, "ECS15c", "Clear Auxiliary Controller Event Log", _C, "SME.C.NC", "3.3", ("3.3",)),
    _M(0x00C2, "GCS40d", "Adjust Credit Mode Meter Balance: Reset", _C, "SME.C.C", "1.5", ("1.5",)),
    _M(0x00C3, "GCS15b", "Read Billing Data Log (change of mode / tariff triggered exc export)", _C, "SME.C.NC", "4.4", ("4.4.2",)),
    _M(0x00C4, "GCS15d", "Read Billing Data Log (payment-based debt payments)", _C, "SME.C.NC", "4.4", ("4.4.4",)),
    _M(0x00C5, "GCS15e", "Read Billing Data Log (prepayment credits)", _C, "SME.C.NC", "4.4", ("4.4.5",)),
    _M(0x00C6, "ECS26k", "Read Configuration Voltage Data - 3 Phase", _C, "SME.C.NC", "6.2", ("6.2.1",)),
    _M(0x00C7, "ECS01d", "Set Price - Second Element", _C, "SME.C.C", "1.2", ("1.2.2",)),
    _M(0x00C9, "ECS20d", "Read Billing Data Log (prepayment credits)", _C, "SME.C.NC", "4.4", ("4.4.5",)),
    _M(0x00CA, "CS06", "Future Dated Firmware Activation Alert", _A, None, None, ()),
    _M(0x00CB, "CS02b", "Future Dated Update Security Credentials Alert", _A, None, None, ()),
    _M(0x00CC, None, "Future Dated Execution Of Instruction Alert (DLMS COSEM)", _A, None, None, ()),
    _M(0x00CD, None, "Future Dated Execution Of Instruction Alert (GBZ)", _A, None, None, ()),
    _M(0x00CE, "FDRA-DLMS", "Firmware Distribution Receipt Alert (ESME or Comms Hub)", _A, None, None, ()),
    _M(0x00CF, "FDRA-ZigBee", "Firmware Distribution Receipt Alert (GSME)", _A, None, None, ()),
    _M(0x00D1, "ECS29c", "Set Voltage Configurations on ESME without counter reset", _C, "SME.C.NC", "6.5", ("6.5",)),
    _M(0x00D2, "ECS29d", "Set Voltage Configurations on polyphase ESME without counter reset", _C, "SME.C.NC", "6.5", ("6.5",)),
    _M(0x00D3, "ECS29e", "Reset RMS Voltage Counters on ESME", _C, "SME.C.NC", "6.27", ("6.27",)),
    _M(0x00D4, "ECS29f", "Reset RMS Voltage Counters on polyphase ESME", _C, "SME.C.NC", "6.27", ("6.27",)),
    _M(0x00D5, None, "Failure to Deliver Remote Party Message to ESME Alert", _A, None, None, ()),
    _M(0x00D7, "ECS30a", "Set Billing Calendar - all periodicities", _C, "SME.C.C", "6.8", ("6.8",)),
    _M(0x00D8, "GCS25a", "Set Billing Calendar - all periodicities", _C, "SME.C.C", "6.8", ("6.8",)),
    _M(0x00D9, "ECS26l", "Read Configuration Data Device Information (Billing Calendar)", _C, "SME.C.NC", "6.2", ("6.2.3",)),
    _M(0x00DA, "GCS21k", "Read Configuration Data Device Information (Billing Calendar)", _C, "SME.C.NC", "6.2", ("6.2.3",)),
    _M(0x00DB, "ECS48", "Configure daily resetting of Tariff Block Counter Matrix", _C, "SME.C.C", "6.26", ("6.26",)),
    _M(0x00DE, "ECS08a", "Update Prepayment Configuration", _C, "SME.C.C", "2.1", ("2.1",)),
    _M(0x00EA, "ECS25a1", "Set Event Behaviours to HAN Device - Supplier", _C, "SME.C.NC", "6.22", ("6.22",), catalogue_code="ECS25a"),
    _M(0x00EB, "ECS25a2", "Set Event Behaviours audible alarm - Supplier", _C, "SME.C.NC", "6.22", ("6.22",), catalogue_code="ECS25a"),
    _M(0x00EC, "ECS25a3", "Set Event Behaviours logging - Supplier", _C, "SME.C.NC", "6.22", ("6.22",), catalogue_code="ECS25a"),
    _M(0x00ED, "ECS25b3", "Set Event Behaviours logging - Network Operator", _C, "SME.C.NC", "6.22", ("6.22",), catalogue_code="ECS25b"),
    _M(0x00EE, "ECS25r1", "Read non-critical event and alert behaviours - Supplier", _C, "SME.C.NC", "6.2", ("6.2.10",), catalogue_code="ECS25r"),
    _M(0x00EF, "ECS25r2", "Read non-critical event and alert behaviours - Network Operator", _C, "SME.C.NC", "6.2", ("6.2.10",), catalogue_code="ECS25r"),
    _M(0x00F0, "MIIWA-DLMS", "Meter Integrity Issue Warning Alert (ESME)", _A, None, None, ()),
    _M(0x00F1, "GCS20r", "Read non-critical event and alert behaviours - Supplier", _C, "SME.C.NC", "6.2", ("6.2.10",)),
    _M(0x00F2, "MIIWA-ZigBee", "Meter Integrity Issue Warning Alert (GSME)", _A, None, None, ()),
    _M(0x00F9, "ECS26m", "Read Configuration Data Device Information (Smart Meter identity and type, including supply tamper / depletion state)", _C, "SME.C.NC", "6.2", ("6.2.4",)),
    _M(0x00FA, "ECS26n", "Read Configuration Data Device Information (CH identity and type)", _C, "SME.C.NC", "6.2", ("6.2.4",)),
    _M(0x00FB, "GCS21m", "Read Configuration Data Device Information (Smart Meter identity and type, including supply tamper / depletion state)", _C, "SME.C.NC", "6.2", ("6.2.4",)),
    _M(0x00FC, "GCS24a", "Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME", _C, "SME.C.C", "6.7", ("6.7",)),
    _M(0x00FD, "ECS35g", "Read Auxiliary Controller Event Log", _C, "SME.C.NC", "6.13", ("6.13",)),
    _M(0x00FE, "CCS07", "Read CHF Device Logs", _C, "SME.C.NC", "8.9", ("8.9",)),
    _M(0x0100, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", (), variant="rootBySupplier"),
    _M(0x0101, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", (), variant="rootByWanProvider"),
    _M(0x0102, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", ("6.15.1", "6.21"), variant="supplierBySupplier"),
    _M(0x0103, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", ("6.15.1", "6.21"), variant="networkOperatorByNetworkOperator"),
    _M(0x0104, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", ("8.5",), variant="accessControlBrokerByACB"),
    _M(0x0105, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", (), variant="wanProviderByWanProvider"),
    _M(0x0106, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", (), variant="transCoSByTransCoS"),
    _M(0x0107, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", ("6.23",), variant="supplierByTransCoS"),
    _M(0x0108, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", (), variant="anyExceptAbnormalRootByRecovery"),
    _M(0x0109, "CS02b", "Update Security Credentials", _C, "See GBCS", "See GBCS", (), variant="anyByContingency"),
    _M(0x010A, "DBCH01", "Read CHF Sub GHz Channel", _C, "SME.C.NC", "6.31", ("6.31",)),
    _M(0x010B, "DBCH02", "Read CHF Sub GHz Channel Log", _C, "SME.C.NC", "6.32", ("6.32",)),
    _M(0x010C, "DBCH03", "Read CHF Sub GHz Configuration", _C, "SME.C.NC", "6.30", ("6.30",)),
    _M(0x010D, "DBCH04", "Set CHF Sub GHz Configuration", _C, "SME.C.NC", "6.28", ("6.28",)),
    _M(0x010E, "DBCH05", "Request CHF Sub GHz Channel Scan", _C, "SME.C.NC", "6.29", ("6.29",)),
    _M(0x010F, "CCS06", "Read CHF device log and check HAN communications", _C, "SME.C.NC", "8.9", ("8.9",)),
    _M(0x0110, "DBCH06", "Limited Duty Cycle Action Taken Sub GHz Alert", _A, "SME.A.NC", "N/A", ()),
    _M(0x0111, "DBCH07", "Sub GHz Sub GHz Channel Changed Sub GHz Alert", _A, "SME.A.NC", "N/A", ()),
    _M(0x0112, "DBCH08", "Sub GHz Channel Scan Request Assessment Outcome Sub GHz Alert", _A, "SME.A.NC", "N/A", ()),
    _M(0x0113, "DBCH09", "Sub GHz Configuration Changed Sub GHz Alert", _A, "SME.A.NC", "N/A", ()),
    _M(0x0114, "DBCH10", "Message Discarded Due to Duty Cycle Management Sub GHz Alert", _A, "SME.A.NC", "N/A", ()),
    _M(0x0115, "DBCH11", "No More Sub GHz Device Capacity Sub GHz Alert", _A, "SME.A.NC", "N/A", ()),
    _M(0x0116, "PECS01", "Apply Prepayment Top Up to ESME (using PPMID)", _C, "ZSE specified", "N/A", (), han_only=True),
    _M(0x0117, "PECS02", "Activate Emergency Credit on ESME from PPMID", _C, "ZSE specified", "N/A", (), han_only=True),
    _M(0x0118, "PECS03", "Request to Enable ESME Supply from PPMID", _C, "ZSE specified", "N/A", (), han_only=True),
    _M(0x0119, "HECS01", "Request Control of HCALCS [n]", _C, "ZSE specified", "N/A", (), han_only=True),
    _M(0x011A, "ECS46d", "Set Auxiliary Controller Calendar", _C, "SME.C.C", "6.14.3", ("6.14.3",)),
    _M(0x011B, "CS02f", "Provide Security Credential Details (ESME and SAPC)", _C, "See GBCS", "6.24.1", ("6.24.1",)),
    _M(0x011C, "ECS61d", "Read Auxiliary Controller Configuration Data", _C, "SME.C.NC", "7.14", ("7.14",)),
    _M(0x011D, "ECS61e", "Read Auxiliary Controller Operational Data", _C, "SME.C.NC", "7.15", ("7.15",)),
    _M(0x011E, "ECS47a", "Set Auxiliary Controller [n] State", _C, "SME.C.C", "7.13", ("7.13",)),
    _M(0x011F, "ECS47e", "Limit APC [n] Level", _C, "SME.C.C", "7.16", ("7.16",)),
    _M(0x0120, "ECS100", "Command not supported by Device", _A, "See GBCS Section 7.2.9.1", None, ()),
    _M(0x0121, "ECS101", "Limit APC [n] Level Command processed", _A, "SME.A.C", "N/A", ()),
    _M(0x0122, "ECS102", "Limit APC [n] Level ended or cancelled", _A, "SME.A.C", "N/A", ()),
    _M(0x0123, "ECS200", "Operational Update", _A, "SME.A.C", None, ()),
    _M(0x0124, "CS02g", "Future Dated Update Load Controller Security Credentials Alert", _A, None, None, ()),
    _M(0x0125, "CS02g", "Update Load Controller Security Credentials", _C, "See GBCS", "6.15.1", (), variant="loadControllerByLoadController"),
    _M(0x0126, "CS02g", "Update Load Controller Security Credentials", _C, "See GBCS", "6.15.1", ("6.15.1",), variant="loadControllerBySupplier"),
    _M(0x0128, "CCS08", "Firmware Transfer Alert", _A, "See GBCS", "See GBCS", ()),
    _M(0x0129, "CS08", "Read PPMID/HCALCS Firmware Version", _C, "See GBCS", "See GBCS", ("11.2",)),
    _M(0x012A, "GCS60a", "Read Meter Balance for Smart Meter (GSME or GPF)", _C, None, None, ("4.18",)),
    _M(0x012B, "CS09", "PPMID Firmware Activation Alert", _A, "SME.A.C", "See GBCS", ()),
    _M(0x1000, "GCA", "Generic Critical Alert", _A, None, None, ()),
    _M(0x1001, "GNCA", "Generic Non Critical Alert", _A, None, None, ()),
)
# fmt: on

USE_CASES_WITHOUT_MESSAGE_CODE: Final[dict[str, str]] = {
    "CS05a": "Distribute Firmware: the image is transferred outside GBCS messaging",
    "CS05b": "Distribute Firmware: the image is transferred outside GBCS messaging",
    "CS05c": "Distribute Firmware to PPMID: the image is transferred outside GBCS messaging",
}
"""Catalogue use cases that no message code names, and why."""


def _index() -> tuple[dict[int, MessageCode], dict[str, tuple[MessageCode, ...]]]:
    by_value = {row.value: row for row in TABLE}
    by_use_case: dict[str, tuple[MessageCode, ...]] = {}
    for row in TABLE:
        for key in {row.use_case, row.catalogue_code}:
            if key is not None:
                by_use_case[key.lower()] = (*by_use_case.get(key.lower(), ()), row)
    return by_value, by_use_case


_BY_VALUE, _BY_USE_CASE = _index()


def lookup(value: int) -> MessageCode | None:
    """The table row for message code ``value``, or None if GBCS names no such code."""
    return _BY_VALUE.get(value)


def for_use_case(code: str) -> tuple[MessageCode, ...]:
    """Every row of a use case, Commands before Alerts; case-insensitive.

    ``CS02b`` gives its ten variants; ``ECS25a`` the four rows the catalogue writes so.
    """
    rows = _BY_USE_CASE.get(code.strip().lower(), ())
    return tuple(sorted(rows, key=lambda r: (r.kind is MessageKind.ALERT, r.value)))


def command_code(use_case: str, variant: str | None = None) -> MessageCode | None:
    """The Command message code of a use case (and CS02b/CS02g variant), or None."""
    for row in for_use_case(use_case):
        if row.kind is MessageKind.COMMAND and (variant is None or row.variant == variant):
            return row
    return None


def for_catalogue_entry(code: str, name: str) -> tuple[MessageCode, ...]:
    """The rows for one entry of the DUIS GBCS use case catalogue.

    ``code`` and ``name`` are the entry's ``Code`` and ``Use Case Name``; the name tells
    apart entries that share a code (ECS25a, ECS25b, ECS25r). Alerts count only for use
    cases that have no Command.
    """
    rows = for_use_case(code)
    commands = [r for r in rows if r.kind is MessageKind.COMMAND]
    candidates = commands or list(rows)
    wanted = _normalise(name)
    named = [r for r in candidates if _normalise(r.title) == wanted]
    return tuple(named or candidates)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()
