"""``opendcc send`` completes a local-delivery round against a running hub (issue 5).

The CLI runs as a User's system would (``CliRunner`` in a thread, the hub serving real HTTP
in the test's event loop): the request's LocalCommand is carried to the simulated hand-held
terminal, the Device's Response is returned with 8.13, and each step is printed. A join
delivered this way reaches the Smart Metering Inventory.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from lxml import etree
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.duis import build
from opendcc.estate.records import EstateRefusal, NewDevice
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import DeviceType
from opendcc.store import journal as jr
from tests.hub.harness import RunningHub, party, request, running_hub
from tests.reference import require_reference

SUPPLIER = "supplier-a"


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_hub(tmp_path / "hub") as running:
        yield running


async def _send(hub: RunningHub, file: Path, *more: str) -> Result:
    argv = [
        "send",
        str(file),
        "--as",
        SUPPLIER,
        "--hub",
        hub.base_url,
        "--data",
        str(hub.hub.config.data_dir),
        "--wait",
        "20",
        *more,
    ]
    return await asyncio.to_thread(CliRunner().invoke, app, argv)


def _write(path: Path, root: etree._Element) -> Path:
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def _steps(result: Result) -> list[tuple[str, Any]]:
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    return [(s["step"], s.get("code")) for s in report["steps"]]


async def test_send_local_join_reaches_the_device_and_the_inventory(
    hub: RunningHub, tmp_path: Path
) -> None:
    """8.7.2 (CV 1 in the file) with --local goes as CV 2: the ESME joins the IHD (CS03B)
    on the terminal, and once 8.13 returns its Response the inventory records the join."""
    esme = hub.device_of(DeviceType.ESME)
    details = hub.hub.estate.inventory.device_details(esme.device_id)
    assert details is not None
    ihd = Eui64.parse("00-DB-12-34-56-78-9C-11")
    added = await hub.hub.estate.inventory.add_device(
        NewDevice(ihd, DeviceType.IHD, esme.region, uprn=details.uprn, chf_id=esme.chf_id),
        hub.hub.clock.now(),
        "test: a Type 2 device to join",
    )
    assert not isinstance(added, EstateRefusal), added
    body = build.sr("JoinServiceNonCritical", children=[build.sr("OtherDeviceID", str(ihd))])
    file = _write(
        tmp_path / "join.xml", request("8.7.2", body, party(SUPPLIER), esme.device_id, cv=1)
    )

    result = await _send(hub, file, "--local", "--json")
    assert _steps(result) == [
        ("CV 2", "I0"),
        ("hand-held terminal", None),
        ("8.13 Response returned", "I0"),
    ]
    report = json.loads(result.stdout)
    terminal = report["steps"][1]
    assert terminal["http"] == 200
    assert terminal["detail"].startswith(f"CS03B from {esme.device_id}")
    [value] = report["values"]
    assert value["use_case"] == "CS03B"
    assert True in (value["mac_valid"], value["signature_valid"])
    assert value["values"]["response_code"] == "success"

    # The DCC has the Device's Response: the request is complete and the join recorded.
    entry = jr.get_by_request_id(hub.hub.db.reader(), report["request_id"])
    assert entry is not None and entry.command_variant == 2
    joined = hub.hub.estate.inventory.device_details(ihd)
    assert joined is not None and joined.joined_meters == (esme.device_id,)


async def test_send_local_critical_round_ends_with_cv6(hub: RunningHub) -> None:
    """7.2 Disable Supply (CV 4) with --local: correlate, CV 4, the signed Pre-Command as
    CV 6, the terminal runs it on the ESME, 8.13 returns the Response."""
    esme = hub.device_of(DeviceType.ESME)
    template = require_reference("duis", "templates") / "ECS43_7.2_SUCCESS_REQUEST_DUIS.XML"
    result = await _send(hub, template, "--target", str(esme.device_id), "--local", "--json")
    assert _steps(result) == [
        ("correlate", None),
        ("CV 4 transform", "I0"),
        ("CV 6 signed Pre-Command", "I0"),
        ("hand-held terminal", None),
        ("8.13 Response returned", "I0"),
    ]
    [value] = json.loads(result.stdout)["values"]
    assert value["use_case"] == "ECS43"
    assert value["signature_valid"] is True  # a critical Command's Response is signed


async def test_a_cv2_request_completes_its_local_round_by_itself(
    hub: RunningHub, tmp_path: Path
) -> None:
    """No --local needed: a CV 2 file's LocalCommand is carried and returned, and the
    printed table shows each step."""
    esme = hub.device_of(DeviceType.ESME)
    template = (
        require_reference("duis", "templates") / "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"
    )
    root = etree.parse(str(template)).getroot()
    cv = next(root.iter("{*}CommandVariant"))
    assert cv.text == "1"
    cv.text = "2"
    file = _write(tmp_path / "read-local.xml", root)

    result = await _send(hub, file, "--target", str(esme.device_id))
    assert result.exit_code == 0, result.output
    for shown in ("CV 2", "hand-held terminal", "ECS17b from", "8.13 Response returned", "I0"):
        assert shown in result.stdout, result.stdout

    as_json = await _send(hub, file, "--target", str(esme.device_id), "--json")
    assert _steps(as_json) == [
        ("CV 2", "I0"),
        ("hand-held terminal", None),
        ("8.13 Response returned", "I0"),
    ]
    [value] = json.loads(as_json.stdout)["values"]
    assert value["use_case"] == "ECS17b"


async def test_local_refuses_what_cannot_be_delivered_locally(
    hub: RunningHub, tmp_path: Path
) -> None:
    body = build.sr("ReadInventory", children=[build.sr("DeviceID", "00-DB-12-34-56-78-90-A0")])
    file = _write(
        tmp_path / "inventory.xml",
        request("8.2", body, party(SUPPLIER), DCC_ACCESS_CONTROL_BROKER, cv=8),
    )
    result = await _send(hub, file, "--local")
    assert result.exit_code == 2
    assert "--local needs a device request of Command Variant 1, 2 or 4" in result.output
    assert "Command Variant 8" in result.output
