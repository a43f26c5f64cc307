"""Delivery to a User's Receive Response Service over real HTTP (an aiohttp test endpoint)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from opendcc.clock import ManualClock
from opendcc.hub.delivery import Deliverer, RetryPolicy
from opendcc.store import deliveries as dv
from opendcc.store import events as ev
from opendcc.store import journal as jr
from opendcc.store.database import Database

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
USER = "90-B3-D5-1F-30-01-00-00"


class Receiver:
    """A User's system: answers with the status it is told to, recording what arrives."""

    def __init__(self) -> None:
        self.status = 204
        self.received: list[tuple[str, bytes]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.content_type, await request.read()))
        return web.Response(status=self.status)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/rrs", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/rrs"

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


def _db(tmp_path: Path) -> Database:
    return Database(tmp_path / "hub.sqlite", parts=[*ev.SCHEMA_PARTS, jr.SCHEMA, dv.SCHEMA]).open()


def _queue(db: Database, body: bytes = b"<sr:Response/>") -> tuple[int, int]:
    def job(conn):  # type: ignore[no-untyped-def]
        row = jr.insert_request(
            conn,
            request_id="r-1",
            originator=USER,
            target="00-DB-12-34-56-78-90-A0",
            counter=1,
            variant="4.1.1",
            command_variant=1,
            role="IS",
            state=jr.RequestState.ACCEPTED,
            at=T0,
            request_xml=b"<x/>",
        )
        jr.advance(conn, row, jr.Step.RESPONDED, T0, response_code="I0")
        delivery = dv.insert_delivery(
            conn,
            recipient=USER,
            kind=dv.DeliveryKind.RESPONSE,
            body=body,
            at=T0,
            request_row=row,
            request_id="r-1",
        )
        return row, delivery

    return db.write_now(job)


FAST = RetryPolicy(
    delays=(0.05, 0.1), hold_for=timedelta(days=2), probe_every=timedelta(seconds=3600), timeout=2.0
)


async def test_delivers_signed_xml_and_completes_the_request(
    tmp_path: Path, receiver: Receiver
) -> None:
    db = _db(tmp_path)
    row, delivery = _queue(db)
    deliverer = Deliverer(db, ManualClock(T0), lambda eui: receiver.url, policy=FAST)
    await deliverer.start()
    try:
        deliverer.enqueue(delivery, USER, b"<sr:Response/>", request_row=row, request_id="r-1")
        assert await deliverer.drained(5)
        await asyncio.sleep(0.05)
    finally:
        await deliverer.stop()
    assert receiver.received == [("application/xml", b"<sr:Response/>")]
    stored = dv.get_delivery(db.reader(), delivery)
    assert stored is not None and stored.state is dv.DeliveryState.DELIVERED
    entry = jr.get_by_row(db.reader(), row)
    assert entry is not None and entry.state is jr.RequestState.COMPLETED
    kinds = [e.event.kind for e in ev.events_for_request(db.reader(), "r-1")]
    assert kinds == [ev.EventKind.COMPLETED, ev.EventKind.DELIVERY_ATTEMPT, ev.EventKind.DELIVERED]
    db.close()


async def test_retries_then_holds_then_releases_when_endpoint_answers(
    tmp_path: Path, receiver: Receiver
) -> None:
    db = _db(tmp_path)
    row, delivery = _queue(db)
    receiver.status = 503
    deliverer = Deliverer(db, ManualClock(T0), lambda eui: receiver.url, policy=FAST)
    await deliverer.start()
    try:
        deliverer.enqueue(delivery, USER, b"<a/>", request_row=row, request_id="r-1")
        for _ in range(100):
            if deliverer.held:
                break
            await asyncio.sleep(0.02)
        # First attempt plus the two retries of the policy, then the failed queue.
        assert len(receiver.received) == 3
        assert deliverer.held == 1
        await asyncio.sleep(0.05)
        stored = dv.get_delivery(db.reader(), delivery)
        assert stored is not None and stored.state is dv.DeliveryState.HELD
        receiver.status = 204
        await deliverer.probe_now()
        assert await deliverer.drained(5)
        await asyncio.sleep(0.05)
    finally:
        await deliverer.stop()
    stored = dv.get_delivery(db.reader(), delivery)
    assert stored is not None and stored.state is dv.DeliveryState.DELIVERED
    attempts = dv.attempts_for(db.reader(), delivery)
    assert [a.http_status for a in attempts] == [503, 503, 503, 204]
    db.close()


async def test_held_messages_expire_after_two_days(tmp_path: Path) -> None:
    db = _db(tmp_path)
    row, delivery = _queue(db)
    clock = ManualClock(T0)
    deliverer = Deliverer(db, clock, lambda eui: "http://127.0.0.1:9/unreachable", policy=FAST)
    await deliverer.start()
    try:
        deliverer.enqueue(delivery, USER, b"<a/>", request_row=row, request_id="r-1")
        for _ in range(200):
            if deliverer.held:
                break
            await asyncio.sleep(0.02)
        assert deliverer.held == 1
        clock.advance(timedelta(days=1))
        await deliverer.probe_now()  # still within the period: tried again, held again
        for _ in range(200):
            if deliverer.held:
                break
            await asyncio.sleep(0.02)
        clock.advance(timedelta(days=1, seconds=1))
        await deliverer.probe_now()
    finally:
        await deliverer.stop()
    stored = dv.get_delivery(db.reader(), delivery)
    assert stored is not None and stored.state is dv.DeliveryState.EXPIRED
    kinds = [e.event.kind for e in ev.events_for_request(db.reader(), "r-1")]
    assert ev.EventKind.DELIVERY_EXPIRED in kinds
    db.close()


async def test_a_refusal_is_not_retried(tmp_path: Path, receiver: Receiver) -> None:
    db = _db(tmp_path)
    row, delivery = _queue(db)
    receiver.status = 400
    deliverer = Deliverer(db, ManualClock(T0), lambda eui: receiver.url, policy=FAST)
    await deliverer.start()
    try:
        deliverer.enqueue(delivery, USER, b"<a/>", request_row=row, request_id="r-1")
        assert await deliverer.drained(5)
        await asyncio.sleep(0.3)
    finally:
        await deliverer.stop()
    assert len(receiver.received) == 1
    stored = dv.get_delivery(db.reader(), delivery)
    assert stored is not None and stored.state is dv.DeliveryState.REJECTED
    db.close()


async def test_open_deliveries_resume_after_restart(tmp_path: Path, receiver: Receiver) -> None:
    db = _db(tmp_path)
    _row, delivery = _queue(db)  # committed, never attempted: as if the hub died here
    db.close()
    db = _db(tmp_path)
    deliverer = Deliverer(db, ManualClock(T0), lambda eui: receiver.url, policy=FAST)
    await deliverer.start()
    try:
        for _ in range(100):
            if receiver.received:
                break
            await asyncio.sleep(0.02)
        assert await deliverer.drained(5)
        await asyncio.sleep(0.05)
    finally:
        await deliverer.stop()
    assert len(receiver.received) == 1
    stored = dv.get_delivery(db.reader(), delivery)
    assert stored is not None and stored.state is dv.DeliveryState.DELIVERED
    db.close()
