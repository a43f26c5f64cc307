"""``opendcc estate seed`` and ``show`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.estate import rtds
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, open_estate

runner = CliRunner()


def test_seed_demo_then_rtds_then_show(tmp_path: Path) -> None:
    db = tmp_path / "estate.db"
    demo = runner.invoke(app, ["estate", "seed", "--db", str(db), "-n", "300", "--seed", "4"])
    assert demo.exit_code == 0, demo.output
    assert "demo estate, 300 premises" in demo.output
    reference = runner.invoke(app, ["estate", "seed", "--db", str(db), "--estate", "rtds"])
    assert reference.exit_code == 0, reference.output
    again = runner.invoke(app, ["estate", "seed", "--db", str(db), "--estate", "rtds"])
    assert again.exit_code == 0 and "already there" in again.output
    shown = runner.invoke(app, ["estate", "show", "--db", str(db), "--json"])
    assert shown.exit_code == 0, shown.output
    summary = json.loads(shown.output)
    assert summary["premises"] == 301
    assert str(rtds.SUPPLIER) in {u["eui"] for u in summary["users"]}
    table = runner.invoke(app, ["estate", "show", "--db", str(db)])
    assert table.exit_code == 0 and "Devices by type" in table.output
    refused = runner.invoke(app, ["estate", "seed", "--db", str(db), "-n", "5"])
    assert refused.exit_code == 1 and "already holds a demo estate" in refused.output


def test_seed_with_a_pki_uses_its_users_and_callback(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    assert runner.invoke(app, ["pki", "init", str(pki)]).exit_code == 0
    db = tmp_path / "pki-estate.db"
    seeded = runner.invoke(
        app,
        [
            "estate", "seed", "--db", str(db), "-n", "50", "--pki", str(pki),
            "--callback-url", "http://127.0.0.1:9000/rrs",
        ],
    )  # fmt: skip
    assert seeded.exit_code == 0, seeded.output
    index = json.loads((pki / "index.json").read_text())
    with Database(db, parts=list(ESTATE_SCHEMA)) as database:
        estate = open_estate(database)
        users = {str(u.eui): u for u in estate.users.list_users()}
        for party in index["parties"]:
            if party["user_roles"]:
                user = users[party["eui"]]
                assert user.callback_url == "http://127.0.0.1:9000/rrs"
                serials = {c.serial for c in estate.users.certificates(user.eui)}
                assert serials == {int(c["serial"]) for c in party["certificates"]}


def test_bad_arguments_are_errors_not_tracebacks(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    for args, message in (
        (["--pki", str(tmp_path / "missing")], "cannot read"),
        (["--as-of", "yesterday"], "not an ISO date"),
        (["--as-of", "2001-01-01"], "2020 or later"),
        (["--callback-url", "gopher://x"], "http(s)"),
        (["--estate", "rtds", "--keys", str(tmp_path / "nokeys")], "does not exist"),
    ):
        result = runner.invoke(app, ["estate", "seed", "--db", db, *args])
        assert result.exit_code != 0, args
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert message in result.output, (args, result.output)
    missing = runner.invoke(app, ["estate", "show", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
