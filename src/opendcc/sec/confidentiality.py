"""Confidentiality markings (Section M4 as the March 2015 consultation redrafts it).

Information the system produces or receives (reports, documents, data sets) is registered
as an ``InformationItem``; its marking is 'none', 'confidential' or 'classified', with who
marked it, why, and when. The rules (consultation chapter 5):

- any Party, the DCC included, may mark information it provides 'confidential' (M4.8;
  para 31(i), 34);
- only the DCC may mark 'classified' (M4.8; para 31(ii)), and only where its three
  conditions are recorded as met: the data relates to one of its Service Providers; an
  existing Service Provider contract binds the DCC to keep it confidential with unlimited
  liability for breach; the DCC is not otherwise required (by law, say) to make it public
  (M4.8 with M4.22 and M4.24; para 33);
- the DCC may itself mark 'confidential' only where its three conditions are recorded as
  met: the data belongs or relates to the DCC or the Services; its uncontrolled release
  could reasonably be considered prejudicial to the DCC or its Service Providers; it is
  neither classified nor already required to be made public (para 34; the document's
  "does not conform to the definition of confidential" is read as "classified", as
  PRODUCT.md and the structure of paras 33 and 34 require);
- a Party may dispute a DCC marking; the dispute is recorded and referred to an arbitrator,
  whose award upholds the marking or sets it aside (para 35).

Markings keep their history: a new marking supersedes the one before from its instant, so
``marking_at`` answers for any moment. Storage sits behind ``ConfidentialityRepository``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final, Protocol

from opendcc.sec.outcome import Refusal, RefusalKind, SecInputError, not_found, require_aware
from opendcc.sec.parties import DCC, PartyId


class Marking(enum.StrEnum):
    """The markings of M4.8 as the consultation proposes them; NONE is unmarked."""

    NONE = "none"
    CONFIDENTIAL = "confidential"
    CLASSIFIED = "classified"

    @classmethod
    def parse(cls, text: str) -> Marking:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise SecInputError(
                f"not a marking: {text!r} (none, confidential or classified)"
            ) from None


class ClassifiedCondition(enum.StrEnum):
    """The three conditions for the DCC to mark 'classified' (para 33 (i) to (iii))."""

    RELATES_TO_SERVICE_PROVIDER = "relates_to_service_provider"
    SERVICE_PROVIDER_CONTRACT_UNLIMITED_LIABILITY = "service_provider_contract_unlimited_liability"
    NOT_REQUIRED_TO_BE_PUBLIC = "not_required_to_be_public"


class DccConfidentialCondition(enum.StrEnum):
    """The three conditions for the DCC to mark 'confidential' (para 34 (i) to (iii))."""

    BELONGS_OR_RELATES_TO_DCC_OR_SERVICES = "belongs_or_relates_to_dcc_or_services"
    RELEASE_PREJUDICIAL_TO_DCC = "release_prejudicial_to_dcc"
    NOT_CLASSIFIED_NOR_REQUIRED_PUBLIC = "not_classified_nor_required_public"


CONDITION_TEXT: Final[Mapping[str, str]] = {
    ClassifiedCondition.RELATES_TO_SERVICE_PROVIDER: (
        "the data relates to one of the DCC's Service Providers"
    ),
    ClassifiedCondition.SERVICE_PROVIDER_CONTRACT_UNLIMITED_LIABILITY: (
        "an existing Service Provider contract obliges the DCC to keep it confidential, "
        "with unlimited liability for breach"
    ),
    ClassifiedCondition.NOT_REQUIRED_TO_BE_PUBLIC: (
        "the DCC is not otherwise required (for example by law) to make it public"
    ),
    DccConfidentialCondition.BELONGS_OR_RELATES_TO_DCC_OR_SERVICES: (
        "the data belongs to the DCC or relates to the DCC or the Services"
    ),
    DccConfidentialCondition.RELEASE_PREJUDICIAL_TO_DCC: (
        "its uncontrolled release could reasonably be considered prejudicial to the DCC "
        "(including its Service Providers)"
    ),
    DccConfidentialCondition.NOT_CLASSIFIED_NOR_REQUIRED_PUBLIC: (
        "it is not classified and not already required to be made public"
    ),
}


class ItemKind(enum.StrEnum):
    """What an information item is."""

    REPORT = "report"
    DOCUMENT = "document"
    DATA_SET = "data_set"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class InformationItem:
    """A report, document, data set or file the system produces or receives."""

    item_id: str
    title: str
    kind: ItemKind
    provided_by: PartyId
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class ConditionRecord:
    """A marking condition recorded as met or not, with the evidence for it."""

    condition: str
    met: bool
    evidence: str = ""


class MarkingSource(enum.StrEnum):
    """Who put a marking in place: the marking Party, or an arbitrator's award."""

    PARTY = "party"
    ARBITRATION = "arbitration"


