"""The Alerts of the configuration family: Device-held future-dated activations (8F66 in the
DLMS form, 0x00CC) and the CHF's sub-GHz Alerts (DBCH06 to DBCH11).

The future-dated ones are signed by the Device (not reproducible), so their payloads are
compared with the reference Alerts except the invoke id (the Device's own alert counter);
the sub-GHz Alerts are MACed and, with the vector's counter, byte for byte identical.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from opendcc.devices import config  # noqa: F401
from opendcc.devices import config_dlms as dlms
from opendcc.devices.config_api import inject_fault
from opendcc.devices.config_cosem import read_value
from opendcc.devices.simulator import (
    AlertCounter,
    AlertSpec,
    DeviceContext,
    DeviceSimulator,
    Outcome,
)
from opendcc.devices.state import DeviceState
from opendcc.gbcs import build
from opendcc.gbcs.codec import decode
from opendcc.gbcs.context import Cra, PayloadContext
from opendcc.gbcs.dlms import decode as decode_dlms
from opendcc.gbcs.dlms.apdu import DataNotification
from opendcc.gbcs.dlms.data import Boolean, DoubleLongUnsigned
from opendcc.gbcs.frame import decode_message
from tests.catalogue.config import cases
from tests.catalogue.config import support as s
from tests.catalogue.config.shapes import shape
from tests.catalogue.config.test_device_vectors import command_for
from tests.reference import MISSING, check_present, reference_params


def alert_vectors() -> list[object]:
    params = [pytest.param(path, id=path.name) for path in cases.vectors() if "_8F66_" in path.name]
    return params or [pytest.param(MISSING, id="reference-missing")]


def _notification(message_bytes: bytes) -> DataNotification:
    message = decode_message(message_bytes)
    context = PayloadContext(
        Cra.ALERT,
        message.message_code,
        None,
        message.originator,
        message.recipient,
        message.counter,
    )
    apdu = decode_dlms(message.payload, context).apdu
    assert isinstance(apdu, DataNotification)
    return apdu


@pytest.mark.conformance
@pytest.mark.parametrize("path", alert_vectors())
def test_held_activation_raises_the_reference_alert(path: Path) -> None:
    check_present(path)
    vector = cases.Vector.of(path)
    raw = bytes.fromhex(path.read_text().strip())
    expected = _notification(raw)
    identification = expected.body.items[2].value  # type: ignore[attr-defined]
    counter = int.from_bytes(identification[2:10], "big")
    request = cases.request(vector.stem, use_case=vector.use_case, counter=counter)
    assert request.execution_at is not None
    command, _ = command_for(request)
    state = DeviceState(request.device)
    simulator = DeviceSimulator(s.device_security())
    answered = simulator.process(command, state, s.RTDS_NOW)
    assert answered.outcome is Outcome.RESPONDED
    assert state.next_wake == request.execution_at
    assert simulator.wake(state, request.execution_at - timedelta(seconds=1)) == ()
    alerts = simulator.wake(state, request.execution_at)
    ours = {_notification(message).body: message for _, message in alerts}
    assert expected.body in ours, "no Alert with the reference body"
    message = ours[expected.body]
    assert shape(message, s.device_security()) == shape(raw, s.device_security())
    assert s.signed_by_device(decode_message(message))
    assert decode_message(message).recipient == s.SUPPLIER


def _dcc_alert_bytes(device_state: DeviceState, raise_it: object, counter: int) -> bytes:
    context = DeviceContext(s.RTDS_NOW, device_state.device, device_state, s.device_security())
    device_state.get(AlertCounter).next = counter - 1
    raise_it(context)  # type: ignore[operator]
    (spec,) = context.alerts
    assert isinstance(spec, AlertSpec)
    return build.alert(
        spec.payload,
        originator=device_state.device.device_id,
        recipient=spec.recipient,
        counter=counter,
        message_code=spec.message_code,
        security=s.device_security(),
        critical=spec.critical,
    ).encode()


@pytest.mark.conformance
@pytest.mark.parametrize("path", reference_params("gbcs/rtds", "DBCH*_NA_*ALERT*.HEX"))
def test_radio_management_alerts_are_the_reference_bytes(path: Path) -> None:
    check_present(path)
    raw = bytes.fromhex(path.read_text().strip())
    expected = decode_message(raw)
    chf = DeviceState(s.device(0xA2))
    gsme, esme = s.eui(0xA1), s.eui(0xA0)
    code = expected.message_code
    if code == dlms.DBCH06:
        ours = _dcc_alert_bytes(chf, lambda c: dlms.raise_duty_cycle_action(c, gsme), 4000)
    elif code == dlms.DBCH10:
        ours = _dcc_alert_bytes(
            chf, lambda c: dlms.raise_message_discarded(c, s.SUPPLIER, esme, 1, 1000), 4000
        )
    elif code == dlms.DBCH11:
        ours = _dcc_alert_bytes(chf, lambda c: dlms.raise_no_capacity(c, gsme), 4000)
    else:
        pytest.skip("raised by a Command: see the DBCH04 and DBCH05 tests")
    assert ours.hex().upper() == raw.hex().upper()


@pytest.mark.conformance
def test_a_configuration_change_raises_dbch09_as_the_reference() -> None:
    path = s.vector_path("DBCH04_6.28_NA_SUCCESS_ALERT_DBCH09_GBCS.HEX")
    raw = bytes.fromhex(path.read_text().strip())
    request = cases.request("DBCH04_6.28", use_case="DBCH04", counter=1000, dcc_counter=1300)
    command, _ = command_for(request)
    state = DeviceState(request.device)
    state.get(AlertCounter).next = 3999
    result = DeviceSimulator(s.device_security()).process(command, state, s.RTDS_NOW)
    assert result.outcome is Outcome.RESPONDED
    ((spec, message),) = result.alerts
    assert spec.recipient == s.ACB
    # The simulator stamps the Alert's header with the time; the reference leaves it out.
    rebuilt = build.alert(
        spec.payload,
        originator=s.eui(0xA2),
        recipient=s.ACB,
        counter=4000,
        message_code=spec.message_code,
        security=s.device_security(),
    )
    assert rebuilt.encode().hex().upper() == raw.hex().upper()
    assert decode(message, s.device_security()).mac.valid is True
    # Setting the same configuration again changes nothing and raises nothing.
    request = cases.request("DBCH04_6.28", use_case="DBCH04", counter=1001, dcc_counter=1301)
    command, _ = command_for(request)
    again = DeviceSimulator(s.device_security()).process(command, state, s.RTDS_NOW)
    assert again.outcome is Outcome.RESPONDED and again.alerts == ()


@pytest.mark.conformance
def test_a_channel_scan_moves_to_a_quieter_channel_and_reports_it() -> None:
    """6.29 then 6.31 and 6.32: a scan that finds a quieter channel moves the CHF there
    (DBCH08 outcome, DBCH07 channel changed, as the reference Alerts lay them out); the
    operating channel and the channel log read it back."""
    simulator = DeviceSimulator(s.device_security())
    state = DeviceState(s.device(0xA2))
    before = read_value(state, 1, "0-0:94.44.10.2", 2)
    security = s.device_security()
    moved_on = None
    for day in range(10):
        when = s.RTDS_NOW + timedelta(days=day)
        req = cases.request(
            "DBCH05_6.29", use_case="DBCH05", counter=1000 + day, dcc_counter=1300 + day, now=when
        )
        command, _ = command_for(req)
        result = simulator.process(command, state, when)
        assert result.outcome is Outcome.RESPONDED
        by_code = {spec.message_code: message for spec, message in result.alerts}
        reference = s.vector("DBCH08_NA_8F28_ALERT_GBCS.HEX")
        assert shape(by_code[dlms.DBCH08], security) == shape(reference, security)
        if dlms.DBCH07 in by_code:
            reference = s.vector("DBCH07_NA_8F26_ALERT_GBCS.HEX")
            assert shape(by_code[dlms.DBCH07], security) == shape(reference, security)
            moved_on = when
            break
    assert moved_on is not None, "no scan in ten days found a quieter channel"
    after = read_value(state, 1, "0-0:94.44.10.2", 2)
    assert after != before
    # 6.31 reads the new channel; 6.32 finds the move in the channel log.
    read = cases.request("DBCH01_6.31", use_case="DBCH01", counter=2000, dcc_counter=2000)
    command, _ = command_for(read)
    answered = simulator.process(command, state, moved_on + timedelta(hours=1))
    assert answered.response is not None
    values = decode(answered.response, security).payload.to_json()["values"]
    assert values["OperatingSubGHzChannel"] == after.bits  # type: ignore[union-attr]
    log = cases.request(
        "DBCH02_6.32",
        use_case="DBCH02",
        counter=2001,
        dcc_counter=2001,
        now=moved_on + timedelta(hours=1),
    )
    log = replace(log, body=cases.log_period(moved_on - timedelta(hours=1), moved_on))
    command, _ = command_for(log)
    answered = simulator.process(command, state, moved_on + timedelta(hours=1))
    assert answered.response is not None
    apdu = decode(answered.response, security).payload.to_json()["apdu"]
    entries = apdu["responses"][0]["data"]["items"]
    assert len(entries) == 1 and entries[0]["items"][1]["bits"] == after.bits  # type: ignore[union-attr]


def test_load_limit_values_take_effect_only_when_the_held_command_falls_due() -> None:
    """6.4.1 future dated: passive values now, active values (what ECS27 reads) at the
    execution time; a cancellation (3000-12-31) drops the held activation."""
    simulator = DeviceSimulator(s.device_security())
    future = cases.request("ECS28a_6.4.1_FUTURE_DATED", use_case="ECS28a", counter=1004)
    state = DeviceState(future.device)
    command, _ = command_for(future)
    assert simulator.process(command, state, s.RTDS_NOW).outcome is Outcome.RESPONDED
    assert read_value(state, 71, "0-0:17.0.0.255", 4) == DoubleLongUnsigned(0)
    assert read_value(state, 9000, "0-0:94.44.128.7", 4) == DoubleLongUnsigned(6900)
    assert future.execution_at is not None
    alerts = simulator.wake(state, future.execution_at)
    assert len(alerts) == 4
    assert read_value(state, 71, "0-0:17.0.0.255", 4) == DoubleLongUnsigned(6900)
    assert read_value(state, 71, "0-0:17.0.0.255", 6) == DoubleLongUnsigned(300)
    assert read_value(state, 71, "0-0:17.0.0.255", 7) == DoubleLongUnsigned(30)
    assert read_value(state, 9000, "0-0:94.44.0.3", 2) == Boolean(False)

    # Held again, then cancelled: nothing happens at the time.
    again = cases.request("ECS28a_6.4.1_FUTURE_DATED", use_case="ECS28a", counter=1010)
    command, _ = command_for(again)
    assert simulator.process(command, state, s.RTDS_NOW).outcome is Outcome.RESPONDED
    assert state.next_wake is not None
    cancel = cases.request("ECS28a_6.4.1_CANCELLATION", use_case="ECS28a", counter=1011)
    command, _ = command_for(cancel)
    assert simulator.process(command, state, s.RTDS_NOW).outcome is Outcome.RESPONDED
    assert simulator.wake(state, future.execution_at + timedelta(days=1)) == ()


def test_immediate_load_limit_settings_apply_at_once() -> None:
    simulator = DeviceSimulator(s.device_security())
    request = cases.request("ECS28a_6.4.1_IMMEDIATE", use_case="ECS28a", counter=1002)
    state = DeviceState(request.device)
    command, _ = command_for(request)
    result = simulator.process(command, state, s.RTDS_NOW)
    assert result.outcome is Outcome.RESPONDED and result.alerts == ()
    assert read_value(state, 71, "0-0:17.0.0.255", 4) == DoubleLongUnsigned(6900)
    assert read_value(state, 9000, "0-0:94.44.0.3", 2) == Boolean(True)
    assert state.next_wake is None


def test_an_activation_that_cannot_be_made_raises_8f67() -> None:
    simulator = DeviceSimulator(s.device_security())
    future = cases.request("ECS28a_6.4.1_FUTURE_DATED", use_case="ECS28a", counter=1004)
    state = DeviceState(future.device)
    command, _ = command_for(future)
    simulator.process(command, state, s.RTDS_NOW)
    inject_fault(state, "9000/0-0:94.44.128.7/6")
    assert future.execution_at is not None
    alerts = simulator.wake(state, future.execution_at)
    codes = [_notification(m).body.items[0].value for _, m in alerts]  # type: ignore[attr-defined]
    assert codes == [dlms.EXECUTED, dlms.NOT_EXECUTED, dlms.EXECUTED, dlms.EXECUTED]
    assert read_value(state, 71, "0-0:17.0.0.255", 4) == DoubleLongUnsigned(0)


def test_dlms_alert_invoke_ids_follow_the_alert_counter() -> None:
    simulator = DeviceSimulator(s.device_security())
    future = cases.request("ECS28a_6.4.1_FUTURE_DATED", use_case="ECS28a", counter=1004)
    state = DeviceState(future.device)
    state.get(AlertCounter).next = 2003
    command, _ = command_for(future)
    simulator.process(command, state, s.RTDS_NOW)
    assert future.execution_at is not None
    alerts = simulator.wake(state, future.execution_at)
    for _, message in alerts:
        header = decode_message(message)
        assert _notification(message).invoke.invoke_id == header.counter
    assert [decode_message(m).counter for _, m in alerts] == [2004, 2005, 2006, 2007]
