"""Every RTDS Response and Alert parses to a record with named values, and the values of the
read use cases are what the vectors encode."""

from __future__ import annotations

import glob
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from opendcc.gbcs.codec import decode
from opendcc.gbcs.security import GbcsSecurity
from opendcc.parse import GbcsMessageRecord, NamedValue, Parser, ValueKind
from opendcc.smki.keystore import Keystore
from tests.reference import REFERENCE_DIR, check_present, reference_params, require_reference


@pytest.fixture(scope="module")
def keystore() -> Keystore:
    return Keystore.load(require_reference("gbcs", "keystore"))


@pytest.fixture(scope="module")
def parser(keystore: Keystore) -> Parser:
    return Parser(keystore)


def _vector(name: str) -> Path:
    found = glob.glob(str(REFERENCE_DIR / "gbcs" / "rtds" / "*" / f"{name}_GBCS.HEX"))
    if not found:
        require_reference("gbcs", "rtds", f"{name}_GBCS.HEX")
    return Path(found[0])


@pytest.mark.conformance
@pytest.mark.parametrize(
    "path",
    reference_params("gbcs/rtds", "*_RESPONSE_GBCS.HEX")
    + reference_params("gbcs/rtds", "*_ALERT*_GBCS.HEX"),
)
def test_every_response_and_alert_parses_with_named_values(path: Path, parser: Parser) -> None:
    check_present(path)
    record = parser.parse(path.read_bytes())
    assert isinstance(record, GbcsMessageRecord)
    gbcs = record.gbcs
    assert gbcs is not None and gbcs.problem is None, gbcs
    # A use case with values names them; a refusal or a write acknowledgement says so.
    assert gbcs.values or gbcs.errors, f"{gbcs.use_case}: nothing named"
    if "SUCCESS" in path.name and "RESPONSE" in path.name:
        assert gbcs.values, f"{gbcs.use_case}: a successful response with no values"
    # The RTDS keys verify every MAC-protected or signed vector (PCS01/PCS02 are
    # PPMID-local: the PPMID's MAC key is not in the set).
    check = gbcs.signature if gbcs.signature.present else gbcs.mac
    if not path.name.startswith(("PCS01", "PCS02")):
        assert check.present and check.valid is True, check
    for value in gbcs.values:
        assert isinstance(value, NamedValue) and value.name
        if value.kind is ValueKind.TIMESTAMP:
            assert isinstance(value.value, datetime) and value.value.utcoffset() is not None
        if value.kind in (ValueKind.ENERGY, ValueKind.MONEY, ValueKind.VOLUME):
            assert isinstance(value.value, Decimal), value
    if gbcs.alert_code is not None:
        assert gbcs.alert_name, f"alert {gbcs.alert_code} is not named"
    document = record.to_json()
    assert document["schema"] == "opendcc.parse/1"


