"""The Communications Hub Function's whitelist: the CHF Device Log and its history.

The CHF admits a Device to the HAN only when it is in the CHF Device Log (CHTS's
'whitelist'), with the install code it joins with (GBCS use cases CCS01-CCS07; the DLMS
ZigBee network control object ``0-0:30.3.0.255``, the historic log ``0-0:30.3.1.255``):

- CCS01 (8.11 Add): ``register_device`` with install code, ``join_timeout``,
  ``enable_disable_joining``. A Device already listed keeps its link key (the key
  parameter is discarded and the result is success). The CHF sends CS14 (Alert 0x8F12,
  its whole log, the new Device with an empty link key hash), then, once the Device has
  joined within the join period, establishes a TC link key (or reuses the one its
  historic log kept) and sends CS14 again with the key's hash. Joining is simulated as
  taking ``JOIN_DELAY``; a Device whose join period is shorter never joins.
- CCS02 (8.11 Remove): the Device leaves the log; its link key goes to the historic log
  (15 entries, oldest overwritten). CS14 follows.
- CCS03 (8.12.1): restore a PAN (extended PAN id, Devices and link key hashes) on a
  replacement CHF; CS14 follows.
- CCS05CCS04 / CCS06 (8.9): the active devices with their radio figures; CCS07 (8.9 with
  security details): the log and the historic log with link key hashes.

Whether a Device is on the HAN is also what joins to meters check (``whitelisted``): a CHF
whose whitelist nobody has set up (a seeded estate) is taken to list every Device.

Link keys and radio figures are simulated: the hash of a TC link key is SHA-256 over the
install code and the Device's EUI-64 (16 octets, the size CS14 carries), and signal
strengths are stable values derived from the Device's EUI-64.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from opendcc.devices.dlms_access import access_reply, access_request
from opendcc.devices.security_common import family_handles, next_alert_counter
from opendcc.devices.simulator import (
    AlertSpec,
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    DiscardCommandError,
    on_wake,
)
from opendcc.devices.state import DeviceState, Section
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    Action,
    ActionResponse,
    ActionResult,
    DataAccessResult,
    Get,
)
from opendcc.gbcs.dlms.apdu import Response as DlmsResponse
from opendcc.gbcs.dlms.apdu import Set as DlmsSet
from opendcc.gbcs.dlms.data import (
    Array,
    BitString,
    Boolean,
    Data,
    Integer,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
)
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.inventory.model import Device, DeviceType

CS14: Final = 0x0018
CHF_DEVICE_LOG_CHANGED: Final = 0x8F12
CHF_DEVICE_LOG: Final = "0-0:30.3.0.255"
HISTORIC_DEVICE_LOG: Final = "0-0:30.3.1.255"
JOIN_DELAY: Final = timedelta(seconds=10)
HISTORIC_CAPACITY: Final = 15
"""GBCS (CCS02): the CHF Historic Device Log keeps the 15 most recently removed Devices."""
WHITELIST_CAPACITY: Final = 32
INSTALL_CODE_SIZES: Final = range(6, 17)
STATUS_JOINED: Final = BitString(8, b"\xc8")
"""The status octet the reference CHF reports for a joined Device."""


@dataclass(slots=True)
class ChfDeviceLog(Section):
    """The whitelist: Devices with install code and link key hash (hex, empty until
    established), the historic log, the PAN's extended id and the joining settings."""

    NAME = "chf_device_log"
    managed: bool = False
    """True once 8.11 or 8.12.1 has set the whitelist up."""
    extended_pan_id: str = ""
    joining_enabled: bool = False
    join_timeout: int = 0
    devices: list[dict[str, Any]] = field(default_factory=list)
    historic: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def initial(cls, device: Device) -> ChfDeviceLog:
        return cls(extended_pan_id=bytes(device.device_id).hex())

    def find(self, device: Eui64) -> dict[str, Any] | None:
        return next((d for d in self.devices if d["device"] == device.hex), None)


def whitelisted(state: DeviceState, device: Eui64) -> bool:
    """Whether the CHF admits ``device`` to its HAN (see the module docstring)."""
    log = state.get(ChfDeviceLog)
    return not log.managed or log.find(device) is not None


def link_key_hash(install_code: bytes, device: Eui64) -> bytes:
    return hashlib.sha256(b"opendcc TC link key" + install_code + bytes(device)).digest()[:16]


def _ensure_chf(context: DeviceContext) -> ChfDeviceLog:
    if context.device.device_type is not DeviceType.CHF:
        raise DiscardCommandError("only a Communications Hub Function keeps a CHF Device Log")
    return context.state.get(ChfDeviceLog)


# --- CCS01, CCS02, CCS03 -------------------------------------------------------------------


