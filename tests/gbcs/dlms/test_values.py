"""Named values against what the reference vectors encode.

Each expected figure is read here straight from the bytes (fixed offsets, ``struct``), then
given its GBCS meaning, and compared with what ``payload.values`` reports.
"""

from __future__ import annotations

import datetime as dt
import struct

import pytest

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import AccessRequest, DataAccessResult
from opendcc.gbcs.dlms.payload import DlmsPayload, decode
from opendcc.gbcs.dlms.units import Unit
from opendcc.gbcs.dlms.values import Failure, Quantity, Record
from tests.gbcs.dlms.support import Frame, decryptor_for, frame_named

pytestmark = pytest.mark.conformance

GBCS_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def decoded(name: str) -> tuple[Frame, DlmsPayload]:
    frame = frame_named(name)
    return frame, decode(frame.content, frame.context(decryptor_for(frame)))


def plaintext(frame: Frame, payload: DlmsPayload) -> bytes:
    """The decrypted octets of the payload's single ciphered block."""
    (block,) = payload.ciphered
    clear = decryptor_for(frame)(block.value)
    assert clear is not None
    return clear


def u32(raw: bytes, at: int) -> int:
    return int(struct.unpack_from(">I", raw, at)[0])


def test_ecs17b_import_registers_single_element() -> None:
    frame, payload = decoded("ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")
    raw = plaintext(frame, payload)
    # 02 01 | 02 04 | 06 <active> | 02 02 0F <scaler> 16 <unit> | 06 <reactive> | 02 02 0F .. 16 ..
    assert raw[:4] == bytes.fromhex("02010204")
    active, active_scaler, active_unit = u32(raw, 5), struct.unpack_from(">b", raw, 12)[0], raw[14]
    reactive, reactive_scaler, reactive_unit = (
        u32(raw, 16),
        struct.unpack_from(">b", raw, 23)[0],
        raw[25],
    )
    assert (active_unit, reactive_unit) == (30, 32)  # Wh and varh, the only units GBCS allows
    values = payload.values
    assert values["ActiveImportRegister"] == Quantity(active, active_scaler, Unit.WATT_HOUR)
    assert values["ReactiveImportRegister"] == Quantity(reactive, reactive_scaler, Unit.VAR_HOUR)
    assert values["ActiveImportRegister"] == Quantity(10, 0, Unit.WATT_HOUR)
    assert str(values["ActiveImportRegister"]) == "10 Wh"
    assert "SecondaryActiveImportRegister" not in values


def test_ecs17b_twin_element_adds_the_secondary_register() -> None:
    frame, payload = decoded("ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE_GBCS.HEX")
    raw = plaintext(frame, payload)
    assert raw[:4] == bytes.fromhex("02010205")
    secondary = u32(raw, 27)  # after the second scaler_unit; GBCS fixes Wh for it
    assert payload.values["SecondaryActiveImportRegister"] == Quantity(secondary, 0, Unit.WATT_HOUR)
    assert payload.values["ActiveImportRegister"] == Quantity(10, 0, Unit.WATT_HOUR)


def test_ecs17b_without_a_key_says_so() -> None:
    frame = frame_named("ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")
    values = decode(frame.content, frame.context()).values
    assert values["Decrypted"] is False
    assert values["ImportRegisters"] is None


def test_ecs17b_error_response_reports_the_failure() -> None:
    _, payload = decoded("ECS17b_4.1.1_ERROR_RESPONSE_GBCS.HEX")
    (value,) = [v for _, v in payload.values.fields]
    assert value == Failure("hardware-fault", 1)