READ_FACTS: dict[str, dict[str, tuple[object, str | None]]] = {
    "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE": {
        "ActiveImportRegister": (Decimal("0.010"), "kWh"),
        "ReactiveImportRegister": (Decimal("0.010"), "kvarh"),
    },
    "ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE": {
        "SecondaryActiveImportRegister": (Decimal("0.010"), "kWh"),
    },
    "ECS17a_4.2_SUCCESS_RESPONSE": {
        "ActiveExportRegister": (Decimal("0.010"), "kWh"),
        "ReactiveExportRegister": (Decimal("0.020"), "kvarh"),
    },
    "ECS17d_4.1.2_SINGLE_SUCCESS_RESPONSE": {
        "TOUPrimaryRegisterValue[0]": (Decimal("0.081"), "kWh"),
        "TOUPrimaryRegisterValue[2]": (Decimal("0.176"), "kWh"),
    },
    "GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_RESPONSE": {
        "ConsumptionRegister": (Decimal("12.345"), "m3"),
    },
    "GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE": {
        "MeterBalance": (Decimal("25.00000"), "GBP"),
        "EmergencyCreditBalance": (Decimal("5.00000"), "GBP"),
        "PaymentDebtRegister": (Decimal("0.05000"), "GBP"),
    },
    "GCS21b_4.13_SUCCESS_RESPONSE": {
        "DisablementThreshold": (Decimal("-50.00000"), "GBP"),
        "EmergencyCreditLimit": (Decimal("10.00000"), "GBP"),
    },
    "ECS22b_4.8.1_SINGLE_SUCCESS_RESPONSE": {
        "ActiveImportProfileData[0]/Timestamp": (datetime(2014, 12, 31, tzinfo=UTC), None),
        "ActiveImportProfileData[0]/ActiveEnergyImportedValue": (Decimal("0.095"), "kWh"),
        "ActiveImportProfileData[1]/Timestamp": (datetime(2014, 12, 31, 0, 30, tzinfo=UTC), None),
        "ActiveImportProfileData[1]/ActiveEnergyImportedValue": (Decimal("0.243"), "kWh"),
    },
    "ECS21a_4.6.1_TWIN_SUCCESS_RESPONSE": {
        "DailyReadLog[0]/Timestamp": (datetime(2014, 3, 9, tzinfo=UTC), None),
        "DailyReadLog[0]/ActiveImportRegisterConsumption": (Decimal("10434"), "kWh"),
        "DailyReadLog[0]/SecondaryActiveImportRegisterConsumption": (Decimal("513"), "kWh"),
    },
    "ECS45_7.4_SUCCESS_RESPONSE": {"SupplyState": ("Enabled", None)},
    "GCS33_7.4_SUCCESS_RESPONSE": {"SupplyState": ("Enabled", None)},
    "ECS35a_6.13_SUCCESS_RESPONSE": {
        "EventLog[0]/LogCode": ("8F01", None),
        "EventLog[0]/Timestamp": (datetime(2014, 12, 31, tzinfo=UTC), None),
    },
    "ECS24_4.11.1_SUCCESS_RESPONSE": {"PrimaryActiveTariffPrice": (Decimal("0.00001"), "GBP")},
}
"""Values the read vectors encode, in user units (the project's own table of facts read from
the vectors' bytes: ECS17b's register is the double-long-unsigned 10 Wh, scaler 0; GCS13a's
CurrentSummationDelivered 12345 with Divisor 1000 m3; GCS14's MeterBalance 2500000 in
1/100000 GBP; and so on)."""


@pytest.mark.conformance
@pytest.mark.parametrize("name", sorted(READ_FACTS))
def test_read_values_are_what_the_vectors_encode(name: str, parser: Parser) -> None:
    record = parser.parse(_vector(name).read_bytes())
    assert record.gbcs is not None
    for key, (value, unit) in READ_FACTS[name].items():
        found = record.gbcs.value(key)
        assert found is not None, f"{name}: no {key}"
        assert found.value == value, (key, found)
        assert found.unit == unit, (key, found)


@pytest.mark.conformance
def test_dlms_registers_are_the_integers_the_payload_carries(
    keystore: Keystore, parser: Parser
) -> None:
    """Independently of the naming: every DLMS figure converted to user units comes from an
    A-XDR integer present in the (decrypted) payload, and the conversion is exact."""
    paths = sorted((require_reference("gbcs", "rtds")).glob("*/ECS*SUCCESS_RESPONSE_GBCS.HEX"))
    checked = sum(_check_registers(path, keystore, parser) for path in paths)
    assert checked > 500, checked


def _check_registers(path: Path, keystore: Keystore, parser: Parser) -> int:
    data = bytes.fromhex(path.read_text().strip())
    decoded = decode(data, GbcsSecurity(keystore))
    plain = decoded.message.payload + b"".join(
        d.plaintext for d in decoded.decrypted if d.plaintext is not None
    )
    record = parser.parse(data)
    assert record.gbcs is not None
    checked = 0
    for value in record.gbcs.values:
        raw = value.raw
        if not (isinstance(raw, dict) and "scaler" in raw and isinstance(raw.get("value"), int)):
            continue
        integer = raw["value"]
        # Tagged A-XDR (a register) or untagged (inside a profile's compact array).
        encodings = [
            _axdr(tag, integer, size)[skip:]
            for tag, size in ((0x06, 4), (0x05, 4), (0x12, 2), (0x10, 2), (0x15, 8), (0x14, 8))
            if _fits(integer, tag, size)
            for skip in (0, 1)
        ]
        assert any(e in plain for e in encodings), f"{value.name}: {integer} not in the payload"
        scaled = Decimal(integer).scaleb(int(raw["scaler"]))
        if value.unit in ("kWh", "kvarh"):
            assert value.value == scaled / 1000
        checked += 1
    return checked


def _fits(value: int, tag: int, size: int) -> bool:
    signed = tag in (0x05, 0x10, 0x14, 0x0F)
    low, high = (
        (-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1) if signed else (0, (1 << 8 * size) - 1)
    )
    return low <= value <= high


def _axdr(tag: int, value: int, size: int) -> bytes:
    signed = tag in (0x05, 0x10, 0x14, 0x0F)
    return bytes((tag,)) + value.to_bytes(size, "big", signed=signed)
