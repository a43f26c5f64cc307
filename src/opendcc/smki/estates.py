"""Who holds organisation certificates in a test PKI: the DCC and the demo Users.

This is the one place where the demo estate's Parties and their EUI-64s are written down;
``opendcc pki init`` issues certificates for them and the hub's demo estate registers the
same Users, so the two always agree.

The DCC keeps the EUI-64 that DUIS fixes for it (``90-B3-D5-1F-30-00-00-02``, the target
of non-device requests and originator of DSP responses). Every other EUI-64 here is
opendcc's own: the first octet ``02`` has the IEEE "locally administered" bit set, so no
manufacturer or real Party can hold it, and ``0D-CC`` marks opendcc. None is a DCC Boxed
EUI (those are ``90-B3-D5-1F-30-xx-xx-xx`` and ``00-DB-12-34-56-78-00-04``).

Each User gets three certificates, as DCC Boxed issues them:

- a Digital Signing certificate in its remote-party role, for signing GBCS Commands
  (Pre-Commands of critical requests);
- a Key Agreement certificate in its remote-party role, for GBCS MACs and encryption;
- an XML-signing Digital Signing certificate with role ``0x87``, for signing DUIS Service
  Requests. DCC Boxed signs and verifies DUIS with these (its ``xml-sign-<EUI>-ds``
  credentials), keeping the key that signs DUIS XML apart from the one whose signature
  devices trust on Commands; opendcc does the same so that DCC Boxed clients work
  unchanged.

A Supplier gets a fourth: a second Key Agreement certificate in the Supplier role, its
*prepayment top-up* key (``<eui>-pp-ka``, named as the reference keystore names the RTDS
Suppliers' ``90b3d51f30010000-pp-ka``). GBCS 14 (UTRNs) keys each top-up token's MAC by ECDH
of this key with the Device's Key Agreement key; the Device holds the certificate in its
Supplier trust anchor cell with cell usage "prepayment top-up" (GBCS 13.2.4), apart from
the management key that protects Commands. ``opendcc utrn`` makes UTRNs with it.

The DCC's access control broker holds DS and KA certificates in role ``04``, and the DSP
signs DUIS responses and alerts with a ``0x89`` XML-signing certificate. The DCC's other
device-facing roles (Recovery, Transitional CoS, WAN Provider) get their own opendcc EUIs.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from opendcc.eui import (
    DCC_ACCESS_CONTROL_BROKER,
    DCC_RECOVERY,
    DCC_TRANSITIONAL_COS,
    DCC_WAN_PROVIDER,
    Eui64,
)
from opendcc.roles import UserRole
from opendcc.smki.identity import KeyUsage, RemotePartyRole


class CertificatePurpose(enum.StrEnum):
    """What a Party uses one of its certificates for."""

    GBCS_SIGNING = "gbcs-signing"
    KEY_AGREEMENT = "key-agreement"
    DUIS_SIGNING = "duis-signing"
    PREPAYMENT_TOP_UP = "prepayment-top-up"


@dataclass(frozen=True, slots=True)
class CertificateSpec:
    """One certificate a Party holds. ``label`` names its files: ``<eui>-<label>.pem``."""

    label: str
    role: RemotePartyRole
    usage: KeyUsage
    purpose: CertificatePurpose

    def __post_init__(self) -> None:
        # The keystore reads the usage from the file name's ending.
        if not self.label.endswith(f"-{self.usage.value}") and self.label != self.usage.value:
            raise ValueError(f"label {self.label!r} must end with -{self.usage.value}")


@dataclass(frozen=True, slots=True)
class PartyIdentity:
    """A Party that holds organisation certificates."""

    name: str
    common_name: str
    eui: Eui64
    user_roles: tuple[UserRole, ...]
    role: RemotePartyRole
    certificates: tuple[CertificateSpec, ...]

    def file_stem(self, spec: CertificateSpec) -> str:
        return f"{self.eui.hex}-{spec.label}"


@dataclass(frozen=True, slots=True)
class Estate:
    """A named set of Parties for ``opendcc pki init --estate``."""

    name: str
    description: str
    identities: tuple[PartyIdentity, ...]

    def identity(self, name: str) -> PartyIdentity:
        for identity in self.identities:
            if identity.name == name:
                return identity
        raise KeyError(name)

    def users(self) -> tuple[PartyIdentity, ...]:
        """The Parties that act in at least one SEC User Role."""
        return tuple(i for i in self.identities if i.user_roles)


OPENDCC_EUI_PREFIX: Final = 0x020DCC
"""The top 24 bits of every opendcc-assigned EUI-64 (locally administered, "0DCC")."""

DCC: Final = DCC_ACCESS_CONTROL_BROKER

DEMO_SUPPLIER_A: Final = Eui64.parse("02-0D-CC-00-00-01-00-01")
DEMO_SUPPLIER_B: Final = Eui64.parse("02-0D-CC-00-00-01-00-02")
DEMO_ELECTRICITY_DISTRIBUTOR: Final = Eui64.parse("02-0D-CC-00-00-02-00-01")
DEMO_GAS_TRANSPORTER: Final = Eui64.parse("02-0D-CC-00-00-02-00-02")
DEMO_OTHER_USER: Final = Eui64.parse("02-0D-CC-00-00-07-00-01")


def _ds(role: RemotePartyRole) -> CertificateSpec:
    return CertificateSpec("ds", role, KeyUsage.DIGITAL_SIGNING, CertificatePurpose.GBCS_SIGNING)


def _ka(role: RemotePartyRole) -> CertificateSpec:
    return CertificateSpec("ka", role, KeyUsage.KEY_AGREEMENT, CertificatePurpose.KEY_AGREEMENT)


PREPAYMENT_TOP_UP: Final = CertificateSpec(
    "pp-ka",
    RemotePartyRole.SUPPLIER,
    KeyUsage.KEY_AGREEMENT,
    CertificatePurpose.PREPAYMENT_TOP_UP,
)
"""A Supplier's prepayment top-up key (GBCS 14.2, the UTRN's key agreement key). The label
holds ``-pp-`` (``gbcs.security.PREPAYMENT_KEY_MARK``): the keystore and the Devices tell it
from the Supplier's management key agreement key by that mark, as in the reference keystore."""


