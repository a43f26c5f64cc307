"""M4.17 to M4.19: classified information goes only to nominated individuals; all logged."""

from __future__ import annotations

from opendcc.sec.confidentiality import (
    ClassifiedCondition,
    ConditionRecord,
    ConfidentialityRegister,
    InformationItem,
    ItemKind,
    Marking,
    MarkingRequest,
)
from opendcc.sec.disclosure import DisclosureGate, DisclosureOutcome, NominatedIndividual
from opendcc.sec.outcome import Refusal
from opendcc.sec.parties import DCC, PartyId
from tests.sec.conftest import utc

A, B, C = PartyId("SUPPLIER-A"), PartyId("SUPPLIER-B"), PartyId("NETWORK-C")


def _gate() -> DisclosureGate:
    register = ConfidentialityRegister()
    for item_id, provider in (
        ("SP-DATA", DCC),
        ("PERF-2016-01", DCC),
        ("PUBLIC-NOTE", DCC),
        ("A-PLAN", A),
    ):
        register.register_item(
            InformationItem(item_id, item_id, ItemKind.REPORT, provider, utc("2016-01-01"))
        )
    conditions = tuple(ConditionRecord(c.value, True, "ok") for c in ClassifiedCondition)
    register.mark(
        MarkingRequest("SP-DATA", Marking.CLASSIFIED, DCC, "CSP", utc("2016-01-02"), conditions)
    )
    register.mark(
        MarkingRequest(
            "PERF-2016-01",
            Marking.CONFIDENTIAL,
            DCC,
            "target and minimum service levels (para 17)",
            utc("2016-01-02"),
            tuple(
                ConditionRecord(c, True, "ok")
                for c in (
                    "belongs_or_relates_to_dcc_or_services",
                    "release_prejudicial_to_dcc",
                    "not_classified_nor_required_public",
                )
            ),
        )
    )
    register.mark(MarkingRequest("A-PLAN", Marking.CONFIDENTIAL, A, "plan", utc("2016-01-02")))
    gate = DisclosureGate(register)
    for nominee_id, party, name in (
        ("N1", A, "Ann Smith"),
        ("N2", A, "Raj Patel"),
        ("N3", B, "Bo"),
    ):
        nominee = NominatedIndividual(
            nominee_id, party, name, f"{nominee_id.lower()}@example.org", "", utc("2016-01-05")
        )
        assert gate.nominate(nominee) == nominee
    return gate


def test_M4_18_classified_goes_to_each_nominated_individual() -> None:
    gate = _gate()
    records = gate.disclose("SP-DATA", DCC, A, utc("2016-02-01"), purpose="monthly pack")
    assert [r.recipient_individual for r in records] == ["N1", "N2"]
    assert all(r.outcome is DisclosureOutcome.DISCLOSED for r in records)
    assert all(r.clause == "M4.18" and r.marking is Marking.CLASSIFIED for r in records)
    assert records[0].recipient_contact == "n1@example.org"
    one = gate.disclose("SP-DATA", DCC, A, utc("2016-02-01"), individual="N2")
    assert [r.recipient_individual for r in one] == ["N2"]


def test_M4_19_a_party_with_no_nominees_receives_nothing_classified() -> None:
    gate = _gate()
    records = gate.disclose("SP-DATA", DCC, C, utc("2016-02-01"))
    assert len(records) == 1
    assert records[0].outcome is DisclosureOutcome.REFUSED
    assert records[0].clause == "M4.19"
    assert records[0].recipient_individual is None
    assert gate.log.records(item_id="SP-DATA", party=C) == [records[0]]


def test_M4_18_an_individual_not_nominated_by_the_recipient_is_refused() -> None:
    gate = _gate()
    records = gate.disclose("SP-DATA", DCC, A, utc("2016-02-01"), individual="N3")
    assert [r.outcome for r in records] == [DisclosureOutcome.REFUSED]
    assert records[0].clause == "M4.18"


def test_M4_17_withdrawn_and_future_nominations_do_not_count() -> None:
    gate = _gate()
    assert not isinstance(gate.withdraw("N3", utc("2016-03-01")), Refusal)
    refused = gate.disclose("SP-DATA", DCC, B, utc("2016-03-02"))
    assert refused[0].outcome is DisclosureOutcome.REFUSED
    before = gate.disclose("SP-DATA", DCC, B, utc("2016-02-01"))
    assert before[0].outcome is DisclosureOutcome.DISCLOSED
    early = gate.disclose("SP-DATA", DCC, A, utc("2016-01-04"))  # nominated on the 5th
    assert early[0].outcome is DisclosureOutcome.REFUSED
    twice = gate.withdraw("N3", utc("2016-03-05"))
    assert isinstance(twice, Refusal)


def test_M4_17_a_nomination_names_an_individual_with_contact_details() -> None:
    gate = _gate()
    refusal = gate.nominate(NominatedIndividual("N9", A, "  ", "", "", utc("2016-01-01")))
    assert isinstance(refusal, Refusal) and refusal.clause == "M4.17"
    no_contact = gate.nominate(NominatedIndividual("N9", A, "Jo", "", "", utc("2016-01-01")))
    assert isinstance(no_contact, Refusal)
    phone_only = NominatedIndividual("N9", A, "Jo", "", "+44 20 7946 0000", utc("2016-01-01"))
    assert gate.nominate(phone_only) == phone_only
    assert isinstance(gate.nominate(phone_only), Refusal)  # duplicate id


def test_only_the_dcc_discloses_classified_information() -> None:
    gate = _gate()
    records = gate.disclose("SP-DATA", A, B, utc("2016-02-01"))
    assert records[0].outcome is DisclosureOutcome.REFUSED
    assert records[0].clause == "M4.8, M4.18"


def test_confidential_and_unmarked_items_go_to_the_party_and_are_logged() -> None:
    gate = _gate()
    report = gate.disclose_to_many(
        "PERF-2016-01", DCC, [A, B, C], utc("2016-02-10"), purpose="H13 performance report"
    )
    assert [r.recipient_party for r in report] == [A, B, C]
    assert all(r.disclosed and r.marking is Marking.CONFIDENTIAL for r in report)
    plain = gate.disclose("PUBLIC-NOTE", DCC, C, utc("2016-02-10"))
    assert plain[0].disclosed and plain[0].marking is Marking.NONE
    own = gate.disclose("A-PLAN", A, DCC, utc("2016-02-10"))
    assert own[0].disclosed


def test_every_disclosure_attempt_is_logged() -> None:
    gate = _gate()
    attempts = [
        gate.disclose("SP-DATA", DCC, A, utc("2016-02-01")),  # 2 nominees
        gate.disclose("SP-DATA", DCC, C, utc("2016-02-01")),  # refused
        gate.disclose("PERF-2016-01", DCC, C, utc("2016-02-01")),
        gate.disclose("NO-SUCH-ITEM", DCC, C, utc("2016-02-01")),  # refused: unknown item
    ]
    logged = gate.log.records()
    assert len(logged) == sum(len(a) for a in attempts) == 5
    assert logged[-1].outcome is DisclosureOutcome.REFUSED
    assert "NO-SUCH-ITEM" in logged[-1].reason
    assert logged[0].to_json()["outcome"] == "disclosed"
    assert len({r.record_id for r in logged}) == 5
