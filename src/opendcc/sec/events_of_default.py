"""Events of Default and the Panel's suspensions of a Defaulting Party's rights (M8).

Where a Party is in an Event of Default (M8.1) the Panel may suspend the rights listed in
M8.6 (M8.4(f)); some need the Authority's approval first. This module records the Events
of Default and the Panel's decisions, and refuses a decision the drafting of M8.6 in force
does not allow: a right no limb reaches, or one whose limb needs approval that is missing
or given only after the suspension takes effect (the consent is prior, consultation para
37). Each accepted suspension keeps the drafting and the limb that allowed each right, so
a refusal at the DCC User Interface can name the clause. Lifting a suspension ends it at an
instant; requests after that instant are served again.

Storage sits behind ``SuspensionRepository``; ``InMemorySuspensionRepository`` is the
reference implementation the hub's SQLite and PostgreSQL stores mirror.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from opendcc.roles import UserRole
from opendcc.sec.m86 import Drafting, DraftingId, DraftingTimeline, load_timeline
from opendcc.sec.outcome import Refusal, RefusalKind, not_found, require_aware
from opendcc.sec.parties import PartyId
from opendcc.sec.services import ServiceCategory


@dataclass(frozen=True, slots=True)
class EventOfDefault:
    """An Event of Default recorded against a Party (M8.1)."""

    event_id: str
    party: PartyId
    occurred_at: datetime
    recorded_at: datetime
    description: str

    def to_json(self) -> dict[str, object]:
        return {
            "event_id": self.event_id,
            "party": self.party,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "description": self.description,
            "clause": "M8.1",
        }


@dataclass(frozen=True, slots=True)
class SuspendedRight:
    """A right named in a suspension: a service category in some User Roles."""

    category: ServiceCategory
    roles: frozenset[UserRole]

    @classmethod
    def of(cls, category: ServiceCategory, *roles: UserRole) -> SuspendedRight:
        """The right to ``category`` in ``roles`` (every User Role when none are given)."""
        return cls(category=category, roles=frozenset(roles or UserRole))

    def to_json(self) -> dict[str, object]:
        return {
            "service": self.category.value,
            "roles": sorted(role.value for role in self.roles),
        }


@dataclass(frozen=True, slots=True)
class AuthorityApproval:
    """The Authority's approval of a suspension, where M8.6 requires it."""

    reference: str
    approved_at: datetime


@dataclass(frozen=True, slots=True)
class SuspensionDecision:
    """The Panel's decision to suspend rights of a Defaulting Party (M8.4(f), M8.6)."""

    suspension_id: str
    party: PartyId
    event_of_default_id: str
    rights: tuple[SuspendedRight, ...]
    decided_at: datetime
    effective_from: datetime
    approval: AuthorityApproval | None = None
    panel_reference: str = ""


@dataclass(frozen=True, slots=True)
class RightBasis:
    """The limb of M8.6 that allowed one suspended (category, role) pair."""

    category: ServiceCategory
    role: UserRole
    clause: str
    approval_required: bool


@dataclass(frozen=True, slots=True)
class Suspension:
    """An accepted suspension, the drafting it was decided under, and when it was lifted."""

    decision: SuspensionDecision
    drafting: DraftingId
    basis: tuple[RightBasis, ...]
    lifted_at: datetime | None = None
    lift_reason: str = ""

    @property
    def suspension_id(self) -> str:
        return self.decision.suspension_id

    @property
    def party(self) -> PartyId:
        return self.decision.party

    @property
    def approval_required(self) -> bool:
        return any(b.approval_required for b in self.basis)

    def in_force(self, at: datetime) -> bool:
        """True from ``effective_from`` until (not including) the instant it was lifted."""
        if at < self.decision.effective_from:
            return False
        return self.lifted_at is None or at < self.lifted_at

    def covering(self, categories: Iterable[ServiceCategory], role: UserRole) -> RightBasis | None:
        """The suspended (category, role) pair a request in ``categories`` and ``role`` hits."""
        wanted = frozenset(categories)
        for basis in self.basis:
            if basis.role is role and basis.category in wanted:
                return basis
        return None

    def to_json(self) -> dict[str, object]:
        decision = self.decision
        return {
            "suspension_id": decision.suspension_id,
            "party": decision.party,
            "event_of_default_id": decision.event_of_default_id,
            "drafting": self.drafting.value,
            "rights": [right.to_json() for right in decision.rights],
            "clauses": sorted({b.clause for b in self.basis}),
            "approval_required": self.approval_required,
            "approval": None
            if decision.approval is None
            else {
                "reference": decision.approval.reference,
                "approved_at": decision.approval.approved_at.isoformat(),
            },
            "decided_at": decision.decided_at.isoformat(),
            "effective_from": decision.effective_from.isoformat(),
            "lifted_at": None if self.lifted_at is None else self.lifted_at.isoformat(),
            "lift_reason": self.lift_reason,
        }


