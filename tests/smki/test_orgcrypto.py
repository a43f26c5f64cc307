"""org-crypto.zip, read the way the DCC Boxed keystore client reads it."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from opendcc.smki import estates
from opendcc.smki.keystore import Keystore
from opendcc.smki.orgcrypto import org_crypto_zip
from opendcc.smki.pkidir import init_pki
from tests.reference import require_reference
from tests.smki.conftest import NOW


def _client_read(data: bytes) -> dict[str, tuple[x509.Certificate, object]]:
    """Pairs as the client finds them: .pem under a folder path containing 'cert', key at
    the same path with /cert/ made /key/ and .pem made .key, parsed as PEM."""
    pairs = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for name in names:
            if not name.endswith(".pem") or "cert" not in posixpath.dirname(name):
                continue
            key_name = name.replace("/cert/", "/key/")[: -len(".pem")] + ".key"
            assert key_name in names, f"no key for {name}"
            cert = x509.load_pem_x509_certificate(archive.read(name))
            key = serialization.load_pem_private_key(archive.read(key_name), password=None)
            assert key.public_key() == cert.public_key()
            pairs[posixpath.basename(name)[: -len(".pem")]] = (cert, key)
    return pairs


def test_pki_archive_holds_every_organisation_key_pair(tmp_path: Path) -> None:
    init_pki(tmp_path, estates.DEMO, NOW)
    store = Keystore.load(tmp_path)
    data = org_crypto_zip(store)
    pairs = _client_read(data)
    expected = sum(len(identity.certificates) for identity in estates.DEMO.identities)
    assert len(pairs) == expected
    assert f"{estates.DEMO_SUPPLIER_A.hex}-xmlsign-ds" in pairs
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        ca_files = [n for n in archive.namelist() if n.startswith("org-crypto/ca/")]
        assert len(ca_files) == 3
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    # Deterministic: the same keystore gives the same bytes.
    assert org_crypto_zip(Keystore.load(tmp_path)) == data
    # A filter leaves out, for example, the DCC's own keys.
    without_dcc = _client_read(org_crypto_zip(store, include=lambda e: e.eui != estates.DCC))
    assert len(without_dcc) == expected - 3


@pytest.mark.conformance
def test_boxed_keystore_archive() -> None:
    store = Keystore.load(require_reference("keys", "dccboxed"))
    pairs = _client_read(org_crypto_zip(store))
    assert "Z1-supplier-ds" in pairs and "xml-sign-90B3D51F30010000-ds" in pairs
    assert "mdr-ds" in pairs  # repaired certificates go in as loaded


def test_unsafe_names_are_cleaned(tmp_path: Path) -> None:
    init_pki(tmp_path, estates.DEMO, NOW)
    store = Keystore.load(tmp_path)
    store.entries[:] = [replace(e, name="../../evil name") for e in store.entries]
    with zipfile.ZipFile(io.BytesIO(org_crypto_zip(store))) as archive:
        names = archive.namelist()
    assert all(".." not in n and " " not in n for n in names)
    assert len(names) == len(set(names))
