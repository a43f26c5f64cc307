"""Chapter 7: the 'Supplier and Enrolled Smart Metering System' and Indicators of Compromise."""

from __future__ import annotations

from datetime import datetime

import pytest
from cryptography import x509

from opendcc.eui import Eui64
from opendcc.roles import UserRole
from opendcc.sec.compromise import (
    IndicatorKind,
    SecurityReport,
    SubjectKind,
    indicators_of_compromise,
    security_report,
)
from opendcc.sec.outcome import Refusal
from opendcc.sec.parties import PartyId
from opendcc.sec.security_inputs import (
    CredentialRecord,
    DeviceRecord,
    EventRecord,
    IdentityRecord,
    TokenRecord,
)
from opendcc.sec.supplier_security import (
    ExclusionReason,
    ScopeReason,
    SupplierScope,
    add_months,
    supplier_scope,
)
from opendcc.smki.directory import CertificateRecord
from opendcc.smki.identity import KeyUsage
from tests.reference import require_reference
from tests.sec.conftest import utc

SUPPLIER_IS = Eui64.parse("90-B3-D5-1F-30-01-00-00")
SUPPLIER_GS = Eui64.parse("90-B3-D5-1F-30-01-00-01")
SUPPLIER_OU = Eui64.parse("90-B3-D5-1F-30-01-00-7F")
RIVAL = Eui64.parse("90-B3-D5-1F-30-03-00-00")
NETWORK = Eui64.parse("90-B3-D5-1F-30-02-00-00")
ESME, GSME, CHF, GPF = (Eui64.parse(f"00-DB-12-34-56-78-90-A{n}") for n in "0123")
PPMID, IHD, OLD_IHD, RIVAL_ESME, PENDING = (
    Eui64.parse(f"00-DB-12-34-56-78-90-B{n}") for n in "01234"
)
AT = utc("2016-06-01")


def dev(
    eui: Eui64,
    kind: str,
    status: str | None,
    registered: Eui64 | None = SUPPLIER_IS,
    provided_at: datetime | None = None,
) -> DeviceRecord:
    return DeviceRecord(eui, kind, status, registered, SUPPLIER_IS, provided_at)


DEVICES = (
    dev(ESME, "ESME", "Commissioned"),
    dev(GSME, "GSME", "Commissioned", registered=SUPPLIER_GS),
    dev(CHF, "CHF", "Commissioned"),
    dev(GPF, "GPF", "Commissioned"),
    dev(PPMID, "PPMID", "Commissioned"),
    dev(IHD, "IHD", None, registered=None, provided_at=utc("2015-07-01")),
    dev(OLD_IHD, "IHD", None, registered=None, provided_at=utc("2015-06-01")),
    DeviceRecord(RIVAL_ESME, "ESME", "Commissioned", RIVAL, RIVAL, None),
    dev(PENDING, "ESME", "InstalledNotCommissioned"),
)
IDENTITIES = (
    IdentityRecord(SUPPLIER_IS, PartyId("SUPPLIER-A"), frozenset({UserRole.IMPORT_SUPPLIER})),
    IdentityRecord(SUPPLIER_GS, PartyId("SUPPLIER-A"), frozenset({UserRole.GAS_SUPPLIER})),
    IdentityRecord(SUPPLIER_OU, PartyId("SUPPLIER-A"), frozenset({UserRole.OTHER_USER})),
    IdentityRecord(RIVAL, PartyId("SUPPLIER-B"), frozenset({UserRole.IMPORT_SUPPLIER})),
    IdentityRecord(NETWORK, PartyId("DNO-C"), frozenset({UserRole.ELECTRICITY_DISTRIBUTOR})),
)
CREDENTIALS = (
    CredentialRecord(101, SUPPLIER_IS, KeyUsage.DIGITAL_SIGNING, utc("2030-01-01")),
    CredentialRecord(
        102, SUPPLIER_IS, KeyUsage.KEY_AGREEMENT, utc("2030-01-01"), utc("2016-04-01")
    ),
    CredentialRecord(201, RIVAL, KeyUsage.DIGITAL_SIGNING, utc("2030-01-01"), utc("2016-01-01")),
)
TOKENS = (
    TokenRecord("TOKEN-A1", SUPPLIER_IS, utc("2016-01-01"), utc("2016-05-01")),
    TokenRecord("TOKEN-B1", RIVAL, utc("2016-01-01")),
)


