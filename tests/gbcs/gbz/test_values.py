"""Named values checked against what the reference vectors encode."""

from __future__ import annotations

from typing import Any

import pytest

from opendcc.gbcs.gbz import decode
from tests.gbcs.gbz.vectors import read_vector
from tests.reference import require_reference

pytestmark = pytest.mark.conformance


def values(folder: str, name: str) -> dict[str, Any]:
    path = require_reference("gbcs", "rtds", folder, f"{name}_GBCS.HEX")
    v = read_vector(path)
    return decode(v.content, v.context()).values()


def data(folder: str, name: str) -> Any:
    return values(folder, name)["data"]


def test_gcs13a_consumption_register_in_cubic_metres() -> None:
    d = data("4.1.1_GCS13a", "GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_RESPONSE")
    assert d["ConsumptionRegister"] == {"Raw": 12345, "Value": "12.345", "Unit": "m3"}


def test_gcs13a_error_response_reports_the_failed_attribute() -> None:
    v = values("4.1.1_GCS13a", "GCS13a_4.1.1_ERROR_RESPONSE")
    assert v["outcome"]["success"] is False
    assert v["outcome"]["errors"] == [
        {
            "component": 0,
            "cluster": "Metering",
            "attribute": "Divisor",
            "status": "HARDWARE_FAILURE",
        }
    ]
    # Without the Divisor the register cannot be scaled: the raw count stays, no Value.
    assert v["data"]["ConsumptionRegister"] == {"Raw": 12345, "Unit": "m3"}


def test_gcs13c_tou_matrix_and_gcs13b_block_counters() -> None:
    tou = data("4.1.2_GCS13c", "GCS13c_4.1.2_SUCCESS_RELIABLE_GSME_RESPONSE")
    assert [(e["Index"], e["Value"]) for e in tou["TariffTOURegisterMatrix"]] == [
        (1, "1"),
        (2, "2"),
        (3, "3"),
        (4, "4"),
    ]
    blocks = data("4.1.4_GCS13b", "GCS13b_4.1.4_SUCCESS_RELIABLE_GSME_RESPONSE")
    assert [e["Value"] for e in blocks["ImportBlockCounters"]] == ["0", "0.001", "0.002", "0.003"]


def test_gcs14_prepayment_registers() -> None:
    d = data("4.3_GCS14", "GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE")
    assert d == {
        "EmergencyCreditBalance": 500000,
        "AccumulatedDebtRegister": 2500000,
        "PaymentDebtRegister": 5000,
        "TimeDebtRegister1": 5000,
        "TimeDebtRegister2": 5000,
        "MeterBalance": 2500000,
    }


def test_gcs60a_meter_balances() -> None:
    d = data("4.18_GCS60a", "GCS60a_4.18_SUCCESS_RELIABLE_GSME_RESPONSE")
    assert d == {"MeterBalance": 3500000, "MeterBalancePrepaymentMode": 2500000}


def test_gcs21f_tariff() -> None:
    d = data("4.11.1_GCS21f", "GCS21f_4.11.1_SUCCESS_RESPONSE")
    assert d["PrimaryActiveTariffPrice"] == "0.096"
    assert d["CurrencyUnitsLabel"] == "GBP"
    assert d["StandingCharge"] == "0.22465"
    assert [t["Value"] for t in d["TariffThresholds"]["BlockThreshold"]] == ["100", "200", "300"]
    assert [p["Price"] for p in d["TOUTariff"]["TariffTOUPrice"]] == [
        "0.096",
        "0.102",
        "0.1075",
        "0.11",
    ]
    assert [p["Price"] for p in d["BlockTariff"]["BlockPrice"]] == [
        "0.106",
        "0.112",
        "0.1175",
        "0.12",
    ]
    table = d["TariffSwitchingTable"]
    assert [day["DayID"] for day in table["DayProfiles"]] == [1, 2, 3, 4]
    assert table["WeekProfiles"][0]["Days"] == [1, 1, 1, 1, 1, 2, 2]
    assert table["Seasons"][0] == {"SeasonStartDate": "2014-09-23", "WeekID": 1}


def test_gcs21b_prepayment_configuration() -> None:
    d = data("4.13_GCS21b", "GCS21b_4.13_SUCCESS_RESPONSE")
    assert d["DisablementThreshold"] == -5000000
    assert d["DebtRecoveryPerPayment"] == "10"
    assert d["EmergencyCreditLimit"] == 1000000
    assert d["LowCreditThreshold"] == 500000
    assert d["DebtRecovery1"] == {"DebtRecoveryRate": 500000, "DebtRecoveryRatePeriod": "PerDay"}
    day = d["NonDisablementCalendar"]["DayProfiles"][0]
    assert day["CalendarType"] == "FriendlyCreditCalendar"
    assert [e["StartTime"] for e in day["Schedule"]] == ["00:00", "08:00", "18:00"]


