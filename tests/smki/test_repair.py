"""Certificates whose ECDSA AlgorithmIdentifier carries an explicit NULL parameter."""

from __future__ import annotations

import contextlib

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from opendcc.eui import Eui64
from opendcc.smki.authority import CertificateAuthority
from opendcc.smki.identity import KeyUsage, RemotePartyRole, certificate_eui, certificate_role
from opendcc.smki.keystore import Keystore
from opendcc.smki.loading import KeyMaterialError, load_certificates_tolerant
from opendcc.smki.repair import DerError, drop_null_signature_parameters, encode
from tests.reference import require_reference
from tests.smki.conftest import NOW

ECDSA_SHA256 = encode(0x06, bytes.fromhex("2a8648ce3d040302"))
EUI = Eui64.parse("02-0D-CC-00-00-07-00-09")


def _with_null_parameters(authority: CertificateAuthority) -> tuple[bytes, x509.Certificate]:
    """A certificate whose issuer signed a TBSCertificate with explicit NULL parameters."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = authority.issue_organisation(
        EUI, RemotePartyRole.OTHER_USER, KeyUsage.DIGITAL_SIGNING, key.public_key(), not_before=NOW
    )
    plain_alg = encode(0x30, ECDSA_SHA256)
    null_alg = encode(0x30, ECDSA_SHA256 + b"\x05\x00")
    tbs = cert.tbs_certificate_bytes
    body_start = 2 if tbs[1] < 0x80 else 2 + (tbs[1] & 0x7F)
    body = tbs[body_start:]
    assert body.count(plain_alg) == 1
    tbs_null = encode(0x30, body.replace(plain_alg, null_alg))
    signature = authority.organisation.private_key.sign(tbs_null, ec.ECDSA(hashes.SHA256()))
    der = encode(0x30, tbs_null + null_alg + encode(0x03, b"\x00" + signature))
    return der, cert


def test_strict_parsers_refuse_and_the_tolerant_loader_repairs(
    authority: CertificateAuthority,
) -> None:
    der, original = _with_null_parameters(authority)
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(der)
    [loaded] = load_certificates_tolerant(der)
    assert loaded.repaired
    cert = loaded.certificate
    assert cert.serial_number == original.serial_number
    assert cert.subject == original.subject
    assert certificate_eui(cert) == EUI
    assert certificate_role(cert) is RemotePartyRole.OTHER_USER
    assert cert.public_key() == original.public_key()
    # The issuer signed the NULL-carrying TBS, so the repaired copy no longer verifies ...
    with pytest.raises(InvalidSignature):
        cert.verify_directly_issued_by(authority.organisation.certificate)
    # ... and the repair is exactly the removal of the two NULLs.
    assert cert.tbs_certificate_bytes == original.tbs_certificate_bytes
    assert len(der) - len(cert.public_bytes(serialization.Encoding.DER)) == 4


def test_keystore_loads_null_parameter_certificate_with_a_warning(
    authority: CertificateAuthority, tmp_path: object
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    der, _ = _with_null_parameters(authority)
    (folder / "null-params.der").write_bytes(der)
    store = Keystore.load(folder)
    [entry] = store.entries
    assert entry.record is not None and entry.record.repaired
    assert entry.eui == EUI
    assert any("can no longer be checked" in w for w in store.warnings)


def test_well_formed_certificates_need_no_repair(authority: CertificateAuthority) -> None:
    der = authority.root.certificate.public_bytes(serialization.Encoding.DER)
    assert drop_null_signature_parameters(der) is None
    [loaded] = load_certificates_tolerant(der)
    assert not loaded.repaired


@pytest.mark.conformance
def test_boxed_mdr_certificates_load_repaired() -> None:
    store = Keystore.load(require_reference("keys", "dccboxed", "keystore.json"))
    mdr = Eui64.parse("90-B3-D5-1F-30-01-00-09")
    entries = {e.name: e for e in store.find(mdr)}
    assert set(entries) == {"mdr-ds", "mdr-ka"}
    for name, usage in (("mdr-ds", KeyUsage.DIGITAL_SIGNING), ("mdr-ka", KeyUsage.KEY_AGREEMENT)):
        entry = entries[name]
        assert entry.record is not None and entry.record.repaired
        assert entry.role is RemotePartyRole.OTHER_USER and entry.usage is usage
        assert entry.private_key is not None
        assert entry.private_key.public_key().public_numbers() == entry.public_key.public_numbers()
    warnings = [w for w in store.warnings if "mdr-" in w]
    assert len(warnings) == 2 and all("can no longer be checked" in w for w in warnings)
    # Nothing else in the file needed repairing or failed.
    assert len(store.warnings) == 2


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_repair_of_junk_raises_only_der_error(data: bytes) -> None:
    with contextlib.suppress(DerError):
        drop_null_signature_parameters(data)
    with contextlib.suppress(KeyMaterialError):
        load_certificates_tolerant(data)


# Mutations can make the serial negative, which cryptography still parses with a warning.
@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_truncated_or_flipped_certificates_never_crash(authority: CertificateAuthority) -> None:
    samples = [
        _with_null_parameters(authority)[0],
        authority.device.certificate.public_bytes(serialization.Encoding.DER),
    ]

    @settings(max_examples=150, deadline=None)
    @given(st.sampled_from(samples), st.integers(0, 10_000), st.integers(1, 255), st.booleans())
    def check(der: bytes, where: int, xor: int, truncate: bool) -> None:
        position = where % len(der)
        if truncate:
            candidate = der[:position]
        else:
            mutated = bytearray(der)
            mutated[position] ^= xor
            candidate = bytes(mutated)
        with contextlib.suppress(KeyMaterialError):
            load_certificates_tolerant(candidate)

    check()
