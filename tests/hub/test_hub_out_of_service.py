"""A Communications Hub out of service carries no traffic, and 8.14.1 is checked as 8.14.2-4.

Over real HTTP against a demo hub: a Supplier fault-returns a hub (8.14.3); a read of the
meter behind it is still accepted (I99: the meter itself is Commissioned) but cannot be
delivered over the SM WAN, and the User gets the DCC's answer for an undeliverable Command,
E20, asynchronously. 8.14.1 Install Success applies the same registration check (E4) as the
other Communications Hub Status Updates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opendcc.estate.records import EstateRefusal, NewDevice
from opendcc.eui import Eui64
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.store import journal as jr
from opendcc.store.events import EventKind, events_for_request
from tests.hub.bodies import (
    chf_fault_return,
    chf_install_no_wan,
    chf_install_success,
    pre_notification,
)
from tests.hub.harness import (
    RunningHub,
    commissioned_hub,
    non_device,
    party,
    request,
    running_hub,
    supplier_of,
)

SUPPLIER = "supplier-a"
READ = "ReadInstantaneousImportRegisters"


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_hub(tmp_path, premises=12) as running:
        yield running


async def _read(hub: RunningHub, esme: Device) -> tuple[str, str]:
    """A 4.1.1 read of ``esme``: its RequestID and the asynchronous response code."""
    async with hub.client(SUPPLIER) as client:
        sent, answer = await client.send(request("4.1.1", READ, party(SUPPLIER), esme.device_id))
    assert answer.code == "I99", answer.body[:300]
    request_id = str(sent.header.request_id)
    final = await hub.receiver.response_for(request_id, timeout=10)
    assert final is not None, hub.receiver.rejected
    return request_id, final.response.header.response_code.value


async def test_a_returned_hub_carries_no_commands_to_the_meter_behind_it(
    hub: RunningHub,
) -> None:
    chf, gpf, esme = commissioned_hub(hub)
    _, code = await _read(hub, esme)
    assert code == "I0"  # reachable while the hub is in service

    fault = chf_fault_return(chf.device_id, gpf.device_id, "Fault identified post installation")
    assert (await non_device(hub, "8.14.3", fault)).code == "W081401"
    # The meter keeps its own status: the request passes the DCC's checks (I99) ...
    meter = hub.hub.estate.inventory.get_device(esme.device_id)
    assert meter is not None and meter.status is SmiStatus.COMMISSIONED

    # ... but the Command cannot be sent through a returned hub: E20, said why.
    request_id, code = await _read(hub, esme)
    assert code == "E20"
    events = events_for_request(hub.hub.db.reader(), request_id)  # type: ignore[union-attr]
    unreachable = [e.event for e in events if e.event.kind is EventKind.DEVICE_UNREACHABLE]
    assert len(unreachable) == 1
    reason = unreachable[0].detail["reason"]
    assert str(chf.device_id) in reason and "Decommissioned" in reason
    assert EventKind.DEVICE_RESPONDED not in {e.event.kind for e in events}
    row = (
        hub.hub.db.reader()  # type: ignore[union-attr]
        .execute("SELECT response_code, state FROM requests WHERE request_id = ?", (request_id,))
        .fetchone()
    )
    assert row[0] == "E20" and row[1] != jr.RequestState.ACCEPTED.value


async def test_install_success_checks_the_registration_as_the_other_updates(
    hub: RunningHub,
) -> None:
    chf, _, esme = commissioned_hub(hub)
    assert supplier_of(hub, esme) != "supplier-b"
    # Another Supplier, not registered for the meters behind the hub, is refused (E4) and
    # learns nothing of the hub's state; the same rule as 8.14.2 to 8.14.4.
    answer = await non_device(hub, "8.14.1", chf_install_success(chf.device_id), "supplier-b")
    assert answer.code == "E4"
    no_wan = chf_install_no_wan(chf.device_id)
    assert (await non_device(hub, "8.14.2", no_wan, "supplier-b")).code == "E4"
    # Its Supplier is told the hub is installed already.
    assert (await non_device(hub, "8.14.1", chf_install_success(chf.device_id))).code == "I0"

    # A hub with no meter behind it yet is open to any Supplier that installs it; its GPF
    # moves with it, as for 8.14.2.
    new_chf = Eui64.parse("00-00-00-00-00-AB-01-01")
    new_gpf = Eui64.parse("00-00-00-00-00-AB-01-02")
    pre = pre_notification(new_chf, DeviceType.CHF)
    assert (await non_device(hub, "12.2", pre, "supplier-b")).code == "I0"
    inventory = hub.hub.estate.inventory
    # Its GPF, pre-notified with the hub (the DCC pairs the two Functions of one hub).
    gpf = NewDevice(new_gpf, DeviceType.GPF, CspRegion.CENTRAL, chf_id=new_chf)
    added = await inventory.add_device(gpf, hub.hub.clock.now(), "test pre-notification")
    assert not isinstance(added, EstateRefusal), added
    answer = await non_device(hub, "8.14.1", chf_install_success(new_chf), "supplier-b")
    assert answer.code == "I0", answer.body[:300]
    for device in (new_chf, new_gpf):
        found = inventory.get_device(device)
        assert found is not None and found.status is SmiStatus.INSTALLED_NOT_COMMISSIONED
    # Installed: told so again, without a change.
    assert (await non_device(hub, "8.14.1", chf_install_success(new_chf), "supplier-b")).code == (
        "I0"
    )
    assert [h.new for h in inventory.status_history(new_chf)] == [
        SmiStatus.PENDING,
        SmiStatus.INSTALLED_NOT_COMMISSIONED,
    ]
