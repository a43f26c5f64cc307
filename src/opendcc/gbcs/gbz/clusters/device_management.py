"""Device Management cluster (0x0708, SE D.10): tenancy, supplier, site, CIN, event behaviour.

GBCS uses it for change of tenancy (GCS09), supplier contact details (GCS44), privacy PIN
(GCS11), MPRN (GCS41), CIN (GCS36) and alert/event behaviour (GCS20, GCS20r).
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import AttributeDef, ClusterDef, Meaning, attributes, commands
from opendcc.gbcs.gbz.datatypes import ZclDataType as T
from opendcc.gbcs.gbz.fields import (
    BITMAP8,
    BITMAP32,
    ENUM8,
    OCTETS,
    U8,
    U16,
    U32,
    UTC,
    Command,
    Field,
    Repeat,
    Switch,
)

PASSWORD_TYPES: Final = {0x01: "ServicePassword", 0x02: "ConsumerPassword"}
EVENT_CONFIGURATION_CONTROLS: Final = {
    0x00: "ApplyByList",
    0x01: "ApplyByEventGroup",
    0x02: "ApplyByLogType",
    0x03: "ApplyByConfigurationMatch",
}

ATTRIBUTES: Final = attributes(
    AttributeDef(0x0100, "ProviderID", T.UINT32),
    AttributeDef(0x0101, "ProviderName", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x0102, "ProviderContactDetails", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x0110, "ProposedProviderID", T.UINT32),
    AttributeDef(0x0111, "ProposedProviderName", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x0112, "ProposedProviderChangeDateTime", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0113, "ProposedProviderChangeControl", T.BITMAP32, Meaning.FLAGS),
    AttributeDef(0x0114, "ProposedProviderContactDetails", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x0200, "ChangeOfTenancyUpdateDateTime", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0201, "ProposedTenancyChangeControl", T.BITMAP32, Meaning.FLAGS),
)

SERVER_COMMANDS: Final = commands(
    Command(
        0x00,
        "PublishChangeOfTenancy",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("tariff_type", BITMAP8),
            Field("implementation_date_time", UTC),
            Field("proposed_tenancy_change_control", BITMAP32),
        ),
        True,
    ),
    Command(
        0x01,
        "PublishChangeOfSupplier",
        (
            Field("current_provider_id", U32),
            Field("issuer_event_id", U32),
            Field("tariff_type", BITMAP8),
            Field("proposed_provider_id", U32),
            Field("provider_change_implementation_time", UTC),
            Field("provider_change_control", BITMAP32),
            Field("proposed_provider_name", OCTETS),
            Field("proposed_provider_contact_details", OCTETS),
        ),
        True,
    ),
    Command(
        0x02,
        "RequestNewPasswordResponse",
        (
            Field("issuer_event_id", U32),
            Field("implementation_date_time", UTC),
            Field("duration_in_minutes", U16),
            Field("password_type", ENUM8),
            Field("password", OCTETS),
        ),
        True,
    ),
    Command(
        0x03,
        "UpdateSiteID",
        (
            Field("issuer_event_id", U32),
            Field("site_id_time", UTC),
            Field("provider_id", U32),
            Field("site_id", OCTETS),
        ),
        True,
    ),
    Command(
        0x04,
        "SetEventConfiguration",
        (
            Field("issuer_event_id", U32),
            Field("start_date_time", UTC),
            Field("event_configuration", BITMAP8),
            Field("configuration_control", ENUM8),
            Switch(
                "configuration_control",
                {
                    0x00: (
                        Field("number_of_events", U8, counts="event_ids"),
                        Repeat("event_ids", (Field("event_id", U16),), "number_of_events"),
                    ),
                    0x01: (Field("event_group_id", U16),),
                    0x02: (Field("log_id", ENUM8),),
                    0x03: (Field("configuration_value_match", BITMAP8),),
                },
                "event_configuration_payload",
            ),
        ),
        True,
    ),
    Command(0x05, "GetEventConfiguration", (Field("event_id", U16),), True),
    Command(
        0x06,
        "UpdateCIN",
        (
            Field("issuer_event_id", U32),
            Field("implementation_time", UTC),
            Field("provider_id", U32),
            Field("customer_id_number", OCTETS),
        ),
        True,
    ),
)

CLIENT_COMMANDS: Final = commands(
    Command(0x00, "GetChangeOfTenancy", (), False),
    Command(0x01, "GetChangeOfSupplier", (), False),
    Command(0x02, "RequestNewPassword", (Field("password_type", ENUM8),), False),
    Command(0x03, "GetSiteID", (), False),
    Command(
        0x04,
        "ReportEventConfiguration",
        (
            Field("command_index", U8),
            Field("total_commands", U8),
            Repeat("events", (Field("event_id", U16), Field("event_configuration", BITMAP8))),
        ),
        False,
    ),
    Command(0x05, "GetCIN", (), False),
)

CLUSTER: Final = ClusterDef(
    0x0708, "DeviceManagement", ATTRIBUTES, CLIENT_COMMANDS, SERVER_COMMANDS
)
