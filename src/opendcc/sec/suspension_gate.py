"""Enforcing suspensions at the DCC User Interface: the hub pipeline's suspension check.

A Service Request from a Party whose right to that service, in the User Role it requests
in, is suspended (M8.4(f), M8.6) is refused with DUIS response code E3, "User status does
not permit the request", and the refusal names the suspension and the clause of M8.6 that
allowed it, for the event log. The check is a pure decision over the suspensions in force:
``check_request`` takes them as data; ``SuspensionGate`` fetches them for a Party from a
``SuspensionSource`` (the register's repository) and is what the hub calls per request.

Hot path: a Party with no suspensions costs one dictionary look-up; otherwise the request's
categories come from the catalogue's cache and each suspension is a short tuple scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, Protocol

from opendcc.roles import UserRole
from opendcc.sec.events_of_default import Suspension
from opendcc.sec.outcome import SecInputError
from opendcc.sec.parties import PartyId
from opendcc.sec.services import DEFAULT_CATALOGUE, ServiceCatalogue, ServiceCategory

SUSPENDED_RESPONSE_CODE: Final = "E3"
"""DUIS: the User's status does not permit the request."""


@dataclass(frozen=True, slots=True)
class RequestPermitted:
    """No suspension in force stops this request."""

    categories: frozenset[ServiceCategory]
    allowed: Literal[True] = True


@dataclass(frozen=True, slots=True)
class RequestRefused:
    """A suspension in force stops this request: answer E3 and log the suspension."""

    party: PartyId
    variant: str
    role: UserRole
    categories: frozenset[ServiceCategory]
    suspended_category: ServiceCategory
    suspension_id: str
    clause: str
    drafting: str
    response_code: str = SUSPENDED_RESPONSE_CODE
    allowed: Literal[False] = False

    @property
    def message(self) -> str:
        """The line the event log records for this refusal."""
        return (
            f"{self.response_code}: {self.suspended_category.full_name} in the "
            f"'{self.role.sec_name}' User Role are suspended for {self.party} by suspension "
            f"{self.suspension_id} ({self.clause}, {self.drafting} drafting)"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "allowed": False,
            "response_code": self.response_code,
            "party": self.party,
            "variant": self.variant,
            "role": self.role.value,
            "categories": sorted(c.value for c in self.categories),
            "suspended_service": self.suspended_category.value,
            "suspension_id": self.suspension_id,
            "clause": self.clause,
            "drafting": self.drafting,
            "message": self.message,
        }


SuspensionCheck = RequestPermitted | RequestRefused


def check_request(
    party: PartyId,
    suspensions: Iterable[Suspension],
    variant: str,
    command_variant: int,
    role: UserRole,
    at: datetime,
    catalogue: ServiceCatalogue = DEFAULT_CATALOGUE,
) -> SuspensionCheck:
    """M8.4(f), M8.6: may ``party`` have this request served at ``at``, given its suspensions?

    ``SecInputError`` for an unknown variant or Command Variant (the pipeline's schema
    check rejects those first). Consultation paras 37 to 40, Annex F.
    """
    if at.tzinfo is None:
        raise SecInputError("the instant of a request must carry a timezone")
    categories = catalogue.categories(variant, command_variant)
    for suspension in suspensions:
        if suspension.party != party or not suspension.in_force(at):
            continue
        hit = suspension.covering(categories, role)
        if hit is not None:
            return RequestRefused(
                party=party,
                variant=variant,
                role=role,
                categories=categories,
                suspended_category=hit.category,
                suspension_id=suspension.suspension_id,
                clause=hit.clause,
                drafting=suspension.drafting.value,
            )
    return RequestPermitted(categories=categories)


class SuspensionSource(Protocol):
    """Anything that lists a Party's suspensions (``SuspensionRepository`` does)."""

    def suspensions(self, party: PartyId | None = None) -> Sequence[Suspension]: ...


class SuspensionGate:
    """The hub's suspension step: ``check(party, variant, command_variant, role, at)``."""

    def __init__(
        self, source: SuspensionSource, catalogue: ServiceCatalogue = DEFAULT_CATALOGUE
    ) -> None:
        self._source = source
        self._catalogue = catalogue

    def check(
        self,
        party: PartyId,
        variant: str,
        command_variant: int,
        role: UserRole,
        at: datetime,
    ) -> SuspensionCheck:
        """M8.4(f), M8.6: ``check_request`` over ``party``'s suspensions (paras 37 to 40)."""
        suspensions = self._source.suspensions(party)
        if not suspensions:
            return RequestPermitted(categories=self._catalogue.categories(variant, command_variant))
        return check_request(
            party, suspensions, variant, command_variant, role, at, self._catalogue
        )
