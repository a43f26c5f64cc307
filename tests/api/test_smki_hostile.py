"""The SMKI certificate service (DCC Boxed's port 8083) under hostile input, over real HTTP.

Paths, methods, query strings (DCC Boxed clients send ``apikey``; here repeated, huge,
non-ASCII) and request bodies (bad serials, huge numbers, bad EUIs, unknown roles, usages
and statuses, empty, very long, non-ASCII, control characters, repeated fields, not XML).
Every answer must be below 500, and a ``/services`` answer to a POST must be a well-formed
XML document of the service's own response type whose ``ResponseCode`` is the HTTP status.
"""

from __future__ import annotations

import io
import os
import zipfile
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.api.conftest import LiveHub

EXAMPLES = int(os.environ.get("OPENDCC_FUZZ_EXAMPLES", "6")) * 25
SEARCH = "/services/certificatesearch"
RETRIEVE = "/services/retrievecertificate"
ROOTS = {SEARCH: "CertificateSearchResponse", RETRIEVE: "CertificateDataResponse"}
FIELDS = [
    "CertificateSubjectName",
    "CertificateSubjectAltName",
    "CertificateRole",
    "CertificateUsage",
    "CertificateStatus",
    "CertificateSerial",
]

_xml_char = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="\x00\ufffe\uffff",
).filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20)
hostile_values = st.one_of(
    st.text(alphabet=_xml_char, max_size=60),
    st.text(alphabet="0123456789abcdefABCDEF", min_size=0, max_size=90),  # serials, any length
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.from_regex(r"[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}", fullmatch=True),  # EUI-64s
    st.from_regex(r"[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){3,9}", fullmatch=True),  # wrong lengths
    st.sampled_from(["", " ", "DS", "ka", "P", "i", "XX", "2", "135", "999", "٣", "²", "ß"]),
    st.just("A" * 20_000),  # larger than the service's 16 KiB
)


@st.composite
def request_bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["search", "data", "other", "raw"]))
    if kind == "raw":
        return draw(st.binary(max_size=200))
    root = {"search": "CertificateSearchRequest", "data": "CertificateDataRequest"}.get(
        kind, draw(st.sampled_from(["a", "CertificateSearchResponse", "Root"]))
    )
    children = draw(
        st.lists(st.tuples(st.sampled_from([*FIELDS, "Other"]), hostile_values), max_size=4)
    )
    element = etree.Element(root)
    for name, value in children:
        etree.SubElement(element, name).text = value
    body: bytes = etree.tostring(element, encoding="UTF-8", xml_declaration=True)
    return body


query_strings = st.lists(
    st.tuples(
        st.sampled_from(["apikey", "apikey", "serial", "", "a" * 300, "ключ"]),
        st.text(max_size=40),
    ),
    max_size=4,
).map(lambda pairs: "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in pairs))
paths = st.one_of(
    st.sampled_from([SEARCH, RETRIEVE, SEARCH, RETRIEVE, "/assets/crypto/org-crypto.zip"]),
    st.text(max_size=80).map(lambda t: "/" + quote(t, safe="/")),
    st.sampled_from(["/services/", "/services/%ff%fe", "/" + "x" * 5000, "/services/ü"]),
)


def _check(response: requests.Response, path: str, method: str) -> None:
    assert response.status_code < 500, (path, method, response.status_code, response.text)
    assert response.headers.get("content-type"), (path, method)
    if path in ROOTS and method == "POST" and response.status_code != 413:
        assert response.headers["content-type"].startswith("application/xml")
        root = etree.fromstring(response.content)
        assert root.tag == ROOTS[path]
        assert root.findtext("ResponseCode") == str(response.status_code)
        assert response.status_code in (200, 401, 402)
        assert root.findtext("AuditReference")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    path=paths,
    query=query_strings,
    method=st.sampled_from(["POST", "POST", "POST", "GET", "HEAD", "PUT", "DELETE", "OPTIONS"]),
    body=request_bodies(),
    content_type=st.sampled_from(["application/xml", "text/xml", "application/json", ""]),
)
def test_smki_service_answers_hostile_requests_below_500(
    smki_session: tuple[requests.Session, LiveHub],
    path: str,
    query: str,
    method: str,
    body: bytes,
    content_type: str,
) -> None:
    session, live_hub = smki_session
    url = f"{live_hub.smki_url}{path}" + (f"?{query}" if query else "")
    headers = {"content-type": content_type} if content_type else {}
    response = session.request(method, url, data=body, headers=headers, timeout=30)
    _check(response, path, method)


@pytest.fixture(scope="module")
def smki_session(live_hub: LiveHub) -> tuple[requests.Session, LiveHub]:
    return requests.Session(), live_hub


def test_a_known_certificate_is_found_and_retrieved(live_hub: LiveHub) -> None:
    """The hostile test above must not pass by answering everything with 401: a real search
    and retrieval still work on the same service."""
    eui = live_hub.known["eui"][0]
    search = requests.post(
        f"{live_hub.smki_url}{SEARCH}?apikey=a&apikey=b",
        data=f"<CertificateSearchRequest><CertificateSubjectName>{eui}"
        "</CertificateSubjectName></CertificateSearchRequest>",
        headers={"content-type": "application/xml"},
        timeout=30,
    )
    assert search.status_code == 200, search.text
    serial = etree.fromstring(search.content).findtext(".//CertificateSerial")
    assert serial
    data = requests.post(
        f"{live_hub.smki_url}{RETRIEVE}",
        data=f"<CertificateDataRequest><CertificateSerial>{serial}</CertificateSerial>"
        "</CertificateDataRequest>",
        timeout=30,
    )
    assert data.status_code == 200
    assert etree.fromstring(data.content).findtext(".//CertificateBody")


@pytest.mark.parametrize(
    ("serial", "status"),
    [
        ("F" * 40, 402),  # the largest serial RFC 5280 allows: not found
        ("F" * 41, 401),  # larger: invalid
        ("9" * 400, 401),
        ("٣٣", 401),  # Unicode digits are not hexadecimal
        ("", 401),
        ("-1", 401),
    ],
)
def test_bad_serials_are_401_or_402(live_hub: LiveHub, serial: str, status: int) -> None:
    response = requests.post(
        f"{live_hub.smki_url}{RETRIEVE}",
        data=f"<CertificateDataRequest><CertificateSerial>{serial}</CertificateSerial>"
        "</CertificateDataRequest>".encode(),
        timeout=30,
    )
    assert response.status_code == status, response.text
    _check(response, RETRIEVE, "POST")


def test_org_crypto_zip_head_matches_get_and_other_methods_are_405(live_hub: LiveHub) -> None:
    url = f"{live_hub.smki_url}/assets/crypto/org-crypto.zip"
    got = requests.get(url, timeout=30)
    assert got.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(got.content)).namelist()
    head = requests.head(url, timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(got.content))  # was 0
    for method in ("POST", "DELETE", "PUT"):
        refused = requests.request(method, url, timeout=30)
        assert refused.status_code == 405, method  # was 404 "no such SMKI service"
        assert refused.headers["allow"] == "GET, HEAD"
