"""Scripted sequences: the meters carry supply and auxiliary load state from Command to
Command (a write followed by a read returns what was written), across a save and reload
of their state, with the history of who changed what."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from opendcc.devices import supply, supply_auxiliary, supply_events  # noqa: F401
from opendcc.devices.simulator import DeviceContext, DeviceSimulator
from opendcc.devices.state import DeviceState
from opendcc.devices.supply_auxiliary_state import AuxiliaryLoadControl, Channel, randomisation
from opendcc.devices.supply_state import (
    CONSUMER,
    Refused,
    SupplyChange,
    SupplyRefusal,
    SupplyState,
    history,
    switch_of,
    use_credit_check,
)
from opendcc.gbcs.security import GbcsSecurity
from opendcc.transform import supply as supply_transforms  # noqa: F401
from opendcc.transform import supply_auxiliary as auxiliary_transforms  # noqa: F401
from opendcc.transform.supply_objects import (
    APC_LEVEL_SCRIPT_TABLE,
    RANDOMISED_OFFSET_LIMIT,
    ControllerParameter,
    controller_parameter,
    description,
)
from tests.catalogue.supply.cases import INLINE_BODIES
from tests.catalogue.supply.harness import (
    ESME,
    GSME,
    LOAD_CONTROLLER,
    RTDS_NOW,
    SUPPLIER,
    Meter,
    body,
)

ENABLE, DISABLE, ARM, READ = (
    body("<sr:EnableSupply/>"),
    body("<sr:DisableSupply/>"),
    body("<sr:ArmSupply/>"),
    body("<sr:ReadSupplyStatus/>"),
)
pytestmark = pytest.mark.conformance


def _reload(meter: Meter) -> None:
    """Save the meter's state and read it back, as the hub does between Commands."""
    meter.state = DeviceState.from_json(meter.device, meter.state.to_json())


def _esme_state(meter: Meter, at: object = RTDS_NOW) -> str:
    answer = meter.send("7.4", READ, at=at)  # type: ignore[arg-type]
    value: str = answer.values["SupplyState"]
    return value


def _gsme_state(meter: Meter) -> str:
    answer = meter.send("7.4", READ)
    assert answer.decoded is not None
    value: str = answer.decoded.payload.to_json()["values"]["data"]["SupplyState"]
    return value


