"""The COSEM objects GBCS use cases touch: OBIS code, class, name, and how values read.

One row per object. Names follow the DCC's Message Mapping Catalogue (MMC) element names
where one exists (``ActiveImportRegister``, ``MeterBalance``...), else the SMETS/GBCS
term. ``values`` refines the interface class's layout per attribute; ``unit`` is the unit
GBCS fixes for a value that travels without its scaler_unit. The OBIS codes and which use
case touches them were read from the GBCS use case payloads; names and meanings come
from GBCS, SMETS and the Blue Book (see ``docs/gbcs-dlms.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from opendcc.gbcs.dlms.classes import SCHEDULE_ENTRY, SPECIAL_DAY, interface_class
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, ObisCode
from opendcc.gbcs.dlms.layouts import (
    BITS,
    CODE,
    DATETIME,
    EUI,
    FLAG,
    HEX,
    INT,
    SECONDS,
    TEXT,
    Bits,
    Fields,
    Int,
    Layout,
    ListOf,
    Profile,
    Registers,
    UnixSeconds,
)
from opendcc.gbcs.dlms.units import Unit

WH: Final = Int(Unit.WATT_HOUR)
VARH: Final = Int(Unit.VAR_HOUR)
WATT: Final = Int(Unit.WATT)
VOLT: Final = Int(Unit.VOLT)

PRIMARY_ATTRIBUTE: Final[dict[int, int]] = {
    1: 2,
    3: 2,
    4: 2,
    7: 2,
    10: 2,
    11: 2,
    21: 2,
    112: 2,
    9000: 2,
}
"""The attribute that *is* the object's value, named by the object's name alone."""


@dataclass(frozen=True, slots=True)
class CosemObject:
    class_id: int
    obis: ObisCode
    name: str
    description: str = ""
    values: Mapping[int, Layout] = field(default_factory=dict)
    unit: Unit | None = None

    def layout(self, attribute_id: int) -> Layout:
        found = self.values.get(attribute_id)
        if found is not None:
            return found
        return interface_class(self.class_id).attribute(attribute_id)[1]


def _o(
    class_id: int,
    obis: str,
    name: str,
    description: str = "",
    unit: Unit | None = None,
    **values: Layout,
) -> CosemObject:
    """A row: ``values`` maps ``a<attribute id>`` to the attribute's layout."""
    layouts = {int(key[1:]): layout for key, layout in values.items()}
    return CosemObject(class_id, ObisCode.parse(obis), name, description, layouts, unit)


# --- profile columns (capture objects GBCS fixes) --------------------------------------

PREPAYMENT_COLUMNS: Final = (
    ("MeterBalance", INT),
    ("EmergencyCreditBalance", INT),
    ("AccumulatedDebtRegister", INT),
    ("PaymentDebtRegister", INT),
    ("TimeDebtRegisters1", INT),
    ("TimeDebtRegisters2", INT),
)
_TOU48 = ("TariffTOURegisterMatrix", ListOf(WH))
_SECONDARY_TOU = ("SecondaryTariffTOURegisterMatrix", ListOf(WH))
_BLOCKS = tuple((f"TariffTOUBlock{n}RegisterMatrix", ListOf(WH)) for n in range(1, 5))
CONSUMPTION_SINGLE: Final = (
    ("Timestamp", SECONDS),
    ("ActiveImportRegisterConsumption", WH),
    _TOU48,
    *_BLOCKS,
)
CONSUMPTION_TWIN: Final = (
    ("Timestamp", SECONDS),
    ("ActiveImportRegisterConsumption", WH),
    ("SecondaryActiveImportRegisterConsumption", WH),
    _TOU48,
    _SECONDARY_TOU,
    *_BLOCKS,
)
CONSUMPTION_LOG: Final = Profile((CONSUMPTION_SINGLE, CONSUMPTION_TWIN))
CONSUMPTION_AND_PREPAYMENT_LOG: Final = Profile(
    (CONSUMPTION_SINGLE + PREPAYMENT_COLUMNS, CONSUMPTION_TWIN + PREPAYMENT_COLUMNS)
)
PREPAYMENT_LOG: Final = Profile(((("Timestamp", SECONDS), *PREPAYMENT_COLUMNS),))
EVENT_LOG: Final = Profile(
    (
        (("Timestamp", SECONDS), ("LogCode", CODE), ("OtherInformation", HEX)),
        (("Timestamp", SECONDS), ("LogCode", CODE)),
    )
)
AUXILIARY_EVENT_LOG: Final = Profile(
    (
        (
            ("Timestamp", SECONDS),
            ("LogCode", CODE),
            ("Outcome", INT),
            ("HANCommandTime", UnixSeconds()),
        ),
    )
)
ALERT_BEHAVIOUR: Final = Bits()

