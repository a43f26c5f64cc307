"""A hub running on real HTTP for the API tests that need the whole thing (fuzzing)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from opendcc.estate.records import DeviceFilter
from opendcc.hub.delivery import RetryPolicy
from opendcc.hub.runtime import Hub, HubConfig
from tests.hub.harness import free_port


@dataclass
class LiveHub:
    hub: Hub
    base_url: str
    smki_url: str
    known: dict[str, list[str]]
    """Path-parameter values the estate holds (so that not every call is a 404)."""


def _known(hub: Hub) -> dict[str, list[str]]:
    estate = hub.estate
    users = [str(u.eui) for u in estate.users.list_users()][:6]
    devices = estate.inventory.list_devices(DeviceFilter(), limit=12).items
    euis = [str(d.device.device_id) for d in devices]
    mpxns = sorted({d.device.mpxn for d in devices if d.device.mpxn})[:6]
    uprns = sorted({str(d.uprn) for d in devices if d.uprn is not None})[:4]
    return {
        "eui": users + euis,
        "meter_id": euis,
        "mpxn": mpxns,
        "uprn": uprns,
        "serial": ["1", "12345678901234567890"],
    }


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """A hub serving on a free port from a thread of its own (its own event loop), so the
    synchronous HTTP client of schemathesis can call it from the test's thread."""
    port = free_port()
    config = HubConfig(
        data_dir=Path(tmp_path_factory.mktemp("fuzz-hub")),
        port=port,
        premises=4,
        workers=2,
        log_level="error",
        retry=RetryPolicy(delays=(0.2,)),
    )
    hub = Hub(config)
    ready = threading.Event()
    failure: list[BaseException] = []
    holder: dict[str, Any] = {}

    async def main() -> None:
        stop = asyncio.Event()
        holder["loop"], holder["stop"] = asyncio.get_running_loop(), stop

        async def started() -> None:
            ready.set()

        await hub.run(stop=stop, on_started=started)

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported to the test below
            failure.append(exc)
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="fuzz-hub", daemon=True)
    thread.start()
    assert ready.wait(120), "the hub did not start in 120 s"
    if failure:
        raise failure[0]
    try:
        yield LiveHub(hub, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 4}", _known(hub))
    finally:
        holder["loop"].call_soon_threadsafe(holder["stop"].set)
        thread.join(30)
