"""2.2 Top Up Device end to end over real HTTP (issue 5): a Supplier of the demo estate makes
a UTRN (``opendcc.client.utrn``: its prepayment top-up key from the demo PKI, the Device's
KA certificate from the hub's SMKI service) and tops up a simulated ESME; the balance read
(4.18) shows the credit. GBCS 14: a UTRN made for another Device, one with a bad check
digit, or one the Device has already accepted is refused by the Device; DUIS: the same
request again is refused by the hub (its RequestID counter is not new).
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from lxml import etree

from opendcc.client.utrn import TopUp, run_utrn
from opendcc.clock import ManualClock
from opendcc.estate.records import DeviceFilter
from opendcc.gbcs.codec import DecodedMessage, decode
from opendcc.inventory.model import Device, DeviceType
from tests.hub.harness import (
    RunningHub,
    delivered,
    device_response,
    from_template,
    running_hub,
)
from tests.hub.test_device_logs import _device_clock, _log

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
    decoded = device_response(hub, *await delivered(hub, SUPPLIER, root))
    assert decoded.mac.valid
    return decoded


async def _balance(hub: RunningHub, esme: Device) -> int:
    decoded = await _send(hub, from_template("ECS82_4.18_SUCCESS", SUPPLIER, esme))
    values = decoded.payload.to_json()
    return int(values.get("values", values)["MeterBalance"])


def _entered(decoded: DecodedMessage) -> str:
    """The ESME's answer to the UTRN: ``success`` or the reason it refused it."""
    values = decoded.payload.to_json()
    assert values["use_case"] == "CS01a", values
    return str(values["values"]["TokenGateway.enter"])


async def test_top_up_adds_the_credit_and_a_replayed_request_is_refused(
    hub: RunningHub,
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    start = await _balance(hub, esme)
    top_up = await _utrn(hub, esme, 1234)
    assert len(top_up.utrn) == 20 and top_up.utrn.isdigit()
    assert top_up.counter % 2**32 == 0 and top_up.request_id.counter == top_up.counter
    assert _entered(await _send(hub, top_up.request())) == "success"
    after = await _balance(hub, esme)
    assert after == start + 1234 * 1000  # meter money: 1/100000 of a pound

    # Pounds above 8191p; the counters keep increasing.
    second = await _utrn(hub, esme, 9_000)
    assert (second.value, second.value_class.name, second.counter > top_up.counter) == (
        90,
        "POUNDS",
        True,
    )
    assert _entered(await _send(hub, second.request())) == "success"
    assert await _balance(hub, esme) == after + 9_000 * 1000

    # The same 2.2 request again: the hub refuses its RequestID counter (DUIS replay).
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(top_up.request())
    assert answer.status == 409, answer
    # Other requests of the Supplier go on with its ordinary, time-based counters.
    assert await _balance(hub, esme) == after + 9_000 * 1000


async def test_a_utrn_for_another_device_or_with_a_bad_check_digit_is_refused(
    hub: RunningHub,
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    others = [
        d.device.device_id
        for d in hub.hub.estate.inventory.list_devices(
            DeviceFilter(device_type=DeviceType.ESME), limit=50
        ).items
        if d.device.device_id != esme.device_id
    ]
    start = await _balance(hub, esme)
    elsewhere = await run_utrn(
        SUPPLIER, str(others[0]), 500, data=hub.hub.config.data_dir, hub=hub.base_url
    )
    misdirected = dataclasses.replace(elsewhere, device=esme.device_id)
    assert _entered(await _send(hub, misdirected.request())) != "success"

    made = await _utrn(hub, esme, 500)
    digit = str((int(made.utrn[-1]) + 1) % 10)
    garbled = dataclasses.replace(made, utrn=made.utrn[:-1] + digit)
    assert _entered(await _send(hub, garbled.request())) != "success"
    assert await _balance(hub, esme) == start
    # The next genuine UTRN is accepted: the refusals changed nothing on the meter.
    good = await _utrn(hub, esme, 500)
    assert _entered(await _send(hub, good.request())) == "success"
    assert await _balance(hub, esme) == start + 500 * 1000


async def test_a_utrn_the_device_already_accepted_is_refused(hub: RunningHub) -> None:
    """GBCS 14.3: the Device remembers the UTRN counters it accepted. Over the SM WAN the hub
    stops a replayed request first (above); a UTRN Command carried to the meter twice by a
    hand-held terminal (CV 2, local delivery) reaches it, and the second is refused."""
    esme = hub.device_of(DeviceType.ESME)
    start = await _balance(hub, esme)
    top_up = await _utrn(hub, esme, 700)
    root = top_up.request()
    cv = root.find("{*}Header/{*}CommandVariant")
    assert cv is not None
    cv.text = "2"
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(root)
    assert answer.response is not None and answer.code == "I0", answer
    command = answer.response.gbcs_payload()
    assert isinstance(command, bytes)
    url = f"{hub.base_url}/admin/v1/devices/{esme.device_id}/local"
    results = []
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            body = {"command": base64.b64encode(command).decode()}
            async with session.post(url, json=body) as reply:
                assert reply.status == 200, await reply.text()
                response = base64.b64decode((await reply.json())["response"])
            results.append(_entered(decode(response, hub.hub.security)))
    assert results[0] == "success" and results[1] != "success", results
    assert await _balance(hub, esme) == start + 700 * 1000


async def test_a_refused_utrn_is_in_the_security_log(hub: RunningHub) -> None:
    """GBCS 14 and the alert code list: the ESME logs a UTRN that does not authenticate
    (0x8F63 UTRN not Authentic) in its Security Log at its own clock; 6.13 Read Security Log
    as the Supplier shows it. The genuine UTRN accepted afterwards adds no security event."""
    esme = hub.device_of(DeviceType.ESME)
    clock = hub.hub.clock
    assert isinstance(clock, ManualClock)
    made = await _utrn(hub, esme, 500)
    garbled = dataclasses.replace(made, utrn=made.utrn[:-1] + str((int(made.utrn[-1]) + 1) % 10))
    refused_at = clock.now()
    assert _entered(await _send(hub, garbled.request())) != "success"
    clock.advance(timedelta(minutes=1))
    good = await _utrn(hub, esme, 500)
    assert _entered(await _send(hub, good.request())) == "success"
    clock.advance(timedelta(minutes=1))
    assert await _log(hub, esme, "Security") == [(_device_clock(hub, esme, refused_at), "8F63", "")]
