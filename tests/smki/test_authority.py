"""The test CA: certificates shaped like the reference SMKI ones, a real hierarchy, CRLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.eui import Eui64
from opendcc.smki import profile
from opendcc.smki.authority import CaLevel, CertificateAuthority, Revocation, RevocationError
from opendcc.smki.identity import (
    KeyUsage,
    RemotePartyRole,
    certificate_eui,
    certificate_role,
    certificate_usage,
)
from opendcc.smki.keystore import Keystore
from tests.reference import require_reference
from tests.smki.conftest import NOW

SUPPLIER = Eui64.parse("02-0D-CC-00-00-01-00-01")
METER = Eui64.parse("02-0D-CC-01-00-00-00-01")


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _shape(cert: x509.Certificate) -> list[tuple[str, bool]]:
    return [(e.oid.dotted_string, e.critical) for e in cert.extensions]


def _name_types(name: x509.Name) -> list[tuple[str, object]]:
    return [(a.oid.dotted_string, a._type) for a in name]


def _der_serial_length(serial: int) -> int:
    return (serial.bit_length() + 8) // 8  # DER INTEGER content length of a positive value


@pytest.mark.conformance
def test_organisation_certificate_has_the_reference_shape(authority: CertificateAuthority) -> None:
    reference = x509.load_pem_x509_certificate(
        require_reference("keys", "dccboxed", "Z1-supplier-ds.pem").read_bytes()
    )
    ours = authority.issue_organisation(
        SUPPLIER,
        RemotePartyRole.SUPPLIER,
        KeyUsage.DIGITAL_SIGNING,
        _key().public_key(),
        not_before=NOW,
        common_name="OPENDCC SUPPLIER A",
    )
    assert _shape(ours) == _shape(reference)
    assert _name_types(ours.subject) == _name_types(reference.subject)
    assert _name_types(ours.issuer) == _name_types(reference.issuer)
    assert ours.signature_algorithm_oid == reference.signature_algorithm_oid
    ours_policies = ours.extensions.get_extension_for_class(x509.CertificatePolicies).value
    ref_policies = reference.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert ours_policies == ref_policies
    assert _der_serial_length(ours.serial_number) == _der_serial_length(reference.serial_number)
    assert certificate_eui(ours) == SUPPLIER
    assert certificate_role(ours) is RemotePartyRole.SUPPLIER
    assert certificate_usage(ours) is KeyUsage.DIGITAL_SIGNING
    # Ten years less a second, like the reference.
    for cert in (ours, reference):
        start = cert.not_valid_before_utc
        assert cert.not_valid_after_utc == start.replace(year=start.year + 10) - timedelta(
            seconds=1
        )


@pytest.mark.conformance
def test_device_certificate_has_the_reference_shape(authority: CertificateAuthority) -> None:
    reference = x509.load_pem_x509_certificate(
        require_reference("gbcs", "keystore", "00db1234567890a0-ka.pem").read_bytes()
    )
    ours = authority.issue_device(
        METER, KeyUsage.KEY_AGREEMENT, _key().public_key(), not_before=NOW
    )
    assert _shape(ours) == _shape(reference)
    assert ours.subject == x509.Name([]) == reference.subject
    assert _name_types(ours.issuer) == _name_types(reference.issuer)
    assert ours.not_valid_after_utc == reference.not_valid_after_utc == profile.NO_EXPIRY
    ours_alt = ours.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ref_alt = reference.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    [ours_name] = ours_alt.get_values_for_type(x509.OtherName)
    [ref_name] = ref_alt.get_values_for_type(x509.OtherName)
    assert ours_name.type_id == ref_name.type_id
    # Same hwType OID; only the 8 EUI bytes at the end differ.
    assert ours_name.value[:-8] == ref_name.value[:-8]
    assert certificate_eui(ours) == METER
    assert certificate_role(ours) is None
    assert certificate_usage(ours) is KeyUsage.KEY_AGREEMENT


@pytest.mark.conformance
def test_key_identifiers_follow_the_reference_method() -> None:
    folder = require_reference("gbcs", "keystore")
    checked = 0
    for path in sorted(folder.glob("*.pem"))[:40]:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        public = cert.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        assert profile.key_identifier(public) == ski
        checked += 1
    assert checked == 40


def test_hierarchy_chains_and_key_identifiers(authority: CertificateAuthority) -> None:
    root = authority.root.certificate
    root.verify_directly_issued_by(root)
    for ca in (authority.organisation, authority.device):
        ca.certificate.verify_directly_issued_by(root)
        aki = ca.certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
        assert aki.value.key_identifier == authority.root.key_identifier
        constraints = ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    assert authority.organisation.name.rfc4514_string() == "CN=OD1,OU=07"
    assert certificate_role(authority.organisation.certificate) is RemotePartyRole.ISSUING_AUTHORITY
    cert = authority.issue_organisation(
        SUPPLIER,
        RemotePartyRole.SUPPLIER,
        KeyUsage.KEY_AGREEMENT,
        _key().public_key(),
        not_before=NOW,
    )
    cert.verify_directly_issued_by(authority.organisation.certificate)
    with pytest.raises(ValueError):
        cert.verify_directly_issued_by(authority.device.certificate)
    assert authority.issuer_of(cert) is CaLevel.ORGANISATION
    assert (
        cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        == authority.organisation.key_identifier
    )
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert len(ski) == 8


def test_signatures_are_deterministic(authority: CertificateAuthority) -> None:
    public = _key().public_key()
    first = authority.issue_device(
        METER, KeyUsage.DIGITAL_SIGNING, public, not_before=NOW, serial=7 << 120
    )
    again = authority.issue_device(
        METER, KeyUsage.DIGITAL_SIGNING, public, not_before=NOW, serial=7 << 120
    )
    assert first.public_bytes(serialization.Encoding.DER) == again.public_bytes(
        serialization.Encoding.DER
    )


def test_serials_are_positive_sixteen_byte_integers() -> None:
    serials = {profile.new_serial() for _ in range(500)}
    assert len(serials) == 500
    assert all(profile.is_profile_serial(s) and _der_serial_length(s) == 16 for s in serials)
    # Even a source of all-zero and all-one bytes gives a valid serial.
    zeros_then_ones = iter([bytes(16), b"\xff" * 16])
    serial = profile.new_serial(lambda n: next(zeros_then_ones))
    assert serial == (1 << 127) - 1


def test_leap_day_validity() -> None:
    start = datetime(2024, 2, 29, tzinfo=UTC)
    assert profile.organisation_not_after(start) == datetime(2034, 2, 27, 23, 59, 59, tzinfo=UTC)


def test_crl_lists_revocations_and_keystore_applies_it(
    fresh_authority: CertificateAuthority, tmp_path: Path
) -> None:
    ca = fresh_authority
    key = _key()
    cert = ca.issue_organisation(
        SUPPLIER,
        RemotePartyRole.SUPPLIER,
        KeyUsage.DIGITAL_SIGNING,
        key.public_key(),
        not_before=NOW,
    )
    kept = ca.issue_organisation(
        SUPPLIER,
        RemotePartyRole.SUPPLIER,
        KeyUsage.KEY_AGREEMENT,
        _key().public_key(),
        not_before=NOW,
    )
    revoked_at = NOW + timedelta(days=3)
    assert ca.revoke(cert, revoked_at, x509.ReasonFlags.key_compromise) is CaLevel.ORGANISATION
    crl = ca.crl(CaLevel.ORGANISATION, this_update=NOW + timedelta(days=4))
    assert crl.is_signature_valid(ca.organisation.private_key.public_key())
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None and entry.revocation_date_utc == revoked_at
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason is (
        x509.ReasonFlags.key_compromise
    )
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
    assert crl.get_revoked_certificate_by_serial_number(kept.serial_number) is None

    pem = serialization.Encoding.PEM
    (tmp_path / "org-ca.pem").write_bytes(ca.organisation.certificate.public_bytes(pem))
    (tmp_path / "org-ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    (tmp_path / f"{SUPPLIER.hex}-ds.pem").write_bytes(cert.public_bytes(pem))
    (tmp_path / f"{SUPPLIER.hex}-ka.pem").write_bytes(kept.public_bytes(pem))
    store = Keystore.load(tmp_path)
    assert store.warnings == []
    record = store.by_serial(cert.serial_number)
    assert record is not None and record.revoked_at == revoked_at
    assert record.revoked_by(revoked_at) and not record.revoked_by(
        revoked_at - timedelta(seconds=1)
    )
    other = store.by_serial(kept.serial_number)
    assert other is not None and other.revoked_at is None


def test_crl_loaded_before_its_certificate_still_applies(
    fresh_authority: CertificateAuthority, tmp_path: Path
) -> None:
    ca = fresh_authority
    cert = ca.issue_device(METER, KeyUsage.KEY_AGREEMENT, _key().public_key(), not_before=NOW)
    ca.revoke(cert, NOW)
    crl = ca.crl(CaLevel.DEVICE, this_update=NOW)
    (tmp_path / "device.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / f"{METER.hex}-ka.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
    )
    store = Keystore.load(tmp_path / "device.crl", tmp_path / "later")
    record = store.by_serial(cert.serial_number)
    assert record is not None and record.revoked_at == NOW
    assert any("without checking the CRL signature" in w for w in store.warnings)


def test_forged_crl_is_ignored(fresh_authority: CertificateAuthority, tmp_path: Path) -> None:
    ca = fresh_authority
    impostor = CertificateAuthority.create(NOW)
    cert = ca.issue_device(METER, KeyUsage.KEY_AGREEMENT, _key().public_key(), not_before=NOW)
    # A different CA with the same name lists the serial; it must not revoke ours.
    impostor.record_revocation(CaLevel.DEVICE, Revocation(cert.serial_number, NOW))
    forged = impostor.crl(CaLevel.DEVICE, this_update=NOW)
    pem = serialization.Encoding.PEM
    (tmp_path / "device-ca.pem").write_bytes(ca.device.certificate.public_bytes(pem))
    (tmp_path / f"{METER.hex}-ka.pem").write_bytes(cert.public_bytes(pem))
    (tmp_path / "device-ca.crl").write_bytes(forged.public_bytes(pem))
    store = Keystore.load(tmp_path)
    record = store.by_serial(cert.serial_number)
    assert record is not None and record.revoked_at is None
    assert any("does not verify" in w for w in store.warnings)


def test_restore_crl_round_trip(fresh_authority: CertificateAuthority) -> None:
    ca = fresh_authority
    cert = ca.issue_device(METER, KeyUsage.DIGITAL_SIGNING, _key().public_key(), not_before=NOW)
    ca.revoke(cert, NOW, x509.ReasonFlags.superseded)
    ca.crl(CaLevel.DEVICE, this_update=NOW)
    crl = ca.crl(CaLevel.DEVICE, this_update=NOW)
    copy = CertificateAuthority(ca.root, ca.organisation, ca.device)
    assert copy.restore_crl(crl) is CaLevel.DEVICE
    assert copy.revoked(CaLevel.DEVICE) == ca.revoked(CaLevel.DEVICE)
    assert copy.crl_numbers[CaLevel.DEVICE] == 2
    with pytest.raises(RevocationError):
        CertificateAuthority.create(NOW).restore_crl(crl)


def test_refuses_to_revoke_foreign_or_ca_certificates(
    fresh_authority: CertificateAuthority,
) -> None:
    other = CertificateAuthority.create(NOW)
    foreign = other.issue_device(METER, KeyUsage.KEY_AGREEMENT, _key().public_key(), not_before=NOW)
    with pytest.raises(RevocationError):
        fresh_authority.revoke(foreign, NOW)
    with pytest.raises(RevocationError):
        fresh_authority.revoke(fresh_authority.root.certificate, NOW)
    # Revoking an issuing CA is the root's business.
    assert fresh_authority.revoke(fresh_authority.device.certificate, NOW) is CaLevel.ROOT


def test_crl_files_in_any_form(fresh_authority: CertificateAuthority, tmp_path: Path) -> None:
    ca = fresh_authority
    cert = ca.issue_device(METER, KeyUsage.DIGITAL_SIGNING, _key().public_key(), not_before=NOW)
    ca.revoke(cert, NOW)
    pem = serialization.Encoding.PEM
    crl = ca.crl(CaLevel.DEVICE, this_update=NOW)
    # A PEM bundle holding the CA certificate and its CRL, plus a junk .crl file.
    (tmp_path / "bundle.pem").write_bytes(
        ca.device.certificate.public_bytes(pem) + crl.public_bytes(pem)
    )
    (tmp_path / "device.pem").write_bytes(cert.public_bytes(pem))
    (tmp_path / "junk.crl").write_bytes(b"\x30\x03\x02\x01\x00")
    (tmp_path / "truncated.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER)[:40])
    store = Keystore.load(tmp_path)
    record = store.by_serial(cert.serial_number)
    assert record is not None and record.revoked_at == NOW
    assert sum("not an X.509 CRL" in w for w in store.warnings) == 2
    assert not any("without checking" in w for w in store.warnings)
    assert any(e.name == "bundle" and e.record is not None for e in store.entries)
