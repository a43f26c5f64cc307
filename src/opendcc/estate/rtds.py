"""The reference estate (``--estate rtds``): the devices and Users the DUIS reference
templates (the RTDS) and DCC Boxed's test identities address, as opendcc describes them.

Devices, one premises (EUIs and device types are facts of the reference data; everything
else, MPxNs and premises included, is opendcc's own):

========================  ======  ==============================================
00-DB-12-34-56-78-90-A0   ESME    twin element (variant B), import, secondary and
                                  export MPANs
00-DB-12-34-56-78-90-A1   GSME    its GPF is A3
00-DB-12-34-56-78-90-A2   CHF
00-DB-12-34-56-78-90-A3   GPF
00-DB-12-34-56-78-90-A4   PPMID   joined to A0 and A1
00-DB-12-34-56-78-90-A5   HCALCS  joined to A0
00-DB-12-34-56-78-90-A6   HCALCS  an auxiliary proportional controller (APC), joined to A0
02-0D-CC-02-00-00-00-01   IHD     opendcc's own Type 2 device, joined to A0 and A1
========================  ======  ==============================================

The join partners the 8.7 templates name (``OtherDeviceID``), behind the same CHF and at the
same premises, waiting to be joined (installed, not yet commissioned or joined):

========================  ======  =============================================================
00-DB-12-34-56-78-90-9A   HCALCS  Whitelisted; CS03A1 joins it to the ESME A0 (method A)
00-DB-12-34-56-78-90-93   ESME    InstalledNotCommissioned, no MPAN yet; CS03A2 joins the
                                  HCALCS A5 to it (method A, responder)
00-DB-12-34-56-78-90-98   PPMID   Whitelisted; CS03C (critical) joins the GSME A1 to it
00-DB-12-34-56-78-90-94   GSME    InstalledNotCommissioned behind the GPF A3, no MPRN yet;
                                  CS03C (non-critical, the ACB's) joins the PPMID A4 to it
========================  ======  =============================================================

Their device types are those the reference GBCS vectors of the same use cases give the
other party (``OtherDeviceType``: CS03A1 4 HCALCS, CS03A2 1 ESME, CS03C critical 5 PPMID,
CS03C non-critical 0 GSME); the reference GBCS keystore holds Device certificates for all
four EUIs. Method C carries the other Device's Key Agreement certificate: the DCC takes it
from the SMKI repository (DUIS 8.7 names only ``OtherDeviceID``), so the hub's Command
carries the certificate its SMKI holds for the partner, not the one in the reference vector.

How A4 to A6 were identified (docs/estate.md gives the evidence): A4 receives CS08 "Read
PPMID/HCALCS Firmware Version", CS03C "Method C Join" (whose other party, per the
reference GBCS vectors, is a GSME: a GSME-PPMID join) and the PPMID-local PCS01/PCS02
vectors, so it is the PPMID. A5 receives CS03A2 "Method A Join (non Meter)" signed by the
supplier and CS08, so it holds SMKI credentials and is not a Type 2 device: with A4 the
PPMID, it is the HCALCS. A6 receives ECS46d "Set Auxiliary Controller Calendar" for an
APC output, a load controller's CS02g credential update and ECS102 "Limit APC Level ended"
alerts: a HAN-connected auxiliary proportional controller, which DUIS (whose DeviceType
has no APC) can only call an HCALCS. None of A4 to A6 can be a Type 2 device (Type 2
devices hold no credentials and receive no Commands), so the estate adds its own IHD.

Users: the DCC Boxed test identities the templates use, each in the User Roles its
templates need. The supplier ``90-B3-D5-1F-30-01-00-00`` originates Import and Gas
Supplier requests and also Export Supplier ones (4.6.2, 6.20.2) and an Other User one
(9.1), so it holds IS, GS, ES and OU and is the registered Supplier and Export Supplier;
the network operator ``90-B3-D5-1F-30-02-00-00`` is the Electricity Distributor and Gas
Transporter; the second supplier ``90-B3-D5-1F-30-03-00-00`` (IS, GS) supplied both
fuels and the export until a change of supplier on 2020-04-01 (its one template, a
"Unknown Remote Party" read, is then refused with E4: the DCC checks registration data
now). The load controller
``90-B3-D5-1F-30-01-00-08`` holds no User Role (DUIS makes 7.16 "Limit APC Level", which it
originates in the templates, DCC-only). ``00-DB-12-34-56-78-00-04``, DCC Boxed's Other User,
is an Other User. The DCC's own EUI ``90-B3-D5-1F-30-00-00-02`` (the Access Control Broker,
target of non-device requests and originator of DSP messages) is recorded as the DCC's
identity: tag ``dcc``, no User Role. Some templates carry it as the originator (6.24.1,
8.12.2, 11.2 to A4): those are requests the DCC itself sends as Access Control Broker (the
GBCS commands of 8.7.2/8.8.2 to the PPMID and CS08 are ACB-originated in the reference
vectors), not a User's Service Requests, so the estate does not pretend the DCC holds a
User Role; the hub decides what a ``dcc``-tagged originator may do (with no roles the
ordinary checks refuse it with E1).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from opendcc.access.users import DccUser
from opendcc.estate.cast import dcc_user
from opendcc.estate.ids import extra_device_eui
from opendcc.estate.mpxn import DISTRIBUTION_AREAS, make_mpan, make_mprn
from opendcc.estate.records import (
    EsmeVariant,
    EstateChunk,
    NewDevice,
    Premises,
    SeededDevice,
    SeededUser,
    UserCertificate,
)
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import (
    DeviceType,
    Fuel,
    MarketRole,
    Registration,
    SmiStatus,
    StatusChange,
)
from opendcc.roles import UserRole
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore

ESME: Final = Eui64.parse("00-DB-12-34-56-78-90-A0")
GSME: Final = Eui64.parse("00-DB-12-34-56-78-90-A1")
CHF: Final = Eui64.parse("00-DB-12-34-56-78-90-A2")
GPF: Final = Eui64.parse("00-DB-12-34-56-78-90-A3")
PPMID: Final = Eui64.parse("00-DB-12-34-56-78-90-A4")
HCALCS: Final = Eui64.parse("00-DB-12-34-56-78-90-A5")
APC: Final = Eui64.parse("00-DB-12-34-56-78-90-A6")
IHD: Final = extra_device_eui(1)
PARTNER_HCALCS: Final = Eui64.parse("00-DB-12-34-56-78-90-9A")
PARTNER_ESME: Final = Eui64.parse("00-DB-12-34-56-78-90-93")
PARTNER_PPMID: Final = Eui64.parse("00-DB-12-34-56-78-90-98")
PARTNER_GSME: Final = Eui64.parse("00-DB-12-34-56-78-90-94")

SUPPLIER: Final = Eui64.parse("90-B3-D5-1F-30-01-00-00")
NETWORK_OPERATOR: Final = Eui64.parse("90-B3-D5-1F-30-02-00-00")
SUPPLIER_2: Final = Eui64.parse("90-B3-D5-1F-30-03-00-00")
LOAD_CONTROLLER: Final = Eui64.parse("90-B3-D5-1F-30-01-00-08")
OTHER_USER: Final = Eui64.parse("00-DB-12-34-56-78-00-04")
DCC: Final = DCC_ACCESS_CONTROL_BROKER

DEVICE_TYPES: Final[dict[Eui64, DeviceType]] = {
    ESME: DeviceType.ESME,
    GSME: DeviceType.GSME,
    CHF: DeviceType.CHF,
    GPF: DeviceType.GPF,
    PPMID: DeviceType.PPMID,
    HCALCS: DeviceType.HCALCS,
    APC: DeviceType.HCALCS,
    IHD: DeviceType.IHD,
    PARTNER_HCALCS: DeviceType.HCALCS,
    PARTNER_ESME: DeviceType.ESME,
    PARTNER_PPMID: DeviceType.PPMID,
    PARTNER_GSME: DeviceType.GSME,
}

JOIN_PARTNERS: Final[dict[Eui64, SmiStatus]] = {
    PARTNER_HCALCS: SmiStatus.WHITELISTED,
    PARTNER_ESME: SmiStatus.INSTALLED_NOT_COMMISSIONED,
    PARTNER_PPMID: SmiStatus.WHITELISTED,
    PARTNER_GSME: SmiStatus.INSTALLED_NOT_COMMISSIONED,
}
"""The Devices the 8.7 join templates name as ``OtherDeviceID``, in the status each waits
in: a PPMID or HCALCS Whitelisted on the CHF, a meter InstalledNotCommissioned (GBCS 13.7:
a join happens at installation, before commissioning)."""

_AREA: Final = 14
"""West Midlands (CSP region Central): opendcc's choice for the reference premises."""
REGION: Final = DISTRIBUTION_AREAS[_AREA][1]
MPAN: Final = make_mpan(_AREA, 3_141_592_653)
SECONDARY_MPAN: Final = make_mpan(_AREA, 3_141_592_654)
EXPORT_MPAN: Final = make_mpan(_AREA, 2_718_281_828)
MPRN: Final = make_mprn(74_161_803)
UPRN: Final = 100_023_456_789
PREMISES: Final = Premises(UPRN, "CV4 8UW", "1 Reference Row", REGION)

