"""The estate's integrity rules: what a Device, a registration or a User may hold.

Pure checks over values, shared by every adapter and by the admin API, so that a refusal
reads the same wherever it comes from. Each returns None when the value is acceptable or
an ``EstateRefusal`` saying what is wrong. The Device rules follow the associations the
SMI keeps (PROTOCOL.md): an installed meter carries its MPAN or MPRN and its CHF; a GSME
its GPF; a PPMID, HCALCS or Type 2 device the meters it is joined to (an HCALCS switches
electrical load, so only an ESME).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

from opendcc.access.users import DccUser
from opendcc.estate.mpxn import fuel_of, is_mpan, is_mprn
from opendcc.estate.records import DeviceUpdate, EstateRefusal, NewDevice, Premises, invalid
from opendcc.eui import Eui64
from opendcc.inventory.model import Device, DeviceType, Fuel, MarketRole, Registration, SmiStatus

MAX_UPRN: Final = 999_999_999_999
"""DUIS ``UPRN``: a positive integer of at most 12 digits."""

ROLE_FUELS: Final[dict[MarketRole, frozenset[Fuel]]] = {
    MarketRole.SUPPLIER: frozenset({Fuel.ELECTRICITY, Fuel.GAS}),
    MarketRole.EXPORT_SUPPLIER: frozenset({Fuel.ELECTRICITY}),
    MarketRole.NETWORK_OPERATOR: frozenset({Fuel.ELECTRICITY, Fuel.GAS}),
    MarketRole.SUPPLIER_AGENT: frozenset({Fuel.ELECTRICITY, Fuel.GAS}),
}
"""The fuels whose MPxNs each registration role can be held for."""

HAN_DEVICE_METERS: Final[dict[DeviceType, frozenset[DeviceType]]] = {
    DeviceType.PPMID: frozenset({DeviceType.ESME, DeviceType.GSME}),
    DeviceType.IHD: frozenset({DeviceType.ESME, DeviceType.GSME}),
    DeviceType.HCALCS: frozenset({DeviceType.ESME}),
}
"""The meter types each HAN device may be joined to."""

USER_TAGS: Final = frozenset({"dcc", "load_controller", "demo", "rtds"})
"""Tags the estate gives Users: ``dcc`` marks the DCC's own identity (the Access Control
Broker, originator of DSP messages); ``load_controller`` a load controller that holds no
User Role; ``demo`` and ``rtds`` say which seed created the User."""


def aware(at: datetime | None, what: str) -> EstateRefusal | None:
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        return invalid(f"{what} must carry a time zone (UTC), got {at.isoformat()}")
    return None


def printable(text: str, what: str, *, low: int = 0, high: int = 30) -> EstateRefusal | None:
    if not low <= len(text) <= high:
        return invalid(f"{what} must be {low} to {high} characters, got {len(text)}")
    if not text.isprintable():
        return invalid(f"{what} holds a control character")
    return None


def check_new_device(new: NewDevice) -> EstateRefusal | None:
    """The rules a Device's own fields must meet (references are checked by the store)."""
    kind = new.device_type
    status = new.initial_status
    if kind.is_type2 and status is not SmiStatus.NOT_APPLICABLE:
        return invalid(f"a Type 2 device ({kind.value}) has no SMI status; got {status.value}")
    if not kind.is_type2 and status is SmiStatus.NOT_APPLICABLE:
        return invalid(f"only Type 2 devices are NotApplicable; a {kind.value} has a status")
    problem = _check_meter_points(
        kind, new.mpxn, new.secondary_mpan, new.export_mpan, new.esme_variant is not None
    )
    if problem is not None:
        return problem
    if new.chf_id is not None and kind is DeviceType.CHF:
        return invalid("a CHF is not associated with another CHF")
    if new.device_id in (new.chf_id, new.parent_id) or new.device_id in new.joined_meters:
        return invalid(f"{new.device_id} cannot be associated with itself")
    if new.parent_id is not None and kind is not DeviceType.GSME:
        return invalid(f"only a GSME has a parent (its GPF); a {kind.value} does not")
    if new.joined_meters:
        if kind not in HAN_DEVICE_METERS:
            return invalid(f"a {kind.value} is not joined to meters; only PPMID, HCALCS, IHD")
        if len(set(new.joined_meters)) != len(new.joined_meters):
            return invalid("joined_meters lists a meter twice")
        if len(new.joined_meters) > 4:
            return invalid("a HAN device is joined to at most four meters here")
    if new.uprn is not None and not 0 < new.uprn <= MAX_UPRN:
        return invalid(f"a UPRN is a positive integer of at most 12 digits, got {new.uprn}")
    return (
        _check_details(new.manufacturer, new.model, new.firmware_version, new.gbcs_version)
        or (
            printable(new.smets_chts_version, "SMETSCHTSVersion", low=1, high=20)
            if new.smets_chts_version is not None
            else None
        )
        or aware(new.installed_at, "installed_at")
        or aware(new.commissioned_at, "commissioned_at")
    )


