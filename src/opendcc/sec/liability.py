"""Liability for breach of confidentiality (M2.3 as the March 2015 consultation redrafts it).

Given a breach (the breaching Party, the item and its marking, the event or series of
related events it belongs to) this module computes the applicable limit:

- a Party other than the DCC breaching 'classified' data: unlimited (M2.3; para 31(ii), 35);
- any other marked data: GBP 1 million per event or series of related events (M2.3;
  para 31(i), 35);
- the DCC: GBP 1 million per event or series of related events in all cases (M2.3;
  para 30, Q4);
- unmarked material: no liability for breach (M4.8; para 25).

A series of related events counts once against the cap; unrelated events each carry their
own. The amounts come from the parameter files ``liability/*.yaml`` for the date of the
breach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from opendcc.sec.confidentiality import ConfidentialityRegister, Marking
from opendcc.sec.outcome import Refusal, SecInputError, not_found, require_aware
from opendcc.sec.params import ParameterSet, default_parameters
from opendcc.sec.parties import DCC, PartyId

LIABILITY_CLAUSE: Final = "M2.3"


@dataclass(frozen=True, slots=True)
class Breach:
    """A breach of Section M4 by ``party`` of ``item_id`` (marked ``marking`` at the time).

    ``series_id`` groups related events: breaches sharing it form one series of related
    events; a breach without one is an event of its own (``event_id``).
    """

    breach_id: str
    party: PartyId
    item_id: str
    marking: Marking
    event_id: str
    at: datetime
    series_id: str | None = None

    @property
    def occurrence(self) -> str:
        """The event or series of related events the breach counts against."""
        return f"series:{self.series_id}" if self.series_id else f"event:{self.event_id}"


def record_breach(
    register: ConfidentialityRegister,
    breach_id: str,
    party: PartyId,
    item_id: str,
    event_id: str,
    at: datetime,
    series_id: str | None = None,
) -> Breach | Refusal:
    """A ``Breach`` of ``item_id`` at ``at``, with the marking the register held then.

    M2.3 turns on the marking of the data breached (consultation paras 25, 31, 35).
    """
    require_aware(at, "at")
    if register.item(item_id) is None:
        return not_found(f"item {item_id!r}")
    record = register.marking_at(item_id, at)
    return Breach(
        breach_id=breach_id,
        party=party,
        item_id=item_id,
        marking=Marking.NONE if record is None else record.marking,
        event_id=event_id,
        at=at,
        series_id=series_id,
    )


@dataclass(frozen=True, slots=True)
class LiabilityLimit:
    """The limit on liability for one or more breaches; ``cap_gbp`` None means unlimited."""

    cap_gbp: Decimal | None
    per_event_cap_gbp: Decimal | None
    occurrences: int
    clause: str
    paragraph: str
    basis: str

    @property
    def unlimited(self) -> bool:
        return self.cap_gbp is None

    def to_json(self) -> dict[str, object]:
        return {
            "cap_gbp": _number(self.cap_gbp),
            "per_event_cap_gbp": _number(self.per_event_cap_gbp),
            "unlimited": self.unlimited,
            "events_counted": self.occurrences,
            "clause": self.clause,
            "paragraph": self.paragraph,
            "basis": self.basis,
        }


def per_event_cap(
    marking: Marking, party_is_dcc: bool, on: date, parameters: ParameterSet | None = None
) -> tuple[Decimal | None, str, str]:
    """M2.3: the cap per event or series of related events, with its paragraph and basis.

    Consultation paras 25 (unmarked), 30 and Q4 (the DCC), 31 and 35 (other Parties).
    """
    params = parameters or default_parameters()
    if marking is Marking.NONE:
        return (
            params.gbp("liability.unmarked_cap_gbp", on),
            "25",
            "unmarked material attracts no liability for breach (M4.8)",
        )
    if party_is_dcc:
        return (
            params.gbp("liability.dcc_cap_gbp", on),
            "30, Q4",
            "the DCC's liability is capped in all cases",
        )
    if marking is Marking.CLASSIFIED:
        return (
            params.gbp("liability.classified_cap_gbp", on),
            "31(ii), 35",
            "a Party other than the DCC breaching 'classified' data has unlimited liability",
        )
    return (
        params.gbp("liability.confidential_cap_gbp", on),
        "31(i), 35",
        "'confidential' data: capped per event or series of related events",
    )


def liability_limit(
    marking: Marking,
    party_is_dcc: bool,
    on: date,
    events: int = 1,
    related: bool = True,
    parameters: ParameterSet | None = None,
) -> LiabilityLimit:
    """M2.3: the limit for ``events`` breaches of data marked ``marking``.

    Related events form one series and count once; unrelated events count one each
    (consultation para 35: "per event, or series of related events").
    """
    if isinstance(events, bool) or not isinstance(events, int) or events < 1:
        raise SecInputError(f"events must be a whole number of at least 1, got {events!r}")
    cap, paragraph, basis = per_event_cap(marking, party_is_dcc, on, parameters)
    occurrences = 1 if related else events
    total = None if cap is None else cap * occurrences
    if events > 1:
        basis += (
            f"; {events} related events form one series"
            if related
            else f"; {events} unrelated events each carry the cap"
        )
    return LiabilityLimit(
        cap_gbp=total,
        per_event_cap_gbp=cap,
        occurrences=occurrences,
        clause=LIABILITY_CLAUSE,
        paragraph=paragraph,
        basis=basis,
    )


def liability_for_breaches(
    breaches: Iterable[Breach], dcc: PartyId = DCC, parameters: ParameterSet | None = None
) -> LiabilityLimit:
    """M2.3: the limit on one Party's liability for ``breaches``.

    Breaches are grouped by event or series of related events; each group carries the
    highest cap among its breaches (unlimited above any sum), and the groups add up.
    Consultation paras 30, 31 and 35.
    """
    items = list(breaches)
    if not items:
        raise SecInputError("no breaches given")
    parties = {b.party for b in items}
    if len(parties) != 1:
        raise SecInputError(f"liability is computed per Party; got {sorted(parties)}")
    party = items[0].party
    groups: dict[str, list[Breach]] = {}
    for breach in items:
        require_aware(breach.at, "at")
        groups.setdefault(breach.occurrence, []).append(breach)
    total: Decimal | None = Decimal(0)
    paragraphs: list[str] = []
    unlimited_group = False
    for members in groups.values():
        caps = []
        for breach in members:
            cap, paragraph, _ = per_event_cap(
                breach.marking, party == dcc, breach.at.date(), parameters
            )
            caps.append(cap)
            if paragraph not in paragraphs:
                paragraphs.append(paragraph)
        if any(c is None for c in caps):
            unlimited_group = True
            continue
        if total is not None:
            total += max(c for c in caps if c is not None)
    if unlimited_group:
        total = None
    return LiabilityLimit(
        cap_gbp=total,
        per_event_cap_gbp=None,
        occurrences=len(groups),
        clause=LIABILITY_CLAUSE,
        paragraph="; ".join(paragraphs),
        basis=f"{len(items)} breaches by {party} in {len(groups)} event(s) or series",
    )


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
