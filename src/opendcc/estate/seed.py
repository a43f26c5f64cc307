"""Seed an estate into its database: the demo estate of N premises, or the reference estate.

``seed_demo`` and ``seed_rtds`` are what ``opendcc estate seed`` and the server call. Both
write through the database's writer thread in large ``executemany`` transactions
(``store.estate.EstateLoader``), then fold the write-ahead log into the database file so
the server opens it without replaying a large log, and drop the estate's read caches
(seeding writes behind the repositories' back).

``seed_rtds`` is idempotent (the server may call it on every start): Users are added when
missing, certificates when not yet registered, and the premises, Devices and registrations
only when the reference ESME is not in the inventory yet; in a reference estate seeded
before, the Devices added to it since (the 8.7 join partners) are added when missing.
``seed_demo`` refuses to write into a database that already holds demo-estate Devices.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from opendcc.estate import rtds
from opendcc.estate.cast import DemoCast, cast_from_index, generated_cast
from opendcc.estate.demo import DemoSettings, demo_estate
from opendcc.estate.ids import DEVICE_BASE, MAX_PREMISES
from opendcc.estate.pki_index import read_pki_index
from opendcc.estate.records import EstateChunk
from opendcc.smki.keystore import Keystore
from opendcc.store.estate import EstateLoader, SqliteEstate, checkpoint


class SeedError(RuntimeError):
    """The estate cannot be seeded as asked (the message says why); nothing was written."""


@dataclass(frozen=True, slots=True)
class SeedReport:
    estate: str
    premises: int = 0
    devices: int = 0
    registrations: int = 0
    users: int = 0
    rows: int = 0
    seconds: float = 0.0
    skipped: bool = False
    """True when the estate was already there and nothing but missing Users (and, for the
    reference estate, missing Devices) was added."""
    warnings: tuple[str, ...] = field(default_factory=tuple)


Progress = Callable[[int], None]
"""Told how many premises have been queued so far."""


def demo_cast(pki: Path | None, created_at: datetime, callback_url: str | None = None) -> DemoCast:
    """The demo Users: from a PKI's ``index.json`` when given (``PkiIndexError`` if bad)."""
    if pki is None:
        return generated_cast(created_at, callback_url)
    return cast_from_index(read_pki_index(pki), created_at, callback_url)


def seed_demo(
    estate: SqliteEstate,
    settings: DemoSettings,
    cast: DemoCast,
    *,
    progress: Progress | None = None,
) -> SeedReport:
    """Write the demo estate of ``settings.premises`` premises."""
    started = time.perf_counter()
    low = DEVICE_BASE.to_bytes(8, "big")
    high = (DEVICE_BASE + MAX_PREMISES * 8).to_bytes(8, "big")
    found = (
        estate.db.reader()
        .execute(
            "SELECT 1 FROM devices WHERE device_id >= ? AND device_id < ? LIMIT 1", (low, high)
        )
        .fetchone()
    )
    if found is not None:
        raise SeedError(
            f"{estate.db.path} already holds a demo estate; seed into a new database file"
        )
    loader = EstateLoader(estate.db)
    premises_done = 0
    try:
        for rows in demo_estate(settings, cast):
            loader.write(rows)
            if rows.premises:
                premises_done += len(rows.premises)
                if progress is not None:
                    progress(premises_done)
        written = loader.finish()
    finally:
        estate.forget()
    checkpoint(estate.db)
    counts = estate.counts()
    return SeedReport(
        estate="demo",
        premises=settings.premises,
        devices=counts.devices,
        registrations=counts.registrations,
        users=len(cast.users),
        rows=written,
        seconds=time.perf_counter() - started,
        warnings=cast.warnings,
    )


def seed_rtds(
    estate: SqliteEstate,
    *,
    keystore: Keystore | None = None,
    callback_url: str | None = None,
) -> SeedReport:
    """Write the reference estate (``estate.rtds``) unless it is already there."""
    started = time.perf_counter()
    chunk = rtds.rtds_chunk(keystore, callback_url=callback_url)
    present = estate.inventory.device_details(rtds.ESME) is not None
    if present:
        missing = [
            seeded
            for seeded in chunk.devices
            if estate.inventory.device_details(seeded.new.device_id) is None
        ]
        chunk = EstateChunk(users=chunk.users, devices=missing)
    loader = EstateLoader(estate.db)
    try:
        loader.write(chunk)
        written = loader.finish()
    finally:
        estate.forget()
    checkpoint(estate.db)
    return SeedReport(
        estate="rtds",
        premises=len(chunk.premises),
        devices=len(chunk.devices),
        registrations=len(chunk.registrations),
        users=len(chunk.users),
        rows=written,
        seconds=time.perf_counter() - started,
        skipped=present,
    )
