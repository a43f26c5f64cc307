"""Building GBZ Commands and device Responses from typed values.

Everything here is named the way the cluster tables name it, so a Command reads like its
specification::

    from opendcc.gbcs.gbz import builders as b

    read = b.command_payload(
        b.component("Metering", b.read_attributes(
            "Metering", "Divisor", "Multiplier", "UnitOfMeasure", "CurrentSummationDelivered")),
        use_case="GCS13a",
    )
    close_valve = b.command_payload(
        b.component("Metering", b.cluster_command(
            "Metering", "ChangeSupply", provider_id=0, issuer_event_id=0x1C374A80,
            request_date_time=0, implementation_date_time=0,
            proposed_supply_status=0, supply_control_bits=1)),
        use_case="GCS32",
    )

and a simulated device answers from its state::

    response = b.respond(read, lambda cluster_id, frame: b.answer_read(
        cluster_id, frame, {"Divisor": 1000, "Multiplier": 1, "UnitOfMeasure": 1,
                            "CurrentSummationDelivered": 12345}))

Clusters, attributes and commands may be given by name or number. ``cluster_command``
takes the fields as keyword arguments (repeated groups as lists of dicts, byte strings
as ``bytes`` or ``str``) and fills in a count field left out (``number_of_samples``...)
from the length of the group it counts. Every builder validates against the tables and
raises ``GbcsEncodeError`` for a name, type or range the tables reject.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from opendcc.gbcs.context import Cra, GbcsEncodeError
from opendcc.gbcs.gbz.clusters import ClusterDef, attribute, cluster, cluster_named
from opendcc.gbcs.gbz.datatypes import (
    COLLECTION_TYPES,
    OCTET_SIZES,
    STRING_LENGTH_SIZES,
    ZclDataType,
    ZclValue,
)
from opendcc.gbcs.gbz.fields import Element, Field, FieldValue, Record, Repeat, Switch
from opendcc.gbcs.gbz.payload import (
    AlertBody,
    Component,
    EncryptedGbzComponent,
    Encryptor,
    GbzAlert,
    GbzComponent,
    GbzPayload,
)
from opendcc.gbcs.gbz.status import ZclStatus
from opendcc.gbcs.gbz.zcl import (
    ClusterCommand,
    DefaultResponse,
    GeneralCommand,
    ReadAttributeRecord,
    ReadAttributes,
    ReadAttributesResponse,
    WriteAttributeRecord,
    WriteAttributes,
    ZclFrame,
    ZclHeader,
    encode_payload,
)

ClusterRef = int | str
AttributeRef = int | str
PlainValue = ZclValue | int | bytes | str | None


def cluster_def(ref: ClusterRef) -> ClusterDef:
    d = cluster(ref) if isinstance(ref, int) else cluster_named(ref)
    if d is None:
        raise GbcsEncodeError(f"unknown cluster {ref!r}")
    return d


def cluster_id(ref: ClusterRef) -> int:
    return ref if isinstance(ref, int) else cluster_def(ref).cluster_id


def attribute_id(cluster_ref: ClusterRef, ref: AttributeRef) -> int:
    if isinstance(ref, int):
        return ref
    d = cluster_def(cluster_ref).attribute_named(ref)
    if d is None:
        raise GbcsEncodeError(f"{cluster_ref} has no attribute {ref!r}")
    return d.attribute_id


def attribute_value(cluster_ref: ClusterRef, ref: AttributeRef, value: PlainValue) -> ZclValue:
    """A typed value for an attribute: ints, bytes and text take the table's data type."""
    if isinstance(value, ZclValue):
        return value
    d = attribute(cluster_id(cluster_ref), attribute_id(cluster_ref, ref))
    if d is None:
        raise GbcsEncodeError(f"give a ZclValue for attribute {ref!r}: the tables do not type it")
    return typed(d.type, value)


