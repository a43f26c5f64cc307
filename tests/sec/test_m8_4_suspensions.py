"""M8.4(f) and M8.6: the Panel's suspension decisions are recorded or refused by clause."""

from __future__ import annotations

from datetime import datetime

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
from opendcc.sec.outcome import Refusal, RefusalKind, SecInputError
from opendcc.sec.parties import PartyId
from opendcc.sec.services import ServiceCategory
from tests.sec.conftest import utc

PARTY = PartyId("SUPPLIER-A")
OU, IS = UserRole.OTHER_USER, UserRole.IMPORT_SUPPLIER


def _register(timeline: DraftingTimeline) -> EventOfDefaultRegister:
    register = EventOfDefaultRegister(timeline=timeline)
    event = EventOfDefault(
        event_id="EOD-1",
        party=PARTY,
        occurred_at=utc("2016-03-01"),
        recorded_at=utc("2016-03-02"),
        description="non-payment",
    )
    assert register.record_event_of_default(event) == event
    return register


def _decision(
    *rights: SuspendedRight,
    approval: AuthorityApproval | None = None,
    suspension_id: str = "S1",
    decided: datetime | None = None,
    effective: datetime | None = None,
    event_id: str = "EOD-1",
) -> SuspensionDecision:
    decided = decided or utc("2016-03-10")
    return SuspensionDecision(
        suspension_id=suspension_id,
        party=PARTY,
        event_of_default_id=event_id,
        rights=rights,
        decided_at=decided,
        effective_from=effective or decided,
        approval=approval,
        panel_reference="PANEL-42",
    )


def test_M8_6_a_other_user_core_needs_no_approval(timeline: DraftingTimeline) -> None:
    register = _register(timeline)
    suspension = register.decide_suspension(_decision(SuspendedRight.of(ServiceCategory.CORE, OU)))
    assert isinstance(suspension, Suspension)
    assert suspension.drafting is DraftingId.PROPOSED_2015  # in force on 2016-03-10
    assert [b.clause for b in suspension.basis] == ["M8.6(a)"]
    assert not suspension.approval_required
    assert register.in_force(PARTY, utc("2016-03-11")) == [suspension]


def test_M8_6_b_licensee_core_without_approval_is_refused(timeline: DraftingTimeline) -> None:
    register = _register(timeline)
    refusal = register.decide_suspension(_decision(SuspendedRight.of(ServiceCategory.CORE, IS)))
    assert isinstance(refusal, Refusal)
    assert refusal.clause == "M8.6(b)"
    assert "Authority's approval" in refusal.reason
    assert register.repository.suspension("S1") is None


def test_M8_6_b_licensee_core_with_prior_approval_is_accepted(timeline: DraftingTimeline) -> None:
    register = _register(timeline)
    approval = AuthorityApproval(reference="AUTH-7", approved_at=utc("2016-03-09"))
    suspension = register.decide_suspension(
        _decision(SuspendedRight.of(ServiceCategory.CORE, IS), approval=approval)
    )
    assert isinstance(suspension, Suspension)
    assert suspension.approval_required
    assert suspension.to_json()["approval"] == {
        "reference": "AUTH-7",
        "approved_at": "2016-03-09T00:00:00+00:00",
    }


def test_M8_6_approval_given_after_the_suspension_takes_effect_is_refused(
    timeline: DraftingTimeline,
) -> None:
    register = _register(timeline)
    late = AuthorityApproval(reference="AUTH-8", approved_at=utc("2016-03-11"))
    refusal = register.decide_suspension(
        _decision(SuspendedRight.of(ServiceCategory.ENROLMENT, IS), approval=late)
    )
    assert isinstance(refusal, Refusal)
    assert refusal.clause == "M8.6(d)"
    assert "before the suspension takes effect" in refusal.reason


def test_M8_6_sec2_refuses_other_user_core_and_drops_licensee_approval(
    timeline: DraftingTimeline,
) -> None:
    register = _register(timeline)
    refusal = register.decide_suspension(
        _decision(SuspendedRight.of(ServiceCategory.CORE, OU)), drafting=DraftingId.SEC2
    )
    assert isinstance(refusal, Refusal)
    assert refusal.clause == "M8.6(a)"
    assert refusal.paragraph == "39"
    accepted = register.decide_suspension(
        _decision(SuspendedRight.of(ServiceCategory.CORE, IS), suspension_id="S2"),
        drafting=DraftingId.SEC2,
    )
    assert isinstance(accepted, Suspension)
    assert not accepted.approval_required


