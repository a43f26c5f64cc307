"""The admin REST API under schemathesis: every operation of the OpenAPI document the hub
serves, called over real HTTP on a running hub (demo estate, real SQLite), with inputs
generated from that document (valid and invalid ones).

Every answer must be no 5xx, a status code the document lists for the operation, of the
content type it gives and of the schema it gives. A write refused with a 4xx must change
nothing: the estate's counts and the resource the write named read the same before and
after.

``OPENDCC_FUZZ_EXAMPLES`` (default 6) is the number of examples per operation; the default
run stays well under a minute. A bug hunt: ``OPENDCC_FUZZ_EXAMPLES=300``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import LiveHub

EXAMPLES = int(os.environ.get("OPENDCC_FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def admin_schema(live_hub: LiveHub) -> Any:
    schema = schemathesis.openapi.from_url(f"{live_hub.base_url}/openapi.json")
    known = live_hub.known

    def flatmap_path_parameters(
        context: schemathesis.HookContext, path_parameters: dict[str, Any]
    ) -> st.SearchStrategy[dict[str, Any]]:
        """Half the time, path parameters the estate holds (a User or Device EUI, ...)."""
        names = [n for n in path_parameters or {} if known.get(n)]
        if not names:
            return st.just(path_parameters)
        chosen = st.fixed_dictionaries({n: st.sampled_from(known[n]) for n in names})
        return st.one_of(st.just(path_parameters), chosen.map(lambda d: {**path_parameters, **d}))

    schema.hook(flatmap_path_parameters)
    return schema


def _snapshot(session: requests.Session, base_url: str, case: Any) -> list[Any]:
    """What a write to ``case``'s path could have changed: the estate's counts, the
    suspensions, and the resource it names, read through the API."""
    reads = ["/admin/v1/summary", "/admin/v1/sec/suspensions"]
    params = case.path_parameters or {}
    path = case.operation.path
    if path.startswith("/admin/v1/users/{eui}"):
        reads += [
            f"/admin/v1/users/{params['eui']}",
            f"/admin/v1/users/{params['eui']}/certificates",
        ]
    elif path.startswith("/admin/v1/devices/{eui}"):
        reads += [
            f"/admin/v1/devices/{params['eui']}",
            f"/admin/v1/devices/{params['eui']}/history",
        ]
    elif path.startswith("/admin/v1/registrations/{mpxn}"):
        reads.append(f"/admin/v1/registrations/{params['mpxn']}")
    answers = []
    for read in reads:
        response = session.get(base_url + read, timeout=30)
        answers.append((read, response.status_code, response.text))
    return answers


def _run(case: Any, live_hub: LiveHub) -> None:
    with requests.Session() as session:
        write = case.method.upper() not in ("GET", "HEAD", "OPTIONS")
        before = _snapshot(session, live_hub.base_url, case) if write else None
        response = case.call(session=session, timeout=30)
        case.validate_response(response, checks=CHECKS)
        if write and response.status_code >= 400:
            after = _snapshot(session, live_hub.base_url, case)
            assert after == before, f"{case.method} {case.formatted_path} changed the estate"


def test_admin_api_answers_as_its_openapi_document_says(
    live_hub: LiveHub, admin_schema: Any
) -> None:
    """Valid and invalid inputs for each operation (schemathesis' pytest plugin cannot
    parametrize from a fixture under pytest 9, so the operations are walked here); every
    operation is tried, and the failures of all of them are reported together."""
    failures: list[str] = []
    operations = [result.ok() for result in admin_schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases)
        def fuzz(case: Any) -> None:
            _run(case, live_hub)

        try:
            fuzz()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)


# --- regressions: what the fuzzing found, one deterministic test each -----------------------


def _openapi(live_hub: LiveHub) -> dict[str, Any]:
    document: dict[str, Any] = requests.get(f"{live_hub.base_url}/openapi.json", timeout=30).json()
    return document


def _journalled(live_hub: LiveHub) -> int:
    return len(requests.get(f"{live_hub.base_url}/admin/v1/requests?limit=1000", timeout=30).json())


@pytest.mark.parametrize(
    "body",
    [
        {"import_mpxn": "\u001d"},  # was a 500: lxml refuses control characters
        {"import_mpxn": "\udbdd\udc47"},  # an unpaired surrogate pair in JSON
        {"import_mpxn": "12AB"},
        {"import_mpxn": "1234567890123", "export_mpan": "12345"},
        {"import_mpxn": "1234567890123", "secondary_import_mpan": "x" * 13},
        {"import_mpxn": "1234567890123", "opt_in_date": 0},  # was taken as 1970-01-01
    ],
)
def test_opt_in_refuses_a_malformed_mpxn_with_422(live_hub: LiveHub, body: dict[str, str]) -> None:
    device = live_hub.known["meter_id"][0]
    before = _journalled(live_hub)
    response = requests.post(
        f"{live_hub.base_url}/admin/v1/opt-in", json={"device_id": device, **body}, timeout=30
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert _journalled(live_hub) == before


@pytest.mark.parametrize(
    "until", ["0003-02-05T20:38:00.0Z", "0001-01-01T00:00:00Z", "0001-01-01T01:00:00+01:00"]
)
def test_events_until_the_first_years_ad_is_an_empty_list(live_hub: LiveHub, until: str) -> None:
    """``until`` alone starts the window ten years earlier: before year 11 there is no such
    date (was an OverflowError, a 500)."""
    response = requests.get(f"{live_hub.base_url}/admin/v1/events", {"until": until}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == []


@pytest.mark.parametrize(
    "query",
    [
        "/admin/v1/requests?before=153874475203907841357776668492755369984",  # was a 500
        f"/admin/v1/requests?before={1 << 63}",
        f"/admin/v1/events?after={1 << 63}",
    ],
)
def test_page_cursors_beyond_sqlite_integers_are_a_422(live_hub: LiveHub, query: str) -> None:
    response = requests.get(live_hub.base_url + query, timeout=30)
    assert response.status_code == 422, response.text
    assert (
        requests.get(
            f"{live_hub.base_url}/admin/v1/events?after={(1 << 63) - 1}", timeout=30
        ).json()
        == []
    )


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/admin/v1/users", {"GET", "POST"}),
        ("/admin/v1/users/02-0D-CC-00-00-01-00-09", {"GET", "PATCH"}),
        ("/admin/v1/devices", {"GET", "POST"}),
        ("/admin/v1/sec/suspensions", {"GET", "POST"}),
        ("/admin/v1/summary", {"GET"}),
    ],
)
def test_405_names_every_method_of_the_path(
    live_hub: LiveHub, path: str, methods: set[str]
) -> None:
    response = requests.request("OPTIONS", live_hub.base_url + path, timeout=30)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert allowed == methods | {"HEAD"}
    assert response.json() == {"detail": "Method Not Allowed"}


def test_a_body_that_is_not_utf8_is_a_documented_400(live_hub: LiveHub) -> None:
    before = requests.get(f"{live_hub.base_url}/admin/v1/summary", timeout=30).json()
    response = requests.post(
        f"{live_hub.base_url}/admin/v1/users",
        data=b'{"eui": "\xff\xfe"}',
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400 and response.json()["detail"]
    assert requests.get(f"{live_hub.base_url}/admin/v1/summary", timeout=30).json() == before
    responses = _openapi(live_hub)["paths"]["/admin/v1/users"]["post"]["responses"]
    assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("ProblemOut")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/admin/v1/registrations",
            {
                "mpxn": "7400000017",
                "role": "supplier",
                "party": "90-B3-D5-1F-30-01-00-00",
                "valid_from": 0,  # was accepted: the registration started in 1970
            },
        ),
        (
            "post",
            "/admin/v1/sec/events-of-default",
            {"event_id": "e", "party": "p", "occurred_at": 0},
        ),
        ("get", "/admin/v1/registrations/7400000017?at=0.5", None),
        ("get", "/admin/v1/events?until=0.5", None),
        ("get", "/admin/v1/events?since=2025-01-01", None),
    ],
)
def test_a_time_that_is_a_number_or_a_bare_date_is_a_422(
    live_hub: LiveHub, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = requests.get(f"{live_hub.base_url}/admin/v1/summary", timeout=30).json()
    response = requests.request(method, live_hub.base_url + path, json=body, timeout=30)
    assert response.status_code == 422, response.text
    assert "ISO 8601" in response.text
    assert requests.get(f"{live_hub.base_url}/admin/v1/summary", timeout=30).json() == before


def test_refusals_match_the_documented_problem_shapes(live_hub: LiveHub) -> None:
    document = _openapi(live_hub)
    paths = document["paths"]
    lift = paths["/admin/v1/sec/suspensions/{suspension_id}/lift"]["post"]["responses"]
    assert lift["422"]["content"]["application/json"]["schema"]["$ref"].endswith("UnprocessableOut")
    for path, method in [
        ("/admin/v1/sec/security-report/{eui}", "get"),
        ("/admin/v1/opt-in", "post"),
        ("/admin/v1/registrations/{mpxn}/change-of-supplier", "post"),
    ]:
        assert "404" in paths[path][method]["responses"], path
    refused = requests.post(
        f"{live_hub.base_url}/admin/v1/sec/suspensions/no-such/lift",
        json={"at": "2025-01-01T00:00:00Z"},
        timeout=30,
    )
    assert refused.status_code == 422
    assert set(refused.json()["detail"]) == {"reason", "clause", "paragraph"}
    tags = document["components"]["schemas"]["UserCreate"]["properties"]["tags"]
    assert tags["items"]["pattern"] == "^[a-z0-9][a-z0-9_.-]{0,31}$"
