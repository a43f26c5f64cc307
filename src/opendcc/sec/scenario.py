"""M8.6 what-if: a suspension scenario evaluated under each drafting.

A scenario (YAML or JSON) lists Events of Default, the Panel's suspensions (rights, dates,
any Authority approval, when lifted) and a stream of Service Requests (Party, variant,
Command Variant, User Role, instant). ``evaluate_scenario`` replays it under one drafting
of M8.6: each suspension is decided by ``EventOfDefaultRegister`` (accepted, or refused
with its clause), lifted where the scenario says, and each request goes through the
``SuspensionGate`` as the hub's pipeline would send it. The answer says which requests
would be refused (E3, naming the suspension) and which suspensions needed the Authority's
approval. ``docs/examples/m86-scenario.yaml`` is the case consultation para 39 describes.

Scenario shape::

    events_of_default:            # optional: one is assumed per suspended Party
      - {id: EOD-1, party: SUPPLIER-A, occurred_at: 2015-06-01T00:00:00Z}
    suspensions:
      - id: S1
        party: SUPPLIER-A
        event_of_default: EOD-1   # optional when the Party has one
        rights: [{service: core, roles: [OU]}]
        decided_at: 2015-06-10T00:00:00Z
        effective_from: 2015-06-10T00:00:00Z   # default: decided_at
        approval: {reference: AUTH-1, approved_at: 2015-06-09T00:00:00Z}   # optional
        lifted_at: 2015-07-01T00:00:00Z         # optional
    requests:
      - {id: R1, party: SUPPLIER-A, variant: "4.1.1", command_variant: 1, role: OU,
         at: 2015-06-11T00:00:00Z}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import yaml

from opendcc.roles import UserRole
from opendcc.sec.events_of_default import (
    AuthorityApproval,
    EventOfDefault,
    EventOfDefaultRegister,
    SuspendedRight,
    SuspensionDecision,
)
from opendcc.sec.m86 import DraftingId, DraftingTimeline, load_timeline
from opendcc.sec.outcome import Refusal, SecInputError
from opendcc.sec.parties import PartyId
from opendcc.sec.services import DEFAULT_CATALOGUE, ServiceCategory
from opendcc.sec.suspension_gate import RequestRefused, SuspensionGate

MAX_SCENARIO_BYTES: Final = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ScenarioSuspension:
    decision: SuspensionDecision
    lifted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ScenarioRequest:
    request_id: str
    party: PartyId
    variant: str
    command_variant: int
    role: UserRole
    at: datetime


@dataclass(frozen=True, slots=True)
class Scenario:
    events_of_default: tuple[EventOfDefault, ...]
    suspensions: tuple[ScenarioSuspension, ...]
    requests: tuple[ScenarioRequest, ...]


@dataclass(frozen=True, slots=True)
class SuspensionOutcome:
    suspension_id: str
    party: PartyId
    accepted: bool
    approval_required: bool
    approval_recorded: bool
    clauses: tuple[str, ...]
    refusal: Refusal | None

    def to_json(self) -> dict[str, object]:
        return {
            "suspension_id": self.suspension_id,
            "party": self.party,
            "accepted": self.accepted,
            "approval_required": self.approval_required,
            "approval_recorded": self.approval_recorded,
            "clauses": list(self.clauses),
            "refusal": None if self.refusal is None else self.refusal.to_json(),
        }


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    request: ScenarioRequest
    categories: frozenset[ServiceCategory]
    refused: RequestRefused | None

    @property
    def allowed(self) -> bool:
        return self.refused is None

    def to_json(self) -> dict[str, object]:
        r = self.request
        return {
            "request_id": r.request_id,
            "party": r.party,
            "variant": r.variant,
            "command_variant": r.command_variant,
            "role": r.role.value,
            "at": r.at.isoformat(),
            "categories": sorted(c.value for c in self.categories),
            "allowed": self.allowed,
            "response_code": None if self.refused is None else self.refused.response_code,
            "suspension_id": None if self.refused is None else self.refused.suspension_id,
            "clause": None if self.refused is None else self.refused.clause,
        }


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    drafting: DraftingId
    suspensions: tuple[SuspensionOutcome, ...]
    requests: tuple[RequestOutcome, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "drafting": self.drafting.value,
            "suspensions": [s.to_json() for s in self.suspensions],
            "requests": [r.to_json() for r in self.requests],
        }


def evaluate_scenario(
    scenario: Scenario, drafting: DraftingId, timeline: DraftingTimeline | None = None
) -> ScenarioResult:
    """Replay ``scenario`` under ``drafting`` of M8.6 (consultation para 40, Annex F)."""
    register = EventOfDefaultRegister(timeline=timeline or load_timeline())
    for event in scenario.events_of_default:
        result = register.record_event_of_default(event)
        if isinstance(result, Refusal):
            raise SecInputError(f"scenario: {result}")
    chosen = register.timeline.drafting(drafting)
    outcomes = []
    for item in scenario.suspensions:
        decision = item.decision
        required = False
        for right in decision.rights:
            for role in right.roles:
                assessment = chosen.assess(right.category, role)
                required = required or (assessment.suspendable and assessment.approval_required)
        decided = register.decide_suspension(decision, drafting=drafting)
        if isinstance(decided, Refusal):
            outcomes.append(
                SuspensionOutcome(
                    suspension_id=decision.suspension_id,
                    party=decision.party,
                    accepted=False,
                    approval_required=required,
                    approval_recorded=decision.approval is not None,
                    clauses=(decided.clause,) if decided.clause else (),
                    refusal=decided,
                )
            )
            continue
        if item.lifted_at is not None:
            lifted = register.lift(decision.suspension_id, item.lifted_at, "scenario")
            if isinstance(lifted, Refusal):
                raise SecInputError(f"scenario: suspension {decision.suspension_id}: {lifted}")
        outcomes.append(
            SuspensionOutcome(
                suspension_id=decision.suspension_id,
                party=decision.party,
                accepted=True,
                approval_required=decided.approval_required,
                approval_recorded=decision.approval is not None,
                clauses=tuple(sorted({b.clause for b in decided.basis})),
                refusal=None,
            )
        )
    gate = SuspensionGate(register.repository)
    requests = []
    for request in sorted(scenario.requests, key=lambda r: r.at):
        check = gate.check(
            request.party, request.variant, request.command_variant, request.role, request.at
        )
        requests.append(
            RequestOutcome(
                request=request,
                categories=check.categories,
                refused=check if isinstance(check, RequestRefused) else None,
            )
        )
    return ScenarioResult(drafting=drafting, suspensions=tuple(outcomes), requests=tuple(requests))


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file (YAML or JSON)."""
    try:
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise SecInputError(f"{path}: larger than {MAX_SCENARIO_BYTES} bytes")
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SecInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SecInputError(f"{path}: not YAML or JSON: {exc}") from None
    return parse_scenario(document)


