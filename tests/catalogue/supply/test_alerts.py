"""The supply family's Alerts in the reference formats, and the events that raise them.

Payloads are compared byte for byte with the reference Alert vectors when the meter is put
in the same state (same alert counter, same time, same event); whole Alerts by structure
(the signatures of critical Alerts are not deterministic).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opendcc.devices import supply, supply_auxiliary, supply_events  # noqa: F401
from opendcc.devices.simulator import AlertCounter, AlertSpec, DeviceContext
from opendcc.devices.supply_alerts import (
    apc_limit_ended,
    apc_limit_processed,
    command_not_supported,
    generic,
    operational_update,
    supply_outage_restored,
)
from opendcc.devices.supply_auxiliary_state import (
    AuxiliaryControllerConfiguration,
    ControllerKind,
    default_configuration,
    use_configuration_source,
)
from opendcc.devices.supply_state import SupplyState, switch_of
from opendcc.gbcs.alert_codes import alert_code_in
from opendcc.gbcs.codec import decode
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import DeviceType
from opendcc.transform import supply as supply_transforms  # noqa: F401
from opendcc.transform import supply_auxiliary as auxiliary_transforms  # noqa: F401
from opendcc.transform.supply_objects import controller_octet
from tests.catalogue.supply.cases import INLINE_BODIES
from tests.catalogue.supply.harness import (
    ACB,
    CHF,
    ESME,
    GSME,
    LOAD_CONTROLLER,
    NETWORK_OPERATOR,
    RTDS_NOW,
    SUPPLIER,
    Meter,
    body,
    device,
    vector,
)
from tests.catalogue.supply.shapes import frame_shape, payload_shape

pytestmark = pytest.mark.conformance
HCALCS_A6 = device("00-DB-12-34-56-78-90-A6", DeviceType.HCALCS)


def _context(meter: Meter, at: datetime, next_counter: int) -> DeviceContext:
    meter.state.get(AlertCounter).next = next_counter - 1
    return meter.context(at)


def _same_as_reference(
    meter: Meter, context: DeviceContext, spec: AlertSpec, folder: str, name: str
) -> None:
    """The spec's payload is the reference payload, and the Alert the meter builds from it
    has the reference's frame and payload structure."""
    reference_raw = vector(folder, name)
    reference = decode_message(reference_raw)
    assert spec.payload == reference.payload
    assert spec.message_code == reference.message_code
    assert spec.recipient == reference.recipient
    context.raise_alert(spec)
    (built,) = meter.emit(context)
    theirs = decode(reference_raw, meter.security)
    assert frame_shape(built) == frame_shape(theirs)
    assert payload_shape(built) == payload_shape(theirs)
    assert built.message.counter == reference.counter
    other, their_other = built.message.header.other_information, reference.header.other_information
    assert other.supplementary_remote_party == their_other.supplementary_remote_party
    assert built.signature.valid is not False and built.mac.valid is not False


