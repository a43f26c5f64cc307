"""All or nothing for 11.1 Update Firmware and 8.13 Return Local Command Response
(``opendcc.hub.change``): a fault in the last step of either, a Device changed behind the
read caches, or the database failing at the journal entry leaves nothing changed (no
distribution, no Device holding the image, no stored Response, no firmware version
learnt) and the request is journalled with its DUIS code alone; sent again without the
fault, the same request goes through. Every request goes over real HTTP to a running hub.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from opendcc.devices.security_firmware import Firmware
from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.schema import DuisSchema
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.hub import firmware_distribution as fd
from opendcc.hub import local_delivery as ld
from opendcc.hub.firmware_distribution import distribution
from opendcc.inventory.model import Device, DeviceType, SmiStatus
from opendcc.store import journal as jr
from opendcc.store.events import EventKind, events_for_request
from opendcc.store.keys import eui_key
from tests.hub.harness import (
    RunningHub,
    disk_failure,
    failing_steps,
    fails_after,
    party,
    request,
    running_hub,
)
from tests.hub.test_atomic_changes import _send, _stored
from tests.hub.test_nondevice_more import (
    _local_command,
    _return_local,
    _update_firmware,
    ota_image,
)

SUPPLIER = "supplier-a"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with running_hub(tmp_path, premises=12) as running:
        yield running


def _reader(hub: RunningHub) -> sqlite3.Connection:
    return hub.hub.db.reader()  # type: ignore[union-attr]


def _kinds(hub: RunningHub, request_id: str) -> list[EventKind]:
    return [e.event.kind for e in events_for_request(_reader(hub), request_id)]


def _journalled_refusal(hub: RunningHub, request_id: str, code: str) -> None:
    """``request_id`` is journalled with ``code``, refused, and nothing it did is logged."""
    entry = jr.get_by_request_id(_reader(hub), request_id)
    assert entry is not None and entry.response_code == code
    kinds = _kinds(hub, request_id)
    assert kinds[0] is EventKind.RECEIVED and kinds[-1] is EventKind.REFUSED
    assert EventKind.INVENTORY_CHANGED not in kinds
    assert EventKind.DEVICE_RESPONDED not in kinds


def _held(hub: RunningHub, device: Eui64) -> Firmware:
    """The Firmware section of ``device``'s state as the hub will next use it."""
    found = hub.hub.estate.inventory.get_device(device)
    assert found is not None
    return hub.hub.states.load(found).get(Firmware)


def _state_row(hub: RunningHub, device: Eui64) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = (
        _reader(hub)
        .execute("SELECT state, version FROM device_state WHERE device = ?", (device.hex,))
        .fetchone()
    )
    return row


def _distributions(hub: RunningHub) -> int:
    count: int = _reader(hub).execute("SELECT count(*) FROM firmware_distributions").fetchone()[0]
    return count


# --- 11.1 Update Firmware -----------------------------------------------------------------------


