"""M8.6 (Annex F): the three draftings, as dated versions, give the document's results."""

from __future__ import annotations

from datetime import date

import pytest

from opendcc.roles import UserRole
from opendcc.sec.m86 import (
    DraftingId,
    DraftingTimeline,
    assess_right,
    load_timeline,
    parse_drafting,
)
from opendcc.sec.params import ParameterError, ParameterSet, Unit
from opendcc.sec.services import ServiceCategory

C = ServiceCategory
OU, IS, ED, GT, RSA = (
    UserRole.OTHER_USER,
    UserRole.IMPORT_SUPPLIER,
    UserRole.ELECTRICITY_DISTRIBUTOR,
    UserRole.GAS_TRANSPORTER,
    UserRole.REGISTERED_SUPPLIER_AGENT,
)

# (category, role) -> (suspendable, approval_required, clause), straight from Annex F.
ANNEX_F = {
    DraftingId.SEC1: {
        (C.CORE, OU): (True, False, "M8.6(a)"),
        (C.CORE, IS): (True, True, "M8.6(b)"),
        (C.CORE, ED): (True, True, "M8.6(b)"),
        (C.LOCAL, OU): (False, False, "M8.6"),
        (C.LOCAL, IS): (False, False, "M8.6"),
        (C.ELECTIVE, OU): (True, True, "M8.6(c)"),
        (C.ELECTIVE, GT): (True, True, "M8.6(c)"),
        (C.ENROLMENT, IS): (True, True, "M8.6(d)"),
        (C.OTHER, IS): (False, False, "M8.6"),
    },
    DraftingId.SEC2: {
        (C.CORE, OU): (False, False, "M8.6(a)"),
        (C.LOCAL, OU): (False, False, "M8.6(a)"),
        (C.CORE, IS): (True, False, "M8.6(a)"),
        (C.LOCAL, GT): (True, False, "M8.6(a)"),
        (C.CORE, RSA): (True, False, "M8.6(a)"),
        (C.ELECTIVE, OU): (True, True, "M8.6(b)"),
        (C.ENROLMENT, IS): (True, True, "M8.6(c)"),
        (C.OTHER, OU): (True, True, "M8.6(d)"),
        (C.OTHER, ED): (True, True, "M8.6(d)"),
    },
    DraftingId.PROPOSED_2015: {
        (C.CORE, OU): (True, False, "M8.6(a)"),
        (C.LOCAL, OU): (True, False, "M8.6(a)"),
        (C.CORE, IS): (True, True, "M8.6(b)"),
        (C.LOCAL, ED): (True, True, "M8.6(b)"),
        (C.ELECTIVE, IS): (True, True, "M8.6(c)"),
        (C.ENROLMENT, OU): (True, True, "M8.6(d)"),
        (C.OTHER, GT): (True, True, "M8.6(e)"),
    },
}


@pytest.mark.parametrize(
    ("drafting", "category", "role", "expected"),
    [(d, c, r, e) for d, table in ANNEX_F.items() for (c, r), e in table.items()],
    ids=lambda v: getattr(v, "value", None) if not isinstance(v, tuple) else None,
)
def test_M8_6_annex_f_table(
    timeline: DraftingTimeline,
    drafting: DraftingId,
    category: ServiceCategory,
    role: UserRole,
    expected: tuple[bool, bool, str],
) -> None:
    answer = timeline.drafting(drafting).assess(category, role)
    assert (answer.suspendable, answer.approval_required, answer.clause) == expected
    assert answer.paragraph and answer.explanation


def test_M8_6_the_case_paragraph_39_describes(timeline: DraftingTimeline) -> None:
    """SEC 2 lost the Panel's power over 'Other User' core services and dropped the
    Authority's approval for a licensee's own; the 2015 proposal restores both."""
    sec1, sec2, proposed = (timeline.drafting(d) for d in DraftingId)
    ou_core = [d.assess(C.CORE, OU) for d in (sec1, sec2, proposed)]
    assert [a.suspendable for a in ou_core] == [True, False, True]
    assert [a.approval_required for a in ou_core] == [False, False, False]
    assert "para 39" in ou_core[1].explanation or ou_core[1].paragraph == "39"
    licensee_core = [d.assess(C.CORE, IS) for d in (sec1, sec2, proposed)]
    assert [a.suspendable for a in licensee_core] == [True, True, True]
    assert [a.approval_required for a in licensee_core] == [True, False, True]


