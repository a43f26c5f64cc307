"""Which Remote Party a meter sends an unsolicited Alert to.

A meter learns its Supplier, Network Operator and Load Controller from the certificates in
its trust anchor cells; Alerts that answer no Command (a load limit trip, the end of an APC
limit) go to the party of the right role. ``party`` reads the Digital Signing cell of the
role (``security_trust_anchors``) once a credential update has written it; a cell still as
manufactured names the DCC Boxed reference party, which a meter of another estate does not
know, so until then the meter names the party it has seen: the Remote Parties whose
Commands it accepted (its anti-replay record), each one's role read from its Organisation
Certificate in the keystore, the most active one (highest counter) winning.
"""

from __future__ import annotations

from opendcc.devices.security_trust_anchors import DS, CellId, TrustAnchors
from opendcc.devices.simulator import AntiReplay, DeviceContext
from opendcc.eui import Eui64
from opendcc.smki.identity import KeyUsage, RemotePartyRole


def role_of(context: DeviceContext, party: Eui64) -> RemotePartyRole | None:
    """The remote-party role of ``party``'s signing certificate, if the keystore has one."""
    for entry in context.security.keystore.find(party, KeyUsage.DIGITAL_SIGNING):
        if entry.role is not None:
            return entry.role
    return None


def party(context: DeviceContext, role: RemotePartyRole) -> Eui64 | None:
    """The meter's Remote Party in ``role``, or None when it knows of none."""
    if context.state.has(TrustAnchors):
        written = context.state.get(TrustAnchors).written(CellId(role, DS))
        if written is not None:
            return written.subject
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
