"""The asynchronous half of a device request: over the SM WAN to the Device and back.

An accepted request (persisted, acknowledged with I99) is processed by one of ``workers``
tasks: the Command crosses the simulated WAN of the Device's region (which may lose it: E20
unreachable, E21 no response; a Device whose Communications Hub is out of service, returned
or never installed, is unreachable: E20, ``wan.network.carries_traffic``), the simulated Device
processes it, and the signed DUIS Response is queued for delivery. The Device's state
change, the Response, any Alerts, the journal's step and what the Smart Metering Inventory
learns from the Response (a HAN association a successful 8.7 Join or 8.8 Unjoin reports,
``hub.joins``; the firmware version a successful 11.3 or an 11.2 Response reports, which
reinstates a Suspended Device, SEC MP105, ``hub.firmware_learning``) are written in one
job, then handed to the deliverer: either all of a request's outcome is recorded, or none
of it and the request is still ACCEPTED, and is processed again after a restart.

DSP-held future-dated requests wait (HELD) until their execution time; the scheduler
releases them here. Device wakes (Device-held future-dated Commands falling due) are also
driven from here, and so is other ``TimedWork``: the occurrences of DCC Scheduled Services
(``hub.schedules``, DUIS 5.1), whose Responses are answered as ``DSPScheduledMessage`` and
whose failures (E20, E21) as a DCC Alert ``CommandFailure`` naming the DSPScheduleID.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from opendcc.clock import Clock
from opendcc.devices.simulator import AlertSpec, DeviceSimulator, Outcome, Simulation
from opendcc.devices.state import DeviceState
from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest, parse_request
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.alert_codes import alert_code_in
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.frame import decode_message
from opendcc.hub import firmware_learning, joins
from opendcc.hub.delivery import Deliverer
from opendcc.hub.pipeline import Accepted
from opendcc.hub.responses import ResponseSigner
from opendcc.hub.schedules import COMMAND_FAILED, command_failure_alert
from opendcc.hub.states import DeviceStates
from opendcc.inventory.model import Device, DeviceType
from opendcc.roles import UserRole
from opendcc.store import deliveries as dv
from opendcc.store import journal as jr
from opendcc.store.database import Database
from opendcc.store.estate import SqliteEstate
from opendcc.store.events import Event, EventKind, append_events, from_us
from opendcc.transform.reads_events import CIN_USE_CASES, cin_of_command
from opendcc.wan.network import Outcome as WanOutcome
from opendcc.wan.network import SmWan

log = logging.getLogger("opendcc.hub.processor")


class Learned(Protocol):
    """What the inventory learns from a Response, run inside the Response's write job
    (``joins.Recording``, ``firmware_learning.Recording``)."""

    def run(self, conn: Any) -> None: ...

    def committed(self) -> None: ...


class TimedWork(Protocol):
    """Other work the scheduler runs when its time comes (DCC Scheduled Services)."""

    def next_due(self) -> datetime | None: ...

    async def run_due(self, now: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class _Outgoing:
    recipient: str
    kind: dv.DeliveryKind
    body: bytes
    request_row: int | None
    request_id: str | None


class Processor:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        estate: SqliteEstate,
        states: DeviceStates,
        simulator: DeviceSimulator,
        wan: SmWan,
        signer: ResponseSigner,
        deliverer: Deliverer,
        *,
        workers: int = 16,
    ) -> None:
        self.db = db
        self.clock = clock
        self.estate = estate
        self.states = states
        self.simulator = simulator
        self.wan = wan
        self.signer = signer
        self.deliverer = deliverer
        self._queue: asyncio.Queue[Accepted] = asyncio.Queue()
        self._workers = workers
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0
        self.processed = 0
        self._wake = asyncio.Event()
        self._sleeping_until: datetime | None = None
        """While the scheduler sleeps, when it will look next (None while it is looking)."""
        states.on_wake = self.wake_by
        self.timed: list[TimedWork] = []
        """More time-driven work for the scheduler (``hub.schedules``)."""
        self.schedule_of: Callable[[int], int | None] = lambda row: None
        """The DSPScheduleID of a journal entry the DCC ran for a schedule (for recovery)."""

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        for n in range(self._workers):
            self._tasks.append(asyncio.create_task(self._worker(), name=f"processor-{n}"))
        self._tasks.append(asyncio.create_task(self._scheduler(), name="scheduler"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def submit(self, accepted: Accepted) -> None:
        """Called by the pipeline once the request is durable."""
        if accepted.due_at is not None and accepted.due_at > self.clock.now():
            self._wake.set()  # the scheduler will pick it up from the journal
            return
        self._queue.put_nowait(accepted)

    def wake(self) -> None:
        """Have the scheduler look at the time-driven work again now."""
        self._wake.set()

    def wake_by(self, when: datetime) -> None:
        """Something now wants running at ``when`` (a Device state saved with that
        ``next_wake``: a Communications Hub asking to report an 11.4 image transfer at once,
        a Device-held future-dated Command such as an 11.3 activation): if the sleeping
        scheduler would look only later, have it look now and plan its sleep again. While
        it is looking it reads the database before sleeping, so nothing is needed then."""
        if self._sleeping_until is not None and when < self._sleeping_until:
            self._wake.set()

    @property
    def backlog(self) -> int:
        return self._queue.qsize() + self._busy

    async def idle(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.backlog and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return not self.backlog

    # --- recovery ----------------------------------------------------------------------------

    def recover(self) -> int:
        """Queue every ACCEPTED journal entry again (after a restart); returns how many."""
        count = 0
        for entry in jr.open_entries(self.db.reader()):
            if entry.state is not jr.RequestState.ACCEPTED or entry.command is None:
                continue
            accepted = self._restore(entry)
            if accepted is not None:
                self._queue.put_nowait(accepted)
                count += 1
        return count

    def _restore(self, entry: jr.JournalEntry) -> Accepted | None:
        request = parse_request(entry.request_xml)
        if not isinstance(request, ServiceRequest):
            log.error("journal entry %s cannot be re-read: %s", entry.row, request)
            return None
        device = self.estate.inventory.get_device(Eui64.parse(entry.target))
        if device is None or entry.command is None:
            return None
        role = UserRole(entry.role) if entry.role else UserRole.IMPORT_SUPPLIER
        return Accepted(
            entry.row,
            request,
            device,
            role,
            entry.command,
            entry.due_at,
            self.schedule_of(entry.row),
        )

    # --- the work ------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            item = await self._queue.get()
            self._busy += 1
            try:
                await self._process(item)
            except Exception:  # a bug must not stop the worker; the request stays ACCEPTED
                log.exception("processing request %s failed", item.request.header.request_id)
            finally:
                self._busy -= 1

    async def _process(self, item: Accepted) -> None:
        header = item.request.header
        rid = header.request_id
        device = self._recipient(item)
        sent_at = self.clock.now()
        who = _identity(item)
        events = [_event(EventKind.COMMAND_SENT, sent_at, who, region=device.region.value)]
        hub = self._hub_of(device)
        transmission = self.wan.transmit(
            device.region,
            hub.device_id if hub is not None else device.chf_id,
            hub.status if hub is not None else None,
        )
        states: list[DeviceState] = []
        outgoing: list[_Outgoing] = []
        learned: list[Learned] = []
        if transmission.outcome is WanOutcome.UNREACHABLE:
            now = self.clock.now()
            reason = {"reason": transmission.reason} if transmission.reason else {}
            events.append(_event(EventKind.DEVICE_UNREACHABLE, now, who, "E20", **reason))
            body = self.signer.error(header, ResponseCode.E20, now)
            code = "E20"
        elif transmission.outcome is WanOutcome.NO_RESPONSE:
            await self._sleep(self.wan_timeout)
            now = self.clock.now()
            reason = {"reason": transmission.reason} if transmission.reason else {}
            events.append(_event(EventKind.DEVICE_NO_RESPONSE, now, who, "E21", **reason))
            body = self.signer.error(header, ResponseCode.E21, now)
            code = "E21"
        else:
            await self._sleep(transmission.round_trip_s)
            now = self.clock.now()
            state = self.states.load(device)
            touched = _Touched(self.states)
            self.simulator.peers = touched
            try:
                result = self.simulator.process(item.command, state, now)
                states = [state, *touched.states]
            except Exception as exc:  # a Device fault must not lose the request
                # Logged as the bug it is; the User is answered as for a Device that did
                # not respond (E21), and nothing the failed run changed is kept: not saved,
                # and dropped from the cache, so the next Command finds the saved state.
                log.exception("the simulated Device %s failed on %s", device.device_id, rid)
                self.states.forget([state.device_id, *(t.device_id for t in touched.states)])
                result = Simulation(Outcome.DISCARDED, reason=f"the Device failed: {exc}")
            if result.outcome is Outcome.DISCARDED or result.response is None:
                events.append(
                    _event(EventKind.DEVICE_NO_RESPONSE, now, who, "E21", reason=result.reason)
                )
                body = self.signer.error(header, ResponseCode.E21, now)
                code = "E21"
            else:
                events.append(
                    _event(
                        EventKind.DEVICE_RESPONDED,
                        now,
                        who,
                        "I0",
                        use_case=result.use_case,
                        round_trip_ms=round(transmission.round_trip_s * 1000, 1),
                    )
                )
                cin = cin_of_command(item.command) if result.use_case in CIN_USE_CASES else None
                if cin is not None:  # DUIS 9.1: CINMessage{GBCSPayload, the CIN sent}
                    body = self.signer.result(
                        header, ResponseCode.I0, now, build.cin_message(result.response, cin)
                    )
                elif item.schedule_id is None:
                    body = self.signer.gbcs_response(header, now, result.response)
                else:  # DUIS 5.1: a scheduled request's Response is a DSPScheduledMessage
                    scheduled = build.dsp_scheduled_message(result.response, item.schedule_id)
                    body = self.signer.result(header, ResponseCode.I0, now, scheduled)
                code = "I0"
                outgoing += self._alerts(device, result.alerts, now, events)
                association = joins.recording(
                    header.variant.code,
                    device,
                    item.command,
                    result.response,
                    self.estate.inventory,
                    at=now,
                    request_id=str(rid),
                    originator=str(rid.originator),
                )
                firmware = firmware_learning.recording(
                    header.variant.code,
                    device.device_id,
                    result.response,
                    self.estate.inventory,
                    at=now,
                    request_id=str(rid),
                    originator=str(rid.originator),
                )
                if association is not None:
                    learned.append(association)
                if firmware is not None:
                    learned.append(firmware)
                learned += self._learned_from_alerts(device, result.alerts, now)
        kind = dv.DeliveryKind.RESPONSE
        if item.schedule_id is not None and code != "I0":
            # DUIS 5.1: a scheduled Command that fails is told as a DCC Alert naming the
            # schedule (``hub.schedules.command_failure_alert``), not as an error Response.
            body = command_failure_alert(
                self.signer, str(rid), item.schedule_id, str(rid.target), now
            )
            kind = dv.DeliveryKind.DCC_ALERT
            events.append(
                _event(
                    EventKind.DCC_ALERT,
                    now,
                    who,
                    COMMAND_FAILED.value,
                    alert="CommandFailure",
                    schedule_id=item.schedule_id,
                    failure=code,
                )
            )
        events.append(_event(EventKind.RESPONSE_QUEUED, now, who, code))
        outgoing.insert(0, _Outgoing(str(rid.originator), kind, body, item.row, str(rid)))
        await self._record(
            item.row, code, now, states, outgoing, events, learned, request_id=str(rid)
        )
        self.processed += 1

    async def record_local(
        self,
        device: Device,
        states: list[DeviceState],
        alerts: tuple[tuple[AlertSpec, bytes], ...],
        events: list[Event],
        now: datetime,
    ) -> None:
        """Save what a Command delivered locally did (``hub.hand_held``): the Devices'
        states, the Alerts they raised (signed and delivered as over the SM WAN) and the
        events, in one write job, as ``_process`` saves a Response."""
        outgoing = self._alerts(device, alerts, now, events)
        await self._record(None, "I0", now, states, outgoing, events)

    def _recipient(self, item: Accepted) -> Device:
        """The Device the Command travels to: the request's target, except where the
        transform addressed the Command to another Device. That is an HCALCS's auxiliary
        load control (7.13 to 7.15): GBCS has no such use case addressed to an HCALCS, and
        the ESME it is Auxiliary Controller of carries it out, so the Command's grouping
        header names that ESME as Recipient (GBCS 4.3.1.6; ``transform.supply_auxiliary``)
        and the ESME, not the HCALCS, must receive it. Only an HCALCS target is checked:
        every other transform addresses its Command to the target."""
        inventory = self.estate.inventory
        target = inventory.get_device(item.device.device_id) or item.device
        if target.device_type is not DeviceType.HCALCS:
            return target
        try:
            recipient = decode_message(item.command).recipient
        except GbcsDecodeError:
            return target
        if recipient == target.device_id:
            return target
        return inventory.get_device(recipient) or target

    def _hub_of(self, device: Device) -> Device | None:
        """The Communications Hub Function a Command to ``device`` travels through: its
        own for a CHF, the one it is associated with (a GSME without one: its GPF's), else
        None. Read now, not when the request was accepted: a hub returned meanwhile
        (8.14.3, 8.14.4) carries nothing (``wan.network.carries_traffic``)."""
        inventory = self.estate.inventory
        if device.device_type is DeviceType.CHF:
            return device
        chf_id = device.chf_id
        if chf_id is None and device.parent_id is not None:
            parent = inventory.get_device(device.parent_id)
            chf_id = parent.chf_id if parent is not None else None
        return inventory.get_device(chf_id) if chf_id is not None else None

    wan_timeout: float = 0.0
    """Seconds the DCC waits for a Response before answering E21 (0 in simulations that
    should not wait; DUIS Target Response Times are tens of seconds)."""

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)

    def _learned_from_alerts(
        self, device: Device, alerts: tuple[tuple[AlertSpec, bytes], ...], now: datetime
    ) -> list[Learned]:
        """The firmware versions the Device's CS06 Alerts report (a future-dated 11.3
        executed: ``firmware_learning.alert_recording``), to record with the Alerts."""
        learned: list[Learned] = []
        for spec, gbcs in alerts:
            if spec.message_code != firmware_learning.CS06_ALERT:
                continue
            found = firmware_learning.alert_recording(
                device.device_id, gbcs, self.estate.inventory, at=now
            )
            if found is not None:
                learned.append(found)
        return learned

    def _alerts(
        self,
        device: Device,
        alerts: tuple[tuple[AlertSpec, bytes], ...],
        now: datetime,
        events: list[Event],
    ) -> list[_Outgoing]:
        out = []
        for spec, gbcs in alerts:
            code = spec.alert_code if spec.alert_code is not None else alert_code_in(gbcs)
            alert_code = code if code is not None else spec.message_code
            events.append(
                Event(
                    EventKind.DEVICE_ALERT,
                    now,
                    None,
                    str(device.device_id),
                    str(spec.recipient),
                    None,
                    f"{alert_code:04X}",
                    {"message_code": spec.message_code},
                )
            )
            if spec.recipient == DCC_ACCESS_CONTROL_BROKER:
                continue  # Alerts to the DCC itself are handled by the DCC (logged above)
            body = self.signer.device_alert(alert_code, gbcs, now)
            out.append(
                _Outgoing(str(spec.recipient), dv.DeliveryKind.DEVICE_ALERT, body, None, None)
            )
        return out

    async def _record(
        self,
        row: int | None,
        code: str,
        now: datetime,
        states: list[DeviceState],
        outgoing: list[_Outgoing],
        events: list[Event],
        learned: list[Learned] | None = None,
        *,
        request_id: str | None = None,
    ) -> None:
        """Write a Command's outcome in one job: the Devices' states, the journal's step,
        the deliveries, the events and what the inventory learns from the Response (a
        join or unjoin the Device reported, ``hub.joins``; its firmware version,
        ``hub.firmware_learning``)."""
        state_rows = DeviceStates.rows(states)

        def job(conn: Any) -> list[int]:
            if state_rows:
                DeviceStates.save(conn, state_rows)
            if row is not None:
                step = jr.Step.RESPONDED if code == "I0" else jr.Step.FAILED
                jr.advance(conn, row, step, now, response_code=code)
            ids = [
                dv.insert_delivery(
                    conn,
                    recipient=o.recipient,
                    kind=o.kind,
                    body=o.body,
                    at=now,
                    request_row=o.request_row,
                    request_id=o.request_id,
                )
                for o in outgoing
            ]
            append_events(conn, events, request_id=request_id, journal_row=row)
            for each in learned or ():
                each.run(conn)
            return ids

        ids = await self.db.write(job)
        self.states.saved(state_rows)
        for each in learned or ():
            each.committed()
        for delivery_id, item in zip(ids, outgoing, strict=True):
            self.deliverer.enqueue(
                delivery_id,
                item.recipient,
                item.body,
                request_row=item.request_row,
                request_id=item.request_id,
            )

    # --- time-driven work -------------------------------------------------------------------

    async def _scheduler(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:
                log.exception("the scheduler failed; it will try again")
            self._wake.clear()
            sleep = self._next_sleep()
            self._sleeping_until = self.clock.now() + timedelta(seconds=sleep)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=sleep)
            finally:
                self._sleeping_until = None

    def _next_sleep(self) -> float:
        now = self.clock.now()
        candidates = [timedelta(seconds=5)]
        wake = self.states.next_wake()
        if wake is not None:
            candidates.append(wake - now)
        row = (
            self.db.reader()
            .execute("SELECT min(due_us) FROM requests WHERE state = 'held'")
            .fetchone()
        )
        if row and row[0] is not None:
            candidates.append(from_us(row[0]) - now)
        for work in self.timed:
            due = work.next_due()
            if due is not None:
                candidates.append(due - now)
        return max(0.0, min(c.total_seconds() for c in candidates))

    async def run_due(self) -> None:
        """Release DSP-held requests and wake Devices whose time has come."""
        now = self.clock.now()
        for entry in jr.due_entries(self.db.reader(), now):
            accepted = self._restore(entry)
            if accepted is None:
                continue

            released = Event(
                EventKind.SCHEDULED,
                now,
                entry.request_id,
                entry.originator,
                entry.target,
                entry.variant,
                detail={"released": True},
            )

            def release(conn: Any, row: int = entry.row, event: Event = released) -> None:
                jr.advance(conn, row, jr.Step.RELEASED, event.at)
                append_events(conn, [event])

            await self.db.write(release)
            accepted.due_at = None
            self._queue.put_nowait(accepted)
        for eui in self.states.due(now):
            device = self.estate.inventory.get_device(eui)
            if device is None:
                continue
            state = self.states.load(device)
            touched = _Touched(self.states)
            self.simulator.peers = touched
            alerts = self.simulator.wake(state, now)
            events: list[Event] = []
            outgoing = self._alerts(device, alerts, now, events)
            learned = self._learned_from_alerts(device, alerts, now)
            await self._record(None, "I0", now, [state, *touched.states], outgoing, events, learned)
        for work in self.timed:
            await work.run_due(now)


class _Touched:
    """Peer lookups during one Command: the states to save with its Response."""

    def __init__(self, states: DeviceStates) -> None:
        self._states = states
        self.states: list[DeviceState] = []

    def __call__(self, eui: Eui64) -> DeviceState | None:
        state = self._states.peer(eui)
        if state is not None and state not in self.states:
            self.states.append(state)
        return state


_Identity = tuple[str, str, str, str]
"""A request's RequestID, originator, target and Service Reference Variant as logged."""


def _identity(item: Accepted) -> _Identity:
    """What every event of ``item`` repeats, formatted once per request."""
    rid = item.request.header.request_id
    return str(rid), str(rid.originator), str(rid.target), item.request.header.variant.code


def _event(
    kind: EventKind, at: datetime, who: _Identity, code: str | None = None, **detail: Any
) -> Event:
    request_id, originator, target, variant = who
    return Event(kind, at, request_id, originator, target, variant, code, detail)
