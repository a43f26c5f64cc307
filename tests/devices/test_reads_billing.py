"""The billing calendar a meter keeps: the next billing date it waits for, and the
prepayment registers it captures on each (GBCS 4.4.3 BillingCalendarTriggered logs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendcc.devices.reads_billing import (
    add_months,
    billing_dates,
    prepare_meter,
    recent_billing_dates,
)
from opendcc.devices.reads_foreign import BILLING_CALENDAR_SECTION, PERIODICITIES
from opendcc.devices.reads_metering import Meter
from opendcc.devices.reads_state import BillingData
from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs.dlms.datetimes import from_gbcs_seconds
from opendcc.inventory.model import CspRegion, Device, DeviceType, Fuel, SmiStatus

ESME = Device(
    Eui64.parse("00-DB-12-34-56-78-90-A0"),
    DeviceType.ESME,
    SmiStatus.COMMISSIONED,
    datetime(2020, 1, 1, tzinfo=UTC),
    CspRegion.CENTRAL,
)


def _meter(start: datetime | None, periodicity: str) -> Meter:
    calendar = {"periodicity": periodicity}
    if start is not None:
        calendar["start"] = start.isoformat()
    state = DeviceState(ESME, {BILLING_CALENDAR_SECTION: calendar})
    return Meter(ESME.device_id, Fuel.ELECTRICITY, state)


def _next(meter: Meter, now: datetime) -> datetime | None:
    prepare_meter(meter, now)
    seconds = meter.state.get(BillingData).calendar_next
    return None if seconds is None else from_gbcs_seconds(seconds)


@pytest.mark.parametrize(
    ("start", "periodicity", "now", "expected"),
    [
        # Monthly from the 31st: the short months clamp to their last day, from the start.
        ("2025-01-31", "Monthly", "2025-02-15", "2025-02-28"),
        ("2025-01-31", "Monthly", "2025-02-28T00:00:00", "2025-03-31"),
        ("2025-01-15", "Quarterly", "2025-05-01", "2025-07-15"),
        ("2024-02-29", "Yearly", "2024-03-01", "2025-02-28"),
        ("2025-03-03", "Weekly", "2025-03-11", "2025-03-17"),
        ("2025-03-03", "Daily", "2025-03-11T10:00:00", "2025-03-12"),
        # A calendar starting later than 400 days ahead: no date is waited for yet.
        ("2027-06-01", "Monthly", "2025-03-11", None),
    ],
)
def test_the_next_billing_date_is_the_first_after_now(
    start: str, periodicity: str, now: str, expected: str | None
) -> None:
    meter = _meter(datetime.fromisoformat(start).replace(tzinfo=UTC), periodicity)
    found = _next(meter, datetime.fromisoformat(now).replace(tzinfo=UTC))
    assert found == (
        None if expected is None else datetime.fromisoformat(expected).replace(tzinfo=UTC)
    )


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.none(), st.datetimes(datetime(2019, 1, 1), datetime(2027, 1, 1))),
    st.sampled_from(sorted(PERIODICITIES)),
    st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
)
def test_the_next_billing_date_agrees_with_the_calendar(
    start: datetime | None, periodicity: str, now: datetime
) -> None:
    """Whatever the calendar, the date the meter waits for is the first of its billing
    dates after now (within the 400 days it looks ahead), and the capture of the dates
    passed keeps the last 12 up to now."""
    start = None if start is None else start.replace(microsecond=0, tzinfo=UTC)
    now = now.replace(microsecond=0, tzinfo=UTC)
    meter = _meter(start, periodicity)
    ahead = billing_dates(meter.state, now + timedelta(seconds=1), now + timedelta(days=400))
    assert _next(meter, now) == (ahead[0] if ahead else None)
    billing = meter.state.get(BillingData)
    captured = [from_gbcs_seconds(row[0]) for row in billing.calendar_prepayment]
    assert captured == billing_dates(meter.state, now - timedelta(days=740), now)[-12:]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2025-01-28", 1, "2025-02-28"),
        ("2025-01-29", 1, "2025-02-28"),
        ("2024-01-29", 1, "2024-02-29"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2024-03-31", 1, "2024-04-30"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2025-12-30", 2, "2026-02-28"),
        ("2025-12-31", -1, "2025-11-30"),
        ("2025-05-17", 25, "2027-06-17"),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(
    start: str, months: int, expected: str
) -> None:
    moment = datetime.fromisoformat(start).replace(hour=7, tzinfo=UTC)
    assert add_months(moment, months) == datetime.fromisoformat(expected).replace(
        hour=7, tzinfo=UTC
    )


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), st.datetimes(datetime(2019, 1, 1), datetime(2027, 1, 1))),
    st.sampled_from(sorted(PERIODICITIES)),
    st.datetimes(datetime(2018, 1, 1), datetime(2030, 1, 1)),
    st.integers(1, 40),
)
def test_recent_billing_dates_are_the_last_of_the_calendar(
    start: datetime | None, periodicity: str, now: datetime, count: int
) -> None:
    """The last ``count`` billing dates up to now, within the look-back of 370 days per 12
    (plus 370): what a 4.4.3 read and the meter's billing capture report."""
    start = None if start is None else start.replace(tzinfo=UTC)
    now = now.replace(tzinfo=UTC)
    state = _meter(start, periodicity).state
    look_back = timedelta(days=370 * (count // 12 + 1))
    expected = billing_dates(state, now - look_back, now)[-count:]
    found = recent_billing_dates(state, now, count)
    assert found == expected
    assert all(now - look_back <= moment <= now for moment in found)
    assert found == sorted(set(found))


def test_recent_billing_dates_of_a_daily_calendar() -> None:
    state = _meter(datetime(2025, 1, 1, 6, tzinfo=UTC), "Daily").state
    now = datetime(2026, 3, 11, 5, 59, tzinfo=UTC)
    found = recent_billing_dates(state, now, 12)
    assert found == [datetime(2026, 2, 27 + d, 6, tzinfo=UTC) for d in range(2)] + [
        datetime(2026, 3, d, 6, tzinfo=UTC) for d in range(1, 11)
    ]
    assert recent_billing_dates(state, datetime(2024, 12, 31, tzinfo=UTC), 12) == []
