"""Transforms refuse, with the variant's DUIS code, what they cannot carry out; hostile
bodies give a refusal, never an exception."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from opendcc.eui import Eui64
from opendcc.transform.registry import CommandSpec, TransformRefusal, transform
from opendcc.transform.security_common import GBCS_CANCELLATION
from tests.catalogue.security.estate import Hub
from tests.catalogue.security.reference import (
    CHF_ID,
    ESME_ID,
    GPF_ID,
    GSME_ID,
    REFERENCE_DIR,
    SUPPLIER,
    Premises,
    el,
    request_document,
    request_for,
    template_root,
)

NOW = datetime(2025, 1, 1, tzinfo=UTC)
_ = Hub


def _refusal(document: etree._Element, premises: Premises | None = None) -> TransformRefusal:
    result = transform(request_for(document, premises=premises, now=NOW))
    assert isinstance(result, TransformRefusal), result
    return result


def test_security_credential_refusals() -> None:
    krp = el("UpdateSecurityCredentialsKRP", el("RemotePartyRole", "{}"), "{}")
    acb = request_document("6.15.1", SUPPLIER, ESME_ID, 1, krp.format("ACB", ""))
    assert _refusal(acb).code == "E061501"
    lc_on_gas = request_document("6.15.1", SUPPLIER, GSME_ID, 1, krp.format("LoadController", ""))
    assert "ESME" in _refusal(lc_on_gas).reason
    bad_certificate = krp.format(
        "Supplier",
        "<sr:ReplacementCertificates><sr:SupplierOrNetworkOperatorCertificates>"
        "<sr:DigitalSigningCertificate>not base64!</sr:DigitalSigningCertificate>"
        "</sr:SupplierOrNetworkOperatorCertificates></sr:ReplacementCertificates>",
    )
    assert (
        "base64"
        in _refusal(request_document("6.15.1", SUPPLIER, ESME_ID, 1, bad_certificate)).reason
    )
    not_der = bad_certificate.replace("not base64!", "AAAA")
    assert (
        "certificate" in _refusal(request_document("6.15.1", SUPPLIER, ESME_ID, 1, not_der)).reason
    )
    past = (
        "<sr:ActivateFirmware><sr:ExecutionDateTime>2020-01-01T00:00:00Z</sr:ExecutionDateTime>"
        + (f"<sr:FirmwareHash>{'00' * 32}</sr:FirmwareHash></sr:ActivateFirmware>")
    )
    assert "future" in _refusal(request_document("11.3", SUPPLIER, ESME_ID, 1, past)).reason
    short = (
        f"<sr:ActivateFirmware><sr:FirmwareHash>{'00' * 16}</sr:FirmwareHash></sr:ActivateFirmware>"
    )
    assert _refusal(request_document("11.3", SUPPLIER, ESME_ID, 1, short)).code == "E100"
    roles = el("RetrieveDeviceSecurityCredentialsKRP", el("RemotePartyRole", "LoadController"))
    assert _refusal(request_document("6.24.1", SUPPLIER, GSME_ID, 1, roles)).code == "E062401"


def test_han_refusals() -> None:
    unknown = el("JoinServiceCritical", el("OtherDeviceID", "01-01-01-01-01-01-01-01"))
    assert _refusal(request_document("8.7.1", SUPPLIER, ESME_ID, 1, unknown)).code == "E080702"
    ihd = el("JoinServiceCritical", el("OtherDeviceID", GPF_ID))
    assert _refusal(request_document("8.7.1", SUPPLIER, GSME_ID, 1, ihd)).code == "E080702"
    update = (
        "<sr:UpdateHANDeviceLog><sr:DeviceID>00-DB-12-34-56-78-90-A4</sr:DeviceID>"
        "<sr:RequestType>{}</sr:RequestType>{}</sr:UpdateHANDeviceLog>"
    )
    assert (
        _refusal(request_document("8.11", SUPPLIER, CHF_ID, 1, update.format("Add", ""))).code
        == "E081101"
    )
    short_code = update.format(
        "Add",
        "<sr:AddDeviceToCHFWhitelist><sr:JoinTimePeriod>60</sr:JoinTimePeriod>"
        "<sr:InstallCode>0102</sr:InstallCode></sr:AddDeviceToCHFWhitelist>",
    )
    assert (
        "InstallCode" in _refusal(request_document("8.11", SUPPLIER, CHF_ID, 1, short_code)).reason
    )
    restore = el("RestoreHANDeviceLog", el("OldCHFID", "00-DB-12-34-56-78-90-95"))
    assert _refusal(request_document("8.12.1", SUPPLIER, CHF_ID, 1, restore)).code == "E081202"
    gpf = el("RestoreGPFDeviceLog", el("OldGPFID", "00-DB-12-34-56-78-90-B3"))
    assert _refusal(request_document("8.12.2", SUPPLIER, GPF_ID, 1, gpf)).code == "E081221"
    details = "<sr:ReadDeviceLog><sr:ReadSecurityDetails/></sr:ReadDeviceLog>"
    assert _refusal(request_document("8.9", SUPPLIER, ESME_ID, 1, details)).code == "E080901"


def test_commissioning_window_past_year_9999_is_refused() -> None:
    """8.1.1 with a CurrentDateTime the schema allows but whose tolerance window ends after
    year 9999: a refusal (E100), not an OverflowError (found by tests/hub/test_signed_fuzz)."""
    body = (
        "<sr:CommissionDeviceSynchroniseClock><sr:CurrentDateTime>9999-12-31T23:59:59Z</sr:CurrentDateTime>"
        "<sr:TolerancePeriod>60</sr:TolerancePeriod></sr:CommissionDeviceSynchroniseClock>"
    )
    for target in (ESME_ID, GSME_ID):
        refused = _refusal(request_document("8.1.1", SUPPLIER, target, 1, body))
        assert refused.code == "E100"
        assert "out of range" in refused.reason


def test_cancellation_is_written_as_gbcs_writes_it() -> None:
    body = (
        "<sr:ActivateFirmware><sr:ExecutionDateTime>3000-12-31T00:00:00Z</sr:ExecutionDateTime>"
        f"<sr:FirmwareHash>{'11' * 32}</sr:FirmwareHash></sr:ActivateFirmware>"
    )
    spec = transform(request_for(request_document("11.3", SUPPLIER, ESME_ID, 7, body), now=NOW))
    assert isinstance(spec, CommandSpec)
    assert GBCS_CANCELLATION.year == 9999
    assert b"99991231235959Z" in spec.payload


def _family_templates() -> list[str]:
    variants = {
        "6.15.1", "6.15.2", "6.17", "6.21", "6.23", "6.24.1", "6.24.2", "8.1.1", "8.7.1",
        "8.7.2", "8.8.1", "8.8.2", "8.9", "8.11", "8.12.1", "8.12.2", "11.2", "11.3",
    }  # fmt: skip
    base = REFERENCE_DIR / "duis" / "templates"
    return [
        p.name for p in sorted(base.glob("*_REQUEST_DUIS.XML")) if p.name.split("_")[1] in variants
    ]


TEMPLATES = _family_templates()


@pytest.mark.conformance
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=10_000),
    leaf=st.integers(min_value=0, max_value=10_000),
    value=st.one_of(
        st.text(max_size=40),
        st.sampled_from(["", "-1", "99999999999999999999999", "3000-12-31T00:00:00Z", "zz"]),
    ),
    drop=st.booleans(),
)
def test_hostile_bodies_give_refusals_not_exceptions(
    index: int, leaf: int, value: str, drop: bool
) -> None:
    if not TEMPLATES:
        pytest.skip("reference templates missing")
    root = copy.deepcopy(template_root(TEMPLATES[index % len(TEMPLATES)]))
    body = root.find("{*}Body")
    assert body is not None
    leaves = [e for e in body.iter() if isinstance(e.tag, str) and len(e) == 0]
    if leaves:
        target = leaves[leaf % len(leaves)]
        parent = target.getparent()
        if drop and parent is not None and parent is not body:
            parent.remove(target)
        else:
            target.text = "".join(ch for ch in value if ch.isprintable())
    result = transform(request_for(root, now=NOW, dcc_counter=lambda party: 5))
    assert isinstance(result, CommandSpec | TransformRefusal)


_ = Eui64
