"""Nothing acknowledged is lost: SIGKILL the hub under load, restart it, and every request
that got its I99 still reaches its final response."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp import web

from opendcc.client.identity import UserIdentity
from opendcc.client.requests import Counter, sign
from opendcc.clock import SystemClock
from opendcc.smki.estates import DEMO
from opendcc.smki.keystore import Keystore
from opendcc.store import journal as jr
from opendcc.store.database import Database
from tests.hub.harness import free_port, request

USERS = ("supplier-a", "supplier-b")


def _serve(data: Path, port: int, callback: str, estate: str) -> subprocess.Popen[bytes]:
    callbacks = [f"--callback={DEMO.identity(u).eui}={callback}" for u in USERS]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opendcc",
            "serve",
            "--data",
            str(data),
            "--port",
            str(port),
            "--estate",
            estate,
            "--premises",
            "8",
            "--log-level",
            "warning",
            *callbacks,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def _healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):  # 60 s: a loaded 2-core machine starts slowly
            try:
                async with session.get(f"{base}/healthz") as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            assert server.poll() is None, server.stderr.read().decode()  # type: ignore[union-attr]
            await asyncio.sleep(0.1)
    raise AssertionError("the hub did not start")


def _esmes_of(data: Path) -> dict[str, list[object]]:
    from datetime import UTC, datetime

    import opendcc.store.estate as estate_store
    from opendcc.estate.records import DeviceFilter
    from opendcc.inventory.model import DeviceType, MarketRole, SmiStatus

    found: dict[str, list[object]] = {u: [] for u in USERS}
    with Database(data / "hub.sqlite", parts=estate_store.ESTATE_SCHEMA) as db:
        estate = estate_store.open_estate(db)
        page = estate.inventory.list_devices(
            DeviceFilter(device_type=DeviceType.ESME, status=SmiStatus.COMMISSIONED), limit=500
        )
        for details in page.items:
            fuels = estate.inventory.fuels_by_mpxn(details.device)
            for reg in estate.registrations.registrations_for(fuels, datetime.now(UTC)):
                for user in USERS:
                    if reg.party == DEMO.identity(user).eui and reg.role is MarketRole.SUPPLIER:
                        found[user].append(details.device.device_id)
    return found


async def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    final: dict[str, int] = {}

    async def receive(req: web.Request) -> web.Response:
        body = await req.read()
        # The User's system takes a moment over each response, so that some are still in
        # flight when the kill comes however fast the hub is (it must deliver them again).
        await asyncio.sleep(0.05)
        start = body.find(b"<sr:RequestID>") + len(b"<sr:RequestID>")
        final_id = body[start : body.find(b"</sr:RequestID>")].decode()
        final[final_id] = final.get(final_id, 0) + 1
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/rrs", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    callback = f"http://127.0.0.1:{runner.addresses[0][1]}/rrs"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(tmp_path, port, callback, "demo")
    await _healthy(base, server)

    keystore = Keystore.load(tmp_path / "pki")
    targets = _esmes_of(tmp_path)
    counter = Counter()
    bodies = {
        u: [
            sign(
                request(
                    "4.1.1",
                    "ReadInstantaneousImportRegisters",
                    DEMO.identity(u).eui,
                    targets[u][n % len(targets[u])],  # type: ignore[arg-type]
                    counter=counter.next(SystemClock().now()),
                ),
                UserIdentity.from_keystore(keystore, DEMO.identity(u).eui),
            )
            for n in range(400)
        ]
        for u in USERS
    }
    acknowledged: list[str] = []

    async def stream(user: str, session: aiohttp.ClientSession) -> None:
        for body in bodies[user]:
            try:
                async with session.post(
                    f"{base}/api/v1/serviceS",
                    data=body,
                    headers={"Content-Type": "application/xml"},
                ) as reply:
                    text = await reply.read()
            except aiohttp.ClientError:
                return  # the hub died under us
            if b">I99<" in text:
                start = text.find(b"<sr:RequestID>") + len(b"<sr:RequestID>")
                acknowledged.append(text[start : text.find(b"</sr:RequestID>")].decode())

    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.create_task(stream(u, session)) for u in USERS]
        for _ in range(6000):  # until 150 are acknowledged, at most 60 s
            if len(acknowledged) >= 150 or all(t.done() for t in tasks):
                break
            await asyncio.sleep(0.01)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        await asyncio.gather(*tasks)
    assert acknowledged, "nothing was acknowledged before the kill"
    lost_before_restart = [r for r in acknowledged if r not in final]

    server = _serve(tmp_path, port, callback, "existing")
    try:
        await _healthy(base, server)
        for _ in range(900):  # recovery redelivers with the retry schedule: up to 90 s
            if all(r in final for r in acknowledged):
                break
            await asyncio.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
        await runner.cleanup()
    missing = [r for r in acknowledged if r not in final]
    assert not missing, f"{len(missing)} acknowledged requests never got a final response"
    # The kill really interrupted work: some responses were only delivered after the restart.
    assert lost_before_restart, "the kill came too late to test recovery"
    with Database(tmp_path / "hub.sqlite", parts=[jr.SCHEMA]) as db:
        open_entries = jr.open_entries(db.reader())
    assert [e for e in open_entries if e.request_id in acknowledged] == []