def test_ecs17a_export_registers() -> None:
    frame, payload = decoded("ECS17a_4.2_SUCCESS_RESPONSE_GBCS.HEX")
    raw = frame.content
    # DA, invoke (4), date-time 00, no echo 00, 4 data: 06 <u32>, 02 02 0F 00 16 1E, 06 <u32>, ...
    assert raw[7] == 4
    active, reactive = u32(raw, 9), u32(raw, 20)
    assert (raw[18], raw[29]) == (0x1E, 0x20)
    assert payload.values["ActiveExportRegister"] == Quantity(active, 0, Unit.WATT_HOUR)
    assert payload.values["ReactiveExportRegister"] == Quantity(reactive, 0, Unit.VAR_HOUR)
    assert (active, reactive) == (10, 20)


def test_ecs17d_tou_registers() -> None:
    frame, payload = decoded("ECS17d_4.1.2_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")
    raw = plaintext(frame, payload)
    assert raw[:6] == bytes.fromhex("020102010130")  # one value: structure { array of 48 }
    expected = [u32(raw, 7 + 5 * i) for i in range(48)]
    registers = payload.values["TOUPrimaryRegisterValue"]
    assert isinstance(registers, tuple)
    assert [q.value for q in registers] == expected  # type: ignore[union-attr]
    assert registers[0] == Quantity(81, 0, Unit.WATT_HOUR)


