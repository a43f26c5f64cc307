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

from opendcc.eui import Eui64
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
    dcc_counter: int | None = None
    """The Access Control Broker's own originator counter, for a Command the DCC sends as
    ACB on the User's behalf (a CHF target, or a User the Device does not know:
    ``CommandSpec.originator`` is the ACB and the User is the supplementary remote party,
    with its RequestID counter). The payload's invoke id and protection parameters carry it
    (ECS21c, GCS61, ECS50, DBCH reference vectors); None: the transform uses ``counter``."""


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
    originator: Eui64 | None = None
    """The GBCS originator when it is not the User: the DCC's Access Control Broker sending
    on the User's behalf (Commands to a CHF; Users whose role holds no trust anchor on the
    Device). The payload was built with ``TransformInput.dcc_counter``. None: the User."""
    counter: int | None = None
    """The GBCS originator counter when it is not the RequestID counter (with
    ``originator``)."""


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
