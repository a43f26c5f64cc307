"""No import registered while the supply is off (``devices.supply_off``): registers flat,
profile entries 0 and summing to the register difference, TOU split, block counters and
maximum demand, the GSME and its GPF mirror, the prepayment engine, bounded state."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from opendcc.devices.consumption import ConsumptionModel
from opendcc.devices.reads_metering import SLOT, Meter, floor_to, split_by_rate
from opendcc.devices.simulator import DeviceContext
from opendcc.devices.state import DeviceState
from opendcc.devices.supply_off import MAX_INTERVALS, SuppliedModel, SupplyOff
from opendcc.devices.supply_state import (
    CONSUMER,
    DEVICE,
    SupplyEvent,
    SupplyState,
    apply,
    switch_of,
)
from opendcc.devices.tariffs_billing import settle
from opendcc.inventory.model import Fuel
from tests.catalogue.reads.harness import (
    DEVICES,
    ESME_ID,
    GPF_ID,
    GSME_ID,
    Estate,
    load_template,
    reads_templates,
    security,
    values,
)

OFF = datetime(2026, 3, 15, 10, 10, tzinfo=UTC)
ON = datetime(2026, 3, 16, 14, 40, tzinfo=UTC)
LATER = datetime(2026, 3, 17, 9, 5, tzinfo=UTC)
BY = "90-B3-D5-1F-30-01-00-00"


def _at(state: DeviceState, at: datetime, event: SupplyEvent, by: str = BY) -> None:
    context = DeviceContext(at, state.device, state, security())
    apply(context, event, by=by)


def _off_between(state: DeviceState, off: datetime = OFF, on: datetime = ON) -> None:
    _at(state, off, SupplyEvent.DISABLE)
    _at(state, on, SupplyEvent.ENABLE)


def _raw(state: DeviceState, fuel: Fuel = Fuel.ELECTRICITY) -> ConsumptionModel:
    return ConsumptionModel.for_meter(state.device.device_id, fuel)


def test_a_meter_never_off_keeps_the_plain_model_and_no_section() -> None:
    state = DeviceState(DEVICES[ESME_ID])
    _at(state, OFF, SupplyEvent.ENABLE)
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, state)
    assert type(meter.model) is ConsumptionModel
    assert not state.has(SupplyOff)


def test_the_import_register_stays_flat_while_off_and_moves_again_after() -> None:
    state = DeviceState(DEVICES[ESME_ID])
    _off_between(state)
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, state)
    raw = _raw(state)
    flat = meter.register(OFF)
    assert flat == int(raw.register_wh(OFF))
    for hours in (0.5, 3, 12, 28):
        assert meter.register(OFF + timedelta(hours=hours)) == flat
    assert meter.register(ON) == flat
    assert meter.register(LATER) > flat
    expected = raw.register_wh(LATER) - raw.between_wh(OFF, ON)
    assert meter.energy(LATER) == pytest.approx(expected)


def test_an_armed_meter_is_off_until_the_consumer_restores_it() -> None:
    state = DeviceState(DEVICES[ESME_ID])
    _at(state, OFF, SupplyEvent.ARM)
    assert switch_of(state).supply_state is SupplyState.ARMED
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, state)
    assert meter.register(ON) == meter.register(OFF)
    _at(state, ON, SupplyEvent.CONSUMER_RESTORE, CONSUMER)
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, state)
    assert meter.register(ON) == meter.register(OFF)
    assert meter.register(LATER) > meter.register(ON)


def test_profile_entries_are_zero_while_off_and_sum_to_the_register_difference() -> None:
    state = DeviceState(DEVICES[ESME_ID])
    _off_between(state)
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, state)
    start = floor_to(OFF, SLOT) - 4 * SLOT
    slots = [start + i * SLOT for i in range(100)]
    entries = [meter.interval(a, a + SLOT) for a in slots]
    assert sum(entries) == meter.register(slots[-1] + SLOT) - meter.register(start)
    for at, entry in zip(slots, entries, strict=True):
        if at >= OFF and at + SLOT <= ON:
            assert entry == 0, at
        elif at + SLOT <= OFF or at >= ON:
            assert entry > 0, at
    # Daily consumption (the daily log's entries) likewise: days sum to the difference.
    midnight = floor_to(OFF, timedelta(days=1))
    days = [midnight + timedelta(days=i) for i in range(-1, 4)]
    daily = [meter.interval(a, b) for a, b in itertools.pairwise(days)]
    assert sum(daily) == meter.register(days[-1]) - meter.register(days[0])
    raw_daily = [int(_raw(state).between_wh(a, b)) for a, b in itertools.pairwise(days)]
    assert daily[0] >= raw_daily[0] - 1 and daily[3] >= raw_daily[3] - 1
    assert daily[1] < raw_daily[1] and daily[2] < raw_daily[2]
    # The half hour the supply went off in has only the energy before it.
    partial = floor_to(OFF, SLOT)
    raw = _raw(state)
    assert meter.interval(partial, partial + SLOT) <= int(raw.between_wh(partial, OFF)) + 1


def test_tou_registers_take_out_the_energy_off_by_rate() -> None:
    state = DeviceState(DEVICES[ESME_ID])
    _off_between(state)
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, state)
    assert meter.tou(ON) == meter.tou(OFF)
    rates = meter.tou(LATER)
    assert abs(sum(rates) - meter.register(LATER)) <= len(rates)
    # The split of what was taken out follows the tariff's rates for those half hours.
    view = meter.segments()[-1].view
    raw = _raw(state)
    whole = split_by_rate(raw, meter.segments()[-1].start, LATER, view.tou_rates, meter.rates)
    taken = split_by_rate(raw, OFF, ON, view.tou_rates, meter.rates)
    for got, plain, out in zip(rates, whole, taken, strict=True):
        assert abs(got - int(plain - out)) <= 1


def test_block_counters_and_maximum_demand_see_no_import_while_off() -> None:
    state = DeviceState(DEVICES[ESME_ID])
    _off_between(state)
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, state)
    assert meter.block_counters(ON) == meter.block_counters(OFF)
    assert meter.block_counters(LATER) != meter.block_counters(ON)
    first = floor_to(OFF, SLOT) + SLOT
    assert meter.max_demand(first, floor_to(ON, SLOT)) == (0, None)
    assert meter.model.demand_w(OFF + timedelta(hours=1)) == 0
    assert meter.model.demand_w(LATER) > 0


def test_the_gsme_and_its_gpf_mirror_agree_while_the_valve_is_closed() -> None:
    estate = Estate()
    # A GSME's valve is not opened remotely: armed, then the consumer opens it (GCS39).
    _at(estate.state(GSME_ID), OFF, SupplyEvent.DISABLE)
    _at(estate.state(GSME_ID), OFF + timedelta(hours=20), SupplyEvent.ARM)
    _at(estate.state(GSME_ID), ON, SupplyEvent.CONSUMER_RESTORE, CONSUMER)
    assert switch_of(estate.state(GSME_ID)).supply_state is SupplyState.ENABLED
    gsme = load_template(
        next(p for p in reads_templates() if "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME" in p.name)
    )
    before = values(estate.answer(gsme, OFF, target=GSME_ID))["data"]["ConsumptionRegister"]
    during = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    direct = values(estate.answer(gsme, during, target=GSME_ID))["data"]["ConsumptionRegister"]
    via_gpf = values(estate.answer(gsme, during, target=GPF_ID))["data"]["ConsumptionRegister"]
    assert direct["Raw"] == via_gpf["Raw"] == before["Raw"]
    after = values(estate.answer(gsme, LATER, target=GSME_ID))["data"]["ConsumptionRegister"]
    assert after["Raw"] > before["Raw"]
    raw = _raw(estate.state(GSME_ID), Fuel.GAS)
    assert after["Raw"] < Meter(GSME_ID, Fuel.GAS, DeviceState(DEVICES[GSME_ID])).register(LATER)
    assert raw.between_wh(OFF, ON) > 0


@pytest.mark.parametrize("event", [SupplyEvent.DISABLE, SupplyEvent.CREDIT_EXHAUSTED])
def test_the_prepayment_engine_charges_nothing_while_off(event: SupplyEvent) -> None:
    """Whether the Supplier (7.2) or the meter's own credit check turned the supply off."""
    control = DeviceState(DEVICES[ESME_ID])
    state = DeviceState(DEVICES[ESME_ID])
    start = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
    for each in (control, state):
        settle(each, start)
    _at(state, OFF, event, DEVICE)
    assert switch_of(state).supply_state is SupplyState.DISABLED
    evening = datetime(2026, 3, 15, 22, 0, tzinfo=UTC)  # no midnight: no standing charge
    at_off = settle(state, OFF).bill_to_date
    assert settle(state, evening).bill_to_date == at_off
    control_at_off = settle(control, OFF).bill_to_date
    assert control_at_off == at_off
    assert settle(control, evening).bill_to_date > control_at_off


