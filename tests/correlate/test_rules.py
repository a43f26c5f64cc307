"""The correlation rules, on the supply requests (7.2 Disable, 7.3 Arm Supply) as the hub
makes their Pre-Commands: what must match, the one field the DCC fills in (its time of
transformation) and its tolerance, the forms a Pre-Command may take, and the DUIS answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opendcc.correlate import DeviceFacts, DifferenceKind, Verdict, correlate, correlate_response
from opendcc.correlate import expected as expected_module
from opendcc.duis import build as duis_build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest, ServiceResponse, parse_request, parse_response
from opendcc.gbcs import build
from opendcc.gbcs.context import Cra
from opendcc.gbcs.frame import GbcsMessage, decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, SmiStatus
from opendcc.smki.keystore import Keystore
from opendcc.transform.registry import CommandSpec, TransformInput, lookup
from tests.correlate.support import eui
from tests.reference import require_reference

ISSUED = datetime(2026, 3, 2, 10, 15, 42, tzinfo=UTC)


def _request(template: str) -> ServiceRequest:
    path = require_reference("duis", "templates", template)
    request = parse_request(path.read_bytes())
    assert isinstance(request, ServiceRequest)
    return request


def _device(last: str, kind: DeviceType) -> Device:
    return Device(eui(last), kind, SmiStatus.COMMISSIONED, ISSUED, CspRegion.CENTRAL)


def _dcc_pre_command(
    request: ServiceRequest, kind: DeviceType, at: datetime, *, length_byte: bool = False
) -> bytes:
    """The Pre-Command the hub returns: its transform at its own clock (hub/pipeline.py)."""
    rid = request.header.request_id
    fn = lookup(request.header.variant.code, kind)
    if fn is None:
        pytest.skip(f"no transform for {request.header.variant.code} on a {kind}")
    spec = fn(
        TransformInput(
            variant=request.header.variant.code,
            body=request.body,
            originator=rid.originator,
            target=rid.target,
            counter=rid.counter,
            device=_device(str(rid.target)[-2:], kind),
            role=sorted(request.header.variant.eligible_roles)[0],
            now=at,
        )
    )
    assert isinstance(spec, CommandSpec), spec
    return build.pre_command(
        spec.payload,
        originator=rid.originator,
        recipient=spec.recipient,
        counter=rid.counter,
        message_code=spec.message_code,
        date_time=spec.date_time,
        signature_length_byte=length_byte,
    ).encode()


@pytest.fixture
def arm_gas() -> tuple[ServiceRequest, bytes]:
    request = _request("GCS39_7.3_SUCCESS_REQUEST_DUIS.XML")
    return request, _dcc_pre_command(request, DeviceType.GSME, ISSUED)


@pytest.mark.conformance
def test_the_hubs_pre_command_correlates_and_the_dcc_time_is_reported(
    arm_gas: tuple[ServiceRequest, bytes],
) -> None:
    request, pre_command = arm_gas
    later = ISSUED + timedelta(seconds=7)
    verdict = correlate(request, pre_command, at=later)
    assert verdict and verdict.correlates and verdict.difference is None
    assert verdict.use_case == "GCS39" and verdict.device_type == "GSME"
    assert verdict.dcc_time == ISSUED
    assert [f.field for f in verdict.dcc_filled] == ["components[0]/fields/issuer_event_id"]
    assert "time of transformation" in verdict.dcc_filled[0].reason


@pytest.mark.conformance
def test_the_dcc_time_must_be_within_the_clock_tolerance(
    arm_gas: tuple[ServiceRequest, bytes],
) -> None:
    request, pre_command = arm_gas
    assert correlate(request, pre_command, at=ISSUED + timedelta(minutes=59))
    verdict = correlate(request, pre_command, at=ISSUED + timedelta(hours=3))
    assert not verdict and verdict.kind is DifferenceKind.DCC_TIME
    assert "issuer event id" in (verdict.difference or "")
    assert "3 hours" in (verdict.difference or "")
    assert correlate(request, pre_command, at=ISSUED - timedelta(days=2), clock_tolerance=None)
    assert not correlate(
        request, pre_command, at=ISSUED + timedelta(minutes=2), clock_tolerance=timedelta(0)
    )


@pytest.mark.conformance
def test_a_far_future_issuer_event_id_is_refused(arm_gas: tuple[ServiceRequest, bytes]) -> None:
    """A DCC setting the IssuerEventID years ahead would make the valve ignore the supplier's
    next instructions: that is a difference, however exact the rest."""
    request, _ = arm_gas
    future = _dcc_pre_command(request, DeviceType.GSME, ISSUED + timedelta(days=3650))
    verdict = correlate(request, future, at=ISSUED)
    assert not verdict and verdict.kind is DifferenceKind.DCC_TIME


@pytest.mark.conformance
def test_both_pre_command_forms_are_accepted() -> None:
    request = _request("ECS44_7.3_SUCCESS_REQUEST_DUIS.XML")
    short = _dcc_pre_command(request, DeviceType.ESME, ISSUED)
    with_length = _dcc_pre_command(request, DeviceType.ESME, ISSUED, length_byte=True)
    assert with_length == short + b"\x00"
    assert correlate(request, short, at=ISSUED)
    assert correlate(request, with_length, at=ISSUED)


@pytest.mark.conformance
def test_what_is_not_a_pre_command() -> None:
    request = _request("ECS44_7.3_SUCCESS_REQUEST_DUIS.XML")
    pre_command = _dcc_pre_command(request, DeviceType.ESME, ISSUED)
    verdict = correlate(request, b"\x01\x02")
    assert verdict.kind is DifferenceKind.NOT_A_PRE_COMMAND and "not a GBCS" in str(
        verdict.difference
    )
    security = GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))
    message = decode_message(pre_command)
    sealed = security.seal(GbcsMessage(message.header, message.payload, mac_header=True)).encode()
    verdict = correlate(request, sealed, at=ISSUED)
    assert verdict.kind is DifferenceKind.NOT_A_PRE_COMMAND and "MAC header" in str(
        verdict.difference
    )
    header = message.header
    response = GbcsMessage(
        type(header)(
            Cra.RESPONSE,
            header.originator_counter,
            header.recipient,
            header.originator,
            header.other_information,
        ),
        message.payload,
        mac_header=False,
    ).encode()
    verdict = correlate(request, response, at=ISSUED)
    assert verdict.kind is DifferenceKind.NOT_A_PRE_COMMAND and "response" in str(
        verdict.difference
    )


@pytest.mark.conformance
def test_a_request_that_is_not_critical_has_no_pre_command() -> None:
    request = _request("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    other = _dcc_pre_command(_request("ECS44_7.3_SUCCESS_REQUEST_DUIS.XML"), DeviceType.ESME,
                             ISSUED)  # fmt: skip
    verdict = correlate(request, other, at=ISSUED)
    assert verdict.kind is DifferenceKind.NOT_CRITICAL
    assert "not a critical Service Request" in str(verdict.difference)


@pytest.mark.conformance
def test_the_users_device_facts_restrict_what_correlates(
    arm_gas: tuple[ServiceRequest, bytes],
) -> None:
    request, pre_command = arm_gas
    gsme = DeviceFacts.of([_device("A1", DeviceType.GSME)])
    assert correlate(request, pre_command, at=ISSUED, devices=gsme)
    # The User knows A1 as an ESME: a valve command for it is not what it asked for.
    esme = DeviceFacts.of([_device("A1", DeviceType.ESME)])
    verdict = correlate(request, pre_command, at=ISSUED, devices=esme)
    assert not verdict and verdict.kind is DifferenceKind.USE_CASE
    assert "GCS39" in str(verdict.difference) and "ECS44" in str(verdict.difference)


@pytest.mark.conformance
def test_a_variant_opendcc_cannot_transform_is_never_vouched_for(
    arm_gas: tuple[ServiceRequest, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    request, pre_command = arm_gas
    monkeypatch.setattr(expected_module, "lookup", lambda variant, kind: None)
    verdict = correlate(request, pre_command, at=ISSUED)
    assert not verdict and verdict.kind is DifferenceKind.CANNOT_CHECK
    assert "cannot transform 7.3" in str(verdict.difference)


@pytest.mark.conformance
def test_a_failing_transform_refuses_rather_than_crashes(
    arm_gas: tuple[ServiceRequest, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: TransformInput) -> CommandSpec:
        raise RuntimeError("a transform bug")

    request, pre_command = arm_gas
    monkeypatch.setattr(expected_module, "lookup", lambda variant, kind: broken)
    verdict = correlate(request, pre_command, at=ISSUED)
    assert not verdict and "a transform bug" in str(verdict.difference)


@pytest.mark.conformance
def test_correlating_the_cv4_answer(arm_gas: tuple[ServiceRequest, bytes]) -> None:
    request, pre_command = arm_gas
    answer = duis_build.service_response(
        request.header,
        ResponseCode.I0,
        ISSUED + timedelta(milliseconds=120),
        duis_build.pre_command("4.1", pre_command),
        with_response_id=False,
    )
    response = parse_response(duis_build.to_bytes(answer))
    assert isinstance(response, ServiceResponse)
    verdict = correlate_response(request, response)
    assert verdict and verdict.dcc_time == ISSUED
    refused = duis_build.service_response(request.header, ResponseCode.E5, ISSUED)
    response = parse_response(duis_build.to_bytes(refused))
    assert isinstance(response, ServiceResponse)
    verdict = correlate_response(request, response)
    assert verdict.kind is DifferenceKind.NOT_A_PRE_COMMAND and "E5" in str(verdict.difference)
    other = _request("ECS44_7.3_SUCCESS_REQUEST_DUIS.XML")
    wrong = duis_build.service_response(
        other.header, ResponseCode.I0, ISSUED, duis_build.pre_command("4.1", pre_command)
    )
    response = parse_response(duis_build.to_bytes(wrong))
    assert isinstance(response, ServiceResponse)
    assert correlate_response(request, response).kind is DifferenceKind.NOT_A_PRE_COMMAND


def test_the_verdict_reads_as_a_boolean_and_as_json() -> None:
    yes = Verdict(True, use_case="ECS44")
    no = Verdict(False, "a different device", kind=DifferenceKind.DEVICE)
    assert yes and not no
    assert no.to_json()["kind"] == "device" and yes.to_json()["dcc_filled"] == []