def test_M8_6_every_pair_is_answered_exactly_once(timeline: DraftingTimeline) -> None:
    for drafting in DraftingId:
        matrix = timeline.drafting(drafting).matrix()
        assert len(matrix) == len(C) * len(UserRole)
        assert all(a.clause.startswith("M8.6") for a in matrix)
        assert not any(a.approval_required and not a.suspendable for a in matrix)


def test_M8_6_annex_f_text_is_carried(timeline: DraftingTimeline) -> None:
    sec2 = timeline.drafting(DraftingId.SEC2)
    assert "in any User Role other than the 'Other User' User Role" in sec2.text.replace("\n", " ")
    assert [limb.letter for limb in timeline.drafting(DraftingId.PROPOSED_2015).limbs] == list(
        "abcde"
    )
    assert [limb.letter for limb in timeline.drafting(DraftingId.SEC1).limbs] == list("abcd")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2013, 9, 23), DraftingId.SEC1),
        (date(2014, 10, 31), DraftingId.SEC1),
        (date(2014, 11, 1), DraftingId.SEC2),
        (date(2015, 12, 31), DraftingId.SEC2),
        (date(2016, 1, 1), DraftingId.PROPOSED_2015),
        (date(2025, 6, 1), DraftingId.PROPOSED_2015),
    ],
)
def test_M8_6_dated_versions(timeline: DraftingTimeline, day: date, expected: DraftingId) -> None:
    assert timeline.in_force(day).drafting_id is expected


def test_M8_6_proposed_drafting_start_is_configurable(parameters: ParameterSet) -> None:
    moved = load_timeline(parameters, proposed_2015_from=date(2015, 7, 1))
    assert moved.in_force(date(2015, 7, 1)).drafting_id is DraftingId.PROPOSED_2015
    assert moved.in_force(date(2015, 6, 30)).drafting_id is DraftingId.SEC2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sec1", DraftingId.SEC1), ("SEC2", DraftingId.SEC2), ("2015", DraftingId.PROPOSED_2015)],
)
def test_drafting_names(text: str, expected: DraftingId) -> None:
    assert DraftingId.parse(text) is expected
    with pytest.raises(ValueError, match=r"not an M8\.6 drafting"):
        DraftingId.parse("sec3")


def test_assess_right_uses_the_shipped_draftings() -> None:
    assert assess_right(DraftingId.SEC2, C.CORE, OU).suspendable is False


def _sec2_value(parameters: ParameterSet) -> dict[str, object]:
    return dict(parameters.mapping("m86.drafting_sec2", date(2014, 1, 1), Unit.DRAFTING))


def test_a_drafting_that_leaves_a_pair_unanswered_is_refused(parameters: ParameterSet) -> None:
    value = _sec2_value(parameters)
    value["gaps"] = []
    with pytest.raises(ParameterError, match="0 limbs or gaps cover core in role OU"):
        parse_drafting(value, "test")


def test_a_drafting_that_answers_a_pair_twice_is_refused(parameters: ParameterSet) -> None:
    value = _sec2_value(parameters)
    limbs = list(value["limbs"])  # type: ignore[call-overload]
    limbs.append({**limbs[0], "letter": "z", "roles": "any"})
    value["limbs"] = limbs
    with pytest.raises(ParameterError, match="2 limbs or gaps cover"):
        parse_drafting(value, "test")


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("id", "sec9", "unknown drafting id"),
        ("limbs", [], "needs its limbs"),
        ("limbs", [{"letter": "a", "services": ["core"], "roles": "all", "approval": False,
                    "text": "x"}], "roles must be one of"),
        ("limbs", [{"letter": "a", "services": ["heat"], "roles": "any", "approval": False,
                    "text": "x"}], "unknown service category"),
        ("limbs", [{"letter": "a", "services": ["core"], "roles": "any", "approval": "yes",
                    "text": "x"}], "approval must be true or false"),
        ("gaps", "none", "gaps must be a list"),
    ],
)  # fmt: skip
def test_malformed_draftings_are_refused(
    parameters: ParameterSet, key: str, bad: object, message: str
) -> None:
    value = _sec2_value(parameters)
    value[key] = bad
    with pytest.raises(ParameterError, match=message):
        parse_drafting(value, "test")