def test_old_intervals_fold_and_registers_stay_monotonic() -> None:
    state = DeviceState(DEVICES[ESME_ID])
    day = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(MAX_INTERVALS + 8):
        _off_between(state, day + timedelta(hours=6 * i), day + timedelta(hours=6 * i + 2))
    record = state.get(SupplyOff)
    assert len(record.intervals) == MAX_INTERVALS
    assert record.folded_until is not None and record.folded_wh > 0
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, state)
    assert isinstance(meter.model, SuppliedModel)
    raw = _raw(state)
    end = day + timedelta(hours=6 * (MAX_INTERVALS + 8))
    taken = sum(
        raw.between_wh(day + timedelta(hours=6 * i), day + timedelta(hours=6 * i + 2))
        for i in range(MAX_INTERVALS + 8)
    )
    assert meter.energy(end) == pytest.approx(raw.register_wh(end) - taken)
    readings = [meter.register(day + i * SLOT) for i in range(0, 48 * 11)]
    assert readings == sorted(readings)


def test_a_mains_outage_registers_nothing_and_a_disabled_meter_stays_off_after() -> None:
    """No mains, no energy: the ESMEs behind a Communications Hub that lost mains power
    register nothing until it is back, and then only if their switch lets energy through."""
    from opendcc.devices import supply_events
    from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus

    chf = Device(
        ESME_ID, DeviceType.CHF, SmiStatus.COMMISSIONED, OFF - timedelta(days=1), CspRegion.CENTRAL
    )
    hub = DeviceState(chf)
    enabled, disabled = DeviceState(DEVICES[ESME_ID]), DeviceState(DEVICES[ESME_ID])
    _at(disabled, OFF - timedelta(hours=1), SupplyEvent.DISABLE)

    def contexts(at: datetime) -> list[DeviceContext]:
        return [DeviceContext(at, s.device, s, security()) for s in (enabled, disabled)]

    supply_events.power_outage(DeviceContext(OFF, chf, hub, security()), OFF, contexts(OFF))
    supply_events.power_restored(DeviceContext(ON, chf, hub, security()), ON, contexts(ON))
    meter = Meter(ESME_ID, Fuel.ELECTRICITY, enabled)
    raw = _raw(enabled)
    assert meter.register(ON) == meter.register(OFF) == int(raw.register_wh(OFF))
    assert meter.energy(LATER) == pytest.approx(raw.register_wh(LATER) - raw.between_wh(OFF, ON))
    still_off = Meter(ESME_ID, Fuel.ELECTRICITY, disabled)
    assert still_off.register(LATER) == still_off.register(OFF - timedelta(hours=1))
