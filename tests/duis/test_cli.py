"""``opendcc duis``: sign, verify, validate and show, with their exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.duis.build import to_bytes
from opendcc.duis.ids import RequestId
from opendcc.duis.messages import ServiceRequest, parse_request
from opendcc.smki.identity import RemotePartyRole
from tests.duis.conftest import read_registers
from tests.duis.pki import DCC, EPOCH, SUPPLIER, Party, TestCa

runner = CliRunner()


def _write_party(folder: Path, party: Party, name: str) -> tuple[Path, Path]:
    key = folder / f"{name}.key"
    cert = folder / f"{name}.pem"
    key.write_bytes(
        party.identity.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(party.identity.certificate.public_bytes(serialization.Encoding.PEM))
    return key, cert


@pytest.fixture
def keys(tmp_path: Path, ca: TestCa) -> tuple[Path, Path, Path]:
    """A keystore folder with a supplier key (valid 2024 to 2034) and a DCC key."""
    store = tmp_path / "keystore"
    store.mkdir()
    key, cert = _write_party(store, ca.issue(SUPPLIER, RemotePartyRole.XML_SIGNING), "supplier")
    _write_party(store, ca.issue(DCC, RemotePartyRole.DSP_XML_SIGNING), "dsp")
    return store, key, cert


def _request_file(tmp_path: Path, counter: int = 1000) -> Path:
    path = tmp_path / "request.xml"
    path.write_bytes(to_bytes(read_registers(counter)))
    return path


def test_sign_then_verify(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    store, key, cert = keys
    before = datetime.now(UTC)
    signed = runner.invoke(
        app, ["duis", "sign", str(_request_file(tmp_path)), "--key", str(key), "--cert", str(cert)]
    )
    assert signed.exit_code == 0, signed.output
    output = signed.stdout_bytes
    request = parse_request(output.strip())
    assert isinstance(request, ServiceRequest)
    # A fresh, time-based counter: milliseconds since 1970, not the template's 1000.
    assert request.header.request_id.counter >= int(before.timestamp() * 1000)
    signed_file = tmp_path / "signed.xml"
    signed_file.write_bytes(output)
    verified = runner.invoke(app, ["duis", "verify", str(signed_file), "--keystore", str(store)])
    assert verified.exit_code == 0, verified.output
    assert "90-B3-D5-1F-30-01-00-00" in verified.stdout


def test_keep_counter_and_stdin(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    _, key, cert = keys
    data = to_bytes(read_registers(counter=4242))
    signed = runner.invoke(
        app,
        ["duis", "sign", "-", "--key", str(key), "--cert", str(cert), "--keep-counter"],
        input=data,
    )
    assert signed.exit_code == 0, signed.output
    request = parse_request(signed.stdout_bytes.strip())
    assert isinstance(request, ServiceRequest)
    assert request.header.request_id == RequestId(SUPPLIER, request.header.request_id.target, 4242)


def test_verify_reports_the_reason_and_honours_at(
    tmp_path: Path, keys: tuple[Path, Path, Path]
) -> None:
    store, key, cert = keys
    signed = runner.invoke(
        app, ["duis", "sign", str(_request_file(tmp_path)), "--key", str(key), "--cert", str(cert)]
    )
    path = tmp_path / "signed.xml"
    path.write_bytes(signed.stdout_bytes)
    early = EPOCH.replace(year=2020).isoformat()
    result = runner.invoke(
        app, ["duis", "verify", str(path), "--keystore", str(store), "--at", early]
    )
    assert result.exit_code == 1
    assert "NOT_YET_VALID" in result.stderr
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(signed.stdout_bytes.replace(b"4.1.1<", b"4.1.2<"))
    result = runner.invoke(app, ["duis", "verify", str(tampered), "--keystore", str(store)])
    assert result.exit_code == 1 and "DIGEST_MISMATCH" in result.stderr
    unsigned = _request_file(tmp_path)
    result = runner.invoke(app, ["duis", "verify", str(unsigned), "--keystore", str(store)])
    assert result.exit_code == 1 and "NOT_SIGNED" in result.stderr
    result = runner.invoke(
        app, ["duis", "verify", str(unsigned), "--keystore", str(tmp_path / "none")]
    )
    assert result.exit_code == 2


def test_refused_input_and_unusable_keys(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    _, key, cert = keys
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<!DOCTYPE x><x/>")
    result = runner.invoke(app, ["duis", "sign", str(bad), "--key", str(key), "--cert", str(cert)])
    assert result.exit_code == 1 and "DTD_FORBIDDEN" in result.stderr
    result = runner.invoke(
        app, ["duis", "sign", str(_request_file(tmp_path)), "--key", str(cert), "--cert", str(cert)]
    )
    assert result.exit_code == 2
    result = runner.invoke(app, ["duis", "show", str(tmp_path / "missing.xml")])
    assert result.exit_code == 2


def test_validate_without_a_schema_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENDCC_DUIS_SCHEMA_DIR", raising=False)
    monkeypatch.setenv("OPENDCC_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    from opendcc import config

    config._file_settings.cache_clear()
    result = runner.invoke(app, ["duis", "validate", str(_request_file(tmp_path))])
    assert result.exit_code == 2 and "SCHEMA_UNAVAILABLE" in result.stderr
    result = runner.invoke(
        app, ["duis", "validate", str(_request_file(tmp_path)), "--schema-dir", str(tmp_path)]
    )
    assert result.exit_code == 2


def test_show_prints_header_and_matrix_facts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["duis", "show", str(_request_file(tmp_path, counter=17))])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["requestId"] == {
        "originator": "90-B3-D5-1F-30-01-00-00",
        "target": "00-DB-12-34-56-78-90-A0",
        "counter": 17,
    }
    assert shown["commandVariant"] == 1 and shown["endpoint"] == "serviceS"
    assert shown["variant"]["name"] == "Read Instantaneous Import Registers"
    assert shown["variant"]["eligibleUserRoles"] == ["ED", "GS", "GT", "IS"]
    assert shown["variant"]["futureDatedResponsePattern"] == "DSP"
    assert shown["signed"] is False and shown["matrixCheck"] is None
