"""M4.8 with M4.22 and M4.24: who may mark what, on which conditions; disputes (para 35)."""

from __future__ import annotations

import pytest

from opendcc.sec.confidentiality import (
    ClassifiedCondition,
    ConditionRecord,
    ConfidentialityRegister,
    DccConfidentialCondition,
    DisputeStatus,
    InformationItem,
    ItemKind,
    Marking,
    MarkingRecord,
    MarkingRequest,
    MarkingSource,
)
from opendcc.sec.outcome import Refusal, RefusalKind, SecInputError
from opendcc.sec.parties import DCC, PartyId
from tests.sec.conftest import utc

SUPPLIER = PartyId("SUPPLIER-A")


def _all_met(
    conditions: type[ClassifiedCondition] | type[DccConfidentialCondition],
) -> tuple[ConditionRecord, ...]:
    return tuple(ConditionRecord(c.value, True, f"evidence for {c.value}") for c in conditions)


def _register() -> ConfidentialityRegister:
    register = ConfidentialityRegister()
    for item_id, party in (("CSP-CONTRACT", DCC), ("SUPPLIER-TEST-PLAN", SUPPLIER)):
        item = InformationItem(
            item_id, item_id.title(), ItemKind.DOCUMENT, party, utc("2016-01-01")
        )
        assert register.register_item(item) == item
    return register


def _request(
    marking: Marking,
    by: PartyId = DCC,
    conditions: tuple[ConditionRecord, ...] = (),
    item: str = "CSP-CONTRACT",
) -> MarkingRequest:
    return MarkingRequest(
        item, marking, by, "commercially sensitive", utc("2016-02-01"), conditions
    )


def test_M4_8_dcc_marks_classified_with_its_three_conditions_met() -> None:
    register = _register()
    record = register.mark(_request(Marking.CLASSIFIED, conditions=_all_met(ClassifiedCondition)))
    assert isinstance(record, MarkingRecord)
    assert record.clause == "M4.8, M4.22, M4.24"
    assert register.marking_at("CSP-CONTRACT", utc("2016-02-02")) == record
    assert register.marking_at("CSP-CONTRACT", utc("2016-01-31")) is None  # unmarked before


@pytest.mark.parametrize("unmet", list(ClassifiedCondition))
def test_M4_8_dcc_marking_classified_with_one_condition_unmet_is_refused(
    unmet: ClassifiedCondition,
) -> None:
    register = _register()
    conditions = tuple(
        ConditionRecord(c.value, c is not unmet, "checked") for c in ClassifiedCondition
    )
    refusal = register.mark(_request(Marking.CLASSIFIED, conditions=conditions))
    assert isinstance(refusal, Refusal)
    assert refusal.clause == "M4.8, M4.22, M4.24" and refusal.paragraph == "33"
    assert unmet.value in refusal.reason and "recorded as not met" in refusal.reason
    assert register.marking_at("CSP-CONTRACT", utc("2016-03-01")) is None


def test_M4_8_a_condition_not_recorded_at_all_is_unmet() -> None:
    register = _register()
    two = _all_met(ClassifiedCondition)[:2]
    refusal = register.mark(_request(Marking.CLASSIFIED, conditions=two))
    assert isinstance(refusal, Refusal) and "is not recorded" in refusal.reason


def test_M4_8_only_the_dcc_may_mark_classified() -> None:
    register = _register()
    refusal = register.mark(
        _request(
            Marking.CLASSIFIED,
            by=SUPPLIER,
            conditions=_all_met(ClassifiedCondition),
            item="SUPPLIER-TEST-PLAN",
        )
    )
    assert isinstance(refusal, Refusal)
    assert refusal.clause == "M4.8" and refusal.paragraph == "31(ii)"


def test_M4_8_any_party_may_mark_confidential() -> None:
    register = _register()
    record = register.mark(_request(Marking.CONFIDENTIAL, by=SUPPLIER, item="SUPPLIER-TEST-PLAN"))
    assert isinstance(record, MarkingRecord) and record.clause == "M4.8"


def test_M4_8_dcc_marks_confidential_only_with_its_conditions() -> None:
    register = _register()
    refusal = register.mark(_request(Marking.CONFIDENTIAL))
    assert isinstance(refusal, Refusal) and refusal.paragraph == "34"
    wrong = register.mark(_request(Marking.CONFIDENTIAL, conditions=_all_met(ClassifiedCondition)))
    assert isinstance(wrong, Refusal) and "do not apply" in wrong.reason
    record = register.mark(
        _request(Marking.CONFIDENTIAL, conditions=_all_met(DccConfidentialCondition))
    )
    assert isinstance(record, MarkingRecord)


