"""``opendcc correlate REQUEST PRECOMMAND_OR_RESPONSE``: exit 0 when it correlates, 1 with
the difference when not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest, parse_request
from tests.reference import require_reference

runner = CliRunner()


def _template(name: str) -> Path:
    return require_reference("duis", "templates", f"{name}_REQUEST_DUIS.XML")


def _vector(folder: str, name: str) -> Path:
    return require_reference("gbcs", "rtds", folder, f"{name}_GBCS.HEX")


@pytest.mark.conformance
def test_a_correlating_pre_command_exits_0() -> None:
    result = runner.invoke(
        app,
        [
            "correlate",
            str(_template("ECS44_7.3_SUCCESS")),
            str(_vector("7.3_ECS44", "ECS44_7.3_SUCCESS_PRECOMMAND")),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("correlates: ECS44 (ESME)")


@pytest.mark.conformance
def test_a_difference_exits_1_and_says_what_it_is() -> None:
    result = runner.invoke(
        app,
        [
            "correlate",
            str(_template("ECS44_7.3_SUCCESS")),
            str(_vector("7.2_ECS43", "ECS43_7.2_ERROR_PRECOMMAND")),
        ],
    )
    assert result.exit_code == 1
    assert "does not correlate" in result.output and "counter" in result.output


@pytest.mark.conformance
def test_the_dcc_time_and_the_tolerance_options() -> None:
    request = str(_template("GCS39_7.3_SUCCESS"))
    pre_command = str(_vector("7.3_GCS39", "GCS39_7.3_SUCCESS_PRECOMMAND"))
    # The reference Pre-Command was made in 2015: against today's clock it is too old ...
    result = runner.invoke(app, ["correlate", request, pre_command])
    assert result.exit_code == 1 and "time of transformation" in result.output
    # ... issued then, or archived, it correlates, and says what the DCC filled in.
    result = runner.invoke(app, ["correlate", request, pre_command, "--at", "2015-01-01T00:03Z"])
    assert result.exit_code == 0 and "issuer_event_id" in result.output
    result = runner.invoke(app, ["correlate", request, pre_command, "--any-time", "--json"])
    assert result.exit_code == 0
    verdict = json.loads(result.output)
    assert verdict["correlates"] is True and verdict["dcc_time"].startswith("2015-01-01")


@pytest.mark.conformance
def test_the_cv4_answer_as_input(tmp_path: Path) -> None:
    template = _template("ECS44_7.3_SUCCESS")
    request = parse_request(template.read_bytes())
    assert isinstance(request, ServiceRequest)
    pre_command = bytes.fromhex(
        _vector("7.3_ECS44", "ECS44_7.3_SUCCESS_PRECOMMAND").read_text().strip()
    )
    answer = build.service_response(
        request.header,
        ResponseCode.I0,
        datetime(2015, 1, 1, tzinfo=UTC),
        build.pre_command("4.1", pre_command),
        with_response_id=False,
    )
    path = tmp_path / "answer.xml"
    path.write_bytes(build.to_bytes(answer))
    result = runner.invoke(app, ["correlate", str(template), str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["correlate", str(template), "-"], input=path.read_text())
    assert result.exit_code == 0, result.output


@pytest.mark.conformance
def test_device_facts_on_the_command_line() -> None:
    request = str(_template("GCS39_7.3_SUCCESS"))
    pre_command = str(_vector("7.3_GCS39", "GCS39_7.3_SUCCESS_PRECOMMAND"))
    args = ["correlate", request, pre_command, "--any-time"]
    ok = runner.invoke(app, [*args, "--device", "00-DB-12-34-56-78-90-A1=GSME"])
    assert ok.exit_code == 0, ok.output
    wrong = runner.invoke(app, [*args, "--device", "00-DB-12-34-56-78-90-A1=ESME"])
    assert wrong.exit_code == 1 and "different command" in wrong.output
    bad = runner.invoke(app, [*args, "--device", "00-DB-12-34-56-78-90-A1=KETTLE"])
    assert bad.exit_code == 1 and "EUI=TYPE" in bad.output


def test_unreadable_inputs_exit_1(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_text("<not-duis/>")
    result = runner.invoke(app, ["correlate", str(junk), str(junk)])
    assert result.exit_code == 1 and "not a DUIS Service Request" in result.output
    result = runner.invoke(app, ["correlate", str(tmp_path / "absent.xml"), str(junk)])
    assert result.exit_code == 1 and "cannot read" in result.output
