from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendcc.devices.consumption import EPOCH, ConsumptionModel, gas_volume_m3
from opendcc.eui import Eui64
from opendcc.inventory.model import Fuel

METER = Eui64.parse("00-DB-12-34-56-78-90-A0")


def test_annual_total_matches_the_model() -> None:
    model = ConsumptionModel.for_meter(METER, Fuel.ELECTRICITY)
    year = model.between_wh(datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))
    assert year == pytest.approx(model.annual_wh, rel=0.01)
    assert 1_800_000 <= model.annual_wh <= 4_100_000


def test_half_hours_sum_to_the_register_difference() -> None:
    model = ConsumptionModel.for_meter(METER, Fuel.GAS)
    start = datetime(2026, 1, 10, tzinfo=UTC)
    slots = model.half_hours(start, 48)
    assert sum(slots) == pytest.approx(model.between_wh(start, start + timedelta(days=1)))
    # Gas heating peaks in the morning and evening, not at 3 a.m.
    assert max(slots[12:14]) > 5 * slots[6]


def test_winter_uses_more_than_summer() -> None:
    model = ConsumptionModel.for_meter(METER, Fuel.GAS)
    jan = model.between_wh(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    jul = model.between_wh(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 8, 1, tzinfo=UTC))
    assert jan > 2 * jul


def test_meters_differ_and_are_reproducible() -> None:
    a = ConsumptionModel.for_meter(METER, Fuel.ELECTRICITY)
    b = ConsumptionModel.for_meter(Eui64(METER.value + 1), Fuel.ELECTRICITY)
    assert a == ConsumptionModel.for_meter(METER, Fuel.ELECTRICITY)
    assert a.annual_wh != b.annual_wh


@settings(max_examples=200)
@given(
    st.integers(min_value=0, max_value=20 * 365 * 86400), st.integers(min_value=0, max_value=10**7)
)
def test_registers_never_go_backwards(offset: int, step: int) -> None:
    model = ConsumptionModel.for_meter(METER, Fuel.ELECTRICITY)
    t = EPOCH + timedelta(seconds=offset)
    assert model.register_wh(t + timedelta(seconds=step)) >= model.register_wh(t)


def test_gas_volume_conversion() -> None:
    # 11.2 kWh is about 1 m3 at CV 39.5 MJ/m3 and the standard conversion factor.
    assert gas_volume_m3(11_221) == pytest.approx(1.0, rel=0.001)
