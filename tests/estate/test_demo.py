"""The demo estate, read back through the repositories and checked against the rules."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opendcc.access.eligibility import check_registration
from opendcc.estate import ids, rules
from opendcc.estate.cast import generated_cast
from opendcc.estate.demo import DemoSettings
from opendcc.estate.mpxn import mpan_is_valid, mprn_is_valid
from opendcc.estate.records import DeviceDetails, DeviceFilter, NewDevice
from opendcc.estate.seed import SeedError, seed_demo
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import CspRegion, DeviceType, MarketRole, SmiStatus
from opendcc.inventory.transitions import TRANSITIONS
from opendcc.roles import UserRole
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, SqliteEstate, open_estate

AS_OF = datetime(2025, 1, 1, tzinfo=UTC)
PREMISES = 3_000


def seeded(path: Path, premises: int, seed: int) -> Database:
    db = Database(path, parts=list(ESTATE_SCHEMA)).open()
    seed_demo(open_estate(db), DemoSettings(premises, seed=seed), generated_cast(AS_OF))
    return db


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteEstate]:
    db = seeded(tmp_path_factory.mktemp("demo") / "demo.db", PREMISES, seed=7)
    try:
        yield open_estate(db)
    finally:
        db.close()


def all_devices(estate: SqliteEstate) -> list[DeviceDetails]:
    found: list[DeviceDetails] = []
    after = None
    while True:
        page = estate.inventory.list_devices(DeviceFilter(), after=after, limit=1000)
        found += page.items
        if page.next_after is None:
            return found
        after = page.next_after


def as_new(details: DeviceDetails) -> NewDevice:
    d = details.device
    return NewDevice(
        device_id=d.device_id,
        device_type=d.device_type,
        region=d.region,
        status=d.status,
        uprn=details.uprn,
        mpxn=d.mpxn,
        secondary_mpan=details.secondary_mpan,
        export_mpan=details.export_mpan,
        chf_id=d.chf_id,
        parent_id=d.parent_id if d.device_type is DeviceType.GSME else None,
        joined_meters=details.joined_meters,
        manufacturer=d.manufacturer,
        model=d.model,
        firmware_version=d.firmware_version,
        gbcs_version=d.gbcs_version,
        smets_chts_version=details.smets_chts_version,
        esme_variant=details.esme_variant,
        installed_at=details.installed_at,
        commissioned_at=details.commissioned_at,
    )


def test_every_device_meets_the_estate_rules(estate: SqliteEstate) -> None:
    devices = all_devices(estate)
    counts = estate.counts()
    assert len(devices) == counts.devices
    assert counts.premises == PREMISES
    for details in devices:
        new = as_new(details)
        assert rules.check_new_device(new) is None, details
        assert rules.check_device_references(new, estate.inventory.get_device) is None, details
        premises = estate.inventory.premises(details.uprn or 0)
        assert premises is not None and premises.region is details.device.region
        assert rules.check_premises(premises) is None
        assert ids.demo_premises_of(details.device.device_id) is not None


def test_histories_walk_the_transition_table(estate: SqliteEstate) -> None:
    rows = set(TRANSITIONS.items())
    allowed_pairs = {(status, to) for (status, _), to in rows}
    for details in all_devices(estate)[::7]:
        device = details.device
        history = estate.inventory.status_history(device.device_id)
        assert history[0].old is None
        assert history[-1].new is device.status and history[-1].at == device.status_since
        for before, after in itertools.pairwise(history):
            assert (after.old, after.new) in allowed_pairs
            assert after.old is before.new and after.at >= before.at
        assert details.added_at == history[0].at
        if details.commissioned_at is not None:
            assert device.status is not SmiStatus.PENDING
        assert device.status_since < AS_OF


def test_the_mix_is_mostly_commissioned_dual_fuel_over_three_regions(
    estate: SqliteEstate,
) -> None:
    counts = estate.counts()
    by_type = counts.by_type
    assert by_type["CHF"] == by_type["IHD"] == PREMISES
    assert 0.65 < by_type["GSME"] / PREMISES < 0.79
    assert by_type["GPF"] == by_type["GSME"]
    assert 0.08 < by_type["PPMID"] / PREMISES < 0.16
    assert 0 < by_type["HCALCS"] < 0.05 * PREMISES
    statuses = counts.by_status
    with_status = counts.devices - statuses["NotApplicable"]
    assert statuses["Commissioned"] / with_status > 0.93
    for rare in ("Pending", "InstalledNotCommissioned", "Decommissioned", "Withdrawn"):
        assert 0 < statuses[rare] < 0.05 * with_status
    assert set(counts.by_region) == {r.value for r in CspRegion}
    assert min(counts.by_region.values()) > 0.2 * counts.devices


def test_mpxns_are_valid_and_unique(estate: SqliteEstate) -> None:
    points: Counter[str] = Counter()
    for details in all_devices(estate):
        for mpxn in (details.device.mpxn, details.secondary_mpan, details.export_mpan):
            if mpxn is None:
                continue
            points[mpxn] += 1
            if details.device.device_type is DeviceType.ESME:
                assert mpan_is_valid(mpxn), mpxn
            else:
                assert mprn_is_valid(mpxn) and len(mpxn) == 10, mpxn
    assert points and max(points.values()) == 1


def test_registrations_never_overlap_and_cover_live_meters(estate: SqliteEstate) -> None:
    regs = estate.registrations
    live_meters = [
        d
        for d in all_devices(estate)
        if d.device.device_type.is_meter and d.device.mpxn is not None
    ]
    changed = 0
    for details in live_meters:
        mpxn = details.device.mpxn
        assert mpxn is not None
        history = regs.history(mpxn)
        periods = defaultdict(list)
        for r in history:
            periods[r.role].append((r.valid_from, r.valid_to))
        for spans in periods.values():
            spans.sort()
            for (_, end), (start, _) in itertools.pairwise(spans):
                assert end is not None and end <= start
        changed += len(periods[MarketRole.SUPPLIER]) > 1
        in_force = {r.role for r in regs.registrations_for([mpxn], AS_OF)}
        assert {MarketRole.SUPPLIER, MarketRole.NETWORK_OPERATOR} <= in_force
    assert 0.08 < changed / len(live_meters) < 0.25


def test_registered_supplier_passes_e4_and_others_do_not(estate: SqliteEstate) -> None:
    inv, regs, users = estate.inventory, estate.registrations, estate.users
    checked = 0
    for details in all_devices(estate)[::11]:
        device = details.device
        fuels = inv.fuels_by_mpxn(device)
        if not fuels:
            continue
        in_force = regs.registrations_for(fuels, AS_OF)
        # Import, gas and export supply all make a supplier eligible (in the matching role).
        supply = (MarketRole.SUPPLIER, MarketRole.EXPORT_SUPPLIER)
        holders = {r.party for r in in_force if r.role in supply}
        for supplier in users.list_users(role=UserRole.IMPORT_SUPPLIER):
            candidates = sorted(supplier.roles, key=lambda r: r.value)
            verdict = check_registration(supplier, candidates, device, fuels, in_force, AS_OF)
            assert isinstance(verdict, UserRole) == (supplier.eui in holders), (device, supplier)
        checked += 1
    assert checked > 100


def test_demo_users_and_the_dcc(estate: SqliteEstate) -> None:
    users = estate.users.list_users()
    assert len(users) == 10
    dcc = estate.users.get_user(DCC_ACCESS_CONTROL_BROKER)
    assert dcc is not None and "dcc" in dcc.tags and not dcc.roles
    held = {role for user in users for role in user.roles}
    assert held == set(UserRole)
    assert all(ids.is_opendcc_eui(u.eui) for u in users if u.eui != DCC_ACCESS_CONTROL_BROKER)


def content_digest(db: Database) -> str:
    digest = hashlib.sha256()
    conn = db.reader()
    for table in ("premises", "devices", "device_links", "status_history", "registrations"):
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_same_seed_same_estate_other_seed_other_estate(tmp_path: Path) -> None:
    a = seeded(tmp_path / "a.db", 500, seed=1)
    b = seeded(tmp_path / "b.db", 500, seed=1)
    c = seeded(tmp_path / "c.db", 500, seed=2)
    try:
        assert content_digest(a) == content_digest(b)
        assert content_digest(a) != content_digest(c)
    finally:
        for db in (a, b, c):
            db.close()


def test_seeding_twice_is_refused(tmp_path: Path) -> None:
    db = seeded(tmp_path / "twice.db", 10, seed=1)
    try:
        with pytest.raises(SeedError, match="already holds a demo estate"):
            seed_demo(open_estate(db), DemoSettings(10), generated_cast(AS_OF))
    finally:
        db.close()


def test_settings_are_checked() -> None:
    for bad in (
        lambda: DemoSettings(-1),
        lambda: DemoSettings(200_000_000),
        lambda: DemoSettings(1, as_of=datetime(2025, 1, 1)),
        lambda: DemoSettings(1, as_of=datetime(2001, 1, 1, tzinfo=UTC)),
    ):
        with pytest.raises(ValueError):
            bad()


def test_device_euis_encode_premises_and_slot() -> None:
    eui = ids.demo_device_eui(12_345, ids.Slot.GSME)
    assert str(eui).startswith("02-0D-CC-01-")
    assert ids.demo_premises_of(eui) == (12_345, ids.Slot.GSME)
    assert ids.demo_premises_of(Eui64.parse("90-B3-D5-1F-30-00-00-02")) is None
    with pytest.raises(ValueError):
        ids.demo_device_eui(ids.MAX_PREMISES, ids.Slot.CHF)
