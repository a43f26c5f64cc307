"""Tariff state on simulated meters: an update then a read returns what was written; a
future-dated update waits for its date, then takes effect with the 8F66 alerts the
reference shows; a cancellation drops the held update.

The Commands are made from the reference DUIS templates by the family's transforms (which
reproduce the reference Commands byte for byte, ``test_transform_conformance``).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opendcc.devices.tariffs_esme import DIRECT
from opendcc.devices.tariffs_state import EsmeTariffs, GasTariffs
from opendcc.gbcs.alert_codes import alert_code_in
from opendcc.gbcs.codec import decode
from opendcc.gbcs.dlms.apdu import DataNotification
from opendcc.gbcs.dlms.data import Array, Data, DoubleLongUnsigned
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.gbz.payload import GbzPayload
from opendcc.transform import tariffs_cosem as c
from tests.catalogue.tariffs import answers as a
from tests.catalogue.tariffs import support as s
from tests.reference import REFERENCE_DIR

AT = s.RTDS_NOW
EXECUTION = datetime(2030, 1, 15, 9, tzinfo=UTC)
"""When the reference future-dated Commands execute."""
RTDS = REFERENCE_DIR / "gbcs" / "rtds"

_ACTIVE = {
    **{
        (20, obis, passive): (20, obis, passive - 4)
        for obis in c.CALENDAR.values()
        for passive in (7, 8, 9)
    },
    **{
        (11, c.SPECIAL_DAYS_PASSIVE[x], 2): (11, c.SPECIAL_DAYS_ACTIVE[x], 2) for x in (False, True)
    },
    **{
        (21, p, 2): (21, q, 2)
        for p, q in zip(c.THRESHOLDS_PASSIVE, c.THRESHOLDS_ACTIVE, strict=True)
    },
    (9000, c.CURRENCY, 4): (9000, c.CURRENCY, 2),
    **{(113, obis, 6): (113, obis, 5) for obis in (c.STANDING_CHARGE, *c.PRICE_MATRIX.values())},
}
"""Where a read finds each passive attribute a tariff update writes, once active."""

NO_THRESHOLD = DoubleLongUnsigned(0xFFFF_FFFF)


def _as_read(descriptor: tuple[int, str, int], value: Data) -> Data:
    """The value written, as the ESME answers it (threshold arrays three long)."""
    if descriptor[0] == 21 and isinstance(value, Array):
        return Array(value.items + (NO_THRESHOLD,) * (3 - len(value.items)))
    return value


ESME_UPDATES = [
    ("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", "A", "4.11.1"),
    ("ECS01b_1.2.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", "A", "4.11.1"),
    ("ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "A", "4.11.1"),
    ("ECS01c_1.1.2_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "B", "4.11.2"),
    ("ECS01d_1.2.2_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML", "B", "4.11.2"),
]


def _read_tariff(meter: s.Meter, variant: str, at: datetime, counter: int) -> dict[Any, Data]:
    tag = "ReadTariffPrimaryElement" if variant == "4.11.1" else "ReadTariffSecondaryElement"
    result = meter.ask(variant, s.element(tag), at, counter=counter)
    return a.got(meter, result)


def _expected(meter: s.Meter) -> dict[Any, Data]:
    return {
        _ACTIVE[d]: _as_read(_ACTIVE[d], v) for d, v in a.written(meter).items() if d in _ACTIVE
    }


@pytest.mark.parametrize(("template", "esme_variant", "read"), ESME_UPDATES)
def test_esme_update_then_read_returns_what_was_written(
    template: str, esme_variant: str, read: str
) -> None:
    meter = s.Meter(s.ESME, variant=esme_variant)
    result = meter.send(template, AT, counter=1000)
    assert set(a.results(result)) == {0}
    expected = _expected(meter)
    assert expected, "the update wrote nothing a read shows"
    values = _read_tariff(meter, read, AT, 1001)
    for descriptor, value in expected.items():
        assert values[descriptor] == value, descriptor


def test_esme_active_price_follows_the_written_price_matrix() -> None:
    meter = s.Meter(s.ESME, variant="A")
    meter.send("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML", AT, counter=1000)
    matrix = a.written(meter)[(113, c.PRICE_MATRIX[False], 6)]
    prices = [n for n in a.numbers(matrix)]
    values = _read_tariff(meter, "4.11.1", AT, 1001)
    price = values[(3, c.ACTIVE_PRICE[False], 2)]
    assert isinstance(price, DoubleLongUnsigned)
    assert price.value in prices
    assert price.value > 0


def test_esme_future_dated_tariff_waits_for_its_date() -> None:
    meter = s.Meter(s.ESME, variant="A")
    before = _read_tariff(meter, "4.11.1", AT, 1)
    meter.send("ECS01a_1.1.1_FUTURE_DATED_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML", AT, counter=2)
    expected = _expected(meter)
    assert _read_tariff(meter, "4.11.1", AT + timedelta(days=1), 3) == before
    assert meter.wake(EXECUTION - timedelta(minutes=1)) == ()
    alerts = meter.wake(EXECUTION)
    assert len(alerts) == 6
    after = _read_tariff(meter, "4.11.1", EXECUTION, 4)
    for descriptor, value in expected.items():
        assert after[descriptor] == value, descriptor
    assert meter.wake(EXECUTION + timedelta(days=1)) == ()


GSME_PUBLISHES = ("PublishDayProfile", "PublishWeekProfile", "PublishSeasons", "PublishSpecialDays")


def _gas_read(meter: s.Meter, at: datetime, counter: int) -> Any:
    return a.answer(meter.ask("4.11.1", s.element("ReadTariffPrimaryElement"), at, counter=counter))


def _strip(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: a.plain(v) for k, v in fields.items()}


def test_gsme_update_then_read_returns_what_was_written() -> None:
    meter = s.Meter(s.GSME)
    meter.send("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", AT, counter=1000)
    tariff = a.sent(meter)
    meter.send("GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", AT, counter=1001)
    prices = a.sent(meter)
    read = _gas_read(meter, AT, 1002)
    for name in GSME_PUBLISHES:
        assert [_strip(f) for f in a.commands(read, name)] == [
            _strip(f) for f in a.commands(tariff, name)
        ], name
    (information,) = a.commands(prices, "PublishTariffInformation")
    (matrix,) = a.commands(prices, "PublishPriceMatrix")
    values = a.attributes(read, "Price")
    assert values["StandingCharge"] == information["standing_charge"]
    for entry in matrix["prices"]:
        tier = entry["tier_block_id"]
        assert values[f"Tier{tier}Block1Price"] == entry["price"]
    (current,) = a.commands(read, "PublishPrice")
    assert current["price"] in {e["price"] for e in matrix["prices"]}


def test_gsme_future_dated_tariff_waits_for_its_date() -> None:
    meter = s.Meter(s.GSME)
    before = _gas_read(meter, AT, 1)
    meter.send("GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML", AT, counter=2)
    tariff = a.sent(meter)
    during = _gas_read(meter, AT + timedelta(days=1), 3)
    assert a.attributes(during, "Price") == a.attributes(before, "Price")
    for name in GSME_PUBLISHES:
        assert a.commands(during, name) == a.commands(before, name)
    assert meter.wake(EXECUTION - timedelta(seconds=1)) == ()
    assert len(meter.wake(EXECUTION)) == 5
    after = _gas_read(meter, EXECUTION, 4)
    for name in ("PublishDayProfile", "PublishWeekProfile", "PublishSeasons"):
        assert [_strip(f) for f in a.commands(after, name)] == [
            _strip(f) for f in a.commands(tariff, name)
        ], name
    (information,) = a.commands(tariff, "PublishTariffInformation")
    (thresholds,) = a.commands(tariff, "PublishBlockThresholds")
    (matrix,) = a.commands(tariff, "PublishPriceMatrix")
    values = a.attributes(after, "Price")
    assert values["StandingCharge"] == information["standing_charge"]
    (tier,) = thresholds["tiers"]
    for n, entry in enumerate(tier["block_thresholds"], start=1):
        assert values[f"Block{n}Threshold"] == entry["block_threshold"]
    assert matrix["sub_payload_control"] == 0  # block prices, block ids from 0
    for entry in matrix["prices"]:
        assert values[f"NoTierBlock{entry['tier_block_id'] + 1}Price"] == entry["price"]


# --- 8F66 execution alerts ---------------------------------------------------------------------

FUTURE_TEMPLATES = {
    "1.1.1_ECS01a": "ECS01a_1.1.1_FUTURE_DATED_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML",
    "1.1.1_GCS01a": "GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML",
    "1.1.2_ECS01c": "ECS01c_1.1.2_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML",
    "1.2.1_ECS01b": "ECS01b_1.2.1_FUTURE_DATED_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML",
    "1.2.1_GCS01b": "GCS01b_1.2.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML",
    "1.2.2_ECS01d": "ECS01d_1.2.2_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML",
    "1.6_ECS02": "ECS02_1.6_FUTURE_DATED_TWIN_SUCCESS_REQUEST_DUIS.XML",
    "1.6_ECS03": "ECS03_1.6_FUTURE_DATED_TWIN_SUCCESS_REQUEST_DUIS.XML",
    "1.6_GCS02": "GCS02_1.6_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML",
    "1.6_GCS03": "GCS03_1.6_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML",
    "2.1_ECS08": "ECS08_2.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML",
    "2.1_ECS08a": "ECS08a_2.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML",
    "2.1_GCS05": "GCS05_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
}
"""The future-dated request behind each folder's alerts. The reference has no future-dated
GCS05 template or successful Command: its alerts name Command counter 1001, the
IMMEDIATE template's body dated as the others are."""

