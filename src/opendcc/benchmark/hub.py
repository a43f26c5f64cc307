"""``opendcc bench``: signed 4.1.1 requests through the whole hub, over HTTP, from a second process.

The hub runs as its own process (``opendcc serve``) on a demo estate, as a User would run it.
This process is the Users' side: it prepares the PKI with ``streams`` bench suppliers (each
a DCC User with its own keys and its share of the estate's MPANs), pre-signs every request
(signing is the User's cost, not the hub's), then drives one ordered stream per supplier
(RequestID counters must increase per originator), and runs the Receive Response Service
that the hub delivers the final responses to. Latency is from sending a request to its final
response arriving; the WAN delay is zero. Server CPU time and peak memory come from
/proc for the server process; the floor is measured here, in the same run.

To profile the hub under this load, ``OPENDCC_BENCH_PROFILE_ARGS`` puts interpreter
arguments before ``-m opendcc serve``: ``OPENDCC_BENCH_PROFILE_ARGS="-m cProfile -o
hub.prof" opendcc bench`` writes the server's profile when the bench stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from opendcc.benchmark.primitives import measure
from opendcc.eui import Eui64

BENCH_EUI_BASE = 0x020DCC00000B0000
_REQUEST_ID = re.compile(rb"<sr:RequestID>([^<]+)</sr:RequestID>")
_ACKNOWLEDGEMENT = b"<sr:ResponseCode>I99</sr:ResponseCode>"


@dataclass(frozen=True, slots=True)
class BenchResult:
    rps: float
    p50_ms: float
    p99_ms: float
    peak_rss_mb: float
    floor_ratio: float
    requests: int
    completed: int
    duration_s: float
    streams: int
    server_cpu_us_per_request: float
    floor_us_per_request: float
    errors: int
    client_cpu_us_per_request: float = 0.0
    """This process's CPU (sending, receiving the responses) per request: with the hub's,
    what the machine spends per request in all."""

    def to_json(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


def prepare_data(data: Path, streams: int, premises: int) -> list[Eui64]:
    """A PKI with ``streams`` bench suppliers and a demo estate sharing MPANs among them."""
    from opendcc.roles import UserRole  # noqa: PLC0415
    from opendcc.smki.estates import DEMO  # noqa: PLC0415
    from opendcc.smki.identity import KeyUsage, RemotePartyRole  # noqa: PLC0415
    from opendcc.smki.pkidir import PkiDirectory, init_pki  # noqa: PLC0415

    now = datetime.now(UTC)
    pki = data / "pki"
    init_pki(pki, DEMO, now)
    directory = PkiDirectory.open(pki)
    suppliers = []
    for n in range(streams):
        eui = Eui64(BENCH_EUI_BASE + n + 1)
        name = f"bench-supplier-{n + 1}"
        roles = (UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER)
        for role, usage, label in (
            (RemotePartyRole.SUPPLIER, KeyUsage.DIGITAL_SIGNING, "ds"),
            (RemotePartyRole.SUPPLIER, KeyUsage.KEY_AGREEMENT, "ka"),
            (RemotePartyRole.XML_SIGNING, KeyUsage.DIGITAL_SIGNING, "xmlsign-ds"),
        ):
            directory.issue_organisation(
                name=name, eui=eui, role=role, usage=usage, now=now, label=label, user_roles=roles
            )
            directory = PkiDirectory.open(pki)
        suppliers.append(eui)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "opendcc",
            "estate",
            "seed",
            "--estate",
            "demo",
            "-n",
            str(premises),
            "--db",
            str(data / "hub.sqlite"),
            "--pki",
            str(pki),
        ],
        check=True,
        capture_output=True,
    )
    return suppliers


def _devices_of(data: Path, suppliers: list[Eui64]) -> dict[Eui64, list[Eui64]]:
    import opendcc.store.estate as estate_store  # noqa: PLC0415
    from opendcc.estate.records import DeviceFilter  # noqa: PLC0415
    from opendcc.inventory.model import DeviceType, MarketRole, SmiStatus  # noqa: PLC0415
    from opendcc.store.database import Database  # noqa: PLC0415

    now = datetime.now(UTC)
    with Database(data / "hub.sqlite", parts=estate_store.ESTATE_SCHEMA) as db:
        estate = estate_store.open_estate(db)
        found: dict[Eui64, list[Eui64]] = {s: [] for s in suppliers}
        after = None
        while True:
            page = estate.inventory.list_devices(
                DeviceFilter(device_type=DeviceType.ESME, status=SmiStatus.COMMISSIONED),
                after=after,
                limit=500,
            )
            for details in page.items:
                device = details.device
                fuels = estate.inventory.fuels_by_mpxn(device)
                for reg in estate.registrations.registrations_for(fuels, now):
                    if reg.role is MarketRole.SUPPLIER and reg.party in found:
                        found[reg.party].append(device.device_id)
            if not page.items or page.next_after is None:
                break
            after = page.next_after
    return found


def _presign(
    data: Path,
    streams: dict[Eui64, list[Eui64]],
    per_stream: int,
    progress: Callable[[int], None] | None,
) -> dict[Eui64, list[bytes]]:
    from opendcc.client.identity import UserIdentity  # noqa: PLC0415
    from opendcc.client.requests import sign  # noqa: PLC0415
    from opendcc.duis import build  # noqa: PLC0415
    from opendcc.duis.command_variant import CommandVariant  # noqa: PLC0415
    from opendcc.duis.ids import RequestId  # noqa: PLC0415
    from opendcc.duis.matrix import service_reference_variant  # noqa: PLC0415
    from opendcc.duis.messages import RequestHeader  # noqa: PLC0415
    from opendcc.smki.keystore import Keystore  # noqa: PLC0415

    keystore = Keystore.load(data / "pki")
    variant = service_reference_variant("4.1.1")
    assert variant is not None
    start = int(time.time() * 1000)
    out: dict[Eui64, list[bytes]] = {}
    done = 0
    for supplier, devices in streams.items():
        identity = UserIdentity.from_keystore(keystore, supplier)
        bodies = []
        for n in range(per_stream):
            header = RequestHeader(
                RequestId(supplier, devices[n % len(devices)], start + n),
                CommandVariant.NON_CRITICAL_SM_WAN,
                "4.1",
                variant,
            )
            root = build.request_document(header, build.sr("ReadInstantaneousImportRegisters"))
            bodies.append(sign(root, identity))
            done += 1
            if progress is not None and done % 500 == 0:
                progress(done)
        out[supplier] = bodies
    return out


def _proc_stats(pid: int) -> tuple[float, float]:
    """(user+system CPU seconds, peak RSS MB) of process ``pid``."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    peak = 0.0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return cpu, peak


