"""The append-only event log: every step of every request, every delivery attempt, every alert.

It is what the performance reports measure, what the SEC security report reads for
Indicators of Compromise, what the admin API shows as a request's trace, and what recovery
consults. Events are appended inside the same transaction as the state change they
record (``append_events`` is called from within a ``Database`` write job), so the log and
the state never disagree. Rows are never updated or deleted.

Finding a request's events (schema part ``events-2``). Appending must touch few pages: a
group commit carries the events of several requests, and an index keyed by the RequestID
(which sorts by originator, then target Device) put every request's events on a leaf of
its own, 23 of the 77 pages a commit wrote under load (docs/benchmarks.md). So an event of
a journalled request records the journal's row (``requests.id``, which grows with time) in
``request_row``, and only that is indexed: a commit's events land on the last leaf or two.
Events of a RequestID with no journal row when they were written (refused before it was
journalled, and every event written before ``events-2``) keep an index on the RequestID,
which holds only them. A trace is both: the journal row's events and the unjournalled ones.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from opendcc.store.database import SchemaPart, register_schema


class EventKind(enum.StrEnum):
    """What happened. Refusals carry their DUIS response code in ``Event.code``."""

    RECEIVED = "received"
    MALFORMED = "malformed"
    SCHEMA_INVALID = "schema_invalid"
    SIGNATURE_FAILED = "signature_failed"
    SIGNATURE_VERIFIED = "signature_verified"
    REPLAY_REJECTED = "replay_rejected"
    REFUSED = "refused"
    AUTHORISED = "authorised"
    ANOMALY_CHECKED = "anomaly_checked"
    TRANSFORMED = "transformed"
    PRECOMMAND_ISSUED = "precommand_issued"
    PRECOMMAND_SIGNED = "precommand_signed"
    PRECOMMAND_SIGNATURE_FAILED = "precommand_signature_failed"
    ACCEPTED = "accepted"
    """Persisted and acknowledged with I99."""
    SYNC_RESPONSE = "sync_response"
    SCHEDULED = "scheduled"
    """Held by the DCC until a future execution time (DSP future-dated, DCC scheduled)."""
    COMMAND_SENT = "command_sent"
    DEVICE_RESPONDED = "device_responded"
    DEVICE_UNREACHABLE = "device_unreachable"
    DEVICE_NO_RESPONSE = "device_no_response"
    DEVICE_ALERT = "device_alert"
    DCC_ALERT = "dcc_alert"
    RESPONSE_QUEUED = "response_queued"
    DELIVERY_ATTEMPT = "delivery_attempt"
    DELIVERED = "delivered"
    DELIVERY_HELD = "delivery_held"
    DELIVERY_RELEASED = "delivery_released"
    DELIVERY_EXPIRED = "delivery_expired"
    DELIVERY_REJECTED = "delivery_rejected"
    COMPLETED = "completed"
    RECOVERED = "recovered"
    """Picked up again after a restart."""
    INVENTORY_CHANGED = "inventory_changed"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    at: datetime
    request_id: str | None = None
    originator: str | None = None
    target: str | None = None
    variant: str | None = None
    code: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    event: Event


SCHEMA = register_schema(
    SchemaPart(
        "events-1",
        """
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            at_us INTEGER NOT NULL,
            kind TEXT NOT NULL,
            request_id TEXT,
            originator TEXT,
            target TEXT,
            variant TEXT,
            code TEXT,
            detail TEXT
        );
        CREATE INDEX events_request ON events (request_id) WHERE request_id IS NOT NULL;
        CREATE INDEX events_at ON events (at_us);
        CREATE INDEX events_originator_at ON events (originator, at_us);
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        """,
    )
)

SCHEMA_ROWS = register_schema(
    SchemaPart(
        "events-2",
        """
        ALTER TABLE events ADD COLUMN request_row INTEGER;
        DROP INDEX events_request;
        CREATE INDEX events_request_row ON events (request_row)
            WHERE request_row IS NOT NULL;
        CREATE INDEX events_unjournalled ON events (request_id)
            WHERE request_row IS NULL AND request_id IS NOT NULL;
        """,
    )
)
"""Events keyed by their request's journal row (see the module's docstring). An existing
log upgrades in place: its events keep ``request_row`` NULL, so they are all found through
``events_unjournalled``, which the upgrade builds from them (one pass over the log, about
1.4 s per million events, once)."""

SCHEMA_PARTS = (SCHEMA, SCHEMA_ROWS)
"""The event log's schema parts, in order, for ``Database(path, parts=...)``. The
``requests`` table (``store.journal``) must be there too for ``append_events``."""

_INSERT = (
    "INSERT INTO events (at_us, kind, request_id, originator, target, variant, code, detail,"
    " request_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_JOURNAL_ROW = "SELECT id FROM requests WHERE request_id = ?"


def to_us(at: datetime) -> int:
    """Microseconds since the epoch (UTC); the log's time axis."""
    return int(at.timestamp() * 1_000_000)


