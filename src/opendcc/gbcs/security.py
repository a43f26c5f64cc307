"""Which keys protect which GBCS message, over a keystore: MACs, signatures, payload keys.

The rules (GBCS 4.3 and 7.2; each checked against every reference vector):

- The MAC of a Command is made by the Access Control Broker, whoever originated the
  Command: the key pair is the ACB's key agreement (KA) key and the recipient Device's KA
  key. A HAN-only Command from one Device to another (PCS01, PCS02, ...) uses the two
  Devices' KA keys.
- The MAC of a Response or Alert uses the originating Device's KA key and the recipient's
  (the Remote Party's, or the ACB's) KA key.
- Payload encryption (KDF mode 04) uses the originating Device's KA key and the KA key of
  the party the payload is for: the supplementary remote party when the grouping header
  names one (an unknown remote party's data relayed through the ACB), else the recipient.
  Its otherInfo names that party as recipient and, in a Response that carries a
  supplementary originator counter, takes that counter instead of the header's.
- A signature is the originator's, made with its digital signing (DS) key.

ECDH is symmetric, so a MAC or payload key can be made from either side's private key:
the hub holds the ACB's and Users' private keys, a simulated Device its own. The other side
needs only a certificate (or public key) in the keystore. When neither private key is
there, the key cannot be made: verification reports ``valid=None`` with the reason, and
building raises ``MissingKeyError``.

Key agreement keys whose keystore name marks them ``-pp-`` are a Supplier's prepayment
top-up keys (GBCS keeps them in a trust anchor cell of their own, for UTRNs); they never
protect messages and are not used here.

A keystore may hold several certificates for one party (reissued credentials); when
verifying, every candidate pair is tried before a MAC or signature is reported invalid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ec

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs import crypto, message_codes
from opendcc.gbcs.context import Cra, Decryptor, GbcsEncodeError
from opendcc.gbcs.crypto import KdfMode, SharedSecrets
from opendcc.gbcs.frame import GbcsMessage, GroupingHeader
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import KeyEntry, Keystore
from opendcc.smki.loading import KeyMaterialError, load_certificate, public_key_of

PREPAYMENT_KEY_MARK: Final = "-pp-"

Encryptor = Callable[[bytes, int], bytes]

DeviceKeySource = Callable[[Eui64, KeyUsage], KeyEntry | None]
"""Keys the keystore does not hold, found on demand: the hub's simulated Devices, whose
keys are derived from the estate secret (``opendcc.smki.devices``) rather than stored."""

_CACHE_LIMIT: Final = 200_000
"""Look-up caches are bounded: an estate of millions of Devices must not grow memory
without limit. When a cache is full it is cleared (rebuilt on demand, which is cheap)."""
"""Given a plaintext and an invocation counter, the encrypted payload block."""


class MissingKeyError(GbcsEncodeError):
    """A key needed to build a message (MAC, signature or payload encryption) is not in the
    keystore; the message says which."""


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of checking a MAC or signature.

    ``valid`` is True or False when the check ran, None when it could not (no MAC or
    signature to check, or a key missing); ``detail`` names the key that verified, or why
    the check failed or did not run.
    """

    valid: bool | None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class _Secret:
    value: bytes
    description: str


