"""DCC Scheduled Services: DUIS 5.1 Create Schedule, 5.2 Read Schedule, 5.3 Delete Schedule,
and the running of each schedule's occurrences.

DUIS Service Reference 5 (DCC Scheduled Services; listed among the Scheduled Services of
SEC Appendix E, the DCC User Interface Services Schedule) lets a User ask the DCC to send a
read to a Device on a repeating timetable and deliver each Response as a
``DSPScheduledMessage``. The schedulable Service Requests are the
ones the DUIS schema's ``DSPScheduledServiceReferenceVariant`` lists (``SCHEDULABLE``: 4.2,
4.6.x, 4.8.x, 4.10, 4.12.x, 4.14 to 4.17, 14.1); the request matrix's "DCC Scheduled" flag
agrees except for 4.2, which the V5.4 schema adds.

5.1 (``CreateSchedule``, schema type ``DSPSchedule``): ``ScheduleFrequency`` (Daily,
Weekly, Monthly, Quarterly, Half-Yearly, Yearly), ``ScheduleStartDate``, optional
``ScheduleEndDate`` and ``ScheduleExecutionStartTime``, an optional
``KAPublicSecurityCredential`` (for reads whose Response is encrypted for an unknown remote
party), the wrapped ``DSPScheduledServiceReference``/``Variant``, the ``DeviceID`` and the
wrapped body (``DSPRetrieveImportDailyReadLog`` and so on: read-log periods are day offsets
and times relative to each occurrence). The hub checks it as it would the wrapped request
sent now (User roles for the wrapped variant E1/E2/E3, then ``Pipeline.device_checks``:
E19, E11, E5, E4, SEC suspensions; then the transform), stores it and answers I0 with the
``DSPScheduleID`` at once.

Occurrences: on the start date and every period after it (a month, quarter, half-year or
year on the start date's day of the month, the last day of a shorter month), at
``ScheduleExecutionStartTime`` (UTC when it carries no offset), or at 00:00 UTC when none is
given, up to and including the end date. A start date in the past is accepted: the first
occurrence is the first one from the time of creation on (history is not back-filled).

At an occurrence the scheduler (the processor's, ``TimedWork``) builds the wrapped Service
Request for that day, checks the User again, transforms it,
journals it and hands it to the processor, which sends the Command over the SM WAN and
delivers the Device's Response to the User's Receive Response Service as a signed
``ResponseMessage`` whose content is ``DSPScheduledMessage{GBCSPayload, DSPScheduleID}``
(its header: the RequestID the DCC gave the occurrence, the User's EUI, the Device's and a
counter of the DCC's, and the ResponseID answering it).

DCC Alerts (DUIS clause 3.6.3; the bodies are the schema's ``DCCAlert`` choices):
- the User may no longer have the schedule run: it no longer holds the role (E1, E2) or
  the right to the Device (E4, e.g. after a change of supplier), or the Device left the
  inventory (E19, or E5 with the Device Decommissioned or Withdrawn). The DCC removes the
  schedule and sends ``DSPScheduleRemoval{DeviceID, DSPScheduleID}`` (``SCHEDULE_REMOVED``)
  to the User's Receive Response Service; removal, delivery row and events are one write
  job. A passing obstacle (a SEC suspension, E3; a Suspended Device) only skips the
  occurrence, logged as refused, and the schedule stays;
- the occurrence's Command fails (E20 unreachable, E21 no response): the User is sent
  ``CommandFailure{CommandRequestID, DSPScheduleID, DeviceID}`` (``COMMAND_FAILED``) in
  place of an error Response, as the delivery of that journal entry.
The schema lists the ``DCCAlertCode`` values without their meanings, and the DUIS table
that assigns them was not at hand: N3 and N4 are opendcc's reading (docs/duis-errors.md,
docs/decisions.md, 1), kept in the two constants.

Missed occurrences: the DCC runs a schedule once per period. When the hub was not running
at an occurrence (or was late to it), the latest occurrence that has come is run once when
the hub gets to it, for that occurrence's day; earlier missed ones are skipped (counted in
the event), never replayed in a burst. The run and the move to the next occurrence are one
transaction, so an occurrence is never run twice, before or after a restart; a run whose
Response was not yet delivered is re-driven by the journal's recovery like any request.

Counters: the RequestID counter of an occurrence (the GBCS originator counter when the User
originates the Command) is the DCC clock's milliseconds since 1970, as time-based User
counters are, and above every counter accepted from the User; it does not consume the
User's replay counter.

5.2 returns the User's schedules (one by ``DSPScheduleID``, or all of one ``DeviceID``) as
``DSPSchedulesRead``; 5.3 deletes them. Another User's schedule is answered as an unknown
one. Codes: see docs/duis-errors.md.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from lxml import etree

from opendcc.access.eligibility import Refusal as AccessRefusal
from opendcc.access.eligibility import resolve_roles
from opendcc.access.users import DccUser
from opendcc.duis import build
from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader, ServiceRequest, request_from_root
from opendcc.eui import Eui64
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.hub.change import Answer, Change
from opendcc.hub.pipeline import Accepted, Ineligible, Pipeline, RequestTrace
from opendcc.hub.refusals import Refusal
from opendcc.hub.responses import ResponseSigner
from opendcc.inventory.model import SmiStatus
from opendcc.store import deliveries as dv
from opendcc.store import journal as jr
from opendcc.store import schedules as st
from opendcc.store.database import Database
from opendcc.store.events import Event, EventKind, append_events
from opendcc.transform import duisxml as x

log = logging.getLogger("opendcc.hub.schedules")

SCHEDULABLE: Final[dict[str, str]] = {
    "DSPReadInstantaneousExportRegisters": "4.2",
    "DSPRetrieveImportDailyReadLog": "4.6.1",
    "DSPRetrieveExportDailyReadLog": "4.6.2",
    "DSPReadActiveImportProfileData": "4.8.1",
    "DSPReadReactiveImportProfileData": "4.8.2",
    "DSPReadExportProfileData": "4.8.3",
    "DSPReadNetworkData": "4.10",
    "DSPReadMaximumDemandImportRegisters": "4.12.1",
    "DSPReadMaximumDemandExportRegisters": "4.12.2",
    "DSPReadPrepaymentDailyReadLog": "4.14",
    "DSPReadLoadLimitData": "4.15",
    "DSPReadActivePowerImport": "4.16",
    "DSPRetrieveDailyConsumptionLog": "4.17",
    "DSPRecordNetworkDataGAS": "14.1",
}
"""The body element of each schedulable variant inside ``CreateSchedule`` (DUIS schema
``DSPSchedule``) and the Service Reference Variant it wraps."""

_URP_CAPABLE: Final = frozenset({"4.6.1", "4.8.1", "4.10", "4.14", "4.17"})
"""Wrapped variants whose body may carry ``KAPublicSecurityCredentials`` (schema type
``ReadLogFutureDatableAndURPCredentials``)."""

_MONTHS: Final = {"Monthly": 1, "Quarterly": 3, "Half-Yearly": 6, "Yearly": 12}
_DAYS: Final = {"Daily": 1, "Weekly": 7}

SCHEDULE_REMOVED: Final = DccAlertCode.N3
"""The DCC Alert code of ``DSPScheduleRemoval`` (see the module: opendcc's reading)."""

COMMAND_FAILED: Final = DccAlertCode.N4
"""The DCC Alert code of ``CommandFailure`` for a scheduled Command (opendcc's reading)."""

REMOVING: Final = frozenset({"E1", "E2", "E4", "E19"})
"""Refusals at an occurrence that end the schedule: the User no longer holds the role
(E1, E2) or the right to the Device (E4: after a change of supplier, say), or the Device
left the inventory (E19). E5 ends it too when the Device is Decommissioned or Withdrawn;
a SEC suspension (E3) or another status only skips the occurrence."""

_GONE: Final = frozenset({SmiStatus.DECOMMISSIONED, SmiStatus.WITHDRAWN})

MAX_PER_DEVICE: Final = 99
"""Schedules one User may hold for one Device (``DSPSchedulesRead`` lists at most 99)."""


class ScheduleRefusalError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


# --- the timetable --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timetable:
    frequency: str
    start: date
    end: date | None
    at: time
    """Time of day of every occurrence, timezone-aware."""

    def occurrence(self, n: int) -> datetime:
        """The n-th occurrence (0: the start date), in UTC."""
        if self.frequency in _DAYS:
            day = self.start + timedelta(days=n * _DAYS[self.frequency])
        else:
            months = self.start.month - 1 + n * _MONTHS[self.frequency]
            year, month = self.start.year + months // 12, months % 12 + 1
            last = calendar.monthrange(year, month)[1]
            day = date(year, month, min(self.start.day, last))
        return datetime.combine(day, self.at).astimezone(UTC)

    def _index_before(self, t: datetime) -> int:
        """An index whose occurrence is not after ``t`` (or 0)."""
        days = (t.date() - self.start).days
        if self.frequency in _DAYS:
            return max(0, days // _DAYS[self.frequency] - 1)
        months = (t.year - self.start.year) * 12 + t.month - self.start.month
        return max(0, months // _MONTHS[self.frequency] - 1)

    def within(self, at: datetime) -> bool:
        return self.end is None or at.date() <= self.end

    def first_from(self, t: datetime, *, inclusive: bool = True) -> datetime | None:
        """The first occurrence at or after ``t`` (strictly after, unless ``inclusive``)."""
        n = self._index_before(t)
        while True:
            at = self.occurrence(n)
            if not self.within(at):
                return None
            if at > t or (inclusive and at == t):
                return at
            n += 1

    def latest_until(self, t: datetime) -> tuple[datetime, int] | None:
        """The latest occurrence at or before ``t``, and its index."""
        n = self._index_before(t)
        if self.occurrence(n) > t:
            return None
        while self.occurrence(n + 1) <= t:
            n += 1
        return self.occurrence(n), n


def _time_of_day(text: str | None) -> time:
    """``ScheduleExecutionStartTime`` (xs:time): UTC unless it carries an offset."""
    if text is None:
        return time(0, 0, tzinfo=UTC)
    raw = text.strip()
    try:
        value = time.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise x.BodyValueError(f"ScheduleExecutionStartTime is not a time: {raw!r}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _timetable(stored: st.StoredSchedule) -> Timetable:
    return Timetable(
        stored.frequency, stored.start_date, stored.end_date, _time_of_day(stored.execution_time)
    )


# --- the wrapped request ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Definition:
    """What ``CreateSchedule`` asks for, read from its body."""

    frequency: str
    start: date
    end: date | None
    execution_time: str | None
    variant: str
    device: Eui64
    dsp_body: etree._Element
    ka_credential: str | None

    @property
    def timetable(self) -> Timetable:
        return Timetable(self.frequency, self.start, self.end, _time_of_day(self.execution_time))


def _definition(body: etree._Element) -> _Definition:
    """Read a ``CreateSchedule`` (or a stored copy of one); raises ScheduleRefusalError or
    BodyValueError (answered E050101)."""
    frequency = x.text(body, "ScheduleFrequency")
    if frequency not in _DAYS and frequency not in _MONTHS:
        raise ScheduleRefusalError("E050101", f"unknown ScheduleFrequency {frequency!r}")
    start = x.day(body, "ScheduleStartDate")
    end = x.day(body, "ScheduleEndDate") if x.child(body, "ScheduleEndDate") is not None else None
    if end is not None and end < start:
        raise ScheduleRefusalError("E050102", f"ScheduleEndDate {end} is before the start {start}")
    execution_time = x.optional_text(body, "ScheduleExecutionStartTime")
    _time_of_day(execution_time)
    reference = x.text(body, "DSPScheduledServiceReference")
    variant = x.text(body, "DSPScheduledServiceReferenceVariant")
    device_text = x.text(body, "DeviceID")
    try:
        device = Eui64.parse(device_text)
    except ValueError:
        raise x.BodyValueError(f"DeviceID is not an EUI-64: {device_text!r}") from None
    dsp_body = next(
        (c for c in body if isinstance(c.tag, str) and etree.QName(c).localname in SCHEDULABLE),
        None,
    )
    if dsp_body is None:
        raise ScheduleRefusalError("E050103", "CreateSchedule holds no schedulable request body")
    name = etree.QName(dsp_body).localname
    wrapped = service_reference_variant(variant)
    if SCHEDULABLE[name] != variant or wrapped is None:
        raise ScheduleRefusalError(
            "E050103", f"{name} is the body of {SCHEDULABLE[name]}, not of {variant}"
        )
    if wrapped.service_reference != reference:
        raise ScheduleRefusalError(
            "E050103", f"{variant} belongs to service reference {wrapped.service_reference}"
        )
    ka = x.optional_text(body, "KAPublicSecurityCredential")
    if ka is not None and variant not in _URP_CAPABLE:
        raise ScheduleRefusalError(
            "E050103", f"{variant} takes no KAPublicSecurityCredential (no encrypted Response)"
        )
    return _Definition(frequency, start, end, execution_time, variant, device, dsp_body, ka)


def _offset_time(day: date, dsp_body: etree._Element, offset: str, at: str) -> str:
    days = x.integer(dsp_body, offset, low=-400, high=0)
    moment = datetime.combine(day + timedelta(days=days), _time_of_day(x.text(dsp_body, at)))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wrapped_request(
    definition: _Definition, owner: Eui64, counter: int, occurrence: datetime
) -> ServiceRequest:
    """The Service Request the DCC runs at ``occurrence``: the wrapped variant, Command
    Variant 1, read-log periods resolved against the occurrence's day."""
    srv = service_reference_variant(definition.variant)
    assert srv is not None
    children: list[etree._Element] = []
    if x.child(definition.dsp_body, "StartDateOffset") is not None:
        day = occurrence.date()
        children.append(
            build.sr(
                "ReadLogPeriod",
                children=[
                    build.sr(
                        "StartDateTime",
                        _offset_time(day, definition.dsp_body, "StartDateOffset", "StartTime"),
                    ),
                    build.sr(
                        "EndDateTime",
                        _offset_time(day, definition.dsp_body, "EndDateOffset", "EndTime"),
                    ),
                ],
            )
        )
    if definition.ka_credential is not None:
        children.append(build.sr("KAPublicSecurityCredentials", definition.ka_credential))
    header = RequestHeader(
        RequestId(owner, definition.device, counter),
        CommandVariant.NON_CRITICAL_SM_WAN,
        srv.service_reference,
        srv,
    )
    root = build.request_document(header, build.sr(srv.body_element, children=children))
    parsed = request_from_root(root)
    if not isinstance(parsed, ServiceRequest):  # pragma: no cover - built above
        raise x.BodyValueError(f"the scheduled request cannot be built: {parsed}")
    return parsed


def _clean(element: etree._Element) -> etree._Element:
    """A copy of ``element`` without comments, processing instructions or whitespace."""
    children = [_clean(c) for c in element if isinstance(c.tag, str)]
    text = None if children else (element.text or "").strip()
    return build.sr(etree.QName(element).localname, text, children=children)


# --- the service -------------------------------------------------------------------------


class ScheduleService:
    """5.1 to 5.3 for ``NonDeviceService`` and the scheduler's ``TimedWork``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pipeline: Pipeline | None = None
        self.submit: Callable[[Accepted], None] | None = None
        self.wake: Callable[[], None] = lambda: None
        self._issued: dict[str, int] = {}
        self.signer: ResponseSigner | None = None
        self.deliverer: Any = None

    def attach(
        self,
        pipeline: Pipeline,
        submit: Callable[[Accepted], None],
        wake: Callable[[], None],
        *,
        signer: ResponseSigner | None = None,
        deliverer: Any = None,
    ) -> None:
        """Connect to the pipeline (its checks, transform and counters) and the processor,
        and to the signer and deliverer that carry the schedules' DCC Alerts."""
        self.pipeline = pipeline
        self.submit = submit
        self.wake = wake
        self.signer = signer
        self.deliverer = deliverer

    def handlers(
        self,
    ) -> dict[
        str, Callable[[ServiceRequest, DccUser, datetime, RequestTrace], Awaitable[Answer | Change]]
    ]:
        """The entries for ``NonDeviceService``'s handler table."""
        return {"5.1": self.create, "5.2": self.read, "5.3": self.delete}

    def schedule_of(self, request_row: int) -> int | None:
        return st.schedule_of_request(self.db.reader(), request_row)

    # --- checks shared by creation and every occurrence -----------------------------------

    def _check(
        self, definition: _Definition, user: DccUser | None, request: ServiceRequest, now: datetime
    ) -> tuple[Accepted, Any] | Refusal:
        """User roles for the wrapped variant (E1, E2, E3), the pipeline's Device checks
        (E19, E11, E5, E4, suspensions) and the transform; returns the request ready to
        send (row 0) and the transform's CommandSpec."""
        assert self.pipeline is not None
        srv = request.header.variant
        roles = resolve_roles(user, srv.eligible_roles, srv.code)
        if isinstance(roles, AccessRefusal):
            return Refusal(roles.code, roles.reason)
        assert user is not None
        checked = self.pipeline.device_checks(request, user, roles, now)
        if isinstance(checked, Ineligible):
            return checked.refusal
        spec = self.pipeline.transform(request, checked.device, checked.role, now)
        if isinstance(spec, Refusal):
            return spec
        return Accepted(0, request, checked.device, checked.role, b"", None), spec

    def _counter(self, owner: Eui64, now: datetime) -> int:
        assert self.pipeline is not None
        key = str(owner)
        last = max(self.pipeline.replay.last(key) or 0, self._issued.get(key, 0))
        counter = max(last + 1, int(now.timestamp() * 1000))
        self._issued[key] = counter
        return counter

    # --- 5.1 Create Schedule ------------------------------------------------------------------

    async def create(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        """DUIS 5.1: check the wrapped request as if sent now, store the schedule, answer I0
        with its DSPScheduleID. The schedule is stored in the same write job as the 5.1
        journal entry (a ``Change``): a crash leaves both or neither."""
        try:
            definition = _definition(request.body)
        except ScheduleRefusalError as refusal:
            return _code(refusal.code), None, str(refusal)
        first = definition.timetable.first_from(now)
        if first is None:
            return ResponseCode.E050102, None, "the schedule has no occurrence from now on"
        owner = user.eui
        probe = wrapped_request(definition, owner, request.header.request_id.counter, first)
        checked = self._check(definition, user, probe, now)
        if isinstance(checked, Refusal):
            return _code(checked.code), None, f"{definition.variant}: {checked.reason}"
        accepted, _spec = checked
        details = etree.tostring(_clean(request.body))
        event = trace.event(
            EventKind.SCHEDULED,
            now,
            None,
            variant=definition.variant,
            device=str(definition.device),
            frequency=definition.frequency,
            first=first.isoformat(),
        )

        def apply(conn: Any) -> Answer:
            """The limit checked, the schedule stored, in the request's own write job with
            its journal entry (``hub.change``): the User is answered for every schedule."""
            if st.count_for(conn, str(owner), str(definition.device)) >= MAX_PER_DEVICE:
                return (
                    ResponseCode.E050105,
                    None,
                    f"the User holds {MAX_PER_DEVICE} schedules for {definition.device} already",
                )
            schedule_id = st.insert_schedule(
                conn,
                owner=str(owner),
                device=str(definition.device),
                variant=definition.variant,
                role=accepted.role.value,
                frequency=definition.frequency,
                start_date=definition.start,
                end_date=definition.end,
                execution_time=definition.execution_time,
                details_xml=details,
                created_request_id=str(request.header.request_id),
                at=now,
                next_due=first,
            )
            append_events(conn, [event])
            return (
                ResponseCode.I0,
                build.dsp_schedule_id(schedule_id),
                f"schedule {schedule_id}: {definition.variant} {definition.frequency},"
                f" first {first}",
            )

        return Change(apply, lambda answer: self.wake())

    # --- 5.2 Read Schedule, 5.3 Delete Schedule ----------------------------------------------

    def _selected(self, body: etree._Element, user: DccUser) -> list[st.StoredSchedule] | str:
        """The User's schedules the body names, or why there are none."""
        conn = self.db.reader()
        node = x.child(body, "DSPScheduleID")
        if node is not None:
            schedule_id = x.integer(node, low=0, high=10**12)
            found = st.get(conn, schedule_id)
            if found is None or found.owner != str(user.eui):
                return f"the User has no schedule {schedule_id}"
            return [found]
        device_text = x.text(body, "DeviceID")
        try:
            device = Eui64.parse(device_text)
        except ValueError:
            raise x.BodyValueError(f"DeviceID is not an EUI-64: {device_text!r}") from None
        found_all = st.of_owner(conn, str(user.eui), str(device))
        if not found_all:
            return f"the User has no schedule for {device}"
        return found_all

    async def read(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer:
        """DUIS 5.2: the User's schedules as ``DSPSchedulesRead`` (at most 99)."""
        selected = self._selected(request.body, user)
        if isinstance(selected, str):
            by_id = x.child(request.body, "DSPScheduleID") is not None
            return (ResponseCode.E050201 if by_id else ResponseCode.E050202), None, selected
        entries = []
        for stored in selected[:MAX_PER_DEVICE]:
            details = etree.fromstring(stored.details_xml)
            entries.append(
                build.sr(
                    "DSPSchedules",
                    children=[
                        build.dsp_schedule_id(stored.schedule_id),
                        build.sr("DSPScheduleDetails", children=list(details)),
                    ],
                )
            )
        element = build.sr("DSPSchedulesRead", children=entries)
        return ResponseCode.I0, element, f"{len(entries)} schedules"

    async def delete(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        """DUIS 5.3: delete the User's schedule (or all of its schedules for a Device), in
        the request's own write job (``hub.change``)."""
        selected = self._selected(request.body, user)
        if isinstance(selected, str):
            by_id = x.child(request.body, "DSPScheduleID") is not None
            return (ResponseCode.E050301 if by_id else ResponseCode.E050302), None, selected
        ids = [s.schedule_id for s in selected]
        event = trace.event(EventKind.SCHEDULED, now, None, deleted=ids)

        def apply(conn: Any) -> Answer:
            count = st.delete(conn, ids, now)
            append_events(conn, [event])
            return ResponseCode.I0, None, f"{count} schedules deleted: {ids}"

        return Change(apply)

    # --- the scheduler's work --------------------------------------------------------------

    def next_due(self) -> datetime | None:
        return st.next_due(self.db.reader())

    async def run_due(self, now: datetime) -> None:
        """Run each schedule whose occurrence has come (once per period, see the module)."""
        for stored in st.due(self.db.reader(), now):
            try:
                await self._run(stored, now)
            except Exception:  # one schedule must not stop the others
                log.exception("schedule %s failed to run", stored.schedule_id)

    async def _run(self, stored: st.StoredSchedule, now: datetime) -> None:
        assert self.pipeline is not None and self.submit is not None
        assert stored.next_due is not None
        timetable = _timetable(stored)
        latest = timetable.latest_until(now)
        occurrence = latest[0] if latest is not None else stored.next_due
        following = timetable.first_from(now, inclusive=False)
        missed = 0
        if latest is not None:
            first = timetable.latest_until(stored.next_due)
            missed = max(0, latest[1] - (first[1] if first else 0))
        definition = _definition(etree.fromstring(stored.details_xml))
        owner = Eui64.parse(stored.owner)
        counter = self._counter(owner, now)
        request = wrapped_request(definition, owner, counter, occurrence)
        rid = request.header.request_id
        user = self.pipeline.estate.users.get_user(owner)
        checked = self._check(definition, user, request, now)
        command: bytes | None = None
        if not isinstance(checked, Refusal):
            try:
                command = self.pipeline.build_command(request, checked[1])
            except GbcsEncodeError as exc:
                checked = Refusal("E20", f"the Command cannot be built: {exc}")

        def event(kind: EventKind, code: str | None = None, **detail: Any) -> Event:
            return Event(
                kind,
                now,
                str(rid),
                stored.owner,
                stored.device,
                stored.variant,
                code,
                {"schedule_id": stored.schedule_id, "occurrence": occurrence.isoformat()}
                | ({"missed": missed} if missed else {})
                | detail,
            )

        raw = etree.tostring(request.root)
        expected = stored.next_due

        if isinstance(checked, Refusal) and self._ends(checked, definition):
            await self._remove(stored, expected, checked, event, now)
            return

        if isinstance(checked, Refusal):
            refused = event(EventKind.REFUSED, checked.code, reason=checked.reason)

            def skip(conn: Any) -> bool:
                if not st.advance(conn, stored.schedule_id, expected, following, now, ran=False):
                    return False
                append_events(conn, [refused])
                return True

            if await self.db.write(skip):
                log.info("schedule %s: occurrence skipped: %s", stored.schedule_id, checked)
            return

        accepted = checked[0]
        assert command is not None
        events = [
            event(EventKind.SCHEDULED, released=True),
            event(EventKind.AUTHORISED, role=accepted.role.value),
            event(EventKind.TRANSFORMED, use_case=checked[1].use_case),
            event(EventKind.ACCEPTED),
        ]

        def run(conn: Any) -> int | None:
            if not st.advance(conn, stored.schedule_id, expected, following, now, ran=True):
                return None
            row = jr.insert_request(
                conn,
                request_id=str(rid),
                originator=str(rid.originator),
                target=str(rid.target),
                counter=rid.counter,
                variant=stored.variant,
                command_variant=int(CommandVariant.NON_CRITICAL_SM_WAN),
                role=accepted.role.value,
                state=jr.RequestState.ACCEPTED,
                at=now,
                request_xml=raw,
                command=command,
            )
            st.record_run(conn, stored.schedule_id, occurrence, row)
            append_events(conn, events)
            return row

        row = await self.db.write(run)
        if row is None:
            return  # run meanwhile, or deleted
        accepted.row = row
        accepted.command = command
        accepted.schedule_id = stored.schedule_id
        self.submit(accepted)

    def _ends(self, refusal: Refusal, definition: _Definition) -> bool:
        """Whether ``refusal`` at an occurrence ends the schedule (``REMOVING``)."""
        if refusal.code in REMOVING:
            return True
        if refusal.code != "E5" or self.pipeline is None:
            return False
        device = self.pipeline.estate.inventory.get_device(definition.device)
        return device is None or device.status in _GONE

    async def _remove(
        self,
        stored: st.StoredSchedule,
        expected: datetime,
        refusal: Refusal,
        event: Callable[..., Event],
        now: datetime,
    ) -> None:
        """DUIS 5.1 (DCC Scheduled Services) and the DCC Alerts of DUIS clause 3.6.3: when
        the User may no longer have the schedule run, the DCC removes it and tells the
        User with a signed DCC Alert ``DSPScheduleRemoval{DeviceID, DSPScheduleID}``,
        delivered to its Receive Response Service like any alert. The removal, the alert's
        delivery row and the events are one write job: the alert is never lost, nor sent
        for a schedule that stays."""
        refused = event(EventKind.REFUSED, refusal.code, reason=refusal.reason, removed=True)
        body: bytes | None = None
        if self.signer is not None:
            alert = build.sr(
                "DSPScheduleRemoval",
                children=[
                    build.sr("DeviceID", stored.device),
                    build.dsp_schedule_id(stored.schedule_id),
                ],
            )
            body = self.signer.dcc_alert(SCHEDULE_REMOVED, alert, now)
        alerted = Event(
            EventKind.DCC_ALERT,
            now,
            None,
            stored.device,
            stored.owner,
            stored.variant,
            SCHEDULE_REMOVED.value,
            {"alert": "DSPScheduleRemoval", "schedule_id": stored.schedule_id},
        )

        def remove(conn: Any) -> int | None:
            if not st.remove(conn, stored.schedule_id, expected, now):
                return None  # run or deleted meanwhile
            delivery = 0
            if body is not None:
                delivery = dv.insert_delivery(
                    conn,
                    recipient=stored.owner,
                    kind=dv.DeliveryKind.DCC_ALERT,
                    body=body,
                    at=now,
                )
            append_events(conn, [refused, alerted] if body is not None else [refused])
            return delivery

        delivery_id = await self.db.write(remove)
        if delivery_id is None:
            return
        log.info("schedule %s removed: %s", stored.schedule_id, refusal)
        if body is not None and delivery_id and self.deliverer is not None:
            self.deliverer.enqueue(delivery_id, stored.owner, body)


def command_failure_alert(
    signer: ResponseSigner, request_id: str, schedule_id: int, device: str, at: datetime
) -> bytes:
    """The signed DCC Alert ``CommandFailure{CommandRequestID, DSPScheduleID, DeviceID}``
    the DCC sends instead of an error Response when the Command of a schedule's
    occurrence fails (E20 unreachable, E21 no response): the User did not send that
    request, and the alert names the schedule it was run for (DUIS clause 3.6.3)."""
    alert = build.sr(
        "CommandFailure",
        children=[
            build.sr("CommandRequestID", request_id),
            build.dsp_schedule_id(schedule_id),
            build.sr("DeviceID", device),
        ],
    )
    return signer.dcc_alert(COMMAND_FAILED, alert, at)


def _code(code: str) -> ResponseCode:
    try:
        return ResponseCode(code)
    except ValueError:
        return ResponseCode.E050101
