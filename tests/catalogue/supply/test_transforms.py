"""Byte-exact transforms: every COMMAND and PRECOMMAND vector of the supply family.

Each reference Command is rebuilt from its DUIS body (the matching template, else the body
``cases`` gives) through ``opendcc.transform``: a Pre-Command must equal the vector; a
critical Command must equal the vector once the vector's own signature is added to our
Pre-Command (and that signature must verify over it); a non-critical Command, MACed with
the reference ACB key, must equal the vector.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import DeviceType
from opendcc.roles import UserRole
from opendcc.smki.identity import KeyUsage
from opendcc.transform import supply, supply_auxiliary  # noqa: F401  (registers the transforms)
from opendcc.transform.registry import CommandSpec, TransformInput, transform
from tests.catalogue.supply.cases import (
    FAMILY_FOLDERS,
    INLINE_BODIES,
    device_type_of,
    stem,
    variant_of,
)
from tests.catalogue.supply.harness import ESME, GSME, RTDS_NOW, body, template
from tests.reference import MISSING, REFERENCE_DIR, check_present, require_reference

TEMPLATES = REFERENCE_DIR / "duis" / "templates"


def _command_vectors() -> list[object]:
    base = REFERENCE_DIR / "gbcs" / "rtds"
    params = [
        pytest.param(path, id=path.name)
        for folder in FAMILY_FOLDERS
        for path in sorted((base / folder).glob("*COMMAND_GBCS.HEX"))
    ]
    return params or [pytest.param(MISSING, id="reference-missing")]


def _body_for(name: str) -> tuple[str, object]:
    """(how the body was found, the body element) for a vector."""
    key = stem(name)
    candidate = TEMPLATES / f"{key}_SUCCESS_REQUEST_DUIS.XML"
    if candidate.exists():
        variant, element, _originator, _counter = template(candidate.name)
        assert variant == variant_of(name)
        return "template", element
    return "schema", body(INLINE_BODIES[key])


def rebuild(path: Path, security: GbcsSecurity) -> tuple[bytes, bytes]:
    raw = bytes.fromhex(path.read_text().strip())
    message = decode_message(raw)
    _how, element = _body_for(path.name)
    device = GSME if device_type_of(path.name) is DeviceType.GSME else ESME
    request = TransformInput(
        variant_of(path.name),
        element,  # type: ignore[arg-type]
        message.originator,
        device.device_id,
        message.counter,
        device,
        UserRole.IMPORT_SUPPLIER,
        RTDS_NOW,
    )
    spec = transform(request)
    assert isinstance(spec, CommandSpec), spec
    assert spec.message_code == message.message_code
    assert spec.recipient == message.recipient
    other = message.header.other_information
    if "PRECOMMAND" in path.name or message.signature is not None:
        pre = build.pre_command(
            spec.payload,
            originator=message.originator,
            recipient=spec.recipient,
            counter=message.counter,
            message_code=spec.message_code,
        )
        if "PRECOMMAND" in path.name:
            return pre.encode(), raw
        assert message.signature is not None
        signer = security.keystore.find(message.originator, KeyUsage.DIGITAL_SIGNING)
        assert any(
            build.verify_pre_command_signature(pre, message.signature, entry.public_key)
            for entry in signer
        ), "the vector's signature does not verify over our Pre-Command"
        return build.critical_command(pre, message.signature, security).encode(), raw
    command = build.command(
        spec.payload,
        originator=message.originator,
        recipient=spec.recipient,
        counter=message.counter,
        message_code=spec.message_code,
        security=security,
        supplementary_remote_party=other.supplementary_remote_party,
        supplementary_remote_party_counter=other.supplementary_remote_party_counter,
    )
    return command.encode(), raw


@pytest.mark.conformance
@pytest.mark.parametrize("path", _command_vectors())
def test_transform_reproduces_the_reference_command(path: Path, security: GbcsSecurity) -> None:
    check_present(path)
    ours, reference = rebuild(path, security)
    assert ours.hex().upper() == reference.hex().upper()


@pytest.mark.conformance
def test_every_variant_of_the_family_is_compared(security: GbcsSecurity) -> None:
    """The per-variant count of reference Commands compared byte for byte (printed: run
    with ``-s`` to see it); every family variant with a Command vector is covered."""
    require_reference("gbcs", "rtds")
    compared: Counter[str] = Counter()
    for param in _command_vectors():
        path = param.values[0]  # type: ignore[attr-defined]
        ours, reference = rebuild(path, security)
        assert ours == reference, path.name
        compared[f"{variant_of(path.name)} {path.name.split('_')[0]}"] += 1
    for key in sorted(compared, key=lambda k: [int(p) for p in k.split()[0].split(".")]):
        print(f"{key}: {compared[key]} byte-exact")
    variants = {key.split()[0] for key in compared}
    assert variants == {f"7.{n}" for n in range(1, 17)}
    assert sum(compared.values()) >= 57


def test_a_gas_valve_refuses_a_clock_without_a_time_zone() -> None:
    element = body("<sr:DisableSupply/>")
    naive = datetime(2015, 1, 1)
    request = TransformInput(
        "7.2",
        element,
        Eui64.parse("90-B3-D5-1F-30-01-00-00"),
        GSME.device_id,
        1,
        GSME,
        UserRole.IMPORT_SUPPLIER,
        naive,
    )
    refused = transform(request)
    assert not isinstance(refused, CommandSpec) and refused.code == "E100"
    aware = transform(
        TransformInput(
            "7.2",
            element,
            Eui64.parse("90-B3-D5-1F-30-01-00-00"),
            GSME.device_id,
            1,
            GSME,
            UserRole.IMPORT_SUPPLIER,
            datetime(2015, 1, 1, tzinfo=UTC),
        )
    )
    assert isinstance(aware, CommandSpec)
