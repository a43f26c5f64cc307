"""The COSEM objects the configuration family reads and writes, and the engine that answers
a DLMS access-request against them (ESME, CHF, HAN auxiliary controller).

A DLMS Device is an object model: each (class, OBIS, attribute) holds a value and accepts
some writes; each (class, OBIS, method) does something. This module is that model for the
objects of DUIS 3.x and 6.x, as a table: ``ATTRIBUTES`` and ``METHODS`` give, per key,
which device types hold the object, its initial value (plausible, from the Device's
identity), what a write must look like, and any effect (the rows are in
``config_objects``, the checks in ``config_checks``). ``answer`` runs the requests of a
Command in order with GBCS's break-on-error processing (GBCS 7.2.9; the invoke id's
processing option): after the first failure, every later request answers other-reason and
is not carried out, as the reference ERROR Responses show.

Results: a Command for an object the Device does not have answers object-undefined (a
phase-2 voltage object on a single-phase ESME, say); a value of the wrong type
type-unmatched; a value out of range or inconsistent other-reason; a read of a write-only
object read-write-denied; an injected fault (``DeviceFaults``) the result it names,
hardware-fault in the reference ERROR vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from opendcc.devices.config_state import (
    ClockState,
    CosemObjects,
    DeviceFaults,
    LogClears,
)
from opendcc.devices.simulator import DeviceContext
from opendcc.devices.state import DeviceState
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    Action,
    ActionResponse,
    ActionResult,
    DataAccessResult,
    Get,
    GetResult,
    Request,
    Response,
    Set,
    SetResult,
)
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, SelectiveAccess
from opendcc.gbcs.dlms.data import (
    Data,
    OctetString,
)
from opendcc.gbcs.dlms.jsonform import data_from_json, data_to_json
from opendcc.inventory.model import Device, DeviceType

E, C, H = DeviceType.ESME, DeviceType.CHF, DeviceType.HCALCS
DAR = DataAccessResult


@dataclass(slots=True)
class CosemContext:
    """One Command's view of a Device's objects."""

    device: DeviceContext
    objects: CosemObjects

    @classmethod
    def of(cls, context: DeviceContext) -> CosemContext:
        return cls(context, context.state.get(CosemObjects))

    @property
    def state(self) -> DeviceState:
        return self.device.state

    @property
    def now(self) -> datetime:
        return self.device.now

    def value(self, key: str) -> Data:
        return _stored(self.state, self.objects, key)

    def store(self, key: str, value: Data) -> None:
        self.objects.values[key] = data_to_json(value)
        self.state.touch()

    @property
    def polyphase(self) -> bool:
        return meter_variant(self.state).upper().startswith("C")

    @property
    def twin_element(self) -> bool:
        return meter_variant(self.state).upper().startswith("B")


Accept = Callable[[Data, CosemContext], DAR | None]
"""Checks a written value: None accepts it, else the result to answer."""


@dataclass(frozen=True, slots=True)
class CosemAttribute:
    name: str
    devices: frozenset[DeviceType]
    default: Callable[[Device], Data]
    accept: Accept | None = None
    """None: read-only."""
    readable: bool = True
    present: Callable[[CosemContext], bool] | None = None
    compute: Callable[[CosemContext], Data] | None = None
    """A value the Device computes when read (the clock), instead of a stored one."""
    select: Callable[[CosemContext, SelectiveAccess], Data | DAR] | None = None
    """A profile's answer to a selective (range) read."""
    after_write: Callable[[CosemContext, Data], None] | None = None


MethodRun = Callable[[CosemContext, Data], ActionResult]


@dataclass(frozen=True, slots=True)
class CosemMethod:
    name: str
    devices: frozenset[DeviceType]
    run: MethodRun
    present: Callable[[CosemContext], bool] | None = None


ATTRIBUTES: dict[str, CosemAttribute] = {}
"""``class/OBIS/attribute`` -> the object's rules (filled by ``config_objects``)."""
METHODS: dict[str, CosemMethod] = {}
"""``class/OBIS/m<method>`` -> the method (filled by ``config_objects``)."""


def register_attribute(class_id: int, obis: str, attribute_id: int, item: CosemAttribute) -> None:
    ATTRIBUTES[f"{class_id}/{obis}/{attribute_id}"] = item


def register_method(class_id: int, obis: str, method_id: int, item: CosemMethod) -> None:
    METHODS[f"{class_id}/{obis}/m{method_id}"] = item


def device_time(state: DeviceState, now: datetime) -> datetime:
    """The Device's clock: the hub's time plus the Device's offset (6.11 sets it to 0)."""
    return now + timedelta(seconds=state.get(ClockState).offset_seconds)


def record_reset(state: DeviceState, obis: str, at: datetime) -> None:
    state.get(LogClears).cleared[obis] = at
    state.touch()


# --- reading and writing ------------------------------------------------------------------


