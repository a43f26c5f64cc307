"""All or nothing (``opendcc.hub.change``): a non-device request whose second step is
refused, or fails, leaves nothing changed and is answered with its DUIS code; a database
failure or a crash leaves no schedule the User got no answer for.

The refusals are brought about as they happen in service: another writer changed a
Device after the handler's cached checks passed (the write job checks again), or a step
fails (an injected fault). Every request goes over real HTTP to a running hub.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from lxml import etree

from opendcc.duis.schema import DuisSchema
from opendcc.estate.mpxn import make_mpan
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import Device, DeviceType, SmiStatus
from opendcc.inventory.transitions import InventoryEvent
from opendcc.store import journal as jr
from opendcc.store import schedules as st
from opendcc.store.events import EventKind, events_for_request
from opendcc.store.inventory_tables import read_device
from opendcc.store.keys import eui_key
from tests.hub.bodies import chf_no_fault_return
from tests.hub.harness import (
    RunningHub,
    commissioned_hub,
    disk_failure,
    failing_steps,
    non_device,
    party,
    request,
    running_hub,
)
from tests.hub.test_schedules import _create_body
from tests.reference import require_reference

SUPPLIER = "supplier-a"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with running_hub(tmp_path, premises=12) as running:
        yield running


async def _send(
    hub: RunningHub, schema: DuisSchema, variant: str, body: etree._Element
) -> tuple[str, str]:
    """A non-device request from SUPPLIER: (its RequestID, the response code)."""
    answer = await non_device(hub, variant, body, SUPPLIER, schema)
    assert answer.response is not None
    rid = answer.response.header.request_id
    assert rid is not None and answer.code is not None
    return str(rid), answer.code


async def _behind_the_caches(hub: RunningHub, device: Eui64, status: SmiStatus) -> None:
    """Another writer moves ``device`` to ``status``; the hub's read caches do not know."""

    def job(conn: Any) -> None:
        conn.execute(
            "UPDATE devices SET status = ? WHERE device_id = ?", (status.value, eui_key(device))
        )

    await hub.hub.db.write(job)  # type: ignore[union-attr]


def _stored(hub: RunningHub, device: Eui64) -> Device:
    found = read_device(hub.hub.db.reader(), device)  # type: ignore[union-attr]
    assert found is not None
    return found


def _history(hub: RunningHub, device: Eui64) -> int:
    return len(hub.hub.estate.inventory.status_history(device))


def _assert_journalled_alone(hub: RunningHub, request_id: str, code: str) -> None:
    """The request is journalled with ``code`` and no inventory change is logged for it."""
    reader = hub.hub.db.reader()  # type: ignore[union-attr]
    entry = jr.get_by_request_id(reader, request_id)
    assert entry is not None and entry.response_code == code
    kinds = [e.event.kind for e in events_for_request(reader, request_id)]
    assert EventKind.REFUSED in kinds
    assert EventKind.INVENTORY_CHANGED not in kinds


# --- 8.14.2 to 8.14.4: the CHF and the GPF together --------------------------------------------


