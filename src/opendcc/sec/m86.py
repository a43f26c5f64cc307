"""Section M8.6: which rights of a Defaulting Party the Panel may suspend, in three draftings.

Annex F of the consultation reproduces three draftings of M8.6 (the rights referred to in
M8.4(f) that the Panel may suspend after an Event of Default): SEC 1, SEC 2 ("now
implemented in the SEC") and the proposed 2015 amendment. Each lives in a parameter file
(``parameters/m86/drafting_*.yaml``) as its Annex F text and a table of limbs: which service
categories, in which User Roles, and whether the Authority's approval is required. Where no
limb reaches a (category, role) pair the file records the gap and why, so every question has
an answer naming a clause. ``parameters/m86/in_force.yaml`` says which drafting applies from
which date.

Theory of operation: ``Drafting.assess(category, role)`` finds the one limb (or gap) that
covers the pair; the loader refuses a drafting whose limbs and gaps leave a pair uncovered
or cover it twice, so the table is complete by construction.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, NoReturn

from opendcc.roles import UserRole
from opendcc.sec.params import ParameterError, ParameterSet, Unit, default_parameters
from opendcc.sec.services import ServiceCategory

IN_FORCE_PARAMETER: Final = "m86.in_force"


class DraftingId(enum.StrEnum):
    """The three draftings of M8.6 in Annex F."""

    SEC1 = "sec1"
    SEC2 = "sec2"
    PROPOSED_2015 = "proposed_2015"

    @classmethod
    def parse(cls, text: str) -> DraftingId:
        """Accept ``sec1``, ``sec2``, ``2015`` or ``proposed_2015`` (any case)."""
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        aliases = {"2015": cls.PROPOSED_2015, "proposed": cls.PROPOSED_2015}
        if key in aliases:
            return aliases[key]
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"not an M8.6 drafting: {text!r} (sec1, sec2 or 2015)") from None

    @property
    def parameter(self) -> str:
        return f"m86.drafting_{self.value}"


class RoleScope(enum.StrEnum):
    """The User Roles a limb reaches: 'Other User' only, every other role, or all."""

    OTHER_USER = "other_user"
    NOT_OTHER_USER = "not_other_user"
    ANY = "any"

    def covers(self, role: UserRole) -> bool:
        if self is RoleScope.ANY:
            return True
        return role.is_other_user == (self is RoleScope.OTHER_USER)


@dataclass(frozen=True, slots=True)
class Limb:
    """One lettered limb of M8.6: a right the Panel may suspend."""

    letter: str
    categories: frozenset[ServiceCategory]
    roles: RoleScope
    approval_required: bool
    text: str

    @property
    def clause(self) -> str:
        return f"M8.6({self.letter})"

    def covers(self, category: ServiceCategory, role: UserRole) -> bool:
        return category in self.categories and self.roles.covers(role)


@dataclass(frozen=True, slots=True)
class Gap:
    """A (category, role) pair no limb reaches, with the clause and paragraph that say so."""

    categories: frozenset[ServiceCategory]
    roles: RoleScope
    clause: str
    paragraph: str
    explanation: str

    def covers(self, category: ServiceCategory, role: UserRole) -> bool:
        return category in self.categories and self.roles.covers(role)


@dataclass(frozen=True, slots=True)
class RightAssessment:
    """May the Panel suspend this right of a Defaulting Party, and need it ask the Authority?"""

    drafting: DraftingId
    category: ServiceCategory
    role: UserRole
    suspendable: bool
    approval_required: bool
    clause: str
    paragraph: str
    explanation: str

    def to_json(self) -> dict[str, object]:
        return {
            "drafting": self.drafting.value,
            "service": self.category.value,
            "role": self.role.value,
            "suspendable": self.suspendable,
            "approval_required": self.approval_required,
            "clause": self.clause,
            "paragraph": self.paragraph,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class Drafting:
    """One drafting of M8.6: its Annex F text and the limbs it encodes."""

    drafting_id: DraftingId
    title: str
    text: str
    limbs: tuple[Limb, ...]
    gaps: tuple[Gap, ...]
    paragraph: str

    def assess(self, category: ServiceCategory, role: UserRole) -> RightAssessment:
        """M8.6: under this drafting, may the Panel suspend ``category`` in ``role``?

        Consultation paras 37 to 40 and Annex F; the answer names the limb or gap.
        """
        for limb in self.limbs:
            if limb.covers(category, role):
                return RightAssessment(
                    drafting=self.drafting_id,
                    category=category,
                    role=role,
                    suspendable=True,
                    approval_required=limb.approval_required,
                    clause=limb.clause,
                    paragraph=self.paragraph,
                    explanation=limb.text,
                )
        for gap in self.gaps:
            if gap.covers(category, role):
                return RightAssessment(
                    drafting=self.drafting_id,
                    category=category,
                    role=role,
                    suspendable=False,
                    approval_required=False,
                    clause=gap.clause,
                    paragraph=gap.paragraph,
                    explanation=gap.explanation,
                )
        # The loader proves every pair is covered; reaching here means a hand-built Drafting.
        raise ParameterError(f"{self.title}: no limb or gap covers {category} in {role}")

    def matrix(self) -> list[RightAssessment]:
        """Every (category, role) pair assessed, categories in M8.6 order."""
        return [self.assess(c, r) for c in ServiceCategory for r in UserRole]


def parse_drafting(value: Mapping[str, object], where: str) -> Drafting:
    """Build a ``Drafting`` from its parameter value, checking the table is complete."""
    try:
        drafting_id = DraftingId(str(value.get("id")))
    except ValueError:
        raise ParameterError(f"{where}: unknown drafting id {value.get('id')!r}") from None
    title = _text(value, "title", where)
    text = _text(value, "text", where)
    raw_limbs = value.get("limbs")
    if not isinstance(raw_limbs, list) or not raw_limbs:
        raise ParameterError(f"{where}: a drafting needs its limbs")
    limbs = []
    for raw in raw_limbs:
        if not isinstance(raw, dict):
            raise ParameterError(f"{where}: a limb is a mapping")
        letter = _text(raw, "letter", where)
        approval = raw.get("approval")
        if not isinstance(approval, bool):
            raise ParameterError(f"{where}: limb ({letter}) approval must be true or false")
        limbs.append(
            Limb(
                letter=letter,
                categories=_categories(raw.get("services"), where),
                roles=_roles(raw.get("roles"), where),
                approval_required=approval,
                text=_text(raw, "text", where),
            )
        )
    raw_gaps = value.get("gaps", [])
    if not isinstance(raw_gaps, list):
        raise ParameterError(f"{where}: gaps must be a list")
    gaps = []
    for raw in raw_gaps:
        if not isinstance(raw, dict):
            raise ParameterError(f"{where}: a gap is a mapping")
        gaps.append(
            Gap(
                categories=_categories(raw.get("services"), where),
                roles=_roles(raw.get("roles"), where),
                clause=_text(raw, "clause", where),
                paragraph=str(raw.get("paragraph", "")).strip() or _missing(where, "paragraph"),
                explanation=" ".join(_text(raw, "explanation", where).split()),
            )
        )
    letters = [limb.letter for limb in limbs]
    if len(set(letters)) != len(letters):
        raise ParameterError(f"{where}: limb letters repeat")
    for category in ServiceCategory:
        for role in UserRole:
            covering = [limb for limb in limbs if limb.covers(category, role)] + [
                gap for gap in gaps if gap.covers(category, role)
            ]
            if len(covering) != 1:
                raise ParameterError(
                    f"{where}: {len(covering)} limbs or gaps cover {category} in role {role}; "
                    "exactly one must"
                )
    paragraph = str(value.get("paragraph", "40, Annex F"))
    return Drafting(
        drafting_id=drafting_id,
        title=title,
        text=text,
        limbs=tuple(limbs),
        gaps=tuple(gaps),
        paragraph=paragraph,
    )


@dataclass(frozen=True, slots=True)
class DraftingTimeline:
    """The three draftings and the dates from which each applies."""

    draftings: Mapping[DraftingId, Drafting]
    parameters: ParameterSet

    def drafting(self, drafting_id: DraftingId) -> Drafting:
        return self.draftings[drafting_id]

    def in_force(self, when: date) -> Drafting:
        """M8.6 as it stood on ``when`` (consultation paras 1, 38, 39; see in_force.yaml)."""
        return self.draftings[DraftingId(self.parameters.text(IN_FORCE_PARAMETER, when))]

    def starts(self) -> list[tuple[date, DraftingId]]:
        return [
            (entry.start, DraftingId(str(entry.value)))
            for entry in self.parameters.get(IN_FORCE_PARAMETER).values
        ]


def load_timeline(
    parameters: ParameterSet | None = None, proposed_2015_from: date | None = None
) -> DraftingTimeline:
    """The M8.6 draftings from ``parameters``; optionally move the 2015 drafting's start."""
    params = parameters or default_parameters()
    if proposed_2015_from is not None:
        params = params.with_start(
            IN_FORCE_PARAMETER,
            DraftingId.PROPOSED_2015.value,
            proposed_2015_from,
            "start of the proposed 2015 drafting set by configuration",
        )
    draftings: dict[DraftingId, Drafting] = {}
    for drafting_id in DraftingId:
        parameter = params.get(drafting_id.parameter)
        entry = parameter.latest()
        drafting = parse_drafting(
            params.mapping(drafting_id.parameter, entry.start, Unit.DRAFTING),
            parameter.path or parameter.name,
        )
        if drafting.drafting_id is not drafting_id:
            raise ParameterError(f"{parameter.name} holds drafting {drafting.drafting_id}")
        paragraphs = ", ".join(ref.paragraph for ref in entry.references)
        draftings[drafting_id] = Drafting(
            drafting_id=drafting.drafting_id,
            title=drafting.title,
            text=drafting.text,
            limbs=drafting.limbs,
            gaps=drafting.gaps,
            paragraph=paragraphs,
        )
    for entry in params.get(IN_FORCE_PARAMETER).values:
        if entry.value not in {d.value for d in DraftingId}:
            raise ParameterError(f"{IN_FORCE_PARAMETER} names unknown drafting {entry.value!r}")
    return DraftingTimeline(draftings=draftings, parameters=params)


def assess_right(
    drafting: DraftingId,
    category: ServiceCategory,
    role: UserRole,
    timeline: DraftingTimeline | None = None,
) -> RightAssessment:
    """M8.6: may the Panel suspend ``category`` in ``role``, under ``drafting``?

    Consultation para 40 and Annex F.
    """
    return (timeline or load_timeline()).drafting(drafting).assess(category, role)


def _text(raw: Mapping[str, object], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{where}: '{key}' must be non-empty text")
    return value.strip()


def _missing(where: str, key: str) -> NoReturn:
    raise ParameterError(f"{where}: '{key}' must be non-empty")


def _categories(raw: object, where: str) -> frozenset[ServiceCategory]:
    if not isinstance(raw, list) or not raw:
        raise ParameterError(f"{where}: services must be a non-empty list")
    try:
        return frozenset(ServiceCategory(str(item)) for item in raw)
    except ValueError:
        raise ParameterError(f"{where}: unknown service category in {raw!r}") from None


def _roles(raw: object, where: str) -> RoleScope:
    try:
        return RoleScope(str(raw))
    except ValueError:
        raise ParameterError(
            f"{where}: roles must be one of {[r.value for r in RoleScope]}"
        ) from None
