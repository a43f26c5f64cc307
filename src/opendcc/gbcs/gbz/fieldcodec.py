"""Reading and writing command fields by their layout, compiled once per layout.

A layout (``fields.Element`` tuple) is compiled on first use into a flat program of
operations: runs of consecutive 1, 2, 4 or 8-byte integers become one ``struct`` call,
3- and 6-byte integers, dates, strings, optional tails, repeated groups, switches and raw
rests get one operation each. The program is cached by layout identity (layouts are
module-level constants), so decoding a Publish Calendar costs a few struct calls rather
than a walk over dataclasses.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any, Final

from opendcc.gbcs.context import GbcsDecodeError, GbcsEncodeError
from opendcc.gbcs.gbz.fields import Element, Field, FieldValue, Record, Repeat, Rest, Switch
from opendcc.gbcs.gbz.wire import Reader

_RUN: Final = 0  # (kind, names, Struct)
_INT: Final = 1  # (kind, name, size, signed)
_OCTETS: Final = 2  # (kind, name, size)
_STRING: Final = 3  # (kind, name)
_OPTIONAL: Final = 4  # (kind, name, inner op)
_REPEAT: Final = 5  # (kind, name, program, count)
_SWITCH: Final = 6  # (kind, on, {selector: program}, fallback name)
_REST: Final = 7  # (kind, name)

_STRUCT_CODES: Final = {(1, False): "B", (2, False): "H", (4, False): "I", (8, False): "Q"}
_STRUCT_CODES_SIGNED: Final = {(1, True): "b", (2, True): "h", (4, True): "i", (8, True): "q"}
_MAX_GROUP_DEPTH: Final = 4

Op = tuple[Any, ...]
Program = tuple[Op, ...]

_PROGRAMS: dict[int, tuple[tuple[Element, ...], Program]] = {}


def program(elements: tuple[Element, ...]) -> Program:
    """The compiled program of a layout (compiled on first use, then cached)."""
    cached = _PROGRAMS.get(id(elements))
    if cached is not None and cached[0] is elements:
        return cached[1]
    compiled = _compile(elements)
    _PROGRAMS[id(elements)] = (elements, compiled)  # keeps the layout alive: ids stay valid
    return compiled


def _field_op(f: Field) -> Op:
    t = f.type
    if t.string:
        return (_STRING, f.name)
    if t.octets:
        return (_OCTETS, f.name, t.size)
    return (_INT, f.name, t.size, t.signed)


def _compile(elements: tuple[Element, ...]) -> Program:
    ops: list[Op] = []
    run_names: list[str] = []
    run_codes: list[str] = []

    def flush() -> None:
        if run_names:
            ops.append((_RUN, tuple(run_names), struct.Struct("<" + "".join(run_codes))))
            run_names.clear()
            run_codes.clear()

    for e in elements:
        if isinstance(e, Field) and not e.optional and e.type.integer:
            key = (e.type.size, e.type.signed)
            code = (_STRUCT_CODES_SIGNED if e.type.signed else _STRUCT_CODES).get(key)
            if code is not None:
                run_names.append(e.name)
                run_codes.append(code)
                continue
        flush()
        if isinstance(e, Field):
            op = _field_op(e)
            ops.append((_OPTIONAL, e.name, op) if e.optional else op)
        elif isinstance(e, Repeat):
            ops.append((_REPEAT, e.name, program(e.fields), e.count))
        elif isinstance(e, Switch):
            cases = {k: program(v) for k, v in e.cases.items()}
            ops.append((_SWITCH, e.on, cases, e.fallback))
        elif isinstance(e, Rest):
            ops.append((_REST, e.name))
    flush()
    return tuple(ops)


# --- decoding -----------------------------------------------------------------------------


def decode_fields(r: Reader, elements: tuple[Element, ...]) -> Record:
    """Read ``elements`` from ``r``; raises ``GbcsDecodeError`` on a mismatch."""
    out: list[tuple[str, FieldValue]] = []
    r.pos = _decode(program(elements), r.data, r.pos, r.end, out, 0)
    return Record(tuple(out))


def _truncated(name: str, need: int, pos: int, end: int) -> GbcsDecodeError:
    return GbcsDecodeError(f"truncated {name}: need {need} bytes, {end - pos} left", pos)


def _decode(
    ops: Program, data: bytes, pos: int, end: int, out: list[tuple[str, FieldValue]], depth: int
) -> int:
    for op in ops:
        kind = op[0]
        if kind == _RUN:
            codec: struct.Struct = op[2]
            if pos + codec.size > end:
                raise _truncated(op[1][0], codec.size, pos, end)
            out.extend(zip(op[1], codec.unpack_from(data, pos), strict=True))
            pos += codec.size
        elif kind == _OPTIONAL:
            if pos >= end:
                out.append((op[1], None))
            else:
                pos = _decode((op[2],), data, pos, end, out, depth)
        elif kind == _INT:
            size = op[2]
            if pos + size > end:
                raise _truncated(op[1], size, pos, end)
            out.append((op[1], int.from_bytes(data[pos : pos + size], "little", signed=op[3])))
            pos += size
        elif kind == _STRING:
            if pos >= end:
                raise _truncated(f"{op[1]} length", 1, pos, end)
            length = data[pos]
            pos += 1
            if length == 0xFF:
                out.append((op[1], None))
            else:
                if pos + length > end:
                    raise _truncated(op[1], length, pos, end)
                out.append((op[1], data[pos : pos + length]))
                pos += length
        elif kind == _OCTETS:
            size = op[2]
            if pos + size > end:
                raise _truncated(op[1], size, pos, end)
            out.append((op[1], data[pos : pos + size]))
            pos += size
        elif kind == _REPEAT:
            pos = _decode_repeat(op, data, pos, end, out, depth)
        elif kind == _SWITCH:
            selector = _last(out, op[1])
            case = op[2].get(selector) if isinstance(selector, int) else None
            if case is None:
                out.append((op[3], data[pos:end]))
                pos = end
            else:
                pos = _decode(case, data, pos, end, out, depth)
        else:
            out.append((op[1], data[pos:end]))
            pos = end
    return pos


def _last(out: list[tuple[str, FieldValue]], name: str) -> FieldValue:
    for key, value in reversed(out):
        if key == name:
            return value
    return None


def _decode_repeat(
    op: Op, data: bytes, pos: int, end: int, out: list[tuple[str, FieldValue]], depth: int
) -> int:
    name, ops, count = op[1], op[2], op[3]
    if depth >= _MAX_GROUP_DEPTH:
        raise GbcsDecodeError("repeated groups nested too deeply", pos)
    items: list[Record] = []
    if count is None:
        while pos < end:
            entry: list[tuple[str, FieldValue]] = []
            pos = _decode(ops, data, pos, end, entry, depth + 1)
            items.append(Record(tuple(entry)))
    else:
        n = _last(out, count) if isinstance(count, str) else count(Record(tuple(out)))
        if not isinstance(n, int):
            raise GbcsDecodeError(f"{name}: no count", pos)
        if n > end - pos:  # every entry takes at least one byte
            raise GbcsDecodeError(f"{name}: {n} entries cannot fit in {end - pos} bytes", pos)
        for _ in range(n):
            entry = []
            pos = _decode(ops, data, pos, end, entry, depth + 1)
            items.append(Record(tuple(entry)))
    out.append((name, tuple(items)))
    return pos


# --- encoding -----------------------------------------------------------------------------


def encode_fields(record: Mapping[str, FieldValue], elements: tuple[Element, ...]) -> bytes:
    """Write ``record`` by its layout; raises ``GbcsEncodeError`` for a missing or bad value."""
    out = bytearray()
    _encode(program(elements), _index(record), out, 0)
    return bytes(out)


def _index(record: Mapping[str, FieldValue]) -> Mapping[str, FieldValue]:
    return record._index if isinstance(record, Record) else record


def _encode(ops: Program, values: Mapping[str, FieldValue], out: bytearray, depth: int) -> None:
    if depth > _MAX_GROUP_DEPTH:
        raise GbcsEncodeError("repeated groups nested too deeply")
    for op in ops:
        kind = op[0]
        if kind == _RUN:
            names = op[1]
            try:
                out += op[2].pack(*[values[n] for n in names])
            except KeyError as exc:
                raise GbcsEncodeError(f"missing field {exc.args[0]}") from None
            except struct.error:
                for n in names:
                    _write_int(n, values[n], op[2].size, False, bytearray(), check_only=True)
                raise GbcsEncodeError(f"a value of {', '.join(names)} does not fit") from None
        elif kind == _OPTIONAL:
            if values.get(op[1]) is not None:
                _encode((op[2],), values, out, depth)
        elif kind == _INT:
            _write_int(op[1], _get(values, op[1]), op[2], op[3], out)
        elif kind == _STRING:
            value = _get(values, op[1])
            if value is None:
                out.append(0xFF)
            elif isinstance(value, bytes) and len(value) <= 0xFE:
                out.append(len(value))
                out += value
            else:
                raise GbcsEncodeError(f"{op[1]} must be bytes of at most 254, got {value!r}")
        elif kind == _OCTETS:
            value = _get(values, op[1])
            if not isinstance(value, bytes) or len(value) != op[2]:
                raise GbcsEncodeError(f"{op[1]} must be {op[2]} bytes, got {value!r}")
            out += value
        elif kind == _REPEAT:
            _encode_repeat(op, values, out, depth)
        elif kind == _SWITCH:
            selector = values.get(op[1])
            case = op[2].get(selector) if isinstance(selector, int) else None
            if case is None:
                _write_rest(values, op[3], out)
            else:
                _encode(case, values, out, depth)
        else:
            _write_rest(values, op[1], out)


def _get(values: Mapping[str, FieldValue], name: str) -> FieldValue:
    try:
        return values[name]
    except KeyError:
        raise GbcsEncodeError(f"missing field {name}") from None


def _write_int(
    name: str, value: object, size: int, signed: bool, out: bytearray, *, check_only: bool = False
) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise GbcsEncodeError(f"{name} must be an integer, got {value!r}")
    try:
        out += value.to_bytes(size, "little", signed=signed)
    except OverflowError:
        raise GbcsEncodeError(f"{name} value {value} does not fit {size} bytes") from None


def _encode_repeat(op: Op, values: Mapping[str, FieldValue], out: bytearray, depth: int) -> None:
    name, ops, count = op[1], op[2], op[3]
    items = values.get(name)
    if not isinstance(items, tuple):
        raise GbcsEncodeError(f"{name} must be a tuple of records")
    if count is not None:
        expected = (
            values.get(count)
            if isinstance(count, str)
            else count(values if isinstance(values, Record) else Record(tuple(values.items())))
        )
        if expected != len(items):
            raise GbcsEncodeError(f"{name} has {len(items)} entries, its count says {expected!r}")
    for item in items:
        if not isinstance(item, Mapping):
            raise GbcsEncodeError(f"{name} entries must be records")
        _encode(ops, _index(item), out, depth + 1)


def _write_rest(values: Mapping[str, FieldValue], name: str, out: bytearray) -> None:
    value = values.get(name, b"")
    if not isinstance(value, bytes):
        raise GbcsEncodeError(f"{name} must be bytes")
    out += value