def test_M8_6_the_drafting_in_force_at_the_decision_applies(timeline: DraftingTimeline) -> None:
    register = _register(timeline)
    register.record_event_of_default(
        EventOfDefault("EOD-0", PARTY, utc("2015-01-01"), utc("2015-01-01"), "earlier")
    )
    refusal = register.decide_suspension(
        _decision(
            SuspendedRight.of(ServiceCategory.CORE, OU),
            decided=utc("2015-02-01"),
            event_id="EOD-0",
        )
    )
    assert isinstance(refusal, Refusal) and refusal.clause == "M8.6(a)"  # SEC 2 then


def test_M8_4_a_suspension_needs_an_event_of_default_of_that_party(
    timeline: DraftingTimeline,
) -> None:
    register = _register(timeline)
    missing = register.decide_suspension(
        _decision(SuspendedRight.of(ServiceCategory.CORE, OU), event_id="EOD-404")
    )
    assert isinstance(missing, Refusal) and missing.kind is RefusalKind.NOT_FOUND
    register.record_event_of_default(
        EventOfDefault("EOD-B", PartyId("OTHER"), utc("2016-03-01"), utc("2016-03-01"), "x")
    )
    wrong = register.decide_suspension(
        _decision(SuspendedRight.of(ServiceCategory.CORE, OU), event_id="EOD-B")
    )
    assert isinstance(wrong, Refusal) and wrong.clause == "M8.4"
    early = register.decide_suspension(
        _decision(SuspendedRight.of(ServiceCategory.CORE, OU), decided=utc("2016-02-01"))
    )
    assert isinstance(early, Refusal) and "before the Event of Default" in early.reason


def test_M8_4_f_decisions_are_well_formed(timeline: DraftingTimeline) -> None:
    register = _register(timeline)
    empty = register.decide_suspension(_decision())
    assert isinstance(empty, Refusal) and "at least one right" in empty.reason
    retro = register.decide_suspension(
        _decision(
            SuspendedRight.of(ServiceCategory.CORE, OU),
            decided=utc("2016-03-10"),
            effective=utc("2016-03-05"),
        )
    )
    assert isinstance(retro, Refusal) and retro.kind is RefusalKind.CONFLICT
    first = register.decide_suspension(_decision(SuspendedRight.of(ServiceCategory.CORE, OU)))
    assert isinstance(first, Suspension)
    again = register.decide_suspension(_decision(SuspendedRight.of(ServiceCategory.CORE, OU)))
    assert isinstance(again, Refusal) and again.kind is RefusalKind.CONFLICT
    with pytest.raises(SecInputError, match="timezone"):
        register.decide_suspension(
            _decision(SuspendedRight.of(ServiceCategory.CORE, OU), decided=datetime(2016, 3, 10))
        )


def test_M8_6_all_roles_of_a_limb_that_skips_other_user_is_refused(
    timeline: DraftingTimeline,
) -> None:
    """Naming every role under SEC 2 includes 'Other User', which no limb reaches."""
    register = _register(timeline)
    refusal = register.decide_suspension(
        _decision(SuspendedRight.of(ServiceCategory.CORE)), drafting=DraftingId.SEC2
    )
    assert isinstance(refusal, Refusal) and "'Other User'" in refusal.reason


def test_lifting_a_suspension(timeline: DraftingTimeline) -> None:
    register = _register(timeline)
    suspension = register.decide_suspension(_decision(SuspendedRight.of(ServiceCategory.CORE, OU)))
    assert isinstance(suspension, Suspension)
    lifted = register.lift("S1", utc("2016-04-01"), "debt paid")
    assert isinstance(lifted, Suspension)
    assert lifted.in_force(utc("2016-03-31T23:59:59"))
    assert not lifted.in_force(utc("2016-04-01"))
    assert register.in_force(PARTY, utc("2016-04-02")) == []
    twice = register.lift("S1", utc("2016-04-02"))
    assert isinstance(twice, Refusal) and twice.kind is RefusalKind.CONFLICT
    unknown = register.lift("S9", utc("2016-04-02"))
    assert isinstance(unknown, Refusal) and unknown.kind is RefusalKind.NOT_FOUND
    assert lifted.to_json()["lifted_at"] == "2016-04-01T00:00:00+00:00"


def test_duplicate_event_of_default_is_refused(timeline: DraftingTimeline) -> None:
    register = _register(timeline)
    again = register.record_event_of_default(
        EventOfDefault("EOD-1", PARTY, utc("2016-03-01"), utc("2016-03-02"), "dup")
    )
    assert isinstance(again, Refusal) and again.kind is RefusalKind.CONFLICT
    assert [e.event_id for e in register.repository.events_of_default(PARTY)] == ["EOD-1"]
