"""Deliver signed responses and alerts to each User's Receive Response Service.

DUIS: asynchronous Service Responses, Device Alerts and DCC Alerts are POSTed as signed
``application/xml`` to the URL the User configured; the User's system answers 2xx (DCC
Boxed clients answer 204), or 4xx when it refuses the message. The DCC retries a failed
delivery at least once within 300 seconds, then holds it on a failed queue for two days and
releases it when the User's endpoint answers again (PRODUCT.md capability A).

Theory of operation: every delivery is already in the ``deliveries`` table (written with
the response), so this module only decides when to try, tries, and records. Ready work
sits in a heap keyed by the next attempt time; ``workers`` tasks POST concurrently over a
shared keep-alive connection pool. A held delivery waits in its recipient's held list; a
probe retries the oldest held message of each recipient every ``probe_every``, and any
success for a recipient releases all its held messages. Every attempt is recorded
(``delivery_attempts``) and logged (``events``) in one write job.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp

from opendcc.clock import Clock
from opendcc.store import deliveries as dv
from opendcc.store import journal as jr
from opendcc.store.database import Database
from opendcc.store.events import Event, EventKind, append_events


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to try again. The defaults meet DUIS: retried within 300 s, held 2 days."""

    delays: tuple[float, ...] = (5.0, 30.0, 120.0, 290.0)
    """Seconds after the first attempt at which to retry; all within 300 s."""
    hold_for: timedelta = timedelta(days=2)
    probe_every: timedelta = timedelta(seconds=60)
    timeout: float = 10.0
    """Seconds one POST may take before it counts as failed."""


@dataclass(frozen=True, slots=True)
class PostResult:
    status: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def refused(self) -> bool:
        """A 4xx the User's system means (not 408 timeout or 429 busy): don't retry."""
        return (
            self.status is not None and 400 <= self.status < 500 and self.status not in (408, 429)
        )


class Transport(Protocol):
    async def post(self, url: str, body: bytes, timeout: float) -> PostResult: ...

    async def close(self) -> None: ...


_XML = {"Content-Type": "application/xml"}


class AiohttpTransport:
    """POST over aiohttp with a shared keep-alive pool."""

    def __init__(self, *, limit: int = 256, ssl_context: Any = None) -> None:
        self._limit = limit
        self._ssl: Any = ssl_context if ssl_context is not None else True
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    def _timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        found = self._timeouts.get(seconds)
        if found is None:
            found = self._timeouts[seconds] = aiohttp.ClientTimeout(total=seconds)
        return found

    async def post(self, url: str, body: bytes, timeout: float) -> PostResult:
        session = self._client()
        try:
            async with session.post(
                url,
                data=body,
                headers=_XML,
                timeout=self._timeout(timeout),
                ssl=self._ssl,
            ) as response:
                await response.read()
                return PostResult(response.status, None)
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            return PostResult(None, f"{type(exc).__name__}: {exc}".strip(": "))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


@dataclass(order=True)
class _Ready:
    due: float
    order: int
    delivery_id: int = field(compare=False)
    recipient: str = field(compare=False)
    request_row: int | None = field(compare=False)
    request_id: str | None = field(compare=False)
    body: bytes = field(compare=False, repr=False)
    attempts: int = field(compare=False)
    first_attempt: float | None = field(compare=False)
    held_since: datetime | None = field(compare=False, default=None)


