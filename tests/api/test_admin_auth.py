"""The admin API's bearer token (``api.admin_auth``): required whenever one is given or the
hub listens beyond loopback; a request without it gets 401 and changes nothing; DUIS, the
health check and the documentation stay open."""

from __future__ import annotations

import asyncio
import contextlib
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from opendcc.api.admin_auth import TOKEN_FILE, is_loopback, resolve_admin_token
from opendcc.client.run import SendError, callback_at
from opendcc.eui import Eui64
from opendcc.hub.runtime import Hub, HubConfig, HubError
from tests.hub.harness import free_port

TOKEN = "a-token-for-tests-0123456789"


@contextlib.asynccontextmanager
async def hub_at(
    tmp: Path, host: str = "127.0.0.1", token: str | None = None
) -> AsyncIterator[tuple[Hub, str]]:
    port = free_port()
    hub = Hub(
        HubConfig(data_dir=tmp, host=host, port=port, premises=2, workers=2, admin_token=token)
    )
    stop, started = asyncio.Event(), asyncio.Event()

    async def on_started() -> None:
        started.set()

    task = asyncio.create_task(hub.run(stop=stop, on_started=on_started))
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()
    try:
        yield hub, f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await task


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.8.0.1") and is_loopback("::1")
    assert is_loopback("[::1]") and is_loopback("localhost") and is_loopback("LOCALHOST")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("10.0.0.2")
    assert not is_loopback("hub.example")  # a name may resolve to any interface


def test_token_resolution(tmp_path: Path) -> None:
    assert resolve_admin_token("127.0.0.1", None, tmp_path) is None
    assert resolve_admin_token("127.0.0.1", TOKEN, tmp_path) == TOKEN
    assert not (tmp_path / TOKEN_FILE).exists()
    made = resolve_admin_token("0.0.0.0", None, tmp_path / "data")
    assert made is not None and len(made) >= 40
    path = tmp_path / "data" / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == made
    # Kept across restarts; a given token wins over the file.
    assert resolve_admin_token("::", None, tmp_path / "data") == made
    assert resolve_admin_token("0.0.0.0", TOKEN, tmp_path / "data") == TOKEN
    with pytest.raises(ValueError, match="empty"):
        resolve_admin_token("127.0.0.1", "  ", tmp_path)


async def test_a_given_token_is_required_and_a_refusal_changes_nothing(tmp_path: Path) -> None:
    async with hub_at(tmp_path, token=TOKEN) as (hub, base), aiohttp.ClientSession() as http:
        users = f"{base}/admin/v1/users"
        good = {"Authorization": f"Bearer {TOKEN}"}
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": f"Bearer {TOKEN}x"},
            {"Authorization": "Bearer \u00e9t\u00e9"},
        ):
            async with http.get(users, headers=headers) as reply:
                assert reply.status == 401, headers
                assert reply.headers["WWW-Authenticate"] == "Bearer"
                assert "admin token" in (await reply.json())["detail"]
        async with http.get(users, headers=good) as reply:
            assert reply.status == 200
            listed = await reply.json()
        user = listed[0]["eui"]
        before = hub.estate.users.get_user(Eui64.parse(user))
        async with http.patch(
            f"{users}/{user}", json={"callback_url": "http://evil.example/rrs"}
        ) as reply:
            assert reply.status == 401
        assert hub.estate.users.get_user(Eui64.parse(user)) == before
        # Refused before the body is read: a malformed body is no clue.
        async with http.post(
            users, data=b"{bad", headers={"Content-Type": "application/json"}
        ) as reply:
            assert reply.status == 401
        # Every admin router is behind it, the SEC and hand-held ones included.
        for path in ("/admin/v1/sec/suspensions", "/admin/v1/deliveries", "/admin/v1/requests"):
            async with http.get(base + path) as reply:
                assert reply.status == 401, path
        # Open: the health check, the documentation (which names the scheme), DUIS.
        async with http.get(f"{base}/healthz") as reply:
            assert reply.status == 200
        async with http.get(f"{base}/openapi.json") as reply:
            document = await reply.json()
        operation = document["paths"]["/admin/v1/users"]["get"]
        assert "401" in operation["responses"]
        assert operation["security"] == [{"HTTPBearer": []}]
        assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        async with http.post(
            f"{base}/api/v1/serviceS", data=b"<sr:Request", headers={"Content-Type": "text/xml"}
        ) as reply:
            assert reply.status == 400  # reached DUIS: malformed, not unauthorised


async def test_beyond_loopback_the_data_directory_token_is_required(tmp_path: Path) -> None:
    async with hub_at(tmp_path, host="0.0.0.0") as (_, base), aiohttp.ClientSession() as http:
        token = (tmp_path / TOKEN_FILE).read_text().strip()
        async with http.get(f"{base}/admin/v1/users") as reply:
            assert reply.status == 401
        async with http.get(
            f"{base}/admin/v1/users", headers={"Authorization": f"Bearer {token}"}
        ) as reply:
            assert reply.status == 200


async def test_an_open_loopback_hub_documents_no_scheme(tmp_path: Path) -> None:
    async with hub_at(tmp_path) as (_, base), aiohttp.ClientSession() as http:
        async with http.get(f"{base}/admin/v1/users") as reply:
            assert reply.status == 200
        async with http.get(f"{base}/openapi.json") as reply:
            document = await reply.json()
        assert "security" not in document["paths"]["/admin/v1/users"]["get"]
    assert not (tmp_path / TOKEN_FILE).exists()


async def test_the_client_sends_the_token_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with hub_at(tmp_path, token=TOKEN) as (hub, base), aiohttp.ClientSession() as http:
        user = hub.estate.users.list_users()[0].eui
        monkeypatch.delenv("OPENDCC_ADMIN_TOKEN", raising=False)
        with pytest.raises(SendError, match="OPENDCC_ADMIN_TOKEN"):
            async with callback_at(http, base, user, "http://127.0.0.1:9/rrs"):
                pass
        monkeypatch.setenv("OPENDCC_ADMIN_TOKEN", TOKEN)
        async with callback_at(http, base, user, "http://127.0.0.1:9/rrs"):
            found = hub.estate.users.get_user(user)
            assert found is not None and found.callback_url == "http://127.0.0.1:9/rrs"


async def test_an_empty_token_stops_the_hub_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(HubError, match="admin token"):
        async with hub_at(tmp_path, token=" "):
            pass