INSTALLED: Final = datetime(2019, 6, 3, 9, 30, tzinfo=UTC)
PARTNERS_INSTALLED: Final = datetime(2024, 9, 16, 10, 0, tzinfo=UTC)
"""When the join partners were whitelisted or installed (opendcc's choice)."""
CHANGE_OF_SUPPLY: Final = datetime(2020, 4, 1, tzinfo=UTC)
SUPPLY_SINCE: Final = datetime(2018, 10, 1, tzinfo=UTC)
NETWORK_SINCE: Final = datetime(2000, 1, 1, tzinfo=UTC)
USERS_SINCE: Final = datetime(2018, 1, 1, tzinfo=UTC)

_IS, _ES, _GS = UserRole.IMPORT_SUPPLIER, UserRole.EXPORT_SUPPLIER, UserRole.GAS_SUPPLIER
_ED, _GT, _OU = UserRole.ELECTRICITY_DISTRIBUTOR, UserRole.GAS_TRANSPORTER, UserRole.OTHER_USER


def rtds_users(callback_url: str | None = None) -> tuple[DccUser, ...]:
    tags = frozenset({"rtds"})
    return (
        dcc_user(None, tags=tags),
        DccUser(SUPPLIER, "DCC Boxed test supplier", frozenset({_IS, _GS, _ES, _OU}),
                callback_url=callback_url, party="supplier", tags=tags),
        DccUser(NETWORK_OPERATOR, "DCC Boxed test network operator", frozenset({_ED, _GT}),
                callback_url=callback_url, party="network-operator", tags=tags),
        DccUser(SUPPLIER_2, "DCC Boxed second test supplier", frozenset({_IS, _GS}),
                callback_url=callback_url, party="supplier-2", tags=tags),
        DccUser(LOAD_CONTROLLER, "DCC Boxed test load controller", frozenset(),
                callback_url=callback_url, party="load-controller",
                tags=tags | {"load_controller"}),
        DccUser(OTHER_USER, "DCC Boxed test other user", frozenset({_OU}),
                callback_url=callback_url, party="other-user", tags=tags),
    )  # fmt: skip