GCS05_FUTURE_COUNTER = 1001


def _future_request(folder: str, meter: s.Meter) -> s.TransformInput:
    name = FUTURE_TEMPLATES[folder]
    request = s.request_from(name, variant=meter.variant)
    request = replace(request, target=meter.device.device_id, device=meter.device)
    if "IMMEDIATE" in name:
        request = replace(request, execution_at=EXECUTION, counter=GCS05_FUTURE_COUNTER)
    return request


def _meter(folder: str) -> s.Meter:
    use_case = folder.split("_")[1]
    if use_case.startswith("G"):
        return s.Meter(s.GSME)
    if use_case in s.GBCS_VERSIONS:
        older = s.device(0xA0, gbcs_version=s.GBCS_VERSIONS[use_case])
        return s.Meter(older, variant="A")
    twin = "TWIN" in FUTURE_TEMPLATES[folder] or use_case in ("ECS01c", "ECS01d")
    return s.Meter(s.ESME, variant="B" if twin else "A")


def _alert_key(raw: bytes, *, ours: bool) -> Any:
    decoded = decode(raw, s.device_security() if ours else s.security())
    payload = decoded.payload
    if isinstance(payload, DlmsPayload):
        assert isinstance(payload.apdu, DataNotification)
        return ("dlms", decoded.message.message_code, repr(payload.apdu.body))
    assert isinstance(payload, GbzPayload) and payload.alert is not None
    return ("gbz", decoded.message.message_code, payload.alert.alert_code, payload.alert.body)