def _stored(state: DeviceState, objects: CosemObjects, key: str) -> Data:
    raw = objects.values.get(key)
    if raw is not None:
        try:
            return data_from_json(raw)
        except GbcsDecodeError:
            del objects.values[key]  # unreadable stored value: the Device reverts to default
    item = ATTRIBUTES.get(key)
    if item is None:
        raise KeyError(key)
    return item.default(state.device)


def read_value(state: DeviceState, class_id: int, obis: str, attribute_id: int) -> Data | None:
    """The value an attribute holds on a Device (None when the table has no such object);
    for other families that need configuration this family owns."""
    key = f"{class_id}/{obis}/{attribute_id}"
    if key not in ATTRIBUTES:
        return None
    return _stored(state, state.get(CosemObjects), key)


def write_value(
    state: DeviceState, class_id: int, obis: str, attribute_id: int, value: Data
) -> None:
    """Store an attribute value directly (installation facts, test set-up); no checks."""
    state.get(CosemObjects).values[f"{class_id}/{obis}/{attribute_id}"] = data_to_json(value)
    state.touch()


def meter_variant(state: DeviceState) -> str:
    value = read_value(state, 1, "0-0:96.1.2.255", 2)
    if isinstance(value, OctetString):
        return value.value.decode("ascii", "replace") or "A"
    return "A"


def _fault(ctx: CosemContext, key: str) -> int | None:
    return ctx.state.get(DeviceFaults).failing.get(key)


def _present(ctx: CosemContext, item: CosemAttribute | CosemMethod) -> bool:
    if ctx.device.device.device_type not in item.devices:
        return False
    return item.present is None or item.present(ctx)


def get(ctx: CosemContext, request: Get) -> GetResult:
    key = str(request.attribute)
    fault = _fault(ctx, key)
    if fault is not None:
        return GetResult(fault)
    item = ATTRIBUTES.get(key)
    if item is None or not _present(ctx, item):
        return GetResult(DAR.OBJECT_UNDEFINED)
    if not item.readable:
        return GetResult(DAR.READ_WRITE_DENIED)
    if request.access is not None:
        if item.select is None:
            return GetResult(DAR.OTHER_REASON)
        selected = item.select(ctx, request.access)
        return GetResult(selected) if isinstance(selected, DAR) else b.get_ok(selected)
    if item.compute is not None:
        return b.get_ok(item.compute(ctx))
    return b.get_ok(ctx.value(key))


def set_(ctx: CosemContext, request: Set) -> SetResult:
    key = str(request.attribute)
    fault = _fault(ctx, key)
    if fault is not None:
        return SetResult(fault)
    item = ATTRIBUTES.get(key)
    if item is None or not _present(ctx, item):
        return SetResult(DAR.OBJECT_UNDEFINED)
    if item.accept is None or request.access is not None:
        return SetResult(DAR.READ_WRITE_DENIED)
    refused = item.accept(request.value, ctx)
    if refused is not None:
        return SetResult(refused)
    if item.after_write is not None:
        item.after_write(ctx, request.value)
    if item.compute is None and item.readable:
        ctx.store(key, request.value)
    return b.set_ok()


def method_key(descriptor: MethodDescriptor) -> str:
    return f"{descriptor.class_id}/{descriptor.instance}/m{descriptor.method_id}"


def action(ctx: CosemContext, request: Action) -> ActionResponse:
    key = method_key(request.method)
    fault = _fault(ctx, key)
    if fault is not None:
        return ActionResponse(fault)
    item = METHODS.get(key)
    if item is None or not _present(ctx, item):
        return ActionResponse(ActionResult.OBJECT_UNDEFINED)
    return ActionResponse(item.run(ctx, request.parameters))


def not_done(request: Request) -> Response:
    """The answer to a request after an earlier one failed (break on error)."""
    if isinstance(request, Get):
        return GetResult(DAR.OTHER_REASON)
    if isinstance(request, Set):
        return SetResult(DAR.OTHER_REASON)
    return ActionResponse(ActionResult.OTHER_REASON)


Step = Callable[[CosemContext, Request], Response | None]
"""A use case's own handling of one request (None: the table's)."""


def answer(
    ctx: CosemContext, requests: Sequence[Request], step: Step | None = None
) -> list[Response]:
    """Run ``requests`` in order, stopping at the first failure (break on error)."""
    results: list[Response] = []
    failed = False
    for request in requests:
        if failed:
            results.append(not_done(request))
            continue
        result = step(ctx, request) if step is not None else None
        if result is None:
            if isinstance(request, Get):
                result = get(ctx, request)
            elif isinstance(request, Set):
                result = set_(ctx, request)
            else:
                result = action(ctx, request)
        failed = not result.ok
        results.append(result)
    return results


def descriptor_key(request: Request) -> str:
    """The table key a request addresses (``class/OBIS/attribute`` or ``.../m<method>``)."""
    if isinstance(request, Action):
        return method_key(request.method)
    attribute: AttributeDescriptor = request.attribute
    return str(attribute)


# The object table registers itself here; importing it last keeps the engine usable from
# any import order (``config_objects`` imports this module's names first).
from opendcc.devices import config_objects  # noqa: E402, F401
