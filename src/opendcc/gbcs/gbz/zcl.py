"""ZCL frames inside GBZ components: header, general commands and cluster commands.

A ZCL frame (ZCL 2.4.1) is a frame control byte, an optional manufacturer code, a
transaction sequence number, a command identifier and a payload. The payload of a
profile-wide command is one of the general commands GBCS uses (Read Attributes and its
response, Write Attributes and its response, Default Response); a cluster-specific
payload follows the layout tables in ``opendcc.gbcs.gbz.clusters``.

A payload the tables cannot read (an unknown command, a layout mismatch) is kept as
``RawPayload`` with the reason, so every frame re-encodes to the bytes it came from.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.gbz.clusters import CLUSTERS
from opendcc.gbcs.gbz.datatypes import ZclValue, read_value, write_value
from opendcc.gbcs.gbz.fieldcodec import decode_fields, encode_fields
from opendcc.gbcs.gbz.fields import Command, Record
from opendcc.gbcs.gbz.status import ZclStatus
from opendcc.gbcs.gbz.wire import Reader, uint_le


class FrameType(enum.IntEnum):
    PROFILE_WIDE = 0
    CLUSTER_SPECIFIC = 1


class GeneralCommand(enum.IntEnum):
    """Profile-wide command identifiers (ZCL Table 2-3) GBCS uses."""

    READ_ATTRIBUTES = 0x00
    READ_ATTRIBUTES_RESPONSE = 0x01
    WRITE_ATTRIBUTES = 0x02
    WRITE_ATTRIBUTES_UNDIVIDED = 0x03
    WRITE_ATTRIBUTES_RESPONSE = 0x04
    WRITE_ATTRIBUTES_NO_RESPONSE = 0x05
    DEFAULT_RESPONSE = 0x0B


_MANUFACTURER_SPECIFIC: Final = 0x04
_SERVER_TO_CLIENT: Final = 0x08
_DISABLE_DEFAULT_RESPONSE: Final = 0x10


@dataclass(frozen=True, slots=True)
class ZclHeader:
    """The ZCL frame header: frame control, manufacturer code, sequence number, command."""

    frame_control: int
    transaction_sequence_number: int
    command_id: int
    manufacturer_code: int | None = None

    def __post_init__(self) -> None:
        for name in ("frame_control", "transaction_sequence_number", "command_id"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= 0xFF:
                raise GbcsEncodeError(f"ZCL {name} must be a byte, got {value!r}")
        has_code = self.manufacturer_code is not None
        if has_code != bool(self.frame_control & _MANUFACTURER_SPECIFIC):
            raise GbcsEncodeError("manufacturer code present iff the frame control says so")
        if has_code and not 0 <= self.manufacturer_code <= 0xFFFF:  # type: ignore[operator]
            raise GbcsEncodeError("manufacturer code must fit 16 bits")

    @classmethod
    def build(
        cls,
        command_id: int,
        *,
        cluster_specific: bool,
        server_to_client: bool,
        disable_default_response: bool = False,
        transaction_sequence_number: int = 0,
    ) -> ZclHeader:
        fc = int(cluster_specific)
        fc |= _SERVER_TO_CLIENT if server_to_client else 0
        fc |= _DISABLE_DEFAULT_RESPONSE if disable_default_response else 0
        return cls(fc, transaction_sequence_number, command_id)

    @property
    def frame_type(self) -> int:
        return self.frame_control & 0x03

    @property
    def cluster_specific(self) -> bool:
        return self.frame_type == FrameType.CLUSTER_SPECIFIC

    @property
    def server_to_client(self) -> bool:
        return bool(self.frame_control & _SERVER_TO_CLIENT)

    @property
    def disable_default_response(self) -> bool:
        return bool(self.frame_control & _DISABLE_DEFAULT_RESPONSE)


@dataclass(frozen=True, slots=True)
class ReadAttributes:
    attribute_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReadAttributeRecord:
    """One attribute of a Read Attributes Response: a value when status is SUCCESS."""

    attribute_id: int
    status: int
    value: ZclValue | None = None

    def __post_init__(self) -> None:
        if (self.status == ZclStatus.SUCCESS) != (self.value is not None):
            raise GbcsEncodeError("a read attribute record has a value iff its status is SUCCESS")


@dataclass(frozen=True, slots=True)
class ReadAttributesResponse:
    records: tuple[ReadAttributeRecord, ...]

    def value_of(self, attribute_id: int) -> ZclValue | None:
        for record in self.records:
            if record.attribute_id == attribute_id:
                return record.value
        return None


@dataclass(frozen=True, slots=True)
class WriteAttributeRecord:
    attribute_id: int
    value: ZclValue


@dataclass(frozen=True, slots=True)
class WriteAttributes:
    """Write Attributes (0x02), Undivided (0x03) or No Response (0x05): the same layout."""

    records: tuple[WriteAttributeRecord, ...]


@dataclass(frozen=True, slots=True)
class WriteAttributeStatusRecord:
    """A Write Attributes Response record; a lone SUCCESS record carries no attribute id."""

    status: int
    attribute_id: int | None = None


@dataclass(frozen=True, slots=True)
class WriteAttributesResponse:
    records: tuple[WriteAttributeStatusRecord, ...]


@dataclass(frozen=True, slots=True)
class DefaultResponse:
    """The outcome of the command with ``command_id`` (ZCL 2.5.12)."""

    command_id: int
    status: int

    @property
    def succeeded(self) -> bool:
        return self.status == ZclStatus.SUCCESS


@dataclass(frozen=True, slots=True)
class ClusterCommand:
    """A cluster-specific command decoded by its layout: ``name`` and ``fields``."""

    name: str
    fields: Record


@dataclass(frozen=True, slots=True)
class RawPayload:
    """A payload kept as bytes; ``note`` says why it was not decoded."""

    data: bytes
    note: str | None = field(default=None, compare=False)


ZclPayload = (
    ReadAttributes
    | ReadAttributesResponse
    | WriteAttributes
    | WriteAttributesResponse
    | DefaultResponse
    | ClusterCommand
    | RawPayload
)


@dataclass(frozen=True, slots=True)
class ZclFrame:
    header: ZclHeader
    payload: ZclPayload

    @property
    def command_name(self) -> str:
        return command_name(self.header, self.payload)


def command_name(header: ZclHeader, payload: ZclPayload) -> str:
    if isinstance(payload, ClusterCommand):
        return payload.name
    if header.frame_type == FrameType.PROFILE_WIDE:
        try:
            return "".join(w.title() for w in GeneralCommand(header.command_id).name.split("_"))
        except ValueError:
            pass
    kind = "Cluster" if header.cluster_specific else "General"
    return f"{kind}Command0x{header.command_id:02X}"


def command_layout(cluster_id: int, header: ZclHeader) -> Command | None:
    """The layout of a cluster-specific command, if the tables know it."""
    if not header.cluster_specific or header.manufacturer_code is not None:
        return None
    d = CLUSTERS.get(cluster_id)
    return d.command(header.command_id, header.server_to_client) if d else None


# --- decoding -----------------------------------------------------------------------------


def read_header(r: Reader) -> ZclHeader:
    fc = r.u8("ZCL frame control")
    code = r.uint_le(2, "manufacturer code") if fc & _MANUFACTURER_SPECIFIC else None
    tsn = r.u8("ZCL transaction sequence number")
    return ZclHeader(fc, tsn, r.u8("ZCL command identifier"), code)


def read_frame(r: Reader, cluster_id: int) -> ZclFrame:
    header = read_header(r)
    return ZclFrame(header, read_payload(r, cluster_id, header))


def read_payload(r: Reader, cluster_id: int, header: ZclHeader) -> ZclPayload:
    """Decode the rest of ``r`` as the payload of ``header``; falls back to ``RawPayload``."""
    start = r.pos
    try:
        payload = _read_payload(r, cluster_id, header)
    except GbcsDecodeError as exc:
        return RawPayload(r.data[start : r.end], f"not decoded: {exc.reason}")
    if not r.at_end():
        return RawPayload(r.data[start : r.end], f"{r.remaining} bytes left after the payload")
    return payload


def _read_payload(r: Reader, cluster_id: int, header: ZclHeader) -> ZclPayload:
    if header.manufacturer_code is not None:
        return RawPayload(r.rest(), "manufacturer-specific command")
    if header.frame_type == FrameType.CLUSTER_SPECIFIC:
        layout = command_layout(cluster_id, header)
        if layout is None:
            return RawPayload(r.rest(), "no layout for this cluster command")
        return ClusterCommand(layout.name, decode_fields(r, layout.fields))
    if header.frame_type != FrameType.PROFILE_WIDE:
        return RawPayload(r.rest(), "reserved frame type")
    cmd = header.command_id
    if cmd == GeneralCommand.READ_ATTRIBUTES:
        if r.remaining % 2:
            raise r.fail("odd length attribute list")
        return ReadAttributes(tuple(r.uint_le(2) for _ in range(r.remaining // 2)))
    if cmd == GeneralCommand.READ_ATTRIBUTES_RESPONSE:
        records = []
        while not r.at_end():
            attribute_id = r.uint_le(2, "attribute identifier")
            status = r.u8("attribute status")
            value = read_value(r, r.u8("data type")) if status == ZclStatus.SUCCESS else None
            records.append(ReadAttributeRecord(attribute_id, status, value))
        return ReadAttributesResponse(tuple(records))
    if cmd in (
        GeneralCommand.WRITE_ATTRIBUTES,
        GeneralCommand.WRITE_ATTRIBUTES_UNDIVIDED,
        GeneralCommand.WRITE_ATTRIBUTES_NO_RESPONSE,
    ):
        writes = []
        while not r.at_end():
            attribute_id = r.uint_le(2, "attribute identifier")
            writes.append(WriteAttributeRecord(attribute_id, read_value(r, r.u8("data type"))))
        return WriteAttributes(tuple(writes))
    if cmd == GeneralCommand.WRITE_ATTRIBUTES_RESPONSE:
        if r.remaining == 1:
            return WriteAttributesResponse((WriteAttributeStatusRecord(r.u8()),))
        statuses = []
        while not r.at_end():
            status = r.u8("write status")
            statuses.append(
                WriteAttributeStatusRecord(status, r.uint_le(2, "attribute identifier"))
            )
        return WriteAttributesResponse(tuple(statuses))
    if cmd == GeneralCommand.DEFAULT_RESPONSE:
        return DefaultResponse(r.u8("command identifier"), r.u8("status"))
    return RawPayload(r.rest(), "general command not decoded")


# --- encoding -----------------------------------------------------------------------------


def write_header(header: ZclHeader, out: bytearray) -> None:
    out.append(header.frame_control)
    if header.manufacturer_code is not None:
        out += uint_le(header.manufacturer_code, 2)
    out.append(header.transaction_sequence_number)
    out.append(header.command_id)


def encode_frame(frame: ZclFrame, cluster_id: int) -> bytes:
    out = bytearray()
    write_header(frame.header, out)
    out += encode_payload(frame.payload, cluster_id, frame.header)
    return bytes(out)


def encode_payload(payload: ZclPayload, cluster_id: int, header: ZclHeader) -> bytes:
    """The bytes of ``payload``; raises ``GbcsEncodeError`` if it does not fit ``header``."""
    if isinstance(payload, RawPayload):
        return payload.data
    if isinstance(payload, ClusterCommand):
        layout = command_layout(cluster_id, header)
        if layout is None or layout.name != payload.name:
            raise GbcsEncodeError(
                f"{payload.name} is not command 0x{header.command_id:02X} of cluster "
                f"0x{cluster_id:04X} in this direction"
            )
        return encode_fields(payload.fields, layout.fields)
    expected = _GENERAL_IDS[type(payload)]
    if header.frame_type != FrameType.PROFILE_WIDE or header.command_id not in expected:
        raise GbcsEncodeError(
            f"{type(payload).__name__} does not fit command 0x{header.command_id:02X}"
        )
    out = bytearray()
    try:
        _write_general(payload, out)
    except OverflowError as exc:
        raise GbcsEncodeError(f"{type(payload).__name__}: {exc}") from None
    return bytes(out)


_GENERAL_IDS: Final[dict[type, tuple[int, ...]]] = {
    ReadAttributes: (GeneralCommand.READ_ATTRIBUTES,),
    ReadAttributesResponse: (GeneralCommand.READ_ATTRIBUTES_RESPONSE,),
    WriteAttributes: (
        GeneralCommand.WRITE_ATTRIBUTES,
        GeneralCommand.WRITE_ATTRIBUTES_UNDIVIDED,
        GeneralCommand.WRITE_ATTRIBUTES_NO_RESPONSE,
    ),
    WriteAttributesResponse: (GeneralCommand.WRITE_ATTRIBUTES_RESPONSE,),
    DefaultResponse: (GeneralCommand.DEFAULT_RESPONSE,),
}


def _write_general(payload: ZclPayload, out: bytearray) -> None:
    if isinstance(payload, ReadAttributes):
        for attribute_id in payload.attribute_ids:
            out += uint_le(attribute_id, 2)
    elif isinstance(payload, ReadAttributesResponse):
        for record in payload.records:
            out += uint_le(record.attribute_id, 2)
            out.append(record.status)
            if record.value is not None:
                out.append(record.value.type)
                write_value(record.value, out)
    elif isinstance(payload, WriteAttributes):
        for write in payload.records:
            out += uint_le(write.attribute_id, 2)
            out.append(write.value.type)
            write_value(write.value, out)
    elif isinstance(payload, WriteAttributesResponse):
        lone = len(payload.records) == 1 and payload.records[0].attribute_id is None
        for status in payload.records:
            out.append(status.status)
            if status.attribute_id is not None:
                out += uint_le(status.attribute_id, 2)
            elif not lone:
                raise GbcsEncodeError("only a lone write status record may omit its attribute id")
    elif isinstance(payload, DefaultResponse):
        out.append(payload.command_id)
        out.append(payload.status)