def validate_suspension(
    decision: SuspensionDecision, drafting: Drafting, event: EventOfDefault | None
) -> tuple[RightBasis, ...] | Refusal:
    """M8.4(f) and M8.6: the basis of each suspended right, or why the Panel may not do this.

    Refuses a decision without an Event of Default of that Party (M8.4), a right the
    drafting's limbs do not reach (the gap's clause is named), and a right whose limb is
    "subject to the Authority's approval" when no approval precedes the suspension.
    Consultation paras 37 to 40 and Annex F.
    """
    for name in ("decided_at", "effective_from"):
        require_aware(getattr(decision, name), name)
    if event is None:
        return Refusal(
            reason=f"no Event of Default {decision.event_of_default_id!r} is recorded",
            clause="M8.4",
            paragraph="37",
            kind=RefusalKind.NOT_FOUND,
        )
    if event.party != decision.party:
        return Refusal(
            reason=f"Event of Default {event.event_id} is against {event.party}, "
            f"not {decision.party}",
            clause="M8.4",
            paragraph="37",
        )
    if event.occurred_at > decision.decided_at:
        return Refusal(
            reason="the Panel cannot decide a suspension before the Event of Default occurs",
            clause="M8.4",
            paragraph="37",
        )
    if decision.effective_from < decision.decided_at:
        return Refusal(
            reason="a suspension cannot take effect before the Panel decides it",
            clause="M8.4(f)",
            paragraph="37",
            kind=RefusalKind.CONFLICT,
        )
    if not decision.rights or any(not right.roles for right in decision.rights):
        return Refusal(
            reason="a suspension names at least one right, in at least one User Role",
            clause="M8.4(f)",
            paragraph="37",
        )
    basis: list[RightBasis] = []
    for right in decision.rights:
        for role in sorted(right.roles):
            assessment = drafting.assess(right.category, role)
            if not assessment.suspendable:
                return Refusal(
                    reason=f"under the {drafting.title} the Panel may not suspend "
                    f"{right.category.full_name} in the '{role.sec_name}' User Role: "
                    f"{assessment.explanation}",
                    clause=assessment.clause,
                    paragraph=assessment.paragraph,
                )
            if assessment.approval_required:
                approval = decision.approval
                if approval is None:
                    return Refusal(
                        reason=f"suspending {right.category.full_name} in the '{role.sec_name}' "
                        f"User Role is subject to the Authority's approval under the "
                        f"{drafting.title}, and none is recorded",
                        clause=assessment.clause,
                        paragraph=assessment.paragraph,
                    )
                require_aware(approval.approved_at, "approved_at")
                if approval.approved_at > decision.effective_from:
                    return Refusal(
                        reason="the Authority's approval must be given before the suspension "
                        "takes effect (prior consent)",
                        clause=assessment.clause,
                        paragraph="37",
                    )
            basis.append(
                RightBasis(
                    category=right.category,
                    role=role,
                    clause=assessment.clause,
                    approval_required=assessment.approval_required,
                )
            )
    return tuple(basis)


class SuspensionRepository(Protocol):
    """Where Events of Default and suspensions are kept (SQLite or PostgreSQL in the hub)."""

    def add_event_of_default(self, event: EventOfDefault) -> None: ...

    def event_of_default(self, event_id: str) -> EventOfDefault | None: ...

    def events_of_default(self, party: PartyId | None = None) -> Sequence[EventOfDefault]: ...

    def add_suspension(self, suspension: Suspension) -> None: ...

    def update_suspension(self, suspension: Suspension) -> None: ...

    def suspension(self, suspension_id: str) -> Suspension | None: ...

    def suspensions(self, party: PartyId | None = None) -> Sequence[Suspension]:
        """Every suspension of ``party`` (all Parties when None), in force or not."""
        ...


