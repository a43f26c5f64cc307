"""One SQLite database in WAL mode, written with group commit on the event loop.

Why this shape: the hub must persist every accepted request before answering I99 and still
carry 1,200 requests a second on two cores. Every write job submitted while an event loop is
running in this thread is queued; at the end of the loop iteration all queued jobs run in
one transaction (each in its own SAVEPOINT, so a failing job rolls back alone) and commit
once: the cost of a commit is shared by everything that arrived meanwhile. The jobs run on
the loop's own thread: a separate writer thread has to win the GIL back from the busy loop
after every SQLite call, which costs up to the interpreter's switch interval each time and
dominated the request latency when this module ran whole jobs there. The COMMIT alone (the
WAL write, which SQLite does without holding the GIL) runs on a committer thread: one GIL
hand-back per batch, and the loop goes on with other requests while the pages are written.
Jobs submitted meanwhile gather for the next batch, which starts when the commit is done,
so under load the batches grow and each commit is shared by more requests. A job's future
completes only once its transaction has committed.

Jobs submitted from another thread (command-line seeding, ``asyncio.to_thread`` work) run
at once in that thread, serialised with the loop's batches by a lock. WAL checkpoints, the
only writes that fsync with ``synchronous=NORMAL``, run on a background thread with its
own connection so they never stall the loop; each one ends by copying the last few frames
while holding the write lock, so that the next commit starts the WAL over rather than
appending to an ever longer file (``_checkpoint``). The loop never waits for that lock:
a flush that finds it taken tries again a millisecond later, with more jobs gathered.

Durability: with ``synchronous=NORMAL`` (the default) a committed transaction survives the
process being killed (it is in the WAL file) but not a power cut; ``synchronous=FULL``
survives both at the price of an fsync per group commit. ``OPENDCC_SQLITE_SYNCHRONOUS`` or
the ``synchronous`` argument chooses.

Schemas: each store module declares its tables as ``SchemaPart``s; ``Database.open``
applies every registered part once, in order, recording it in ``schema_parts``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


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
    done: Future[Any] | asyncio.Future[Any]


class Database:
    """An SQLite file: ``write``/``submit`` run jobs in committed transactions, ``reader()``
    serves reads."""

    def __init__(
        self,
        path: Path | str,
        *,
        synchronous: str = "NORMAL",
        parts: Sequence[SchemaPart] | None = None,
        checkpoint_every: float = 1.0,
    ) -> None:
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        if self.synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"unknown synchronous mode {synchronous!r}")
        self._parts = list(parts) if parts is not None else None
        self._writer: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pending: list[_Job] = []
        self._flush_scheduled = False
        self._committing = False
        self._committer: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self._checkpoint_every = checkpoint_every
        self._checkpointer: threading.Thread | None = None
        self._stop = threading.Event()
        self.commits = 0
        self.jobs_committed = 0

    # --- lifecycle -------------------------------------------------------------------------

    def open(self) -> Database:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        conn.execute("PRAGMA journal_mode=WAL")
        self._apply_schema(conn)
        conn.execute("PRAGMA wal_autocheckpoint=0")
        self._writer = conn
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="opendcc-sqlite-checkpoint", daemon=True
        )
        self._checkpointer.start()
        return self

    def close(self) -> None:
        if self._closed:
            return
        if self._committer is not None:
            # A commit in flight holds the write lock; wait for it before the last batch.
            self._committer.shutdown(wait=True)
            self._committer = None
        if self._pending:
            batch, self._pending = self._pending, []
            self._run_batch(batch)
        self._closed = True
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        with self._lock:
            if self._writer is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._writer.close()
                self._writer = None
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

    def _checkpoint_loop(self) -> None:
        conn = self._connect()
        try:
            while not self._stop.wait(self._checkpoint_every):
                with contextlib.suppress(sqlite3.Error):
                    self._checkpoint(conn)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """Copy the WAL into the database file so that the next write starts it over.

        SQLite reuses the WAL from its start only when a write transaction begins with
        every frame already copied back. Under steady load a checkpoint running beside the
        writer never sees that (new frames arrive while it copies), and the WAL grows
        without bound: every commit then appends to fresh file space and the checkpoint
        touches ever more of it. So: copy most frames without blocking anyone, then copy
        the few committed meanwhile while holding the write lock (no batch can commit in
        between), which leaves the WAL fully copied for the next writer to restart.
        """
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy or frames <= 0 or copied < 0:
            return
        with self._lock:
            if self._writer is None:
                return
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

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
        """Run ``work(conn)`` inside a committed transaction.

        On a thread running an event loop the job joins this loop iteration's group commit
        and the future completes after it; elsewhere it runs now, and the future is done
        on return. A job must only change the database: it may run a second time when a
        job committed with it fails.
        """
        if self._closed or self._writer is None:
            raise StoreError("database is not open")
        done: Future[T] = Future()
        job = _Job(work, done)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._run_batch([job])
            return done
        self._pending.append(job)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        return done

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(conn)`` in a committed transaction; returns once it is durable.

        The job joins this loop iteration's group commit with a future of the loop itself
        (the batch completes on the loop's thread, so no cross-thread wake-up is needed).
        """
        if self._closed or self._writer is None:
            raise StoreError("database is not open")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._pending.append(_Job(work, done))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        return await done

    def write_now(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking form of ``write`` for command-line tools and tests (no running loop)."""
        if self._closed or self._writer is None:
            raise StoreError("database is not open")
        done: Future[T] = Future()
        self._run_batch([_Job(work, done)])
        return done.result()

    def _flush(self) -> None:
        if not self._pending or self._committing:
            # Nothing to do, or a batch is being committed: its completion flushes again.
            self._flush_scheduled = False
            return
        loop = asyncio.get_running_loop()
        if not self._lock.acquire(blocking=False):
            # The checkpointer holds the write lock for a moment (``_checkpoint``): let the
            # loop carry on with other work and commit what has gathered meanwhile after.
            loop.call_later(0.001, self._flush)
            return
        self._flush_scheduled = False
        batch, self._pending = self._pending, []
        conn = self._writer
        if conn is None:
            self._lock.release()
            self._fail(batch, StoreError("database is closed"))
            return
        try:
            results = self._attempt(conn, batch, isolated=False, commit=False)
            if results is None:
                results = self._attempt(conn, batch, isolated=True, commit=False)
                assert results is not None
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            self._lock.release()
            self._fail(batch, StoreError(f"commit failed: {exc}"))
            return
        if self._committer is None:
            self._committer = ThreadPoolExecutor(1, thread_name_prefix="opendcc-sqlite-commit")
        self._committing = True
        pending = loop.run_in_executor(self._committer, self._commit, conn)
        pending.add_done_callback(lambda done: self._committed(done, batch, results))

    def _commit(self, conn: sqlite3.Connection) -> None:
        """On the committer thread: COMMIT, or roll back if it fails; releases the lock."""
        try:
            conn.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        finally:
            self._lock.release()

    def _committed(
        self,
        done: asyncio.Future[None],
        batch: list[_Job],
        results: list[tuple[_Job, bool, Any]],
    ) -> None:
        """Back on the loop: complete the batch's futures, then start the next batch."""
        self._committing = False
        failure = done.exception()
        if failure is not None:
            self._fail(batch, StoreError(f"commit failed: {failure}"))
        else:
            self.commits += 1
            self.jobs_committed += len(batch)
            self._complete(results)
        if self._pending and not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    @staticmethod
    def _fail(batch: list[_Job], failure: BaseException) -> None:
        for job in batch:
            if not job.done.done():
                job.done.set_exception(failure)

    @staticmethod
    def _complete(results: list[tuple[_Job, bool, Any]]) -> None:
        for job, ok, value in results:
            if job.done.done():  # its waiter was cancelled; the change is committed all the same
                continue
            if ok:
                job.done.set_result(value)
            else:
                job.done.set_exception(value)

    def _run_batch(self, batch: list[_Job], *, locked: bool = False) -> None:
        """Run ``batch`` in one transaction and commit once (``locked``: the caller has
        taken the write lock, which is released here).

        The common case costs no savepoints: jobs run straight. If one raises, the whole
        transaction is rolled back and the batch is run again with a savepoint around each
        job, so only the failing job's changes are discarded and the others still commit.
        """
        if not locked:
            self._lock.acquire()
        try:
            conn = self._writer
            if conn is None:
                self._fail(batch, StoreError("database is closed"))
                return
            try:
                results = self._attempt(conn, batch, isolated=False)
                if results is None:
                    results = self._attempt(conn, batch, isolated=True)
                    assert results is not None
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                self._fail(batch, StoreError(f"commit failed: {exc}"))
                return
            self.commits += 1
            self.jobs_committed += len(batch)
        finally:
            self._lock.release()
        self._complete(results)

    @staticmethod
    def _attempt(
        conn: sqlite3.Connection, batch: list[_Job], *, isolated: bool, commit: bool = True
    ) -> list[tuple[_Job, bool, Any]] | None:
        """One try at the batch; None when a job failed and isolation is needed. With
        ``commit`` false the transaction is left open for the caller to commit."""
        results: list[tuple[_Job, bool, Any]] = []
        conn.execute("BEGIN IMMEDIATE")
        for index, job in enumerate(batch):
            if isolated:
                conn.execute(f"SAVEPOINT job{index}")
            try:
                value = job.work(conn)
            except BaseException as exc:  # the job's own failure
                if not isolated:
                    conn.execute("ROLLBACK")
                    return None
                conn.execute(f"ROLLBACK TO job{index}")
                conn.execute(f"RELEASE job{index}")
                results.append((job, False, exc))
            else:
                if isolated:
                    conn.execute(f"RELEASE job{index}")
                results.append((job, True, value))
        if commit:
            conn.execute("COMMIT")
        return results


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
