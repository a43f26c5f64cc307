"""The DUIS pipeline: the one place that sequences a Service Request through its steps.

Receive -> parse -> schema (when configured) -> signature and originator -> Command Variant
and endpoint (E12, E13) -> replay -> User and role (E1, E2), User status (E3) -> [non-device
requests: answered here] -> Device exists (E19), type fits (E11), SMI status permits (E5)
-> registration for the Device's MPxN now (E4) -> SEC suspensions (E3) -> anomaly detection
hook -> transform to GBCS -> CV 4: Pre-Command returned; CV 5/6: the User's signed
Pre-Command checked; CV 1/5: persisted, I99, processed asynchronously; CV 2/6: LocalCommand.

Every step appends an event; a refusal is answered as ``refusals`` says. A request is written
to the journal (with its replay counter) before its I99 or Pre-Command leaves, in one write
job with its events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opendcc.access.eligibility import Refusal as AccessRefusal
from opendcc.access.eligibility import (
    check_registration,
    registration_instant,
    resolve_roles,
)
from opendcc.access.roles import remote_party_role_of
from opendcc.access.users import DccUser
from opendcc.api.duis_http import HttpAnswer, plain
from opendcc.clock import Clock
from opendcc.duis.codes import ResponseCode
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.command_variant import ServiceEndpoint as Endpoint
from opendcc.duis.errors import DuisError, DuisErrorKind
from opendcc.duis.messages import ServiceRequest, check_request, parse_request
from opendcc.duis.parsing import DEFAULT_LIMITS, ParseLimits
from opendcc.duis.schema import DuisSchema
from opendcc.duis.signature import SignatureFailure, SignatureVerifier
from opendcc.eui import Eui64
from opendcc.gbcs import build as gbcs_build
from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.hub.refusals import HttpRefusal, Refusal
from opendcc.hub.responses import ResponseSigner
from opendcc.inventory.model import Device
from opendcc.inventory.request_rules import status_permits
from opendcc.roles import UserRole
from opendcc.sec.parties import PartyId
from opendcc.sec.suspension_gate import RequestRefused, SuspensionGate
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from opendcc.store import journal as jr
from opendcc.store.database import Database
from opendcc.store.estate import SqliteEstate
from opendcc.store.events import Event, EventKind, append_events
from opendcc.transform import registry as transforms
from opendcc.transform.applicability import applies_to

log = logging.getLogger("opendcc.hub")

_CANCELLATION_YEAR = 3000

TOP_UP_VARIANT = "2.2"
TOP_UP_COUNTERS = "/top-up"


def replay_key(request: ServiceRequest) -> str:
    """Whose counters a request's RequestID counter is checked against (DUIS replay check).

    2.2 Top Up Device is the exception: its RequestID counter is the UTRN counter (GBCS
    14.2-14.3, CS01a/CS01b: the Device takes the full counter from the Command and checks it
    against the top-up counters it keeps apart from the Command counter; RTDS shows
    ``3 * 2**32`` and ``6 * 2**32``), a multiple of 2**32 that jumps ahead of the time-based
    counters of the User's other requests. The hub keeps it apart too (opendcc's reading,
    docs/decisions.md, 5): top-ups must count up among themselves, and a top-up does not
    push the User's other counter decades ahead.
    """
    originator = str(request.header.request_id.originator)
    if request.header.variant.code == TOP_UP_VARIANT:
        return originator + TOP_UP_COUNTERS
    return originator


@dataclass(slots=True)
class Accepted:
    """A request persisted and acknowledged, handed to the processor."""

    row: int
    request: ServiceRequest
    device: Device
    role: UserRole
    command: bytes
    due_at: datetime | None
    schedule_id: int | None = None
    """Set when the DCC runs the request for a schedule (DUIS 5.1): answered as a
    ``DSPScheduledMessage``."""


@dataclass(frozen=True, slots=True)
class Eligible:
    """The Device checks passed: the Device and the User Role the request is made in."""

    device: Device
    role: UserRole


@dataclass(frozen=True, slots=True)
class Ineligible:
    """A Device check failed: the refusal, and details for the event."""

    refusal: Refusal
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RequestTrace:
    """The events of one request, written with its state (or alone, for a refusal)."""

    request_id: str | None = None
    originator: str | None = None
    target: str | None = None
    variant: str | None = None
    events: list[Event] = field(default_factory=list)

    def event(self, kind: EventKind, at: datetime, code: str | None = None, **detail: Any) -> Event:
        """An event of this request (not yet added)."""
        return Event(
            kind, at, self.request_id, self.originator, self.target, self.variant, code, detail
        )

    def add(self, kind: EventKind, at: datetime, code: str | None = None, **detail: Any) -> None:
        self.events.append(self.event(kind, at, code, **detail))


class NonDeviceHandler:
    """Answers CV 8 requests (``opendcc.hub.nondevice``); the pipeline only routes to it."""

    async def handle(
        self,
        request: ServiceRequest,
        user: DccUser,
        roles: tuple[UserRole, ...],
        now: datetime,
        trace: RequestTrace,
    ) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(slots=True)
class Pipeline:
    """Runs the steps; ``submit`` is the hub's ``DuisService.submit``."""

    db: Database
    clock: Clock
    estate: SqliteEstate
    verifier: SignatureVerifier
    keystore: Keystore
    security: GbcsSecurity
    signer: ResponseSigner
    suspensions: SuspensionGate
    replay: jr.ReplayGuard
    accept: Callable[[Accepted], None]
    """Hands an accepted request to the processor (after it is durable)."""
    nondevice: NonDeviceHandler | None = None
    schema: DuisSchema | None = None
    limits: ParseLimits = DEFAULT_LIMITS
    ready_flag: bool = False
    transform_inventory: transforms.InventoryView | None = None
    """What transforms see of the inventory (None: ``estate.inventory``); the hub gives
    them the inventory with its SMKI repository (``hub.smki_view``), for the Commands
    that carry another Device's certificate (8.7 method C joins)."""

    def ready(self) -> bool:
        return self.ready_flag

    # --- the steps ------------------------------------------------------------------------

    async def submit(self, endpoint: Endpoint, body: bytes) -> HttpAnswer:
        now = self.clock.now()
        trace = RequestTrace()
        parsed = parse_request(body, self.limits)
        if isinstance(parsed, DuisError):
            trace.add(EventKind.RECEIVED, now, endpoint=endpoint.value, bytes=len(body))
            return await self._http(HttpRefusal.MALFORMED, str(parsed), trace, now)
        header = parsed.header
        request_id = header.request_id
        trace.request_id = str(request_id)
        trace.originator = str(request_id.originator)
        trace.target = str(request_id.target)
        trace.variant = header.variant.code
        trace.add(EventKind.RECEIVED, now, endpoint=endpoint.value, bytes=len(body))
        if self.schema is not None:
            invalid = self.schema.validate(parsed.root)
            if invalid is not None:
                return await self._http(HttpRefusal.SCHEMA_INVALID, str(invalid), trace, now)
        verified = self.verifier.verify_request(parsed, now)
        if isinstance(verified, SignatureFailure):
            return await self._http(
                HttpRefusal.SIGNATURE,
                str(verified),
                trace,
                now,
                failure=verified.reason.name,
                serial=verified.serial,
            )
        trace.add(EventKind.SIGNATURE_VERIFIED, now, serial=verified.serial)

        matrix = check_request(parsed)
        cv = header.command_variant
        if matrix is not None:
            if matrix.kind is DuisErrorKind.COMMAND_VARIANT_NOT_ALLOWED:
                return await self._refuse(parsed, Refusal("E12", matrix.message), trace, now)
            return await self._http(HttpRefusal.MALFORMED, str(matrix), trace, now)
        if not cv.rule.dcc_boxed_supported:
            return await self._refuse(
                parsed,
                Refusal(
                    "E12", f"Command Variant {int(cv)} (local and SM WAN together) is not offered"
                ),
                trace,
                now,
            )
        if cv.endpoint is not endpoint:
            return await self._refuse(
                parsed,
                Refusal(
                    "E13",
                    f"Command Variant {int(cv)} is sent to {cv.endpoint.path}, not {endpoint.path}",
                ),
                trace,
                now,
            )

        held: jr.JournalEntry | None = None
        if cv.signed_pre_command:
            held = jr.get_by_request_id(self.db.reader(), str(request_id))
            if held is None or held.state is not jr.RequestState.AWAITING_SIGNATURE:
                return await self._http(
                    HttpRefusal.PRECOMMAND_MISMATCH,
                    "no Pre-Command awaits a signature for this RequestID",
                    trace,
                    now,
                )
        elif not self.replay.claim(replay_key(parsed), request_id.counter):
            last = self.replay.last(replay_key(parsed))
            return await self._http(
                HttpRefusal.REPLAY,
                f"RequestID counter {request_id.counter}"
                f" does not exceed {last}, the last accepted from "
                f"{request_id.originator}",
                trace,
                now,
                counter=request_id.counter,
                last=last,
            )

        user = self.estate.users.get_user(request_id.originator)
        roles = resolve_roles(user, header.variant.eligible_roles, header.variant.code)
        if isinstance(roles, AccessRefusal):
            return await self._refuse(parsed, Refusal(roles.code, roles.reason), trace, now)
        assert user is not None

        if cv is CommandVariant.NON_DEVICE:
            refused = await self._suspended(parsed, user, roles[0], now, trace)
            if refused is not None:
                return refused
            if self.nondevice is None:
                return await self._refuse(
                    parsed,
                    Refusal("E11", "non-device requests are not served by this hub"),
                    trace,
                    now,
                )
            return HttpAnswer(200, await self.nondevice.handle(parsed, user, roles, now, trace))

        checked = self.device_checks(parsed, user, roles, now)
        if isinstance(checked, Ineligible):
            return await self._refuse(parsed, checked.refusal, trace, now, **checked.detail)
        device, role = checked.device, checked.role
        trace.add(EventKind.AUTHORISED, now, role=role.value)
        # Threshold anomaly detection (SEC G6) plugs in here; nothing is quarantined yet.
        trace.add(EventKind.ANOMALY_CHECKED, now, passed=True)

        if held is not None:
            return await self._signed_pre_command(
                parsed, body, held, user, device, role, trace, now
            )
        return await self._transform(parsed, body, user, device, role, trace, now)

    def device_checks(
        self, request: ServiceRequest, user: DccUser, roles: tuple[UserRole, ...], now: datetime
    ) -> Eligible | Ineligible:
        """The checks of a device request once its User and roles are known: the Device is in
        the inventory (E19), the variant applies to its type (E11), its SMI status permits
        the variant (E5), registration data name the User for its MPxN now (E4), no SEC
        suspension covers the right (E3). Also run by DCC Scheduled Services (DUIS 5.1) at
        creation and at each occurrence."""
        header = request.header
        target = header.request_id.target
        device = self.estate.inventory.get_device(target)
        if device is None:
            return Ineligible(Refusal("E19", f"no Device {target} in the Smart Metering Inventory"))
        if not applies_to(header.variant.code, device.device_type):
            return Ineligible(
                Refusal(
                    "E11", f"{header.variant.code} does not apply to a {device.device_type.value}"
                )
            )
        not_permitted = status_permits(header.variant.code, device.status)
        if not_permitted is not None:
            return Ineligible(Refusal("E5", not_permitted))
        fuels = self.estate.inventory.fuels_by_mpxn(device)
        at = registration_instant(
            header.variant.code,
            request.execution_datetime,
            now,
            cancels=request.cancels_future_dated,
        )
        registrations = self.estate.registrations.registrations_for(fuels, at)
        role = check_registration(user, roles, device, fuels, registrations, at)
        if isinstance(role, AccessRefusal):
            return Ineligible(Refusal(role.code, role.reason))
        suspended = self._suspension(request, user, role, now)
        if suspended is not None:
            return suspended
        return Eligible(device, role)

    def _suspension(
        self, request: ServiceRequest, user: DccUser, role: UserRole, now: datetime
    ) -> Ineligible | None:
        """SEC M8.6: a right the Panel suspended is refused with E3, naming the suspension."""
        header = request.header
        suspended = self.suspensions.check(
            PartyId(user.party or str(user.eui)),
            header.variant.code,
            int(header.command_variant),
            role,
            now,
        )
        if not isinstance(suspended, RequestRefused):
            return None
        return Ineligible(
            Refusal(suspended.response_code, suspended.message),
            {
                "suspension": suspended.suspension_id,
                "clause": suspended.clause,
                "drafting": suspended.drafting,
            },
        )

    async def _suspended(
        self,
        request: ServiceRequest,
        user: DccUser,
        role: UserRole,
        now: datetime,
        trace: RequestTrace,
    ) -> HttpAnswer | None:
        found = self._suspension(request, user, role, now)
        if found is None:
            return None
        return await self._refuse(request, found.refusal, trace, now, **found.detail)

    # --- transform and the Command Variants -----------------------------------------------

    async def _transform(
        self,
        request: ServiceRequest,
        raw: bytes,
        user: DccUser,
        device: Device,
        role: UserRole,
        trace: RequestTrace,
        now: datetime,
    ) -> HttpAnswer:
        header = request.header
        request_id = header.request_id
        spec = self.transform(request, device, role, now)
        if isinstance(spec, Refusal):
            return await self._refuse(request, spec, trace, now)
        trace.add(
            EventKind.TRANSFORMED, now, use_case=spec.use_case, message_code=spec.message_code
        )
        try:
            built = transforms.build_command(
                spec,
                originator=request_id.originator,
                counter=request_id.counter,
                critical_variant=header.command_variant is CommandVariant.CRITICAL_TRANSFORM,
                security=self.security,
            )
        except GbcsEncodeError as exc:
            log.warning("cannot build the Command for %s: %s", request_id, exc)
            return await self._refuse(
                request, Refusal("E20", f"the Command cannot be built: {exc}"), trace, now
            )
        if built.pre_command:
            trace.add(EventKind.PRECOMMAND_ISSUED, now)
            answer = self.signer.pre_command(header, now, built.message)
            await self._journal(
                request,
                raw,
                role,
                jr.RequestState.AWAITING_SIGNATURE,
                now,
                trace,
                precommand=built.message,
            )
            return HttpAnswer(200, answer)
        return await self._dispatch(request, raw, device, role, built.message, trace, now)

    def transform(
        self, request: ServiceRequest, device: Device, role: UserRole, now: datetime
    ) -> transforms.CommandSpec | Refusal:
        """The GBCS Command the request transforms to (``opendcc.transform``), or the
        transform's refusal."""
        header = request.header
        request_id = header.request_id
        spec = transforms.transform(
            transforms.TransformInput(
                variant=header.variant.code,
                body=request.body,
                originator=request_id.originator,
                target=request_id.target,
                counter=request_id.counter,
                device=device,
                role=role,
                now=now,
                execution_at=request.execution_datetime,
                inventory=self.estate.inventory
                if self.transform_inventory is None
                else self.transform_inventory,
                dcc_counter=self._dcc_counters(now),
            )
        )
        if isinstance(spec, transforms.TransformRefusal):
            return Refusal(spec.code, spec.reason)
        return spec

    def build_command(self, request: ServiceRequest, spec: transforms.CommandSpec) -> bytes:
        """The GBCS Command of a non-critical request (MACed) or one a DCC party signs
        itself (``transforms.build_command``); raises ``GbcsEncodeError`` when it cannot be
        built."""
        request_id = request.header.request_id
        return transforms.build_command(
            spec,
            originator=request_id.originator,
            counter=request_id.counter,
            critical_variant=False,
            security=self.security,
        ).message

    def _dcc_counters(self, now: datetime) -> Callable[[Eui64], int]:
        """The originator-counter allocator of one transform: each DCC party's next own
        counter, allocated on first use and the same on every later call (the payload's
        invoke id and the header must agree)."""
        given: dict[Eui64, int] = {}

        def allocate(party: Eui64) -> int:
            counter = given.get(party)
            if counter is None:
                counter = given[party] = self.replay.next_own(str(party), now)
            return counter

        return allocate

    async def _signed_pre_command(
        self,
        request: ServiceRequest,
        raw: bytes,
        held: jr.JournalEntry,
        user: DccUser,
        device: Device,
        role: UserRole,
        trace: RequestTrace,
        now: datetime,
    ) -> HttpAnswer:
        """CV 5/6: the User returns the Pre-Command it was given, signed (GBCS 6.2.4)."""
        signed = request.signed_pre_command()
        issued = held.precommand or b""
        try:
            message = decode_message(signed) if isinstance(signed, bytes) else None
            original = decode_message(issued)
        except GbcsDecodeError:
            message = None
        if message is None or message.signature is None:
            return await self._http(
                HttpRefusal.PRECOMMAND_MISMATCH,
                "SignedPreCommand does not hold a signed Pre-Command",
                trace,
                now,
            )
        if message.header != original.header or message.payload != original.payload:
            return await self._http(
                HttpRefusal.PRECOMMAND_MISMATCH,
                "the signed Pre-Command is not the one issued for this RequestID",
                trace,
                now,
            )
        signers = self.keystore.find(
            user.eui, KeyUsage.DIGITAL_SIGNING, roles=[remote_party_role_of(role)]
        )
        if not any(
            e.record is not None
            and gbcs_build.verify_pre_command_signature(
                issued, message.signature, e.record.certificate
            )
            for e in signers
        ):
            return await self._http(
                HttpRefusal.PRECOMMAND_MISMATCH,
                f"the Pre-Command signature does not verify with a "
                f"{remote_party_role_of(role).name} certificate of "
                f"{user.eui}",
                trace,
                now,
            )
        command = gbcs_build.critical_command(issued, message.signature, self.security).encode()
        trace.add(EventKind.PRECOMMAND_SIGNED, now)
        return await self._dispatch(request, raw, device, role, command, trace, now, row=held.row)

    async def _dispatch(
        self,
        request: ServiceRequest,
        raw: bytes,
        device: Device,
        role: UserRole,
        command: bytes,
        trace: RequestTrace,
        now: datetime,
        row: int | None = None,
    ) -> HttpAnswer:
        header = request.header
        if header.command_variant.rule.local_delivery:
            answer = self.signer.local_command(header, now, command)
            trace.add(EventKind.SYNC_RESPONSE, now, code="I0", local=True)
            await self._journal(
                request,
                raw,
                role,
                jr.RequestState.COMPLETED,
                now,
                trace,
                command=command,
                row=row,
                response_code="I0",
            )
            return HttpAnswer(200, answer)
        due = request.execution_datetime
        due_at = (
            due
            if due is not None
            and due > now
            and due.year < _CANCELLATION_YEAR
            and (header.variant.future_dated.value in ("DSP", "DSP & Device"))
            else None
        )
        answer = self.signer.acknowledgement(header, ResponseCode.I99, now)
        trace.add(EventKind.ACCEPTED, now, code="I99", held_until=due_at)
        new_row = await self._journal(
            request,
            raw,
            role,
            jr.RequestState.ACCEPTED,
            now,
            trace,
            command=command,
            row=row,
            due_at=due_at,
        )
        self.accept(Accepted(new_row, request, device, role, command, due_at))
        return HttpAnswer(200, answer)

    # --- persistence -------------------------------------------------------------------------

    async def _journal(
        self,
        request: ServiceRequest,
        raw: bytes,
        role: UserRole | None,
        state: jr.RequestState,
        now: datetime,
        trace: RequestTrace,
        *,
        precommand: bytes | None = None,
        command: bytes | None = None,
        row: int | None = None,
        due_at: datetime | None = None,
        response_code: str | None = None,
    ) -> int:
        """Write the request (or, for a signed Pre-Command, advance it) with its events.

        A new request is inserted in ``state`` with its replay counter; a CV 5/6 request
        advances the entry its CV 4 created. COMPLETED (local delivery) and HELD
        (DSP-held future-dated) are reached by the lifecycle table's own steps.
        """
        header = request.header
        rid = header.request_id
        events = list(trace.events)
        initial = jr.RequestState.ACCEPTED if state is jr.RequestState.COMPLETED else state
        request_text = str(rid)

        def job(conn: Any) -> int:
            if row is None:
                entry = jr.insert_request(
                    conn,
                    request_id=request_text,
                    originator=str(rid.originator),
                    target=str(rid.target),
                    counter=rid.counter,
                    variant=header.variant.code,
                    command_variant=int(header.command_variant),
                    role=role.value if role else None,
                    state=initial,
                    at=now,
                    request_xml=raw,
                    precommand=precommand,
                    command=command,
                )
                jr.record_counter(conn, replay_key(request), rid.counter)
            else:
                entry = row
                jr.advance(conn, entry, jr.Step.SIGNED, now, command=command)
                # The entry now stands for the signed Pre-Command's variant (5, 6 or 7):
                # 8.13 looks for a CV 6 entry to return a local Response to.
                conn.execute(
                    "UPDATE requests SET command_variant = ? WHERE id = ?",
                    (int(header.command_variant), entry),
                )
            if state is jr.RequestState.COMPLETED:
                jr.advance(conn, entry, jr.Step.RESPONDED, now, response_code=response_code)
                jr.advance(conn, entry, jr.Step.DELIVERED, now)
            elif due_at is not None:
                jr.advance(conn, entry, jr.Step.HELD, now, due_at=due_at)
            append_events(conn, events, request_id=request_text, journal_row=entry)
            return entry

        return await self.db.write(job)

    # --- refusals -----------------------------------------------------------------------------

    async def _refuse(
        self,
        request: ServiceRequest,
        refusal: Refusal,
        trace: RequestTrace,
        now: datetime,
        **detail: Any,
    ) -> HttpAnswer:
        trace.add(EventKind.REFUSED, now, refusal.code, reason=refusal.reason, **detail)
        try:
            code = ResponseCode(refusal.code)
        except ValueError:
            code = ResponseCode.E11
        answer = self.signer.acknowledgement(request.header, code, now)
        await self._log(trace, replay_key(request), request.header.request_id.counter)
        return HttpAnswer(200, answer)

    async def _http(
        self, refusal: HttpRefusal, reason: str, trace: RequestTrace, now: datetime, **detail: Any
    ) -> HttpAnswer:
        trace.add(refusal.event, now, str(refusal.status), reason=reason, **detail)
        await self._log(trace, None, None)
        return plain(refusal.status, reason)

    async def _log(self, trace: RequestTrace, key: str | None, counter: int | None) -> None:
        events = list(trace.events)

        def job(conn: Any) -> None:
            append_events(conn, events)
            if key is not None and counter is not None:
                jr.record_counter(conn, key, counter)

        await self.db.write(job)
