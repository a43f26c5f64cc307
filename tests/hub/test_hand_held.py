"""Local delivery end to end through the simulated hand-held terminal.

7.2 Disable Supply as a Supplier would do it locally: CV 4 for the Pre-Command, the User's
signature, CV 6 returning it; the LocalCommand carried to the ESME by the terminal
(``POST /admin/v1/devices/{eui}/local``); the ESME's Response returned with 8.13; the
request's trace complete; and 7.4 over the SM WAN shows the supply off, because the
terminal ran the Command on the same Device state the WAN path reads.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from opendcc.duis import build
from opendcc.duis.command_variant import CommandVariant
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs.codec import decode
from opendcc.gbcs.frame import decode_message
from opendcc.inventory.model import DeviceType
from opendcc.store.events import EventKind, events_for_request
from tests.hub.harness import RunningHub, party, request, running_hub

SUPPLIER = "supplier-a"


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_hub(tmp_path) as running:
        yield running


async def _hht(hub: RunningHub, device: object, command: bytes | str) -> tuple[int, Any]:
    text = command if isinstance(command, str) else base64.b64encode(command).decode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{hub.base_url}/admin/v1/devices/{device}/local", json={"command": text}
        ) as reply,
    ):
        return reply.status, await reply.json()


async def _local_disable(hub: RunningHub, device: object) -> tuple[str, bytes]:
    """CV 4 -> signed Pre-Command -> CV 6: the RequestID and the LocalCommand."""
    async with hub.client(SUPPLIER) as client:
        sent, transformed, signed = await client.critical(
            request("7.2", "DisableSupply", party(SUPPLIER), device, cv=4),  # type: ignore[arg-type]
            None,
            signed_variant=CommandVariant.SIGNED_PRE_COMMAND_LOCAL,
        )
    assert transformed.code == "I0", transformed.problem
    assert signed is not None and signed.code == "I0", signed and signed.problem
    assert signed.response is not None and signed.response.content is not None
    assert signed.response.content.tag.endswith("LocalCommand")
    command = signed.response.gbcs_payload()
    assert isinstance(command, bytes)
    return str(sent.header.request_id), command


async def _return_local(hub: RunningHub, response: bytes, original: str) -> Any:
    body = build.sr(
        "ReturnLocalCommandResponse",
        children=[
            build.sr("OriginalRequestID", original),
            build.sr("DeviceGBCSResponse", base64.b64encode(response).decode()),
        ],
    )
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(
            request("8.13", body, party(SUPPLIER), DCC_ACCESS_CONTROL_BROKER, cv=8)
        )
    assert answer.problem is None, answer.problem
    return answer


async def _supply_state(hub: RunningHub, device: object) -> str:
    async with hub.client(SUPPLIER) as client:
        sent, answer = await client.send(
            request("7.4", "ReadSupplyStatus", party(SUPPLIER), device)  # type: ignore[arg-type]
        )
    assert answer.code == "I99"
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=10)
    assert final is not None and final.response.header.response_code.value == "I0"
    gbcs = final.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    decoded = decode(gbcs, hub.hub.security)
    assert decoded.mac.valid is True
    return str(decoded.payload.to_json()["values"]["SupplyState"])


async def test_cv6_disable_supply_through_the_hand_held_terminal(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    other = next(
        d
        for d in (hub.device_of(DeviceType.ESME, supplier="supplier-b"),)
        if d.device_id != esme.device_id
    )
    assert await _supply_state(hub, esme.device_id) not in ("Disabled", "Disconnected")
    original, command = await _local_disable(hub, esme.device_id)
    # Nothing went over the SM WAN. (No WAN read here: a later Command from the Supplier
    # would move the ESME's anti-replay counter past this one, as on a real meter.)
    trace = events_for_request(hub.hub.db.reader(), original)  # type: ignore[union-attr]
    assert EventKind.COMMAND_SENT not in [e.event.kind for e in trace]

    # Hostile inputs first (none of them may change the ESME).
    tampered = command[:-1] + bytes([command[-1] ^ 0x01])
    status, problem = await _hht(hub, esme.device_id, tampered)
    assert status == 422 and "discarded" in problem["detail"], problem
    status, problem = await _hht(hub, other.device_id, command)
    assert status == 422 and "not for" in problem["detail"], problem
    assert (await _hht(hub, esme.device_id, "not base64!"))[0] == 400
    assert (await _hht(hub, esme.device_id, b"\x01\x02\x03\x04"))[0] == 400
    assert (await _hht(hub, "02-0D-CC-FF-FF-FF-FF-FF", command))[0] == 404
    assert (await _hht(hub, "not-an-eui", command))[0] == 422

    # The terminal carries the LocalCommand; the ESME obeys and answers.
    status, delivered = await _hht(hub, esme.device_id, command)
    assert status == 200, delivered
    assert delivered["request_id"] == original
    assert delivered["use_case"] == "ECS43"
    response = base64.b64decode(delivered["response"])
    decoded = decode(response, hub.hub.security)
    assert decoded.message.originator == esme.device_id
    assert decoded.message.counter == decode_message(command).counter
    assert decoded.signature.valid is True  # a critical Command's Response is signed
    # The same Command again is a replay: the ESME discards it.
    status, problem = await _hht(hub, esme.device_id, command)
    assert status == 409 and "replayed" in problem["detail"], problem
    # A Response is not a Command.
    assert (await _hht(hub, esme.device_id, response))[0] == 400

    # 8.13 returns the Response: I0, and the request's trace completes.
    answer = await _return_local(hub, response, original)
    assert answer.code == "I0"
    assert answer.response is not None and answer.response.gbcs_payload() == response
    events = [
        e.event
        for e in events_for_request(hub.hub.db.reader(), original)  # type: ignore[union-attr]
    ]
    kinds = [e.kind for e in events]
    assert EventKind.PRECOMMAND_SIGNED in kinds
    carried = [e for e in events if e.kind is EventKind.ADMIN]
    # The terminal's attempts are on the trace: the tampered copy, the delivery, the replay.
    assert {e.detail["action"] for e in carried} == {"hand_held_terminal"}
    assert [e.detail["outcome"] for e in carried] == ["discarded", "responded", "discarded"]
    assert kinds[-2:] == [EventKind.DEVICE_RESPONDED, EventKind.COMPLETED]
    assert events[-2].detail["local"] is True and events[-2].detail["signature"] == "valid"

    # 7.4 over the SM WAN reads the state the terminal's Command left: supply off.
    assert await _supply_state(hub, esme.device_id) in ("Disabled", "Disconnected")


async def test_the_terminal_state_survives_a_restart(tmp_path: Path) -> None:
    """What the Device did for the terminal is saved like a WAN Response: a restarted hub
    still reads the supply off, and the Device still refuses the old Command."""
    async with running_hub(tmp_path) as hub:
        esme = hub.device_of(DeviceType.ESME)
        _, command = await _local_disable(hub, esme.device_id)
        status, _ = await _hht(hub, esme.device_id, command)
        assert status == 200
    async with running_hub(tmp_path) as hub:
        assert await _supply_state(hub, esme.device_id) in ("Disabled", "Disconnected")
        status, problem = await _hht(hub, esme.device_id, command)
        assert status == 409, problem