class InMemorySuspensionRepository:
    """A ``SuspensionRepository`` held in dictionaries."""

    def __init__(self) -> None:
        self._events: dict[str, EventOfDefault] = {}
        self._suspensions: dict[str, Suspension] = {}
        self._by_party: dict[PartyId, tuple[Suspension, ...]] = {}

    def add_event_of_default(self, event: EventOfDefault) -> None:
        self._events[event.event_id] = event

    def event_of_default(self, event_id: str) -> EventOfDefault | None:
        return self._events.get(event_id)

    def events_of_default(self, party: PartyId | None = None) -> Sequence[EventOfDefault]:
        return [e for e in self._events.values() if party is None or e.party == party]

    def add_suspension(self, suspension: Suspension) -> None:
        self._suspensions[suspension.suspension_id] = suspension
        self._reindex(suspension.party)

    def update_suspension(self, suspension: Suspension) -> None:
        self.add_suspension(suspension)

    def suspension(self, suspension_id: str) -> Suspension | None:
        return self._suspensions.get(suspension_id)

    def suspensions(self, party: PartyId | None = None) -> Sequence[Suspension]:
        if party is None:
            return list(self._suspensions.values())
        return self._by_party.get(party, ())

    def _reindex(self, party: PartyId) -> None:
        self._by_party[party] = tuple(s for s in self._suspensions.values() if s.party == party)


class EventOfDefaultRegister:
    """Records Events of Default and applies M8.6 to the Panel's suspension decisions."""

    def __init__(
        self,
        repository: SuspensionRepository | None = None,
        timeline: DraftingTimeline | None = None,
    ) -> None:
        self.repository: SuspensionRepository = repository or InMemorySuspensionRepository()
        self.timeline = timeline or load_timeline()

    def record_event_of_default(self, event: EventOfDefault) -> EventOfDefault | Refusal:
        """M8.1: record that ``event.party`` is in an Event of Default (consultation para 37)."""
        require_aware(event.occurred_at, "occurred_at")
        require_aware(event.recorded_at, "recorded_at")
        if self.repository.event_of_default(event.event_id) is not None:
            return Refusal(
                reason=f"Event of Default {event.event_id} is already recorded",
                kind=RefusalKind.CONFLICT,
            )
        self.repository.add_event_of_default(event)
        return event

    def decide_suspension(
        self, decision: SuspensionDecision, drafting: DraftingId | None = None
    ) -> Suspension | Refusal:
        """M8.4(f), M8.6: accept the Panel's decision, or refuse it naming the clause.

        The drafting is the one in force when the Panel decides (``drafting`` overrides
        that, for what-if evaluation). Consultation paras 37 to 40 and Annex F.
        """
        require_aware(decision.decided_at, "decided_at")
        if self.repository.suspension(decision.suspension_id) is not None:
            return Refusal(
                reason=f"suspension {decision.suspension_id} is already recorded",
                kind=RefusalKind.CONFLICT,
            )
        chosen = (
            self.timeline.drafting(drafting)
            if drafting is not None
            else self.timeline.in_force(decision.decided_at.date())
        )
        event = self.repository.event_of_default(decision.event_of_default_id)
        basis = validate_suspension(decision, chosen, event)
        if isinstance(basis, Refusal):
            return basis
        suspension = Suspension(decision=decision, drafting=chosen.drafting_id, basis=basis)
        self.repository.add_suspension(suspension)
        return suspension

    def lift(self, suspension_id: str, at: datetime, reason: str = "") -> Suspension | Refusal:
        """M8.4(f): end a suspension at ``at``; requests from then on are served again.

        Consultation para 37 (the Panel's power to suspend, and so to restore, rights).
        """
        require_aware(at, "at")
        suspension = self.repository.suspension(suspension_id)
        if suspension is None:
            return not_found(f"suspension {suspension_id!r}")
        if suspension.lifted_at is not None:
            return Refusal(
                reason=f"suspension {suspension_id} was already lifted at "
                f"{suspension.lifted_at.isoformat()}",
                kind=RefusalKind.CONFLICT,
            )
        if at < suspension.decision.decided_at:
            return Refusal(
                reason="a suspension cannot be lifted before it was decided",
                kind=RefusalKind.CONFLICT,
            )
        lifted = replace(suspension, lifted_at=at, lift_reason=reason)
        self.repository.update_suspension(lifted)
        return lifted

    def in_force(self, party: PartyId, at: datetime) -> list[Suspension]:
        """The suspensions of ``party`` in force at ``at``."""
        require_aware(at, "at")
        return [s for s in self.repository.suspensions(party) if s.in_force(at)]
