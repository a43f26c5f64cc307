"""State carried by the Devices, shown through the hub (issue 5): scripted sequences per family.

Each sequence drives a running hub over real HTTP as a DCC User would: signed DUIS requests
(the reference templates, re-addressed to the demo estate's Devices, with values the test
chooses), critical ones through the Pre-Command round (CV 4, the User's GBCS signature,
CV 5), the asynchronous Responses taken by a real callback receiver (signature and schema
checked by ``CallbackReceiver``). A write is followed by the matching read, and the read's
GBCS Response, decoded with the User's keys (``opendcc.gbcs.codec.decode``, MAC or
signature verified), must show what was written: the simulated Device carried the state.

The hub runs on a manual clock so that sequences that need time (registers advancing,
a network data log sampling) move it; everything else happens at one instant.

The table of what was checked is printed at the end of the module (``pytest -s`` or
``-rP`` to see it).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from opendcc.clock import ManualClock
from opendcc.devices.config_api import change_of_tenancy
from opendcc.devices.esme_reads import current_cin
from opendcc.duis import build
from opendcc.duis.timestamps import format_xs_datetime
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.codec import DecodedMessage
from opendcc.inventory.model import Device, DeviceType
from tests.hub.harness import (
    RunningHub,
    delivered,
    device_response,
    from_template,
    party,
    request,
    running_hub,
)
from tests.hub.test_nondevice_more import ota_image

SUPPLIER = "supplier-a"
PREPAY_VALUES = "ReadInstantaneousPrepayValues"


@dataclass(frozen=True, slots=True)
class Row:
    family: str
    sequence: str
    checked: str


ROWS: list[Row] = []


@pytest.fixture(scope="module", autouse=True)
def _table() -> Iterator[None]:
    yield
    if not ROWS:
        return
    widths = [max(len(getattr(r, f)) for r in ROWS) for f in ("family", "sequence")]
    print("\nState carried by the Devices, through the hub:")
    print(f"  {'family':<{widths[0]}}  {'sequence':<{widths[1]}}  checked")
    for r in ROWS:
        print(f"  {r.family:<{widths[0]}}  {r.sequence:<{widths[1]}}  {r.checked}")


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    async with running_hub(tmp_path, clock=clock) as running:
        yield running


def _set_indexed(root: etree._Element, tag: str, index: str, value: str) -> None:
    for element in root.iter(f"{{*}}{tag}"):
        if element.get("index") == index:
            element.text = value
            return
    raise AssertionError(f"no {tag} index {index}")


async def _ask(hub: RunningHub, who: str, root: etree._Element) -> DecodedMessage:
    """Send ``root`` as ``who`` (critical: CV 4 -> signed Pre-Command -> CV 5), wait for its
    Response at the receiver, and decode the Device's GBCS Response with checks."""
    return device_response(hub, *await delivered(hub, who, root))


def _values(decoded: DecodedMessage) -> Any:
    payload = decoded.payload.to_json()
    values = payload.get("values", payload)
    if isinstance(values, dict) and "use_case" in values and "data" in values:
        return values["data"]  # a ZigBee (GBZ) answer: its named data
    return values


async def _read(hub: RunningHub, who: str, template: str, device: Device) -> Any:
    return _values(await _ask(hub, who, from_template(template, who, device)))


def _record(family: str, sequence: str, checked: str) -> None:
    ROWS.append(Row(family, sequence, checked))


# --- tariffs ---------------------------------------------------------------------------------


