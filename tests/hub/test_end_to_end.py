"""The hub over real HTTP: a signed request, its I99, its final response at the User's
Receive Response Service; and every refusal path, each with its answer."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import aiohttp
import pytest

from opendcc.access.users import UserStatus
from opendcc.devices.simulator import AntiReplay
from opendcc.devices.state import DeviceState
from opendcc.estate.records import UserUpdate
from opendcc.gbcs.codec import decode
from opendcc.inventory.model import DeviceType
from opendcc.inventory.transitions import InventoryEvent
from opendcc.store import journal as jr
from opendcc.store.events import EventKind, events_for_request
from tests.hub.harness import RunningHub, party, request, running_hub

READ = "ReadInstantaneousImportRegisters"


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_hub(tmp_path) as running:
        yield running


async def test_read_registers_end_to_end(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    async with hub.client("supplier-a") as client:
        sent, answer = await client.send(
            request("4.1.1", READ, party("supplier-a"), esme.device_id)
        )
    assert answer.problem is None and answer.code == "I99"
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=10)
    assert final is not None, hub.receiver.rejected
    response = final.response
    assert response.header.response_code.value == "I0"
    assert str(response.header.response_id) == str(sent.header.request_id.response_id())
    gbcs = response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    decoded = decode(gbcs, hub.hub.security)
    assert decoded.mac.valid is True
    assert decoded.message.originator == esme.device_id
    values = decoded.payload.to_json()["values"]
    assert values["ActiveImportRegister"]["unit"] == "Wh"
    assert values["ActiveImportRegister"]["value"] > 0
    assert await hub.hub.deliverer.drained(5)
    await asyncio.sleep(0.1)  # the deliverer records DELIVERED after the receiver answered
    kinds = [
        e.event.kind
        for e in events_for_request(
            hub.hub.db.reader(),  # type: ignore[union-attr]
            str(sent.header.request_id),
        )
    ]
    for expected in (
        EventKind.RECEIVED,
        EventKind.SIGNATURE_VERIFIED,
        EventKind.AUTHORISED,
        EventKind.TRANSFORMED,
        EventKind.ACCEPTED,
        EventKind.COMMAND_SENT,
        EventKind.DEVICE_RESPONDED,
        EventKind.DELIVERED,
        EventKind.COMPLETED,
    ):
        assert expected in kinds, (expected, kinds)


async def _refusal(
    hub: RunningHub, who: str, variant: str, body: str, target: object, cv: int = 1
) -> str | None:
    async with hub.client(who) as client:
        _, answer = await client.send(request(variant, body, party(who), target, cv))  # type: ignore[arg-type]
    assert answer.problem is None, answer.problem
    return answer.code


async def test_refusals_e1_to_e5_e11_e12_e19(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    gsme = hub.device_of(DeviceType.GSME)
    # E1: a validly signed request from an identity that is not a DCC User.
    assert await _refusal(hub, "dcc-recovery", "4.1.1", READ, esme.device_id) == "E1"
    # E2: an Other User may not disable a supply.
    assert await _refusal(hub, "other-user", "7.2", "DisableSupply", esme.device_id, cv=4) == "E2"
    # E4: supplier-b does not hold this ESME's MPAN.
    assert await _refusal(hub, "supplier-b", "4.1.1", READ, esme.device_id) == "E4"
    # E11: Enable Supply applies to an ESME only.
    assert await _refusal(hub, "supplier-a", "7.1", "EnableSupply", gsme.device_id, cv=4) == "E11"
    # E12: 4.1.1 is not a critical request.
    assert await _refusal(hub, "supplier-a", "4.1.1", READ, esme.device_id, cv=4) == "E12"
    # E19: no such Device.
    from opendcc.eui import Eui64

    assert (
        await _refusal(hub, "supplier-a", "4.1.1", READ, Eui64.parse("02-0D-CC-FF-FF-FF-FF-FF"))
        == "E19"
    )
    # E5: a decommissioned Device accepts nothing.
    await hub.hub.estate.inventory.change_status(
        esme.device_id, InventoryEvent.DECOMMISSION, hub.hub.clock.now(), "test"
    )
    assert await _refusal(hub, "supplier-a", "4.1.1", READ, esme.device_id) == "E5"
    # E3: a suspended User.
    await hub.hub.estate.users.update(party("supplier-a"), UserUpdate(status=UserStatus.SUSPENDED))
    assert await _refusal(hub, "supplier-a", "4.1.1", READ, gsme.device_id) == "E3"


async def test_wrong_endpoint_is_e13(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    from opendcc.client.requests import sign

    identity = hub.identity("supplier-a")
    body = sign(request("4.1.1", READ, identity.eui, esme.device_id), identity)
    async with hub.client("supplier-a") as client:
        answer = await client.post("/api/v1/serviceT", body)
    assert answer.code == "E13" and answer.problem is None


async def test_replay_bad_signature_malformed_and_hostile_input(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    from opendcc.client.requests import sign

    identity = hub.identity("supplier-a")
    body = sign(request("4.1.1", READ, identity.eui, esme.device_id), identity)
    async with hub.client("supplier-a") as client:
        first = await client.post("/api/v1/serviceS", body)
        again = await client.post("/api/v1/serviceS", body)
        tampered = await client.post("/api/v1/serviceS", body.replace(b"4.1.1", b"4.1.2"))
        malformed = await client.post("/api/v1/serviceS", b"<sr:Request")
        xxe = await client.post(
            "/api/v1/serviceS",
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        )
    assert first.code == "I99"
    assert again.status == 409 and "does not exceed" in (again.problem or "")
    assert tampered.status == 403
    assert malformed.status == 400
    assert xxe.status == 400
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{hub.base_url}/api/v1/serviceS",
            data=b"x" * (2 << 20),
            headers={"Content-Type": "application/xml"},
        ) as reply,
    ):
        assert reply.status == 413


async def test_non_device_read_inventory(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    from opendcc.duis import build
    from opendcc.eui import DCC_ACCESS_CONTROL_BROKER

    body = build.sr("ReadInventory", children=[build.sr("DeviceID", str(esme.device_id))])
    async with hub.client("supplier-a") as client:
        _, answer = await client.send(
            request("8.2", body, party("supplier-a"), DCC_ACCESS_CONTROL_BROKER, cv=8)
        )
    assert answer.code == "I0", answer.problem
    assert answer.response is not None
    inventory = answer.response.content
    assert inventory is not None
    ids = [e.text for e in inventory.iter("{*}DeviceID")]
    assert ids == [str(esme.device_id)]
    assert dataclasses.is_dataclass(answer)


async def test_a_device_fault_is_answered_e21_not_lost(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A simulated Device that raises (a bug, as a meter balance its register could not
    encode was: tests/hub/test_signed_fuzz) must not leave the accepted request unanswered:
    the fault is logged as an ERROR and the User gets E21, as from a Device that did not
    respond; the Device's state is not saved half-changed."""
    esme = hub.device_of(DeviceType.ESME)
    before = hub.hub.states.load(esme).to_json()

    def failing(command: bytes, state: DeviceState, now: object) -> object:
        state.get(AntiReplay).last["injected"] = 1  # changed, then the fault
        state.touch()
        raise RuntimeError("injected Device fault")

    monkeypatch.setattr(hub.hub.processor.simulator, "process", failing)
    async with hub.client("supplier-a") as client:
        sent, answer = await client.send(
            request("4.1.1", READ, party("supplier-a"), esme.device_id)
        )
    assert answer.code == "I99"
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=10)
    assert final is not None, "the accepted request was never answered"
    assert final.response.header.response_code.value == "E21"
    assert any(
        r.levelname == "ERROR" and "injected Device fault" in str(r.exc_info)
        for r in caplog.records
    )
    entry = jr.get_by_request_id(hub.hub.db.reader(), str(sent.header.request_id))
    assert entry is not None and entry.response_code == "E21"
    assert hub.hub.states.load(esme).to_json() == before


async def test_a_command_lost_on_the_wan_is_e21_with_its_reason_in_the_trace(
    hub: RunningHub,
) -> None:
    from opendcc.wan.network import RegionProfile, SmWan

    esme = hub.device_of(DeviceType.ESME)
    hub.hub.processor.wan = SmWan({esme.region: RegionProfile(no_response=1.0)})
    async with hub.client("supplier-a") as client:
        sent, answer = await client.send(
            request("4.1.1", READ, party("supplier-a"), esme.device_id)
        )
    assert answer.code == "I99"
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=10)
    assert final is not None and final.response.header.response_code.value == "E21"
    [lost] = [
        e.event
        for e in events_for_request(hub.hub.db.reader(), str(sent.header.request_id))  # type: ignore[union-attr]
        if e.event.kind is EventKind.DEVICE_NO_RESPONSE
    ]
    assert lost.code == "E21"
    assert "simulated no-response rate" in lost.detail["reason"]
