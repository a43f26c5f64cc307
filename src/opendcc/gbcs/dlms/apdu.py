"""The three DLMS APDUs GBCS carries, as typed values: access-request, access-response
and data-notification (Green Book 9.5, the xDLMS ACCESS service and DataNotification).

The list-of-data of an access-request or access-response holds one element per
specification, so each request and response item here carries its own data; decoding
checks the counts agree. Results keep unknown codes as plain ints so any device answer
re-encodes exactly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, SelectiveAccess
from opendcc.gbcs.dlms.data import Data, NullData
from opendcc.gbcs.dlms.datetimes import CosemDateTime

ACCESS_REQUEST_TAG: Final = 0xD9
ACCESS_RESPONSE_TAG: Final = 0xDA
DATA_NOTIFICATION_TAG: Final = 0x0F

_NULL: Final = NullData()


class RequestKind(enum.IntEnum):
    """The ``Access-Request-Specification`` CHOICE tags."""

    GET = 1
    SET = 2
    ACTION = 3
    GET_WITH_SELECTION = 4
    SET_WITH_SELECTION = 5


class ResponseKind(enum.IntEnum):
    """The ``Access-Response-Specification`` CHOICE tags."""

    GET = 1
    SET = 2
    ACTION = 3


class DataAccessResult(enum.IntEnum):
    """Green Book ``Data-Access-Result`` (get and set results)."""

    SUCCESS = 0
    HARDWARE_FAULT = 1
    TEMPORARY_FAILURE = 2
    READ_WRITE_DENIED = 3
    OBJECT_UNDEFINED = 4
    OBJECT_CLASS_INCONSISTENT = 9
    OBJECT_UNAVAILABLE = 11
    TYPE_UNMATCHED = 12
    SCOPE_OF_ACCESS_VIOLATED = 13
    DATA_BLOCK_UNAVAILABLE = 14
    LONG_GET_ABORTED = 15
    NO_LONG_GET_IN_PROGRESS = 16
    LONG_SET_ABORTED = 17
    NO_LONG_SET_IN_PROGRESS = 18
    DATA_BLOCK_NUMBER_INVALID = 19
    OTHER_REASON = 250

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


class ActionResult(enum.IntEnum):
    """Green Book ``Action-Result``."""

    SUCCESS = 0
    HARDWARE_FAULT = 1
    TEMPORARY_FAILURE = 2
    READ_WRITE_DENIED = 3
    OBJECT_UNDEFINED = 4
    OBJECT_CLASS_INCONSISTENT = 9
    OBJECT_UNAVAILABLE = 11
    TYPE_UNMATCHED = 12
    SCOPE_OF_ACCESS_VIOLATED = 13
    DATA_BLOCK_UNAVAILABLE = 14
    LONG_ACTION_ABORTED = 15
    NO_LONG_ACTION_IN_PROGRESS = 16
    OTHER_REASON = 250

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


def data_access_result(code: int) -> DataAccessResult | int:
    try:
        return DataAccessResult(code)
    except ValueError:
        return code


def action_result(code: int) -> ActionResult | int:
    try:
        return ActionResult(code)
    except ValueError:
        return code


def result_label(result: DataAccessResult | ActionResult | int) -> str:
    if isinstance(result, DataAccessResult | ActionResult):
        return result.label
    return f"unknown-{result}"


@dataclass(frozen=True, slots=True)
class InvokeIdAndPriority:
    """``Long-Invoke-Id-And-Priority`` (Unsigned32).

    Bits 0-23 the invoke id (GBCS: the low 24 bits of the originator counter), 24-27
    reserved, 28 self-descriptive, 29 processing option (break on error), 30 service class
    (confirmed), 31 priority (high). GBCS sets only bit 29.
    """

    invoke_id: int
    break_on_error: bool = True
    confirmed: bool = False
    high_priority: bool = False
    self_descriptive: bool = False
    reserved: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.invoke_id <= 0xFFFFFF:
            raise GbcsEncodeError(f"invoke id out of range: {self.invoke_id}")
        if not 0 <= self.reserved <= 0xF:
            raise GbcsEncodeError(f"reserved invoke bits out of range: {self.reserved}")

    @classmethod
    def from_int(cls, value: int) -> InvokeIdAndPriority:
        return cls(
            invoke_id=value & 0xFFFFFF,
            break_on_error=bool(value >> 29 & 1),
            confirmed=bool(value >> 30 & 1),
            high_priority=bool(value >> 31 & 1),
            self_descriptive=bool(value >> 28 & 1),
            reserved=value >> 24 & 0xF,
        )

    @classmethod
    def for_counter(cls, originator_counter: int) -> InvokeIdAndPriority:
        """The GBCS form for a message with this originator counter."""
        return cls(originator_counter & 0xFFFFFF)

    def __int__(self) -> int:
        return (
            self.invoke_id
            | self.reserved << 24
            | int(self.self_descriptive) << 28
            | int(self.break_on_error) << 29
            | int(self.confirmed) << 30
            | int(self.high_priority) << 31
        )


# --- access-request ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Get:
    """Read one attribute; with ``access`` (selective access) a profile range, say."""

    attribute: AttributeDescriptor
    access: SelectiveAccess | None = None
    data: Data = _NULL
    """The list-of-data element; null-data for a get (kept for exactness)."""

    @property
    def kind(self) -> RequestKind:
        return RequestKind.GET if self.access is None else RequestKind.GET_WITH_SELECTION


@dataclass(frozen=True, slots=True)
class Set:
    """Write ``value`` to one attribute."""

    attribute: AttributeDescriptor
    value: Data
    access: SelectiveAccess | None = None

    @property
    def kind(self) -> RequestKind:
        return RequestKind.SET if self.access is None else RequestKind.SET_WITH_SELECTION

    @property
    def data(self) -> Data:
        return self.value


@dataclass(frozen=True, slots=True)
class Action:
    """Invoke one method with ``parameters`` (null-data when it takes none)."""

    method: MethodDescriptor
    parameters: Data = _NULL

    @property
    def kind(self) -> RequestKind:
        return RequestKind.ACTION

    @property
    def data(self) -> Data:
        return self.parameters


Request = Get | Set | Action


@dataclass(frozen=True, slots=True)
class RequestSpecification:
    """A request without its data, as an access-response may echo it."""

    kind: RequestKind
    descriptor: AttributeDescriptor | MethodDescriptor
    access: SelectiveAccess | None = None

    def __post_init__(self) -> None:
        wants_method = self.kind is RequestKind.ACTION
        if wants_method != isinstance(self.descriptor, MethodDescriptor):
            raise GbcsEncodeError(
                f"{self.kind.name} needs a {'method' if wants_method else 'attribute'} descriptor"
            )
        with_selection = self.kind in (
            RequestKind.GET_WITH_SELECTION,
            RequestKind.SET_WITH_SELECTION,
        )
        if with_selection != (self.access is not None):
            raise GbcsEncodeError(
                f"{self.kind.name} {'needs' if with_selection else 'takes no'} selective access"
            )


def specification_of(request: Request) -> RequestSpecification:
    if isinstance(request, Action):
        return RequestSpecification(RequestKind.ACTION, request.method)
    return RequestSpecification(request.kind, request.attribute, request.access)


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """The ``access-request`` APDU (tag 0xD9) of a GBCS Command."""

    invoke: InvokeIdAndPriority
    requests: tuple[Request, ...]
    date_time: CosemDateTime | None = None
    """Set for future-dated commands: when the device is to act (GBCS 7.2.x)."""

    def __post_init__(self) -> None:
        if type(self.requests) is not tuple:
            object.__setattr__(self, "requests", tuple(self.requests))


# --- access-response -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetResult:
    """The outcome of one get: ``data`` is the value on success, null-data otherwise."""

    result: DataAccessResult | int = DataAccessResult.SUCCESS
    data: Data = _NULL

    kind = ResponseKind.GET

    @property
    def ok(self) -> bool:
        return self.result == 0


@dataclass(frozen=True, slots=True)
class SetResult:
    result: DataAccessResult | int = DataAccessResult.SUCCESS
    data: Data = _NULL

    kind = ResponseKind.SET

    @property
    def ok(self) -> bool:
        return self.result == 0


@dataclass(frozen=True, slots=True)
class ActionResponse:
    """The outcome of one action: ``data`` holds its return parameters, if any."""

    result: ActionResult | int = ActionResult.SUCCESS
    data: Data = _NULL

    kind = ResponseKind.ACTION

    @property
    def ok(self) -> bool:
        return self.result == 0


Response = GetResult | SetResult | ActionResponse


@dataclass(frozen=True, slots=True)
class AccessResponse:
    """The ``access-response`` APDU (tag 0xDA) of a GBCS Response, in request order."""

    invoke: InvokeIdAndPriority
    responses: tuple[Response, ...]
    date_time: CosemDateTime | None = None
    echoed: tuple[RequestSpecification, ...] | None = None
    """The optional echo of the request specifications (GBCS devices leave it out)."""

    def __post_init__(self) -> None:
        if type(self.responses) is not tuple:
            object.__setattr__(self, "responses", tuple(self.responses))
        if self.echoed is not None and type(self.echoed) is not tuple:
            object.__setattr__(self, "echoed", tuple(self.echoed))


# --- data-notification ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataNotification:
    """The ``data-notification`` APDU (tag 0x0F) of a GBCS DLMS Alert.

    GBCS alerts put a structure in ``body``: the alert code (long-unsigned), the date-time
    it was raised, then alert-specific data.
    """

    invoke: InvokeIdAndPriority
    body: Data
    date_time: CosemDateTime | None = None


Apdu = AccessRequest | AccessResponse | DataNotification