def typed(data_type: ZclDataType, value: PlainValue) -> ZclValue:
    if isinstance(value, ZclValue):
        return value
    if data_type in STRING_LENGTH_SIZES or data_type in OCTET_SIZES:
        if isinstance(value, str):
            return ZclValue(data_type, value.encode("utf-8"))
        if isinstance(value, bytes) or value is None:
            return ZclValue(data_type, value)
    elif (
        data_type not in COLLECTION_TYPES and isinstance(value, int) and not isinstance(value, bool)
    ):
        return ZclValue(data_type, value)
    raise GbcsEncodeError(f"{value!r} is not a {data_type.label}")


# --- ZCL frames ---------------------------------------------------------------------------


def read_attributes(cluster_ref: ClusterRef, *attributes: AttributeRef, tsn: int = 0) -> ZclFrame:
    """Read Attributes, sent client to server (frame control 0x00)."""
    cluster_id(cluster_ref)
    ids = tuple(attribute_id(cluster_ref, a) for a in attributes)
    header = ZclHeader.build(
        GeneralCommand.READ_ATTRIBUTES,
        cluster_specific=False,
        server_to_client=False,
        transaction_sequence_number=tsn,
    )
    return ZclFrame(header, ReadAttributes(ids))


def read_attributes_response(
    cluster_ref: ClusterRef,
    values: Iterable[tuple[AttributeRef, PlainValue | ZclStatus]]
    | Mapping[AttributeRef, PlainValue | ZclStatus],
    *,
    tsn: int = 0,
    disable_default_response: bool = False,
) -> ZclFrame:
    """Read Attributes Response (server to client); a ``ZclStatus`` value reports a failure."""
    cluster_id(cluster_ref)
    items = values.items() if isinstance(values, Mapping) else values
    records = []
    for ref, value in items:
        aid = attribute_id(cluster_ref, ref)
        if isinstance(value, ZclStatus):
            records.append(ReadAttributeRecord(aid, int(value)))
        else:
            records.append(
                ReadAttributeRecord(
                    aid, ZclStatus.SUCCESS, attribute_value(cluster_ref, aid, value)
                )
            )
    header = ZclHeader.build(
        GeneralCommand.READ_ATTRIBUTES_RESPONSE,
        cluster_specific=False,
        server_to_client=True,
        disable_default_response=disable_default_response,
        transaction_sequence_number=tsn,
    )
    return ZclFrame(header, ReadAttributesResponse(tuple(records)))


def write_attributes(
    cluster_ref: ClusterRef, values: Mapping[AttributeRef, PlainValue], *, tsn: int = 0
) -> ZclFrame:
    """Write Attributes (client to server), values typed by the attribute tables."""
    cluster_id(cluster_ref)
    records = tuple(
        WriteAttributeRecord(attribute_id(cluster_ref, k), attribute_value(cluster_ref, k, v))
        for k, v in values.items()
    )
    header = ZclHeader.build(
        GeneralCommand.WRITE_ATTRIBUTES,
        cluster_specific=False,
        server_to_client=False,
        transaction_sequence_number=tsn,
    )
    return ZclFrame(header, WriteAttributes(records))


def cluster_command(
    cluster_ref: ClusterRef,
    name: str,
    *,
    tsn: int = 0,
    disable_default_response: bool = False,
    **fields: object,
) -> ZclFrame:
    """A cluster-specific command by its Smart Energy name, fields as keyword arguments."""
    d = cluster_def(cluster_ref)
    layout = d.command_named(name)
    if layout is None:
        raise GbcsEncodeError(f"{d.name} has no command {name!r}")
    record = build_record(layout.fields, fields, name)
    header = ZclHeader.build(
        layout.command_id,
        cluster_specific=True,
        server_to_client=layout.server_to_client,
        disable_default_response=disable_default_response,
        transaction_sequence_number=tsn,
    )
    frame = ZclFrame(header, ClusterCommand(layout.name, record))
    encode_payload(frame.payload, d.cluster_id, header)  # validate now, not at encode time
    return frame