def test_ecs22b_half_hourly_profile() -> None:
    frame, payload = decoded("ECS22b_4.8.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")
    raw = plaintext(frame, payload)
    # 02 01 | 13 02 02 06 06 | 82 <len> | entries of (u32 seconds since 2000, u32 Wh)
    assert raw[:7] == bytes.fromhex("02011302020606")
    size = int.from_bytes(raw[8:10], "big")
    entries = [struct.unpack_from(">II", raw, 10 + 8 * i) for i in range(size // 8)]
    profile = payload.values["ActiveImportProfileData"]
    assert isinstance(profile, tuple) and len(profile) == len(entries) == 49
    for entry, (seconds, value) in zip(profile, entries, strict=True):
        assert isinstance(entry, Record)
        assert entry["Timestamp"] == GBCS_EPOCH + dt.timedelta(seconds=seconds)
        assert entry["ActiveEnergyImportedValue"] == Quantity(value, 0, Unit.WATT_HOUR)
    first = profile[0]
    assert isinstance(first, Record)
    assert first["Timestamp"] == dt.datetime(2014, 12, 31, tzinfo=dt.UTC)
    second = profile[1]
    assert isinstance(second, Record)
    assert second["Timestamp"] == dt.datetime(2014, 12, 31, 0, 30, tzinfo=dt.UTC)


def test_ecs35a_event_log() -> None:
    frame, payload = decoded("ECS35a_6.13_SUCCESS_RESPONSE_GBCS.HEX")
    raw = frame.content
    # DA .. 01 13 02 03 06 12 09 | length | entries: u32 seconds, u16 code, len + octets
    start = raw.index(bytes.fromhex("130203061209"))
    at = start + 6
    size = (
        raw[at]
        if raw[at] < 0x80
        else int.from_bytes(raw[at + 1 : at + 1 + (raw[at] & 0x7F)], "big")
    )
    at += 1 if raw[at] < 0x80 else 1 + (raw[at] & 0x7F)
    end = at + size
    expected = []
    while at < end:
        seconds, code, length = struct.unpack_from(">IHB", raw, at)
        expected.append((seconds, code, raw[at + 7 : at + 7 + length]))
        at += 7 + length
    log = payload.values["EventLog"]
    assert isinstance(log, tuple) and len(log) == len(expected)
    for entry, (seconds, code, other) in zip(log, expected, strict=True):
        assert isinstance(entry, Record)
        assert entry["Timestamp"] == GBCS_EPOCH + dt.timedelta(seconds=seconds)
        assert entry["LogCode"] == f"{code:04X}"
        assert entry["OtherInformation"] == other
    assert log[0]["LogCode"] == "8F01"  # type: ignore[index]


def test_ecs24_tariff_data() -> None:
    _, payload = decoded("ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")
    values = payload.values
    price = values["PrimaryActiveTariffPrice"]
    assert price == Quantity(1, -5, Unit.OTHER)
    assert isinstance(price, Quantity) and str(price.amount) == "0.00001"
    thresholds = values["TariffThresholdMatrixRate1"]
    assert thresholds == (10000, 4294967295, 4294967295)
    day_profiles = values["TariffSwitchingTable.DayProfiles"]
    assert isinstance(day_profiles, tuple)
    schedule = day_profiles[0]["day_schedule"]  # type: ignore[index]
    assert schedule[0]["start_time"].hour == 7  # type: ignore[index]
    assert schedule[0]["script_selector"] == 101  # type: ignore[index]
    matrix = values["PriceMatrix"]
    assert isinstance(matrix, Record)
    assert matrix["charge_per_unit_scaling"]["price_scale"] == -5  # type: ignore[index]
    assert matrix["charge_table"][0]["charge_per_unit"] == 2121  # type: ignore[index]


def test_ecs26a_prepayment_configuration() -> None:
    _, payload = decoded("ECS26a_4.13_TWIN_SUCCESS_RESPONSE_GBCS.HEX")
    values = payload.values
    assert values["DebtRecoveryRate1"] == Quantity(5000, -5)
    assert values["DebtRecoveryRate2"] == Quantity(6000, -5)
    assert values["DebtRecoveryRatePeriod1"] == 86400
    assert values["DebtRecoveryRatePriceScale1"] == -5
    assert values["EmergencyCreditLimit"] == 2500000
    assert values["EmergencyCreditThreshold"] == 100000
    assert values["LowCreditThreshold"] == 500000
    assert values["DisablementThreshold"] == (-500000,)
    assert values["DebtRecoveryRateCap"] == 10000
    assert values["DebtRecoveryRateCapPeriod"] == 604800
    special = values["NonDisablementSpecialDays"]
    assert isinstance(special, tuple) and str(special[0]["date"]) == "*-12-25"  # type: ignore[index]


def test_ecs82_meter_balance_and_ecs45_supply_state() -> None:
    frame, payload = decoded("ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX")
    assert frame.content[8] == 0x05  # double-long: a meter balance may be negative
    balance = struct.unpack_from(">i", frame.content, 9)[0]
    assert payload.values["MeterBalance"] == balance == 250000
    _, supply = decoded("ECS45_7.4_SUCCESS_RESPONSE_GBCS.HEX")
    assert supply.values["SupplyState"] == "Connected"


def test_ecs52_firmware_version_and_ecs40_mpans() -> None:
    _, firmware = decoded("ECS52_11.2_SUCCESS_RESPONSE_GBCS.HEX")
    assert firmware.values["FirmwareVersion"] == bytes.fromhex("0123abcd")
    _, mpan = decoded("ECS40_6.2.7_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")
    assert mpan.values["ImportMPAN"] == "1312345678111"
    assert mpan.values["ExportMPAN"] == "1312345678333"


def test_ecs21b_prepayment_daily_read_log() -> None:
    frame, payload = decoded("ECS21b_4.14_KRP_SUCCESS_RESPONSE_GBCS.HEX")
    raw = plaintext(frame, payload)
    assert raw[:11] == bytes.fromhex("0201130207060505050505")
    first = struct.unpack_from(">Iiiiiii", raw, 14)
    log = payload.values["PrepaymentDailyReadLog"]
    assert isinstance(log, tuple) and len(log) == 7
    entry = log[0]
    assert isinstance(entry, Record)
    assert entry["Timestamp"] == GBCS_EPOCH + dt.timedelta(seconds=first[0])
    assert [entry[name] for name in entry.names()[1:]] == list(first[1:])


def test_ecs68_billing_data_log_alert() -> None:
    frame, payload = decoded("ECS68_NA_8F0A_TWIN_ALERT_GBCS.HEX")
    raw = plaintext(frame, payload)
    values = payload.values
    assert values["AlertCode"] == "8F0A"
    assert values["AlertDateTime"] == dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    log = values["BillingDataLog"]
    assert isinstance(log, tuple)
    entry = log[0]
    assert isinstance(entry, Record)
    # compact-array contents start after 02 01 13 02 09 + nine column tags (arrays carry
    # their counts) and the contents length: find the first entry's timestamp by value.
    seconds = int((entry["Timestamp"] - GBCS_EPOCH).total_seconds())  # type: ignore[operator]
    at = raw.index(seconds.to_bytes(4, "big"))
    assert entry["ActiveImportRegisterConsumption"] == Quantity(u32(raw, at + 4), 0, Unit.WATT_HOUR)
    assert entry["SecondaryActiveImportRegisterConsumption"] == Quantity(
        u32(raw, at + 8), 0, Unit.WATT_HOUR
    )
    assert len(entry["TariffTOURegisterMatrix"]) == 48  # type: ignore[arg-type]


def test_future_dated_alert_names_the_instruction() -> None:
    frame, payload = decoded(
        "ECS01a_1.1.1_8F66_FUTURE_DATED_TOU_BLOCK_SUCCESS_ALERT_PRICE_MATRIX_GBCS.HEX"
    )
    details = payload.values["COSEMFutureDatedAlert"]
    assert isinstance(details, Record)
    assert details["FutureDatedCommandMessageCode"] == "0019"  # ECS01a
    counter_at = frame.content.index(bytes.fromhex("0913")) + 4
    assert details["FutureDatedCommandOriginatorCounter"] == int.from_bytes(
        frame.content[counter_at : counter_at + 8], "big"
    )
    instruction = details["DLMSCOSEMFDInstructionIdentification"]
    assert isinstance(instruction, Record)
    assert instruction["Name"] == "PriceMatrix.unit_charge_activation_time"
    assert (instruction["ClassId"], instruction["InstanceId"], instruction["AttributeId"]) == (
        113,
        "0-0:19.20.0.255",
        7,
    )


def test_ccs06_device_log() -> None:
    _, payload = decoded("CCS06_8.9_SUCCESS_RESPONSE_GBCS.HEX")
    log = payload.values["CHFDeviceLog"]
    assert isinstance(log, tuple) and len(log) == 2
    assert log[0]["mac_address"] == "00-DB-12-34-56-78-90-A0"  # type: ignore[index]
    assert log[0]["average_rssi"] == -50  # type: ignore[index]


def test_commands_name_what_they_write() -> None:
    _, command = decoded("ECS16_3.4_SUCCESS_COMMAND_GBCS.HEX")
    assert command.values["SupplierTelephoneNumber"] == "0333 202 4650"
    assert command.values["SupplierName"] == "E-ON"
    _, read = decoded("ECS22b_4.8.1_TWIN_SUCCESS_COMMAND_GBCS.HEX")
    asked = read.values["DataProtectionECS22b.get_protected_attributes"]
    assert isinstance(asked, Record)
    assert asked["ActiveImportProfileData"] == Record(
        (
            ("From", dt.datetime(2014, 12, 31, tzinfo=dt.UTC)),
            ("To", dt.datetime(2015, 1, 1, tzinfo=dt.UTC)),
        )
    )


def test_a_response_named_by_its_own_command() -> None:
    _, command = decoded("ECS46a_6.14.1_SOME_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX")
    assert isinstance(command.apdu, AccessRequest)
    names = list(command.values)
    assert names == [f"AuxiliaryControllerDescription{n}" for n in (2, 3, 4)]
    reply = b.access_response_for(
        command.apdu, [b.set_ok(), b.set_error(DataAccessResult.READ_WRITE_DENIED), b.set_ok()]
    )
    response = DlmsPayload(reply, "ECS46a")
    exact = response.values_for(command.apdu)
    assert exact.names() == names
    assert exact["AuxiliaryControllerDescription3"] == Failure("read-write-denied", 3)
    assert exact["AuxiliaryControllerDescription2"] == "success"
