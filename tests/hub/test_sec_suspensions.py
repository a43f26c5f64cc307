"""SEC M8.6 at the DCC User Interface, end to end over HTTP: a suspended right is refused with
E3 and the suspension is named in the event log; the same Party in another role is served;
lifting the suspension restores service. Also the security report over the hub's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from opendcc.estate.records import UserUpdate
from opendcc.inventory.model import DeviceType
from opendcc.store.events import EventKind, events_for_request
from tests.hub.harness import RunningHub, party, request, running_hub

PROFILE = "ReadActiveImportProfileData"


async def _code(
    hub: RunningHub, who: str, variant: str, body: str, target: object
) -> tuple[str | None, str]:
    async with hub.client(who) as client:
        sent, answer = await client.send(request(variant, body, party(who), target))  # type: ignore[arg-type]
    assert answer.problem is None, answer.problem
    return answer.code, str(sent.header.request_id)


def _profile_body() -> object:
    from opendcc.duis import build

    return build.sr(
        "ReadActiveImportProfileData",
        children=[
            build.sr(
                "ReadLogPeriod",
                children=[
                    build.sr("StartDateTime", "2026-01-01T00:00:00Z"),
                    build.sr("EndDateTime", "2026-01-02T00:00:00Z"),
                ],
            )
        ],
    )


async def test_suspended_other_user_gets_e3_supplier_role_does_not(tmp_path: Path) -> None:
    async with running_hub(tmp_path) as hub:
        esme = hub.device_of(DeviceType.ESME)
        # One Party, two User IDs: its Other User ID and its supplier ID.
        await hub.hub.estate.users.update(party("other-user"), UserUpdate(party="supplier-a"))
        await hub.hub.estate.users.update(party("supplier-a"), UserUpdate(party="supplier-a"))
        now = datetime.now(UTC)
        admin = f"{hub.base_url}/admin/v1/sec"
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{admin}/events-of-default",
                json={
                    "event_id": "EOD-1",
                    "party": "supplier-a",
                    "occurred_at": (now - timedelta(days=2)).isoformat(),
                },
            ) as reply:
                assert reply.status == 201, await reply.text()
            # Proposed 2015 drafting, M8.6(a): Other User core services, no approval needed.
            async with session.post(
                f"{admin}/suspensions",
                json={
                    "suspension_id": "S-1",
                    "party": "supplier-a",
                    "event_of_default_id": "EOD-1",
                    "rights": [{"service": "core", "roles": ["OU"]}],
                    "decided_at": (now - timedelta(days=1)).isoformat(),
                },
            ) as reply:
                assert reply.status == 201, await reply.text()
                assert (await reply.json())["approval_required"] is False
            # M8.6(b): the same in the supplier role needs the Authority's approval.
            async with session.post(
                f"{admin}/suspensions",
                json={
                    "suspension_id": "S-2",
                    "party": "supplier-a",
                    "event_of_default_id": "EOD-1",
                    "rights": [{"service": "core", "roles": ["IS"]}],
                    "decided_at": (now - timedelta(days=1)).isoformat(),
                },
            ) as reply:
                assert reply.status == 422
                assert "M8.6" in (await reply.text())
            body = _profile_body()
            code, refused_id = await _code(hub, "other-user", "4.8.1", body, esme.device_id)  # type: ignore[arg-type]
            assert code == "E3"
            events = events_for_request(hub.hub.db.reader(), refused_id)  # type: ignore[union-attr]
            refusal = [e.event for e in events if e.event.kind is EventKind.REFUSED]
            assert refusal and refusal[0].detail["suspension"] == "S-1"
            assert refusal[0].detail["clause"].startswith("M8.6")
            code, _ = await _code(
                hub, "supplier-a", "4.1.1", "ReadInstantaneousImportRegisters", esme.device_id
            )
            assert code == "I99"
            async with session.post(
                f"{admin}/suspensions/S-1/lift",
                json={"at": datetime.now(UTC).isoformat(), "reason": "remedied"},
            ) as reply:
                assert reply.status == 200, await reply.text()
            code, _ = await _code(hub, "other-user", "4.8.1", _profile_body(), esme.device_id)  # type: ignore[arg-type]
            assert code != "E3"
            async with session.get(f"{admin}/security-report/{party('supplier-a')}") as reply:
                assert reply.status == 200, await reply.text()
                report = await reply.json()
            assert report["scope"]["devices"]
