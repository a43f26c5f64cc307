"""Transforms of Service Reference 3: messages and access (DUIS 3.1 to 3.5).

- 3.1 Display Message: ECS10 sets the ESME's display message object ``0-2:96.13.1.255``;
  GCS07 sends the GSME a Messaging DisplayMessage.
- 3.2 Restrict Access For Change Of Tenancy: ECS12 sets the ESME's ChangeOfTenancyDate
  ``0-0:94.44.3.2``; GCS09 sends the GPF a DeviceManagement PublishChangeOfTenancy.
- 3.3 Clear Event Log: ECS15a resets the ESME's Event Log, ECS15c its Auxiliary Controller
  Event Log (``ESMEEventLogType`` ALCS); CS11 sends a GSME or GPF ClearEventLogRequest.
- 3.4 Update Supplier Name: ECS16 sets SupplierTelephoneNumber and SupplierName; GCS44 is
  a DeviceManagement PublishChangeOfSupplier carrying only the name and contact details.
- 3.5 Disable Privacy PIN: ECS14 sets CustomerPIN empty; GCS11 a RequestNewPasswordResponse
  with an empty consumer password.

3.1, 3.2 and 3.4 may be future dated with the DSP pattern: the hub holds them, so the
transform sends them as immediate Commands.
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import Integer, OctetString
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz.timefmt import utc_seconds
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform.config_common import (
    ZIGBEE_IMMEDIATE,
    action,
    dlms_spec,
    gbz_spec,
    guarded,
    issuer_event_id,
    set_,
    text_octets,
)
from opendcc.transform.registry import CommandSpec, TransformInput, transforms

E, G, P = DeviceType.ESME, DeviceType.GSME, DeviceType.GPF

DISPLAY_MESSAGE_LIMIT: Final = 116
"""DUIS SupplierMessage: 1 to 116 printable characters."""
MESSAGE_DURATION_UNTIL_CHANGED: Final = 0xFFFF
"""ZSE DisplayMessage duration 0xFFFF: shown until replaced or cancelled."""
TENANCY_CHANGE_CONTROL: Final = 0x0000_0200
"""ZSE Proposed Tenancy Change Control as GBCS fixes it for GCS09 (the reference GCS09)."""
SUPPLIER_CHANGE_CONTROL: Final = 0x0000_1800
"""ZSE Provider Change Control as GBCS fixes it for GCS44 (the reference GCS44)."""
CONSUMER_PASSWORD: Final = 2
"""ZSE password type 2: the consumer (privacy PIN) password."""
GENERAL_EVENT_LOG: Final = 3
"""ZSE Events log id 3: the general event log GBCS CS11 clears (not the security log)."""
SUPPLIER_NAME_LIMIT: Final = 15
SUPPLIER_TELEPHONE_LIMIT: Final = 18


@transforms("3.1", E)
@guarded
def display_message_esme(request: TransformInput) -> CommandSpec:
    """3.1 on an ESME: ECS10 Send Message."""
    message = text_octets(
        x.text(request.body, "SupplierMessage"), limit=DISPLAY_MESSAGE_LIMIT, what="message"
    )
    return dlms_spec(request, "ECS10", [set_(1, "0-2:96.13.1.255", 2, OctetString(message))])


@transforms("3.1", G)
@guarded
def display_message_gsme(request: TransformInput) -> CommandSpec:
    """3.1 on a GSME: GCS07 Send Message (the message id is the issuer event id)."""
    message = text_octets(
        x.text(request.body, "SupplierMessage"), limit=DISPLAY_MESSAGE_LIMIT, what="message"
    )
    frame = z.cluster_command(
        "Messaging",
        "DisplayMessage",
        message_id=issuer_event_id(request),
        message_control=0,
        start_time=ZIGBEE_IMMEDIATE,
        duration_in_minutes=MESSAGE_DURATION_UNTIL_CHANGED,
        message=message,
    )
    return gbz_spec(request, "GCS07", [z.component("Messaging", frame)])


@transforms("3.2", E)
@guarded
def restrict_access_esme(request: TransformInput) -> CommandSpec:
    """3.2 on an ESME: ECS12 Set Change of Tenancy date."""
    when = x.timestamp(request.body, "RestrictionDateTime")
    return dlms_spec(request, "ECS12", [set_(1, "0-0:94.44.3.2", 2, b.date_time(when))])


@transforms("3.2", P)
@guarded
def restrict_access_gpf(request: TransformInput) -> CommandSpec:
    """3.2 on a GPF: GCS09 Set Change of Tenancy date (the GPF keeps the gas data)."""
    when = x.timestamp(request.body, "RestrictionDateTime")
    frame = z.cluster_command(
        "DeviceManagement",
        "PublishChangeOfTenancy",
        provider_id=0,
        issuer_event_id=issuer_event_id(request),
        tariff_type=0,
        implementation_date_time=utc_seconds(when),
        proposed_tenancy_change_control=TENANCY_CHANGE_CONTROL,
    )
    return gbz_spec(request, "GCS09", [z.component("DeviceManagement", frame)])


_ESME_EVENT_LOGS: Final = {
    "ESME": ("ECS15a", "0-0:99.98.0.255"),
    "ALCS": ("ECS15c", "0-17:99.98.2.255"),
}


@transforms("3.3", E)
@guarded
def clear_event_log_esme(request: TransformInput) -> CommandSpec:
    """3.3 on an ESME: ECS15a (Event Log) or ECS15c (Auxiliary Controller Event Log), the
    profile's ``reset`` method."""
    kind = x.optional_text(request.body, "ESMEEventLogType") or "ESME"
    if kind not in _ESME_EVENT_LOGS:
        raise x.BodyValueError(f"ESMEEventLogType {kind!r} is neither ESME nor ALCS")
    use_case, log = _ESME_EVENT_LOGS[kind]
    return dlms_spec(request, use_case, [action(7, log, 1, Integer(0))])


