"""Transforms of commissioning and the HAN: clock at commissioning, join, unjoin, device logs.

- 8.1.1 Commission Device: ECS70 (0x0062, DLMS Set Clock) on an ESME, GCS28 (0x007F, DER
  SetTime) on a GSME; critical. The validity interval is [CurrentDateTime,
  CurrentDateTime + TolerancePeriod].
- 8.7.1 Join Service (Critical) and 8.7.2 (Non-Critical), GBCS 13.7: the join method
  follows from the two Devices' types (the other one from the Smart Metering Inventory):

  | target | other | use case | method | 8.7.1 | 8.7.2 |
  |---|---|---|---|---|---|
  | ESME | PPMID, HCALCS | CS03A1 0x000D | methodAInitiator | User, critical | - |
  | GSME | PPMID | CS03C 0x00AF | methodC, with the PPMID's KA certificate | User | - |
  | ESME, GSME | Type 2, GPF (GSME only) | CS03B 0x000E | methodB | - | User, MAC |
  | PPMID, HCALCS | ESME | CS03A2 0x00AB | methodAResponder | User | ACB, signed |
  | PPMID | GSME | CS03C 0x00AF | methodC, with the GSME's KA certificate | User | ACB, signed |

- 8.8.1 / 8.8.2 Unjoin: CS04AC (0x000F) for method A or C partners, CS04B (0x0010) for
  method B ones on a meter; on a PPMID or HCALCS the non-critical form is the ACB's.
- 8.9 Read Device Log: CS07 (0x0013) on a meter or GPF; on the CHF CCS06 (0x010F), or
  CCS05CCS04 (0x0004) for a GBCS 1.x Communications Hub, or CCS07 (0x00FE) when the
  request asks for security details.
- 8.11 Update HAN Device Log: CCS01 (0x0001, add with install code and join period) or
  CCS02 (0x0002, remove) on the CHF.
- 8.12.1 Restore HAN Device Log: CCS03 (0x0003) restores on the new CHF the PAN the old CHF
  last backed up (CS14 Alert); 8.12.2 Restore GPF Device Log: GCS59 (0x008C) restores the
  old GPF's last backup (GCS62 Alert). The DCC keeps those backups; a transform reads them
  through the inventory view (``transform.security_backups``).

Commands to the CHF, the GPF and Type 1 HAN Devices in non-critical requests are the
ACB's, with the User as supplementary remote party (User ID and RequestID counter); a
request the DCC makes itself carries no supplementary remote party.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.der import (
    Certificate,
    DerPayload,
    GpfDeviceLogRestoreCommand,
    JoinDeviceCommand,
    JoinMethodAndRole,
    ReadDeviceJoinDetailsCommand,
    SetTimeCommand,
    UnjoinDeviceCommand,
)
from opendcc.gbcs.der import DeviceType as GbcsDeviceType
from opendcc.gbcs.der import encode as encode_der
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Request
from opendcc.gbcs.dlms.data import Boolean, Enum, Integer, LongUnsigned
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.inventory.model import Device, DeviceType, SmiStatus
from opendcc.smki.identity import KeyUsage
from opendcc.transform import duisxml
from opendcc.transform.registry import (
    CommandSpec,
    DccOrigination,
    TransformInput,
    TransformRefusal,
    dcc_origination,
    transforms,
)
from opendcc.transform.security_backups import chf_backup, gpf_backup
from opendcc.transform.security_common import (
    RefusalError,
    other_device_id,
    run,
)

_E, _G, _C, _P = DeviceType.ESME, DeviceType.GSME, DeviceType.CHF, DeviceType.GPF
_PP, _H, _T2 = DeviceType.PPMID, DeviceType.HCALCS, DeviceType.IHD
_HAN_TYPE1: Final = frozenset({_PP, _H})
_GONE: Final = frozenset({SmiStatus.DECOMMISSIONED, SmiStatus.WITHDRAWN})
"""SMI statuses of a Device no longer in the DCC's service: never a join partner."""