async def test_a_fault_in_the_last_step_of_a_distribution_leaves_no_device_holding_it(
    hub: RunningHub, schema: DuisSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    image = ota_image(b"firmware that must not arrive half " * 6)
    body = _update_firmware(image, "0102ABCD", [esme.device_id])
    before = _state_row(hub, esme.device_id)
    # The last step of the change (its event) writes, then fails: the Device states and
    # the distribution row were written before it in the same savepoint.
    monkeypatch.setattr(fd, "append_events", fails_after(fd.append_events))
    request_id, code = await _send(hub, schema, "11.1", body)
    assert code == "E110101"  # the variant's "cannot be carried out" code
    assert _distributions(hub) == 0
    assert distribution(_reader(hub), request_id) is None
    assert _state_row(hub, esme.device_id) == before
    assert _held(hub, esme.device_id).image_hash == ""  # not in the cache either
    _journalled_refusal(hub, request_id, "E110101")

    # Without the fault the same request goes through, and the answer is recorded as one.
    monkeypatch.undo()
    request_id, code = await _send(hub, schema, "11.1", body)
    assert code == "I0"
    stored = distribution(_reader(hub), request_id)
    assert stored is not None and stored["delivered"] == [str(esme.device_id)]
    digest = hashlib.sha256(image).hexdigest()
    assert (_held(hub, esme.device_id).image_hash, stored["image_hash"]) == (digest, digest)
    assert _state_row(hub, esme.device_id) != before
    kinds = _kinds(hub, request_id)
    assert kinds[0] is EventKind.RECEIVED and kinds[-1] is EventKind.SYNC_RESPONSE
    assert EventKind.INVENTORY_CHANGED in kinds and EventKind.REFUSED not in kinds


async def test_a_device_decommissioned_meanwhile_refuses_the_whole_distribution(
    hub: RunningHub, schema: DuisSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    image = ota_image(b"image for a Device that left service " * 4)
    handler = hub.hub.pipeline.nondevice._handlers["11.1"]  # type: ignore[union-attr]
    firmware = handler.__self__
    real_sort = firmware._sort

    def sort_then_decommission(*args: Any) -> Any:
        # The handler's checks pass on what the caches say; another writer's job, queued
        # before this request's, decommissions the ESME before the change is applied.
        result = real_sort(*args)
        key = eui_key(esme.device_id)

        def job(conn: Any) -> None:
            conn.execute(
                "UPDATE devices SET status = ? WHERE device_id = ?",
                (SmiStatus.DECOMMISSIONED.value, key),
            )

        hub.hub.db.submit(job)  # type: ignore[union-attr]
        return result

    monkeypatch.setattr(firmware, "_sort", sort_then_decommission)
    request_id, code = await _send(
        hub, schema, "11.1", _update_firmware(image, "01", [esme.device_id])
    )
    assert code == "E5"
    assert _stored(hub, esme.device_id).status is SmiStatus.DECOMMISSIONED
    assert _distributions(hub) == 0
    assert _state_row(hub, esme.device_id) is None
    assert _held(hub, esme.device_id).image_hash == ""
    _journalled_refusal(hub, request_id, "E5")


async def test_a_database_failure_at_the_journal_leaves_no_image_held(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    image = ota_image(b"image whose journal entry fails " * 4)

    monkeypatch.setattr(jr, "insert_request", disk_failure)
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(
            request(
                "11.1",
                _update_firmware(image, "01", [esme.device_id]),
                party(SUPPLIER),
                DCC_ACCESS_CONTROL_BROKER,
                cv=8,
            )
        )
    assert answer.status == 503 and answer.response is None  # not accepted: nothing kept
    assert _distributions(hub) == 0
    assert _state_row(hub, esme.device_id) is None
    assert _held(hub, esme.device_id).image_hash == ""
    count = _reader(hub).execute("SELECT count(*) FROM requests WHERE variant = '11.1'")
    assert count.fetchone() == (0,)


# --- 8.13 Return Local Command Response ---------------------------------------------------------


async def _activated_locally(
    hub: RunningHub, schema: DuisSchema, esme: Device, version: str
) -> tuple[str, bytes]:
    """An image for ``esme`` (11.1), then 11.3 Activate Firmware for local delivery (CV 4,
    then the signed Pre-Command as CV 6), run on the Device as the installer would: the
    RequestID of the 11.3 and the Device's CS06 Response."""
    image = ota_image(b"image activated over the optical port " * 4)
    _, code = await _send(hub, schema, "11.1", _update_firmware(image, version, [esme.device_id]))
    assert code == "I0"
    digest = hashlib.sha256(image).hexdigest().upper()
    body = build.sr("ActivateFirmware", children=[build.sr("FirmwareHash", digest)])
    async with hub.client(SUPPLIER) as client:
        sent, _, signed = await client.critical(
            request("11.3", body, party(SUPPLIER), esme.device_id, cv=4),
            None,
            signed_variant=CommandVariant.SIGNED_PRE_COMMAND_LOCAL,
        )
    assert signed is not None and signed.code == "I0", signed
    assert signed.response is not None
    command = signed.response.gbcs_payload()
    assert isinstance(command, bytes)
    state = hub.hub.states.load(esme)
    result = hub.hub.processor.simulator.process(command, state, hub.hub.clock.now())
    assert result.response is not None, result.reason
    return str(sent.header.request_id), result.response


def _returned(hub: RunningHub, original: str) -> int:
    count: int = (
        _reader(hub)
        .execute("SELECT count(*) FROM local_responses WHERE original_request_id = ?", (original,))
        .fetchone()[0]
    )
    return count


async def test_a_fault_learning_the_activated_firmware_stores_no_response(
    hub: RunningHub, schema: DuisSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    firmware = esme.firmware_version
    assert firmware != "0A0B0C0D"
    original, response = await _activated_locally(hub, schema, esme, "0A0B0C0D")
    original_kinds = _kinds(hub, original)

    # The last step, the inventory's firmware version, writes and then fails.
    inventory = hub.hub.estate.inventory
    monkeypatch.setattr(
        inventory, "record_firmware_step", failing_steps(inventory.record_firmware_step)
    )
    request_id, code = await _send(hub, schema, "8.13", _return_local(response, original))
    assert code == "E081301"
    assert _returned(hub, original) == 0
    assert _stored(hub, esme.device_id).firmware_version == firmware
    cached = inventory.get_device(esme.device_id)
    assert cached is not None and cached.firmware_version == firmware
    assert _kinds(hub, original) == original_kinds  # the 11.3 is not completed
    _journalled_refusal(hub, request_id, "E081301")

    # Without the fault the same Response is returned: stored, learnt, and completed.
    monkeypatch.undo()
    request_id, code = await _send(hub, schema, "8.13", _return_local(response, original))
    assert code == "I0"
    assert _returned(hub, original) == 1
    assert _stored(hub, esme.device_id).firmware_version == "0A0B0C0D"
    cached = inventory.get_device(esme.device_id)
    assert cached is not None and cached.firmware_version == "0A0B0C0D"
    assert _kinds(hub, original)[-1] is EventKind.COMPLETED
    kinds = _kinds(hub, request_id)
    assert kinds[0] is EventKind.RECEIVED and kinds[-1] is EventKind.SYNC_RESPONSE
    assert EventKind.DEVICE_RESPONDED in kinds and EventKind.INVENTORY_CHANGED in kinds
    # ... once only.
    _, code = await _send(hub, schema, "8.13", _return_local(response, original))
    assert code == "E081303"


async def test_a_fault_after_storing_a_response_leaves_it_returnable(
    hub: RunningHub, schema: DuisSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    original, _, response = await _local_command(hub, esme)
    # A Response that teaches nothing (11.2): the last step is this request's own event.
    monkeypatch.setattr(ld, "append_events", fails_after(ld.append_events))
    request_id, code = await _send(hub, schema, "8.13", _return_local(response, original))
    assert code == "E081301"
    assert _returned(hub, original) == 0
    assert EventKind.COMPLETED not in _kinds(hub, original)
    _journalled_refusal(hub, request_id, "E081301")

    monkeypatch.undo()
    _, code = await _send(hub, schema, "8.13", _return_local(response, original))
    assert code == "I0"
    assert _returned(hub, original) == 1
    assert _kinds(hub, original)[-1] is EventKind.COMPLETED


# --- W answers: carried out, with warnings --------------------------------------------------------


async def test_a_warning_answer_is_recorded_and_traced_as_an_answer(
    hub: RunningHub, schema: DuisSchema
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    unknown = Eui64.parse("00-00-00-00-00-00-0F-0A")
    image = ota_image(b"image for one Device of two " * 4)
    body = _update_firmware(image, "0102", [esme.device_id, unknown])
    request_id, code = await _send(hub, schema, "11.1", body)
    assert code == "W110101"  # the ESME has it; the unknown Device is listed in the warning
    assert distribution(_reader(hub), request_id) is not None

    # The admin API's request trace: received first, the change, then the answer, which
    # is a response with the W code (the request was carried out), not a refusal.
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{hub.base_url}/admin/v1/requests/{request_id}") as reply,
    ):
        assert reply.status == 200
        trace = await reply.json()
    assert trace["response_code"] == "W110101"
    assert trace["state"] == jr.RequestState.COMPLETED.value
    kinds = [e["kind"] for e in trace["events"]]
    assert kinds[0] == EventKind.RECEIVED.value
    assert kinds[-1] == EventKind.SYNC_RESPONSE.value
    assert EventKind.REFUSED.value not in kinds
    changed = kinds.index(EventKind.INVENTORY_CHANGED.value)
    assert 0 < changed < len(kinds) - 1
    final = trace["events"][-1]
    assert final["code"] == "W110101" and "1 not sent" in final["detail"]["reason"]
    assert trace["events"][changed]["detail"]["delivered"] == 1