_KEYS: Final = {
    "scenario": frozenset({"events_of_default", "suspensions", "requests", "description"}),
    "events_of_default": frozenset({"id", "party", "occurred_at", "recorded_at", "description"}),
    "suspensions": frozenset(
        {
            "id",
            "party",
            "event_of_default",
            "rights",
            "decided_at",
            "effective_from",
            "approval",
            "lifted_at",
            "description",
        }
    ),
    "approval": frozenset({"reference", "approved_at"}),
    "requests": frozenset(
        {"id", "party", "variant", "command_variant", "role", "at", "description"}
    ),
}
"""The keys each part of a scenario may have: any other is a mistake (a misspelt
``lifted_at`` would otherwise leave a suspension in force without a word)."""


def _known_keys(raw: Mapping[str, object], part: str, where: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in _KEYS[part])
    if unknown:
        allowed = ", ".join(sorted(_KEYS[part]))
        raise SecInputError(f"{where}: unknown key {', '.join(unknown)} (one of {allowed})")


def parse_scenario(document: object) -> Scenario:
    if not isinstance(document, dict):
        raise SecInputError("scenario: expected a mapping")
    _known_keys(document, "scenario", "scenario")
    events = [
        EventOfDefault(
            event_id=_text(raw, "id", where),
            party=PartyId(_text(raw, "party", where)),
            occurred_at=_time(raw, "occurred_at", where),
            recorded_at=_time(raw, "recorded_at", where)
            if raw.get("recorded_at") is not None
            else _time(raw, "occurred_at", where),
            description=str(raw.get("description", "")),
        )
        for raw, where in _items(document, "events_of_default")
    ]
    suspensions = []
    for raw, where in _items(document, "suspensions"):
        party = PartyId(_text(raw, "party", where))
        decided_at = _time(raw, "decided_at", where)
        event_id = raw.get("event_of_default")
        if event_id is None:
            own = [e for e in events if e.party == party]
            if len(own) > 1:
                raise SecInputError(f"{where}: name the event_of_default; {party} has several")
            if not own:
                assumed = EventOfDefault(
                    event_id=f"EOD-{party}",
                    party=party,
                    occurred_at=decided_at,
                    recorded_at=decided_at,
                    description="assumed by the scenario",
                )
                events.append(assumed)
                own = [assumed]
            event_id = own[0].event_id
        approval = raw.get("approval")
        if approval is not None and not isinstance(approval, dict):
            raise SecInputError(f"{where}.approval: expected a mapping")
        if approval is not None:
            _known_keys(approval, "approval", f"{where}.approval")
        suspensions.append(
            ScenarioSuspension(
                decision=SuspensionDecision(
                    suspension_id=_text(raw, "id", where),
                    party=party,
                    event_of_default_id=str(event_id),
                    rights=_rights(raw.get("rights"), f"{where}.rights"),
                    decided_at=decided_at,
                    effective_from=_time(raw, "effective_from", where)
                    if raw.get("effective_from") is not None
                    else decided_at,
                    approval=None
                    if approval is None
                    else AuthorityApproval(
                        reference=_text(approval, "reference", f"{where}.approval"),
                        approved_at=_time(approval, "approved_at", f"{where}.approval"),
                    ),
                ),
                lifted_at=_time(raw, "lifted_at", where)
                if raw.get("lifted_at") is not None
                else None,
            )
        )
    requests = []
    for raw, where in _items(document, "requests"):
        variant = _text(raw, "variant", where)
        if variant not in DEFAULT_CATALOGUE:
            raise SecInputError(f"{where}.variant: unknown Service Reference Variant {variant!r}")
        cv = raw.get("command_variant", 1)
        if isinstance(cv, bool) or not isinstance(cv, int) or not 1 <= cv <= 8:
            raise SecInputError(f"{where}.command_variant: a Command Variant is 1 to 8")
        requests.append(
            ScenarioRequest(
                request_id=_text(raw, "id", where),
                party=PartyId(_text(raw, "party", where)),
                variant=variant,
                command_variant=cv,
                role=_role(raw.get("role"), f"{where}.role"),
                at=_time(raw, "at", where),
            )
        )
    return Scenario(
        events_of_default=tuple(events), suspensions=tuple(suspensions), requests=tuple(requests)
    )


