"""Every DER payload of the RTDS vectors: exact round trips and the values they encode."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from opendcc.gbcs.context import PayloadContext
from opendcc.gbcs.der import (
    ActivateFirmwareAlert,
    ActivateFirmwareResponse,
    DerPayload,
    DerTree,
    JoinDeviceCommand,
    UpdateSecurityCredentialsCommand,
    UpdateSecurityCredentialsResponse,
    decode,
    encode,
)
from opendcc.gbcs.der.catalogue import MODULES, use_case_module
from opendcc.gbcs.der.tlv import LengthForm
from tests.gbcs.der.rtds import RTDS, Vector, der_vectors
from tests.reference import require_reference

VECTORS = der_vectors()
_PARAMS = [pytest.param(v, id=f"{v.folder}/{v.name}") for v in VECTORS] or [
    pytest.param(None, id="reference-missing")
]


def _present(vector: Vector | None) -> Vector:
    if vector is None:
        require_reference(*RTDS.parts)
        raise AssertionError("unreachable")
    return vector


def _vector(folder: str, name_part: str) -> Vector:
    require_reference(*RTDS.parts, folder)
    matches = [v for v in VECTORS if v.folder == folder and name_part in v.name]
    assert len(matches) == 1, f"{folder}/{name_part}: {[v.name for v in matches]}"
    return matches[0]


def _values(folder: str, name_part: str) -> dict[str, object]:
    vector = _vector(folder, name_part)
    return decode(vector.payload, vector.context).named_values()


@pytest.mark.conformance
@pytest.mark.parametrize("vector", _PARAMS)
def test_vector_decodes_to_its_gbcs_structure_and_round_trips(vector: Vector | None) -> None:
    vector = _present(vector)
    payload = decode(vector.payload, vector.context)
    assert not payload.is_generic, "expected the GBCS structure, got a generic DER tree"
    assert encode(payload) == vector.payload
    rebuilt = DerPayload.from_json(json.loads(json.dumps(payload.to_json())))
    assert rebuilt == payload
    assert encode(rebuilt) == vector.payload


@pytest.mark.conformance
def test_der_use_cases_of_the_vectors_are_the_ones_this_package_models() -> None:
    require_reference(*RTDS.parts)
    use_cases = {v.folder.split("_", 1)[1] for v in VECTORS}
    matched = {use_case_module(name) for name in use_cases}
    assert None not in matched, sorted(n for n in use_cases if use_case_module(n) is None)
    covered = {found[1].name for found in matched if found is not None}
    assert covered == {module.name for module in MODULES}
    assert len(VECTORS) >= 140


@pytest.mark.conformance
def test_decoding_by_message_code_agrees_with_the_folder_use_case() -> None:
    require_reference(*RTDS.parts)
    for vector in VECTORS:
        by_code = decode(vector.payload, vector.context)
        expected = use_case_module(vector.folder.split("_", 1)[1])
        found = use_case_module(by_code.use_case or "")
        # Modules, not use case codes: the CS04B error Command carries CS04AC's code.
        assert expected is not None and found is not None
        assert found[1] == expected[1], vector.name


@pytest.mark.conformance
def test_unknown_message_code_falls_back_to_the_use_case_name() -> None:
    vector = _vector("8.7.1_CS03CCritical", "SUCCESS_COMMAND")
    context = PayloadContext(
        cra=vector.context.cra,
        message_code=0xFFFF,
        use_case="CS03CCritical",
        originator=vector.context.originator,
        recipient=vector.context.recipient,
        originator_counter=vector.context.originator_counter,
    )
    payload = decode(vector.payload, context)
    assert isinstance(payload.body, JoinDeviceCommand)
    anonymous = PayloadContext(
        cra=vector.context.cra,
        message_code=0xFFFF,
        use_case=None,
        originator=vector.context.originator,
        recipient=vector.context.recipient,
        originator_counter=vector.context.originator_counter,
    )
    generic = decode(vector.payload, anonymous)
    assert isinstance(generic.body, DerTree)
    assert generic.use_case is None
    assert encode(generic) == vector.payload


@pytest.mark.conformance
def test_cs02b_supplier_by_supplier_command_values() -> None:
    values = _values("6.15.1_CS02bSupplierBySupplier", "IMMEDIATE_SUCCESS_COMMAND")
    assert values["credentials_replacement_mode"] == "supplierBySupplier"
    assert values["authorising_remote_party_seq_number"] == 1000
    assert values["authorising_remote_party_ta_cell"] == {
        "role": "supplier",
        "key_usage": ["digitalSignature"],
        "cell_usage": "management",
    }
    assert values["apply_time_based_cpv_checks"] == "disapply"
    assert values["new_remote_party_specialist_floor_seq_numbers"] == [
        {"usage": "prepaymentTopUp", "seq_number": 0}
    ]
    assert "execution_date_time" not in values
    replacements = values["replacements"]
    assert isinstance(replacements, list) and len(replacements) == 3
    first = replacements[0]
    assert first["certificate"]["subject_eui"] == "90-B3-D5-1F-30-01-00-00"
    assert first["certificate"]["role"] == "supplier"
    assert first["certificate"]["usage"] == "ds"
    assert first["certificate"]["serial_hex"] == "4A07BC01D9253B51FAF01F7EC7DA5B2F"
    assert first["target_trust_anchor_cell"]["key_usage"] == ["digitalSignature"]
    assert replacements[2]["certificate"]["usage"] == "ka"
    assert replacements[2]["target_trust_anchor_cell"]["cell_usage"] == "prePaymentTopUp"
    (issuer,) = values["certification_path_certificates"]  # type: ignore[misc]
    assert issuer["role"] == "issuingAuthority"
    assert issuer["key_usage"] == ["keyCertSign", "cRLSign"]


@pytest.mark.conformance
def test_cs02b_cancellation_is_dated_at_the_end_of_time() -> None:
    vector = _vector("6.15.1_CS02bSupplierBySupplier", "CANCELLATION_SUCCESS_COMMAND")
    body = decode(vector.payload, vector.context).body
    assert isinstance(body, UpdateSecurityCredentialsCommand)
    assert body.execution_date_time == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert body.authorising_remote_party_control.authorising_remote_party_seq_number == 1002


@pytest.mark.conformance
def test_cs02b_device_response_outcomes_and_length_form() -> None:
    vector = _vector("6.23_CS02bSupplierByTransCoS", "IMMEDIATE_SUCCESS_RESPONSE")
    payload = decode(vector.payload, vector.context)
    assert payload.length_form is LengthForm.TWO_OCTET
    assert isinstance(payload.body, UpdateSecurityCredentialsResponse)
    outcome = payload.body.execution_outcome
    assert outcome is not None and outcome.all_succeeded
    values = payload.named_values()
    assert values["credentials_replacement_mode"] == "supplierByTransCoS"
    outcomes = values["replacement_outcomes"]
    assert isinstance(outcomes, list) and len(outcomes) == 3
    assert {o["replacing_subject_unique_id"] for o in outcomes} == {"90-B3-D5-1F-30-03-00-00"}
    assert {o["existing_subject_unique_id"] for o in outcomes} == {"90-B3-D5-1F-30-01-00-00"}


@pytest.mark.conformance
def test_cs02b_error_response_names_the_failed_cell() -> None:
    values = _values("6.15.1_CS02bSupplierBySupplier", "IMMEDIATE_ERROR_RESPONSE")
    assert values["all_replacements_succeeded"] is False
    statuses = [o["status_code"] for o in values["replacement_outcomes"]]  # type: ignore[attr-defined]
    assert statuses == ["success", "noTrustAnchor", "success"]


@pytest.mark.conformance
def test_cs02b_future_dated_alert() -> None:
    values = _values("6.15.1_CS02bSupplierBySupplier", "8F66_FUTURE_DATED_SUCCESS_ALERT")
    assert values["alert_code"] == "8F66"
    assert values["execution_date_time"] == "2030-01-15T00:00:00Z"
    assert values["authorising_remote_party_seq_number"] == 1001


@pytest.mark.conformance
def test_cs02a_response_lists_trust_anchor_cells_per_role() -> None:
    values = _values("6.24.1_CS02aMAC", "SUCCESS_RESPONSE")
    supplier, network_operator = values["remote_party_details"]  # type: ignore[misc]
    assert supplier["role"] == "supplier" and supplier["status_code"] == "success"
    assert supplier["current_seq_number"] == 0
    assert [c["subject_unique_id"] for c in supplier["trust_anchor_cells"]] == [
        "90-B3-D5-1F-30-01-00-00"
    ] * 3
    assert supplier["trust_anchor_cells"][2]["cell_usage"] == "prePaymentTopUp"
    assert network_operator["role"] == "networkOperator"
    assert network_operator["current_seq_number"] == 1
    error = _values("6.24.1_CS02aMAC", "ERROR_RESPONSE")
    assert error["remote_party_details"][1] == {  # type: ignore[index]
        "role": "networkOperator",
        "status_code": "trustAnchorNotFound",
    }


@pytest.mark.conformance
def test_cs02c_response_is_a_certification_request_for_the_device() -> None:
    values = _values("6.17_CS02c", "SUCCESS_RESPONSE")
    request = values["certification_request"]
    assert isinstance(request, dict)
    assert request["subject_eui"] == "00-DB-12-34-56-78-90-A0"
    assert request["key_usage"] == ["digitalSignature"]
    assert request["signature_valid"] is True
    assert _values("6.17_CS02c", "SUCCESS_COMMAND") == {"key_usage": ["digitalSignature"]}
    assert _values("6.17_CS02c", "ERROR_COMMAND") == {"key_usage": ["keyAgreement"]}


@pytest.mark.conformance
def test_cs02d_and_cs02e_device_certificates() -> None:
    command = _values("6.15.2_CS02d", "SUCCESS_COMMAND")
    assert command["certificate"]["subject_eui"] == "00-DB-12-34-56-78-90-A0"  # type: ignore[index]
    assert _values("6.15.2_CS02d", "ERROR_RESPONSE") == {"response_code": "invalidKeyUsage"}
    provided = _values("6.24.2_CS02e", "SUCCESS_RESPONSE")
    assert provided["certificate"]["serial_hex"].startswith("30398236744D")  # type: ignore[index]
    assert _values("6.24.2_CS02e", "ERROR_RESPONSE") == {
        "response_code": "certificateRetrievalFailure"
    }


@pytest.mark.conformance
def test_cs03_join_commands_and_responses() -> None:
    method_c = _values("8.7.1_CS03CCritical", "SUCCESS_COMMAND")
    assert method_c["join_method_and_role"] == "methodC"
    assert method_c["other_device_entity_id"] == "00-DB-12-34-56-78-90-98"
    assert method_c["other_device_type"] == "type1PrepaymentInterfaceDevice"
    assert method_c["other_device_certificate"]["subject_eui"] == "00-DB-12-34-56-78-90-98"  # type: ignore[index]
    assert method_c["other_device_certificate"]["usage"] == "ka"  # type: ignore[index]
    method_a2 = _values("8.7.1_CS03A2Critical", "SUCCESS_COMMAND")
    assert method_a2 == {
        "join_method_and_role": "methodAResponder",
        "other_device_entity_id": "00-DB-12-34-56-78-90-93",
        "other_device_type": "eSME",
    }
    assert _values("8.7.1_CS03A1", "SUCCESS_RESPONSE") == {
        "response_code": "success",
        "succeeded": True,
    }
    assert _values("8.7.1_CS03A1", "ERROR_RESPONSE")["response_code"] == (
        "incompatibleWithExistingEntry"
    )
    assert _values("8.7.2_CS03CNonCritical", "ERROR_RESPONSE")["response_code"] == (
        "invalidOrMissingCertificate"
    )


@pytest.mark.conformance
def test_cs04_unjoin_and_cs07_join_details() -> None:
    assert _values("8.8.1_CS04ACCritical", "SUCCESS_COMMAND") == {
        "other_device_entity_id": "00-DB-12-34-56-78-90-99"
    }
    assert _values("8.8.2_CS04B", "ERROR_RESPONSE") == {
        "response_code": "notInDeviceLog",
        "succeeded": False,
    }
    assert _values("8.9_CS07", "SUCCESS_COMMAND") == {}
    assert _values("8.9_CS07", "ERROR_RESPONSE") == {"response_code": "readFailure"}


@pytest.mark.conformance
def test_cs06_activate_firmware() -> None:
    command = _values("11.3_CS06", "IMMEDIATE_SUCCESS_COMMAND")
    assert command["manufacturer_image_hash"] == (
        "aa758690730934ff0685aa758690730934ff0685657788990011223344556677"
    )
    assert command["originator_counter"] == 1000
    assert "execution_date_time" not in command
    future = _values("11.3_CS06", "FUTURE_DATED_SUCCESS_COMMAND")
    assert future["execution_date_time"] == "2030-01-15T09:00:00Z"
    accepted = _vector("11.3_CS06", "FUTURE_DATED_SUCCESS_RESPONSE")
    body = decode(accepted.payload, accepted.context).body
    assert body == ActivateFirmwareResponse(execution_outcome=None)
    assert _values("11.3_CS06", "IMMEDIATE_ERROR_RESPONSE") == {
        "activate_image_response_code": "noImageHeld",
        "firmware_version": "0123ABCF",
    }
    alert = _vector("11.3_CS06", "8F67_FUTURE_DATED_ERROR_ALERT")
    alert_body = decode(alert.payload, alert.context).body
    assert isinstance(alert_body, ActivateFirmwareAlert)
    assert alert_body.alert_code == 0x8F67
    assert alert_body.originator_counter == 1004
    assert alert_body.execution_outcome.activate_image_response_code == 2


@pytest.mark.conformance
def test_firmware_version_reads_and_alerts() -> None:
    assert _values("11.2_CS08", "SUCCESS_RESPONSE") == {
        "firmware_version": "0123ABCD",
        "response_code": "readSuccess",
    }
    assert _values("NA_CS09", "8F8B_ALERT") == {
        "alert_code": "8F8B",
        "execution_date_time": "2015-01-01T00:00:00Z",
        "firmware_version": "1234ABCD",
        "activate_image": "success",
    }
    transfer = _values("NA_CCS08", "ALERT")
    assert transfer["alert_code"] == "8F8A"
    assert transfer["entity_id"] == "00-DB-12-34-56-78-90-A4"
    assert transfer["response_code"] == "success"


@pytest.mark.conformance
def test_gcs28_set_clock() -> None:
    command = _values("6.11_GCS28", "SUCCESS_COMMAND")
    assert command == {
        "validity_interval_start": "2014-12-31T23:30:00Z",
        "validity_interval_end": "2015-01-01T00:30:00Z",
    }
    assert _values("8.1.1_GCS28Commission", "SUCCESS_RESPONSE")["device_time_status"] == (
        "reliable"
    )
    assert _values("6.11_GCS28", "ERROR_RESPONSE")["device_time_status"] == "unreliable"


@pytest.mark.conformance
def test_gpf_device_log_restore_and_backup() -> None:
    restore = _values("8.12.2_GCS59", "SUCCESS_COMMAND")
    assert restore["device_log_entries"] == [
        {"device_id": "00-11-22-33-44-55-66-77", "device_type": "type1PrepaymentInterfaceDevice"},
        {"device_id": "88-99-AA-BB-CC-DD-EE-FF", "device_type": "type2"},
    ]
    outcomes = _values("8.12.2_GCS59", "SUCCESS_RESPONSE")["restore_outcomes"]
    assert [o["join_response_code"] for o in outcomes] == ["success", "success"]  # type: ignore[attr-defined]
    backup = _values("NA_GCS62", "8071_ALERT")
    assert backup["alert_code"] == "8071"
    entries = backup["device_log_entries"]
    assert isinstance(entries, list) and len(entries) == 6
    assert entries[1] == {
        "device_id": "00-DB-12-34-56-78-90-99",
        "device_type": ("type1PrepaymentInterfaceDevice"),
    }
