"""The transform contract and the table of transforms.

A transform is a pure function from a validated Service Request (its body element and the
facts the hub established: originator, target Device, counter, the User Role, the
execution time) to a ``CommandSpec``: the GBCS use case, message code, recipient and
payload bytes the hub wraps into a Pre-Command or a MACed Command (``opendcc.gbcs.build``).
It refuses with a ``TransformRefusal`` carrying a DUIS response code when the request
cannot be carried out as asked (a value out of range for the Device, a related Device
missing); it never raises for bad values.

Transforms are deterministic: the same request gives the same bytes, which is what makes
``opendcc transform`` byte-exact against the reference Commands and what lets a User's
Parse and Correlate software recompute a Pre-Command and compare.

Registration: ``@transforms("4.1.1", DeviceType.ESME)`` in a family module. One function
may serve several variants and device types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from lxml import etree

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs import build as gbcs_build
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import Device, DeviceType
from opendcc.roles import UserRole


class InventoryView(Protocol):
    """What a transform may look up about other Devices (read-only)."""

    def get_device(self, eui: Eui64) -> Device | None: ...


@dataclass(frozen=True, slots=True)
class TransformInput:
    variant: str
    """The Service Reference Variant, e.g. ``"4.1.1"``."""
    body: etree._Element
    """The DUIS body element (``sr:ReadInstantaneousImportRegisters``...)."""
    originator: Eui64
    """The User ID: the GBCS originator of the Command (the Remote Party)."""
    target: Eui64
    """The Device the request names."""
    counter: int
    """The RequestID counter, which becomes the GBCS originator counter."""
    device: Device
    role: UserRole
    """The User Role the request is made in."""
    now: datetime
    execution_at: datetime | None = None
    """``ExecutionDateTime`` of a future-dated request (None: immediate)."""
    inventory: InventoryView | None = None
    dcc_counter: Callable[[Eui64], int] | None = None
    """The originator counter a DCC party (the Access Control Broker, the Transitional CoS
    Party) uses for this request's Command, when the DCC originates it on the User's behalf
    (see ``DccOrigination``): strictly above every counter the party used before, and the
    same value however often it is asked within one transform (the payload's invoke id and
    protection parameters must agree with the header). None: transforms use ``counter``."""


@dataclass(frozen=True, slots=True)
class DccOrigination:
    """The DCC, not the User, originates the Command.

    GBCS has the Access Control Broker originate Commands to Communications Hub Functions,
    GPFs and Type 1 HAN Devices on a User's behalf, naming the User as supplementary
    remote party (``CommandSpec.supplementary_remote_party``), and the DCC's Transitional
    CoS Party originate the change-of-supplier credential update (DUIS 6.23). The hub
    builds the Command with ``party`` as originator and ``counter`` as originator counter
    and, when ``signed``, signs it with ``party``'s Digital Signing key (the Command is of
    a critical GBCS message type although the Service Request is not critical).
    """

    party: Eui64
    counter: int
    signed: bool = False


def dcc_origination(
    request: TransformInput, party: Eui64 = DCC_ACCESS_CONTROL_BROKER, *, signed: bool = False
) -> DccOrigination:
    """``party`` originates the Command, with the counter the hub allocates for it
    (``TransformInput.dcc_counter``; the RequestID counter when none is given)."""
    counter = request.dcc_counter(party) if request.dcc_counter is not None else request.counter
    return DccOrigination(party, counter, signed)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """Everything the hub needs to build the GBCS Command (or Pre-Command)."""

    use_case: str
    message_code: int
    recipient: Eui64
    payload: bytes
    date_time: datetime | None = None
    """The grouping header's date-time: set for Device-held future-dated Commands."""
    supplementary_remote_party: Eui64 | None = None
    supplementary_remote_party_counter: int | None = None
    supplementary_remote_party_ka_certificate: bytes | None = None
    dcc_origination: DccOrigination | None = None
    """Set when a DCC party originates the Command (None: the User does)."""


@dataclass(frozen=True, slots=True)
class BuiltCommand:
    """The GBCS message the DCC makes of a ``CommandSpec`` (``build_command``)."""

    message: bytes
    pre_command: bool
    """True: a Pre-Command for the User to sign (DUIS CV 4/5/6); False: a Command."""
    originator: Eui64
    counter: int


