"""Change of supplier and credential updates carried by the Devices' trust anchors.

The scripted flow a supplier runs: the incoming Supplier asks for 6.23, the DCC's
Transitional CoS Party replaces the supplier cells, and from then on the Device obeys the
new Supplier and discards the old one's Commands (their originator is no longer the party
its trust anchors hold), critical or not; 6.24.1 reports the new credentials.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from opendcc.devices.security_trust_anchors import DS, KCS, CellId, Role, provision_cell
from opendcc.devices.simulator import Outcome
from opendcc.eui import Eui64
from opendcc.smki.authority import CertificateAuthority
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from tests.catalogue.security.estate import Hub
from tests.catalogue.security.reference import (
    ACB,
    COS_PARTY,
    ESME_ID,
    GPF_ID,
    NETWORK_OPERATOR,
    SECOND_SUPPLIER,
    SUPPLIER,
    b64,
    request_document,
)
from tests.reference import require_reference

NOW = datetime(2025, 6, 1, tzinfo=UTC)
"""Within the validity of the reference keystore's Supplier certificates."""


def _pem(name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(require_reference("gbcs", "keystore", name).read_bytes())


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.DER)


def _ds(der: bytes) -> str:
    return f"<sr:DigitalSigningCertificate>{b64(der)}</sr:DigitalSigningCertificate>"


def _z1() -> bytes:
    """The issuing CA certificate of the reference Supplier certificates, read from the
    certification path of a published template."""
    root = etree.parse(
        str(
            require_reference(
                "duis",
                "templates",
                "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
            )
        )
    ).getroot()
    node = root.find(".//{*}CertificationPathCertificates/{*}Certificate")
    assert node is not None and node.text
    return base64.b64decode(node.text)


def _certificates(eui: Eui64) -> str:
    prefix = eui.hex
    return (
        f"<sr:DigitalSigningCertificate>{b64(_der(_pem(f'{prefix}-ds.pem')))}"
        "</sr:DigitalSigningCertificate>"
        f"<sr:KeyAgreementCertificate>{b64(_der(_pem(f'{prefix}-ka.pem')))}"
        "</sr:KeyAgreementCertificate>"
        f"<sr:KeyAgreementTopUpCertificate>{b64(_der(_pem(f'{prefix}-pp-ka.pem')))}"
        "</sr:KeyAgreementTopUpCertificate>"
    )


def change_of_supplier(new: Eui64, counter: int, execution: str = "") -> object:
    when = f"<sr:ExecutionDateTime>{execution}</sr:ExecutionDateTime>" if execution else ""
    body = (
        f"<sr:UpdateSecurityCredentialsCoS>{when}"
        "<sr:SupplierFloorSeqNumber>0</sr:SupplierFloorSeqNumber>"
        "<sr:SupplierPrepaymentTopUpFloorSeqNumber>0</sr:SupplierPrepaymentTopUpFloorSeqNumber>"
        f"<sr:SupplierReplacementCertificates>{_certificates(new)}"
        "</sr:SupplierReplacementCertificates>"
        f"<sr:CertificationPathCertificates><sr:Certificate>{b64(_z1())}</sr:Certificate>"
        "</sr:CertificationPathCertificates>"
        "<sr:ApplyTimeBasedCPVChecks>true</sr:ApplyTimeBasedCPVChecks>"
        "<sr:ImportMPxN>1312345678111</sr:ImportMPxN>"
        "</sr:UpdateSecurityCredentialsCoS>"
    )
    return request_document("6.23", new, ESME_ID, counter, body)


def read_firmware(originator: Eui64, counter: int) -> object:
    return request_document("11.2", originator, ESME_ID, counter, "<sr:ReadFirmwareVersion/>")


def activate_firmware(originator: Eui64, counter: int) -> object:
    body = (
        f"<sr:ActivateFirmware><sr:FirmwareHash>{'AB' * 32}</sr:FirmwareHash></sr:ActivateFirmware>"
    )
    return request_document("11.3", originator, ESME_ID, counter, body)


def read_credentials(counter: int, *roles: str) -> object:
    body = "".join(f"<sr:RemotePartyRole>{r}</sr:RemotePartyRole>" for r in roles)
    return request_document(
        "6.24.1",
        SUPPLIER,
        ESME_ID,
        counter,
        f"<sr:RetrieveDeviceSecurityCredentialsKRP>{body}</sr:RetrieveDeviceSecurityCredentialsKRP>",
    )


