"""Bad input never crashes the supply family: transforms refuse bodies they cannot carry
out with a DUIS code, and the simulated meters answer any well-formed Command item by item
(errors where they cannot act) without raising and without acting on a refused item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.devices import supply, supply_auxiliary, supply_events  # noqa: F401
from opendcc.devices.simulator import DeviceCommand, DeviceContext, Outcome
from opendcc.devices.state import DeviceState
from opendcc.devices.supply_auxiliary_state import AuxiliaryLoadControl
from opendcc.devices.supply_state import SupplyState, history, switch_of
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.context import Cra, PayloadContext
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms import decode as decode_dlms
from opendcc.gbcs.dlms.apdu import AccessResponse, Action, Get, Request, Set
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, ObisCode
from opendcc.gbcs.dlms.data import (
    Boolean,
    LongUnsigned,
    NullData,
    OctetString,
    Unsigned,
    VisibleString,
)
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import Device, DeviceType
from opendcc.roles import UserRole
from opendcc.transform import supply as supply_transforms  # noqa: F401
from opendcc.transform import supply_auxiliary as auxiliary_transforms  # noqa: F401
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transform
from opendcc.transform.supply_objects import (
    auxiliary_load_switch,
    boost_function_control,
    controller_parameter,
    controller_state,
    description,
)
from tests.catalogue.supply.cases import INLINE_BODIES
from tests.catalogue.supply.harness import (
    ESME,
    GSME,
    HCALCS,
    RTDS_NOW,
    SUPPLIER,
    Meter,
    body,
    device,
)

pytestmark = pytest.mark.conformance


def _transform(variant: str, xml: str, target: Device = ESME) -> CommandSpec | TransformRefusal:
    return transform(
        TransformInput(
            variant,
            body(xml),
            SUPPLIER,
            target.device_id,
            7,
            target,
            UserRole.IMPORT_SUPPLIER,
            RTDS_NOW,
        )
    )


_PERIOD_BACKWARDS = INLINE_BODIES["ECS47a_7.13_APC_INPUT"].replace(
    "2015-01-03T01:00:00Z", "2015-01-02T01:00:00Z"
)


@pytest.mark.parametrize(
    ("variant", "xml", "reason"),
    [
        ("7.13", _PERIOD_BACKWARDS, "before StartDateTime"),
        (
            "7.16",
            _PERIOD_BACKWARDS.replace("SetAuxiliaryControllerState", "LimitAPCLevel"),
            "before",
        ),
        (
            "7.5",
            INLINE_BODIES["ECS47Activate_7.5"].replace('index="1"', 'index="7"'),
            "outside 1..5",
        ),
        ("7.5", INLINE_BODIES["ECS47Activate_7.5"].replace(">30<", ">lots<"), "not an integer"),
        ("7.6", INLINE_BODIES["ECS47Deactivate_7.6"].replace(">60<", ">70000<"), "outside"),
        ("7.8", "<sr:ResetAuxiliaryLoad/>", "has no ResetALCSHCALCS"),
        ("7.12", INLINE_BODIES["ECS38_7.12"].replace("900", "1800"), "outside 0..1799"),
        ("7.13", INLINE_BODIES["ECS47a_7.13_APC_INPUT"].replace(">50<", ">101<"), "outside 0..100"),
        ("7.13", INLINE_BODIES["ECS47a_7.13_APC_INPUT"].replace('N="3"', 'N="x"'), "no valid"),
        ("7.11", INLINE_BODIES["ECS61c_7.11"].replace("2014-12-25", "2015-12-25"), "before"),
        ("7.11", "<sr:ReadBoostButtonDetails/>", "has no ReadLogPeriod"),
        ("7.11", INLINE_BODIES["ECS61c_7.11"].replace("2014-12-25", "1999-12-25"), "2000-2136"),
        ("7.11", INLINE_BODIES["ECS61c_7.11"].replace("2015-01-01T", "2200-01-01T"), "2000-2136"),
        (
            "7.13",
            INLINE_BODIES["ECS47a_7.13_APC_INPUT"].replace(
                "2015-01-03T00:00:00Z", "0001-01-01T00:00:00+05:00"
            ),
            "no UTC equivalent",
        ),
        ("7.9", INLINE_BODIES["ECS62Add_7.9"].replace(">true<", ">false<"), "nothing to change"),
        ("7.9", INLINE_BODIES["ECS62Add_7.9"].replace('index="2"', 'index="1"'), "appears twice"),
        (
            "7.10",
            INLINE_BODIES["ECS62Remove_7.10"].replace(">true<", ">maybe<", 1),
            "not a boolean",
        ),
    ],
)
def test_transforms_refuse_what_they_cannot_carry_out(variant: str, xml: str, reason: str) -> None:
    refused = _transform(variant, xml)
    assert isinstance(refused, TransformRefusal), refused
    assert refused.code == "E100" and reason in refused.reason


def test_a_boost_change_names_only_the_chosen_controllers() -> None:
    xml = INLINE_BODIES["ECS62Remove_7.10"].replace(">true<", ">false<", 3)
    spec = _transform("7.10", xml)
    assert isinstance(spec, CommandSpec)
    message = build.pre_command(
        spec.payload,
        originator=SUPPLIER,
        recipient=ESME.device_id,
        counter=7,
        message_code=spec.message_code,
    )
    decoded = decode_message(message.encode())
    assert decoded.payload.count(b"\x00\x00\x5e\x2c\x06") == 2
    assert (
        b"\x00\x00\x5e\x2c\x06\x04" in decoded.payload
        and b"\x00\x00\x5e\x2c\x06\x05" in decoded.payload
    )


def test_hcalcs_requests_go_to_its_esme() -> None:
    for variant, xml in (
        ("7.13", INLINE_BODIES["ECS47a_7.13_APC_INPUT"]),
        ("7.14", INLINE_BODIES["ECS61d_7.14"]),
        ("7.15", INLINE_BODIES["ECS61e_7.15"]),
    ):
        spec = _transform(variant, xml, HCALCS)
        assert isinstance(spec, CommandSpec) and spec.recipient == ESME.device_id
    lonely = device("00-DB-12-34-56-78-90-A9", DeviceType.HCALCS)
    refused = _transform("7.15", INLINE_BODIES["ECS61e_7.15"], lonely)
    assert isinstance(refused, TransformRefusal) and "not paired" in refused.reason


class _Inventory:
    def __init__(self, *devices: Device) -> None:
        self.devices = {d.device_id: d for d in devices}

    def get_device(self, eui: Eui64) -> Device | None:
        return self.devices.get(eui)


def test_an_hcalcs_parent_must_be_a_known_esme() -> None:
    request = TransformInput(
        "7.14",
        body(INLINE_BODIES["ECS61d_7.14"]),
        SUPPLIER,
        HCALCS.device_id,
        7,
        HCALCS,
        UserRole.IMPORT_SUPPLIER,
        RTDS_NOW,
        inventory=_Inventory(HCALCS),
    )
    refused = transform(request)
    assert isinstance(refused, TransformRefusal) and "not a known ESME" in refused.reason


_OFFSETS = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)
_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="ascii", exclude_categories=("Cc", "Cs")), max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.datetimes(timezones=_OFFSETS).map(lambda moment: moment.isoformat()),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    variant=st.sampled_from(["7.5", "7.6", "7.12", "7.13", "7.16", "7.11", "7.9"]),
    values=st.lists(_TEXT, min_size=4, max_size=4),
)
def test_transforms_never_raise_on_odd_values(variant: str, values: list[str]) -> None:
    a, b_, c, d = (escape(v) for v in values)
    bodies = {
        "7.5": f"<sr:ActivateAuxiliaryLoad><sr:ActivateALCSHCALCS index={quoteattr(values[0])}>"
        f"<sr:Duration>{b_}</sr:Duration></sr:ActivateALCSHCALCS></sr:ActivateAuxiliaryLoad>",
        "7.6": f"<sr:DeactivateAuxiliaryLoad><sr:DeactivateALCSHCALCS index={quoteattr(values[0])}>"
        f"<sr:Duration>{b_}</sr:Duration></sr:DeactivateALCSHCALCS></sr:DeactivateAuxiliaryLoad>",
        "7.12": f"<sr:SetRandomisedOffsetLimit><sr:RandomisedOffsetLimit>{a}"
        "</sr:RandomisedOffsetLimit></sr:SetRandomisedOffsetLimit>",
        "7.13": f"<sr:SetAuxiliaryControllerState auxiliaryControllerN={quoteattr(values[0])}>"
        f"<sr:StartDateTime>{b_}</sr:StartDateTime><sr:EndDateTime>{c}</sr:EndDateTime>"
        f"<sr:CommandedStateLevel>{d}</sr:CommandedStateLevel></sr:SetAuxiliaryControllerState>",
        "7.16": f"<sr:LimitAPCLevel auxiliaryControllerN={quoteattr(values[0])}>"
        f"<sr:StartDateTime>{b_}</sr:StartDateTime><sr:EndDateTime>{c}</sr:EndDateTime>"
        f"<sr:CommandedStateLevel>{d}</sr:CommandedStateLevel></sr:LimitAPCLevel>",
        "7.11": f"<sr:ReadBoostButtonDetails><sr:ReadLogPeriod><sr:StartDateTime>{a}"
        f"</sr:StartDateTime><sr:EndDateTime>{b_}</sr:EndDateTime></sr:ReadLogPeriod>"
        "</sr:ReadBoostButtonDetails>",
        "7.9": "<sr:AddAuxiliaryLoadToBoostButton>"
        + "".join(
            f"<sr:AddToBoostButton index={quoteattr(v)}>{escape(v)}</sr:AddToBoostButton>"
            for v in values
        )
        + "</sr:AddAuxiliaryLoadToBoostButton>",
    }
    result = _transform(variant, bodies[variant])
    assert isinstance(result, CommandSpec | TransformRefusal)


# --- the meters ------------------------------------------------------------------------------

_OBJECTS = [
    "0-0:10.0.103.255",
    "0-0:10.0.107.255",
    "0-0:10.0.106.255",
    "0-0:94.44.0.1",
    "0-0:99.98.20.255",
    "0-0:94.44.7.255",
    "0-0:96.3.10.255",
    "0-0:11.0.3.255",
    "0-0:12.0.2.255",
    "0-0:94.44.122.1",
    "1-0:1.8.0.255",
    *(controller_parameter(n, k) for n in (1, 5) for k in (1, 2, 3, 4)),
    *(
        f(n)
        for f in (description, boost_function_control, controller_state, auxiliary_load_switch)
        for n in (1, 3)
    ),
]
_DATA = st.one_of(
    st.builds(LongUnsigned, st.integers(0, 0xFFFF)),
    st.builds(Unsigned, st.integers(0, 0xFF)),
    st.builds(Boolean, st.booleans()),
    st.builds(OctetString, st.binary(max_size=14)),
    st.just(b.date_time(datetime(2015, 1, 3, tzinfo=UTC))),
    st.builds(VisibleString, st.text(alphabet="abc", max_size=5)),
    st.just(NullData()),
)


@st.composite
def _requests(draw: st.DrawFn) -> Request:
    instance = ObisCode.parse(draw(st.sampled_from(_OBJECTS)))
    class_id = draw(st.sampled_from([1, 7, 9, 10, 11, 70]))
    kind = draw(st.sampled_from(["get", "set", "action"]))
    if kind == "get":
        return Get(AttributeDescriptor(class_id, instance, draw(st.integers(1, 4))))
    if kind == "set":
        return Set(AttributeDescriptor(class_id, instance, draw(st.integers(1, 4))), draw(_DATA))
    return Action(MethodDescriptor(class_id, instance, draw(st.integers(1, 2))), draw(_DATA))


@pytest.fixture(scope="module")
def template_message(security: GbcsSecurity) -> object:
    return decode_message(
        build.command(
            b"\xd9",
            originator=SUPPLIER,
            recipient=ESME.device_id,
            counter=9,
            message_code=0x0055,
            security=security,
        ).encode()
    )


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    use_case=st.sampled_from(["ECS47", "ECS47a", "ECS61a", "ECS62", "ECS38", "ECS42", "ECS45"]),
    requests=st.lists(_requests(), min_size=1, max_size=6),
)
def test_meters_answer_any_request_list_item_by_item(
    security: GbcsSecurity, template_message: object, use_case: str, requests: list[Request]
) -> None:
    state = DeviceState(ESME)
    context = DeviceContext(RTDS_NOW, ESME, state, security)
    handlers = {
        "ECS42": supply.operate_load_switch,
        "ECS45": supply.read_load_switch,
    }
    handler = handlers.get(use_case, supply_auxiliary.auxiliary_load_control)
    apdu = b.access_request(9, requests)
    command = DeviceCommand(template_message, DlmsPayload(apdu), use_case)  # type: ignore[arg-type]
    reply = handler(command, context)
    context_ = PayloadContext(Cra.RESPONSE, 0x0055, use_case, ESME.device_id, SUPPLIER, 9)
    payload = decode_dlms(reply.payload, context_)
    assert isinstance(payload.apdu, AccessResponse)
    assert len(payload.apdu.responses) == len(requests)
    codes = [r.result for r in payload.apdu.responses]
    if use_case not in ("ECS42", "ECS45") and any(codes):
        first = next(i for i, code in enumerate(codes) if code)
        assert all(code == 250 for code in codes[first + 1 :])
    # The state written back is still readable.
    DeviceState.from_json(ESME, state.to_json()).get(AuxiliaryLoadControl)


def _valve_command(meter: Meter, **fields: int) -> bytes:
    defaults = {
        "provider_id": 0,
        "issuer_event_id": 1,
        "request_date_time": 0,
        "implementation_date_time": 0,
        "proposed_supply_status": 0,
        "supply_control_bits": 1,
    }
    frame = z.cluster_command("Metering", "ChangeSupply", **{**defaults, **fields})
    payload = encode_gbz(z.command_payload(z.component("Metering", frame), use_case="GCS32"))
    counter = meter.counters.get(SUPPLIER, 1000) + 1
    meter.counters[SUPPLIER] = counter
    spec = CommandSpec("GCS32", 0x0081, GSME.device_id, payload)
    return meter.command("7.2", spec, SUPPLIER, counter)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"proposed_supply_status": 2}, "NOT_AUTHORIZED"),
        ({"proposed_supply_status": 9}, "INVALID_VALUE"),
        ({"implementation_date_time": 0x7FFFFFFF}, "INVALID_FIELD"),
        ({"supply_control_bits": 0}, "SUCCESS"),
    ],
)
def test_the_valve_answers_changes_it_cannot_or_need_not_confirm(
    security: GbcsSecurity, fields: dict[str, int], status: str
) -> None:
    gsme = Meter(security, GSME)
    result = gsme.answer(
        gsme.simulator.process(_valve_command(gsme, **fields), gsme.state, RTDS_NOW)
    )
    assert result.decoded is not None
    (component,) = result.decoded.payload.to_json()["components"]
    assert component["payload"]["type"] == "DefaultResponse"
    assert component["payload"]["status_name"] == status
    expected = SupplyState.DISABLED if status == "SUCCESS" else SupplyState.ENABLED
    assert switch_of(gsme.state).supply_state is expected


def test_a_replayed_command_changes_nothing(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    spec, counter = esme.transform("7.2", body("<sr:DisableSupply/>"))
    assert isinstance(spec, CommandSpec)
    command = esme.command("7.2", spec, SUPPLIER, counter)
    assert esme.simulator.process(command, esme.state, RTDS_NOW).outcome is Outcome.RESPONDED
    switch_of(esme.state).state = SupplyState.ENABLED.value
    replay = esme.simulator.process(command, esme.state, RTDS_NOW + timedelta(minutes=1))
    assert replay.outcome is Outcome.DISCARDED
    assert switch_of(esme.state).supply_state is SupplyState.ENABLED
    assert len(history(esme.state)) == 1


def test_an_unsigned_critical_command_is_discarded(security: GbcsSecurity) -> None:
    esme = Meter(security, ESME)
    spec, counter = esme.transform("7.2", body("<sr:DisableSupply/>"))
    assert isinstance(spec, CommandSpec)
    signed = esme.command("7.2", spec, SUPPLIER, counter)
    message = decode_message(signed)
    assert message.signature is not None
    forged = build.critical_command(
        build.pre_command(
            spec.payload,
            originator=SUPPLIER,
            recipient=ESME.device_id,
            counter=counter + 1,
            message_code=spec.message_code,
        ),
        message.signature,
        security,
    )
    result = esme.simulator.process(forged.encode(), esme.state, RTDS_NOW)
    assert result.outcome is Outcome.DISCARDED and "signature" in (result.reason or "")
    assert switch_of(esme.state).supply_state is SupplyState.ENABLED


@pytest.mark.parametrize(
    ("variant", "element"),
    [
        ("7.7", "ReadALCSData"),
        ("7.14", "ReadAuxiliaryControllerConfigurationData"),
        ("7.15", "ReadAuxiliaryControllerOperationalData"),
    ],
)
def test_dsp_future_dated_reads_are_the_same_command(variant: str, element: str) -> None:
    """The DSP holds a future-dated read and sends it at its time: the Command does not
    depend on ``ExecutionDateTime``."""
    now = _transform(variant, f"<sr:{element}/>")
    later = _transform(
        variant,
        f"<sr:{element}><sr:ExecutionDateTime>2015-06-01T00:00:00Z</sr:ExecutionDateTime>"
        f"</sr:{element}>",
    )
    assert isinstance(now, CommandSpec) and isinstance(later, CommandSpec)
    assert now.payload == later.payload


def test_dsp_future_dated_boost_changes_ignore_the_execution_time() -> None:
    plain = INLINE_BODIES["ECS62Add_7.9"]
    dated = plain.replace(
        "<sr:AddAuxiliaryLoadToBoostButton>",
        "<sr:AddAuxiliaryLoadToBoostButton>"
        "<sr:ExecutionDateTime>2015-06-01T00:00:00Z</sr:ExecutionDateTime>",
    )
    first, second = _transform("7.9", plain), _transform("7.9", dated)
    assert isinstance(first, CommandSpec) and isinstance(second, CommandSpec)
    assert first.payload == second.payload


@pytest.mark.parametrize("octets", [b"", b"\x07\xdf", bytes.fromhex("07df0d01ff000000008000ff")])
def test_a_malformed_period_is_type_unmatched(
    security: GbcsSecurity, template_message: object, octets: bytes
) -> None:
    state = DeviceState(ESME)
    requests: list[Request] = [
        Set(
            AttributeDescriptor(1, ObisCode.parse(controller_parameter(1, 1)), 2),
            OctetString(octets),
        ),
        Action(MethodDescriptor(9, ObisCode.parse("0-0:10.0.103.255"), 1), LongUnsigned(0x1164)),
    ]
    command = DeviceCommand(template_message, DlmsPayload(b.access_request(9, requests)), "ECS47a")  # type: ignore[arg-type]
    reply = supply_auxiliary.auxiliary_load_control(
        command, DeviceContext(RTDS_NOW, ESME, state, security)
    )
    payload = decode_dlms(
        reply.payload, PayloadContext(Cra.RESPONSE, 0x011E, "ECS47a", ESME.device_id, SUPPLIER, 9)
    )
    assert isinstance(payload.apdu, AccessResponse)
    assert [r.result for r in payload.apdu.responses] == [12, 250]
    assert state.get(AuxiliaryLoadControl).controller(1).channels["output"].command is None