def _scope() -> SupplierScope:
    scope = supplier_scope(SUPPLIER_IS, AT, DEVICES, IDENTITIES, CREDENTIALS, TOKENS)
    assert isinstance(scope, SupplierScope)
    return scope


def test_scope_lists_dcc_enrolled_devices_of_the_supplier() -> None:
    scope = _scope()
    enrolled = {d.device_id for d in scope.devices if d.reason is ScopeReason.DCC_ENROLLED_DEVICE}
    assert enrolled == {ESME, GSME, PPMID}  # the gas meter is registered to its GS User ID
    assert RIVAL_ESME not in scope.device_ids
    assert PENDING not in scope.device_ids  # not yet enrolled
    assert scope.supplier_user_ids == {SUPPLIER_IS, SUPPLIER_GS}  # not its Other User ID


def test_scope_excludes_the_dcc_communications_infrastructure() -> None:
    scope = _scope()
    assert CHF not in scope.device_ids and GPF not in scope.device_ids
    excluded = {e.identifier: e.reason for e in scope.excluded}
    assert excluded[str(CHF)] is ExclusionReason.DCC_COMMUNICATIONS_INFRASTRUCTURE
    assert excluded[str(GPF)] is ExclusionReason.DCC_COMMUNICATIONS_INFRASTRUCTURE


def test_in_home_devices_are_in_scope_for_their_12_month_maintenance_period() -> None:
    scope = _scope()
    provided = {
        d.device_id: d for d in scope.devices if d.reason is ScopeReason.IN_HOME_DEVICE_PROVIDED
    }
    assert set(provided) == {IHD}
    assert provided[IHD].maintained_until == utc("2016-07-01")
    excluded = {e.identifier: e for e in scope.excluded}
    assert excluded[str(OLD_IHD)].reason is ExclusionReason.MAINTENANCE_PERIOD_ENDED
    assert "2016-06-01" in excluded[str(OLD_IHD)].detail
    later = supplier_scope(SUPPLIER_IS, utc("2016-07-01"), DEVICES, IDENTITIES)
    assert isinstance(later, SupplierScope) and IHD not in later.device_ids


def test_user_systems_originating_the_suppliers_communications() -> None:
    scope = _scope()
    systems = {(s.reason, s.identifier) for s in scope.user_systems}
    assert (ScopeReason.USER_IDENTITY, str(SUPPLIER_IS)) in systems
    assert (ScopeReason.USER_IDENTITY, str(SUPPLIER_GS)) in systems
    assert (ScopeReason.USER_IDENTITY, str(SUPPLIER_OU)) not in systems
    assert scope.certificate_serials() == {101, 102}
    assert scope.token_ids() == {"TOKEN-A1"}


def test_scope_of_a_non_supplier_is_refused() -> None:
    for eui in (NETWORK, SUPPLIER_OU, Eui64.parse("00-00-00-00-00-00-00-01")):
        refusal = supplier_scope(eui, AT, DEVICES, IDENTITIES)
        assert isinstance(refusal, Refusal) and refusal.paragraph == "45"


def _event(n: int, kind: str, at: str = "2016-05-15", **fields: object) -> EventRecord:
    return EventRecord(event_id=f"EV{n:03d}", at=utc(at), kind=kind, **fields)  # type: ignore[arg-type]


EVENTS = (
    _event(1, "signature_failure", originator=SUPPLIER_IS, detail="DUIS XML signature"),
    _event(2, "signature_failure", originator=RIVAL),  # another supplier's
    _event(3, "signature_failure", device=ESME, originator=ESME, detail="GBCS response"),
    _event(4, "replayed_counter", originator=SUPPLIER_GS),
    _event(5, "eligibility_refusal", originator=SUPPLIER_IS, response_code="E4"),
    _event(
        6, "eligibility_refusal", originator=SUPPLIER_IS, response_code="E19"
    ),  # not eligibility
    _event(7, "device_alert", device=ESME, alert_code=0x8F74),
    _event(8, "device_alert", device=ESME, alert_code=0x8F66),  # future-dated, not tamper
    _event(9, "device_alert", device=RIVAL_ESME, alert_code=0x8F75),  # not in scope
    _event(10, "device_alert", device=CHF, alert_code=0x8F76),  # DCC infrastructure
    _event(11, "credential_used", certificate_serial=102, at="2016-03-01"),  # before revocation
    _event(12, "credential_used", certificate_serial=102, at="2016-05-01"),  # after
    _event(13, "credential_used", certificate_serial=201, at="2016-05-01"),  # rival's
    _event(14, "credential_used", token_id="TOKEN-A1", at="2016-05-02"),
    _event(15, "revoked_credential_used", originator=SUPPLIER_IS, detail="OCSP says revoked"),
    _event(16, "request_accepted", originator=SUPPLIER_IS),  # not a security kind
    _event(17, "device_alert", device=PPMID, alert_code=0x8F78, at="2016-06-02"),  # after AT
)


