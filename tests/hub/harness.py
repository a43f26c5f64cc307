"""A running hub for end-to-end tests: real HTTP, real SQLite, a real callback receiver."""

from __future__ import annotations

import asyncio
import functools
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.client.receiver import CallbackReceiver, Received
from opendcc.client.requests import Counter, prepare
from opendcc.client.session import DuisClient, SyncAnswer
from opendcc.clock import Clock, SystemClock
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader, ServiceRequest
from opendcc.duis.schema import DuisSchema, load_schema
from opendcc.duis.signature import SignatureVerifier
from opendcc.estate.records import DeviceFilter
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.hub.delivery import RetryPolicy
from opendcc.hub.runtime import Hub, HubConfig
from opendcc.inventory.model import Device, DeviceType, MarketRole, SmiStatus
from opendcc.smki.estates import DEMO
from opendcc.store.inventory import WriteStep
from tests.reference import require_reference

COUNTERS = Counter()


@functools.cache
def duis_schema() -> DuisSchema:
    """The DUIS XSD (loaded once), to check that the hub's answers are schema-valid."""
    loaded = load_schema(require_reference("duis", "xsd"))
    assert isinstance(loaded, DuisSchema), loaded
    return loaded


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


def supplier_of(hub: RunningHub, device: Device) -> str | None:
    """The demo party name supplying ``device`` now (supplier-a or supplier-b), if any."""
    estate, now = hub.hub.estate, hub.hub.clock.now()
    held = estate.registrations.registrations_for(estate.inventory.fuels_by_mpxn(device), now)
    for name in ("supplier-a", "supplier-b"):
        if any(r.party == party(name) and r.role is MarketRole.SUPPLIER for r in held):
            return name
    return None


def commissioned_hub(
    hub: RunningHub, supplier: str = "supplier-a"
) -> tuple[Device, Device, Device]:
    """A Commissioned CHF, its GPF and a Commissioned ESME behind it that ``supplier``
    supplies now."""
    inventory = hub.hub.estate.inventory
    for details in inventory.list_devices(
        DeviceFilter(device_type=DeviceType.GPF, status=SmiStatus.COMMISSIONED), limit=100
    ).items:
        gpf = details.device
        chf = inventory.get_device(gpf.chf_id) if gpf.chf_id is not None else None
        if chf is None or chf.status is not SmiStatus.COMMISSIONED:
            continue
        for behind in inventory.list_devices(
            DeviceFilter(chf_id=chf.device_id, device_type=DeviceType.ESME)
        ).items:
            esme = behind.device
            if esme.status is SmiStatus.COMMISSIONED and supplier_of(hub, esme) == supplier:
                return chf, gpf, esme
    raise LookupError(f"no commissioned dual-fuel hub of {supplier} in the estate")


async def non_device(
    hub: RunningHub,
    variant: str,
    body: etree._Element,
    who: str = "supplier-a",
    schema: DuisSchema | None = None,
) -> SyncAnswer:
    """A non-device request (CV 8, to the ACB) from ``who``: its synchronous answer, which
    must carry a signed response (schema-valid too, when ``schema`` is given)."""
    async with hub.client(who) as client:
        _, answer = await client.send(
            request(variant, body, party(who), DCC_ACCESS_CONTROL_BROKER, cv=8)
        )
    assert answer.problem is None and answer.response is not None, answer.problem
    if schema is not None:
        assert schema.validate(answer.response.root) is None
    return answer


async def delivered(
    hub: RunningHub, who: str, root: etree._Element, timeout: float = 15
) -> tuple[ServiceRequest, Received]:
    """Send ``root`` as ``who`` (critical: CV 4 -> signed Pre-Command -> CV 5): answered
    I99, then the asynchronous I0 Response the receiver took (its signature checked).
    Returns the request sent and that Response."""
    cv = int(root.findtext("{*}Header/{*}CommandVariant") or "0")
    async with hub.client(who) as client:
        if cv == 4:
            sent, transformed, answer = await client.critical(root, None)
            assert transformed.code == "I0", (transformed.code, transformed.problem)
        else:
            sent, answer = await client.send(root)
    assert answer is not None and answer.code == "I99", (answer and answer.code, answer)
    rid = str(sent.header.request_id)
    final = await hub.receiver.response_for(rid, timeout=timeout)
    assert final is not None, (rid, hub.receiver.rejected)
    assert final.response.header.response_code.value == "I0", final.response.header
    return sent, final


def device_response(hub: RunningHub, sent: ServiceRequest, final: Received) -> DecodedMessage:
    """The Device's GBCS Response in ``final``, decoded: from the request's target, its
    signature (a signed Response) or its MAC checked with the Device's keys."""
    gbcs = final.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    decoded = decode(gbcs, hub.hub.security)
    assert decoded.message.originator == sent.header.request_id.target
    checks = [decoded.signature.valid] if decoded.message.signature else [decoded.mac.valid]
    assert checks == [True], (decoded.mac, decoded.signature)
    return decoded


# --- fault injection (monkeypatch these in) ------------------------------------------------


def fails_after(real: Any) -> Any:
    """``real`` (a write taking the connection first) made to write, then fail: a change
    that includes it must keep nothing of it."""

    def failing(conn: Any, *args: Any, **kwargs: Any) -> Any:
        real(conn, *args, **kwargs)
        raise RuntimeError("injected fault after a write")

    return failing


def failing_steps(real: Any, victim: Eui64 | None = None) -> Any:
    """An inventory ``*_step`` maker (``change_status_step``...) whose steps, for
    ``victim`` only when given, write inside the job and then fail."""

    def make(device_id: Eui64, *args: Any, **kwargs: Any) -> Any:
        made = real(device_id, *args, **kwargs)
        if victim is not None and device_id != victim:
            return made

        def job(conn: Any) -> Any:
            made.run(conn)  # it writes, then fails: the write must not stay
            raise RuntimeError("injected fault in a step")

        return WriteStep(job, None)

    return make


def disk_failure(*args: Any, **kwargs: Any) -> Any:
    """A database write that fails as a failing disk does (for the journal's insert)."""
    raise sqlite3.OperationalError("disk I/O error (injected)")


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


def from_template(name: str, who: str, target: Device | Eui64, **values: str) -> etree._Element:
    """The reference DUIS request template ``name`` (``ECS43_7.2_SUCCESS``...) addressed
    from ``who`` to ``target``, with the first element of each name in ``values`` set to
    the test's value."""
    path = require_reference("duis", "templates") / f"{name}_REQUEST_DUIS.XML"
    device_id = target.device_id if isinstance(target, Device) else target
    root = retarget(path, party(who), device_id)
    for tag, value in values.items():
        element = next(root.iter(f"{{*}}{tag}"), None)
        assert element is not None, (name, tag)
        element.text = value
    return root


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
