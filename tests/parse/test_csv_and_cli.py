"""The CSV form of profile and log reads, and ``opendcc parse``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.parse import Parser, to_csv
from opendcc.smki.keystore import Keystore
from tests.reference import require_reference

runner = CliRunner()


def _vector(folder: str, name: str) -> Path:
    return require_reference("gbcs", "rtds", folder, f"{name}_GBCS.HEX")


@pytest.mark.conformance
def test_a_half_hourly_profile_is_one_row_per_entry_in_kwh() -> None:
    keys = Keystore.load(require_reference("gbcs", "keystore"))
    path = _vector("4.8.1_ECS22b", "ECS22b_4.8.1_SINGLE_SUCCESS_RESPONSE")
    record = Parser(keys).parse(path.read_bytes())
    rows = list(csv.DictReader(io.StringIO(to_csv(record))))
    assert record.gbcs is not None
    entries = [v for v in record.gbcs.values if v.name.endswith("/Timestamp")]
    assert len(rows) == len(entries) == 49
    first, second = rows[0], rows[1]
    assert first == {
        "log": "ActiveImportProfileData",
        "entry": "0",
        "timestamp": "2014-12-31T00:00:00Z",
        "register": "ActiveEnergyImportedValue",
        "value": "0.095",
        "unit": "kWh",
    }
    assert second["timestamp"] == "2014-12-31T00:30:00Z"


@pytest.mark.conformance
def test_an_event_log_is_one_row_per_event_with_its_name() -> None:
    keys = Keystore.load(require_reference("gbcs", "keystore"))
    path = _vector("6.13_ECS35a", "ECS35a_6.13_SUCCESS_RESPONSE")
    rows = list(csv.DictReader(io.StringIO(to_csv(Parser(keys).parse(path.read_bytes())))))
    assert rows[0]["register"] == "8F01 Active Power Import above Load Limit Threshold"
    assert rows[0]["timestamp"] == "2014-12-31T00:00:00Z"
    assert rows[2]["value"] == "OtherInformation=009b"
    assert len({r["entry"] for r in rows}) == len(rows)


@pytest.mark.conformance
def test_parse_cli_json_and_csv() -> None:
    keys = require_reference("gbcs", "keystore")
    path = _vector("4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE")
    result = runner.invoke(app, ["parse", str(path), "--keys", str(keys)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["gbcs"]["mac"]["valid"] is True
    assert document["gbcs"]["values"][0]["unit"] == "kWh"
    result = runner.invoke(app, ["parse", "-", "--format", "csv"], input=path.read_text())
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "log,entry,timestamp,register,value,unit"
    # Without the User's keys the protected read stays closed, and the checks say why.
    document = json.loads(runner.invoke(app, ["parse", str(path)]).stdout)
    assert document["gbcs"]["mac"]["valid"] is None
    assert document["gbcs"]["decrypted_blocks"] == 0


def test_parse_cli_refuses_undecodable_input(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02 not a message")
    result = runner.invoke(app, ["parse", str(junk)])
    assert result.exit_code == 1
    assert "not a GBCS message" in result.output
    result = runner.invoke(app, ["parse", str(tmp_path / "absent.xml")])
    assert result.exit_code == 1 and "cannot read" in result.output
    result = runner.invoke(app, ["parse", str(junk), "--keys", str(tmp_path / "nokeys")])
    assert result.exit_code == 1 and "does not exist" in result.output
