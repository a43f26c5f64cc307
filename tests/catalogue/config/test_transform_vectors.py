"""Byte-exact transforms of the configuration family against the RTDS Command vectors.

Every COMMAND and PRECOMMAND vector of the family's folders is rebuilt from its request (the
matching template, or a generated body where the reference set has none) with the vector's
counters and the reference keys: a Pre-Command byte for byte; a non-critical Command byte
for byte, MAC included; a critical Command as the Pre-Command plus the vector's own User
signature, sealed with the ACB's MAC (and the signature is checked to verify over the
Pre-Command we built). ERROR vectors whose Command carries values other than their
template's are listed with the difference.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from opendcc.gbcs import build
from opendcc.gbcs.frame import decode_message
from opendcc.transform.registry import CommandSpec, transform
from tests.catalogue.config import cases
from tests.catalogue.config import support as s
from tests.reference import MISSING, check_present

DIFFERENT_VALUES = {
    "GCS23_6.6_ERROR_COMMAND_GBCS.HEX": "conversion factor 1.23456 and CV 12.3",
    "GCS23_6.6_ERROR_PRECOMMAND_GBCS.HEX": "conversion factor 1.23456 and CV 12.3",
    "ECS30_6.8_ERROR_PRECOMMAND_GBCS.HEX": "billing time 00:00",
    "GCS25a_6.8_ERROR_COMMAND_GBCS.HEX": "quarterly from 2015-02-01",
    "GCS25a_6.8_ERROR_PRECOMMAND_GBCS.HEX": "quarterly from 2015-02-01",
    "ECS30a_6.8_ERROR_COMMAND_GBCS.HEX": "a daily calendar",
    "ECS25a_6.22_ERROR_COMMAND_GBCS.HEX": "other alert codes",
    "ECS25a3_6.22_ERROR_COMMAND_GBCS.HEX": "other alert codes",
    "ECS25b_6.22_ERROR_COMMAND_GBCS.HEX": "other alert codes",
    "ECS25b3_6.22_ERROR_COMMAND_GBCS.HEX": "other alert codes",
    "GCS20_6.22_ERROR_COMMAND_GBCS.HEX": "other event configurations",
    "GCS28_6.11_ERROR_COMMAND_GBCS.HEX": "a validity interval from 01:00",
    "GCS28_6.11_ERROR_PRECOMMAND_GBCS.HEX": "a validity interval from 01:00",
    "ECS28a_6.4.1_IMMEDIATE_ERROR_COMMAND_GBCS.HEX": "",
    "ECS46c_6.14.2_FUTURE_DATED_ALL_OPTIONALS_ERROR_PRECOMMAND_GBCS.HEX": "",
}
"""ERROR Commands whose request differs from the template's (a reason), or "" when it
does not and the vector must still match."""


def command_vectors() -> list[object]:
    params = [
        pytest.param(path, id=path.name)
        for path in cases.vectors()
        if "COMMAND" in path.name and cases.has_request(cases.Vector.of(path).stem)
    ]
    return params or [pytest.param(MISSING, id="reference-missing")]


def rebuild(path: Path) -> tuple[bytes, bytes, CommandSpec]:
    vector = cases.Vector.of(path)
    raw = bytes.fromhex(path.read_text().strip())
    message = decode_message(raw)
    other = message.header.other_information
    acb = message.originator == s.ACB
    request = cases.request(
        vector.stem,
        use_case=vector.use_case,
        counter=other.supplementary_remote_party_counter if acb else message.counter,
        dcc_counter=message.counter if acb else None,
    )
    spec = transform(request)
    assert isinstance(spec, CommandSpec), spec
    assert spec.use_case == vector.use_case
    if vector.kind == "PRECOMMAND":
        return s.pre_command(spec, request).encode(), raw, spec
    if s.is_critical(request.variant):
        pre = s.pre_command(spec, request)
        assert message.signature is not None
        signer = s.security().keystore.signer(message.originator)
        assert signer is not None
        verifies = build.verify_pre_command_signature(pre, message.signature, signer.public_key)
        assert verifies == (message.payload == pre.payload)
        return build.critical_command(pre, message.signature, s.security()).encode(), raw, spec
    return s.command(spec, request).encode(), raw, spec


@pytest.mark.conformance
@pytest.mark.parametrize("path", command_vectors())
def test_command_vector(path: Path) -> None:
    check_present(path)
    got, expected, _ = rebuild(path)
    if DIFFERENT_VALUES.get(path.name):
        assert got != expected, "expected a different request, check DIFFERENT_VALUES"
        return
    assert got.hex().upper() == expected.hex().upper()


@pytest.mark.conformance
def test_every_success_command_vector_compares(capsys: pytest.CaptureFixture[str]) -> None:
    """The count per variant and device use case (printed: run with ``-s`` to see it)."""
    compared: Counter[str] = Counter()
    missing = []
    for path in cases.vectors():
        vector = cases.Vector.of(path)
        if "COMMAND" not in path.name or vector.outcome != "SUCCESS":
            continue
        if not cases.has_request(vector.stem):
            missing.append(path.name)
            continue
        got, expected, _ = rebuild(path)
        assert got == expected, path.name
        compared[f"{vector.variant} {vector.use_case}"] += 1
    if not compared:
        pytest.skip("no reference vectors")
    assert not missing
    with capsys.disabled():
        print(f"\nconfig family: {sum(compared.values())} SUCCESS Command vectors byte-exact")
        for key in sorted(compared):
            print(f"  {key}: {compared[key]}")


@pytest.mark.conformance
def test_gcs20_events_and_configurations_match_the_vector() -> None:
    """GCS20's components: the same configurations and events as the reference Command."""
    path = s.vector_path("GCS20_6.22_SUCCESS_COMMAND_GBCS.HEX")
    raw = bytes.fromhex(path.read_text().strip())
    message = decode_message(raw)
    request = cases.request("GCS20_6.22", use_case="GCS20", counter=message.counter)
    spec = transform(request)
    assert isinstance(spec, CommandSpec)
    ours = s.command(spec, request)

    def groups(payload: bytes) -> set[tuple[int, tuple[int, ...]]]:
        from opendcc.gbcs.codec import decode

        doc = decode(payload, s.security()).to_json()["payload"]
        out = set()
        for component in doc["components"]:
            fields = component["payload"]["fields"]
            events = tuple(e["event_id"] for e in fields["event_ids"])
            out.add((fields["event_configuration"], events))
        return out

    assert groups(ours.encode()) == groups(raw)
    assert len(ours.encode()) == len(raw)
