"""Hypothesis strategies for A-XDR data trees and DLMS APDUs (test-only)."""

from __future__ import annotations

from hypothesis import strategies as st

from opendcc.gbcs.dlms.apdu import (
    AccessRequest,
    AccessResponse,
    Action,
    ActionResponse,
    ActionResult,
    DataAccessResult,
    DataNotification,
    Get,
    GetResult,
    InvokeIdAndPriority,
    Set,
    SetResult,
    specification_of,
)
from opendcc.gbcs.dlms.cosem import AttributeDescriptor, MethodDescriptor, ObisCode, SelectiveAccess
from opendcc.gbcs.dlms.data import (
    INTEGER_TYPES,
    Array,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DateData,
    DateTimeData,
    DontCare,
    Float32,
    Float64,
    NullData,
    OctetString,
    Structure,
    TimeData,
    Utf8String,
    VisibleString,
    describe,
)
from opendcc.gbcs.dlms.datetimes import CosemDate, CosemDateTime, CosemTime

byte = st.integers(0, 255)
dates = st.builds(CosemDate, st.integers(0, 0xFFFF), byte, byte, byte)
times = st.builds(CosemTime, byte, byte, byte, byte)
date_times = st.builds(CosemDateTime, dates, times, st.integers(-0x8000, 0x7FFF), byte)


def _integer(cls: type) -> st.SearchStrategy[Data]:
    bits = cls.size * 8
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if cls.signed else (0, (1 << bits) - 1)
    return st.builds(cls, st.integers(low, high))


def _bit_string() -> st.SearchStrategy[Data]:
    return st.integers(0, 300).flatmap(
        lambda n: st.builds(
            BitString, st.just(n), st.binary(min_size=(n + 7) // 8, max_size=(n + 7) // 8)
        )
    )


def _boolean() -> st.SearchStrategy[Data]:
    return st.one_of(
        st.builds(Boolean, st.booleans()),
        st.builds(lambda raw: Boolean(True, raw), st.integers(1, 254)),
    )


scalars: st.SearchStrategy[Data] = st.one_of(
    st.just(NullData()),
    st.just(DontCare()),
    _boolean(),
    _bit_string(),
    *(_integer(cls) for cls in INTEGER_TYPES),
    st.builds(OctetString, st.binary(max_size=300)),
    st.builds(VisibleString, st.text(st.characters(max_codepoint=255), max_size=40)),
    st.builds(Utf8String, st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)),
    st.builds(Float32, st.floats(width=32, allow_nan=False)),
    st.builds(Float64, st.floats(allow_nan=False)),
    st.builds(DateTimeData, date_times),
    st.builds(DateData, dates),
    st.builds(TimeData, times),
)

# Compact arrays need elements of one shape with content: build them from one template.
_compact_scalars: st.SearchStrategy[Data] = st.one_of(
    *(_integer(cls) for cls in INTEGER_TYPES),
    st.builds(OctetString, st.binary(max_size=12)),
    st.builds(Boolean, st.booleans()),
)


@st.composite
def compact_arrays(draw: st.DrawFn) -> Data:
    width = draw(st.integers(1, 4))
    template = [draw(_compact_scalars) for _ in range(width)]
    count = draw(st.integers(0, 6))
    rows = []
    for _ in range(count):
        row = []
        for cell in template:
            if isinstance(cell, OctetString):
                row.append(OctetString(draw(st.binary(max_size=12))))
            elif isinstance(cell, Boolean):
                row.append(Boolean(draw(st.booleans())))
            else:
                row.append(draw(_integer(type(cell))))
        rows.append(Structure(tuple(row)))
    return CompactArray(describe(Structure(tuple(template))), tuple(rows))


data_trees: st.SearchStrategy[Data] = st.recursive(
    st.one_of(scalars, compact_arrays()),
    lambda children: st.one_of(
        st.builds(Array, st.lists(children, max_size=5).map(tuple)),
        st.builds(Structure, st.lists(children, max_size=5).map(tuple)),
    ),
    max_leaves=25,
)

obis_codes = st.builds(ObisCode, byte, byte, byte, byte, byte, byte)
attributes = st.builds(
    AttributeDescriptor, st.integers(0, 0xFFFF), obis_codes, st.integers(-128, 127)
)
methods = st.builds(MethodDescriptor, st.integers(0, 0xFFFF), obis_codes, st.integers(-128, 127))
accesses = st.builds(SelectiveAccess, byte, data_trees)
invokes = st.builds(
    InvokeIdAndPriority,
    st.integers(0, 0xFFFFFF),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.integers(0, 15),
)
requests = st.one_of(
    st.builds(Get, attributes, st.none() | accesses, data_trees),
    st.builds(Set, attributes, data_trees, st.none() | accesses),
    st.builds(Action, methods, data_trees),
)
results = st.one_of(st.sampled_from(list(DataAccessResult)), st.integers(0, 255))
responses = st.one_of(
    st.builds(GetResult, results, data_trees),
    st.builds(SetResult, results, data_trees),
    st.builds(
        ActionResponse,
        st.one_of(st.sampled_from(list(ActionResult)), st.integers(0, 255)),
        data_trees,
    ),
)
apdus = st.one_of(
    st.builds(
        AccessRequest, invokes, st.lists(requests, max_size=4).map(tuple), st.none() | date_times
    ),
    st.builds(
        AccessResponse,
        invokes,
        st.lists(responses, max_size=4).map(tuple),
        st.none() | date_times,
        st.none() | st.lists(requests.map(specification_of), max_size=2).map(tuple),
    ),
    st.builds(DataNotification, invokes, data_trees, st.none() | date_times),
)
