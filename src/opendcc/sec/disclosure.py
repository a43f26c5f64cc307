"""The disclosure gate: every report or file the system discloses passes through here.

M4.17 to M4.19 (consultation paras 32 and 36): a Party that wants to receive 'classified'
information nominates named individuals, with contact details, to the DCC. The DCC sends
classified information only to those individuals, and sends a Party that has nominated
nobody no classified information at all. The gate applies that rule to each disclosure at
its instant (nominations can be withdrawn), lets only the DCC disclose 'classified' items
(it alone marks them, M4.8), and discloses 'confidential' and unmarked items to the Party.

Every attempt, disclosed or refused, is appended to the ``DisclosureLog`` with the marking
in force, the recipient (the nominated individual for classified items), the clause and the
reason; that log is the audit trail performance reporting and the SSI read. Performance
reports, whose target and minimum service levels are confidential (para 17), are disclosed
through ``disclose`` like everything else.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from opendcc.sec.confidentiality import ConfidentialityRegister, Marking
from opendcc.sec.outcome import Refusal, RefusalKind, SecInputError, not_found, require_aware
from opendcc.sec.parties import PartyId


@dataclass(frozen=True, slots=True)
class NominatedIndividual:
    """A named individual a Party nominated to receive classified information (M4.17)."""

    nominee_id: str
    party: PartyId
    name: str
    email: str
    phone: str
    nominated_at: datetime
    withdrawn_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        if at < self.nominated_at:
            return False
        return self.withdrawn_at is None or at < self.withdrawn_at

    def to_json(self) -> dict[str, object]:
        return {
            "nominee_id": self.nominee_id,
            "party": self.party,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "nominated_at": self.nominated_at.isoformat(),
            "withdrawn_at": None if self.withdrawn_at is None else self.withdrawn_at.isoformat(),
        }


class DisclosureOutcome(enum.StrEnum):
    DISCLOSED = "disclosed"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class DisclosureRecord:
    """One logged disclosure attempt of an item to a recipient."""

    record_id: str
    item_id: str
    marking: Marking
    discloser: PartyId
    recipient_party: PartyId
    recipient_individual: str | None
    recipient_contact: str | None
    at: datetime
    outcome: DisclosureOutcome
    clause: str
    paragraph: str
    reason: str
    purpose: str

    @property
    def disclosed(self) -> bool:
        return self.outcome is DisclosureOutcome.DISCLOSED

    def to_json(self) -> dict[str, object]:
        return {
            "record_id": self.record_id,
            "item_id": self.item_id,
            "marking": self.marking.value,
            "discloser": self.discloser,
            "recipient_party": self.recipient_party,
            "recipient_individual": self.recipient_individual,
            "recipient_contact": self.recipient_contact,
            "at": self.at.isoformat(),
            "outcome": self.outcome.value,
            "clause": self.clause,
            "paragraph": self.paragraph,
            "reason": self.reason,
            "purpose": self.purpose,
        }


class NomineeRepository(Protocol):
    """Where nominated individuals are kept."""

    def put_nominee(self, nominee: NominatedIndividual) -> None: ...

    def nominee(self, nominee_id: str) -> NominatedIndividual | None: ...

    def nominees(self, party: PartyId) -> Sequence[NominatedIndividual]: ...


class DisclosureLog(Protocol):
    """The append-only log of disclosure attempts."""

    def append(self, record: DisclosureRecord) -> None: ...

    def records(
        self, item_id: str | None = None, party: PartyId | None = None
    ) -> Sequence[DisclosureRecord]: ...


class InMemoryNomineeRepository:
    def __init__(self) -> None:
        self._nominees: dict[str, NominatedIndividual] = {}

    def put_nominee(self, nominee: NominatedIndividual) -> None:
        self._nominees[nominee.nominee_id] = nominee

    def nominee(self, nominee_id: str) -> NominatedIndividual | None:
        return self._nominees.get(nominee_id)

    def nominees(self, party: PartyId) -> Sequence[NominatedIndividual]:
        return [n for n in self._nominees.values() if n.party == party]


class InMemoryDisclosureLog:
    def __init__(self) -> None:
        self._records: list[DisclosureRecord] = []

    def append(self, record: DisclosureRecord) -> None:
        self._records.append(record)

    def records(
        self, item_id: str | None = None, party: PartyId | None = None
    ) -> Sequence[DisclosureRecord]:
        return [
            r
            for r in self._records
            if (item_id is None or r.item_id == item_id)
            and (party is None or r.recipient_party == party)
        ]

    def __len__(self) -> int:
        return len(self._records)


class DisclosureGate:
    """Nominations (M4.17 to M4.19) and the one gate every disclosure passes."""

    def __init__(
        self,
        register: ConfidentialityRegister,
        nominees: NomineeRepository | None = None,
        log: DisclosureLog | None = None,
    ) -> None:
        self.register = register
        self.nominee_repository: NomineeRepository = nominees or InMemoryNomineeRepository()
        self.log: DisclosureLog = log or InMemoryDisclosureLog()

    @property
    def dcc(self) -> PartyId:
        return self.register.dcc

    def nominate(self, nominee: NominatedIndividual) -> NominatedIndividual | Refusal:
        """M4.17: a Party names an individual, with contact details, for classified data.

        Consultation paras 32 and 36.
        """
        require_aware(nominee.nominated_at, "nominated_at")
        if not nominee.name.strip() or not (nominee.email.strip() or nominee.phone.strip()):
            return Refusal(
                reason="a nomination names an individual and gives contact details",
                clause="M4.17",
                paragraph="32, 36",
            )
        if self.nominee_repository.nominee(nominee.nominee_id) is not None:
            return Refusal(
                reason=f"nominee {nominee.nominee_id} is already recorded",
                kind=RefusalKind.CONFLICT,
            )
        self.nominee_repository.put_nominee(replace(nominee, withdrawn_at=None))
        return nominee

    def withdraw(self, nominee_id: str, at: datetime) -> NominatedIndividual | Refusal:
        require_aware(at, "at")
        nominee = self.nominee_repository.nominee(nominee_id)
        if nominee is None:
            return not_found(f"nominee {nominee_id!r}")
        if nominee.withdrawn_at is not None:
            return Refusal(
                reason=f"nominee {nominee_id} was already withdrawn", kind=RefusalKind.CONFLICT
            )
        withdrawn = replace(nominee, withdrawn_at=at)
        self.nominee_repository.put_nominee(withdrawn)
        return withdrawn

    def nominees_at(self, party: PartyId, at: datetime) -> list[NominatedIndividual]:
        """The individuals ``party`` has nominated, as they stand at ``at``."""
        return sorted(
            (n for n in self.nominee_repository.nominees(party) if n.active(at)),
            key=lambda n: n.nominee_id,
        )

    def disclose(
        self,
        item_id: str,
        discloser: PartyId,
        recipient: PartyId,
        at: datetime,
        purpose: str = "",
        individual: str | None = None,
    ) -> tuple[DisclosureRecord, ...]:
        """M4.8, M4.17 to M4.19: disclose ``item_id`` to ``recipient``; log every attempt.

        Unmarked and 'confidential' items go to the Party (or the named ``individual``).
        A 'classified' item goes from the DCC only, and only to the recipient's nominated
        individuals: to the one named, or to each of them when none is named; a recipient
        with no nominees gets nothing. Returns one record per recipient reached or refused.
        Consultation paras 31, 32 and 36.
        """
        require_aware(at, "at")
        if not recipient:
            raise SecInputError("a disclosure needs a recipient Party")
        marking = Marking.NONE
        item = self.register.item(item_id)
        if item is None:
            plan: list[_Delivery] = [_Delivery(refusal=not_found(f"item {item_id!r}"))]
        else:
            record = self.register.marking_at(item_id, at)
            marking = Marking.NONE if record is None else record.marking
            plan = self._plan(marking, discloser, recipient, at, individual)
        return tuple(
            self._log(item_id, marking, discloser, recipient, at, purpose, delivery)
            for delivery in plan
        )

    def _plan(
        self,
        marking: Marking,
        discloser: PartyId,
        recipient: PartyId,
        at: datetime,
        individual: str | None,
    ) -> list[_Delivery]:
        if marking is not Marking.CLASSIFIED:
            contact = None
            if individual is not None:
                nominee = self.nominee_repository.nominee(individual)
                contact = None if nominee is None else nominee.email or nominee.phone
            return [_Delivery(individual=individual, contact=contact)]
        if discloser != self.dcc:
            return [
                _Delivery(
                    individual=individual,
                    refusal=Refusal(
                        reason="only the DCC discloses information it marked 'classified'",
                        clause="M4.8, M4.18",
                        paragraph="31(ii), 32",
                    ),
                )
            ]
        nominees = self.nominees_at(recipient, at)
        if individual is not None:
            nominees = [n for n in nominees if n.nominee_id == individual]
            if not nominees:
                return [
                    _Delivery(
                        individual=individual,
                        refusal=Refusal(
                            reason=f"{individual} is not an individual {recipient} has "
                            "nominated to receive classified information",
                            clause="M4.18",
                            paragraph="32, 36",
                        ),
                    )
                ]
        if not nominees:
            return [
                _Delivery(
                    refusal=Refusal(
                        reason=f"{recipient} has nominated no individual to receive "
                        "classified information, so the DCC shall not disclose it to that Party",
                        clause="M4.19",
                        paragraph="32, 36",
                    )
                )
            ]
        return [
            _Delivery(individual=n.nominee_id, contact=n.email or n.phone, clause="M4.18")
            for n in nominees
        ]

    def disclose_to_many(
        self,
        item_id: str,
        discloser: PartyId,
        recipients: Iterable[PartyId],
        at: datetime,
        purpose: str = "",
    ) -> tuple[DisclosureRecord, ...]:
        """M4.8, M4.17 to M4.19: ``disclose`` to each recipient in turn (a distribution list).

        Consultation paras 17 (performance reports), 32 and 36.
        """
        records: list[DisclosureRecord] = []
        for recipient in recipients:
            records.extend(self.disclose(item_id, discloser, recipient, at, purpose))
        return tuple(records)

    def _log(
        self,
        item_id: str,
        marking: Marking,
        discloser: PartyId,
        recipient: PartyId,
        at: datetime,
        purpose: str,
        delivery: _Delivery,
    ) -> DisclosureRecord:
        refusal = delivery.refusal
        if refusal is None:
            clause = delivery.clause
            paragraph = "32, 36" if marking is Marking.CLASSIFIED else "31"
            reason = f"'{marking}' item disclosed"
        else:
            clause = refusal.clause or "M4"
            paragraph = refusal.paragraph or ""
            reason = refusal.reason
        record = DisclosureRecord(
            record_id=uuid.uuid4().hex,
            item_id=item_id,
            marking=marking,
            discloser=discloser,
            recipient_party=recipient,
            recipient_individual=delivery.individual,
            recipient_contact=delivery.contact,
            at=at,
            outcome=DisclosureOutcome.DISCLOSED if refusal is None else DisclosureOutcome.REFUSED,
            clause=clause,
            paragraph=paragraph,
            reason=reason,
            purpose=purpose,
        )
        self.log.append(record)
        return record


@dataclass(frozen=True, slots=True)
class _Delivery:
    """One planned delivery of an item: to whom, or why not."""

    individual: str | None = None
    contact: str | None = None
    refusal: Refusal | None = None
    clause: str = "M4.8"
