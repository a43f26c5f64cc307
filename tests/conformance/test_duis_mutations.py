"""Random mutations of real RTDS templates, signed by opendcc with DCC Boxed keys at test time:
no exception escapes the parser or the verifier, and no mutated document verifies.

What counts as a mutation is defined in ``tests/duis/mutations.py``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from opendcc.duis.build import to_bytes
from opendcc.duis.messages import ServiceRequest, parse_request
from opendcc.duis.signature import SignatureVerifier, SigningIdentity, sign
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore
from tests.duis.mutations import byte_mutation, judge, signed_form, tree_mutation
from tests.reference import require_reference

pytestmark = pytest.mark.conformance

_SETTINGS = settings(
    max_examples=int(os.environ.get("OPENDCC_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_ROLES = [
    RemotePartyRole.XML_SIGNING,
    RemotePartyRole.SUPPLIER,
    RemotePartyRole.NETWORK_OPERATOR,
    RemotePartyRole.LOAD_CONTROLLER,
    RemotePartyRole.ACCESS_CONTROL_BROKER,
]


@pytest.fixture(scope="module")
def keystore() -> Keystore:
    return Keystore.load(require_reference("keys", "dccboxed"))


@pytest.fixture(scope="module")
def signed_templates(keystore: Keystore) -> list[tuple[bytes, datetime]]:
    """Every tenth template (a spread of variants and originators), signed now."""
    folder = require_reference("duis", "templates")
    signed = []
    for path in sorted(folder.iterdir())[::10]:
        request = parse_request(path.read_bytes())
        assert isinstance(request, ServiceRequest), request
        entry = keystore.signer(request.header.request_id.originator, roles=_ROLES)
        assert entry is not None and entry.record is not None
        sign(request.root, SigningIdentity.from_entry(entry))
        signed.append((to_bytes(request.root), entry.record.not_before + timedelta(days=1)))
    return signed


def _check(keystore: Keystore, original: bytes, at: datetime, mutated: bytes) -> str:
    request = parse_request(original)
    assert isinstance(request, ServiceRequest)
    verifier = SignatureVerifier(keystore)
    return judge(signed_form(request.root), mutated, lambda m: verifier.verify_request(m, at))


@_SETTINGS
@given(data=st.data())
def test_byte_mutations_of_templates(
    keystore: Keystore, signed_templates: list[tuple[bytes, datetime]], data: st.DataObject
) -> None:
    original, at = data.draw(st.sampled_from(signed_templates))
    event(_check(keystore, original, at, data.draw(byte_mutation(original))))


@_SETTINGS
@given(data=st.data())
def test_tree_mutations_of_templates(
    keystore: Keystore, signed_templates: list[tuple[bytes, datetime]], data: st.DataObject
) -> None:
    original, at = data.draw(st.sampled_from(signed_templates))
    event(_check(keystore, original, at, data.draw(tree_mutation(original))))


def test_signed_templates_verify(
    keystore: Keystore, signed_templates: list[tuple[bytes, datetime]]
) -> None:
    assert len(signed_templates) >= 20
    for original, at in signed_templates:
        assert _check(keystore, original, at, original) == "not a mutation: verifies"