async def _drive(
    base: str, streams: dict[Eui64, list[bytes]], duration: float, arrivals: dict[bytes, float]
) -> tuple[dict[bytes, float], int, float]:
    sent: dict[bytes, float] = {}
    errors = 0
    deadline = time.perf_counter() + duration
    connector = aiohttp.TCPConnector(limit=len(streams) + 4)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def stream(bodies: list[bytes]) -> None:
            nonlocal errors
            for body in bodies:
                if time.perf_counter() >= deadline:
                    return
                match = _REQUEST_ID.search(body)
                assert match is not None
                sent[match.group(1)] = time.perf_counter()
                async with session.post(
                    f"{base}/api/v1/serviceS",
                    data=body,
                    headers={"Content-Type": "application/xml"},
                ) as reply:
                    answer = await reply.read()
                    if reply.status != 200 or _ACKNOWLEDGEMENT not in answer:
                        errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(stream(b) for b in streams.values()))
        elapsed = time.perf_counter() - started
    return sent, errors, elapsed


async def _tick(meter: Callable[[float, float], None], duration: float) -> None:
    """Report the seconds of measured load done, four times a second."""
    started = time.perf_counter()
    while True:
        meter(min(time.perf_counter() - started, duration), duration)
        await asyncio.sleep(0.25)