def _history(
    device_id: Eui64, kind: DeviceType, status: SmiStatus, installed: datetime
) -> tuple[StatusChange, ...]:
    """The walk through the transition table that brought the Device to ``status``."""
    if kind.is_type2:
        return (StatusChange(device_id, None, status, installed, "seed rtds install"),)
    pending = StatusChange(
        device_id,
        None,
        SmiStatus.PENDING,
        (installed - timedelta(days=33)).replace(hour=0, minute=0),
        "seed rtds pre_notify",
    )
    middle = (
        SmiStatus.WHITELISTED
        if kind in (DeviceType.PPMID, DeviceType.HCALCS)
        else SmiStatus.INSTALLED_NOT_COMMISSIONED
    )
    step = "whitelist" if middle is SmiStatus.WHITELISTED else "install"
    walk = [
        pending,
        StatusChange(device_id, SmiStatus.PENDING, middle, installed, f"seed rtds {step}"),
    ]
    if status is SmiStatus.COMMISSIONED:
        walk.append(
            StatusChange(
                device_id, middle, status, installed.replace(second=30), "seed rtds commission"
            )
        )
    elif status is not middle:
        raise ValueError(f"the rtds estate seeds no {kind.value} in status {status.value}")
    return tuple(walk)


def _device(
    device_id: Eui64,
    *,
    minutes: int,
    joined: tuple[Eui64, ...] = (),
    status: SmiStatus = SmiStatus.COMMISSIONED,
    since: datetime = INSTALLED,
    **fields: object,
) -> SeededDevice:
    kind = DEVICE_TYPES[device_id]
    installed = since + timedelta(minutes=minutes)
    if kind.is_type2:
        status = SmiStatus.NOT_APPLICABLE
    history = _history(device_id, kind, status, installed)
    new = NewDevice(
        device_id=device_id,
        device_type=kind,
        region=REGION,
        status=status,
        uprn=UPRN,
        chf_id=None if kind is DeviceType.CHF else CHF,
        joined_meters=joined,
        manufacturer="0D0A",
        model=f"0D0A00{kind.gbcs_code:02X}",
        firmware_version="00010203",
        gbcs_version="4.1",
        smets_chts_version="CHTS V1.3" if kind in (DeviceType.CHF, DeviceType.GPF) else
        "SMETS2 V4.2",
        installed_at=None if status is SmiStatus.WHITELISTED else installed,
        commissioned_at=history[-1].at if status is SmiStatus.COMMISSIONED else None,
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip
    return SeededDevice(new, history)


def rtds_devices() -> tuple[SeededDevice, ...]:
    return (
        _device(CHF, minutes=0),
        _device(GPF, minutes=2),
        _device(ESME, minutes=5, mpxn=MPAN, secondary_mpan=SECONDARY_MPAN,
                export_mpan=EXPORT_MPAN, esme_variant=EsmeVariant.B),
        _device(GSME, minutes=9, mpxn=MPRN, parent_id=GPF),
        _device(PPMID, minutes=15, joined=(ESME, GSME)),
        _device(HCALCS, minutes=17, joined=(ESME,)),
        _device(APC, minutes=19, joined=(ESME,)),
        _device(IHD, minutes=21, joined=(ESME, GSME)),
        *(
            _device(eui, minutes=n, status=status, since=PARTNERS_INSTALLED,
                    parent_id=GPF if DEVICE_TYPES[eui] is DeviceType.GSME else None)
            for n, (eui, status) in enumerate(JOIN_PARTNERS.items())
        ),
    )  # fmt: skip


def rtds_registrations() -> tuple[Registration, ...]:
    e, g = Fuel.ELECTRICITY, Fuel.GAS
    supplier, network = MarketRole.SUPPLIER, MarketRole.NETWORK_OPERATOR
    rows: list[Registration] = []
    for mpxn, fuel in ((MPAN, e), (SECONDARY_MPAN, e), (MPRN, g)):
        rows += [
            Registration(mpxn, fuel, supplier, SUPPLIER_2, SUPPLY_SINCE, CHANGE_OF_SUPPLY),
            Registration(mpxn, fuel, supplier, SUPPLIER, CHANGE_OF_SUPPLY),
            Registration(mpxn, fuel, network, NETWORK_OPERATOR, NETWORK_SINCE),
        ]
    rows += [
        Registration(
            EXPORT_MPAN, e, MarketRole.EXPORT_SUPPLIER, SUPPLIER_2, SUPPLY_SINCE, CHANGE_OF_SUPPLY
        ),
        Registration(EXPORT_MPAN, e, MarketRole.EXPORT_SUPPLIER, SUPPLIER, CHANGE_OF_SUPPLY),
        Registration(EXPORT_MPAN, e, network, NETWORK_OPERATOR, NETWORK_SINCE),
    ]
    return tuple(rows)


def keystore_certificates(keystore: Keystore, eui: Eui64) -> tuple[UserCertificate, ...]:
    """The certificates ``keystore`` holds for ``eui``, as the estate lists them."""
    found: dict[int, UserCertificate] = {}
    for usage in KeyUsage:
        for record in keystore.for_eui(eui, usage):
            label = next(
                (e.name for e in keystore.entries if e.serial == record.serial), usage.value
            )
            found[record.serial] = UserCertificate(record.serial, label[:40], record.role)
    return tuple(found[s] for s in sorted(found))


def rtds_chunk(keystore: Keystore | None = None, *, callback_url: str | None = None) -> EstateChunk:
    """The reference estate as one chunk; with a keystore, the Users' certificate serials."""
    users = [
        SeededUser(
            user,
            USERS_SINCE,
            () if keystore is None else keystore_certificates(keystore, user.eui),
        )
        for user in rtds_users(callback_url)
    ]
    return EstateChunk(
        users=users,
        premises=[PREMISES],
        devices=list(rtds_devices()),
        registrations=list(rtds_registrations()),
    )