@dataclass(frozen=True, slots=True)
class MarkingRecord:
    """A marking of an item from an instant on, who made it, why, and on what conditions."""

    item_id: str
    marking: Marking
    marked_by: PartyId
    reason: str
    at: datetime
    conditions: tuple[ConditionRecord, ...] = ()
    source: MarkingSource = MarkingSource.PARTY
    clause: str = "M4.8"

    def to_json(self) -> dict[str, object]:
        return {
            "item_id": self.item_id,
            "marking": self.marking.value,
            "marked_by": self.marked_by,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "conditions": [
                {"condition": c.condition, "met": c.met, "evidence": c.evidence}
                for c in self.conditions
            ],
            "source": self.source.value,
            "clause": self.clause,
        }


@dataclass(frozen=True, slots=True)
class MarkingRequest:
    """A Party's request to mark an item."""

    item_id: str
    marking: Marking
    marked_by: PartyId
    reason: str
    at: datetime
    conditions: tuple[ConditionRecord, ...] = ()


class DisputeStatus(enum.StrEnum):
    REFERRED_TO_ARBITRATION = "referred_to_arbitration"
    UPHELD = "upheld"
    SET_ASIDE = "set_aside"


@dataclass(frozen=True, slots=True)
class MarkingDispute:
    """A Party's dispute of a DCC marking, referred to an arbitrator (para 35)."""

    dispute_id: str
    item_id: str
    disputed_marking: Marking
    raised_by: PartyId
    grounds: str
    raised_at: datetime
    status: DisputeStatus = DisputeStatus.REFERRED_TO_ARBITRATION
    resolved_at: datetime | None = None
    award: str = ""
    clause: str = "M4.8"
    paragraph: str = "35"

    def to_json(self) -> dict[str, object]:
        return {
            "dispute_id": self.dispute_id,
            "item_id": self.item_id,
            "disputed_marking": self.disputed_marking.value,
            "raised_by": self.raised_by,
            "grounds": self.grounds,
            "raised_at": self.raised_at.isoformat(),
            "status": self.status.value,
            "resolved_at": None if self.resolved_at is None else self.resolved_at.isoformat(),
            "award": self.award,
        }


class ConfidentialityRepository(Protocol):
    """Where items, their marking history and disputes are kept."""

    def add_item(self, item: InformationItem) -> None: ...

    def item(self, item_id: str) -> InformationItem | None: ...

    def append_marking(self, record: MarkingRecord) -> None: ...

    def markings(self, item_id: str) -> Sequence[MarkingRecord]:
        """The item's marking history, oldest first."""
        ...

    def put_dispute(self, dispute: MarkingDispute) -> None: ...

    def dispute(self, dispute_id: str) -> MarkingDispute | None: ...

    def disputes(self, item_id: str | None = None) -> Sequence[MarkingDispute]: ...


