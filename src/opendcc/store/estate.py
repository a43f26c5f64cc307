"""One estate over one SQLite ``Database``: the three repositories, and bulk loading.

``open_estate(db)`` is what the server calls at start-up: it checks the estate's tables
exist and builds the repositories, reading nothing else (a 100,000-premises estate opens in
milliseconds; Devices are read when first asked for). ``EstateLoader`` writes seeded
estates: each ``EstateChunk`` becomes one job on the writer thread (``executemany`` in one
transaction), with at most ``in_flight`` chunks queued so a large seed runs in bounded
memory while the next chunk is generated.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Final

from opendcc.clock import Clock
from opendcc.estate import rules
from opendcc.estate.records import (
    EstateChunk,
    EstateCounts,
    EstateRefusal,
    SeededDevice,
    invalid,
)
from opendcc.inventory.model import DeviceType
from opendcc.store import inventory_tables as inv
from opendcc.store import registrations as reg
from opendcc.store import users as usr
from opendcc.store.database import Database, SchemaPart, StoreError
from opendcc.store.inventory import SqliteInventory
from opendcc.store.keys import eui_key
from opendcc.store.registrations import SqliteRegistrations
from opendcc.store.users import SqliteUsers

ESTATE_SCHEMA: Final[tuple[SchemaPart, ...]] = (inv.SCHEMA, reg.SCHEMA, usr.SCHEMA)
"""The schema parts of an estate, for ``Database(path, parts=...)``."""


@dataclass(frozen=True, slots=True)
class SqliteEstate:
    """The Smart Metering Inventory, registration data and DCC Users of one database."""

    db: Database
    inventory: SqliteInventory
    registrations: SqliteRegistrations
    users: SqliteUsers

    def counts(self) -> EstateCounts:
        found = self.inventory.counts()
        conn = self.db.reader()
        (registrations,) = conn.execute("SELECT count(*) FROM registrations").fetchone()
        (users,) = conn.execute("SELECT count(*) FROM dcc_users").fetchone()
        return EstateCounts(
            premises=found.premises,
            devices=found.devices,
            registrations=int(registrations),
            users=int(users),
            status_changes=found.status_changes,
            by_type=found.by_type,
            by_status=found.by_status,
            by_region=found.by_region,
        )

    def forget(self) -> None:
        """Drop every cached value (after the database was written behind our back)."""
        self.inventory.forget()
        self.registrations.forget()
        self.users.forget()


def open_estate(
    db: Database,
    *,
    clock: Clock | None = None,
    device_cache: int = 250_000,
    registration_cache: int = 250_000,
) -> SqliteEstate:
    """The estate stored in ``db`` (already open, with the estate schema applied)."""
    applied = {row[0] for row in db.reader().execute("SELECT name FROM schema_parts").fetchall()}
    missing = [p.name for p in ESTATE_SCHEMA if p.name not in applied]
    if missing:
        raise StoreError(
            f"{db.path} lacks the estate tables ({', '.join(missing)}): import"
            " opendcc.store.estate before opening the Database, or pass"
            " parts=ESTATE_SCHEMA"
        )
    return SqliteEstate(
        db,
        SqliteInventory(db, cache_size=device_cache),
        SqliteRegistrations(db, cache_size=registration_cache),
        SqliteUsers(db, clock=clock),
    )


_LOAD_ORDER: Final = {
    DeviceType.CHF: 0,
    DeviceType.GPF: 1,
    DeviceType.ESME: 2,
    DeviceType.GSME: 2,
    DeviceType.PPMID: 3,
    DeviceType.HCALCS: 3,
    DeviceType.IHD: 3,
}


class LoadError(RuntimeError):
    """A seeded chunk broke an estate rule: a bug in the generator, not bad user input."""


@dataclass(slots=True)
class EstateRows:
    """A slice of an estate already in table-row form, for the bulk path of a large seed.

    Row layouts are those of ``store.users.user_row`` and ``certificate_row``,
    ``store.inventory.device_row`` (CHFs and GPFs before the Devices naming them),
    ``history_row`` and the ``premises`` and ``device_links`` columns, and
    ``store.registrations.registration_row``.
    """

    users: list[tuple[Any, ...]] = field(default_factory=list)
    certificates: list[tuple[Any, ...]] = field(default_factory=list)
    premises: list[tuple[Any, ...]] = field(default_factory=list)
    devices: list[tuple[Any, ...]] = field(default_factory=list)
    links: list[tuple[bytes, bytes]] = field(default_factory=list)
    history: list[tuple[Any, ...]] = field(default_factory=list)
    registrations: list[tuple[Any, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.users)
            + len(self.premises)
            + len(self.devices)
            + len(self.history)
            + len(self.registrations)
        )


def chunk_rows(chunk: EstateChunk, *, check: bool = True) -> EstateRows:
    """The rows of a chunk of records, checked against the estate's rules first."""
    if check:
        _check_chunk(chunk)
    devices = sorted(chunk.devices, key=lambda s: _LOAD_ORDER[s.new.device_type])
    return EstateRows(
        users=[usr.user_row(s.user, s.created_at) for s in chunk.users],
        certificates=[
            usr.certificate_row(s.user.eui, c) for s in chunk.users for c in s.certificates
        ],
        premises=[
            (p.uprn, p.postcode, p.address_identifier, p.region.value) for p in chunk.premises
        ],
        devices=[inv.device_row(s.new, s.history[-1].at, s.history[0].at) for s in devices],
        links=[
            (eui_key(s.new.device_id), eui_key(m)) for s in devices for m in s.new.joined_meters
        ],
        history=[
            inv.history_row(change, n)
            for s in devices
            for n, change in enumerate(s.history, start=1)
        ],
        registrations=[reg.registration_row(r) for r in chunk.registrations],
    )


