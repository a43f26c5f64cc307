"""The outbound queue: every signed response and alert owed to a User, until delivered.

A delivery row is written in the same transaction as the response it carries, so nothing
the hub has produced is lost before it has been POSTed. States::

    pending --2xx--> delivered
    pending --failed, retries left--> pending (next_attempt later)
    pending --failed, no retries left--> held     (the failed queue, kept 2 days)
    held --endpoint answers again--> pending
    held --2 days pass--> expired
    pending --4xx other than 408/429--> rejected (the User's system refused this message)

Every attempt is a row of ``delivery_attempts``.
"""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opendcc.store.database import SchemaPart, register_schema
from opendcc.store.events import from_us, to_us


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    HELD = "held"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    EXPIRED = "expired"


class DeliveryKind(enum.StrEnum):
    RESPONSE = "response"
    DEVICE_ALERT = "device_alert"
    DCC_ALERT = "dcc_alert"


SCHEMA = register_schema(
    SchemaPart(
        "deliveries-1",
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            request_row INTEGER REFERENCES requests (id),
            request_id TEXT,
            recipient TEXT NOT NULL,
            kind TEXT NOT NULL,
            body BLOB NOT NULL,
            state TEXT NOT NULL,
            created_us INTEGER NOT NULL,
            next_attempt_us INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            held_us INTEGER,
            done_us INTEGER,
            last_error TEXT
        );
        CREATE INDEX deliveries_open ON deliveries (state, recipient)
            WHERE state IN ('pending', 'held');
        CREATE TABLE delivery_attempts (
            id INTEGER PRIMARY KEY,
            delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
            at_us INTEGER NOT NULL,
            url TEXT,
            http_status INTEGER,
            error TEXT,
            duration_us INTEGER
        );
        CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id);
        """,
    )
)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    request_row: int | None
    request_id: str | None
    recipient: str
    kind: DeliveryKind
    body: bytes
    state: DeliveryState
    created_at: datetime
    next_attempt_at: datetime
    attempts: int
    held_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    url: str | None
    http_status: int | None
    error: str | None
    duration_us: int


_COLUMNS = (
    "id, request_row, request_id, recipient, kind, body, state, created_us, next_attempt_us,"
    " attempts, held_us, last_error"
)


def _delivery(row: tuple[Any, ...]) -> Delivery:
    return Delivery(
        id=row[0],
        request_row=row[1],
        request_id=row[2],
        recipient=row[3],
        kind=DeliveryKind(row[4]),
        body=row[5],
        state=DeliveryState(row[6]),
        created_at=from_us(row[7]),
        next_attempt_at=from_us(row[8]),
        attempts=row[9],
        held_at=from_us(row[10]) if row[10] is not None else None,
        last_error=row[11],
    )


def insert_delivery(
    conn: sqlite3.Connection,
    *,
    recipient: str,
    kind: DeliveryKind,
    body: bytes,
    at: datetime,
    request_row: int | None = None,
    request_id: str | None = None,
) -> int:
    cursor = conn.execute(
        "INSERT INTO deliveries (request_row, request_id, recipient, kind, body, state,"
        " created_us, next_attempt_us) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
        (request_row, request_id, recipient, kind.value, body, to_us(at), to_us(at)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def record_attempt(conn: sqlite3.Connection, delivery_id: int, attempt: Attempt) -> None:
    conn.execute(
        "INSERT INTO delivery_attempts (delivery_id, at_us, url, http_status, error,"
        " duration_us) VALUES (?, ?, ?, ?, ?, ?)",
        (
            delivery_id,
            to_us(attempt.at),
            attempt.url,
            attempt.http_status,
            attempt.error,
            attempt.duration_us,
        ),
    )


def set_state(
    conn: sqlite3.Connection,
    delivery_id: int,
    state: DeliveryState,
    at: datetime,
    *,
    next_attempt_at: datetime | None = None,
    error: str | None = None,
    count_attempt: bool = True,
) -> None:
    done = state in (DeliveryState.DELIVERED, DeliveryState.REJECTED, DeliveryState.EXPIRED)
    conn.execute(
        "UPDATE deliveries SET state = ?, attempts = attempts + ?, last_error = ?,"
        " next_attempt_us = COALESCE(?, next_attempt_us),"
        " held_us = CASE WHEN ? = 'held' THEN COALESCE(held_us, ?) ELSE NULL END,"
        " done_us = ? WHERE id = ?",
        (
            state.value,
            1 if count_attempt else 0,
            error,
            to_us(next_attempt_at) if next_attempt_at else None,
            state.value,
            to_us(at),
            to_us(at) if done else None,
            delivery_id,
        ),
    )


def open_deliveries(conn: sqlite3.Connection) -> list[Delivery]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM deliveries WHERE state IN ('pending', 'held') ORDER BY id"
    ).fetchall()
    return [_delivery(r) for r in rows]


def get_delivery(conn: sqlite3.Connection, delivery_id: int) -> Delivery | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
    return _delivery(row) if row else None


def deliveries_for(
    conn: sqlite3.Connection,
    *,
    recipient: str | None = None,
    request_id: str | None = None,
    state: DeliveryState | None = None,
    limit: int = 100,
) -> list[Delivery]:
    sql = f"SELECT {_COLUMNS} FROM deliveries WHERE 1=1"
    params: list[Any] = []
    if recipient is not None:
        sql += " AND recipient = ?"
        params.append(recipient)
    if request_id is not None:
        sql += " AND request_id = ?"
        params.append(request_id)
    if state is not None:
        sql += " AND state = ?"
        params.append(state.value)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [_delivery(r) for r in conn.execute(sql, params)]


def attempts_for(conn: sqlite3.Connection, delivery_id: int) -> list[Attempt]:
    rows = conn.execute(
        "SELECT at_us, url, http_status, error, duration_us FROM delivery_attempts"
        " WHERE delivery_id = ? ORDER BY id",
        (delivery_id,),
    )
    return [Attempt(from_us(r[0]), r[1], r[2], r[3], r[4]) for r in rows]
