"""A DCC User's keys: the DUIS XML-signing identity and the GBCS signing key.

DUIS requests are signed with the User's XML-signing certificate (remote-party role 0x87,
as DCC Boxed issues them) or, failing that, its Organisation DS certificate. Pre-Commands
(critical requests) are signed with the Organisation DS key of the remote-party role the
Device trusts for the request (supplier, network operator, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.duis.signature import SigningIdentity
from opendcc.eui import Eui64
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore

_PARTY_ROLES = (
    RemotePartyRole.SUPPLIER,
    RemotePartyRole.NETWORK_OPERATOR,
    RemotePartyRole.OTHER_USER,
    RemotePartyRole.LOAD_CONTROLLER,
    RemotePartyRole.TRANSITIONAL_COS,
    RemotePartyRole.ACCESS_CONTROL_BROKER,
    RemotePartyRole.RECOVERY,
    RemotePartyRole.WAN_PROVIDER,
)


class IdentityError(LookupError):
    """The keys hold no usable identity for the User asked for."""


@dataclass(frozen=True, slots=True)
class UserIdentity:
    eui: Eui64
    name: str
    xml: SigningIdentity
    gbcs_keys: dict[RemotePartyRole, ec.EllipticCurvePrivateKey]

    def gbcs_key(self, role: RemotePartyRole | None = None) -> ec.EllipticCurvePrivateKey:
        """The DS key for Pre-Commands (of ``role`` if given, else the first held)."""
        if role is not None and role in self.gbcs_keys:
            return self.gbcs_keys[role]
        if role is None and self.gbcs_keys:
            return next(iter(self.gbcs_keys.values()))
        raise IdentityError(f"{self.name} holds no GBCS signing key for role {role}")

    @classmethod
    def from_keystore(cls, keystore: Keystore, eui: Eui64, name: str | None = None) -> UserIdentity:
        xml_entry = keystore.signer(eui, roles=[RemotePartyRole.XML_SIGNING, *_PARTY_ROLES])
        if xml_entry is None:
            raise IdentityError(f"no signing key for {eui} in the keystore")
        gbcs: dict[RemotePartyRole, ec.EllipticCurvePrivateKey] = {}
        for role in _PARTY_ROLES:
            entry = keystore.signer(eui, roles=[role])
            if entry is not None and entry.private_key is not None and entry.role is role:
                gbcs[role] = entry.private_key
        return cls(eui, name or xml_entry.name, SigningIdentity.from_entry(xml_entry), gbcs)


def resolve(keystore: Keystore, who: str, names: dict[str, Eui64] | None = None) -> UserIdentity:
    """A User by EUI-64 or by name (a demo PKI's party name, e.g. ``supplier-a``)."""
    try:
        eui = Eui64.parse(who)
    except ValueError:
        if names is None or who not in names:
            known = ", ".join(sorted(names or {})) or "none"
            raise IdentityError(f"no User called {who!r} (known: {known})") from None
        eui = names[who]
    return UserIdentity.from_keystore(keystore, eui, who)
