"""What a User Role means for access to Devices.

The roles themselves are ``opendcc.roles.UserRole``. Here: the GBCS remote-party role whose
keys a Device trusts for Commands sent in that role, the fuels whose Devices the role can
act on, and the registration-data role that makes it eligible for an MPxN (the E4 check).
"""

from __future__ import annotations

from opendcc.inventory.model import Fuel, MarketRole
from opendcc.roles import UserRole
from opendcc.smki.identity import RemotePartyRole

__all__ = ["UserRole", "fuels_of", "market_role_of", "remote_party_role_of"]


def remote_party_role_of(role: UserRole) -> RemotePartyRole:
    """The GBCS remote-party role whose keys a Device trusts for this User Role."""
    return _REMOTE_PARTY[role]


def fuels_of(role: UserRole) -> frozenset[Fuel]:
    """The fuels whose Devices this role can act on."""
    return _FUELS[role]


def market_role_of(role: UserRole) -> MarketRole | None:
    """The registration-data role that makes this User Role eligible for an MPxN."""
    return _MARKET[role]


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
