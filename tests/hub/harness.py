"""A running hub for end-to-end tests: real HTTP, real SQLite, a real callback receiver."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.client.receiver import CallbackReceiver
from opendcc.client.requests import Counter, prepare
from opendcc.client.session import DuisClient
from opendcc.clock import Clock, SystemClock
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader
from opendcc.duis.signature import SignatureVerifier
from opendcc.estate.records import DeviceFilter
from opendcc.eui import Eui64
from opendcc.hub.delivery import RetryPolicy
from opendcc.hub.runtime import Hub, HubConfig
from opendcc.inventory.model import Device, DeviceType, MarketRole, SmiStatus
from opendcc.smki.estates import DEMO

COUNTERS = Counter()


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket() as s:  # the SMKI service takes port + 4: it must be free too
            try:
                s.bind(("127.0.0.1", port + 4))
            except OSError:
                continue
        return port


def party(name: str) -> Eui64:
    return DEMO.identity(name).eui


@dataclass
class RunningHub:
    hub: Hub
    base_url: str
    receiver: CallbackReceiver
    verifier: SignatureVerifier

    def identity(self, name: str) -> UserIdentity:
        return UserIdentity.from_keystore(self.hub.keystore, party(name), name)

    def client(self, name: str) -> DuisClient:
        return DuisClient(self.base_url, self.identity(name), self.verifier)

    def device_of(
        self,
        device_type: DeviceType,
        supplier: str = "supplier-a",
        status: SmiStatus = SmiStatus.COMMISSIONED,
    ) -> Device:
        """A Device of ``device_type`` whose MPxN ``supplier`` holds now."""
        estate = self.hub.estate
        who = party(supplier)
        now = self.hub.clock.now()
        for details in estate.inventory.list_devices(
            DeviceFilter(device_type=device_type, status=status), limit=500
        ).items:
            device = details.device
            if device.device_type is not device_type or device.status is not status:
                continue
            fuels = estate.inventory.fuels_by_mpxn(device)
            held = estate.registrations.registrations_for(fuels, now)
            if any(r.party == who and r.role is MarketRole.SUPPLIER for r in held):
                return device
        raise LookupError(f"no {status.value} {device_type.value} of {supplier} in the estate")


def request(
    variant: str,
    body: etree._Element | str,
    originator: Eui64,
    target: Eui64,
    cv: int = 1,
    counter: int | None = None,
) -> etree._Element:
    srv = service_reference_variant(variant)
    assert srv is not None
    header = RequestHeader(
        RequestId(originator, target, counter or COUNTERS.next(SystemClock().now())),
        CommandVariant(cv),
        srv.service_reference,
        srv,
    )
    element = build.sr(body) if isinstance(body, str) else body
    return build.request_document(header, element)


def retarget(template: Path, originator: Eui64, target: Eui64 | None = None) -> etree._Element:
    return prepare(
        template.read_bytes(),
        originator=originator,
        target=target,
        counter=COUNTERS.next(SystemClock().now()),
    )


@asynccontextmanager
async def running_hub(
    tmp: Path,
    *,
    premises: int = 6,
    estate: str = "demo",
    boxed_keys: Path | None = None,
    retry: RetryPolicy | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[RunningHub]:
    port = free_port()
    config = HubConfig(
        data_dir=tmp,
        port=port,
        estate=estate,
        premises=premises,
        boxed_keys=boxed_keys,
        workers=4,
        log_level="warning",
        retry=retry
        or RetryPolicy(delays=(0.2,), probe_every=__import__("datetime").timedelta(seconds=1)),
    )
    if clock is not None:
        config.clock = clock
    hub = Hub(config)
    stop = asyncio.Event()
    started = asyncio.Event()

    async def on_started() -> None:
        started.set()

    task = asyncio.create_task(hub.run(stop=stop, on_started=on_started))
    await asyncio.wait(
        {task, asyncio.create_task(started.wait())}, return_when=asyncio.FIRST_COMPLETED
    )
    if task.done():
        task.result()
    verifier = SignatureVerifier(hub.keystore, check_validity=estate != "rtds")
    receiver = await CallbackReceiver(verifier).start()
    for user in hub.estate.users.list_users():
        from opendcc.estate.records import UserUpdate

        await hub.estate.users.update(user.eui, UserUpdate(callback_url=receiver.url))
    try:
        yield RunningHub(hub, f"http://127.0.0.1:{port}", receiver, verifier)
    finally:
        await receiver.stop()
        stop.set()
        await task