async def run(
    duration: float = 20.0,
    *,
    streams: int = 8,
    premises: int = 400,
    port: int = 18979,
    data: Path | None = None,
    keep: bool = False,
    progress: Callable[[str], None] | None = None,
    meter: Callable[[float, float], None] | None = None,
) -> BenchResult:
    """Run the benchmark. ``progress`` is told of each phase as it starts, ``meter`` how
    far the current phase has come (done, total) while it runs (for a progress bar)."""
    say = progress or (lambda message: None)
    measure_phase = meter or (lambda done, total: None)
    workdir = data or Path(tempfile.mkdtemp(prefix="opendcc-bench-"))
    arrivals: dict[bytes, float] = {}

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        match = _REQUEST_ID.search(body)
        # The final Response, not an acknowledgement. Match the ResponseCode element: a bare
        # ``I99`` also turns up by chance inside base64 (signature, digest, GBCS payload),
        # about once in a thousand Responses, which would count a delivered one as lost.
        if match is not None and _ACKNOWLEDGEMENT not in body:
            arrivals.setdefault(match.group(1), time.perf_counter())
        return web.Response(status=204)

    app = web.Application(client_max_size=4 << 20)
    app.router.add_post("/rrs", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    callback_port = next(a[1] for a in runner.addresses if isinstance(a, tuple))
    server: subprocess.Popen[bytes] | None = None
    try:
        say("preparing the PKI and the demo estate")
        suppliers = await asyncio.to_thread(prepare_data, workdir, streams, premises)
        devices = await asyncio.to_thread(_devices_of, workdir, suppliers)
        devices = {s: d for s, d in devices.items() if d}
        per_stream = int(duration * 400) + 200
        to_sign = per_stream * len(devices)
        say(f"pre-signing {to_sign} requests")
        bodies = await asyncio.to_thread(
            _presign, workdir, devices, per_stream, lambda done: measure_phase(done, to_sign)
        )
        callbacks = [f"--callback={s}=http://127.0.0.1:{callback_port}/rrs" for s in devices]
        server = subprocess.Popen(
            [
                sys.executable,
                *os.environ.get("OPENDCC_BENCH_PROFILE_ARGS", "").split(),
                "-m",
                "opendcc",
                "serve",
                "--data",
                str(workdir),
                "--port",
                str(port),
                "--estate",
                "existing",
                "--log-level",
                "warning",
                *callbacks,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{base}/healthz") as reply:
                        if reply.status == 200:
                            break
                if server.poll() is not None:
                    raise RuntimeError(f"the hub did not start: {server.stderr.read().decode()}")  # type: ignore[union-attr]
                await asyncio.sleep(0.1)
        say("measuring the primitive floor")
        floor = await asyncio.to_thread(measure)
        # Warm up (caches, JIT-free but allocator and SQLite page cache), then measure.
        say("warming up")
        warm = {s: b[:50] for s, b in bodies.items()}
        await _drive(base, warm, 5.0, arrivals)
        await asyncio.sleep(1.0)
        rest = {s: b[50:] for s, b in bodies.items()}
        cpu_before, _ = _proc_stats(server.pid)
        client_before = time.process_time()
        say(f"driving {len(rest)} streams for {duration:.0f} s")
        ticker = asyncio.create_task(_tick(measure_phase, duration))
        try:
            sent, errors, elapsed = await _drive(base, rest, duration, arrivals)
        finally:
            ticker.cancel()
        say("waiting for the last responses")
        # Up to a minute: a delivery that failed under load is retried 5 s later (after a
        # POST timeout of up to 10 s), and a response still missing then counts as lost.
        for _ in range(1200):
            outstanding = sum(1 for k in sent if k not in arrivals)
            measure_phase(len(sent) - outstanding, len(sent))
            if not outstanding:
                break
            await asyncio.sleep(0.05)
        cpu_after, peak = _proc_stats(server.pid)
        client_cpu = time.process_time() - client_before
        latencies = sorted((arrivals[k] - t) * 1000 for k, t in sent.items() if k in arrivals)
        completed = len(latencies)
        cpu_per_request = (cpu_after - cpu_before) / max(completed, 1) * 1_000_000
        return BenchResult(
            rps=completed / elapsed if elapsed else 0.0,
            p50_ms=statistics.median(latencies) if latencies else 0.0,
            p99_ms=latencies[int(0.99 * (completed - 1))] if latencies else 0.0,
            peak_rss_mb=peak,
            floor_ratio=cpu_per_request / floor.per_request_us,
            requests=len(sent),
            completed=completed,
            duration_s=elapsed,
            streams=len(rest),
            server_cpu_us_per_request=cpu_per_request,
            floor_us_per_request=floor.per_request_us,
            errors=errors,
            client_cpu_us_per_request=client_cpu / max(completed, 1) * 1_000_000,
        )
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        await runner.cleanup()
        if data is None and not keep:
            shutil.rmtree(workdir, ignore_errors=True)
