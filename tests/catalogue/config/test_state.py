"""State carried by the Devices: what a configuration write sets, the matching read returns
(and what a Device must refuse, it refuses, leaving its state as it was)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opendcc.devices import config_api
from opendcc.devices.config_cosem import read_value
from opendcc.devices.config_state import GasConfiguration
from opendcc.devices.reads_state import EventLogs, LogKind, log_event
from opendcc.gbcs.dlms.data import OctetString, VisibleString
from opendcc.roles import UserRole
from tests.catalogue.config import support as s
from tests.catalogue.config.cases import E, _alerts, _gas_events, _rms
from tests.catalogue.config.estate import Premises, ok, results

pytestmark = pytest.mark.conformance


@pytest.fixture
def premises() -> Premises:
    return Premises()


def test_voltage_settings_read_back(premises: Premises) -> None:
    """6.5 then 6.2.1: single-phase ECS29a, then ECS26b returns the values written."""
    body = _rms((1, 258, 212), single=True, reset=True)
    done = premises.ask("6.5", 0xA0, body, originator=s.NETWORK_OPERATOR)
    assert ok(done)
    read = premises.ask("6.2.1", 0xA0, E("ReadDeviceConfigurationVoltage"))
    values = [r["data"]["value"] for r in results(read)]
    assert values == [287, 30, 180, 30, 216, 30, 253, 30, 258, 212]


def test_polyphase_voltage_on_a_polyphase_esme_and_refused_on_a_single_phase_one() -> None:
    poly = Premises(variant="C")
    config_api.set_meter_variant(poly.state(0xA0), "C")
    phases = ((1, 264, 200), (2, 250, 210), (3, 251, 211))
    assert ok(
        poly.ask(
            "6.5", 0xA0, _rms(*phases, single=False, reset=False), originator=s.NETWORK_OPERATOR
        )
    )
    read = poly.ask("6.2.1", 0xA0, E("ReadDeviceConfigurationVoltage"))
    assert [r["data"]["value"] for r in results(read)][8:] == [264, 200, 210, 250, 211, 251]
    # The DCC knows a single-phase ESME's variant and refuses polyphase settings...
    single = Premises(variant="A")
    request = single.request(
        "6.5", 0xA0, _rms(*phases, single=False, reset=True), originator=s.NETWORK_OPERATOR
    )
    refusal = single.spec(request)
    assert getattr(refusal, "code", None) == "E060501"
    # ...and where it does not know, the ESME answers object-undefined for phases 2 and 3.
    unknown = Premises()
    done = unknown.ask(
        "6.5", 0xA0, _rms(*phases, single=False, reset=True), originator=s.NETWORK_OPERATOR
    )
    kinds = [r["result"] for r in results(done)]
    assert kinds[:1] == ["success"] and "object-undefined" in kinds
    assert kinds[kinds.index("object-undefined") + 1 :] == ["other-reason"] * (
        len(kinds) - kinds.index("object-undefined") - 1
    )


def test_billing_calendar_read_back_on_esme_and_gsme(premises: Premises) -> None:
    body = E(
        "UpdateDeviceConfigurationBillingCalendar",
        E(
            "ElectricityBillingCalendar",
            E("BillingTime", "06:30:00Z"),
            E("SixMonthly", E("DayOfMonth", "15"), E("BillingPeriodStartMonth", "4")),
        ),
    )
    assert ok(premises.ask("6.8", 0xA0, body))
    read = premises.ask("6.2.3", 0xA0, E("ReadDeviceConfigurationBillingCalendar"))
    entries = results(read)[0]["data"]["items"]
    assert [e["items"][1]["hex"] for e in entries] == ["ffff040fff", "ffff0a0fff"]
    assert {e["items"][0]["hex"] for e in entries} == {"061e0000"}
    gas = E(
        "UpdateDeviceConfigurationBillingCalendar",
        E(
            "GasBillingCalendar",
            E("BillingPeriodStart", "2015-03-01T00:00:00Z"),
            E("Periodicity", "Quarterly"),
        ),
    )
    assert ok(premises.ask("6.8", 0xA1, gas, role=UserRole.GAS_SUPPLIER))
    read = premises.ask("6.2.3", 0xA1, E("ReadDeviceConfigurationBillingCalendar"))
    fields = read["components"][0]["payload"]["fields"]
    assert fields["billing_period_duration"] == 3
    assert fields["billing_period_duration_type"] == 0x23
    assert fields["billing_period_start_time"] == 478483200  # 2015-03-01 in ZigBee time


def test_mpxn_written_then_read(premises: Premises) -> None:
    body = E("SetDeviceConfigurationImportMPxN", E("ImportMPANs", E("ImportMPAN", "1100000000017")))
    assert ok(premises.ask("6.20.1", 0xA0, body))
    export = E("SetDeviceConfigurationExportMPAN", E("ExportMPAN", "1100000000024"))
    assert ok(premises.ask("6.20.2", 0xA0, export, role=UserRole.EXPORT_SUPPLIER))
    read = premises.ask("6.2.7", 0xA0, E("ReadDeviceConfigurationMPxN"))
    assert [bytes.fromhex(r["data"]["hex"]) for r in results(read)] == [
        b"1100000000017",
        b"1100000000024",
    ]
    assert config_api.import_mpxn(premises.state(0xA0)) == ("1100000000017",)
    assert config_api.export_mpan(premises.state(0xA0)) == "1100000000024"
    # A secondary MPAN needs a twin element ESME.
    twin = E(
        "SetDeviceConfigurationImportMPxN",
        E(
            "ImportMPANs",
            E("ImportMPAN", "1100000000017"),
            E("SecondaryImportMPAN", "1100000000031"),
        ),
    )
    assert [r["result"] for r in results(premises.ask("6.20.1", 0xA0, twin))] == ["other-reason"]
    config_api.set_meter_variant(premises.state(0xA0), "B")
    assert ok(premises.ask("6.20.1", 0xA0, twin))
    assert config_api.import_mpxn(premises.state(0xA0)) == ("1100000000017", "1100000000031")


def test_mprn_written_to_the_gsme_is_read_from_its_gpf(premises: Premises) -> None:
    body = E("SetDeviceConfigurationImportMPxN", E("ImportMPRN", "9876543210"))
    assert ok(premises.ask("6.20.1", 0xA1, body, role=UserRole.GAS_SUPPLIER))
    for target in (0xA1, 0xA3):
        read = premises.ask(
            "6.2.7", target, E("ReadDeviceConfigurationMPxN"), role=UserRole.GAS_SUPPLIER
        )
        assert read["values"]["data"]["Gas"]["MPRN"] == "9876543210"


def test_gas_conversion_and_flow_read_back(premises: Premises) -> None:
    conversion = E(
        "UpdateDeviceConfigurationGasConversion",
        E("CalorificValue", "38.7"),
        E("ConversionFactor", "1.00512"),
    )
    assert ok(premises.ask("6.6", 0xA1, conversion, role=UserRole.GAS_SUPPLIER))
    flow = E(
        "UpdateDeviceConfigurationGasFlow",
        E("UncontrolledGasFlowRateDecimal", "2.5"),
        E("SupplyDepletionState", "Unchanged"),
        E("SupplyTamperState", "Locked"),
        E("StabilisationPeriod", "20"),
        E("MeasurementPeriod", "600"),
    )
    assert ok(premises.ask("6.7", 0xA1, flow, role=UserRole.GAS_SUPPLIER))
    read = premises.ask("6.2.8", 0xA1, E("ReadDeviceConfigurationGas"), role=UserRole.GAS_SUPPLIER)
    price, metering = (c["payload"]["records"] for c in read["components"])
    values = {r["name"]: r["value"]["value"] for r in price + metering}
    assert values["CalorificValue"] == 387 and values["ConversionFactor"] == 100512
    assert values["UncontrolledFlowThreshold"] == 25000
    assert values["UncontrolledFlowDivisor"] == 10000
    assert values["FlowMeasurementPeriod"] == 600
    identity = premises.ask(
        "6.2.4", 0xA1, E("ReadDeviceConfigurationIdentityExcMPxN"), role=UserRole.GAS_SUPPLIER
    )
    metering_records = identity["components"][1]["payload"]["records"]
    assert {r["name"]: r["value"]["value"] for r in metering_records}["SupplyTamperState"] == 0


def test_power_thresholds_and_tamper_state(premises: Premises) -> None:
    body = E(
        "UpdateDeviceConfigurationInstantaneousPowerThreshold",
        E("LowMediumPowerThreshold", "1500"),
        E("MediumHighPowerThreshold", "5000"),
    )
    assert ok(premises.ask("6.12", 0xA0, body))
    read = premises.ask("6.2.5", 0xA0, E("ReadDeviceConfigurationInstantaneousPowerThresholds"))
    assert [i["value"] for i in results(read)[0]["data"]["items"]] == [1500, 5000]
    tamper = E("SetElectricitySupplyTamperState", E("SupplyTamperState", "Locked"))
    assert ok(premises.ask("6.25", 0xA0, tamper))
    identity = premises.ask("6.2.4", 0xA0, E("ReadDeviceConfigurationIdentityExcMPxN"))
    assert results(identity)[-1]["data"]["value"] is True


def test_alert_behaviours_written_then_read_and_asked(premises: Premises) -> None:
    state = premises.state(0xA0)
    assert config_api.alert_enabled(state, 0x810D)
    wan = _alerts(
        "ElectricitySupplierAlerts", "SupplierESMECommon", x810D="Disable", x8154="Enable"
    )
    assert ok(premises.ask("6.22", 0xA0, wan))
    assert not config_api.alert_enabled(state, 0x810D)
    assert config_api.alert_enabled(state, 0x8154)
    han = _alerts("ElectricitySupplierHANAlertSettings", "SupplierESMECommon", x8119="Enable")
    assert ok(premises.ask("6.22", 0xA0, han))
    assert config_api.behaviour(state, 0x8119, "han")
    read = premises.ask("6.2.10", 0xA0, E("ReadDeviceConfigurationEventAndAlertBehaviours"))
    wan_bits = results(read)[0]["data"]["bits"]
    assert wan_bits[255 - 0x0D] == "0" and wan_bits[255 - 0x54] == "1"
    assert results(read)[1]["data"]["bits"][255 - 0x19] == "1"
    # The Network Operator's alerts, read by the Electricity Distributor.
    no = _alerts("ElectricityNetworkOperatorAlerts", "NetworkOperatorESMECommon", x8014="Disable")
    assert ok(premises.ask("6.22", 0xA0, no, originator=s.NETWORK_OPERATOR))
    assert not config_api.alert_enabled(state, 0x8014)
    assert config_api.alert_enabled(state, 0x8F66)  # not configurable: always raised
    # The GSME's event configurations.
    gas = _gas_events(x81AA=("Disable", "Enable", "Enable", "Disable"))
    assert ok(premises.ask("6.22", 0xA1, gas, role=UserRole.GAS_SUPPLIER))
    gsme = premises.state(0xA1)
    assert not config_api.alert_enabled(gsme, 0x81AA)
    assert config_api.behaviour(gsme, 0x81AA, "han") and config_api.behaviour(gsme, 0x81AA, "log")
    read = premises.ask(
        "6.2.10",
        0xA1,
        E("ReadDeviceConfigurationEventAndAlertBehaviours"),
        role=UserRole.GAS_SUPPLIER,
    )
    events = {e["EventCode"]: e["EventConfiguration"] for e in read["values"]["data"]["Events"]}
    assert events["81AA"] == 0x13


def test_clock_synchronised_within_the_window_only(premises: Premises) -> None:
    state = premises.state(0xA0)
    assert config_api.device_time(state, premises.now) != premises.now
    late = E(
        "SynchroniseClock",
        E("CurrentDateTime", "2015-01-01T01:00:00Z"),
        E("TolerancePeriod", "60"),
    )
    done = premises.ask("6.11", 0xA0, late)
    assert [r["result"] for r in results(done)][:3] == ["success", "success", "other-reason"]
    assert config_api.device_time(state, premises.now) != premises.now
    good = E(
        "SynchroniseClock",
        E("CurrentDateTime", "2014-12-31T23:59:30Z"),
        E("TolerancePeriod", "60"),
    )
    done = premises.ask("6.11", 0xA0, good)
    assert ok(done)
    assert config_api.device_time(state, premises.now) == premises.now
    assert results(done)[3]["data"]["hex"].startswith("07df0101ff000000")
    # The GSME (GCS28).
    done = premises.ask("6.11", 0xA1, good, role=UserRole.GAS_SUPPLIER)
    assert done["values"]["device_time_status"] == "reliable"
    assert config_api.device_time(premises.state(0xA1), premises.now) == premises.now


def test_messages_tenancy_supplier_name_and_pin(premises: Premises) -> None:
    esme, gsme = premises.state(0xA0), premises.state(0xA1)
    assert ok(premises.ask("3.1", 0xA0, E("DisplayMessage", E("SupplierMessage", "Call us"))))
    assert read_value(esme, 1, "0-2:96.13.1.255", 2) == OctetString(b"Call us")
    assert ok(
        premises.ask(
            "3.1",
            0xA1,
            E("DisplayMessage", E("SupplierMessage", "Gas msg")),
            role=UserRole.GAS_SUPPLIER,
        )
    )
    assert gsme.get(GasConfiguration).display_message == "Gas msg"
    when = E("RestrictAccessForChangeOfTenancy", E("RestrictionDateTime", "2015-06-01T00:00:00Z"))
    assert ok(premises.ask("3.2", 0xA0, when))
    assert read_value(esme, 1, "0-0:94.44.3.2", 2) == OctetString(
        bytes.fromhex("07df0601ff000000008000ff")
    )
    assert ok(premises.ask("3.2", 0xA3, when, role=UserRole.GAS_SUPPLIER))
    assert premises.state(0xA3).get(GasConfiguration).change_of_tenancy == datetime(
        2015, 6, 1, tzinfo=UTC
    )
    name = E(
        "UpdateSupplierName",
        E("SupplierName", "Acme Energy"),
        E("SupplierTelephoneNumber", "0800 123 456"),
    )
    assert ok(premises.ask("3.4", 0xA0, name))
    assert read_value(esme, 9000, "0-0:96.13.1.255", 2) == OctetString(b"Acme Energy")
    assert ok(premises.ask("3.4", 0xA1, name, role=UserRole.GAS_SUPPLIER))
    assert gsme.get(GasConfiguration).supplier_contact == "0800 123 456"
    assert read_value(esme, 1, "0-0:94.44.3.1", 2) != OctetString(b"")
    assert ok(premises.ask("3.5", 0xA0, E("DisablePrivacyPIN")))
    assert read_value(esme, 1, "0-0:94.44.3.1", 2) == OctetString(b"")
    assert ok(premises.ask("3.5", 0xA1, E("DisablePrivacyPIN"), role=UserRole.GAS_SUPPLIER))
    assert gsme.get(GasConfiguration).privacy_pin_enabled is False
    assert not config_api.privacy_pin_enabled(esme) and not config_api.privacy_pin_enabled(gsme)
    assert config_api.supplier_details(esme) == ("Acme Energy", "0800 123 456")
    assert config_api.supplier_details(gsme) == ("Acme Energy", "0800 123 456")
    assert config_api.change_of_tenancy(esme) == datetime(2015, 6, 1, tzinfo=UTC)


def test_logs_and_counters_cleared(premises: Premises) -> None:
    esme = premises.state(0xA0)
    assert config_api.last_reset(esme, "0-0:99.98.0.255") is None
    assert ok(premises.ask("3.3", 0xA0, E("ClearEventLog", E("ESMEEventLogType", "ESME"))))
    assert config_api.last_reset(esme, "0-0:99.98.0.255") == premises.now
    done = premises.ask("3.3", 0xA1, E("ClearEventLog"), role=UserRole.GAS_SUPPLIER)
    assert done["values"]["data"]["ClearedEventLogs"] == 0x08
    assert ok(premises.ask("6.4.2", 0xA0, E("UpdateDeviceConfigurationLoadLimitingCounterReset")))
    assert config_api.last_reset(esme, "0-0:94.44.42.255") == premises.now
    body = E("ResetMaximumDemandRegisters", E("MaxDemandActivePowerExportValue"))
    assert ok(premises.ask("6.18.2", 0xA0, body, originator=s.NETWORK_OPERATOR))
    assert config_api.last_reset(esme, "1-0:2.6.0.255") == premises.now
    assert ok(
        premises.ask(
            "6.27",
            0xA0,
            E("UpdateDeviceConfigurationRMSVoltageCounterReset"),
            originator=s.NETWORK_OPERATOR,
        )
    )
    assert config_api.last_reset(esme, "1-0:32.36.0.4") == premises.now


def test_max_demand_period_written(premises: Premises) -> None:
    body = E(
        "SetMaximumDemandConfigurableTimePeriod",
        E(
            "MaximumDemandTimePeriodSchedule",
            E("StartTime", "07:00:00Z"),
            E("EndTime", "09:30:00Z"),
        ),
    )
    assert ok(premises.ask("6.18.1", 0xA0, body, originator=s.NETWORK_OPERATOR))
    schedule = read_value(premises.state(0xA0), 10, "0-0:12.0.0.255", 2)
    times = [bytes(e.items[4].value).hex() for e in schedule.items]  # type: ignore[union-attr]
    assert times == ["07000000", "091e0000"]


def test_subghz_configuration_read_back(premises: Premises) -> None:
    request = s.request_from("DBCH04_6.28_SUCCESS_REQUEST_DUIS.XML")
    assert ok(premises.ask("6.28", 0xA2, request.body))
    read = premises.ask("6.30", 0xA2, E("ReadCHFSubGHzConfiguration"))
    items = results(read)[0]["data"]["items"]
    assert [i.get("value") for i in items[4:]] == [
        130,
        220,
        5,
        7,
        7,
        12,
        6000,
        130,
        100,
        4000,
        3000,
    ]
    assert items[0]["hex"] == "e0000006"


def test_auxiliary_load_configuration_for_the_supply_family(premises: Premises) -> None:
    """6.14.1, 6.14.2: descriptions and switch types; the active calendar decides when a
    switch is on (what the supply family asks of this family)."""
    names = E(
        "UpdateDeviceConfigurationALCDescriptions",
        E("ALCSHCALCSDescription", E("SwitchDescription", "Storage heater"), index="1"),
    )
    assert ok(premises.ask("6.14.1", 0xA0, names))
    template = s.request_from("ECS46c_6.14.2_IMMEDIATE_SOME_OPTIONALS_SUCCESS_REQUEST_DUIS.XML")
    assert ok(premises.ask("6.14.2", 0xA0, template.body))
    esme = premises.state(0xA0)
    switches = config_api.auxiliary_switches(esme)
    assert switches[0].description == "Storage heater" and switches[0].hcalcs is None
    assert switches[1].hcalcs == s.eui(0x97)
    # Switch 1: on at 06:00 and off at 10:00 every day.
    monday = datetime(2015, 1, 5, tzinfo=UTC)
    assert config_api.scheduled_switch_state(esme, 1, monday + timedelta(hours=7)) is True
    assert config_api.scheduled_switch_state(esme, 1, monday + timedelta(hours=11)) is False
    assert config_api.scheduled_switch_state(esme, 1, monday + timedelta(hours=5)) is False
    # Switch 2: weekday evenings 17:00-21:00 from 21 June to 21 September.
    summer = datetime(2015, 7, 1, 18, tzinfo=UTC)  # a Wednesday
    assert config_api.scheduled_switch_state(esme, 2, summer) is True
    assert config_api.scheduled_switch_state(esme, 2, summer + timedelta(hours=4)) is False
    assert config_api.scheduled_switch_state(esme, 4, summer) is None


def test_auxiliary_controller_calendar_held_until_its_time() -> None:
    premises = Premises()
    template = s.request_from("ECS46d_6.14.3_FUTURE_DATED_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML")
    assert template.execution_at is not None
    request = premises.request("6.14.3", 0xA6, template.body, execution_at=template.execution_at)
    premises.send(request)
    apc = premises.state(0xA6)
    weekday = datetime(2015, 6, 22, 9, 15, tzinfo=UTC)  # a Monday in the schedule's range
    assert config_api.scheduled_controller_level(apc, 1, weekday) is None
    alerts = premises.simulator.wake(apc, template.execution_at)
    assert len(alerts) == 2
    assert config_api.scheduled_controller_level(apc, 1, weekday) == (0, False)
    assert config_api.scheduled_controller_level(apc, 1, weekday + timedelta(minutes=30)) == (
        50,
        False,
    )


def test_descriptions_too_long_are_refused_by_the_transform(premises: Premises) -> None:
    long = E(
        "UpdateDeviceConfigurationALCDescriptions",
        E("ALCSHCALCSDescription", E("SwitchDescription", "x" * 23), index="1"),
    )
    refusal = premises.spec(premises.request("6.14.1", 0xA0, long))
    assert getattr(refusal, "code", None) == "E100"
    assert read_value(premises.state(0xA0), 1, "0-0:94.44.0.11", 2) == VisibleString("")


def test_a_gsme_whose_log_store_fails_clears_nothing_and_says_so(premises: Premises) -> None:
    """CS11 with a fault on the log store: ClearEventLogResponse with no log cleared (the
    reference CS11 ERROR Response), the Event Log kept, no 0x8F52 (Event Log Cleared)."""
    gsme = premises.state(0xA1)
    log_event(gsme, 0x8F0C, premises.now - timedelta(hours=1), log=LogKind.EVENT)
    config_api.inject_fault(gsme, "Events:ClearEventLogRequest")
    done = premises.ask("3.3", 0xA1, E("ClearEventLog"), role=UserRole.GAS_SUPPLIER)
    assert done["values"]["data"]["ClearedEventLogs"] == 0
    assert config_api.last_reset(gsme, "zigbee-event-log") is None
    codes = [e.code for e in gsme.get(EventLogs).entries(LogKind.EVENT)]
    assert 0x8F0C in codes
    security = [e.code for e in gsme.get(EventLogs).entries(LogKind.SECURITY)]
    assert 0x8F52 not in security
    config_api.clear_faults(gsme)
    done = premises.ask("3.3", 0xA1, E("ClearEventLog"), role=UserRole.GAS_SUPPLIER)
    assert done["values"]["data"]["ClearedEventLogs"] == 0x08
    assert 0x8F0C not in [e.code for e in gsme.get(EventLogs).entries(LogKind.EVENT)]
