"""The future-dated execution alerts of the tariff and prepayment use cases.

When a held Command falls due the meter raises one alert per instruction it carried out
(GBCS 9.2.2.7, the reference ``*_8F66_*_ALERT`` vectors): 0x8F66 when it succeeded, 0x8F67
when it could not.

- ESME (DLMS, message code 0x00CC): a data-notification ``{alert code, execution
  date-time, octet-string}`` whose octets are the Command's message code (2), its
  originator counter (8) and the COSEM attribute of the instruction: class id (2), OBIS
  (6), attribute id (1), one alert per activation-time attribute, in Command order. Its
  invoke id is the alert's own originator counter.
- GSME (GBZ, message code 0x00CD): an alert header (code, execution time) with the
  FutureDatedOutcome body naming the Command's message code and counter and the ZCL
  command (cluster id, frame control, command id), one alert per component that carries
  a start or implementation time.

Both are critical alerts: the simulator signs them with the Device's key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from opendcc.devices.simulator import AlertCounter, AlertSpec, DeviceCommand, DeviceContext
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import InvokeIdAndPriority
from opendcc.gbcs.dlms.cosem import AttributeDescriptor
from opendcc.gbcs.dlms.data import OctetString
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.payload import FutureDatedOutcome
from opendcc.transform.tariffs_common import zigbee_time

EXECUTED: Final = 0x8F66
NOT_EXECUTED: Final = 0x8F67
DLMS_FUTURE_DATED: Final = 0x00CC
GBZ_FUTURE_DATED: Final = 0x00CD


def next_alert_counter(context: DeviceContext, pending: int = 0) -> int:
    """The originator counter the next alert will carry: the simulator numbers alerts in
    the order they are raised, after those already queued and ``pending`` more."""
    return context.state.get(AlertCounter).next + len(context.alerts) + pending + 1


def dlms_outcome(
    context: DeviceContext,
    command: DeviceCommand,
    executed_at: bytes,
    attributes: list[AttributeDescriptor],
    *,
    success: bool = True,
) -> list[AlertSpec]:
    """One ESME alert per instruction (``executed_at``: the twelve-octet date-time)."""
    alerts = []
    for offset, attribute in enumerate(attributes):
        invoke = InvokeIdAndPriority.for_counter(next_alert_counter(context, offset))
        identification = (
            command.message.message_code.to_bytes(2, "big")
            + command.counter.to_bytes(8, "big")
            + bytes(attribute)
        )
        apdu = b.alert(
            invoke,
            EXECUTED if success else NOT_EXECUTED,
            CosemDateTime.from_bytes(executed_at),
            OctetString(identification),
        )
        alerts.append(
            AlertSpec(DLMS_FUTURE_DATED, encode_dlms(b.payload(apdu)), command.remote_party)
        )
    return alerts


def gbz_outcome(
    command: DeviceCommand,
    executed_at: datetime,
    frames: list[tuple[int, int, int]],
    *,
    success: bool = True,
) -> list[AlertSpec]:
    """One GSME alert per (cluster id, frame control, command id) instruction."""
    alerts = []
    for cluster_id, frame_control, command_id in frames:
        body = FutureDatedOutcome(
            command.message.message_code, command.counter, cluster_id, frame_control, command_id
        )
        payload = z.alert_payload(
            EXECUTED if success else NOT_EXECUTED,
            zigbee_time(executed_at),
            body,
            message_code=GBZ_FUTURE_DATED,
        )
        alerts.append(AlertSpec(GBZ_FUTURE_DATED, encode_gbz(payload), command.remote_party))
    return alerts
