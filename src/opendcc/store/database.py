"""One SQLite database in WAL mode, written by a single thread with group commit.

Why this shape: the hub must persist every accepted request before answering I99 and
still carry 1,200 requests a second on two cores. A single writer thread takes every
pending write job, runs them all in one transaction (each job in its own SAVEPOINT, so a
failing job rolls back alone) and commits once: the cost of a commit is shared by
everything that arrived meanwhile, and the ``sqlite3`` module releases the GIL while
SQLite works, so the event loop keeps running. Reads use a separate connection per
thread; WAL lets them proceed while the writer commits.

Durability: with ``synchronous=NORMAL`` (the default) a committed transaction survives the
process being killed (it is in the WAL file) but not a power cut; ``synchronous=FULL``
survives both at the price of an fsync per group commit. ``OPENDCC_SQLITE_SYNCHRONOUS``
or the ``synchronous`` argument chooses.

Schemas: each store module declares its tables as ``SchemaPart``s; ``Database.open``
applies every registered part once, in order, recording it in ``schema_parts``.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

T = TypeVar("T")

_STOP: Final = object()


@dataclass(frozen=True, slots=True)
class SchemaPart:
    """A named, append-only piece of schema: once applied, never edited (add a new part)."""

    name: str
    statements: str


_REGISTRY: list[SchemaPart] = []


def register_schema(part: SchemaPart) -> SchemaPart:
    """Declare tables for every database opened from now on (module import time)."""
    if all(p.name != part.name for p in _REGISTRY):
        _REGISTRY.append(part)
    return part


class StoreError(RuntimeError):
    """The database could not do what was asked (I/O failure, corruption, closed)."""


@dataclass(slots=True)
class _Job:
    work: Callable[[sqlite3.Connection], Any]
    done: Future[Any]


class Database:
    """An SQLite file: ``write`` jobs go to the writer thread, ``reader()`` serves reads."""

    def __init__(
        self,
        path: Path | str,
        *,
        synchronous: str = "NORMAL",
        parts: Sequence[SchemaPart] | None = None,
    ) -> None:
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        if self.synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"unknown synchronous mode {synchronous!r}")
        self._parts = list(parts) if parts is not None else None
        self._jobs: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self.commits = 0
        self.jobs_committed = 0

    # --- lifecycle -------------------------------------------------------------------------

    def open(self) -> Database:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            self._apply_schema(conn)
        finally:
            conn.close()
        self._writer = threading.Thread(target=self._write_loop, name="opendcc-sqlite-writer")
        self._writer.daemon = True
        self._writer.start()
        return self

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._jobs.put(_STOP)
            self._writer.join()
        with self._readers_lock:
            for conn in self._readers:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._readers.clear()

    def __enter__(self) -> Database:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-65536")
        return conn

    def _apply_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_parts (name TEXT PRIMARY KEY, applied_at TEXT"
            " NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
        )
        done = {row[0] for row in conn.execute("SELECT name FROM schema_parts")}
        for part in self._parts if self._parts is not None else _REGISTRY:
            if part.name in done:
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(part.statements):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_parts (name) VALUES (?)", (part.name,))
                conn.execute("COMMIT")
            except sqlite3.Error:
                conn.execute("ROLLBACK")
                raise

    # --- reads -----------------------------------------------------------------------------

    def reader(self) -> sqlite3.Connection:
        """This thread's read connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreError("database is closed")
            conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    # --- writes ----------------------------------------------------------------------------

    def submit(self, work: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Queue ``work(conn)`` to run inside a transaction on the writer thread."""
        if self._closed or self._writer is None:
            raise StoreError("database is not open")
        done: Future[T] = Future()
        self._jobs.put(_Job(work, done))
        return done

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(conn)`` in a committed transaction; returns once it is durable."""
        return await asyncio.wrap_future(self.submit(work))

    def write_now(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking form of ``write`` for command-line tools and tests."""
        return self.submit(work).result()

    def _write_loop(self) -> None:
        conn = self._connect()
        try:
            while True:
                first = self._jobs.get()
                if first is _STOP:
                    return
                batch = [first]
                stop = False
                while True:
                    try:
                        more = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if more is _STOP:
                        stop = True
                        break
                    batch.append(more)
                self._run_batch(conn, [j for j in batch if isinstance(j, _Job)])
                if stop:
                    return
        finally:
            conn.close()

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        results: list[tuple[_Job, bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for index, job in enumerate(batch):
                savepoint = f"job{index}"
                conn.execute(f"SAVEPOINT {savepoint}")
                try:
                    value = job.work(conn)
                except BaseException as exc:  # the job's own failure: roll back just it
                    conn.execute(f"ROLLBACK TO {savepoint}")
                    conn.execute(f"RELEASE {savepoint}")
                    results.append((job, False, exc))
                else:
                    conn.execute(f"RELEASE {savepoint}")
                    results.append((job, True, value))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            failure = StoreError(f"commit failed: {exc}")
            for job in batch:
                if not job.done.done():
                    job.done.set_exception(failure)
            return
        self.commits += 1
        self.jobs_committed += len(batch)
        for job, ok, value in results:
            if ok:
                job.done.set_result(value)
            else:
                job.done.set_exception(value)


def _statements(script: str) -> Iterator[str]:
    """Split a schema script on semicolons that end complete statements."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = pending.strip()
            if statement.strip(";").strip():
                yield statement
            pending = ""
    if pending.strip():
        yield pending.strip()
