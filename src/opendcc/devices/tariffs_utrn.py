"""Prepayment top-up tokens: the UTRN a Supplier issues and a meter verifies (GBCS 14).

A UTRN (Unique Transaction Reference Number) is twenty decimal digits:

1. The 64-bit Prepayment Top-Up Token (PTUT). Its high 32 bits are seven zero bits, the
   low 10 bits of the top-up originator counter's high 32 bits (UTRN counters count in
   steps of 2**32), two bits of value class (00 pennies, 01 pounds) and 13 bits of value
   (0-8191). Its low 32 bits are the last four octets of a GCM tag that authenticates the
   high half.
2. The tag: AES-128-GCM over an empty plaintext with IV = the Supplier's system title ||
   00000000 and AAD = ``11 00000000 00`` || Supplier || Device || ``01`` || the full
   originator counter (8 octets) || the PTUT's high 32 bits. The key comes from the GBCS
   KDF (mode 01, the counter, Supplier as originator, Device as recipient) over ECDH of the
   Supplier's *prepayment top-up* key agreement key (``-pp-ka``, which the Device holds in
   its own trust anchor cell) with the Device's key agreement key.
3. The Prepayment Token Decimal (PPTD) is 7394156990786306048 + PTUT, written in decimal
   (19 digits), followed by a check digit from GBCS's variant of the Verhoeff algorithm
   (tables 14.8a-c below).

Verification is the reverse, with the full counter taken from the Command that carried the
UTRN (CS01a/CS01b: the DUIS RequestID counter is the top-up counter) and checked against
the UTRN's ten counter bits. ECDH is symmetric, so either side's private key makes the
key: a Device uses its own; in the reference keystore, which holds only Device
certificates, the Supplier's ``-pp-ka`` private key does the same job (tests, and
``mint`` for Suppliers testing their token generation).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from opendcc.eui import Eui64
from opendcc.gbcs import crypto
from opendcc.gbcs.security import PREPAYMENT_KEY_MARK, GbcsSecurity
from opendcc.smki.identity import KeyUsage
from opendcc.smki.keystore import KeyEntry

PPTD_BASE: Final = 7_394_156_990_786_306_048
"""Added to the PTUT so that every PPTD has nineteen digits."""
MAX_VALUE: Final = 8191
_AAD_PREFIX: Final = bytes.fromhex("110000000000")
_COUNTER_STEP: Final = 32
_COUNTER_BITS: Final = 0x3FF

# GBCS tables 14.8a (permutation), 14.8b (multiplication) and 14.8c (inverse).
_PERMUTATION: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_MULTIPLICATION: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_INVERSE: Final = (1, 2, 6, 7, 5, 8, 3, 0, 9, 4)
_FIRST_PERMUTATION: Final = 4


class ValueClass(enum.IntEnum):
    PENNIES = 0
    POUNDS = 1

    @property
    def minor_units(self) -> int:
        """Meter money units (1/100000 of the currency unit) per unit of value."""
        return 1_000 if self is ValueClass.PENNIES else 100_000


class UtrnError(ValueError):
    """A UTRN that does not verify; ``reason`` says which check failed."""

    def __init__(self, reason: UtrnFailure, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class UtrnFailure(enum.Enum):
    MALFORMED = "malformed"
    CHECK_DIGIT = "check digit"
    COUNTER = "counter"
    NOT_AUTHENTIC = "not authentic"
    NO_KEY = "no key"


@dataclass(frozen=True, slots=True)
class TopUpToken:
    """A verified UTRN."""

    utrn: str
    counter: int
    value: int
    value_class: ValueClass

    @property
    def amount(self) -> int:
        """The credit in meter money units (1/100000 of the currency unit)."""
        return self.value * self.value_class.minor_units


def check_digit(digits: str) -> str:
    """The GBCS Verhoeff check digit of a string of decimal digits."""
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"not a string of digits: {digits!r}")
    check = 0
    row = _FIRST_PERMUTATION
    for char in digits:
        check = _MULTIPLICATION[check][_PERMUTATION[row][ord(char) - 48]]
        row = (row + 1) % len(_PERMUTATION)
    return str(_INVERSE[check])


def high_word(counter: int, value: int, value_class: ValueClass) -> int:
    if not 0 <= value <= MAX_VALUE:
        raise ValueError(f"a top-up value is 0 to {MAX_VALUE}: {value}")
    return ((counter >> _COUNTER_STEP) & _COUNTER_BITS) << 15 | int(value_class) << 13 | value


def tag(key: bytes, supplier: Eui64, device: Eui64, counter: int, high: int) -> bytes:
    """The last four octets of the GCM tag over the PTUT's high word."""
    aad = (
        _AAD_PREFIX
        + bytes(supplier)
        + bytes(device)
        + b"\x01"
        + counter.to_bytes(8, "big")
        + high.to_bytes(4, "big")
    )
    return AESGCM(key).encrypt(bytes(supplier) + bytes(4), b"", aad)[-4:]


