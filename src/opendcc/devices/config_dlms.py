"""Simulated DLMS Devices (ESME, CHF, HAN auxiliary controller) answering the
configuration family's Commands, and the Device-held future-dated activations.

Most use cases are plain reads, writes and method calls on the objects of
``config_cosem``; one handler serves them all (``ENGINE_USE_CASES``). Three add behaviour:

- Activations (ECS28a load limiting, ECS46c/ECS46d auxiliary calendars): the Command writes
  passive values, then the activation date-time of each. All zero activates at once; all
  0xFF cancels a held activation; an instant in the future makes the Device hold the
  Command (``future_dated.hold``) and, when the time comes, copy each passive value to its
  active object and raise a future-dated execution Alert per activation (0x00CC, alert
  code 0x8F66 success, 0x8F67 failure): ``structure {alert code, execution date-time,
  octet-string(message code, originator counter, class, OBIS, attribute)}``, as the
  reference ECS28a/ECS46c/ECS46d 8F66 Alerts show.
- DBCH04 (6.28): a changed sub-GHz configuration raises DBCH09 (0x0113, 0x8F2A) with the new
  configuration, to the DCC.
- DBCH05 (6.29): the scan moves the CHF to the quietest allowed channel when it is not on
  it already and the weekly limit on channel changes allows; it raises DBCH08 (0x0112,
  0x8F28, the assessment outcome) and, after a move, DBCH07 (0x0111, 0x8F26, the new
  channel) and logs the channel in the channel log (6.32).

Alerts are built with the invoke id their frame will carry: the Device's alert counter,
which the simulator advances once per Alert in the order they are raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from opendcc.devices import future_dated
from opendcc.devices.config_cosem import (
    CosemContext,
    answer,
    descriptor_key,
    read_value,
)
from opendcc.devices.config_state import DeviceFaults, SubGhz, identity_number
from opendcc.devices.dlms_access import access_reply, access_request
from opendcc.devices.simulator import (
    AlertCounter,
    AlertSpec,
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    handles,
)
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Request, Response, Set
from opendcc.gbcs.dlms.data import BitString, Data, OctetString
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.gbcs.dlms.payload import encode as encode_dlms

FUTURE_DATED_DLMS: Final = 0x00CC
EXECUTED: Final = 0x8F66
NOT_EXECUTED: Final = 0x8F67

ENGINE_USE_CASES: Final = (
    "ECS10", "ECS12", "ECS14", "ECS15a", "ECS15c", "ECS16",
    "ECS25a", "ECS25a1", "ECS25a2", "ECS25a3", "ECS25b", "ECS25b3", "ECS25r1", "ECS25r2",
    "ECS26b", "ECS26c", "ECS26d", "ECS26e", "ECS26f", "ECS26i", "ECS26k", "ECS26l",
    "ECS26m", "ECS26n", "ECS28b", "ECS29a", "ECS29b", "ECS29c", "ECS29d", "ECS29e",
    "ECS29f", "ECS30", "ECS30a", "ECS34", "ECS37", "ECS39a", "ECS39b", "ECS40", "ECS46a",
    "ECS57", "ECS70", "ECS81", "DBCH01", "DBCH02", "DBCH03",
)  # fmt: skip


@handles(*ENGINE_USE_CASES)
def answer_objects(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """Reads, writes and methods on the configuration objects (``config_cosem``)."""
    request = access_request(command)
    return access_reply(request, answer(CosemContext.of(context), request.requests))


# --- activations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Activation:
    """What an activation attribute makes active: passive value key -> active value key."""

    group: str
    passive: str
    active: str


ACTIVATIONS: Final[dict[str, Activation]] = {
    "9000/0-0:94.44.0.3/6": Activation(
        "load-limit", "9000/0-0:94.44.0.3/4", "9000/0-0:94.44.0.3/2"
    ),
    "9000/0-0:94.44.128.7/6": Activation(
        "load-limit", "9000/0-0:94.44.128.7/4", "71/0-0:17.0.0.255/4"
    ),
    "9000/0-0:94.44.128.6/6": Activation(
        "load-limit", "9000/0-0:94.44.128.6/4", "71/0-0:17.0.0.255/6"
    ),
    "9000/0-0:94.44.128.8/6": Activation(
        "load-limit", "9000/0-0:94.44.128.8/4", "71/0-0:17.0.0.255/7"
    ),
    "9000/0-0:94.44.128.26/6": Activation(
        "aux-calendar", "10/0-1:12.0.2.255/2", "10/0-0:12.0.2.255/2"
    ),
    "9000/0-0:94.44.128.35/6": Activation(
        "aux-calendar", "11/0-1:11.0.3.255/2", "11/0-0:11.0.3.255/2"
    ),
}
"""GBCS's passive/active pairs: the load limit objects (class 9000 attribute 4 to the
limiter and supply-state values ECS27 reads) and the auxiliary load control calendar."""

_ZERO: Final = bytes(9)
_UNSPECIFIED: Final = b"\xff" * 9


def _when(value: Data) -> datetime | str | None:
    """An activation value: "now", "cancel", a future instant, or None if unreadable."""
    if not isinstance(value, OctetString) or len(value.value) != 12:
        return None
    if value.value[:9] == _ZERO:
        return "now"
    if value.value[:9] == _UNSPECIFIED:
        return "cancel"
    try:
        return CosemDateTime.from_bytes(value.value).to_datetime()
    except ValueError:
        return None


def activate(ctx: CosemContext, key: str) -> bool:
    """Copy one activation's passive value to its active object; False if it cannot."""
    item = ACTIVATIONS[key]
    if ctx.state.get(DeviceFaults).failing.get(key) is not None:
        return False
    ctx.store(item.active, ctx.value(item.passive))
    return True


