"""The Smart Metering Inventory in SQLite: premises, Devices, status history, HAN joins.

Theory of operation: every write is one job on the database's writer thread (one
transaction, its own savepoint), so a status change and its history row, or a new Device
and its associations, land together or not at all. A write that the rules refuse returns
the refusal from inside the job before touching a row. After the job commits, a done
callback on the writer thread updates the read caches, which the hub's look-ups read
without a lock (``store.cache``). Nothing is loaded at start-up: a Device is read the
first time it is asked for.

The tables and their row layouts are in ``store.inventory_tables``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

from opendcc.estate import rules
from opendcc.estate.records import (
    DeviceDetails,
    DeviceFilter,
    DevicePage,
    DeviceUpdate,
    EstateCounts,
    EstateRefusal,
    NewDevice,
    Premises,
    conflict,
    invalid,
    not_found,
)
from opendcc.estate.repository import Recorder
from opendcc.eui import Eui64
from opendcc.inventory.model import (
    CspRegion,
    Device,
    DeviceType,
    Fuel,
    SmiStatus,
    StatusChange,
)
from opendcc.inventory.transitions import (
    InventoryEvent,
    TransitionRefused,
    needs_prior,
    next_status,
)
from opendcc.store.cache import MISSING, ReadCache
from opendcc.store.database import Database
from opendcc.store.inventory_tables import (
    D_COLUMNS,
    INSERT_DEVICE,
    INSERT_HISTORY,
    INSERT_LINK,
    JOINED_SQL,
    POINTS_CHF,
    POINTS_GPF,
    POINTS_HAN,
    POINTS_OWN,
    REGIONS,
    STATUSES,
    details_of,
    device_row,
    history_row,
    insert_premises,
    read_details,
    read_device,
)
from opendcc.store.keys import eui_key, from_us, to_us

T = TypeVar("T")

_DECOMMISSIONED: Final = SmiStatus.DECOMMISSIONED
MAX_PAGE: Final = 1000

_UNSET: Final = object()


@dataclass(frozen=True, slots=True)
class FirmwareRecorded:
    """What ``record_firmware`` did."""

    details: DeviceDetails
    """The Device as now recorded."""
    previous: str
    """The firmware version recorded before."""
    reinstated: StatusChange | None = None
    """A Suspended Device's return to the status it held before its suspension (MP105)."""
    refused: str | None = None
    """Why a Suspended Device whose version changed was not reinstated (the table's row)."""

    @property
    def changed(self) -> bool:
        return self.details.device.firmware_version != self.previous


class WriteStep(Generic[T]):
    """One inventory write as a part of a larger write job.

    ``change_status`` and the other writes each run as a job of their own; a service that
    must change several things together with its journal entry (the non-device services,
    ``opendcc.hub.change``) takes the same writes as steps instead: ``run(conn)`` inside its
    own job (refusals are returned, as from the write), and ``committed()`` once that job's
    transaction has committed, which updates the read caches as the write would have. A
    step whose job was rolled back must not be ``committed``.
    """

    __slots__ = ("_after", "_job", "_result")

    def __init__(
        self, job: Callable[[sqlite3.Connection], T], after: Callable[[T], None] | None
    ) -> None:
        self._job = job
        self._after = after
        self._result: Any = _UNSET

    def run(self, conn: sqlite3.Connection) -> T:
        result = self._job(conn)
        self._result = result
        return result

    def committed(self) -> None:
        if self._after is not None and self._result is not _UNSET:
            self._after(self._result)


