"""Audit: every reference ERROR Response is reproduced by a simulated Device, or explained.

For each ``*ERROR_RESPONSE_GBCS.HEX`` vector (``error_vectors``): decode it with
``opendcc.gbcs``, name the error it shows (its *error signature*: message code, CRA,
payload format and, per item, the DLMS data-access-result / action-result, the ZCL status,
or the outcome fields of a cluster-specific or DER response), drive the simulated Device of
the vector's family into the state that calls for that error (with the family's own test
harness), and check the Device answers with the same signature: same message code, same
layout, the same error in the same place.

Every vector must either reproduce or be listed in ``UNREPRODUCED`` with the reason, and
every listed one must still fail to reproduce: a new vector (or a regression) that is not
explained fails the audit, and so does a fixed one left on the list. Run with ``-s`` to see
the per-vector table.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.catalogue import error_vectors as ev
from tests.reference import require_reference

_HARNESS = "the security family's harness cannot send it: "

UNREPRODUCED: dict[str, str] = {
    # security family (tests/catalogue/security/test_device_conformance.py)
    "CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_ERROR": (
        "its certification path certificate has a damaged signature: telling needs the "
        "root CA certificate, which the reference data lacks"
    ),
    "CS02aSignature_NA_ERROR": _HARNESS + "its Command is signed without a MAC header",
    "CS02bAnyByContingency_NA_ERROR": _HARNESS + "no Command or Pre-Command is published",
    "CS02fSignature_NA_ERROR": _HARNESS + "only its SUCCESS Command is published",
}
"""Vectors no simulated Device state reproduces yet, with the reason."""


def _check_all() -> list[tuple[str, str, str, str, str]]:
    """(vector, family, verdict, error named, how reproduced / why not) for every vector."""
    rows = []
    for path in ev.error_vectors():
        name = ev.name_of(path)
        families = ev.family_of(path)
        theirs = ev.signature(ev.reference(path))
        named = ev.describe(theirs)
        if len(families) != 1:
            rows.append((name, "/".join(families) or "-", "NO FAMILY", named, ""))
            continue
        (family,) = families
        try:
            reproduced = ev.REPRODUCERS[family](path)
        except ev.NotReproducedError as why:
            rows.append((name, family, "NOT REPRODUCED", named, str(why)))
            continue
        ours = ev.signature(reproduced.decoded)
        if ours == theirs:
            rows.append((name, family, "same", named, reproduced.how))
        else:
            rows.append((name, family, "DIFFERENT", named, f"ours: {ev.describe(ours)}"))
    return rows


@pytest.mark.conformance
def test_every_error_vector_is_reproduced_or_explained() -> None:
    require_reference("gbcs", "rtds")
    rows = _check_all()
    assert len(rows) >= 165, "the reference set has 165 ERROR Responses"
    for name, family, verdict, named, how in rows:
        print(f"{verdict:15} {family:9} {name:58} {named}\n{'':26}{how}")
    verdicts = Counter(verdict for _, _, verdict, _, _ in rows)
    by_family = Counter(family for _, family, verdict, _, _ in rows if verdict == "same")
    print(f"\n{len(rows)} ERROR vectors: {dict(verdicts)}; reproduced by family {dict(by_family)}")

    unexplained = [r for r in rows if r[2] != "same" and r[0] not in UNREPRODUCED]
    assert not unexplained, "\n".join(f"{r[0]} ({r[1]}): {r[2]}: {r[4]}" for r in unexplained)
    fixed = [r[0] for r in rows if r[2] == "same" and r[0] in UNREPRODUCED]
    assert not fixed, f"reproduced now, take them off UNREPRODUCED: {fixed}"
    stale = set(UNREPRODUCED) - {r[0] for r in rows}
    assert not stale, f"not reference vectors: {sorted(stale)}"


@pytest.mark.conformance
def test_error_signatures_name_the_device_error() -> None:
    """The signature of a few vectors, checked by hand against their hex."""
    require_reference("gbcs", "rtds")
    by_name = {ev.name_of(p): p for p in ev.error_vectors()}

    def sig(name: str) -> tuple[object, ...]:
        return ev.signature(ev.reference(by_name[name]))

    # ESME 1.2.1: two Sets done, the third a hardware fault, the last not attempted.
    assert sig("ECS01b_1.2.1_IMMEDIATE_ERROR") == (
        "00A2",
        "response",
        "dlms",
        (("set", 0), ("set", 0), ("set", 1), ("set", 250)),
    )
    # GSME 1.5: one Default Response, HARDWARE_FAILURE (0xC0) for command 5.
    assert sig("GCS40a_1.5_ERROR") == (
        "0086",
        "response",
        "gbz",
        ((0x0705, "DefaultResponse", False, ("status", 0xC0)),),
    )
    # GSME 2.2: the top-up refused in the ConsumerTopUpResponse's result type.
    assert sig("CS01b_2.2_ERROR")[3] == (
        (0x0705, "ConsumerTopUpResponse", False, ("fields", (("result_type", 1),))),
    )
    # DER 6.15.2: the credential update refused with invalidKeyUsage (3).
    assert sig("CS02d_6.15.2_ERROR")[3] == (
        ("UpdateDeviceCertificateResponse", (("response_code", 3),)),
    )
    assert "#3 set hardware-fault, #4 set other-reason" in ev.describe(
        sig("ECS01b_1.2.1_IMMEDIATE_ERROR")
    )