ECS70: Final = 0x0062
GCS28: Final = 0x007F
CS03A1: Final = 0x000D
CS03B: Final = 0x000E
CS03A2: Final = 0x00AB
CS03C: Final = 0x00AF
CS04AC: Final = 0x000F
CS04B: Final = 0x0010
CS07: Final = 0x0013
CCS01: Final = 0x0001
CCS02: Final = 0x0002
CCS03: Final = 0x0003
CCS05CCS04: Final = 0x0004
CCS06: Final = 0x010F
CCS07: Final = 0x00FE
GCS59: Final = 0x008C

CLOCK: Final = "0-0:1.0.0.255"
CHF_DEVICE_LOG: Final = "0-0:30.3.0.255"
CHF_HISTORIC_DEVICE_LOG: Final = "0-0:30.3.1.255"
CLOCK_BASE_RADIO_CONTROLLED: Final = 5
"""Clock ``clock_base`` as ECS70 sets it: synchronised by the network (GBCS 9.1)."""
ANY_TIME: Final = CosemDateTime.from_bytes(bytes.fromhex("ffffffffffffffffff8000ff"))
"""``preset_time`` of GBCS's Set Clock: all wildcards, the Device takes the CHF's time."""

KEY_TYPE_INSTALL_CODE: Final = 1
"""``register_device`` key type of an install code (CCS01, as the reference Commands)."""
REGISTERED_DEVICE_NOT_HHT: Final = 0
"""The last ``register_device`` parameter: the reference Commands write 0 for a meter;
opendcc reads it as the CHF's record of whether the Device is a Hand Held Terminal, which
CCS02 treats apart (no historic link key kept), and DUIS 8.11 never registers one."""

GBCS_1_PREFIX: Final = "1."
"""Communications Hubs of GBCS 1.x read their device log with CCS05CCS04, later ones CCS06."""


def _user_or_acb(
    request: TransformInput, *, signed: bool
) -> tuple[DccOrigination, Eui64 | None, int | None]:
    """The ACB originates; the User rides along as supplementary remote party unless the
    request is the DCC's own."""
    origination = dcc_origination(request, DCC_ACCESS_CONTROL_BROKER, signed=signed)
    if request.originator == DCC_ACCESS_CONTROL_BROKER:
        return origination, None, None
    return origination, request.originator, request.counter


def _acb_spec(
    request: TransformInput,
    use_case: str,
    code: int,
    payload: bytes,
    *,
    signed: bool = False,
    origin: tuple[DccOrigination, Eui64 | None, int | None] | None = None,
) -> CommandSpec:
    """The Command as the ACB sends it; ``origin`` when the payload already used the ACB's
    counter (a DLMS invoke id), so that one counter is allocated per Command."""
    origination, party, counter = origin or _user_or_acb(request, signed=signed)
    return CommandSpec(
        use_case,
        code,
        request.target,
        payload,
        supplementary_remote_party=party,
        supplementary_remote_party_counter=counter,
        dcc_origination=origination,
    )


def _other_device(request: TransformInput) -> tuple[Eui64, Device]:
    """The Device a join names as ``OtherDeviceID``, from the Smart Metering Inventory.

    DUIS 8.7 joins two Devices the SMI holds; a partner that has left the DCC's service
    (``Decommissioned``, ``Withdrawn``: SEC H6, Decommissioning and Withdrawal) must not
    enter another Device's Device Log, so it is refused with the variant's own code
    (E080702 for 8.7.1, E080721 for 8.7.2), as every other unusable partner is. E5 is not
    used: DUIS defines it for the request's own Device (``DeviceID``), whose status the
    hub's generic checks have already passed (``inventory.request_rules``), and a User
    answered E5 would look for the fault in the wrong Device (docs/duis-errors.md).
    """
    other = other_device_id(request)
    found = request.inventory.get_device(other) if request.inventory is not None else None
    if found is None:
        raise RefusalError(f"the other Device {other} is not in the Smart Metering Inventory")
    if found.status in _GONE:
        raise RefusalError(
            f"the other Device {other} is {found.status.value} in the Smart Metering"
            " Inventory: it cannot be joined"
        )
    return other, found


