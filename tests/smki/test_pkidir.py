"""``opendcc pki init`` output, the demo estate, and editing an existing PKI."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.eui import (
    DCC_ACCESS_CONTROL_BROKER,
    DCC_RECOVERY,
    DCC_TRANSITIONAL_COS,
    DCC_WAN_PROVIDER,
    Eui64,
)
from opendcc.smki import estates
from opendcc.smki.authority import CaLevel
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import Keystore
from opendcc.smki.loading import load_certificate
from opendcc.smki.pkidir import PkiDirectory, build_pki, init_pki, write_pki
from opendcc.smki.pkiindex import PkiDirectoryError, PkiIndex
from tests.smki.conftest import NOW


@pytest.fixture(scope="module")
def demo_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki") / "demo"
    init_pki(directory, estates.DEMO, NOW)
    return directory


def test_demo_estate_euis_are_opendccs_own() -> None:
    euis = [identity.eui for identity in estates.DEMO.identities]
    assert len(set(euis)) == len(euis)
    dcc_parties = {i.eui for i in estates.DCC_IDENTITIES}
    # The DCC's own parties keep the DCC's EUIs (those Devices' trust anchors name).
    assert dcc_parties == {
        DCC_ACCESS_CONTROL_BROKER,
        DCC_RECOVERY,
        DCC_TRANSITIONAL_COS,
        DCC_WAN_PROVIDER,
    }
    for eui in euis:
        if eui in dcc_parties:
            continue
        assert bytes(eui)[0] & 0x02, f"{eui} is not locally administered"
        assert eui.value >> 40 == estates.OPENDCC_EUI_PREFIX
        assert not str(eui).startswith("90-B3-D5")
    roles = [u.role for u in estates.DEMO.users()]
    assert roles.count(RemotePartyRole.SUPPLIER) >= 2
    assert roles.count(RemotePartyRole.NETWORK_OPERATOR) == 2
    assert RemotePartyRole.OTHER_USER in roles
    user_roles = {r for u in estates.DEMO.users() for r in u.user_roles}
    assert {"IS", "GS", "ED", "GT", "OU"} <= {r.value for r in user_roles}


def test_every_party_loads_with_its_keys(demo_pki: Path) -> None:
    store = Keystore.load(demo_pki)
    assert store.warnings == []
    index = PkiIndex.from_json(json.loads((demo_pki / "index.json").read_text()))
    organisation_ca = load_certificate((demo_pki / "org-ca.pem").read_bytes())
    for identity in estates.DEMO.identities:
        party = index.party(identity.name)
        assert party is not None and party.eui == identity.eui
        assert party.user_roles == identity.user_roles
        assert len(party.certificates) == len(identity.certificates)
        for spec, issued in zip(identity.certificates, party.certificates, strict=True):
            found = store.find(identity.eui, spec.usage, roles=[spec.role])
            entry = next(e for e in found if e.name == f"{identity.eui.hex}-{spec.label}")
            assert entry.serial == issued.serial
            assert entry.private_key is not None
            assert entry.private_key.public_key() == entry.public_key
            assert entry.record is not None
            entry.record.certificate.verify_directly_issued_by(organisation_ca)
            assert issued.certificate_file == f"{identity.eui.hex}-{spec.label}.pem"
            assert (demo_pki / issued.certificate_file).is_file()
            assert stat.S_IMODE((demo_pki / str(issued.private_key_file)).stat().st_mode) == 0o600
    # The CA certificates load, their private keys do not.
    ca_entries = [e for e in store.entries if e.eui is None]
    assert len(ca_entries) == 3 and all(e.private_key is None for e in ca_entries)
    assert stat.S_IMODE((demo_pki / "ca" / "device-estate.json").stat().st_mode) == 0o600


def test_signers_are_found_the_way_duis_needs_them(demo_pki: Path) -> None:
    store = Keystore.load(demo_pki)
    signer = store.signer(
        estates.DEMO_SUPPLIER_A, roles=[RemotePartyRole.XML_SIGNING, RemotePartyRole.SUPPLIER]
    )
    assert signer is not None and signer.role is RemotePartyRole.XML_SIGNING
    dsp = store.signer(DCC_ACCESS_CONTROL_BROKER, roles=[RemotePartyRole.DSP_XML_SIGNING])
    assert dsp is not None and dsp.role is RemotePartyRole.DSP_XML_SIGNING
    acb = store.key_agreement(DCC_ACCESS_CONTROL_BROKER, private=True)
    assert acb is not None and acb.role is RemotePartyRole.ACCESS_CONTROL_BROKER


def test_index_json_lists_what_users_need(demo_pki: Path) -> None:
    document = json.loads((demo_pki / "index.json").read_text())
    assert document["format"] == "opendcc-pki/1" and document["estate"] == "demo"
    by_name = {p["name"]: p for p in document["parties"]}
    supplier = by_name["supplier-a"]
    assert supplier["eui"] == "02-0D-CC-00-00-01-00-01"
    assert supplier["user_roles"] == ["IS", "GS"]
    assert supplier["remote_party_role"] == "02"
    labels = {c["label"]: c for c in supplier["certificates"]}
    assert set(labels) == {"ds", "ka", "xmlsign-ds", "pp-ka"}
    assert labels["xmlsign-ds"]["remote_party_role"] == "87"
    assert labels["pp-ka"]["remote_party_role"] == "02"
    assert labels["pp-ka"]["purpose"] == "prepayment-top-up"
    network_operator = by_name["electricity-distributor"]
    assert {c["label"] for c in network_operator["certificates"]} == {"ds", "ka", "xmlsign-ds"}
    cert = load_certificate((demo_pki / labels["ka"]["certificate"]).read_bytes())
    assert labels["ka"]["serial"] == str(cert.serial_number)
    assert labels["ka"]["serial_hex"] == f"{cert.serial_number:X}"
    assert by_name["dcc"]["eui"] == "90-B3-D5-1F-30-00-00-02"
    assert {c["remote_party_role"] for c in by_name["dcc"]["certificates"]} == {"04", "89"}


def test_each_supplier_gets_a_prepayment_top_up_key_its_devices_verify_utrns_with(
    demo_pki: Path,
) -> None:
    """GBCS 14: the demo PKI issues each Supplier a ``-pp-ka`` Key Agreement certificate; a
    UTRN minted with its private key verifies on the Device side (the Device's derived KA
    key and the Supplier's top-up certificate), and only for that Supplier."""
    from opendcc.devices.tariffs_utrn import UtrnError, mint, verify
    from opendcc.gbcs.security import PREPAYMENT_KEY_MARK, GbcsSecurity

    store = Keystore.load(demo_pki)
    credentials = PkiDirectory.open(demo_pki).device_credentials()
    supplier_a, supplier_b = estates.DEMO_SUPPLIER_A, estates.DEMO_SUPPLIER_B
    for supplier in (supplier_a, supplier_b):
        top_up = store.key_agreement(supplier, private=True, name_contains=PREPAYMENT_KEY_MARK)
        assert top_up is not None and top_up.role is RemotePartyRole.SUPPLIER
        assert top_up.record is not None
        management = [e for e in store.find(supplier, KeyUsage.KEY_AGREEMENT) if e is not top_up]
        assert len(management) == 1
        assert management[0].public_key.public_numbers() != top_up.public_key.public_numbers()
    distributor = estates.DEMO_ELECTRICITY_DISTRIBUTOR
    assert store.key_agreement(distributor, name_contains=PREPAYMENT_KEY_MARK) is None

    meter = Eui64.parse("00-DB-12-34-56-78-90-A0")
    # The Supplier's own keys plus the Device's KA certificate (from the SMKI repository).
    store_with_device = Keystore.load(demo_pki)
    store_with_device.add_certificate(credentials.certificate(meter, KeyUsage.KEY_AGREEMENT))
    supplier_side = GbcsSecurity(store_with_device)
    device_side = GbcsSecurity(
        Keystore.load(demo_pki),
        device_keys=lambda eui, usage: credentials.entry(eui, usage) if eui == meter else None,
    )
    counter = 0x6000_0000 << 32
    utrn = mint(counter, 500, supplier_a, meter, supplier_side)
    token = verify(utrn, counter, supplier_a, meter, device_side)
    assert token.value == 500
    with pytest.raises(UtrnError):
        verify(utrn, counter, supplier_b, meter, device_side)


def test_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "pki"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / "old-ds.pem").write_text("stale")
    _, files = build_pki(estates.DEMO, NOW)
    with pytest.raises(PkiDirectoryError, match="not empty"):
        write_pki(target, files)
    assert not (target / "index.json").exists()
    removed = write_pki(target, files, force=True)
    assert target / "old-ds.pem" in removed
    assert (target / "notes.txt").read_text() == "mine"
    assert Keystore.load(target).warnings == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(PkiDirectoryError, match="not a folder"):
        write_pki(tmp_path / "file", files)


