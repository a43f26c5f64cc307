"""Whether a User, in a User Role, may send a Service Request to a Device now (E1 to E5).

Pure decisions over values the caller looked up; the hub calls them in this order:

1. ``resolve_roles``: the User must be known (E1); the variant must be open to one of
   its roles (E2); the User's status must permit requests (E3).
2. ``check_device``: the Device must exist (E19), fit the variant (E11) and have an SMI
   status that permits it (E5).
3. ``check_registration``: for the Device's MPxN at this instant, the registration data
   must name the User in one of the candidate roles (E4). The role found is the role the
   request is made in: the GBCS remote-party role and the SEC suspension rules use it.
   ``registration_instant`` says which instant: now, except for a change of supplier.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from opendcc.access.roles import UserRole, fuels_of, market_role_of
from opendcc.access.users import DccUser, UserStatus
from opendcc.inventory.model import Device, Fuel, Registration


@dataclass(frozen=True, slots=True)
class Refusal:
    """A DUIS response code and a sentence a person can act on."""

    code: str
    reason: str


def resolve_roles(
    user: DccUser | None, eligible: frozenset[UserRole], variant: str
) -> tuple[UserRole, ...] | Refusal:
    """The User's roles in which it may request ``variant`` (E1, E2, E3)."""
    if user is None:
        return Refusal("E1", "the originator is not a DCC User")
    if not user.roles:
        return Refusal("E1", f"User {user.eui} holds no User Role")
    candidates = tuple(r for r in UserRole if r in user.roles and r in eligible)
    if not candidates:
        held = ", ".join(sorted(r.value for r in user.roles))
        open_to = ", ".join(sorted(r.value for r in eligible)) or "the DCC only"
        return Refusal("E2", f"{variant} is open to {open_to}; User {user.eui} holds {held}")
    if user.status is not UserStatus.ACTIVE:
        return Refusal("E3", f"User {user.eui} is {user.status.value}")
    return candidates


CHANGE_OF_SUPPLIER: Final = "6.23"
"""DUIS 6.23 Update Security Credentials (CoS), sent by the incoming Supplier."""


def registration_instant(
    variant: str, execution_at: datetime | None, now: datetime, *, cancels: bool = False
) -> datetime:
    """The instant whose registration data decide E4 for a request received at ``now``.

    Registration data (SEC Section E2) hold each MPxN's Supplier with the dates the
    registration starts and ends, and the DCC answers each request against the
    registrations in force (DUIS 3.2, E4). A change of supplier is the one request made
    for a registration that may not have begun: the incoming Supplier sends 6.23 to take
    effect on its supply start date, future dated ('DSP & Device' pattern), and the
    Transitional CoS Party (SEC Section A 'CoS Party') replaces the Supplier's credentials
    on the Device then. So 6.23 is checked at its ``ExecutionDateTime`` when it has one in
    the future: the User must be the Supplier registered then, and is refused E4 for an
    execution before its registration begins. A cancellation (3000-12-31, ``cancels``)
    executes nothing and is checked now. That is opendcc's reading of DUIS 6.23; every
    other request is checked at ``now``.
    """
    if variant != CHANGE_OF_SUPPLIER or execution_at is None or cancels:
        return now
    return max(execution_at, now)


def roles_for_fuels(candidates: Sequence[UserRole], fuels: frozenset[Fuel]) -> list[UserRole]:
    """The candidate roles that can act on a Device serving ``fuels`` (empty fuels: any)."""
    if not fuels:
        return list(candidates)
    return [r for r in candidates if fuels_of(r) & fuels]


def check_registration(
    user: DccUser,
    candidates: Sequence[UserRole],
    device: Device,
    fuels_by_mpxn: dict[str, Fuel],
    registrations: Iterable[Registration],
    at: datetime,
) -> UserRole | Refusal:
    """The role in which ``user`` is registered for the Device's MPxNs at ``at`` (E4).

    ``fuels_by_mpxn`` gives the MPxNs the Device serves (a meter its own; a CHF, GPF or HAN
    device those of the meters it serves) and the fuel of each. Other Users need no
    registration. A role is granted when the registration data name the User for at least
    one of those MPxNs in the matching market role and fuel.
    """
    in_force = [r for r in registrations if r.in_force(at) and r.party == user.eui]
    for role in roles_for_fuels(candidates, frozenset(fuels_by_mpxn.values())):
        market = market_role_of(role)
        if market is None:
            return role
        for registration in in_force:
            fuel = fuels_by_mpxn.get(registration.mpxn)
            if registration.role is market and fuel is not None and fuel in fuels_of(role):
                return role
    roles = ", ".join(r.value for r in candidates)
    mpxns = ", ".join(sorted(fuels_by_mpxn)) or "no MPxN"
    return Refusal(
        "E4",
        f"User {user.eui} ({roles}) is not registered for {device.device_id}"
        f" ({mpxns}) at {at.isoformat()}",
    )
