"""A hub that cannot start changes nothing and leaves its database closed and whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from opendcc.eui import Eui64
from opendcc.hub.runtime import Hub, HubConfig, HubError
from tests.hub.harness import free_port

NOBODY = Eui64.parse("02-0D-CC-FF-FF-FF-FF-FF")


async def test_a_callback_naming_no_user_changes_no_callback(tmp_path: Path) -> None:
    first = Hub(HubConfig(data_dir=tmp_path, port=free_port(), premises=2, workers=2))
    await first.start()
    user = first.estate.users.list_users()[0].eui
    before = first.estate.users.get_user(user)
    await first.stop()

    config = HubConfig(
        data_dir=tmp_path,
        port=free_port(),
        premises=2,
        workers=2,
        callbacks={user: "http://127.0.0.1:9/rrs", NOBODY: "http://127.0.0.1:9/rrs"},
    )
    hub = Hub(config)
    with pytest.raises(HubError, match="02-0D-CC-FF-FF-FF-FF-FF, not a DCC User"):
        await hub.run()
    assert hub.db is None  # closed, not held open until the process ends
    assert not (tmp_path / "hub.sqlite-wal").exists()
    with sqlite3.connect(tmp_path / "hub.sqlite") as conn:
        [(url,)] = conn.execute(
            "SELECT callback_url FROM dcc_users WHERE eui = ?", (bytes(user),)
        ).fetchall()
    assert before is not None and url == before.callback_url