class Deliverer:
    """Tries, retries, holds and releases deliveries; records every attempt."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        resolve_url: Callable[[str], str | None],
        *,
        transport: Transport | None = None,
        policy: RetryPolicy | None = None,
        workers: int = 32,
        on_delivered: Callable[[int], Awaitable[None] | None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.resolve_url = resolve_url
        self.transport: Transport = transport or AiohttpTransport()
        self.policy = policy or RetryPolicy()
        self._workers_wanted = workers
        self._heap: list[_Ready] = []
        self._held: dict[str, list[_Ready]] = {}
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._work: asyncio.Queue[_Ready] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._in_flight = 0
        self._known: set[int] = set()
        """Delivery ids scheduled, in flight or held: each is handled by one path only."""
        self._on_delivered = on_delivered
        self.delivered_count = 0

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Load open deliveries from the store and start the scheduler and workers."""
        for item in dv.open_deliveries(self.db.reader()):
            if item.id in self._known:
                continue
            self._known.add(item.id)
            ready = _Ready(
                due=self._due_in(item.next_attempt_at),
                order=next(self._order),
                delivery_id=item.id,
                recipient=item.recipient,
                request_row=item.request_row,
                request_id=item.request_id,
                body=item.body,
                attempts=item.attempts,
                first_attempt=None,
                held_since=item.held_at,
            )
            if item.state is dv.DeliveryState.HELD:
                self._held.setdefault(item.recipient, []).append(ready)
            else:
                heapq.heappush(self._heap, ready)
        self._tasks.append(asyncio.create_task(self._schedule(), name="delivery-scheduler"))
        self._tasks.append(asyncio.create_task(self._probe(), name="delivery-probe"))
        for n in range(self._workers_wanted):
            self._tasks.append(asyncio.create_task(self._worker(), name=f"delivery-{n}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.transport.close()

    # --- intake ------------------------------------------------------------------------

    def enqueue(
        self,
        delivery_id: int,
        recipient: str,
        body: bytes,
        *,
        request_row: int | None = None,
        request_id: str | None = None,
    ) -> None:
        """Schedule a delivery already committed to the store for an immediate attempt."""
        if delivery_id in self._known:
            return
        self._known.add(delivery_id)
        ready = _Ready(
            due=time.monotonic(),
            order=next(self._order),
            delivery_id=delivery_id,
            recipient=recipient,
            request_row=request_row,
            request_id=request_id,
            body=body,
            attempts=0,
            first_attempt=None,
        )
        self._work.put_nowait(ready)

    def release(self, recipient: str) -> int:
        """Move ``recipient``'s held deliveries back to the ready queue (e.g. new URL set)."""
        held = self._held.pop(recipient, [])
        now = time.monotonic()
        for ready in held:
            ready.due = now
            ready.first_attempt = None
            ready.held_since = None
            heapq.heappush(self._heap, ready)
        if held:
            self._wake.set()
        return len(held)

    @property
    def backlog(self) -> int:
        return len(self._heap) + self._work.qsize() + self._in_flight

    @property
    def held(self) -> int:
        return sum(len(v) for v in self._held.values())

    async def drained(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is waiting or in flight (held messages excepted)."""
        deadline = time.monotonic() + timeout
        while self.backlog and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return not self.backlog

    # --- scheduling --------------------------------------------------------------------

    def _due_in(self, at: datetime) -> float:
        return time.monotonic() + max(0.0, (at - self.clock.now()).total_seconds())

    async def _schedule(self) -> None:
        while True:
            now = time.monotonic()
            while self._heap and self._heap[0].due <= now:
                self._work.put_nowait(heapq.heappop(self._heap))
            wait = (self._heap[0].due - now) if self._heap else 1.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, min(wait, 1.0)))

    async def _worker(self) -> None:
        while True:
            ready = await self._work.get()
            self._in_flight += 1
            try:
                await self._attempt(ready)
            finally:
                self._in_flight -= 1

    async def _attempt(self, ready: _Ready) -> None:
        url = self.resolve_url(ready.recipient)
        started = time.perf_counter()
        at = self.clock.now()
        if url is None:
            result = PostResult(None, "the User has no Receive Response Service URL configured")
        else:
            result = await self.transport.post(url, ready.body, self.policy.timeout)
        duration = int((time.perf_counter() - started) * 1_000_000)
        if ready.first_attempt is None:
            ready.first_attempt = time.monotonic()
        ready.attempts += 1
        attempt = dv.Attempt(at, url, result.status, result.error, duration)

        def event(kind: EventKind, **detail: object) -> Event:
            return Event(
                kind,
                at,
                ready.request_id,
                target=ready.recipient,
                detail={"delivery": ready.delivery_id, **detail},
            )

        tried = event(
            EventKind.DELIVERY_ATTEMPT,
            attempt=ready.attempts,
            url=url,
            status=result.status,
            error=result.error,
        )
        if result.delivered:
            await self._record(
                ready,
                attempt,
                dv.DeliveryState.DELIVERED,
                at,
                None,
                [tried, event(EventKind.DELIVERED)],
            )
            self._known.discard(ready.delivery_id)  # done: nothing will schedule it again
            self.delivered_count += 1
            if self._held.get(ready.recipient):
                self._release_with_event(ready.recipient)
            if self._on_delivered is not None:
                outcome = self._on_delivered(ready.delivery_id)
                if outcome is not None:
                    await outcome
            return
        error = result.error or f"HTTP {result.status}"
        if result.refused:
            await self._record(
                ready,
                attempt,
                dv.DeliveryState.REJECTED,
                at,
                error,
                [tried, event(EventKind.DELIVERY_REJECTED, status=result.status)],
            )
            self._known.discard(ready.delivery_id)
            return
        retry_at = self._next_retry(ready)
        if retry_at is not None:
            next_attempt = at + timedelta(seconds=retry_at - time.monotonic())
            await self._record(
                ready,
                attempt,
                dv.DeliveryState.PENDING,
                at,
                error,
                [tried],
                next_attempt_at=next_attempt,
            )
            ready.due = retry_at
            heapq.heappush(self._heap, ready)
            self._wake.set()
            return
        ready.held_since = ready.held_since or at
        await self._record(
            ready,
            attempt,
            dv.DeliveryState.HELD,
            at,
            error,
            [tried, event(EventKind.DELIVERY_HELD, error=error)],
        )
        self._held.setdefault(ready.recipient, []).append(ready)

    def _next_retry(self, ready: _Ready) -> float | None:
        """The monotonic time of the next retry, or None when the retries are used up."""
        if ready.held_since is not None or ready.first_attempt is None:
            return None
        used = ready.attempts - 1
        if used >= len(self.policy.delays):
            return None
        return ready.first_attempt + self.policy.delays[used]

    async def _record(
        self,
        ready: _Ready,
        attempt: dv.Attempt,
        state: dv.DeliveryState,
        at: datetime,
        error: str | None,
        events: Sequence[Event],
        *,
        next_attempt_at: datetime | None = None,
    ) -> None:
        def job(conn):  # type: ignore[no-untyped-def]
            dv.record_attempt(conn, ready.delivery_id, attempt)
            dv.set_state(
                conn, ready.delivery_id, state, at, next_attempt_at=next_attempt_at, error=error
            )
            if ready.request_row is not None and state in (
                dv.DeliveryState.DELIVERED,
                dv.DeliveryState.REJECTED,
                dv.DeliveryState.EXPIRED,
            ):
                _complete(conn, ready.request_row, at)
            append_events(conn, events, request_id=ready.request_id, journal_row=ready.request_row)

        await self.db.write(job)

    # --- the failed queue --------------------------------------------------------------

    def _release_with_event(self, recipient: str) -> None:
        count = self.release(recipient)
        at = self.clock.now()
        self.db.submit(
            lambda c: append_events(
                c,
                [
                    Event(
                        EventKind.DELIVERY_RELEASED,
                        at,
                        target=recipient,
                        detail={"released": count},
                    )
                ],
            )
        )

    async def _probe(self) -> None:
        while True:
            await asyncio.sleep(self.policy.probe_every.total_seconds())
            await self.probe_now()

    async def probe_now(self) -> None:
        """Expire what has been held too long; retry the oldest held message per recipient."""
        now = self.clock.now()
        for recipient in list(self._held):
            queue_ = self._held[recipient]
            expired = [
                r for r in queue_ if r.held_since and now - r.held_since >= self.policy.hold_for
            ]
            for ready in expired:
                queue_.remove(ready)
                await self._expire(ready, now)
            if not queue_:
                self._held.pop(recipient, None)
                continue
            oldest = queue_.pop(0)
            self._work.put_nowait(oldest)

    async def _expire(self, ready: _Ready, at: datetime) -> None:
        self._known.discard(ready.delivery_id)

        def job(conn):  # type: ignore[no-untyped-def]
            dv.set_state(
                conn,
                ready.delivery_id,
                dv.DeliveryState.EXPIRED,
                at,
                error="held for longer than the failed-queue period",
                count_attempt=False,
            )
            append_events(
                conn,
                [
                    Event(
                        EventKind.DELIVERY_EXPIRED,
                        at,
                        ready.request_id,
                        target=ready.recipient,
                        detail={"delivery": ready.delivery_id},
                    )
                ],
            )
            if ready.request_row is not None:
                _complete(conn, ready.request_row, at)

        await self.db.write(job)


def _complete(conn: Any, row: int, at: datetime) -> None:
    """The request whose response this was is complete (logged with its outcome)."""
    moved = jr.complete(conn, row, at)
    if moved is not None:
        request_id, originator, target, variant, code = moved
        append_events(
            conn,
            [Event(EventKind.COMPLETED, at, request_id, originator, target, variant, code)],
            request_id=request_id,
            journal_row=row,
        )
