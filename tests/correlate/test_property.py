"""Property: correlate never accepts a Pre-Command that differs from the transform of the
request outside the fields the DCC fills in.

Stated exactly: whenever ``correlate(request, p, at=T)`` accepts, ``p`` (its grouping header
and payload) is byte for byte the request's transform under some Device profile at the
verdict's DCC time ``D`` (``T`` when the Command carries no time), and ``|D - T|`` is within
the clock tolerance. The oracle recomputes the transforms itself; the Pre-Commands tried are
the reference ones changed at random: bytes flipped, inserted, deleted or cut; payload values
changed through the payload codec's own JSON (so the change is a well-formed Command); header
fields changed; and the DCC's own time moved, within and beyond the tolerance.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from opendcc.correlate import DEFAULT_CLOCK_TOLERANCE, correlate
from opendcc.correlate.check import expected_header
from opendcc.correlate.expected import Expected, attempts, transform_once
from opendcc.duis.messages import ServiceRequest
from opendcc.eui import Eui64
from opendcc.gbcs.context import Cra, GbcsDecodeError, GbcsEncodeError, PayloadContext
from opendcc.gbcs.date_time import DlmsDateTime
from opendcc.gbcs.frame import GbcsMessage, OtherInformation, decode_message
from opendcc.gbcs.payload import decode_payload, encode_payload, payload_from_json
from opendcc.transform.registry import CommandSpec
from tests.correlate.support import (
    RTDS_NOW,
    critical_templates,
    has_transform,
    pre_command_of,
    premises_facts,
    reference_keystore,
    reference_pair,
    variant_of,
)
from tests.reference import REFERENCE_DIR


def _cases() -> list[tuple[str, ServiceRequest, bytes, Any]]:
    """(name, request, its Pre-Command, facts) for critical templates with a transform."""
    out: list[tuple[str, ServiceRequest, bytes, Any]] = []
    if not (REFERENCE_DIR / "gbcs" / "keystore").is_dir():
        return out
    keystore = reference_keystore()
    for template in critical_templates():
        if not has_transform(variant_of(template)):
            continue
        pair = reference_pair(template)
        facts = premises_facts(keystore, template, pair.pre_command)
        pre_command = pair.pre_command
        if pre_command is None:
            for item in attempts(pair.request, None, RTDS_NOW, facts):
                if isinstance(item, Expected):
                    pre_command = pre_command_of(pair.request, item.spec)
                    break
        if pre_command is not None and correlate(
            pair.request, pre_command, at=RTDS_NOW, devices=facts
        ):
            out.append((template.name, pair.request, pre_command, facts))
    return out


CASES = _cases()


def _accepted_means_transform(
    request: ServiceRequest, candidate: bytes, facts: Any, at: Any = RTDS_NOW
) -> bool:
    """Correlate's verdict on ``candidate``, after checking the property for an acceptance."""
    verdict = correlate(request, candidate, at=at, devices=facts)
    if not verdict:
        assert verdict.difference, "a refusal must say why"
        return False
    when = verdict.dcc_time or at
    assert abs(when - at) <= DEFAULT_CLOCK_TOLERANCE
    message = decode_message(candidate)
    assert message.signature is None and not message.mac_header
    for item in attempts(request, None, when, facts):
        if not isinstance(item, Expected):
            continue
        if expected_header(item.spec, message) == message.header and (
            item.spec.payload == message.payload
        ):
            return True
    raise AssertionError(f"accepted a Pre-Command that is no transform: {candidate.hex()}")


needs_cases = pytest.mark.skipif(not CASES, reason="no critical template has a transform yet")


@st.composite
def byte_mutation(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(("flip", "set", "insert", "delete", "cut", "append")))
        if action == "flip" and data:
            data[index] ^= 1 << draw(st.integers(0, 7))
        elif action == "set" and data:
            data[index] = draw(st.integers(0, 255))
        elif action == "insert":
            data[index:index] = draw(st.binary(min_size=1, max_size=4))
        elif action == "delete":
            del data[index : index + draw(st.integers(1, 4))]
        elif action == "cut":
            del data[index:]
        else:
            data += draw(st.binary(min_size=1, max_size=2))
    return bytes(data)


