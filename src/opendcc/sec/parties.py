"""Who the SEC rules speak of: Parties (the DCC among them) and the User Roles they act in.

A Party is an organisation that acceded to the SEC; it becomes a User in one or more User
Roles (consultation glossary, "User Role" and "DCC User"). The SEC's suspension rules
(M8.6) distinguish the 'Other User' User Role from every other one, because a licensee
acting as a supplier or network operator serves consumers under its licence (consultation
para 37). ``PartyId`` is the hub's name for a Party; the DCC's is ``DCC``.
"""

from __future__ import annotations

from typing import Final, NewType

PartyId = NewType("PartyId", str)
"""The identifier the hub gives a SEC Party (for example ``"DCC"`` or ``"SUPPLIER-A"``)."""

DCC: Final = PartyId("DCC")
"""The Data and Communications Company, itself a Party (consultation glossary)."""
