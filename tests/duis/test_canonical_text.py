"""The hub's fast path: documents built as canonical text and signed as they stand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceResponse, parse_response
from opendcc.duis.schema import DuisSchema, load_schema
from opendcc.duis.signature import SignatureVerifier, VerifiedSignature, sign_canonical_text
from opendcc.smki.directory import StaticDirectory
from tests.duis.conftest import read_registers_header
from tests.duis.pki import Party
from tests.reference import require_reference

AT = datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=UTC)
PAYLOAD = bytes(range(256)) * 2


def _c14n(text: str) -> str:
    return etree.tostring(etree.fromstring(text.encode()), method="c14n").decode()


def _shapes() -> list[tuple[str, str, etree._Element]]:
    header = read_registers_header()
    return [
        (
            "acknowledgement",
            build.response_text(header, ResponseCode.I99, AT, with_response_id=False),
            build.acknowledgement(header, ResponseCode.I99, AT),
        ),
        (
            "device response",
            build.response_text(header, ResponseCode.I0, AT, build.gbcs_payload_text(PAYLOAD)),
            build.service_response(header, ResponseCode.I0, AT, build.gbcs_payload(PAYLOAD)),
        ),
        (
            "error",
            build.response_text(header, ResponseCode.E21, AT),
            build.service_response(header, ResponseCode.E21, AT),
        ),
        (
            "pre-command",
            build.response_text(
                header,
                ResponseCode.I0,
                AT,
                build.pre_command_text("4.0", PAYLOAD),
                with_response_id=False,
            ),
            build.service_response(
                header,
                ResponseCode.I0,
                AT,
                build.pre_command("4.0", PAYLOAD),
                with_response_id=False,
            ),
        ),
        (
            "local command",
            build.response_text(
                header,
                ResponseCode.I0,
                AT,
                build.local_command_text(PAYLOAD),
                with_response_id=False,
            ),
            build.service_response(
                header, ResponseCode.I0, AT, build.local_command(PAYLOAD), with_response_id=False
            ),
        ),
        (
            "device alert",
            build.device_alert_text(0x8F66, PAYLOAD, AT),
            build.response_document(
                __import__("opendcc.duis.messages", fromlist=["ResponseHeader"]).ResponseHeader(
                    ResponseCode.I0, AT
                ),
                build.device_alert_message(0x8F66, PAYLOAD),
            ),
        ),
    ]


@pytest.mark.parametrize("shape", range(6))
def test_text_is_canonical_and_equals_the_tree_builders(shape: int) -> None:
    _, text, tree = _shapes()[shape]
    assert _c14n(text) == text
    assert etree.tostring(tree, method="c14n").decode() == text


@pytest.mark.parametrize("shape", range(6))
def test_signed_text_verifies(shape: int, dsp: Party, directory: StaticDirectory) -> None:
    _, text, _ = _shapes()[shape]
    signed = sign_canonical_text(text, dsp.identity)
    parsed = parse_response(signed)
    assert isinstance(parsed, ServiceResponse)
    assert isinstance(SignatureVerifier(directory).verify_response(parsed, AT), VerifiedSignature)


@pytest.mark.conformance
@pytest.mark.parametrize("shape", range(6))
def test_signed_text_is_schema_valid(shape: int, dsp: Party) -> None:
    schema = load_schema(require_reference("duis", "xsd"))
    assert isinstance(schema, DuisSchema)
    _, text, _ = _shapes()[shape]
    parsed = parse_response(sign_canonical_text(text, dsp.identity))
    assert isinstance(parsed, ServiceResponse)
    assert schema.validate(parsed.root) is None


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=40,
    )
)
def test_text_escaping_is_c14n(value: str) -> None:
    valid = "".join(c for c in value if c in "\t\n\r" or ord(c) >= 0x20)
    valid = "".join(c for c in valid if c not in "\ufffe\uffff")
    leaf = f'<sr:X xmlns:sr="urn:x">{build._c14n_text(valid)}</sr:X>'
    assert _c14n(leaf) == leaf
