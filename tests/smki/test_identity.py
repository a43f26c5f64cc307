from __future__ import annotations

import pytest
from cryptography import x509

from opendcc.eui import Eui64
from opendcc.smki.identity import (
    KeyUsage,
    RemotePartyRole,
    _hardware_serial,
    certificate_eui,
    certificate_role,
    certificate_usage,
    hardware_module_name,
)
from tests.reference import require_reference


def _load(*parts: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(require_reference(*parts).read_bytes())


@pytest.mark.conformance
def test_organisation_certificate_names_eui_and_role() -> None:
    cert = _load("keys", "dccboxed", "Z1-supplier-ds.pem")
    assert certificate_eui(cert) == Eui64.parse("90-B3-D5-1F-30-01-00-00")
    assert certificate_role(cert) is RemotePartyRole.SUPPLIER
    assert certificate_usage(cert) is KeyUsage.DIGITAL_SIGNING


@pytest.mark.conformance
def test_device_certificate_names_eui_in_hardware_module_name() -> None:
    cert = _load("gbcs", "keystore", "00db1234567890a0-ka.pem")
    assert certificate_eui(cert) == Eui64.parse("00-DB-12-34-56-78-90-A0")
    assert certificate_role(cert) is None
    assert certificate_usage(cert) is KeyUsage.KEY_AGREEMENT


def test_hardware_module_name_round_trip() -> None:
    eui = Eui64.parse("00-DB-12-34-56-78-90-A0")
    der = hardware_module_name(eui)
    # The exact DER the reference Device Certificates carry.
    assert der.hex() == "3019060d2a863a0001848fb90f0102020104" + "0800db1234567890a0"
    assert _hardware_serial(der) == bytes(eui)


@pytest.mark.parametrize(
    "der", [b"", b"\x30", b"\x30\x05\x06\x01", b"\x04\x02ab", b"\x30\x82\xff\xff"]
)
def test_malformed_hardware_module_name_is_none(der: bytes) -> None:
    assert _hardware_serial(der) is None


def test_role_ou_is_two_hex_digits() -> None:
    assert RemotePartyRole.OTHER_USER.ou == "7F"
    assert RemotePartyRole.SUPPLIER.ou == "02"
