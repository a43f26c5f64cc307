"""``opendcc send`` completes a critical 8.7.1 Join Service against a running hub.

The Command the DCC makes of a join depends on the other Device (GBCS 13.7: its type
chooses CS03A1, CS03A2 or CS03C; a method C join carries its Key Agreement certificate).
Before it signs the Pre-Command, ``opendcc send`` looks the partner up as a User does, with
8.2 Read Inventory and the hub's SMKI service (port + 4), so that correlation can transform
the request as the DCC does (``opendcc.client.facts``). The CLI runs as a User's system
would (``CliRunner`` in a thread, the hub serving real HTTP in the test's event loop).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Final

import aiohttp
import pytest
from click.testing import Result
from lxml import etree
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.client.facts import inventory_devices, partners
from opendcc.duis import build
from opendcc.estate import rtds
from opendcc.eui import Eui64
from opendcc.hub.smki_view import SmkiInventoryView
from opendcc.inventory.model import Device, DeviceType, SmiStatus
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import KeyUsage
from opendcc.store import journal as jr
from tests.hub.harness import RunningHub, party, request, running_hub
from tests.reference import require_reference

SUPPLIER: Final = "supplier-a"
PPMID: Final = Eui64.parse("00-DB-12-34-56-78-9C-01")


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_hub(tmp_path / "hub") as running:
        yield running


async def _send(hub: RunningHub, file: Path, *more: str, who: str = SUPPLIER) -> Result:
    argv = [
        "send",
        str(file),
        "--as",
        who,
        "--hub",
        hub.base_url,
        "--data",
        str(hub.hub.config.data_dir),
        "--wait",
        "20",
        "--json",
        *more,
    ]
    return await asyncio.to_thread(CliRunner().invoke, app, argv)


def _report(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _steps(report: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(s["step"], s.get("code")) for s in report["steps"]]


def _join_file(tmp_path: Path, target: Eui64, other: Eui64) -> Path:
    body = build.sr("JoinServiceCritical", children=[build.sr("OtherDeviceID", str(other))])
    root = request("8.7.1", body, party(SUPPLIER), target, cv=4)
    path = tmp_path / "join.xml"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


async def _add_ppmid(hub: RunningHub, meter: Device) -> None:
    """A PPMID installed at the meter's premises, behind its Communications Hub."""
    details = hub.hub.estate.inventory.device_details(meter.device_id)
    assert details is not None
    new = {
        "device_id": str(PPMID),
        "device_type": "PPMID",
        "region": meter.region.value,
        "uprn": details.uprn,
        "chf_id": str(meter.chf_id),
        "status": "Commissioned",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{hub.base_url}/admin/v1/devices", json=new) as reply,
    ):
        assert reply.status == 201, await reply.text()


def _round_completed(report: dict[str, Any], use_case: str) -> None:
    """Look-ups, correlation, CV 4, the signed Pre-Command (CV 5), the Device's Response."""
    other = report["steps"][0]["step"].removeprefix("8.2 Read Inventory ")
    assert _steps(report) == [
        (f"8.2 Read Inventory {other}", "I0"),
        (f"SMKI certificates {other}", None),
        ("correlate", None),
        ("CV 4 transform", "I0"),
        ("CV 5 signed Pre-Command", "I99"),
        ("asynchronous response", "I0"),
    ], report["steps"]
    assert report["steps"][1]["detail"] == "2 in use (DS, KA)"
    assert report["steps"][2]["detail"] == "correlates"
    [value] = report["values"]
    assert value["use_case"] == use_case
    assert value["signature_valid"] is True  # a critical Command's Response is signed
    assert value["values"]["response_code"] == "success"


async def test_send_joins_a_ppmid_to_the_esme(hub: RunningHub, tmp_path: Path) -> None:
    """CS03A1 (method A): the partner's type, read from the inventory, chooses the Command;
    the join reaches the Smart Metering Inventory."""
    esme = hub.device_of(DeviceType.ESME)
    await _add_ppmid(hub, esme)
    report = _report(await _send(hub, _join_file(tmp_path, esme.device_id, PPMID)))
    _round_completed(report, "CS03A1")
    assert report["steps"][0]["detail"] == "PPMID Commissioned"
    entry = jr.get_by_request_id(hub.hub.db.reader(), report["request_id"])
    assert entry is not None and entry.command_variant == 5
    joined = hub.hub.estate.inventory.device_details(PPMID)
    assert joined is not None and esme.device_id in joined.joined_meters