@dataclass
class InMemoryConfidentialityRepository:
    """A ``ConfidentialityRepository`` held in dictionaries."""

    _items: dict[str, InformationItem] = field(default_factory=dict)
    _markings: dict[str, list[MarkingRecord]] = field(default_factory=dict)
    _disputes: dict[str, MarkingDispute] = field(default_factory=dict)

    def add_item(self, item: InformationItem) -> None:
        self._items[item.item_id] = item

    def item(self, item_id: str) -> InformationItem | None:
        return self._items.get(item_id)

    def append_marking(self, record: MarkingRecord) -> None:
        history = self._markings.setdefault(record.item_id, [])
        history.append(record)
        history.sort(key=lambda r: r.at)

    def markings(self, item_id: str) -> Sequence[MarkingRecord]:
        return tuple(self._markings.get(item_id, ()))

    def put_dispute(self, dispute: MarkingDispute) -> None:
        self._disputes[dispute.dispute_id] = dispute

    def dispute(self, dispute_id: str) -> MarkingDispute | None:
        return self._disputes.get(dispute_id)

    def disputes(self, item_id: str | None = None) -> Sequence[MarkingDispute]:
        return [d for d in self._disputes.values() if item_id is None or d.item_id == item_id]


def check_marking(
    request: MarkingRequest, item: InformationItem, dcc: PartyId = DCC
) -> Refusal | None:
    """M4.8, M4.22, M4.24: None when ``request`` may be made, else the refusal.

    Consultation paras 31 to 34: only the DCC marks 'classified', and only with its three
    conditions recorded as met; the DCC marks 'confidential' only with its own three
    conditions met; any other Party may mark 'confidential'. A Party marks information it
    provides (it is the Party "providing it", para 27).
    """
    if request.marked_by != item.provided_by:
        return Refusal(
            reason=f"{request.marked_by} did not provide item {item.item_id} "
            f"(provided by {item.provided_by}); a Party marks the information it provides",
            clause="M4.8",
            paragraph="27, 31",
        )
    if request.marking is Marking.CLASSIFIED:
        if request.marked_by != dcc:
            return Refusal(
                reason="only the DCC may mark information 'classified'",
                clause="M4.8",
                paragraph="31(ii)",
            )
        return _unmet(request, tuple(ClassifiedCondition), "M4.8, M4.22, M4.24", "33")
    if request.marking is Marking.CONFIDENTIAL and request.marked_by == dcc:
        return _unmet(request, tuple(DccConfidentialCondition), "M4.8, M4.22, M4.24", "34")
    return None


def _unmet(
    request: MarkingRequest, required: tuple[str, ...], clause: str, paragraph: str
) -> Refusal | None:
    recorded = {c.condition: c for c in request.conditions}
    unknown = set(recorded) - set(required)
    if unknown:
        return Refusal(
            reason=f"conditions {sorted(unknown)} do not apply to a '{request.marking}' marking "
            "by the DCC",
            clause=clause,
            paragraph=paragraph,
        )
    for condition in required:
        record = recorded.get(condition)
        if record is None or not record.met:
            state = "not recorded" if record is None else "recorded as not met"
            return Refusal(
                reason=f"the DCC may mark '{request.marking}' only where "
                f"{CONDITION_TEXT[condition]}: condition {condition!r} is {state}",
                clause=clause,
                paragraph=paragraph,
            )
    return None


