"""Every critical reference template correlates with its reference Pre-Command, and every
single-field mutation of that Pre-Command is caught with a message naming the difference.

Mutations are of two sorts, both what a compromised DCC could return:

- the grouping header changed (another Device, originator, counter, use case, an added
  header date-time, a signature already present);
- the Pre-Command of a *different request*: one body value of the template changed (a
  price, an amount, a threshold, an execution date-time, a certificate) and transformed
  under the same Device assumptions, or, for supply, another supply action. Only changes
  that alter the Command count as mutations.

A template whose variant has no transform yet is reported and skipped (the catalogue lands
family by family); the summary at the end of the run lists each template.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opendcc.correlate import DifferenceKind, correlate
from opendcc.correlate.words import humanise
from opendcc.duis.messages import ServiceRequest
from opendcc.gbcs.frame import decode_message
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import Keystore
from tests.correlate.report import REPORT, TemplateReport
from tests.correlate.support import (
    JOIN_PARTNERS,
    RTDS_NOW,
    Mutation,
    body_mutations,
    critical_templates,
    eui,
    first_transform,
    frame_mutations,
    has_transform,
    pre_command_of,
    premises_facts,
    reference_pair,
    stem,
    supply_mutations,
    transformed_as,
    variant_of,
)
from tests.reference import MISSING, check_present

BODY_MUTATIONS_PER_TEMPLATE = 8
SHOW = os.environ.get("OPENDCC_SHOW_MUTATIONS") == "1"


def _params() -> list[object]:
    found = critical_templates()
    return [pytest.param(p, id=stem(p)) for p in found] or [pytest.param(MISSING, id="missing")]


@pytest.fixture(scope="module")
def keystore() -> Keystore:
    from tests.correlate.support import reference_keystore

    return reference_keystore()


def _other_certificate(keystore: Keystore, request: ServiceRequest) -> bytes:
    """A certificate the request does not carry: the reference GSME's."""
    from cryptography.hazmat.primitives.serialization import Encoding

    for record in keystore.for_eui(eui("A1"), KeyUsage.DIGITAL_SIGNING):
        return record.certificate.public_bytes(Encoding.DER)
    raise AssertionError("the reference keystore holds no GSME certificate")


@pytest.mark.conformance
@pytest.mark.parametrize("template", _params())
def test_critical_template_correlates_and_its_mutations_do_not(
    template: Path, keystore: Keystore
) -> None:
    check_present(template)
    name = stem(template)
    row = REPORT.setdefault(name, TemplateReport())
    variant = variant_of(template)
    if not has_transform(variant):
        pytest.skip(f"no transform for {variant} is registered yet")
    row.transform = True
    pair = reference_pair(template)
    facts = premises_facts(keystore, template, pair.pre_command)
    request = pair.request
    if pair.pre_command is None:
        matched = first_transform(request, facts)
        assert matched is not None, f"{variant} does not transform"
        pre_command = pre_command_of(request, matched.spec)
    else:
        pre_command = pair.pre_command
    row.vector = pair.source
    verdict = correlate(request, pre_command, at=RTDS_NOW, devices=facts)
    row.correlates = verdict.correlates
    assert verdict, verdict.difference
    if name.split("_")[0] not in JOIN_PARTNERS:
        # Without any facts about the Devices, the profiles tried must still find it.
        assert correlate(request, pre_command, at=RTDS_NOW), "without Device facts"

    matched = first_transform(request, facts, decode_message(pre_command).message_code)
    assert matched is not None
    mutations = list(frame_mutations(pre_command))
    mutations += list(supply_mutations(request, matched, facts))
    for path, mutated, element in body_mutations(
        request, matched, facts, _other_certificate(keystore, request), BODY_MUTATIONS_PER_TEMPLATE
    ):
        changed = transformed_as(mutated, matched, facts)
        if changed is None or changed == pre_command:
            continue  # the value does not reach the Command (or the DCC would refuse it)
        mutations.append(_body_mutation(path, element, changed))
    for mutation in mutations:
        row.tried += 1
        found = correlate(request, mutation.pre_command, at=RTDS_NOW, devices=facts)
        if SHOW:
            print(f"{name} | {mutation.what} | {found.kind} | {found.difference}")
        assert not found, f"{mutation.what} was accepted"
        assert found.kind in mutation.kinds, (mutation.what, found.kind, found.difference)
        text = (found.difference or "").lower()
        assert any(w.lower() in text for w in mutation.words), (mutation.what, found.difference)
        row.caught += 1


def _body_mutation(path: str, element: str, pre_command: bytes) -> Mutation:
    if element == "ExecutionDateTime":
        return Mutation(
            f"ExecutionDateTime changed ({path})",
            pre_command,
            frozenset({DifferenceKind.EXECUTION_DATE_TIME}),
            ("execution date-time",),
        )
    if (pre_command and element.endswith("Certificate")) or "Certificate" in path:
        return Mutation(
            f"{element} replaced ({path})",
            pre_command,
            frozenset({DifferenceKind.CERTIFICATE}),
            ("different certificate",),
        )
    return Mutation(
        f"{element} changed ({path})",
        pre_command,
        frozenset(
            {
                DifferenceKind.VALUE,
                DifferenceKind.EXECUTION_DATE_TIME,
                DifferenceKind.SUPPLY_ACTION,
                DifferenceKind.CERTIFICATE,
                DifferenceKind.USE_CASE,
            }
        ),
        (humanise(element), "the pre-command"),
    )


@pytest.mark.conformance
def test_templates_with_their_published_certificates_do_not_correlate(
    keystore: Keystore,
) -> None:
    """The published templates carry reissued certificates the vectors do not: with them,
    correlation must say "a different certificate" (the reference data's own mutation)."""
    from lxml import etree

    from opendcc.duis.messages import parse_request

    checked = 0
    for template in critical_templates():
        if not has_transform(variant_of(template)):
            continue
        pair = reference_pair(template)
        if not pair.certificates_replaced or pair.pre_command is None:
            continue
        published = parse_request(etree.tostring(etree.parse(str(template)).getroot()))
        assert isinstance(published, ServiceRequest)
        verdict = correlate(
            published, pair.pre_command, at=RTDS_NOW, devices=premises_facts(keystore, template)
        )
        assert not verdict
        assert verdict.kind is DifferenceKind.CERTIFICATE, verdict.difference
        checked += 1
    if not checked:
        pytest.skip("no critical template with reissued certificates has a transform yet")