def from_us(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def _json(detail: Mapping[str, Any]) -> str:
    """orjson for speed; the standard encoder when a value is beyond it (128-bit serials)."""
    try:
        return orjson.dumps(detail, default=str).decode()
    except TypeError:
        return json.dumps(detail, separators=(",", ":"), default=str)


def append_events(
    conn: sqlite3.Connection,
    events: Iterable[Event],
    *,
    request_id: str | None = None,
    journal_row: int | None = None,
) -> None:
    """Append ``events`` within the caller's transaction (inside a ``Database`` write job).

    The events of one step usually share their instant: it is converted once; and their
    RequestID, whose journal row (if it has one yet) is looked up once. A caller that knows
    the row (it has just written or advanced the entry) passes ``request_id`` and
    ``journal_row`` and saves the look-up. The kind is bound as itself (a ``StrEnum`` is
    stored as its text)."""
    rows = []
    last_at: datetime | None = None
    last_us = 0
    last_request: str | None = None
    row: int | None = None
    for e in events:
        if e.at is not last_at:
            last_at = e.at
            last_us = to_us(last_at)
        event_request = e.request_id
        if event_request != last_request:
            last_request = event_request
            if event_request is None:
                row = None
            elif event_request == request_id and journal_row is not None:
                row = journal_row
            else:
                found = conn.execute(_JOURNAL_ROW, (event_request,)).fetchone()
                row = None if found is None else found[0]
        detail = e.detail
        rows.append(
            (
                last_us,
                e.kind,
                e.request_id,
                e.originator,
                e.target,
                e.variant,
                e.code,
                _json(detail) if detail else None,
                row,
            )
        )
    conn.executemany(_INSERT, rows)


def _row_to_event(row: Sequence[Any]) -> StoredEvent:
    seq, at_us, kind, request_id, originator, target, variant, code, detail = row
    return StoredEvent(
        seq,
        Event(
            EventKind(kind),
            from_us(at_us),
            request_id,
            originator,
            target,
            variant,
            code,
            json.loads(detail) if detail else {},
        ),
    )


_SELECT = (
    "SELECT seq, at_us, kind, request_id, originator, target, variant, code, detail FROM events"
)


def events_for_request(conn: sqlite3.Connection, request_id: str) -> list[StoredEvent]:
    """Every event recorded with ``request_id``, oldest first (the admin API's trace).

    Those written while the request had a journal row are found by that row, the others
    (refused before journalling, written before ``events-2``) by the RequestID."""
    found = conn.execute(_JOURNAL_ROW, (request_id,)).fetchone()
    unjournalled = f"{_SELECT} WHERE request_id = ? AND request_row IS NULL"
    if found is None:
        rows = conn.execute(f"{unjournalled} ORDER BY seq", (request_id,))
    else:
        rows = conn.execute(
            f"{_SELECT} WHERE request_row = ? AND request_id = ?"
            f" UNION ALL {unjournalled} ORDER BY seq",
            (found[0], request_id, request_id),
        )
    return [_row_to_event(r) for r in rows]


def events_between(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    kinds: Iterable[EventKind] | None = None,
    originator: str | None = None,
    limit: int | None = None,
    after_seq: int = 0,
) -> list[StoredEvent]:
    """Events with ``start <= at < end``, oldest first, optionally filtered."""
    sql = f"{_SELECT} WHERE at_us >= ? AND at_us < ? AND seq > ?"
    params: list[Any] = [to_us(start), to_us(end), after_seq]
    if kinds is not None:
        kind_list = [k.value for k in kinds]
        sql += f" AND kind IN ({','.join('?' * len(kind_list))})"
        params += kind_list
    if originator is not None:
        sql += " AND originator = ?"
        params.append(originator)
    sql += " ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_row_to_event(r) for r in conn.execute(sql, params)]
