"""DCC Licence Schedule 3: Implementation Milestones and their reviews (chapter 8)."""

from __future__ import annotations

from datetime import date

from opendcc.sec.ipr import (
    ImplementationMilestone,
    ImplementationMilestoneRegister,
    MilestoneRecord,
    MilestoneVariation,
    SecretaryOfStateDirection,
)
from opendcc.sec.outcome import Refusal, RefusalKind
from opendcc.sec.params import ParameterSet


def _register(parameters: ParameterSet) -> ImplementationMilestoneRegister:
    register = ImplementationMilestoneRegister(parameters=parameters)
    for n, due in ((3, date(2014, 11, 1)), (4, date(2015, 3, 1)), (5, date(2015, 12, 1))):
        milestone = ImplementationMilestone(
            f"IM{n}", f"Implementation Milestone {n}", due, (f"criterion {n}.1",)
        )
        assert isinstance(register.add_milestone(milestone), MilestoneRecord)
    return register


def _direction(
    direction_id: str, issued: date, *variations: MilestoneVariation
) -> SecretaryOfStateDirection:
    return SecretaryOfStateDirection(direction_id, issued, variations, "review outcome")


def test_schedule3_part_f_allows_one_review_before_the_amendment(
    parameters: ParameterSet,
) -> None:
    register = _register(parameters)
    register.record_achievement("IM4", date(2015, 3, 5))
    first = register.apply_direction(
        _direction("SoS-1", date(2015, 4, 1), MilestoneVariation("IM5", due_date=date(2016, 4, 1)))
    )
    assert isinstance(first, SecretaryOfStateDirection)
    second = register.apply_direction(
        _direction("SoS-2", date(2015, 6, 1), MilestoneVariation("IM5", due_date=date(2016, 8, 1)))
    )
    assert isinstance(second, Refusal)
    assert second.clause == "DCC Licence Schedule 3, Part F, paragraph 3.8"
    assert second.paragraph == "47"


def test_chapter8_removes_the_one_review_limit(parameters: ParameterSet) -> None:
    register = _register(parameters)
    for n, issued in enumerate((date(2016, 2, 1), date(2016, 6, 1), date(2017, 1, 1)), 1):
        result = register.apply_direction(
            _direction(f"SoS-{n}", issued, MilestoneVariation("IM5", due_date=date(2017, n, 1)))
        )
        assert isinstance(result, SecretaryOfStateDirection), result
    assert register.reviews_allowed(date(2016, 1, 1)) is None


def test_the_amendment_date_is_configurable(parameters: ParameterSet) -> None:
    moved = parameters.with_start("ipr.review_limit", None, date(2015, 5, 1), "config")
    register = _register(moved)
    for n, issued in enumerate((date(2015, 4, 1), date(2015, 6, 1)), 1):
        result = register.apply_direction(
            _direction(f"SoS-{n}", issued, MilestoneVariation("IM5", criteria=(f"c{n}",)))
        )
        assert isinstance(result, SecretaryOfStateDirection)


def test_reviews_vary_dates_and_criteria_with_history_kept(parameters: ParameterSet) -> None:
    register = _register(parameters)
    register.apply_direction(
        _direction(
            "SoS-1",
            date(2016, 2, 1),
            MilestoneVariation("IM5", due_date=date(2016, 6, 1)),
            MilestoneVariation("IM4", criteria=("revised criterion 4.1", "criterion 4.2")),
        )
    )
    register.apply_direction(
        _direction("SoS-2", date(2016, 5, 1), MilestoneVariation("IM5", due_date=date(2016, 9, 1)))
    )
    im5 = register.milestone("IM5")
    assert im5 is not None
    assert [t.due_date for t in im5.history] == [
        date(2015, 12, 1),
        date(2016, 6, 1),
        date(2016, 9, 1),
    ]
    assert [t.direction_id for t in im5.history] == [None, "SoS-1", "SoS-2"]
    assert im5.terms_on(date(2016, 1, 31)).due_date == date(2015, 12, 1)
    assert im5.terms_on(date(2016, 3, 1)).due_date == date(2016, 6, 1)
    assert im5.terms_on(date(2016, 3, 1)).criteria == ("criterion 5.1",)
    im4 = register.milestone("IM4")
    assert im4 is not None and im4.terms_on(date(2016, 3, 1)).criteria[0] == "revised criterion 4.1"
    assert im5.to_json(date(2016, 10, 1))["due_date"] == "2016-09-01"


def test_only_milestones_that_remain_in_force_may_be_varied(parameters: ParameterSet) -> None:
    register = _register(parameters)
    register.record_achievement("IM3", date(2014, 10, 30))
    refused = register.apply_direction(
        _direction("SoS-1", date(2016, 2, 1), MilestoneVariation("IM3", due_date=date(2017, 1, 1)))
    )
    assert isinstance(refused, Refusal) and refused.paragraph == "47"
    unknown = register.apply_direction(
        _direction("SoS-1", date(2016, 2, 1), MilestoneVariation("IM9", due_date=date(2017, 1, 1)))
    )
    assert isinstance(unknown, Refusal) and unknown.kind is RefusalKind.NOT_FOUND
    nothing = register.apply_direction(
        _direction("SoS-1", date(2016, 2, 1), MilestoneVariation("IM5"))
    )
    assert isinstance(nothing, Refusal) and "changes nothing" in nothing.reason
    # A refused direction changes nothing and does not count as a review.
    assert register.repository.directions() == []
    assert len(register.milestone("IM5").history) == 1  # type: ignore[union-attr]


def test_lateness_is_measured_against_the_terms_then_in_force(parameters: ParameterSet) -> None:
    register = _register(parameters)
    register.apply_direction(
        _direction("SoS-1", date(2016, 2, 1), MilestoneVariation("IM5", due_date=date(2016, 6, 1)))
    )
    register.record_achievement("IM5", date(2016, 6, 11))
    im5 = register.milestone("IM5")
    assert im5 is not None and im5.days_late(date(2020, 1, 1)) == 10
    im4 = register.milestone("IM4")
    assert im4 is not None and im4.days_late(date(2015, 3, 31)) == 30


def test_register_conflicts(parameters: ParameterSet) -> None:
    register = _register(parameters)
    again = register.add_milestone(ImplementationMilestone("IM3", "dup", date(2015, 1, 1), ()))
    assert isinstance(again, Refusal) and again.kind is RefusalKind.CONFLICT
    register.record_achievement("IM3", date(2014, 10, 1))
    twice = register.record_achievement("IM3", date(2014, 10, 2))
    assert isinstance(twice, Refusal)
    register.apply_direction(
        _direction("SoS-1", date(2016, 2, 1), MilestoneVariation("IM5", due_date=date(2016, 6, 1)))
    )
    out_of_order = register.apply_direction(
        _direction("SoS-0", date(2016, 1, 1), MilestoneVariation("IM5", due_date=date(2016, 7, 1)))
    )
    assert isinstance(out_of_order, Refusal) and out_of_order.kind is RefusalKind.CONFLICT