def _without_frame_control(key: Any) -> Any:
    if key[0] != "gbz":
        return key
    return (*key[:3], replace(key[3], frame_control=None))


@pytest.mark.conformance
@pytest.mark.parametrize("folder", sorted(FUTURE_TEMPLATES))
def test_future_dated_execution_raises_the_reference_alerts(folder: str) -> None:
    """Every reference 8F66 alert of the folder is among those the meter raises when the
    held Command executes, identical in content (the reference shows a sample: the
    meter raises one per component or activation)."""
    references = sorted((RTDS / folder).glob("*_8F66_*ALERT*_GBCS.HEX"))
    assert references, f"no 8F66 alerts in {folder}"
    meter = _meter(folder)
    meter.deliver(_future_request(folder, meter), AT)
    raised = meter.wake(EXECUTION)
    ours = Counter(_alert_key(raw, ours=True) for raw in raised)
    theirs = Counter(
        _alert_key(bytes.fromhex(p.read_text().strip()), ours=False) for p in references
    )
    if folder == "2.1_GCS05":
        # The reference PublishSpecialDays alert gives frame control 0x01 where every
        # GCS05 Command (and the other GBZ alerts) carry the component's own 0x09.
        ours = Counter(_without_frame_control(k) for k in ours.elements())
        theirs = Counter(_without_frame_control(k) for k in theirs.elements())
    assert not theirs - ours, f"missing {theirs - ours}"


