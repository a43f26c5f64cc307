"""Every tariff-family DUIS template transforms to the bytes of its reference Commands.

For each template, the matching SUCCESS PRECOMMAND (critical variants) and COMMAND vectors
(``<use case>_<variant>_<qualifiers>`` stems equal) are rebuilt from the ``CommandSpec``:
a Pre-Command compared byte for byte; a critical COMMAND as the Pre-Command plus the
vector's own User signature (signatures are not deterministic), which must verify over
our Pre-Command, MACed by the ACB exactly as the vector; a non-critical COMMAND built and
MACed whole. The per-variant counts are checked against the data at hand, so a template
that silently stops matching fails.
"""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import replace

import pytest

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs import build
from opendcc.gbcs.frame import decode_message
from opendcc.smki.identity import KeyUsage
from tests.catalogue.tariffs import support as s
from tests.reference import REFERENCE_DIR, require_reference

UNKNOWN_REMOTE_PARTY = {"ECS21b_4.14_URP_SUCCESS"}
"""Templates whose reference COMMAND carries an older KA certificate than the template's
``KAPublicSecurityCredentials``: compared with the vector's own certificate and ACB
counter in ``test_unknown_remote_party_read_is_sent_by_the_acb``."""


def _cases() -> list[object]:
    cases = []
    for name in s.family_templates():
        stem = s.stem(name)
        use_case, variant = name.split("_")[:2]
        folder = REFERENCE_DIR / "gbcs" / "rtds" / f"{variant}_{use_case}"
        for kind in ("PRECOMMAND", "COMMAND"):
            if (folder / f"{stem}_{kind}_GBCS.HEX").exists() and stem not in UNKNOWN_REMOTE_PARTY:
                cases.append(pytest.param(name, kind, id=f"{stem}_{kind}"))
    return cases or [pytest.param("", "", id="reference-missing")]


COMPARED: Counter[str] = Counter()


@pytest.mark.conformance
@pytest.mark.parametrize(("template", "kind"), _cases())
def test_transform_is_byte_exact(template: str, kind: str) -> None:
    if not template:
        require_reference("duis", "templates", "__missing__")
    request = s.request_from(template)
    spec = s.transformed(request)
    expected = s.vector(f"{s.stem(template)}_{kind}_GBCS.HEX")
    pre = s.pre_command(spec, request)
    if kind == "PRECOMMAND":
        assert pre.encode() == expected
    elif s.is_critical(request.variant):
        reference = decode_message(expected)
        assert reference.signature is not None
        signer = s.keystore().find(request.originator, KeyUsage.DIGITAL_SIGNING)
        assert any(
            build.verify_pre_command_signature(pre, reference.signature, e.public_key)
            for e in signer
        )
        command = build.critical_command(pre, reference.signature, s.security())
        assert command.encode() == expected
    else:
        assert s.command(spec, request).encode() == expected
    COMPARED[request.variant] += 1


EXPECTED_COUNTS = {
    "1.1.1": 8,
    "1.1.2": 2,
    "1.2.1": 8,
    "1.2.2": 6,
    "1.5": 8,
    "1.6": 17,
    "1.7": 2,
    "2.1": 13,
    "2.2": 2,
    "2.3": 2,
    "4.3": 1,
    "4.11.1": 1,
    "4.11.2": 1,
    "4.13": 1,
    "4.14": 2,
    "4.18": 3,
    "6.2.9": 1,
    "6.26": 2,
}
"""Vectors compared per variant with the reference data at hand (80; 2.5 has no template
here, its Commands are checked in ``test_transform_orphans``)."""


@pytest.mark.conformance
def test_every_variant_was_compared() -> None:
    """Runs after the parametrized comparisons (file order): the counts per variant."""
    require_reference("gbcs", "rtds")
    if not COMPARED:
        pytest.skip("run with the comparisons above")
    assert dict(sorted(COMPARED.items())) == dict(sorted(EXPECTED_COUNTS.items())), dict(COMPARED)


@pytest.mark.conformance
def test_unknown_remote_party_read_is_sent_by_the_acb() -> None:
    """DUIS 4.14 with ``KAPublicSecurityCredentials`` (GBCS Unknown Remote Party): the
    ACB originates ECS21b with its own counter, naming the User (and its RequestID
    counter and KA certificate) as supplementary remote party; byte-exact against the
    URP COMMAND vector given that vector's certificate and ACB counter."""
    name = "ECS21b_4.14_URP_SUCCESS_REQUEST_DUIS.XML"
    expected = s.vector("ECS21b_4.14_URP_SUCCESS_COMMAND_GBCS.HEX")
    reference = decode_message(expected)
    other = reference.header.other_information
    certificate = other.supplementary_remote_party_ka_certificate
    assert certificate is not None
    body = s.request_from(name).body
    node = body.find("{*}KAPublicSecurityCredentials")
    assert node is not None
    node.text = base64.b64encode(certificate).decode("ascii")
    request = replace(s.request_from(name, body=body), dcc_counter=lambda _party: reference.counter)
    spec = s.transformed(request)
    assert spec.dcc_origination is not None
    assert spec.dcc_origination.party == DCC_ACCESS_CONTROL_BROKER
    assert spec.supplementary_remote_party == request.originator
    assert spec.supplementary_remote_party_counter == request.counter
    assert s.command(spec, request).encode() == expected
    # Without the certificate the User itself originates the read (a known remote party).
    plain = s.transformed(s.request_from("ECS21b_4.14_KRP_SUCCESS_REQUEST_DUIS.XML"))
    assert plain.dcc_origination is None and plain.supplementary_remote_party is None
