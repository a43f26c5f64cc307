"""DCC Scheduled Services in the hub's database: the schedules Users created (DUIS 5.1) and
the run of each occurrence.

A schedule row holds what 5.2 Read Schedule echoes (the ``CreateSchedule`` body as
received) and what the scheduler needs: the owner, the Device, the wrapped Service
Reference Variant, the frequency and dates, and ``next_due_us``, the time of its next
occurrence (NULL once it has none). 5.3 Delete Schedule marks the row deleted (its
DSPScheduleID is never given again).

An occurrence is run in one write job that moves ``next_due_us`` on only if it still holds
the value the scheduler read (so an occurrence runs once, however often the scheduler
looks), inserts the journal entry of the Command it sends, and links the two in
``schedule_runs``: after a restart the journal entry is re-driven like any accepted
request and the link tells the processor to answer it as a ``DSPScheduledMessage``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from opendcc.store.database import SchemaPart, register_schema
from opendcc.store.events import from_us, to_us

SCHEMA = register_schema(
    SchemaPart(
        "schedules-1",
        """
        CREATE TABLE schedules (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            owner TEXT NOT NULL,
            device TEXT NOT NULL,
            variant TEXT NOT NULL,
            role TEXT,
            frequency TEXT NOT NULL,
            start_date TEXT NOT NULL,
            end_date TEXT,
            execution_time TEXT,
            details_xml BLOB NOT NULL,
            created_request_id TEXT NOT NULL,
            created_us INTEGER NOT NULL,
            next_due_us INTEGER,
            last_run_us INTEGER,
            runs INTEGER NOT NULL DEFAULT 0,
            deleted_us INTEGER
        );
        CREATE INDEX schedules_due ON schedules (next_due_us)
            WHERE next_due_us IS NOT NULL AND deleted_us IS NULL;
        CREATE INDEX schedules_owner ON schedules (owner, device) WHERE deleted_us IS NULL;
        CREATE TABLE schedule_runs (
            request_row INTEGER PRIMARY KEY REFERENCES requests (id),
            schedule_id INTEGER NOT NULL REFERENCES schedules (id),
            occurrence_us INTEGER NOT NULL,
            UNIQUE (schedule_id, occurrence_us)
        );
        """,
    )
)


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    schedule_id: int
    owner: str
    device: str
    variant: str
    role: str | None
    frequency: str
    start_date: date
    end_date: date | None
    execution_time: str | None
    """``ScheduleExecutionStartTime`` as received (None: the DCC's default time)."""
    details_xml: bytes
    created_request_id: str
    created_at: datetime
    next_due: datetime | None
    last_run: datetime | None
    runs: int


_COLUMNS: Final = (
    "id, owner, device, variant, role, frequency, start_date, end_date, execution_time,"
    " details_xml, created_request_id, created_us, next_due_us, last_run_us, runs"
)


def _schedule(row: tuple[Any, ...]) -> StoredSchedule:
    return StoredSchedule(
        schedule_id=row[0],
        owner=row[1],
        device=row[2],
        variant=row[3],
        role=row[4],
        frequency=row[5],
        start_date=date.fromisoformat(row[6]),
        end_date=date.fromisoformat(row[7]) if row[7] else None,
        execution_time=row[8],
        details_xml=row[9],
        created_request_id=row[10],
        created_at=from_us(row[11]),
        next_due=from_us(row[12]) if row[12] is not None else None,
        last_run=from_us(row[13]) if row[13] is not None else None,
        runs=row[14],
    )


def insert_schedule(
    conn: sqlite3.Connection,
    *,
    owner: str,
    device: str,
    variant: str,
    role: str | None,
    frequency: str,
    start_date: date,
    end_date: date | None,
    execution_time: str | None,
    details_xml: bytes,
    created_request_id: str,
    at: datetime,
    next_due: datetime | None,
) -> int:
    """Insert a schedule (inside a write job); returns its DSPScheduleID."""
    cursor = conn.execute(
        "INSERT INTO schedules (owner, device, variant, role, frequency, start_date, end_date,"
        " execution_time, details_xml, created_request_id, created_us, next_due_us)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            owner,
            device,
            variant,
            role,
            frequency,
            start_date.isoformat(),
            end_date.isoformat() if end_date else None,
            execution_time,
            details_xml,
            created_request_id,
            to_us(at),
            to_us(next_due) if next_due else None,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def get(conn: sqlite3.Connection, schedule_id: int) -> StoredSchedule | None:
    """A schedule not deleted."""
    found = conn.execute(
        f"SELECT {_COLUMNS} FROM schedules WHERE id = ? AND deleted_us IS NULL", (schedule_id,)
    ).fetchone()
    return _schedule(found) if found else None


def of_owner(
    conn: sqlite3.Connection, owner: str, device: str | None = None, limit: int = 1000
) -> list[StoredSchedule]:
    """The owner's schedules not deleted (of one Device when given), oldest first."""
    sql = f"SELECT {_COLUMNS} FROM schedules WHERE owner = ? AND deleted_us IS NULL"
    params: list[Any] = [owner]
    if device is not None:
        sql += " AND device = ?"
        params.append(device)
    sql += " ORDER BY id LIMIT ?"
    params.append(limit)
    return [_schedule(r) for r in conn.execute(sql, params)]


def count_for(conn: sqlite3.Connection, owner: str, device: str) -> int:
    found = conn.execute(
        "SELECT count(*) FROM schedules WHERE owner = ? AND device = ? AND deleted_us IS NULL",
        (owner, device),
    ).fetchone()
    return int(found[0])


def delete(conn: sqlite3.Connection, schedule_ids: list[int], at: datetime) -> int:
    """Mark schedules deleted (inside a write job); returns how many were."""
    deleted = 0
    for schedule_id in schedule_ids:
        cursor = conn.execute(
            "UPDATE schedules SET deleted_us = ?, next_due_us = NULL"
            " WHERE id = ? AND deleted_us IS NULL",
            (to_us(at), schedule_id),
        )
        deleted += cursor.rowcount
    return deleted


def remove(
    conn: sqlite3.Connection, schedule_id: int, expected_due: datetime, at: datetime
) -> bool:
    """The DCC removes a schedule (its User is no longer eligible, its Device left the
    inventory), if it is still due at ``expected_due``; False when it was run or deleted
    meanwhile. Marked deleted as by 5.3: its DSPScheduleID is never given again."""
    cursor = conn.execute(
        "UPDATE schedules SET deleted_us = ?, next_due_us = NULL"
        " WHERE id = ? AND next_due_us = ? AND deleted_us IS NULL",
        (to_us(at), schedule_id, to_us(expected_due)),
    )
    return cursor.rowcount == 1


def due(conn: sqlite3.Connection, until: datetime) -> list[StoredSchedule]:
    """Schedules whose next occurrence has come, soonest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM schedules WHERE next_due_us IS NOT NULL"
        " AND deleted_us IS NULL AND next_due_us <= ? ORDER BY next_due_us, id",
        (to_us(until),),
    ).fetchall()
    return [_schedule(r) for r in rows]


def next_due(conn: sqlite3.Connection) -> datetime | None:
    found = conn.execute(
        "SELECT min(next_due_us) FROM schedules WHERE next_due_us IS NOT NULL"
        " AND deleted_us IS NULL"
    ).fetchone()
    return from_us(found[0]) if found and found[0] is not None else None


def advance(
    conn: sqlite3.Connection,
    schedule_id: int,
    expected_due: datetime,
    next_due_at: datetime | None,
    at: datetime,
    *,
    ran: bool,
) -> bool:
    """Move a schedule to its next occurrence, if it is still due at ``expected_due`` (the
    occurrence was not run meanwhile, the schedule not deleted); False otherwise."""
    cursor = conn.execute(
        "UPDATE schedules SET next_due_us = ?, last_run_us = CASE WHEN ? THEN ?"
        " ELSE last_run_us END, runs = runs + ? WHERE id = ? AND next_due_us = ?"
        " AND deleted_us IS NULL",
        (
            to_us(next_due_at) if next_due_at else None,
            1 if ran else 0,
            to_us(at),
            1 if ran else 0,
            schedule_id,
            to_us(expected_due),
        ),
    )
    return cursor.rowcount == 1


def record_run(
    conn: sqlite3.Connection, schedule_id: int, occurrence: datetime, request_row: int
) -> None:
    conn.execute(
        "INSERT INTO schedule_runs (request_row, schedule_id, occurrence_us) VALUES (?, ?, ?)",
        (request_row, schedule_id, to_us(occurrence)),
    )


def schedule_of_request(conn: sqlite3.Connection, request_row: int) -> int | None:
    """The schedule a journal entry was run for (None: not a scheduled run)."""
    found = conn.execute(
        "SELECT schedule_id FROM schedule_runs WHERE request_row = ?", (request_row,)
    ).fetchone()
    return int(found[0]) if found else None


def runs_of(conn: sqlite3.Connection, schedule_id: int) -> list[tuple[datetime, int]]:
    """(occurrence, journal row) of each run of a schedule, oldest first."""
    return [
        (from_us(r[0]), int(r[1]))
        for r in conn.execute(
            "SELECT occurrence_us, request_row FROM schedule_runs WHERE schedule_id = ?"
            " ORDER BY occurrence_us",
            (schedule_id,),
        )
    ]
