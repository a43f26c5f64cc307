"""The SEC rules on the hub's own data: suspensions recorded and enforced, the supplier
security report read from the inventory, the keystore and the event log.

Suspensions: the Events of Default, the Panel's decisions and the liftings are kept as an
append-only log (``sec_actions``) and replayed into ``opendcc.sec``'s register at start-up,
so every decision is re-judged by the same rules (the M8.6 drafting in force, the Authority's
approval) and the suspension gate the pipeline consults always agrees with the log.

Security report (chapter 7): the event log's kinds map onto the SEC's Indicator kinds:
signature failures (a revoked certificate's among them), replayed counters, eligibility
refusals (E1, E2, E4), Device alerts (tamper codes), and each verified signature as a use of
a credential (so a credential used after its revocation shows up).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opendcc.eui import Eui64
from opendcc.inventory.model import MarketRole
from opendcc.roles import UserRole
from opendcc.sec.events_of_default import (
    AuthorityApproval,
    EventOfDefault,
    EventOfDefaultRegister,
    InMemorySuspensionRepository,
    SuspendedRight,
    Suspension,
    SuspensionDecision,
)
from opendcc.sec.outcome import Refusal
from opendcc.sec.parties import PartyId
from opendcc.sec.services import ServiceCategory
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from opendcc.store.database import Database, SchemaPart, register_schema
from opendcc.store.estate import SqliteEstate
from opendcc.store.events import EventKind, StoredEvent, events_between

SCHEMA = register_schema(
    SchemaPart(
        "sec-actions-1",
        """
    CREATE TABLE sec_actions (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TRIGGER sec_actions_append_only BEFORE UPDATE ON sec_actions
        BEGIN SELECT RAISE(ABORT, 'the SEC action log is append-only'); END;
""",
    )
)


class Suspensions:
    """The register of Events of Default and suspensions, persisted as its inputs."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.repository = InMemorySuspensionRepository()
        self.register = EventOfDefaultRegister(self.repository)
        for kind, body in db.reader().execute("SELECT kind, body FROM sec_actions ORDER BY seq"):
            self._apply(kind, json.loads(body))

    def _apply(self, kind: str, body: dict[str, Any]) -> Any:
        if kind == "event_of_default":
            return self.register.record_event_of_default(event_of_default(body))
        if kind == "suspension":
            return self.register.decide_suspension(decision(body))
        if kind == "lift":
            return self.register.lift(
                body["suspension_id"], _time(body["at"]), body.get("reason", "")
            )
        raise ValueError(f"unknown SEC action {kind!r}")

    async def record(self, kind: str, body: dict[str, Any]) -> Any:
        """Apply an action; when the rules accept it, append it to the log."""
        outcome = self._apply(kind, body)
        if not isinstance(outcome, Refusal):
            text = json.dumps(body, sort_keys=True)
            await self.db.write(
                lambda c: c.execute(
                    "INSERT INTO sec_actions (kind, body) VALUES (?, ?)", (kind, text)
                )
            )
        return outcome

    def all(self, party: PartyId | None = None) -> list[Suspension]:
        return list(self.repository.suspensions(party))


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} needs a time zone")
    return value


def event_of_default(body: dict[str, Any]) -> EventOfDefault:
    return EventOfDefault(
        event_id=str(body["event_id"]),
        party=PartyId(str(body["party"])),
        occurred_at=_time(body["occurred_at"]),
        recorded_at=_time(body.get("recorded_at") or body["occurred_at"]),
        description=str(body.get("description", "")),
    )


def decision(body: dict[str, Any]) -> SuspensionDecision:
    approval = body.get("approval")
    return SuspensionDecision(
        suspension_id=str(body["suspension_id"]),
        party=PartyId(str(body["party"])),
        event_of_default_id=str(body["event_of_default_id"]),
        rights=tuple(
            SuspendedRight(
                ServiceCategory(r["service"]), frozenset(UserRole.parse(x) for x in r["roles"])
            )
            for r in body["rights"]
        ),
        decided_at=_time(body["decided_at"]),
        effective_from=_time(body.get("effective_from") or body["decided_at"]),
        approval=None
        if not approval
        else AuthorityApproval(str(approval["reference"]), _time(approval["approved_at"])),
        panel_reference=str(body.get("panel_reference", "")),
    )


# --- the security report's inputs ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Device:
    device_id: Eui64
    device_type: str
    smi_status: str | None
    registered_supplier: Eui64 | None
    provided_by: Eui64 | None
    provided_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Identity:
    user_id: Eui64
    party: PartyId
    roles: frozenset[UserRole]


