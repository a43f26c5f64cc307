"""The hub's write path without the rest of the hub: journal rows and their events in group
commits, as under ``opendcc bench``, to weigh the event log's indexes.

    python bench/event_log_bench.py [--requests 30000] [--per-commit 3] [--warm 30000]

Each commit carries, like the hub's under load, the first write of ``--per-commit`` new
requests (journal row, replay counter, seven events), the Device response step of the
previous commit's (an advance and four events) and the completion of the ones before
(three events). RequestIDs come from 8 originators to 200 target Devices with rising
counters, as the bench's streams send them. ``--warm`` requests are written first so that the
indexes have depth. Prints CPU per request (every thread: the WAL checkpointer too), commits
per second and the WAL frames of the last commits (bench/wal_frames.py). Run it against
other code with ``PYTHONPATH=other/src``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opendcc.store import events as ev
from opendcc.store import journal as jr
from opendcc.store.database import Database

ORIGINATORS = [f"90-B3-D5-1F-30-01-00-{n:02X}" for n in range(8)]
TARGETS = [f"00-DB-12-34-56-78-{n // 256:02X}-{n % 256:02X}" for n in range(200)]
K = ev.EventKind
XML = b"<sr:Request>" + b"x" * 3000 + b"</sr:Request>"


class Load:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.n = 0
        self.at = datetime(2026, 11, 29, tzinfo=UTC)
        self.rows: dict[str, int] = {}

    def new_ids(self, count: int) -> list[tuple[str, str, str, int]]:
        ids = []
        for _ in range(count):
            self.n += 1
            originator = ORIGINATORS[self.n % len(ORIGINATORS)]
            target = TARGETS[(self.n * 7) % len(TARGETS)]
            counter = 1_700_000_000_000 + self.n
            ids.append((f"{originator}:{target}:{counter}", originator, target, counter))
        return ids

    def _events(self, rid: str, originator: str, kinds: list[ev.EventKind]) -> list[ev.Event]:
        return [
            ev.Event(k, self.at, rid, originator, rid.split(":")[1], "4.1.1", None, {"n": 1})
            for k in kinds
        ]

    async def commit(
        self,
        fresh: list[tuple[str, str, str, int]],
        responded: list[tuple[str, str, str, int]],
        completed: list[tuple[str, str, str, int]],
    ) -> None:
        self.at += timedelta(milliseconds=4)
        at = self.at
        waits = []
        for rid, originator, target, counter in fresh:

            def first(c, rid=rid, originator=originator, target=target, counter=counter):  # type: ignore[no-untyped-def]
                row = jr.insert_request(
                    c,
                    request_id=rid,
                    originator=originator,
                    target=target,
                    counter=counter,
                    variant="4.1.1",
                    command_variant=1,
                    role="IS",
                    state=jr.RequestState.ACCEPTED,
                    at=at,
                    request_xml=XML,
                )
                jr.record_counter(c, originator, counter)
                ev.append_events(
                    c,
                    self._events(
                        rid,
                        originator,
                        [
                            K.RECEIVED,
                            K.SIGNATURE_VERIFIED,
                            K.AUTHORISED,
                            K.ANOMALY_CHECKED,
                            K.TRANSFORMED,
                            K.ACCEPTED,
                            K.COMMAND_SENT,
                        ],
                    ),
                )
                self.rows[rid] = row

            waits.append(self.db.write(first))
        for rid, originator, _, _ in responded:

            def second(c, rid=rid, originator=originator):  # type: ignore[no-untyped-def]
                jr.advance(c, self.rows[rid], jr.Step.RESPONDED, at, response_code="I0")
                ev.append_events(
                    c,
                    self._events(
                        rid,
                        originator,
                        [K.DEVICE_RESPONDED, K.RESPONSE_QUEUED, K.DELIVERY_ATTEMPT, K.SCHEDULED],
                    ),
                )

            waits.append(self.db.write(second))
        for rid, originator, _, _ in completed:

            def third(c, rid=rid, originator=originator):  # type: ignore[no-untyped-def]
                jr.complete(c, self.rows.pop(rid), at)
                ev.append_events(
                    c, self._events(rid, originator, [K.DELIVERY_ATTEMPT, K.DELIVERED, K.COMPLETED])
                )

            waits.append(self.db.write(third))
        await asyncio.gather(*waits)

    async def run(self, requests: int, per_commit: int) -> None:
        window: list[list[tuple[str, str, str, int]]] = [[], []]
        done = 0
        while done < requests or any(window):
            fresh = self.new_ids(per_commit) if done < requests else []
            done += len(fresh)
            await self.commit(fresh, window[-1], window[-2])
            window = [window[-1], fresh]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--per-commit", type=int, default=3)
    parser.add_argument("--warm", type=int, default=30_000)
    args = parser.parse_args()
    from wal_frames import commits, page_owners

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hub.sqlite"
        parts = [*getattr(ev, "SCHEMA_PARTS", (ev.SCHEMA,)), jr.SCHEMA]
        with Database(path, parts=parts) as db:
            load = Load(db)
            asyncio.run(load.run(args.warm, args.per_commit))
            cpu, wall, commits_before = time.process_time(), time.perf_counter(), db.commits
            asyncio.run(load.run(args.requests, args.per_commit))
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            made = db.commits - commits_before
            wal = commits(Path(f"{path}-wal").read_bytes())
            owners = page_owners(path)
        print(f"{args.requests} requests, {made} commits in {wall:.2f} s")
        print(f"CPU per request        {cpu / args.requests * 1e6:8.0f} us (every thread)")
        print(f"wall per request       {wall / args.requests * 1e6:8.0f} us")
        if wal:
            frames = sum(len(c) for c in wal)
            print(f"WAL frames per commit  {frames / len(wal):8.1f} (last {len(wal)} commits)")
            counted: dict[str, int] = {}
            for c in wal:
                for page in c:
                    name = owners.get(page, "(new or free page)")
                    counted[name] = counted.get(name, 0) + 1
            for name, count in sorted(counted.items(), key=lambda kv: -kv[1]):
                print(f"  {count / len(wal):6.2f}  {name}")


if __name__ == "__main__":
    main()
