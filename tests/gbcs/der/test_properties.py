"""Property tests: random structures round-trip; random and damaged bytes never crash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError, PayloadContext
from opendcc.gbcs.der import MODULES, DerPayload, DerTree, decode, encode
from opendcc.gbcs.der.tlv import LengthForm
from tests.gbcs.der.rtds import RTDS, der_vectors
from tests.gbcs.der.strategies import STRUCTURES, der_trees
from tests.reference import require_reference

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_NOBODY = Eui64(0)


def _context(cra: Cra, use_case: str | None, message_code: int = 0xFFFF) -> PayloadContext:
    return PayloadContext(cra, message_code, use_case, _NOBODY, _NOBODY, 0)


def _context_for(kind: type[Any]) -> PayloadContext:
    for module in MODULES:
        for cra in Cra:
            if module.structure(cra) is kind:
                return _context(cra, module.use_cases[0])
    raise AssertionError(f"{kind.__name__} is in no module")


ALL_CONTEXTS = [_context(cra, m.use_cases[0]) for m in MODULES for cra in Cra] + [
    _context(Cra.COMMAND, None)
]


def test_every_structure_has_a_strategy_and_a_module() -> None:
    modelled = {s for m in MODULES for s in (m.command, m.response, m.alert) if s is not None}
    assert modelled == set(STRUCTURES)


@pytest.mark.parametrize("kind", list(STRUCTURES), ids=lambda k: k.__name__)
@_SETTINGS
@given(data=st.data())
def test_random_structures_round_trip(kind: type[Any], data: st.DataObject) -> None:
    value = data.draw(STRUCTURES[kind])
    form = data.draw(st.sampled_from(list(LengthForm)))
    payload = DerPayload(value, length_form=form)
    encoded = encode(payload)
    decoded = decode(encoded, _context_for(kind))
    assert decoded.body == value
    assert type(decoded.body) is kind
    assert encode(decoded) == encoded
    rebuilt = DerPayload.from_json(json.loads(json.dumps(decoded.to_json())))
    assert rebuilt == decoded
    assert encode(rebuilt) == encoded


@_SETTINGS
@given(tree=der_trees)
def test_generic_trees_round_trip_with_their_length_forms(tree: DerTree) -> None:
    encoded = tree.encode()
    payload = decode(encoded, _context(Cra.RESPONSE, None))
    assert payload.body == tree
    assert encode(payload) == encoded
    assert DerPayload.from_json(json.loads(json.dumps(payload.to_json()))) == payload


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), context=st.sampled_from(ALL_CONTEXTS))
def test_random_bytes_decode_exactly_or_raise_gbcs_decode_error(
    data: bytes, context: PayloadContext
) -> None:
    try:
        payload = decode(data, context)
    except GbcsDecodeError:
        return
    assert encode(payload) == data
    json.dumps(payload.to_json())


_VECTORS = der_vectors()


@pytest.mark.conformance
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_damaged_vectors_decode_exactly_or_raise_gbcs_decode_error(data: st.DataObject) -> None:
    if not _VECTORS:
        require_reference(*RTDS.parts)
    vector = data.draw(st.sampled_from(_VECTORS))
    payload = bytearray(vector.payload)
    damage = data.draw(st.sampled_from(["truncate", "flip", "insert"]))
    position = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    if damage == "truncate":
        del payload[position:]
    elif damage == "flip":
        payload[position] ^= data.draw(st.integers(min_value=1, max_value=255))
    else:
        payload[position:position] = data.draw(st.binary(min_size=1, max_size=4))
    assume(bytes(payload) != vector.payload)
    try:
        decoded = decode(bytes(payload), vector.context)
    except GbcsDecodeError:
        return
    assert encode(decoded) == bytes(payload)
    json.dumps(decoded.to_json())


@pytest.mark.conformance
def test_every_truncation_of_every_vector_is_handled() -> None:
    require_reference(*RTDS.parts)
    for vector in _VECTORS:
        for end in range(len(vector.payload)):
            try:
                decoded = decode(vector.payload[:end], vector.context)
            except GbcsDecodeError:
                continue
            assert encode(decoded) == vector.payload[:end]


def test_deep_nesting_is_refused_not_a_crash() -> None:
    depth = 2000
    data = b"".join(
        bytes((0x30, 0x84)) + (2 * (depth - i - 1)).to_bytes(4, "big") for i in range(depth)
    )
    with pytest.raises(GbcsDecodeError):
        decode(data, _context(Cra.RESPONSE, None))
