"""Registration data in SQLite: who holds each MPAN and MPRN, in which role, and when.

One row per (MPxN, role, party, period). Periods of the same MPxN and role never overlap:
``add`` refuses an overlap and ``change_party`` ends the registration in force at the
effective date where the new one begins, so the history of every MPxN stays whole. The
hub's E4 check reads ``registrations_for``, answered from a per-MPxN cache of the MPxN's
whole history (a few rows) filtered to the instant asked about; a write drops the MPxN's
entry after it commits.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Final, TypeVar

from opendcc.estate import rules
from opendcc.estate.mpxn import fuel_of
from opendcc.estate.records import EstateRefusal, RegistrationChange, conflict, invalid
from opendcc.estate.repository import Recorder
from opendcc.eui import Eui64
from opendcc.inventory.model import Fuel, MarketRole, Registration
from opendcc.store.cache import MISSING, ReadCache
from opendcc.store.database import Database, SchemaPart, register_schema
from opendcc.store.keys import eui_key, eui_text_sql, from_us, to_us

T = TypeVar("T")

SCHEMA: Final = register_schema(
    SchemaPart(
        "estate-registrations-1",
        f"""
        CREATE TABLE registrations (
            id INTEGER PRIMARY KEY,
            mpxn TEXT NOT NULL,
            fuel TEXT NOT NULL,
            role TEXT NOT NULL,
            party BLOB NOT NULL,
            valid_from_us INTEGER NOT NULL,
            valid_to_us INTEGER,
            CHECK (valid_to_us IS NULL OR valid_to_us > valid_from_us)
        );
        CREATE INDEX registrations_mpxn ON registrations (mpxn, role, valid_from_us);
        CREATE INDEX registrations_party ON registrations (party, mpxn);
        CREATE VIEW registration_data AS
            SELECT mpxn, fuel, role, {eui_text_sql("party")} AS party_eui,
                   datetime(valid_from_us / 1000000, 'unixepoch') AS valid_from,
                   datetime(valid_to_us / 1000000, 'unixepoch') AS valid_to
            FROM registrations;
        """,
    )
)

_COLUMNS: Final = "mpxn, fuel, role, party, valid_from_us, valid_to_us"
_INSERT: Final = f"INSERT INTO registrations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
_BY_MPXN: Final = (
    f"SELECT {_COLUMNS} FROM registrations WHERE mpxn = ? ORDER BY role, valid_from_us"
)
_FUELS: Final = {f.value: f for f in Fuel}
_ROLES: Final = {r.value: r for r in MarketRole}


def registration_row(registration: Registration) -> tuple[Any, ...]:
    return (
        registration.mpxn,
        registration.fuel.value,
        registration.role.value,
        eui_key(registration.party),
        to_us(registration.valid_from),
        None if registration.valid_to is None else to_us(registration.valid_to),
    )


def insert_registrations(conn: sqlite3.Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Bulk insert (seeding): rows from ``registration_row``, already free of overlaps."""
    conn.executemany(_INSERT, rows)


