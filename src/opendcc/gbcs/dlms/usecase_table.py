"""The requests of each GBCS DLMS use case, in the order the Command carries them.

Each use case lists one or more variants (optional items make several), one request per
line: ``get|set|act <class id>/<OBIS>/<attribute or method id>``. A protected read adds
``protects`` and the objects its ciphered answer holds, in order. ``as <Name>`` gives the
value a name of its own (the MMC element name) instead of the object's, ``as
<Name>:<layout>`` also reads it with a layout of ``usecases.SLOT_LAYOUTS``, and ``as *``
puts the fields of a protected object's value directly among the payload's values. A
Response carries one result per request, in the same order, so these lines name its
values.

The request lists were read from the GBCS use case payloads (GBCS section 19 and the
reference test data); titles are the GBCS use case names.
"""

from __future__ import annotations

from typing import Final

USE_CASE_TITLES: Final[dict[str, str]] = {
    "CCS01": "Add Device to CHF device log",
    "CCS02": "Remove device from CHF device log",
    "CCS03": "Restore CHF Device Log",
    "CCS05CCS04": "Read CHF device log and check HAN communications",
    "CCS06": "Read CHF device log and check HAN communications",
    "CCS07": "Read CHF Device Logs",
    "CS01a": "Apply Prepayment Top Up",
    "DBCH01": "Read CHF Sub GHz Channel",
    "DBCH02": "Read CHF Sub GHz Channel Log",
    "DBCH03": "Read CHF Sub GHz Configuration",
    "DBCH04": "Set CHF Sub GHz Configuration",
    "DBCH05": "Request CHF Sub GHz Channel Scan",
    "ECS01a": "Set Tariff and Price",
    "ECS01b": "Set Price",
    "ECS01c": "Set Tariff and Price - Second Element",
    "ECS01d": "Set Price - Second Element",
    "ECS02": "Set Payment Mode to Credit",
    "ECS03": "Set Payment Mode to Prepayment",
    "ECS04a": "Adjust Meter Balance",
    "ECS04b": "Adjust Meter Balance: Reset",
    "ECS05": "Reset Tariff Block Counter Matrix",
    "ECS07": "Debt Management",
    "ECS08": "Update Prepayment Configuration",
    "ECS08a": "Update Prepayment Configuration",
    "ECS09": "Activate Emergency Credit Remotely",
    "ECS10": "Send Message to Meter",
    "ECS12": "Set Change of Tenancy date",
    "ECS14": "Disable Privacy PIN Protection",
    "ECS15a": "Clear Event Log",
    "ECS15c": "Clear Auxiliary Controller Event Log",
    "ECS16": "Write Supplier Contact Details",
    "ECS17a": "Read ESME Energy Registers (Export Energy)",
    "ECS17b": "Read Import Energy / Consumption Registers",
    "ECS17c": "Read ESME Energy Registers (Power)",
    "ECS17d": "Read Energy / Consumption Register (TOU)",
    "ECS17e": "Read ESME Energy Register (TOU with Blocks)",
    "ECS18a": "Read Maximum Demand Registers (export)",
    "ECS18b": "Read Maximum Demand Registers (import)",
    "ECS19": "Read Prepayment Registers",
    "ECS20a": "Read Billing Data Log (payment-based debt payments)",
    "ECS20b": "Read Billing Data Log (change of mode / tariff triggered exc export)",
    "ECS20c": "Read Billing Data Log (billing calendar triggered exc export)",
    "ECS20d": "Read Billing Data Log (prepayment credits)",
    "ECS21a": "Read Daily Read Log (exc export)",
    "ECS21b": "Read (Prepayment) Daily Read Log",
    "ECS21c": "Read Electricity Daily Read Log (export only)",
    "ECS22a": "Read Half Hour Profile Data (export)",
    "ECS22b": "Read Half Hour Profile Data (consumption)",
    "ECS22c": "Read Half Hour Profile Data (reactive import)",
    "ECS23": "Read Voltage Operational Data",
    "ECS23b": "Read Voltage Operational Data - 3 phase",
    "ECS24": "Read Tariff Data",
    "ECS24b": "Read Tariff Data - second element",
    "ECS25a": "Set Alert Behaviours - Supplier",
    "ECS25a1": "Set Event Behaviours to HAN Device - Supplier",
    "ECS25a2": "Set Event Behaviours audible alarm - Supplier",
    "ECS25a3": "Set Event Behaviours logging - Supplier",
    "ECS25b": "Set Alert Behaviours - Network Operator",
    "ECS25b3": "Set Event Behaviours logging - Network Operator",
    "ECS25r1": "Read non-critical event and alert behaviours - Supplier",
    "ECS25r2": "Read non-critical event and alert behaviours - Network Operator",
    "ECS26a": "Read Configuration Data Prepayment",
    "ECS26b": "Read Configuration Voltage Data",
    "ECS26c": "Read Configuration Data Device Information  (randomisation)",
    "ECS26d": "Read Configuration Data Device Information (Billing Calendar)",
    "ECS26e": "Read Configuration Data Device Information (identity exc MPxN)",
    "ECS26f": "Read Configuration Data Device Information (instantaneous power thresholds)",
    "ECS26i": "Read Configuration Data Device Information (identity and type)",
    "ECS26j": "Read Configuration Data Device Information (Payment Mode)",
    "ECS26k": "Read Configuration Voltage Data - 3 Phase",
    "ECS26l": "Read Configuration Data Device Information (Billing Calendar)",
    "ECS26m": (
        "Read Configuration Data Device Information"
        " (Smart Meter identity and type, including supply tamper / depletion state)"
    ),
    "ECS26n": "Read Configuration Data Device Information (CH identity and type)",
    "ECS27": "Read Load Limit Data",
    "ECS28a": "Set Load Limit Configurations - General Settings",
    "ECS28b": "Set Load Limit Configuration Counter Reset",
    "ECS29a": "Set Voltage Configurations on ESME with counter resets",
    "ECS29b": "Set Voltage Configurations on ESME - 3 ph with counter resets",
    "ECS29c": "Set Voltage Configurations on ESME without counter reset",
    "ECS29d": "Set Voltage Configurations on polyphase ESME without counter reset",
    "ECS29e": "Reset RMS Voltage Counters on ESME",
    "ECS29f": "Reset RMS Voltage Counters on polyphase ESME",
    "ECS30": "Set Billing Calendar",
    "ECS30a": "Set Billing Calendar - all periodicities",
    "ECS34": "Set Instantaneous Power Threshold Configuration",
    "ECS35a": "Read device Event Log",
    "ECS35b": "Read device Security Log",
    "ECS35c": "Read CHF Event Log",
    "ECS35d": "Read CHF Security Log",
    "ECS35e": "Read ESME Power Event Log",
    "ECS35f": "Read Auxiliary Controller Event Log",
    "ECS35g": "Read Auxiliary Controller Event Log",
    "ECS37": "Set Maximum Demand Configurable Time Period",
    "ECS38": "Update Randomised Offset Limit",
    "ECS39a": "Set MPAN / MPRN Value",
    "ECS39b": "Set Export MPAN Value on the ESME",
    "ECS40": "Read MPAN / MPRN Value",
    "ECS42": "Remotely Close the Load Switch on the ESME",
    "ECS43": "Remotely Open the Load Switch / close Valve",
    "ECS44": "Arm Load Switch / Valve",
    "ECS45": "Read Status of Load Switch / Valve",
    "ECS46a": "Set Auxiliary Controller Descriptions",
    "ECS46c": "Set Auxiliary Controller Calendar and HCALCS identities",
    "ECS46d": "Set Auxiliary Controller Calendar",
    "ECS47Activate": "Activate Auxiliary Load",
    "ECS47Deactivate": "Deactivate Auxiliary Load",
    "ECS47Reset": "Reset Auxiliary Load",
    "ECS47a": "Set Auxiliary Controller [n] State",
    "ECS47e": "Limit APC [n] Level",
    "ECS48": "Configure daily resetting of Tariff Block Counter Matrix",
    "ECS50": "Send CIN to meter",
    "ECS52": "Read ESME/SAPC/GSME/Comms Hub Firmware Version",
    "ECS57": "Reset Maximum Demand Registers",
    "ECS61a": "Read Auxiliary Load Control Switch Configuration",
    "ECS61c": "Read Boost Function Data",
    "ECS61d": "Read Auxiliary Controller Configuration Data",
    "ECS61e": "Read Auxiliary Controller Operational Data",
    "ECS62Add": "Set ALCS/APC and Boost Function Association",
    "ECS62Remove": "Set ALCS/APC and Boost Function Association",
    "ECS66": "Read Daily Consumption Log",
    "ECS70": "Set Clock",
    "ECS70Commission": "Set Clock",
    "ECS81": "Set Supply Tamper State on ESME",
    "ECS82": "Read Meter Balance for Smart Meter",
}

