"""The SEC User Roles: one vocabulary for DUIS eligibility, SMKI identities, access and the SEC.

DUIS lists each Service Reference Variant's eligible User Roles by these abbreviations;
SEC Section A defines the roles. What a role means for device access (which remote-party
keys a Device trusts for it, which fuels and registration data make it eligible) is in
``opendcc.access.roles``.
"""

from __future__ import annotations

import enum


class UserRole(enum.StrEnum):
    """The User Roles of the SEC, by their DUIS abbreviations."""

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
    def sec_name(self) -> str:
        """The role's name in the SEC (Section A), e.g. 'Import Supplier'."""
        return _SEC_NAMES[self]

    @property
    def is_other_user(self) -> bool:
        """True for 'Other User', the role M8.6 treats apart (consultation para 37)."""
        return self is UserRole.OTHER_USER

    @property
    def is_supplier(self) -> bool:
        """The roles in which a Party acts as a Supplier (import, export or gas)."""
        return self in (UserRole.IMPORT_SUPPLIER, UserRole.EXPORT_SUPPLIER, UserRole.GAS_SUPPLIER)


_SEC_NAMES = {
    UserRole.IMPORT_SUPPLIER: "Import Supplier",
    UserRole.EXPORT_SUPPLIER: "Export Supplier",
    UserRole.GAS_SUPPLIER: "Gas Supplier",
    UserRole.REGISTERED_SUPPLIER_AGENT: "Registered Supplier Agent",
    UserRole.ELECTRICITY_DISTRIBUTOR: "Electricity Distributor",
    UserRole.GAS_TRANSPORTER: "Gas Transporter",
    UserRole.OTHER_USER: "Other User",
}
