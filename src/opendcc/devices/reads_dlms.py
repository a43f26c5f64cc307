"""How a simulated ESME (or CHF) answers a DLMS read, whatever the use case.

A read Command is an access-request of gets (optionally with a range over a profile's
entries) and GBCS protected reads (``get_protected_attributes`` on a Data Protection
object, listing the attributes to return encrypted, each with an optional ``{from, to}``
selection). The Device answers each request in order from a table of *object readers*,
one per COSEM attribute it holds (``ObjectReaders``): a reader returns the attribute's
value, or the Data-Access-Result a Device answers when it cannot (an attribute it does
not have is ``object-undefined``). Protected values are encoded together as one A-XDR
structure and encrypted for the User (GBCS 7.3.2): for the requesting Remote Party, or for
the supplementary remote party of an ACB Command, with the User's KA certificate from the
Command's other-information when the Device does not hold it; the protection parameters
of the answer are the Command's with originator and recipient swapped.

An injected read fault (``reads_state.inject_read_fault``) answers every request with a
hardware fault, or, placed as the RTDS ERROR Responses place it (``REFERENCE_POSITION``),
answers the requests before the next-to-last, fails that one with hardware-fault and
answers the rest other-reason (not attempted: the Commands are break-on-error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from opendcc.devices.reads_state import take_read_fault
from opendcc.devices.simulator import DeviceCommand, DeviceContext, DeviceReply
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.context import Cra, GbcsEncodeError
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    Action,
    ActionResult,
    DataAccessResult,
    Get,
    Response,
    Set,
)
from opendcc.gbcs.dlms.axdr import encode_data
from opendcc.gbcs.dlms.cosem import ObisCode
from opendcc.gbcs.dlms.data import (
    Array,
    Data,
    DoubleLongUnsigned,
    EncryptedOctetString,
    Enum,
    OctetString,
    Structure,
)
from opendcc.gbcs.dlms.datetimes import CosemDateTime, from_gbcs_seconds
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.security import MissingKeyError

PROTECTED_READ_METHOD: Final = 1
DATA_PROTECTION_CLASS: Final = 30


@dataclass(frozen=True, slots=True)
class Selection:
    """The entries a profile read asks for: capture times from ``start`` to ``end``."""

    start: datetime
    end: datetime

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


ObjectKey = tuple[int, str, int]
"""(class id, OBIS text, attribute id)."""
Reader = Callable[["ReadRequest", Selection | None], "Data | DataAccessResult"]
ObjectReaders = dict[ObjectKey, Reader]


@dataclass(slots=True)
class ReadRequest:
    """One read as a reader sees it: the Command, the Device's context, and whatever the
    handler prepared (``extra``: the meter model, configuration)."""

    command: DeviceCommand
    context: DeviceContext
    extra: dict[str, object]

    @property
    def now(self) -> datetime:
        return self.context.now


def range_selection(access: object) -> Selection | None:
    """The range of a selective access by range descriptor (seconds since 2000)."""
    parameters = getattr(access, "parameters", None)
    if getattr(access, "selector", None) != 1 or not isinstance(parameters, Structure):
        return None
    items = parameters.items
    if len(items) < 3:
        return None
    start, end = items[1], items[2]
    if isinstance(start, DoubleLongUnsigned) and isinstance(end, DoubleLongUnsigned):
        return Selection(from_gbcs_seconds(start.value), from_gbcs_seconds(end.value))
    return None


def _cosem_instant(data: Data) -> datetime | None:
    if not isinstance(data, OctetString) or len(data.value) != 12:
        return None
    try:
        return CosemDateTime.from_bytes(data.value).to_datetime()
    except (ValueError, GbcsEncodeError):
        return None


def protected_selection(data: Data) -> Selection | None:
    """The ``{1, {from, to}}`` selection of a protected attribute descriptor."""
    if not isinstance(data, Structure) or len(data.items) != 2:
        return None
    selector, parameters = data.items
    if not isinstance(selector, Enum) or selector.value != 1:
        return None
    if not isinstance(parameters, Structure) or len(parameters.items) != 2:
        return None
    start, end = (_cosem_instant(item) for item in parameters.items)
    if start is None or end is None:
        return None
    return Selection(start, end)


def _key(class_id: int, obis: ObisCode, attribute: int) -> ObjectKey:
    return class_id, str(obis), attribute


def read_object(
    readers: ObjectReaders, request: ReadRequest, key: ObjectKey, selection: Selection | None
) -> Data | DataAccessResult:
    reader = readers.get(key)
    if reader is None:
        return DataAccessResult.OBJECT_UNDEFINED
    return reader(request, selection)


def encryptor_for(command: DeviceCommand, context: DeviceContext) -> Callable[[bytes], bytes]:
    """Payload encryption for the answer (GBCS 7.3.2, KDF mode 04): for the supplementary
    remote party of an ACB Command, else the Remote Party; raises ``MissingKeyError``."""
    other = command.message.header.other_information
    header = build.grouping_header(
        Cra.RESPONSE,
        originator=context.device.device_id,
        recipient=command.remote_party,
        counter=command.counter,
        message_code=command.message.message_code,
        supplementary_remote_party=other.supplementary_remote_party,
        supplementary_remote_party_counter=other.supplementary_remote_party_counter,
    )
    certificate = other.supplementary_remote_party_ka_certificate
    try:
        encrypt = context.security.encryptor(header, party_certificate=certificate)
    except (MissingKeyError, ValueError):
        if certificate is None:
            raise
        # The Device's own key may be out of reach for the certificate path (a keystore
        # holding only the User's private key): derive the same key from the User's side.
        encrypt = context.security.encryptor(header)
    return lambda plaintext: encrypt(plaintext, 0)


def _answer_parameters(data: Data, command: DeviceCommand, device: Eui64) -> Array:
    """The Command's protection parameters with originator and recipient swapped."""
    try:
        assert isinstance(data, Structure)
        parameters = data.items[1]
        assert isinstance(parameters, Array) and parameters.items
        entry = parameters.items[0]
        assert isinstance(entry, Structure)
        options = entry.items[1]
        assert isinstance(options, Structure)
        transaction, originator = options.items[0], options.items[1]
        assert isinstance(transaction, OctetString) and isinstance(originator, OctetString)
        counter = int.from_bytes(transaction.value[1:], "big")
        party = Eui64.from_bytes(originator.value)
    except (AssertionError, IndexError, ValueError):
        counter, party = command.counter, command.remote_party
    return b.protection_parameters(counter, device, party)


