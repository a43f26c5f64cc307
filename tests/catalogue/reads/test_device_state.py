"""State carried by the simulated Devices across reads: registers advance, profiles sum to
register differences, daily reads are the registers at midnight, TOU registers follow the
tariff, logs hold what other families record, the GPF mirrors the GSME, writes (CIN,
network data logging) are read back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opendcc.devices.consumption import ConsumptionModel
from opendcc.devices.reads_billing import note_tariff_change
from opendcc.devices.reads_metering import Meter
from opendcc.devices.reads_state import (
    LOG_CAPACITY,
    CustomerIdentification,
    EventLogs,
    LogKind,
    NetworkDataLog,
    inject_read_fault,
    log_event,
    record_debt_payment,
    record_prepayment_credit,
    set_esme_variant,
)
from opendcc.devices.state import DeviceState
from opendcc.inventory.model import Fuel
from opendcc.transform.reads_events import cin_of
from tests.catalogue.reads.harness import (
    DEVICES,
    ESME_ID,
    GPF_ID,
    GSME_ID,
    EsmeVariants,
    Estate,
    Template,
    body_with_period,
    load_template,
    make_body,
    reads_templates,
    values,
)

pytestmark = pytest.mark.conformance

NOW = datetime(2026, 3, 15, 10, 17, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def _template(prefix: str) -> Template:
    for path in reads_templates():
        if path.name.startswith(prefix):
            return load_template(path)
    raise LookupError(prefix)


def _period(template: Template, start: datetime, end: datetime) -> dict[str, Any]:
    return {"body": body_with_period(template, start, end)}


def _active(estate: Estate, at: datetime) -> int:
    data = values(estate.answer(_template("ECS17b_4.1.1_SINGLE"), at))
    value = data["ActiveImportRegister"]["value"]
    assert isinstance(value, int)
    return value


def _with_section(estate: Estate, eui: Any, name: str, section: dict[str, Any]) -> None:
    """Put another family's section into a Device's state (as that family would)."""
    state = estate.states[eui]
    merged = json.loads(state.to_json())
    merged[name] = section
    estate.states[eui] = DeviceState.from_json(state.device, json.dumps(merged))


def test_registers_advance_with_the_consumption_model() -> None:
    estate = Estate()
    first, second = _active(estate, NOW), _active(estate, NOW + timedelta(hours=6))
    model = ConsumptionModel.for_meter(ESME_ID, Fuel.ELECTRICITY)
    assert first == int(model.register_wh(NOW))
    assert second == int(model.register_wh(NOW + timedelta(hours=6))) > first


def test_half_hourly_profile_sums_to_the_register_difference() -> None:
    estate = Estate()
    start = datetime(2026, 3, 14, 0, 0, tzinfo=UTC)
    end = start + timedelta(hours=24)
    before, after = _active(estate, start), _active(estate, end)
    template = _template("ECS22b_4.8.1_SINGLE")
    profile = values(estate.answer(template, NOW, **_period(template, start + HALF_HOUR, end)))
    entries = profile["ActiveImportProfileData"]
    assert len(entries) == 48
    assert entries[0]["Timestamp"] == (start + HALF_HOUR).isoformat()
    assert sum(e["ActiveEnergyImportedValue"]["value"] for e in entries) == after - before


def test_daily_read_log_holds_the_registers_at_midnight() -> None:
    estate = Estate()
    midnight = datetime(2026, 3, 13, tzinfo=UTC)
    at_midnight = _active(estate, midnight)
    template = _template("ECS21a_4.6.1_SINGLE")
    body = _period(template, midnight - timedelta(days=1), midnight + timedelta(hours=12))
    log = values(estate.answer(template, NOW, **body))["DailyReadLog"]
    assert [e["Timestamp"] for e in log] == [
        (midnight - timedelta(days=1)).isoformat(),
        midnight.isoformat(),
    ]
    assert log[1]["ActiveImportRegisterConsumption"]["value"] == at_midnight
    tou = [r["value"] for r in log[1]["TariffTOURegisterMatrix"]]
    assert abs(sum(tou) - at_midnight) <= len(tou)


def test_a_tariff_change_moves_consumption_to_the_new_rate_and_is_logged() -> None:
    estate = Estate()
    tou_template = _template("ECS17d_4.1.2_TWIN")
    before = values(estate.answer(tou_template, NOW))["TOUPrimaryRegisterValue"]
    # The default two-rate tariff uses rates 1 and 2 only.
    assert before[0]["value"] > 0 and before[1]["value"] > 0 and before[2]["value"] == 0
    _with_section(estate, ESME_ID, "tariff", {"tou_rates": [3] * 48})
    # The meter notices the change at its next read and switches rates from then on.
    switch = values(estate.answer(tou_template, NOW + timedelta(minutes=1)))
    at_switch = [r["value"] for r in switch["TOUPrimaryRegisterValue"][:3]]
    later = NOW + timedelta(days=2)
    after = values(estate.answer(tou_template, later))["TOUPrimaryRegisterValue"]
    assert [r["value"] for r in after[:2]] == at_switch[:2]
    assert at_switch[2] == 0
    total = _active(estate, later)
    assert after[2]["value"] > 0
    assert abs(sum(r["value"] for r in after) - total) <= 48
    billing = _template("ECS20b_4.4.2_SINGLE")
    log = values(estate.answer(billing, later, **_period(billing, NOW, later)))
    entries = log["CoMOrTariffTriggeredBillingDataLog"]
    assert len(entries) == 1
    changed = datetime.fromisoformat(entries[0]["Timestamp"])
    assert NOW <= changed <= NOW + timedelta(minutes=1)


def test_max_demand_is_the_highest_half_hour_of_the_profile() -> None:
    estate = Estate()
    month = datetime(2026, 3, 1, tzinfo=UTC)
    demand = values(estate.answer(_template("ECS18b_4.12.1"), NOW))
    template = _template("ECS22b_4.8.1_SINGLE")
    entries = values(estate.answer(template, NOW, **_period(template, month, NOW)))[
        "ActiveImportProfileData"
    ]
    highest = max(entries, key=lambda e: e["ActiveEnergyImportedValue"]["value"])
    watts = demand["MaxDemandActiveEnergyImport"]["value"]
    assert abs(watts - 2 * highest["ActiveEnergyImportedValue"]["value"]) <= 2
    assert demand["MaxDemandActiveEnergyImportLastResetDateTime"] == month.isoformat()


def test_twin_element_meter_reports_its_secondary_element() -> None:
    estate = Estate()
    set_esme_variant(estate.state(ESME_ID), "B")
    data = values(estate.answer(_template("ECS17b_4.1.1_TWIN"), NOW))
    later = values(estate.answer(_template("ECS17b_4.1.1_TWIN"), NOW + timedelta(hours=3)))
    assert (
        later["SecondaryActiveImportRegister"]["value"]
        > data["SecondaryActiveImportRegister"]["value"]
    )


def test_the_gpf_mirrors_the_gsme_as_of_the_last_half_hour() -> None:
    estate = Estate()
    gsme = _template("GCS13a_4.1.1_SUCCESS_RELIABLE_GSME")
    at = datetime(2026, 3, 15, 10, 17, tzinfo=UTC)
    via_gpf = values(estate.answer(gsme, at, target=GPF_ID))["data"]["ConsumptionRegister"]
    direct = values(estate.answer(gsme, at, target=GSME_ID))["data"]["ConsumptionRegister"]
    meter = Meter(GSME_ID, Fuel.GAS, estate.state(GSME_ID))
    assert via_gpf["Raw"] == meter.register(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
    assert direct["Raw"] == meter.register(at) >= via_gpf["Raw"]


def test_a_gpf_that_mirrors_no_gsme_reports_a_hardware_failure() -> None:
    estate = Estate()
    estate.states[GPF_ID] = DeviceState(DEVICES[GPF_ID])
    data = values(estate.answer(_template("GCS13a_4.1.1_SUCCESS_RELIABLE_GPF"), NOW))
    assert data["outcome"]["success"] is False
    assert {e["status"] for e in data["outcome"]["errors"]} == {"HARDWARE_FAILURE"}


def test_gas_profile_sums_to_the_register_difference() -> None:
    estate = Estate()
    start = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)
    template = _template("GCS17_4.8.1")
    profile = values(
        estate.answer(template, NOW, **_period(template, start, start + timedelta(hours=4)))
    )
    samples = profile["data"]["LogEntry"]
    assert len(samples) == 9
    meter = Meter(GSME_ID, Fuel.GAS, estate.state(GSME_ID))
    end = start + HALF_HOUR * len(samples)
    assert sum(s["Gas"]["PrimaryValue"]["Raw"] for s in samples) == meter.register(
        end
    ) - meter.register(start)


def test_event_log_holds_what_is_logged_within_the_period_and_capacity() -> None:
    estate = Estate()
    state = estate.state(ESME_ID)
    for minute in range(LOG_CAPACITY + 20):
        log_event(state, 0x8154, NOW - timedelta(minutes=200 - minute))
    log_event(state, 0x8F3F, NOW - timedelta(minutes=5))  # a tamper: the Security Log
    assert len(state.get(EventLogs).entries(LogKind.EVENT)) == LOG_CAPACITY
    template = _template("ECS35a_6.13")
    window = _period(template, NOW - timedelta(minutes=150), NOW)
    events = values(estate.answer(template, NOW, **window))["EventLog"]
    assert [e["LogCode"] for e in events] == ["8154"] * 70
    security = values(
        estate.answer(
            _template("ECS35b_6.13"),
            NOW,
            **_period(_template("ECS35b_6.13"), NOW - timedelta(hours=1), NOW),
        )
    )["SecurityLog"]
    assert [e["LogCode"] for e in security] == ["8F3F"]
    # The logs survive the Device's state being stored and loaded.
    stored = DeviceState.from_json(state.device, state.to_json())
    assert stored.get(EventLogs).entries(LogKind.SECURITY)[0].code == 0x8F3F


def test_the_cin_sent_is_the_cin_the_meters_hold() -> None:
    estate = Estate()
    for prefix in ("ECS50_9.1", "GCS36_9.1"):
        request, spec, _ = estate.send(_template(prefix), NOW)
        cin = cin_of(spec)
        assert cin is not None and len(cin) == 4 and cin.isdigit()
        assert estate.state(request.target).get(CustomerIdentification).cin == cin


def test_network_data_log_is_read_after_gcs31_starts_it() -> None:
    estate = Estate()
    read = _template("GCS31_14.1")  # GCS31 starts the log; GCS18 (4.10) reads it
    network = Template(
        read.path, "GCS18", "GCS18", "4.10", read.originator, GSME_ID, read.counter,
        make_body("ReadNetworkData", {
            "ReadLogPeriod/StartDateTime": "2026-03-15T00:00:00Z",
            "ReadLogPeriod/EndDateTime": "2026-03-16T00:00:00Z",
        }),
    )  # fmt: skip
    before = values(estate.answer(network, NOW))
    assert before["outcome"]["errors"][0]["status"] == "NOT_FOUND"
    estate.answer(read, NOW)
    one_hour = values(estate.answer(network, NOW + timedelta(hours=1)))["data"]
    entries = one_hour["NetworkDataLog"]["LogEntry"]
    assert len(entries) == 10  # a sample every 360 s
    meter = Meter(GSME_ID, Fuel.GAS, estate.state(GSME_ID))
    assert sum(e["Raw"] for e in entries) == meter.register(
        NOW + timedelta(hours=1)
    ) - meter.register(NOW)
    full = values(estate.answer(network, NOW + timedelta(days=1)))["data"]
    assert len(full["NetworkDataLog"]["LogEntry"]) == 41


def test_debt_payments_and_credits_recorded_by_the_prepayment_family_are_read() -> None:
    estate = Estate()
    for eui in (ESME_ID, GSME_ID):
        record_debt_payment(estate.state(eui), 250, NOW - timedelta(days=1), outstanding=750)
        record_prepayment_credit(
            estate.state(eui), 2000, NOW - timedelta(hours=5), b"73942316567647575864"
        )
    window = (NOW - timedelta(days=2), NOW)
    debts = _template("GCS15d_4.4.4")
    gas_debts = values(estate.answer(debts, NOW, **_period(debts, *window)))
    entry = gas_debts["data"]["PaymentBasedDebtRepayment"]["LogEntry"][0]
    assert entry["Amount"] == 250 and entry["OutstandingDebt"] == 750
    credits = _template("GCS15e_4.4.5")
    gas_credits = values(estate.answer(credits, NOW, **_period(credits, *window)))
    top_up = gas_credits["data"]["PrepaymentCredits"]["LogEntry"][0]
    assert top_up["Amount"] == 2000 and top_up["UTRN"] == "73942316567647575864"
    earlier = values(
        estate.answer(
            credits, NOW, **_period(credits, NOW - timedelta(days=9), NOW - timedelta(days=3))
        )
    )
    assert earlier["outcome"]["errors"][0]["status"] == "NOT_FOUND"


def test_billing_calendar_log_captures_the_prepayment_registers() -> None:
    estate = Estate()
    _with_section(estate, ESME_ID, "prepayment", {"meter_balance": 1234, "payment_debt": 56})
    template = _template("ECS20c_4.4.3_TWIN")
    window = _period(template, datetime(2025, 12, 15, tzinfo=UTC), NOW)
    log = values(estate.answer(template, NOW, **window))
    dates = [e["Timestamp"] for e in log["BillingCalendarTriggeredBillingDataLog"]]
    assert dates == [f"{d}T00:00:00+00:00" for d in ("2026-01-01", "2026-02-01", "2026-03-01")]
    prepayment = log["BillingCalendarTriggeredPrepaymentDataLog"]
    assert [e["MeterBalance"] for e in prepayment] == [1234, 1234, 1234]
    assert {e["PaymentDebtRegister"] for e in prepayment} == {56}


def test_an_injected_fault_fails_one_read_only() -> None:
    estate = Estate()
    inject_read_fault(estate.state(ESME_ID), "ECS17b")
    failed = values(estate.answer(_template("ECS17b_4.1.1_SINGLE"), NOW))
    assert "error" in json.dumps(failed)
    assert _active(estate, NOW + timedelta(minutes=1)) > 0


def test_phase_two_and_three_exist_on_a_polyphase_meter_only() -> None:
    estate = Estate()
    template = _template("ECS23b_4.10")
    body = _period(template, NOW - timedelta(hours=3), NOW)
    # The DCC's inventory says polyphase (so it sends ECS23b); the meter is single phase.
    polyphase = EsmeVariants({ESME_ID: "C"})
    single = values(estate.answer(template, NOW, inventory=polyphase, **body))
    assert single["AvgRMSUnderVoltageCounterPhase2"] == {"error": "object-undefined", "code": 4}
    set_esme_variant(estate.state(ESME_ID), "C")
    poly = values(estate.answer(template, NOW + timedelta(seconds=1), inventory=polyphase, **body))
    assert len(poly["AvgRMSVoltageProfileDataLogPhase3"]) == 3
    assert poly["AvgRMSVoltageProfileDataLogPhase3.MeasurementPeriod"] == 3600


def test_export_profile_and_daily_reads_follow_the_export_register() -> None:
    estate = Estate()
    export = _template("ECS17a_4.2")
    noon = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    first = values(estate.answer(export, noon))["ActiveExportRegister"]["value"]
    second = values(estate.answer(export, noon + timedelta(hours=2)))["ActiveExportRegister"][
        "value"
    ]
    profile = _template("ECS22a_4.8.3")
    entries = values(
        estate.answer(profile, NOW, **_period(profile, noon + HALF_HOUR, noon + timedelta(hours=2)))
    )["ExportProfileData"]
    assert sum(e["ActiveEnergyExportedValue"]["value"] for e in entries) == second - first > 0
    daily = _template("ECS21c_4.6.2")
    log = values(estate.answer(daily, NOW, **_period(daily, noon - timedelta(days=2), noon)))
    assert len(log["ExportDailyReadLog"]) == 2


def test_a_tariff_change_noted_by_the_tariffs_family_switches_at_its_time() -> None:
    estate = Estate()
    changed_at = NOW - timedelta(days=1)
    _with_section(estate, ESME_ID, "tariff", {"tou_rates": [5] * 48})
    note_tariff_change(estate.state(ESME_ID), changed_at)
    tou = values(estate.answer(_template("ECS17d_4.1.2_TWIN"), NOW))["TOUPrimaryRegisterValue"]
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, estate.state(ESME_ID))
    assert (
        tou[4]["value"] == meter.register(NOW) - meter.register(changed_at)
        or abs(tou[4]["value"] - (meter.register(NOW) - meter.register(changed_at))) <= 1
    )


def test_gcs31_through_the_gpf_starts_the_gsmes_log() -> None:
    estate = Estate()
    template = _template("GCS31_14.1")
    estate.answer(template, NOW, target=GPF_ID)
    assert estate.state(GSME_ID).get(NetworkDataLog).started is not None
