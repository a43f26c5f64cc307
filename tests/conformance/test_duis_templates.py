"""Every RTDS request template: parse, re-sign with its originator's DCC Boxed key, verify,
and validate against the DUIS schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opendcc.duis.build import to_bytes
from opendcc.duis.messages import ServiceRequest, check_request, parse_request
from opendcc.duis.schema import DuisSchema, load_schema
from opendcc.duis.signature import SignatureVerifier, SigningIdentity, VerifiedSignature, sign
from opendcc.eui import Eui64
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore
from tests.reference import check_present, reference_params, require_reference

pytestmark = pytest.mark.conformance

# The originators of the templates (PROTOCOL.md) and the party role of each.
PARTY_ROLES = {
    Eui64.parse("90-B3-D5-1F-30-01-00-00"): RemotePartyRole.SUPPLIER,
    Eui64.parse("90-B3-D5-1F-30-03-00-00"): RemotePartyRole.SUPPLIER,
    Eui64.parse("90-B3-D5-1F-30-02-00-00"): RemotePartyRole.NETWORK_OPERATOR,
    Eui64.parse("90-B3-D5-1F-30-01-00-08"): RemotePartyRole.LOAD_CONTROLLER,
    Eui64.parse("90-B3-D5-1F-30-00-00-02"): RemotePartyRole.ACCESS_CONTROL_BROKER,
}


@pytest.fixture(scope="module")
def keystore() -> Keystore:
    return Keystore.load(require_reference("keys", "dccboxed"))


@pytest.fixture(scope="module")
def schema() -> DuisSchema:
    loaded = load_schema(require_reference("duis", "xsd"))
    assert isinstance(loaded, DuisSchema), loaded
    return loaded


@pytest.mark.parametrize("path", reference_params("duis/templates"))
def test_template_resigns_verifies_and_validates(
    path: Path, keystore: Keystore, schema: DuisSchema
) -> None:
    request = parse_request(check_present(path).read_bytes())
    assert isinstance(request, ServiceRequest), request
    assert check_request(request) is None
    assert schema.validate(request.root) is None  # as published, placeholder signature and all

    originator = request.header.request_id.originator
    entry = keystore.signer(
        originator, roles=[RemotePartyRole.XML_SIGNING, PARTY_ROLES[originator]]
    )
    assert entry is not None and entry.record is not None, f"no DCC Boxed key for {originator}"
    sign(request.root, SigningIdentity.from_entry(entry))
    signed = parse_request(to_bytes(request.root))
    assert isinstance(signed, ServiceRequest), signed

    # Most DCC Boxed organisation certificates have expired: verify while this one was valid.
    now = datetime.now(UTC)
    at = now if entry.record.valid_at(now) else entry.record.not_before + timedelta(days=1)
    result = SignatureVerifier(keystore).verify_request(signed, at)
    assert isinstance(result, VerifiedSignature), result
    assert result.signer == originator
    assert schema.validate(signed.root) is None
    assert signed.header == request.header
