"""User Roles (SEC Section A, DUIS) and the remote-party role each signs GBCS Commands as."""

from __future__ import annotations

import enum

from opendcc.inventory.model import Fuel, MarketRole
from opendcc.smki.identity import RemotePartyRole


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
        return _SEC_NAMES[self]

    @property
    def remote_party_role(self) -> RemotePartyRole:
        """The GBCS remote-party role whose keys a Device trusts for this User Role."""
        return _REMOTE_PARTY[self]

    @property
    def fuels(self) -> frozenset[Fuel]:
        """The fuels whose Devices this role can act on."""
        return _FUELS[self]

    @property
    def market_role(self) -> MarketRole | None:
        """The registration-data role that makes this User Role eligible for an MPxN."""
        return _MARKET[self]


_SEC_NAMES = {
    UserRole.IMPORT_SUPPLIER: "Import Supplier",
    UserRole.EXPORT_SUPPLIER: "Export Supplier",
    UserRole.GAS_SUPPLIER: "Gas Supplier",
    UserRole.REGISTERED_SUPPLIER_AGENT: "Registered Supplier Agent",
    UserRole.ELECTRICITY_DISTRIBUTOR: "Electricity Distributor",
    UserRole.GAS_TRANSPORTER: "Gas Transporter",
    UserRole.OTHER_USER: "Other User",
}

_REMOTE_PARTY = {
    UserRole.IMPORT_SUPPLIER: RemotePartyRole.SUPPLIER,
    UserRole.EXPORT_SUPPLIER: RemotePartyRole.OTHER_USER,
    UserRole.GAS_SUPPLIER: RemotePartyRole.SUPPLIER,
    UserRole.REGISTERED_SUPPLIER_AGENT: RemotePartyRole.OTHER_USER,
    UserRole.ELECTRICITY_DISTRIBUTOR: RemotePartyRole.NETWORK_OPERATOR,
    UserRole.GAS_TRANSPORTER: RemotePartyRole.NETWORK_OPERATOR,
    UserRole.OTHER_USER: RemotePartyRole.OTHER_USER,
}

_E = frozenset({Fuel.ELECTRICITY})
_G = frozenset({Fuel.GAS})
_FUELS = {
    UserRole.IMPORT_SUPPLIER: _E,
    UserRole.EXPORT_SUPPLIER: _E,
    UserRole.GAS_SUPPLIER: _G,
    UserRole.REGISTERED_SUPPLIER_AGENT: _E | _G,
    UserRole.ELECTRICITY_DISTRIBUTOR: _E,
    UserRole.GAS_TRANSPORTER: _G,
    UserRole.OTHER_USER: _E | _G,
}

_MARKET: dict[UserRole, MarketRole | None] = {
    UserRole.IMPORT_SUPPLIER: MarketRole.SUPPLIER,
    UserRole.EXPORT_SUPPLIER: MarketRole.EXPORT_SUPPLIER,
    UserRole.GAS_SUPPLIER: MarketRole.SUPPLIER,
    UserRole.REGISTERED_SUPPLIER_AGENT: MarketRole.SUPPLIER_AGENT,
    UserRole.ELECTRICITY_DISTRIBUTOR: MarketRole.NETWORK_OPERATOR,
    UserRole.GAS_TRANSPORTER: MarketRole.NETWORK_OPERATOR,
    # Other Users are not in registration data; the SEC makes them responsible for
    # holding consent, which the DCC does not check (SEC H4, I1).
    UserRole.OTHER_USER: None,
}
