"""Every GBZ payload of the RTDS reference vectors decodes, re-encodes byte for byte,
survives a JSON round trip, and reads with the cluster tables (no raw fallbacks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opendcc.gbcs.context import Cra, GbcsDecodeError
from opendcc.gbcs.gbz import (
    EncryptedGbzComponent,
    GbzPayload,
    RawAlertBody,
    RawPayload,
    decode,
    encode,
)
from tests.gbcs.gbz.vectors import gbz_params, gbz_vector_paths, read_vector
from tests.reference import check_present, require_reference

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize("path", gbz_params())
def test_vector_round_trips_exactly(path: Path) -> None:
    v = read_vector(check_present(path))
    payload = decode(v.content, v.context())
    assert encode(payload) == v.content
    # Without keys the ciphertext is kept and the bytes still round-trip.
    assert encode(decode(v.content, v.context(decrypt=False))) == v.content


@pytest.mark.parametrize("path", gbz_params())
def test_vector_json_rebuilds_exactly(path: Path) -> None:
    v = read_vector(check_present(path))
    payload = decode(v.content, v.context())
    obj = json.loads(json.dumps(payload.to_json()))
    assert obj["format"] == "gbz"
    rebuilt = GbzPayload.from_json(obj)
    assert rebuilt == payload
    assert encode(rebuilt) == v.content


@pytest.mark.parametrize("path", gbz_params())
def test_vector_reads_with_the_tables(path: Path) -> None:
    v = read_vector(check_present(path))
    payload = decode(v.content, v.context())
    for component in payload.components:
        if isinstance(component, EncryptedGbzComponent):
            assert component.plaintext is not None, "the reference keys decrypt every component"
            body = component.plaintext
        else:
            body = component.frame.payload
        assert not isinstance(body, RawPayload), body.note
    if payload.alert is not None:
        assert not isinstance(payload.alert.body, RawAlertBody)


def test_reference_set_has_the_gbz_use_cases() -> None:
    require_reference("gbcs", "rtds")
    vectors = [read_vector(p) for p in gbz_vector_paths()]
    use_cases = {v.use_case for v in vectors}
    assert len(vectors) >= 270
    assert {"GCS13a", "GCS14", "GCS18", "GCS21f", "CS10a", "PCS01", "PCS02"} <= use_cases
    assert {"GCA-ZigBee", "FDRA-ZigBee", "GNCA-ZigBee", "MIIWA-ZigBee"} <= use_cases
    alerts = [v for v in vectors if v.cra is Cra.ALERT]
    assert alerts and all(decode(v.content, v.context()).alert is not None for v in alerts)


def test_encrypted_components_decrypt_and_keep_ciphertext() -> None:
    require_reference("gbcs", "rtds")
    seen = 0
    for path in gbz_vector_paths():
        v = read_vector(path)
        with_keys = decode(v.content, v.context())
        without = decode(v.content, v.context(decrypt=False))
        for a, b in zip(with_keys.components, without.components, strict=True):
            if isinstance(a, EncryptedGbzComponent):
                assert isinstance(b, EncryptedGbzComponent)
                assert a.ciphertext == b.ciphertext and b.plaintext is None
                assert a.plaintext is not None
                seen += 1
    assert seen >= 30


def test_tampered_ciphertext_is_kept_undecrypted() -> None:
    path = require_reference(
        "gbcs", "rtds", "4.1.1_GCS13a", "GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_RESPONSE_GBCS.HEX"
    )
    v = read_vector(path)
    tampered = bytearray(v.content)
    tampered[-1] ^= 0x01  # the last byte of the tag
    payload = decode(bytes(tampered), v.context())
    component = payload.components[0]
    assert isinstance(component, EncryptedGbzComponent)
    assert component.plaintext is None
    assert encode(payload) == bytes(tampered)
    assert payload.values()["encrypted_components_not_decrypted"] == 1


def test_every_truncation_of_every_vector_fails_cleanly() -> None:
    """Each prefix of each reference payload is either a clean ``GbcsDecodeError`` or
    (when it happens to be well formed) decodes to something that re-encodes exactly."""
    require_reference("gbcs", "rtds")
    for path in gbz_vector_paths():
        v = read_vector(path)
        context = v.context(decrypt=False)
        for cut in range(len(v.content)):
            try:
                payload = decode(v.content[:cut], context)
            except GbcsDecodeError:
                continue
            assert encode(payload) == v.content[:cut]