def check_device_references(
    new: NewDevice, lookup: Callable[[Eui64], Device | None]
) -> EstateRefusal | None:
    """That the CHF, GPF and meters ``new`` names exist and have the right types."""
    if new.chf_id is not None:
        chf = lookup(new.chf_id)
        if chf is None or chf.device_type is not DeviceType.CHF:
            return invalid(f"chf_id {new.chf_id} is not a CHF in the inventory")
    if new.parent_id is not None:
        gpf = lookup(new.parent_id)
        if gpf is None or gpf.device_type is not DeviceType.GPF:
            return invalid(f"parent_id {new.parent_id} is not a GPF in the inventory")
    for meter_id in new.joined_meters:
        problem = check_join(new.device_type, meter_id, lookup(meter_id))
        if problem is not None:
            return problem
    return None


def check_join(kind: DeviceType, meter_id: Eui64, meter: Device | None) -> EstateRefusal | None:
    allowed = HAN_DEVICE_METERS.get(kind)
    if allowed is None:
        return invalid(f"a {kind.value} is not joined to meters; only PPMID, HCALCS, IHD")
    if meter is None:
        return invalid(f"{meter_id} is not in the inventory")
    if meter.device_type not in allowed:
        names = ", ".join(sorted(t.value for t in allowed))
        return invalid(f"a {kind.value} joins {names}; {meter_id} is a {meter.device_type.value}")
    return None


def check_device_update(kind: DeviceType, update: DeviceUpdate) -> EstateRefusal | None:
    if update.is_empty():
        return invalid("the update changes nothing")
    unknown = update.clear - {"mpxn", "secondary_mpan", "export_mpan"}
    if unknown:
        return invalid(f"cannot clear {', '.join(sorted(unknown))}")
    problem = _check_meter_points(
        kind,
        update.mpxn,
        update.secondary_mpan,
        update.export_mpan,
        update.esme_variant is not None,
    )
    if problem is None and update.clear and not kind.is_meter:
        problem = invalid(f"a {kind.value} has no MPxN to clear")
    if (
        problem is None
        and update.clear & {"secondary_mpan", "export_mpan"}
        and (kind is not DeviceType.ESME)
    ):
        problem = invalid("only an ESME has secondary or export MPANs")
    return (
        problem
        or _check_details(
            update.manufacturer, update.model, update.firmware_version, update.gbcs_version
        )
        or (
            printable(update.smets_chts_version, "SMETSCHTSVersion", low=1, high=20)
            if update.smets_chts_version is not None
            else None
        )
    )


def _check_meter_points(
    kind: DeviceType,
    mpxn: str | None,
    secondary: str | None,
    export: str | None,
    has_variant: bool,
) -> EstateRefusal | None:
    if mpxn is not None:
        if kind is DeviceType.ESME and not is_mpan(mpxn):
            return invalid(f"an ESME's import MPxN is a 13-digit MPAN, got {mpxn!r}")
        if kind is DeviceType.GSME and not is_mprn(mpxn):
            return invalid(f"a GSME's MPxN is an MPRN of 1 to 10 digits, got {mpxn!r}")
        if not kind.is_meter:
            return invalid(f"only meters carry an MPxN; a {kind.value} does not")
    for name, value in (("secondary_mpan", secondary), ("export_mpan", export)):
        if value is None:
            continue
        if kind is not DeviceType.ESME:
            return invalid(f"only an ESME has a {name}")
        if not is_mpan(value):
            return invalid(f"{name} is a 13-digit MPAN, got {value!r}")
    if has_variant and kind is not DeviceType.ESME:
        return invalid("only an ESME has an ESME variant")
    return None


