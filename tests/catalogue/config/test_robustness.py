"""Bad input never crashes the family: damaged request bodies give a ``TransformRefusal``
with a DUIS code, damaged Commands a Device Response or a discard, never an exception, and
a refused write leaves the Device's state as it was."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from json import loads

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from opendcc.devices import config  # noqa: F401
from opendcc.devices.config_state import ClockState
from opendcc.devices.simulator import DeviceSimulator, Outcome
from opendcc.devices.state import DeviceState
from opendcc.gbcs import build
from opendcc.gbcs.codec import decode
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import OctetString
from opendcc.gbcs.dlms.payload import encode
from opendcc.transform.config_common import MESSAGE_CODES
from opendcc.transform.registry import CommandSpec, TransformRefusal, routes, transform
from tests.catalogue.config import cases
from tests.catalogue.config import support as s
from tests.catalogue.config.cases import E
from tests.catalogue.config.estate import Premises

pytestmark = pytest.mark.conformance

FAMILY_VARIANTS = frozenset(
    variant
    for (variant, _), fn in routes().items()
    if fn.__module__.startswith("opendcc.transform.config")
)


def _stems() -> list[str]:
    stems = sorted({cases.Vector.of(p).stem for p in cases.vectors()})
    return [stem for stem in stems if cases.has_request(stem)]


STEMS = _stems()
TEXTS = st.one_of(
    st.sampled_from(
        [
            "",
            "-1",
            "99999999999999999999",
            "abc",
            "1.5",
            "3000-12-31T00:00:00Z",
            "Enable",
            "x" * 300,
            "2015-13-45",
            " ",
            "\u00e9t\u00e9",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
)


def _mutate(body: etree._Element, data: st.DataObject) -> etree._Element:
    body = copy.deepcopy(body)
    nodes = [n for n in body.iter() if isinstance(n.tag, str)]
    for _ in range(data.draw(st.integers(1, 3))):
        node = data.draw(st.sampled_from(nodes))
        action = data.draw(st.sampled_from(["text", "drop", "duplicate", "attr"]))
        parent = node.getparent()
        if action == "text":
            node.text = data.draw(TEXTS)
        elif action == "drop" and parent is not None:
            parent.remove(node)
            nodes = [n for n in body.iter() if isinstance(n.tag, str)]
        elif action == "duplicate" and parent is not None:
            parent.append(copy.deepcopy(node))
        elif action == "attr":
            node.set("index", data.draw(TEXTS))
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_bodies_are_refused_never_raised(data: st.DataObject) -> None:
    if not STEMS:
        pytest.skip("no reference data")
    stem = data.draw(st.sampled_from(STEMS))
    use_case = stem.split("_")[0]
    request = cases.request(stem, use_case=use_case, counter=1000, dcc_counter=1300)
    damaged = replace(request, body=_mutate(request.body, data))
    result = transform(damaged)
    assert isinstance(result, CommandSpec | TransformRefusal)
    if isinstance(result, TransformRefusal):
        assert result.code.startswith("E") and result.reason


def test_refusal_codes_are_the_variants_own() -> None:
    premises = Premises()
    no_period = E(
        "UpdateDeviceConfigurationBillingCalendar",
        E("ElectricityBillingCalendar", E("BillingTime", "25:00:00Z"), E("Monthly", "1")),
    )
    refusal = premises.spec(premises.request("6.8", 0xA0, no_period))
    assert isinstance(refusal, TransformRefusal) and refusal.code == "E060801"
    nothing = E("ResetMaximumDemandRegisters")
    refusal = premises.spec(
        premises.request("6.18.2", 0xA0, nothing, originator=s.NETWORK_OPERATOR)
    )
    assert isinstance(refusal, TransformRefusal) and refusal.code == "E061802"
    gas_for_esme = cases._gas_events(x81AA=("Enable",) * 4)
    refusal = premises.spec(premises.request("6.22", 0xA0, gas_for_esme))
    assert isinstance(refusal, TransformRefusal) and refusal.code == "E062202"
    supplier_as_no = cases._alerts(
        "ElectricitySupplierAlerts", "SupplierESMECommon", x810D="Enable"
    )
    refusal = premises.spec(
        premises.request("6.22", 0xA0, supplier_as_no, originator=s.NETWORK_OPERATOR)
    )
    assert isinstance(refusal, TransformRefusal) and refusal.code == "E062201"
    duty = s.request_from("DBCH04_6.28_SUCCESS_REQUEST_DUIS.XML").body
    swapped = copy.deepcopy(duty)
    for node in swapped.iter(f"{{{cases.SR_NS}}}NormalLimitedDutyCycleThreshold"):
        node.text = "2.0"
    for node in swapped.iter(f"{{{cases.SR_NS}}}LimitedCriticalDutyCycleThreshold"):
        node.text = "1.6"
    refusal = premises.spec(premises.request("6.28", 0xA2, swapped))
    assert isinstance(refusal, TransformRefusal) and refusal.code == "E062802"
    clear_alcs_on_gas = E("ClearEventLog", E("ESMEEventLogType", "ALCS"))
    refusal = premises.spec(premises.request("3.3", 0xA1, clear_alcs_on_gas))
    assert isinstance(refusal, TransformRefusal) and refusal.code == "E030301"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=st.sampled_from(sorted(MESSAGE_CODES.values())),
    target=st.sampled_from([0xA0, 0xA1, 0xA2, 0xA3]),
    payload=st.one_of(
        st.binary(max_size=64),
        st.sampled_from(
            [bytes.fromhex("d9200003e80001010001000060010000ff0200"), b"\x01\x09\x01", b""]
        ),
    ),
)
def test_damaged_commands_never_crash_a_device(code: int, target: int, payload: bytes) -> None:
    security = s.device_security()
    device = s.device(target)
    command = build.command(
        payload,
        originator=s.SUPPLIER,
        recipient=device.device_id,
        counter=1000,
        message_code=code,
        security=security,
    )
    state = DeviceState(device)
    before = state.to_json()
    result = DeviceSimulator(security).process(command.encode(), state, s.RTDS_NOW)
    assert result.outcome in (Outcome.RESPONDED, Outcome.DISCARDED)
    if result.outcome is Outcome.DISCARDED:
        after = loads(state.to_json())
        changed = {k for k, v in after.items() if loads(before).get(k) != v}
        # The Device notes the dropped Command in its Security Log (device_logs), stamped
        # with its clock (read, not changed: its section is loaded), and nothing else.
        assert changed <= {"anti_replay", "event_logs", "config.clock"}
        if "event_logs" in changed:
            assert set(after["event_logs"]["logs"]) == {"security"}
        if "config.clock" in changed:
            assert after["config.clock"] == DeviceState(device).get(ClockState).to_json()


def test_a_refused_write_changes_nothing() -> None:
    """An ESME refuses a value it cannot take and keeps its state (other-reason)."""
    premises = Premises()
    state = premises.state(0xA0)
    before = state.to_json()
    too_long = "x" * 200
    request = premises.request("3.1", 0xA0, E("DisplayMessage", E("SupplierMessage", too_long)))
    assert isinstance(premises.spec(request), TransformRefusal)
    # Sent anyway (a faulty DCC would), the Device refuses it.
    apdu = b.access_request(2000, [b.set_(1, "0-2:96.13.1.255", 2, OctetString(b"x" * 200))])
    command = build.command(
        encode(b.payload(apdu)),
        originator=s.SUPPLIER,
        recipient=s.eui(0xA0),
        counter=2000,
        message_code=MESSAGE_CODES["ECS10"],
        security=s.device_security(),
    )
    result = premises.simulator.process(command.encode(), state, datetime(2015, 1, 2, tzinfo=UTC))
    assert result.outcome is Outcome.RESPONDED and result.response is not None
    doc = decode(result.response, s.device_security()).payload.to_json()
    assert doc["apdu"]["responses"][0]["result"] == "other-reason"
    after = loads(state.to_json())
    assert after.get("config.cosem", {}).get("values", {}) == {}
    assert "config.cosem" not in loads(before)


def test_the_family_registers_every_variant_it_owns() -> None:
    owned = {
        "3.1", "3.2", "3.3", "3.4", "3.5", "6.2.1", "6.2.2", "6.2.3", "6.2.4", "6.2.5",
        "6.2.7", "6.2.8", "6.2.10", "6.4.1", "6.4.2", "6.5", "6.6", "6.7", "6.8", "6.11",
        "6.12", "6.14.1", "6.14.2", "6.14.3", "6.18.1", "6.18.2", "6.20.1", "6.20.2", "6.22",
        "6.25", "6.27", "6.28", "6.29", "6.30", "6.31", "6.32",
    }  # fmt: skip
    assert owned == FAMILY_VARIANTS
