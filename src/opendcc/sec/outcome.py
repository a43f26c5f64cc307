"""How SEC rules answer: a value when a rule allows, a ``Refusal`` naming the clause when not.

Rules never raise for a refusal the SEC foresees (a suspension the drafting in force does
not permit, a marking whose conditions are unmet); they return a ``Refusal`` carrying the
clause and the consultation paragraph that forbade it, so the hub can log it and the CLI can
print it. ``SecInputError`` is raised only for malformed input (an unparseable file, a naive
datetime, an unknown Service Reference Variant): that is a caller's error, not a rule's
answer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class SecInputError(ValueError):
    """Input the SEC rules cannot evaluate: malformed, incomplete or of the wrong type."""


class RefusalKind(enum.StrEnum):
    """Why something was refused: a rule of the SEC, a missing record, or a state conflict."""

    RULE = "rule"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A rule's refusal: the reason, the clause and the consultation paragraph behind it."""

    reason: str
    clause: str | None = None
    paragraph: str | None = None
    kind: RefusalKind = RefusalKind.RULE

    def to_json(self) -> dict[str, object]:
        return {
            "refused": True,
            "kind": self.kind.value,
            "reason": self.reason,
            "clause": self.clause,
            "paragraph": self.paragraph,
        }

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.clause,
                f"consultation para {self.paragraph}" if self.paragraph else None,
            )
            if part
        )
        return f"{self.reason} ({where})" if where else self.reason


def not_found(what: str) -> Refusal:
    return Refusal(reason=f"{what} is not recorded", kind=RefusalKind.NOT_FOUND)


def require_aware(when: datetime, name: str = "time") -> datetime:
    """``when`` itself if it carries a timezone; SEC records never hold naive times."""
    if not isinstance(when, datetime):
        raise SecInputError(f"{name} must be a datetime, got {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise SecInputError(f"{name} must carry a timezone (UTC): {when.isoformat()}")
    return when