def test_ecs80_supply_outage_restored(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    context = _context(esme, RTDS_NOW, 2003)
    spec = supply_outage_restored(
        context,
        datetime(2014, 12, 31, 23, 50, tzinfo=UTC),
        datetime(2014, 12, 31, 23, 59, tzinfo=UTC),
        NETWORK_OPERATOR,
    )
    _same_as_reference(esme, context, spec, "NA_ECS80", "ECS80_NA_8F36_ALERT_GBCS.HEX")


def test_ecs101_limit_apc_level_processed(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    context = _context(esme, RTDS_NOW, 2001)
    spec = apc_limit_processed(
        context,
        controller_octet(5, False),
        RTDS_NOW,
        datetime(2015, 2, 1, tzinfo=UTC),
        10,
        SUPPLIER,
    )
    _same_as_reference(esme, context, spec, "NA_ECS101", "ECS101_NA_8F86_OUTPUT_ALERT_GBCS.HEX")


@pytest.mark.parametrize(
    ("name", "device_", "octet", "level"),
    [
        ("ECS102_NA_8F87_INPUT_ALERT_GBCS.HEX", ESME, controller_octet(1, True), 10),
        ("ECS102_NA_8F87_OUTPUT_ALERT_GBCS.HEX", HCALCS_A6, controller_octet(1, False), 100),
    ],
)
def test_ecs102_limit_apc_level_ended(
    security: GbcsSecurity, name: str, device_: object, octet: int, level: int
) -> None:
    meter = Meter(security, device_)  # type: ignore[arg-type]
    context = _context(meter, RTDS_NOW, 2000)
    spec = apc_limit_ended(context, octet, level, SUPPLIER)
    if device_ is HCALCS_A6:
        # The reference keystore holds no signing key for this HCALCS: payload only.
        assert spec.payload == decode_message(vector("NA_ECS102", name)).payload
        return
    _same_as_reference(meter, context, spec, "NA_ECS102", name)


def test_ecs200_operational_update(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    context = _context(esme, RTDS_NOW, 2003)
    spec = operational_update(context, 100, 0, SUPPLIER, LOAD_CONTROLLER)
    _same_as_reference(esme, context, spec, "NA_ECS200", "ECS200_NA_8F88_ALERT_GBCS.HEX")


@pytest.mark.parametrize(
    ("folder", "name", "device_", "code", "counter"),
    [
        ("NA_GCA-DLMS", "GCA-DLMS_NA_8F30_ALERT_GBCS.HEX", ESME, 0x8F30, 2000),
        ("NA_GNCA-DLMS", "GNCA-DLMS_NA_810E_ALERT_GBCS.HEX", ESME, 0x810E, 2000),
        ("NA_GCA-ZigBee", "GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX", GSME, 0x8F30, 3000),
        ("NA_GNCA-ZigBee", "GNCA-ZigBee_NA_810E_ALERT_GBCS.HEX", GSME, 0x810E, 3000),
    ],
)
def test_generic_alerts_in_each_payload_format(
    security: GbcsSecurity, folder: str, name: str, device_: object, code: int, counter: int
) -> None:
    meter = Meter(security, device_)  # type: ignore[arg-type]
    context = _context(meter, RTDS_NOW, counter)
    _same_as_reference(meter, context, generic(context, code, SUPPLIER), folder, name)


def test_generic_refuses_an_unknown_alert_code(security: GbcsSecurity) -> None:
    with pytest.raises(ValueError, match="not a GBCS Device alert code"):
        generic(Meter(security, ESME).context(RTDS_NOW), 0x1234, SUPPLIER)


# --- the simulation API ----------------------------------------------------------------------


def test_regional_outage_and_restoration(security: GbcsSecurity) -> None:
    chf, esme, gsme = Meter(security, CHF), Meter(security, ESME), Meter(security, GSME)
    start = datetime(2026, 2, 1, 18, 0, tzinfo=UTC)
    contexts = [esme.context(start), gsme.context(start)]
    event = supply_events.power_outage(chf.context(start), start, contexts)
    assert event.comms_hub_device_id == CHF.device_id
    assert event.start_date_time == start and event.mpxn == ESME.mpxn
    assert event.DCC_ALERT_CODE == "AD1"
    assert switch_of(esme.state).outage_since == start
    assert switch_of(gsme.state).outage_since is None  # on its battery
    # A second report of the same outage keeps its start.
    again = supply_events.power_outage(
        chf.context(start + timedelta(minutes=1)), start + timedelta(minutes=1)
    )
    assert again.start_date_time == start

    back = start + timedelta(minutes=47)
    meters = [esme.context(back), gsme.context(back)]
    raised = supply_events.power_restored(
        chf.context(back), back, meters, network_operator=NETWORK_OPERATOR
    )
    assert list(raised) == [ESME.device_id]
    (alert,) = esme.emit(meters[0])
    values = alert.payload.to_json()["values"]
    assert values["AlertCode"] == "8F36"
    assert values["interruptionValue"] == start.isoformat()
    assert values["restorationValue"] == back.isoformat()
    assert alert.message.recipient == NETWORK_OPERATOR and alert.signature.valid is True
    assert switch_of(esme.state).outage_since is None
    assert switch_of(esme.state).supply_state is SupplyState.ENABLED
    assert supply_events.power_restored(chf.context(back), back, [esme.context(back)]) == {}


def test_a_short_outage_is_reported_as_such(security: GbcsSecurity) -> None:
    chf, esme = Meter(security, CHF), Meter(security, ESME)
    start = datetime(2026, 2, 1, 18, 0, tzinfo=UTC)
    supply_events.power_outage(chf.context(start), start, [esme.context(start)])
    back = start + timedelta(minutes=2, seconds=59)
    context = esme.context(back)
    supply_events.power_restored(
        chf.context(back), back, [context], network_operator=NETWORK_OPERATOR
    )
    (alert,) = esme.emit(context)
    assert alert.payload.to_json()["values"]["AlertCode"] == "8F35"


def test_restoration_goes_to_the_meters_network_operator(security: GbcsSecurity) -> None:
    chf, esme = Meter(security, CHF), Meter(security, ESME)
    esme.send("7.4", body("<sr:ReadSupplyStatus/>"), originator=NETWORK_OPERATOR)
    start = datetime(2026, 2, 1, 18, 0, tzinfo=UTC)
    supply_events.power_outage(chf.context(start), start, [esme.context(start)])
    back = start + timedelta(hours=2)
    context = esme.context(back)
    supply_events.power_restored(chf.context(back), back, [context])
    (alert,) = esme.emit(context)
    assert alert.message.recipient == NETWORK_OPERATOR


def test_power_events_need_a_comms_hub(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    with pytest.raises(ValueError, match="not CHF"):
        supply_events.power_outage(esme.context(RTDS_NOW), RTDS_NOW)


@pytest.mark.parametrize("code", [0x8F74, 0x8F75, 0x8F76, 0x8F78])
@pytest.mark.parametrize("meter_", [ESME, GSME], ids=["ESME", "GSME"])
def test_tamper_alerts_reach_the_supplier(
    security: GbcsSecurity, code: int, meter_: object
) -> None:
    meter = Meter(security, meter_)  # type: ignore[arg-type]
    context = meter.context(RTDS_NOW)
    specs = supply_events.tamper(context, code, supplier=SUPPLIER)
    (alert,) = meter.emit(context)
    assert len(specs) == 1 and alert.message.recipient == SUPPLIER
    assert alert.message.message_code == 0x1001 and alert.mac.valid is True
    payload = alert.payload.to_json()
    reported = (
        payload["values"]["AlertCode"]
        if payload["format"] == "dlms"
        else payload["alert"]["alert_code"]
    )
    assert reported in (f"{code:04X}", code)
    assert switch_of(meter.state).supply_state is SupplyState.ENABLED


def test_tamper_refuses_other_codes(security: GbcsSecurity) -> None:
    with pytest.raises(ValueError, match="not a tamper"):
        supply_events.tamper(Meter(security, ESME).context(RTDS_NOW), 0x8F36, supplier=SUPPLIER)


def test_alert_invoke_ids_follow_the_alert_counter(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    context = _context(esme, RTDS_NOW, 41)
    supply_events.tamper(context, 0x8F74, supplier=SUPPLIER, lock_supply=True)
    built = esme.emit(context)
    assert [a.message.counter for a in built] == [41, 42]
    assert [a.payload.to_json()["apdu"]["invoke"]["id"] for a in built] == [41, 42]
    assert esme.emit(context) == []


# --- APC limits end to end -------------------------------------------------------------------


@pytest.fixture
def apc_controllers() -> object:
    def source(state: object) -> AuxiliaryControllerConfiguration:
        base = default_configuration(state)  # type: ignore[arg-type]
        return AuxiliaryControllerConfiguration(
            base.descriptions,
            base.hcalcs_ids,
            tuple(ControllerKind.APC for _ in range(5)),
            base.special_days,
            base.schedule,
        )

    use_configuration_source(source)
    yield
    use_configuration_source(None)


def test_limit_apc_level_reports_start_and_end(
    security: GbcsSecurity, apc_controllers: object
) -> None:
    esme = Meter(security, ESME)
    full = INLINE_BODIES["ECS47a_7.13_APC_OUTPUT"].replace(
        "2015-01-03T01:00:00Z", "2015-01-04T00:00:00Z"
    )
    esme.send("7.13", body(full))  # controller 5 at 100 % through 2015-01-03
    limit = INLINE_BODIES["ECS47e_7.16_APC_OUTPUT"].replace(
        "<sr:CommandedStateLevel>100<", "<sr:CommandedStateLevel>10<"
    )
    answer = esme.send("7.16", body(limit), originator=LOAD_CONTROLLER)
    assert all(r["result"] == "success" for r in answer.apdu["responses"])
    (processed,) = answer.alerts
    values = processed.payload.to_json()["values"]
    assert values["AlertCode"] == "8F86" and values["ResultingLevel"] == 10
    assert values["AuxiliaryController"] == {
        "AuxiliaryControllerN": 5,
        "InputFromControlledLoad": False,
    }
    assert processed.message.recipient == SUPPLIER and processed.signature.valid is True
    state = body("<sr:ReadAuxiliaryControllerOperationalData/>")
    during = esme.send("7.15", state, at=datetime(2015, 1, 3, 0, 30, tzinfo=UTC)).values
    assert during["AuxiliaryControllerState5"] == '{"outputState": 10, "inputState": 0}'
    assert esme.state.next_wake == datetime(2015, 1, 3, 1, 0, tzinfo=UTC)
    (ended,) = esme.wake(datetime(2015, 1, 3, 1, 0, tzinfo=UTC))
    values = ended.payload.to_json()["values"]
    assert values["AlertCode"] == "8F87" and values["ResultingLevel"] == 100
    after = esme.send("7.15", state, at=datetime(2015, 1, 3, 2, 0, tzinfo=UTC)).values
    assert after["AuxiliaryControllerState5"] == '{"outputState": 100, "inputState": 0}'
    assert esme.wake(datetime(2015, 1, 3, 3, 0, tzinfo=UTC)) == []


def test_only_the_load_controller_may_limit_an_apc(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    answer = esme.send("7.16", body(INLINE_BODIES["ECS47e_7.16_APC_OUTPUT"]), originator=SUPPLIER)
    assert {r["result"] for r in answer.apdu["responses"]} == {"scope-of-access-violated"}
    (refusal,) = answer.alerts
    assert refusal.message.message_code == 0x1000 and refusal.message.recipient == SUPPLIER
    assert refusal.payload.to_json()["values"]["AlertCode"] == "8F30"
    channel = esme.state.get(supply_auxiliary.AuxiliaryLoadControl).controller(5).channels["output"]
    assert channel.limit is None


def test_a_new_limit_cancels_the_one_in_force(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    esme.send("7.4", body("<sr:ReadSupplyStatus/>"))
    first = INLINE_BODIES["ECS47e_7.16_APC_OUTPUT"].replace(
        "2015-01-03T00:00:00Z", "2014-12-31T00:00:00Z"
    )
    esme.send("7.16", body(first), originator=LOAD_CONTROLLER)
    second = esme.send(
        "7.16", body(INLINE_BODIES["ECS47e_7.16_APC_OUTPUT"]), originator=LOAD_CONTROLLER
    )
    codes = [a.payload.to_json()["values"]["AlertCode"] for a in second.alerts]
    assert codes == ["8F87", "8F86"]
    assert [a.message.counter for a in second.alerts] == sorted(
        a.message.counter for a in second.alerts
    )


def test_unknown_recipients_raise_nothing(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    context = esme.context(RTDS_NOW)
    assert supply_events.load_limit_exceeded(context, None) == ()
    assert switch_of(esme.state).supply_state is SupplyState.ARMED
    assert esme.emit(context) == []


def test_ecs100_command_not_supported(security: GbcsSecurity) -> None:
    meter = Meter(security, HCALCS_A6)
    context = _context(meter, RTDS_NOW, 2001)
    spec = command_not_supported(context, 0x0012, 100000, ACB, SUPPLIER)
    reference = decode_message(
        vector("NA_ECS100", "ECS100_NA_8F85_SUPPLEMENTARY_REMOTE_PARTY_ALERT_GBCS.HEX")
    )
    assert spec.payload == reference.payload and spec.message_code == reference.message_code
    assert spec.recipient == reference.recipient
    assert (
        spec.supplementary_remote_party
        == reference.header.other_information.supplementary_remote_party
    )


def test_alert_specs_carry_the_alert_code_the_hub_reports(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    context = esme.context(RTDS_NOW)
    specs = [
        generic(context, 0x8F74, SUPPLIER),
        supply_outage_restored(context, RTDS_NOW - timedelta(hours=1), RTDS_NOW, NETWORK_OPERATOR),
        apc_limit_processed(context, 0x15, RTDS_NOW, RTDS_NOW, 10, SUPPLIER),
        apc_limit_ended(context, 0x15, 10, SUPPLIER),
        operational_update(context, 100, 0, SUPPLIER, LOAD_CONTROLLER),
        command_not_supported(context, 0x0012, 1, ACB, SUPPLIER),
    ]
    for spec in specs:
        context.raise_alert(spec)
    for spec, raw in esme.simulator.emit(context):
        assert spec.alert_code is not None and alert_code_in(raw) == spec.alert_code
