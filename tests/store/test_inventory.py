"""The Smart Metering Inventory over SQLite: what the hub and the admin API rely on."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opendcc.estate.records import (
    DeviceFilter,
    DeviceUpdate,
    EsmeVariant,
    EstateRefusal,
    NewDevice,
    Premises,
    RefusalKind,
)
from opendcc.eui import Eui64
from opendcc.inventory.model import CspRegion, Device, DeviceType, Fuel, SmiStatus, StatusChange
from opendcc.inventory.transitions import InventoryEvent, TransitionRefused
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, SqliteEstate, open_estate

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
UPRN = 123_456_789_012
CHF = Eui64.parse("00-00-00-00-00-00-01-00")
GPF = Eui64.parse("00-00-00-00-00-00-01-03")
ESME = Eui64.parse("00-00-00-00-00-00-01-01")
GSME = Eui64.parse("00-00-00-00-00-00-01-02")
PPMID = Eui64.parse("00-00-00-00-00-00-01-05")
HCALCS = Eui64.parse("00-00-00-00-00-00-01-06")
IHD = Eui64.parse("00-00-00-00-00-00-01-04")
MPAN, SECOND, EXPORT, MPRN = "1412345000010", "1412345000020", "1412345000039", "7412345608"
R = CspRegion.CENTRAL


@pytest.fixture
def estate(tmp_path: Path) -> Iterator[SqliteEstate]:
    with Database(tmp_path / "estate.db", parts=list(ESTATE_SCHEMA)) as db:
        yield open_estate(db)


async def premises_with_devices(estate: SqliteEstate) -> None:
    inv = estate.inventory
    assert isinstance(await inv.add_premises(Premises(UPRN, "cv4 8uw", "1 Test Row", R)), Premises)
    for new in (
        NewDevice(CHF, DeviceType.CHF, R, uprn=UPRN),
        NewDevice(GPF, DeviceType.GPF, R, uprn=UPRN, chf_id=CHF),
        NewDevice(
            ESME,
            DeviceType.ESME,
            R,
            uprn=UPRN,
            chf_id=CHF,
            mpxn=MPAN,
            secondary_mpan=SECOND,
            export_mpan=EXPORT,
            esme_variant=EsmeVariant.B,
        ),
        NewDevice(GSME, DeviceType.GSME, R, uprn=UPRN, chf_id=CHF, mpxn=MPRN, parent_id=GPF),
        NewDevice(PPMID, DeviceType.PPMID, R, uprn=UPRN, chf_id=CHF, joined_meters=(ESME, GSME)),
        NewDevice(HCALCS, DeviceType.HCALCS, R, uprn=UPRN, chf_id=CHF, joined_meters=(ESME,)),
        NewDevice(IHD, DeviceType.IHD, R, uprn=UPRN, chf_id=CHF, joined_meters=(GSME,)),
    ):
        added = await inv.add_device(new, T0, "test: install")
        assert not isinstance(added, EstateRefusal), added


async def test_added_device_reads_back_with_its_first_history_row(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    device = estate.inventory.get_device(ESME)
    assert device is not None
    assert (device.device_type, device.status, device.status_since) == (
        DeviceType.ESME,
        SmiStatus.PENDING,
        T0,
    )
    assert (device.mpxn, device.chf_id, device.region) == (MPAN, CHF, R)
    details = estate.inventory.device_details(ESME)
    assert details is not None
    assert (details.secondary_mpan, details.export_mpan, details.uprn) == (SECOND, EXPORT, UPRN)
    assert details.esme_variant is EsmeVariant.B
    assert estate.inventory.status_history(ESME) == [
        StatusChange(ESME, None, SmiStatus.PENDING, T0, "test: install")
    ]
    ihd = estate.inventory.get_device(IHD)
    assert ihd is not None and ihd.status is SmiStatus.NOT_APPLICABLE and ihd.parent_id == GSME
    assert estate.inventory.premises(UPRN) == Premises(UPRN, "CV4 8UW", "1 Test Row", R)


async def test_status_changes_follow_the_table_and_record_history(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    installed = await inv.change_status(ESME, InventoryEvent.INSTALL, t1, "8.11 req 1")
    assert (
        isinstance(installed, Device) and installed.status is SmiStatus.INSTALLED_NOT_COMMISSIONED
    )
    commissioned = await inv.change_status(ESME, InventoryEvent.COMMISSION, t2, "8.1.1 req 2")
    assert isinstance(commissioned, Device) and commissioned.status is SmiStatus.COMMISSIONED
    assert commissioned.status_since == t2
    assert inv.get_device(ESME) == commissioned
    details = inv.device_details(ESME)
    assert details is not None and (details.installed_at, details.commissioned_at) == (t1, t2)
    assert [(c.old, c.new, c.at, c.cause) for c in inv.status_history(ESME)] == [
        (None, SmiStatus.PENDING, T0, "test: install"),
        (SmiStatus.PENDING, SmiStatus.INSTALLED_NOT_COMMISSIONED, t1, "8.11 req 1"),
        (SmiStatus.INSTALLED_NOT_COMMISSIONED, SmiStatus.COMMISSIONED, t2, "8.1.1 req 2"),
    ]


async def test_refused_transition_names_the_row_and_changes_nothing(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    before = inv.get_device(ESME)
    refused = await inv.change_status(ESME, InventoryEvent.DECOMMISSION, T0, "test")
    assert refused == TransitionRefused(SmiStatus.PENDING, InventoryEvent.DECOMMISSION)
    assert "Pending does not allow decommission" in str(refused)
    assert inv.get_device(ESME) == before
    assert len(inv.status_history(ESME)) == 1
    # A Type 2 device has no status and accepts no event.
    no_status = await inv.change_status(IHD, InventoryEvent.COMMISSION, T0, "test")
    assert isinstance(no_status, TransitionRefused)
    assert no_status.status is SmiStatus.NOT_APPLICABLE


async def test_status_change_refusals_for_unknown_devices_and_bad_times(
    estate: SqliteEstate,
) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    unknown = await inv.change_status(Eui64(7), InventoryEvent.INSTALL, T0, "x")
    assert isinstance(unknown, EstateRefusal) and unknown.kind is RefusalKind.NOT_FOUND
    backdated = await inv.change_status(ESME, InventoryEvent.INSTALL, T0 - timedelta(1), "x")
    assert isinstance(backdated, EstateRefusal) and backdated.kind is RefusalKind.INVALID
    naive = await inv.change_status(ESME, InventoryEvent.INSTALL, datetime(2024, 5, 1), "x")
    assert isinstance(naive, EstateRefusal) and "time zone" in naive.message
    empty_cause = await inv.change_status(ESME, InventoryEvent.INSTALL, T0, "")
    assert isinstance(empty_cause, EstateRefusal)
    assert len(inv.status_history(ESME)) == 1


async def test_recorder_runs_in_the_same_transaction(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    estate.db.write_now(lambda c: c.execute("CREATE TABLE audit (what TEXT NOT NULL)"))

    def audit(conn: Any, change: StatusChange) -> None:
        conn.execute("INSERT INTO audit VALUES (?)", (f"{change.device_id} {change.new}",))

    def failing(conn: Any, change: StatusChange) -> None:
        conn.execute("INSERT INTO audit VALUES ('half')")
        raise RuntimeError("the caller's own row could not be written")

    with pytest.raises(RuntimeError):
        await inv.change_status(ESME, InventoryEvent.INSTALL, T0, "x", record=failing)
    # Nothing of the failed change is visible, not the audit row and not the status.
    assert estate.db.reader().execute("SELECT count(*) FROM audit").fetchone() == (0,)
    assert inv.get_device(ESME) is not None
    assert inv.get_device(ESME).status is SmiStatus.PENDING  # type: ignore[union-attr]
    assert len(inv.status_history(ESME)) == 1
    done = await inv.change_status(ESME, InventoryEvent.INSTALL, T0, "x", record=audit)
    assert isinstance(done, Device)
    rows = estate.db.reader().execute("SELECT what FROM audit").fetchall()
    assert rows == [(f"{ESME} InstalledNotCommissioned",)]


async def test_fuels_by_mpxn_for_every_device_type(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory

    def fuels(eui: Eui64) -> dict[str, Fuel]:
        device = inv.get_device(eui)
        assert device is not None
        return inv.fuels_by_mpxn(device)

    e, g = Fuel.ELECTRICITY, Fuel.GAS
    assert fuels(ESME) == {MPAN: e, SECOND: e, EXPORT: e}
    assert fuels(GSME) == {MPRN: g}
    assert fuels(CHF) == {MPAN: e, SECOND: e, EXPORT: e, MPRN: g}
    assert fuels(GPF) == {MPRN: g}
    assert fuels(PPMID) == {MPAN: e, SECOND: e, EXPORT: e, MPRN: g}
    assert fuels(HCALCS) == {MPAN: e, SECOND: e, EXPORT: e}
    assert fuels(IHD) == {MPRN: g}
    # The returned dict is the caller's: changing it does not change the cache.
    fuels(GSME).clear()
    assert fuels(GSME) == {MPRN: g}


async def test_caches_follow_writes(estate: SqliteEstate) -> None:
    inv = estate.inventory
    assert inv.get_device(CHF) is None  # remembered as unknown...
    await premises_with_devices(estate)
    assert inv.get_device(CHF) is not None  # ...until it is added
    chf = inv.get_device(CHF)
    assert chf is not None and inv.fuels_by_mpxn(chf) != {}
    await inv.change_status(ESME, InventoryEvent.INSTALL, T0, "x")
    await inv.change_status(ESME, InventoryEvent.COMMISSION, T0, "x")
    await inv.change_status(ESME, InventoryEvent.DECOMMISSION, T0, "x")
    # A decommissioned meter no longer lends its MPxNs to its CHF or HAN devices.
    assert inv.fuels_by_mpxn(chf) == {MPRN: Fuel.GAS}
    hcalcs = inv.get_device(HCALCS)
    assert hcalcs is not None and inv.fuels_by_mpxn(hcalcs) == {}
    updated = await inv.update_device(GSME, DeviceUpdate(mpxn="7400000017", firmware_version="2"))
    assert not isinstance(updated, EstateRefusal)
    assert inv.fuels_by_mpxn(chf) == {"7400000017": Fuel.GAS}
    gsme = inv.get_device(GSME)
    assert gsme is not None and gsme.firmware_version == "2"


def test_cache_never_keeps_a_row_read_before_a_commit(tmp_path: Path) -> None:
    # Readers in threads race a writer; after every write, a read must see it.
    import asyncio

    with Database(tmp_path / "race.db", parts=list(ESTATE_SCHEMA)) as db:
        estate = open_estate(db, device_cache=8)
        asyncio.run(premises_with_devices(estate))
        stop = threading.Event()

        def reader() -> None:
            while not stop.is_set():
                for eui in (ESME, GSME, CHF, GPF):
                    estate.inventory.get_device(eui)

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:

            async def churn() -> None:
                for i in range(60):
                    fw = f"{i:08X}"
                    result = await estate.inventory.update_device(
                        ESME, DeviceUpdate(firmware_version=fw)
                    )
                    assert not isinstance(result, EstateRefusal)
                    seen = estate.inventory.get_device(ESME)
                    assert seen is not None and seen.firmware_version == fw

            asyncio.run(churn())
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        final = estate.inventory.get_device(ESME)
        assert final is not None and final.firmware_version == f"{59:08X}"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (NewDevice(IHD, DeviceType.IHD, R, status=SmiStatus.COMMISSIONED), "Type 2"),
        (NewDevice(ESME, DeviceType.ESME, R, status=SmiStatus.NOT_APPLICABLE), "Type 2"),
        (NewDevice(ESME, DeviceType.ESME, R, mpxn="12345"), "13-digit MPAN"),
        (NewDevice(GSME, DeviceType.GSME, R, mpxn="12345678901"), "MPRN"),
        (NewDevice(GSME, DeviceType.GSME, R, mpxn="74a"), "MPRN"),
        (NewDevice(CHF, DeviceType.CHF, R, mpxn=MPAN), "only meters"),
        (NewDevice(GSME, DeviceType.GSME, R, export_mpan=MPAN), "only an ESME"),
        (NewDevice(GSME, DeviceType.GSME, R, esme_variant=EsmeVariant.A), "ESME variant"),
        (NewDevice(ESME, DeviceType.ESME, R, parent_id=GPF), "only a GSME"),
        (NewDevice(ESME, DeviceType.ESME, R, joined_meters=(GSME,)), "not joined"),
        (NewDevice(PPMID, DeviceType.PPMID, R, joined_meters=(ESME, ESME)), "twice"),
        (NewDevice(CHF, DeviceType.CHF, R, chf_id=CHF), "CHF"),
        (NewDevice(ESME, DeviceType.ESME, R, chf_id=ESME), "itself"),
        (NewDevice(ESME, DeviceType.ESME, R, uprn=10**12), "UPRN"),
        (NewDevice(ESME, DeviceType.ESME, R, firmware_version="123456789"), "FirmwareVersion"),
        (NewDevice(ESME, DeviceType.ESME, R, manufacturer="a\nb"), "control"),
        (NewDevice(ESME, DeviceType.ESME, R, installed_at=datetime(2024, 1, 1)), "time zone"),
    ],
)
async def test_bad_devices_are_refused_with_a_reason(
    estate: SqliteEstate, new: NewDevice, message: str
) -> None:
    refused = await estate.inventory.add_device(new, T0, "test")
    assert isinstance(refused, EstateRefusal) and refused.kind is RefusalKind.INVALID
    assert message in refused.message
    assert estate.inventory.counts().devices == 0


async def test_references_must_exist_with_the_right_type(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    other = Eui64(0x99)
    cases = [
        (NewDevice(other, DeviceType.ESME, R, chf_id=ESME), "not a CHF"),
        (NewDevice(other, DeviceType.GSME, R, parent_id=CHF), "not a GPF"),
        (NewDevice(other, DeviceType.HCALCS, R, joined_meters=(GSME,)), "HCALCS joins ESME"),
        (NewDevice(other, DeviceType.PPMID, R, joined_meters=(Eui64(5),)), "not in the"),
        (NewDevice(other, DeviceType.ESME, CspRegion.NORTH, uprn=UPRN), "Central region"),
        (NewDevice(other, DeviceType.ESME, R, uprn=42), "not known"),
    ]
    for new, message in cases:
        refused = await inv.add_device(new, T0, "test")
        assert isinstance(refused, EstateRefusal), new
        assert message in refused.message
    assert inv.get_device(other) is None
    duplicate = await inv.add_device(NewDevice(ESME, DeviceType.ESME, R), T0, "again")
    assert isinstance(duplicate, EstateRefusal) and duplicate.kind is RefusalKind.CONFLICT


async def test_join_and_unjoin_keep_parent_and_fuels_current(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    joined = await inv.join(IHD, ESME)
    assert not isinstance(joined, EstateRefusal)
    assert joined.joined_meters == (ESME, GSME)
    ihd = inv.get_device(IHD)
    assert ihd is not None and ihd.parent_id == GSME
    assert set(inv.fuels_by_mpxn(ihd)) == {MPAN, SECOND, EXPORT, MPRN}
    again = await inv.join(IHD, ESME)
    assert isinstance(again, EstateRefusal) and again.kind is RefusalKind.CONFLICT
    wrong = await inv.join(HCALCS, GSME)
    assert isinstance(wrong, EstateRefusal) and "HCALCS joins ESME" in wrong.message
    left = await inv.unjoin(IHD, GSME)
    assert not isinstance(left, EstateRefusal) and left.joined_meters == (ESME,)
    ihd = inv.get_device(IHD)
    assert ihd is not None and ihd.parent_id == ESME
    assert set(inv.fuels_by_mpxn(ihd)) == {MPAN, SECOND, EXPORT}
    missing = await inv.unjoin(IHD, GSME)
    assert isinstance(missing, EstateRefusal) and missing.kind is RefusalKind.NOT_FOUND


async def test_update_device_checks_fields_against_the_type(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    for device_id, update in (
        (CHF, DeviceUpdate(mpxn=MPAN)),
        (GSME, DeviceUpdate(secondary_mpan=MPAN)),
        (ESME, DeviceUpdate()),
        (ESME, DeviceUpdate(clear=frozenset({"model"}))),
    ):
        refused = await inv.update_device(device_id, update)
        assert isinstance(refused, EstateRefusal), update
    cleared = await inv.update_device(ESME, DeviceUpdate(clear=frozenset({"export_mpan"})))
    assert not isinstance(cleared, EstateRefusal) and cleared.export_mpan is None
    unknown = await inv.update_device(Eui64(3), DeviceUpdate(model="x"))
    assert isinstance(unknown, EstateRefusal) and unknown.kind is RefusalKind.NOT_FOUND


async def test_listing_filters_and_pages_in_eui_order(estate: SqliteEstate) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    seen: list[Eui64] = []
    after = None
    while True:
        page = inv.list_devices(DeviceFilter(), after=after, limit=3)
        seen += [d.device.device_id for d in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted([CHF, GPF, ESME, GSME, PPMID, HCALCS, IHD])
    metered = inv.list_devices(DeviceFilter(mpxn=EXPORT)).items
    assert [d.device.device_id for d in metered] == [ESME]
    by_type = inv.list_devices(DeviceFilter(device_type=DeviceType.HCALCS)).items
    assert [d.device.device_id for d in by_type] == [HCALCS]
    at_postcode = inv.list_devices(DeviceFilter(postcode="cv48uw", chf_id=CHF)).items
    assert len(at_postcode) == 6
    assert inv.list_devices(DeviceFilter(status=SmiStatus.COMMISSIONED)).items == ()
    assert len(inv.devices_for_mpxn(MPRN)) == 7
    assert inv.find_premises("CV4 8UW", "1 Test Row")[0].uprn == UPRN
    counts = inv.counts()
    assert (counts.premises, counts.devices, counts.status_changes) == (1, 7, 7)
    assert counts.by_status == {"NotApplicable": 1, "Pending": 6}


def test_history_is_append_only(estate: SqliteEstate) -> None:
    import asyncio

    asyncio.run(premises_with_devices(estate))
    for statement in ("UPDATE status_history SET cause = 'x'", "DELETE FROM status_history"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            estate.db.write_now(lambda c, s=statement: c.execute(s))  # type: ignore[misc]


def test_open_estate_refuses_a_database_without_the_estate_tables(tmp_path: Path) -> None:
    from opendcc.store.database import SchemaPart, StoreError

    other = Database(tmp_path / "other.db", parts=[SchemaPart("x", "CREATE TABLE x (a);")])
    with other as db, pytest.raises(StoreError, match="lacks the estate tables"):
        open_estate(db)


# --- Suspended and firmware (SEC modification MP105) ------------------------------------------


async def test_a_new_firmware_version_reinstates_a_suspended_device_to_its_prior_status(
    estate: SqliteEstate,
) -> None:
    await premises_with_devices(estate)
    inv = estate.inventory
    t = [T0 + timedelta(hours=h) for h in range(8)]
    # The ESME is suspended while InstalledNotCommissioned, the GSME while Commissioned.
    for event, at in ((InventoryEvent.INSTALL, t[1]), (InventoryEvent.SUSPEND, t[2])):
        assert isinstance(await inv.change_status(ESME, event, at, "test"), Device)
    for event, at in (
        (InventoryEvent.INSTALL, t[1]),
        (InventoryEvent.COMMISSION, t[2]),
        (InventoryEvent.SUSPEND, t[3]),
    ):
        assert isinstance(await inv.change_status(GSME, event, at, "test"), Device)
    seen: list[Any] = []

    # The version it already has: nothing is written, nothing recorded.
    same = await inv.record_firmware(ESME, "00000001", t[4], "req 0", record=_collect(seen))
    assert not isinstance(same, EstateRefusal) and not same.changed and same.reinstated is None
    assert seen == [] and len(inv.status_history(ESME)) == 3

    back = await inv.record_firmware(ESME, "0A0B0C0D", t[4], "req 1", record=_collect(seen))
    assert not isinstance(back, EstateRefusal) and back.changed and back.previous == "00000001"
    assert back.reinstated == StatusChange(
        ESME, SmiStatus.SUSPENDED, SmiStatus.INSTALLED_NOT_COMMISSIONED, t[4], "req 1"
    )
    assert seen == [back]
    device = inv.get_device(ESME)  # the cache follows
    assert device is not None and device.status is SmiStatus.INSTALLED_NOT_COMMISSIONED
    assert device.firmware_version == "0A0B0C0D" and device.status_since == t[4]

    gas = await inv.record_firmware(GSME, "0102", t[5], "req 2")
    assert not isinstance(gas, EstateRefusal) and gas.reinstated is not None
    assert gas.reinstated.new is SmiStatus.COMMISSIONED
    assert inv.status_history(GSME)[-1].old is SmiStatus.SUSPENDED

    # A Device that is not Suspended takes the version and keeps its status.
    plain = await inv.record_firmware(GSME, "0103", t[6], "req 3")
    assert not isinstance(plain, EstateRefusal) and plain.changed and plain.reinstated is None
    assert len(inv.status_history(GSME)) == 5

    # A version the inventory cannot hold, or an unknown Device: refused, nothing written.
    bad = await inv.record_firmware(GSME, "0123456789", t[7], "req 4")
    assert isinstance(bad, EstateRefusal)
    unknown = await inv.record_firmware(Eui64.parse("00-00-00-00-00-00-0F-0F"), "01", t[7], "x")
    assert isinstance(unknown, EstateRefusal) and unknown.kind is RefusalKind.NOT_FOUND
    stored = inv.get_device(GSME)
    assert stored is not None and stored.firmware_version == "0103"


async def test_reinstate_through_the_table_returns_to_the_status_before(
    estate: SqliteEstate,
) -> None:
    """The admin API's way (``POST /devices/{eui}/status`` ``reinstate``): the same row."""
    await premises_with_devices(estate)
    inv = estate.inventory
    t = [T0 + timedelta(hours=h) for h in range(5)]
    assert isinstance(await inv.change_status(CHF, InventoryEvent.INSTALL, t[1], "t"), Device)
    assert isinstance(await inv.change_status(CHF, InventoryEvent.COMMISSION, t[2], "t"), Device)
    refused = await inv.change_status(CHF, InventoryEvent.REINSTATE, t[3], "t")
    assert refused == TransitionRefused(SmiStatus.COMMISSIONED, InventoryEvent.REINSTATE)
    assert isinstance(await inv.change_status(CHF, InventoryEvent.SUSPEND, t[3], "t"), Device)
    back = await inv.change_status(CHF, InventoryEvent.REINSTATE, t[4], "admin: CPL again")
    assert isinstance(back, Device) and back.status is SmiStatus.COMMISSIONED
    assert [(c.old, c.new) for c in inv.status_history(CHF)][-2:] == [
        (SmiStatus.COMMISSIONED, SmiStatus.SUSPENDED),
        (SmiStatus.SUSPENDED, SmiStatus.COMMISSIONED),
    ]


def _collect(into: list[Any]) -> Any:
    def record(conn: sqlite3.Connection, result: Any) -> None:
        into.append(result)

    return record
