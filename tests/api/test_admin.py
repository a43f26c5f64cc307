"""The admin REST API against a real SQLite estate, through FastAPI's TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.api import admin
from opendcc.clock import ManualClock
from opendcc.estate import rtds
from opendcc.estate.seed import seed_rtds
from opendcc.store.database import Database
from opendcc.store.estate import ESTATE_SCHEMA, SqliteEstate, open_estate

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SUPPLIER = str(rtds.SUPPLIER)
ESME = str(rtds.ESME)


@pytest.fixture
def estate(tmp_path: Path) -> Iterator[SqliteEstate]:
    with Database(tmp_path / "admin.db", parts=list(ESTATE_SCHEMA)) as db:
        stores = open_estate(db)
        seed_rtds(stores)
        yield stores


@pytest.fixture
def client(estate: SqliteEstate) -> Iterator[TestClient]:
    app = FastAPI()
    admin.attach(app, estate)
    app.include_router(admin.router, prefix="/admin/v1")
    app.dependency_overrides[admin.get_clock] = lambda: ManualClock(NOW)
    with TestClient(app) as test_client:
        yield test_client


def url(path: str) -> str:
    return f"/admin/v1{path}"


def test_users_create_read_update_and_certificates(client: TestClient) -> None:
    eui = "02-0d-cc-00-00-01-00-09"
    body = {"eui": eui, "name": "Supplier Nine", "party": "s9", "roles": ["IS", "GS"]}
    created = client.post(url("/users"), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["eui"] == "02-0D-CC-00-00-01-00-09"
    assert created.json()["roles"] == ["IS", "GS"]
    assert client.post(url("/users"), json=body).status_code == 409

    patched = client.patch(
        url(f"/users/{eui}"),
        json={"roles": ["GS"], "status": "suspended", "callback_url": "https://s9.example/rrs"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["roles"] == ["GS"] and patched.json()["status"] == "suspended"
    assert client.get(url("/users/020DCC0000010009")).json() == patched.json()
    cleared = client.patch(url(f"/users/{eui}"), json={"callback_url": None})
    assert cleared.json()["callback_url"] is None
    listed = client.get(url("/users"), params={"role": "GS", "status": "suspended"}).json()
    assert [u["eui"] for u in listed] == ["02-0D-CC-00-00-01-00-09"]

    serial = str((1 << 150) + 7)
    cert = {"serial": serial, "label": "xmlsign-ds", "remote_party_role": "87"}
    added = client.post(url(f"/users/{eui}/certificates"), json=cert)
    assert added.status_code == 201 and added.json()["serial"] == serial
    assert client.get(url(f"/users/{eui}/certificates")).json() == [added.json()]
    taken = client.post(url(f"/users/{SUPPLIER}/certificates"), json=cert)
    assert taken.status_code == 409 and "already registered" in taken.json()["detail"]
    assert client.delete(url(f"/users/{eui}/certificates/{serial}")).status_code == 204
    assert client.delete(url(f"/users/{eui}/certificates/{serial}")).status_code == 404


def test_device_status_changes_go_through_the_table(client: TestClient) -> None:
    refused = client.post(url(f"/devices/{ESME}/status"), json={"event": "commission"})
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "SMI status Commissioned does not allow commission"
        " (allowed: decommission, return, suspend, withdraw)",
        "status": "Commissioned",
        "event": "commission",
        "allowed": ["decommission", "return", "suspend", "withdraw"],
    }
    suspended = client.post(
        url(f"/devices/{ESME}/status"), json={"event": "suspend", "cause": "test: compromise"}
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "Suspended"
    assert suspended.json()["status_since"] == "2025-06-01T12:00:00Z"
    history = client.get(url(f"/devices/{ESME}/history")).json()
    assert history[-1] == {
        "old": "Commissioned",
        "new": "Suspended",
        "at": "2025-06-01T12:00:00Z",
        "cause": "test: compromise",
    }
    assert [h["new"] for h in history][:1] == ["Pending"]
    unknown = client.post(url("/devices/00-00-00-00-00-00-00-09/status"), json={"event": "install"})
    assert unknown.status_code == 404


def test_devices_add_list_get_patch_and_join(client: TestClient) -> None:
    new = {
        "device_id": "02-0D-CC-02-00-00-00-09",
        "device_type": "IHD",
        "region": rtds.REGION.value,
        "uprn": rtds.UPRN,
        "chf_id": str(rtds.CHF),
        "joined_meters": [ESME],
    }
    added = client.post(url("/devices"), json=new)
    assert added.status_code == 201, added.text
    assert added.json()["status"] == "NotApplicable"
    assert added.json()["added_at"] == "2025-06-01T12:00:00Z"
    assert client.post(url("/devices"), json=new).status_code == 409

    page = client.get(url("/devices"), params={"device_type": "IHD", "limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_after"] is not None
    rest = client.get(url("/devices"), params={"device_type": "IHD", "after": page["next_after"]})
    assert len(rest.json()["items"]) == 1 and rest.json()["next_after"] is None
    by_mpxn = client.get(url("/devices"), params={"mpxn": rtds.EXPORT_MPAN}).json()["items"]
    assert [d["device_id"] for d in by_mpxn] == [ESME]

    joined = client.post(
        url("/devices/02-0D-CC-02-00-00-00-09/joins"), json={"meter_id": str(rtds.GSME)}
    )
    assert joined.json()["joined_meters"] == [ESME, str(rtds.GSME)]
    left = client.delete(url(f"/devices/02-0D-CC-02-00-00-00-09/joins/{ESME}"))
    assert left.json()["joined_meters"] == [str(rtds.GSME)]

    patched = client.patch(url(f"/devices/{ESME}"), json={"firmware_version": "0A0B0C0D"})
    assert patched.status_code == 200 and patched.json()["firmware_version"] == "0A0B0C0D"
    premises = client.get(url(f"/premises/{rtds.UPRN}")).json()
    assert premises["premises"]["postcode"] == rtds.PREMISES.postcode
    assert len(premises["devices"]) == len(rtds.DEVICE_TYPES) + 1


def test_registrations_and_change_of_supplier(client: TestClient) -> None:
    mpan = rtds.MPAN
    now = client.get(url(f"/registrations/{mpan}"), params={"at": "2025-01-01T00:00:00Z"})
    assert {(r["role"], r["party"]) for r in now.json()} == {
        ("supplier", SUPPLIER),
        ("network_operator", str(rtds.NETWORK_OPERATOR)),
    }
    change = client.post(
        url(f"/registrations/{mpan}/change-of-supplier"),
        json={"party": str(rtds.SUPPLIER_2), "effective_from": "2025-07-01T00:00:00Z"},
    )
    assert change.status_code == 200, change.text
    assert change.json()["ended"]["party"] == SUPPLIER
    assert change.json()["ended"]["valid_to"] == "2025-07-01T00:00:00Z"
    assert change.json()["started"]["party"] == str(rtds.SUPPLIER_2)
    again = client.post(
        url(f"/registrations/{mpan}/change-of-supplier"),
        json={"party": SUPPLIER, "effective_from": "2025-05-01T00:00:00Z"},
    )
    assert again.status_code == 409
    assert len(client.get(url(f"/registrations/{mpan}")).json()) == 4

    added = client.post(
        url("/registrations"),
        json={
            "mpxn": "7400000017",
            "role": "network_operator",
            "party": str(rtds.NETWORK_OPERATOR),
            "valid_from": "2024-01-01T00:00:00Z",
        },
    )
    assert added.status_code == 201 and added.json()["fuel"] == "gas"
    naive = client.get(url(f"/registrations/{mpan}"), params={"at": "2025-01-01T00:00:00"})
    assert naive.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/users/not-an-eui", None),
        ("get", "/devices/00-DB-12", None),
        ("post", "/users", {"eui": "02-0D-CC-00-00-01-00-09", "name": "x", "roles": ["XX"]}),
        (
            "post",
            "/users",
            {"eui": "02-0D-CC-00-00-01-00-09", "name": "x", "callback_url": "ftp://x"},
        ),
        ("post", "/users", {"eui": "02-0D-CC-00-00-01-00-09", "name": "x", "surprise": 1}),
        ("patch", f"/users/{SUPPLIER}", {"tags": ["Bad Tag"]}),
        ("post", f"/devices/{ESME}/status", {"event": "explode"}),
        ("post", f"/devices/{ESME}/status", {"event": "suspend", "at": "2025-01-01T00:00:00"}),
        ("post", f"/devices/{ESME}/status", {"event": "suspend", "at": "2001-01-01T00:00:00Z"}),
        (
            "post",
            "/devices",
            {
                "device_id": "00-00-00-00-00-00-00-01",
                "device_type": "ESME",
                "region": "North",
                "mpxn": "12",
            },
        ),
        (
            "post",
            "/devices",
            {
                "device_id": "00-00-00-00-00-00-00-01",
                "device_type": "CHF",
                "region": "North",
                "uprn": 0,
            },
        ),
        ("patch", f"/devices/{ESME}", {"mpxn": "7400000017"}),
        (
            "post",
            "/registrations",
            {
                "mpxn": "123456789012",
                "role": "supplier",
                "party": SUPPLIER,
                "valid_from": "2024-01-01T00:00:00Z",
            },
        ),
        (
            "post",
            "/premises",
            {"uprn": 1, "postcode": "NOT A PC", "address_identifier": "1", "region": "North"},
        ),
        ("get", "/devices?limit=0", None),
        ("get", "/devices?postcode=%00%01%02AB", None),
        ("post", f"/users/{SUPPLIER}/certificates", {"serial": "12", "remote_party_role": "55"}),
    ],
)
def test_bad_input_is_a_4xx_with_a_message_and_changes_nothing(
    client: TestClient, estate: SqliteEstate, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = estate.counts()
    history = estate.inventory.status_history(rtds.ESME)
    response = client.request(method.upper(), url(path), json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]
    assert estate.counts() == before
    assert estate.inventory.status_history(rtds.ESME) == history


def test_malformed_json_is_a_422(client: TestClient) -> None:
    response = client.post(
        url("/users"), content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(
        st.sampled_from(
            [
                "event",
                "at",
                "cause",
                "eui",
                "name",
                "roles",
                "mpxn",
                "party",
                "serial",
                "uprn",
                "device_id",
                "device_type",
                "region",
                "status",
                "effective_from",
                "callback_url",
            ]
        ),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(min_value=-(2**70), max_value=2**70),
            st.text(max_size=40),
            st.lists(st.text(max_size=5), max_size=3),
        ),
        max_size=6,
    ),
    target=st.sampled_from(
        [
            "/users",
            f"/devices/{ESME}/status",
            "/devices",
            "/registrations",
            f"/registrations/{rtds.MPAN}/change-of-supplier",
            "/premises",
            f"/users/{SUPPLIER}/certificates",
        ]
    ),
)
def test_arbitrary_bodies_never_cause_a_5xx(
    client: TestClient, body: dict[str, Any], target: str
) -> None:
    response = client.post(url(target), json=body)
    assert response.status_code < 500, (target, body, response.text)


def test_openapi_describes_every_route(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    routes = {
        (method.upper(), f"/admin/v1{route.path}")  # type: ignore[attr-defined]
        for route in admin.router.routes
        for method in route.methods  # type: ignore[attr-defined]
    }
    assert len(routes) == 21
    for method, path in routes:
        operation = paths[path][method.lower()]
        assert operation["summary"], (method, path)
        assert operation["tags"], (method, path)
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert success, (method, path)
        if success[0] != "204":
            content = operation["responses"][success[0]]["content"]["application/json"]
            assert content["schema"], (method, path)
    refused = paths["/admin/v1/devices/{eui}/status"]["post"]["responses"]["409"]
    assert refused["content"]["application/json"]["schema"]["$ref"].endswith("TransitionRefusedOut")
    assert "DeviceOut" in document["components"]["schemas"]


def test_an_app_without_an_estate_answers_503() -> None:
    app = FastAPI()
    app.include_router(admin.router)
    with TestClient(app) as bare:
        assert bare.get("/users").status_code == 503


def test_create_app_mounts_the_router(estate: SqliteEstate) -> None:
    with TestClient(admin.create_app(estate)) as standalone:
        summary = standalone.get("/admin/v1/summary").json()
        assert summary["devices"] == len(rtds.DEVICE_TYPES)
        # All but the IHD (NotApplicable) and the join partners waiting to be joined.
        waiting = len(rtds.JOIN_PARTNERS)
        assert summary["by_status"]["Commissioned"] == len(rtds.DEVICE_TYPES) - 1 - waiting
        assert (
            summary["by_status"]["Whitelisted"] + summary["by_status"]["InstalledNotCommissioned"]
            == waiting
        )
