"""Derived Device keys and lazily issued Device Certificates."""

from __future__ import annotations

import copy
import dataclasses
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from opendcc.eui import Eui64
from opendcc.gbcs.security import GbcsSecurity
from opendcc.smki.authority import CertificateAuthority
from opendcc.smki.devices import DeviceCredentials, DeviceDirectory, DeviceKeyId
from opendcc.smki.directory import ChainedDirectory, StaticDirectory
from opendcc.smki.identity import KeyUsage, RemotePartyRole, certificate_eui, certificate_usage
from opendcc.smki.keystore import KeyEntry, Keystore
from opendcc.smki.profile import is_profile_serial
from tests.smki.conftest import NOW

SECRET = bytes(range(32))
METER = Eui64.parse("00-DB-12-34-56-78-90-A0")
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
DER = serialization.Encoding.DER


@pytest.fixture(scope="module")
def credentials(authority: CertificateAuthority) -> DeviceCredentials:
    return DeviceCredentials(authority.device, SECRET, not_before=NOW)


def test_keys_are_deterministic_and_distinct(
    authority: CertificateAuthority, credentials: DeviceCredentials
) -> None:
    again = DeviceCredentials(authority.device, SECRET, not_before=NOW)
    other_estate = DeviceCredentials(authority.device, b"\x01" * 32, not_before=NOW)
    scalar = credentials.scalar(METER, KeyUsage.KEY_AGREEMENT)
    assert again.scalar(METER, KeyUsage.KEY_AGREEMENT) == scalar
    assert other_estate.scalar(METER, KeyUsage.KEY_AGREEMENT) != scalar
    others = {
        credentials.scalar(METER, KeyUsage.DIGITAL_SIGNING),
        credentials.scalar(METER, KeyUsage.KEY_AGREEMENT, generation=1),
        credentials.scalar(Eui64(METER.value + 1), KeyUsage.KEY_AGREEMENT),
    }
    assert scalar not in others and len(others) == 3
    key = credentials.key(METER, KeyUsage.KEY_AGREEMENT)
    assert key.private_numbers().private_value == scalar
    assert key is credentials.key(METER, KeyUsage.KEY_AGREEMENT)  # cached


@settings(max_examples=50, deadline=None)
@given(st.integers(0, (1 << 64) - 1), st.sampled_from(list(KeyUsage)), st.integers(0, 127))
def test_every_derived_scalar_is_a_valid_p256_key(
    credentials: DeviceCredentials, eui: int, usage: KeyUsage, generation: int
) -> None:
    scalar = credentials.scalar(Eui64(eui), usage, generation)
    assert 1 <= scalar < ORDER
    key_id = credentials.identify(credentials.serial(Eui64(eui), usage, generation))
    assert key_id == DeviceKeyId(Eui64(eui), usage, generation)


def test_short_secret_and_bad_generation_are_refused(authority: CertificateAuthority) -> None:
    with pytest.raises(ValueError):
        DeviceCredentials(authority.device, b"short", not_before=NOW)
    credentials = DeviceCredentials(authority.device, SECRET, not_before=NOW)
    with pytest.raises(ValueError):
        credentials.serial(METER, KeyUsage.DIGITAL_SIGNING, generation=128)


@pytest.mark.parametrize("usage", list(KeyUsage))
def test_template_certificate_is_byte_identical_to_the_built_one(
    authority: CertificateAuthority, credentials: DeviceCredentials, usage: KeyUsage
) -> None:
    cert = credentials.certificate(METER, usage)
    built = credentials.issue_with_builder(DeviceKeyId(METER, usage))
    assert cert.public_bytes(DER) == built.public_bytes(DER)
    cert.verify_directly_issued_by(authority.device.certificate)
    assert certificate_eui(cert) == METER
    assert certificate_usage(cert) is usage
    assert cert.public_key() == credentials.key(METER, usage).public_key()
    assert cert.not_valid_before_utc == NOW
    assert is_profile_serial(cert.serial_number)
    assert cert.serial_number == credentials.serial(METER, usage)


def test_certificates_are_the_same_in_another_process_view(
    authority: CertificateAuthority, credentials: DeviceCredentials
) -> None:
    # A second worker with the same estate secret and CA issues the very same bytes.
    worker = DeviceCredentials(authority.device, SECRET, not_before=NOW)
    eui = Eui64.parse("00-DB-12-34-56-78-90-A3")
    assert worker.certificate(eui, KeyUsage.DIGITAL_SIGNING).public_bytes(
        DER
    ) == credentials.certificate(eui, KeyUsage.DIGITAL_SIGNING).public_bytes(DER)


