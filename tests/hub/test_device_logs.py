"""The Devices' logs and the CIN, over real HTTP as a User sees them (issue 5).

- 7.2 Disable Supply (CV 4, the Supplier's signature, CV 5), then 6.13 Read Event Log:
  the ESME's Event Log holds the disablement (GBCS 0x8154, the Command carried out, with
  ECS43's message code 0x0050) at the ESME's own clock.
- A Command with a damaged MAC and a replayed one, carried to the ESME by the simulated
  hand-held terminal (``POST /admin/v1/devices/{eui}/local``), then 6.13 Read Security
  Log over the SM WAN: 0x8F1E and 0x8F3E.
- 9.1 Request Customer Identification Number: the Other User receives a signed,
  schema-valid ``CINMessage`` whose CIN is the one the ESME now displays.

The hub runs on a manual clock, so the time each entry must carry is known.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from opendcc.clock import ManualClock
from opendcc.devices.config_api import device_time
from opendcc.devices.esme_reads import current_cin
from opendcc.duis.schema import DuisSchema
from opendcc.duis.timestamps import format_xs_datetime
from opendcc.gbcs.codec import decode
from opendcc.inventory.model import Device, DeviceType
from tests.hub.harness import RunningHub, delivered, from_template, running_hub
from tests.hub.test_hand_held import _hht, _local_disable

SUPPLIER = "supplier-a"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    async with running_hub(tmp_path, clock=clock) as running:
        yield running


async def _final(hub: RunningHub, who: str, root: etree._Element) -> Any:
    """Send ``root`` as ``who`` (critical: CV 4 -> signed Pre-Command -> CV 5) and return
    the asynchronous Response the receiver took (its signature checked)."""
    _, final = await delivered(hub, who, root)
    return final


async def _log(hub: RunningHub, esme: Device, log: str) -> list[tuple[datetime, str, str]]:
    """6.13 as the Supplier: (time, code, other information) of each entry of ``log``
    over the last hour, decoded from the ESME's Response with the Supplier's keys."""
    root = from_template(f"ECS35{'a' if log == 'Event' else 'b'}_6.13_SUCCESS", SUPPLIER, esme)
    now = hub.hub.clock.now()
    for tag, value in (("StartDateTime", now - timedelta(hours=1)), ("EndDateTime", now)):
        element = next(root.iter(f"{{*}}{tag}"))
        element.text = format_xs_datetime(value)
    final = await _final(hub, SUPPLIER, root)
    gbcs = final.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    decoded = decode(gbcs, hub.hub.security)
    assert decoded.mac.valid is True
    rows = decoded.payload.to_json()["values"]["EventLog" if log == "Event" else "SecurityLog"]
    return [
        (
            datetime.fromisoformat(r["Timestamp"]),
            r["LogCode"].upper(),
            str(r.get("OtherInformation", "")).upper(),
        )
        for r in rows
    ]


def _device_clock(hub: RunningHub, esme: Device, at: datetime) -> datetime:
    return device_time(hub.hub.states.load(esme), at).replace(microsecond=0)


async def test_disable_supply_then_the_event_log_shows_it(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    clock = hub.hub.clock
    assert isinstance(clock, ManualClock)
    disabled_at = clock.now()
    await _final(hub, SUPPLIER, from_template("ECS43_7.2_SUCCESS", SUPPLIER, esme))
    clock.advance(timedelta(minutes=1))
    entries = await _log(hub, esme, "Event")
    expected = (_device_clock(hub, esme, disabled_at), "8154", "0050")
    assert expected in entries, entries
    assert [e for e in entries if e[2] == "0050"] == [expected]  # one disablement
    assert await _log(hub, esme, "Security") == []  # nothing went wrong


async def test_bad_mac_and_replay_then_the_security_log_shows_them(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    clock = hub.hub.clock
    assert isinstance(clock, ManualClock)
    _original, command = await _local_disable(hub, esme.device_id)
    tampered_at = clock.now()
    # Flip a bit of the MAC (the Command's last 12 bytes).
    tampered = command[:-1] + bytes([command[-1] ^ 0x01])
    status, problem = await _hht(hub, esme.device_id, tampered)
    assert status == 422 and "discarded" in problem["detail"], problem
    clock.advance(timedelta(seconds=30))
    status, _ = await _hht(hub, esme.device_id, command)
    assert status == 200
    clock.advance(timedelta(seconds=30))
    replayed_at = clock.now()
    status, problem = await _hht(hub, esme.device_id, command)
    assert status == 409 and "replayed" in problem["detail"], problem
    clock.advance(timedelta(minutes=1))
    security = await _log(hub, esme, "Security")
    assert security == [
        (_device_clock(hub, esme, tampered_at), "8F1E", ""),
        (_device_clock(hub, esme, replayed_at), "8F3E", ""),
    ]


async def test_customer_identification_number_is_a_cin_message(
    hub: RunningHub, schema: DuisSchema
) -> None:
    esme = hub.device_of(DeviceType.ESME)
    final = await _final(hub, "other-user", from_template("ECS50_9.1_SUCCESS", "other-user", esme))
    content = final.response.content
    assert content is not None and etree.QName(content).localname == "CINMessage"
    assert schema.validate(final.response.root) is None
    shown = current_cin(hub.hub.states.load(esme))
    assert shown is not None and content.findtext("{*}CustomerIdentificationNumber") == shown
    gbcs = final.response.gbcs_payload()
    assert isinstance(gbcs, bytes)
    decoded = decode(gbcs, hub.hub.security)
    assert decoded.message.originator == esme.device_id
    assert decoded.mac.valid is True