@handles("ECS28a", "ECS46c", "ECS46d")
def answer_with_activations(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """ECS28a, ECS46c, ECS46d: passive writes, then each activation: at once, held until
    its date-time (the Device-held future-dated pattern), or cancelled."""
    request = access_request(command)
    ctx = CosemContext.of(context)
    held: set[str] = set()
    faults = context.state.get(DeviceFaults).failing

    def step(ctx: CosemContext, req: Request) -> Response | None:
        key = descriptor_key(req)
        if key not in ACTIVATIONS or not isinstance(req, Set) or key in faults:
            return None  # the table answers it (and any fault injected on it)
        when = _when(req.value)
        if when is None:
            return None  # the table refuses it
        group = ACTIVATIONS[key].group
        if when == "cancel":
            if group not in held:
                future_dated.cancel(context, key=group)
        elif when == "now" or (isinstance(when, datetime) and when <= ctx.now):
            if not activate(ctx, key):
                return b.set_error()
        elif isinstance(when, datetime) and group not in held:
            future_dated.hold(command, context, when, key=group)
            held.add(group)
        ctx.store(key, req.value)
        return b.set_ok()

    return access_reply(request, answer(ctx, request.requests, step))


def next_alert_counter(context: DeviceContext) -> int:
    """The originator counter the simulator gives the next Alert raised in ``context``."""
    return context.state.get(AlertCounter).next + len(context.alerts) + 1


def future_dated_alert(
    context: DeviceContext,
    command: DeviceCommand,
    key: str,
    executed_at: datetime,
    *,
    success: bool,
    pending: int = 0,
) -> AlertSpec:
    """The 0x00CC Alert for one activation of a held Command (GBCS 8F66/8F67 DLMS form);
    ``pending`` counts the Alerts built before it but not yet raised."""
    class_id, obis, attribute = key.split("/")
    identification = (
        command.message.message_code.to_bytes(2, "big")
        + command.counter.to_bytes(8, "big")
        + int(class_id).to_bytes(2, "big")
        + bytes(b.obis(obis).value)
        + int(attribute).to_bytes(1, "big")
    )
    notification = b.alert(
        next_alert_counter(context) + pending,
        EXECUTED if success else NOT_EXECUTED,
        executed_at,
        OctetString(identification),
    )
    return AlertSpec(FUTURE_DATED_DLMS, encode_dlms(b.payload(notification)), command.remote_party)


@future_dated.executes("ECS28a", "ECS46c", "ECS46d")
def execute_activations(command: DeviceCommand, context: DeviceContext) -> Iterable[AlertSpec]:
    """A held activation falls due: make each passive value active, one Alert each."""
    request = access_request(command)
    ctx = CosemContext.of(context)
    alerts: list[AlertSpec] = []
    for req in request.requests:
        key = descriptor_key(req)
        if key not in ACTIVATIONS or not isinstance(req, Set):
            continue
        when = _when(req.value)
        if not isinstance(when, datetime):
            continue
        done = activate(ctx, key)
        alerts.append(
            future_dated_alert(context, command, key, when, success=done, pending=len(alerts))
        )
    return alerts


# --- sub-GHz (dual-band CHF) ----------------------------------------------------------------

DBCH06, DBCH07, DBCH08, DBCH09, DBCH10, DBCH11 = 0x0110, 0x0111, 0x0112, 0x0113, 0x0114, 0x0115
DUTY_CYCLE_ACTION, CHANNEL_CHANGED, SCAN_OUTCOME = 0x8F20, 0x8F26, 0x8F28
CONFIGURATION_CHANGED, MESSAGE_DISCARDED, NO_CAPACITY = 0x8F2A, 0x8F2C, 0x8F2D
CONFIGURATION_KEY: Final = "1/0-0:94.44.10.0/2"
CHANNEL_KEY: Final = "1/0-0:94.44.10.2/2"
_WEEK: Final = timedelta(days=7)


def _dcc_alert(context: DeviceContext, code: int, message_code: int, *extra: Data) -> None:
    """A sub-GHz Alert: CHF alerts go to the DCC (its Access Control Broker)."""
    notification = b.alert(next_alert_counter(context), code, context.now, *extra)
    context.raise_alert(
        AlertSpec(message_code, encode_dlms(b.payload(notification)), DCC_ACCESS_CONTROL_BROKER)
    )


@handles("DBCH04")
def set_subghz_configuration(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """DBCH04: store the configuration; a change raises DBCH09 with the new one."""
    request = access_request(command)
    ctx = CosemContext.of(context)
    before = ctx.value(CONFIGURATION_KEY)
    results = answer(ctx, request.requests)
    after = ctx.value(CONFIGURATION_KEY)
    if all(r.ok for r in results) and after != before:
        _dcc_alert(context, CONFIGURATION_CHANGED, DBCH09, after)
    return access_reply(request, results)


def allowed_channels(configuration: Data) -> list[tuple[int, int]]:
    """(page, bit) of every channel the configuration's four masks allow."""
    out = []
    items = getattr(configuration, "items", ())
    for mask in items[:4]:
        if isinstance(mask, BitString) and mask.length == 32:
            value = int.from_bytes(mask.data, "big")
            page = value >> 27
            out += [(page, bit) for bit in range(27) if value >> bit & 1]
    return out


def quietest(context: DeviceContext, channels: list[tuple[int, int]]) -> tuple[int, int]:
    """The channel a scan finds quietest: a deterministic noise figure per channel and
    day, from the CHF's identity (the simulated radio environment)."""
    day = context.now.date().isoformat()
    return min(channels, key=lambda c: identity_number(context.device, f"noise {c} {day}", 1000))


def record_channel(context: DeviceContext, mask: int) -> None:
    section = context.state.get(SubGhz)
    section.channel_log.append({"at": context.now.isoformat(), "channel": mask})
    del section.channel_log[:-1000]  # the log holds the latest 1000 changes
    context.state.touch()


@handles("DBCH05")
def request_channel_scan(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """DBCH05: scan; move to the quietest allowed channel within the weekly change limit."""
    request = access_request(command)
    ctx = CosemContext.of(context)
    results = answer(ctx, request.requests)
    if not all(r.ok for r in results):
        return access_reply(request, results)
    section = context.state.get(SubGhz)
    section.scans += 1
    configuration = ctx.value(CONFIGURATION_KEY)
    limit_item = getattr(configuration, "items", ())[6:7]
    limit = getattr(limit_item[0], "value", 0) if limit_item else 0
    recent = [t for t in section.channel_changes if datetime.fromisoformat(t) > ctx.now - _WEEK]
    current = ctx.value(CHANNEL_KEY)
    assert isinstance(current, BitString)
    candidates = allowed_channels(configuration)
    moved = False
    if candidates:
        page, bit = quietest(context, candidates)
        target = (page << 27) | (1 << bit)
        if target != int.from_bytes(current.data, "big") and len(recent) < limit:
            ctx.store(CHANNEL_KEY, BitString(32, target.to_bytes(4, "big")))
            recent.append(ctx.now.isoformat())
            record_channel(context, target)
            moved = True
    section.channel_changes = recent
    context.state.touch()
    # Outcome octets: assessment completed (0), channel unchanged (0) or changed (1).
    _dcc_alert(
        context,
        SCAN_OUTCOME,
        DBCH08,
        b.structure(OctetString(b"\x00"), OctetString(bytes((int(moved),)))),
    )
    if moved:
        channel = read_value(context.state, 1, "0-0:94.44.10.2", 2)
        assert channel is not None
        _dcc_alert(context, CHANNEL_CHANGED, DBCH07, b.structure(channel, OctetString(b"\x00")))
    return access_reply(request, results)


# The sub-GHz Alerts a dual-band CHF raises from its radio management rather than from a
# Command: for the simulated WAN and HAN (``opendcc.wan``) to call.


def raise_duty_cycle_action(context: DeviceContext, device: Eui64) -> None:
    """DBCH06 (0x8F20): the CHF limited its traffic with ``device`` to keep its duty cycle."""
    _dcc_alert(context, DUTY_CYCLE_ACTION, DBCH06, OctetString(bytes(device)))


def raise_message_discarded(
    context: DeviceContext, originator: Eui64, recipient: Eui64, cra: int, counter: int
) -> None:
    """DBCH10 (0x8F2C): a message was discarded for duty cycle management; the octets name
    it: originator, recipient, CRA flag, originator counter."""
    if not 0 <= cra <= 0xFF or not 0 <= counter < 1 << 64:
        raise ValueError("a CRA flag is one octet and a counter eight")
    identification = (
        bytes(originator) + bytes(recipient) + bytes((cra,)) + counter.to_bytes(8, "big")
    )
    _dcc_alert(context, MESSAGE_DISCARDED, DBCH10, OctetString(identification))


def raise_no_capacity(context: DeviceContext, device: Eui64) -> None:
    """DBCH11 (0x8F2D): the CHF cannot take ``device`` on sub-GHz (no capacity left)."""
    _dcc_alert(context, NO_CAPACITY, DBCH11, OctetString(bytes(device)))