async def test_send_joins_a_gsme_to_a_ppmid_with_its_smki_certificate(
    hub: RunningHub, tmp_path: Path
) -> None:
    """CS03C (method C): the Command carries the PPMID's Key Agreement certificate, which
    the User fetched from the SMKI service and correlation found in the Pre-Command."""
    gsme = hub.device_of(DeviceType.GSME)
    await _add_ppmid(hub, gsme)
    report = _report(await _send(hub, _join_file(tmp_path, gsme.device_id, PPMID)))
    _round_completed(report, "CS03C")
    joined = hub.hub.estate.inventory.device_details(PPMID)
    assert joined is not None and gsme.device_id in joined.joined_meters


async def test_a_certificate_other_than_the_smkis_is_not_signed(
    hub: RunningHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DCC that puts another Key Agreement certificate in the CS03C Command than the SMKI
    publishes for the PPMID gets no signature: correlation names the certificate and no
    CV 5 is sent (the request stays awaiting its signature)."""
    gsme = hub.device_of(DeviceType.GSME)
    await _add_ppmid(hub, gsme)
    honest = SmkiInventoryView.for_eui

    def swapped(self: SmkiInventoryView, eui: Eui64, usage: KeyUsage) -> list[CertificateRecord]:
        # The GSME's own KA certificate where the PPMID's belongs.
        return honest(self, gsme.device_id if eui == PPMID else eui, usage)

    monkeypatch.setattr(SmkiInventoryView, "for_eui", swapped)
    result = await _send(hub, _join_file(tmp_path, gsme.device_id, PPMID))
    assert result.exit_code == 2, result.output
    assert "the Pre-Command does not correlate" in result.output
    assert "a different certificate" in result.output, result.output
    joins = [
        entry
        for entry in jr.list_entries(hub.hub.db.reader(), target=str(gsme.device_id))
        if entry.variant == "8.7.1"
    ]
    assert [(e.command_variant, e.state) for e in joins] == [
        (4, jr.RequestState.AWAITING_SIGNATURE)
    ]


async def test_keep_counter_skips_the_look_ups_and_refuses_to_sign(
    hub: RunningHub, tmp_path: Path
) -> None:
    """--keep-counter: the look-ups would spend counters above the file's, so none is made;
    without the partner's facts the Pre-Command cannot be vouched for and is not signed."""
    esme = hub.device_of(DeviceType.ESME)
    await _add_ppmid(hub, esme)
    result = await _send(hub, _join_file(tmp_path, esme.device_id, PPMID), "--keep-counter")
    assert result.exit_code == 2, result.output
    assert "not in the Smart Metering Inventory" in result.output


@pytest.mark.conformance
async def test_send_completes_the_reference_critical_joins(tmp_path: Path) -> None:
    """--estate rtds with the DCC Boxed keys: the three 8.7.1 reference templates (CS03A1,
    CS03A2, CS03C) complete, each partner looked up in the inventory and the SMKI."""
    boxed = require_reference("keys", "dccboxed")
    templates = require_reference("duis", "templates")
    joins = {
        "CS03A1_8.7.1_SUCCESS_REQUEST_DUIS.XML": (rtds.PARTNER_HCALCS, "HCALCS Whitelisted"),
        "CS03A2Critical_8.7.1_SUCCESS_REQUEST_DUIS.XML": (
            rtds.PARTNER_ESME,
            "ESME InstalledNotCommissioned",
        ),
        "CS03CCritical_8.7.1_SUCCESS_REQUEST_DUIS.XML": (rtds.PARTNER_PPMID, "PPMID Whitelisted"),
    }
    async with running_hub(tmp_path / "hub", estate="rtds", boxed_keys=boxed) as hub:
        for name, (partner, found) in joins.items():
            result = await _send(
                hub, templates / name, "--boxed-keys", str(boxed), who=str(rtds.SUPPLIER)
            )
            report = _report(result)
            use_case = name.split("_")[0].removesuffix("Critical")
            _round_completed(report, use_case)
            assert report["steps"][0]["step"] == f"8.2 Read Inventory {partner}", name
            assert report["steps"][0]["detail"] == found, name


def test_only_a_critical_join_names_a_partner() -> None:
    body = build.sr("JoinServiceCritical", children=[build.sr("OtherDeviceID", str(PPMID))])
    esme = Eui64.parse("00-DB-12-34-56-78-90-A0")
    assert partners(request("8.7.1", body, party(SUPPLIER), esme, cv=4)) == [PPMID]
    unjoin = build.sr("UnjoinServiceCritical", children=[build.sr("OtherDeviceID", str(PPMID))])
    assert partners(request("8.8.1", unjoin, party(SUPPLIER), esme, cv=4)) == []
    bad = build.sr("JoinServiceCritical", children=[build.sr("OtherDeviceID", "not-an-eui")])
    assert partners(request("8.7.1", bad, party(SUPPLIER), esme, cv=4)) == []


def test_inventory_devices_reads_dsp_inventory_and_skips_what_duis_does_not_define() -> None:
    good = build.sr(
        "Device",
        children=[
            build.sr("DeviceID", str(PPMID)),
            build.sr("DeviceType", "PPMID"),
            build.sr("DeviceStatus", "Whitelisted"),
            build.sr("CSPRegion", "South"),
            build.sr("DeviceGBCSVersion", "3.2"),
        ],
    )
    odd = build.sr(
        "Device",
        children=[build.sr("DeviceID", "00-DB-12-34-56-78-9C-02"), build.sr("DeviceType", "XX")],
    )
    [(device, variant)] = inventory_devices(build.sr("DSPInventory", children=[good, odd]))
    assert (device.device_id, device.device_type, device.status) == (
        PPMID,
        DeviceType.PPMID,
        SmiStatus.WHITELISTED,
    )
    assert (device.region.value, device.gbcs_version, variant) == ("South", "3.2", None)
    assert inventory_devices(build.sr("DSPScheduleID", "1")) == []
    assert inventory_devices(None) == []


async def test_a_join_delivered_locally_looks_the_partner_up_too(
    hub: RunningHub, tmp_path: Path
) -> None:
    """--local: the same look-ups, then the signed Pre-Command as CV 6, the hand-held
    terminal and 8.13; the join reaches the inventory."""
    esme = hub.device_of(DeviceType.ESME)
    await _add_ppmid(hub, esme)
    report = _report(await _send(hub, _join_file(tmp_path, esme.device_id, PPMID), "--local"))
    assert _steps(report) == [
        (f"8.2 Read Inventory {PPMID}", "I0"),
        (f"SMKI certificates {PPMID}", None),
        ("correlate", None),
        ("CV 4 transform", "I0"),
        ("CV 6 signed Pre-Command", "I0"),
        ("hand-held terminal", None),
        ("8.13 Response returned", "I0"),
    ], report["steps"]
    [value] = report["values"]
    assert value["use_case"] == "CS03A1"
    joined = hub.hub.estate.inventory.device_details(PPMID)
    assert joined is not None and esme.device_id in joined.joined_meters


async def test_a_partner_the_inventory_does_not_hold(hub: RunningHub, tmp_path: Path) -> None:
    """The look-up finds nothing (8.2 E080201, no certificates); the hub refuses the join
    at CV 4 (E080702) and nothing is signed."""
    esme = hub.device_of(DeviceType.ESME)
    unknown = Eui64.parse("00-DB-12-34-56-78-9C-0F")
    report = _report(await _send(hub, _join_file(tmp_path, esme.device_id, unknown)))
    assert _steps(report) == [
        (f"8.2 Read Inventory {unknown}", "E080201"),
        (f"SMKI certificates {unknown}", None),
        ("CV 4 transform", "E080702"),
    ], report["steps"]
    assert report["steps"][0]["detail"] == "the inventory does not list it"
    assert report["steps"][1]["detail"] == "0 in use"


async def test_no_smki_service_leaves_the_certificates_unknown(
    hub: RunningHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SMKI service that cannot be reached is a step, not a crash: a method C join,
    whose Command carries the partner's certificate, is then not signed."""
    from opendcc.client import run

    monkeypatch.setattr(run, "smki_url", lambda hub: "http://127.0.0.1:9")
    gsme = hub.device_of(DeviceType.GSME)
    await _add_ppmid(hub, gsme)
    result = await _send(hub, _join_file(tmp_path, gsme.device_id, PPMID))
    assert result.exit_code == 2, result.output
    # The look-up failing did not end the exchange: the CV 4 went, and correlation refused
    # to vouch for a CS03C whose certificate the User could not fetch.
    assert "the Pre-Command does not correlate" in result.output, result.output
    assert "CS03C" in result.output, result.output
