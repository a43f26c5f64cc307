"""Bad input never crashes the reads: transforms refuse with a DUIS code, Devices answer
with an error result. Hypothesis settings stay modest for the default run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.devices.simulator import Outcome
from opendcc.gbcs import build
from opendcc.gbcs.codec import decode
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import Integer, LongUnsigned, OctetString, Structure
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.roles import UserRole
from opendcc.transform.reads_common import message_code
from opendcc.transform.registry import CommandSpec, TransformRefusal, transform
from tests.catalogue.reads.harness import (
    DEVICES,
    ESME_ID,
    GSME_ID,
    READS_VARIANTS,
    SUPPLIER,
    Estate,
    load_template,
    make_body,
    reads_templates,
    request_for,
    security,
)
from tests.catalogue.reads.vectors import BODY_ELEMENTS

pytestmark = pytest.mark.conformance

NOW = datetime(2026, 3, 15, 10, 17, tzinfo=UTC)
_xml = st.characters(blacklist_categories=("Cs", "Cc"))
_text = st.one_of(
    st.text(_xml, max_size=40),
    st.sampled_from(["2026-03-01T00:00:00Z", "3000-12-31T00:00:00Z", "1900-01-01", "-1", "Z"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    variant=st.sampled_from(READS_VARIANTS),
    target=st.sampled_from(sorted(DEVICES, key=str)),
    start=_text,
    end=_text,
    log=st.one_of(st.text(_xml, max_size=12), st.sampled_from(["Event", "ALCSEvent", "GSMEEvent"])),
    certificate=st.one_of(st.none(), st.text(_xml, max_size=30), st.just("MAEC")),
    role=st.sampled_from(list(UserRole)),
)
def test_transforms_refuse_bad_bodies_and_never_raise(
    variant: str,
    target: object,
    start: str,
    end: str,
    log: str,
    certificate: str | None,
    role: UserRole,
) -> None:
    template = load_template(reads_templates()[0])
    children = {"ReadLogPeriod/StartDateTime": start, "ReadLogPeriod/EndDateTime": end}
    children["LogToRead"] = log
    if certificate is not None:
        children["KAPublicSecurityCredentials"] = certificate
    body = make_body(BODY_ELEMENTS[variant], children)
    device = DEVICES[target]  # type: ignore[index]
    request = replace(
        request_for(template, body=body, target=device.device_id, role=role), variant=variant
    )
    result = transform(request)
    assert isinstance(result, CommandSpec | TransformRefusal)
    if isinstance(result, TransformRefusal):
        assert result.code.startswith("E")


def _send(estate: Estate, use_case: str, target: object, payload: bytes) -> dict[str, object]:
    estate.counter += 1
    command = build.command(
        payload,
        originator=SUPPLIER,
        recipient=target,  # type: ignore[arg-type]
        counter=estate.counter,
        message_code=message_code(use_case),
        security=security(),
    )
    result = estate.simulator.process(command.encode(), estate.states[target], NOW)  # type: ignore[index]
    assert result.outcome is Outcome.RESPONDED, result.reason
    assert result.response is not None
    payload_json = decode(result.response, security()).to_json()["payload"]
    assert isinstance(payload_json, dict)
    return payload_json


def test_an_esme_answers_malformed_protected_reads_and_unknown_objects_with_errors() -> None:
    estate = Estate()
    weird = [
        b.action(30, "0-0:43.2.8.255", 1, Integer(5)),  # parameters not a structure
        b.action(30, "0-0:43.2.8.255", 1, b.structure(b.array(()), b.array(()))),
        b.action(
            30,
            "0-0:43.2.8.255",
            1,
            b.structure(
                b.array([b.structure(LongUnsigned(1), OctetString(b"\x01"), Integer(2))]),
                b.array(()),
            ),
        ),
        b.action(
            30,
            "0-0:43.2.9.255",
            1,
            b.structure(
                b.array(
                    [
                        b.structure(
                            LongUnsigned(7),
                            b.obis("0-0:99.1.0.255"),
                            Integer(2),
                            LongUnsigned(0),
                            b.structure(OctetString(b"x"), Structure(())),
                        )
                    ]
                ),
                b.array(()),
            ),
        ),
        b.get(3, "1-0:99.99.99.255", 2),  # an object the ESME does not have
        b.get(7, "0-0:99.98.0.255", 2),  # a log without a range: the whole log
        b.action(70, "0-0:96.3.10.255", 1),  # not a read
    ]
    apdu = b.access_request(1, weird)
    payload = _send(estate, "ECS17b", ESME_ID, encode_dlms(b.payload(apdu)))
    responses = payload["apdu"]["responses"]  # type: ignore[index]
    assert [r["result"] for r in responses][:2] == ["type-unmatched", "success"]
    assert responses[4]["result"] == "object-undefined"
    assert responses[5]["result"] == "success"


def test_an_esme_refuses_a_cin_that_is_not_four_digits() -> None:
    estate = Estate()
    for value, result in ((b"12a4", "other-reason"), (b"4321", "success")):
        apdu = b.access_request(2, [b.set_(1, "0-3:96.13.1.255", 2, OctetString(value))])
        payload = _send(estate, "ECS50", ESME_ID, encode_dlms(b.payload(apdu)))
        assert payload["apdu"]["responses"][0]["result"] == result  # type: ignore[index]


def test_a_gsme_answers_odd_gbz_requests_with_default_responses() -> None:
    estate = Estate()
    odd = {
        "GCS17": z.cluster_command(
            "Metering",
            "GetSampledData",
            sample_id=9,
            earliest_sample_time=0xFFFF_FFFF,
            sample_type=0,
            number_of_samples=0xFFFF,
        ),
        "GCS16a": z.cluster_command(
            "Metering",
            "GetSnapshot",
            earliest_start_time=0xFFFF_FFFF,
            latest_end_time=0,
            snapshot_offset=255,
            snapshot_cause=0xFFFF_FFFF,
        ),
        "CS10a": z.cluster_command(
            "Events",
            "GetEventLog",
            event_control_log_id=0xFF,
            event_id=0,
            start_time=0,
            end_time=0xFFFF_FFFF,
            number_of_events=255,
            event_offset=0xFFFF,
        ),
        "GCS36": z.cluster_command(
            "DeviceManagement",
            "UpdateCIN",
            issuer_event_id=0,
            implementation_time=0,
            provider_id=0,
            customer_id_number=b"\xff" * 30,
        ),
        "GCS31": z.cluster_command(
            "Metering",
            "StartSampling",
            issuer_event_id=0,
            start_sampling_time=0,
            sample_type=0,
            sample_request_interval=0,
            max_number_of_samples=0,
        ),
    }
    cluster = {"CS10a": "Events", "GCS36": "DeviceManagement"}
    for use_case, frame in odd.items():
        payload = z.command_payload(z.component(cluster.get(use_case, "Metering"), frame))
        answer = _send(estate, use_case, GSME_ID, encode_gbz(payload))
        values = answer["values"]
        assert isinstance(values, dict)
        assert values["outcome"]["success"] is False, use_case


def test_a_payload_of_the_wrong_family_gets_an_empty_answer() -> None:
    estate = Estate()
    gbz = z.command_payload(z.component("Metering", z.read_attributes("Metering", "Divisor")))
    dlms = b.access_request(3, [b.get(3, "1-0:1.8.0.255", 2)])
    for use_case, target, payload in (
        ("ECS17b", ESME_ID, encode_gbz(gbz)),
        ("GCS13a", GSME_ID, encode_dlms(b.payload(dlms))),
    ):
        answer = _send(estate, use_case, target, payload)
        assert answer["format"] in ("dlms", "gbz", "raw")
