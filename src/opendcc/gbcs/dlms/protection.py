"""GBCS payload protection inside DLMS data: finding ciphered blocks and decrypting them.

GBCS reads personal data through the Data Protection interface class (class id 30): the
response (or alert) carries a structure whose members are the protection parameters (an
array of ``structure {enum protection_type, structure protection_options}``) followed by
the protected attributes, an octet-string holding a ciphered block (GBCS 7.3.2). That
pattern, not a guess at any octet-string starting 0x31, marks a block as ciphered.

Keys stay with the frame layer: ``context.decrypt`` turns a block into plaintext (or None).
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.context import Decryptor, GbcsDecodeError
from opendcc.gbcs.dlms.axdr import data_from_bytes
from opendcc.gbcs.dlms.data import (
    AUTH_TAG_LENGTH,
    Array,
    CompactArray,
    Data,
    EncryptedOctetString,
    Enum,
    OctetString,
    Structure,
)

SECURITY_HEADER_LENGTH: Final = 5
"""Security control byte and the 4-octet invocation counter."""
MIN_BLOCK_LENGTH: Final = SECURITY_HEADER_LENGTH + AUTH_TAG_LENGTH


def _is_protection_parameters(value: Data) -> bool:
    if not isinstance(value, Array) or not value.items:
        return False
    for item in value.items:
        if not (
            isinstance(item, Structure)
            and len(item.items) == 2
            and isinstance(item.items[0], Enum)
            and isinstance(item.items[1], Structure)
        ):
            return False
    return True


def mark_ciphered(value: Data, decrypt: Decryptor | None) -> Data:
    """``value`` with its protected-attributes octet-string turned into a ciphered block.

    GBCS puts the pair (protection parameters, protected attributes) at the top of a
    get_protected_attributes result and of an alert body, so only ``value``'s own members
    are examined. Returns ``value`` itself (no copy) when it holds no block, the common case.
    """
    if not isinstance(value, Structure):
        return value
    items = value.items
    for index in range(1, len(items)):
        item = items[index]
        if (
            isinstance(item, OctetString)
            and len(item.value) >= MIN_BLOCK_LENGTH
            and _is_protection_parameters(items[index - 1])
        ):
            replaced = list(items)
            replaced[index] = _cipher_block(item.value, decrypt)
            return Structure(tuple(replaced))
    return value


def _cipher_block(octets: bytes, decrypt: Decryptor | None) -> EncryptedOctetString:
    plaintext: Data | None = None
    if decrypt is not None:
        try:
            clear = decrypt(octets)
        except Exception as exc:  # the decryptor is caller code; its failure is a decode failure
            raise GbcsDecodeError(f"payload decryption failed: {exc}") from exc
        if clear is not None:
            try:
                plaintext = data_from_bytes(clear)
            except GbcsDecodeError as exc:
                raise GbcsDecodeError(f"decrypted block is not A-XDR data: {exc.reason}") from exc
    return EncryptedOctetString.parse(octets, plaintext)


def ciphered_blocks(value: Data) -> list[EncryptedOctetString]:
    """Every ciphered block in ``value``, depth first."""
    found: list[EncryptedOctetString] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, EncryptedOctetString):
            found.append(item)
        elif isinstance(item, Array | Structure | CompactArray):
            stack.extend(reversed(item.items))
    return found