def build_record(elements: tuple[Element, ...], values: Mapping[str, object], where: str) -> Record:
    """A ``Record`` in layout order from keyword values; unknown names are refused."""
    known = _names(elements, values)
    unknown = set(values) - known
    if unknown:
        raise GbcsEncodeError(f"{where}: unknown fields {sorted(unknown)}")
    items: list[tuple[str, FieldValue]] = []
    _fill(elements, values, items, where)
    return Record(tuple(items))


def _names(elements: tuple[Element, ...], values: Mapping[str, object]) -> set[str]:
    out: set[str] = set()
    for e in elements:
        if isinstance(e, (Field, Repeat)):
            out.add(e.name)
        elif isinstance(e, Switch):
            out.add(e.fallback)
            selector = values.get(e.on)
            case = e.cases.get(selector) if isinstance(selector, int) else None
            if case is not None:
                out |= _names(case, values)
        else:
            out.add(e.name)
    return out


def _fill(
    elements: tuple[Element, ...],
    values: Mapping[str, object],
    items: list[tuple[str, FieldValue]],
    where: str,
) -> None:
    for e in elements:
        if isinstance(e, Field):
            if e.name in values:
                items.append((e.name, _field_value(values[e.name], where, e.name)))
            elif e.counts is not None and isinstance(values.get(e.counts), (list, tuple)):
                group = values[e.counts]
                assert isinstance(group, (list, tuple))
                items.append((e.name, len(group)))
            elif e.optional:
                items.append((e.name, None))
            else:
                raise GbcsEncodeError(f"{where}: missing field {e.name}")
        elif isinstance(e, Repeat):
            group = values.get(e.name, ())
            if not isinstance(group, (list, tuple)):
                raise GbcsEncodeError(f"{where}: {e.name} must be a list of entries")
            entries = []
            for entry in group:
                if isinstance(entry, Record):
                    entries.append(entry)
                elif isinstance(entry, Mapping):
                    entries.append(build_record(e.fields, entry, f"{where}.{e.name}"))
                else:
                    raise GbcsEncodeError(f"{where}: {e.name} entries must be dicts")
            items.append((e.name, tuple(entries)))
        elif isinstance(e, Switch):
            selector = dict(items).get(e.on)
            case = e.cases.get(selector) if isinstance(selector, int) else None
            if case is None:
                items.append(
                    (e.fallback, _field_value(values.get(e.fallback, b""), where, e.fallback))
                )
            else:
                _fill(case, values, items, where)
        else:
            items.append((e.name, _field_value(values.get(e.name, b""), where, e.name)))


def _field_value(value: object, where: str, name: str) -> FieldValue:
    if isinstance(value, str):
        return value.encode("utf-8")
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise GbcsEncodeError(f"{where}: {name} must be an int, bytes or str, got {value!r}")


def default_response(
    cluster_ref: ClusterRef,
    answered: ZclFrame,
    status: ZclStatus | int = ZclStatus.SUCCESS,
    *,
    tsn: int | None = None,
) -> ZclFrame:
    """The Default Response to ``answered``, sent back the other way with its sequence number."""
    cluster_id(cluster_ref)
    header = ZclHeader.build(
        GeneralCommand.DEFAULT_RESPONSE,
        cluster_specific=False,
        server_to_client=not answered.header.server_to_client,
        transaction_sequence_number=answered.header.transaction_sequence_number
        if tsn is None
        else tsn,
    )
    return ZclFrame(header, DefaultResponse(answered.header.command_id, int(status)))


