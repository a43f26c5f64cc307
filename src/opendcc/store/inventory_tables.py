"""The Smart Metering Inventory's tables: schema, row layouts and the reads every path shares.

``store.inventory`` (the repository) and ``store.estate`` (bulk loading) both write these
rows; keeping the layout in one place keeps them in step. Tables: ``premises`` (UPRN,
postcode, address identifier, CSP region); ``devices`` (one row per Device, keyed by its
EUI blob, WITHOUT ROWID); ``device_links`` (which meters a PPMID, HCALCS or Type 2 device
is joined to); ``status_history`` (append-only, numbered per Device). The
``inventory_devices`` view shows EUIs in DUIS form for analysts' SQL.

The tables declare no SQL foreign keys: every write in ``store.inventory`` checks the CHF,
GPF, meters and premises a Device names inside the same transaction (``estate.rules``), so
the database never holds a dangling reference, and SQLite's per-row foreign-key look-ups
would cost a third of the time of seeding a large estate.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from opendcc.estate.records import DeviceDetails, EsmeVariant, NewDevice, Premises
from opendcc.eui import Eui64
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus, StatusChange
from opendcc.store.database import SchemaPart, register_schema
from opendcc.store.keys import eui_key, eui_text_sql, from_us, optional_eui, optional_from_us, to_us

SCHEMA: Final = register_schema(
    SchemaPart(
        "estate-inventory-1",
        f"""
        CREATE TABLE premises (
            uprn INTEGER PRIMARY KEY,
            postcode TEXT NOT NULL,
            address_identifier TEXT NOT NULL,
            region TEXT NOT NULL
        );
        CREATE INDEX premises_postcode ON premises (postcode, address_identifier);
        CREATE TABLE devices (
            device_id BLOB PRIMARY KEY,
            device_type TEXT NOT NULL,
            status TEXT NOT NULL,
            status_since_us INTEGER NOT NULL,
            region TEXT NOT NULL,
            mpxn TEXT,
            chf_id BLOB,
            parent_id BLOB,
            manufacturer TEXT NOT NULL,
            model TEXT NOT NULL,
            firmware_version TEXT NOT NULL,
            gbcs_version TEXT NOT NULL,
            uprn INTEGER,
            secondary_mpan TEXT,
            export_mpan TEXT,
            esme_variant TEXT,
            smets_chts_version TEXT,
            installed_us INTEGER,
            commissioned_us INTEGER,
            added_us INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX devices_uprn ON devices (uprn) WHERE uprn IS NOT NULL;
        CREATE INDEX devices_chf ON devices (chf_id) WHERE chf_id IS NOT NULL;
        CREATE INDEX devices_parent ON devices (parent_id) WHERE parent_id IS NOT NULL;
        CREATE INDEX devices_mpxn ON devices (mpxn) WHERE mpxn IS NOT NULL;
        CREATE INDEX devices_secondary_mpan ON devices (secondary_mpan)
            WHERE secondary_mpan IS NOT NULL;
        CREATE INDEX devices_export_mpan ON devices (export_mpan) WHERE export_mpan IS NOT NULL;
        CREATE INDEX devices_status ON devices (status);
        CREATE TABLE device_links (
            device_id BLOB NOT NULL,
            meter_id BLOB NOT NULL,
            PRIMARY KEY (device_id, meter_id)
        ) WITHOUT ROWID;
        CREATE INDEX device_links_meter ON device_links (meter_id);
        CREATE TABLE status_history (
            device_id BLOB NOT NULL,
            n INTEGER NOT NULL,
            old_status TEXT,
            new_status TEXT NOT NULL,
            at_us INTEGER NOT NULL,
            cause TEXT NOT NULL,
            PRIMARY KEY (device_id, n)
        ) WITHOUT ROWID;
        CREATE TRIGGER status_history_no_update BEFORE UPDATE ON status_history
            BEGIN SELECT RAISE(ABORT, 'the status history is append-only'); END;
        CREATE TRIGGER status_history_no_delete BEFORE DELETE ON status_history
            BEGIN SELECT RAISE(ABORT, 'the status history is append-only'); END;
        CREATE VIEW inventory_devices AS
            SELECT {eui_text_sql("device_id")} AS device_eui, device_type, status,
                   datetime(status_since_us / 1000000, 'unixepoch') AS status_since,
                   region, uprn, mpxn, secondary_mpan, export_mpan,
                   {eui_text_sql("chf_id")} AS chf_eui,
                   {eui_text_sql("parent_id")} AS parent_eui,
                   manufacturer, model, firmware_version, gbcs_version, esme_variant,
                   datetime(installed_us / 1000000, 'unixepoch') AS installed,
                   datetime(commissioned_us / 1000000, 'unixepoch') AS commissioned
            FROM devices;
        """,
    )
)

COLUMNS: Final = (
    "device_id, device_type, status, status_since_us, region, mpxn, chf_id, parent_id,"
    " manufacturer, model, firmware_version, gbcs_version, uprn, secondary_mpan,"
    " export_mpan, esme_variant, smets_chts_version, installed_us, commissioned_us, added_us"
)
D_COLUMNS: Final = ", ".join(f"d.{c.strip()}" for c in COLUMNS.split(","))
DEVICE_SQL: Final = f"SELECT {COLUMNS} FROM devices WHERE device_id = ?"
JOINED_SQL: Final = "SELECT meter_id FROM device_links WHERE device_id = ? ORDER BY meter_id"
INSERT_DEVICE: Final = f"INSERT INTO devices ({COLUMNS}) VALUES ({', '.join('?' * 20)})"
INSERT_HISTORY: Final = (
    "INSERT INTO status_history (device_id, n, old_status, new_status, at_us, cause)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
INSERT_LINK: Final = "INSERT INTO device_links (device_id, meter_id) VALUES (?, ?)"
INSERT_PREMISES: Final = (
    "INSERT INTO premises (uprn, postcode, address_identifier, region) VALUES (?, ?, ?, ?)"
)

POINTS_OWN: Final = (
    "SELECT device_type, mpxn, secondary_mpan, export_mpan FROM devices WHERE device_id = ?"
)
POINTS_CHF: Final = (
    "SELECT device_type, mpxn, secondary_mpan, export_mpan FROM devices"
    " WHERE chf_id = ? AND device_type IN ('ESME', 'GSME') AND status != 'Decommissioned'"
)
POINTS_GPF: Final = (
    "SELECT device_type, mpxn, secondary_mpan, export_mpan FROM devices"
    " WHERE parent_id = ? AND device_type = 'GSME' AND status != 'Decommissioned'"
)
POINTS_HAN: Final = (
    "SELECT d.device_type, d.mpxn, d.secondary_mpan, d.export_mpan"
    " FROM device_links l JOIN devices d ON d.device_id = l.meter_id"
    " WHERE l.device_id = ? AND d.status != 'Decommissioned'"
)

TYPES: Final = {t.value: t for t in DeviceType}
STATUSES: Final = {s.value: s for s in SmiStatus}
REGIONS: Final = {r.value: r for r in CspRegion}
VARIANTS: Final = {v.value: v for v in EsmeVariant}


def device_of(row: Sequence[Any]) -> Device:
    return Device(
        device_id=Eui64(int.from_bytes(row[0], "big")),
        device_type=TYPES[row[1]],
        status=STATUSES[row[2]],
        status_since=from_us(row[3]),
        region=REGIONS[row[4]],
        mpxn=row[5],
        chf_id=optional_eui(row[6]),
        parent_id=optional_eui(row[7]),
        manufacturer=row[8],
        model=row[9],
        firmware_version=row[10],
        gbcs_version=row[11],
    )


def details_of(row: Sequence[Any], joined: Sequence[Sequence[bytes]]) -> DeviceDetails:
    return DeviceDetails(
        device=device_of(row),
        uprn=row[12],
        secondary_mpan=row[13],
        export_mpan=row[14],
        esme_variant=None if row[15] is None else VARIANTS[row[15]],
        smets_chts_version=row[16],
        installed_at=optional_from_us(row[17]),
        commissioned_at=optional_from_us(row[18]),
        joined_meters=tuple(Eui64(int.from_bytes(j[0], "big")) for j in joined),
        added_at=from_us(row[19]),
    )


def read_details(conn: sqlite3.Connection, key: bytes) -> DeviceDetails | None:
    row = conn.execute(DEVICE_SQL, (key,)).fetchone()
    if row is None:
        return None
    return details_of(row, conn.execute(JOINED_SQL, (key,)).fetchall())


def read_device(conn: sqlite3.Connection, device_id: Eui64) -> Device | None:
    row = conn.execute(DEVICE_SQL, (eui_key(device_id),)).fetchone()
    return None if row is None else device_of(row)


def device_row(new: NewDevice, status_since: datetime, added_at: datetime) -> tuple[Any, ...]:
    """The ``devices`` row for a new Device (column order of ``COLUMNS``)."""
    parent = new.effective_parent
    return (
        eui_key(new.device_id),
        new.device_type.value,
        new.initial_status.value,
        to_us(status_since),
        new.region.value,
        new.mpxn,
        None if new.chf_id is None else eui_key(new.chf_id),
        None if parent is None else eui_key(parent),
        new.manufacturer,
        new.model,
        new.firmware_version,
        new.gbcs_version,
        new.uprn,
        new.secondary_mpan,
        new.export_mpan,
        None if new.esme_variant is None else new.esme_variant.value,
        new.smets_chts_version,
        None if new.installed_at is None else to_us(new.installed_at),
        None if new.commissioned_at is None else to_us(new.commissioned_at),
        to_us(added_at),
    )


def insert_devices(
    conn: sqlite3.Connection,
    rows: Sequence[tuple[Any, ...]],
    links: Sequence[tuple[bytes, bytes]],
    history: Sequence[tuple[Any, ...]],
) -> None:
    """Bulk insert (seeding): rows must come CHFs and GPFs before the Devices naming them."""
    conn.executemany(INSERT_DEVICE, rows)
    conn.executemany(INSERT_LINK, links)
    conn.executemany(INSERT_HISTORY, history)


def insert_premises(conn: sqlite3.Connection, premises: Sequence[Premises]) -> None:
    conn.executemany(
        INSERT_PREMISES,
        [(p.uprn, p.postcode, p.address_identifier, p.region.value) for p in premises],
    )


def history_row(change: StatusChange, n: int) -> tuple[Any, ...]:
    return (
        eui_key(change.device_id),
        n,
        None if change.old is None else change.old.value,
        change.new.value,
        to_us(change.at),
        change.cause,
    )
