"""Hostile input never crashes the parser: a record or ``ParseError``, nothing else.

Mutations start from real messages (RTDS Responses and Alerts with the keys that open them,
wrapped in DUIS documents) so that the mutated bytes reach deep into the frame, payload
codecs, decryption and naming rather than failing at the first byte.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendcc.duis import build
from opendcc.duis.codes import ResponseCode
from opendcc.duis.messages import ServiceRequest, parse_request
from opendcc.parse import ParseError, Parser, to_csv
from opendcc.smki.keystore import Keystore
from tests.reference import REFERENCE_DIR, require_reference

VECTORS = (
    "4.1.1_ECS17b/ECS17b_4.1.1_TWIN_SUCCESS_RESPONSE",
    "4.8.1_ECS22b/ECS22b_4.8.1_SINGLE_SUCCESS_RESPONSE",
    "4.3_GCS14/GCS14_4.3_SUCCESS_RELIABLE_GSME_RESPONSE",
    "6.13_CS10a/CS10a_6.13_SUCCESS_RESPONSE",
    "6.24.2_CS02e/CS02e_6.24.2_SUCCESS_RESPONSE",
    "1.1.1_GCS01a/GCS01a_1.1.1_8F66_FUTURE_DATED_BLOCK_SUCCESS_ALERT_PUBLISH_CALENDAR",
)


def _load() -> tuple[Parser, list[bytes], bytes] | None:
    base = REFERENCE_DIR / "gbcs" / "rtds"
    if not base.is_dir():
        return None
    vectors = [bytes.fromhex((base / f"{v}_GBCS.HEX").read_text().strip()) for v in VECTORS]
    template = REFERENCE_DIR / "duis" / "templates" / "ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML"
    request = parse_request(template.read_bytes())
    assert isinstance(request, ServiceRequest)
    at = datetime(2015, 1, 1, tzinfo=UTC)
    root = build.service_response(
        request.header, ResponseCode.I0, at, build.gbcs_payload(vectors[0])
    )
    parser = Parser(Keystore.load(base.parent / "keystore"))
    return parser, vectors, build.to_bytes(root)


LOADED = _load()


def _parses_or_refuses(parser: Parser, data: bytes) -> None:
    try:
        record = parser.parse(data)
    except ParseError:
        return
    record.to_json()
    to_csv(record)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(("flip", "set", "insert", "delete", "truncate")))
        if not data:
            break
        index = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[index] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[index] = draw(st.integers(0, 255))
        elif action == "insert":
            data[index:index] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[index : index + draw(st.integers(1, 8))]
        else:
            del data[index:]
    return bytes(data)


@pytest.mark.conformance
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_gbcs_never_crashes(data: st.DataObject) -> None:
    if LOADED is None:
        require_reference("gbcs", "rtds")
        return
    parser, vectors, _ = LOADED
    original = data.draw(st.sampled_from(vectors))
    _parses_or_refuses(parser, data.draw(mutated(original)))


@pytest.mark.conformance
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_duis_documents_never_crash(data: st.DataObject) -> None:
    if LOADED is None:
        require_reference("gbcs", "rtds")
        return
    parser, vectors, document = LOADED
    if data.draw(st.booleans()):
        _parses_or_refuses(parser, data.draw(mutated(document)))
        return
    # A well-formed document whose GBCSPayload is a mutated message.
    payload = data.draw(mutated(data.draw(st.sampled_from(vectors))))
    text = document.decode()
    start = text.index("<sr:GBCSPayload>") + len("<sr:GBCSPayload>")
    end = text.index("</sr:GBCSPayload>")
    swapped = text[:start] + base64.b64encode(payload).decode() + text[end:]
    _parses_or_refuses(parser, swapped.encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    _parses_or_refuses(Parser(), data)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789ABCDEF \n", max_size=400))
def test_random_hex_never_crashes(text: str) -> None:
    _parses_or_refuses(Parser(), text.encode())


def test_oversized_input_is_refused() -> None:
    with pytest.raises(ParseError, match="at most"):
        Parser().parse(b"0" * (9 * 1024 * 1024))
