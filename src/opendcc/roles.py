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

    @property
    def sec_name(self) -> str:
        """The role's name in the SEC (Section A), e.g. 'Import Supplier'."""
        return _SEC_NAMES[self]


_SEC_NAMES = {
    UserRole.IMPORT_SUPPLIER: "Import Supplier",
    UserRole.EXPORT_SUPPLIER: "Export Supplier",
    UserRole.GAS_SUPPLIER: "Gas Supplier",
    UserRole.REGISTERED_SUPPLIER_AGENT: "Registered Supplier Agent",
    UserRole.ELECTRICITY_DISTRIBUTOR: "Electricity Distributor",
    UserRole.GAS_TRANSPORTER: "Gas Transporter",
    UserRole.OTHER_USER: "Other User",
}