@pytest.mark.conformance
def test_after_change_of_supplier_the_device_obeys_only_the_new_supplier() -> None:
    hub = Hub()
    assert hub.send(read_firmware(SUPPLIER, 10), NOW).outcome is Outcome.RESPONDED

    result = hub.send(change_of_supplier(SECOND_SUPPLIER, 20), NOW)
    values = hub.response(result).payload.to_json()["values"]
    assert hub.decode(result.response or b"").message.originator == ESME_ID
    assert values["credentials_replacement_mode"] == "supplierByTransCoS"
    assert values["all_replacements_succeeded"] is True
    outcomes = values["replacement_outcomes"]
    assert [o["existing_subject_unique_id"] for o in outcomes] == [str(SUPPLIER)] * 3
    assert [o["replacing_subject_unique_id"] for o in outcomes] == [str(SECOND_SUPPLIER)] * 3
    assert outcomes[2]["affected_trust_anchor_cell"]["cell_usage"] == "prePaymentTopUp"

    refused = hub.send(read_firmware(SUPPLIER, 11), NOW)
    assert refused.outcome is Outcome.DISCARDED
    assert "supplier" in (refused.reason or "")
    assert hub.send(activate_firmware(SUPPLIER, 12), NOW).outcome is Outcome.DISCARDED

    assert hub.send(read_firmware(SECOND_SUPPLIER, 1), NOW).outcome is Outcome.RESPONDED
    accepted = hub.send(activate_firmware(SECOND_SUPPLIER, 2), NOW)
    assert hub.response(accepted).payload.to_json()["values"]["activate_image_response_code"] == (
        "noImageHeld"
    )
    # Other roles keep their own trust anchors.
    no_read = request_document("11.2", NETWORK_OPERATOR, ESME_ID, 5, "<sr:ReadFirmwareVersion/>")
    assert hub.send(no_read, NOW).outcome is Outcome.RESPONDED

    details = hub.response(hub.send(read_credentials(30, "Supplier"), NOW))
    supplier = details.payload.to_json()["values"]["remote_party_details"][0]
    assert supplier["status_code"] == "success"
    assert {c["subject_unique_id"] for c in supplier["trust_anchor_cells"]} == {
        str(SECOND_SUPPLIER)
    }
    assert supplier["current_seq_number"] == 2


@pytest.mark.conformance
def test_future_dated_change_of_supplier_executes_then_alerts_and_cancels() -> None:
    hub = Hub()
    when = NOW + timedelta(days=2)
    accepted = hub.send(change_of_supplier(SECOND_SUPPLIER, 20, "2025-06-03T00:00:00.00Z"), NOW)
    assert hub.response(accepted).payload.to_json()["values"] == {"command_accepted": True}
    # Until the execution time the old Supplier is still the Supplier.
    assert hub.send(read_firmware(SUPPLIER, 11), NOW + timedelta(days=1)).outcome is (
        Outcome.RESPONDED
    )
    state = hub.state(ESME_ID)
    assert state.next_wake == when
    alerts = hub.wake(ESME_ID, when)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.message.message_code == 0x00CB and alert.message.recipient == COS_PARTY
    assert alert.signature.valid is True
    values = alert.payload.to_json()["values"]
    assert values["alert_code"] == "8F66" and values["all_replacements_succeeded"] is True
    assert hub.send(read_firmware(SUPPLIER, 12), when).outcome is Outcome.DISCARDED

    # A cancellation (3000-12-31) drops a held change of supplier: nothing happens later.
    other = Hub()
    other.send(change_of_supplier(SECOND_SUPPLIER, 20, "2025-06-03T00:00:00.00Z"), NOW)
    cancelled = other.send(change_of_supplier(SECOND_SUPPLIER, 21, "3000-12-31T00:00:00.00Z"), NOW)
    assert other.response(cancelled).payload.to_json()["values"] == {"command_accepted": True}
    assert other.wake(ESME_ID, when) == []
    assert other.send(read_firmware(SUPPLIER, 11), when).outcome is Outcome.RESPONDED


def krp_update(
    originator: Eui64,
    counter: int,
    role: str,
    certificates: str,
    path: bytes,
    *,
    apply: bool = True,
) -> object:
    body = (
        "<sr:UpdateSecurityCredentialsKRP>"
        f"<sr:RemotePartyRole>{role}</sr:RemotePartyRole>"
        "<sr:RemotePartyFloorSeqNumber>100</sr:RemotePartyFloorSeqNumber>"
        "<sr:ReplacementCertificates><sr:SupplierOrNetworkOperatorCertificates>"
        f"{certificates}</sr:SupplierOrNetworkOperatorCertificates></sr:ReplacementCertificates>"
        f"<sr:CertificationPathCertificates><sr:Certificate>{b64(path)}</sr:Certificate>"
        "</sr:CertificationPathCertificates>"
        f"<sr:ApplyTimeBasedCPVChecks>{'true' if apply else 'false'}</sr:ApplyTimeBasedCPVChecks>"
        "</sr:UpdateSecurityCredentialsKRP>"
    )
    return request_document("6.15.1", originator, ESME_ID, counter, body)


def _statuses(hub: Hub, document: object, now: datetime = NOW) -> list[str]:
    result = hub.response(hub.send(document, now))
    return [o["status_code"] for o in result.payload.to_json()["values"]["replacement_outcomes"]]


