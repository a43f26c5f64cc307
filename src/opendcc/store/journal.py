"""The request journal: every Service Request the hub has accepted, and where it stands.

A request is written here before its I99 (or its Pre-Command) is returned, so an
acknowledged request survives a crash: on start-up the hub re-drives every entry that has
not reached a final state. The lifecycle is a table (``TRANSITIONS``), as the SMI statuses
are; ``advance`` refuses a transition the table lacks and names the missing row.

Lifecycle::

    (CV4) -> AWAITING_SIGNATURE --signed--> ACCEPTED
    (CV1, CV5) ----------------------------> ACCEPTED --held--> HELD --released--> ACCEPTED
    ACCEPTED --responded / failed--> RESPONDED --delivered--> COMPLETED
    (sync: CV2, CV6, CV8) --------------------------------------> COMPLETED
    HELD --cancelled--> COMPLETED;  AWAITING_SIGNATURE --expired--> COMPLETED

Counters are uint64 and SQLite integers are signed 64-bit, so counters are stored as
8-byte big-endian blobs, which compare in numeric order.
"""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from opendcc.store.database import SchemaPart, register_schema
from opendcc.store.events import from_us, to_us


class RequestState(enum.StrEnum):
    AWAITING_SIGNATURE = "awaiting_signature"
    ACCEPTED = "accepted"
    HELD = "held"
    RESPONDED = "responded"
    COMPLETED = "completed"

    @property
    def final(self) -> bool:
        return self is RequestState.COMPLETED


class Step(enum.StrEnum):
    SIGNED = "signed"
    HELD = "held"
    RELEASED = "released"
    RESPONDED = "responded"
    FAILED = "failed"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


R = RequestState
TRANSITIONS: Final[dict[tuple[RequestState, Step], RequestState]] = {
    (R.AWAITING_SIGNATURE, Step.SIGNED): R.ACCEPTED,
    (R.AWAITING_SIGNATURE, Step.EXPIRED): R.COMPLETED,
    (R.ACCEPTED, Step.HELD): R.HELD,
    (R.HELD, Step.RELEASED): R.ACCEPTED,
    (R.HELD, Step.CANCELLED): R.COMPLETED,
    (R.ACCEPTED, Step.RESPONDED): R.RESPONDED,
    (R.ACCEPTED, Step.FAILED): R.RESPONDED,
    (R.RESPONDED, Step.DELIVERED): R.COMPLETED,
}


class LifecycleError(RuntimeError):
    """A transition the lifecycle table does not allow (a programming error in the hub)."""


SCHEMA = register_schema(
    SchemaPart(
        "journal-1",
        """
        CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL UNIQUE,
            originator TEXT NOT NULL,
            target TEXT NOT NULL,
            counter BLOB NOT NULL,
            variant TEXT NOT NULL,
            command_variant INTEGER NOT NULL,
            role TEXT,
            state TEXT NOT NULL,
            received_us INTEGER NOT NULL,
            updated_us INTEGER NOT NULL,
            due_us INTEGER,
            request_xml BLOB NOT NULL,
            precommand BLOB,
            command BLOB,
            response_code TEXT
        );
        CREATE INDEX requests_open ON requests (state) WHERE state != 'completed';
        CREATE INDEX requests_due ON requests (due_us) WHERE state = 'held';
        CREATE INDEX requests_originator ON requests (originator, received_us);
        CREATE TABLE replay_counters (
            originator TEXT PRIMARY KEY,
            counter BLOB NOT NULL
        );
        """,
    )
)


def counter_blob(counter: int) -> bytes:
    return counter.to_bytes(8, "big")


@dataclass(frozen=True, slots=True)
class JournalEntry:
    row: int
    request_id: str
    originator: str
    target: str
    counter: int
    variant: str
    command_variant: int
    role: str | None
    state: RequestState
    received_at: datetime
    updated_at: datetime
    due_at: datetime | None
    request_xml: bytes
    precommand: bytes | None
    command: bytes | None
    response_code: str | None


_COLUMNS = (
    "id, request_id, originator, target, counter, variant, command_variant, role, state,"
    " received_us, updated_us, due_us, request_xml, precommand, command, response_code"
)


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    return JournalEntry(
        row=row[0],
        request_id=row[1],
        originator=row[2],
        target=row[3],
        counter=int.from_bytes(row[4], "big"),
        variant=row[5],
        command_variant=row[6],
        role=row[7],
        state=RequestState(row[8]),
        received_at=from_us(row[9]),
        updated_at=from_us(row[10]),
        due_at=from_us(row[11]) if row[11] is not None else None,
        request_xml=row[12],
        precommand=row[13],
        command=row[14],
        response_code=row[15],
    )