@pytest.mark.conformance
@needs_cases
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_byte_mutations(data: st.DataObject) -> None:
    _, request, original, facts = data.draw(st.sampled_from(CASES))
    candidate = data.draw(byte_mutation(original))
    try:
        decode_message(candidate)
    except GbcsDecodeError:
        assert not correlate(request, candidate, at=RTDS_NOW, devices=facts)
        return
    _accepted_means_transform(request, candidate, facts)


def _int_leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() if k != "values" for p in _int_leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _int_leaves(v, (*path, i))]
    if isinstance(node, int) and not isinstance(node, bool):
        return [path]
    return []


def _set(node: Any, path: tuple[Any, ...], value: int) -> None:
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


@pytest.mark.conformance
@needs_cases
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_payload_value_mutations(data: st.DataObject) -> None:
    """A value changed through the codec's JSON: a well-formed Command doing something else."""
    _, request, original, facts = data.draw(st.sampled_from(CASES))
    message = decode_message(original)
    context = PayloadContext(
        Cra.COMMAND, message.message_code, None, message.originator, message.recipient,
        message.counter,
    )  # fmt: skip
    document = decode_payload(message.payload, context).to_json()
    leaves = _int_leaves(document)
    assume(leaves)
    path = data.draw(st.sampled_from(leaves))
    node: Any = document
    for step in path:
        node = node[step]
    _set(document, path, node + data.draw(st.sampled_from((-1, 1, 2, 255, 1 << 16))))
    try:
        payload = encode_payload(payload_from_json(document))
    except (GbcsEncodeError, ValueError, OverflowError):
        return
    candidate = GbcsMessage(
        message.header, payload, mac_header=False, signature_length_omitted=True
    ).encode()
    _accepted_means_transform(request, candidate, facts)


@pytest.mark.conformance
@needs_cases
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_header_mutations(data: st.DataObject) -> None:
    _, request, original, facts = data.draw(st.sampled_from(CASES))
    message = decode_message(original)
    header = message.header
    eui = st.integers(0, (1 << 64) - 1).map(Eui64)
    field = data.draw(st.sampled_from(("originator", "recipient", "counter", "code", "time",
                                       "supplementary")))  # fmt: skip
    if field == "originator":
        header = replace(header, originator=data.draw(eui))
    elif field == "recipient":
        header = replace(header, recipient=data.draw(eui))
    elif field == "counter":
        header = replace(header, originator_counter=data.draw(st.integers(0, (1 << 64) - 1)))
    elif field == "code":
        code = data.draw(st.integers(0, 0xFFFF))
        header = replace(header, other_information=OtherInformation(code))
    elif field == "time":
        offset = data.draw(st.integers(-(10**8), 10**8))
        header = replace(
            header, date_time=DlmsDateTime.from_datetime(RTDS_NOW + timedelta(seconds=offset))
        )
    else:
        party = data.draw(eui)
        header = replace(
            header,
            other_information=OtherInformation(header.message_code, party,
                                               data.draw(st.integers(0, 1000))),
        )  # fmt: skip
    candidate = GbcsMessage(
        header, message.payload, mac_header=False, signature_length_omitted=True
    ).encode()
    accepted = _accepted_means_transform(request, candidate, facts)
    assert accepted == (header == message.header)


@pytest.mark.conformance
@needs_cases
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_dcc_time_is_accepted_exactly_within_the_tolerance(data: st.DataObject) -> None:
    """The DCC transforms at its own instant: accepted when (and only when) that instant is
    within the tolerance of when the Pre-Command was issued."""
    _, request, original, facts = data.draw(st.sampled_from(CASES))
    payload = decode_message(original).payload
    item = next(
        i for i in attempts(request, None, RTDS_NOW, facts)
        if isinstance(i, Expected) and i.spec.payload == payload
    )  # fmt: skip
    offset = timedelta(seconds=data.draw(st.integers(-3 * 3600, 3 * 3600)))
    spec = transform_once(request, item.profile, item.role, RTDS_NOW + offset, facts)
    assume(isinstance(spec, CommandSpec))
    assert isinstance(spec, CommandSpec)
    candidate = pre_command_of(request, spec)
    accepted = _accepted_means_transform(request, candidate, facts)
    if candidate == original or offset == timedelta(0):
        assert accepted
    else:
        assert accepted == (abs(offset) <= DEFAULT_CLOCK_TOLERANCE)