async def test_a_hub_return_the_gpf_cannot_take_leaves_the_chf_as_it_was(
    hub: RunningHub, schema: DuisSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    chf, gpf, _ = commissioned_hub(hub)
    history = _history(hub, chf.device_id)
    # The GPF is decommissioned by another writer after the handler read it: the
    # handler's own checks pass on what it read, the CHF's move runs in the write job,
    # then the GPF's is refused there.
    await _behind_the_caches(hub, gpf.device_id, SmiStatus.DECOMMISSIONED)
    handler = hub.hub.pipeline.nondevice._handlers["8.14.4"]  # type: ignore[union-attr]
    monkeypatch.setattr(handler.__self__, "_gpf_of", lambda chf: gpf)  # read before
    request_id, code = await _send(hub, schema, "8.14.4", chf_no_fault_return(chf.device_id))
    assert code == "E5"
    assert _stored(hub, chf.device_id).status is SmiStatus.COMMISSIONED
    cached = hub.hub.estate.inventory.get_device(chf.device_id)
    assert cached is not None and cached.status is SmiStatus.COMMISSIONED
    assert _history(hub, chf.device_id) == history
    _assert_journalled_alone(hub, request_id, "E5")


async def test_a_fault_in_the_gpf_step_rolls_the_chf_back(
    hub: RunningHub, schema: DuisSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    chf, gpf, _ = commissioned_hub(hub)
    inventory = hub.hub.estate.inventory
    monkeypatch.setattr(
        inventory, "change_status_step", failing_steps(inventory.change_status_step, gpf.device_id)
    )
    request_id, code = await _send(hub, schema, "8.14.4", chf_no_fault_return(chf.device_id))
    assert code == "E081401"  # the variant's "cannot be carried out" code
    for device in (chf, gpf):
        assert _stored(hub, device.device_id).status is SmiStatus.COMMISSIONED
        cached = inventory.get_device(device.device_id)
        assert cached is not None and cached.status is SmiStatus.COMMISSIONED
    _assert_journalled_alone(hub, request_id, "E081401")

    # With the fault gone the same return goes through, both Functions together.
    monkeypatch.undo()
    _, code = await _send(hub, schema, "8.14.4", chf_no_fault_return(chf.device_id))
    assert code in ("I0", "W081401")
    for device in (chf, gpf):
        assert _stored(hub, device.device_id).status is SmiStatus.DECOMMISSIONED


# --- 8.6 Service Opt In: the MPxNs and the status together --------------------------------------


async def _opt_in(hub: RunningHub, device: Eui64, mpxn: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{hub.base_url}/admin/v1/opt-in", json={"device_id": str(device), "import_mpxn": mpxn}
        ) as reply,
    ):
        assert reply.status == 200
        answer: dict[str, Any] = await reply.json()
        return answer


async def _withdrawn_meter(hub: RunningHub) -> Device:
    esme = hub.device_of(DeviceType.ESME)
    withdrawn = await hub.hub.estate.inventory.change_status(
        esme.device_id, InventoryEvent.WITHDRAW, hub.hub.clock.now(), "8.5 (test)"
    )
    assert isinstance(withdrawn, Device) and withdrawn.status is SmiStatus.WITHDRAWN
    return withdrawn


async def test_an_opt_in_refused_at_the_status_keeps_the_old_mpxns(hub: RunningHub) -> None:
    esme = await _withdrawn_meter(hub)
    new_mpan = make_mpan(12, 9_999_999_999)
    assert esme.mpxn is not None and new_mpan != esme.mpxn
    # Opted in meanwhile by another path: the status step refuses after the MPxNs ran.
    await _behind_the_caches(hub, esme.device_id, SmiStatus.COMMISSIONED)
    answer = await _opt_in(hub, esme.device_id, new_mpan)
    assert answer["response_code"] == "E5", answer
    assert _stored(hub, esme.device_id).mpxn == esme.mpxn
    cached = hub.hub.estate.inventory.get_device(esme.device_id)
    assert cached is not None and cached.mpxn == esme.mpxn
    _assert_journalled_alone(hub, answer["request_id"], "E5")


async def test_an_opt_in_whose_status_step_fails_changes_nothing(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    esme = await _withdrawn_meter(hub)
    assert esme.mpxn is not None
    inventory = hub.hub.estate.inventory
    monkeypatch.setattr(
        inventory, "change_status_step", failing_steps(inventory.change_status_step, esme.device_id)
    )
    new_mpan = make_mpan(12, 9_999_999_998)
    answer = await _opt_in(hub, esme.device_id, new_mpan)
    assert answer["response_code"] == "E080601", answer
    stored = _stored(hub, esme.device_id)
    assert (stored.mpxn, stored.status) == (esme.mpxn, SmiStatus.WITHDRAWN)
    _assert_journalled_alone(hub, answer["request_id"], "E080601")

    monkeypatch.undo()
    answer = await _opt_in(hub, esme.device_id, new_mpan)
    assert answer["response_code"] == "I0", answer
    stored = _stored(hub, esme.device_id)
    assert (stored.mpxn, stored.status) == (new_mpan, SmiStatus.COMMISSIONED)


# --- 5.1 Create Schedule: the schedule and its journal entry together ---------------------------


async def test_a_database_failure_at_the_journal_leaves_no_schedule(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    body = _create_body(esme.device_id, start=hub.hub.clock.now().date())

    monkeypatch.setattr(jr, "insert_request", disk_failure)
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(
            request("5.1", body, party(SUPPLIER), DCC_ACCESS_CONTROL_BROKER, cv=8)
        )
    assert answer.status == 503 and answer.response is None  # not accepted: nothing kept
    reader = hub.hub.db.reader()  # type: ignore[union-attr]
    assert st.of_owner(reader, str(party(SUPPLIER))) == []
    assert reader.execute("SELECT count(*) FROM requests WHERE variant = '5.1'").fetchone() == (0,)


_CRASHING_CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from pathlib import Path

    from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
    from opendcc.inventory.model import DeviceType
    from opendcc.store import schedules as st
    from tests.hub.harness import party, request, running_hub
    from tests.hub.test_schedules import _create_body

    real = st.insert_schedule

    def dying(conn, **kwargs):
        real(conn, **kwargs)  # the schedule is written; the process dies before the journal
        os.kill(os.getpid(), signal.SIGKILL)

    st.insert_schedule = dying

    async def main():
        async with running_hub(Path(sys.argv[1])) as hub:
            esme = hub.device_of(DeviceType.ESME)
            body = _create_body(esme.device_id, start=hub.hub.clock.now().date())
            async with hub.client("supplier-a") as client:
                await client.send(
                    request("5.1", body, party("supplier-a"), DCC_ACCESS_CONTROL_BROKER, cv=8)
                )

    asyncio.run(main())
    """
)


async def test_a_crash_inside_create_schedule_leaves_neither_schedule_nor_entry(
    tmp_path: Path,
) -> None:
    require_reference("duis", "xsd")
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CRASHING_CHILD,
        str(tmp_path),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(child.communicate(), timeout=240)
    assert child.returncode == -signal.SIGKILL, stderr.decode(errors="replace")[-2000:]

    async with running_hub(tmp_path) as hub:
        reader = hub.hub.db.reader()  # type: ignore[union-attr]
        assert reader.execute("SELECT count(*) FROM schedules").fetchone() == (0,)
        assert reader.execute("SELECT count(*) FROM requests WHERE variant = '5.1'").fetchone() == (
            0,
        )
        # The hub is whole after the crash: the same User creates the schedule now.
        esme = hub.device_of(DeviceType.ESME)
        body = _create_body(esme.device_id, start=hub.hub.clock.now().date())
        async with hub.client(SUPPLIER) as client:
            _, answer = await client.send(
                request("5.1", body, party(SUPPLIER), DCC_ACCESS_CONTROL_BROKER, cv=8)
            )
        assert answer.code == "I0"
        assert len(st.of_owner(reader, str(party(SUPPLIER)))) == 1
