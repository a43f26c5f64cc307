"""The Implementation Performance Regime: milestones, their reviews and their history.

DCC Licence Schedule 3 sets Implementation Milestones, each with an Implementation Due Date
and Implementation Milestone Criteria. Under Part F paragraph 3.8 the DCC reviews, after
Implementation Milestone 4, the dates and criteria that remain in force, and the Secretary
of State may direct that they be varied; as licensed that review "can only take place once"
(consultation para 47). Chapter 8 amends Part F so that further reviews may vary them again
(paras 48 and 50). The number of reviews allowed is the dated parameter
``ipr/review_limit.yaml``.

``ImplementationMilestoneRegister`` keeps each milestone's terms as a history: the original
terms, then one version per Secretary of State direction that varied them, each from the
date of the direction. A direction may vary only milestones not yet achieved (the dates and
criteria "that remain in force", para 47). Storage sits behind ``MilestoneRepository``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final, Protocol

from opendcc.sec.outcome import Refusal, RefusalKind, SecInputError, not_found
from opendcc.sec.params import ParameterSet, default_parameters

REVIEW_CLAUSE: Final = "DCC Licence Schedule 3, Part F, paragraph 3.8"


@dataclass(frozen=True, slots=True)
class ImplementationMilestone:
    """A milestone as first set: its Implementation Due Date and Criteria."""

    milestone_id: str
    title: str
    due_date: date
    criteria: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MilestoneTerms:
    """The terms of a milestone from ``effective_from``, and the direction that set them."""

    milestone_id: str
    due_date: date
    criteria: tuple[str, ...]
    effective_from: date | None
    direction_id: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "milestone_id": self.milestone_id,
            "due_date": self.due_date.isoformat(),
            "criteria": list(self.criteria),
            "effective_from": None
            if self.effective_from is None
            else self.effective_from.isoformat(),
            "direction_id": self.direction_id,
        }


@dataclass(frozen=True, slots=True)
class MilestoneVariation:
    """A direction's change to one milestone: a new due date, new criteria, or both."""

    milestone_id: str
    due_date: date | None = None
    criteria: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SecretaryOfStateDirection:
    """A review's outcome: the Secretary of State directs variations of milestones."""

    direction_id: str
    issued_on: date
    variations: tuple[MilestoneVariation, ...]
    summary: str = ""


@dataclass(frozen=True, slots=True)
class MilestoneRecord:
    """A milestone, the history of its terms, and when it was achieved."""

    milestone: ImplementationMilestone
    history: tuple[MilestoneTerms, ...]
    achieved_on: date | None = None

    @property
    def milestone_id(self) -> str:
        return self.milestone.milestone_id

    def terms_on(self, on: date) -> MilestoneTerms:
        """The terms in force on ``on`` (the original ones before any direction)."""
        current = self.history[0]
        for terms in self.history[1:]:
            if terms.effective_from is not None and terms.effective_from <= on:
                current = terms
        return current

    def days_late(self, on: date) -> int:
        """Days past the due date then in force: at achievement, or ``on`` if not achieved."""
        reference = self.achieved_on if self.achieved_on is not None else on
        due = self.terms_on(reference).due_date
        return max(0, (reference - due).days)

    def to_json(self, on: date) -> dict[str, object]:
        current = self.terms_on(on)
        return {
            "milestone_id": self.milestone_id,
            "title": self.milestone.title,
            "due_date": current.due_date.isoformat(),
            "criteria": list(current.criteria),
            "achieved_on": None if self.achieved_on is None else self.achieved_on.isoformat(),
            "days_late": self.days_late(on),
            "history": [t.to_json() for t in self.history],
        }


class MilestoneRepository(Protocol):
    def put_milestone(self, record: MilestoneRecord) -> None: ...

    def milestone(self, milestone_id: str) -> MilestoneRecord | None: ...

    def milestones(self) -> Sequence[MilestoneRecord]: ...

    def add_direction(self, direction: SecretaryOfStateDirection) -> None: ...

    def directions(self) -> Sequence[SecretaryOfStateDirection]: ...


@dataclass
class InMemoryMilestoneRepository:
    _milestones: dict[str, MilestoneRecord] = field(default_factory=dict)
    _directions: list[SecretaryOfStateDirection] = field(default_factory=list)

    def put_milestone(self, record: MilestoneRecord) -> None:
        self._milestones[record.milestone_id] = record

    def milestone(self, milestone_id: str) -> MilestoneRecord | None:
        return self._milestones.get(milestone_id)

    def milestones(self) -> Sequence[MilestoneRecord]:
        return list(self._milestones.values())

    def add_direction(self, direction: SecretaryOfStateDirection) -> None:
        self._directions.append(direction)

    def directions(self) -> Sequence[SecretaryOfStateDirection]:
        return list(self._directions)