class ConfidentialityRegister:
    """The register of information items and their markings, with marking rules enforced."""

    def __init__(
        self, repository: ConfidentialityRepository | None = None, dcc: PartyId = DCC
    ) -> None:
        self.repository: ConfidentialityRepository = (
            repository or InMemoryConfidentialityRepository()
        )
        self.dcc = dcc

    def register_item(self, item: InformationItem) -> InformationItem | Refusal:
        require_aware(item.registered_at, "registered_at")
        if not item.item_id:
            raise SecInputError("an information item needs an id")
        if self.repository.item(item.item_id) is not None:
            return Refusal(
                reason=f"item {item.item_id} is already registered", kind=RefusalKind.CONFLICT
            )
        self.repository.add_item(item)
        return item

    def item(self, item_id: str) -> InformationItem | None:
        return self.repository.item(item_id)

    def mark(self, request: MarkingRequest) -> MarkingRecord | Refusal:
        """M4.8, M4.22, M4.24: record ``request``'s marking if allowed, else refuse.

        Consultation paras 27 and 31 to 34 (see ``check_marking``).
        """
        require_aware(request.at, "at")
        item = self.repository.item(request.item_id)
        if item is None:
            return not_found(f"item {request.item_id!r}")
        if request.at < item.registered_at:
            return Refusal(
                reason="an item cannot be marked before it is registered",
                kind=RefusalKind.CONFLICT,
            )
        refusal = check_marking(request, item, self.dcc)
        if refusal is not None:
            return refusal
        record = MarkingRecord(
            item_id=request.item_id,
            marking=request.marking,
            marked_by=request.marked_by,
            reason=request.reason,
            at=request.at,
            conditions=request.conditions,
            clause="M4.8, M4.22, M4.24"
            if request.marked_by == self.dcc and request.marking is not Marking.NONE
            else "M4.8",
        )
        self.repository.append_marking(record)
        return record

    def marking_at(self, item_id: str, at: datetime) -> MarkingRecord | None:
        """The marking in force for ``item_id`` at ``at``; None when it was unmarked."""
        require_aware(at, "at")
        current = None
        for record in self.repository.markings(item_id):
            if record.at <= at:
                current = record
        if current is None or current.marking is Marking.NONE:
            return None
        return current

    def history(self, item_id: str) -> Sequence[MarkingRecord]:
        return self.repository.markings(item_id)

    def dispute(
        self, dispute_id: str, item_id: str, raised_by: PartyId, grounds: str, at: datetime
    ) -> MarkingDispute | Refusal:
        """M4.8: a Party disputes the DCC's marking; it is referred to an arbitrator.

        Consultation para 35.
        """
        require_aware(at, "at")
        if self.repository.dispute(dispute_id) is not None:
            return Refusal(
                reason=f"dispute {dispute_id} is already recorded", kind=RefusalKind.CONFLICT
            )
        marking = self.marking_at(item_id, at)
        if marking is None or marking.marked_by != self.dcc:
            return Refusal(
                reason=f"item {item_id} carries no DCC marking to dispute",
                clause="M4.8",
                paragraph="35",
            )
        if raised_by == self.dcc:
            return Refusal(
                reason="the DCC does not dispute its own marking", clause="M4.8", paragraph="35"
            )
        dispute = MarkingDispute(
            dispute_id=dispute_id,
            item_id=item_id,
            disputed_marking=marking.marking,
            raised_by=raised_by,
            grounds=grounds,
            raised_at=at,
        )
        self.repository.put_dispute(dispute)
        return dispute

    def resolve_dispute(
        self,
        dispute_id: str,
        upheld: bool,
        at: datetime,
        award: str,
        new_marking: Marking = Marking.NONE,
    ) -> MarkingDispute | Refusal:
        """M4.8: record the arbitrator's award; setting aside re-marks the item as awarded.

        Consultation para 35.
        """
        require_aware(at, "at")
        dispute = self.repository.dispute(dispute_id)
        if dispute is None:
            return not_found(f"dispute {dispute_id!r}")
        if dispute.status is not DisputeStatus.REFERRED_TO_ARBITRATION:
            return Refusal(
                reason=f"dispute {dispute_id} was already resolved", kind=RefusalKind.CONFLICT
            )
        if at < dispute.raised_at:
            return Refusal(reason="an award cannot precede the dispute", kind=RefusalKind.CONFLICT)
        if not upheld:
            if new_marking is dispute.disputed_marking:
                return Refusal(
                    reason="setting a marking aside must change it", kind=RefusalKind.CONFLICT
                )
            self.repository.append_marking(
                MarkingRecord(
                    item_id=dispute.item_id,
                    marking=new_marking,
                    marked_by=self.dcc,
                    reason=f"arbitration award on dispute {dispute_id}: {award}",
                    at=at,
                    source=MarkingSource.ARBITRATION,
                )
            )
        resolved = replace(
            dispute,
            status=DisputeStatus.UPHELD if upheld else DisputeStatus.SET_ASIDE,
            resolved_at=at,
            award=award,
        )
        self.repository.put_dispute(resolved)
        return resolved