def _ka_certificate(request: TransformInput, device: Eui64) -> Certificate:
    """The other Device's Key Agreement certificate, from the SMKI repository the inventory
    view gives access to (GBCS 13.7.5: a GSME and a PPMID join with each other's)."""
    lookup = getattr(request.inventory, "for_eui", None)
    records = lookup(device, KeyUsage.KEY_AGREEMENT) if callable(lookup) else []
    for record in records:
        return Certificate.from_x509(record.certificate)
    raise RefusalError(f"no Key Agreement certificate of {device} is known to the SMKI")


# --- 8.1.1 ---------------------------------------------------------------------------------


@transforms("8.1.1", _E, _G)
def commission_device(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.1.1: synchronise the meter's clock to the Communications Hub at commissioning."""

    def build(request: TransformInput) -> CommandSpec:
        start = duisxml.timestamp(request.body, "CurrentDateTime").replace(microsecond=0)
        tolerance = duisxml.integer(request.body, "TolerancePeriod", low=0, high=86_400)
        end = start + timedelta(seconds=tolerance)
        if request.device.device_type is _G:
            payload = encode_der(DerPayload(SetTimeCommand(start, end)))
            return CommandSpec("GCS28", GCS28, request.target, payload)
        apdu = b.access_request(
            request.counter,
            [
                b.set_(8, CLOCK, 9, Enum(CLOCK_BASE_RADIO_CONTROLLED)),
                b.action(
                    8,
                    CLOCK,
                    5,
                    b.structure(b.date_time(ANY_TIME), b.date_time(start), b.date_time(end)),
                ),
                b.action(8, CLOCK, 4, Integer(0)),
                b.get(8, CLOCK, 2),
                b.get(8, CLOCK, 4),
            ],
        )
        return CommandSpec("ECS70", ECS70, request.target, encode_dlms(b.payload(apdu)))

    return run(request, build)


# --- 8.7 join ---------------------------------------------------------------------------------


def _join(request: TransformInput, *, critical: bool) -> CommandSpec:
    other, found = _other_device(request)
    target = request.device.device_type
    other_type = found.device_type
    if target in _HAN_TYPE1:
        if other_type is _E:
            method, code, use_case, certificate = (
                JoinMethodAndRole.METHOD_A_RESPONDER,
                CS03A2,
                "CS03A2",
                None,
            )
        elif other_type is _G and target is _PP:
            method, code, use_case = JoinMethodAndRole.METHOD_C, CS03C, "CS03C"
            certificate = _ka_certificate(request, other)
        else:
            raise RefusalError(f"a {target.value} cannot join a {other_type.value}")
        payload = encode_der(
            DerPayload(JoinDeviceCommand(method, other, other_type.gbcs_code, certificate))
        )
        if critical:
            return CommandSpec(use_case, code, request.target, payload)
        return _acb_spec(request, use_case, code, payload, signed=True)
    method_b = other_type is _T2 or (target is _G and other_type is _P)
    if method_b:
        if critical:
            raise RefusalError("a Type 2 Device or GPF joins by the non-critical Join Service")
        command = JoinDeviceCommand(JoinMethodAndRole.METHOD_B, other, other_type.gbcs_code)
        return CommandSpec("CS03B", CS03B, request.target, encode_der(DerPayload(command)))
    if not critical:
        raise RefusalError(f"a {other_type.value} joins a meter by the critical Join Service")
    if target is _E and other_type in _HAN_TYPE1:
        command = JoinDeviceCommand(
            JoinMethodAndRole.METHOD_A_INITIATOR, other, other_type.gbcs_code
        )
        return CommandSpec("CS03A1", CS03A1, request.target, encode_der(DerPayload(command)))
    if target is _G and other_type is _PP:
        command = JoinDeviceCommand(
            JoinMethodAndRole.METHOD_C,
            other,
            GbcsDeviceType.PPMID,
            _ka_certificate(request, other),
        )
        return CommandSpec("CS03C", CS03C, request.target, encode_der(DerPayload(command)))
    raise RefusalError(f"a {target.value} cannot join a {other_type.value}")


@transforms("8.7.1", _E, _G, _PP, _H)
def join_service_critical(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.7.1: join a Type 1 HAN Device and a meter (CS03A1, CS03A2, CS03C), critical."""
    return run(request, lambda r: _join(r, critical=True))


@transforms("8.7.2", _E, _G, _PP, _H)
def join_service_non_critical(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.7.2: join a Type 2 Device or GPF to a meter (CS03B), or the HAN Device's half of a
    method A or C join (the ACB's CS03A2 / CS03C)."""
    return run(request, lambda r: _join(r, critical=False))


# --- 8.8 unjoin -------------------------------------------------------------------------------


def _unjoin(request: TransformInput, *, critical: bool) -> CommandSpec:
    other = other_device_id(request)
    payload = encode_der(DerPayload(UnjoinDeviceCommand(other)))
    target = request.device.device_type
    known = request.inventory.get_device(other) if request.inventory is not None else None
    method_b = known is not None and (
        known.device_type is _T2 or (target is _G and known.device_type is _P)
    )
    if critical:
        if method_b:
            raise RefusalError("a Type 2 Device or GPF unjoins by the non-critical service")
        return CommandSpec("CS04AC", CS04AC, request.target, payload)
    if target in _HAN_TYPE1:
        return _acb_spec(request, "CS04AC", CS04AC, payload, signed=True)
    if known is not None and not method_b:
        raise RefusalError(f"a {known.device_type.value} unjoins by the critical service")
    return CommandSpec("CS04B", CS04B, request.target, payload)


@transforms("8.8.1", _E, _G, _PP, _H)
def unjoin_service_critical(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.8.1: remove a method A or C partner from the Device's log (CS04AC), critical."""
    return run(request, lambda r: _unjoin(r, critical=True))


@transforms("8.8.2", _E, _G, _PP, _H)
def unjoin_service_non_critical(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.8.2: remove a Type 2 Device or GPF from a meter's log (CS04B), or the HAN
    Device's partner (the ACB's CS04AC)."""
    return run(request, lambda r: _unjoin(r, critical=False))


# --- 8.9 read device log -----------------------------------------------------------------------


@transforms("8.9", _E, _G, _C, _P)
def read_device_log(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.9: the Device's log of HAN partners, or the CHF's whitelist (with the historic
    log and link key hashes when ``ReadSecurityDetails`` is asked)."""

    def build(request: TransformInput) -> CommandSpec:
        security_details = duisxml.child(request.body, "ReadSecurityDetails") is not None
        kind = request.device.device_type
        if kind is not _C:
            if security_details:
                raise RefusalError("only a CHF reports security details of its device log")
            payload = encode_der(DerPayload(ReadDeviceJoinDetailsCommand()))
            if kind is _P:
                return _acb_spec(request, "CS07", CS07, payload)
            return CommandSpec("CS07", CS07, request.target, payload)
        requests: list[Request]
        if security_details:
            requests = [b.action(104, CHF_DEVICE_LOG, 4), b.action(104, CHF_HISTORIC_DEVICE_LOG, 4)]
            use_case, code = "CCS07", CCS07
        else:
            requests = [b.get(104, CHF_DEVICE_LOG, 4)]
            legacy = request.device.gbcs_version.startswith(GBCS_1_PREFIX)
            use_case, code = ("CCS05CCS04", CCS05CCS04) if legacy else ("CCS06", CCS06)
        origin = _user_or_acb(request, signed=False)
        apdu = b.access_request(origin[0].counter, requests)
        return _acb_spec(request, use_case, code, encode_dlms(b.payload(apdu)), origin=origin)

    return run(request, build)


# --- 8.11, 8.12.1: the CHF whitelist ---------------------------------------------------------


@transforms("8.11", _C)
def update_han_device_log(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.11: add a Device to the CHF whitelist with its install code and join period
    (CCS01), or remove it (CCS02)."""

    def build(request: TransformInput) -> CommandSpec:
        device = duisxml.text(request.body, "DeviceID")
        try:
            device_id = Eui64.parse(device)
        except ValueError:
            raise RefusalError(f"DeviceID is not an EUI-64: {device!r}") from None
        kind = duisxml.text(request.body, "RequestType")
        if kind == "Remove":
            origin = _user_or_acb(request, signed=False)
            apdu = b.access_request(
                origin[0].counter, [b.action(104, CHF_DEVICE_LOG, 2, b.eui(device_id))]
            )
            payload = encode_dlms(b.payload(apdu))
            return _acb_spec(request, "CCS02", CCS02, payload, origin=origin)
        if kind != "Add":
            raise RefusalError(f"RequestType {kind!r} is neither Add nor Remove")
        details = duisxml.child(request.body, "AddDeviceToCHFWhitelist")
        if details is None:
            raise RefusalError("adding a Device needs AddDeviceToCHFWhitelist")
        join_period = duisxml.integer(details, "JoinTimePeriod", low=1, high=3600)
        install_code = duisxml.hex_bytes(details, "InstallCode")
        if not 6 <= len(install_code) <= 16:
            raise RefusalError("InstallCode must be 6 to 16 octets")
        registration = b.structure(
            b.eui(device_id),
            Enum(KEY_TYPE_INSTALL_CODE),
            b.octets(install_code),
            Enum(REGISTERED_DEVICE_NOT_HHT),
        )
        origin = _user_or_acb(request, signed=False)
        apdu = b.access_request(
            origin[0].counter,
            [
                b.action(104, CHF_DEVICE_LOG, 1, registration),
                b.set_(104, CHF_DEVICE_LOG, 3, LongUnsigned(join_period)),
                b.set_(104, CHF_DEVICE_LOG, 2, Boolean(True)),
            ],
        )
        payload = encode_dlms(b.payload(apdu))
        return _acb_spec(request, "CCS01", CCS01, payload, origin=origin)

    return run(request, build)


def _old_device(request: TransformInput, name: str) -> Eui64:
    text = duisxml.text(request.body, name)
    try:
        return Eui64.parse(text)
    except ValueError:
        raise RefusalError(f"{name} is not an EUI-64: {text!r}") from None


@transforms("8.12.1", _C)
def restore_han_device_log(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.12.1: restore on a replacement CHF the PAN the old CHF last backed up (CCS03)."""

    def build(request: TransformInput) -> CommandSpec:
        old = _old_device(request, "OldCHFID")
        backup = chf_backup(request.inventory, old)
        if backup is None:
            raise RefusalError(f"the DCC holds no device log backup of the CHF {old}")
        restore = b.structure(
            b.octets(backup.extended_pan_id),
            b.array(
                b.structure(b.eui(entry.device_id), b.octets(entry.hashed_link_key))
                for entry in backup.devices
            ),
        )
        origin = _user_or_acb(request, signed=False)
        apdu = b.access_request(origin[0].counter, [b.action(104, CHF_DEVICE_LOG, 5, restore)])
        payload = encode_dlms(b.payload(apdu))
        return _acb_spec(request, "CCS03", CCS03, payload, origin=origin)

    return run(request, build)


@transforms("8.12.2", _P)
def restore_gpf_device_log(request: TransformInput) -> CommandSpec | TransformRefusal:
    """8.12.2: restore on a replacement GPF the device log the old GPF last backed up."""

    def build(request: TransformInput) -> CommandSpec:
        old = _old_device(request, "OldGPFID")
        backup = gpf_backup(request.inventory, old)
        if backup is None:
            raise RefusalError(f"the DCC holds no device log backup of the GPF {old}")
        payload = encode_der(DerPayload(GpfDeviceLogRestoreCommand(backup.entries)))
        return _acb_spec(request, "GCS59", GCS59, payload)

    return run(request, build)
