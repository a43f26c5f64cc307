from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opendcc.eui import Eui64
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import Keystore
from tests.reference import require_reference

SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
DCC = Eui64.parse("90-B3-D5-1F-30-00-00-02")


@pytest.mark.conformance
def test_boxed_layout_pairs_der_keys_with_certificates() -> None:
    store = Keystore.load(require_reference("keys", "dccboxed"))
    signer = store.signer(SUPPLIER, roles=[RemotePartyRole.XML_SIGNING, RemotePartyRole.SUPPLIER])
    assert signer is not None and signer.private_key is not None
    assert signer.role is RemotePartyRole.XML_SIGNING
    # The private key really belongs to the certificate it was paired with.
    assert signer.private_key.public_key().public_numbers() == signer.public_key.public_numbers()
    # Two DSP XML-signing certificates: the newest (2025-2035) unless asked about 2100.
    newest = store.signer(DCC, roles=[RemotePartyRole.DSP_XML_SIGNING])
    assert newest is not None and newest.name == "Z1-accessControlBroker-dSPXmlSign"
    later = store.signer(
        DCC, roles=[RemotePartyRole.DSP_XML_SIGNING], at=datetime(2100, 1, 1, tzinfo=UTC)
    )
    assert later is not None and later.record is not None
    assert later.record.valid_at(datetime(2100, 1, 1, tzinfo=UTC))


@pytest.mark.conformance
def test_gbcs_layout_finds_device_and_organisation_keys() -> None:
    store = Keystore.load(require_reference("gbcs", "keystore"))
    device = store.key_agreement(Eui64.parse("00-DB-12-34-56-78-90-A0"))
    assert device is not None and device.record is not None and device.private_key is None
    acb = store.key_agreement(DCC, private=True)
    assert acb is not None and acb.private_key is not None
    prepayment = store.key_agreement(SUPPLIER, private=True, name_contains="-pp-")
    plain = [e for e in store.find(SUPPLIER, KeyUsage.KEY_AGREEMENT) if "-pp-" not in e.name]
    assert prepayment is not None and plain and prepayment.serial != plain[0].serial


def test_bad_files_are_warnings_not_errors(tmp_path: Path) -> None:
    (tmp_path / "90b3d51f30010000-ds.pem").write_text("-----BEGIN CERTIFICATE-----\nAA\n")
    (tmp_path / "90b3d51f30010000-ka.key").write_bytes(b"\x00\x01garbage")
    (tmp_path / "keystore.json").write_text("{not json")
    store = Keystore.load(tmp_path, tmp_path / "absent")
    assert len(store) == 0
    assert len(store.warnings) == 4


@pytest.mark.conformance
def test_revocation_is_recorded_from_a_time() -> None:
    store = Keystore.load(require_reference("keys", "dccboxed"))
    serial = 105986833131214866166891566273223584671
    when = datetime(2020, 6, 1, tzinfo=UTC)
    assert store.revoke(serial, when)
    record = store.by_serial(serial)
    assert record is not None
    assert record.revoked_by(datetime(2020, 7, 1, tzinfo=UTC))
    assert not record.revoked_by(datetime(2020, 5, 1, tzinfo=UTC))
    assert not store.revoke(1, when)
