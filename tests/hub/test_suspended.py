"""The SMI status Suspended as the SEC has it (SEC modification MP105, "Sending SR11.2 to
Devices in Suspended State"), over real HTTP: the DCC suspends a Device whose Device
Model / firmware left the Certified Products List (admin API); the Device refuses every
device request but 11.2 and 11.3 with E5; 11.1 distributes firmware to it; a successful
11.3 (or an 11.2 read of a new version) updates the SMI's firmware version and returns the
Device to the status it held before its suspension, with the status-history row and the
events; a Suspended Communications Hub still relays the SM WAN traffic of its Devices.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from opendcc.duis import build
from opendcc.duis.schema import DuisSchema
from opendcc.eui import Eui64
from opendcc.hub import firmware_learning
from opendcc.inventory.model import DeviceType, SmiStatus
from opendcc.store.events import EventKind, events_for_request
from tests.hub.harness import (
    RunningHub,
    commissioned_hub,
    delivered,
    device_response,
    failing_steps,
    non_device,
    party,
    request,
    running_hub,
)
from tests.hub.test_atomic_firmware_local import _activated_locally
from tests.hub.test_nondevice_more import _return_local, _update_firmware, ota_image

SUPPLIER = "supplier-a"
READ = "ReadInstantaneousImportRegisters"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with running_hub(tmp_path, premises=12) as running:
        yield running


async def _admin(hub: RunningHub, method: str, path: str, body: Any = None) -> Any:
    """Call the admin API over HTTP; the JSON answer (status 200 asserted)."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{hub.base_url}/admin/v1{path}", json=body) as reply,
    ):
        assert reply.status == 200, await reply.text()
        return await reply.json()


async def _suspend(hub: RunningHub, device: Eui64) -> None:
    """The DCC's action when a Device Model / firmware leaves the CPL (SEC Section F)."""
    cause = "CPL: the Device Model's firmware was removed from the Certified Products List"
    out = await _admin(
        hub, "POST", f"/devices/{device}/status", {"event": "suspend", "cause": cause}
    )
    assert out["status"] == "Suspended"


async def _code(hub: RunningHub, variant: str, body: str, target: Eui64, cv: int = 1) -> str:
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(request(variant, body, party(SUPPLIER), target, cv))
    assert answer.problem is None or answer.code != "I99", answer.problem
    return str(answer.code)


def _inventory_events(hub: RunningHub, request_id: str) -> list[dict[str, Any]]:
    return [
        e.event.detail
        for e in events_for_request(hub.hub.db.reader(), request_id)  # type: ignore[union-attr]
        if e.event.kind is EventKind.INVENTORY_CHANGED
    ]


async def _cpl(hub: RunningHub, schema: DuisSchema, device: Eui64) -> tuple[str, str]:
    """(DeviceFirmwareVersionStatus, CPLStatus) as 8.2 Read Inventory reports them."""
    body = build.sr("ReadInventory", children=[build.sr("DeviceID", str(device))])
    answer = await non_device(hub, "8.2", body, SUPPLIER, schema)
    content = answer.response.content if answer.response else None
    assert answer.code == "I0" and content is not None
    found = content.find("{*}Device")
    assert found is not None
    return (
        found.findtext("{*}DeviceFirmwareVersionStatus") or "",
        found.findtext("{*}CPLStatus") or "",
    )


async def _activate(hub: RunningHub, target: Eui64, digest: str) -> str:
    """11.3 Activate Firmware (critical, CV 4 then 5): the I0 Response's RequestID."""
    body = build.sr("ActivateFirmware", children=[build.sr("FirmwareHash", digest.upper())])
    sent, final = await delivered(hub, SUPPLIER, request("11.3", body, party(SUPPLIER), target, 4))
    report = firmware_learning.reported(final.response.gbcs_payload())  # type: ignore[arg-type]
    assert report is not None and report.activated
    return str(sent.header.request_id)