def answer_read(
    cluster_ref: ClusterRef,
    request: ZclFrame,
    state: Mapping[AttributeRef, PlainValue],
    *,
    disable_default_response: bool = False,
) -> ZclFrame:
    """A device's Read Attributes Response to ``request`` from its attribute ``state``
    (by name or id); attributes it does not hold answer UNSUPPORTED_ATTRIBUTE."""
    if not isinstance(request.payload, ReadAttributes):
        raise GbcsEncodeError("answer_read needs a Read Attributes request")
    by_id = {attribute_id(cluster_ref, k): v for k, v in state.items()}
    answers: list[tuple[AttributeRef, PlainValue | ZclStatus]] = [
        (aid, by_id.get(aid, ZclStatus.UNSUPPORTED_ATTRIBUTE))
        for aid in request.payload.attribute_ids
    ]
    return read_attributes_response(
        cluster_ref,
        answers,
        tsn=request.header.transaction_sequence_number,
        disable_default_response=disable_default_response,
    )


# --- GBZ payloads -------------------------------------------------------------------------


def component(
    cluster_ref: ClusterRef, frame: ZclFrame, *, from_date_time: int | None = None
) -> GbzComponent:
    """A plain component; ``command_payload``/``response_payload`` set the last flag."""
    return GbzComponent(cluster_id(cluster_ref), frame, False, from_date_time)


def _mark_last(components: Iterable[Component]) -> tuple[Component, ...]:
    items = list(components)
    out: list[Component] = []
    for i, c in enumerate(items):
        last = i == len(items) - 1
        out.append(c if c.last == last else _relast(c, last))
    return tuple(out)


def _relast(c: Component, last: bool) -> Component:
    if isinstance(c, GbzComponent):
        return GbzComponent(c.cluster_id, c.frame, last, c.from_date_time, c.reserved_control_bits)
    return EncryptedGbzComponent(
        c.cluster_id,
        c.header,
        c.ciphertext,
        c.invocation_counter,
        c.security_control,
        c.additional_header_control,
        c.additional_frame_counter,
        last,
        c.from_date_time,
        c.reserved_control_bits,
        c.plaintext,
    )


def command_payload(
    *components: Component, use_case: str | None = None, message_code: int | None = None
) -> GbzPayload:
    """A Command: components in order, the last one flagged."""
    return GbzPayload(_mark_last(components), None, None, Cra.COMMAND, message_code, use_case)


def response_payload(
    *components: Component, use_case: str | None = None, message_code: int | None = None
) -> GbzPayload:
    return GbzPayload(_mark_last(components), None, None, Cra.RESPONSE, message_code, use_case)


def alert_payload(
    alert_code: int,
    timestamp: int,
    body: AlertBody | None = None,
    components: Iterable[Component] = (),
    *,
    use_case: str | None = None,
    message_code: int | None = None,
) -> GbzPayload:
    return GbzPayload(
        _mark_last(components),
        GbzAlert(alert_code, timestamp, body),
        None,
        Cra.ALERT,
        message_code,
        use_case,
    )


Answer = Callable[[int, ZclFrame], ZclFrame]
"""Given a command component's cluster id and frame, the device's answering frame."""


def respond(
    command: GbzPayload,
    answer: Answer,
    *,
    encrypt: Encryptor | None = None,
    encrypt_clusters: Iterable[ClusterRef] = (),
) -> GbzPayload:
    """The Response a device sends to ``command``: one answering component per command
    component, in order. Components of ``encrypt_clusters`` are sealed with ``encrypt``
    (GBCS encrypts sensitive responses such as register and balance reads)."""
    sealed = {cluster_id(c) for c in encrypt_clusters}
    if sealed and encrypt is None:
        raise GbcsEncodeError("encrypt_clusters needs an encryptor")
    answers: list[Component] = []
    for c in command.components:
        frame = c.frame
        if frame is None:
            raise GbcsEncodeError("cannot answer an encrypted command component")
        reply = GbzComponent(c.cluster_id, answer(c.cluster_id, frame))
        if c.cluster_id in sealed and encrypt is not None:
            answers.append(EncryptedGbzComponent.seal(reply, encrypt))
        else:
            answers.append(reply)
    return response_payload(*answers, use_case=command.use_case, message_code=command.message_code)
