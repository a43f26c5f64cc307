"""2.2 Top Up Device end to end over real HTTP (issue 5): a Supplier of the demo estate makes
a UTRN (``opendcc.client.utrn``: its prepayment top-up key from the demo PKI, the Device's
KA certificate from the hub's SMKI service) and tops up a simulated ESME; the balance read
(4.18) shows the credit. GBCS 14: a UTRN made for another Device, one with a bad check
digit, or one the Device has already accepted is refused by the Device; DUIS: the same
request again is refused by the hub (its RequestID counter is not new).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from opendcc.client.utrn import TopUp, check_counter, next_counter, run_utrn
from opendcc.clock import ManualClock
from opendcc.devices.tariffs_state import Prepayment
from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.inventory.model import Device, DeviceType
from tests.hub.harness import RunningHub, running_hub
from tests.hub.test_state_sequences import _from

SUPPLIER = "supplier-a"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    async with running_hub(tmp_path, clock=clock) as running:
        yield running


async def _utrn(hub: RunningHub, device: Device, pence: int, **kw: Any) -> TopUp:
    return await run_utrn(
        SUPPLIER, str(device.device_id), pence, data=hub.hub.config.data_dir, hub=hub.base_url, **kw
    )


async def _send(hub: RunningHub, root: etree._Element) -> DecodedMessage:
    """Send as the Supplier; I99, then I0 with the Device's Response (MAC checked)."""
    async with hub.client(SUPPLIER) as client:
        sent, answer = await client.send(root)
    assert answer is not None and answer.code == "I99", (answer and answer.code, answer)
    final = await hub.receiver.response_for(str(sent.header.request_id), timeout=15)
    assert final is not None, hub.receiver.rejected
    assert final.response.header.response_code.value == "I0", final.response.header
    gbcs = final.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    decoded = decode(gbcs, hub.hub.security)
    assert decoded.message.originator == sent.header.request_id.target
    assert decoded.mac.valid
    return decoded


async def _balance(hub: RunningHub, esme: Device) -> int:
    decoded = await _send(hub, _from("ECS82_4.18_SUCCESS", SUPPLIER, esme))
    values = decoded.payload.to_json()
    return int(values.get("values", values)["MeterBalance"])


def _top_up_result(decoded: DecodedMessage) -> Any:
    return decoded.payload.to_json()


async def test_top_up_with_a_fresh_utrn_adds_the_credit(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    start = await _balance(hub, esme)
    top_up = await _utrn(hub, esme, 1234)
    assert len(top_up.utrn) == 20 and top_up.utrn.isdigit()
    decoded = await _send(hub, top_up.request())
    print(_top_up_result(decoded))
    assert await _balance(hub, esme) == start + 1234 * 1000