def test_disable_supply_then_read_supply_status_shows_disabled(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    assert _esme_state(esme) == "Connected"
    assert esme.send("7.2", DISABLE).values == {"DisconnectControlScriptTable.execute": "success"}
    _reload(esme)
    assert _esme_state(esme) == "Disconnected"
    esme.send("7.3", ARM)
    _reload(esme)
    assert _esme_state(esme) == "ReadyForReconnection"
    esme.send("7.1", ENABLE)
    assert _esme_state(esme) == "Connected"
    changes = history(esme.state)
    assert [(c.before, c.after) for c in changes] == [
        (SupplyState.ENABLED, SupplyState.DISABLED),
        (SupplyState.DISABLED, SupplyState.ARMED),
        (SupplyState.ARMED, SupplyState.ENABLED),
    ]
    assert all(c.by == str(SUPPLIER) and c.at == RTDS_NOW for c in changes)


def test_gas_valve_disable_arm_and_read(security: GbcsSecurity) -> None:
    gsme = Meter(security, GSME)
    assert _gsme_state(gsme) == "Enabled"
    gsme.send("7.2", DISABLE)
    _reload(gsme)
    assert _gsme_state(gsme) == "Disabled"
    armed = gsme.send("7.3", ARM)
    assert armed.decoded is not None
    assert armed.decoded.payload.to_json()["values"]["data"]["SupplyStatus"] == "Armed"
    _reload(gsme)
    assert _gsme_state(gsme) == "Armed"


def test_consumer_restores_an_armed_meter_only(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    context = esme.context(RTDS_NOW + timedelta(hours=1))
    refused = supply_events.consumer_restores_supply(context)
    assert isinstance(refused, Refused) and refused.reason is SupplyRefusal.NOT_FROM_STATE
    esme.send("7.3", ARM)
    later = esme.context(RTDS_NOW + timedelta(hours=2))
    change = supply_events.consumer_restores_supply(later)
    assert isinstance(change, SupplyChange) and change.after is SupplyState.ENABLED
    assert change.by == CONSUMER and switch_of(esme.state).since == later.now
    assert _esme_state(esme) == "Connected"


@pytest.fixture
def no_credit() -> Iterator[list[bool]]:
    """A prepayment meter whose credit is exhausted until the list says otherwise."""
    credit = [False]
    previous = use_credit_check(lambda _context: credit[0])
    yield credit
    use_credit_check(previous)


def test_prepayment_credit_governs_enabling(security: GbcsSecurity, no_credit: list[bool]) -> None:
    esme = Meter(security, ESME)
    context = esme.context(RTDS_NOW)
    alerts = supply_events.credit_exhausted(context, supplier=SUPPLIER)
    assert switch_of(esme.state).supply_state is SupplyState.DISABLED
    built = esme.emit(context)
    assert [a.payload.to_json()["values"]["AlertCode"] for a in built] == ["8F0F"]
    assert len(alerts) == 1 and built[0].message.recipient == SUPPLIER
    refused = esme.send("7.1", ENABLE)
    assert refused.apdu["responses"][0]["result"] == "temporary-failure"
    assert _esme_state(esme) == "Disconnected"
    no_credit[0] = True
    restored = esme.context(RTDS_NOW + timedelta(minutes=5))
    supply_events.credit_restored(restored, supplier=SUPPLIER)
    assert [a.payload.to_json()["values"]["AlertCode"] for a in esme.emit(restored)] == ["8F32"]
    assert switch_of(esme.state).supply_state is SupplyState.ARMED
    pressed = supply_events.consumer_restores_supply(esme.context(RTDS_NOW + timedelta(minutes=6)))
    assert isinstance(pressed, SupplyChange) and pressed.after is SupplyState.ENABLED


def test_credit_restored_does_not_undo_a_supplier_disablement(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    esme.send("7.2", DISABLE)
    assert supply_events.credit_restored(esme.context(RTDS_NOW), supplier=SUPPLIER) == ()
    assert switch_of(esme.state).supply_state is SupplyState.DISABLED


def test_non_disablement_period_keeps_supply(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    context = esme.context(RTDS_NOW)
    supply_events.credit_exhausted(context, supplier=SUPPLIER, non_disablement=True)
    assert switch_of(esme.state).supply_state is SupplyState.ENABLED
    assert [a.payload.to_json()["values"]["AlertCode"] for a in esme.emit(context)] == ["8F83"]


def test_load_limit_arms_then_restores_after_the_period(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    esme.send("7.4", READ)  # the Supplier is known to the meter from its Commands
    context = esme.context(RTDS_NOW)
    supply_events.load_limit_exceeded(context, timedelta(minutes=15))
    assert [a.payload.to_json()["values"]["AlertCode"] for a in esme.emit(context)] == ["8F33"]
    assert _esme_state(esme) == "ReadyForReconnection"
    assert esme.state.next_wake == RTDS_NOW + timedelta(minutes=15)
    _reload(esme)
    assert esme.wake(RTDS_NOW + timedelta(minutes=10)) == []
    woken = esme.wake(RTDS_NOW + timedelta(minutes=15))
    assert [a.payload.to_json()["values"]["AlertCode"] for a in woken] == ["8F34"]
    assert woken[0].message.recipient == SUPPLIER
    assert _esme_state(esme, RTDS_NOW + timedelta(minutes=16)) == "Connected"


def test_tamper_lock_blocks_the_consumer_until_the_supplier_acts(security: GbcsSecurity) -> None:
    gsme = Meter(security, GSME)
    context = gsme.context(RTDS_NOW)
    supply_events.tamper(context, 0x8F75, supplier=SUPPLIER, lock_supply=True)
    codes = [a.payload.to_json()["values"]["alert"]["AlertCode"] for a in gsme.emit(context)]
    assert codes == ["8F75", "81BE"]
    gsme.send("7.3", ARM)
    assert switch_of(gsme.state).locked is False
    change = supply_events.consumer_restores_supply(gsme.context(RTDS_NOW + timedelta(hours=1)))
    assert isinstance(change, SupplyChange)


def test_a_locked_supply_cannot_be_restored_by_the_consumer(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    esme.send("7.3", ARM)
    supply_events.tamper(esme.context(RTDS_NOW), 0x8F74, supplier=SUPPLIER, lock_supply=True)
    switch_of(esme.state).state = SupplyState.ARMED.value  # as if re-armed locally
    refused = supply_events.consumer_restores_supply(esme.context(RTDS_NOW))
    assert isinstance(refused, Refused) and refused.reason is SupplyRefusal.LOCKED


# --- auxiliary load control ------------------------------------------------------------------


def _switch_states(meter: Meter, at: object) -> list[bool]:
    values = meter.send("7.7", body("<sr:ReadALCSData/>"), at=at).values  # type: ignore[arg-type]
    return [values[f"AuxiliaryLoadControlSwitch{n}.OutputState"] for n in range(1, 6)]


def _states(meter: Meter, at: object) -> list[str]:
    element = body("<sr:ReadAuxiliaryControllerOperationalData/>")
    values = meter.send("7.15", element, at=at).values  # type: ignore[arg-type]
    return [values[f"AuxiliaryControllerState{n}"] for n in range(1, 6)]


def test_activate_for_a_duration_then_the_calendar_resumes(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    assert _switch_states(esme, RTDS_NOW) == [False] * 5
    esme.send("7.5", body(INLINE_BODIES["ECS47Activate_7.5"]))  # controller 1, 30 minutes
    _reload(esme)
    assert _switch_states(esme, RTDS_NOW + timedelta(minutes=29)) == [True] + [False] * 4
    assert (
        _states(esme, RTDS_NOW + timedelta(minutes=1))[0] == '{"outputState": 100, "inputState": 0}'
    )
    assert _switch_states(esme, RTDS_NOW + timedelta(minutes=31)) == [False] * 5
    esme.send("7.5", body(INLINE_BODIES["ECS47Activate_7.5"]), at=RTDS_NOW + timedelta(hours=1))
    esme.send(
        "7.8",
        body('<sr:ResetAuxiliaryLoad><sr:ResetALCSHCALCS index="1"/></sr:ResetAuxiliaryLoad>'),
        at=RTDS_NOW + timedelta(hours=1, minutes=1),
    )
    assert _switch_states(esme, RTDS_NOW + timedelta(hours=1, minutes=2)) == [False] * 5


def test_set_auxiliary_controller_state_applies_over_its_period(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    element = body(INLINE_BODIES["ECS47a_7.13_APC_OUTPUT"])  # controller 5 to 100 %
    esme.send("7.13", element)  # 2015-01-03T00:00 to 01:00
    _reload(esme)
    start = RTDS_NOW + timedelta(days=2)
    assert _switch_states(esme, start - timedelta(minutes=1))[4] is False
    assert _switch_states(esme, start + timedelta(minutes=30))[4] is True
    assert _switch_states(esme, start + timedelta(hours=1))[4] is False


def _boost_body(element: str, item: str, chosen: set[int]) -> str:
    flags = "".join(
        f'<sr:{item} index="{n}">{"true" if n in chosen else "false"}</sr:{item}>'
        for n in range(1, 6)
    )
    return f"<sr:{element}>{flags}</sr:{element}>"


def test_boost_button_associations_presses_and_log(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    add = _boost_body("AddAuxiliaryLoadToBoostButton", "AddToBoostButton", {1, 2})
    esme.send("7.9", body(add))
    pressed_at = RTDS_NOW + timedelta(hours=3)
    assert supply_events.boost_pressed(esme.context(pressed_at)) == (1, 2)
    assert _switch_states(esme, pressed_at + timedelta(minutes=30))[:3] == [True, True, False]
    remove = _boost_body("RemoveAuxiliaryLoadFromBoostButton", "RemoveFromBoostButton", {2})
    esme.send("7.10", body(remove), at=pressed_at + timedelta(hours=2))
    _reload(esme)
    read = (
        "<sr:ReadBoostButtonDetails><sr:ReadLogPeriod>"
        "<sr:StartDateTime>2015-01-01T00:00:00Z</sr:StartDateTime>"
        "<sr:EndDateTime>2015-01-02T00:00:00Z</sr:EndDateTime>"
        "</sr:ReadLogPeriod></sr:ReadBoostButtonDetails>"
    )
    values = esme.send("7.11", body(read), at=pressed_at + timedelta(hours=3)).values
    assert [values[f"BoostFunctionControl{n}Value"] for n in range(1, 6)] == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert values["BoostButtonEventLog"] == [
        {"BoostStart": "2015-01-01T03:00:00+00:00", "BoostEnd": "2015-01-01T04:00:00+00:00"}
    ]
    outside = read.replace("2015-01-01T00", "2015-01-01T05")
    values = esme.send("7.11", body(outside), at=pressed_at + timedelta(hours=4)).values
    assert values["BoostButtonEventLog"] == []


def test_randomised_offset_limit_is_kept(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    element = body(INLINE_BODIES["ECS38_7.12"])  # 900 s
    assert esme.send("7.12", element).values == {"RandomisedOffsetLimit": "success"}
    _reload(esme)
    assert esme.state.get(AuxiliaryLoadControl).randomised_offset_limit == 900
    first = randomisation(esme.state)
    assert first.limit == 900 and 0 <= first.offset <= 900
    assert randomisation(DeviceState.from_json(ESME, esme.state.to_json())) == first


_HARDWARE = {"error": "hardware-fault", "code": 1}
_NOT_TRIED = {"error": "other-reason", "code": 250}


def _offset_limit(seconds: int) -> object:
    return body(INLINE_BODIES["ECS38_7.12"].replace(">900<", f">{seconds}<"))


def test_a_faulty_store_fails_its_object_until_cleared(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    esme.send("7.12", _offset_limit(900))
    supply_events.set_object_fault(esme.state, RANDOMISED_OFFSET_LIMIT)
    _reload(esme)  # the fault is Device state: it survives a save
    refused = esme.send("7.12", _offset_limit(600))
    assert refused.values == {"RandomisedOffsetLimit": _HARDWARE}
    assert esme.state.get(AuxiliaryLoadControl).randomised_offset_limit == 900
    supply_events.set_object_fault(esme.state, RANDOMISED_OFFSET_LIMIT, faulty=False)
    assert esme.send("7.12", _offset_limit(600)).values == {"RandomisedOffsetLimit": "success"}
    assert esme.state.get(AuxiliaryLoadControl).randomised_offset_limit == 600


def test_a_faulty_parameter_store_leaves_its_controller_working(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    end = controller_parameter(3, ControllerParameter.APC_LIMIT_END)
    supply_events.set_object_fault(esme.state, end)
    apc = body(INLINE_BODIES["ECS47e_7.16_APC_INPUT"])  # controller 3's input, 50 %
    answer = esme.send("7.16", apc, originator=LOAD_CONTROLLER)
    assert list(answer.values.values()) == ["success", _HARDWARE, _NOT_TRIED]
    assert answer.alerts == []  # no limit, so no ECS101
    controller = esme.state.get(AuxiliaryLoadControl).controller(3)
    assert set(controller.parameters) == {"3"}  # the start is stored, the end is not
    assert controller.channel(Channel.INPUT).limit is None
    # Controller 3 itself answers: its state reads, and a period it stores runs.
    assert _states(esme, RTDS_NOW)[2] == '{"outputState": 0, "inputState": 0}'
    state = body(INLINE_BODIES["ECS47a_7.13_APC_INPUT"])  # controller 3's input, 50 %
    assert set(esme.send("7.13", state).values.values()) == {"success"}


def test_a_faulty_script_table_runs_no_script(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    supply_events.set_object_fault(esme.state, APC_LEVEL_SCRIPT_TABLE)
    apc = body(INLINE_BODIES["ECS47e_7.16_APC_INPUT"])
    answer = esme.send("7.16", apc, originator=LOAD_CONTROLLER)
    assert list(answer.values.values()) == ["success", "success", _HARDWARE]
    assert esme.state.get(AuxiliaryLoadControl).controller(3).channel(Channel.INPUT).limit is None


def test_a_faulty_description_fails_its_read_only(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    supply_events.set_object_fault(esme.state, description(3))
    read = esme.send("7.14", body(INLINE_BODIES["ECS61d_7.14"]))
    codes = [r["code"] for r in read.apdu["responses"]]
    assert codes == [0, 0, 1, 250, 250, 250, 250]
    assert "0-0:94.44.0.13" in esme.state.get(AuxiliaryLoadControl).faulty_objects
    # Everything else about controller 3 answers: its HCALCS ID and its state (ECS61e).
    operational = esme.send("7.15", body(INLINE_BODIES["ECS61e_7.15"]))
    assert [r["code"] for r in operational.apdu["responses"]] == [0] * 10


@pytest.mark.parametrize("instance", ["1-0:1.8.0.255", "0-0:94.44.122.1", "not an OBIS code"])
def test_only_an_object_the_esme_has_can_be_faulty(security: GbcsSecurity, instance: str) -> None:
    esme = Meter(security, ESME)
    with pytest.raises(ValueError, match="not an auxiliary load control object"):
        supply_events.set_object_fault(esme.state, instance)
    assert esme.state.get(AuxiliaryLoadControl).faulty_objects == []


def test_state_sections_survive_json(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    esme.send("7.16", body(INLINE_BODIES["ECS47e_7.16_APC_INPUT"]), originator=SUPPLIER)
    esme.send("7.5", body(INLINE_BODIES["ECS47Activate_7.5"]))
    context = DeviceContext(RTDS_NOW, ESME, esme.state, security)
    supply_events.boost_pressed(context)
    text = esme.state.to_json()
    again = DeviceState.from_json(ESME, text)
    assert again.get(AuxiliaryLoadControl) == esme.state.get(AuxiliaryLoadControl)
    assert again.to_json() == text


def test_waking_a_meter_does_not_give_it_supply_sections(security: GbcsSecurity) -> None:
    state = DeviceState(ESME)
    DeviceSimulator(security).wake(state, RTDS_NOW)
    stored = json.loads(state.to_json())
    assert "supply" not in stored and "auxiliary_load_control" not in stored
