"""DCC Users in SQLite: User IDs, roles, status, Receive Response Service, certificates.

A User is one EUI-64 (its User ID) acting in one or more User Roles (stored as their DUIS
abbreviations, comma-separated). The certificates the DCC knows a User by are listed by
serial (each serial belongs to one User); the certificates themselves live in the keystore.
``get_user`` is on the hub's path for every request and is answered from a cache that
writes update after they commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Final, TypeVar

from opendcc.access.users import DccUser, UserStatus
from opendcc.clock import Clock, SystemClock
from opendcc.estate import rules
from opendcc.estate.records import (
    EstateRefusal,
    UserCertificate,
    UserUpdate,
    conflict,
    invalid,
    not_found,
)
from opendcc.estate.repository import Recorder
from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.smki.identity import RemotePartyRole
from opendcc.store.cache import MISSING, ReadCache
from opendcc.store.database import Database, SchemaPart, register_schema
from opendcc.store.keys import eui_key, eui_text_sql, to_us

T = TypeVar("T")

SCHEMA: Final = register_schema(
    SchemaPart(
        "estate-users-1",
        f"""
        CREATE TABLE dcc_users (
            eui BLOB PRIMARY KEY,
            name TEXT NOT NULL,
            party TEXT NOT NULL,
            roles TEXT NOT NULL,
            status TEXT NOT NULL,
            callback_url TEXT,
            tags TEXT NOT NULL,
            created_us INTEGER NOT NULL,
            updated_us INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE user_certificates (
            eui BLOB NOT NULL REFERENCES dcc_users (eui),
            serial TEXT NOT NULL UNIQUE,
            label TEXT NOT NULL,
            remote_party_role INTEGER,
            PRIMARY KEY (eui, serial)
        ) WITHOUT ROWID;
        CREATE VIEW dcc_user_list AS
            SELECT {eui_text_sql("eui")} AS user_eui, name, party, roles, status,
                   callback_url, tags
            FROM dcc_users;
        """,
    )
)

_COLUMNS: Final = "eui, name, party, roles, status, callback_url, tags"
_ROLES: Final = {r.value: r for r in UserRole}
_STATUSES: Final = {s.value: s for s in UserStatus}
_ROLE_ORDER: Final = {r: i for i, r in enumerate(UserRole)}
MAX_SERIAL: Final = 1 << 160
"""RFC 5280: serial numbers are positive and at most 20 octets."""


def roles_text(roles: frozenset[UserRole]) -> str:
    return ",".join(r.value for r in sorted(roles, key=_ROLE_ORDER.__getitem__))


def tags_text(tags: frozenset[str]) -> str:
    return ",".join(sorted(tags))


def user_row(user: DccUser, at: datetime) -> tuple[Any, ...]:
    at_us = to_us(at)
    return (
        eui_key(user.eui),
        user.name,
        user.party,
        roles_text(user.roles),
        user.status.value,
        user.callback_url,
        tags_text(user.tags),
        at_us,
        at_us,
    )


def certificate_row(eui: Eui64, certificate: UserCertificate) -> tuple[Any, ...]:
    role = certificate.remote_party_role
    return (
        eui_key(eui),
        str(certificate.serial),
        certificate.label,
        None if role is None else int(role),
    )


def insert_users(
    conn: sqlite3.Connection,
    users: list[tuple[Any, ...]],
    certificates: list[tuple[Any, ...]],
) -> None:
    """Bulk insert (seeding); users already present are left as they are."""
    conn.executemany(
        f"INSERT OR IGNORE INTO dcc_users ({_COLUMNS}, created_us, updated_us)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        users,
    )
    conn.executemany(
        "INSERT OR IGNORE INTO user_certificates (eui, serial, label, remote_party_role)"
        " VALUES (?, ?, ?, ?)",
        certificates,
    )


def _user(row: tuple[Any, ...]) -> DccUser:
    return DccUser(
        eui=Eui64(int.from_bytes(row[0], "big")),
        name=row[1],
        party=row[2],
        roles=frozenset(_ROLES[r] for r in row[3].split(",") if r),
        status=_STATUSES[row[4]],
        callback_url=row[5],
        tags=frozenset(t for t in row[6].split(",") if t),
    )


def _read_user(conn: sqlite3.Connection, eui: Eui64) -> DccUser | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM dcc_users WHERE eui = ?", (eui_key(eui),))
    found = row.fetchone()
    return None if found is None else _user(found)


class SqliteUsers:
    """``UserRepository`` over one SQLite ``Database``."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()
        self._cache: ReadCache[int, DccUser] = ReadCache(10_000, miss_capacity=4_096)

    # --- reads --------------------------------------------------------------------------------

    def get_user(self, eui: Eui64) -> DccUser | None:
        key = eui.value
        cached = self._cache.lookup(key)
        if cached is not MISSING:
            return cached
        generation = self._cache.generation
        user = _read_user(self._db.reader(), eui)
        self._cache.fill(key, user, generation)
        return user

    def list_users(
        self, *, role: UserRole | None = None, status: UserStatus | None = None
    ) -> list[DccUser]:
        sql = f"SELECT {_COLUMNS} FROM dcc_users"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status.value)
        users = [_user(r) for r in self._db.reader().execute(sql + " ORDER BY eui", params)]
        return [u for u in users if role is None or role in u.roles]

    def certificates(self, eui: Eui64) -> list[UserCertificate]:
        rows = self._db.reader().execute(
            "SELECT serial, label, remote_party_role FROM user_certificates WHERE eui = ?"
            " ORDER BY label, serial",
            (eui_key(eui),),
        )
        return [
            UserCertificate(int(s), label, None if r is None else RemotePartyRole(r))
            for s, label, r in rows
        ]

    def user_for_serial(self, serial: int) -> Eui64 | None:
        row = (
            self._db.reader()
            .execute("SELECT eui FROM user_certificates WHERE serial = ?", (str(serial),))
            .fetchone()
        )
        return None if row is None else Eui64(int.from_bytes(row[0], "big"))

    # --- writes -------------------------------------------------------------------------------

    async def create(
        self, user: DccUser, *, record: Recorder[DccUser] | None = None
    ) -> DccUser | EstateRefusal:
        problem = rules.check_user(user)
        if problem is not None:
            return problem
        now = self._clock.now()

        def job(conn: sqlite3.Connection) -> DccUser | EstateRefusal:
            if _read_user(conn, user.eui) is not None:
                return conflict(f"User {user.eui} already exists")
            conn.execute(
                f"INSERT INTO dcc_users ({_COLUMNS}, created_us, updated_us)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                user_row(user, now),
            )
            if record is not None:
                record(conn, user)
            return user

        return await self._write(job, user.eui)

    async def update(
        self, eui: Eui64, update: UserUpdate, *, record: Recorder[DccUser] | None = None
    ) -> DccUser | EstateRefusal:
        if update.callback_url is not None and update.clear_callback_url:
            return invalid("set callback_url or clear it, not both")
        now = self._clock.now()

        def job(conn: sqlite3.Connection) -> DccUser | EstateRefusal:
            current = _read_user(conn, eui)
            if current is None:
                return not_found(f"User {eui} is not known")
            changed = DccUser(
                eui=eui,
                name=current.name if update.name is None else update.name,
                roles=current.roles if update.roles is None else update.roles,
                status=current.status if update.status is None else update.status,
                callback_url=None
                if update.clear_callback_url
                else (update.callback_url or current.callback_url),
                party=current.party if update.party is None else update.party,
                tags=current.tags if update.tags is None else update.tags,
            )
            problem = rules.check_user(changed)
            if problem is not None:
                return problem
            row = user_row(changed, now)
            conn.execute(
                "UPDATE dcc_users SET name = ?, party = ?, roles = ?, status = ?,"
                " callback_url = ?, tags = ?, updated_us = ? WHERE eui = ?",
                (*row[1:7], row[8], row[0]),
            )
            if record is not None:
                record(conn, changed)
            return changed

        return await self._write(job, eui)

    async def add_certificate(
        self, eui: Eui64, certificate: UserCertificate
    ) -> UserCertificate | EstateRefusal:
        if not 0 < certificate.serial < MAX_SERIAL:
            return invalid("a certificate serial is a positive number of at most 20 octets")
        problem = rules.printable(certificate.label, "label", high=40)
        if problem is not None:
            return problem

        def job(conn: sqlite3.Connection) -> UserCertificate | EstateRefusal:
            if _read_user(conn, eui) is None:
                return not_found(f"User {eui} is not known")
            owner = conn.execute(
                "SELECT eui FROM user_certificates WHERE serial = ?", (str(certificate.serial),)
            ).fetchone()
            if owner is not None:
                held_by = Eui64(int.from_bytes(owner[0], "big"))
                return conflict(f"serial {certificate.serial} is already registered to {held_by}")
            conn.execute(
                "INSERT INTO user_certificates (eui, serial, label, remote_party_role)"
                " VALUES (?, ?, ?, ?)",
                certificate_row(eui, certificate),
            )
            return certificate

        return await self._write(job, eui)

    async def remove_certificate(self, eui: Eui64, serial: int) -> EstateRefusal | None:
        def job(conn: sqlite3.Connection) -> EstateRefusal | None:
            gone = conn.execute(
                "DELETE FROM user_certificates WHERE eui = ? AND serial = ?",
                (eui_key(eui), str(serial)),
            )
            if gone.rowcount == 0:
                return not_found(f"User {eui} has no certificate with serial {serial}")
            return None

        return await self._write(job, eui)

    def forget(self) -> None:
        self._cache.clear()

    async def _write(self, job: Callable[[sqlite3.Connection], T], eui: Eui64) -> T:
        future = self._db.submit(job)
        future.add_done_callback(self._dropper(eui))
        return await asyncio.wrap_future(future)

    def _dropper(self, eui: Eui64) -> Callable[[Future[Any]], None]:
        def drop(future: Future[Any]) -> None:
            self._cache.drop(eui.value)

        return drop