def test_indicators_of_compromise_in_scope() -> None:
    scope = _scope()
    found = indicators_of_compromise(scope, EVENTS, CREDENTIALS, TOKENS)
    by_event = {i.event_id: i for i in found}
    assert set(by_event) == {"EV001", "EV003", "EV004", "EV005", "EV007", "EV012", "EV014", "EV015"}
    assert by_event["EV001"].kind is IndicatorKind.SIGNATURE_FAILURE
    assert by_event["EV001"].subject_kind is SubjectKind.USER_SYSTEM
    assert (
        by_event["EV003"].subject == str(ESME)
        and by_event["EV003"].subject_kind is SubjectKind.DEVICE
    )
    assert by_event["EV004"].kind is IndicatorKind.REPLAYED_COUNTER
    assert by_event["EV005"].kind is IndicatorKind.ELIGIBILITY_REFUSAL
    assert by_event["EV005"].detail.startswith("E4")
    assert by_event["EV007"].kind is IndicatorKind.TAMPER_ALERT
    assert "8F74" in by_event["EV007"].detail
    assert by_event["EV012"].kind is IndicatorKind.REVOKED_CREDENTIAL_IN_USE
    assert by_event["EV012"].subject_kind is SubjectKind.CERTIFICATE
    assert by_event["EV014"].subject_kind is SubjectKind.FILE_SIGNING_TOKEN
    assert by_event["EV015"].subject_kind is SubjectKind.USER_SYSTEM
    assert [i.at for i in found] == sorted(i.at for i in found)


def test_indicator_window() -> None:
    scope = _scope()
    recent = indicators_of_compromise(scope, EVENTS, CREDENTIALS, TOKENS, since=utc("2016-05-10"))
    assert {i.event_id for i in recent} == {"EV001", "EV003", "EV004", "EV005", "EV007", "EV015"}
    later = indicators_of_compromise(scope, EVENTS, until=utc("2016-06-03"))
    assert "EV017" in {i.event_id for i in later}


def test_security_report_json() -> None:
    report = security_report(SUPPLIER_IS, AT, DEVICES, IDENTITIES, CREDENTIALS, TOKENS, EVENTS)
    assert isinstance(report, SecurityReport)
    data = report.to_json()
    assert data["supplier"] == "90-B3-D5-1F-30-01-00-00"
    assert data["indicator_counts"] == {
        "signature_failure": 2,
        "replayed_counter": 1,
        "eligibility_refusal": 1,
        "tamper_alert": 1,
        "revoked_credential_in_use": 3,
    }
    scope = data["scope"]
    assert isinstance(scope, dict)
    assert {d["device_id"] for d in scope["devices"]} == {str(e) for e in (ESME, GSME, PPMID, IHD)}


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(utc("2016-01-31"), 1) == utc("2016-02-29")
    assert add_months(utc("2015-12-15"), 12) == utc("2016-12-15")


@pytest.mark.conformance
def test_smki_certificate_records_feed_the_scope() -> None:
    """The real DCC Boxed supplier certificate, as the SMKI directory holds it."""
    pem = require_reference("keys", "dccboxed", "Z1-supplier-ds.pem").read_bytes()
    record = CertificateRecord.of(x509.load_pem_x509_certificate(pem))
    assert record.eui == SUPPLIER_IS
    scope = supplier_scope(SUPPLIER_IS, AT, DEVICES, IDENTITIES, [record])
    assert isinstance(scope, SupplierScope)
    assert scope.certificate_serials() == {record.serial}
    revoked = CertificateRecord.of(record.certificate, revoked_at=utc("2016-01-01"))
    use = _event(1, "credential_used", certificate_serial=record.serial)
    found = indicators_of_compromise(scope, [use], [revoked])
    assert [i.kind for i in found] == [IndicatorKind.REVOKED_CREDENTIAL_IN_USE]