class SqliteInventory:
    """``InventoryRepository`` over one SQLite ``Database``."""

    def __init__(
        self, db: Database, *, cache_size: int = 250_000, miss_cache_size: int = 65_536
    ) -> None:
        self._db = db
        self._devices: ReadCache[int, Device] = ReadCache(cache_size, miss_capacity=miss_cache_size)
        self._fuels: ReadCache[int, dict[str, Fuel]] = ReadCache(cache_size, miss_capacity=0)

    # --- hot path ---------------------------------------------------------------------------

    def get_device(self, device_id: Eui64) -> Device | None:
        key = device_id.value
        cached = self._devices.lookup(key)
        if cached is not MISSING:
            return cached
        generation = self._devices.generation
        device = read_device(self._db.reader(), device_id)
        self._devices.fill(key, device, generation)
        return device

    def fuels_by_mpxn(self, device: Device) -> dict[str, Fuel]:
        key = device.device_id.value
        cached = self._fuels.lookup(key)
        if cached is not MISSING and cached is not None:
            return dict(cached)
        generation = self._fuels.generation
        fuels = self._load_fuels(device)
        self._fuels.fill(key, fuels, generation)
        return dict(fuels)

    def _load_fuels(self, device: Device) -> dict[str, Fuel]:
        kind = device.device_type
        if kind.is_meter:
            sql = POINTS_OWN
        elif kind is DeviceType.CHF:
            sql = POINTS_CHF
        elif kind is DeviceType.GPF:
            sql = POINTS_GPF
        else:
            sql = POINTS_HAN
        fuels: dict[str, Fuel] = {}
        for meter_type, mpxn, secondary, export in self._db.reader().execute(
            sql, (eui_key(device.device_id),)
        ):
            if meter_type == "GSME":
                if mpxn is not None:
                    fuels[mpxn] = Fuel.GAS
                continue
            for point in (mpxn, secondary, export):
                if point is not None:
                    fuels[point] = Fuel.ELECTRICITY
        return fuels

    # --- other reads --------------------------------------------------------------------------

    def esme_variant(self, device_id: Eui64) -> str | None:
        """The DUIS ESMEVariant of an ESME (A single, B twin, C polyphase...), or None; what
        transforms ask to choose polyphase use cases (ECS23b, ECS26k, ...)."""
        details = self.device_details(device_id)
        return details.esme_variant.value if details and details.esme_variant else None

    def device_details(self, device_id: Eui64) -> DeviceDetails | None:
        return read_details(self._db.reader(), eui_key(device_id))

    def list_devices(
        self, where: DeviceFilter, *, after: Eui64 | None = None, limit: int = 100
    ) -> DevicePage:
        limit = max(1, min(limit, MAX_PAGE))
        clauses: list[str] = []
        params: list[Any] = []
        join = ""
        if where.device_type is not None:
            clauses.append("d.device_type = ?")
            params.append(where.device_type.value)
        if where.status is not None:
            clauses.append("d.status = ?")
            params.append(where.status.value)
        if where.region is not None:
            clauses.append("d.region = ?")
            params.append(where.region.value)
        if where.uprn is not None:
            if not 0 < where.uprn <= rules.MAX_UPRN:
                return DevicePage((), None)
            clauses.append("d.uprn = ?")
            params.append(where.uprn)
        if where.mpxn is not None:
            clauses.append("(d.mpxn = ? OR d.secondary_mpan = ? OR d.export_mpan = ?)")
            params += [where.mpxn] * 3
        if where.chf_id is not None:
            clauses.append("d.chf_id = ?")
            params.append(eui_key(where.chf_id))
        if where.postcode is not None:
            join = " JOIN premises p ON p.uprn = d.uprn"
            clauses.append("p.postcode = ?")
            params.append(rules.normalise_postcode(where.postcode))
        if after is not None:
            clauses.append("d.device_id > ?")
            params.append(eui_key(after))
        sql = (
            f"SELECT {D_COLUMNS} FROM devices d{join}"
            f" WHERE {' AND '.join(clauses) or '1'} ORDER BY d.device_id LIMIT ?"
        )
        conn = self._db.reader()
        rows = conn.execute(sql, (*params, limit + 1)).fetchall()
        items = tuple(
            details_of(row, conn.execute(JOINED_SQL, (row[0],)).fetchall()) for row in rows[:limit]
        )
        more = len(rows) > limit
        return DevicePage(items, items[-1].device.device_id if more and items else None)

    def status_history(self, device_id: Eui64) -> list[StatusChange]:
        rows = self._db.reader().execute(
            "SELECT old_status, new_status, at_us, cause FROM status_history"
            " WHERE device_id = ? ORDER BY n",
            (eui_key(device_id),),
        )
        return [
            StatusChange(
                device_id,
                None if old is None else STATUSES[old],
                STATUSES[new],
                from_us(at),
                cause,
            )
            for old, new, at, cause in rows
        ]

    def premises(self, uprn: int) -> Premises | None:
        row = (
            self._db.reader()
            .execute(
                "SELECT uprn, postcode, address_identifier, region FROM premises WHERE uprn = ?",
                (uprn,),
            )
            .fetchone()
            if 0 < uprn <= rules.MAX_UPRN
            else None
        )
        return None if row is None else Premises(row[0], row[1], row[2], REGIONS[row[3]])

    def find_premises(self, postcode: str, address_identifier: str | None = None) -> list[Premises]:
        sql = "SELECT uprn, postcode, address_identifier, region FROM premises WHERE postcode = ?"
        params: list[Any] = [rules.normalise_postcode(postcode)]
        if address_identifier is not None:
            sql += " AND address_identifier = ?"
            params.append(address_identifier)
        rows = self._db.reader().execute(sql + " ORDER BY uprn LIMIT 1000", params)
        return [Premises(u, p, a, REGIONS[r]) for u, p, a, r in rows]

    def devices_at(self, uprn: int) -> list[DeviceDetails]:
        if not 0 < uprn <= rules.MAX_UPRN:
            return []
        return list(self.list_devices(DeviceFilter(uprn=uprn), limit=MAX_PAGE).items)

    def devices_for_mpxn(self, mpxn: str) -> list[DeviceDetails]:
        meters = self.list_devices(DeviceFilter(mpxn=mpxn), limit=MAX_PAGE).items
        uprns = sorted({m.uprn for m in meters if m.uprn is not None})
        if uprns:
            return [d for uprn in uprns for d in self.devices_at(uprn)]
        found: dict[Eui64, DeviceDetails] = {}
        conn = self._db.reader()
        for meter in meters:
            found[meter.device.device_id] = meter
            related: list[bytes] = []
            if meter.device.chf_id is not None:
                related.append(eui_key(meter.device.chf_id))
            if meter.device.parent_id is not None:
                related.append(eui_key(meter.device.parent_id))
            related += [
                r[0]
                for r in conn.execute(
                    "SELECT device_id FROM device_links WHERE meter_id = ?",
                    (eui_key(meter.device.device_id),),
                )
            ]
            for key in related:
                details = read_details(conn, key)
                if details is not None:
                    found[details.device.device_id] = details
        return [found[k] for k in sorted(found)]

    def counts(self) -> EstateCounts:
        """Premises, Devices and status changes, with Devices by type, status and region."""
        conn = self._db.reader()

        def grouped(column: str) -> dict[str, int]:
            sql = f"SELECT {column}, count(*) FROM devices GROUP BY {column} ORDER BY {column}"
            return {str(k): int(n) for k, n in conn.execute(sql)}

        by_type = grouped("device_type")
        (premises,) = conn.execute("SELECT count(*) FROM premises").fetchone()
        (changes,) = conn.execute("SELECT count(*) FROM status_history").fetchone()
        return EstateCounts(
            premises=int(premises),
            devices=sum(by_type.values()),
            status_changes=int(changes),
            by_type=by_type,
            by_status=grouped("status"),
            by_region=grouped("region"),
        )

    # --- writes -------------------------------------------------------------------------------

    async def add_premises(self, premises: Premises) -> Premises | EstateRefusal:
        premises = Premises(
            premises.uprn,
            rules.normalise_postcode(premises.postcode),
            premises.address_identifier.strip(),
            premises.region,
        )
        problem = rules.check_premises(premises)
        if problem is not None:
            return problem

        def job(conn: sqlite3.Connection) -> Premises | EstateRefusal:
            exists = conn.execute("SELECT 1 FROM premises WHERE uprn = ?", (premises.uprn,))
            if exists.fetchone() is not None:
                return conflict(f"premises {premises.uprn} already exists")
            insert_premises(conn, [premises])
            return premises

        return await self._write(job, None)

    async def add_device(
        self,
        new: NewDevice,
        at: datetime,
        cause: str,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> DeviceDetails | EstateRefusal:
        step = self.add_device_step(new, at, cause, record=record)
        if isinstance(step, EstateRefusal):
            return step
        return await self._run(step)

    def add_device_step(
        self,
        new: NewDevice,
        at: datetime,
        cause: str,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> WriteStep[DeviceDetails | EstateRefusal] | EstateRefusal:
        """``add_device`` as a step of a larger write job (``WriteStep``)."""
        problem = rules.check_new_device(new) or rules.aware(at, "at") or _check_cause(cause)
        if problem is not None:
            return problem
        key = eui_key(new.device_id)

        def job(conn: sqlite3.Connection) -> DeviceDetails | EstateRefusal:
            if conn.execute("SELECT 1 FROM devices WHERE device_id = ?", (key,)).fetchone():
                return conflict(f"Device {new.device_id} is already in the inventory")
            problem = rules.check_device_references(new, lambda e: read_device(conn, e))
            if problem is None and new.uprn is not None:
                problem = _check_premises_region(conn, new.uprn, new.region)
            if problem is not None:
                return problem
            conn.execute(INSERT_DEVICE, device_row(new, at, at))
            conn.executemany(INSERT_LINK, [(key, eui_key(m)) for m in new.joined_meters])
            conn.execute(
                INSERT_HISTORY,
                history_row(StatusChange(new.device_id, None, new.initial_status, at, cause), 1),
            )
            return _recorded_details(conn, key, record)

        return WriteStep(job, self._after_details(new.device_id))

    async def change_status(
        self,
        device_id: Eui64,
        event: InventoryEvent,
        at: datetime,
        cause: str,
        *,
        record: Recorder[StatusChange] | None = None,
    ) -> Device | TransitionRefused | EstateRefusal:
        step = self.change_status_step(device_id, event, at, cause, record=record)
        if isinstance(step, EstateRefusal):
            return step
        return await self._run(step)

    def change_status_step(
        self,
        device_id: Eui64,
        event: InventoryEvent,
        at: datetime,
        cause: str,
        *,
        record: Recorder[StatusChange] | None = None,
    ) -> WriteStep[Device | TransitionRefused | EstateRefusal] | EstateRefusal:
        """``change_status`` as a step of a larger write job (``WriteStep``)."""
        problem = rules.aware(at, "at") or _check_cause(cause)
        if problem is not None:
            return problem
        key = eui_key(device_id)
        at_us = to_us(at)

        def job(conn: sqlite3.Connection) -> Device | TransitionRefused | EstateRefusal:
            change = _apply_status(conn, device_id, key, event, at, at_us, cause)
            if not isinstance(change, StatusChange):
                return change
            if record is not None:
                record(conn, change)
            device = read_device(conn, device_id)
            assert device is not None
            return device

        def after(result: Device | TransitionRefused | EstateRefusal) -> None:
            if isinstance(result, Device):
                self._devices.put(device_id.value, result)
                if result.device_type.is_meter and (
                    result.status is _DECOMMISSIONED or event is InventoryEvent.PRE_NOTIFY
                ):
                    self._fuels.clear()  # a CHF's, GPF's or HAN device's MPxNs changed

        return WriteStep(job, after)

    async def update_device(
        self,
        device_id: Eui64,
        update: DeviceUpdate,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> DeviceDetails | EstateRefusal:
        step = self.update_device_step(device_id, update, record=record)
        return await self._run(step)

    def update_device_step(
        self,
        device_id: Eui64,
        update: DeviceUpdate,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> WriteStep[DeviceDetails | EstateRefusal]:
        """``update_device`` as a step of a larger write job (``WriteStep``)."""
        key = eui_key(device_id)

        def job(conn: sqlite3.Connection) -> DeviceDetails | EstateRefusal:
            current = read_device(conn, device_id)
            if current is None:
                return not_found(f"Device {device_id} is not in the inventory")
            problem = rules.check_device_update(current.device_type, update)
            if problem is not None:
                return problem
            changes: dict[str, Any] = {
                name: getattr(update, name)
                for name in (
                    "manufacturer",
                    "model",
                    "firmware_version",
                    "gbcs_version",
                    "smets_chts_version",
                    "mpxn",
                    "secondary_mpan",
                    "export_mpan",
                )
                if getattr(update, name) is not None
            }
            if update.esme_variant is not None:
                changes["esme_variant"] = update.esme_variant.value
            for name in update.clear:
                changes[name] = None
            assignments = ", ".join(f"{name} = ?" for name in changes)
            conn.execute(
                f"UPDATE devices SET {assignments} WHERE device_id = ?", (*changes.values(), key)
            )
            return _recorded_details(conn, key, record)

        return WriteStep(job, self._after_details(device_id))

    async def record_firmware(
        self,
        device_id: Eui64,
        version: str,
        at: datetime,
        cause: str,
        *,
        record: Recorder[FirmwareRecorded] | None = None,
    ) -> FirmwareRecorded | EstateRefusal:
        step = self.record_firmware_step(device_id, version, at, cause, record=record)
        if isinstance(step, EstateRefusal):
            return step
        return await self._run(step)

    def record_firmware_step(
        self,
        device_id: Eui64,
        version: str,
        at: datetime,
        cause: str,
        *,
        record: Recorder[FirmwareRecorded] | None = None,
    ) -> WriteStep[FirmwareRecorded | EstateRefusal] | EstateRefusal:
        """The firmware version the DCC learned the Device runs, as a write step.

        SEC modification MP105 ("Sending SR11.2 to Devices in Suspended State"): when
        firmware is successfully activated (11.3), or read (11.2), "the DSP updates the
        firmware version in the SMI", and a ``Suspended`` Device whose version so changes
        returns to "the status it held immediately prior to its suspension" (``REINSTATE``
        through the transition table, with its status-history row). A version equal to
        the recorded one writes nothing (``record`` is not called). A reinstatement the
        table refuses leaves the Device ``Suspended`` with its new version (``refused``
        says why).
        """
        problem = rules.aware(at, "at") or _check_cause(cause)
        if problem is not None:
            return problem
        key = eui_key(device_id)
        at_us = to_us(at)

        def job(conn: sqlite3.Connection) -> FirmwareRecorded | EstateRefusal:
            current = read_device(conn, device_id)
            if current is None:
                return not_found(f"Device {device_id} is not in the inventory")
            problem = rules.check_device_update(
                current.device_type, DeviceUpdate(firmware_version=version)
            )
            if problem is not None:
                return problem
            previous = current.firmware_version
            if version == previous:
                details = read_details(conn, key)
                assert details is not None
                return FirmwareRecorded(details, previous)
            conn.execute(
                "UPDATE devices SET firmware_version = ? WHERE device_id = ?", (version, key)
            )
            reinstated: StatusChange | None = None
            refused: str | None = None
            if current.status is SmiStatus.SUSPENDED:
                change = _apply_status(
                    conn, device_id, key, InventoryEvent.REINSTATE, at, at_us, cause
                )
                if isinstance(change, StatusChange):
                    reinstated = change
                else:
                    refused = (
                        str(change) if isinstance(change, TransitionRefused) else (change.message)
                    )
            details = read_details(conn, key)
            assert details is not None
            result = FirmwareRecorded(details, previous, reinstated, refused)
            if record is not None:
                record(conn, result)
            return result

        def after(result: FirmwareRecorded | EstateRefusal) -> None:
            if isinstance(result, FirmwareRecorded):
                self._devices.put(device_id.value, result.details.device)

        return WriteStep(job, after)

    async def join(
        self,
        device_id: Eui64,
        meter_id: Eui64,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> DeviceDetails | EstateRefusal:
        step = self.join_step(device_id, meter_id, record=record)
        return await self._run(step)

    def join_step(
        self,
        device_id: Eui64,
        meter_id: Eui64,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> WriteStep[DeviceDetails | EstateRefusal]:
        """``join`` as a step of a larger write job (``WriteStep``): the hub records a join
        the Device reported with its Response (``hub.joins``)."""
        key, meter_key = eui_key(device_id), eui_key(meter_id)

        def job(conn: sqlite3.Connection) -> DeviceDetails | EstateRefusal:
            device = read_device(conn, device_id)
            if device is None:
                return not_found(f"Device {device_id} is not in the inventory")
            problem = rules.check_join(device.device_type, meter_id, read_device(conn, meter_id))
            if problem is not None:
                return problem
            linked = conn.execute(
                "SELECT count(*), sum(meter_id = ?) FROM device_links WHERE device_id = ?",
                (meter_key, key),
            ).fetchone()
            if linked[1]:
                return conflict(f"{device_id} is already joined to {meter_id}")
            if linked[0] >= 4:
                return conflict(f"{device_id} is already joined to four meters")
            conn.execute(INSERT_LINK, (key, meter_key))
            conn.execute(
                "UPDATE devices SET parent_id = coalesce(parent_id, ?) WHERE device_id = ?",
                (meter_key, key),
            )
            return _recorded_details(conn, key, record)

        return WriteStep(job, self._after_link(device_id))

    async def unjoin(
        self,
        device_id: Eui64,
        meter_id: Eui64,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> DeviceDetails | EstateRefusal:
        step = self.unjoin_step(device_id, meter_id, record=record)
        return await self._run(step)

    def unjoin_step(
        self,
        device_id: Eui64,
        meter_id: Eui64,
        *,
        record: Recorder[DeviceDetails] | None = None,
    ) -> WriteStep[DeviceDetails | EstateRefusal]:
        """``unjoin`` as a step of a larger write job (``WriteStep``)."""
        key, meter_key = eui_key(device_id), eui_key(meter_id)

        def job(conn: sqlite3.Connection) -> DeviceDetails | EstateRefusal:
            if read_device(conn, device_id) is None:
                return not_found(f"Device {device_id} is not in the inventory")
            gone = conn.execute(
                "DELETE FROM device_links WHERE device_id = ? AND meter_id = ?", (key, meter_key)
            )
            if gone.rowcount == 0:
                return not_found(f"{device_id} is not joined to {meter_id}")
            # The parent is the first meter still joined (None once none is).
            conn.execute(
                "UPDATE devices SET parent_id = (SELECT min(meter_id) FROM device_links"
                " WHERE device_id = ?) WHERE device_id = ? AND parent_id = ?",
                (key, key, meter_key),
            )
            return _recorded_details(conn, key, record)

        return WriteStep(job, self._after_link(device_id))

    # --- plumbing -----------------------------------------------------------------------------

    def _after_details(self, device_id: Eui64) -> Callable[[DeviceDetails | EstateRefusal], None]:
        """After a Device's details changed (added, updated): cache it, forget its fuels."""

        def after(result: DeviceDetails | EstateRefusal) -> None:
            if isinstance(result, DeviceDetails):
                self._devices.put(device_id.value, result.device)
                self._forget_fuels(result.device)

        return after

    def _after_link(self, device_id: Eui64) -> Callable[[DeviceDetails | EstateRefusal], None]:
        def after(result: DeviceDetails | EstateRefusal) -> None:
            if isinstance(result, DeviceDetails):
                self._devices.put(device_id.value, result.device)
                self._fuels.drop(device_id.value)

        return after

    def _forget_fuels(self, device: Device) -> None:
        # A meter's MPxNs are also its CHF's, GPF's and HAN devices': drop them all.
        if device.device_type.is_meter:
            self._fuels.clear()
        else:
            self._fuels.drop(device.device_id.value)

    def forget(self) -> None:
        """Drop every cached value (after writes made outside this object, e.g. seeding)."""
        self._devices.clear()
        self._fuels.clear()

    async def _run(self, step: WriteStep[T]) -> T:
        """``step`` as a write job of its own (the ``*_step`` writes' plain forms)."""
        return await self._write(step.run, lambda _: step.committed())

    async def _write(
        self,
        job: Callable[[sqlite3.Connection], T],
        after: Callable[[T], None] | None,
    ) -> T:
        future = self._db.submit(job)
        if after is not None:
            future.add_done_callback(_on_success(after))
        return await asyncio.wrap_future(future)


def _on_success(after: Callable[[T], None]) -> Callable[[Future[T]], None]:
    def callback(future: Future[T]) -> None:
        if not future.cancelled() and future.exception() is None:
            after(future.result())

    return callback


def _recorded_details(
    conn: sqlite3.Connection, key: bytes, record: Recorder[DeviceDetails] | None
) -> DeviceDetails:
    """The written Device's details, handed to ``record`` (in the same job) first."""
    details = read_details(conn, key)
    assert details is not None
    if record is not None:
        record(conn, details)
    return details


def _apply_status(
    conn: sqlite3.Connection,
    device_id: Eui64,
    key: bytes,
    event: InventoryEvent,
    at: datetime,
    at_us: int,
    cause: str,
) -> StatusChange | TransitionRefused | EstateRefusal:
    """Apply ``event`` to the Device through the transition table, with its history row."""
    row = conn.execute(
        "SELECT status, status_since_us FROM devices WHERE device_id = ?", (key,)
    ).fetchone()
    if row is None:
        return not_found(f"Device {device_id} is not in the inventory")
    old = STATUSES[row[0]]
    prior = _status_before(conn, key) if needs_prior(old, event) else None
    new = next_status(old, event, prior)
    if isinstance(new, TransitionRefused):
        return new
    if at_us < row[1]:
        return invalid(
            f"{at.isoformat()} is before the current status began ({from_us(row[1]).isoformat()})"
        )
    conn.execute(
        "UPDATE devices SET status = ?, status_since_us = ?,"
        " installed_us = CASE WHEN ? THEN coalesce(installed_us, ?) ELSE installed_us END,"
        " commissioned_us = CASE WHEN ? THEN coalesce(commissioned_us, ?)"
        " ELSE commissioned_us END"
        " WHERE device_id = ?",
        (
            new.value,
            at_us,
            new is SmiStatus.INSTALLED_NOT_COMMISSIONED,
            at_us,
            event is InventoryEvent.COMMISSION,
            at_us,
            key,
        ),
    )
    (last,) = conn.execute(
        "SELECT max(n) FROM status_history WHERE device_id = ?", (key,)
    ).fetchone()
    change = StatusChange(device_id, old, new, at, cause)
    conn.execute(INSERT_HISTORY, history_row(change, (last or 0) + 1))
    return change


def _status_before(conn: sqlite3.Connection, key: bytes) -> SmiStatus | None:
    """The status a Device held immediately before its current one: the ``old`` of its
    last status-history row (None for a Device still in its first status)."""
    row = conn.execute(
        "SELECT old_status FROM status_history WHERE device_id = ? ORDER BY n DESC LIMIT 1",
        (key,),
    ).fetchone()
    return None if row is None or row[0] is None else STATUSES[row[0]]


def _check_cause(cause: str) -> EstateRefusal | None:
    return rules.printable(cause, "cause", low=1, high=200)


def _check_premises_region(
    conn: sqlite3.Connection, uprn: int, region: CspRegion
) -> EstateRefusal | None:
    row = conn.execute("SELECT region FROM premises WHERE uprn = ?", (uprn,)).fetchone()
    if row is None:
        return invalid(f"premises {uprn} is not known; add it first")
    if row[0] != region.value:
        return invalid(f"premises {uprn} is in the {row[0]} region, not {region.value}")
    return None
