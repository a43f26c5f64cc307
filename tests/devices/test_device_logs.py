"""The simulated Devices' Event, Security and Power Event logs carry what happened
(``devices.device_logs``), read back with 6.13 as a User would: one test per kind of change,
each entry with its GBCS code, the Device's clock time and in the right log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from opendcc.devices import catalogue  # noqa: F401  (every family's handlers)
from opendcc.devices.config_api import device_time
from opendcc.devices.config_cosem import write_value
from opendcc.devices.device_logs import CHANGES, Change, clear, record
from opendcc.devices.reads_state import LOG_CAPACITY, EventLogs, LogKind
from opendcc.devices.simulator import Outcome
from opendcc.devices.supply_events import (
    consumer_restores_supply,
    power_outage,
    power_restored,
    set_switch_faults,
    tamper,
)
from opendcc.gbcs.alert_codes import lookup
from opendcc.gbcs.dlms.data import BitString
from opendcc.gbcs.security import GbcsSecurity
from opendcc.transform import catalogue as transforms  # noqa: F401
from tests.catalogue.supply.harness import (
    CHF,
    ESME,
    GSME,
    NETWORK_OPERATOR,
    RTDS_NOW,
    SUPPLIER,
    Meter,
    body,
    meter_keystore,
)

LATER = RTDS_NOW + timedelta(minutes=5)
DISABLE, ARM, ENABLE = (
    body("<sr:DisableSupply/>"),
    body("<sr:ArmSupply/>"),
    body("<sr:EnableSupply/>"),
)


@pytest.fixture(scope="module")
def security() -> GbcsSecurity:
    return GbcsSecurity(meter_keystore())


def _read(log: str) -> object:
    return body(
        "<sr:ReadEventOrSecurityLog><sr:ReadLogPeriod>"
        "<sr:StartDateTime>2014-12-31T00:00:00Z</sr:StartDateTime>"
        "<sr:EndDateTime>2015-01-02T00:00:00Z</sr:EndDateTime>"
        f"</sr:ReadLogPeriod><sr:LogToRead>{log}</sr:LogToRead></sr:ReadEventOrSecurityLog>"
    )


def _entries(meter: Meter, log: str = "Event") -> list[tuple[str, str, str]]:
    """(time, code, other information) of each entry 6.13 reads back over the Device."""
    answer = meter.send("6.13", _read(log), at=LATER)  # type: ignore[arg-type]
    values = answer.values
    if "data" in values:  # GSME: ZigBee PublishEventLog
        rows = values["data"]["Log"]["LogEntry"]
    else:
        rows = values["EventLog" if log == "Event" else "SecurityLog"]
    return [
        (
            str(datetime.fromisoformat(r["Timestamp"].replace("Z", "+00:00"))),
            r["LogCode"].upper(),
            r.get("OtherInformation", "").upper(),
        )
        for r in rows
    ]


def _clock(meter: Meter, at: datetime = RTDS_NOW) -> str:
    """The Device's clock at the hub's ``at``, as its logs stamp it (whole seconds)."""
    return str(device_time(meter.state, at).replace(microsecond=0))


def test_disable_supply_is_logged_as_the_command_carried_out(security: GbcsSecurity) -> None:
    """7.2 (ECS43): GBCS has no event code of its own for a remote disablement; the ESME's
    Event Log records the Command carried out, 0x8154 with ECS43's message code 0x0050, at
    the ESME's clock (not the hub's)."""
    meter = Meter(security, ESME)
    assert _entries(meter) == []  # the read itself is logged after it answers
    meter.send("7.2", DISABLE)
    entries = _entries(meter)
    assert (_clock(meter), "8154", "0050") in entries
    assert _entries(meter, "Security") == []


def test_arm_logs_supply_armed_and_a_refusal_logs_not_actioned(security: GbcsSecurity) -> None:
    meter = Meter(security, ESME)
    meter.send("7.3", ARM)
    assert {(c, o) for _, c, o in _entries(meter)} >= {("8F32", ""), ("8154", "0051")}
    set_switch_faults(meter.state, actuator=True, sensor=False)
    meter.send("7.1", ENABLE, at=RTDS_NOW + timedelta(minutes=1))
    stamp = _clock(meter, RTDS_NOW + timedelta(minutes=1))
    assert (stamp, "8155", "004F") in _entries(meter)  # the switch did not move


def test_a_gsme_logs_in_its_zigbee_event_log(security: GbcsSecurity) -> None:
    meter = Meter(security, GSME)
    meter.send("7.2", DISABLE)
    assert (_clock(meter), "8154", "0081") in _entries(meter)  # GCS32


def test_consumer_and_tamper_changes(security: GbcsSecurity) -> None:
    meter = Meter(security, ESME)
    meter.send("7.3", ARM)
    restored_at = RTDS_NOW + timedelta(minutes=1)
    consumer_restores_supply(meter.context(restored_at))
    tampered_at = RTDS_NOW + timedelta(minutes=2)
    context = meter.context(tampered_at)
    tamper(context, 0x8F74, supplier=SUPPLIER, lock_supply=True)
    alerts = meter.emit(context)
    assert len(alerts) == 2  # 0x8F74 meter cover removed, 0x81BE supply locked
    events = _entries(meter)
    assert (_clock(meter, restored_at), "8161", "") in events
    locked = [e for e in events if e[1] == "81BE"]
    assert locked == [(_clock(meter, tampered_at), "81BE", "")]  # the change and its Alert: one
    assert (_clock(meter, tampered_at), "8F74", "") in _entries(meter, "Security")


def test_dropped_commands_go_in_the_security_log(security: GbcsSecurity) -> None:
    """A Command whose MAC fails (0x8F1E) and a replayed one (0x8F3E): the ESME drops
    both, answers neither, and its Security Log shows each."""
    meter = Meter(security, ESME)
    spec, counter = meter.transform("7.2", DISABLE)
    command = meter.command("7.2", spec, SUPPLIER, counter)  # type: ignore[arg-type]
    tampered = command[:-1] + bytes([command[-1] ^ 0x01])
    assert meter.simulator.process(tampered, meter.state, RTDS_NOW).outcome is Outcome.DISCARDED
    again = RTDS_NOW + timedelta(seconds=30)
    assert meter.simulator.process(command, meter.state, again).outcome is Outcome.RESPONDED
    replayed = RTDS_NOW + timedelta(seconds=60)
    assert meter.simulator.process(command, meter.state, replayed).outcome is Outcome.DISCARDED
    security_log = _entries(meter, "Security")
    assert security_log == [
        (_clock(meter), "8F1E", ""),
        (_clock(meter, replayed), "8F3E", ""),
    ]
    disables = [e for e in _entries(meter) if e[1:] == ("8154", "0050")]
    assert disables == [(_clock(meter, again), "8154", "0050")]  # only the one carried out


def test_clear_event_log_empties_it_and_leaves_a_trace(security: GbcsSecurity) -> None:
    """3.3 (ECS15a): the Event Log is emptied; 0x8F52 Event Log Cleared stays in the
    Security Log, which cannot be cleared."""
    meter = Meter(security, ESME)
    meter.send("7.2", DISABLE)
    meter.send("7.3", ARM)
    assert len(_entries(meter)) >= 3
    cleared_at = RTDS_NOW + timedelta(minutes=2)
    meter.send("3.3", body("<sr:ClearEventLog><sr:ESMEEventLogType>ESME</sr:ESMEEventLogType>"
                            "</sr:ClearEventLog>"), at=cleared_at)  # fmt: skip
    events = _entries(meter)
    assert all(e[0] >= _clock(meter, cleared_at) for e in events), events
    assert (_clock(meter, cleared_at), "8F52", "") in _entries(meter, "Security")


def test_a_gsme_clear_empties_its_event_log(security: GbcsSecurity) -> None:
    meter = Meter(security, GSME)
    meter.send("7.2", DISABLE)
    context = meter.context(RTDS_NOW + timedelta(minutes=1))
    clear(context, LogKind.EVENT)
    assert meter.state.get(EventLogs).entries(LogKind.EVENT) == []
    assert [e.code for e in meter.state.get(EventLogs).entries(LogKind.SECURITY)] == [0x8F52]


def test_power_events_and_alerts_go_in_the_power_event_log(security: GbcsSecurity) -> None:
    meter, hub = Meter(security, ESME), Meter(security, CHF)
    down, up = RTDS_NOW, RTDS_NOW + timedelta(minutes=10)
    power_outage(hub.context(down), down, [meter.context(down)])
    context = meter.context(up)
    power_restored(hub.context(up), up, [context], network_operator=NETWORK_OPERATOR)
    assert len(meter.emit(context)) == 1
    power = meter.state.get(EventLogs).entries(LogKind.POWER_EVENT)
    assert [(e.code, e.at) for e in power] == [
        (0x8F57, device_time(meter.state, down)),
        (0x8F36, device_time(meter.state, up)),  # restored after three minutes or more
    ]
    assert [e.code for e in hub.state.get(EventLogs).entries(LogKind.EVENT)] == [0x8F57]


def test_logging_behaviour_and_capacity(security: GbcsSecurity) -> None:
    """A code whose logging the Supplier switched off (6.22) is not logged; a log keeps its
    newest ``LOG_CAPACITY`` entries."""
    meter = Meter(security, ESME)
    state = meter.state
    for n in range(LOG_CAPACITY + 20):
        assert record(state, Change.SUPPLY_ARMED, RTDS_NOW + timedelta(seconds=n))
    entries = state.get(EventLogs).entries(LogKind.EVENT)
    assert len(entries) == LOG_CAPACITY
    assert entries[0].at == device_time(state, RTDS_NOW + timedelta(seconds=20))
    assert not record(state, Change.SUPPLY_ARMED, RTDS_NOW + timedelta(seconds=LOG_CAPACITY + 19))
    write_value(state, 1, "0-30:97.98.18.255", 2, BitString.from_bits("0" * 256))
    assert not record(state, Change.COMMAND_ACTIONED, LATER)  # 0x8154's logging is off
    assert record(state, Change.LOG_CLEARED, LATER)  # not configurable: always logged


def test_every_change_has_a_named_gbcs_code() -> None:
    assert set(CHANGES) == set(Change)
    for change, logged in CHANGES.items():
        assert lookup(logged.code) is not None, change


def test_clock_synchronised_or_not(security: GbcsSecurity) -> None:
    """6.11 (ECS70): the ESME takes the hub's time within the tolerance window and logs
    0x8145 at its new clock; outside the window it keeps its clock and logs 0x81C6."""
    meter = Meter(security, ESME)
    sync = body(
        "<sr:SynchroniseClock><sr:CurrentDateTime>2014-12-31T23:59:50Z</sr:CurrentDateTime>"
        "<sr:TolerancePeriod>60</sr:TolerancePeriod></sr:SynchroniseClock>"
    )
    meter.send("6.11", sync)
    assert (str(RTDS_NOW), "8145", "") in _entries(meter)  # clock now exactly the hub's
    late = RTDS_NOW + timedelta(hours=1)  # outside the window the Command allows
    meter.send("6.11", sync, at=late)
    assert (str(late), "81C6", "") in _entries(meter)
