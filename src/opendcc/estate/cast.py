"""Who the demo estate's registration data names: the demo DCC Users, by role.

With a PKI (``--pki DIR``) the Users come from its ``index.json``, so the estate names
exactly the Parties whose keys the PKI holds. Without one the estate uses the Users that
``opendcc pki init`` creates by default (``smki.estates.DEMO``: the same names, EUIs and
roles) and adds a third supplier that is also an Export Supplier, a second network
operator of each fuel, and a Registered Supplier Agent, so that every User Role holds some
registrations. The DCC's own identity is always present (tag ``dcc``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from opendcc.access.users import DccUser
from opendcc.estate.pki_index import IndexedParty
from opendcc.estate.records import SeededUser, UserCertificate
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.inventory.model import CspRegion
from opendcc.roles import UserRole
from opendcc.smki.estates import DEMO

_IS, _ES, _GS = UserRole.IMPORT_SUPPLIER, UserRole.EXPORT_SUPPLIER, UserRole.GAS_SUPPLIER
_ED, _GT = UserRole.ELECTRICITY_DISTRIBUTOR, UserRole.GAS_TRANSPORTER
_RSA, _OU = UserRole.REGISTERED_SUPPLIER_AGENT, UserRole.OTHER_USER

EXTRA_USERS: Final[tuple[tuple[str, str, str, frozenset[UserRole]], ...]] = (
    ("supplier-c", "OPENDCC SUPPLIER C", "02-0D-CC-00-00-01-00-03", frozenset({_IS, _ES})),
    (
        "electricity-distributor-b",
        "OPENDCC ELECTRICITY DISTRIBUTOR B",
        "02-0D-CC-00-00-02-00-03",
        frozenset({_ED}),
    ),
    (
        "gas-transporter-b",
        "OPENDCC GAS TRANSPORTER B",
        "02-0D-CC-00-00-02-00-04",
        frozenset({_GT}),
    ),
    ("supplier-agent", "OPENDCC SUPPLIER AGENT", "02-0D-CC-00-00-07-00-02", frozenset({_RSA})),
)
"""(party, name, EUI, User Roles) of the Users the demo estate adds to the SMKI demo's."""

PLACEHOLDER_PARTY: Final = 0x020D_CC00_0000_FF00
"""``02-0D-CC-00-00-00-FF-nn``: a registered Party that is not a DCC User (when the PKI
has no User in a role registration data needs, such as Electricity Distributor)."""

REGIONS: Final = (CspRegion.NORTH, CspRegion.CENTRAL, CspRegion.SOUTH)


@dataclass(frozen=True, slots=True)
class DemoCast:
    """The Users to create and, per registration role, the Parties MPxNs are given to."""

    users: tuple[SeededUser, ...]
    import_suppliers: tuple[Eui64, ...]
    gas_suppliers: tuple[Eui64, ...]
    export_suppliers: tuple[Eui64, ...]
    supplier_agents: tuple[Eui64, ...]
    distributors: dict[CspRegion, Eui64]
    transporters: dict[CspRegion, Eui64]
    warnings: tuple[str, ...] = ()


def dcc_user(callback_url: str | None, *, tags: frozenset[str]) -> DccUser:
    return DccUser(
        eui=DCC_ACCESS_CONTROL_BROKER,
        name="DCC (Access Control Broker)",
        roles=frozenset(),
        callback_url=callback_url,
        party="DCC",
        tags=frozenset({"dcc"}) | tags,
    )


def generated_cast(created_at: datetime, callback_url: str | None = None) -> DemoCast:
    """The demo estate's own Users (no PKI): the SMKI demo's, and ``EXTRA_USERS``."""
    users = [SeededUser(dcc_user(None, tags=frozenset({"demo"})), created_at)]
    own = [(i.name, i.common_name, str(i.eui), frozenset(i.user_roles)) for i in DEMO.users()]
    for party, name, eui, roles in own + list(EXTRA_USERS):
        user = DccUser(
            eui=Eui64.parse(eui),
            name=name,
            roles=roles,
            callback_url=callback_url,
            party=party,
            tags=frozenset({"demo"}),
        )
        users.append(SeededUser(user, created_at))
    return _cast(users)


def cast_from_index(
    parties: list[IndexedParty], created_at: datetime, callback_url: str | None = None
) -> DemoCast:
    """The Users of a PKI ``index.json`` (see ``estate.pki_index``)."""
    users: list[SeededUser] = []
    for party in parties:
        if not party.is_user:
            continue
        certificates = tuple(
            UserCertificate(c.serial, c.label, c.remote_party_role) for c in party.certificates
        )
        if party.is_dcc:
            user = dcc_user(None, tags=frozenset({"demo"}))
        else:
            user = DccUser(
                eui=party.eui,
                name=party.display_name[:100],
                roles=party.user_roles,
                callback_url=callback_url,
                party=party.name[:100],
                tags=frozenset(
                    {"demo", "load_controller"} if party.is_load_controller else {"demo"}
                ),
            )
        users.append(SeededUser(user, created_at, certificates))
    if not any(s.user.eui == DCC_ACCESS_CONTROL_BROKER for s in users):
        users.insert(0, SeededUser(dcc_user(None, tags=frozenset({"demo"})), created_at))
    return _cast(users)


def _cast(users: list[SeededUser]) -> DemoCast:
    def holders(role: UserRole) -> tuple[Eui64, ...]:
        return tuple(s.user.eui for s in users if role in s.user.roles)

    warnings: list[str] = []
    importers = holders(_IS)
    if not importers:
        warnings.append("no User is an Import Supplier: MPANs get a placeholder supplier")
        importers = (Eui64(PLACEHOLDER_PARTY + 1),)
    return DemoCast(
        users=tuple(users),
        import_suppliers=importers,
        gas_suppliers=holders(_GS),
        export_suppliers=holders(_ES),
        supplier_agents=holders(_RSA),
        distributors=_by_region(holders(_ED), 0x10, "Electricity Distributor", warnings),
        transporters=_by_region(holders(_GT), 0x20, "Gas Transporter", warnings),
        warnings=tuple(warnings),
    )


def _by_region(
    found: tuple[Eui64, ...], placeholder: int, what: str, warnings: list[str]
) -> dict[CspRegion, Eui64]:
    """One network operator per CSP region, round robin over those the cast has."""
    if not found:
        warnings.append(f"no User is a {what}: its registrations name placeholder Parties")
        return {r: Eui64(PLACEHOLDER_PARTY + placeholder + i) for i, r in enumerate(REGIONS)}
    return {r: found[i % len(found)] for i, r in enumerate(REGIONS)}
