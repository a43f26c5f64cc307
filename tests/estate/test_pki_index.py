"""Reading Users from a PKI's index.json: the real 'opendcc pki init' output, and bad files."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opendcc.cli import app
from opendcc.estate.cast import cast_from_index
from opendcc.estate.pki_index import PkiIndexError, parse_pki_index, read_pki_index
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.roles import UserRole
from opendcc.smki.identity import RemotePartyRole

GOOD: dict[str, Any] = {
    "format": "opendcc-pki/1",
    "estate": "demo",
    "parties": [
        {
            "name": "dcc",
            "eui": "90-B3-D5-1F-30-00-00-02",
            "user_roles": [],
            "remote_party_role": "04",
            "certificates": [{"usage": "ds", "serial": "11", "label": "ds"}],
        },
        {
            "name": "supplier-x",
            "common_name": "SUPPLIER X",
            "eui": "020dcc0000010099",
            "user_roles": ["IS", "GS"],
            "remote_party_role": "02",
            "certificates": [
                {"usage": "ds", "serial": "12", "label": "ds", "certificate": "x-ds.pem"},
                {"usage": "ds", "serial": 13, "label": "xmlsign-ds", "remote_party_role": "87"},
            ],
        },
        {
            "name": "recovery",
            "eui": "02-0D-CC-00-00-00-00-01",
            "user_roles": [],
            "remote_party_role": "01",
            "certificates": [],
        },
    ],
}


def test_reads_the_index_that_pki_init_writes(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["pki", "init", str(tmp_path / "pki")])
    assert result.exit_code == 0, result.output
    parties = read_pki_index(tmp_path / "pki")
    users = [p for p in parties if p.is_user]
    assert any(p.is_dcc for p in users)
    suppliers = [p for p in users if UserRole.IMPORT_SUPPLIER in p.user_roles]
    assert suppliers and all(p.certificates for p in suppliers)
    for party in users:
        for certificate in party.certificates:
            assert certificate.file is None or (tmp_path / "pki" / certificate.file).is_file()
    assert not any(p.remote_party_role is RemotePartyRole.RECOVERY for p in users)


def test_parties_become_users_with_their_serials() -> None:
    parties = parse_pki_index(GOOD)
    assert [p.is_user for p in parties] == [True, True, False]
    cast = cast_from_index(parties, created_at=datetime(2025, 1, 1, tzinfo=UTC))
    by_eui = {s.user.eui: s for s in cast.users}
    dcc = by_eui[DCC_ACCESS_CONTROL_BROKER]
    assert "dcc" in dcc.user.tags and not dcc.user.roles
    supplier = next(s for s in cast.users if s.user.party == "supplier-x")
    assert supplier.user.name == "SUPPLIER X"
    assert [(c.serial, c.label, c.remote_party_role) for c in supplier.certificates] == [
        (12, "ds", RemotePartyRole.SUPPLIER),
        (13, "xmlsign-ds", RemotePartyRole.XML_SIGNING),
    ]
    assert cast.import_suppliers == (supplier.user.eui,)
    # No network operator in this index: placeholders, and a warning saying so.
    assert any("Electricity Distributor" in w for w in cast.warnings)


def broken(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["not", "an", "object"], "top level"),
        (broken(["format"], "other/1"), "format is 'other/1'"),
        (broken(["parties"], KeyError), "parties must be a list"),
        (broken(["parties", 1, "eui"], "90-B3"), "parties[1].eui '90-B3' is not an EUI-64"),
        (broken(["parties", 1, "user_roles", 0], "XX"), "parties[1].user_roles[0] 'XX'"),
        (broken(["parties", 1, "remote_party_role"], "2"), "parties[1].remote_party_role"),
        (broken(["parties", 1, "remote_party_role"], "55"), "parties[1].remote_party_role"),
        (broken(["parties", 1, "certificates", 0, "serial"], "-5"), "certificates[0].serial"),
        (broken(["parties", 1, "certificates", 0, "serial"], True), "certificates[0].serial"),
        (broken(["parties", 1, "certificates", 0, "usage"], "xx"), "not ds or ka"),
        (broken(["parties", 1, "eui"], "90-B3-D5-1F-30-00-00-02"), "both Users"),
    ],
)
def test_a_file_in_another_format_says_where(data: Any, message: str) -> None:
    with pytest.raises(PkiIndexError) as caught:
        parse_pki_index(data, source="pki/index.json")
    assert message in str(caught.value)
    assert str(caught.value).startswith("pki/index.json")


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(PkiIndexError, match="cannot read"):
        read_pki_index(tmp_path)
    (tmp_path / "index.json").write_bytes(b"\xff{")
    with pytest.raises(PkiIndexError, match="not JSON"):
        read_pki_index(tmp_path)
    (tmp_path / "index.json").write_text(json.dumps(GOOD))
    assert len(read_pki_index(tmp_path / "index.json")) == 3


def test_the_demo_users_without_a_pki_agree_with_pki_init(tmp_path: Path) -> None:
    from opendcc.estate.cast import generated_cast

    assert CliRunner().invoke(app, ["pki", "init", str(tmp_path / "pki")]).exit_code == 0
    when = datetime(2025, 1, 1, tzinfo=UTC)
    from_pki = {
        s.user.eui: s.user.roles
        for s in cast_from_index(read_pki_index(tmp_path / "pki"), when).users
    }
    generated = {s.user.eui: s.user.roles for s in generated_cast(when).users}
    for eui, roles in from_pki.items():
        assert generated[eui] == roles, eui