def test_serial_tags_reject_forged_serials(credentials: DeviceCredentials) -> None:
    serial = credentials.serial(METER, KeyUsage.DIGITAL_SIGNING)
    assert credentials.identify(serial) == DeviceKeyId(METER, KeyUsage.DIGITAL_SIGNING)
    # Another EUI with the same tag, a flipped tag bit, and non-device serials name nothing.
    other_eui = (serial & ~((1 << 64) - 1)) | (METER.value + 1)
    for forged in (other_eui, serial ^ (1 << 70), 0, -1, 1 << 127, 12345):
        assert credentials.identify(forged) is None


def test_caches_stay_bounded(authority: CertificateAuthority) -> None:
    small = DeviceCredentials(
        authority.device, SECRET, not_before=NOW, key_cache_size=4, certificate_cache_size=3
    )
    for n in range(10):
        small.certificate(Eui64(n + 1), KeyUsage.KEY_AGREEMENT)
    info = small.cache_info()
    assert info["keys"] <= 4 and info["certificates"] == 3 and info["issued"] == 10
    small.certificate(Eui64(10), KeyUsage.KEY_AGREEMENT)
    assert small.cache_info()["certificate_hits"] == 1


def test_device_key_agreement_with_an_organisation_certificate(
    authority: CertificateAuthority, credentials: DeviceCredentials
) -> None:
    organisation_key = ec.generate_private_key(ec.SECP256R1())
    organisation_cert = authority.issue_organisation(
        Eui64.parse("90-B3-D5-1F-30-00-00-02"),
        RemotePartyRole.ACCESS_CONTROL_BROKER,
        KeyUsage.KEY_AGREEMENT,
        organisation_key.public_key(),
        not_before=NOW,
    )
    device_cert = credentials.certificate(METER, KeyUsage.KEY_AGREEMENT)
    device_side = credentials.key(METER, KeyUsage.KEY_AGREEMENT).exchange(
        ec.ECDH(),
        organisation_cert.public_key(),  # type: ignore[arg-type]
    )
    dcc_side = organisation_key.exchange(ec.ECDH(), device_cert.public_key())  # type: ignore[arg-type]
    assert device_side == dcc_side


def test_device_directory_answers_only_for_enrolled_devices(
    credentials: DeviceCredentials,
) -> None:
    enrolled = {METER}
    generations = {(METER, KeyUsage.DIGITAL_SIGNING): 1}
    directory = DeviceDirectory(
        credentials, enrolled, lambda eui, usage: generations.get((eui, usage), 0)
    )
    [ka] = directory.for_eui(METER, KeyUsage.KEY_AGREEMENT)
    assert ka.eui == METER and ka.role is None and ka.usage is KeyUsage.KEY_AGREEMENT
    assert directory.by_serial(ka.serial) == ka
    [ds] = directory.for_eui(METER, KeyUsage.DIGITAL_SIGNING)
    assert ds.serial == credentials.serial(METER, KeyUsage.DIGITAL_SIGNING, 1)
    # Generation 1 is current: generation 0 still exists; generation 2 is not issued yet.
    assert directory.by_serial(credentials.serial(METER, KeyUsage.DIGITAL_SIGNING, 0))
    assert directory.by_serial(credentials.serial(METER, KeyUsage.DIGITAL_SIGNING, 2)) is None
    stranger = Eui64.parse("00-DB-12-34-56-78-90-FF")
    assert directory.for_eui(stranger, KeyUsage.KEY_AGREEMENT) == []
    assert directory.by_serial(credentials.serial(stranger, KeyUsage.KEY_AGREEMENT)) is None
    assert directory.by_serial(12345) is None

    at = NOW + timedelta(days=1)
    assert directory.revoke(ka.serial, at)
    assert not directory.revoke(credentials.serial(stranger, KeyUsage.KEY_AGREEMENT), at)
    revoked = directory.by_serial(ka.serial)
    assert revoked is not None and revoked.revoked_at == at
    assert credentials.record(METER, KeyUsage.KEY_AGREEMENT).revoked_at is None


def test_chained_directory_merges_sources(credentials: DeviceCredentials) -> None:
    devices = DeviceDirectory(credentials, lambda eui: eui == METER)
    record = credentials.record(METER, KeyUsage.KEY_AGREEMENT)
    chain = ChainedDirectory(StaticDirectory(), devices, StaticDirectory([record]))
    assert chain.by_serial(record.serial) == record
    assert [r.serial for r in chain.for_eui(METER, KeyUsage.KEY_AGREEMENT)] == [record.serial]
    assert chain.by_serial(1) is None