def _check_details(
    manufacturer: str | None, model: str | None, firmware: str | None, gbcs: str | None
) -> EstateRefusal | None:
    checks = (
        (manufacturer, "DeviceManufacturer", 1, 30),
        (model, "DeviceModel", 1, 30),
        (firmware, "FirmwareVersion", 1, 8),
        (gbcs, "GBCS version", 1, 20),
    )
    for value, what, low, high in checks:
        if value is not None:
            problem = printable(value, what, low=low, high=high)
            if problem is not None:
                return problem
    return None


def normalise_postcode(text: str) -> str:
    """Upper case, one space before the inward code (``sw1a1aa`` -> ``SW1A 1AA``)."""
    compact = "".join(text.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def check_premises(premises: Premises) -> EstateRefusal | None:
    """DUIS ``UPRN`` (12 digits), ``PostCode`` (6-8 characters), ``AddressIdentifier``."""
    if not 0 < premises.uprn <= MAX_UPRN:
        return invalid(f"a UPRN is a positive integer of at most 12 digits, got {premises.uprn}")
    postcode = premises.postcode
    if not 6 <= len(postcode) <= 8 or not _POSTCODE.fullmatch(postcode):
        return invalid(f"{postcode!r} is not a UK postcode (e.g. 'SW1A 1AA')")
    return printable(premises.address_identifier, "AddressIdentifier", low=1, high=30)


_POSTCODE: Final = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}")


def check_registration(registration: Registration) -> EstateRefusal | None:
    """That a registration names a well-formed MPxN of its fuel, in a role that fuel has."""
    fuel = fuel_of(registration.mpxn)
    if fuel is None:
        return invalid(
            f"{registration.mpxn!r} is neither an MPAN (13 digits) nor an MPRN (1-10 digits)"
        )
    if fuel is not registration.fuel:
        return invalid(f"{registration.mpxn} is a {fuel.value} MPxN, not {registration.fuel.value}")
    if fuel not in ROLE_FUELS[registration.role]:
        return invalid(f"no {registration.role.value} registration exists for {fuel.value}")
    problem = aware(registration.valid_from, "valid_from") or aware(
        registration.valid_to, "valid_to"
    )
    if (
        problem is None
        and registration.valid_to is not None
        and (registration.valid_to <= registration.valid_from)
    ):
        problem = invalid("valid_to must be later than valid_from")
    return problem


def check_callback_url(url: str) -> EstateRefusal | None:
    """A Receive Response Service URL: absolute http or https, with a host."""
    if len(url) > 2048:
        return invalid("callback URL is longer than 2048 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return invalid(f"callback URL is malformed: {exc}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return invalid(f"callback URL must be an absolute http(s) URL, got {url!r}")
    if port == 0:
        return invalid("callback URL has port 0")
    if not url.isprintable() or " " in url:
        return invalid("callback URL holds spaces or control characters")
    return None


def check_user(user: DccUser) -> EstateRefusal | None:
    problem = printable(user.name, "name", low=1, high=100) or printable(
        user.party, "party", high=100
    )
    if problem is None and user.callback_url is not None:
        problem = check_callback_url(user.callback_url)
    if problem is None:
        problem = check_tags(user.tags)
    return problem


def check_tags(tags: frozenset[str]) -> EstateRefusal | None:
    """Tags are short lower-case tokens; ``USER_TAGS`` lists the ones the estate uses."""
    if len(tags) > 16:
        return invalid("a User carries at most 16 tags")
    bad = sorted(t for t in tags if not _TAG.fullmatch(t))
    if bad:
        return invalid(f"tags are lower-case tokens of 1 to 32 characters: {', '.join(bad)!r}")
    return None


_TAG: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
