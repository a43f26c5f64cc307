"""DUIS 8.13 Return Local Command Response: a Device's Response to a locally delivered Command.

A User that asked for a Command for local delivery (Command Variant 2 or 6: the hub
answered with ``LocalCommand``) carries it to the Device itself, over the HAN or an
optical port, and returns the Device's Response to the DCC with 8.13
(``ReturnLocalCommandResponse``: the optional ``OriginalRequestID`` and the
``DeviceGBCSResponse``). The DCC then treats it as it treats a Response received over the
SM WAN (DUIS Service Reference 8.13; SEC Section H3, Local Command Services): it checks
the Response, records it, acts on it, and answers the User with the Response.

The hub:

1. Decodes the Response (GBCS frame decode; a Response, CRA flag 2). Undecodable or not a
   Response: ``E081302``.
2. Correlates it with the outstanding local Command: the journal entry of
   ``OriginalRequestID``, or, without one, the entry of this User's Command Variant 2/6
   request to the Response's originator with the Response's counter. It must exist, be a
   local-delivery request (CV 2 or 6) and come from the same User: otherwise ``E081301``
   (another User's request is not disclosed: it is "not found" too).
3. Checks the Response answers that Command: originator and recipient swapped, the same
   originator counter and message code; then its MAC (with the Device's Key Agreement key
   and the Command originator's, as for a Response over the SM WAN) and, for a signed
   Response, the Device's signature. A mismatch or a check that fails: ``E081302``. A check
   that cannot run (a key the DCC does not hold) does not refuse: the event says so.
4. Refuses a Response already returned for that Command: ``E081303`` (replay).
5. Applies it, all or nothing (``hub.change``): the Response is stored against the
   original request (table ``local_responses``), whose trace gains ``device_responded``
   (local) and ``completed``; a successful CS06 Activate Firmware outcome, or an 11.2
   Read Firmware Version Response, updates the inventory's firmware version of the Device
   as over the SM WAN (``hub.firmware_learning``; SEC MP105: a Suspended Device whose
   version so changes returns to the status it held before its suspension). All of it
   is written in the same write job as this request's journal entry and events, so it
   commits together or not at all: a Response stored meanwhile by
   another 8.13 is ``E081303`` there too; a firmware version the inventory refuses, or a
   fault in any step, rolls everything back and is answered ``E081301`` (the variant's
   first code), and the same Response can be returned again. A successful 8.7 Join or 8.8
   Unjoin records or removes the HAN association in the inventory in the same transaction
   (``hub.joins``; a refusal there leaves the Response's record whole).
6. Answers I0 with the Device's Response as ``GBCSPayload``.

The variant codes' readings are opendcc's (docs/duis-errors.md).
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from lxml import etree

from opendcc.access.users import DccUser
from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.ids import RequestId
from opendcc.duis.messages import ServiceRequest
from opendcc.estate.records import EstateRefusal
from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError
from opendcc.gbcs.frame import GbcsMessage, decode_message, decode_message_with_body
from opendcc.gbcs.security import GbcsSecurity
from opendcc.hub import firmware_learning, joins
from opendcc.hub.change import Answer, Change, WriteSteps
from opendcc.hub.pipeline import RequestTrace
from opendcc.store import journal as jr
from opendcc.store.database import SchemaPart, register_schema
from opendcc.store.estate import SqliteEstate
from opendcc.store.events import Event, EventKind, append_events, to_us
from opendcc.store.inventory import FirmwareRecorded, WriteStep
from opendcc.transform import duisxml as x

LOCAL_VARIANTS: Final = frozenset({2, 6})
"""The Command Variants whose Command the User delivers locally."""

SCHEMA = register_schema(
    SchemaPart(
        "local-responses-1",
        """
        CREATE TABLE local_responses (
            original_request_id TEXT PRIMARY KEY,
            request_id TEXT NOT NULL,
            originator TEXT NOT NULL,
            at_us INTEGER NOT NULL,
            message_code INTEGER NOT NULL,
            response BLOB NOT NULL
        );
        """,
    )
)


@dataclass(frozen=True, slots=True)
class _RefusedError(Exception):
    code: ResponseCode
    reason: str


class LocalResponses:
    """The handler of 8.13."""

    def __init__(self, estate: SqliteEstate, security: GbcsSecurity | None = None) -> None:
        self.estate = estate
        self.security = security

    async def return_local_response(
        self, request: ServiceRequest, user: DccUser, now: datetime, trace: RequestTrace
    ) -> Answer | Change:
        body = request.body
        try:
            raw = base64.b64decode(x.text(body, "DeviceGBCSResponse"), validate=True)
            response, general_signing = decode_message_with_body(raw)
        except (binascii.Error, ValueError, GbcsDecodeError) as exc:
            return ResponseCode.E081302, None, f"DeviceGBCSResponse is no GBCS message: {exc}"
        if response.cra is not Cra.RESPONSE:
            return ResponseCode.E081302, None, f"DeviceGBCSResponse is a {response.cra.name}"
        try:
            entry = self._original(body, response, user)
            command = self._command_of(entry)
            checks = self._check(response, command, general_signing)
        except _RefusedError as refused:
            return refused.code, None, refused.reason
        if self._returned(entry.request_id):
            return (
                ResponseCode.E081303,
                None,
                f"the Response to {entry.request_id} was already returned",
            )
        returned = trace.event(
            EventKind.DEVICE_RESPONDED,
            now,
            None,
            original=entry.request_id,
            message_code=f"{response.message_code:04X}",
            **checks,
        )
        store = self._store(entry, request, response, raw, now, checks)
        learn = self._learn(entry, raw, trace, now)
        association = self._learned(entry, raw, request, now)
        steps = WriteSteps()
        content = build.sr("GBCSPayload", base64.b64encode(raw).decode("ascii"))

        def apply(conn: Any) -> Answer:
            """The Response stored against its Command, both traces' events and what the
            DCC learns from it, in the request's own write job (``hub.change``)."""
            if not store(conn):
                return (
                    ResponseCode.E081303,
                    None,
                    f"the Response to {entry.request_id} was already returned",
                )
            append_events(conn, [returned])
            if association is not None:
                association.run(conn)
            if learn is not None:
                learned = steps.run(learn, conn)
                if isinstance(learned, EstateRefusal):
                    return (
                        ResponseCode.E081301,
                        None,
                        f"the firmware the Response reports cannot be recorded: {learned.message}",
                    )
            return ResponseCode.I0, content, f"Response to {entry.request_id} returned"

        def committed(answer: Answer) -> None:
            steps.committed(answer)
            if association is not None:
                association.committed()

        return Change(apply, committed)

    # --- correlation and checks ------------------------------------------------------------

    def _original(
        self, body: etree._Element, response: GbcsMessage, user: DccUser
    ) -> jr.JournalEntry:
        conn = self.estate.db.reader()
        named = x.optional_text(body, "OriginalRequestID")
        if named is not None:
            try:
                request_id = RequestId.parse(named)
            except ValueError:
                raise _RefusedError(
                    ResponseCode.E081301, f"OriginalRequestID {named!r} is no RequestID"
                ) from None
            entry = jr.get_by_request_id(conn, str(request_id))
            label = str(request_id)
        else:
            entry = _by_response(conn, user.eui, response)
            label = f"{user.eui}:{response.originator}:{response.counter}"
        if (
            entry is None
            or entry.originator != str(user.eui)
            or entry.command_variant not in LOCAL_VARIANTS
        ):
            raise _RefusedError(
                ResponseCode.E081301,
                f"no Command of {user.eui} for local delivery matches {label}",
            )
        return entry

    @staticmethod
    def _command_of(entry: jr.JournalEntry) -> GbcsMessage:
        if entry.command is None:
            raise _RefusedError(ResponseCode.E081301, f"{entry.request_id} holds no Command")
        try:
            return decode_message(entry.command)
        except GbcsDecodeError as exc:  # pragma: no cover - the hub wrote it
            reason = f"the Command cannot be read: {exc}"
            raise _RefusedError(ResponseCode.E081301, reason) from None

    def _check(
        self, response: GbcsMessage, command: GbcsMessage, general_signing: bytes
    ) -> dict[str, Any]:
        mismatches = [
            what
            for what, ok in (
                ("originator", response.originator == command.recipient),
                ("recipient", response.recipient == command.originator),
                ("counter", response.counter == command.counter),
                ("message code", response.message_code == command.message_code),
            )
            if not ok
        ]
        if mismatches:
            raise _RefusedError(
                ResponseCode.E081302,
                f"the Response does not answer the Command (its {', '.join(mismatches)} differ)",
            )
        checks: dict[str, Any] = {}
        if self.security is None:
            return {"mac": "not checked", "signature": "not checked"}
        if response.mac_header:
            mac = self.security.verify_mac(response, general_signing)
            if mac.valid is False:
                raise _RefusedError(ResponseCode.E081302, f"the Response's MAC: {mac.detail}")
            checks["mac"] = "valid" if mac.valid else f"not checked: {mac.detail}"
        if response.signature is not None:
            signature = self.security.verify_signature(response)
            if signature.valid is False:
                raise _RefusedError(
                    ResponseCode.E081302, f"the Response's signature: {signature.detail}"
                )
            checks["signature"] = "valid" if signature.valid else f"not checked: {signature.detail}"
        return checks

    def _returned(self, original: str) -> bool:
        row = (
            self.estate.db.reader()
            .execute("SELECT 1 FROM local_responses WHERE original_request_id = ?", (original,))
            .fetchone()
        )
        return row is not None

    # --- applying it -----------------------------------------------------------------------

    @staticmethod
    def _store(
        entry: jr.JournalEntry,
        request: ServiceRequest,
        response: GbcsMessage,
        raw: bytes,
        now: datetime,
        checks: dict[str, Any],
    ) -> Callable[[sqlite3.Connection], bool]:
        """A write: store the Response against the original request and complete its
        trace; False if a Response to it already was (nothing written then)."""
        rid = str(request.header.request_id)
        events = [
            Event(
                kind,
                now,
                entry.request_id,
                entry.originator,
                entry.target,
                entry.variant,
                "I0",
                {"local": True, "returned_by": rid, **checks},
            )
            for kind in (EventKind.DEVICE_RESPONDED, EventKind.COMPLETED)
        ]

        def job(conn: sqlite3.Connection) -> bool:
            inserted = conn.execute(
                "INSERT INTO local_responses (original_request_id, request_id, originator,"
                " at_us, message_code, response) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (original_request_id) DO NOTHING",
                (entry.request_id, rid, entry.originator, to_us(now), response.message_code, raw),
            )
            if inserted.rowcount == 0:
                return False
            append_events(conn, events)
            return True

        return job

    def _learned(
        self, entry: jr.JournalEntry, raw: bytes, request: ServiceRequest, now: datetime
    ) -> joins.Recording | None:
        """The join or unjoin a locally delivered 8.7 / 8.8 Command's Response reports."""
        target = self.estate.inventory.get_device(Eui64.parse(entry.target))
        if target is None or entry.command is None:
            return None
        return joins.recording(
            entry.variant,
            target,
            entry.command,
            raw,
            self.estate.inventory,
            at=now,
            request_id=entry.request_id,
            originator=entry.originator,
            local=True,
            returned_by=str(request.header.request_id),
        )

    def _learn(
        self, entry: jr.JournalEntry, raw: bytes, trace: RequestTrace, now: datetime
    ) -> WriteStep[FirmwareRecorded | EstateRefusal] | None:
        """What the DCC takes from a Response, as an inventory write step: the firmware
        version a successful CS06 activated or an 11.2 read reports, read as over the SM
        WAN (``hub.firmware_learning``; SEC MP105: a Suspended Device whose version so
        changes is reinstated). None: nothing to learn."""
        report = firmware_learning.reported(raw)
        if report is None:
            return None
        device = Eui64.parse(entry.target)
        change = "firmware_activated_locally" if report.activated else "firmware_read_locally"
        event = trace.event(EventKind.INVENTORY_CHANGED, now, None)
        step = self.estate.inventory.record_firmware_step(
            device,
            report.version,
            now,
            entry.request_id,
            record=firmware_learning.recorder(event, report, change, local=True),
        )
        return None if isinstance(step, EstateRefusal) else step


def _by_response(conn: Any, user: Eui64, response: GbcsMessage) -> jr.JournalEntry | None:
    """The User's local-delivery request whose RequestID the Response's header gives."""
    request_id = RequestId(user, response.originator, response.counter)
    return jr.get_by_request_id(conn, str(request_id))
