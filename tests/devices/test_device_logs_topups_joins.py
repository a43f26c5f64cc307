"""The Security Log entries of refused top-ups (2.2) and of HAN joins and unjoins (8.7, 8.8):
each refusal or join the meter carries out leaves the GBCS event code that names it
(``devices.device_logs``), at the meter's clock; a top-up the meter accepts leaves none."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from opendcc.devices.config_api import device_time
from opendcc.devices.han_chf import ChfDeviceLog
from opendcc.devices.reads_state import EventLogs, LogKind
from opendcc.devices.simulator import DeviceSimulator
from opendcc.devices.tariffs_state import UTRN_MEMORY, Prepayment
from opendcc.devices.tariffs_utrn import ValueClass, check_digit, mint
from opendcc.eui import Eui64
from opendcc.gbcs.security import PREPAYMENT_KEY_MARK, GbcsSecurity
from opendcc.inventory.model import Device, DeviceType
from opendcc.smki.keystore import Keystore
from tests.catalogue.security.reference import CHF_ID, ESME_ID, GPF_ID, GSME_ID, PPMID_ID
from tests.catalogue.security.test_han import IHD_ID, _hub, _values, join, unjoin
from tests.catalogue.tariffs import support as s

AT = s.RTDS_NOW
MAX_CREDIT_SETUP = {
    DeviceType.ESME: "ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
    DeviceType.GSME: "GCS05_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
}


def _meters() -> list[object]:
    return [pytest.param(s.ESME, id="ESME"), pytest.param(s.GSME, id="GSME")]


def _meter(device: Device) -> s.Meter:
    return s.Meter(device, variant="A" if device.device_type is DeviceType.ESME else None)


def _top_up(
    meter: s.Meter,
    slot: int,
    *,
    value: int = 100,
    at: datetime = AT,
    utrn: str | None = None,
    counter: int | None = None,
    value_class: ValueClass = ValueClass.PENNIES,
) -> None:
    if utrn is None:
        utrn = mint(
            slot << 32, value, s.SUPPLIER, meter.device.device_id, s.device_security(), value_class
        )
    counter = slot << 32 if counter is None else counter
    meter.ask("2.2", s.element("TopUpDevice", UTRN=utrn), at, counter=counter)


def _security_log(state: object) -> list[tuple[datetime, int]]:
    from opendcc.devices.state import DeviceState

    assert isinstance(state, DeviceState)
    return [(e.at, e.code) for e in state.get(EventLogs).entries(LogKind.SECURITY)]


@pytest.mark.parametrize("device", _meters())
def test_an_accepted_top_up_leaves_no_security_event(device: Device) -> None:
    """GBCS has no event code of its own for a remote top-up: the Event Log's 0x8154 and the
    prepayment credits log (4.4.5) record it."""
    meter = _meter(device)
    _top_up(meter, 3)
    assert len(meter.state.get(Prepayment).top_ups) == 1
    assert _security_log(meter.state) == []


@pytest.mark.parametrize("device", _meters())
def test_a_used_or_too_old_utrn_is_logged_as_a_duplicate(device: Device) -> None:
    meter = _meter(device)
    utrn = mint(9 << 32, 100, s.SUPPLIER, device.device_id, s.device_security())
    _top_up(meter, 9, utrn=utrn)
    again = AT + timedelta(minutes=1)
    _top_up(meter, 9, utrn=utrn, at=again)
    older = AT + timedelta(minutes=2)
    for slot in range(10, 10 + UTRN_MEMORY):  # the meter remembers only these now
        _top_up(meter, slot, at=older)
    credited = list(meter.state.get(Prepayment).top_ups)
    last = older + timedelta(seconds=1)
    _top_up(meter, 8, at=last)  # never used, but older than every counter remembered
    assert _security_log(meter.state) == [
        (device_time(meter.state, again), 0x8F51),
        (device_time(meter.state, last), 0x8F51),
    ]
    assert meter.state.get(Prepayment).top_ups == credited  # nothing more credited


def _tampered(utrn: str) -> str:
    body = utrn[:-1]
    body = body[:-2] + str((int(body[-2]) + 1) % 10) + body[-1]
    return body + check_digit(body)


@pytest.mark.parametrize("device", _meters())
@pytest.mark.parametrize("kind", ["check-digit", "tag", "other-device", "other-counter"])
def test_a_utrn_that_does_not_authenticate_is_logged(device: Device, kind: str) -> None:
    """0x8F63 UTRN not Authentic: garbled, tampered, made for another Device (the meter cannot
    tell that from a forgery) or for another counter; the balance stays as it was."""
    meter = _meter(device)
    good = mint(4 << 32, 1000, s.SUPPLIER, device.device_id, s.device_security())
    counter = 4 << 32
    if kind == "check-digit":
        utrn = good[:-1] + str((int(good[-1]) + 1) % 10)
    elif kind == "tag":
        utrn = _tampered(good)
    elif kind == "other-device":
        other = s.GSME if device.device_type is DeviceType.ESME else s.ESME
        utrn = mint(4 << 32, 1000, s.SUPPLIER, other.device_id, s.device_security())
    else:
        utrn, counter = good, 5 << 32
    balance = meter.state.get(Prepayment).meter_balance
    _top_up(meter, 4, utrn=utrn, counter=counter)
    assert _security_log(meter.state) == [(device_time(meter.state, AT), 0x8F63)]
    assert meter.state.get(Prepayment).meter_balance == balance


@pytest.mark.parametrize("device", _meters())
def test_a_utrn_from_a_supplier_without_a_top_up_key_is_not_for_this_device(
    device: Device,
) -> None:
    """0x8F64 UTRN not for this Device: the meter shares no prepayment top-up key with the
    Supplier that sent it (the UTRN is made for a pair of keys this meter is not part of)."""
    meter = _meter(device)
    full = s.device_security()
    kept = [e for e in full.keystore.entries if PREPAYMENT_KEY_MARK not in e.name]
    without = GbcsSecurity(Keystore(entries=kept), device_keys=full.device_keys)
    meter.simulator = DeviceSimulator(without, peers=meter.peers.get)
    utrn = mint(4 << 32, 1000, s.SUPPLIER, device.device_id, s.device_security())
    _top_up(meter, 4, utrn=utrn)
    assert _security_log(meter.state) == [(device_time(meter.state, AT), 0x8F64)]


@pytest.mark.parametrize("device", _meters())
def test_a_utrn_above_the_maximum_credit_then_above_the_maximum_balance(device: Device) -> None:
    """0x8F5B UTRN exceeds Maximum Credit Threshold (one top-up too large), then 0x8F47 Credit
    would cause Meter Balance to exceed Maximum Meter Balance Threshold."""
    meter = _meter(device)
    meter.send(MAX_CREDIT_SETUP[device.device_type], AT, counter=1)
    money = meter.state.get(Prepayment)
    _top_up(meter, 2, value=8191, value_class=ValueClass.POUNDS)  # the largest a UTRN holds
    later = AT + timedelta(minutes=1)
    money.meter_balance = 2**31 - 1_000  # at the meter's ceiling
    _top_up(meter, 3, value=1, at=later)
    assert _security_log(meter.state) == [
        (device_time(meter.state, AT), 0x8F5B),
        (device_time(meter.state, later), 0x8F47),
    ]


def _codes(hub: object, device: Eui64) -> list[int]:
    return [code for _, code in _security_log(hub.state(device))]  # type: ignore[attr-defined]


def test_joins_and_unjoins_are_logged_by_the_device_that_carries_them_out() -> None:
    """0x8F49 / 0x8F48 Device joining succeeded / failed, 0x8F4B / 0x8F4A Device Unjoining
    succeeded / failed, in the Security Log of the Device the Command went to."""
    hub = _hub()
    hub.state(CHF_ID).get(ChfDeviceLog).managed = True  # lists nobody: no key establishment
    refused = _values(hub, join(ESME_ID, PPMID_ID, 1, critical=True))
    assert refused["response_code"] == "noCBKEResponse"
    hub.state(CHF_ID).get(ChfDeviceLog).managed = False
    assert _values(hub, join(ESME_ID, PPMID_ID, 2, critical=True))["response_code"] == "success"
    other = Eui64.parse("00-DB-12-34-56-78-90-C9")
    missing = _values(hub, unjoin(ESME_ID, other, 3, critical=True))
    assert missing["response_code"] == "notInDeviceLog"
    assert _values(hub, unjoin(ESME_ID, PPMID_ID, 4, critical=True))["response_code"] == "success"
    assert _codes(hub, ESME_ID) == [0x8F48, 0x8F49, 0x8F4A, 0x8F4B]
    assert _codes(hub, PPMID_ID) == []  # the PPMID was not asked to do anything
    assert _values(hub, join(GSME_ID, IHD_ID, 5, critical=False))["response_code"] == "success"
    assert _codes(hub, GSME_ID) == [0x8F49]
    assert _codes(hub, GPF_ID) == []  # the GPF mirrors the GSME's log; it joined nothing
