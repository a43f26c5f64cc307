"""Run the hub's HTTP servers in one process and one event loop.

DUIS (and the admin API and ``/healthz``) listen on ``port``; the SMKI certificate service
on ``port + 4``, as DCC Boxed lays them out (8079 and 8083). Both are uvicorn servers
(httptools parser, uvloop where available) sharing the loop with the hub's own tasks, so a
request, the pipeline and the delivery of its response never cross a process boundary.
TLS is optional: give a certificate and key (the project's PKI can issue one).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from opendcc.api.duis_http import Asgi


@dataclass(frozen=True, slots=True)
class Listener:
    app: Asgi
    host: str
    port: int
    name: str


@dataclass(frozen=True, slots=True)
class Tls:
    certfile: Path
    keyfile: Path


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to ``serve``."""

    def install_signal_handlers(self) -> None:
        return None


def _server(listener: Listener, tls: Tls | None, log_level: str) -> _Server:
    config = uvicorn.Config(
        listener.app,
        host=listener.host,
        port=listener.port,
        http="httptools",
        loop="none",
        lifespan="off",
        access_log=False,
        # The hub reads no client address and sits behind no proxy by default: no
        # X-Forwarded-* rewriting (it would be one more ASGI layer on every request).
        proxy_headers=False,
        log_level=log_level,
        backlog=4096,
        timeout_keep_alive=60,
        ssl_certfile=str(tls.certfile) if tls else None,
        ssl_keyfile=str(tls.keyfile) if tls else None,
    )
    return _Server(config)


async def serve(
    listeners: list[Listener],
    *,
    tls: Tls | None = None,
    log_level: str = "warning",
    on_started: Callable[[], Awaitable[None]] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve every listener until SIGINT/SIGTERM or ``stop`` is set."""
    servers = [_server(item, tls, log_level) for item in listeners]
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    tasks = [
        asyncio.create_task(s.serve(), name=f"http-{i.name}")
        for s, i in zip(servers, listeners, strict=True)
    ]
    try:
        while not all(s.started for s in servers):
            if any(t.done() for t in tasks):
                for task in tasks:
                    if task.done() and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
                raise RuntimeError("an HTTP server stopped while starting")
            await asyncio.sleep(0.01)
        if on_started is not None:
            await on_started()
        await stop.wait()
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


def install_uvloop() -> bool:
    """Use uvloop's event loop policy when installed (it is, with ``uvicorn[standard]``)."""
    try:
        import uvloop  # noqa: PLC0415 - optional: only when installed
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True
