"""The estate's storage interfaces: the Smart Metering Inventory, registration data and
DCC Users, as small Protocols the hub and the admin API program against.

The embedded default implements them over SQLite (``opendcc.store.inventory``,
``store.registrations``, ``store.users``, bundled by ``store.estate.open_estate``); a
PostgreSQL adapter implements the same Protocols.

Two kinds of method:

- Reads the hub makes for every Service Request (``get_device``, ``fuels_by_mpxn``,
  ``registrations_for``, ``get_user``) are plain synchronous calls answered from an
  in-process cache in a few microseconds once warm; a miss costs one indexed query.
- Writes are coroutines that return once the change is committed. Each is one transaction:
  either all of it is applied or nothing is, and a refusal (``EstateRefusal`` or, for a
  status change, ``TransitionRefused``) is returned as a value with nothing changed. A write
  accepts ``record``: a callable run inside the same transaction once the change is made,
  with the transaction's connection and the change, so the caller can append its own rows
  (the hub's event log) atomically with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from opendcc.access.users import DccUser, UserStatus
from opendcc.estate.records import (
    DeviceDetails,
    DeviceFilter,
    DevicePage,
    DeviceUpdate,
    EstateCounts,
    EstateRefusal,
    NewDevice,
    Premises,
    RegistrationChange,
    UserCertificate,
    UserUpdate,
)
from opendcc.eui import Eui64
from opendcc.inventory.model import Device, Fuel, MarketRole, Registration, StatusChange
from opendcc.inventory.transitions import InventoryEvent, TransitionRefused
from opendcc.roles import UserRole

T_contra = TypeVar("T_contra", contravariant=True)


class Recorder(Protocol[T_contra]):
    """Runs inside a write's transaction, after the change: ``(connection, change)``."""

    def __call__(self, connection: Any, change: T_contra, /) -> None: ...


