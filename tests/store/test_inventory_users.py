"""DCC Users over SQLite: roles, status, Receive Response Service, certificate serials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opendcc.access.users import DccUser, UserStatus
from opendcc.estate.records import EstateRefusal, RefusalKind, UserCertificate, UserUpdate
from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.smki.identity import RemotePartyRole
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, SqliteEstate, open_estate

EUI = Eui64.parse("02-0D-CC-00-00-01-00-09")
IS, GS = UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER
USER = DccUser(EUI, "Supplier Nine", frozenset({IS}), party="supplier-9")


@pytest.fixture
def estate(tmp_path: Path) -> Iterator[SqliteEstate]:
    with Database(tmp_path / "estate.db", parts=list(ESTATE_SCHEMA)) as db:
        yield open_estate(db)


async def test_create_read_and_update_a_user(estate: SqliteEstate) -> None:
    users = estate.users
    assert users.get_user(EUI) is None
    assert await users.create(USER) == USER
    assert users.get_user(EUI) == USER
    again = await users.create(USER)
    assert isinstance(again, EstateRefusal) and again.kind is RefusalKind.CONFLICT

    changed = await users.update(
        EUI,
        UserUpdate(
            roles=frozenset({IS, GS}),
            status=UserStatus.SUSPENDED,
            callback_url="https://supplier.example:8443/rrs",
        ),
    )
    assert isinstance(changed, DccUser)
    assert users.get_user(EUI) == changed
    assert changed.roles == {IS, GS} and changed.status is UserStatus.SUSPENDED
    assert changed.callback_url == "https://supplier.example:8443/rrs"
    cleared = await users.update(EUI, UserUpdate(clear_callback_url=True))
    assert isinstance(cleared, DccUser) and cleared.callback_url is None
    assert [u.eui for u in users.list_users(role=GS)] == [EUI]
    assert users.list_users(status=UserStatus.ACTIVE) == []


@pytest.mark.parametrize(
    "update",
    [
        UserUpdate(callback_url="ftp://x.example/"),
        UserUpdate(callback_url="http:///no-host"),
        UserUpdate(callback_url="http://x.example:99999/"),
        UserUpdate(name=""),
        UserUpdate(tags=frozenset({"Not A Tag"})),
        UserUpdate(callback_url="https://x.example/", clear_callback_url=True),
    ],
)
async def test_bad_updates_are_refused_and_change_nothing(
    estate: SqliteEstate, update: UserUpdate
) -> None:
    await estate.users.create(USER)
    refused = await estate.users.update(EUI, update)
    assert isinstance(refused, EstateRefusal) and refused.kind is RefusalKind.INVALID
    assert estate.users.get_user(EUI) == USER


async def test_certificate_serials_belong_to_one_user(estate: SqliteEstate) -> None:
    users = estate.users
    await users.create(USER)
    other = DccUser(Eui64(5), "Other", frozenset({UserRole.OTHER_USER}))
    await users.create(other)
    big = (1 << 159) + 12345  # serials exceed 64 bits
    cert = UserCertificate(big, "xmlsign-ds", RemotePartyRole.XML_SIGNING)
    assert await users.add_certificate(EUI, cert) == cert
    assert users.certificates(EUI) == [cert]
    assert users.user_for_serial(big) == EUI
    taken = await users.add_certificate(other.eui, UserCertificate(big, "ds"))
    assert isinstance(taken, EstateRefusal) and taken.kind is RefusalKind.CONFLICT
    for bad in (UserCertificate(0), UserCertificate(1 << 160), UserCertificate(7, "x" * 41)):
        refused = await users.add_certificate(EUI, bad)
        assert isinstance(refused, EstateRefusal) and refused.kind is RefusalKind.INVALID
    unknown = await users.add_certificate(Eui64(99), UserCertificate(8))
    assert isinstance(unknown, EstateRefusal) and unknown.kind is RefusalKind.NOT_FOUND
    assert await users.remove_certificate(EUI, big) is None
    assert users.user_for_serial(big) is None
    gone = await users.remove_certificate(EUI, big)
    assert isinstance(gone, EstateRefusal) and gone.kind is RefusalKind.NOT_FOUND
