"""The Device-held future-dated mechanism: hold, survive a save/load, wake, execute, alert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from opendcc.devices import future_dated as fd
from opendcc.devices.simulator import AlertSpec, DeviceCommand, DeviceContext, DeviceSimulator
from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.smki.keystore import Keystore
from tests.reference import require_reference

ESME = Device(
    Eui64.parse("00-DB-12-34-56-78-90-A0"),
    DeviceType.ESME,
    SmiStatus.COMMISSIONED,
    datetime(2020, 1, 1, tzinfo=UTC),
    CspRegion.CENTRAL,
)
SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def executor() -> Iterator[list[int]]:
    executed: list[int] = []

    def run(command: DeviceCommand, context: DeviceContext) -> list[AlertSpec]:
        executed.append(command.counter)
        return [
            AlertSpec(
                0x00CC,
                b"\x0f" + command.counter.to_bytes(8, "big"),
                command.remote_party,
                critical=False,
            )
        ]

    fd._EXECUTORS["TEST01"] = run
    yield executed
    del fd._EXECUTORS["TEST01"]


@pytest.mark.conformance
def test_held_command_runs_once_when_due_and_raises_its_alert(executor: list[int]) -> None:
    security = GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))
    message = build.command(
        b"\x01\x02",
        originator=SUPPLIER,
        recipient=ESME.device_id,
        counter=77,
        message_code=0x0027,
        security=security,
    )
    state = DeviceState(ESME)
    context = DeviceContext(T0, ESME, state, security)
    command = DeviceCommand(decode_message(message.encode()), message, "TEST01")  # type: ignore[arg-type]
    fd.hold(command, context, T0 + timedelta(hours=1), key="tariff")
    assert state.next_wake == T0 + timedelta(hours=1)

    # The state survives being written out and read back (as across a restart).
    restored = DeviceState.from_json(ESME, state.to_json(), next_wake=state.next_wake)
    simulator = DeviceSimulator(security)
    assert simulator.wake(restored, T0 + timedelta(minutes=30)) == ()
    assert executor == [] and restored.next_wake == T0 + timedelta(hours=1)
    alerts = simulator.wake(restored, T0 + timedelta(hours=1))
    assert executor == [77]
    assert len(alerts) == 1 and alerts[0][0].recipient == SUPPLIER
    assert restored.next_wake is None
    assert simulator.wake(restored, T0 + timedelta(hours=2)) == ()
    assert executor == [77]


def test_a_later_hold_with_the_same_key_replaces_and_cancel_drops() -> None:
    state = DeviceState(ESME)
    context = DeviceContext(T0, ESME, state, None)  # type: ignore[arg-type]
    for counter in (1, 2):
        message = build.pre_command(
            b"\x00",
            originator=SUPPLIER,
            recipient=ESME.device_id,
            counter=counter,
            message_code=0x0019,
        )
        fd.hold(
            DeviceCommand(message, message, "ECS01a"),
            context,  # type: ignore[arg-type]
            T0 + timedelta(days=counter),
            key="tariff",
        )
    assert [p["counter"] for p in fd.pending(context)] == [2]
    assert fd.cancel(context, key="tariff") == 1
    assert fd.pending(context) == []
    assert fd.is_cancellation(datetime(3000, 12, 31, 0, 0, tzinfo=UTC))
