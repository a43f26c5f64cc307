"""Random mutations of signed documents never verify, and never raise (see mutations.py)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from opendcc.duis.build import request_document, signed_pre_command
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import REQUEST_MATRIX
from opendcc.duis.messages import RequestHeader, ServiceRequest, parse_request
from opendcc.duis.signature import SignatureVerifier, sign_to_bytes
from tests.duis.conftest import read_registers
from tests.duis.mutations import byte_mutation, judge, signed_form, tree_mutation
from tests.duis.pki import DEVICE, NOW, SUPPLIER, Party, directory_of

_SETTINGS = settings(
    max_examples=int(os.environ.get("OPENDCC_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def documents(supplier: Party) -> list[bytes]:
    variant = REQUEST_MATRIX["1.6"]
    header = RequestHeader(
        RequestId(SUPPLIER, DEVICE, 99), CommandVariant(5), variant.service_reference, variant
    )
    pre_command = request_document(
        header, signed_pre_command(b"\xde\x00\x01", datetime(2030, 1, 1, tzinfo=UTC))
    )
    return [
        sign_to_bytes(read_registers(), supplier.identity),
        sign_to_bytes(pre_command, supplier.identity),
    ]


def _form(data: bytes) -> tuple[object, ...]:
    request = parse_request(data)
    assert isinstance(request, ServiceRequest)
    return signed_form(request.root)


@_SETTINGS
@given(data=st.data())
def test_byte_mutations(documents: list[bytes], supplier: Party, data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(documents))
    verifier = SignatureVerifier(directory_of(supplier))
    mutated = data.draw(byte_mutation(original))
    event(judge(_form(original), mutated, lambda r: verifier.verify_request(r, NOW)))


@_SETTINGS
@given(data=st.data())
def test_tree_mutations(documents: list[bytes], supplier: Party, data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(documents))
    verifier = SignatureVerifier(directory_of(supplier))
    mutated = data.draw(tree_mutation(original))
    event(judge(_form(original), mutated, lambda r: verifier.verify_request(r, NOW)))


def test_the_originals_verify(documents: list[bytes], supplier: Party) -> None:
    verifier = SignatureVerifier(directory_of(supplier))
    for document in documents:
        assert judge(_form(document), document, lambda r: verifier.verify_request(r, NOW)) == (
            "not a mutation: verifies"
        )