def test_M4_8_a_party_marks_only_what_it_provides() -> None:
    register = _register()
    refusal = register.mark(_request(Marking.CONFIDENTIAL, by=SUPPLIER, item="CSP-CONTRACT"))
    assert isinstance(refusal, Refusal) and "did not provide" in refusal.reason
    missing = register.mark(_request(Marking.CONFIDENTIAL, item="NOTHING"))
    assert isinstance(missing, Refusal) and missing.kind is RefusalKind.NOT_FOUND


def test_marking_history_is_kept() -> None:
    register = _register()
    first = register.mark(_request(Marking.CONFIDENTIAL, by=SUPPLIER, item="SUPPLIER-TEST-PLAN"))
    later = MarkingRequest(
        "SUPPLIER-TEST-PLAN", Marking.NONE, SUPPLIER, "published", utc("2016-06-01")
    )
    cleared = register.mark(later)
    assert isinstance(first, MarkingRecord) and isinstance(cleared, MarkingRecord)
    assert register.marking_at("SUPPLIER-TEST-PLAN", utc("2016-03-01")) == first
    assert register.marking_at("SUPPLIER-TEST-PLAN", utc("2016-07-01")) is None
    assert [r.marking for r in register.history("SUPPLIER-TEST-PLAN")] == [
        Marking.CONFIDENTIAL,
        Marking.NONE,
    ]


def test_para_35_a_dcc_marking_is_disputed_and_referred_to_arbitration() -> None:
    register = _register()
    register.mark(_request(Marking.CONFIDENTIAL, conditions=_all_met(DccConfidentialCondition)))
    dispute = register.dispute(
        "DISP-1", "CSP-CONTRACT", SUPPLIER, "not prejudicial", utc("2016-03-01")
    )
    assert not isinstance(dispute, Refusal)
    assert dispute.status is DisputeStatus.REFERRED_TO_ARBITRATION
    assert dispute.disputed_marking is Marking.CONFIDENTIAL
    resolved = register.resolve_dispute(
        "DISP-1", upheld=False, at=utc("2016-05-01"), award="release is not prejudicial"
    )
    assert not isinstance(resolved, Refusal) and resolved.status is DisputeStatus.SET_ASIDE
    assert register.marking_at("CSP-CONTRACT", utc("2016-05-02")) is None
    last = register.history("CSP-CONTRACT")[-1]
    assert last.source is MarkingSource.ARBITRATION and "DISP-1" in last.reason
    again = register.resolve_dispute("DISP-1", upheld=True, at=utc("2016-06-01"), award="x")
    assert isinstance(again, Refusal) and again.kind is RefusalKind.CONFLICT


def test_para_35_upheld_marking_stands_and_only_dcc_markings_are_disputed() -> None:
    register = _register()
    register.mark(_request(Marking.CLASSIFIED, conditions=_all_met(ClassifiedCondition)))
    register.mark(_request(Marking.CONFIDENTIAL, by=SUPPLIER, item="SUPPLIER-TEST-PLAN"))
    dispute = register.dispute("D", "CSP-CONTRACT", SUPPLIER, "too wide", utc("2016-03-01"))
    assert not isinstance(dispute, Refusal)
    upheld = register.resolve_dispute("D", upheld=True, at=utc("2016-04-01"), award="stands")
    assert not isinstance(upheld, Refusal) and upheld.status is DisputeStatus.UPHELD
    assert register.marking_at("CSP-CONTRACT", utc("2016-04-02")) is not None
    not_dcc = register.dispute("D2", "SUPPLIER-TEST-PLAN", DCC, "x", utc("2016-03-01"))
    assert isinstance(not_dcc, Refusal) and not_dcc.paragraph == "35"
    own = register.dispute("D3", "CSP-CONTRACT", DCC, "x", utc("2016-03-01"))
    assert isinstance(own, Refusal)


def test_marking_input_errors() -> None:
    assert Marking.parse(" Classified ") is Marking.CLASSIFIED
    with pytest.raises(SecInputError, match="not a marking"):
        Marking.parse("secret")
    register = _register()
    duplicate = register.register_item(
        InformationItem("CSP-CONTRACT", "x", ItemKind.REPORT, DCC, utc("2016-01-01"))
    )
    assert isinstance(duplicate, Refusal) and duplicate.kind is RefusalKind.CONFLICT
