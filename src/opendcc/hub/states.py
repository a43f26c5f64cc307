"""Where simulated Devices keep their state between Commands: the ``device_state`` table.

One row per Device that has ever been touched (a seeded estate of millions of Devices
starts with none: a Device's state is made ``initial`` on first use). The JSON of the
sections, a version, and the next time the Device wants to be woken (Device-held
future-dated Commands), indexed so the scheduler finds due Devices cheaply.

States in use are cached (bounded LRU); a state changed while processing a Command is saved
in the same write job as the Response it produced, so a crash never leaves a Device changed
without its Response recorded, nor the reverse.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime

from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.inventory.model import Device
from opendcc.store.database import Database, SchemaPart, register_schema
from opendcc.store.events import from_us, to_us
from opendcc.transform.registry import InventoryView

SCHEMA = register_schema(
    SchemaPart(
        "device-state-1",
        """
        CREATE TABLE device_state (
            device TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            version INTEGER NOT NULL,
            next_wake_us INTEGER
        );
        CREATE INDEX device_state_wake ON device_state (next_wake_us)
            WHERE next_wake_us IS NOT NULL;
        """,
    )
)


class DeviceStates:
    """Load, cache and save Device states."""

    def __init__(self, db: Database, inventory: InventoryView, cache_size: int = 100_000) -> None:
        self.db = db
        self.inventory = inventory
        self._cache: OrderedDict[Eui64, DeviceState] = OrderedDict()
        self._cache_size = cache_size
        self.on_wake: Callable[[datetime], None] = lambda when: None
        """Told the earliest ``next_wake`` of states just saved (``saved``): the processor's
        scheduler, which must look again if that is before its next look."""

    def load(self, device: Device) -> DeviceState:
        state = self._cache.get(device.device_id)
        if state is not None:
            self._cache.move_to_end(device.device_id)
            if state.device != device:
                state.device = device  # the inventory changed (status, firmware, ...)
            return state
        row = (
            self.db.reader()
            .execute(
                "SELECT state, version, next_wake_us FROM device_state WHERE device = ?",
                (device.device_id.hex,),
            )
            .fetchone()
        )
        if row is None:
            state = DeviceState(device)
        else:
            state = DeviceState.from_json(
                device, row[0], row[1], from_us(row[2]) if row[2] is not None else None
            )
        self._cache[device.device_id] = state
        if len(self._cache) > self._cache_size:
            self._evict()
        return state

    def peer(self, eui: Eui64) -> DeviceState | None:
        device = self.inventory.get_device(eui)
        return None if device is None else self.load(device)

    def forget(self, devices: Iterable[Eui64]) -> None:
        """Drop these Devices' cached states: a change made to them was not kept (its job
        was rolled back), so the next ``load`` reads them as the database holds them."""
        for eui in devices:
            self._cache.pop(eui, None)

    def _evict(self) -> None:
        # Never evict a state with unsaved changes; those are saved with their Response.
        for eui in list(self._cache):
            if len(self._cache) <= self._cache_size:
                return
            if not self._cache[eui].dirty:
                del self._cache[eui]

    @staticmethod
    def rows(states: Iterable[DeviceState]) -> list[tuple[str, str, int, int | None]]:
        """The rows to write for changed states (call before the write job, on the loop)."""
        rows = []
        for state in states:
            if not state.dirty:
                continue
            state.version += 1
            wake = to_us(state.next_wake) if state.next_wake is not None else None
            rows.append((state.device_id.hex, state.to_json(), state.version, wake))
            state.dirty = False
        return rows

    @staticmethod
    def save(conn: sqlite3.Connection, rows: list[tuple[str, str, int, int | None]]) -> None:
        """Write ``rows`` (inside a write job)."""
        conn.executemany(
            "INSERT INTO device_state (device, state, version, next_wake_us) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (device) DO UPDATE SET state = excluded.state,"
            " version = excluded.version, next_wake_us = excluded.next_wake_us",
            rows,
        )

    def saved(self, rows: list[tuple[str, str, int, int | None]]) -> None:
        """Call once ``rows`` (from ``rows()``) have committed: a Device that now wants
        waking is told to ``on_wake``, with the earliest such time. After the commit, so
        that the scheduler, looking again, reads the new wake from the database."""
        wakes = [row[3] for row in rows if row[3] is not None]
        if wakes:
            self.on_wake(from_us(min(wakes)))

    def due(self, now: datetime, limit: int = 1000) -> list[Eui64]:
        """Devices whose next wake has come."""
        rows = self.db.reader().execute(
            "SELECT device FROM device_state WHERE next_wake_us IS NOT NULL AND next_wake_us <= ?"
            " ORDER BY next_wake_us LIMIT ?",
            (to_us(now), limit),
        )
        return [Eui64.parse(r[0]) for r in rows]

    def next_wake(self) -> datetime | None:
        row = (
            self.db.reader()
            .execute("SELECT min(next_wake_us) FROM device_state WHERE next_wake_us IS NOT NULL")
            .fetchone()
        )
        return from_us(row[0]) if row and row[0] is not None else None
