"""The DUIS request matrix: every Service Reference Variant and the facts the DCC acts on.

One row per variant (129 in DUIS 5.4): its name, whether it is critical (the User signs a
Pre-Command), on demand, its future-dated response pattern, whether the DCC schedules it,
whether it is a non-device request, the User Roles eligible to send it (the project's shared
``opendcc.roles.UserRole``) and the body element that carries it. This is the project's own
table; the conformance tests check it against the DUIS request matrix and schema in the
shared reference data. Where that matrix says
Service Reference ``6.2`` for variants 6.20.1 and 6.20.2 it is a slip: they belong to 6.20,
as the schema and the variant numbers say, and this table derives the Service Reference
from the variant.

Command Variants follow from the flags: critical variants take 4 to 7, non-device variants
8, the rest 1 to 3. Two variants are narrower, as the schema's comments state: 8.1.1
(Commission Device) takes 4 and 5 only, 8.5 (Service Opt Out) 1 only. The schema's comments
for 7.12 to 7.15 are shifted by one row and disagree with the matrix and the templates; the
matrix is followed.

Flags column: ``C`` critical, ``O`` on demand, ``S`` DCC scheduled, ``N`` non-device, ``-``
where not.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from opendcc.duis.command_variant import CommandVariant
from opendcc.roles import UserRole


class FutureDatedPattern(enum.Enum):
    """Who holds a future-dated request until it is due ("Future Dated Response Pattern")."""

    NO = "No"
    DSP = "DSP"
    DEVICE = "Device"
    DSP_AND_DEVICE = "DSP & Device"


@dataclass(frozen=True, slots=True, repr=False)
class ServiceReferenceVariant:
    """One row of the request matrix."""

    code: str
    name: str
    critical: bool
    on_demand: bool
    future_dated: FutureDatedPattern
    dcc_scheduled: bool
    non_device: bool
    eligible_roles: frozenset[UserRole]
    body_element: str
    command_variants: frozenset[CommandVariant]

    def __repr__(self) -> str:
        return f"ServiceReferenceVariant({self.code!r}, {self.name!r})"

    @property
    def service_reference(self) -> str:
        """``4.1`` for ``4.1.1``; a two-part variant is its own Service Reference."""
        parts = self.code.split(".")
        return ".".join(parts[:2])

    @property
    def dcc_only(self) -> bool:
        """No User Role may send it: only the DCC raises it (7.16, 8.5, 8.6)."""
        return not self.eligible_roles

    def body_element_for(self, command_variant: CommandVariant) -> str:
        """The body element a request with ``command_variant`` carries."""
        return "SignedPreCommand" if command_variant.signed_pre_command else self.body_element


NO, DSP, DEVICE = FutureDatedPattern.NO, FutureDatedPattern.DSP, FutureDatedPattern.DEVICE
BOTH = FutureDatedPattern.DSP_AND_DEVICE

# variant, flags, future-dated pattern, eligible roles, body element, name
# fmt: off
_ROWS: Final = (
    ("1.1.1", "CO--", DEVICE, "IS GS", "UpdateImportTariffPrimaryElement",
     "Update Import Tariff (Primary Element)"),
    ("1.1.2", "CO--", DEVICE, "IS", "UpdateImportTariffSecondaryElement",
     "Update Import Tariff (Secondary Element)"),
    ("1.2.1", "CO--", DEVICE, "IS GS", "UpdatePricePrimaryElement",
     "Update Price (Primary Element)"),
    ("1.2.2", "CO--", DEVICE, "IS", "UpdatePriceSecondaryElement",
     "Update Price (Secondary Element)"),
    ("1.5", "CO--", NO, "IS GS", "UpdateMeterBalance",
     "Update Meter Balance"),
    ("1.6", "CO--", DEVICE, "IS GS", "UpdatePaymentMode",
     "Update Payment Mode"),
    ("1.7", "CO--", NO, "IS", "ResetTariffBlockCounterMatrix",
     "Reset Tariff Block Counter Matrix"),
    ("2.1", "CO--", DEVICE, "IS GS", "UpdatePrepayConfiguration",
     "Update Prepay Configuration"),
    ("2.2", "-O--", NO, "IS GS", "TopUpDevice",
     "Top Up Device"),
    ("2.3", "CO--", NO, "IS GS", "UpdateDebt",
     "Update Debt"),
    ("2.5", "CO--", NO, "IS GS", "ActivateEmergencyCredit",
     "Activate Emergency Credit"),
    ("3.1", "-O--", DSP, "IS GS", "DisplayMessage",
     "Display Message"),
    ("3.2", "-O--", DSP, "IS GS", "RestrictAccessForChangeOfTenancy",
     "Restrict Access For Change Of Tenancy"),
    ("3.3", "-O--", NO, "IS GS", "ClearEventLog",
     "Clear Event Log"),
    ("3.4", "-O--", DSP, "IS GS", "UpdateSupplierName",
     "Update Supplier Name"),
    ("3.5", "-O--", NO, "IS GS", "DisablePrivacyPIN",
     "Disable Privacy PIN"),
    ("4.1.1", "-O--", DSP, "IS GS ED GT", "ReadInstantaneousImportRegisters",
     "Read Instantaneous Import Registers"),
    ("4.1.2", "-O--", DSP, "IS GS ED GT", "ReadInstantaneousImportTOUMatrices",
     "Read Instantaneous Import TOU Matrices"),
    ("4.1.3", "-O--", DSP, "IS ED", "ReadInstantaneousImportTOUWithBlocksMatrices",
     "Read Instantaneous Import TOU With Blocks Matrices"),
    ("4.1.4", "-O--", DSP, "GS", "ReadInstantaneousImportBlockCounters",
     "Read Instantaneous Import Block Counters"),
    ("4.2", "-O--", DSP, "ES ED", "ReadInstantaneousExportRegisters",
     "Read Instantaneous Export Registers"),
    ("4.3", "-O--", DSP, "IS GS", "ReadInstantaneousPrepayValues",
     "Read Instantaneous Prepay Values"),
    ("4.4.2", "-O--", DSP, "IS GS", "RetrieveCoMOrTariffTriggeredBillingDataLog",
     "Retrieve Change Of Mode / Tariff Triggered Billing Data Log"),
    ("4.4.3", "-O--", DSP, "IS GS", "RetrieveBillingCalendarTriggeredBillingDataLog",
     "Retrieve Billing Calendar Triggered Billing Data Log"),
    ("4.4.4", "-O--", DSP, "GS IS", "RetrieveBillingDataLogDebtPayments",
     "Retrieve Billing Data Log (Payment Based Debt Payments)"),
    ("4.4.5", "-O--", DSP, "GS IS", "RetrieveBillingDataLogPrepaymentCredits",
     "Retrieve Billing Data Log (Prepayment Credits)"),
    ("4.6.1", "-OS-", DSP, "IS GS", "RetrieveImportDailyReadLog",
     "Retrieve Import Daily Read Log"),
    ("4.6.2", "-OS-", DSP, "ES", "RetrieveExportDailyReadLog",
     "Retrieve Export Daily Read Log"),
    ("4.8.1", "-OS-", DSP, "IS GS ED GT OU", "ReadActiveImportProfileData",
     "Read Active Import Profile Data"),
    ("4.8.2", "-OS-", DSP, "IS ED OU", "ReadReactiveImportProfileData",
     "Read Reactive Import Profile Data"),
    ("4.8.3", "-OS-", DSP, "ES ED OU", "ReadExportProfileData",
     "Read Export Profile Data"),
    ("4.10", "-OS-", DSP, "IS GS ED GT", "ReadNetworkData",
     "Read Network Data"),
    ("4.11.1", "-O--", NO, "IS GS OU", "ReadTariffPrimaryElement",
     "Read Tariff (Primary Element)"),
    ("4.11.2", "-O--", NO, "IS OU", "ReadTariffSecondaryElement",
     "Read Tariff (Secondary Element)"),
    ("4.12.1", "-OS-", DSP, "IS ED", "ReadMaximumDemandImportRegisters",
     "Read Maximum Demand Import Registers"),
    ("4.12.2", "-OS-", DSP, "ES ED", "ReadMaximumDemandExportRegisters",
     "Read Maximum Demand Export Registers"),
    ("4.13", "-O--", DSP, "IS GS", "ReadPrepaymentConfiguration",
     "Read Prepayment Configuration"),
    ("4.14", "-OS-", DSP, "IS GS", "ReadPrepaymentDailyReadLog",
     "Read Prepayment Daily Read Log"),
    ("4.15", "-OS-", DSP, "IS ED", "ReadLoadLimitData",
     "Read Load Limit Data"),
    ("4.16", "-OS-", NO, "IS ED", "ReadActivePowerImport",
     "Read Active Power Import"),
    ("4.17", "-OS-", DSP, "IS GS ED GT OU", "RetrieveDailyConsumptionLog",
     "Retrieve Daily Consumption Log"),
    ("4.18", "-O--", DSP, "IS GS", "ReadMeterBalance",
     "Read Meter Balance"),
    ("5.1", "---N", NO, "IS ES GS ED GT OU", "CreateSchedule",
     "Create Schedule"),
    ("5.2", "---N", NO, "IS ES GS ED GT OU", "ReadSchedule",
     "Read Schedule"),
    ("5.3", "---N", NO, "IS ES GS ED GT OU", "DeleteSchedule",
     "Delete Schedule"),
    ("6.2.1", "-O--", NO, "IS RSA ED", "ReadDeviceConfigurationVoltage",
     "Read Device Configuration (Voltage)"),
    ("6.2.2", "-O--", NO, "IS RSA ED", "ReadDeviceConfigurationRandomisation",
     "Read Device Configuration (Randomisation)"),
    ("6.2.3", "-O--", NO, "IS RSA GS", "ReadDeviceConfigurationBillingCalendar",
     "Read Device Configuration (Billing Calendar)"),
    ("6.2.4", "-O--", NO, "IS ES GS RSA ED GT OU", "ReadDeviceConfigurationIdentityExcMPxN",
     "Read Device Configuration (Identity Exc MPxN)"),
    ("6.2.5", "-O--", NO, "IS RSA", "ReadDeviceConfigurationInstantaneousPowerThresholds",
     "Read Device Configuration (Instantaneous Power Thresholds)"),
    ("6.2.7", "-O--", NO, "IS ES GS RSA ED GT OU", "ReadDeviceConfigurationMPxN",
     "Read Device Configuration (MPxN)"),
    ("6.2.8", "-O--", NO, "GS RSA GT", "ReadDeviceConfigurationGas",
     "Read Device Configuration (Gas)"),
    ("6.2.9", "-O--", NO, "IS GS RSA", "ReadDeviceConfigurationPaymentMode",
     "Read Device Configuration (Payment Mode)"),
    ("6.2.10", "-O--", NO, "IS GS ED", "ReadDeviceConfigurationEventAndAlertBehaviours",
     "Read Device Configuration (Event and Alert Behaviours)"),
    ("6.4.1", "CO--", DEVICE, "IS", "UpdateDeviceConfigurationLoadLimitingGeneralSettings",
     "Update Device Configuration (Load Limiting General Settings)"),
    ("6.4.2", "-O--", DSP, "IS", "UpdateDeviceConfigurationLoadLimitingCounterReset",
     "Update Device Configuration (Load Limiting Counter Reset)"),
    ("6.5", "-O--", DSP, "ED", "UpdateDeviceConfigurationVoltage",
     "Update Device Configuration (Voltage)"),
    ("6.6", "CO--", NO, "GS", "UpdateDeviceConfigurationGasConversion",
     "Update Device Configuration (Gas Conversion)"),
    ("6.7", "CO--", NO, "GS", "UpdateDeviceConfigurationGasFlow",
     "Update Device Configuration (Gas Flow)"),
    ("6.8", "CO--", NO, "IS GS", "UpdateDeviceConfigurationBillingCalendar",
     "Update Device Configuration (Billing Calendar)"),
    ("6.11", "CO--", NO, "IS GS", "SynchroniseClock",
     "Synchronise Clock"),
    ("6.12", "-O--", DSP, "IS", "UpdateDeviceConfigurationInstantaneousPowerThreshold",
     "Update Device Configuration (Instantaneous Power Threshold)"),
    ("6.13", "-O--", NO, "IS GS ED GT RSA", "ReadEventOrSecurityLog",
     "Read Event Or Security Log"),
    ("6.14.1", "CO--", NO, "IS", "UpdateDeviceConfigurationALCDescriptions",
     "Update Device Configuration (Auxiliary Load Control Description)"),
    ("6.14.2", "CO--", DEVICE, "IS", "UpdateDeviceConfigurationALCScheduler",
     "Update Device Configuration (Auxiliary Load Control Scheduler)"),
    ("6.14.3", "CO--", DEVICE, "IS", "UpdateDeviceConfigurationAuxiliaryControllerScheduler",
     "Update Device Configuration (Auxiliary Controller Scheduler)"),
    ("6.15.1", "CO--", DEVICE, "IS GS ED GT", "UpdateSecurityCredentialsKRP",
     "Update Security Credentials (KRP)"),
    ("6.15.2", "CO--", NO, "IS GS", "UpdateSecurityCredentialsDevice",
     "Update Security Credentials (Device)"),
    ("6.17", "CO--", NO, "IS GS", "IssueSecurityCredentials",
     "Issue Security Credentials"),
    ("6.18.1", "-O--", DSP, "ED", "SetMaximumDemandConfigurableTimePeriod",
     "Set Maximum Demand Configurable Time Period"),
    ("6.18.2", "-O--", DSP, "ED", "ResetMaximumDemandRegisters",
     "Reset Maximum Demand Registers"),
    ("6.20.1", "-O--", DSP, "IS GS", "SetDeviceConfigurationImportMPxN",
     "Set Device Configuration (Import MPxN)"),
    ("6.20.2", "-O--", DSP, "ES", "SetDeviceConfigurationExportMPAN",
     "Set Device Configuration (Export MPAN)"),
    ("6.21", "-O--", DSP, "IS GS", "RequestHandoverOfDCCControlledDevice",
     "Request Handover Of DCC Controlled Device"),
    ("6.22", "-O--", NO, "IS GS ED", "ConfigureAlertBehaviour",
     "Configure Alert Behaviour"),
    ("6.23", "-O--", BOTH, "IS GS", "UpdateSecurityCredentialsCoS",
     "Update Security Credentials (CoS)"),
    ("6.24.1", "-O--", NO, "IS GS ED GT", "RetrieveDeviceSecurityCredentialsKRP",
     "Retrieve Device Security Credentials (KRP)"),
    ("6.24.2", "CO--", NO, "IS GS", "RetrieveDeviceSecurityCredentialsDevice",
     "Retrieve Device Security Credentials (Device)"),
    ("6.25", "CO--", NO, "IS", "SetElectricitySupplyTamperState",
     "Set Electricity Supply Tamper State"),
    ("6.26", "CO--", NO, "IS", "UpdateDeviceConfigurationDailyResettingOfTariffBlockCounterMatrix",
     "Update Device Configuration (daily resetting of Tariff Block Counter Matrix)"),
    ("6.27", "-O--", DSP, "ED", "UpdateDeviceConfigurationRMSVoltageCounterReset",
     "Update Device Configuration (RMS Voltage Counter Reset)"),
    ("6.28", "-O--", NO, "IS GS", "SetCHFSubGHzConfiguration",
     "Set CHF Sub GHz Configuration"),
    ("6.29", "-O--", NO, "IS GS", "RequestCHFSubGHzChannelScan",
     "Request CHF Sub GHz Channel Scan"),
    ("6.30", "-O--", NO, "IS GS RSA", "ReadCHFSubGHzConfiguration",
     "Read CHF Sub GHz Configuration"),
    ("6.31", "-O--", NO, "IS GS RSA", "ReadCHFSubGHzChannel",
     "Read CHF Sub GHz Channel"),
    ("6.32", "-O--", NO, "IS GS RSA", "ReadCHFSubGHzChannelLog",
     "Read CHF Sub GHz Channel Log"),
    ("7.1", "CO--", NO, "IS", "EnableSupply",
     "Enable Supply"),
    ("7.2", "CO--", NO, "IS GS", "DisableSupply",
     "Disable Supply"),
    ("7.3", "CO--", NO, "IS GS", "ArmSupply",
     "Arm Supply"),
    ("7.4", "-O--", NO, "IS ES GS RSA ED GT", "ReadSupplyStatus",
     "Read Supply Status"),
    ("7.5", "CO--", NO, "IS", "ActivateAuxiliaryLoad",
     "Activate Auxiliary Load"),
    ("7.6", "CO--", NO, "IS", "DeactivateAuxiliaryLoad",
     "Deactivate Auxiliary Load"),
    ("7.7", "-O--", DSP, "IS ED OU", "ReadALCSData",
     "Read Auxiliary Load Switch Data"),
    ("7.8", "CO--", NO, "IS", "ResetAuxiliaryLoad",
     "Reset Auxiliary Load"),
    ("7.9", "-O--", DSP, "IS", "AddAuxiliaryLoadToBoostButton",
     "Add Auxiliary Load To Boost Button"),
    ("7.10", "-O--", DSP, "IS", "RemoveAuxiliaryLoadFromBoostButton",
     "Remove Auxiliary Load From Boost Button"),
    ("7.11", "-O--", DSP, "IS OU", "ReadBoostButtonDetails",
     "Read Boost Button Details"),
    ("7.12", "CO--", NO, "IS", "SetRandomisedOffsetLimit",
     "Set Randomised Offset Limit"),
    ("7.13", "CO--", NO, "IS", "SetAuxiliaryControllerState",
     "Set Auxiliary Controller State"),
    ("7.14", "-O--", DSP, "IS ED OU", "ReadAuxiliaryControllerConfigurationData",
     "Read Auxiliary Controller Configuration Data"),
    ("7.15", "-O--", DSP, "IS ED OU", "ReadAuxiliaryControllerOperationalData",
     "Read Auxiliary Controller Operational Data"),
    ("7.16", "CO--", NO, "", "LimitAPCLevel",
     "Limit APC Level"),
    ("8.1.1", "CO--", NO, "IS GS", "CommissionDeviceSynchroniseClock",
     "Commission Device"),
    ("8.2", "---N", NO, "IS ES GS RSA ED GT OU", "ReadInventory",
     "Read Inventory (Current and Future Suppliers may use this Service Request)"),
    ("8.3", "---N", NO, "IS GS", "DecommissionDevice",
     "Decommission Device"),
    ("8.4", "---N", NO, "IS ES GS RSA ED GT OU", "UpdateInventory",
     "Update Inventory"),
    ("8.5", "----", DSP, "", "ServiceOptOut",
     "Service Opt Out"),
    ("8.6", "---N", NO, "", "ServiceOptIn",
     "Service Opt In"),
    ("8.7.1", "CO--", NO, "IS GS", "JoinServiceCritical",
     "Join Service (Critical)"),
    ("8.7.2", "-O--", NO, "IS GS OU", "JoinServiceNonCritical",
     "Join Service (Non-Critical)"),
    ("8.8.1", "CO--", NO, "IS GS", "UnjoinServiceCritical",
     "Unjoin Service (Critical)"),
    ("8.8.2", "-O--", NO, "IS GS OU", "UnjoinServiceNonCritical",
     "Unjoin Service (Non-Critical)"),
    ("8.9", "-O--", DSP, "IS GS OU", "ReadDeviceLog",
     "Read Device Log"),
    ("8.11", "-O--", DSP, "IS GS OU", "UpdateHANDeviceLog",
     "Update HAN Device Log"),
    ("8.12.1", "-O--", NO, "IS GS", "RestoreHANDeviceLog",
     "Restore HAN Device Log"),
    ("8.12.2", "-O--", NO, "IS GS", "RestoreGPFDeviceLog",
     "Restore Gas Proxy Function Device Log"),
    ("8.13", "---N", NO, "IS GS", "ReturnLocalCommandResponse",
     "Return Local Command Response"),
    ("8.14.1", "---N", NO, "IS GS", "CHFInstallSuccessSMWAN",
     "Communications Hub Status Update- Install Success"),
    ("8.14.2", "---N", NO, "IS GS", "CHFInstallSuccessNoSMWAN",
     "Communications Hub Status Update - Install No SM WAN"),
    ("8.14.3", "---N", NO, "IS GS", "CHFFaultReturn",
     "Communications Hub Status Update. – Fault Return"),
    ("8.14.4", "---N", NO, "IS GS", "CHFNoFaultReturn",
     "Communications Hub Status Update – No Fault Return"),
    ("9.1", "-O--", NO, "OU", "RequestCustomerIdentificationNumber",
     "Request Customer Identification Number"),
    ("11.1", "---N", NO, "IS GS", "UpdateFirmware",
     "Update Firmware"),
    ("11.2", "-O--", DSP, "IS ES GS RSA ED GT OU", "ReadFirmwareVersion",
     "Read Firmware Version"),
    ("11.3", "CO--", DEVICE, "IS GS", "ActivateFirmware",
     "Activate Firmware"),
    ("11.4", "---N", NO, "IS GS", "UpdatePPMIDFirmware",
     "Update PPMID Firmware"),
    ("12.1", "---N", NO, "IS ES GS RSA ED GT OU", "RequestWANMatrix",
     "Request WAN Matrix"),
    ("12.2", "---N", NO, "IS ES GS RSA ED GT OU", "DevicePrenotification",
     "Device Pre-notification"),
    ("14.1", "-OS-", NO, "GT", "RecordNetworkDataGAS",
     "Record Network Data (GAS)"),
)
# fmt: on

_CRITICAL_CVS: Final = frozenset(CommandVariant(v) for v in (4, 5, 6, 7))
_NON_CRITICAL_CVS: Final = frozenset(CommandVariant(v) for v in (1, 2, 3))
_NON_DEVICE_CVS: Final = frozenset({CommandVariant.NON_DEVICE})
# The schema's CommandVariant comments for these two variants (see the module docstring).
_NARROWER_CVS: Final = {
    "8.1.1": frozenset({CommandVariant(4), CommandVariant(5)}),
    "8.5": frozenset({CommandVariant(1)}),
}


def _row(
    code: str,
    flags: str,
    pattern: FutureDatedPattern,
    roles: str,
    body: str,
    name: str,
) -> ServiceReferenceVariant:
    critical, non_device = flags[0] == "C", flags[3] == "N"
    cvs = _NARROWER_CVS.get(code) or (
        _CRITICAL_CVS if critical else _NON_DEVICE_CVS if non_device else _NON_CRITICAL_CVS
    )
    return ServiceReferenceVariant(
        code=code,
        name=name,
        critical=critical,
        on_demand=flags[1] == "O",
        future_dated=pattern,
        dcc_scheduled=flags[2] == "S",
        non_device=non_device,
        eligible_roles=frozenset(UserRole(r) for r in roles.split()),
        body_element=body,
        command_variants=cvs,
    )


REQUEST_MATRIX: Final[Mapping[str, ServiceReferenceVariant]] = MappingProxyType(
    {row[0]: _row(*row) for row in _ROWS}
)
"""Service Reference Variant code (``"4.1.1"``) -> its row, in DUIS order."""

_BY_BODY: Final = {v.body_element: v for v in REQUEST_MATRIX.values()}


def service_reference_variant(code: str) -> ServiceReferenceVariant | None:
    """The row for ``code`` (``"8.2"``), or None when DUIS has no such variant."""
    return REQUEST_MATRIX.get(code)


def variant_for_body(element_name: str) -> ServiceReferenceVariant | None:
    """The variant whose request body is ``element_name`` (local name), or None."""
    return _BY_BODY.get(element_name)
