"""Disable supply, then read supply status, through the running hub over HTTP: the critical
CV 4 -> sign -> CV 5 round for 7.2 and a CV 1 read for 7.4, answered by the simulated
meter's state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from opendcc.devices import supply, supply_auxiliary, supply_events  # noqa: F401
from opendcc.gbcs.codec import decode
from opendcc.inventory.model import DeviceType
from opendcc.transform import supply as supply_transforms  # noqa: F401
from opendcc.transform import supply_auxiliary as auxiliary_transforms  # noqa: F401
from tests.hub.harness import RunningHub, party, request, running_hub


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    async with running_hub(tmp_path) as running:
        yield running


async def _final(hub: RunningHub, request_id: str) -> bytes:
    final = await hub.receiver.response_for(request_id, timeout=10)
    assert final is not None, hub.receiver.rejected
    assert final.response.header.response_code.value == "I0"
    gbcs = final.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    return gbcs


@pytest.mark.parametrize(
    ("device_type", "state_of"),
    [
        (DeviceType.ESME, lambda values: values["SupplyState"]),
        (DeviceType.GSME, lambda values: values["data"]["SupplyState"]),
    ],
)
async def test_disable_supply_then_read_supply_status(
    hub: RunningHub, device_type: DeviceType, state_of: object
) -> None:
    meter = hub.device_of(device_type)
    supplier = party("supplier-a")
    async with hub.client("supplier-a") as client:
        sent, transformed, accepted = await client.critical(
            request("7.2", "DisableSupply", supplier, meter.device_id, cv=4), None
        )
        assert transformed.code == "I0" and accepted is not None and accepted.code == "I99"
        disabled = decode(await _final(hub, str(sent.header.request_id)), hub.hub.security)
        assert disabled.signature.valid is True
        read, answer = await client.send(
            request("7.4", "ReadSupplyStatus", supplier, meter.device_id)
        )
        assert answer.code == "I99"
        status = decode(await _final(hub, str(read.header.request_id)), hub.hub.security)
    assert status.mac.valid is True
    values = status.payload.to_json()["values"]
    assert state_of(values) in ("Disconnected", "Disabled")  # type: ignore[operator]