def test_entry_issues_its_certificate_only_when_read(authority: CertificateAuthority) -> None:
    """A Device's keys work (MAC, ECDH, signing) without its certificate being issued; the
    certificate, when asked for through the entry or the SMKI directory, is the same bytes
    as one built field by field, issued once."""
    fresh = DeviceCredentials(authority.device, SECRET, not_before=NOW)
    entry = fresh.entry(METER, KeyUsage.KEY_AGREEMENT)
    assert isinstance(entry, KeyEntry)
    assert entry.private_key is fresh.key(METER, KeyUsage.KEY_AGREEMENT)
    assert entry.eui == METER and entry.usage is KeyUsage.KEY_AGREEMENT
    assert entry.serial == fresh.serial(METER, KeyUsage.KEY_AGREEMENT)
    assert entry.role is None and entry.name == f"device-{METER.hex}-ka"
    assert fresh.cache_info()["issued"] == 0  # keys, serial and role need no certificate

    directory = DeviceDirectory(fresh, {METER})
    [searched] = directory.for_eui(METER, KeyUsage.KEY_AGREEMENT)
    assert fresh.cache_info()["issued"] == 1
    record = entry.record
    assert record is searched  # the one issued, not a second
    assert fresh.cache_info()["issued"] == 1
    built = fresh.issue_with_builder(DeviceKeyId(METER, KeyUsage.KEY_AGREEMENT))
    assert record.certificate.public_bytes(DER) == built.public_bytes(DER)
    assert entry.serial == record.serial and entry.role is None
    assert record.certificate.public_key() == entry.public_key

    # A later entry of the same key reads the cached certificate: still one issue.
    again = fresh.entry(METER, KeyUsage.KEY_AGREEMENT).record
    assert again is record and fresh.cache_info()["issued"] == 1


def test_gbcs_mac_with_derived_keys_issues_no_certificate(
    authority: CertificateAuthority,
) -> None:
    """The hub's GBCS security layer MACs a Command to a Device and checks the Device's
    Response with derived keys alone (GBCS 4.3.3 key agreement needs no certificate)."""
    fresh = DeviceCredentials(authority.device, SECRET, not_before=NOW)
    acb = Eui64.parse("90-B3-D5-1F-30-00-00-02")
    acb_key = ec.generate_private_key(ec.SECP256R1())
    acb_cert = authority.issue_organisation(
        acb, RemotePartyRole.ACCESS_CONTROL_BROKER, KeyUsage.KEY_AGREEMENT,
        acb_key.public_key(), not_before=NOW,
    )  # fmt: skip
    keystore = Keystore()
    keystore.add_certificate(acb_cert, acb_key, source="test")
    security = GbcsSecurity(keystore, device_keys=fresh.entry)
    secrets = security._secrets(acb, METER)
    assert len(secrets) == 1
    device_z = fresh.key(METER, KeyUsage.KEY_AGREEMENT).exchange(ec.ECDH(), acb_key.public_key())
    assert secrets[0].value == device_z
    assert f"serial {fresh.serial(METER, KeyUsage.KEY_AGREEMENT):X}" in secrets[0].description
    assert fresh.cache_info()["issued"] == 0


def test_a_derived_entry_copies_and_replaces_like_any_entry(
    authority: CertificateAuthority,
) -> None:
    """Copies keep the lazy certificate; ``dataclasses.replace`` (as the keystore does to
    entries) gives an entry with the certificate; equal entries compare equal."""
    fresh = DeviceCredentials(authority.device, SECRET, not_before=NOW)
    entry = fresh.entry(METER, KeyUsage.DIGITAL_SIGNING)
    for copied in (copy.copy(entry), copy.deepcopy(entry)):
        assert copied.serial == entry.serial and copied.private_key is entry.private_key
        assert copied.role is None and fresh.cache_info()["issued"] == 0
    renamed = dataclasses.replace(entry, name="renamed")
    assert renamed.name == "renamed" and fresh.cache_info()["issued"] == 1
    assert renamed.record is not None and renamed.record is entry.record
    assert copy.copy(entry).record is entry.record
    assert renamed.serial == entry.serial == renamed.record.serial
    assert entry == fresh.entry(METER, KeyUsage.DIGITAL_SIGNING)
    assert entry != fresh.entry(METER, KeyUsage.KEY_AGREEMENT)
