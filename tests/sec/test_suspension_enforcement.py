"""Suspensions enforced at the DCC User Interface: E3, naming the suspension and clause."""

from __future__ import annotations

from pathlib import Path

import pytest

from opendcc.roles import UserRole
from opendcc.sec.events_of_default import (
    AuthorityApproval,
    EventOfDefault,
    EventOfDefaultRegister,
    SuspendedRight,
    Suspension,
    SuspensionDecision,
)
from opendcc.sec.m86 import DraftingId, DraftingTimeline
from opendcc.sec.outcome import SecInputError
from opendcc.sec.parties import PartyId
from opendcc.sec.scenario import evaluate_scenario, load_scenario, parse_scenario
from opendcc.sec.services import ServiceCategory
from opendcc.sec.suspension_gate import (
    RequestPermitted,
    RequestRefused,
    SuspensionGate,
    check_request,
)
from tests.reference import PROJECT_ROOT
from tests.sec.conftest import utc

A, B = PartyId("SUPPLIER-A"), PartyId("SUPPLIER-B")
OU, IS, GS = UserRole.OTHER_USER, UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER
EXAMPLE = PROJECT_ROOT / "docs" / "examples" / "m86-scenario.yaml"


def _suspend(
    timeline: DraftingTimeline,
    *rights: SuspendedRight,
    approval: AuthorityApproval | None = None,
) -> tuple[EventOfDefaultRegister, Suspension]:
    register = EventOfDefaultRegister(timeline=timeline)
    register.record_event_of_default(
        EventOfDefault("EOD-1", A, utc("2016-03-01"), utc("2016-03-01"), "default")
    )
    suspension = register.decide_suspension(
        SuspensionDecision(
            suspension_id="S-A",
            party=A,
            event_of_default_id="EOD-1",
            rights=rights,
            decided_at=utc("2016-03-10"),
            effective_from=utc("2016-03-10T12:00"),
            approval=approval,
        )
    )
    assert isinstance(suspension, Suspension), suspension
    return register, suspension


def test_M8_6_suspended_other_user_gets_E3_but_its_supplier_role_is_served(
    timeline: DraftingTimeline,
) -> None:
    register, _ = _suspend(timeline, SuspendedRight.of(ServiceCategory.CORE, OU))
    gate = SuspensionGate(register.repository)
    at = utc("2016-03-11")
    refused = gate.check(A, "4.8.1", 1, OU, at)
    assert isinstance(refused, RequestRefused)
    assert refused.response_code == "E3"
    assert refused.suspension_id == "S-A"
    assert refused.clause == "M8.6(a)"
    assert "S-A" in refused.message and "M8.6(a)" in refused.message
    assert refused.to_json()["suspended_service"] == "core"
    served = gate.check(A, "4.8.1", 1, IS, at)
    assert isinstance(served, RequestPermitted) and served.categories == {ServiceCategory.CORE}
    assert isinstance(gate.check(B, "4.8.1", 1, OU, at), RequestPermitted)


def test_M8_6_supplier_role_refused_only_when_that_right_is_suspended_too(
    timeline: DraftingTimeline,
) -> None:
    approval = AuthorityApproval("AUTH-1", utc("2016-03-09"))
    register, _ = _suspend(
        timeline,
        SuspendedRight.of(ServiceCategory.CORE, OU),
        SuspendedRight.of(ServiceCategory.CORE, IS),
        approval=approval,
    )
    gate = SuspensionGate(register.repository)
    refused = gate.check(A, "4.1.1", 1, IS, utc("2016-03-11"))
    assert isinstance(refused, RequestRefused) and refused.clause == "M8.6(b)"
    # The Gas Supplier role was not named in the suspension.
    assert isinstance(gate.check(A, "4.1.1", 1, GS, utc("2016-03-11")), RequestPermitted)


def test_M8_6_local_command_services_are_their_own_right(timeline: DraftingTimeline) -> None:
    register, _ = _suspend(timeline, SuspendedRight.of(ServiceCategory.LOCAL, OU))
    gate = SuspensionGate(register.repository)
    at = utc("2016-03-11")
    assert isinstance(gate.check(A, "6.2.4", 1, OU, at), RequestPermitted)  # over the SM WAN
    local = gate.check(A, "6.2.4", 2, OU, at)
    assert isinstance(local, RequestRefused) and local.suspended_category is ServiceCategory.LOCAL
    both = gate.check(A, "6.2.4", 3, OU, at)  # WAN and local: the local part is suspended
    assert isinstance(both, RequestRefused)


def test_M8_6_enrolment_and_other_services(timeline: DraftingTimeline) -> None:
    approval = AuthorityApproval("AUTH-2", utc("2016-03-09"))
    register, _ = _suspend(
        timeline,
        SuspendedRight.of(ServiceCategory.ENROLMENT, IS),
        SuspendedRight.of(ServiceCategory.OTHER, IS),
        approval=approval,
    )
    gate = SuspensionGate(register.repository)
    at = utc("2016-03-11")
    enrol = gate.check(A, "8.1.1", 5, IS, at)
    assert isinstance(enrol, RequestRefused) and enrol.clause == "M8.6(d)"
    other = gate.check(A, "8.2", 8, IS, at)
    assert isinstance(other, RequestRefused) and other.clause == "M8.6(e)"
    assert isinstance(gate.check(A, "4.1.1", 1, IS, at), RequestPermitted)


