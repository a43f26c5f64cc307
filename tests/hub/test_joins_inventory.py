"""Joins and unjoins reach the Smart Metering Inventory (issue 5), over HTTP.

A Supplier joins a PPMID to its ESME with 8.7.1 (CS03A1, the critical round CV 4 -> the
User's signature -> CV 5); when the ESME's Join Device Response says ``success`` the
inventory records the PPMID as joined to the ESME (admin API: ``joined_meters``,
``parent_id``), so the PPMID now serves the ESME's MPAN and the Supplier may address it (E4
passes); 8.8.1 (CS04AC) unjoins it and both are gone again. A join the ESME refuses (its
Communications Hub does not admit the PPMID to the HAN: ``noCBKEResponse``) changes
nothing, and a Decommissioned or Withdrawn partner is refused before any Command is built.
The same holds for the reference estate's join partners and for a join delivered locally
(CV 6, the hand-held terminal, 8.13).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from lxml import etree

from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.der import (
    DerPayload,
    JoinDeviceResponse,
    JoinResponseCode,
    UnjoinDeviceResponse,
    UnjoinResponseCode,
)
from opendcc.inventory.model import Device, DeviceType
from opendcc.store import journal as jr
from opendcc.store.events import EventKind, events_for_request
from tests.hub.harness import (
    RunningHub,
    delivered,
    device_response,
    failing_steps,
    from_template,
    party,
    request,
    running_hub,
)

SUPPLIER = "supplier-a"
PPMID = Eui64.parse("00-DB-12-34-56-78-9C-01")


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_hub(tmp_path) as running:
        yield running


async def _admin(hub: RunningHub, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{hub.base_url}/admin/v1{path}", json=body) as reply,
    ):
        return reply.status, await reply.json()


async def _add_ppmid(
    hub: RunningHub,
    esme: Device,
    eui: Eui64 = PPMID,
    status: str = "Commissioned",
    **more: Any,
) -> None:
    details = hub.hub.estate.inventory.device_details(esme.device_id)
    assert details is not None
    status_code, body = await _admin(
        hub,
        "POST",
        "/devices",
        {
            "device_id": str(eui),
            "device_type": "PPMID",
            "region": esme.region.value,
            "uprn": details.uprn,
            "chf_id": str(esme.chf_id),
            "status": status,
            **more,
        },
    )
    assert status_code == 201, body


async def _joined(hub: RunningHub, eui: Eui64) -> tuple[list[str], str | None]:
    status, body = await _admin(hub, "GET", f"/devices/{eui}")
    assert status == 200, body
    return body["joined_meters"], body["parent_id"]


def _han(variant: str, other: Eui64, target: Eui64, cv: int = 4) -> etree._Element:
    name = {
        "8.7.1": "JoinServiceCritical",
        "8.7.2": "JoinServiceNonCritical",
        "8.8.1": "UnjoinServiceCritical",
        "8.8.2": "UnjoinServiceNonCritical",
    }[variant]
    body = build.sr(name, children=[build.sr("OtherDeviceID", str(other))])
    return request(variant, body, party(SUPPLIER), target, cv=cv)


async def _round(hub: RunningHub, root: etree._Element) -> tuple[str, Any]:
    """Send ``root`` as the Supplier (critical: CV 4 -> signed -> CV 5); the Device's
    decoded DER Response body, checked with the Device's keys."""
    sent, final = await delivered(hub, SUPPLIER, root)
    decoded = device_response(hub, sent, final)
    assert isinstance(decoded.payload, DerPayload)
    return str(sent.header.request_id), decoded.payload.body


async def _firmware_read_code(hub: RunningHub, device: Eui64) -> str | None:
    """The synchronous answer to the Supplier's 11.2 Read Firmware Version of ``device``:
    I99 when the Supplier may address it, E4 when it serves none of its MPxNs."""
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(from_template("CS08_11.2_SUCCESS", SUPPLIER, device))
    return answer.code