XML_SIGNING: Final = CertificateSpec(
    "xmlsign-ds",
    RemotePartyRole.XML_SIGNING,
    KeyUsage.DIGITAL_SIGNING,
    CertificatePurpose.DUIS_SIGNING,
)
DSP_XML_SIGNING: Final = CertificateSpec(
    "dspxmlsign-ds",
    RemotePartyRole.DSP_XML_SIGNING,
    KeyUsage.DIGITAL_SIGNING,
    CertificatePurpose.DUIS_SIGNING,
)


def user(
    name: str,
    common_name: str,
    eui: Eui64,
    user_roles: tuple[UserRole, ...],
    role: RemotePartyRole,
) -> PartyIdentity:
    """A User with DS and KA certificates in ``role`` and a DUIS XML-signing certificate;
    a Supplier also gets its prepayment top-up key agreement certificate."""
    top_up = (PREPAYMENT_TOP_UP,) if role is RemotePartyRole.SUPPLIER else ()
    return PartyIdentity(
        name, common_name, eui, user_roles, role, (_ds(role), _ka(role), XML_SIGNING, *top_up)
    )


DCC_IDENTITIES: Final = (
    PartyIdentity(
        "dcc",
        "OPENDCC DCC",
        DCC,
        (),
        RemotePartyRole.ACCESS_CONTROL_BROKER,
        (
            _ds(RemotePartyRole.ACCESS_CONTROL_BROKER),
            _ka(RemotePartyRole.ACCESS_CONTROL_BROKER),
            DSP_XML_SIGNING,
        ),
    ),
    PartyIdentity(
        "dcc-recovery",
        "OPENDCC RECOVERY",
        DCC_RECOVERY,
        (),
        RemotePartyRole.RECOVERY,
        (_ds(RemotePartyRole.RECOVERY),),
    ),
    PartyIdentity(
        "dcc-transitional-cos",
        "OPENDCC TRANSITIONAL COS",
        DCC_TRANSITIONAL_COS,
        (),
        RemotePartyRole.TRANSITIONAL_COS,
        (_ds(RemotePartyRole.TRANSITIONAL_COS),),
    ),
    PartyIdentity(
        "dcc-wan-provider",
        "OPENDCC WAN PROVIDER",
        DCC_WAN_PROVIDER,
        (),
        RemotePartyRole.WAN_PROVIDER,
        (_ds(RemotePartyRole.WAN_PROVIDER),),
    ),
)

DEMO_USERS: Final = (
    user(
        "supplier-a",
        "OPENDCC SUPPLIER A",
        DEMO_SUPPLIER_A,
        (UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER),
        RemotePartyRole.SUPPLIER,
    ),
    user(
        "supplier-b",
        "OPENDCC SUPPLIER B",
        DEMO_SUPPLIER_B,
        (UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER),
        RemotePartyRole.SUPPLIER,
    ),
    user(
        "electricity-distributor",
        "OPENDCC ELECTRICITY DISTRIBUTOR",
        DEMO_ELECTRICITY_DISTRIBUTOR,
        (UserRole.ELECTRICITY_DISTRIBUTOR,),
        RemotePartyRole.NETWORK_OPERATOR,
    ),
    user(
        "gas-transporter",
        "OPENDCC GAS TRANSPORTER",
        DEMO_GAS_TRANSPORTER,
        (UserRole.GAS_TRANSPORTER,),
        RemotePartyRole.NETWORK_OPERATOR,
    ),
    user(
        "other-user",
        "OPENDCC OTHER USER",
        DEMO_OTHER_USER,
        (UserRole.OTHER_USER,),
        RemotePartyRole.OTHER_USER,
    ),
)

DEMO: Final = Estate(
    "demo",
    "The DCC and five demo Users: two Import and Gas Suppliers, an Electricity "
    "Distributor, a Gas Transporter and an Other User.",
    DCC_IDENTITIES + DEMO_USERS,
)

ESTATES: Final[Mapping[str, Estate]] = {DEMO.name: DEMO}
"""Every estate ``opendcc pki init --estate`` knows, by name."""
