"""Estate speed: seeding, opening a seeded database, and the hub's per-request look-ups.

Run as a script: ``python bench/estate_bench.py [--premises N] [--db PATH] [--quick]``.
It prints one line per measure.

What the figures answer:

- Does seeding a 100,000-premises demo estate (about 460,000 Devices, 1.2 million status
  history rows and 400,000 registrations) take under a minute, through the database's
  writer thread? How large is the file?
- What does the server pay at start-up to open a seeded database and its estate (nothing
  is loaded wholesale), and what does the first look-up of a Device cost (a cold read)?
- How long do the look-ups the hub makes for every request take once warm: ``get_user``,
  ``get_device``, ``fuels_by_mpxn``, ``registrations_for``, and the whole E1-E4 decision
  built on them? The hub carries 1,200 requests a second; a few microseconds each leaves
  the budget to the cryptography.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from opendcc.access.eligibility import Refusal, check_registration, resolve_roles
from opendcc.estate.cast import generated_cast
from opendcc.estate.demo import DemoSettings
from opendcc.estate.ids import Slot, demo_device_eui
from opendcc.estate.seed import seed_demo
from opendcc.inventory.model import MarketRole
from opendcc.inventory.transitions import InventoryEvent
from opendcc.roles import UserRole
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, SqliteEstate, open_estate

AS_OF = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def per_call(label: str, count: int, action: Callable[[int], object]) -> float:
    """Microseconds per ``action(i)``, the median of three runs of ``count`` calls."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for i in range(count):
            action(i)
        runs.append((time.perf_counter() - start) / count * 1e6)
    value = statistics.median(runs)
    print(f"{label:<62} {value:>10.2f} us")
    return value


def seed(path: Path, premises: int) -> None:
    started = time.perf_counter()
    with Database(path, parts=list(ESTATE_SCHEMA)) as db:
        report = seed_demo(open_estate(db), DemoSettings(premises, seed=1), generated_cast(AS_OF))
    elapsed = time.perf_counter() - started
    size = path.stat().st_size / 1e6
    print(f"{'seed: premises':<62} {premises:>10,}")
    print(f"{'seed: devices':<62} {report.devices:>10,}")
    print(f"{'seed: registrations':<62} {report.registrations:>10,}")
    print(f"{'seed: rows written':<62} {report.rows:>10,}")
    print(f"{'seed: total seconds (generate, write, checkpoint)':<62} {elapsed:>10.1f} s")
    print(f"{'seed: premises per second':<62} {premises / elapsed:>10,.0f} /s")
    print(f"{'seed: database size':<62} {size:>10.1f} MB")


def open_cost(path: Path, premises: int) -> None:
    started = time.perf_counter()
    db = Database(path, parts=list(ESTATE_SCHEMA)).open()
    estate = open_estate(db)
    opened = time.perf_counter() - started
    print(f"{'start: open database and estate':<62} {opened * 1e3:>10.1f} ms")
    try:
        rng = random.Random(5)
        sample = [demo_device_eui(rng.randrange(premises), Slot.ESME) for _ in range(2_000)]
        started = time.perf_counter()
        for eui in sample:
            estate.inventory.get_device(eui)
        cold = (time.perf_counter() - started) / len(sample) * 1e6
        print(f"{'get_device, cold (one indexed read)':<62} {cold:>10.1f} us")
        hot_path(estate, premises)
        writes(estate, premises)
    finally:
        db.close()


def hot_path(estate: SqliteEstate, premises: int) -> None:
    inventory, registrations, users = estate.inventory, estate.registrations, estate.users
    rng = random.Random(7)
    working_set = 20_000
    chfs = [demo_device_eui(rng.randrange(premises), Slot.CHF) for _ in range(working_set)]
    for eui in chfs:  # warm the caches, as a running hub's would be
        device = inventory.get_device(eui)
        if device is not None:
            registrations.registrations_for(inventory.fuels_by_mpxn(device), NOW)
    devices = [d for d in map(inventory.get_device, chfs) if d is not None]
    fuels = [inventory.fuels_by_mpxn(d) for d in devices]
    supplier = users.list_users(role=UserRole.IMPORT_SUPPLIER)[0]
    n = len(devices)

    per_call("get_user, warm", 200_000, lambda i: users.get_user(supplier.eui))
    per_call("get_device, warm", 200_000, lambda i: inventory.get_device(chfs[i % n]))
    per_call(
        "fuels_by_mpxn (CHF), warm", 200_000, lambda i: inventory.fuels_by_mpxn(devices[i % n])
    )
    per_call(
        "registrations_for (CHF's MPxNs), warm",
        200_000,
        lambda i: registrations.registrations_for(fuels[i % n], NOW),
    )
    eligible = frozenset({UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER})
    granted = [
        i
        for i in range(n)
        if any(
            r.role is MarketRole.SUPPLIER and r.party == supplier.eui
            for r in registrations.registrations_for(fuels[i], NOW)
        )
    ]
    granted_set = set(granted)
    refused = [i for i in range(n) if i not in granted_set]

    def decide(index: list[int]) -> Callable[[int], object]:
        def one(i: int) -> object:
            user = users.get_user(supplier.eui)
            roles = resolve_roles(user, eligible, "4.1.1")
            device = inventory.get_device(chfs[index[i % len(index)]])
            assert device is not None and not isinstance(roles, Refusal) and user is not None
            by_mpxn = inventory.fuels_by_mpxn(device)
            found = registrations.registrations_for(by_mpxn, NOW)
            return check_registration(user, roles, device, by_mpxn, found, NOW)

        return one

    per_call("E1-E4 decision, granted (look-ups and checks), warm", 100_000, decide(granted))
    per_call("E1-E4 decision, refused E4 (message built), warm", 100_000, decide(refused))


def writes(estate: SqliteEstate, premises: int) -> None:
    async def churn(count: int) -> float:
        rng = random.Random(11)
        targets = [demo_device_eui(rng.randrange(premises), Slot.PPMID) for _ in range(count)]
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                estate.inventory.change_status(t, InventoryEvent.SUSPEND, NOW, "bench")
                for t in targets
            )
        )
        elapsed = time.perf_counter() - started
        assert len(results) == count
        return count / elapsed

    rate = asyncio.run(churn(2_000))
    print(f"{'change_status, 2,000 concurrent (group commit)':<62} {rate:>10,.0f} /s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--premises", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="Use (or keep) this database file.")
    parser.add_argument("--quick", action="store_true", help="10,000 premises.")
    args = parser.parse_args()
    premises = 10_000 if args.quick else args.premises
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "estate.db"
        if not path.exists():
            seed(path, premises)
        open_cost(path, premises)
    return 0


if __name__ == "__main__":
    sys.exit(main())
