"""M2.3: the limit on liability for breaching confidentiality."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from opendcc.sec.confidentiality import (
    ClassifiedCondition,
    ConditionRecord,
    ConfidentialityRegister,
    InformationItem,
    ItemKind,
    Marking,
    MarkingRequest,
)
from opendcc.sec.liability import (
    Breach,
    liability_for_breaches,
    liability_limit,
    record_breach,
)
from opendcc.sec.outcome import Refusal, SecInputError
from opendcc.sec.parties import DCC, PartyId
from tests.sec.conftest import utc

ON = date(2016, 1, 1)
MILLION = Decimal(1_000_000)
A = PartyId("SUPPLIER-A")


@pytest.mark.parametrize(
    ("marking", "dcc", "cap", "paragraph"),
    [
        (Marking.CLASSIFIED, False, None, "31(ii), 35"),
        (Marking.CLASSIFIED, True, MILLION, "30, Q4"),
        (Marking.CONFIDENTIAL, False, MILLION, "31(i), 35"),
        (Marking.CONFIDENTIAL, True, MILLION, "30, Q4"),
        (Marking.NONE, False, Decimal(0), "25"),
        (Marking.NONE, True, Decimal(0), "25"),
    ],
)
def test_M2_3_caps(marking: Marking, dcc: bool, cap: Decimal | None, paragraph: str) -> None:
    limit = liability_limit(marking, dcc, ON)
    assert limit.cap_gbp == cap
    assert limit.unlimited is (cap is None)
    assert limit.clause == "M2.3" and limit.paragraph == paragraph


def test_M2_3_a_series_of_related_events_counts_once() -> None:
    related = liability_limit(Marking.CONFIDENTIAL, False, ON, events=4, related=True)
    assert related.cap_gbp == MILLION and related.occurrences == 1
    separate = liability_limit(Marking.CONFIDENTIAL, False, ON, events=4, related=False)
    assert separate.cap_gbp == 4 * MILLION and separate.occurrences == 4
    unlimited = liability_limit(Marking.CLASSIFIED, False, ON, events=4, related=False)
    assert unlimited.cap_gbp is None
    assert liability_limit(Marking.CLASSIFIED, True, ON, events=3).cap_gbp == MILLION


def test_M2_3_breaches_grouped_by_event_or_series() -> None:
    def breach(n: int, marking: Marking, series: str | None) -> Breach:
        return Breach(f"B{n}", A, f"I{n}", marking, f"E{n}", utc("2016-02-01"), series)

    series = [breach(n, Marking.CONFIDENTIAL, "LEAK-1") for n in range(5)]
    assert liability_for_breaches(series).cap_gbp == MILLION
    mixed = [*series, breach(9, Marking.CONFIDENTIAL, None), breach(10, Marking.NONE, None)]
    result = liability_for_breaches(mixed)
    assert result.cap_gbp == 2 * MILLION and result.occurrences == 3
    with_classified = [*mixed, breach(11, Marking.CLASSIFIED, "LEAK-1")]
    assert liability_for_breaches(with_classified).cap_gbp is None
    dcc_breaches = [
        Breach("D1", DCC, "I", Marking.CLASSIFIED, "E1", utc("2016-02-01")),
        Breach("D2", DCC, "I", Marking.CLASSIFIED, "E2", utc("2016-02-02")),
    ]
    assert liability_for_breaches(dcc_breaches).cap_gbp == 2 * MILLION


def test_M2_3_input_errors() -> None:
    with pytest.raises(SecInputError, match="at least 1"):
        liability_limit(Marking.CONFIDENTIAL, False, ON, events=0)
    with pytest.raises(SecInputError, match="no breaches"):
        liability_for_breaches([])
    two_parties = [
        Breach("B1", A, "I", Marking.NONE, "E1", utc("2016-02-01")),
        Breach("B2", DCC, "I", Marking.NONE, "E2", utc("2016-02-01")),
    ]
    with pytest.raises(SecInputError, match="per Party"):
        liability_for_breaches(two_parties)


def test_M2_3_json_shape() -> None:
    data = liability_limit(Marking.CLASSIFIED, False, ON).to_json()
    assert data["cap_gbp"] is None and data["clause"] == "M2.3"
    assert liability_limit(Marking.CONFIDENTIAL, False, ON).to_json()["cap_gbp"] == 1_000_000


def test_M2_3_breach_takes_the_marking_in_force_from_the_register() -> None:
    register = ConfidentialityRegister()
    register.register_item(
        InformationItem("SP", "CSP pricing", ItemKind.DATA_SET, DCC, utc("2016-01-01"))
    )
    conditions = tuple(ConditionRecord(c.value, True, "ok") for c in ClassifiedCondition)
    register.mark(
        MarkingRequest("SP", Marking.CLASSIFIED, DCC, "CSP", utc("2016-02-01"), conditions)
    )
    before = record_breach(register, "B1", A, "SP", "E1", utc("2016-01-15"))
    after = record_breach(register, "B2", A, "SP", "E2", utc("2016-03-01"), series_id="S")
    assert isinstance(before, Breach) and before.marking is Marking.NONE
    assert isinstance(after, Breach) and after.marking is Marking.CLASSIFIED
    assert liability_for_breaches([before]).cap_gbp == 0
    assert liability_for_breaches([before, after]).cap_gbp is None
    assert isinstance(record_breach(register, "B3", A, "NOPE", "E3", utc("2016-03-01")), Refusal)
