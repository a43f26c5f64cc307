"""``opendcc gbcs decode`` and ``encode``: the contract the acceptance checks rely on."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.gbcs.cli import read_message_bytes
from tests.reference import require_reference

CONTRACT = {
    "cra",
    "message_code",
    "use_case",
    "originator",
    "recipient",
    "counter",
    "mac_valid",
    "signature_valid",
    "payload",
}
VECTOR = ("4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["gbcs", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.conformance
def test_decode_a_reference_vector_with_its_keystore(tmp_path: Path) -> None:
    vector = require_reference("gbcs", "rtds", *VECTOR)
    keystore = require_reference("gbcs", "keystore")
    code, out, _ = _run("decode", str(vector), "--keystore", str(keystore))
    assert code == 0
    decoded = json.loads(out)
    assert decoded.keys() >= CONTRACT
    assert decoded["cra"] == "response" and decoded["use_case"] == "ECS17b"
    assert decoded["message_code"] == 0x27 and decoded["counter"] == 1000
    assert decoded["originator"] == "00-DB-12-34-56-78-90-A0"
    assert decoded["mac_valid"] is True and decoded["signature_valid"] is None
    plaintexts = [d["plaintext"] for d in decoded["decrypted"]]
    assert plaintexts and all(plaintexts)
    saved = tmp_path / "decoded.json"
    saved.write_text(out)
    code, out, _ = _run("encode", str(saved))
    assert code == 0 and out.strip() == vector.read_text().strip()
    code, out, _ = _run("encode", "-", "--keystore", str(keystore), stdin=saved.read_text())
    assert code == 0 and out.strip() == vector.read_text().strip()


@pytest.mark.conformance
def test_missing_keys_give_null_not_an_error() -> None:
    vector = require_reference("gbcs", "rtds", *VECTOR)
    code, out, _ = _run("decode", vector.read_text().strip(), "--acb-eui", "90B3D51F30000002")
    assert code == 0
    decoded = json.loads(out)
    assert decoded["mac_valid"] is None
    # The encrypted block is still reported, with no plaintext: the key is not held.
    assert decoded["decrypted"] and all(d["plaintext"] is None for d in decoded["decrypted"])


@pytest.mark.parametrize("argument", ["DF09", "not hex at all!", "", "ABC"])
def test_undecodable_input_exits_1_with_the_reason(argument: str) -> None:
    code, out, err = _run("decode", argument)
    assert code == 1 and out == ""
    assert err.startswith("error: ")


def test_bad_acb_eui(tmp_path: Path) -> None:
    code, _, err = _run("decode", "DF", "--acb-eui", "nope")
    assert code == 1 and "--acb-eui" in err


def test_encode_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert _run("encode", str(bad))[0] == 1
    bad.write_text(json.dumps({"cra": "command"}))
    code, _, err = _run("encode", str(bad))
    assert code == 1 and "counter" in err
    assert _run("encode", str(tmp_path / "absent.json"))[0] == 1
    code, _, err = _run("encode", str(bad), "--sign")
    assert code == 1 and "--keystore" in err


def test_input_forms(tmp_path: Path) -> None:
    data = bytes.fromhex("DF0901")
    assert read_message_bytes("df 09 01\n") == data
    assert read_message_bytes("0xDF0901") == data
    assert read_message_bytes(base64.b64encode(data).decode()) == data
    text_file, binary_file = tmp_path / "m.hex", tmp_path / "m.bin"
    text_file.write_text("DF0901\n")
    binary_file.write_bytes(data)
    assert read_message_bytes(str(text_file)) == data
    assert read_message_bytes(str(binary_file)) == data
    for bad in ("DF0", "***", ""):
        with pytest.raises(ValueError):
            read_message_bytes(bad)


def test_codes_listing() -> None:
    code, out, _ = _run("codes", "ECS17b")
    assert code == 0 and json.loads(out)["message_code"] == 0x27
    code, out, _ = _run("codes", "CS02b")
    assert code == 0 and len(out.splitlines()) == 11  # ten variants and the alert
    code, out, _ = _run("codes", "--alerts", "0x8F66")
    assert code == 0 and json.loads(out)["carried_by"][0] == "00CA"
    code, out, _ = _run("codes")
    assert code == 0 and len(out.splitlines()) == 240
    assert _run("codes", "XYZ99")[0] == 1