USE_CASE_REQUESTS: Final[dict[str, tuple[str, ...]]] = {
    "CCS01": (
        """
        act 104/0-0:30.3.0.255/1
        set 104/0-0:30.3.0.255/3
        set 104/0-0:30.3.0.255/2
        """,
    ),
    "CCS02": (
        """
        act 104/0-0:30.3.0.255/2
        """,
    ),
    "CCS03": (
        """
        act 104/0-0:30.3.0.255/5
        """,
    ),
    "CCS05CCS04": (
        """
        get 104/0-0:30.3.0.255/4 as CHFDeviceLog
        """,
    ),
    "CCS06": (
        """
        get 104/0-0:30.3.0.255/4 as CHFDeviceLog
        """,
    ),
    "CCS07": (
        """
        act 104/0-0:30.3.0.255/4
        act 104/0-0:30.3.1.255/4
        """,
    ),
    "CS01a": (
        """
        act 115/0-0:19.40.0.255/1
        """,
    ),
    "DBCH01": (
        """
        get 1/0-0:94.44.10.2/2
        """,
    ),
    "DBCH02": (
        """
        get 7/0-0:94.44.10.3/2
        """,
    ),
    "DBCH03": (
        """
        get 1/0-0:94.44.10.0/2
        """,
    ),
    "DBCH04": (
        """
        set 1/0-0:94.44.10.0/2
        """,
    ),
    "DBCH05": (
        """
        set 1/0-0:94.44.10.1/2
        """,
    ),
    "ECS01a": (
        """
        set 20/0-0:13.0.0.255/7
        set 20/0-0:13.0.0.255/8
        set 20/0-0:13.0.0.255/9
        set 11/0-1:11.0.0.255/2
        set 21/0-0:16.1.11.255/2
        set 21/0-0:16.1.12.255/2
        set 21/0-0:16.1.13.255/2
        set 21/0-0:16.1.14.255/2
        set 21/0-0:16.1.15.255/2
        set 21/0-0:16.1.16.255/2
        set 21/0-0:16.1.17.255/2
        set 21/0-0:16.1.18.255/2
        set 9000/0-0:94.44.2.0/4
        set 113/0-0:19.20.4.255/6
        set 113/0-0:19.20.0.255/6
        set 20/0-0:13.0.0.255/10
        set 9000/0-0:94.44.128.29/6
        set 9000/0-0:94.44.2.0/6
        set 113/0-0:19.20.4.255/7
        set 113/0-0:19.20.0.255/7
        set 9000/0-0:63.1.1.255/6
        """,
    ),
    "ECS01b": (
        """
        set 113/0-0:19.20.4.255/6
        set 113/0-0:19.20.0.255/6
        set 113/0-0:19.20.4.255/7
        set 113/0-0:19.20.0.255/7
        """,
    ),
    "ECS01c": (
        """
        set 113/0-0:19.20.5.255/6
        set 20/0-0:13.0.1.255/7
        set 20/0-0:13.0.1.255/8
        set 20/0-0:13.0.1.255/9
        set 11/0-1:11.0.1.255/2
        set 20/0-0:13.0.1.255/10
        set 113/0-0:19.20.5.255/7
        set 9000/0-0:94.44.128.30/6
        """,
    ),
    "ECS01d": (
        """
        set 113/0-0:19.20.5.255/6
        set 113/0-0:19.20.5.255/7
        """,
    ),
    "ECS02": (
        """
        set 111/0-1:19.0.0.255/2
        set 111/0-1:19.0.0.255/11
        set 111/0-1:19.0.0.255/13
        """,
    ),
    "ECS03": (
        """
        set 111/0-1:19.0.0.255/2
        set 9000/0-0:94.44.128.22/4
        set 111/0-1:19.0.0.255/11
        set 9000/0-0:94.44.128.22/6
        set 111/0-1:19.0.0.255/13
        """,
    ),
    "ECS04a": (
        """
        act 112/0-0:19.10.0.255/1
        """,
    ),
    "ECS04b": (
        """
        act 112/0-0:19.10.0.255/2
        act 112/0-0:19.10.1.255/2
        act 112/0-0:19.10.2.255/2
        """,
    ),
    "ECS05": (
        """
        act 9/0-0:10.0.100.255/1
        """,
    ),
    "ECS07": (
        """
        set 113/0-0:19.20.1.255/6
        set 113/0-0:19.20.2.255/6
        set 113/0-0:19.20.3.255/13
        set 113/0-0:19.20.1.255/8
        set 113/0-0:19.20.2.255/8
        act 113/0-0:19.20.1.255/2
        act 113/0-0:19.20.2.255/2
        act 113/0-0:19.20.3.255/4
        act 113/0-0:19.20.1.255/4
        act 113/0-0:19.20.2.255/4
        """,
    ),
    "ECS08": (
        """
        set 11/0-1:11.0.2.255/2
        set 9000/0-0:94.44.2.20/2
        set 9000/0-0:94.44.2.10/4
        set 10/0-1:12.0.1.255/2
        set 9000/0-0:94.44.128.12/4
        set 9000/0-0:94.44.128.13/4
        set 9000/0-0:94.44.128.9/4
        set 9000/0-0:94.44.128.2/4
        set 9000/0-0:94.44.128.31/6
        set 9000/0-0:94.44.128.3/4
        set 9000/0-0:94.44.2.20/6
        set 9000/0-0:94.44.2.10/6
        set 9000/0-0:94.44.128.12/6
        set 9000/0-0:94.44.128.13/6
        set 9000/0-0:94.44.128.9/6
        set 9000/0-0:94.44.128.2/6
        set 9000/0-0:94.44.128.3/6
        set 9000/0-0:94.44.128.28/6
        """,
    ),
    "ECS08a": (
        """
        set 11/0-1:11.0.2.255/2
        set 9000/0-0:94.44.2.20/4
        set 9000/0-0:94.44.2.10/4
        set 10/0-1:12.0.1.255/2
        set 9000/0-0:94.44.128.12/4
        set 9000/0-0:94.44.128.13/4
        set 9000/0-0:94.44.128.9/4
        set 9000/0-0:94.44.128.2/4
        set 9000/0-0:94.44.128.31/6
        set 9000/0-0:94.44.128.3/4
        set 9000/0-0:94.44.2.20/6
        set 9000/0-0:94.44.2.10/6
        set 9000/0-0:94.44.128.12/6
        set 9000/0-0:94.44.128.13/6
        set 9000/0-0:94.44.128.9/6
        set 9000/0-0:94.44.128.2/6
        set 9000/0-0:94.44.128.3/6
        set 9000/0-0:94.44.128.28/6
        """,
    ),
    "ECS09": (
        """
        act 112/0-0:19.10.1.255/3
        """,
    ),
    "ECS10": (
        """
        set 1/0-2:96.13.1.255/2
        """,
    ),
    "ECS12": (
        """
        set 1/0-0:94.44.3.2/2
        """,
    ),
    "ECS14": (
        """
        set 1/0-0:94.44.3.1/2
        """,
    ),
    "ECS15a": (
        """
        act 7/0-0:99.98.0.255/1
        """,
    ),
    "ECS15c": (
        """
        act 7/0-17:99.98.2.255/1
        """,
    ),
    "ECS16": (
        """
        set 9000/0-0:96.13.0.255/2
        set 9000/0-0:96.13.1.255/2
        """,
    ),
    "ECS17a": (
        """
        get 3/1-0:2.8.0.255/2
        get 3/1-0:2.8.0.255/3
        get 3/1-0:4.8.0.255/2
        get 3/1-0:4.8.0.255/3
        """,
    ),
    "ECS17b": (
        """
        act 30/0-0:43.2.8.255/1 protects 1/0-0:94.44.34.10/2 as *
        """,
    ),
    "ECS17c": (
        """
        get 1/0-0:94.44.34.20/2
        """,
    ),
    "ECS17d": (
        """
        act 30/0-0:43.2.9.255/1 protects 1/0-0:94.44.34.1/2 as *
        """,
    ),
    "ECS17e": (
        """
        act 30/0-0:43.2.10.255/1 protects 1/0-0:94.44.34.2/2 as *
        """,
    ),
    "ECS18a": (
        """
        get 1/0-0:94.44.5.2/2
        get 4/1-0:2.6.0.255/2
        get 4/1-0:2.6.0.255/3
        get 4/1-0:2.6.0.255/5
        """,
    ),
    "ECS18b": (
        """
        get 1/0-0:94.44.5.0/2
        get 1/0-0:94.44.5.1/2
        get 4/1-0:1.6.0.255/2
        get 4/1-0:1.6.0.255/3
        get 4/1-0:1.6.0.255/5
        get 4/1-0:1.6.1.255/2
        get 4/1-0:1.6.1.255/3
        get 4/1-0:1.6.1.255/5
        get 10/0-0:12.0.0.255/2
        """,
    ),
    "ECS19": (
        """
        act 30/0-0:43.2.1.255/1 protects 1/0-0:94.44.34.30/2 as *
        """,
    ),
    "ECS20a": (
        """
        get 7/0-0:98.1.4.255/2
        """,
    ),
    "ECS20b": (
        """
        act 30/0-0:43.2.3.255/1 protects 7/0-0:98.1.2.255/2
        """,
    ),
    "ECS20c": (
        """
        act 30/0-0:43.2.2.255/1 protects 7/0-0:98.1.0.255/2 7/0-0:98.1.1.255/2
        """,
    ),
    "ECS20d": (
        """
        get 7/0-0:98.1.5.255/2
        """,
    ),
    "ECS21a": (
        """
        act 30/0-0:43.2.5.255/1 protects 7/0-0:98.1.9.255/2
        """,
    ),
    "ECS21b": (
        """
        act 30/0-0:43.2.6.255/1 protects 7/0-0:98.1.8.255/2
        """,
    ),
    "ECS21c": (
        """
        get 7/0-0:98.1.10.255/2
        """,
    ),
    "ECS22a": (
        """
        get 7/0-0:99.1.1.255/2
        """,
    ),
    "ECS22b": (
        """
        act 30/0-0:43.2.7.255/1 protects 7/0-0:99.1.0.255/2
        """,
    ),
    "ECS22c": (
        """
        get 7/0-0:99.1.2.255/2
        """,
    ),
    "ECS23": (
        """
        get 3/1-0:32.32.0.4/2
        get 3/1-0:32.32.0.4/3
        get 3/1-0:32.36.0.4/2
        get 3/1-0:32.36.0.4/3
        get 7/1-0:32.24.0.255/2 as AvgRMSVoltageProfileDataLogPhase1
        get 7/1-0:32.24.0.255/4 as AvgRMSVoltageProfileDataLogPhase1.MeasurementPeriod
        """,
    ),
    "ECS23b": (
        """
        get 3/1-0:32.32.0.4/2
        get 3/1-0:32.32.0.4/3
        get 3/1-0:32.36.0.4/2
        get 3/1-0:32.36.0.4/3
        get 7/1-0:32.24.0.255/2 as AvgRMSVoltageProfileDataLogPhase1
        get 7/1-0:32.24.0.255/4 as AvgRMSVoltageProfileDataLogPhase1.MeasurementPeriod
        get 3/1-0:52.32.0.4/2
        get 3/1-0:52.32.0.4/3
        get 3/1-0:52.36.0.4/2
        get 3/1-0:52.36.0.4/3
        get 7/1-0:52.24.0.255/2 as AvgRMSVoltageProfileDataLogPhase2
        get 7/1-0:52.24.0.255/4 as AvgRMSVoltageProfileDataLogPhase2.MeasurementPeriod
        get 3/1-0:72.32.0.4/2
        get 3/1-0:72.32.0.4/3
        get 3/1-0:72.36.0.4/2
        get 3/1-0:72.36.0.4/3
        get 7/1-0:72.24.0.255/2 as AvgRMSVoltageProfileDataLogPhase3
        get 7/1-0:72.24.0.255/4 as AvgRMSVoltageProfileDataLogPhase3.MeasurementPeriod
        """,
    ),
    "ECS24": (
        """
        get 3/0-0:94.44.1.7/2
        get 3/0-0:94.44.1.7/3
        get 20/0-0:13.0.0.255/3 as TariffSwitchingTable.Seasons
        get 20/0-0:13.0.0.255/4 as TariffSwitchingTable.WeekProfiles
        get 20/0-0:13.0.0.255/5 as TariffSwitchingTable.DayProfiles
        get 11/0-0:11.0.0.255/2 as TariffSwitchingTableSpecialDays
        get 21/0-0:16.0.11.255/2 as TariffThresholdMatrixRate1
        get 21/0-0:16.0.12.255/2 as TariffThresholdMatrixRate2
        get 21/0-0:16.0.13.255/2 as TariffThresholdMatrixRate3
        get 21/0-0:16.0.14.255/2 as TariffThresholdMatrixRate4
        get 21/0-0:16.0.15.255/2 as TariffThresholdMatrixRate5
        get 21/0-0:16.0.16.255/2 as TariffThresholdMatrixRate6
        get 21/0-0:16.0.17.255/2 as TariffThresholdMatrixRate7
        get 21/0-0:16.0.18.255/2 as TariffThresholdMatrixRate8
        get 9000/0-0:94.44.2.0/2 as CurrencyUnit
        get 113/0-0:19.20.4.255/5 as StandingCharge
        get 113/0-0:19.20.0.255/5 as PriceMatrix
        """,
    ),
    "ECS24b": (
        """
        get 113/0-0:19.20.5.255/5 as SecondaryPriceMatrix
        get 3/0-0:94.44.1.8/2
        get 3/0-0:94.44.1.8/3
        get 11/0-0:11.0.1.255/2 as TariffSwitchingTableSpecialDays
        get 20/0-0:13.0.1.255/3 as TariffSwitchingTable.Seasons
        get 20/0-0:13.0.1.255/4 as TariffSwitchingTable.WeekProfiles
        get 20/0-0:13.0.1.255/5 as TariffSwitchingTable.DayProfiles
        """,
    ),
    "ECS25a": (
        """
        set 1/0-30:97.98.11.255/2
        """,
    ),
    "ECS25a1": (
        """
        set 1/0-30:97.98.12.255/2
        """,
    ),
    "ECS25a2": (
        """
        set 1/0-30:97.98.13.255/2
        """,
    ),
    "ECS25a3": (
        """
        set 1/0-30:97.98.14.255/2
        """,
    ),
    "ECS25b": (
        """
        set 1/0-33:97.98.11.255/2
        """,
    ),
    "ECS25b3": (
        """
        set 1/0-33:97.98.14.255/2
        """,
    ),
    "ECS25r1": (
        """
        get 1/0-30:97.98.15.255/2
        get 1/0-30:97.98.16.255/2
        get 1/0-30:97.98.17.255/2
        get 1/0-30:97.98.18.255/2
        """,
    ),
    "ECS25r2": (
        """
        get 1/0-33:97.98.15.255/2
        get 1/0-33:97.98.18.255/2
        """,
    ),
    "ECS26a": (
        """
        get 113/0-0:19.20.1.255/5 as DebtRecoveryRate1:charge_rate
        get 11/0-0:11.0.2.255/2 as NonDisablementSpecialDays
        get 113/0-0:19.20.1.255/8 as DebtRecoveryRatePeriod1
        get 113/0-0:19.20.1.255/5 as DebtRecoveryRatePriceScale1:price_scale
        get 113/0-0:19.20.2.255/5 as DebtRecoveryRate2:charge_rate
        get 113/0-0:19.20.2.255/8 as DebtRecoveryRatePeriod2
        get 113/0-0:19.20.2.255/5 as DebtRecoveryRatePriceScale2:price_scale
        get 113/0-0:19.20.3.255/13 as DebtRecoveryPerPayment
        get 9000/0-0:94.44.2.10/2 as CreditMaxCreditThreshold
        get 21/0-0:16.0.1.255/2 as DisablementThreshold
        get 9000/0-0:94.44.2.20/2 as MaxCreditMaxMeterBalance
        get 111/0-0:19.0.0.255/16 as LowCreditThreshold
        get 111/0-0:19.0.0.255/18 as DebtRecoveryRateCap
        get 111/0-0:19.0.0.255/19 as DebtRecoveryRateCapPeriod
        get 112/0-0:19.10.1.255/9 as EmergencyCreditLimit
        get 112/0-0:19.10.1.255/10 as EmergencyCreditThreshold
        get 10/0-0:12.0.1.255/2 as NonDisablementCalendar
        get 111/0-0:19.0.0.255/11 as SuspendDebt
        """,
    ),
    "ECS26b": (
        """
        get 71/0-0:17.0.1.255/4 as RMSExtremeOverVoltageThreshold
        get 71/0-0:17.0.1.255/6 as RMSExtremeOverVoltageMeasurementPeriod
        get 71/0-0:17.0.2.255/4 as RMSExtremeUnderVoltageThreshold
        get 71/0-0:17.0.2.255/6 as RMSExtremeUnderVoltageMeasurementPeriod
        get 71/0-0:17.0.3.255/4 as RMSVoltageSagThreshold
        get 71/0-0:17.0.3.255/6 as RMSVoltageSagMeasurementPeriod
        get 71/0-0:17.0.4.255/4 as RMSVoltageSwellThreshold
        get 71/0-0:17.0.4.255/6 as RMSVoltageSwellMeasurementPeriod
        get 1/1-0:32.35.0.4/2
        get 1/1-0:32.31.0.4/2
        """,
    ),
    "ECS26c": (
        """
        get 1/0-0:94.44.0.0/2
        get 1/0-0:94.44.0.2/2
        get 1/0-0:94.44.0.1/2
        """,
    ),
    "ECS26d": (
        """
        get 22/0-0:15.0.0.255/4 as BillingCalendar
        """,
    ),
    "ECS26e": (
        """
        get 1/0-0:96.1.1.255/2
        get 1/0-0:96.1.2.255/2
        get 1/0-0:96.1.4.255/2
        get 1/0-0:96.1.6.255/2
        get 1/0-0:94.44.0.4/2
        """,
    ),
    "ECS26f": (
        """
        get 21/0-0:16.0.0.255/2 as InstantaneousPowerThresholds
        """,
    ),
    "ECS26i": (
        """
        get 1/0-0:96.1.1.255/2
        get 1/0-0:96.1.4.255/2
        get 1/0-0:96.1.6.255/2
        """,
    ),
    "ECS26j": (
        """
        get 111/0-0:19.0.0.255/2 as PaymentMode
        """,
    ),
    "ECS26k": (
        """
        get 71/0-0:17.0.1.255/4 as RMSExtremeOverVoltageThreshold
        get 71/0-0:17.0.1.255/6 as RMSExtremeOverVoltageMeasurementPeriod
        get 71/0-0:17.0.2.255/4 as RMSExtremeUnderVoltageThreshold
        get 71/0-0:17.0.2.255/6 as RMSExtremeUnderVoltageMeasurementPeriod
        get 71/0-0:17.0.3.255/4 as RMSVoltageSagThreshold
        get 71/0-0:17.0.3.255/6 as RMSVoltageSagMeasurementPeriod
        get 71/0-0:17.0.4.255/4 as RMSVoltageSwellThreshold
        get 71/0-0:17.0.4.255/6 as RMSVoltageSwellMeasurementPeriod
        get 1/1-0:32.35.0.4/2
        get 1/1-0:32.31.0.4/2
        get 1/1-0:52.31.0.4/2
        get 1/1-0:52.35.0.4/2
        get 1/1-0:72.31.0.4/2
        get 1/1-0:72.35.0.4/2
        """,
    ),
    "ECS26l": (
        """
        get 22/0-0:15.0.0.255/4 as BillingCalendar
        """,
    ),
    "ECS26m": (
        """
        get 1/0-0:96.1.2.255/2
        get 1/0-0:96.1.4.255/2
        get 1/0-0:96.1.6.255/2
        get 1/0-0:94.44.0.4/2
        """,
    ),
    "ECS26n": (
        """
        get 1/0-0:96.1.4.255/2
        get 1/0-0:96.1.6.255/2
        """,
    ),
    "ECS27": (
        """
        get 9000/0-0:94.44.0.3/2
        get 3/0-0:94.44.42.255/2
        get 3/0-0:94.44.42.255/3
        get 71/0-0:17.0.0.255/4 as LoadLimitPowerThreshold
        get 71/0-0:17.0.0.255/6 as LoadLimitPeriod
        get 71/0-0:17.0.0.255/7 as LoadLimitRestorationPeriod
        """,
    ),
    "ECS28a": (
        """
        set 9000/0-0:94.44.0.3/4
        set 9000/0-0:94.44.128.7/4
        set 9000/0-0:94.44.128.6/4
        set 9000/0-0:94.44.128.8/4
        set 9000/0-0:94.44.0.3/6
        set 9000/0-0:94.44.128.7/6
        set 9000/0-0:94.44.128.6/6
        set 9000/0-0:94.44.128.8/6
        """,
    ),
    "ECS28b": (
        """
        act 3/0-0:94.44.42.255/1
        """,
    ),
    "ECS29a": (
        """
        set 7/1-0:32.24.0.255/4
        set 71/0-0:17.0.1.255/4
        set 71/0-0:17.0.1.255/6
        set 71/0-0:17.0.2.255/4
        set 71/0-0:17.0.2.255/6
        set 71/0-0:17.0.3.255/4
        set 71/0-0:17.0.3.255/6
        set 71/0-0:17.0.4.255/4
        set 71/0-0:17.0.4.255/6
        set 1/1-0:32.35.0.4/2
        set 1/1-0:32.31.0.4/2
        act 3/1-0:32.32.0.4/1
        act 3/1-0:32.36.0.4/1
        """,
    ),
    "ECS29b": (
        """
        set 7/1-0:32.24.0.255/4
        set 7/1-0:52.24.0.255/4
        set 7/1-0:72.24.0.255/4
        set 71/0-0:17.0.1.255/4
        set 71/0-0:17.0.1.255/6
        set 71/0-0:17.0.2.255/4
        set 71/0-0:17.0.2.255/6
        set 71/0-0:17.0.3.255/4
        set 71/0-0:17.0.3.255/6
        set 71/0-0:17.0.4.255/4
        set 71/0-0:17.0.4.255/6
        set 1/1-0:32.35.0.4/2
        set 1/1-0:32.31.0.4/2
        set 1/1-0:52.31.0.4/2
        set 1/1-0:52.35.0.4/2
        set 1/1-0:72.31.0.4/2
        set 1/1-0:72.35.0.4/2
        act 3/1-0:32.32.0.4/1
        act 3/1-0:32.36.0.4/1
        act 3/1-0:52.32.0.4/1
        act 3/1-0:52.36.0.4/1
        act 3/1-0:72.32.0.4/1
        act 3/1-0:72.36.0.4/1
        """,
    ),
    "ECS29c": (
        """
        set 1/1-0:32.31.0.4/2
        set 1/1-0:32.35.0.4/2
        set 7/1-0:32.24.0.255/4
        set 71/0-0:17.0.1.255/4
        set 71/0-0:17.0.1.255/6
        set 71/0-0:17.0.2.255/4
        set 71/0-0:17.0.2.255/6
        set 71/0-0:17.0.3.255/4
        set 71/0-0:17.0.3.255/6
        set 71/0-0:17.0.4.255/4
        set 71/0-0:17.0.4.255/6
        """,
    ),
    "ECS29d": (
        """
        set 1/1-0:32.31.0.4/2
        set 1/1-0:32.35.0.4/2
        set 1/1-0:52.31.0.4/2
        set 1/1-0:52.35.0.4/2
        set 1/1-0:72.31.0.4/2
        set 1/1-0:72.35.0.4/2
        set 7/1-0:32.24.0.255/4
        set 7/1-0:52.24.0.255/4
        set 7/1-0:72.24.0.255/4
        set 71/0-0:17.0.1.255/4
        set 71/0-0:17.0.1.255/6
        set 71/0-0:17.0.2.255/4
        set 71/0-0:17.0.2.255/6
        set 71/0-0:17.0.3.255/4
        set 71/0-0:17.0.3.255/6
        set 71/0-0:17.0.4.255/4
        set 71/0-0:17.0.4.255/6
        """,
    ),
    "ECS29e": (
        """
        act 3/1-0:32.32.0.4/1
        act 3/1-0:32.36.0.4/1
        """,
    ),
    "ECS29f": (
        """
        act 3/1-0:32.32.0.4/1
        act 3/1-0:32.36.0.4/1
        act 3/1-0:52.32.0.4/1
        act 3/1-0:52.36.0.4/1
        act 3/1-0:72.32.0.4/1
        act 3/1-0:72.36.0.4/1
        """,
    ),
    "ECS30": (
        """
        set 22/0-0:15.0.0.255/4
        """,
    ),
    "ECS30a": (
        """
        set 22/0-0:15.0.0.255/4
        """,
    ),
    "ECS34": (
        """
        set 21/0-0:16.0.0.255/2
        """,
    ),
    "ECS35a": (
        """
        get 7/0-0:99.98.0.255/2
        """,
    ),
    "ECS35b": (
        """
        get 7/0-0:99.98.1.255/2
        """,
    ),
    "ECS35c": (
        """
        get 7/0-0:99.98.0.255/2
        """,
    ),
    "ECS35d": (
        """
        get 7/0-0:99.98.1.255/2
        """,
    ),
    "ECS35e": (
        """
        get 7/0-0:99.98.4.255/2
        """,
    ),
    "ECS35f": (
        """
        get 7/0-17:99.98.2.255/2
        """,
    ),
    "ECS35g": (
        """
        get 7/0-17:99.98.2.255/2
        """,
    ),
    "ECS37": (
        """
        set 10/0-0:12.0.0.255/2
        """,
    ),
    "ECS38": (
        """
        set 1/0-0:94.44.0.1/2
        """,
    ),
    "ECS39a": (
        """
        set 1/0-0:94.44.34.11/2
        """,
    ),
    "ECS39b": (
        """
        set 1/1-0:0.0.2.255/2
        """,
    ),
    "ECS40": (
        """
        get 1/0-0:94.44.34.11/2
        get 1/1-0:0.0.2.255/2
        """,
    ),
    "ECS42": (
        """
        act 9/0-0:10.0.106.255/1
        """,
    ),
    "ECS43": (
        """
        act 9/0-0:10.0.106.255/1
        """,
    ),
    "ECS44": (
        """
        act 9/0-0:10.0.106.255/1
        """,
    ),
    "ECS45": (
        """
        get 70/0-0:96.3.10.255/3 as SupplyState
        """,
    ),
    "ECS46a": (
        """
        set 1/0-0:94.44.0.11/2
        set 1/0-0:94.44.0.12/2
        set 1/0-0:94.44.0.13/2
        set 1/0-0:94.44.0.14/2
        set 1/0-0:94.44.0.15/2
        """,
        """
        set 1/0-0:94.44.0.12/2
        set 1/0-0:94.44.0.13/2
        set 1/0-0:94.44.0.14/2
        """,
    ),
    "ECS46c": (
        """
        set 1/0-0:94.44.0.21/2
        set 1/0-0:94.44.0.22/2
        set 1/0-0:94.44.0.23/2
        set 1/0-0:94.44.0.24/2
        set 1/0-0:94.44.0.25/2
        set 11/0-1:11.0.3.255/2
        set 10/0-1:12.0.2.255/2
        set 9000/0-0:94.44.128.26/6
        set 9000/0-0:94.44.128.35/6
        """,
        """
        set 1/0-0:94.44.0.21/2
        set 1/0-0:94.44.0.22/2
        set 11/0-1:11.0.3.255/2
        set 10/0-1:12.0.2.255/2
        set 9000/0-0:94.44.128.26/6
        set 9000/0-0:94.44.128.35/6
        """,
    ),
    "ECS46d": (
        """
        set 11/0-1:11.0.3.255/2
        set 10/0-1:12.0.2.255/2
        set 9000/0-0:94.44.128.26/6
        set 9000/0-0:94.44.128.35/6
        """,
    ),
    "ECS47Activate": (
        """
        set 1/0-0:94.44.117.1/2
        act 9/0-0:10.0.103.255/1
        """,
    ),
    "ECS47Deactivate": (
        """
        set 1/0-0:94.44.119.2/2
        act 9/0-0:10.0.103.255/1
        """,
    ),
    "ECS47Reset": (
        """
        act 9/0-0:10.0.103.255/1
        """,
    ),
    "ECS47a": (
        """
        set 1/0-0:94.44.121.1/2
        set 1/0-0:94.44.121.2/2
        act 9/0-0:10.0.103.255/1
        """,
        """
        set 1/0-0:94.44.117.1/2
        set 1/0-0:94.44.117.2/2
        act 9/0-0:10.0.103.255/1
        """,
        """
        set 1/0-0:94.44.119.1/2
        set 1/0-0:94.44.119.2/2
        act 9/0-0:10.0.103.255/1
        """,
    ),
    "ECS47e": (
        """
        set 1/0-0:94.44.119.3/2
        set 1/0-0:94.44.119.4/2
        act 9/0-0:10.0.107.255/1
        """,
    ),
    "ECS48": (
        """
        set 22/0-0:15.1.0.255/4
        """,
    ),
    "ECS50": (
        """
        set 1/0-3:96.13.1.255/2
        """,
    ),
    "ECS52": (
        """
        get 1/0-0:0.2.1.255/2
        """,
    ),
    "ECS57": (
        """
        act 4/1-0:1.6.0.255/1
        act 4/1-0:1.6.1.255/1
        act 4/1-0:2.6.0.255/1
        """,
        """
        act 4/1-0:1.6.1.255/1
        """,
    ),
    "ECS61a": (
        """
        get 1/0-0:94.44.0.11/2
        get 1/0-0:94.44.0.12/2
        get 1/0-0:94.44.0.13/2
        get 1/0-0:94.44.0.14/2
        get 1/0-0:94.44.0.15/2
        get 1/0-0:94.44.0.21/2
        get 1/0-0:94.44.0.22/2
        get 1/0-0:94.44.0.23/2
        get 1/0-0:94.44.0.24/2
        get 1/0-0:94.44.0.25/2
        get 11/0-0:11.0.3.255/2 as AuxiliaryControllerSpecialDayDefinitions
        get 10/0-0:12.0.2.255/2 as AuxiliaryControllerSchedule
        get 70/0-1:96.3.10.255/2 as AuxiliaryLoadControlSwitch1.OutputState
        get 70/0-2:96.3.10.255/2 as AuxiliaryLoadControlSwitch2.OutputState
        get 70/0-3:96.3.10.255/2 as AuxiliaryLoadControlSwitch3.OutputState
        get 70/0-4:96.3.10.255/2 as AuxiliaryLoadControlSwitch4.OutputState
        get 70/0-5:96.3.10.255/2 as AuxiliaryLoadControlSwitch5.OutputState
        """,
    ),
    "ECS61c": (
        """
        get 1/0-0:94.44.7.255/2
        get 7/0-0:99.98.20.255/2
        get 1/0-0:94.44.6.1/2
        get 1/0-0:94.44.6.2/2
        get 1/0-0:94.44.6.3/2
        get 1/0-0:94.44.6.4/2
        get 1/0-0:94.44.6.5/2
        """,
    ),
    "ECS61d": (
        """
        get 1/0-0:94.44.0.11/2
        get 1/0-0:94.44.0.12/2
        get 1/0-0:94.44.0.13/2
        get 1/0-0:94.44.0.14/2
        get 1/0-0:94.44.0.15/2
        get 11/0-0:11.0.3.255/2 as AuxiliaryControllerSpecialDayDefinitions
        get 10/0-0:12.0.2.255/2 as AuxiliaryControllerSchedule
        """,
    ),
    "ECS61e": (
        """
        get 1/0-0:94.44.0.21/2
        get 1/0-0:94.44.0.22/2
        get 1/0-0:94.44.0.23/2
        get 1/0-0:94.44.0.24/2
        get 1/0-0:94.44.0.25/2
        get 1/0-0:94.44.0.31/2
        get 1/0-0:94.44.0.32/2
        get 1/0-0:94.44.0.33/2
        get 1/0-0:94.44.0.34/2
        get 1/0-0:94.44.0.35/2
        """,
    ),
    "ECS62Add": (
        """
        set 1/0-0:94.44.6.1/2
        set 1/0-0:94.44.6.2/2
        set 1/0-0:94.44.6.3/2
        set 1/0-0:94.44.6.4/2
        set 1/0-0:94.44.6.5/2
        """,
    ),
    "ECS62Remove": (
        """
        set 1/0-0:94.44.6.1/2
        set 1/0-0:94.44.6.2/2
        set 1/0-0:94.44.6.3/2
        set 1/0-0:94.44.6.4/2
        set 1/0-0:94.44.6.5/2
        """,
    ),
    "ECS66": (
        """
        act 30/0-0:43.2.4.255/1 protects 7/0-0:99.1.3.255/2
        """,
    ),
    "ECS70": (
        """
        set 8/0-0:1.0.0.255/9
        act 8/0-0:1.0.0.255/5
        act 8/0-0:1.0.0.255/4
        get 8/0-0:1.0.0.255/2 as Clock
        get 8/0-0:1.0.0.255/4 as ClockStatus
        """,
    ),
    "ECS70Commission": (
        """
        set 8/0-0:1.0.0.255/9
        act 8/0-0:1.0.0.255/5
        act 8/0-0:1.0.0.255/4
        get 8/0-0:1.0.0.255/2 as Clock
        get 8/0-0:1.0.0.255/4 as ClockStatus
        """,
    ),
    "ECS81": (
        """
        set 1/0-0:94.44.0.4/2
        """,
    ),
    "ECS82": (
        """
        get 112/0-0:19.10.0.255/2 as MeterBalance
        """,
    ),
}