class ImplementationMilestoneRegister:
    """Milestones, achievements and reviews under DCC Licence Schedule 3."""

    def __init__(
        self,
        repository: MilestoneRepository | None = None,
        parameters: ParameterSet | None = None,
    ) -> None:
        self.repository: MilestoneRepository = repository or InMemoryMilestoneRepository()
        self.parameters = parameters or default_parameters()

    def add_milestone(self, milestone: ImplementationMilestone) -> MilestoneRecord | Refusal:
        """Schedule 3: set a milestone with its Implementation Due Date and Criteria (para 47)."""
        if not milestone.milestone_id.strip():
            raise SecInputError("a milestone needs an id")
        if self.repository.milestone(milestone.milestone_id) is not None:
            return Refusal(
                reason=f"milestone {milestone.milestone_id} is already set",
                kind=RefusalKind.CONFLICT,
            )
        record = MilestoneRecord(
            milestone=milestone,
            history=(
                MilestoneTerms(
                    milestone_id=milestone.milestone_id,
                    due_date=milestone.due_date,
                    criteria=milestone.criteria,
                    effective_from=None,
                    direction_id=None,
                ),
            ),
        )
        self.repository.put_milestone(record)
        return record

    def record_achievement(self, milestone_id: str, achieved_on: date) -> MilestoneRecord | Refusal:
        """Schedule 3: record the date a milestone was achieved (consultation para 47)."""
        record = self.repository.milestone(milestone_id)
        if record is None:
            return not_found(f"milestone {milestone_id!r}")
        if record.achieved_on is not None:
            return Refusal(
                reason=f"milestone {milestone_id} was already achieved on "
                f"{record.achieved_on.isoformat()}",
                kind=RefusalKind.CONFLICT,
            )
        achieved = replace(record, achieved_on=achieved_on)
        self.repository.put_milestone(achieved)
        return achieved

    def reviews_allowed(self, on: date) -> int | None:
        """How many reviews the regime in force on ``on`` allows (None: no limit)."""
        return self.parameters.count("ipr.review_limit", on)

    def apply_direction(
        self, direction: SecretaryOfStateDirection
    ) -> SecretaryOfStateDirection | Refusal:
        """Schedule 3 Part F: vary milestones as the Secretary of State directs.

        Refused when the regime in force allows no further review (one review before the
        chapter 8 amendment: para 47; any number after it: paras 48, 50), when a variation
        names an unknown or already achieved milestone, or changes nothing.
        """
        previous = self.repository.directions()
        if any(d.direction_id == direction.direction_id for d in previous):
            return Refusal(
                reason=f"direction {direction.direction_id} is already recorded",
                kind=RefusalKind.CONFLICT,
            )
        if previous and direction.issued_on < max(d.issued_on for d in previous):
            return Refusal(
                reason="directions are recorded in the order they were issued",
                kind=RefusalKind.CONFLICT,
            )
        limit = self.reviews_allowed(direction.issued_on)
        if limit is not None and len(previous) >= limit:
            return Refusal(
                reason=f"the review regime in force on {direction.issued_on.isoformat()} allows "
                f"{limit} review(s) of the Implementation Due Dates and Criteria, and "
                f"{len(previous)} took place",
                clause=REVIEW_CLAUSE,
                paragraph="47",
            )
        if not direction.variations:
            return Refusal(reason="a direction varies at least one milestone", clause=REVIEW_CLAUSE)
        updated: list[MilestoneRecord] = []
        for variation in direction.variations:
            record = self.repository.milestone(variation.milestone_id)
            if record is None:
                return not_found(f"milestone {variation.milestone_id!r}")
            if record.achieved_on is not None and record.achieved_on <= direction.issued_on:
                return Refusal(
                    reason=f"milestone {variation.milestone_id} was achieved on "
                    f"{record.achieved_on.isoformat()}; only dates and criteria that remain in "
                    "force may be varied",
                    clause=REVIEW_CLAUSE,
                    paragraph="47",
                )
            if variation.due_date is None and variation.criteria is None:
                return Refusal(
                    reason=f"the variation of {variation.milestone_id} changes nothing",
                    clause=REVIEW_CLAUSE,
                )
            current = record.terms_on(direction.issued_on)
            terms = MilestoneTerms(
                milestone_id=record.milestone_id,
                due_date=variation.due_date or current.due_date,
                criteria=variation.criteria if variation.criteria is not None else current.criteria,
                effective_from=direction.issued_on,
                direction_id=direction.direction_id,
            )
            updated.append(replace(record, history=(*record.history, terms)))
        for record in updated:
            self.repository.put_milestone(record)
        self.repository.add_direction(direction)
        return direction

    def milestone(self, milestone_id: str) -> MilestoneRecord | None:
        return self.repository.milestone(milestone_id)

    def milestones(self) -> list[MilestoneRecord]:
        return sorted(self.repository.milestones(), key=lambda r: r.milestone_id)
