from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opendcc.eui import Eui64
from opendcc.smki.directory import StaticDirectory
from opendcc.smki.identity import KeyUsage
from opendcc.smki.loading import KeyMaterialError, load_certificate, load_private_key
from tests.reference import require_reference


@pytest.mark.conformance
def test_static_directory_finds_boxed_supplier_by_serial_and_eui() -> None:
    folder = require_reference("keys", "dccboxed")
    certs = [
        load_certificate(p.read_bytes())
        for p in sorted(folder.glob("*.pem"))
        if b"CERTIFICATE" in p.read_bytes()
    ]
    directory = StaticDirectory.of(certs)
    record = directory.by_serial(105986833131214866166891566273223584671)
    assert record is not None and record.eui == Eui64.parse("90-B3-D5-1F-30-01-00-00")
    assert record.valid_at(datetime(2020, 1, 1, tzinfo=UTC))
    assert not record.valid_at(datetime(2026, 1, 1, tzinfo=UTC))
    signing = directory.for_eui(Eui64.parse("90-B3-D5-1F-30-01-00-00"), KeyUsage.DIGITAL_SIGNING)
    assert record.serial in {r.serial for r in signing}
    assert directory.by_serial(1) is None


@pytest.mark.conformance
@pytest.mark.parametrize("name", ["Z1-supplier-ds.key", "dsp-xml-sign-90B3D51F30000002-ds.key.pem"])
def test_loads_boxed_private_keys_in_der_and_pem(name: str) -> None:
    key = load_private_key(require_reference("keys", "dccboxed", name).read_bytes())
    assert key.curve.name == "secp256r1"


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        b"\x30\x03\x02\x01\x00",
    ],
)
def test_junk_key_material_is_a_typed_error(junk: bytes) -> None:
    with pytest.raises(KeyMaterialError):
        load_private_key(junk)
    with pytest.raises(KeyMaterialError):
        load_certificate(junk)