class GbcsSecurity:
    """The GBCS key rules over a ``Keystore``, with derived-key caches for the hot path.

    ``access_control_broker`` is the EUI whose KA key MACs Commands (the DCC's own,
    90-B3-D5-1F-30-00-00-02, by default). Look-ups are cached; call ``refresh()`` after
    changing the keystore (adding entries is noticed automatically).
    """

    def __init__(
        self,
        keystore: Keystore,
        *,
        access_control_broker: Eui64 = DCC_ACCESS_CONTROL_BROKER,
        shared_secrets: SharedSecrets | None = None,
        device_keys: DeviceKeySource | None = None,
    ) -> None:
        self.keystore = keystore
        self.device_keys = device_keys
        self.access_control_broker = access_control_broker
        self._shared = shared_secrets or SharedSecrets()
        self._entries: dict[tuple[Eui64, KeyUsage], list[KeyEntry]] = {}
        self._pairs: dict[tuple[Eui64, Eui64], list[_Secret]] = {}
        self._certificates: dict[bytes, ec.EllipticCurvePublicKey] = {}
        self._generation = len(keystore.entries)

    def refresh(self) -> None:
        """Forget cached look-ups (after the keystore changed)."""
        self._entries.clear()
        self._pairs.clear()
        self._generation = len(self.keystore.entries)

    # --- the rules ------------------------------------------------------------------------

    def mac_parties(self, header: GroupingHeader) -> tuple[Eui64, Eui64]:
        """The two parties whose KA keys make the MAC key: (remote side, device side)."""
        if header.cra is Cra.COMMAND:
            code = message_codes.lookup(header.message_code)
            if code is not None and code.han_only:
                return header.originator, header.recipient
            return self.access_control_broker, header.recipient
        return header.recipient, header.originator

    @staticmethod
    def payload_parties(header: GroupingHeader) -> tuple[Eui64, int]:
        """(the party a payload is encrypted for, the counter its otherInfo carries)."""
        other = header.other_information
        party = other.supplementary_remote_party or header.recipient
        counter = (
            other.supplementary_originator_counter
            if other.supplementary_originator_counter is not None
            else header.originator_counter
        )
        return party, counter

    # --- MAC ------------------------------------------------------------------------------

    def _mac_keys(self, header: GroupingHeader) -> list[tuple[bytes, str]]:
        remote, device = self.mac_parties(header)
        info = crypto.other_info(
            header.originator, KdfMode(header.cra), header.originator_counter, header.recipient
        )
        return [
            (crypto.derive_key(s.value, info), s.description) for s in self._secrets(remote, device)
        ]

    def _mac_missing(self, header: GroupingHeader) -> str:
        return self._missing(*self.mac_parties(header))

    def compute_mac(self, message: GbcsMessage) -> bytes:
        """The MAC the message should carry; raises MissingKeyError."""
        keys = self._mac_keys(message.header)
        if not keys:
            raise MissingKeyError(f"cannot compute the MAC: {self._mac_missing(message.header)}")
        return crypto.compute_mac(keys[0][0], message.originator, message.general_signing_bytes())

    def seal(self, message: GbcsMessage) -> GbcsMessage:
        """The message inside a MAC header with its MAC computed."""
        return message.with_mac(self.compute_mac(message.with_mac(None)))

    def verify_mac(
        self, message: GbcsMessage, general_signing: bytes | None = None
    ) -> Verification:
        """Check the MAC; ``general_signing`` may pass the received bytes it covers (see
        ``decode_message_with_body``) to save re-encoding them."""
        if not message.mac_header or message.mac is None:
            return Verification(None, "the message has no MAC")
        keys = self._mac_keys(message.header)
        if not keys:
            return Verification(None, self._mac_missing(message.header))
        body = message.general_signing_bytes() if general_signing is None else general_signing
        for key, description in keys:
            if crypto.mac_matches(key, message.originator, body, message.mac):
                return Verification(True, description)
        tried = "; ".join(description for _, description in keys)
        return Verification(False, f"MAC does not match ({tried})")

    # --- signatures -------------------------------------------------------------------------

    def sign(self, message: GbcsMessage, signer: Eui64 | None = None) -> GbcsMessage:
        """The message signed with the DS key of ``signer`` (default: its originator).

        The MAC, if any, is dropped: a signed message must be sealed afterwards.
        """
        eui = signer or message.originator
        entry = next(
            (e for e in self._candidates(eui, KeyUsage.DIGITAL_SIGNING) if e.private_key), None
        )
        if entry is None and self.device_keys is not None:
            # The keystore may hold only a Device's certificate (the reference keystore does):
            # a simulated Device then signs with its derived key, published by the hub's SMKI.
            entry = self.device_keys(eui, KeyUsage.DIGITAL_SIGNING)
        if entry is None or entry.private_key is None:
            raise MissingKeyError(f"no digital signing private key for {eui}")
        unsigned = message.with_signature(None)
        return message.with_signature(crypto.sign(entry.private_key, unsigned.signed_bytes()))

    def verify_signature(
        self, message: GbcsMessage, general_signing: bytes | None = None
    ) -> Verification:
        """Check the signature; ``general_signing`` as for ``verify_mac``."""
        if message.signature is None:
            return Verification(None, "the message is not signed")
        candidates = self._candidates(message.originator, KeyUsage.DIGITAL_SIGNING)
        if not candidates:
            return Verification(
                None, f"no digital signing certificate for the originator {message.originator}"
            )
        data = (
            message.signed_bytes()
            if general_signing is None
            else general_signing[1 : -(1 + len(message.signature))]
        )
        for entry in candidates:
            if crypto.verify(entry.public_key, data, message.signature):
                return Verification(True, _describe(entry))
        tried = ", ".join(_describe(e) for e in candidates)
        return Verification(False, f"signature does not verify with {tried}")

    # --- payload encryption -----------------------------------------------------------

    def payload_keys(
        self, header: GroupingHeader, party_certificate: bytes | None = None
    ) -> list[bytes]:
        """Candidate payload-encryption keys for the message, best first (may be empty).

        ``party_certificate`` is the DER KA certificate of the party the payload is for,
        when the keystore does not hold it: a Device answering an ACB Command for an unknown
        remote party takes it from that Command's other-information.
        """
        party, counter = self.payload_parties(header)
        info = crypto.other_info(header.originator, KdfMode.PAYLOAD_ENCRYPTION, counter, party)
        if party_certificate is None:
            secrets = self._secrets(party, header.originator)
        else:
            public_key = self._certificates.get(party_certificate)
            if public_key is None:
                public_key = self._certificates[party_certificate] = _public_key_of(
                    party_certificate
                )
            secrets = self._secrets_with(header.originator, public_key)
        return [crypto.derive_key(s.value, info) for s in secrets]

    def decryptor(
        self, header: GroupingHeader, party_certificate: bytes | None = None
    ) -> Decryptor:
        """``PayloadContext.decrypt`` for this message: block in, plaintext or None out.

        Keys are derived on the first call only; ``party_certificate`` as for
        ``payload_keys``.
        """
        originator = header.originator
        keys: list[bytes] | None = None

        def decrypt(block: bytes) -> bytes | None:
            nonlocal keys
            if keys is None:
                keys = self.payload_keys(header, party_certificate)
            for index, key in enumerate(keys):
                plaintext = crypto.decrypt_block(key, originator, bytes(block))
                if plaintext is not None:
                    if index:
                        keys.insert(0, keys.pop(index))
                    return plaintext
            return None

        return decrypt

    def encryptor(
        self, header: GroupingHeader, party_certificate: bytes | None = None
    ) -> Encryptor:
        """Encrypts payload blocks for this message; raises MissingKeyError now if it can't.

        ``party_certificate`` as for ``payload_keys``.
        """
        keys = self.payload_keys(header, party_certificate)
        if not keys:
            party, _ = self.payload_parties(header)
            raise MissingKeyError(
                f"cannot encrypt the payload: {self._missing(party, header.originator)}"
            )
        key, originator = keys[0], header.originator

        def encrypt(plaintext: bytes, invocation_counter: int = 0) -> bytes:
            return crypto.encrypt_block(key, originator, invocation_counter, plaintext)

        return encrypt

    # --- keystore look-ups ------------------------------------------------------------

    def _candidates(self, eui: Eui64, usage: KeyUsage) -> list[KeyEntry]:
        if len(self.keystore.entries) != self._generation:
            self.refresh()
        found = self._entries.get((eui, usage))
        if found is None:
            found = [
                e
                for e in self.keystore.find(eui, usage)
                if usage is not KeyUsage.KEY_AGREEMENT or PREPAYMENT_KEY_MARK not in e.name
            ]
            if not found and self.device_keys is not None:
                derived = self.device_keys(eui, usage)
                found = [derived] if derived is not None else []
            # Entries with a private key first: they are the ones a pair can be made from.
            found.sort(key=lambda e: e.private_key is None)
            if len(self._entries) >= _CACHE_LIMIT:
                self._entries.clear()
            self._entries[(eui, usage)] = found
        return found

    def _secrets(self, first: Eui64, second: Eui64) -> list[_Secret]:
        """Every Z one private key of either party can make with the other's public key."""
        if len(self.keystore.entries) != self._generation:
            self.refresh()
        cached = self._pairs.get((first, second))
        if cached is not None:
            return cached
        usage = KeyUsage.KEY_AGREEMENT
        ours, theirs = self._candidates(first, usage), self._candidates(second, usage)
        secrets: list[_Secret] = []
        for reverse, (private_side, public_side) in enumerate(((ours, theirs), (theirs, ours))):
            for holder in private_side:
                if holder.private_key is None:
                    continue
                for peer in public_side:
                    if peer.public_key is holder.public_key:
                        continue
                    if reverse and peer.private_key is not None:
                        # Made in the first pass with the roles swapped: ECDH gives both
                        # sides one Z (an entry's private key always matches its public
                        # key: the keystore joins them by it), so computing it again
                        # would only double the cost of a new pair.
                        continue
                    secrets.append(
                        _Secret(
                            self._shared(holder.private_key, peer.public_key),
                            f"{_describe(holder)} (private) with {_describe(peer)}",
                        )
                    )
        if len(self._pairs) >= _CACHE_LIMIT:
            self._pairs.clear()
        self._pairs[(first, second)] = secrets
        return secrets

    def _secrets_with(self, eui: Eui64, public_key: ec.EllipticCurvePublicKey) -> list[_Secret]:
        """Every Z ``eui``'s KA private keys make with a public key given directly."""
        return [
            _Secret(self._shared(e.private_key, public_key), f"{_describe(e)} (private)")
            for e in self._candidates(eui, KeyUsage.KEY_AGREEMENT)
            if e.private_key is not None
        ]

    def _missing(self, first: Eui64, second: Eui64) -> str:
        usage = KeyUsage.KEY_AGREEMENT
        ours, theirs = self._candidates(first, usage), self._candidates(second, usage)
        problems = []
        for eui, entries in ((first, ours), (second, theirs)):
            if not entries:
                problems.append(f"no key agreement key for {eui}")
        if not problems:
            problems.append(
                f"no key agreement private key for either {first} or {second} "
                "(only their certificates)"
            )
        return "; ".join(problems)


def _public_key_of(certificate: bytes) -> ec.EllipticCurvePublicKey:
    try:
        return public_key_of(load_certificate(certificate))
    except KeyMaterialError as exc:
        raise GbcsEncodeError(f"supplementary remote party certificate: {exc}") from exc


def _describe(entry: KeyEntry) -> str:
    serial = f" serial {entry.serial:X}" if entry.serial is not None else ""
    return f"{entry.name}{serial}"