_OBJECTS: Final[tuple[CosemObject, ...]] = (
    # --- identity, clock, firmware -----------------------------------------------------
    _o(1, "0-0:0.2.1.255", "FirmwareVersion", "active firmware version", a2=HEX),
    _o(1, "0-0:96.1.1.255", "DeviceIdentifier", "device identity (EUI-64)", a2=EUI),
    _o(1, "0-0:96.1.2.255", "MeterVariant", a2=TEXT),
    _o(1, "0-0:96.1.4.255", "ModelType", a2=TEXT),
    _o(1, "0-0:96.1.6.255", "ManufacturerIdentifier", a2=TEXT),
    _o(1, "0-0:94.44.34.11", "ImportMPAN", "import MPAN (or MPRN)", a2=TEXT),
    _o(1, "1-0:0.0.2.255", "ExportMPAN", a2=TEXT),
    _o(8, "0-0:1.0.0.255", "Clock"),
    _o(1, "0-0:94.44.0.0", "RandomisedOffset"),
    _o(1, "0-0:94.44.0.2", "RandomisedOffsetNumber"),
    _o(1, "0-0:94.44.0.1", "RandomisedOffsetLimit"),
    _o(1, "0-0:94.44.0.4", "SupplyTamperState", a2=FLAG),
    _o(1, "0-0:94.44.3.1", "CustomerPIN", "privacy PIN (empty disables PIN protection)", a2=TEXT),
    _o(1, "0-0:94.44.3.2", "ChangeOfTenancyDate", a2=DATETIME),
    _o(1, "0-2:96.13.1.255", "DisplayMessage", "message to the consumer", a2=TEXT),
    _o(1, "0-3:96.13.1.255", "CustomerIdentificationNumber", a2=TEXT),
    _o(9000, "0-0:96.13.0.255", "SupplierTelephoneNumber", a2=TEXT, a4=TEXT),
    _o(9000, "0-0:96.13.1.255", "SupplierName", a2=TEXT, a4=TEXT),
    # --- energy registers ----------------------------------------------------------------
    _o(3, "1-0:1.8.0.255", "ActiveImportRegister", unit=Unit.WATT_HOUR),
    _o(3, "1-0:2.8.0.255", "ActiveExportRegister", unit=Unit.WATT_HOUR),
    _o(3, "1-0:3.8.0.255", "ReactiveImportRegister", unit=Unit.VAR_HOUR),
    _o(3, "1-0:4.8.0.255", "ReactiveExportRegister", unit=Unit.VAR_HOUR),
    _o(
        1,
        "0-0:94.44.34.10",
        "ImportRegisters",
        "active and reactive import registers (protected)",
        a2=Registers(
            (
                ("ActiveImportRegister", Unit.WATT_HOUR),
                ("ReactiveImportRegister", Unit.VAR_HOUR),
                ("SecondaryActiveImportRegister", Unit.WATT_HOUR),
            )
        ),
    ),
    _o(
        1,
        "0-0:94.44.34.1",
        "TariffTOURegisterCollection",
        "TOU registers: 48 primary, then the secondary element's (protected)",
        a2=Fields(
            (("TOUPrimaryRegisterValue", ListOf(WH)), ("TOUSecondRegisterValue", ListOf(WH)))
        ),
    ),
    _o(
        1,
        "0-0:94.44.34.2",
        "TariffBlockTOURegisterCollection",
        "TOU with blocks register matrix (protected)",
        a2=Fields((("TOUWithBlocksRegisterMatrix", ListOf(WH)),)),
    ),
    _o(1, "0-0:94.44.34.20", "ActivePowerImport", unit=Unit.WATT, a2=WATT),
    _o(
        1,
        "0-0:94.44.34.30",
        "PrepaymentRegisters",
        "meter balance, emergency credit and debt registers (protected)",
        a2=Fields(PREPAYMENT_COLUMNS),
    ),
    _o(4, "1-0:1.6.0.255", "MaxDemandActiveEnergyImport", unit=Unit.WATT),
    _o(4, "1-0:1.6.1.255", "MaxDemandConfigurableTimeActivePowerImport", unit=Unit.WATT),
    _o(4, "1-0:2.6.0.255", "MaxDemandActiveEnergyExport", unit=Unit.WATT),
    _o(1, "0-0:94.44.5.0", "MaxDemandActiveEnergyImportLastResetDateTime", a2=DATETIME),
    _o(
        1,
        "0-0:94.44.5.1",
        "MaxDemandConfigurableTimeActivePowerImportLastResetDateTime",
        a2=DATETIME,
    ),
    _o(1, "0-0:94.44.5.2", "MaxDemandActiveEnergyExportLastResetDateTime", a2=DATETIME),
    _o(10, "0-0:12.0.0.255", "MaxDemandConfigurableTimePeriod", a2=ListOf(SCHEDULE_ENTRY)),
    # --- logs and profiles --------------------------------------------------------------
    _o(7, "0-0:98.1.0.255", "BillingCalendarTriggeredBillingDataLog", a2=CONSUMPTION_LOG),
    _o(7, "0-0:98.1.1.255", "BillingCalendarTriggeredPrepaymentDataLog", a2=PREPAYMENT_LOG),
    _o(
        7, "0-0:98.1.2.255", "CoMOrTariffTriggeredBillingDataLog", a2=CONSUMPTION_AND_PREPAYMENT_LOG
    ),
    _o(
        7,
        "0-0:98.1.4.255",
        "PaymentBasedDebtRepaymentLog",
        a2=Profile(((("Timestamp", SECONDS), ("DebtPayment", INT)),)),
    ),
    _o(
        7,
        "0-0:98.1.5.255",
        "PrepaymentCreditLog",
        a2=Profile(((("Timestamp", SECONDS), ("PrepaymentCredit", INT)),)),
    ),
    _o(7, "0-0:98.1.8.255", "PrepaymentDailyReadLog", a2=PREPAYMENT_LOG),
    _o(7, "0-0:98.1.9.255", "DailyReadLog", a2=CONSUMPTION_LOG),
    _o(
        7,
        "0-0:98.1.10.255",
        "ExportDailyReadLog",
        a2=Profile(((("Timestamp", SECONDS), ("ActiveExportRegister", WH)),)),
    ),
    _o(
        7,
        "0-0:99.1.0.255",
        "ActiveImportProfileData",
        "half-hourly active import",
        a2=Profile(
            (
                (("Timestamp", SECONDS), ("ActiveEnergyImportedValue", WH)),
                (
                    ("Timestamp", SECONDS),
                    ("ActiveEnergyImportedValue", WH),
                    ("SecondaryActiveEnergyImportedValue", WH),
                ),
            )
        ),
    ),
    _o(
        7,
        "0-0:99.1.1.255",
        "ExportProfileData",
        "half-hourly active and reactive export",
        a2=Profile(
            (
                (
                    ("Timestamp", SECONDS),
                    ("ActiveEnergyExportedValue", WH),
                    ("ReactiveEnergyExportedValue", VARH),
                ),
                (("Timestamp", SECONDS), ("ActiveEnergyExportedValue", WH)),
            )
        ),
    ),
    _o(
        7,
        "0-0:99.1.2.255",
        "ReactiveImportProfileData",
        "half-hourly reactive import",
        a2=Profile(((("Timestamp", SECONDS), ("ReactiveEnergyImportedValue", VARH)),)),
    ),
    _o(
        7,
        "0-0:99.1.3.255",
        "DailyConsumptionLog",
        a2=Profile(((("Timestamp", SECONDS), ("Value", WH)),)),
    ),
    _o(7, "0-0:99.98.0.255", "EventLog", a2=EVENT_LOG),
    _o(7, "0-0:99.98.1.255", "SecurityLog", a2=EVENT_LOG),
    _o(7, "0-0:99.98.4.255", "PowerEventLog", a2=EVENT_LOG),
    _o(7, "0-17:99.98.2.255", "AuxiliaryControllerEventLog", a2=AUXILIARY_EVENT_LOG),
    _o(
        7,
        "0-0:99.98.20.255",
        "BoostButtonEventLog",
        a2=Profile(((("BoostStart", SECONDS), ("BoostEnd", SECONDS)),)),
    ),
    _o(7, "0-0:94.44.10.3", "CHFSubGHzChannelLog", a2=EVENT_LOG),
    # --- network data (voltage) --------------------------------------------------------
    *(
        row
        for phase, c in ((1, 32), (2, 52), (3, 72))
        for row in (
            _o(3, f"1-0:{c}.32.0.4", f"AvgRMSUnderVoltageCounterPhase{phase}", unit=Unit.COUNT),
            _o(3, f"1-0:{c}.36.0.4", f"AvgRMSOverVoltageCounterPhase{phase}", unit=Unit.COUNT),
            _o(
                1,
                f"1-0:{c}.31.0.4",
                f"AverageRMSUnderVoltageThresholdPhase{phase}",
                unit=Unit.VOLT,
                a2=VOLT,
            ),
            _o(
                1,
                f"1-0:{c}.35.0.4",
                f"AverageRMSOverVoltageThresholdPhase{phase}",
                unit=Unit.VOLT,
                a2=VOLT,
            ),
            _o(
                7,
                f"1-0:{c}.24.0.255",
                f"AvgRMSVoltageProfileDataLogPhase{phase}",
                a2=Profile(((("Timestamp", SECONDS), ("Value", VOLT)),)),
            ),
        )
    ),
    _o(71, "0-0:17.0.1.255", "RMSExtremeOverVoltage", a4=VOLT),
    _o(71, "0-0:17.0.2.255", "RMSExtremeUnderVoltage", a4=VOLT),
    _o(71, "0-0:17.0.3.255", "RMSVoltageSag", a4=VOLT),
    _o(71, "0-0:17.0.4.255", "RMSVoltageSwell", a4=VOLT),
    # --- load limiting, supply ----------------------------------------------------------
    _o(71, "0-0:17.0.0.255", "LoadLimit", a4=WATT),
    _o(3, "0-0:94.44.42.255", "LoadLimitCounterValue", unit=Unit.COUNT),
    _o(9000, "0-0:94.44.0.3", "LoadLimitSupplyState", a2=FLAG, a4=FLAG),
    _o(9000, "0-0:94.44.128.6", "LoadLimitPeriod"),
    _o(9000, "0-0:94.44.128.7", "LoadLimitPowerThreshold"),
    _o(9000, "0-0:94.44.128.8", "LoadLimitRestorationPeriod"),
    _o(70, "0-0:96.3.10.255", "SupplyState", "load switch (disconnect control)"),
    *(_o(70, f"0-{n}:96.3.10.255", f"AuxiliaryLoadControlSwitch{n}") for n in range(1, 6)),
    _o(9, "0-0:10.0.106.255", "DisconnectControlScriptTable", "51 close (enable), 52 open, 54 arm"),
    _o(21, "0-0:16.0.0.255", "InstantaneousPowerThresholds", a2=ListOf(WATT)),
    # --- tariff -------------------------------------------------------------------------
    _o(20, "0-0:13.0.0.255", "TariffSwitchingTable", "activity calendar, primary element"),
    _o(
        20,
        "0-0:13.0.1.255",
        "TariffSwitchingTableSecondaryElement",
        "activity calendar, secondary element",
    ),
    _o(11, "0-0:11.0.0.255", "TariffSwitchingTableSpecialDays", a2=ListOf(SPECIAL_DAY)),
    _o(11, "0-1:11.0.0.255", "TariffSwitchingTableSpecialDaysPassive", a2=ListOf(SPECIAL_DAY)),
    _o(
        11,
        "0-0:11.0.1.255",
        "TariffSwitchingTableSecondaryElementSpecialDays",
        a2=ListOf(SPECIAL_DAY),
    ),
    _o(
        11,
        "0-1:11.0.1.255",
        "TariffSwitchingTableSecondaryElementSpecialDaysPassive",
        a2=ListOf(SPECIAL_DAY),
    ),
    *(
        _o(21, f"0-0:16.0.{10 + n}.255", f"TariffThresholdMatrixRate{n}", a2=ListOf(INT))
        for n in range(1, 9)
    ),
    *(
        _o(21, f"0-0:16.1.{10 + n}.255", f"TariffThresholdMatrixRate{n}Passive", a2=ListOf(INT))
        for n in range(1, 9)
    ),
    _o(
        9000,
        "0-0:63.1.1.255",
        "TariffThresholdMatrix",
        "activation of the passive threshold matrix",
    ),
    _o(3, "0-0:94.44.1.7", "PrimaryActiveTariffPrice", "price now in force, primary element"),
    _o(3, "0-0:94.44.1.8", "SecondaryActiveTariffPrice", "price now in force, secondary element"),
    _o(9000, "0-0:94.44.2.0", "CurrencyUnit", a2=FLAG, a4=FLAG),
    _o(113, "0-0:19.20.0.255", "PriceMatrix", "TOU / block prices, primary element"),
    _o(113, "0-0:19.20.4.255", "StandingCharge"),
    _o(113, "0-0:19.20.5.255", "SecondaryPriceMatrix", "TOU prices, secondary element"),
    _o(9, "0-0:10.0.100.255", "TariffBlockCounterMatrixResetScript"),
    _o(22, "0-0:15.1.0.255", "TariffBlockCounterMatrixDailyReset"),
    _o(22, "0-0:15.0.0.255", "BillingCalendar"),
    # --- prepayment ---------------------------------------------------------------------
    _o(111, "0-0:19.0.0.255", "Account", "the active account"),
    _o(111, "0-1:19.0.0.255", "AccountPassive", "the passive account (written, never read)"),
    _o(112, "0-0:19.10.0.255", "MeterBalance", "token credit: the meter balance"),
    _o(112, "0-0:19.10.1.255", "EmergencyCredit"),
    _o(112, "0-0:19.10.2.255", "Credit2", "third credit object, reset with the meter balance"),
    _o(113, "0-0:19.20.1.255", "TimeDebtRegister1", "time-based debt 1 (debt recovery rate 1)"),
    _o(113, "0-0:19.20.2.255", "TimeDebtRegister2", "time-based debt 2 (debt recovery rate 2)"),
    _o(113, "0-0:19.20.3.255", "PaymentDebtRegister", "payment-based debt"),
    _o(115, "0-0:19.40.0.255", "TokenGateway", "top-up (UTRN) entry"),
    _o(21, "0-0:16.0.1.255", "DisablementThreshold", a2=ListOf(INT)),
    _o(9000, "0-0:94.44.2.10", "CreditMaxCreditThreshold"),
    _o(9000, "0-0:94.44.2.20", "MaxCreditMaxMeterBalance"),
    _o(9000, "0-0:94.44.128.2", "EmergencyCreditLimit"),
    _o(9000, "0-0:94.44.128.3", "EmergencyCreditThreshold"),
    _o(9000, "0-0:94.44.128.9", "LowCreditThreshold"),
    _o(9000, "0-0:94.44.128.12", "DebtRecoveryRateCap"),
    _o(9000, "0-0:94.44.128.13", "DebtRecoveryRateCapPeriod"),
    _o(9000, "0-0:94.44.128.22", "DisablementThresholdActivation"),
    _o(9000, "0-0:94.44.128.28", "NonDisablementCalendarActivation"),
    _o(9000, "0-0:94.44.128.29", "TariffSwitchingTableSpecialDaysActivation"),
    _o(9000, "0-0:94.44.128.30", "TariffSwitchingTableSecondaryElementSpecialDaysActivation"),
    _o(9000, "0-0:94.44.128.31", "NonDisablementCalendarSpecialDaysActivation"),
    _o(9000, "0-0:94.44.128.26", "AuxiliaryLoadControlCalendarActivation"),
    _o(9000, "0-0:94.44.128.35", "AuxiliaryLoadControlSpecialDaysActivation"),
    _o(10, "0-0:12.0.1.255", "NonDisablementCalendar", a2=ListOf(SCHEDULE_ENTRY)),
    _o(10, "0-1:12.0.1.255", "NonDisablementCalendarPassive", a2=ListOf(SCHEDULE_ENTRY)),
    _o(11, "0-0:11.0.2.255", "NonDisablementSpecialDays", a2=ListOf(SPECIAL_DAY)),
    _o(11, "0-1:11.0.2.255", "NonDisablementSpecialDaysPassive", a2=ListOf(SPECIAL_DAY)),
    # --- auxiliary load control ---------------------------------------------------------
    *(
        _o(1, f"0-0:94.44.0.{10 + n}", f"AuxiliaryControllerDescription{n}", a2=TEXT)
        for n in range(1, 6)
    ),
    *(
        _o(1, f"0-0:94.44.0.{20 + n}", f"AuxiliaryControllerHCALCSID{n}", a2=EUI)
        for n in range(1, 6)
    ),
    *(_o(1, f"0-0:94.44.0.{30 + n}", f"AuxiliaryControllerState{n}", a2=TEXT) for n in range(1, 6)),
    *(_o(1, f"0-0:94.44.6.{n}", f"BoostFunctionControl{n}Value", a2=FLAG) for n in range(1, 6)),
    _o(1, "0-0:94.44.7.255", "BoostFunctionAvailability", a2=FLAG),
    _o(10, "0-0:12.0.2.255", "AuxiliaryControllerSchedule", a2=ListOf(SCHEDULE_ENTRY)),
    _o(10, "0-1:12.0.2.255", "AuxiliaryControllerSchedulePassive", a2=ListOf(SCHEDULE_ENTRY)),
    _o(11, "0-0:11.0.3.255", "AuxiliaryControllerSpecialDayDefinitions", a2=ListOf(SPECIAL_DAY)),
    _o(
        11,
        "0-1:11.0.3.255",
        "AuxiliaryControllerSpecialDayDefinitionsPassive",
        a2=ListOf(SPECIAL_DAY),
    ),
    _o(9, "0-0:10.0.103.255", "AuxiliaryLoadControlScriptTable"),
    _o(9, "0-0:10.0.107.255", "APCLevelScriptTable"),
    _o(1, "0-0:94.44.117.1", "AuxiliaryControllerActivationParameter1"),
    _o(1, "0-0:94.44.117.2", "AuxiliaryControllerActivationParameter2"),
    _o(1, "0-0:94.44.119.1", "AuxiliaryControllerInputParameter1"),
    _o(1, "0-0:94.44.119.2", "AuxiliaryControllerInputParameter2"),
    _o(1, "0-0:94.44.119.3", "APCLimitPeriodStart", a2=DATETIME),
    _o(1, "0-0:94.44.119.4", "APCLimitPeriodEnd", a2=DATETIME),
    _o(1, "0-0:94.44.121.1", "AuxiliaryControllerPeriodStart", a2=DATETIME),
    _o(1, "0-0:94.44.121.2", "AuxiliaryControllerPeriodEnd", a2=DATETIME),
    # --- events and alerts configuration -----------------------------------------------
    *(
        _o(1, f"0-{b}:97.98.{d}.255", f"{who}{what}", a2=ALERT_BEHAVIOUR)
        for b, who in ((30, "Supplier"), (33, "NetworkOperator"))
        for d, what in (
            (11, "AlertBehaviourSetting"),
            (12, "HANDeviceEventBehaviourSetting"),
            (13, "AudibleAlarmEventBehaviourSetting"),
            (14, "LoggingEventBehaviourSetting"),
            (15, "AlertBehaviour"),
            (16, "HANDeviceEventBehaviour"),
            (17, "AudibleAlarmEventBehaviour"),
            (18, "LoggingEventBehaviour"),
        )
    ),
    # --- communications hub -------------------------------------------------------------
    _o(104, "0-0:30.3.0.255", "CHFDeviceLog", "ZigBee network control: the HAN whitelist"),
    _o(104, "0-0:30.3.1.255", "CHFDeviceLogSecondary", "second ZigBee network control object"),
    _o(
        1,
        "0-0:94.44.10.0",
        "CHFSubGHzConfiguration",
        a2=Fields(
            (
                ("LowerBandSubGHzChannels0To26", BITS),
                ("LowerBandSubGHzChannels27To34", BITS),
                ("LowerBandSubGHzChannels35To61", BITS),
                ("UpperBandSubGHzChannels0To26", BITS),
            )
        ),
    ),
    _o(1, "0-0:94.44.10.1", "CHFSubGHzChannelScanRequest"),
    _o(1, "0-0:94.44.10.2", "OperatingSubGHzChannel", a2=BITS),
    # --- data protection (the protected reads) -----------------------------------------
    *(
        _o(30, f"0-0:43.2.{e}.255", f"DataProtection{use}")
        for e, use in (
            (1, "ECS19"),
            (2, "ECS20c"),
            (3, "ECS20b"),
            (4, "ECS66"),
            (5, "ECS21a"),
            (6, "ECS21b"),
            (7, "ECS22b"),
            (8, "ECS17b"),
            (9, "ECS17d"),
            (10, "ECS17e"),
        )
    ),
)

