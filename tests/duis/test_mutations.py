"""Random mutations of signed documents never verify, and never raise (see mutations.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from opendcc.duis.build import (
    gbcs_payload,
    request_document,
    service_response,
    signed_pre_command,
)
from opendcc.duis.codes import ResponseCode
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import REQUEST_MATRIX
from opendcc.duis.messages import RequestHeader, ServiceRequest, ServiceResponse, parse_message
from opendcc.duis.signature import SignatureVerifier, sign_to_bytes
from tests.duis.conftest import read_registers, read_registers_header
from tests.duis.mutations import byte_mutation, judge, signed_form, tree_mutation
from tests.duis.pki import DEVICE, NOW, SUPPLIER, Party, directory_of

_SETTINGS = settings(
    max_examples=int(os.environ.get("OPENDCC_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def documents(supplier: Party, dsp: Party) -> list[bytes]:
    variant = REQUEST_MATRIX["1.6"]
    header = RequestHeader(
        RequestId(SUPPLIER, DEVICE, 99), CommandVariant(5), variant.service_reference, variant
    )
    pre_command = request_document(
        header, signed_pre_command(b"\xde\x00\x01", datetime(2030, 1, 1, tzinfo=UTC))
    )
    response = service_response(
        read_registers_header(), ResponseCode.I0, NOW, gbcs_payload(b"\xdd\x00\x01")
    )
    return [
        sign_to_bytes(read_registers(), supplier.identity),
        sign_to_bytes(pre_command, supplier.identity),
        sign_to_bytes(response, dsp.identity),
    ]


def _form(data: bytes) -> tuple[object, ...]:
    message = parse_message(data)
    assert isinstance(message, ServiceRequest | ServiceResponse)
    return signed_form(message.root)


def _verifier(supplier: Party, dsp: Party) -> Callable[[object], object]:
    verifier = SignatureVerifier(directory_of(supplier, dsp))

    def verify(message: object) -> object:
        if isinstance(message, ServiceRequest):
            return verifier.verify_request(message, NOW)
        assert isinstance(message, ServiceResponse)
        return verifier.verify_response(message, NOW)

    return verify


@_SETTINGS
@given(data=st.data())
def test_byte_mutations(
    documents: list[bytes], supplier: Party, dsp: Party, data: st.DataObject
) -> None:
    original = data.draw(st.sampled_from(documents))
    mutated = data.draw(byte_mutation(original))
    event(judge(_form(original), mutated, _verifier(supplier, dsp)))


@_SETTINGS
@given(data=st.data())
def test_tree_mutations(
    documents: list[bytes], supplier: Party, dsp: Party, data: st.DataObject
) -> None:
    original = data.draw(st.sampled_from(documents))
    mutated = data.draw(tree_mutation(original))
    event(judge(_form(original), mutated, _verifier(supplier, dsp)))


def test_the_originals_verify(documents: list[bytes], supplier: Party, dsp: Party) -> None:
    for document in documents:
        assert judge(_form(document), document, _verifier(supplier, dsp)) == (
            "not a mutation: verifies"
        )
