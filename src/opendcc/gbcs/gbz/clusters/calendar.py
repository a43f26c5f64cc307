"""Calendar cluster (0x0707, SE D.9): TOU switching tables and friendly-credit calendars.

A calendar is published as Publish Calendar, one Publish Day Profile per day, one Publish
Week Profile per week, Publish Seasons and Publish Special Days (GCS01a, GCS05), and read
back with the Get... commands (GCS21b, GCS21f). Dates are ZCL Dates (year - 1900, month,
day of month, day of week; 0xFF is a wildcard).
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import AttributeDef, ClusterDef, Meaning, attributes, commands
from opendcc.gbcs.gbz.datatypes import ZclDataType as T
from opendcc.gbcs.gbz.fields import DATE, ENUM8, OCTETS, U8, U16, U32, UTC, Command, Field, Repeat

CALENDAR_TYPES: Final = {
    0x00: "DeliveredCalendar",
    0x01: "ReceivedCalendar",
    0x02: "DeliveredAndReceivedCalendar",
    0x03: "FriendlyCreditCalendar",
    0x04: "AuxiliaryLoadSwitchCalendar",
}

_IDS: Final = (
    Field("provider_id", U32),
    Field("issuer_event_id", U32),
    Field("issuer_calendar_id", U32),
)

SERVER_COMMANDS: Final = commands(
    Command(
        0x00,
        "PublishCalendar",
        (
            *_IDS,
            Field("start_time", UTC),
            Field("calendar_type", ENUM8),
            Field("calendar_time_reference", ENUM8),
            Field("calendar_name", OCTETS),
            Field("number_of_seasons", U8),
            Field("number_of_week_profiles", U8),
            Field("number_of_day_profiles", U8),
        ),
        True,
    ),
    Command(
        0x01,
        "PublishDayProfile",
        (
            *_IDS,
            Field("day_id", U8),
            Field("total_number_of_schedule_entries", U8),
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Field("calendar_type", ENUM8),
            Repeat("schedule_entries", (Field("start_time", U16), Field("action", U8))),
        ),
        True,
    ),
    Command(
        0x02,
        "PublishWeekProfile",
        (
            *_IDS,
            Field("week_id", U8),
            Field("day_id_ref_monday", U8),
            Field("day_id_ref_tuesday", U8),
            Field("day_id_ref_wednesday", U8),
            Field("day_id_ref_thursday", U8),
            Field("day_id_ref_friday", U8),
            Field("day_id_ref_saturday", U8),
            Field("day_id_ref_sunday", U8),
        ),
        True,
    ),
    Command(
        0x03,
        "PublishSeasons",
        (
            *_IDS,
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Repeat("seasons", (Field("season_start_date", DATE), Field("week_id_ref", U8))),
        ),
        True,
    ),
    Command(
        0x04,
        "PublishSpecialDays",
        (
            *_IDS,
            Field("start_time", UTC),
            Field("calendar_type", ENUM8),
            Field("total_number_of_special_days", U8),
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Repeat("special_days", (Field("special_day_date", DATE), Field("day_id_ref", U8))),
        ),
        True,
    ),
    Command(
        0x05,
        "CancelCalendar",
        (
            Field("provider_id", U32),
            Field("issuer_calendar_id", U32),
            Field("calendar_type", ENUM8),
        ),
        True,
    ),
)

CLIENT_COMMANDS: Final = commands(
    Command(
        0x00,
        "GetCalendar",
        (
            Field("earliest_start_time", UTC),
            Field("min_issuer_event_id", U32),
            Field("number_of_calendars", U8),
            Field("calendar_type", ENUM8),
            Field("provider_id", U32),
        ),
        False,
    ),
    Command(
        0x01,
        "GetDayProfiles",
        (
            Field("provider_id", U32),
            Field("issuer_calendar_id", U32),
            Field("start_day_id", U8),
            Field("number_of_days", U8),
        ),
        False,
    ),
    Command(
        0x02,
        "GetWeekProfiles",
        (
            Field("provider_id", U32),
            Field("issuer_calendar_id", U32),
            Field("start_week_id", U8),
            Field("number_of_weeks", U8),
        ),
        False,
    ),
    Command(
        0x03, "GetSeasons", (Field("provider_id", U32), Field("issuer_calendar_id", U32)), False
    ),
    Command(
        0x04,
        "GetSpecialDays",
        (
            Field("start_time", UTC),
            Field("number_of_events", U8),
            Field("calendar_type", ENUM8),
            Field("provider_id", U32),
            Field("issuer_calendar_id", U32),
        ),
        False,
    ),
    Command(0x05, "GetCalendarCancellation", (), False),
)

CLUSTER: Final = ClusterDef(
    0x0707,
    "Calendar",
    attributes(
        AttributeDef(n - 1, f"AuxSwitch{n}Label", T.OCTET_STRING, Meaning.TEXT) for n in range(1, 9)
    ),
    CLIENT_COMMANDS,
    SERVER_COMMANDS,
)