def is_pre_command(spec: CommandSpec, critical_variant: bool) -> bool:
    """Whether the DCC answers with a Pre-Command: the Service Request is of the critical
    Command Variant (DUIS 3.2.1: CV 4, or 5/6 signed later) and the User originates the
    Command. A Command a DCC party originates (``DccOrigination``) is built whole."""
    return critical_variant and spec.dcc_origination is None


def build_command(
    spec: CommandSpec,
    *,
    originator: Eui64,
    counter: int,
    critical_variant: bool,
    security: GbcsSecurity | None,
) -> BuiltCommand:
    """The Pre-Command or Command for ``spec`` (the one place the hub and ``opendcc
    transform`` wrap a transform's result into GBCS).

    ``originator`` and ``counter`` are the User's (the RequestID's); a ``DccOrigination``
    replaces them with the DCC party's. A Pre-Command carries no protection (GBCS 4.3.2.5:
    the User signs it); a Command is MACed with the ACB's KA key (``security``) and, when
    a DCC party originates a critical message type, signed with that party's DS key
    first. Raises ``GbcsEncodeError`` for an out-of-range field or a missing
    ``security``, ``MissingKeyError`` when a key is not held.
    """
    origin = spec.dcc_origination
    if origin is not None:
        originator, counter = origin.party, origin.counter
    if is_pre_command(spec, critical_variant):
        pre = gbcs_build.pre_command(
            spec.payload,
            originator=originator,
            recipient=spec.recipient,
            counter=counter,
            message_code=spec.message_code,
            date_time=spec.date_time,
        )
        return BuiltCommand(pre.encode(), True, originator, counter)
    if security is None:
        raise GbcsEncodeError("a Command is MACed: the ACB's keys are needed")
    # A DCC party signs a critical GBCS Command itself (the Transitional CoS Party's
    # credential update, DUIS 6.23; the ACB's CS03A2): no Pre-Command.
    signed = origin is not None and origin.signed
    message = gbcs_build.command(
        spec.payload,
        originator=originator,
        recipient=spec.recipient,
        counter=counter,
        message_code=spec.message_code,
        security=security,
        signed=signed,
        date_time=spec.date_time,
        supplementary_remote_party=spec.supplementary_remote_party,
        supplementary_remote_party_counter=spec.supplementary_remote_party_counter,
        supplementary_remote_party_ka_certificate=(
            None if signed else spec.supplementary_remote_party_ka_certificate
        ),
    )
    return BuiltCommand(message.encode(), False, originator, counter)


@dataclass(frozen=True, slots=True)
class TransformRefusal:
    """The request cannot be transformed; ``code`` is the DUIS response code to answer."""

    code: str
    reason: str


TransformFn = Callable[[TransformInput], CommandSpec | TransformRefusal]


@dataclass(slots=True)
class _Table:
    routes: dict[tuple[str, DeviceType], TransformFn] = field(default_factory=dict)


_TABLE = _Table()


def transforms(variant: str, *device_types: DeviceType) -> Callable[[TransformFn], TransformFn]:
    """Register the decorated function for ``variant`` on each of ``device_types``."""
    if not device_types:
        raise ValueError(f"a transform for {variant} must name its device types")

    def register(fn: TransformFn) -> TransformFn:
        for device_type in device_types:
            key = (variant, device_type)
            existing = _TABLE.routes.get(key)
            if existing is not None and existing is not fn:
                raise ValueError(f"two transforms for {variant} on {device_type.value}")
            _TABLE.routes[key] = fn
        return fn

    return register


def lookup(variant: str, device_type: DeviceType) -> TransformFn | None:
    return _TABLE.routes.get((variant, device_type))


def routes() -> dict[tuple[str, DeviceType], TransformFn]:
    """Every registered (variant, device type) and its transform (a copy)."""
    return dict(_TABLE.routes)


def transform(request: TransformInput) -> CommandSpec | TransformRefusal:
    """Run the registered transform for the request's variant and target device type."""
    fn = lookup(request.variant, request.device.device_type)
    if fn is None:
        return TransformRefusal(
            "E11",
            f"opendcc has no transform for {request.variant} on a "
            f"{request.device.device_type.value}",
        )
    return fn(request)