class SqliteRegistrations:
    """``RegistrationRepository`` over one SQLite ``Database``."""

    def __init__(self, db: Database, *, cache_size: int = 250_000) -> None:
        self._db = db
        self._cache: ReadCache[str, tuple[Registration, ...]] = ReadCache(
            cache_size, miss_capacity=0
        )
        self._parties: dict[bytes, Eui64] = {}

    def _row(self, row: tuple[Any, ...]) -> Registration:
        party = self._parties.get(row[3])
        if party is None:
            # Few Parties hold millions of registrations: share one Eui64 per Party.
            party = self._parties.setdefault(row[3], Eui64(int.from_bytes(row[3], "big")))
        return Registration(
            mpxn=row[0],
            fuel=_FUELS[row[1]],
            role=_ROLES[row[2]],
            party=party,
            valid_from=from_us(row[4]),
            valid_to=None if row[5] is None else from_us(row[5]),
        )

    def _all_for(self, mpxn: str) -> tuple[Registration, ...]:
        cached = self._cache.lookup(mpxn)
        if cached is not MISSING and cached is not None:
            return cached
        generation = self._cache.generation
        found = tuple(self._row(r) for r in self._db.reader().execute(_BY_MPXN, (mpxn,)))
        self._cache.fill(mpxn, found, generation)
        return found

    # --- reads --------------------------------------------------------------------------------

    def registrations_for(self, mpxns: Iterable[str], at: datetime) -> list[Registration]:
        found: list[Registration] = []
        for mpxn in mpxns:
            for r in self._all_for(mpxn):
                if r.valid_from <= at and (r.valid_to is None or at < r.valid_to):
                    found.append(r)
        return found

    def history(self, mpxn: str) -> list[Registration]:
        return list(self._all_for(mpxn))

    def for_party(
        self, party: Eui64, at: datetime | None = None, *, limit: int = 1000
    ) -> list[Registration]:
        sql = f"SELECT {_COLUMNS} FROM registrations WHERE party = ?"
        params: list[Any] = [eui_key(party)]
        if at is not None:
            at_us = to_us(at)
            sql += " AND valid_from_us <= ? AND (valid_to_us IS NULL OR valid_to_us > ?)"
            params += [at_us, at_us]
        sql += " ORDER BY mpxn, role, valid_from_us LIMIT ?"
        rows = self._db.reader().execute(sql, (*params, max(1, min(limit, 100_000))))
        return [self._row(r) for r in rows]

    # --- writes -------------------------------------------------------------------------------

    async def add(
        self, registration: Registration, *, record: Recorder[Registration] | None = None
    ) -> Registration | EstateRefusal:
        problem = rules.check_registration(registration)
        if problem is not None:
            return problem
        start = to_us(registration.valid_from)
        end = None if registration.valid_to is None else to_us(registration.valid_to)

        def job(conn: sqlite3.Connection) -> Registration | EstateRefusal:
            clash = conn.execute(
                f"SELECT {_COLUMNS} FROM registrations WHERE mpxn = ? AND role = ?"
                " AND (? IS NULL OR valid_from_us < ?)"
                " AND (valid_to_us IS NULL OR valid_to_us > ?) ORDER BY valid_from_us LIMIT 1",
                (registration.mpxn, registration.role.value, end, end, start),
            ).fetchone()
            if clash is not None:
                other = self._row(clash)
                return conflict(
                    f"{registration.mpxn} already has a {other.role.value} registration for"
                    f" {other.party} from {other.valid_from.isoformat()}"
                    f" to {_until(other.valid_to)}, overlapping the new one"
                )
            conn.execute(_INSERT, registration_row(registration))
            if record is not None:
                record(conn, registration)
            return registration

        return await self._write(job, registration.mpxn)

    async def change_party(
        self,
        mpxn: str,
        role: MarketRole,
        party: Eui64,
        effective_from: datetime,
        *,
        record: Recorder[RegistrationChange] | None = None,
    ) -> RegistrationChange | EstateRefusal:
        fuel = fuel_of(mpxn)
        if fuel is None:
            return invalid(f"{mpxn!r} is neither an MPAN (13 digits) nor an MPRN (1-10 digits)")
        probe = Registration(mpxn, fuel, role, party, effective_from)
        problem = rules.check_registration(probe)
        if problem is not None:
            return problem
        at_us = to_us(effective_from)

        def job(conn: sqlite3.Connection) -> RegistrationChange | EstateRefusal:
            later = conn.execute(
                f"SELECT {_COLUMNS} FROM registrations WHERE mpxn = ? AND role = ?"
                " AND valid_from_us >= ? ORDER BY valid_from_us LIMIT 1",
                (mpxn, role.value, at_us),
            ).fetchone()
            if later is not None:
                other = self._row(later)
                return conflict(
                    f"{mpxn} already has a {role.value} registration for {other.party} from"
                    f" {other.valid_from.isoformat()}, at or after"
                    f" {effective_from.isoformat()}"
                )
            current = conn.execute(
                f"SELECT id, {_COLUMNS} FROM registrations WHERE mpxn = ? AND role = ?"
                " AND valid_from_us < ? AND (valid_to_us IS NULL OR valid_to_us > ?)",
                (mpxn, role.value, at_us, at_us),
            ).fetchone()
            ended: Registration | None = None
            until = None
            if current is not None:
                held = self._row(current[1:])
                if held.party == party:
                    return conflict(
                        f"{party} already holds {role.value} for {mpxn} at"
                        f" {effective_from.isoformat()}"
                    )
                until = held.valid_to
                conn.execute(
                    "UPDATE registrations SET valid_to_us = ? WHERE id = ?", (at_us, current[0])
                )
                ended = Registration(
                    held.mpxn, held.fuel, held.role, held.party, held.valid_from, effective_from
                )
            started = Registration(mpxn, fuel, role, party, effective_from, until)
            conn.execute(_INSERT, registration_row(started))
            change = RegistrationChange(ended, started)
            if record is not None:
                record(conn, change)
            return change

        return await self._write(job, mpxn)

    def forget(self) -> None:
        self._cache.clear()

    async def _write(self, job: Callable[[sqlite3.Connection], T], mpxn: str) -> T:
        future = self._db.submit(job)
        future.add_done_callback(self._dropper(mpxn))
        return await asyncio.wrap_future(future)

    def _dropper(self, mpxn: str) -> Callable[[Future[Any]], None]:
        def drop(future: Future[Any]) -> None:
            # Dropping after a refusal is harmless; after a commit it is required.
            self._cache.drop(mpxn)

        return drop


def _until(at: datetime | None) -> str:
    return "open-ended" if at is None else at.isoformat()
