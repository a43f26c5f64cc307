"""TLS on the hub's interfaces: ``opendcc serve --tls`` with a certificate from the test DCCKI.

A User's client that trusts the DCCKI root talks DUIS over HTTPS end to end (synchronous I99
and the asynchronous response); one that does not trust it is refused at the handshake; plain
HTTP to the TLS port gets no DUIS answer. The SMKI service on port+4 is TLS too.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from opendcc.smki.tls import TlsError, issue_server_certificate
from tests.hub.harness import free_port
from tests.reference import require_reference

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_server_certificate_names_its_hosts_and_chains_to_a_reused_root(tmp_path: Path) -> None:
    first = issue_server_certificate(tmp_path, ["hub.example", "127.0.0.1", "::1"], NOW)
    root = x509.load_pem_x509_certificate(first.ca.read_bytes())
    server = x509.load_pem_x509_certificate(first.certificate.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["hub.example"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    usage = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    server.verify_directly_issued_by(root)
    assert server.not_valid_after_utc <= NOW + timedelta(days=398)
    assert first.key.stat().st_mode & 0o077 == 0
    assert (tmp_path / "ca.key").stat().st_mode & 0o077 == 0

    again = issue_server_certificate(tmp_path, ["other.example"], NOW + timedelta(days=1))
    assert again.ca.read_bytes() == first.ca.read_bytes()  # clients keep trusting the root
    x509.load_pem_x509_certificate(again.certificate.read_bytes()).verify_directly_issued_by(root)


@pytest.mark.parametrize("hosts", [[], [" "], ["bad host\u0000"]])
def test_unusable_host_names_are_refused(tmp_path: Path, hosts: list[str]) -> None:
    with pytest.raises(TlsError):
        issue_server_certificate(tmp_path, hosts, NOW)


def _get(url: str, context: ssl.SSLContext | None) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5, context=context) as reply:
        return int(reply.status), bytes(reply.read())


def _wait_healthy(url: str, ca: Path, server: subprocess.Popen[bytes]) -> ssl.SSLContext:
    """Wait for the hub (which writes its TLS root first); a context trusting that root."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stderr.read().decode() if server.stderr else "exited")
        try:
            context = ssl.create_default_context(cafile=str(ca))
            if _get(url, context)[0] == 200:
                return context
        except (urllib.error.URLError, OSError, ssl.SSLError):
            time.sleep(0.2)
    raise AssertionError("the TLS hub did not become healthy")


def test_duis_over_https_end_to_end(tmp_path: Path) -> None:
    template = require_reference("duis/templates/ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    port = free_port()
    data = tmp_path / "hub"
    opendcc = [sys.executable, "-m", "opendcc"]
    server = subprocess.Popen(
        [
            *opendcc,
            "serve",
            "--tls",
            "--data",
            str(data),
            "--port",
            str(port),
            "--premises",
            "4",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"https://127.0.0.1:{port}"
    try:
        trusting = _wait_healthy(f"{base}/healthz", data / "tls" / "ca.pem", server)
        assert _get(f"https://localhost:{port}/healthz", trusting) == (200, b"ok\n")

        # A client that does not hold the DCCKI root is refused at the handshake.
        with pytest.raises(urllib.error.URLError) as refused:
            _get(f"{base}/healthz", ssl.create_default_context())
        assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
        # Plain HTTP to the TLS port gets no DUIS answer.
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            _get(f"http://127.0.0.1:{port}/healthz", None)

        # The SMKI certificate service on port+4 is behind TLS too.
        status, body = _get(f"https://127.0.0.1:{port + 4}/assets/crypto/org-crypto.zip", trusting)
        assert status == 200 and body[:2] == b"PK"

        with urllib.request.urlopen(
            f"{base}/admin/v1/devices?device_type=ESME&limit=1", timeout=5, context=trusting
        ) as reply:
            esme = json.loads(reply.read())["items"][0]["device_id"]

        def send(*extra: str, timeout: float) -> subprocess.CompletedProcess[bytes]:
            """``opendcc send`` of the template to the ESME as supplier-a, over HTTPS."""
            args = ["--as", "supplier-a", "--hub", base, "--data", str(data), "--target", esme]
            return subprocess.run(
                [*opendcc, "send", str(template), *args, *extra],
                capture_output=True,
                timeout=timeout,
                check=False,
            )

        sent = send("--ca", str(data / "tls" / "ca.pem"), "--json", "--wait", "30", timeout=120)
        assert sent.returncode == 0, sent.stderr.decode()
        steps = json.loads(sent.stdout)["steps"]
        assert [(s["step"], s.get("code")) for s in steps] == [
            ("CV 1", "I99"),
            ("asynchronous response", "I0"),
        ]

        untrusting = send(timeout=60)  # without the hub's CA
        assert untrusting.returncode == 2
        assert b"CERTIFICATE_VERIFY_FAILED" in untrusting.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
