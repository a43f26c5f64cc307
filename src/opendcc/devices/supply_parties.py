"""Which Remote Party a meter sends an unsolicited Alert to.

A meter learns its Supplier, Network Operator and Load Controller from the certificates in
its trust anchor cells; Alerts that answer no Command (a load limit trip, the end of an APC
limit) go to the party of the right role. The trust anchor cells belong to the security
family; until its section is on main, ``party`` falls back on what the meter has seen: the
Remote Parties whose Commands it accepted (its anti-replay record), each one's role read
from its Organisation Certificate in the keystore, the most active one (highest counter)
winning. ``use_party_directory(fn)`` installs the real lookup, ``fn(context, role)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from opendcc.devices.simulator import AntiReplay, DeviceContext
from opendcc.eui import Eui64
from opendcc.smki.identity import KeyUsage, RemotePartyRole

PartyDirectory = Callable[[DeviceContext, RemotePartyRole], Eui64 | None]


@dataclass(slots=True)
class _Directory:
    lookup: PartyDirectory | None = None


_DIRECTORY = _Directory()


def use_party_directory(lookup: PartyDirectory | None) -> None:
    """Install the trust-anchor lookup (the security family's), or remove it (None)."""
    _DIRECTORY.lookup = lookup


def role_of(context: DeviceContext, party: Eui64) -> RemotePartyRole | None:
    """The remote-party role of ``party``'s signing certificate, if the keystore has one."""
    for entry in context.security.keystore.find(party, KeyUsage.DIGITAL_SIGNING):
        if entry.role is not None:
            return entry.role
    return None


def party(context: DeviceContext, role: RemotePartyRole) -> Eui64 | None:
    """The meter's Remote Party in ``role``, or None when it knows of none."""
    if _DIRECTORY.lookup is not None:
        return _DIRECTORY.lookup(context, role)
    seen = context.state.get(AntiReplay).last
    best: tuple[int, Eui64] | None = None
    for text, counter in seen.items():
        try:
            eui = Eui64.parse(text)
        except ValueError:
            continue
        if role_of(context, eui) is role and (best is None or counter > best[0]):
            best = (counter, eui)
    return None if best is None else best[1]