class InventoryRepository(Protocol):
    """The Smart Metering Inventory: Devices, their statuses, history and associations."""

    # --- the hub's hot path ---------------------------------------------------------------

    def get_device(self, device_id: Eui64) -> Device | None:
        """The Device, or None when the inventory does not hold it (E19)."""
        ...

    def fuels_by_mpxn(self, device: Device) -> dict[str, Fuel]:
        """The MPxNs ``device`` serves and the fuel of each (a fresh dict).

        A meter serves its own import, secondary import and export MPxNs; a CHF those of the
        meters that talk through it; a GPF those of its GSMEs; a PPMID, HCALCS or Type 2
        device those of the meters it is joined to.
        """
        ...

    # --- reads for Read Inventory and administration --------------------------------------

    def device_details(self, device_id: Eui64) -> DeviceDetails | None: ...

    def list_devices(
        self, where: DeviceFilter, *, after: Eui64 | None = None, limit: int = 100
    ) -> DevicePage: ...

    def status_history(self, device_id: Eui64) -> list[StatusChange]:
        """Every status the Device has had, oldest first (its first row has ``old`` None)."""
        ...

    def premises(self, uprn: int) -> Premises | None: ...

    def find_premises(self, postcode: str, address_identifier: str | None = None) -> list[Premises]:
        """Premises by DUIS ``PropertyFilter`` (postcode, optionally address identifier)."""
        ...

    def devices_at(self, uprn: int) -> list[DeviceDetails]: ...

    def devices_for_mpxn(self, mpxn: str) -> list[DeviceDetails]:
        """The Devices installed for an MPxN: those at the premises of the meter(s) holding
        it, or the meter, its CHF and joined devices when it has no premises."""
        ...

    def counts(self) -> EstateCounts:
        """Premises, Devices (by type, status, region) and status changes."""
        ...

    # --- writes -----------------------------------------------------------------------------

    async def add_premises(self, premises: Premises) -> Premises | EstateRefusal: ...

    async def add_device(
        self,
        new: NewDevice,
        at: datetime,
        cause: str,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> DeviceDetails | EstateRefusal:
        """Add a Device; its first history row is ``(None -> initial status, at, cause)``."""
        ...

    async def change_status(
        self,
        device_id: Eui64,
        event: InventoryEvent,
        at: datetime,
        cause: str,
        *,
        record: Recorder[StatusChange] | None = None,
    ) -> Device | TransitionRefused | EstateRefusal:
        """Apply ``event`` through the transition table, with its history row, atomically.

        Returns the Device as it now is; ``TransitionRefused`` (naming the missing row) when
        the table has no row for the Device's status and ``event``; ``EstateRefusal`` when
        the Device is unknown or ``at`` is earlier than its current status began.
        """
        ...

    async def update_device(
        self,
        device_id: Eui64,
        update: DeviceUpdate,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> DeviceDetails | EstateRefusal: ...

    async def join(
        self,
        device_id: Eui64,
        meter_id: Eui64,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> DeviceDetails | EstateRefusal:
        """Record that a PPMID, HCALCS or Type 2 device is joined to a meter (8.7)."""
        ...

    async def unjoin(
        self,
        device_id: Eui64,
        meter_id: Eui64,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> DeviceDetails | EstateRefusal:
        """Record that a HAN device is no longer joined to a meter (8.8)."""
        ...


class RegistrationRepository(Protocol):
    """Registration data: which Party holds which role for each MPAN and MPRN, over time."""

    def registrations_for(self, mpxns: Iterable[str], at: datetime) -> list[Registration]:
        """The registrations in force at ``at`` for any of ``mpxns`` (hub hot path)."""
        ...

    def history(self, mpxn: str) -> list[Registration]:
        """Every registration of ``mpxn``, by role then start, ended ones included."""
        ...

    def for_party(
        self, party: Eui64, at: datetime | None = None, *, limit: int = 1000
    ) -> list[Registration]:
        """The registrations naming ``party`` (in force at ``at`` when given)."""
        ...

    async def add(
        self, registration: Registration, *, record: Recorder[Registration] | None = None
    ) -> Registration | EstateRefusal:
        """Add a registration; refused if it overlaps another for the same MPxN and role."""
        ...

    async def change_party(
        self,
        mpxn: str,
        role: MarketRole,
        party: Eui64,
        effective_from: datetime,
        *,
        record: Recorder[RegistrationChange] | None = None,
    ) -> RegistrationChange | EstateRefusal:
        """Change of Supplier (or of any registered party) taking effect at a date.

        The registration in force at ``effective_from`` ends there and ``party``'s begins
        there; both are kept. Refused when a registration for the role already starts at or
        after that date, or when ``party`` already holds the role then.
        """
        ...


class UserRepository(Protocol):
    """DCC Users: User IDs, their roles, status, Receive Response Service and certificates."""

    def get_user(self, eui: Eui64) -> DccUser | None:
        """The User, or None (E1). Hub hot path."""
        ...

    def list_users(
        self, *, role: UserRole | None = None, status: UserStatus | None = None
    ) -> list[DccUser]: ...

    def certificates(self, eui: Eui64) -> list[UserCertificate]: ...

    def user_for_serial(self, serial: int) -> Eui64 | None:
        """The User a certificate serial was registered for, if any."""
        ...

    async def create(
        self, user: DccUser, *, record: Recorder[DccUser] | None = None
    ) -> DccUser | EstateRefusal: ...

    async def update(
        self, eui: Eui64, update: UserUpdate, *, record: Recorder[DccUser] | None = None
    ) -> DccUser | EstateRefusal: ...

    async def add_certificate(
        self, eui: Eui64, certificate: UserCertificate
    ) -> UserCertificate | EstateRefusal: ...

    async def remove_certificate(self, eui: Eui64, serial: int) -> EstateRefusal | None: ...


class Estate(Protocol):
    """The three repositories of one estate, as the hub and the admin API receive them."""

    @property
    def inventory(self) -> InventoryRepository: ...

    @property
    def registrations(self) -> RegistrationRepository: ...

    @property
    def users(self) -> UserRepository: ...

    def counts(self) -> EstateCounts:
        """Premises, Devices (by type, status, region), registrations, Users."""
        ...
