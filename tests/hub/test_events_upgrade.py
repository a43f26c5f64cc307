"""A hub store written before schema part events-2 (the event log keyed by journal row)
upgrades in place when the hub starts on it: the old traces read as they did, new requests'
traces are whole, through the admin API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

import opendcc.hub.runtime  # noqa: F401  (registers every schema part, as `opendcc serve` does)
from opendcc.inventory.model import DeviceType
from opendcc.store import database
from opendcc.store import events as ev
from opendcc.store.database import Database
from tests.hub.harness import party, request, running_hub

LEGACY = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:7"


async def _trace(base_url: str, request_id: str) -> dict:  # type: ignore[type-arg]
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url}/admin/v1/requests/{request_id}") as reply,
    ):
        assert reply.status == 200, await reply.text()
        found: dict = await reply.json()  # type: ignore[type-arg]
        return found


async def test_hub_upgrades_a_store_from_before_events_2(tmp_path: Path) -> None:
    # The store as the release before events-2 made it, with a refused request's events.
    before = [p for p in database._REGISTRY if p.name != ev.SCHEMA_ROWS.name]
    with Database(tmp_path / "hub.sqlite", parts=before) as old:
        old.write_now(
            lambda c: c.executemany(
                "INSERT INTO events (at_us, kind, request_id, originator, target, variant,"
                " code, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (to_us_now, kind, LEGACY, "90-B3-D5-1F-30-01-00-00", None, "4.1.1", code, None)
                    for to_us_now, kind, code in (
                        (1_767_268_800_000_000, "received", None),
                        (1_767_268_800_000_100, "refused", "E4"),
                    )
                ],
            )
        )
        assert (
            old.reader()
            .execute("SELECT 1 FROM sqlite_schema WHERE name = 'events_request'")
            .fetchone()
        )

    async with running_hub(tmp_path) as hub:
        db = hub.hub.db
        assert db is not None
        reader = db.reader()
        parts = {name for (name,) in reader.execute("SELECT name FROM schema_parts")}
        assert ev.SCHEMA_ROWS.name in parts
        legacy = await _trace(hub.base_url, LEGACY)
        assert legacy["state"] == "refused"
        assert [(e["kind"], e["code"]) for e in legacy["events"]] == [
            ("received", None),
            ("refused", "E4"),
        ]

        esme = hub.device_of(DeviceType.ESME)
        async with hub.client("supplier-a") as client:
            sent, answer = await client.send(
                request(
                    "4.1.1", "ReadInstantaneousImportRegisters", party("supplier-a"), esme.device_id
                )
            )
        assert answer.code == "I99"
        request_id = str(sent.header.request_id)
        assert await hub.receiver.response_for(request_id, timeout=10) is not None
        assert await hub.hub.deliverer.drained(5)
        await asyncio.sleep(0.1)  # DELIVERED and COMPLETED follow the receiver's answer
        trace = await _trace(hub.base_url, request_id)
        kinds = [e["kind"] for e in trace["events"]]
        assert kinds[0] == "received"
        for expected in ("accepted", "command_sent", "device_responded", "delivered", "completed"):
            assert expected in kinds
        # Exactly the events recorded with that RequestID, in order (a scan of the log).
        scanned = [
            seq
            for (seq,) in reader.execute(
                "SELECT seq FROM events WHERE request_id || '' = ? ORDER BY seq", (request_id,)
            )
        ]
        assert [e["seq"] for e in trace["events"]] == scanned
        # ... and written keyed by the journal row, not by the RequestID.
        assert reader.execute(
            "SELECT count(*) FROM events WHERE request_id = ? AND request_row IS NULL",
            (request_id,),
        ).fetchone() == (0,)
