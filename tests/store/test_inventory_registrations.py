"""Registration data over SQLite: periods per MPxN and role, change of supplier at a date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opendcc.estate.records import EstateRefusal, RefusalKind, RegistrationChange
from opendcc.eui import Eui64
from opendcc.inventory.model import Fuel, MarketRole, Registration
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, SqliteEstate, open_estate

MPAN, MPRN = "1412345000010", "7412345608"
OLD, NEW, THIRD, NO = Eui64(0x11), Eui64(0x22), Eui64(0x33), Eui64(0x44)
Y2020, Y2023, Y2024 = (datetime(y, 1, 1, tzinfo=UTC) for y in (2020, 2023, 2024))
SUPPLIER = MarketRole.SUPPLIER


@pytest.fixture
def estate(tmp_path: Path) -> Iterator[SqliteEstate]:
    with Database(tmp_path / "estate.db", parts=list(ESTATE_SCHEMA)) as db:
        yield open_estate(db)


async def test_change_of_supplier_ends_the_old_and_starts_the_new(estate: SqliteEstate) -> None:
    regs = estate.registrations
    first = Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, OLD, Y2020)
    assert await regs.add(first) == first
    network = Registration(MPAN, Fuel.ELECTRICITY, MarketRole.NETWORK_OPERATOR, NO, Y2020)
    assert await regs.add(network) == network
    assert regs.registrations_for([MPAN], Y2023) == [network, first]

    change = await regs.change_party(MPAN, SUPPLIER, NEW, Y2023)
    assert change == RegistrationChange(
        ended=Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, OLD, Y2020, Y2023),
        started=Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, NEW, Y2023),
    )
    just_before = Y2023 - timedelta(microseconds=1)
    assert {r.party for r in regs.registrations_for([MPAN], just_before)} == {OLD, NO}
    assert {r.party for r in regs.registrations_for([MPAN], Y2023)} == {NEW, NO}
    # Both are kept: the history shows the old registration ending where the new begins.
    history = [(r.role, r.party, r.valid_from, r.valid_to) for r in regs.history(MPAN)]
    assert history == [
        (MarketRole.NETWORK_OPERATOR, NO, Y2020, None),
        (SUPPLIER, OLD, Y2020, Y2023),
        (SUPPLIER, NEW, Y2023, None),
    ]
    assert [r.mpxn for r in regs.for_party(NEW, Y2024)] == [MPAN]
    assert regs.for_party(OLD, Y2024) == []
    assert len(regs.for_party(OLD)) == 1


async def test_change_of_supplier_refusals_change_nothing(estate: SqliteEstate) -> None:
    regs = estate.registrations
    await regs.add(Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, OLD, Y2020))
    await regs.change_party(MPAN, SUPPLIER, NEW, Y2023)
    before = regs.history(MPAN)
    same = await regs.change_party(MPAN, SUPPLIER, NEW, Y2024)
    assert isinstance(same, EstateRefusal) and same.kind is RefusalKind.CONFLICT
    earlier = await regs.change_party(MPAN, SUPPLIER, THIRD, Y2023 - timedelta(days=30))
    assert isinstance(earlier, EstateRefusal) and "at or after" in earlier.message
    export_for_gas = await regs.change_party(MPRN, MarketRole.EXPORT_SUPPLIER, THIRD, Y2024)
    assert isinstance(export_for_gas, EstateRefusal) and export_for_gas.kind is RefusalKind.INVALID
    not_an_mpxn = await regs.change_party("MPAN-1", SUPPLIER, THIRD, Y2024)
    assert isinstance(not_an_mpxn, EstateRefusal)
    naive = await regs.change_party(MPAN, SUPPLIER, THIRD, datetime(2025, 1, 1))
    assert isinstance(naive, EstateRefusal)
    assert regs.history(MPAN) == before


async def test_change_with_no_registration_in_force_starts_one(estate: SqliteEstate) -> None:
    change = await estate.registrations.change_party(MPRN, SUPPLIER, NEW, Y2024)
    assert isinstance(change, RegistrationChange) and change.ended is None
    assert change.started == Registration(MPRN, Fuel.GAS, SUPPLIER, NEW, Y2024)


@pytest.mark.parametrize(
    ("registration", "kind"),
    [
        (Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, NEW, Y2023, Y2024), RefusalKind.CONFLICT),
        (
            Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, NEW, Y2020 - timedelta(1)),
            RefusalKind.CONFLICT,
        ),
        (Registration(MPAN, Fuel.GAS, SUPPLIER, NEW, Y2024), RefusalKind.INVALID),
        (Registration(MPRN, Fuel.GAS, MarketRole.EXPORT_SUPPLIER, NEW, Y2024), RefusalKind.INVALID),
        (Registration("12345678901", Fuel.GAS, SUPPLIER, NEW, Y2024), RefusalKind.INVALID),
        (Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, NEW, Y2024, Y2023), RefusalKind.INVALID),
    ],
)
async def test_overlapping_or_malformed_registrations_are_refused(
    estate: SqliteEstate, registration: Registration, kind: RefusalKind
) -> None:
    regs = estate.registrations
    await regs.add(Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, OLD, Y2020))
    refused = await regs.add(registration)
    assert isinstance(refused, EstateRefusal) and refused.kind is kind
    assert len(regs.history(MPAN)) == 1


async def test_adjacent_periods_do_not_overlap(estate: SqliteEstate) -> None:
    regs = estate.registrations
    assert not isinstance(
        await regs.add(Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, OLD, Y2020, Y2023)),
        EstateRefusal,
    )
    later = Registration(MPAN, Fuel.ELECTRICITY, SUPPLIER, NEW, Y2023)
    assert await regs.add(later) == later
    assert regs.registrations_for([MPAN, MPRN], Y2024) == [later]
