"""``opendcc pki`` as a user runs it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.smki.keystore import Keystore
from tests.reference import require_reference

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["pki", *args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli") / "pki"
    code, output = _run("init", str(directory))
    assert code == 0, output
    return directory


@pytest.mark.parametrize(
    "command",
    [["issue", "organisation"], ["issue", "device"], ["init"], ["show"], ["org-crypto"]],
)
def test_subcommands_have_help(command: list[str]) -> None:
    code, output = _run(*command, "--help")
    assert code == 0 and "Usage" in output


def test_init_writes_a_loadable_pki_and_refuses_to_overwrite(pki: Path) -> None:
    store = Keystore.load(pki)
    assert (
        store.warnings == [] and len(store) == 26
    )  # 23 Party certificates (two Suppliers with a top-up key) + 3 CAs
    code, output = _run("init", str(pki))
    assert code == 1 and "--force" in output
    code, output = _run("init", str(pki.parent / "other"), "--estate", "nowhere")
    assert code == 1 and "unknown estate" in output


def test_show_prints_smki_facts(pki: Path) -> None:
    code, output = _run("show", str(pki / "020dcc0000010001-xmlsign-ds.pem"))
    assert code == 0, output
    facts = json.loads(output)
    assert facts["kind"] == "organisation"
    assert facts["eui"] == "02-0D-CC-00-00-01-00-01"
    assert facts["remote_party_role"] == "87" and facts["usage"] == "ds"
    assert facts["issuer"] == "CN=OD1,OU=07"
    assert len(facts["subject_key_identifier"]) == 16
    code, output = _run("show", "--pki", str(pki), "--serial", facts["serial"])
    assert code == 0 and json.loads(output)["serial_hex"] == facts["serial_hex"]
    code, output = _run("show", "--pki", str(pki), "--serial", "0x" + facts["serial_hex"])
    assert code == 0
    code, output = _run("show", str(pki / "missing.pem"))
    assert code == 1 and "error" in output
    code, output = _run("show", str(pki / "index.json"))
    assert code == 1 and "error" in output


@pytest.mark.conformance
def test_show_reports_a_repaired_certificate(tmp_path: Path) -> None:
    document = json.loads(require_reference("keys", "dccboxed", "keystore.json").read_text())
    mdr = next(iter(document["90b3d51f30010009"]["digitalSignature"].values()))
    (tmp_path / "mdr.pem").write_text(mdr["certificate"])
    code, output = _run("show", str(tmp_path / "mdr.pem"))
    assert code == 0, output
    facts = json.loads(output)
    assert facts["repaired"] is True and facts["remote_party_role"] == "7F"


def test_issue_revoke_crl_and_org_crypto(pki: Path, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    public = tmp_path / "public.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    code, output = _run(
        "issue",
        "organisation",
        str(pki),
        "--eui",
        "02-0D-CC-00-00-07-00-02",
        "--role",
        "7F",
        "--usage",
        "ka",
        "--name",
        "other-user-2",
        "--user-role",
        "OU",
        "--public-key",
        str(public),
    )
    assert code == 0, output
    facts = json.loads(output[output.index("{") :])
    assert facts["remote_party_role"] == "7F" and facts["usage"] == "ka"
    index = json.loads((pki / "index.json").read_text())
    added = next(p for p in index["parties"] if p["name"] == "other-user-2")
    assert added["user_roles"] == ["OU"]

    code, output = _run(
        "issue", "device", str(pki), "--eui", "00-DB-12-34-56-78-90-A1", "--usage", "ds"
    )
    assert code == 0, output
    device = json.loads(output[output.index("{") :])
    assert device["kind"] == "device" and device["remote_party_role"] is None

    code, output = _run("revoke", str(pki), facts["serial"], "--reason", "superseded")
    assert code == 0, output
    code, output = _run(
        "revoke", str(pki), "0x" + device["serial_hex"], "--at", "2030-01-01T00:00:00Z"
    )
    assert code == 0, output
    record = Keystore.load(pki).by_serial(int(device["serial"]))
    assert record is not None and record.revoked_at is not None
    assert record.revoked_at.year == 2030

    code, output = _run("crl", str(pki))
    assert code == 0, output
    crls = json.loads(output)
    assert [r["serial"] for r in crls["organisation"]["revoked"]] == [facts["serial"]]
    assert crls["organisation"]["revoked"][0]["reason"] == "superseded"
    assert [r["serial"] for r in crls["device"]["revoked"]] == [device["serial"]]

    archive = tmp_path / "org-crypto.zip"
    code, output = _run("org-crypto", str(pki), "--out", str(archive))
    assert code == 0, output
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as opened:
        assert any(n.endswith("/key/020dcc0000010001-ds.key") for n in opened.namelist())

    code, output = _run("list", str(pki))
    assert code == 0 and "00-DB-12-34-56-78-90-A1" in output


@pytest.mark.parametrize(
    "args",
    [
        ["revoke", "{pki}", "notaserial"],
        ["revoke", "{pki}", "12345"],
        ["revoke", "{pki}", "12345", "--reason", "bored"],
        ["issue", "organisation", "{pki}", "--eui", "xx", "--role", "02", "--usage", "ds"],
        [
            "issue",
            "organisation",
            "{pki}",
            "--eui",
            "02-0D-CC-00-00-01-00-09",
            "--role",
            "99",
            "--usage",
            "ds",
        ],
        ["issue", "device", "{pki}", "--eui", "00-DB-12-34-56-78-90-A1", "--usage", "xx"],
        ["crl", "{pki}", "--issuer", "moon"],
        ["crl", "/nonexistent/pki"],
    ],
)
def test_bad_arguments_fail_cleanly(pki: Path, args: list[str]) -> None:
    code, output = _run(*(a.format(pki=pki) for a in args))
    assert code == 1
    assert "error:" in output