def test_revoke_updates_crl_index_and_keystore(tmp_path: Path) -> None:
    init_pki(tmp_path, estates.DEMO, NOW)
    pki = PkiDirectory.open(tmp_path)
    party = pki.index.party("supplier-b")
    assert party is not None
    serial = party.certificates[0].serial
    at = NOW + timedelta(days=2)
    assert pki.revoke(serial, at, x509.ReasonFlags.key_compromise) is CaLevel.ORGANISATION
    record = Keystore.load(tmp_path).by_serial(serial)
    assert record is not None and record.revoked_at == at
    reopened = PkiDirectory.open(tmp_path)
    assert [r.serial for r in reopened.revocations(CaLevel.ORGANISATION)] == [serial]
    supplier_b = reopened.index.party("supplier-b")
    assert supplier_b is not None and supplier_b.certificates[0].revoked_at == at
    with pytest.raises(PkiDirectoryError):
        reopened.revoke(424242, at)


def test_issue_organisation_and_device_extend_the_pki(tmp_path: Path) -> None:
    init_pki(tmp_path, estates.DEMO, NOW)
    pki = PkiDirectory.open(tmp_path)
    supplier_c = Eui64.parse("02-0D-CC-00-00-01-00-03")
    cert, path = pki.issue_organisation(
        name="supplier-c",
        eui=supplier_c,
        role=RemotePartyRole.SUPPLIER,
        usage=KeyUsage.DIGITAL_SIGNING,
        now=NOW,
        common_name="OPENDCC SUPPLIER C",
        user_roles=(estates.UserRole.IMPORT_SUPPLIER,),
    )
    assert path.name == f"{supplier_c.hex}-ds.pem"
    _, second = pki.issue_organisation(
        name="supplier-c",
        eui=supplier_c,
        role=RemotePartyRole.SUPPLIER,
        usage=KeyUsage.DIGITAL_SIGNING,
        now=NOW,
        public_key=ec.generate_private_key(ec.SECP256R1()).public_key(),
    )
    assert second.name == f"{supplier_c.hex}-2-ds.pem"
    assert not second.with_suffix(".key").exists()
    with pytest.raises(PkiDirectoryError, match="already has EUI"):
        pki.issue_organisation(
            name="supplier-c",
            eui=Eui64.parse("02-0D-CC-00-00-01-00-04"),
            role=RemotePartyRole.SUPPLIER,
            usage=KeyUsage.KEY_AGREEMENT,
            now=NOW,
        )
    index = PkiDirectory.open(tmp_path).index
    party = index.party("supplier-c")
    assert party is not None and len(party.certificates) == 2
    assert party.certificates[0].serial == cert.serial_number

    meter = Eui64.parse("00-DB-12-34-56-78-90-A0")
    device_cert, key = pki.issue_device(meter, KeyUsage.KEY_AGREEMENT)
    assert key is not None
    derived = pki.device_credentials()
    assert device_cert == derived.certificate(meter, KeyUsage.KEY_AGREEMENT)
    store = Keystore.load(tmp_path)
    entry = store.key_agreement(meter, private=True)
    assert entry is not None and entry.serial == device_cert.serial_number
    # A derived Device Certificate can be revoked by serial without a file.
    other = derived.serial(Eui64.parse("00-DB-12-34-56-78-90-A1"), KeyUsage.DIGITAL_SIGNING)
    assert pki.revoke(other, NOW) is CaLevel.DEVICE


def test_opening_something_else_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(PkiDirectoryError):
        PkiDirectory.open(tmp_path)
    (tmp_path / "index.json").write_text('{"format": "opendcc-pki/1", "estate": 3}')
    with pytest.raises(PkiDirectoryError):
        PkiDirectory.open(tmp_path)
    (tmp_path / "index.json").write_text("[]")
    with pytest.raises(PkiDirectoryError):
        PkiDirectory.open(tmp_path)


def test_opening_with_a_mismatched_ca_key_fails(tmp_path: Path) -> None:
    init_pki(tmp_path, estates.DEMO, NOW)
    (tmp_path / "ca" / "org-ca.key").write_bytes((tmp_path / "ca" / "root-ca.key").read_bytes())
    with pytest.raises(PkiDirectoryError, match="does not belong"):
        PkiDirectory.open(tmp_path)
