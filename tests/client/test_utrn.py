"""``opendcc utrn`` and ``opendcc.client.utrn``: UTRNs a demo Supplier makes (GBCS 14)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.client.utrn import (
    COUNTER_STEP,
    TopUpError,
    check_counter,
    next_counter,
    value_of,
)
from opendcc.devices.tariffs_utrn import ValueClass, verify
from opendcc.duis.messages import ServiceRequest, parse_request
from opendcc.eui import Eui64
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.estates import DEMO, DEMO_SUPPLIER_A
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from opendcc.smki.pkidir import PkiDirectory, init_pki

METER = Eui64.parse("00-DB-12-34-56-78-90-A0")
runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hub data directory whose PKI also holds the meter's KA certificate (as if fetched
    from the SMKI repository), so the command needs no running hub."""
    directory = tmp_path_factory.mktemp("data")
    init_pki(directory / "pki", DEMO, datetime.now(UTC))
    PkiDirectory.open(directory / "pki").issue_device(METER, KeyUsage.KEY_AGREEMENT)
    return directory


def _utrn(data: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["utrn", "--data", str(data), "--hub", "http://127.0.0.1:9", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_command_prints_a_utrn_the_meter_accepts(data: Path, tmp_path: Path) -> None:
    request = tmp_path / "top-up.xml"
    args = ("--as", "supplier-a", "--device", str(METER), "--amount", "1250")
    code, out, err = _utrn(data, *args, "--request", str(request))
    assert code == 0, err
    utrn = out.strip()
    assert len(utrn) == 20 and utrn.isdigit()
    parsed = parse_request(request.read_bytes())
    assert isinstance(parsed, ServiceRequest)
    rid = parsed.header.request_id
    assert (rid.originator, rid.target) == (DEMO_SUPPLIER_A, METER)
    assert parsed.header.variant.code == "2.2" and rid.counter % COUNTER_STEP == 0
    assert str(rid) in err
    assert parsed.root.findtext(".//{*}UTRN") == utrn
    # The meter's side: its own KA key (derived) and the Supplier's top-up certificate.
    credentials = PkiDirectory.open(data / "pki").device_credentials()
    meter = GbcsSecurity(
        Keystore.load(data / "pki"),
        device_keys=lambda eui, usage: credentials.entry(eui, usage) if eui == METER else None,
    )
    token = verify(utrn, rid.counter, DEMO_SUPPLIER_A, METER, meter)
    assert (token.value, token.value_class) == (1250, ValueClass.PENNIES)

    code, out, _ = _utrn(data, *args, "--json")
    assert code == 0
    again = json.loads(out)
    assert again["counter"] > rid.counter and again["utrn"] != utrn
    assert again["pence"] == 1250


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as", "electricity-distributor", "--amount", "100"), "no prepayment top-up key"),
        (("--as", "supplier-a", "--amount", "8250"), "whole pounds"),
        (("--as", "supplier-a", "--amount", "0"), "at least 1 penny"),
        (("--as", "nobody", "--amount", "100"), "not a User name"),
        (("--as", "supplier-a", "--amount", "100", "--counter", "5"), "multiple of 2**32"),
    ],
)
def test_the_command_refuses_clearly(data: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = _utrn(data, "--device", str(METER), *args)
    assert code == 2 and out == "" and message in err, (code, out, err)


def test_a_device_whose_certificate_cannot_be_fetched_is_an_error(data: Path) -> None:
    code, _, err = _utrn(
        data, "--as", "supplier-a", "--device", "00-DB-12-34-56-78-90-FF", "--amount", "100"
    )
    assert code == 2 and "SMKI service" in err


def test_values_and_counters() -> None:
    assert value_of(8191) == (8191, ValueClass.PENNIES)
    assert value_of(8200) == (82, ValueClass.POUNDS)
    assert value_of(819_100) == (8191, ValueClass.POUNDS)
    for bad in (0, -5, 8201, 819_200):
        with pytest.raises(TopUpError):
            value_of(bad)
    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    first = next_counter(now)
    assert first == int(now.timestamp()) << 32
    assert next_counter(now, first) == first + COUNTER_STEP
    assert next_counter(now, first + 7) == first + COUNTER_STEP
    check_counter(first)
    for bad in (0, first + 1, 1 << 64):
        with pytest.raises(TopUpError):
            check_counter(bad)