def test_M8_6_suspension_lifted_mid_stream_restores_service(timeline: DraftingTimeline) -> None:
    register, _ = _suspend(timeline, SuspendedRight.of(ServiceCategory.CORE, OU))
    gate = SuspensionGate(register.repository)
    stream = [utc(f"2016-03-{day:02d}T08:00") for day in range(9, 16)]
    lift_at = utc("2016-03-13T08:00")
    results = []
    for at in stream:
        if at == lift_at:
            register.lift("S-A", lift_at, "remedied")
        results.append(gate.check(A, "4.17", 1, OU, at).allowed)
    # Before effect (9th, 10th 08:00), suspended 11th and 12th, served from the lift on.
    assert results == [True, True, False, False, True, True, True]


def test_check_request_is_a_pure_decision(timeline: DraftingTimeline) -> None:
    _, suspension = _suspend(timeline, SuspendedRight.of(ServiceCategory.CORE, OU))
    at = utc("2016-03-11")
    assert not check_request(A, [suspension], "4.8.1", 1, OU, at).allowed
    assert check_request(B, [suspension], "4.8.1", 1, OU, at).allowed  # another Party's
    assert check_request(A, [], "4.8.1", 1, OU, at).allowed
    with pytest.raises(SecInputError):
        check_request(A, [suspension], "0.0", 1, OU, at)


def test_M8_6_each_drafting_on_the_document_scenario() -> None:
    """Annex F and para 39 on one scenario: the same requests, three answers."""
    scenario = load_scenario(EXAMPLE)
    results = {d: evaluate_scenario(scenario, d) for d in DraftingId}

    def accepted(drafting: DraftingId) -> dict[str, bool]:
        return {s.suspension_id: s.accepted for s in results[drafting].suspensions}

    def refused(drafting: DraftingId) -> dict[str, str | None]:
        return {
            r.request.request_id: None if r.refused is None else r.refused.suspension_id
            for r in results[drafting].requests
        }

    assert accepted(DraftingId.SEC1) == {"S-OU-CORE": True, "S-IS-CORE": False, "S-IS-ENROL": True}
    assert accepted(DraftingId.SEC2) == {"S-OU-CORE": False, "S-IS-CORE": True, "S-IS-ENROL": True}
    assert accepted(DraftingId.PROPOSED_2015) == {
        "S-OU-CORE": True,
        "S-IS-CORE": False,
        "S-IS-ENROL": True,
    }
    needed = {
        d: {s.suspension_id: s.approval_required for s in results[d].suspensions}
        for d in DraftingId
    }
    assert needed[DraftingId.SEC2]["S-IS-CORE"] is False  # the licensee's own, no Authority
    assert needed[DraftingId.PROPOSED_2015]["S-IS-CORE"] is True
    assert needed[DraftingId.SEC1]["S-IS-CORE"] is True
    assert refused(DraftingId.SEC1) == {
        "R1": "S-OU-CORE", "R2": None, "R3": None, "R4": "S-IS-ENROL", "R5": None,
        "R7": None, "R6": None,
    }  # fmt: skip
    assert refused(DraftingId.SEC2) == {
        "R1": None, "R2": "S-IS-CORE", "R3": "S-IS-CORE", "R4": "S-IS-ENROL", "R5": None,
        "R7": None, "R6": None,
    }  # fmt: skip
    assert refused(DraftingId.PROPOSED_2015) == refused(DraftingId.SEC1)
    sec2_refusal = next(s for s in results[DraftingId.SEC2].suspensions if not s.accepted)
    assert sec2_refusal.refusal is not None and sec2_refusal.refusal.paragraph == "39"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a mapping"),
        ({"requests": [{"id": "R", "party": "A", "variant": "99.1", "role": "OU",
                        "at": "2016-01-01T00:00:00Z"}]}, "unknown Service Reference Variant"),
        ({"requests": [{"id": "R", "party": "A", "variant": "4.1.1", "role": "XX",
                        "at": "2016-01-01T00:00:00Z"}]}, "not a User Role"),
        ({"requests": [{"id": "R", "party": "A", "variant": "4.1.1", "role": "IS",
                        "at": "2016-01-01T00:00:00"}]}, "needs a timezone"),
        ({"requests": [{"id": "R", "party": "A", "variant": "4.1.1", "role": "IS",
                        "command_variant": 9, "at": "2016-01-01T00:00:00Z"}]}, "1 to 8"),
        ({"suspensions": [{"id": "S", "party": "A", "decided_at": "2016-01-01T00:00:00Z",
                           "rights": [{"service": "heat"}]}]}, "service: one of"),
        ({"suspensions": "S1"}, "expected a list"),
    ],
)  # fmt: skip
def test_malformed_scenarios_are_input_errors(document: object, message: str) -> None:
    with pytest.raises(SecInputError, match=message):
        parse_scenario(document)


def test_unreadable_scenario_files(tmp_path: Path) -> None:
    with pytest.raises(SecInputError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("requests: [unclosed", encoding="utf-8")
    with pytest.raises(SecInputError, match="not YAML or JSON"):
        load_scenario(bad)
