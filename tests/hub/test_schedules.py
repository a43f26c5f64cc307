"""DCC Scheduled Services (DUIS 5.1 to 5.3) over real HTTP, with the hub's clock driven.

A User creates a schedule, reads it, deletes it; the scheduler runs each occurrence, sends
the wrapped read to the simulated Device and delivers the Device's Response, signed, as a
schema-valid ``DSPScheduledMessage``; refusals are answered with their codes; schedules and
runs survive a restart and no occurrence is delivered twice.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from lxml import etree

from opendcc.client.receiver import CallbackReceiver, Received
from opendcc.clock import ManualClock
from opendcc.duis import build
from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.hub.schedules import COMMAND_FAILED, SCHEDULE_REMOVED, Timetable
from opendcc.inventory.model import Device, DeviceType, MarketRole, SmiStatus
from opendcc.inventory.transitions import InventoryEvent
from opendcc.store import deliveries as dv
from opendcc.store import journal as jr
from opendcc.store import schedules as st
from opendcc.store.events import EventKind, events_between
from tests.hub.harness import RunningHub, duis_schema, non_device, party, running_hub

SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"


# --- the timetable --------------------------------------------------------------------------


def _tt(frequency: str, start: date, end: date | None = None, at: time | None = None) -> Timetable:
    return Timetable(frequency, start, end, at or time(1, 30, tzinfo=UTC))


def test_daily_and_weekly_occurrences() -> None:
    daily = _tt("Daily", date(2026, 3, 1))
    assert daily.occurrence(0) == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    assert daily.occurrence(31) == datetime(2026, 4, 1, 1, 30, tzinfo=UTC)
    weekly = _tt("Weekly", date(2026, 3, 1))
    assert weekly.first_from(datetime(2026, 3, 2, tzinfo=UTC)) == datetime(
        2026, 3, 8, 1, 30, tzinfo=UTC
    )


def test_monthly_occurrences_keep_the_start_day_or_the_last_day() -> None:
    monthly = _tt("Monthly", date(2026, 1, 31))
    assert [monthly.occurrence(n).date() for n in range(4)] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    quarterly = _tt("Quarterly", date(2025, 11, 30))
    assert quarterly.occurrence(1).date() == date(2026, 2, 28)
    assert _tt("Half-Yearly", date(2026, 1, 1)).occurrence(3).date() == date(2027, 7, 1)
    assert _tt("Yearly", date(2024, 2, 29)).occurrence(1).date() == date(2025, 2, 28)


def test_a_past_start_is_not_back_filled_and_the_end_date_ends_it() -> None:
    daily = _tt("Daily", date(2015, 1, 2), at=time(0, 0, tzinfo=UTC))
    now = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
    assert daily.first_from(now) == datetime(2026, 5, 7, tzinfo=UTC)
    assert daily.latest_until(now) == (datetime(2026, 5, 6, tzinfo=UTC), 4142)
    ending = _tt("Daily", date(2026, 5, 1), end=date(2026, 5, 6))
    assert ending.first_from(datetime(2026, 5, 6, 1, 0, tzinfo=UTC)) == datetime(
        2026, 5, 6, 1, 30, tzinfo=UTC
    )
    assert ending.first_from(datetime(2026, 5, 6, 2, 0, tzinfo=UTC)) is None
    assert ending.latest_until(datetime(2026, 4, 30, tzinfo=UTC)) is None


# --- over HTTP ------------------------------------------------------------------------------


def _create_body(
    device: Eui64,
    *,
    variant: str = "4.6.1",
    reference: str = "4.6",
    body: str = "DSPRetrieveImportDailyReadLog",
    frequency: str = "Daily",
    start: date,
    end: date | None = None,
    at: str | None = "02:00:00Z",
) -> etree._Element:
    children = [build.sr("ScheduleFrequency", frequency), build.sr("ScheduleStartDate", str(start))]
    if end is not None:
        children.append(build.sr("ScheduleEndDate", str(end)))
    if at is not None:
        children.append(build.sr("ScheduleExecutionStartTime", at))
    children += [
        build.sr("DSPScheduledServiceReference", reference),
        build.sr("DSPScheduledServiceReferenceVariant", variant),
        build.sr("DeviceID", str(device)),
    ]
    if body.endswith(("ReadLog", "ProfileData", "NetworkData", "ConsumptionLog")):
        period = [
            build.sr("StartDateOffset", "-1"),
            build.sr("StartTime", "00:00:00Z"),
            build.sr("EndDateOffset", "0"),
            build.sr("EndTime", "00:00:00Z"),
        ]
        children.append(build.sr(body, children=period))
    else:
        children.append(build.sr(body))
    return build.sr("CreateSchedule", children=children)


async def _send(hub: RunningHub, who: str, variant: str, body: etree._Element) -> Received:
    """Send a non-device request; returns its synchronous answer (checked against the schema)."""
    answer = await non_device(hub, variant, body, who, duis_schema())
    assert answer.response is not None
    return Received(datetime.now(UTC), b"", answer.response)


async def _create(hub: RunningHub, who: str, body: etree._Element) -> tuple[str, int | None]:
    answer = (await _send(hub, who, "5.1", body)).response
    code = answer.header.response_code.value
    content = answer.content
    if code != "I0":
        return code, None
    assert content is not None and content.tag == SR + "DSPScheduleID"
    return code, int(content.text or "")


async def _daily_read(hub: RunningHub, clock: ManualClock) -> tuple[Device, int]:
    """supplier-a schedules the default read of one of its ESMEs daily from today: the
    ESME and the DSPScheduleID."""
    esme = hub.device_of(DeviceType.ESME)
    code, sid = await _create(
        hub, "supplier-a", _create_body(esme.device_id, start=clock.now().date())
    )
    assert code == "I0" and sid is not None
    return esme, sid


def _scheduled(receiver: CallbackReceiver, schedule_id: int) -> list[Received]:
    found = []
    for received in [r for rs in receiver.responses.values() for r in rs]:
        content = received.response.content
        if (
            content is not None
            and content.tag == SR + "DSPScheduledMessage"
            and int(content.findtext(SR + "DSPScheduleID") or "-1") == schedule_id
        ):
            found.append(received)
    return found


async def _await_scheduled(
    receiver: CallbackReceiver, schedule_id: int, count: int, timeout: float = 10.0
) -> list[Received]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(_scheduled(receiver, schedule_id)) < count and loop.time() < deadline:
        await asyncio.sleep(0.02)
    return _scheduled(receiver, schedule_id)


async def _run_next(hub: RunningHub, clock: ManualClock, schedule_id: int) -> datetime:
    """Move the hub's clock to the schedule's next occurrence and let the scheduler run it."""
    stored = st.get(hub.hub.db.reader(), schedule_id)  # type: ignore[union-attr]
    assert stored is not None and stored.next_due is not None
    clock.set(stored.next_due)
    await hub.hub.processor.run_due()
    return stored.next_due


def _clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


async def test_create_read_delete_and_an_occurrence_delivered(tmp_path: Path) -> None:
    clock = _clock()
    schema = duis_schema()
    async with running_hub(tmp_path, clock=clock) as hub:
        esme = hub.device_of(DeviceType.ESME)
        today = clock.now().date()
        code, sid = await _create(hub, "supplier-a", _create_body(esme.device_id, start=today))
        assert code == "I0" and sid is not None

        # 5.2 by DSPScheduleID and by DeviceID: the schedule as created.
        for selector in (
            build.sr("DSPScheduleID", str(sid)),
            build.sr("DeviceID", str(esme.device_id)),
        ):
            read = (
                await _send(hub, "supplier-a", "5.2", build.sr("ReadSchedule", children=[selector]))
            ).response
            assert read.header.response_code.value == "I0"
            content = read.content
            assert content is not None and content.tag == SR + "DSPSchedulesRead"
            entries = content.findall(SR + "DSPSchedules")
            assert [int(e.findtext(SR + "DSPScheduleID") or "") for e in entries] == [sid]
            details = entries[0].find(SR + "DSPScheduleDetails")
            assert details is not None
            assert details.findtext(SR + "DSPScheduledServiceReferenceVariant") == "4.6.1"
            assert details.findtext(SR + "DeviceID") == str(esme.device_id)
            assert details.findtext(SR + "ScheduleFrequency") == "Daily"

        # The first occurrence: today at 02:00 UTC, or tomorrow when that has passed.
        stored = st.get(hub.hub.db.reader(), sid)  # type: ignore[union-attr]
        assert stored is not None and stored.next_due is not None
        expected = datetime.combine(today, time(2, 0, tzinfo=UTC))
        if expected < clock.now():
            expected += timedelta(days=1)
        assert stored.next_due == expected

        occurrence = await _run_next(hub, clock, sid)
        delivered = await _await_scheduled(hub.receiver, sid, 1)
        assert len(delivered) == 1, hub.receiver.rejected
        response = delivered[0].response
        assert schema.validate(response.root) is None
        assert response.header.response_code.value == "I0"
        rid = response.header.request_id
        assert rid is not None and rid.originator == party("supplier-a")
        assert rid.target == esme.device_id
        assert response.header.response_id == rid.response_id()
        content = response.content
        assert content is not None
        gbcs = __import__("base64").b64decode(content.findtext(SR + "GBCSPayload") or "")
        decoded = decode(gbcs, hub.hub.security)
        assert decoded.mac.valid is True
        assert decoded.message.originator == esme.device_id

        # The wrapped request read yesterday's log, relative to the occurrence's day.
        entry = jr.get_by_request_id(hub.hub.db.reader(), str(rid))  # type: ignore[union-attr]
        assert entry is not None and entry.variant == "4.6.1"
        sent = etree.fromstring(entry.request_xml)
        day = occurrence.date()
        assert sent.findtext(f".//{SR}StartDateTime") == f"{day - timedelta(days=1)}T00:00:00Z"
        assert sent.findtext(f".//{SR}EndDateTime") == f"{day}T00:00:00Z"

        # Another User sees no such schedule and cannot delete it.
        by_id = build.sr("DSPScheduleID", str(sid))
        other = await _send(hub, "supplier-b", "5.2", build.sr("ReadSchedule", children=[by_id]))
        assert other.response.header.response_code.value == "E050201"
        other = await _send(hub, "supplier-b", "5.3", build.sr("DeleteSchedule", children=[by_id]))
        assert other.response.header.response_code.value == "E050301"

        # 5.3: deleted, then unknown; no further occurrence runs.
        deleted = await _send(
            hub, "supplier-a", "5.3", build.sr("DeleteSchedule", children=[by_id])
        )
        assert deleted.response.header.response_code.value == "I0"
        again = await _send(hub, "supplier-a", "5.3", build.sr("DeleteSchedule", children=[by_id]))
        assert again.response.header.response_code.value == "E050301"
        read = await _send(hub, "supplier-a", "5.2", build.sr("ReadSchedule", children=[by_id]))
        assert read.response.header.response_code.value == "E050201"
        by_device = build.sr("DeviceID", str(esme.device_id))
        read = await _send(hub, "supplier-a", "5.2", build.sr("ReadSchedule", children=[by_device]))
        assert read.response.header.response_code.value == "E050202"
        clock.advance(timedelta(days=1))
        await hub.hub.processor.run_due()
        await asyncio.sleep(0.2)
        assert len(_scheduled(hub.receiver, sid)) == 1


async def test_create_refusals(tmp_path: Path) -> None:
    clock = _clock()
    async with running_hub(tmp_path, clock=clock) as hub:
        esme = hub.device_of(DeviceType.ESME)
        other_esme = hub.device_of(DeviceType.ESME, supplier="supplier-b")
        gsme = hub.device_of(DeviceType.GSME)
        today = clock.now().date()
        cases = [
            # the body of 4.6.1 under the name of 4.8.1
            (
                _create_body(esme.device_id, start=today, variant="4.8.1", reference="4.8"),
                "E050103",
            ),
            # 4.6.1 under the service reference of 4.8
            (_create_body(esme.device_id, start=today, reference="4.8"), "E050103"),
            # ends before it starts; ended before today
            (_create_body(esme.device_id, start=today, end=today - timedelta(days=1)), "E050102"),
            (
                _create_body(
                    esme.device_id, start=today - timedelta(days=9), end=today - timedelta(days=2)
                ),
                "E050102",
            ),
            # the Device is not in the inventory
            (_create_body(Eui64.parse("00-DB-00-00-00-00-00-99"), start=today), "E19"),
            # another supplier's meter: not registered for its MPxN
            (_create_body(other_esme.device_id, start=today), "E4"),
            # 4.12.1 does not apply to a gas meter
            (
                _create_body(
                    gsme.device_id,
                    start=today,
                    variant="4.12.1",
                    reference="4.12",
                    body="DSPReadMaximumDemandImportRegisters",
                ),
                "E11",
            ),
            # 4.6.2 (Export Supplier only) for an Import Supplier
            (
                _create_body(
                    esme.device_id,
                    start=today,
                    variant="4.6.2",
                    body="DSPRetrieveExportDailyReadLog",
                ),
                "E2",
            ),
            # an offset out of range is a value the request cannot be carried out with
            (
                etree.fromstring(
                    etree.tostring(_create_body(esme.device_id, start=today)).replace(
                        b">-1<", b">-401<"
                    )
                ),
                "E050101",
            ),
        ]
        for body, expected in cases:
            code, sid = await _create(hub, "supplier-a", body)
            assert (code, sid) == (expected, None), etree.tostring(body)
        reader = hub.hub.db.reader()  # type: ignore[union-attr]
        assert st.of_owner(reader, str(party("supplier-a"))) == []


def _dcc_alerts(receiver: CallbackReceiver, element: str) -> list[Received]:
    """The DCC Alerts received whose body is ``element`` (DSPScheduleRemoval...)."""
    return [
        r
        for r in receiver.alerts
        if r.response.root.find(f".//{SR}DCCAlert/{SR}{element}") is not None
    ]


async def _await_alerts(
    receiver: CallbackReceiver, element: str, count: int = 1, timeout: float = 10.0
) -> list[Received]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(_dcc_alerts(receiver, element)) < count and loop.time() < deadline:
        await asyncio.sleep(0.02)
    return _dcc_alerts(receiver, element)


def _alert_fields(received: Received, element: str) -> dict[str, str]:
    body = received.response.root.find(f".//{SR}DCCAlert/{SR}{element}")
    assert body is not None
    return {etree.QName(c).localname: (c.text or "") for c in body}


async def test_a_user_no_longer_registered_has_the_schedule_removed_and_is_alerted(
    tmp_path: Path,
) -> None:
    """After a change of supplier the old Supplier's schedule is removed at its next
    occurrence and the old Supplier gets a signed, schema-valid DCC Alert
    ``DSPScheduleRemoval`` naming the Device and the DSPScheduleID; nothing is sent to the
    meter and the schedule never runs again."""
    clock = _clock()
    schema = duis_schema()
    async with running_hub(tmp_path, clock=clock) as hub:
        esme, sid = await _daily_read(hub, clock)
        assert esme.mpxn is not None
        change = await hub.hub.estate.registrations.change_party(
            esme.mpxn, MarketRole.SUPPLIER, party("supplier-b"), clock.now()
        )
        assert not hasattr(change, "message"), change
        due = await _run_next(hub, clock, sid)
        [alert] = await _await_alerts(hub.receiver, "DSPScheduleRemoval")
        assert schema.validate(alert.response.root) is None
        assert alert.response.header.response_code.value == "I0"
        assert alert.response.root.findtext(f".//{SR}DCCAlertCode") == SCHEDULE_REMOVED.value
        assert _alert_fields(alert, "DSPScheduleRemoval") == {
            "DeviceID": str(esme.device_id),
            "DSPScheduleID": str(sid),
        }
        # delivered to supplier-a's Receive Response Service, not to supplier-b's
        reader = hub.hub.db.reader()  # type: ignore[union-attr]
        [delivery] = dv.deliveries_for(reader, recipient=str(party("supplier-a")))[:1]
        assert delivery.kind is dv.DeliveryKind.DCC_ALERT and delivery.body == alert.body
        assert _scheduled(hub.receiver, sid) == []
        assert st.runs_of(reader, sid) == [] and st.get(reader, sid) is None
        refused = [
            e.event
            for e in events_between(
                reader, due - timedelta(days=1), due + timedelta(days=1), kinds=[EventKind.REFUSED]
            )
            if e.event.detail.get("schedule_id") == sid
        ]
        assert [(e.code, e.detail.get("removed")) for e in refused] == [("E4", True)]
        # 5.2 no longer knows it; the next day nothing runs and no second alert comes.
        by_id = build.sr("DSPScheduleID", str(sid))
        read = await _send(hub, "supplier-a", "5.2", build.sr("ReadSchedule", children=[by_id]))
        assert read.response.header.response_code.value == "E050201"
        clock.advance(timedelta(days=1))
        await hub.hub.processor.run_due()
        await asyncio.sleep(0.2)
        assert len(_dcc_alerts(hub.receiver, "DSPScheduleRemoval")) == 1
        assert _scheduled(hub.receiver, sid) == []


async def test_a_device_leaving_the_inventory_removes_its_schedules(tmp_path: Path) -> None:
    clock = _clock()
    async with running_hub(tmp_path, clock=clock) as hub:
        esme, sid = await _daily_read(hub, clock)
        gone = await hub.hub.estate.inventory.change_status(
            esme.device_id, InventoryEvent.DECOMMISSION, clock.now(), "8.3 (test)"
        )
        assert getattr(gone, "status", None) is SmiStatus.DECOMMISSIONED, gone
        await _run_next(hub, clock, sid)
        [alert] = await _await_alerts(hub.receiver, "DSPScheduleRemoval")
        assert _alert_fields(alert, "DSPScheduleRemoval")["DSPScheduleID"] == str(sid)
        assert st.get(hub.hub.db.reader(), sid) is None  # type: ignore[union-attr]


async def test_a_suspended_device_skips_the_occurrence_but_keeps_the_schedule(
    tmp_path: Path,
) -> None:
    clock = _clock()
    async with running_hub(tmp_path, clock=clock) as hub:
        esme, sid = await _daily_read(hub, clock)
        suspended = await hub.hub.estate.inventory.change_status(
            esme.device_id, InventoryEvent.SUSPEND, clock.now(), "test"
        )
        assert getattr(suspended, "status", None) is SmiStatus.SUSPENDED, suspended
        due = await _run_next(hub, clock, sid)
        await asyncio.sleep(0.3)
        assert _dcc_alerts(hub.receiver, "DSPScheduleRemoval") == []
        stored = st.get(hub.hub.db.reader(), sid)  # type: ignore[union-attr]
        assert stored is not None and stored.next_due == due + timedelta(days=1)


async def test_a_scheduled_command_that_fails_raises_a_command_failure_alert(
    tmp_path: Path,
) -> None:
    """The occurrence's Command cannot reach the meter (E20): the User gets a signed DCC
    Alert ``CommandFailure`` naming the occurrence's RequestID, the DSPScheduleID and the
    Device; the journal entry completes once it is delivered; the schedule stays."""
    clock = _clock()
    schema = duis_schema()
    async with running_hub(tmp_path, clock=clock) as hub:
        esme, sid = await _daily_read(hub, clock)
        assert esme.chf_id is not None
        hub.hub.processor.wan.out_of_coverage.add(esme.chf_id)
        await _run_next(hub, clock, sid)
        [alert] = await _await_alerts(hub.receiver, "CommandFailure")
        assert schema.validate(alert.response.root) is None
        assert alert.response.root.findtext(f".//{SR}DCCAlertCode") == COMMAND_FAILED.value
        fields = _alert_fields(alert, "CommandFailure")
        reader = hub.hub.db.reader()  # type: ignore[union-attr]
        [(_, row)] = st.runs_of(reader, sid)
        entry = jr.get_by_row(reader, row)
        assert entry is not None and entry.response_code == "E20"
        assert fields == {
            "CommandRequestID": entry.request_id,
            "DSPScheduleID": str(sid),
            "DeviceID": str(esme.device_id),
        }
        assert _scheduled(hub.receiver, sid) == []
        assert await hub.hub.deliverer.drained(5)
        await asyncio.sleep(0.1)
        done = jr.get_by_row(hub.hub.db.reader(), row)  # type: ignore[union-attr]
        assert done is not None and done.state is jr.RequestState.COMPLETED
        assert st.get(reader, sid) is not None


async def test_missed_occurrences_are_run_once_not_replayed(tmp_path: Path) -> None:
    clock = _clock()
    async with running_hub(tmp_path, clock=clock) as hub:
        _, sid = await _daily_read(hub, clock)
        reader = hub.hub.db.reader()  # type: ignore[union-attr]
        stored = st.get(reader, sid)
        assert stored is not None and stored.next_due is not None
        clock.set(stored.next_due + timedelta(days=4, hours=1))
        await hub.hub.processor.run_due()
        await hub.hub.processor.run_due()
        delivered = await _await_scheduled(hub.receiver, sid, 1)
        await asyncio.sleep(0.2)
        assert len(_scheduled(hub.receiver, sid)) == 1 == len(delivered)
        runs = st.runs_of(reader, sid)
        assert [when for when, _ in runs] == [stored.next_due + timedelta(days=4)]
        after = st.get(reader, sid)
        assert after is not None and after.next_due == stored.next_due + timedelta(days=5)
        assert after.runs == 1


async def test_schedules_survive_a_restart_without_double_delivery(tmp_path: Path) -> None:
    clock = _clock()
    async with running_hub(tmp_path, clock=clock) as hub:
        _, sid = await _daily_read(hub, clock)
        first = await _run_next(hub, clock, sid)
        assert len(await _await_scheduled(hub.receiver, sid, 1)) == 1
        assert await hub.hub.deliverer.drained(5)
        await asyncio.sleep(0.1)

    async with running_hub(tmp_path, clock=clock) as hub:
        await hub.hub.processor.run_due()
        await asyncio.sleep(0.3)
        assert _scheduled(hub.receiver, sid) == []  # the first occurrence is not sent again
        second = await _run_next(hub, clock, sid)
        assert second == first + timedelta(days=1)
        delivered = await _await_scheduled(hub.receiver, sid, 1)
        assert len(delivered) == 1
        reader = hub.hub.db.reader()  # type: ignore[union-attr]
        assert [when for when, _ in st.runs_of(reader, sid)] == [first, second]


async def test_a_run_interrupted_before_its_response_is_recovered_as_scheduled(
    tmp_path: Path,
) -> None:
    clock = _clock()
    async with running_hub(tmp_path, clock=clock) as hub:
        _, sid = await _daily_read(hub, clock)
        # The run is committed, then the process "dies" before the processor takes it.
        hub.hub.schedules.submit = lambda accepted: None
        await _run_next(hub, clock, sid)
        reader = hub.hub.db.reader()  # type: ignore[union-attr]
        [(_, row)] = st.runs_of(reader, sid)
        entry = jr.get_by_row(reader, row)
        assert entry is not None and entry.state is jr.RequestState.ACCEPTED

    async with running_hub(tmp_path, clock=clock) as hub:
        delivered = await _await_scheduled(hub.receiver, sid, 1)
        assert len(delivered) == 1, hub.receiver.rejected
        assert str(delivered[0].response.header.request_id) == entry.request_id
        await hub.hub.processor.run_due()
        await asyncio.sleep(0.2)
        assert len(_scheduled(hub.receiver, sid)) == 1


@pytest.mark.parametrize("frequency", ["Weekly", "Monthly", "Quarterly", "Half-Yearly", "Yearly"])
def test_every_frequency_moves_forward(frequency: str) -> None:
    tt = _tt(frequency, date(2026, 1, 15))
    previous = tt.occurrence(0)
    for n in range(1, 30):
        current = tt.occurrence(n)
        assert current > previous
        assert tt.first_from(previous, inclusive=False) == current
        assert tt.latest_until(current - timedelta(seconds=1)) == (previous, n - 1)
        previous = current


EVERY_SCHEDULABLE = [
    # variant, service reference, body, User, Device type
    ("4.2", "4.2", "DSPReadInstantaneousExportRegisters", "electricity-distributor", "ESME"),
    ("4.6.1", "4.6", "DSPRetrieveImportDailyReadLog", "supplier-a", "GSME"),
    ("4.8.1", "4.8", "DSPReadActiveImportProfileData", "other-user", "ESME"),
    ("4.8.2", "4.8", "DSPReadReactiveImportProfileData", "electricity-distributor", "ESME"),
    ("4.8.3", "4.8", "DSPReadExportProfileData", "electricity-distributor", "ESME"),
    ("4.10", "4.10", "DSPReadNetworkData", "gas-transporter", "GSME"),
    ("4.12.1", "4.12", "DSPReadMaximumDemandImportRegisters", "supplier-a", "ESME"),
    ("4.12.2", "4.12", "DSPReadMaximumDemandExportRegisters", "electricity-distributor", "ESME"),
    ("4.14", "4.14", "DSPReadPrepaymentDailyReadLog", "supplier-a", "GSME"),
    ("4.15", "4.15", "DSPReadLoadLimitData", "electricity-distributor", "ESME"),
    ("4.16", "4.16", "DSPReadActivePowerImport", "supplier-a", "ESME"),
    ("4.17", "4.17", "DSPRetrieveDailyConsumptionLog", "other-user", "GSME"),
    ("14.1", "14.1", "DSPRecordNetworkDataGAS", "gas-transporter", "GSME"),
]
"""Every schedulable variant but 4.6.2 (the demo estate has no Export Supplier), each with a
User in a role eligible for it."""


async def test_every_schedulable_variant_runs_and_is_delivered(tmp_path: Path) -> None:
    clock = _clock()
    schema = duis_schema()
    async with running_hub(tmp_path, clock=clock) as hub:
        devices = {t: hub.device_of(DeviceType(t)) for t in ("ESME", "GSME")}
        created: dict[int, str] = {}
        for variant, reference, body, who, device_type in EVERY_SCHEDULABLE:
            device = devices[device_type].device_id
            code, sid = await _create(
                hub,
                who,
                _create_body(
                    device,
                    variant=variant,
                    reference=reference,
                    body=body,
                    start=clock.now().date(),
                ),
            )
            assert code == "I0" and sid is not None, (variant, code)
            created[sid] = variant
        await _run_next(hub, clock, next(iter(created)))
        for sid, variant in created.items():
            delivered = await _await_scheduled(hub.receiver, sid, 1)
            assert len(delivered) == 1, (variant, hub.receiver.rejected)
            response = delivered[0].response
            assert schema.validate(response.root) is None, variant
            assert response.header.response_code.value == "I0", variant
            message = response.root.find(f".//{SR}ResponseMessage")
            assert message is not None
            assert message.findtext(SR + "ServiceReferenceVariant") == variant