class EstateLoader:
    """Writes estate slices through the database's writer thread, a few at a time."""

    def __init__(self, db: Database, *, in_flight: int = 2) -> None:
        self._db = db
        self._in_flight = max(1, in_flight)
        self._pending: deque[Future[int]] = deque()
        self.written = 0

    def write(self, rows: EstateRows | EstateChunk) -> None:
        """Queue a slice; blocks while ``in_flight`` earlier ones are still queued.

        A chunk of records is checked against the estate's rules (``LoadError``) before
        anything of it is queued.
        """
        if isinstance(rows, EstateChunk):
            rows = chunk_rows(rows)
        while len(self._pending) >= self._in_flight:
            self.written += self._pending.popleft().result()
        self._pending.append(self._db.submit(_rows_job(rows)))

    def finish(self) -> int:
        """Wait for every queued slice; the number of rows written."""
        while self._pending:
            self.written += self._pending.popleft().result()
        return self.written


def _rows_job(rows: EstateRows) -> Callable[[sqlite3.Connection], int]:
    def job(conn: sqlite3.Connection) -> int:
        usr.insert_users(conn, rows.users, rows.certificates)
        conn.executemany(inv.INSERT_PREMISES, rows.premises)
        inv.insert_devices(conn, rows.devices, rows.links, rows.history)
        reg.insert_registrations(conn, rows.registrations)
        return len(rows)

    return job


def checkpoint(db: Database) -> None:
    """Fold the write-ahead log into the database file and truncate it (after a seed)."""
    conn = sqlite3.connect(db.path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _check_chunk(chunk: EstateChunk) -> None:
    problem: EstateRefusal | None = None
    for premises in chunk.premises:
        problem = rules.check_premises(premises)
        if problem is not None:
            raise LoadError(f"premises {premises.uprn}: {problem}")
    for seeded in chunk.devices:
        problem = rules.check_new_device(seeded.new) or _check_history(seeded)
        if problem is not None:
            raise LoadError(f"Device {seeded.new.device_id}: {problem}")
    for registration in chunk.registrations:
        problem = rules.check_registration(registration)
        if problem is not None:
            raise LoadError(f"registration of {registration.mpxn}: {problem}")
    for seeded_user in chunk.users:
        problem = rules.check_user(seeded_user.user)
        if problem is not None:
            raise LoadError(f"User {seeded_user.user.eui}: {problem}")


def _check_history(seeded: SeededDevice) -> EstateRefusal | None:
    history = seeded.history
    if not history or history[0].old is not None:
        return invalid("history must start with the Device's first status")
    if history[-1].new is not seeded.new.initial_status:
        return invalid("history must end in the Device's status")
    for before, after in itertools.pairwise(history):
        if after.old is not before.new or after.at < before.at:
            return invalid("history steps must follow on, in time order")
    return None