def derive_key(secret: bytes, supplier: Eui64, device: Eui64, counter: int) -> bytes:
    info = crypto.other_info(supplier, crypto.KdfMode.COMMAND, counter, device)
    return crypto.derive_key(secret, info)


def encode(counter: int, value: int, value_class: ValueClass, mac: bytes) -> str:
    high = high_word(counter, value, value_class)
    pptd = str(PPTD_BASE + (high << 32 | int.from_bytes(mac, "big")))
    return pptd + check_digit(pptd)


def parse(utrn: str) -> tuple[int, bytes]:
    """The PTUT's high word and tag of a well-formed UTRN; raises ``UtrnError``."""
    if len(utrn) != 20 or not utrn.isascii() or not utrn.isdigit():
        raise UtrnError(UtrnFailure.MALFORMED, f"a UTRN is twenty digits: {utrn!r}")
    if check_digit(utrn[:19]) != utrn[19]:
        raise UtrnError(UtrnFailure.CHECK_DIGIT, "the UTRN's check digit does not match")
    ptut = int(utrn[:19]) - PPTD_BASE
    if not 0 <= ptut < 1 << 64 or ptut >> 57:
        raise UtrnError(UtrnFailure.MALFORMED, "the UTRN does not hold a top-up token")
    return ptut >> 32, (ptut & 0xFFFF_FFFF).to_bytes(4, "big")


# --- keys ---------------------------------------------------------------------------------


def _prepayment_entries(security: GbcsSecurity, supplier: Eui64) -> list[KeyEntry]:
    return [
        e
        for e in security.keystore.find(supplier, KeyUsage.KEY_AGREEMENT)
        if PREPAYMENT_KEY_MARK in e.name
    ]


def _device_entries(security: GbcsSecurity, device: Eui64) -> list[KeyEntry]:
    found = [
        e
        for e in security.keystore.find(device, KeyUsage.KEY_AGREEMENT)
        if PREPAYMENT_KEY_MARK not in e.name
    ]
    if not any(e.private_key for e in found) and security.device_keys is not None:
        derived = security.device_keys(device, KeyUsage.KEY_AGREEMENT)
        if derived is not None:
            found.append(derived)
    return found


def shared_secrets(
    security: GbcsSecurity, supplier: Eui64, device: Eui64, *, supplier_side: bool = False
) -> list[bytes]:
    """Every Z the keys at hand make between the Supplier's prepayment top-up key and the
    Device's key agreement key: the Device's own private key first, or the Supplier's
    when ``supplier_side`` (minting, as the Supplier does)."""
    suppliers = _prepayment_entries(security, supplier)
    devices = _device_entries(security, device)
    secrets: list[bytes] = []
    sides = ((devices, suppliers), (suppliers, devices))
    for holders, peers in reversed(sides) if supplier_side else sides:
        for holder in holders:
            if holder.private_key is None:
                continue
            for peer in peers:
                secrets.append(holder.private_key.exchange(ec.ECDH(), peer.public_key))
    return secrets


def verify(
    utrn: str, counter: int, supplier: Eui64, device: Eui64, security: GbcsSecurity
) -> TopUpToken:
    """The top-up a UTRN carries for ``device``, checked; raises ``UtrnError``."""
    high, mac = parse(utrn)
    if (high >> 15) & _COUNTER_BITS != (counter >> _COUNTER_STEP) & _COUNTER_BITS:
        raise UtrnError(UtrnFailure.COUNTER, "the UTRN was made for another counter")
    secrets = shared_secrets(security, supplier, device)
    if not secrets:
        raise UtrnError(
            UtrnFailure.NO_KEY, f"no prepayment top-up key pair for {supplier} and {device}"
        )
    if not any(
        tag(derive_key(z, supplier, device, counter), supplier, device, counter, high) == mac
        for z in secrets
    ):
        raise UtrnError(UtrnFailure.NOT_AUTHENTIC, "the UTRN does not authenticate")
    value_class = ValueClass.POUNDS if (high >> 13) & 0b11 == 1 else ValueClass.PENNIES
    if (high >> 13) & 0b11 > 1:
        raise UtrnError(UtrnFailure.MALFORMED, "unknown value class")
    return TopUpToken(utrn, counter, high & 0x1FFF, value_class)


def mint(
    counter: int,
    value: int,
    supplier: Eui64,
    device: Eui64,
    security: GbcsSecurity,
    value_class: ValueClass = ValueClass.PENNIES,
) -> str:
    """A UTRN as the Supplier makes it (needs a key pair the keystore can complete)."""
    secrets: Sequence[bytes] = shared_secrets(security, supplier, device, supplier_side=True)
    if not secrets:
        raise UtrnError(
            UtrnFailure.NO_KEY, f"no prepayment top-up key pair for {supplier} and {device}"
        )
    high = high_word(counter, value, value_class)
    key = derive_key(secrets[0], supplier, device, counter)
    return encode(counter, value, value_class, tag(key, supplier, device, counter, high))