@dataclass(frozen=True, slots=True)
class _SecurityEvent:
    event_id: str
    at: datetime
    kind: str
    originator: Eui64 | None
    device: Eui64 | None
    alert_code: int | None
    response_code: str | None
    certificate_serial: int | None
    token_id: str | None
    detail: str


_ELIGIBILITY_CODES = frozenset({"E1", "E2", "E4"})


def security_inputs(
    estate: SqliteEstate,
    keystore: Keystore,
    supplier: Eui64,
    at: datetime,
    since: datetime | None = None,
) -> dict[str, Any]:
    """The arguments of ``opendcc.sec.compromise.security_report`` for ``supplier``."""
    users = estate.users.list_users()
    party = next((u.party for u in users if u.eui == supplier), None) or str(supplier)
    identities = [
        _Identity(u.eui, PartyId(u.party or str(u.eui)), u.roles)
        for u in users
        if (u.party or str(u.eui)) == party
    ]
    euis = {i.user_id for i in identities}
    devices = list(_devices(estate, euis, at))
    credentials = [r for e in euis for usage in KeyUsage for r in keystore.for_eui(e, usage)]
    events = list(_events(estate.db, at, since))
    return {
        "supplier": supplier,
        "at": at,
        "devices": devices,
        "identities": identities,
        "credentials": credentials,
        "events": events,
        "since": since,
    }


def _devices(estate: SqliteEstate, suppliers: set[Eui64], at: datetime) -> Iterator[_Device]:
    seen: set[Eui64] = set()
    for supplier in suppliers:
        for registration in estate.registrations.for_party(supplier):
            if registration.role is not MarketRole.SUPPLIER or not registration.in_force(at):
                continue
            for details in estate.inventory.devices_for_mpxn(registration.mpxn):
                device = details.device
                if device.device_id in seen:
                    continue
                seen.add(device.device_id)
                yield _Device(
                    device.device_id,
                    device.device_type.value,
                    device.status.value,
                    supplier,
                    supplier,
                    details.installed_at or details.added_at,
                )


def _events(db: Database, at: datetime, since: datetime | None) -> Iterator[_SecurityEvent]:
    kinds = [
        EventKind.SIGNATURE_FAILED,
        EventKind.REPLAY_REJECTED,
        EventKind.REFUSED,
        EventKind.DEVICE_ALERT,
        EventKind.SIGNATURE_VERIFIED,
    ]
    start = since or at - timedelta(days=3650)
    after = 0
    while True:
        batch = events_between(
            db.reader(),
            start,
            at + timedelta(microseconds=1),
            kinds=kinds,
            limit=5000,
            after_seq=after,
        )
        for stored in batch:
            mapped = _security_event(stored)
            if mapped is not None:
                yield mapped
        if len(batch) < 5000:
            return
        after = batch[-1].seq


def _eui(text: str | None) -> Eui64 | None:
    try:
        return Eui64.parse(text) if text else None
    except ValueError:
        return None


def _security_event(stored: StoredEvent) -> _SecurityEvent | None:
    e = stored.event
    detail = dict(e.detail)
    serial = detail.get("serial")
    serial = int(serial) if isinstance(serial, int | str) and str(serial).isdigit() else None
    kind: str | None = None
    alert = None
    if e.kind is EventKind.SIGNATURE_FAILED:
        kind = (
            "revoked_credential_used" if detail.get("failure") == "REVOKED" else "signature_failure"
        )
    elif e.kind is EventKind.REPLAY_REJECTED:
        kind = "replayed_counter"
    elif e.kind is EventKind.REFUSED and e.code in _ELIGIBILITY_CODES:
        kind = "eligibility_refusal"
    elif e.kind is EventKind.DEVICE_ALERT:
        kind = "device_alert"
        alert = int(e.code, 16) if e.code else None
    elif e.kind is EventKind.SIGNATURE_VERIFIED:
        kind = "credential_used"
    if kind is None:
        return None
    device = _eui(e.originator) if e.kind is EventKind.DEVICE_ALERT else _eui(e.target)
    originator = None if e.kind is EventKind.DEVICE_ALERT else _eui(e.originator)
    return _SecurityEvent(
        str(stored.seq),
        e.at,
        kind,
        originator,
        device,
        alert,
        e.code,
        serial,
        None,
        str(detail.get("reason", "")),
    )