OBJECTS: Final[dict[tuple[int, ObisCode], CosemObject]] = {
    (o.class_id, o.obis): o for o in _OBJECTS
}


def lookup(class_id: int, obis: ObisCode) -> CosemObject | None:
    return OBJECTS.get((class_id, obis))


def object_name(class_id: int, obis: ObisCode) -> str:
    found = lookup(class_id, obis)
    return found.name if found is not None else f"{interface_class(class_id).name} {obis}"


def attribute_name(descriptor: AttributeDescriptor) -> str:
    """``MeterBalance`` for an object's value attribute, else ``Account.low_credit_threshold``."""
    base = object_name(descriptor.class_id, descriptor.instance)
    if PRIMARY_ATTRIBUTE.get(descriptor.class_id) == descriptor.attribute_id:
        return base
    return f"{base}.{interface_class(descriptor.class_id).attribute(descriptor.attribute_id)[0]}"


def method_name(descriptor: MethodDescriptor) -> str:
    base = object_name(descriptor.class_id, descriptor.instance)
    return f"{base}.{interface_class(descriptor.class_id).method(descriptor.method_id)[0]}"


def attribute_layout(descriptor: AttributeDescriptor) -> Layout:
    found = lookup(descriptor.class_id, descriptor.instance)
    if found is not None:
        return found.layout(descriptor.attribute_id)
    return interface_class(descriptor.class_id).attribute(descriptor.attribute_id)[1]


def method_layout(descriptor: MethodDescriptor) -> Layout:
    return interface_class(descriptor.class_id).method(descriptor.method_id)[1]


def register_unit(class_id: int, obis: ObisCode) -> Unit | None:
    found = lookup(class_id, obis)
    return found.unit if found is not None else None
