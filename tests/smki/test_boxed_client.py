"""The published DCC Boxed SMKI client, run unchanged against opendcc's certificate service.

``tests/node/smki_client.js`` drives @smartdcc/dccboxed-keystore (installed by ``.ci/run``
into ``tests/node``) against a small HTTP server here that mounts
``opendcc.smki.service`` the way the hub will.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization

from opendcc.eui import Eui64
from opendcc.smki import estates, service
from opendcc.smki.devices import DeviceDirectory
from opendcc.smki.directory import CertificateDirectory, ChainedDirectory
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import Keystore
from opendcc.smki.pkidir import PkiDirectory, init_pki
from tests.reference import PROJECT_ROOT, in_ci
from tests.smki.conftest import NOW

NODE_DIR = PROJECT_ROOT / "tests" / "node"
CLIENT = NODE_DIR / "smki_client.js"
METER = Eui64.parse("00-DB-12-34-56-78-90-A4")


def _require_node() -> str:
    node = shutil.which("node")
    installed = (NODE_DIR / "node_modules" / "@smartdcc" / "dccboxed-keystore").is_dir()
    if node is None or not installed:
        message = "node and tests/node packages are needed (npm install in tests/node)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return node


class _Handler(BaseHTTPRequestHandler):
    directory: CertificateDirectory
    seen: list[tuple[str, dict[str, list[str]], str]]

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append((url.path, parse_qs(url.query), self.headers.get("Content-Type", "")))
        at = NOW + timedelta(days=1)
        if url.path == service.SEARCH_PATH:
            answer = service.certificate_search(
                self.directory, body, at=at, audit_reference="1-000000001"
            )
        elif url.path == service.RETRIEVE_PATH:
            answer = service.retrieve_certificate(
                self.directory, body, at=at, audit_reference="1-000000002"
            )
        else:
            self.send_error(404)
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiDirectory:
    directory = tmp_path_factory.mktemp("boxed-client") / "pki"
    init_pki(directory, estates.DEMO, NOW)
    return PkiDirectory.open(directory)


@pytest.fixture(scope="module")
def server(pki: PkiDirectory) -> Iterator[tuple[str, type[_Handler]]]:
    handler = type(
        "Handler",
        (_Handler,),
        {
            "directory": ChainedDirectory(
                pki.keystore(), DeviceDirectory(pki.device_credentials(), {METER})
            ),
            "seen": [],
        },
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def _client(address: str, *args: str) -> list[dict[str, object]]:
    node = _require_node()
    done = subprocess.run(
        [node, str(CLIENT), address, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=NODE_DIR,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert isinstance(result, list)
    return result


def _der(item: dict[str, object]) -> bytes:
    return base64.b64decode(str(item["der"]))


def test_boxed_keystore_finds_a_device_certificate(
    server: tuple[str, type[_Handler]], pki: PkiDirectory
) -> None:
    address, handler = server
    [found] = _client(address, "device", str(METER), "ka")
    expected = pki.device_credentials().certificate(METER, KeyUsage.KEY_AGREEMENT)
    assert _der(found) == expected.public_bytes(serialization.Encoding.DER)
    assert found["eui"] == METER.hex and found["serial"] == str(expected.serial_number)
    assert found["keyUsage"] == [4]  # keyAgreement bit
    paths = [path for path, _, _ in handler.seen]
    assert service.SEARCH_PATH in paths and service.RETRIEVE_PATH in paths
    assert all("apikey" in query and ctype == "application/xml" for _, query, ctype in handler.seen)


def test_boxed_keystore_finds_a_certificate_by_serial(
    server: tuple[str, type[_Handler]], pki: PkiDirectory
) -> None:
    address, _ = server
    expected = pki.device_credentials().certificate(METER, KeyUsage.DIGITAL_SIGNING)
    [found] = _client(address, "serial", str(expected.serial_number))
    assert _der(found) == expected.public_bytes(serialization.Encoding.DER)
    assert found["keyUsage"] == [0]  # digitalSignature bit
    assert _client(address, "serial", "12345") == []


def test_boxed_client_searches_organisations_by_role(
    server: tuple[str, type[_Handler]], pki: PkiDirectory
) -> None:
    address, _ = server
    store: Keystore = pki.keystore()
    supplier = str(estates.DEMO_SUPPLIER_A)
    [xml_signing] = _client(address, "organisation", supplier, "135", "ds")
    expected = store.find(estates.DEMO_SUPPLIER_A, roles=[RemotePartyRole.XML_SIGNING])[0]
    assert expected.record is not None
    assert int(str(xml_signing["serial"])) == expected.record.serial
    assert xml_signing["role"] == 0x87 and xml_signing["eui"] == estates.DEMO_SUPPLIER_A.hex
    # Two Supplier key-agreement certificates: the Supplier's own and its prepayment top-up
    # key (``-pp-ka``, which the meters check UTRNs with).
    key_agreements = _client(address, "organisation", supplier, "2", "ka")
    expected_ka = store.find(estates.DEMO_SUPPLIER_A, roles=[RemotePartyRole.SUPPLIER])
    assert sorted(int(str(k["serial"])) for k in key_agreements) == sorted(
        e.record.serial
        for e in expected_ka
        if e.record is not None and e.usage is KeyUsage.KEY_AGREEMENT
    )
    assert len(key_agreements) == 2 and {k["role"] for k in key_agreements} == {2}
    dsp = _client(address, "organisation", str(estates.DCC), "137", "ds")
    assert [item["role"] for item in dsp] == [0x89]
    assert _client(address, "organisation", "11-22-33-44-55-66-77-88", "2", "ds") == []