async def test_tariffs_update_then_read(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    before = await _read(hub, SUPPLIER, "ECS24_4.11.1_SUCCESS", esme)
    update = from_template(
        "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS", SUPPLIER, esme, StandingCharge="31415"
    )
    _set_indexed(update, "BlockThreshold", "1", "12345")
    written = _values(await _ask(hub, SUPPLIER, update))
    assert set(written.values()) == {"success"}
    after = await _read(hub, SUPPLIER, "ECS24_4.11.1_SUCCESS", esme)
    assert before["StandingCharge"]["charge_table"][0]["charge_per_unit"] != 31415
    assert after["StandingCharge"]["charge_table"][0]["charge_per_unit"] == 31415
    assert after["TariffThresholdMatrixRate1"][:2] == [12345, 20000]
    assert len(after["TariffSwitchingTable.DayProfiles"][0]["day_schedule"]) == 1
    _record(
        "tariffs",
        "ESME 1.1.1 (block) -> 4.11.1",
        "standing charge 31415, block threshold 1 = 12345, one-switch day profile",
    )

    gsme = hub.device_of(DeviceType.GSME)
    update = from_template(
        "GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS", SUPPLIER, gsme, StandingCharge="27182"
    )
    _set_indexed(update, "TOUPrice", "2", "12345")
    await _ask(hub, SUPPLIER, update)
    read = await _read(hub, SUPPLIER, "ECS24_4.11.1_SUCCESS", gsme)
    assert read["StandingCharge"] == "0.27182"
    prices = {p["Index"]: p["Price"] for p in read["TOUTariff"]["TariffTOUPrice"]}
    assert prices[2] == "0.12345"
    _record(
        "tariffs", "GSME 1.1.1 (TOU) -> 4.11.1", "standing charge 0.27182, TOU price 2 = 0.12345"
    )


# --- prepayment ------------------------------------------------------------------------------


async def test_prepayment_mode_top_up_and_balance(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    mode = await _read(hub, SUPPLIER, "ECS26j_6.2.9_SUCCESS", esme)
    assert mode["PaymentMode"]["payment_mode"] == "Credit"
    await _ask(
        hub,
        SUPPLIER,
        from_template(
            "ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS", SUPPLIER, esme, DisablementThreshold="424242"
        ),
    )
    mode = await _read(hub, SUPPLIER, "ECS26j_6.2.9_SUCCESS", esme)
    assert mode["PaymentMode"]["payment_mode"] == "Prepayment"
    configuration = await _read(hub, SUPPLIER, "ECS26a_4.13_SINGLE_SUCCESS", esme)
    assert configuration["DisablementThreshold"] == [424242]
    _record(
        "prepayment",
        "ESME 1.6 -> 6.2.9, 4.13",
        "payment mode Credit -> Prepayment; disablement threshold 424242",
    )

    start = (await _read(hub, SUPPLIER, "ECS82_4.18_SUCCESS", esme))["MeterBalance"]
    await _ask(
        hub,
        SUPPLIER,
        from_template("ECS04a_1.5_SUCCESS", SUPPLIER, esme, AdjustMeterBalance="250000"),
    )
    adjusted = (await _read(hub, SUPPLIER, "ECS82_4.18_SUCCESS", esme))["MeterBalance"]
    assert adjusted == start + 250000
    debts = from_template(
        "ECS07_2.3_SUCCESS",
        SUPPLIER,
        esme,
        TimeDebtRegister1="31000",
        TimeDebtRegister2="16500",
        PaymentDebtRegister="52000",
    )
    await _ask(hub, SUPPLIER, debts)
    registers = await _ask(
        hub, SUPPLIER, request("4.3", PREPAY_VALUES, party(SUPPLIER), esme.device_id)
    )
    values = _values(registers)
    assert values["MeterBalance"] == adjusted
    debt = [values[k] for k in ("TimeDebtRegisters1", "TimeDebtRegisters2", "PaymentDebtRegister")]
    assert debt == [31000, 16500, 52000]
    _record(
        "prepayment",
        "ESME 4.18, 1.5, 4.18; 2.3 -> 4.3",
        f"balance {start} -> {adjusted} (+250000); debts 31000 / 16500 / 52000",
    )


# --- messages and access ---------------------------------------------------------------------


async def test_restrict_access_for_change_of_tenancy(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    restriction = hub.hub.clock.now() - timedelta(hours=6)
    assert change_of_tenancy(hub.hub.states.load(esme)) is None
    answer = await _ask(
        hub,
        SUPPLIER,
        from_template(
            "ECS12_3.2_SUCCESS",
            SUPPLIER,
            esme,
            RestrictionDateTime=format_xs_datetime(restriction),
        ),
    )
    assert _values(answer) == {"ChangeOfTenancyDate": "success"}
    # DUIS has no read of the change of tenancy date, and no simulated read yet restricts
    # data by it: the ESME's state holds the date the Supplier wrote.
    assert change_of_tenancy(hub.hub.states.load(esme)) == restriction
    _record(
        "messages/access",
        "ESME 3.2 (6 h ago)",
        f"ESME holds change of tenancy {restriction:%Y-%m-%d %H:%M} (no read)",
    )


# --- reads -----------------------------------------------------------------------------------


async def test_registers_advance_with_the_clock(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    first = await _read(hub, SUPPLIER, "ECS17b_4.1.1_SINGLE_SUCCESS", esme)
    assert isinstance(hub.hub.clock, ManualClock)
    hub.hub.clock.advance(timedelta(hours=1))
    second = await _read(hub, SUPPLIER, "ECS17b_4.1.1_SINGLE_SUCCESS", esme)
    wh = [r["ActiveImportRegister"]["value"] for r in (first, second)]
    assert second["ActiveImportRegister"]["unit"] == "Wh"
    assert 0 < wh[1] - wh[0] < 25_000  # a home's hour: more than nothing, under 25 kWh
    _record("reads", "ESME 4.1.1, +1 h, 4.1.1", f"active import {wh[0]} -> {wh[1]} Wh")


# --- configuration ---------------------------------------------------------------------------


async def test_configuration_write_then_read(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    before = await _read(hub, SUPPLIER, "ECS26d_6.2.3_SUCCESS", esme)
    await _ask(
        hub, SUPPLIER, from_template("ECS30_6.8_SUCCESS", SUPPLIER, esme, BillingTime="17:30:00Z")
    )
    after = await _read(hub, SUPPLIER, "ECS26d_6.2.3_SUCCESS", esme)
    assert before["BillingCalendar"][0]["time"] != "17:30:00"
    assert after["BillingCalendar"][0]["time"] == "17:30:00"

    thresholds = from_template(
        "ECS34_6.12_SUCCESS",
        SUPPLIER,
        esme,
        LowMediumPowerThreshold="2750",
        MediumHighPowerThreshold="5125",
    )
    await _ask(hub, SUPPLIER, thresholds)
    read = await _read(hub, SUPPLIER, "ECS26f_6.2.5_SUCCESS", esme)
    assert [t["value"] for t in read["InstantaneousPowerThresholds"]] == [2750, 5125]
    _record(
        "configuration",
        "ESME 6.8 -> 6.2.3; 6.12 -> 6.2.5",
        "billing time 17:30:00; power thresholds 2750 W / 5125 W",
    )


async def test_randomised_offset_limit_set_by_supply_read_by_configuration(
    hub: RunningHub,
) -> None:
    """One Randomised Offset Limit per ESME: 7.12 (ECS38, the supply family) writes it and
    6.2.2 (ECS26c, the configuration family) reads it back, with the offset derived from it."""
    esme = hub.device_of(DeviceType.ESME)
    body = build.sr("SetRandomisedOffsetLimit", children=[build.sr("RandomisedOffsetLimit", "900")])
    await _ask(hub, SUPPLIER, request("7.12", body, party(SUPPLIER), esme.device_id, cv=4))
    read = await _read(hub, SUPPLIER, "ECS26c_6.2.2_SUCCESS", esme)
    assert read["RandomisedOffsetLimit"] == 900
    assert read["RandomisedOffset"] == read["RandomisedOffsetNumber"] % 901
    _record("configuration", "ESME 7.12 -> 6.2.2", "randomised offset limit 900 s")


# --- supply ----------------------------------------------------------------------------------


async def test_supply_disable_arm_enable(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    states = [(await _read(hub, SUPPLIER, "GCS33_7.4_SUCCESS", esme))["SupplyState"]]
    for template in ("ECS43_7.2_SUCCESS", "ECS44_7.3_SUCCESS", None):
        root = (
            from_template(template, SUPPLIER, esme)
            if template
            else request("7.1", "EnableSupply", party(SUPPLIER), esme.device_id, cv=4)
        )
        await _ask(hub, SUPPLIER, root)
        states.append((await _read(hub, SUPPLIER, "GCS33_7.4_SUCCESS", esme))["SupplyState"])
    assert states[1] in ("Disabled", "Disconnected")
    assert states[2] == "ReadyForReconnection"  # armed: the consumer may reconnect
    assert states[3] not in ("Disabled", "Disconnected", "ReadyForReconnection")
    assert states[3] == states[0]
    _record("supply", "ESME 7.4, 7.2, 7.4, 7.3, 7.4, 7.1, 7.4", " -> ".join(states))


async def test_no_import_registered_while_the_supply_is_off(hub: RunningHub) -> None:
    """7.2 stops the active import register (ECS43: the load switch open), through the
    hours the clock moves; 7.1 (ECS42) lets it move again."""
    esme = hub.device_of(DeviceType.ESME)
    assert isinstance(hub.hub.clock, ManualClock)
    register = "ECS17b_4.1.1_SINGLE_SUCCESS"
    wh = [(await _read(hub, SUPPLIER, register, esme))["ActiveImportRegister"]["value"]]
    await _ask(hub, SUPPLIER, from_template("ECS43_7.2_SUCCESS", SUPPLIER, esme))
    hub.hub.clock.advance(timedelta(hours=3))
    wh.append((await _read(hub, SUPPLIER, register, esme))["ActiveImportRegister"]["value"])
    assert wh[1] == wh[0]
    await _ask(hub, SUPPLIER, request("7.1", "EnableSupply", party(SUPPLIER), esme.device_id, cv=4))
    hub.hub.clock.advance(timedelta(hours=1))
    wh.append((await _read(hub, SUPPLIER, register, esme))["ActiveImportRegister"]["value"])
    assert 0 < wh[2] - wh[1] < 25_000
    _record(
        "supply",
        "ESME 4.1.1, 7.2, +3 h, 4.1.1, 7.1, +1 h, 4.1.1",
        "active import " + " -> ".join(f"{v} Wh" for v in wh),
    )


# --- HAN and inventory -----------------------------------------------------------------------


async def test_han_device_log_add_then_read(hub: RunningHub) -> None:
    chf = hub.device_of(DeviceType.CHF)
    newcomer = Eui64.parse("00-DB-12-34-56-78-9A-B7")
    before = await _read(hub, SUPPLIER, "CCS06_8.9_SUCCESS", chf)
    assert str(newcomer) not in [e["mac_address"] for e in before["CHFDeviceLog"]]
    await _ask(
        hub, SUPPLIER, from_template("CCS01_8.11_SUCCESS", SUPPLIER, chf, DeviceID=str(newcomer))
    )
    after = await _read(hub, SUPPLIER, "CCS06_8.9_SUCCESS", chf)
    listed = [e["mac_address"] for e in after["CHFDeviceLog"]]
    assert str(newcomer) in listed
    _record(
        "HAN/inventory",
        "CHF 8.9, 8.11 add, 8.9",
        f"{newcomer} whitelisted: device log {len(before['CHFDeviceLog'])} -> {len(listed)}",
    )


# --- firmware --------------------------------------------------------------------------------


async def test_firmware_distribute_activate_then_read_version(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    old = (await _read(hub, SUPPLIER, "ECS52_11.2_SUCCESS", esme))["FirmwareVersion"]
    image = ota_image(b"state sequence firmware " * 16)
    body = build.sr(
        "UpdateFirmware",
        children=[
            build.sr("FirmwareImage", base64.b64encode(image).decode()),
            build.sr("FirmwareVersion", "0203CAFE"),
            build.sr("DeviceIDList", str(esme.device_id)),
        ],
    )
    async with hub.client(SUPPLIER) as client:
        _, answer = await client.send(
            request("11.1", body, party(SUPPLIER), DCC_ACCESS_CONTROL_BROKER, cv=8)
        )
    assert answer.code == "I0", (answer.code, answer.problem)
    digest = hashlib.sha256(image).hexdigest().upper()
    activate = build.sr("ActivateFirmware", children=[build.sr("FirmwareHash", digest)])
    await _ask(hub, SUPPLIER, request("11.3", activate, party(SUPPLIER), esme.device_id, cv=4))
    new = (await _read(hub, SUPPLIER, "ECS52_11.2_SUCCESS", esme))["FirmwareVersion"]
    assert old.upper() != "0203CAFE" and new.upper() == "0203CAFE"
    _record("firmware", "ESME 11.2, 11.1, 11.3, 11.2", f"firmware version {old} -> {new}")


# --- customer identification and network data ------------------------------------------------


async def test_customer_identification_number(hub: RunningHub) -> None:
    esme = hub.device_of(DeviceType.ESME)
    assert current_cin(hub.hub.states.load(esme)) is None
    answer = _values(
        await _ask(hub, "other-user", from_template("ECS50_9.1_SUCCESS", "other-user", esme))
    )
    assert answer == {"CustomerIdentificationNumber": "success"}
    # DUIS offers no read of the CIN (the meter displays it to the consumer); the ESME's
    # state holds the four digits the DCC sent.
    shown = current_cin(hub.hub.states.load(esme))
    assert shown is not None and len(shown) == 4 and shown.isdigit()
    _record("customer identification", "ESME 9.1 (Other User)", f"ESME set CIN {shown} (no read)")


async def test_network_data_log_then_read(hub: RunningHub) -> None:
    gsme = hub.device_of(DeviceType.GSME)
    transporter = "gas-transporter"
    empty = await _read(hub, transporter, "ECS23_4.10_SUCCESS", gsme)
    assert "NetworkDataLog" not in str(empty)
    await _ask(hub, transporter, from_template("GCS31_14.1_SUCCESS", transporter, gsme))
    assert isinstance(hub.hub.clock, ManualClock)
    hub.hub.clock.advance(timedelta(hours=2))
    log = (await _read(hub, transporter, "ECS23_4.10_SUCCESS", gsme))["NetworkDataLog"]
    stamps = [datetime.fromisoformat(e["Timestamp"]) for e in log["LogEntry"]]
    assert len(stamps) >= 19
    assert {b - a for a, b in itertools.pairwise(stamps)} == {timedelta(seconds=360)}
    _record(
        "network data",
        "GSME 4.10, 14.1 (Gas Transporter), +2 h, 4.10",
        f"log empty -> {len(stamps)} samples 360 s apart",
    )
