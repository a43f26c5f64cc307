"""DCC Users: the User IDs (EUI-64s) the DCC knows, their roles, status and callback URL."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from opendcc.access.roles import UserRole
from opendcc.eui import Eui64


class UserStatus(enum.StrEnum):
    """Whether a User may use the DCC User Interface at all (the E3 check)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    """Every right suspended (SEC M8); finer-grained suspensions live in ``opendcc.sec``."""
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class DccUser:
    """A User ID: one EUI-64 acting in one or more User Roles."""

    eui: Eui64
    name: str
    roles: frozenset[UserRole]
    status: UserStatus = UserStatus.ACTIVE
    callback_url: str | None = None
    """The User's Receive Response Service: where async responses and alerts are POSTed."""
    party: str = ""
    """The SEC Party the User belongs to (one Party may hold several User IDs)."""
    tags: frozenset[str] = field(default_factory=frozenset)