@transforms("3.3", G, P)
@guarded
def clear_event_log_zigbee(request: TransformInput) -> CommandSpec:
    """3.3 on a GSME or GPF: CS11 Clear ZigBee Device Event Log (ESMEEventLogType is for
    ESMEs only)."""
    if x.child(request.body, "ESMEEventLogType") is not None:
        raise x.BodyValueError("ESMEEventLogType applies to an ESME only")
    frame = z.cluster_command("Events", "ClearEventLogRequest", log_id=GENERAL_EVENT_LOG)
    return gbz_spec(request, "CS11", [z.component("Events", frame)])


@transforms("3.4", E)
@guarded
def update_supplier_name_esme(request: TransformInput) -> CommandSpec:
    """3.4 on an ESME: ECS16 Write Supplier Contact Details (telephone, then name)."""
    name, phone = _supplier_details(request)
    return dlms_spec(
        request,
        "ECS16",
        [
            set_(9000, "0-0:96.13.0.255", 2, OctetString(phone)),
            set_(9000, "0-0:96.13.1.255", 2, OctetString(name)),
        ],
    )


@transforms("3.4", G)
@guarded
def update_supplier_name_gsme(request: TransformInput) -> CommandSpec:
    """3.4 on a GSME: GCS44 Write Contact Details (a Change of Supplier publication that
    changes only the name and contact details)."""
    name, phone = _supplier_details(request)
    frame = z.cluster_command(
        "DeviceManagement",
        "PublishChangeOfSupplier",
        current_provider_id=0,
        issuer_event_id=issuer_event_id(request),
        tariff_type=0,
        proposed_provider_id=0,
        provider_change_implementation_time=ZIGBEE_IMMEDIATE,
        provider_change_control=SUPPLIER_CHANGE_CONTROL,
        proposed_provider_name=name,
        proposed_provider_contact_details=phone,
    )
    return gbz_spec(request, "GCS44", [z.component("DeviceManagement", frame)])


def _supplier_details(request: TransformInput) -> tuple[bytes, bytes]:
    name = text_octets(
        x.text(request.body, "SupplierName"), limit=SUPPLIER_NAME_LIMIT, what="SupplierName"
    )
    phone = x.text(request.body, "SupplierTelephoneNumber")
    if phone and not all(ch.isdigit() or ch == " " for ch in phone):
        raise x.BodyValueError("SupplierTelephoneNumber holds digits and spaces only")
    return name, text_octets(phone, limit=SUPPLIER_TELEPHONE_LIMIT, what="telephone number")


@transforms("3.5", E)
@guarded
def disable_privacy_pin_esme(request: TransformInput) -> CommandSpec:
    """3.5 on an ESME: ECS14, an empty CustomerPIN disables PIN protection."""
    return dlms_spec(request, "ECS14", [set_(1, "0-0:94.44.3.1", 2, OctetString(b""))])


@transforms("3.5", G)
@guarded
def disable_privacy_pin_gsme(request: TransformInput) -> CommandSpec:
    """3.5 on a GSME: GCS11, an empty consumer password effective at once."""
    frame = z.cluster_command(
        "DeviceManagement",
        "RequestNewPasswordResponse",
        issuer_event_id=issuer_event_id(request),
        implementation_date_time=ZIGBEE_IMMEDIATE,
        duration_in_minutes=0,
        password_type=CONSUMER_PASSWORD,
        password=b"",
    )
    return gbz_spec(request, "GCS11", [z.component("DeviceManagement", frame)])
