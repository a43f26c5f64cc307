"""Messaging cluster (0x0703, SE D.5): messages shown on the meter or IHD (GCS07)."""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import ClusterDef, commands
from opendcc.gbcs.gbz.fields import BITMAP8, CHARS, OCTETS, U16, U32, UTC, Command, Field

_DISPLAY: Final = (
    Field("message_id", U32),
    Field("message_control", BITMAP8),
    Field("start_time", UTC),
    Field("duration_in_minutes", U16),
    Field("message", CHARS),
    Field("extended_message_control", BITMAP8, optional=True),
)

CLUSTER: Final = ClusterDef(
    0x0703,
    "Messaging",
    server_commands=commands(
        Command(0x00, "DisplayMessage", _DISPLAY, True),
        Command(
            0x01,
            "CancelMessage",
            (Field("message_id", U32), Field("message_control", BITMAP8)),
            True,
        ),
        Command(0x02, "DisplayProtectedMessage", _DISPLAY, True),
        Command(0x03, "CancelAllMessages", (Field("implementation_date_time", UTC),), True),
    ),
    client_commands=commands(
        Command(0x00, "GetLastMessage", (), False),
        Command(
            0x01,
            "MessageConfirmation",
            (
                Field("message_id", U32),
                Field("confirmation_time", UTC),
                Field("message_confirmation_control", BITMAP8, optional=True),
                Field("message_response", OCTETS, optional=True),
            ),
            False,
        ),
        Command(
            0x02, "GetMessageCancellation", (Field("earliest_implementation_time", UTC),), False
        ),
    ),
)
