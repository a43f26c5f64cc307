"""The rules the reads transforms follow beyond the reference data: who originates a
Command, which use case a request becomes, how periods and values map, how bad values are
refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opendcc.devices.simulator import handled_use_cases
from opendcc.gbcs.context import Cra, PayloadContext
from opendcc.gbcs.gbz import decode as decode_gbz
from opendcc.gbcs.gbz.payload import GbzPayload
from opendcc.gbcs.gbz.zcl import ClusterCommand
from opendcc.roles import UserRole
from opendcc.transform.applicability import DEVICE_TYPES
from opendcc.transform.reads_events import customer_identification_number, send_cin
from opendcc.transform.registry import CommandSpec, TransformRefusal, lookup
from tests.catalogue.reads.harness import (
    ACB,
    CHF_ID,
    ESME_ID,
    GSME_ID,
    NETWORK_OPERATOR,
    READS_VARIANTS,
    SR,
    SUPPLIER,
    EsmeVariants,
    Template,
    body_with_period,
    certificate_text,
    load_template,
    make_body,
    reads_templates,
    refused,
    request_for,
    transformed,
)

pytestmark = pytest.mark.conformance

NOW = datetime(2026, 3, 15, 10, 17, tzinfo=UTC)


def _template(prefix: str) -> Template:
    for path in reads_templates():
        if path.name.startswith(prefix):
            return load_template(path)
    raise LookupError(prefix)


def _fields(spec: CommandSpec) -> dict[str, object]:
    context = PayloadContext(
        Cra.COMMAND, spec.message_code, spec.use_case, SUPPLIER, spec.recipient, 1
    )
    payload = decode_gbz(spec.payload, context)
    assert isinstance(payload, GbzPayload)
    frame = payload.components[0].frame
    assert frame is not None and isinstance(frame.payload, ClusterCommand)
    return dict(frame.payload.fields.items())


def test_every_variant_has_a_transform_on_every_device_type_it_applies_to() -> None:
    for variant in READS_VARIANTS:
        for device_type in DEVICE_TYPES[variant]:
            assert lookup(variant, device_type) is not None, (variant, device_type)


def test_every_use_case_the_transforms_produce_has_a_device_handler() -> None:
    produced = {
        "ECS17a", "ECS17b", "ECS17c", "ECS17d", "ECS17e", "ECS18a", "ECS18b", "ECS20a",
        "ECS20b", "ECS20c", "ECS20d", "ECS21a", "ECS21c", "ECS22a", "ECS22b", "ECS22c",
        "ECS23", "ECS23b", "ECS27", "ECS35a", "ECS35b", "ECS35c", "ECS35d", "ECS35e",
        "ECS35f", "ECS35g", "ECS50", "ECS66", "GCS13a", "GCS13b", "GCS13c", "GCS15b",
        "GCS15c", "GCS15d", "GCS15e", "GCS16a", "GCS17", "GCS18", "GCS31", "GCS36",
        "GCS61", "CS10a", "CS10b",
    }  # fmt: skip
    assert produced <= handled_use_cases()


def test_known_remote_parties_send_directly_and_unknown_ones_through_the_acb() -> None:
    daily = _template("ECS21a_4.6.1_SINGLE")
    direct = transformed(request_for(daily))
    assert direct.supplementary_remote_party is None
    export = _template("ECS21c_4.6.2")  # Export Supplier: unknown to the ESME
    relayed = transformed(request_for(export, dcc_counter=777))
    assert relayed.supplementary_remote_party == SUPPLIER
    assert relayed.supplementary_remote_party_counter == export.counter
    # Without the ACB's own counter the payload carries the User's.
    fallback = transformed(request_for(export))
    assert fallback.payload != relayed.payload


def test_an_other_user_read_carries_its_ka_certificate_to_the_device() -> None:
    template = _template("GCS61_4.17")
    spec = transformed(request_for(template, dcc_counter=1301))
    assert spec.supplementary_remote_party == SUPPLIER
    certificate = spec.supplementary_remote_party_ka_certificate
    assert certificate is not None and certificate[0] == 0x30


def test_chf_and_network_data_commands_always_go_through_the_acb() -> None:
    chf = transformed(request_for(_template("ECS35c_6.13")))
    assert chf.recipient == CHF_ID and chf.supplementary_remote_party == SUPPLIER
    network = transformed(request_for(_template("GCS31_14.1")))
    assert network.supplementary_remote_party == NETWORK_OPERATOR
    assert ACB not in (chf.recipient, network.recipient)


def test_the_esme_variant_chooses_ecs23_or_ecs23b() -> None:
    template = _template("ECS23_4.10")
    assert transformed(request_for(template)).use_case == "ECS23"
    polyphase = EsmeVariants({ESME_ID: "CD"})
    assert transformed(request_for(template, inventory=polyphase)).use_case == "ECS23b"


def test_log_to_read_and_role_choose_the_log_use_case() -> None:
    template = _template("ECS35f_6.13")
    assert transformed(request_for(template)).use_case == "ECS35f"
    network = request_for(template, originator=NETWORK_OPERATOR)
    assert network.role is UserRole.ELECTRICITY_DISTRIBUTOR
    assert transformed(network).use_case == "ECS35g"
    for log, target, use_case in (
        ("PowerEvent", ESME_ID, "ECS35e"),
        ("GSMEEvent", GSME_ID, "CS10a"),
        ("GSMESecurity", GSME_ID, "CS10b"),
    ):
        body = make_body("ReadEventOrSecurityLog", {
            "ReadLogPeriod/StartDateTime": "2026-03-01T00:00:00Z",
            "ReadLogPeriod/EndDateTime": "2026-03-02T00:00:00Z",
            "LogToRead": log,
        })  # fmt: skip
        assert transformed(request_for(template, body=body, target=target)).use_case == use_case


def test_a_log_the_device_does_not_hold_is_refused_with_the_613_code() -> None:
    template = _template("ECS35a_6.13")
    body = make_body("ReadEventOrSecurityLog", {
        "ReadLogPeriod/StartDateTime": "2026-03-01T00:00:00Z",
        "ReadLogPeriod/EndDateTime": "2026-03-02T00:00:00Z",
        "LogToRead": "PowerEvent",
    })  # fmt: skip
    refusal = refused(request_for(template, body=body, target=GSME_ID))
    assert refusal.code == "E061301" and "PowerEvent" in refusal.reason


def test_periods_map_to_sample_counts_and_clamp_to_what_zigbee_carries() -> None:
    profile = _template("GCS17_4.8.1")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    day = body_with_period(profile, start, start + timedelta(days=1))
    assert _fields(transformed(request_for(profile, body=day)))["number_of_samples"] == 49
    daily = _template("GCS61_4.17")
    years = body_with_period(daily, start, start + timedelta(days=5000))
    assert _fields(transformed(request_for(daily, body=years)))["number_of_samples"] == 731
    credits = _template("GCS15e_4.4.5")  # the template asks up to 3000-12-31
    assert _fields(transformed(request_for(credits)))["latest_end_time"] == 0xFFFF_FFFE


@pytest.mark.parametrize(
    ("prefix", "code"),
    [("ECS22b_4.8.1_SINGLE", "E100"), ("GCS61_4.17", "E041701"), ("ECS35a_6.13", "E061301")],
)
def test_unusable_body_values_are_refused_with_a_duis_code(prefix: str, code: str) -> None:
    template = _template(prefix)
    body = body_with_period(template, NOW, NOW)
    start = body.find(f"{SR}ReadLogPeriod/{SR}StartDateTime")
    assert start is not None
    # GBCS carries times from 2000 on as seconds (COSEM date-times go further back).
    early = () if prefix.startswith("ECS22b") else ("1999-12-31T00:00:00Z",)
    for bad in ("yesterday", "", *early):
        start.text = bad
        refusal = refused(request_for(template, body=body))
        assert refusal.code == code
    missing = make_body(template.body.tag.split("}")[1])
    assert refused(request_for(template, body=missing)).code == code


def test_a_certificate_that_is_not_der_is_refused() -> None:
    template = _template("GCS61_4.17")
    body = body_with_period(template, NOW - timedelta(days=2), NOW)
    node = body.find(f"{SR}KAPublicSecurityCredentials")
    assert node is not None
    node.text = "not base64!"
    assert refused(request_for(template, body=body)).code == "E041701"
    node.text = certificate_text(b"\x04\x01\x02")
    assert refused(request_for(template, body=body)).code == "E041701"


def test_the_cin_is_four_digits_deterministic_and_per_request() -> None:
    template = _template("ECS50_9.1")
    first = request_for(template, counter=5)
    again = request_for(template, counter=5)
    other = request_for(template, counter=6)
    cin = customer_identification_number(first)
    assert len(cin) == 4 and cin.isdigit()
    assert cin == customer_identification_number(again)
    assert {
        customer_identification_number(request_for(template, counter=n)) for n in range(40)
    } != {cin}
    assert isinstance(send_cin(other, "12a4"), TransformRefusal)
    assert isinstance(send_cin(other, "12345"), TransformRefusal)


def test_a_dcc_scheduled_body_reads_the_days_before_its_execution() -> None:
    template = _template("ECS21a_4.6.1_SINGLE")
    scheduled = make_body("DSPRetrieveImportDailyReadLog", {
        "StartDateOffset": "-3", "StartTime": "00:00:00", "EndDateOffset": "0",
        "EndTime": "00:00:00",
    })  # fmt: skip
    explicit = body_with_period(
        template, datetime(2026, 3, 12, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)
    )
    at = datetime(2026, 3, 15, 1, 30, tzinfo=UTC)
    assert (
        transformed(request_for(template, body=scheduled, now=at)).payload
        == transformed(request_for(template, body=explicit, now=at)).payload
    )
    scheduled.find(f"{SR}StartDateOffset").text = "-401"  # type: ignore[union-attr]
    assert refused(request_for(template, body=scheduled, now=at)).code == "E100"