@family_handles("CCS01", "CCS02", "CCS03")
def update_device_log(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = access_request(command)
    log = _ensure_chf(context)
    changed = False
    results: list[DlmsResponse] = []
    for item in request.requests:
        if isinstance(item, Action) and item.method.method_id == 1:
            result: DlmsResponse
            result, added = _register(log, item.parameters, context)
            changed |= added
        elif isinstance(item, Action) and item.method.method_id == 2:
            result, removed = _unregister(log, item.parameters)
            changed |= removed
        elif isinstance(item, Action) and item.method.method_id == 5:
            restored = _restore(log, item.parameters, context)
            changed |= restored.result == ActionResult.SUCCESS
            result = restored
        elif isinstance(item, DlmsSet):
            results.append(_set(log, item))
            continue
        elif isinstance(item, Action):
            result = b.action_error(ActionResult.OBJECT_UNDEFINED)
        else:
            results.append(b.get_error(DataAccessResult.OBJECT_UNDEFINED))
            continue
        results.append(result)
    log.managed = True
    context.state.touch()
    if changed:
        raise_device_log_changed(context)
    return access_reply(request, results)


def _register(
    log: ChfDeviceLog, parameters: Data, context: DeviceContext
) -> tuple[DlmsResponse, bool]:
    if not (isinstance(parameters, Structure) and len(parameters.items) >= 3):
        return b.action_error(ActionResult.TYPE_UNMATCHED), False
    eui, _, key = parameters.items[:3]
    if not (isinstance(eui, OctetString) and len(eui.value) == 8):
        return b.action_error(ActionResult.TYPE_UNMATCHED), False
    if not (isinstance(key, OctetString) and len(key.value) in INSTALL_CODE_SIZES):
        return b.action_error(ActionResult.TYPE_UNMATCHED), False
    device = Eui64.from_bytes(eui.value)
    if log.find(device) is not None:
        # GBCS CCS01: a Device already listed keeps its link key; the key is discarded.
        return b.action_ok(), False
    if len(log.devices) >= WHITELIST_CAPACITY:
        return b.action_error(ActionResult.TEMPORARY_FAILURE), False
    log.devices.append(
        {
            "device": device.hex,
            "install_code": key.value.hex(),
            "link_key_hash": "",
            "added_at": context.now,
        }
    )
    context.wake_at(context.now + JOIN_DELAY)
    return b.action_ok(), True


def _unregister(log: ChfDeviceLog, parameters: Data) -> tuple[DlmsResponse, bool]:
    if not (isinstance(parameters, OctetString) and len(parameters.value) == 8):
        return b.action_error(ActionResult.TYPE_UNMATCHED), False
    device = Eui64.from_bytes(parameters.value)
    entry = log.find(device)
    if entry is None:
        return b.action_error(ActionResult.OBJECT_UNAVAILABLE), False
    log.devices.remove(entry)
    if entry["link_key_hash"]:
        log.historic = [h for h in log.historic if h["device"] != device.hex]
        log.historic.append({"device": device.hex, "link_key_hash": entry["link_key_hash"]})
        log.historic = log.historic[-HISTORIC_CAPACITY:]
    return b.action_ok(), True


def _restore(log: ChfDeviceLog, parameters: Data, context: DeviceContext) -> ActionResponse:
    if not (isinstance(parameters, Structure) and len(parameters.items) == 2):
        return b.action_error(ActionResult.TYPE_UNMATCHED)
    pan, devices = parameters.items
    if not (isinstance(pan, OctetString) and len(pan.value) == 8 and isinstance(devices, Array)):
        return b.action_error(ActionResult.TYPE_UNMATCHED)
    restored = []
    for item in devices.items:
        if not (isinstance(item, Structure) and len(item.items) == 2):
            return b.action_error(ActionResult.TYPE_UNMATCHED)
        eui, key_hash = item.items
        if not (isinstance(eui, OctetString) and len(eui.value) == 8):
            return b.action_error(ActionResult.TYPE_UNMATCHED)
        if not isinstance(key_hash, OctetString):
            return b.action_error(ActionResult.TYPE_UNMATCHED)
        restored.append(
            {
                "device": eui.value.hex(),
                "install_code": "",
                "link_key_hash": key_hash.value.hex(),
                "added_at": context.now,
            }
        )
    if len(restored) > WHITELIST_CAPACITY:
        return b.action_error(ActionResult.TEMPORARY_FAILURE)
    log.extended_pan_id = pan.value.hex()
    log.devices = restored
    return b.action_ok()


def _set(log: ChfDeviceLog, item: DlmsSet) -> DlmsResponse:
    attribute = item.attribute.attribute_id
    if attribute == 2 and isinstance(item.value, Boolean):
        log.joining_enabled = item.value.value
        return b.set_ok()
    if attribute == 3 and isinstance(item.value, LongUnsigned):
        log.join_timeout = item.value.value
        return b.set_ok()
    return b.set_error(DataAccessResult.TYPE_UNMATCHED)


@on_wake
def establish_link_keys(context: DeviceContext) -> None:
    """Devices that joined within the join period get their TC link key (CS14 again)."""
    if context.device.device_type is not DeviceType.CHF:
        return
    log = context.state.get(ChfDeviceLog)
    historic = {h["device"]: h["link_key_hash"] for h in log.historic}
    changed = False
    pending_until: list[datetime] = []
    for entry in log.devices:
        if entry["link_key_hash"] or not entry["install_code"]:
            continue
        joins_at = _as_datetime(entry["added_at"]) + JOIN_DELAY
        if not log.joining_enabled or log.join_timeout < JOIN_DELAY.total_seconds():
            continue
        if joins_at > context.now:
            pending_until.append(joins_at)
            continue
        device = Eui64.from_bytes(bytes.fromhex(entry["device"]))
        entry["link_key_hash"] = (
            historic.get(entry["device"])
            or link_key_hash(bytes.fromhex(entry["install_code"]), device).hex()
        )
        changed = True
    if changed:
        context.state.touch()
        raise_device_log_changed(context)
    if pending_until:
        context.wake_at(min(pending_until))


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def raise_device_log_changed(context: DeviceContext) -> None:
    """CS14: the whole CHF Device Log, sent to the DCC as its backup (GBCS CS14)."""
    log = context.state.get(ChfDeviceLog)
    devices = b.array(
        b.structure(
            b.octets(bytes.fromhex(entry["device"])),
            b.octets(bytes.fromhex(entry["link_key_hash"])),
        )
        for entry in log.devices
    )
    body = b.structure(
        b.date_time(context.now), b.octets(bytes.fromhex(log.extended_pan_id)), devices
    )
    notification = b.alert(next_alert_counter(context), CHF_DEVICE_LOG_CHANGED, context.now, body)
    context.raise_alert(
        AlertSpec(
            CS14,
            encode_dlms(b.payload(notification)),
            DCC_ACCESS_CONTROL_BROKER,
            critical=False,
        )
    )


# --- CCS05CCS04, CCS06, CCS07 -----------------------------------------------------------------


def _radio(device: Eui64, context: DeviceContext) -> Structure:
    """One active device's figures (the ``active_devices`` entry GBCS CCS06 reads)."""
    seed = hashlib.sha256(b"opendcc HAN radio" + bytes(device)).digest()
    strongest = -30 - seed[0] % 20
    average = strongest - 5 - seed[1] % 15
    weakest = average - 10 - seed[2] % 30
    last_heard = context.now - timedelta(minutes=1 + seed[3] % 29)
    return b.structure(
        b.octets(bytes(device)),
        STATUS_JOINED,
        Integer(strongest),
        Integer(average),
        Integer(weakest),
        Unsigned(200 + seed[4] % 55),
        Unsigned(120 + seed[5] % 80),
        Unsigned(40 + seed[6] % 80),
        b.date_time(last_heard.replace(microsecond=0)),
        Unsigned(1),
        Unsigned(seed[7] % 3),
        Unsigned(seed[8] % 5),
        Unsigned(1),
        Unsigned(1),
    )


@family_handles("CCS05CCS04", "CCS06", "CCS07")
def read_device_log(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = access_request(command)
    log = _ensure_chf(context)
    results: list[DlmsResponse] = []
    for item in request.requests:
        if isinstance(item, Get) and item.attribute.attribute_id == 4:
            results.append(
                b.get_ok(
                    b.array(
                        _radio(Eui64.from_bytes(bytes.fromhex(d["device"])), context)
                        for d in log.devices
                    )
                )
            )
        elif isinstance(item, Action) and item.method.method_id == 4:
            historic = str(item.method.instance) == HISTORIC_DEVICE_LOG
            entries = log.historic if historic else log.devices
            results.append(b.action_ok(_pan_backup(log, entries)))
        elif isinstance(item, Get):
            results.append(b.get_error(DataAccessResult.OBJECT_UNDEFINED))
        elif isinstance(item, Action):
            results.append(b.action_error(ActionResult.OBJECT_UNDEFINED))
        else:
            results.append(b.set_error(DataAccessResult.READ_WRITE_DENIED))
    return access_reply(request, results)


def _pan_backup(log: ChfDeviceLog, entries: list[dict[str, Any]]) -> Structure:
    return b.structure(
        b.octets(bytes.fromhex(log.extended_pan_id)),
        b.array(
            b.structure(
                b.octets(bytes.fromhex(e["device"])), b.octets(bytes.fromhex(e["link_key_hash"]))
            )
            for e in entries
        ),
    )