async def test_a_suspended_esme_takes_firmware_and_comes_back_commissioned(
    hub: RunningHub, schema: DuisSchema
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    eui = esme.device_id
    old_version = esme.firmware_version
    assert await _code(hub, "4.1.1", READ, eui) == "I99"
    assert await _cpl(hub, schema, eui) == ("Active", "Active")
    await _suspend(hub, eui)
    # 8.2 reports the Device's firmware and CPL entry withdrawn while it is Suspended.
    assert await _cpl(hub, schema, eui) == ("Withdrawn", "Withdrawn")

    # E5 for a read; 11.2 is an exception (MP105), and reports the version the SMI holds.
    assert await _code(hub, "4.1.1", READ, eui) == "E5"
    sent, final = await delivered(
        hub, SUPPLIER, request("11.2", "ReadFirmwareVersion", party(SUPPLIER), eui)
    )
    device_response(hub, sent, final)
    report = firmware_learning.reported(final.response.gbcs_payload())  # type: ignore[arg-type]
    assert report is not None and report.version == old_version
    assert _inventory_events(hub, str(sent.header.request_id)) == []  # nothing new learned
    assert (await _admin(hub, "GET", f"/devices/{eui}"))["status"] == "Suspended"

    # 11.1 distributes to it as to a Commissioned Device: no NotCommissioned warning.
    image = ota_image(b"certified ESME firmware " * 10)
    answer = await non_device(
        hub, "11.1", _update_firmware(image, "0A0B0C0D", [eui]), SUPPLIER, schema
    )
    assert answer.code == "I0", answer.problem

    # 11.3 activates it: the SMI's firmware version is the new one, the status is back.
    activation = await _activate(hub, eui, hashlib.sha256(image).hexdigest())
    device = await _admin(hub, "GET", f"/devices/{eui}")
    assert (device["firmware_version"], device["status"]) == ("0A0B0C0D", "Commissioned")
    history = await _admin(hub, "GET", f"/devices/{eui}/history")
    assert [(h["old"], h["new"]) for h in history[-2:]] == [
        ("Commissioned", "Suspended"),
        ("Suspended", "Commissioned"),
    ]
    assert history[-1]["cause"] == activation
    changes = _inventory_events(hub, activation)
    assert [c["change"] for c in changes] == ["firmware_version", "status_reinstated"]
    assert changes[0]["firmware_version"] == "0A0B0C0D" and changes[0]["previous"] == old_version
    assert changes[0]["learned_from"] == "activation"
    assert (changes[1]["from"], changes[1]["to"]) == ("Suspended", "Commissioned")
    cached = hub.hub.estate.inventory.get_device(eui)
    assert cached is not None and cached.status is SmiStatus.COMMISSIONED
    assert await _cpl(hub, schema, eui) == ("Active", "Active")

    # In service again: the read is accepted.
    assert await _code(hub, "4.1.1", READ, eui) == "I99"


async def test_an_11_2_read_of_a_new_version_reinstates_and_a_failed_one_does_not(
    hub: RunningHub,
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    eui = esme.device_id
    runs = esme.firmware_version
    # The Device runs ``runs`` (its state is made now); the SMI holds another version.
    sent, _ = await delivered(
        hub, SUPPLIER, request("11.2", "ReadFirmwareVersion", party(SUPPLIER), eui)
    )
    await _admin(hub, "PATCH", f"/devices/{eui}", {"firmware_version": "00000002"})
    await _suspend(hub, eui)

    # 11.3 naming an image the Device does not hold: no success, nothing learned.
    body = build.sr("ActivateFirmware", children=[build.sr("FirmwareHash", "AB" * 32)])
    failed, _ = await delivered(hub, SUPPLIER, request("11.3", body, party(SUPPLIER), eui, 4))
    assert _inventory_events(hub, str(failed.header.request_id)) == []
    assert (await _admin(hub, "GET", f"/devices/{eui}"))["status"] == "Suspended"

    sent, _ = await delivered(
        hub, SUPPLIER, request("11.2", "ReadFirmwareVersion", party(SUPPLIER), eui)
    )
    device = await _admin(hub, "GET", f"/devices/{eui}")
    assert (device["firmware_version"], device["status"]) == (runs, "Commissioned")
    changes = _inventory_events(hub, str(sent.header.request_id))
    assert [c["change"] for c in changes] == ["firmware_version", "status_reinstated"]
    assert changes[0]["learned_from"] == "read" and changes[0]["previous"] == "00000002"


async def test_a_suspended_communications_hub_still_relays(hub: RunningHub) -> None:
    chf, _, esme = commissioned_hub(hub)
    await _suspend(hub, chf.device_id)
    # The meter behind it is reached (I0, not E20), and so is the hub itself for 11.2.
    sent, final = await delivered(
        hub, SUPPLIER, request("4.1.1", READ, party(SUPPLIER), esme.device_id)
    )
    device_response(hub, sent, final)
    sent, final = await delivered(
        hub, SUPPLIER, request("11.2", "ReadFirmwareVersion", party(SUPPLIER), chf.device_id)
    )
    device_response(hub, sent, final)
    # A hub in Recovery, by contrast, carries nothing: the same read gets E20.
    await _admin(hub, "POST", f"/devices/{chf.device_id}/status", {"event": "start_recovery"})
    async with hub.client(SUPPLIER) as client:
        sent, answer = await client.send(request("4.1.1", READ, party(SUPPLIER), esme.device_id))
    assert answer.code == "I99"
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=15)
    assert final is not None and final.response.header.response_code.value == "E20"


async def test_a_future_dated_activation_reinstates_when_its_alert_reports_success(
    hub: RunningHub, schema: DuisSchema
) -> None:
    """A Device-held 11.3 is answered ``commandAccepted`` (no version); when it executes the
    ESME raises the CS06 Alert 0x8F66 with the outcome, and the SMI learns from that."""
    esme = hub.device_of(DeviceType.ESME)
    eui = esme.device_id
    await _suspend(hub, eui)
    image = ota_image(b"certified firmware, activated later " * 6)
    answer = await non_device(
        hub, "11.1", _update_firmware(image, "0C0D0E0F", [eui]), SUPPLIER, schema
    )
    assert answer.code == "I0", answer.problem
    at = (hub.hub.clock.now() + timedelta(seconds=2)).replace(microsecond=0)
    body = build.sr(
        "ActivateFirmware",
        children=[
            build.sr("ExecutionDateTime", at.isoformat().replace("+00:00", "Z")),
            build.sr("FirmwareHash", hashlib.sha256(image).hexdigest().upper()),
        ],
    )
    sent, final = await delivered(hub, SUPPLIER, request("11.3", body, party(SUPPLIER), eui, 4))
    assert firmware_learning.reported(final.response.gbcs_payload()) is None  # type: ignore[arg-type]
    assert _inventory_events(hub, str(sent.header.request_id)) == []
    assert (await _admin(hub, "GET", f"/devices/{eui}"))["status"] == "Suspended"

    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        device = await _admin(hub, "GET", f"/devices/{eui}")
        if device["status"] != "Suspended":
            break
        await asyncio.sleep(0.1)
    assert (device["firmware_version"], device["status"]) == ("0C0D0E0F", "Commissioned")
    history = await _admin(hub, "GET", f"/devices/{eui}/history")
    assert (history[-1]["old"], history[-1]["new"]) == ("Suspended", "Commissioned")
    assert history[-1]["cause"] == "0x8F66 Alert: firmware 0C0D0E0F activated"
    rows = (
        hub.hub.db.reader()  # type: ignore[union-attr]
        .execute(
            "SELECT count(*) FROM events WHERE kind = 'device_alert' AND originator = ?"
            " AND code = '8F66'",
            (str(eui),),
        )
        .fetchone()
    )
    assert rows[0] == 1


async def test_a_locally_returned_activation_reinstates_too(
    hub: RunningHub, schema: DuisSchema
) -> None:
    """8.13: the CS06 Response of an 11.3 delivered locally is read as over the SM WAN."""
    esme = hub.device_of(DeviceType.ESME)
    await _suspend(hub, esme.device_id)
    original, response = await _activated_locally(hub, schema, esme, "0D0E0F10")
    returned = await non_device(hub, "8.13", _return_local(response, original), SUPPLIER, schema)
    assert returned.code == "I0", returned.problem
    device = await _admin(hub, "GET", f"/devices/{esme.device_id}")
    assert (device["firmware_version"], device["status"]) == ("0D0E0F10", "Commissioned")
    history = await _admin(hub, "GET", f"/devices/{esme.device_id}/history")
    assert (history[-1]["old"], history[-1]["cause"]) == ("Suspended", original)
    changes = _inventory_events(hub, str(returned.response.header.request_id))  # type: ignore[union-attr]
    assert [c["change"] for c in changes] == ["firmware_activated_locally", "status_reinstated"]


async def test_a_fault_recording_the_version_leaves_the_response_whole(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the SM WAN the firmware step is rolled back alone: the 11.2 Response is still
    recorded and delivered, and the Device stays Suspended with the version it had."""
    esme = hub.device_of(DeviceType.ESME)
    eui = esme.device_id
    await delivered(hub, SUPPLIER, request("11.2", "ReadFirmwareVersion", party(SUPPLIER), eui))
    await _admin(hub, "PATCH", f"/devices/{eui}", {"firmware_version": "00000003"})
    await _suspend(hub, eui)
    inventory = hub.hub.estate.inventory
    monkeypatch.setattr(
        inventory, "record_firmware_step", failing_steps(inventory.record_firmware_step)
    )
    sent, final = await delivered(
        hub, SUPPLIER, request("11.2", "ReadFirmwareVersion", party(SUPPLIER), eui)
    )
    device_response(hub, sent, final)
    assert _inventory_events(hub, str(sent.header.request_id)) == []
    device = await _admin(hub, "GET", f"/devices/{eui}")
    assert (device["firmware_version"], device["status"]) == ("00000003", "Suspended")
