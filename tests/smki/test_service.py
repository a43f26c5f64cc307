"""The DCC Boxed compatible SMKI certificate service, exercised the way its clients call it."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from opendcc.eui import Eui64
from opendcc.smki import estates, service
from opendcc.smki.devices import DeviceDirectory
from opendcc.smki.directory import CertificateDirectory, ChainedDirectory
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import Keystore
from opendcc.smki.pkidir import PkiDirectory, init_pki
from tests.reference import require_reference
from tests.smki.conftest import NOW

METER = Eui64.parse("00-DB-12-34-56-78-90-A0")
LATER = NOW + timedelta(days=1)
AUDIT = "1740830400-000000001"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiDirectory:
    directory = tmp_path_factory.mktemp("service") / "pki"
    init_pki(directory, estates.DEMO, NOW)
    return PkiDirectory.open(directory)


@pytest.fixture(scope="module")
def keystore(pki: PkiDirectory) -> Keystore:
    return pki.keystore()


@pytest.fixture(scope="module")
def devices(pki: PkiDirectory) -> DeviceDirectory:
    return DeviceDirectory(pki.device_credentials(), {METER})


@pytest.fixture(scope="module")
def directory(keystore: Keystore, devices: DeviceDirectory) -> CertificateDirectory:
    return ChainedDirectory(keystore, devices)


def _request(root: str, **fields: str) -> bytes:
    """A request body as the DCC Boxed client writes it: declaration, no whitespace."""
    body = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    return f'<?xml version="1.0" encoding="utf-8"?><{root}>{body}</{root}>'.encode()


def _search(
    directory: CertificateDirectory, at: datetime = LATER, **fields: str
) -> service.ServiceResponse:
    body = _request("CertificateSearchRequest", **fields)
    return service.certificate_search(directory, body, at=at, audit_reference=AUDIT)


def _retrieve(directory: CertificateDirectory, serial: str) -> service.ServiceResponse:
    body = _request("CertificateDataRequest", CertificateSerial=serial)
    return service.retrieve_certificate(directory, body, at=LATER, audit_reference=AUDIT)


def _results(response: service.ServiceResponse) -> list[dict[str, str]]:
    root = etree.fromstring(response.body)
    assert root.tag == "CertificateSearchResponse"
    return [{child.tag: child.text or "" for child in result} for result in root.iter("Result")]


def test_search_for_a_device_then_retrieve_like_the_boxed_client(
    directory: CertificateDirectory, devices: DeviceDirectory
) -> None:
    response = _search(directory, CertificateSubjectAltName="00-DB-12-34-56-78-90-A0")
    assert response.status == 200
    assert response.content_type.startswith("application/xml")
    assert response.body.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    root = etree.fromstring(response.body)
    assert [c.tag for c in root][:3] == ["ResponseCode", "ResponseMessage", "AuditReference"]
    assert root.findtext("ResponseCode") == "200" and root.findtext("AuditReference") == AUDIT
    results = _results(response)
    assert [r["CertificateUsage"] for r in results] == ["DS", "KA"]
    ka = results[1]
    assert list(ka) == [
        "CertificateSerial",
        "CertificateSubjectAltName",
        "CertificateStatus",
        "CertificateUsage",
        "ManufacturingFlag",
    ]
    assert ka["CertificateSubjectAltName"] == "00-DB-12-34-56-78-90-A0"
    assert ka["CertificateStatus"] == "I" and ka["ManufacturingFlag"] == "false"
    expected = devices.credentials.certificate(METER, KeyUsage.KEY_AGREEMENT)
    assert int(ka["CertificateSerial"], 16) == expected.serial_number

    # The client retrieves with the serial as the search gave it, and with BigInt.toString(16).
    for serial_text in (ka["CertificateSerial"], f"{expected.serial_number:x}"):
        data = _retrieve(directory, serial_text)
        assert data.status == 200
        answer = etree.fromstring(data.body).find("CertificateResponse")
        assert answer is not None
        assert answer.findtext("CertificateSubjectAltName") == "00-DB-12-34-56-78-90-A0"
        assert answer.find("CertificateRole") is None
        # The client wraps the body in PEM armour and hands it to its X.509 parser.
        body = answer.findtext("CertificateBody")
        pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----"
        loaded = serialization.Encoding.DER
        cert = x509.load_pem_x509_certificate(pem.encode())
        assert cert.public_bytes(loaded) == expected.public_bytes(loaded)


def test_search_for_an_organisation_lists_roles(
    directory: CertificateDirectory, keystore: Keystore
) -> None:
    response = _search(directory, CertificateSubjectName=str(estates.DEMO_SUPPLIER_A))
    results = _results(response)
    assert sorted((r["CertificateUsage"], r["CertificateRole"]) for r in results) == [
        ("DS", "135"),
        ("DS", "2"),
        ("KA", "2"),
        ("KA", "2"),  # the Supplier's prepayment top-up key (GBCS 14)
    ]
    for result in results:
        assert list(result)[:2] == ["CertificateSerial", "CertificateSubjectName"]
        record = keystore.by_serial(int(result["CertificateSerial"], 16))
        assert record is not None and record.eui == estates.DEMO_SUPPLIER_A
    data = _retrieve(directory, results[0]["CertificateSerial"])
    answer = etree.fromstring(data.body).find("CertificateResponse")
    assert answer is not None
    assert [c.tag for c in answer] == [
        "CertificateSubjectName",
        "CertificateSerial",
        "CertificateStatus",
        "CertificateBody",
        "CertificateRole",
        "CertificateUsage",
        "ManufacturingFlag",
    ]
    body = base64.b64decode(answer.findtext("CertificateBody") or "")
    record = keystore.by_serial(int(results[0]["CertificateSerial"], 16))
    assert record is not None
    assert body == record.certificate.public_bytes(serialization.Encoding.DER)


def test_organisation_and_device_names_do_not_cross(directory: CertificateDirectory) -> None:
    assert _search(directory, CertificateSubjectName=str(METER)).status == 402
    assert _search(directory, CertificateSubjectAltName=str(estates.DEMO_SUPPLIER_A)).status == 402


def test_filters_by_usage_role_and_status(directory: CertificateDirectory) -> None:
    dcc = str(estates.DCC)
    only_ka = _results(_search(directory, CertificateSubjectName=dcc, CertificateUsage="KA"))
    assert [r["CertificateUsage"] for r in only_ka] == ["KA"]
    dsp = _results(_search(directory, CertificateSubjectName=dcc, CertificateRole="137"))
    assert [r["CertificateRole"] for r in dsp] == ["137"]
    in_use = _search(directory, CertificateSubjectName=dcc, CertificateStatus="I")
    assert len(_results(in_use)) == 3
    assert _search(directory, CertificateSubjectName=dcc, CertificateStatus="R").status == 402


def test_statuses_follow_time_and_revocation(pki: PkiDirectory, devices: DeviceDirectory) -> None:
    store = pki.keystore()
    chain = ChainedDirectory(store, devices)
    name = str(estates.DEMO_OTHER_USER)
    expired = _results(
        _search(chain, at=NOW + timedelta(days=365 * 11), CertificateSubjectName=name)
    )
    assert {r["CertificateStatus"] for r in expired} == {"E"}
    pending = _results(_search(chain, at=NOW - timedelta(days=1), CertificateSubjectName=name))
    assert {r["CertificateStatus"] for r in pending} == {"P"}
    other_user = store.find(estates.DEMO_OTHER_USER, KeyUsage.KEY_AGREEMENT)[0]
    assert other_user.serial is not None
    store.revoke(other_user.serial, NOW)
    statuses = {
        r["CertificateUsage"]: r["CertificateStatus"]
        for r in _results(_search(chain, CertificateSubjectName=name))
    }
    assert statuses["KA"] == "R"


def test_not_found_is_402_with_a_body(directory: CertificateDirectory) -> None:
    missing = _search(directory, CertificateSubjectAltName="11-22-33-44-55-66-77-88")
    assert missing.status == 402
    assert etree.fromstring(missing.body).findtext("ResponseCode") == "402"
    unknown = _retrieve(directory, "1234")
    assert unknown.status == 402
    assert etree.fromstring(unknown.body).tag == "CertificateDataResponse"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 401),
        (b"not xml", 401),
        (
            b"<CertificateDataRequest><CertificateSerial>zz</CertificateSerial></CertificateDataRequest>",
            401,
        ),
        (b"<CertificateSearchRequest/>", 401),
        (
            b"<Other><CertificateSubjectName>90-B3-D5-1F-30-00-00-02</CertificateSubjectName></Other>",
            401,
        ),
        (
            b"<CertificateSearchRequest><CertificateSubjectName>90-B3-D5-1F-30-00-00-02"
            b"</CertificateSubjectName><CertificateSubjectAltName>00-DB-12-34-56-78-90-A0"
            b"</CertificateSubjectAltName></CertificateSearchRequest>",
            401,
        ),
        (
            b"<CertificateSearchRequest><CertificateSubjectName>nope</CertificateSubjectName></CertificateSearchRequest>",
            401,
        ),
        (
            b"<CertificateSearchRequest><CertificateSubjectName>90-B3-D5-1F-30-00-00-02"
            b"</CertificateSubjectName><CertificateRole>0x87</CertificateRole></CertificateSearchRequest>",
            401,
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<CertificateSearchRequest><CertificateSubjectName>&x;</CertificateSubjectName>"
            b"</CertificateSearchRequest>",
            401,
        ),
        (b"<CertificateSearchRequest>" + b" " * 20_000 + b"</CertificateSearchRequest>", 413),
    ],
)
def test_bad_requests_are_refused_with_a_status(
    directory: CertificateDirectory, body: bytes, status: int
) -> None:
    for call in (service.certificate_search, service.retrieve_certificate):
        response = call(directory, body, at=LATER, audit_reference=AUDIT)
        assert response.status in {status, 401}
        if status == 413:
            assert response.status == 413
        assert etree.fromstring(response.body).findtext("ResponseCode") == str(response.status)


def test_parsers_accept_namespaces_comments_and_case(directory: CertificateDirectory) -> None:
    body = (
        b'<s:CertificateSearchRequest xmlns:s="urn:x"><!-- hi -->'
        b"<s:CertificateSubjectAltName> 00db1234567890a0 </s:CertificateSubjectAltName>"
        b"<s:CertificateUsage>ka</s:CertificateUsage></s:CertificateSearchRequest>"
    )
    request = service.parse_search_request(body)
    assert request == service.CertificateSearchRequest(
        subject_alt_name=METER, usage=KeyUsage.KEY_AGREEMENT
    )


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_hostile_bodies_never_raise(directory: CertificateDirectory, body: bytes) -> None:
    for call in (service.certificate_search, service.retrieve_certificate):
        response = call(directory, body, at=LATER, audit_reference=AUDIT)
        assert response.status in {200, 401, 402, 413}


@pytest.mark.conformance
def test_serves_the_dcc_boxed_keystore() -> None:
    store = Keystore.load(require_reference("keys", "dccboxed"))
    supplier = "90-B3-D5-1F-30-01-00-00"
    at = datetime.fromisoformat("2020-01-01T00:00:00+00:00")
    results = _results(
        _search(store, at=at, CertificateSubjectName=supplier, CertificateUsage="DS")
    )
    serials = {int(r["CertificateSerial"], 16): r for r in results}
    z1_supplier = 105986833131214866166891566273223584671
    assert serials[z1_supplier]["CertificateRole"] == str(RemotePartyRole.SUPPLIER.value)
    assert serials[z1_supplier]["CertificateStatus"] == "I"
    data = service.retrieve_certificate(
        store,
        _request("CertificateDataRequest", CertificateSerial=f"{z1_supplier:x}"),
        at=at,
        audit_reference=AUDIT,
    )
    answer = etree.fromstring(data.body).find("CertificateResponse")
    assert answer is not None
    body = base64.b64decode(answer.findtext("CertificateBody") or "")
    reference = require_reference("keys", "dccboxed", "Z1-supplier-ds.pem").read_bytes()
    assert body == x509.load_pem_x509_certificate(reference).public_bytes(
        serialization.Encoding.DER
    )


def test_audit_reference_shape() -> None:
    assert service.make_audit_reference(NOW, 26) == f"{int(NOW.timestamp())}-00000001a"
