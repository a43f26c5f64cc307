"""The request matrix and Command Variant tables, as the hub reads them."""

from __future__ import annotations

from collections import Counter

from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.command_variant import COMMAND_VARIANTS, Answer, CommandVariant, ServiceEndpoint
from opendcc.duis.matrix import (
    REQUEST_MATRIX,
    FutureDatedPattern,
    service_reference_variant,
    variant_for_body,
)
from opendcc.roles import UserRole


def test_the_matrix_has_the_duis_5_4_shape() -> None:
    rows = list(REQUEST_MATRIX.values())
    assert len(rows) == 129
    assert sum(r.critical for r in rows) == 37
    assert sum(r.non_device for r in rows) == 16
    assert sum(r.dcc_scheduled for r in rows) == 13
    assert sorted(r.code for r in rows if r.dcc_only) == ["7.16", "8.5", "8.6"]
    assert len({r.body_element for r in rows}) == 129
    assert Counter(r.future_dated for r in rows)[FutureDatedPattern.DSP_AND_DEVICE] == 1


def test_rows_answer_the_questions_the_hub_asks() -> None:
    read = REQUEST_MATRIX["4.1.1"]
    assert read.name == "Read Instantaneous Import Registers"
    assert read.service_reference == "4.1"
    assert not read.critical and read.on_demand
    assert read.future_dated is FutureDatedPattern.DSP
    assert read.eligible_roles == {UserRole(r) for r in ("IS", "GS", "ED", "GT")}
    assert read.body_element == "ReadInstantaneousImportRegisters"
    assert read.body_element_for(CommandVariant.NON_CRITICAL_LOCAL) == read.body_element
    tariff = REQUEST_MATRIX["1.1.1"]
    assert tariff.critical
    assert tariff.body_element_for(CommandVariant.SIGNED_PRE_COMMAND_SM_WAN) == "SignedPreCommand"
    assert service_reference_variant("4.1.9") is None
    assert variant_for_body("ReadInventory") is REQUEST_MATRIX["8.2"]


def test_command_variants_follow_criticality_and_device_flags() -> None:
    for row in REQUEST_MATRIX.values():
        if row.code == "8.1.1":
            assert row.command_variants == {CommandVariant(4), CommandVariant(5)}
        elif row.code == "8.5":
            assert row.command_variants == {CommandVariant(1)}
        elif row.critical:
            assert row.command_variants == {CommandVariant(v) for v in (4, 5, 6, 7)}
        elif row.non_device:
            assert row.command_variants == {CommandVariant.NON_DEVICE}
        else:
            assert row.command_variants == {CommandVariant(v) for v in (1, 2, 3)}


def test_the_6_20_slip_is_corrected() -> None:
    assert REQUEST_MATRIX["6.20.1"].service_reference == "6.20"
    assert REQUEST_MATRIX["6.20.2"].service_reference == "6.20"
    assert REQUEST_MATRIX["6.2.10"].service_reference == "6.2"


def test_the_command_variant_table() -> None:
    endpoints = {cv: rule.endpoint for cv, rule in COMMAND_VARIANTS.items()}
    assert endpoints == {
        CommandVariant(1): ServiceEndpoint.SEND_COMMAND,
        CommandVariant(2): ServiceEndpoint.DCC_ONLY,
        CommandVariant(3): ServiceEndpoint.SEND_COMMAND,
        CommandVariant(4): ServiceEndpoint.TRANSFORM,
        CommandVariant(5): ServiceEndpoint.SEND_COMMAND,
        CommandVariant(6): ServiceEndpoint.DCC_ONLY,
        CommandVariant(7): ServiceEndpoint.SEND_COMMAND,
        CommandVariant(8): ServiceEndpoint.DCC_ONLY,
    }
    assert [cv for cv in CommandVariant if cv.signed_pre_command] == [
        CommandVariant(5),
        CommandVariant(6),
        CommandVariant(7),
    ]
    assert [cv for cv, r in COMMAND_VARIANTS.items() if not r.dcc_boxed_supported] == [
        CommandVariant(3),
        CommandVariant(7),
    ]
    assert CommandVariant(4).rule.answer is Answer.SYNC_PRE_COMMAND
    assert CommandVariant(1).rule.answer is Answer.ASYNC
    assert ServiceEndpoint.TRANSFORM.path == "/api/v1/serviceT"


def test_response_codes() -> None:
    assert len(ResponseCode) == 194
    assert ResponseCode.I0.is_success and not ResponseCode.I99.is_success
    assert ResponseCode.E12.is_error and ResponseCode.E12.category == "error"
    assert ResponseCode.W081401.category == "warning" and not ResponseCode.W081401.is_error
    assert ResponseCode.E12.meaning == "The Command Variant does not fit the request"
    assert ResponseCode.E080201.service_reference == "8.2"
    assert ResponseCode.E110101.service_reference == "11.1"
    assert "8.2" in ResponseCode.E080201.meaning
    assert ResponseCode.E1000.service_reference is None
    assert all(code.meaning for code in ResponseCode)
    assert len(DccAlertCode) == 66 and DccAlertCode("N24") is DccAlertCode.N24