def test_gcs18_network_data_log_every_six_minutes() -> None:
    entries = data("4.10_GCS18", "GCS18_4.10_SUCCESS_RESPONSE")["NetworkDataLog"]["LogEntry"]
    assert len(entries) == 41
    assert entries[0] == {"Timestamp": "2014-12-31T20:00:00Z", "Raw": 2}
    assert entries[1]["Timestamp"] == "2014-12-31T20:06:00Z"


def test_gcs17_profile_half_hourly() -> None:
    entries = data("4.8.1_GCS17", "GCS17_4.8.1_SUCCESS_RESPONSE")["LogEntry"]
    assert len(entries) == 97
    assert entries[0] == {
        "Timestamp": "2014-12-30T00:00:00Z",
        "Gas": {"PrimaryValue": {"Raw": 4767306}},
    }
    assert entries[1]["Timestamp"] == "2014-12-30T00:30:00Z"


def test_gcs61_daily_consumption_log() -> None:
    entries = data("4.17_GCS61", "GCS61_4.17_SUCCESS_RESPONSE")["LogEntry"]
    assert len(entries) == 11
    assert entries[0] == {"Timestamp": "2014-12-22T00:00:00Z", "Raw": 48714}
    assert entries[-1]["Timestamp"] == "2015-01-01T00:00:00Z"


def test_gcs15d_and_gcs15e_billing_logs() -> None:
    debts = data("4.4.4_GCS15d", "GCS15d_4.4.4_SUCCESS_RESPONSE")
    first = debts["PaymentBasedDebtRepayment"]["LogEntry"][0]
    assert first == {
        "Amount": 163000,
        "Timestamp": "2014-12-01T00:00:00Z",
        "DebtType": "Debt3",
        "OutstandingDebt": 0,
    }
    credits = data("4.4.5_GCS15e", "GCS15e_4.4.5_SUCCESS_RESPONSE")["PrepaymentCredits"]["LogEntry"]
    assert len(credits) == 5
    assert credits[0] == {
        "Amount": 1000000,
        "Timestamp": "2014-12-25T19:12:00Z",
        "UTRN": "73942316567647575864",
    }


def test_gcs16b_prepayment_daily_read_log() -> None:
    entries = data("4.14_GCS16b", "GCS16b_4.14_URP_SUCCESS_RESPONSE")["LogEntry"]
    assert [e["MeterBalance"] for e in entries] == [66, -181]
    assert entries[0]["Timestamp"] == "2014-12-30T09:00:00Z"
    assert entries[0]["AccumulatedDebtRegister"] == 130


def test_gcs15b_billing_data_log_change_of_mode() -> None:
    d = data("4.4.2_GCS15b", "GCS15b_4.4.2_ERROR_RESPONSE")
    consumption = d["LogEntryConsumptionRegister"][0]
    assert consumption["ConsumptionRegister"] == {"Raw": 144}
    assert [t["Raw"] for t in consumption["TariffTOURegisterMatrixValue"]] == [108, 234, 132, 132]
    assert d["LogEntryPrepaymentData"][0]["MeterBalance"] == 66


def test_cs10a_event_log_names_event_codes() -> None:
    entries = data("6.13_CS10a", "CS10a_6.13_SUCCESS_RESPONSE")["Log"]["LogEntry"]
    assert entries[0] == {
        "Timestamp": "2014-12-31T00:00:00Z",
        "LogCode": "8F1F",
        "LogMeaning": "Low Battery Capacity",
    }
    assert entries[2]["OtherInformation"] == "009B"


def test_identity_supply_and_mprn_reads() -> None:
    identity = data("6.2.4_GCS21e", "GCS21e_6.2.4_SUCCESS_RESPONSE")
    assert identity["ManufacturerIdentifier"] == "Critical Software"
    assert identity["HardwareVersion"] == 1
    assert identity["Gas"] == {
        "SupplyTamperState": "Unchanged",
        "SupplyDepletionState": "Unchanged",
    }
    assert data("7.4_GCS33", "GCS33_7.4_SUCCESS_RESPONSE") == {
        "SupplyState": "Enabled",
        "RemainingBatteryCapacity": 100,
    }
    assert data("6.2.7_GCS46", "GCS46_6.2.7_SUCCESS_RESPONSE") == {"Gas": {"MPRN": "1000999888"}}
    assert data("6.2.9_GCS21j", "GCS21j_6.2.9_SUCCESS_RESPONSE")["PaymentMode"] == "Prepayment"


