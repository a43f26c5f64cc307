"""Events cluster (0x0709, SE D.11): the device event and security logs (CS10a/b, CS11)."""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import ClusterDef, commands
from opendcc.gbcs.gbz.fields import BITMAP8, ENUM8, OCTETS, U8, U16, UTC, Command, Field, Repeat

LOG_IDS: Final = {
    0x00: "AllLogs",
    0x01: "TamperLog",
    0x02: "FaultLog",
    0x03: "GeneralEventLog",
    0x04: "SecurityEventLog",
    0x05: "NetworkEventLog",
    0x06: "GBCSGeneralEventLog",
    0x07: "GBCSSecurityEventLog",
}

CLUSTER: Final = ClusterDef(
    0x0709,
    "Events",
    server_commands=commands(
        Command(
            0x00,
            "PublishEvent",
            (
                Field("log_id", ENUM8),
                Field("event_id", U16),
                Field("event_time", UTC),
                Field("event_control", BITMAP8),
                Field("event_data", OCTETS),
            ),
            True,
        ),
        Command(
            0x01,
            "PublishEventLog",
            (
                Field("total_number_of_events", U16),
                Field("command_index", U8),
                Field("total_commands", U8),
                Field("log_payload_control", BITMAP8),
                Repeat(
                    "events",
                    (
                        Field("log_id", ENUM8),
                        Field("event_id", U16),
                        Field("event_time", UTC),
                        Field("event_data", OCTETS),
                    ),
                ),
            ),
            True,
        ),
        Command(0x02, "ClearEventLogResponse", (Field("cleared_event_logs", BITMAP8),), True),
    ),
    client_commands=commands(
        Command(
            0x00,
            "GetEventLog",
            (
                Field("event_control_log_id", BITMAP8),
                Field("event_id", U16),
                Field("start_time", UTC),
                Field("end_time", UTC),
                Field("number_of_events", U8),
                Field("event_offset", U16),
            ),
            False,
        ),
        Command(0x01, "ClearEventLogRequest", (Field("log_id", ENUM8),), False),
    ),
)