def insert_request(
    conn: sqlite3.Connection,
    *,
    request_id: str,
    originator: str,
    target: str,
    counter: int,
    variant: str,
    command_variant: int,
    role: str | None,
    state: RequestState,
    at: datetime,
    request_xml: bytes,
    due_at: datetime | None = None,
    precommand: bytes | None = None,
    command: bytes | None = None,
    response_code: str | None = None,
) -> int:
    """Insert a journal entry (inside a write job); returns its row id."""
    now = to_us(at)
    cursor = conn.execute(
        f"INSERT INTO requests ({_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?)",
        (
            request_id,
            originator,
            target,
            counter_blob(counter),
            variant,
            command_variant,
            role,
            state.value,
            now,
            now,
            to_us(due_at) if due_at else None,
            request_xml,
            precommand,
            command,
            response_code,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


_SOURCES: Final = {
    step: tuple(sorted({source.value for (source, s) in TRANSITIONS if s is step})) for step in Step
}
_ADVANCE: Final = {
    step: (
        "UPDATE requests SET state = CASE state "
        + " ".join(
            f"WHEN '{source.value}' THEN '{target.value}'"
            for (source, s), target in TRANSITIONS.items()
            if s is step
        )
        + " END, updated_us = ?, command = COALESCE(?, command),"
        " response_code = COALESCE(?, response_code), due_us = COALESCE(?, due_us)"
        f" WHERE id = ? AND state IN ({', '.join(repr(v) for v in _SOURCES[step])})"
        " RETURNING state"
    )
    for step in Step
}


def advance(
    conn: sqlite3.Connection,
    row: int,
    step: Step,
    at: datetime,
    *,
    command: bytes | None = None,
    response_code: str | None = None,
    due_at: datetime | None = None,
) -> RequestState:
    """Move entry ``row`` along the lifecycle table (inside a write job): one statement."""
    found = conn.execute(
        _ADVANCE[step],
        (to_us(at), command, response_code, to_us(due_at) if due_at else None, row),
    ).fetchone()
    if found is not None:
        return RequestState(found[0])
    current = conn.execute("SELECT state FROM requests WHERE id = ?", (row,)).fetchone()
    if current is None:
        raise LifecycleError(f"no journal entry {row}")
    raise LifecycleError(f"request {row} is {current[0]}: no transition for {step.value}")


def complete(
    conn: sqlite3.Connection, row: int, at: datetime
) -> tuple[str, str, str, str, str | None] | None:
    """RESPONDED -> COMPLETED once the response is delivered (or given up): one statement.

    Returns (request_id, originator, target, variant, response_code) when the entry moved,
    None when it was not RESPONDED (already completed, for example).
    """
    found = conn.execute(
        "UPDATE requests SET state = 'completed', updated_us = ? WHERE id = ?"
        " AND state = 'responded' RETURNING request_id, originator, target, variant,"
        " response_code",
        (to_us(at), row),
    ).fetchone()
    return None if found is None else (found[0], found[1], found[2], found[3], found[4])


def get_by_request_id(conn: sqlite3.Connection, request_id: str) -> JournalEntry | None:
    found = conn.execute(
        f"SELECT {_COLUMNS} FROM requests WHERE request_id = ?", (request_id,)
    ).fetchone()
    return _entry(found) if found else None


def get_by_row(conn: sqlite3.Connection, row: int) -> JournalEntry | None:
    found = conn.execute(f"SELECT {_COLUMNS} FROM requests WHERE id = ?", (row,)).fetchone()
    return _entry(found) if found else None


def open_entries(conn: sqlite3.Connection) -> list[JournalEntry]:
    """Every entry not yet COMPLETED, oldest first (what recovery re-drives)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM requests WHERE state != 'completed' ORDER BY id"
    ).fetchall()
    return [_entry(r) for r in rows]


def due_entries(conn: sqlite3.Connection, until: datetime) -> list[JournalEntry]:
    """HELD entries whose execution time has come."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM requests WHERE state = 'held' AND due_us <= ? ORDER BY due_us",
        (to_us(until),),
    ).fetchall()
    return [_entry(r) for r in rows]


def list_entries(
    conn: sqlite3.Connection,
    *,
    originator: str | None = None,
    target: str | None = None,
    state: RequestState | None = None,
    limit: int = 100,
    before_row: int | None = None,
) -> list[JournalEntry]:
    """Newest first, for the admin API's request traces."""
    sql = f"SELECT {_COLUMNS} FROM requests WHERE 1=1"
    params: list[Any] = []
    if originator is not None:
        sql += " AND originator = ?"
        params.append(originator)
    if target is not None:
        sql += " AND target = ?"
        params.append(target)
    if state is not None:
        sql += " AND state = ?"
        params.append(state.value)
    if before_row is not None:
        sql += " AND id < ?"
        params.append(before_row)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [_entry(r) for r in conn.execute(sql, params)]


# --- replay protection --------------------------------------------------------------------


def load_counters(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        originator: int.from_bytes(blob, "big")
        for originator, blob in conn.execute("SELECT originator, counter FROM replay_counters")
    }


def record_counter(conn: sqlite3.Connection, originator: str, counter: int) -> None:
    """Remember ``counter`` as the highest seen from ``originator`` (never lowers it)."""
    conn.execute(
        "INSERT INTO replay_counters (originator, counter) VALUES (?, ?)"
        " ON CONFLICT (originator) DO UPDATE SET counter = excluded.counter"
        " WHERE excluded.counter > replay_counters.counter",
        (originator, counter_blob(counter)),
    )


class ReplayGuard:
    """The highest RequestID counter accepted from each originator, kept in memory.

    SEC/DUIS replay protection: a request's counter must exceed every counter previously
    accepted from the same originator. ``claim`` checks and reserves in one step on the
    event loop, so two concurrent requests cannot both pass with the same counter; the
    hub persists the claim with the request (``record_counter``) before acknowledging.
    """

    def __init__(self, counters: dict[str, int] | None = None) -> None:
        self._last: dict[str, int] = dict(counters or {})

    def last(self, originator: str) -> int | None:
        return self._last.get(originator)

    def next_own(self, originator: str, now: datetime) -> int:
        """The next counter for an originator the hub itself is (the DCC's ACB): strictly
        above every one used, at least the time in milliseconds (so it keeps increasing across
        restarts even before its last value is reloaded)."""
        last = self._last.get(originator, 0)
        value = max(last + 1, int(now.timestamp() * 1000))
        self._last[originator] = value
        return value

    def claim(self, originator: str, counter: int) -> bool:
        last = self._last.get(originator)
        if last is not None and counter <= last:
            return False
        self._last[originator] = counter
        return True