def test_gas_configuration_and_billing_calendars() -> None:
    gas = data("6.2.8_GCS21a", "GCS21a_6.2.8_SUCCESS_RESPONSE")
    assert gas["CalorificValueUnit"] == "MJ/m3"
    assert gas["UncontrolledGasFlowRate"] == "200"
    assert gas["FlowMeasurementPeriod"] == 3600
    weekly = data("6.2.3_GCS21d", "GCS21d_6.2.3_SUCCESS_RESPONSE")["GasBillingCalendar"]
    assert weekly == {"BillingPeriodStart": "2014-01-01T00:00:00Z", "Periodicity": "Weekly"}
    six = data("6.2.3_GCS21k", "GCS21k_6.2.3_SUCCESS_RESPONSE")["GasBillingCalendar"]
    assert six["Periodicity"] == "SixMonthly"


def test_top_ups_and_their_rejection() -> None:
    ok = values("2.2_CS01b", "CS01b_2.2_SUCCESS_RESPONSE")
    assert ok["data"] == {
        "ResultType": "Accepted",
        "TopUpValue": 1250000,
        "SourceOfTopUp": "EnergyServiceInterface",
        "CreditRemaining": 25144000,
    }
    assert ok["outcome"]["success"] is True
    rejected = values("2.2_CS01b", "CS01b_2.2_ERROR_RESPONSE")
    assert rejected["outcome"]["success"] is False
    assert rejected["outcome"]["errors"][0]["status"] == "RejectedInvalid"
    ppmid = data("NA_PCS01", "PCS01_NA_SUCCESS_RESPONSE")
    assert ppmid["TopUpValue"] == 2025000 and ppmid["CreditRemaining"] == 4525000


def test_zigbee_alerts() -> None:
    future = values(
        "1.1.1_GCS01a",
        "GCS01a_1.1.1_8F66_FUTURE_DATED_BLOCK_SUCCESS_ALERT_PUBLISH_BLOCK_THRESHOLDS",
    )
    assert future["alert"]["FutureDatedCommand"] == {
        "MessageCode": "006B",
        "OriginatorCounter": 1005,
        "Cluster": "Price",
        "Command": "PublishBlockThresholds",
    }
    assert future["alert"]["Timestamp"] == "2030-01-15T09:00:00Z"
    fdra = values("NA_FDRA-ZigBee", "FDRA-ZigBee_NA_8F72_ALERT")["alert"]
    assert fdra["AlertMeaning"] == "Firmware Verification Successful"
    assert fdra["CalculatedImageHash"] == "A1" * 32
    miiwa = values("NA_MIIWA-ZigBee", "MIIWA-ZigBee_NA_81A0_ALERT")["alert"]
    assert miiwa["IntegrityIssueWarning"] == "Error Unexpected Hardware Reset"
    gca = values("NA_GCA-ZigBee", "GCA-ZigBee_NA_8F30_ALERT")["alert"]
    assert gca == {
        "AlertCode": "8F30",
        "AlertMeaning": "Source Does not have Authority for Command",
        "Timestamp": "2015-01-01T00:00:00Z",
    }
    billing = values("NA_GCS53", "GCS53_NA_8F0A_ALERT")
    assert billing["data"]["LogEntryConsumptionRegister"][0]["ConsumptionRegister"] == {"Raw": 15}


def test_commands_show_named_fields() -> None:
    tariff = values("1.1.1_GCS01a", "GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_COMMAND")
    info = next(c for c in tariff["components"] if c["command"] == "PublishTariffInformation")
    assert info["fields"]["standing_charge"] == 22465
    assert info["fields"]["currency"] == "GBP"
    assert info["fields"]["start_time"] == "immediate"
    message = values("3.1_GCS07", "GCS07_3.1_ERROR_COMMAND")["components"][0]
    assert message["command"] == "DisplayMessage"
    assert message["fields"]["message"] == "Reset"
    topup = values("2.2_CS01b", "CS01b_2.2_SUCCESS_COMMAND")["components"][0]
    assert topup["fields"]["top_up_code"] == "73950067887105178605"
    valve = values("7.2_GCS32", "GCS32_7.2_SUCCESS_COMMAND")["components"][0]
    assert valve["command"] == "ChangeSupply"
    assert valve["fields"]["proposed_supply_status"] == "Off"


def test_gcs20r_event_behaviours() -> None:
    events = data("6.2.10_GCS20r", "GCS20r_6.2.10_SUCCESS_RESPONSE")["Events"]
    assert events[0] == {
        "EventCode": "810D",
        "Meaning": "Combined Credit Below Low Credit Threshold (prepayment mode)",
        "EventConfiguration": 0x18,
        "Alert": "Enable",
    }
