"""``opendcc demo``: a small estate, the hub, and a scripted conversation, end to end.

It starts the hub in this process on the embedded default (SQLite, no server), then plays
the part of two DCC Users with their own keys: a supplier and an electricity distributor.
Every request is signed, sent over HTTP, checked and answered as in production: reads,
a critical request (Pre-Command, correlation, the User's signature), a request the DCC
refuses, and a non-device request. The table it prints is what each User saw.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.client.receiver import CallbackReceiver
from opendcc.client.requests import Counter
from opendcc.client.session import ClientError, DuisClient
from opendcc.clock import SystemClock
from opendcc.correlate import correlate
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import RequestHeader, ServiceRequest, ServiceResponse
from opendcc.duis.signature import SignatureVerifier
from opendcc.estate.records import DeviceFilter, UserUpdate
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.hub.runtime import Hub, HubConfig
from opendcc.inventory.model import Device, DeviceType, MarketRole, SmiStatus
from opendcc.smki.estates import DEMO


@dataclass
class Line:
    user: str
    request: str
    sync: str
    final: str = ""
    detail: str = ""
    ms: float = 0.0


@dataclass
class Demo:
    hub: Hub
    base_url: str
    receiver: CallbackReceiver
    verifier: SignatureVerifier
    lines: list[Line] = field(default_factory=list)
    counter: Counter = field(default_factory=Counter)

    def identity(self, name: str) -> UserIdentity:
        return UserIdentity.from_keystore(self.hub.keystore, DEMO.identity(name).eui, name)

    def request(
        self, who: str, variant: str, body: etree._Element, target: Eui64, cv: CommandVariant
    ) -> etree._Element:
        srv = service_reference_variant(variant)
        assert srv is not None
        rid = RequestId(DEMO.identity(who).eui, target, self.counter.next(SystemClock().now()))
        return build.request_document(RequestHeader(rid, cv, srv.service_reference, srv), body)

    async def send(
        self,
        who: str,
        title: str,
        variant: str,
        body: etree._Element,
        target: Eui64,
        cv: CommandVariant = CommandVariant.NON_CRITICAL_SM_WAN,
    ) -> None:
        started = time.perf_counter()
        root = self.request(who, variant, body, target, cv)
        async with DuisClient(self.base_url, self.identity(who), self.verifier) as client:
            if cv is CommandVariant.CRITICAL_TRANSFORM:

                def check(request: ServiceRequest, pre: bytes) -> str | None:
                    verdict = correlate(request, pre)
                    return None if verdict else verdict.difference

                try:
                    request, transformed, sent = await client.critical(root, check)
                except ClientError as exc:
                    self.lines.append(Line(who, title, "not signed", "", str(exc)))
                    return
                answer = sent or transformed
                sync = (
                    f"Pre-Command, correlated, signed; {answer.code}"
                    if sent is not None
                    else transformed.code or f"HTTP {transformed.status}"
                )
            else:
                request, answer = await client.send(root)
                sync = answer.code or f"HTTP {answer.status}"
        line = Line(who, title, sync)
        if answer.code == "I99":
            received = await self.receiver.response_for(str(request.header.request_id), 15)
            if received is not None:
                line.final = received.response.header.response_code.value
                line.detail = self.describe(received.response)
        elif answer.response is not None:
            line.detail = self.describe(answer.response)
        line.ms = (time.perf_counter() - started) * 1000
        self.lines.append(line)

    def describe(self, response: ServiceResponse) -> str:
        content = response.content
        if content is not None and etree.QName(content).localname == "DSPInventory":
            devices = [
                f"{d.findtext('{*}DeviceType')} {d.findtext('{*}DeviceStatus') or ''}"
                for d in content.iter("{*}Device")
            ]
            return "inventory: " + ", ".join(devices)
        payload = response.gbcs_payload()
        if not isinstance(payload, bytes):
            return ""
        try:
            decoded = decode(payload, self.hub.security)
        except GbcsDecodeError as exc:
            return f"GBCS not decodable: {exc}"
        values = decoded.payload.to_json().get("values") or {}
        # A Response to a critical Command is signed by the Device; others carry a MAC.
        signed = decoded.message.signature is not None
        check = decoded.signature if signed else decoded.mac
        state = "valid" if check.valid else "not checked" if check.valid is None else "INVALID"
        return f"{decoded.use_case} {'signature' if signed else 'MAC'} {state}: {_summary(values)}"

    def device(self, device_type: DeviceType, supplier: str) -> Device:
        estate = self.hub.estate
        who = DEMO.identity(supplier).eui
        now = self.hub.clock.now()
        page = estate.inventory.list_devices(
            DeviceFilter(device_type=device_type, status=SmiStatus.COMMISSIONED), limit=500
        )
        for details in page.items:
            fuels = estate.inventory.fuels_by_mpxn(details.device)
            for reg in estate.registrations.registrations_for(fuels, now):
                if reg.party == who and reg.role is MarketRole.SUPPLIER:
                    return details.device
        raise LookupError(f"the demo estate has no {device_type.value} of {supplier}")


def _summary(values: dict[str, Any]) -> str:
    parts = []
    for key, value in list(values.items())[:3]:
        if isinstance(value, dict) and "value" in value:
            parts.append(f"{key} {value.get('amount', value['value'])} {value.get('unit', '')}")
        elif isinstance(value, str | int | float):
            parts.append(f"{key} {value}")
    return "; ".join(parts)


async def play(data: Path | None = None, port: int = 8079, premises: int = 12) -> list[Line]:
    directory = data or Path(tempfile.mkdtemp(prefix="opendcc-demo-"))
    config = HubConfig(
        data_dir=directory, port=port, estate="demo", premises=premises, log_level="warning"
    )
    hub = Hub(config)
    stop = asyncio.Event()
    started = asyncio.Event()

    async def on_started() -> None:
        started.set()

    task = asyncio.create_task(hub.run(stop=stop, on_started=on_started))
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    verifier = SignatureVerifier(hub.keystore)
    receiver = await CallbackReceiver(verifier).start()
    for user in hub.estate.users.list_users():
        await hub.estate.users.update(user.eui, UserUpdate(callback_url=receiver.url))
    demo = Demo(hub, f"http://127.0.0.1:{port}", receiver, verifier)
    try:
        await script(demo)
    finally:
        await receiver.stop()
        stop.set()
        await task
    return demo.lines


async def script(demo: Demo) -> None:
    esme = demo.device(DeviceType.ESME, "supplier-a")
    sr = build.sr
    await demo.send(
        "supplier-a",
        "read import registers (4.1.1)",
        "4.1.1",
        sr("ReadInstantaneousImportRegisters"),
        esme.device_id,
    )
    await demo.send(
        "electricity-distributor",
        "read import registers (4.1.1)",
        "4.1.1",
        sr("ReadInstantaneousImportRegisters"),
        esme.device_id,
    )
    await demo.send(
        "supplier-b",
        "read another supplier's meter (4.1.1)",
        "4.1.1",
        sr("ReadInstantaneousImportRegisters"),
        esme.device_id,
    )
    await demo.send(
        "supplier-a",
        "disable supply (7.2, critical)",
        "7.2",
        sr("DisableSupply"),
        esme.device_id,
        CommandVariant.CRITICAL_TRANSFORM,
    )
    await demo.send(
        "supplier-a", "read supply status (7.4)", "7.4", sr("ReadSupplyStatus"), esme.device_id
    )
    await demo.send(
        "supplier-a",
        "read inventory (8.2)",
        "8.2",
        sr("ReadInventory", children=[sr("DeviceID", str(esme.device_id))]),
        DCC_ACCESS_CONTROL_BROKER,
        CommandVariant.NON_DEVICE,
    )
