"""Hypothesis strategies for GBZ structures, generated from the cluster tables."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from opendcc.gbcs.context import Cra
from opendcc.gbcs.gbz import (
    ClusterCommand,
    DefaultResponse,
    EncryptedGbzComponent,
    FirmwareImageHash,
    FutureDatedOutcome,
    GbzAlert,
    GbzComponent,
    GbzPayload,
    IntegrityIssueWarning,
    RawAlertBody,
    RawPayload,
    ReadAttributeRecord,
    ReadAttributes,
    ReadAttributesResponse,
    WriteAttributeRecord,
    WriteAttributes,
    WriteAttributesResponse,
    WriteAttributeStatusRecord,
    ZclDataType,
    ZclFrame,
    ZclHeader,
    ZclValue,
)
from opendcc.gbcs.gbz.clusters import CLUSTERS
from opendcc.gbcs.gbz.datatypes import INTEGER_SIZES, OCTET_SIZES, STRING_LENGTH_SIZES
from opendcc.gbcs.gbz.fields import Command, Element, Field, Record, Repeat, Rest, Switch

_SIGNED = {t for t in INTEGER_SIZES if t.name.startswith("INT")}
MESSAGE_CODE = 0x0074


def _integer(t: ZclDataType) -> st.SearchStrategy[ZclValue]:
    bits = 8 * INTEGER_SIZES[t]
    if t in _SIGNED:
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1).map(lambda v: ZclValue(t, v))
    return st.integers(0, (1 << bits) - 1).map(lambda v: ZclValue(t, v))


def scalar_values() -> st.SearchStrategy[ZclValue]:
    integers = st.sampled_from(sorted(INTEGER_SIZES)).flatmap(_integer)
    octets = st.sampled_from(sorted(OCTET_SIZES)).flatmap(
        lambda t: st.binary(min_size=OCTET_SIZES[t], max_size=OCTET_SIZES[t]).map(
            lambda v: ZclValue(t, v)
        )
    )
    strings = st.sampled_from(sorted(STRING_LENGTH_SIZES)).flatmap(
        lambda t: st.one_of(st.none(), st.binary(max_size=24)).map(lambda v: ZclValue(t, v))
    )
    empty = st.sampled_from(
        [ZclValue(ZclDataType.NO_DATA, None), ZclValue(ZclDataType.UNKNOWN, None)]
    )
    return st.one_of(integers, octets, strings, empty)


def zcl_values() -> st.SearchStrategy[ZclValue]:
    def extend(children: st.SearchStrategy[ZclValue]) -> st.SearchStrategy[ZclValue]:
        arrays = st.sampled_from(
            [ZclDataType.UINT8, ZclDataType.UINT32, ZclDataType.INT16]
        ).flatmap(
            lambda t: st.lists(_integer(t), max_size=3).flatmap(
                lambda items: st.sampled_from(
                    [ZclDataType.ARRAY, ZclDataType.SET, ZclDataType.BAG]
                ).map(lambda kind: ZclValue(kind, tuple(items), t))
            )
        )
        structures = st.lists(children, max_size=3).map(
            lambda items: ZclValue(ZclDataType.STRUCTURE, tuple(items))
        )
        return st.one_of(arrays, structures)

    return st.recursive(scalar_values(), extend, max_leaves=6)


_FIELD_INTS = {1: 0xFF, 2: 0xFFFF, 3: 0xFFFFFF, 4: 0xFFFFFFFF, 6: (1 << 48) - 1}


@st.composite
def _field(draw: st.DrawFn, f: Field) -> Any:
    t = f.type
    if t.string:
        return draw(st.one_of(st.none(), st.binary(max_size=12)))
    if t.octets:
        return draw(st.binary(min_size=t.size, max_size=t.size))
    top = _FIELD_INTS[t.size]
    if t.signed:
        return draw(st.integers(-(top + 1) // 2, top // 2))
    return draw(st.integers(0, top))


@st.composite
def records(draw: st.DrawFn, elements: tuple[Element, ...], depth: int = 0) -> Record:
    """A record that fits ``elements`` (counts agree with their groups)."""
    values: dict[str, Any] = {}
    counts: dict[str, str] = {}
    optional_present = draw(st.integers(0, 30))
    for e in elements:
        if isinstance(e, Field):
            if e.optional:
                values[e.name] = draw(_field(e)) if optional_present > 0 else None
                optional_present -= 1
            else:
                values[e.name] = draw(_field(e))
        elif isinstance(e, Repeat):
            group = draw(st.lists(records(e.fields, depth + 1), max_size=3 if depth == 0 else 2))
            values[e.name] = tuple(group)
            if isinstance(e.count, str):
                counts[e.count] = e.name
        elif isinstance(e, Switch):
            key = draw(st.sampled_from(sorted(e.cases)))
            values[e.on] = key
            inner = draw(records(e.cases[key], depth))
            values.update(inner)
        elif isinstance(e, Rest):
            values[e.name] = draw(st.binary(max_size=8))
    for count_field, group in counts.items():
        values[count_field] = len(values[group])
    if "block_thresholds" in values and "tier_number_of_block_thresholds" in values:
        tier = values["tier_number_of_block_thresholds"] & 0xF0
        values["tier_number_of_block_thresholds"] = tier | len(values["block_thresholds"])
    return Record(tuple(values.items()))


_COMMANDS = [
    (cluster_id, cmd)
    for cluster_id, d in CLUSTERS.items()
    for table in (d.client_commands, d.server_commands)
    for cmd in table.values()
]


@st.composite
def cluster_frames(draw: st.DrawFn) -> tuple[int, ZclFrame]:
    cluster_id, cmd = draw(st.sampled_from(_COMMANDS))
    command: Command = cmd
    fc = 0x01 | (0x08 if command.server_to_client else 0) | draw(st.sampled_from([0, 0x10]))
    header = ZclHeader(fc, draw(st.integers(0, 255)), command.command_id)
    return cluster_id, ZclFrame(header, ClusterCommand(command.name, draw(records(command.fields))))


_IDS = st.integers(0, 0xFFFF)


@st.composite
def general_frames(draw: st.DrawFn) -> tuple[int, ZclFrame]:
    cluster_id = draw(st.sampled_from([*CLUSTERS, 0xFC00]))
    tsn = draw(st.integers(0, 255))
    fc = draw(st.sampled_from([0x00, 0x08, 0x10, 0x18]))
    kind = draw(st.integers(0, 5))
    payload: Any
    if kind == 0:
        payload, command_id = ReadAttributes(tuple(draw(st.lists(_IDS, max_size=5)))), 0x00
    elif kind == 1:
        record = st.one_of(
            st.builds(ReadAttributeRecord, _IDS, st.just(0), zcl_values()),
            st.builds(ReadAttributeRecord, _IDS, st.integers(1, 255), st.none()),
        )
        payload, command_id = (
            ReadAttributesResponse(tuple(draw(st.lists(record, max_size=4)))),
            0x01,
        )
    elif kind == 2:
        writes = st.lists(st.builds(WriteAttributeRecord, _IDS, zcl_values()), max_size=3)
        payload = WriteAttributes(tuple(draw(writes)))
        command_id = draw(st.sampled_from([0x02, 0x03, 0x05]))
    elif kind == 3:
        lone = st.builds(WriteAttributeStatusRecord, st.integers(0, 255)).map(lambda r: (r,))
        listed = st.lists(
            st.builds(WriteAttributeStatusRecord, st.integers(0, 255), _IDS), max_size=3
        )
        payload, command_id = WriteAttributesResponse(tuple(draw(st.one_of(lone, listed)))), 0x04
    elif kind == 4:
        payload = DefaultResponse(draw(st.integers(0, 255)), draw(st.integers(0, 255)))
        command_id = 0x0B
    else:
        payload = RawPayload(draw(st.binary(max_size=16)))
        command_id = draw(st.integers(0x0C, 0xFF))
    return cluster_id, ZclFrame(ZclHeader(fc, tsn, command_id), payload)


_RESERVED = st.sampled_from([0, 0x04, 0x20, 0x80, 0xEC])
_FDT = st.one_of(st.none(), st.integers(0, 0xFFFFFFFF))


@st.composite
def components(draw: st.DrawFn) -> GbzComponent | EncryptedGbzComponent:
    kind = draw(st.integers(0, 4))
    if kind == 4:
        header = ZclHeader(
            draw(st.sampled_from([0x08, 0x18, 0x19])),
            draw(st.integers(0, 255)),
            draw(st.integers(0, 255)),
        )
        return EncryptedGbzComponent(
            draw(_IDS),
            header,
            draw(st.binary(min_size=12, max_size=40)),
            draw(st.integers(0, 0xFFFFFFFF)),
            draw(st.integers(0, 255)),
            draw(st.integers(0, 255)),
            draw(st.integers(0, 255)),
            draw(st.booleans()),
            draw(_FDT),
            draw(_RESERVED),
        )
    cluster_id, frame = draw(cluster_frames() if kind < 2 else general_frames())
    return GbzComponent(cluster_id, frame, draw(st.booleans()), draw(_FDT), draw(_RESERVED))


_ALERT_BODIES = st.one_of(
    st.none(),
    st.builds(
        FutureDatedOutcome,
        st.integers(0, 0xFFFF),
        st.integers(0, (1 << 64) - 1),
        _IDS,
        st.integers(0, 255),
        st.integers(0, 255),
    ).map(lambda body: (0x8F66, body)),
    st.builds(FirmwareImageHash, _IDS, st.binary(min_size=32, max_size=32)).map(
        lambda body: (0x8F72, body)
    ),
    st.builds(IntegrityIssueWarning, _IDS).map(lambda body: (0x81A0, body)),
    st.binary(min_size=1, max_size=4).map(lambda data: (0x8F1F, RawAlertBody(data))),
)


@st.composite
def payloads(draw: st.DrawFn) -> GbzPayload:
    cra = draw(st.sampled_from([Cra.COMMAND, Cra.RESPONSE, Cra.ALERT]))
    if cra is not Cra.ALERT:
        parts = tuple(draw(st.lists(components(), max_size=4)))
        return GbzPayload(parts, None, None, cra, MESSAGE_CODE, None)
    body = draw(_ALERT_BODIES)
    stamp = draw(st.integers(0, 0xFFFFFFFF))
    if body is None:
        parts = tuple(draw(st.lists(components(), max_size=2)))
        return GbzPayload(parts, GbzAlert(0x8F0A, stamp), None, cra, MESSAGE_CODE, None)
    code, alert_body = body
    return GbzPayload((), GbzAlert(code, stamp, alert_body), None, cra, MESSAGE_CODE, None)