def _items(document: Mapping[str, object], key: str) -> list[tuple[dict[str, object], str]]:
    raw = document.get(key, [])
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise SecInputError(f"scenario.{key}: expected a list")
    items = []
    for index, item in enumerate(raw):
        where = f"scenario.{key}[{index}]"
        if not isinstance(item, dict):
            raise SecInputError(f"{where}: expected a mapping")
        _known_keys(item, key, where)
        items.append((item, where))
    return items


def _text(raw: Mapping[str, object], key: str, where: str) -> str:
    value = raw.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise SecInputError(f"{where}.{key}: expected non-empty text")
    return value.strip()


def _time(raw: Mapping[str, object], key: str, where: str) -> datetime:
    value = raw.get(key)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise SecInputError(f"{where}.{key}: not an ISO 8601 date-time") from None
    if not isinstance(value, datetime):
        raise SecInputError(f"{where}.{key}: expected a date-time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise SecInputError(f"{where}.{key}: a date-time needs a timezone (use Z for UTC)")
    return value


def _role(raw: object, where: str) -> UserRole:
    try:
        return UserRole.parse(str(raw))
    except ValueError as exc:
        raise SecInputError(f"{where}: {exc}") from None


def _rights(raw: object, where: str) -> tuple[SuspendedRight, ...]:
    if not isinstance(raw, list) or not raw:
        raise SecInputError(f"{where}: expected a non-empty list of rights")
    rights = []
    for index, item in enumerate(raw):
        here = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise SecInputError(f"{here}: expected a mapping")
        try:
            category = ServiceCategory(str(item.get("service")))
        except ValueError:
            raise SecInputError(
                f"{here}.service: one of {[c.value for c in ServiceCategory]}"
            ) from None
        roles = item.get("roles")
        if roles is None:
            rights.append(SuspendedRight.of(category))
            continue
        if not isinstance(roles, list) or not roles:
            raise SecInputError(f"{here}.roles: expected a non-empty list of User Roles")
        rights.append(SuspendedRight.of(category, *(_role(r, f"{here}.roles") for r in roles)))
    return tuple(rights)
