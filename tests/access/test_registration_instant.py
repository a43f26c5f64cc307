"""Which instant's registration data decide E4 (``eligibility.registration_instant``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opendcc.access.eligibility import check_registration, registration_instant
from opendcc.access.users import DccUser
from opendcc.eui import Eui64
from opendcc.inventory.model import (
    CspRegion,
    Device,
    DeviceType,
    Fuel,
    MarketRole,
    Registration,
    SmiStatus,
)
from opendcc.roles import UserRole

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
START = NOW + timedelta(days=3)
MPAN = "1431415926535"
OLD = Eui64.parse("02-0D-CC-00-00-01-00-01")
NEW = Eui64.parse("02-0D-CC-00-00-01-00-02")
ESME = Eui64.parse("02-0D-CC-01-00-00-00-01")


def test_only_a_future_dated_change_of_supplier_is_checked_at_its_execution() -> None:
    assert registration_instant("6.23", START, NOW) == START
    assert registration_instant("6.23", None, NOW) == NOW
    assert registration_instant("6.23", NOW - timedelta(hours=1), NOW) == NOW
    assert registration_instant("6.23", datetime(3000, 12, 31, tzinfo=UTC), NOW, cancels=True) == (
        NOW
    )
    # Any other future-dated request is checked against the registration in force now.
    assert registration_instant("6.15.1", START, NOW) == NOW
    assert registration_instant("1.1.1", START, NOW) == NOW


def test_the_incoming_supplier_is_registered_at_its_start_date_the_old_one_before() -> None:
    registrations = [
        Registration(MPAN, Fuel.ELECTRICITY, MarketRole.SUPPLIER, OLD, NOW - timedelta(900), START),
        Registration(MPAN, Fuel.ELECTRICITY, MarketRole.SUPPLIER, NEW, START),
    ]
    installed = NOW - timedelta(days=900)
    device = Device(
        ESME, DeviceType.ESME, SmiStatus.COMMISSIONED, installed, CspRegion.CENTRAL, mpxn=MPAN
    )
    fuels = {MPAN: Fuel.ELECTRICITY}

    def role(eui: Eui64, variant: str, execution: datetime | None) -> object:
        user = DccUser(eui, "supplier", frozenset({UserRole.IMPORT_SUPPLIER}))
        at = registration_instant(variant, execution, NOW)
        in_force = [r for r in registrations if r.in_force(at)]
        return check_registration(user, [UserRole.IMPORT_SUPPLIER], device, fuels, in_force, at)

    assert role(NEW, "6.23", START) is UserRole.IMPORT_SUPPLIER
    assert getattr(role(NEW, "6.23", START - timedelta(minutes=1)), "code", None) == "E4"
    assert getattr(role(NEW, "6.23", None), "code", None) == "E4"
    assert role(OLD, "4.1.1", None) is UserRole.IMPORT_SUPPLIER
    assert getattr(role(OLD, "6.23", START), "code", None) == "E4"