@pytest.mark.conformance
def test_update_security_credentials_validates_the_certification_path() -> None:
    hub = Hub()
    z1 = _z1()
    own = _ds(_der(_pem("90b3d51f30010000-ds.pem")))
    assert _statuses(hub, krp_update(SUPPLIER, 100, "Supplier", own, z1)) == ["success"]
    # The floor now applies: the Supplier must count above 100.
    assert hub.send(read_firmware(SUPPLIER, 100), NOW).outcome is Outcome.DISCARDED
    assert hub.send(read_firmware(SUPPLIER, 101), NOW).outcome is Outcome.RESPONDED
    # A certificate issued by a CA outside the path, one past its validity, one of the
    # wrong kind for the cell: each is refused, the cell keeps what it held.
    authority = CertificateAuthority.create(datetime(2020, 1, 1, tzinfo=UTC))
    foreign = authority.issue_organisation(
        SUPPLIER,
        RemotePartyRole.SUPPLIER,
        KeyUsage.DIGITAL_SIGNING,
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
    )
    wrong_path = (
        f"<sr:DigitalSigningCertificate>{b64(_der(foreign))}</sr:DigitalSigningCertificate>"
    )
    assert _statuses(hub, krp_update(SUPPLIER, 200, "Supplier", wrong_path, z1)) == [
        "noTrustAnchor"
    ]
    late = NOW.replace(year=2030)
    assert _statuses(hub, krp_update(SUPPLIER, 201, "Supplier", own, z1), late) == ["noTrustAnchor"]
    assert _statuses(hub, krp_update(SUPPLIER, 202, "Supplier", own, z1, apply=False), late) == [
        "success"
    ]
    ka_in_ds = _ds(_der(_pem("90b3d51f30010000-ka.pem")))
    assert _statuses(hub, krp_update(SUPPLIER, 203, "Supplier", ka_in_ds, z1), late) == [
        "badCertificate"
    ]
    # Only the Supplier may replace the Supplier's credentials: a Network Operator's
    # Command is refused cell by cell.
    assert _statuses(hub, krp_update(NETWORK_OPERATOR, 204, "Supplier", own, z1)) == ["other"]


@pytest.mark.conformance
def test_a_provisioned_root_catches_a_damaged_path_certificate() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    authority = CertificateAuthority.create(start)
    hub = Hub()
    provision_cell(hub.state(ESME_ID), CellId(Role.ROOT, KCS), authority.root.certificate)
    key = ec.generate_private_key(ec.SECP256R1())
    issued = authority.issue_organisation(
        SUPPLIER,
        RemotePartyRole.SUPPLIER,
        KeyUsage.DIGITAL_SIGNING,
        key.public_key(),
        not_before=start,
    )
    ds = _ds(_der(issued))
    path = _der(authority.organisation.certificate)
    damaged = path[:-1] + bytes([path[-1] ^ 0x01])
    assert _statuses(hub, krp_update(SUPPLIER, 300, "Supplier", ds, damaged)) == ["noTrustAnchor"]
    # The reference Z1 path does not chain to this root either.
    assert _statuses(hub, krp_update(SUPPLIER, 301, "Supplier", ds, _z1())) == ["noTrustAnchor"]
    assert _statuses(hub, krp_update(SUPPLIER, 302, "Supplier", ds, path)) == ["success"]
    # The Supplier's cell now holds a key the keystore's Supplier certificate does not:
    # its critical Commands signed with the old key are discarded.
    assert hub.send(activate_firmware(SUPPLIER, 303), NOW).outcome is Outcome.DISCARDED


@pytest.mark.conformance
def test_handover_of_a_dcc_controlled_gpf_moves_the_cells_to_the_supplier() -> None:
    hub = Hub()
    certificates = _certificates(SUPPLIER)
    body = (
        "<sr:RequestHandoverOfDCCControlledDevice>"
        "<sr:RemotePartyRole>Supplier</sr:RemotePartyRole>"
        "<sr:RemotePartyFloorSeqNumber>0</sr:RemotePartyFloorSeqNumber>"
        f"<sr:ReplacementCertificates>{certificates}</sr:ReplacementCertificates>"
        f"<sr:CertificationPathCertificates><sr:Certificate>{b64(_z1())}</sr:Certificate>"
        "</sr:CertificationPathCertificates>"
        "<sr:ApplyTimeBasedCPVChecks>true</sr:ApplyTimeBasedCPVChecks>"
        "</sr:RequestHandoverOfDCCControlledDevice>"
    )
    handover = request_document("6.21", SUPPLIER, GPF_ID, 1, body)
    values = hub.response(hub.send(handover, NOW)).payload.to_json()["values"]
    outcomes = values["replacement_outcomes"]
    assert [o["status_code"] for o in outcomes] == ["success"] * 3
    assert {o["existing_subject_unique_id"] for o in outcomes} == {str(ACB)}
    assert {o["replacing_subject_unique_id"] for o in outcomes} == {str(SUPPLIER)}
    # Handed over: the DCC no longer speaks for the Supplier on this GPF.
    again = request_document("6.21", SUPPLIER, GPF_ID, 2, body)
    values = hub.response(hub.send(again, NOW)).payload.to_json()["values"]
    assert {o["status_code"] for o in values["replacement_outcomes"]} == {"other"}


def test_cell_identifiers_round_trip() -> None:
    cell = CellId(Role.SUPPLIER, DS)
    assert CellId.of(cell.identifier()) == cell
    assert cell.identifier().cell_usage is None
