from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from opendcc.store.database import Database, SchemaPart, StoreError

PART = SchemaPart("t1", "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);")


def test_group_commit_isolates_failing_jobs(tmp_path: Path) -> None:
    with Database(tmp_path / "db.sqlite", parts=[PART]) as db:

        def good(i: int):  # type: ignore[no-untyped-def]
            return lambda c: c.execute("INSERT INTO t VALUES (?, ?)", (i, "x")).lastrowid

        def bad(c: sqlite3.Connection) -> None:
            c.execute("INSERT INTO t VALUES (100, 'half')")
            c.execute("INSERT INTO t VALUES (1, 'dup')")  # violates the primary key

        futures = [db.submit(good(i)) for i in range(1, 50)] + [db.submit(bad)]
        assert [f.result() for f in futures[:-1]] == list(range(1, 50))
        with pytest.raises(sqlite3.IntegrityError):
            futures[-1].result()
        rows = db.reader().execute("SELECT count(*), max(k) FROM t").fetchone()
        # Every good job landed; nothing of the failing job did (not even its first insert).
        assert rows == (49, 49)


def test_async_write_is_visible_to_readers_once_awaited(tmp_path: Path) -> None:
    async def scenario(db: Database) -> int:
        await db.write(lambda c: c.execute("INSERT INTO t VALUES (1, 'a')"))
        return int(db.reader().execute("SELECT count(*) FROM t").fetchone()[0])

    with Database(tmp_path / "db.sqlite", parts=[PART]) as db:
        assert asyncio.run(scenario(db)) == 1


def test_schema_applied_once_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with Database(path, parts=[PART]) as db:
        db.write_now(lambda c: c.execute("INSERT INTO t VALUES (1, 'kept')"))
    with Database(path, parts=[PART]) as db:
        assert db.reader().execute("SELECT v FROM t").fetchall() == [("kept",)]
        assert db.reader().execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_closed_database_refuses_work(tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite", parts=[PART]).open()
    db.close()
    with pytest.raises(StoreError):
        db.submit(lambda c: None)


def test_rejects_unknown_synchronous_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Database(tmp_path / "x", synchronous="SOMETIMES")


def test_wal_is_reused_under_continuous_writes(tmp_path: Path) -> None:
    """The checkpointer copies the WAL back while writes keep arriving, and the WAL starts
    over instead of growing with everything ever written (each commit then reuses file
    space the checkpoint freed). About 40 MB is written over a second or so."""
    blob = "x" * 20_000
    count = 2000

    async def scenario(db: Database) -> None:
        for n in range(count):
            await db.write(lambda c, n=n: c.execute("INSERT INTO t VALUES (?, ?)", (n, blob)))
            if n % 10 == 0:
                await asyncio.sleep(0.005)  # a moment between bursts, as a busy hub has

    path = tmp_path / "db.sqlite"
    with Database(path, parts=[PART], checkpoint_every=0.05) as db:
        asyncio.run(scenario(db))
        wal = Path(f"{path}-wal").stat().st_size
        assert db.reader().execute("SELECT count(*) FROM t").fetchone() == (count,)
    assert wal < count * len(blob) / 2, f"the WAL grew to {wal} bytes"


def test_jobs_arriving_during_a_commit_wait_for_the_next_batch(tmp_path: Path) -> None:
    """The COMMIT runs off the loop: jobs submitted while it is in flight form the next
    batch, every future completes only once its own transaction is committed (a second
    connection sees the row), and nothing is lost or committed twice."""

    async def scenario(db: Database) -> tuple[list[int], int]:
        seen: list[int] = []

        async def one(i: int) -> None:
            await db.write(lambda c: c.execute("INSERT INTO t VALUES (?, 'x')", (i,)))
            # Durable on completion: another connection already sees it.
            seen.append(
                int(db.reader().execute("SELECT count(*) FROM t WHERE k = ?", (i,)).fetchone()[0])
            )

        async def stream(start: int) -> None:
            for i in range(start, start + 40):
                await one(i)

        await asyncio.gather(*(stream(n * 1000) for n in range(6)))
        return seen, db.commits

    with Database(tmp_path / "db.sqlite", parts=[PART]) as db:
        seen, commits = asyncio.run(scenario(db))
        assert seen == [1] * 240
        assert db.reader().execute("SELECT count(*) FROM t").fetchone() == (240,)
        # Jobs gathered while a commit was in flight shared the next one.
        assert commits < 240


def test_a_failed_commit_fails_its_batch_and_the_next_batch_still_commits(
    tmp_path: Path,
) -> None:
    """A COMMIT that fails (here: a deferred foreign key, checked at commit) fails every
    job of its batch with StoreError and leaves nothing of them; later jobs commit."""
    part = SchemaPart(
        "fk1",
        "CREATE TABLE parent (k INTEGER PRIMARY KEY);\n"
        "CREATE TABLE child (k INTEGER PRIMARY KEY, p INTEGER NOT NULL"
        " REFERENCES parent (k) DEFERRABLE INITIALLY DEFERRED);",
    )

    async def scenario(db: Database) -> None:
        ok = db.write(lambda c: c.execute("INSERT INTO parent VALUES (1)"))
        orphan = db.write(lambda c: c.execute("INSERT INTO child VALUES (1, 99)"))
        results = await asyncio.gather(ok, orphan, return_exceptions=True)
        assert all(isinstance(r, StoreError) for r in results)
        await db.write(lambda c: c.execute("INSERT INTO parent VALUES (2)"))

    with Database(tmp_path / "db.sqlite", parts=[part]) as db:
        asyncio.run(scenario(db))
        assert db.reader().execute("SELECT k FROM parent").fetchall() == [(2,)]
        assert db.reader().execute("SELECT count(*) FROM child").fetchone() == (0,)
