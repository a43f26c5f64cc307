"""Who the SEC rules speak of: Parties (the DCC among them) and the User Roles they act in.

A Party is an organisation that acceded to the SEC; it becomes a User in one or more User
Roles (consultation glossary, "User Role" and "DCC User"). The SEC's suspension rules
(M8.6) distinguish the 'Other User' User Role from every other one, because a licensee
acting as a supplier or network operator serves consumers under its licence (consultation
para 37). ``PartyId`` is the hub's name for a Party; the DCC's is ``DCC``.
"""

from __future__ import annotations

import enum
from typing import Final, NewType

PartyId = NewType("PartyId", str)
"""The identifier the hub gives a SEC Party (for example ``"DCC"`` or ``"SUPPLIER-A"``)."""

DCC: Final = PartyId("DCC")
"""The Data and Communications Company, itself a Party (consultation glossary)."""


class UserRole(enum.StrEnum):
    """The User Roles of the DCC User Interface, by their DUIS abbreviations."""

    IMPORT_SUPPLIER = "IS"
    EXPORT_SUPPLIER = "ES"
    GAS_SUPPLIER = "GS"
    REGISTERED_SUPPLIER_AGENT = "RSA"
    ELECTRICITY_DISTRIBUTOR = "ED"
    GAS_TRANSPORTER = "GT"
    OTHER_USER = "OU"

    @classmethod
    def parse(cls, text: str) -> UserRole:
        """The role named by its abbreviation (``"OU"``) or member name, any case."""
        key = text.strip().upper()
        for role in cls:
            if key in (role.value, role.name):
                return role
        raise ValueError(f"not a User Role: {text!r} (one of {', '.join(r.value for r in cls)})")

    @property
    def full_name(self) -> str:
        return _TITLES[self]

    @property
    def is_other_user(self) -> bool:
        """True for 'Other User', the role M8.6 treats apart (consultation para 37)."""
        return self is UserRole.OTHER_USER

    @property
    def is_supplier(self) -> bool:
        """The roles in which a Party acts as a Supplier (import, export or gas)."""
        return self in _SUPPLIER_ROLES


_TITLES: Final = {
    UserRole.IMPORT_SUPPLIER: "Import Supplier",
    UserRole.EXPORT_SUPPLIER: "Export Supplier",
    UserRole.GAS_SUPPLIER: "Gas Supplier",
    UserRole.REGISTERED_SUPPLIER_AGENT: "Registered Supplier Agent",
    UserRole.ELECTRICITY_DISTRIBUTOR: "Electricity Distributor",
    UserRole.GAS_TRANSPORTER: "Gas Transporter",
    UserRole.OTHER_USER: "Other User",
}

_SUPPLIER_ROLES: Final = frozenset(
    {UserRole.IMPORT_SUPPLIER, UserRole.EXPORT_SUPPLIER, UserRole.GAS_SUPPLIER}
)
