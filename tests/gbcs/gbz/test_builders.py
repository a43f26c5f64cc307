"""Commands and device Responses built from typed values reproduce the reference bytes."""

from __future__ import annotations

import pytest

from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.gbz import EncryptedGbzComponent, GbzPayload, ZclStatus, decode, encode
from opendcc.gbcs.gbz import builders as b
from opendcc.gbcs.gbz.timefmt import zcl_date
from tests.gbcs.gbz.vectors import Vector, payload_key, read_vector, reference_encryptor
from tests.reference import require_reference

EVENT = 0x1C374A80  # 2015-01-01T00:00:00Z, the issuer event id the RTDS uses throughout


def vector(folder: str, name: str) -> Vector:
    return read_vector(require_reference("gbcs", "rtds", folder, f"{name}_GBCS.HEX"))


def gcs13a_command() -> GbzPayload:
    frame = b.read_attributes(
        "Metering", "Divisor", "Multiplier", "UnitOfMeasure", "CurrentSummationDelivered"
    )
    return b.command_payload(b.component("Metering", frame), use_case="GCS13a")


@pytest.mark.conformance
def test_read_command_matches_gcs13a() -> None:
    v = vector("4.1.1_GCS13a", "GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_COMMAND")
    assert encode(gcs13a_command()) == v.content


@pytest.mark.conformance
def test_device_response_reproduces_the_encrypted_gcs13a_response() -> None:
    """A simulated GPF answering from its register state, sealed with the payload key,
    gives the reference Response byte for byte."""
    v = vector("4.1.1_GCS13a", "GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_RESPONSE")
    key = payload_key(v)
    assert key is not None
    state = {
        "Divisor": 1000,
        "Multiplier": 1,
        "UnitOfMeasure": 1,
        "CurrentSummationDelivered": 12345,
    }
    response = b.respond(
        gcs13a_command(),
        lambda cluster_id, frame: b.answer_read(
            cluster_id, frame, state, disable_default_response=True
        ),
        encrypt=reference_encryptor(key, v.originator),
        encrypt_clusters=["Metering"],
    )
    assert encode(response) == v.content
    assert isinstance(response.components[0], EncryptedGbzComponent)
    assert response.values()["data"]["ConsumptionRegister"]["Value"] == "12.345"


@pytest.mark.conformance
def test_valve_command_matches_gcs32() -> None:
    v = vector("7.2_GCS32", "GCS32_7.2_SUCCESS_COMMAND")
    frame = b.cluster_command(
        "Metering",
        "ChangeSupply",
        provider_id=0,
        issuer_event_id=EVENT,
        request_date_time=0,
        implementation_date_time=0,
        proposed_supply_status=0,
        supply_control_bits=1,
    )
    assert encode(b.command_payload(b.component("Metering", frame))) == v.content
    answer = b.cluster_command(
        "Metering",
        "SupplyStatusResponse",
        provider_id=0,
        issuer_event_id=EVENT,
        implementation_date_time=0,
        supply_status=0,
    )
    reply = b.response_payload(b.component("Metering", answer))
    assert encode(reply) == vector("7.2_GCS32", "GCS32_7.2_SUCCESS_RESPONSE").content


def _tou_tariff() -> GbzPayload:
    ids = {"provider_id": 0, "issuer_event_id": EVENT, "issuer_calendar_id": EVENT}
    frames = [
        (
            "Calendar",
            b.cluster_command(
                "Calendar",
                "PublishCalendar",
                **ids,
                start_time=0,
                calendar_type=0,
                calendar_time_reference=0,
                calendar_name=b"",
                number_of_seasons=2,
                number_of_week_profiles=2,
                number_of_day_profiles=4,
            ),
        ),
    ]
    for day in range(1, 5):
        frames.append(
            (
                "Calendar",
                b.cluster_command(
                    "Calendar",
                    "PublishDayProfile",
                    **ids,
                    day_id=day,
                    total_number_of_schedule_entries=1,
                    command_index=0,
                    total_number_of_commands=1,
                    calendar_type=0,
                    schedule_entries=[{"start_time": 0, "action": day}],
                ),
            )
        )
    for week, (weekday, weekend) in enumerate(((1, 2), (3, 4)), start=1):
        days = dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), weekday)
        days |= {"saturday": weekend, "sunday": weekend}
        frames.append(
            (
                "Calendar",
                b.cluster_command(
                    "Calendar",
                    "PublishWeekProfile",
                    **ids,
                    week_id=week,
                    **{f"day_id_ref_{k}": d for k, d in days.items()},
                ),
            )
        )
    frames.append(
        (
            "Calendar",
            b.cluster_command(
                "Calendar",
                "PublishSeasons",
                **ids,
                command_index=0,
                total_number_of_commands=1,
                seasons=[
                    {"season_start_date": zcl_date(None, 3, 20), "week_id_ref": 1},
                    {"season_start_date": zcl_date(None, 6, 21), "week_id_ref": 2},
                ],
            ),
        )
    )
    special = [
        (2015, 1, 1),
        (2015, 1, 2),
        (2015, 3, 1),
        (2015, 3, 17),
        (2015, 4, 3),
        (2015, 4, 6),
        (2015, 4, 23),
        (2015, 5, 4),
        (2015, 5, 9),
        (2015, 5, 25),
    ]
    frames.append(
        (
            "Calendar",
            b.cluster_command(
                "Calendar",
                "PublishSpecialDays",
                **ids,
                start_time=0,
                calendar_type=0,
                total_number_of_special_days=10,
                command_index=0,
                total_number_of_commands=1,
                special_days=[
                    {"special_day_date": zcl_date(y, m, d), "day_id_ref": 2} for y, m, d in special
                ],
            ),
        )
    )
    frames.append(
        (
            "Price",
            b.cluster_command(
                "Price",
                "PublishTariffInformation",
                provider_id=0,
                issuer_event_id=EVENT,
                issuer_tariff_id=1,
                start_time=0,
                tariff_type_charging_scheme=0,
                tariff_label=b"",
                number_of_price_tiers_in_use=4,
                number_of_block_thresholds_in_use=0,
                unit_of_measure=0,
                currency=826,
                price_trailing_digit=0x50,
                standing_charge=22465,
                tier_block_mode=0xFF,
                block_threshold_multiplier=1,
                block_threshold_divisor=1000,
            ),
        )
    )
    frames.append(
        (
            "Price",
            b.cluster_command(
                "Price",
                "PublishPriceMatrix",
                provider_id=0,
                issuer_event_id=EVENT,
                start_time=0,
                issuer_tariff_id=1,
                command_index=0,
                total_number_of_commands=1,
                sub_payload_control=1,
                prices=[
                    {"tier_block_id": t, "price": p}
                    for t, p in ((1, 9600), (2, 10200), (3, 10750), (4, 11000))
                ],
            ),
        )
    )
    components = []
    for tsn, (cluster, frame) in enumerate(frames):
        header = frame.header
        renumbered = type(frame)(
            type(header)(header.frame_control, tsn, header.command_id), frame.payload
        )
        components.append(b.component(cluster, renumbered))
    return b.command_payload(*components, use_case="GCS01a")


