"""``opendcc sec``: the acceptance-check contracts and the readable output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opendcc.cli import app
from tests.reference import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "docs" / "examples" / "m86-scenario.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["sec", *argv])
    return result.exit_code, result.stdout, result.stderr


def run_json(*argv: str) -> dict[str, object]:
    code, out, err = run(*argv, "--json")
    assert code == 0, err or out
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("drafting", "service", "role", "suspendable", "approval", "clause"),
    [
        ("sec1", "core", "OU", True, False, "M8.6(a)"),
        ("sec1", "core", "IS", True, True, "M8.6(b)"),
        ("sec1", "local", "IS", False, False, "M8.6"),
        ("sec1", "enrolment", "GS", True, True, "M8.6(d)"),
        ("sec2", "core", "OU", False, False, "M8.6(a)"),
        ("sec2", "core", "IS", True, False, "M8.6(a)"),
        ("sec2", "local", "ED", True, False, "M8.6(a)"),
        ("sec2", "other", "OU", True, True, "M8.6(d)"),
        ("2015", "core", "OU", True, False, "M8.6(a)"),
        ("2015", "local", "GT", True, True, "M8.6(b)"),
        ("2015", "elective", "RSA", True, True, "M8.6(c)"),
        ("2015", "enrolment", "IS", True, True, "M8.6(d)"),
        ("2015", "other", "ES", True, True, "M8.6(e)"),
    ],
)
def test_m86_contract(
    drafting: str,
    service: str,
    role: str,
    suspendable: bool,
    approval: bool,
    clause: str,
) -> None:
    data = run_json("m86", "--drafting", drafting, "--service", service, "--role", role)
    assert data["suspendable"] is suspendable
    assert data["approval_required"] is approval
    assert data["clause"] == clause


def test_m86_readable_answer() -> None:
    code, out, _ = run("m86", "--drafting", "sec2", "--service", "core", "--role", "OU")
    assert code == 0
    assert "may not suspend Core Communication Services" in out and "M8.6(a)" in out


def test_m86_matrix() -> None:
    data = run_json("m86", "--drafting", "2015")
    (only,) = data["draftings"]  # type: ignore[misc]
    assert only["drafting"] == "proposed_2015" and len(only["matrix"]) == 35
    assert only["starts"] == ["2016-01-01"]
    everything = run_json("m86")
    assert [d["drafting"] for d in everything["draftings"]] == ["sec1", "sec2", "proposed_2015"]  # type: ignore[index, union-attr]
    code, out, _ = run("m86", "--drafting", "sec1")
    assert code == 0 and "(b)+A" in out and "(a) " in out
    assert "- (local, any): M8.6, para 39" in " ".join(out.split())


def test_m86_on_a_date_and_configured_start(monkeypatch: pytest.MonkeyPatch) -> None:
    data = run_json("m86", "--on", "2015-08-01", "--service", "core", "--role", "OU")
    assert data["drafting"] == "sec2"
    monkeypatch.setenv("OPENDCC_SEC_M86_PROPOSED_2015_FROM", "2015-07-01")
    data = run_json("m86", "--on", "2015-08-01", "--service", "core", "--role", "OU")
    assert data["drafting"] == "proposed_2015" and data["suspendable"] is True
    monkeypatch.setenv("OPENDCC_SEC_M86_PROPOSED_2015_FROM", "soon")
    code, _, err = run("m86", "--drafting", "sec1")
    assert code == 2 and "sec_m86_proposed_2015_from" in err


def test_m86_scenario() -> None:
    data = run_json("m86", "--scenario", str(EXAMPLE), "--drafting", "sec2")
    (result,) = data["results"]  # type: ignore[misc]
    refused = {r["request_id"]: r["response_code"] for r in result["requests"]}
    assert refused["R2"] == "E3" and refused["R1"] is None
    approvals = {s["suspension_id"]: s["approval_required"] for s in result["suspensions"]}
    assert approvals == {"S-OU-CORE": False, "S-IS-CORE": False, "S-IS-ENROL": True}
    code, out, _ = run("m86", "--scenario", str(EXAMPLE))
    assert code == 0 and "REFUSED" in out and "SEC 1 drafting" in out and "Proposed 2015" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--drafting", "sec3"], "not an M8.6 drafting"),
        (["--drafting", "sec1", "--service", "core"], "give both"),
        (["--service", "core", "--role", "OU"], "is required"),
        (["--drafting", "sec1", "--service", "heat", "--role", "OU"], "--service"),
        (["--drafting", "sec1", "--service", "core", "--role", "XX"], "not a User Role"),
        (["--on", "yesterday"], "not a date"),
        (["--on", "2000-01-01"], "no value before"),
        (["--scenario", "/nonexistent/s.yaml"], "cannot read"),
        (["--scenario", "x.yaml", "--role", "OU"], "drop --service/--role"),
    ],
)
def test_m86_bad_input_exits_2(argv: list[str], message: str) -> None:
    code, _, err = run("m86", *argv)
    assert code == 2
    assert message in err


@pytest.mark.parametrize(
    ("argv", "cap"),
    [
        (["--marking", "classified", "--party", "other"], None),
        (["--marking", "classified", "--party", "dcc"], 1_000_000),
        (["--marking", "confidential", "--party", "other"], 1_000_000),
        (["--marking", "none", "--party", "other"], 0),
        (["--marking", "confidential", "--party", "other", "--events", "3", "--related", "true"],
         1_000_000),
        (["--marking", "confidential", "--party", "other", "--events", "3", "--related", "false"],
         3_000_000),
        (["--marking", "confidential", "--party", "dcc", "--events", "2"], 2_000_000),
        (["--marking", "classified", "--party", "other", "--events", "2", "--related", "true"],
         None),
    ],
)  # fmt: skip
def test_liability_contract(argv: list[str], cap: int | None) -> None:
    data = run_json("liability", *argv)
    assert data["cap_gbp"] == cap
    assert data["clause"] == "M2.3"


def test_liability_readable_and_bad_input() -> None:
    code, out, _ = run("liability", "--marking", "classified", "--party", "other")
    assert code == 0 and "unlimited" in out
    code, out, _ = run("liability", "--marking", "confidential", "--party", "other")
    assert "GBP 1,000,000" in out
    for argv, message in (
        (["--marking", "secret", "--party", "other"], "not a marking"),
        (["--marking", "none", "--party", "everyone"], "dcc or other"),
        (["--marking", "none", "--party", "dcc", "--related", "maybe"], "true or false"),
        (["--marking", "none", "--party", "dcc", "--on", "2010-01-01"], "no value before"),
    ):
        code, _, err = run("liability", *argv)
        assert code == 2 and message in err, err


def _inputs(tmp_path: Path) -> Path:
    document = {
        "at": "2016-06-01T00:00:00Z",
        "devices": [
            {"device_id": "00-DB-12-34-56-78-90-A0", "device_type": "ESME",
             "smi_status": "Commissioned", "registered_supplier": "90-B3-D5-1F-30-01-00-00"},
            {"device_id": "00-DB-12-34-56-78-90-A2", "device_type": "CHF",
             "smi_status": "Commissioned", "registered_supplier": "90-B3-D5-1F-30-01-00-00"},
            {"device_id": "00-DB-12-34-56-78-90-A6", "device_type": "IHD",
             "provided_by": "90-B3-D5-1F-30-01-00-00", "provided_at": "2016-01-10T00:00:00Z"},
        ],
        "user_identities": [
            {"user_id": "90-B3-D5-1F-30-01-00-00", "party": "SUPPLIER-A", "roles": ["IS", "GS"]},
            {"user_id": "90-B3-D5-1F-30-02-00-00", "party": "DNO-B", "roles": ["ED"]},
        ],
        "certificates": [
            {"serial": 77, "eui": "90-B3-D5-1F-30-01-00-00", "usage": "ds",
             "not_after": "2030-01-01T00:00:00Z", "revoked_at": "2016-05-01T00:00:00Z"},
        ],
        "file_signing_tokens": [
            {"token_id": "T1", "holder": "90-B3-D5-1F-30-01-00-00",
             "issued_at": "2016-01-01T00:00:00Z"},
        ],
        "events": [
            {"event_id": "E1", "at": "2016-05-10T10:00:00Z", "kind": "device_alert",
             "device": "00-DB-12-34-56-78-90-A0", "alert_code": "8F74"},
            {"event_id": "E2", "at": "2016-05-11T10:00:00Z", "kind": "credential_used",
             "certificate_serial": 77},
            {"event_id": "E3", "at": "2016-05-12T10:00:00Z", "kind": "replayed_counter",
             "originator": "90-B3-D5-1F-30-01-00-00", "detail": "counter 5 after 9"},
        ],
    }  # fmt: skip
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_security_report_contract(tmp_path: Path) -> None:
    path = _inputs(tmp_path)
    data = run_json("security-report", "90-B3-D5-1F-30-01-00-00", "--from", str(path))
    scope = data["scope"]
    assert isinstance(scope, dict)
    assert {d["device_id"] for d in scope["devices"]} == {
        "00-DB-12-34-56-78-90-A0",
        "00-DB-12-34-56-78-90-A6",
    }
    assert [e["reason"] for e in scope["excluded"]] == ["dcc_communications_infrastructure"]
    kinds = {s["kind"] for s in scope["user_systems"]}
    assert kinds == {"user_identity", "certificate", "file_signing_token"}
    indicators = data["indicators"]
    assert isinstance(indicators, list)
    assert [i["kind"] for i in indicators] == [
        "tamper_alert",
        "revoked_credential_in_use",
        "replayed_counter",
    ]
    code, out, _ = run("security-report", "90-b3-d5-1f-30-01-00-00", "--from", str(path))
    assert code == 0 and "Indicators of Compromise (3)" in out and "tamper_alert" in out
    earlier = run_json(
        "security-report",
        "90-B3-D5-1F-30-01-00-00",
        "--from",
        str(path),
        "--at",
        "2016-05-10T12:00:00Z",
    )
    assert len(earlier["indicators"]) == 1  # type: ignore[arg-type]


def test_security_report_errors(tmp_path: Path) -> None:
    path = _inputs(tmp_path)
    code, _, err = run("security-report", "90-B3-D5-1F-30-01-00-00")
    assert code == 2 and "--from" in err and "hub" in err
    code, out, _ = run("security-report", "90-B3-D5-1F-30-02-00-00", "--from", str(path), "--json")
    assert code == 1 and json.loads(out)["refused"] is True
    code, _, err = run("security-report", "not-an-eui", "--from", str(path))
    assert code == 2 and "not an EUI-64" in err
    bad = tmp_path / "bad.json"
    for content, message in (
        ("{", "not JSON"),
        ("[]", "expected a JSON object"),
        ('{"devices": []}', "user_identities: required"),
        ('{"devices": [{"device_id": "x", "device_type": "ESME"}], "user_identities": []}',
         "devices[0].device_id"),
        ('{"devices": [{"device_id": "00-DB-12-34-56-78-90-A0", "device_type": "KETTLE"}],'
         ' "user_identities": []}', "device_type"),
        ('{"devices": [], "user_identities": [], "events": [{"event_id": "E", "kind": "x",'
         ' "at": "2016-01-01T00:00:00"}]}', "needs a timezone"),
        ('{"devices": [], "user_identities": [], "events": [{"event_id": "E", "kind": "x",'
         ' "at": "2016-01-01T00:00:00Z", "alert_code": 36724}]}', "hex string"),
    ):  # fmt: skip
        bad.write_text(content, encoding="utf-8")
        code, _, err = run("security-report", "90-B3-D5-1F-30-01-00-00", "--from", str(bad))
        assert code == 2 and message in err, (content, err)


def test_services_and_parameters() -> None:
    data = run_json("services")
    variants = data["variants"]
    assert isinstance(variants, list) and len(variants) == 129
    enrolment = run_json("services", "--category", "enrolment")["variants"]
    assert {v["variant"] for v in enrolment} >= {"8.1.1", "12.2"}  # type: ignore[union-attr]
    code, out, _ = run("services", "--category", "local")
    assert code == 0 and "8.13" in out
    params = run_json("parameters")["parameters"]
    assert isinstance(params, list)
    by_name = {p["name"]: p for p in params}
    assert by_name["liability.dcc_cap_gbp"]["values"][0]["value"] == 1_000_000
    assert by_name["liability.classified_cap_gbp"]["values"][0]["value"] == "unlimited"
    code, out, _ = run("parameters")
    assert code == 0 and "M2.3" in out and "no legal standing" in out


def test_bmit(tmp_path: Path) -> None:
    margins = tmp_path / "margins.yaml"
    margins.write_text('"2013/14": 1000000\n"2014/15": 2000000\n"2015/16": 3000000\n')
    index = tmp_path / "rpi.yaml"
    index.write_text(
        'name: RPI\nbase_year: "2013/14"\n'
        'values: {"2013/14": 250, "2014/15": 255, "2015/16": 257.5}\n'
    )
    data = run_json("bmit", "--margins", str(margins), "--index", str(index), "--on", "2016-01-01")
    assert data["total_gbp"] == "6130000.00"
    code, out, _ = run("bmit", "--margins", str(margins), "--index", str(index))
    assert code == 0 and "BMIT (RPI): GBP 6,130,000.00" in out
    index.write_text("values: 3\n")
    code, _, err = run("bmit", "--margins", str(margins), "--index", str(index))
    assert code == 2 and "name, base_year, values" in err