def protected_read(readers: ObjectReaders, request: ReadRequest, action: Action) -> Response:
    data = action.parameters
    if not isinstance(data, Structure) or len(data.items) != 2:
        return b.action_error(ActionResult.TYPE_UNMATCHED)
    descriptors = data.items[0]
    if not isinstance(descriptors, Array):
        return b.action_error(ActionResult.TYPE_UNMATCHED)
    values: list[Data] = []
    for descriptor in descriptors.items:
        if not isinstance(descriptor, Structure) or len(descriptor.items) != 5:
            return b.action_error(ActionResult.TYPE_UNMATCHED)
        class_id, obis, attribute, _index, selection = descriptor.items
        try:
            key = (
                int(getattr(class_id, "value", -1)),
                str(ObisCode.from_bytes(getattr(obis, "value", b""))),
                int(getattr(attribute, "value", -1)),
            )
        except (ValueError, GbcsEncodeError):
            return b.action_error(ActionResult.TYPE_UNMATCHED)
        value = read_object(readers, request, key, protected_selection(selection))
        if isinstance(value, DataAccessResult):
            try:
                return b.action_error(ActionResult(int(value)))
            except ValueError:
                return b.action_error(ActionResult.OTHER_REASON)
        values.append(value)
    device = request.context.device.device_id
    try:
        encrypt = encryptor_for(request.command, request.context)
        block = encrypt(encode_data(b.structure(*values)))
    except (MissingKeyError, GbcsEncodeError):
        # No key to encrypt for this party: the Device cannot answer the protected read.
        return b.action_error(ActionResult.OTHER_REASON)
    return b.protected_read_result(
        _answer_parameters(data, request.command, device), EncryptedOctetString.parse(block)
    )


SetHandler = Callable[[ReadRequest, Set], Response]


def answer(
    command: DeviceCommand,
    context: DeviceContext,
    readers: ObjectReaders,
    extra: dict[str, object] | None = None,
    on_set: SetHandler | None = None,
) -> DeviceReply:
    """The Device's DLMS answer to a read Command, from ``readers``."""
    payload = command.payload
    if not isinstance(payload, DlmsPayload) or not isinstance(payload.apdu, AccessRequest):
        # Not a request this Device can read: an empty access-response (nothing done).
        return DeviceReply(encode_dlms(b.payload(b.access_response(0, ()))))
    request_apdu = payload.apdu
    fault = take_read_fault(context, command.use_case)
    request = ReadRequest(command, context, dict(extra or {}))
    results: list[Response] = []
    count = len(request_apdu.requests)
    for index, item in enumerate(request_apdu.requests):
        status = fault.status_of(index, count) if fault is not None else "ok"
        if status == "not-attempted":
            results.append(_not_attempted(item))
            continue
        faulty = status == "fault"
        if isinstance(item, Get):
            if faulty:
                results.append(b.get_error(DataAccessResult.HARDWARE_FAULT))
                continue
            key = _key(
                item.attribute.class_id, item.attribute.instance, item.attribute.attribute_id
            )
            value = read_object(readers, request, key, range_selection(item.access))
            results.append(
                b.get_error(value) if isinstance(value, DataAccessResult) else b.get_ok(value)
            )
        elif isinstance(item, Set):
            if faulty or on_set is None:
                results.append(
                    b.set_error(
                        DataAccessResult.HARDWARE_FAULT
                        if faulty
                        else DataAccessResult.READ_WRITE_DENIED
                    )
                )
            else:
                results.append(on_set(request, item))
        else:
            method = item.method
            if faulty:
                results.append(b.action_error(ActionResult.HARDWARE_FAULT))
            elif (method.class_id, method.method_id) == (
                DATA_PROTECTION_CLASS,
                PROTECTED_READ_METHOD,
            ):
                results.append(protected_read(readers, request, item))
            else:
                results.append(b.action_error(ActionResult.OBJECT_UNDEFINED))
    response = b.access_response_for(request_apdu, results)
    return DeviceReply(encode_dlms(b.payload(response)))


def _not_attempted(item: Get | Set | Action) -> Response:
    """A request after the failed one: not attempted (other-reason, as the reference ERROR
    Responses answer the rest of a break-on-error Command)."""
    if isinstance(item, Get):
        return b.get_error(DataAccessResult.OTHER_REASON)
    if isinstance(item, Set):
        return b.set_error(DataAccessResult.OTHER_REASON)
    return b.action_error(ActionResult.OTHER_REASON)