@pytest.mark.conformance
def test_tou_tariff_command_matches_gcs01a() -> None:
    v = vector("1.1.1_GCS01a", "GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_COMMAND")
    assert encode(_tou_tariff()) == v.content


@pytest.mark.conformance
def test_default_responses_match_gcs01a_response() -> None:
    command = _tou_tariff()
    response = b.respond(command, b.default_response)
    v = vector("1.1.1_GCS01a", "GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_RESPONSE")
    assert encode(response) == v.content


@pytest.mark.conformance
def test_from_date_time_component_matches_gcs05() -> None:
    v = vector("2.1_GCS05", "GCS05_2.1_IMMEDIATE_SUCCESS_COMMAND")
    decoded = decode(v.content, v.context())
    frame = b.cluster_command(
        "Prepayment", "SetLowCreditWarningLevel", tsn=2, low_credit_warning_level=5000000
    )
    built = b.component("Prepayment", frame, from_date_time=0)
    assert decoded.components[2] == built


@pytest.mark.conformance
def test_alert_matches_gca() -> None:
    v = vector("NA_GCA-ZigBee", "GCA-ZigBee_NA_8F30_ALERT")
    assert encode(b.alert_payload(0x8F30, EVENT)) == v.content


def test_counts_are_filled_from_their_groups() -> None:
    frame = b.cluster_command(
        "Metering",
        "GetSampledDataResponse",
        sample_id=1,
        sample_start_time=EVENT,
        sample_type=0,
        sample_request_interval=1800,
        samples=[{"value": 5}, {"value": 7}],
    )
    payload = frame.payload
    assert payload.fields["number_of_samples"] == 2  # type: ignore[union-attr]


def test_answer_read_reports_unsupported_attributes() -> None:
    request = b.read_attributes("Metering", "CurrentSummationDelivered", "SiteID")
    answer = b.answer_read("Metering", request, {"CurrentSummationDelivered": 9})
    records = answer.payload.records  # type: ignore[union-attr]
    assert records[0].value.value == 9
    assert records[1].status == ZclStatus.UNSUPPORTED_ATTRIBUTE and records[1].value is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: b.read_attributes("Metering", "NoSuchAttribute"),
        lambda: b.read_attributes("NoSuchCluster", 0),
        lambda: b.cluster_command("Metering", "NoSuchCommand"),
        lambda: b.cluster_command("Metering", "StartSamplingResponse"),
        lambda: b.cluster_command("Metering", "StartSamplingResponse", sample_id=1, extra=2),
        lambda: b.cluster_command("Metering", "StartSamplingResponse", sample_id=1 << 16),
        lambda: b.cluster_command(
            "Messaging",
            "DisplayMessage",
            message_id=1,
            message_control=0,
            start_time=0,
            duration_in_minutes=1,
            message="x" * 300,
        ),
        lambda: b.read_attributes_response("Metering", {"CurrentSummationDelivered": "text"}),
        lambda: b.read_attributes_response("Metering", {"CurrentSummationDelivered": 1 << 48}),
        lambda: b.respond(gcs13a_command(), lambda c, f: f, encrypt_clusters=["Metering"]),
    ],
)
def test_builders_refuse_what_the_tables_refuse(build: object) -> None:
    with pytest.raises(GbcsEncodeError):
        build()  # type: ignore[operator]
