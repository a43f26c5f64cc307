"""The DUIS HTTP envelope over a real uvicorn server (the pipeline replaced by an echo)."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator

import aiohttp
import pytest

from opendcc.api.duis_http import DuisApp, Endpoint, HttpAnswer
from opendcc.api.server import Listener, serve


class Echo:
    def __init__(self) -> None:
        self.seen: list[tuple[Endpoint, bytes]] = []

    async def submit(self, endpoint: Endpoint, body: bytes) -> HttpAnswer:
        self.seen.append((endpoint, body))
        if body == b"<boom/>":
            raise RuntimeError("a bug")
        if body == b"<disk-full/>":
            raise sqlite3.OperationalError("database or disk is full")
        return HttpAnswer(200, b"<ok/>")

    def ready(self) -> bool:
        return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Echo]]:
    echo = Echo()
    port = _free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve([Listener(DuisApp(echo, max_body=1000), "127.0.0.1", port, "duis")], stop=stop)
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}", echo
    stop.set()
    await task


async def test_routes_each_endpoint(server: tuple[str, Echo]) -> None:
    base, echo = server
    async with aiohttp.ClientSession() as s:
        for endpoint in Endpoint:
            async with s.post(
                f"{base}/api/v1/{endpoint.value}",
                data=b"<x/>",
                headers={"Content-Type": "application/xml"},
            ) as r:
                assert r.status == 200
                assert r.headers["Content-Type"] == "application/xml"
                assert await r.read() == b"<ok/>"
    assert [e for e, _ in echo.seen] == list(Endpoint)


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        ("GET", "/api/v1/serviceS", {}, b"", 405),
        ("POST", "/api/v1/serviceS", {"Content-Type": "application/json"}, b"{}", 415),
        ("POST", "/api/v1/serviceS", {"Content-Type": "application/xml"}, b"x" * 1001, 413),
        ("POST", "/api/v1/serviceX", {"Content-Type": "application/xml"}, b"<x/>", 404),
        ("POST", "/api/v1/serviceS", {"Content-Type": "application/xml"}, b"<boom/>", 500),
        ("POST", "/api/v1/serviceS", {"Content-Type": "application/xml"}, b"<disk-full/>", 503),
    ],
)
async def test_envelope_refusals(
    server: tuple[str, Echo],
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
) -> None:
    base, _ = server
    async with (
        aiohttp.ClientSession() as s,
        s.request(method, base + path, data=body, headers=headers) as r,
    ):
        assert r.status == status
        # Storage failing is no bug in the request: not accepted, try again later.
        assert (r.headers.get("Retry-After") == "5") == (status == 503)
        assert (await r.text()).strip()


async def test_chunked_oversized_body_is_refused_without_content_length(
    server: tuple[str, Echo],
) -> None:
    base, echo = server

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"y" * 100

    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{base}/api/v1/serviceS", data=chunks(), headers={"Content-Type": "application/xml"}
        ) as r,
    ):
        assert r.status == 413
    assert echo.seen == []