async def test_join_then_unjoin_reach_the_inventory(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    await _add_ppmid(hub, esme)
    assert await _joined(hub, PPMID) == ([], None)
    assert await _firmware_read_code(hub, PPMID) == "E4"  # serves no MPxN yet

    rid, joined = await _round(hub, _han("8.7.1", PPMID, esme.device_id))
    assert isinstance(joined, JoinDeviceResponse)
    assert joined.response_code == JoinResponseCode.SUCCESS
    assert await _joined(hub, PPMID) == ([str(esme.device_id)], str(esme.device_id))
    stored = events_for_request(hub.hub.db.reader(), rid)
    changed = [s.event for s in stored if s.event.kind is EventKind.INVENTORY_CHANGED]
    assert [(e.detail["change"], e.detail["device"], e.detail["meter"]) for e in changed] == [
        ("joined", str(PPMID), str(esme.device_id))
    ]
    # The PPMID now serves the ESME's MPAN: its Supplier may address it.
    assert await _firmware_read_code(hub, PPMID) == "I99"

    _, left = await _round(hub, _han("8.8.1", PPMID, esme.device_id))
    assert isinstance(left, UnjoinDeviceResponse)
    assert left.response_code == UnjoinResponseCode.SUCCESS
    assert await _joined(hub, PPMID) == ([], None)
    assert await _firmware_read_code(hub, PPMID) == "E4"


async def test_a_join_the_device_refuses_changes_nothing(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    await _add_ppmid(hub, esme)
    # The Communications Hub's whitelist becomes managed (8.11 adds another Device), so the
    # PPMID is not on the HAN: the ESME cannot establish keys with it.
    chf = hub.hub.estate.inventory.get_device(esme.chf_id)  # type: ignore[arg-type]
    assert chf is not None
    whitelist = from_template(
        "CCS01_8.11_SUCCESS", SUPPLIER, chf, DeviceID="00-DB-12-34-56-78-9C-02"
    )
    await _round_any(hub, whitelist)

    _, refused = await _round(hub, _han("8.7.1", PPMID, esme.device_id))
    assert isinstance(refused, JoinDeviceResponse)
    assert refused.response_code == JoinResponseCode.NO_CBKE_RESPONSE
    assert await _joined(hub, PPMID) == ([], None)

    # Unjoining what was never joined: the ESME says notInDeviceLog; nothing changes.
    _, unjoined = await _round(hub, _han("8.8.1", PPMID, esme.device_id))
    assert isinstance(unjoined, UnjoinDeviceResponse)
    assert unjoined.response_code == UnjoinResponseCode.NOT_IN_DEVICE_LOG
    assert await _joined(hub, PPMID) == ([], None)


async def _round_any(hub: RunningHub, root: etree._Element) -> None:
    """Send ``root`` (CV 1) and wait for its I0 Response."""
    async with hub.client(SUPPLIER) as client:
        sent, answer = await client.send(root)
    assert answer.code == "I99", answer
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=15)
    assert final is not None and final.response.header.response_code.value == "I0"


async def _refusal(hub: RunningHub, root: etree._Element) -> tuple[str | None, str]:
    """The synchronous answer's code and the reason the request's trace gives."""
    async with hub.client(SUPPLIER) as client:
        sent, answer = await client.send(root)
    stored = events_for_request(hub.hub.db.reader(), str(sent.header.request_id))
    reasons = [s.event.detail.get("reason", "") for s in stored]
    return answer.code, " ".join(r for r in reasons if r)


async def test_a_partner_no_longer_in_service_is_refused(hub: RunningHub) -> None:
    """8.7.1 names a Decommissioned PPMID, 8.7.2 a Withdrawn ESME: each is refused with the
    variant's own code before any Command is built, and nothing is joined."""
    esme = hub.device_of(DeviceType.ESME)
    await _add_ppmid(hub, esme, status="Decommissioned")
    code, reason = await _refusal(hub, _han("8.7.1", PPMID, esme.device_id))
    assert code == "E080702", reason
    assert "Decommissioned" in reason
    assert await _joined(hub, PPMID) == ([], None)

    # A PPMID the inventory already has joined to the ESME (its Supplier may address it).
    joined = Eui64.parse("00-DB-12-34-56-78-9C-04")
    await _add_ppmid(hub, esme, joined, joined_meters=[str(esme.device_id)])
    ppmid = hub.hub.estate.inventory.get_device(joined)
    assert ppmid is not None
    withdrawn = Eui64.parse("00-DB-12-34-56-78-9C-03")
    status, body = await _admin(
        hub,
        "POST",
        "/devices",
        {
            "device_id": str(withdrawn),
            "device_type": "ESME",
            "region": ppmid.region.value,
            "status": "Withdrawn",
        },
    )
    assert status == 201, body
    before = await _joined(hub, ppmid.device_id)
    code, reason = await _refusal(hub, _han("8.7.2", withdrawn, ppmid.device_id, cv=1))
    assert code == "E080721", reason
    assert "Withdrawn" in reason
    assert await _joined(hub, ppmid.device_id) == before


async def test_a_join_delivered_locally_reaches_the_inventory(hub: RunningHub) -> None:
    """CV 4 -> the User's signature -> CV 6: the LocalCommand; the hand-held terminal runs
    it on the ESME; 8.13 returns the Response; the inventory records the join then."""
    esme = hub.device_of(DeviceType.ESME)
    await _add_ppmid(hub, esme)
    async with hub.client(SUPPLIER) as client:
        sent, transformed, signed = await client.critical(
            _han("8.7.1", PPMID, esme.device_id),
            None,
            signed_variant=CommandVariant.SIGNED_PRE_COMMAND_LOCAL,
        )
    assert transformed.code == "I0" and signed is not None and signed.code == "I0", signed
    assert signed.response is not None
    command = signed.response.gbcs_payload()
    assert isinstance(command, bytes)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{hub.base_url}/admin/v1/devices/{esme.device_id}/local",
            json={"command": base64.b64encode(command).decode()},
        ) as reply,
    ):
        assert reply.status == 200
        ran = await reply.json()
    assert await _joined(hub, PPMID) == ([], None)  # not before the DCC has the Response
    response = base64.b64decode(ran["response"])
    body = build.sr(
        "ReturnLocalCommandResponse",
        children=[
            build.sr("OriginalRequestID", str(sent.header.request_id)),
            build.sr("DeviceGBCSResponse", base64.b64encode(response).decode()),
        ],
    )
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(
            request("8.13", body, party(SUPPLIER), DCC_ACCESS_CONTROL_BROKER, cv=8)
        )
    assert answer.code == "I0", answer
    assert await _joined(hub, PPMID) == ([str(esme.device_id)], str(esme.device_id))


async def test_a_fault_recording_the_join_leaves_the_response_whole(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The association is written in a savepoint of the Response's job: when it fails, the
    User still gets the Device's Response and the request completes; nothing is joined."""
    esme = hub.device_of(DeviceType.ESME)
    await _add_ppmid(hub, esme)
    inventory = hub.hub.estate.inventory
    # The link is written, then the step fails.
    monkeypatch.setattr(inventory, "join_step", failing_steps(inventory.join_step))
    rid, joined = await _round(hub, _han("8.7.1", PPMID, esme.device_id))
    assert isinstance(joined, JoinDeviceResponse)
    assert joined.response_code == JoinResponseCode.SUCCESS
    entry = jr.get_by_request_id(hub.hub.db.reader(), rid)
    assert entry is not None
    assert entry.state in (jr.RequestState.RESPONDED, jr.RequestState.COMPLETED)
    assert await _joined(hub, PPMID) == ([], None)