# --- cancellation ------------------------------------------------------------------------------

CANCELLATIONS = [
    ("1.1.1_ECS01a", "ECS01a_1.1.1_CANCELLATION_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML"),
    ("1.2.1_ECS01b", "ECS01b_1.2.1_CANCELLATION_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML"),
    ("1.2.2_ECS01d", "ECS01d_1.2.2_CANCELLATION_SUCCESS_REQUEST_DUIS.XML"),
    ("1.6_ECS02", "ECS02_1.6_CANCELLATION_TWIN_SUCCESS_REQUEST_DUIS.XML"),
    ("1.6_ECS03", "ECS03_1.6_CANCELLATION_TWIN_SUCCESS_REQUEST_DUIS.XML"),
    ("2.1_ECS08", "ECS08_2.1_CANCELLATION_SUCCESS_REQUEST_DUIS.XML"),
    ("2.1_ECS08a", "ECS08a_2.1_CANCELLATION_SUCCESS_REQUEST_DUIS.XML"),
    ("1.6_GCS02", "GCS02_1.6_CANCELLATION_SUCCESS_REQUEST_DUIS.XML"),
    ("1.6_GCS03", "GCS03_1.6_CANCELLATION_SUCCESS_REQUEST_DUIS.XML"),
    ("2.1_GCS05", "GCS05_2.1_CANCELLATION_SUCCESS_REQUEST_DUIS.XML"),
]


def _configuration(meter: s.Meter) -> dict[str, Any]:
    """The meter's tariff and prepayment configuration in force (not its money, which
    time moves). An ESME's future-dated Command writes passive attributes at once and
    activates them at the date (GBCS 8.7.2): only what is active counts, less what a
    Command sets directly whatever its dating (ECS08 sets the maximum meter balance so,
    even when cancelling)."""
    active = meter.state.get(EsmeTariffs).active
    return copy.deepcopy(
        {
            "esme": {k: v for k, v in active.items() if k not in DIRECT},
            "gsme": meter.state.get(GasTariffs).to_json(),
        }
    )


@pytest.mark.parametrize(("folder", "cancellation"), CANCELLATIONS)
def test_cancellation_drops_the_held_command(folder: str, cancellation: str) -> None:
    meter = _meter(folder)
    future = _future_request(folder, meter)
    before = _configuration(meter)
    meter.deliver(replace(future, counter=5000), AT)
    result = meter.send(cancellation, AT + timedelta(hours=1), counter=5001)
    decoded = a.answer(result)
    if isinstance(decoded.payload, DlmsPayload):
        assert set(a.results(result)) == {0}
    else:
        assert set(a.statuses(decoded)) <= {0}
    assert meter.wake(EXECUTION + timedelta(days=1)) == ()
    assert _configuration(meter) == before


def test_a_held_command_not_cancelled_executes() -> None:
    meter = _meter("1.6_ECS03")
    before = _configuration(meter)
    meter.deliver(replace(_future_request("1.6_ECS03", meter), counter=5000), AT)
    assert _configuration(meter) == before
    alerts = meter.wake(EXECUTION)
    assert _configuration(meter) != before
    # Two activations executed (8F66 each); prepayment with no credit then disables the
    # supply (the supply family's 0x8F0F), after them.
    assert [alert_code_in(raw) for raw in alerts] == [0x8F66, 0x8F66, 0x8F0F]


def test_cancelling_nothing_is_answered_without_effect() -> None:
    meter = s.Meter(s.ESME, variant="A")
    before = _read_tariff(meter, "4.11.1", AT, 1)
    meter.send("ECS01a_1.1.1_CANCELLATION_TOU_BLOCK_SUCCESS_REQUEST_DUIS.XML", AT, counter=2)
    assert meter.wake(EXECUTION) == ()
    assert _read_tariff(meter, "4.11.1", EXECUTION, 3) == before
